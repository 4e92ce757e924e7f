//! The `refunds` table: deals refunded or cancelled after they were sold
//! (docs/data.md, refunds; docs/policy.md, Refunds and clawbacks).

use super::cells::{amount, col, parse_date, text};
use super::problems::Budget;
use super::table::Table;
use super::Credit;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One refund of a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub date: NaiveDate,
    /// The money refunded, more than 0.
    pub amount: Decimal,
    pub reason: Option<String>,
}

/// Deal id → its refunds, by date.
pub type Refunds = BTreeMap<String, Vec<Refund>>;

/// The sum of `refunds` dated from `from` to `to`.
pub fn sum_between(refunds: &[Refund], from: NaiveDate, to: NaiveDate) -> Decimal {
    refunds
        .iter()
        .filter(|r| r.date >= from && r.date <= to)
        .map(|r| r.amount)
        .sum()
}

pub(super) fn refunds(t: &Table, credits: &[Credit], b: &mut Budget) -> Refunds {
    let c: Vec<Vec<Option<&str>>> = super::REFUNDS
        .0
        .iter()
        .chain(super::REFUNDS.1)
        .map(|n| col(t, n))
        .collect();
    // Deal id → (date, amount), from any of its credit rows.
    let deals: BTreeMap<&str, (NaiveDate, Decimal)> = credits
        .iter()
        .map(|c| (c.deal_id.as_str(), (c.date, c.amount)))
        .collect();
    let mut out: Refunds = BTreeMap::new();
    // Deal id → the refunds' sum so far.
    let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
    for (row, deal) in c[0].iter().enumerate() {
        let deal = text(*deal).unwrap_or("");
        if deal.is_empty() {
            b.cell(t, row, "deal_id", "empty value where one is required");
        }
        let date = parse_date(c[1][row].unwrap_or(""))
            .map_err(|m| b.cell(t, row, "date", m))
            .ok();
        let money = amount(t, row, "amount", c[2][row], true, b);
        let (Some(date), Some(money), false) = (date, money, deal.is_empty()) else {
            continue;
        };
        if let Some((sold, whole)) = deals.get(deal) {
            if date < *sold {
                let m = format!("a refund of deal '{deal}' is dated before the deal ({sold})");
                b.cell(t, row, "date", m);
            }
            let sum = sums.entry(deal.to_owned()).or_default();
            let next = sum.checked_add(money);
            match next {
                Some(s) if s <= *whole => *sum = s,
                _ => {
                    let s =
                        next.map_or_else(|| "more than a decimal holds".into(), |s| s.to_string());
                    let m = format!(
                        "the refunds of deal '{deal}' sum to {s}, more than its amount {whole}"
                    );
                    b.cell(t, row, "amount", m);
                }
            }
        }
        out.entry(deal.to_owned()).or_default().push(Refund {
            date,
            amount: money,
            reason: text(c[3][row]).map(str::to_owned),
        });
    }
    for list in out.values_mut() {
        list.sort_by_key(|r| (r.date, r.amount));
    }
    out
}
