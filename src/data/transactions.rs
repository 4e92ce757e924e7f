//! The `transactions` table: deals and who is credited with them. The rows
//! of one deal are its credit split (docs/data.md, transactions).

use super::cells::{amount, col, parse_date, text};
use super::problems::Budget;
use super::table::Table;
use super::Subjects;
use crate::decimal::parse_decimal;
use crate::exact::Exact;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};

/// One employee's credit on one deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    pub deal_id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    /// The deal's whole amount.
    pub amount: Decimal,
    /// The employee's share in percent, exact (`100/3` is a third).
    pub share: Exact,
    /// The share as written (`100` when the cell is empty).
    pub share_text: String,
    /// Overlay credit, on top of the deal's direct 100 %.
    pub overlay: bool,
    pub product: Option<String>,
    pub customer: Option<String>,
    pub territory: Option<String>,
}

impl Credit {
    /// (amount − refunded) × share ÷ 100, exact.
    pub fn credited_net(&self, refunded: Decimal) -> Exact {
        (&Exact::from(self.amount - refunded) * &self.share) / Exact::from(100)
    }
}

/// The largest denominator of a share written as a fraction.
const MAX_DENOMINATOR: u8 = 100;

/// A share cell: a decimal or a fraction `N/D`, more than 0, at most 100.
fn share(cell: Option<&str>) -> Result<(Exact, String), String> {
    let Some(v) = text(cell) else {
        return Ok((Exact::from(100), "100".into()));
    };
    let value = match v.split_once('/') {
        Some((n, d)) => {
            let n = parse_decimal(n)?;
            // Small whole denominators keep every sum of shares small
            // (hostile ones such as 100/p for many primes p would not).
            let d = d
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|d| (1..=MAX_DENOMINATOR).contains(d))
                .ok_or("a share N/D needs a whole denominator D from 1 to 100 (e.g. 100/3)")?;
            Exact::ratio(n, Decimal::from(d)).ok_or("a share's denominator must not be 0")?
        }
        None => Exact::from(parse_decimal(v)?),
    };
    if value.is_negative() || value.is_zero() || value > Exact::from(100) {
        return Err("a share is a percent more than 0 and at most 100".into());
    }
    Ok((value, v.to_owned()))
}

/// The facts every row of a deal must repeat.
type DealFacts = (
    NaiveDate,
    Decimal,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(super) fn transactions(
    t: &Table,
    subjects: &Subjects,
    unique: bool,
    b: &mut Budget,
) -> Vec<Credit> {
    let c: Vec<Vec<Option<&str>>> = super::TRANSACTIONS
        .0
        .iter()
        .chain(super::TRANSACTIONS.1)
        .map(|n| col(t, n))
        .collect();
    let mut out: Vec<(usize, Credit)> = Vec::new();
    for row in 0..t.rows() {
        if let Some(credit) = row_credit(t, &c, row, subjects, b) {
            out.push((row, credit));
        }
    }
    check_deals(t, &out, unique, b);
    let mut credits: Vec<Credit> = out.into_iter().map(|(_, c)| c).collect();
    credits.sort_by(|a, b| {
        (&a.employee_id, a.date, &a.deal_id).cmp(&(&b.employee_id, b.date, &b.deal_id))
    });
    credits
}

/// One row, every cell checked; `None` when any is wrong.
fn row_credit(
    t: &Table,
    c: &[Vec<Option<&str>>],
    row: usize,
    subjects: &Subjects,
    b: &mut Budget,
) -> Option<Credit> {
    let mut ok = true;
    let deal_id = text(c[0][row]).unwrap_or("");
    if deal_id.is_empty() {
        b.cell(t, row, "deal_id", "empty value where one is required");
        ok = false;
    }
    let e = text(c[1][row]).unwrap_or("");
    if !subjects.is_employee(e) {
        b.cell(t, row, "employee_id", format!("unknown employee '{e}'"));
        ok = false;
    }
    let date = parse_date(c[2][row].unwrap_or(""))
        .map_err(|m| b.cell(t, row, "date", m))
        .ok();
    let amount = amount(t, row, "amount", c[3][row], false, b);
    let share = share(c[4][row])
        .map_err(|m| b.cell(t, row, "share", m))
        .ok();
    let overlay = match text(c[5][row]) {
        None | Some("direct") => Some(false),
        Some("overlay") => Some(true),
        Some(_) => {
            b.cell(t, row, "credit", "credit is `direct` or `overlay`");
            None
        }
    };
    let opt = |i: usize| text(c[i][row]).map(str::to_owned);
    match (ok, date, amount, share, overlay) {
        (true, Some(date), Some(amount), Some((share, share_text)), Some(overlay)) => {
            Some(Credit {
                deal_id: deal_id.to_owned(),
                employee_id: e.to_owned(),
                date,
                amount,
                share,
                share_text,
                overlay,
                product: opt(6),
                customer: opt(7),
                territory: opt(8),
            })
        }
        _ => None,
    }
}

/// Rows of one deal agree on its facts, credit each employee once, and
/// their direct shares sum to exactly 100.
fn check_deals(t: &Table, rows: &[(usize, Credit)], unique: bool, b: &mut Budget) {
    let mut deals: BTreeMap<&str, Vec<&(usize, Credit)>> = BTreeMap::new();
    for r in rows {
        deals.entry(r.1.deal_id.as_str()).or_default().push(r);
    }
    for (deal, rows) in deals {
        let (first_row, first) = rows[0];
        if unique && rows.len() > 1 {
            // The plan says a deal is one row: a repeat is a duplicate, not a split.
            let m = format!(
                "deal '{deal}' has more than one row ({} and {}); the policy has unique_deal_ids",
                t.row_place(*first_row),
                t.row_place(rows[1].0)
            );
            b.cell(t, rows[1].0, "deal_id", m);
            continue;
        }
        let facts = |c: &Credit| -> DealFacts {
            (
                c.date,
                c.amount,
                c.product.clone(),
                c.customer.clone(),
                c.territory.clone(),
            )
        };
        const NAMES: [&str; 5] = ["date", "amount", "product", "customer", "territory"];
        let mut direct = Exact::zero();
        let mut credited: HashSet<&str> = HashSet::with_capacity(rows.len());
        for (row, c) in rows.iter().map(|r| (r.0, &r.1)) {
            let (a, f) = (facts(first), facts(c));
            let differs = [a.0 != f.0, a.1 != f.1, a.2 != f.2, a.3 != f.3, a.4 != f.4];
            if let Some(i) = differs.iter().position(|d| *d) {
                let m = format!(
                    "deal '{deal}' has rows that disagree on {} ({} and {})",
                    NAMES[i],
                    t.row_place(*first_row),
                    t.row_place(row)
                );
                b.cell(t, row, NAMES[i], m);
            }
            if !credited.insert(c.employee_id.as_str()) {
                let m = format!(
                    "employee {} is credited twice on deal '{deal}'",
                    c.employee_id
                );
                b.cell(t, row, "employee_id", m);
            }
            if !c.overlay {
                direct = direct + c.share.clone();
            }
        }
        if direct != Exact::from(100) {
            let m = format!(
                "the direct shares of deal '{deal}' sum to {}, not 100",
                direct.approx().normalize()
            );
            b.cell(t, *first_row, "share", m);
        }
    }
}
