//! `deals.csv`: the deal ledger of a plan with `clawback` — what each deal
//! paid whom through which commission, and what refunds recovered since
//! (docs/policy.md, Refunds and clawbacks); read back from the previous
//! run of the chain (`merit run --after`).

use super::csv::Csv;
use super::OutFile;
use crate::data::table::Table;
use crate::decimal::parse_decimal;
use crate::engine::clawback::{DealRow, Deals};
use crate::error::{Diagnostic, Error, Result};
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use std::path::Path;

pub const COLUMNS: [&str; 9] = [
    "deal_id",
    "employee_id",
    "commission",
    "deal_date",
    "amount",
    "paid",
    "refunded",
    "recovered",
    "counted_to",
];

/// The largest amount a ledger cell may hold (as `balances.csv`).
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

pub fn csv(lp: &LoadedPolicy, deals: &Deals) -> OutFile {
    let mut c = Csv::with_header(&COLUMNS);
    let r = &lp.policy.rounding;
    let money = |d: Decimal| crate::decimal::round_fixed(d, r.money_places, r.mode);
    for row in &deals.rows {
        c.text(&row.deal_id)
            .text(&row.employee_id)
            .text(&row.commission)
            .text(&row.deal_date.to_string())
            .dec(row.amount.normalize())
            .dec(money(row.paid))
            .dec(row.refunded.normalize())
            .dec(money(row.recovered))
            .text(&row.counted_to.to_string());
        c.end();
    }
    OutFile {
        rel: "deals.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: deals.rows.len(),
    }
}

/// Reads a previous run's `deals.csv` (in `dir`, verified by the caller):
/// amounts not negative, `paid` and `recovered` of at most `places`
/// decimals, `refunded` at most `amount`, `recovered` at most `paid`, one
/// row per (deal, employee, commission), as merit writes them.
pub fn read(dir: &Path, places: u32) -> Result<Vec<DealRow>> {
    let path = dir.join("deals.csv");
    let t = Table::read("deals", &path)?;
    let fail = |row: usize, col: &str, m: String| Error::one(t.cell_error(row, col, m));
    let mut cols = Vec::with_capacity(COLUMNS.len());
    for n in COLUMNS {
        cols.push(t.column(n).ok_or_else(|| {
            Error::one(Diagnostic::error(
                &path,
                format!("deals.csv has no column '{n}'"),
            ))
        })?);
    }
    let amount = |row: usize, i: usize, money: bool| -> Result<Decimal> {
        let d = parse_decimal(cols[i][row].unwrap_or("")).map_err(|m| fail(row, COLUMNS[i], m))?;
        let ok = d >= Decimal::ZERO
            && d <= Decimal::from(MAX_AMOUNT)
            && (!money || d.normalize().scale() <= places);
        if !ok {
            let m = format!("{d} is not an amount merit writes in deals.csv");
            return Err(fail(row, COLUMNS[i], m));
        }
        Ok(d)
    };
    let text = |row: usize, i: usize| {
        crate::output::csv::unneutralise(cols[i][row].unwrap_or("")).to_owned()
    };
    let mut rows: Vec<DealRow> = Vec::with_capacity(t.rows());
    let date = |row: usize, i: usize| {
        chrono::NaiveDate::parse_from_str(cols[i][row].unwrap_or(""), "%Y-%m-%d")
            .map_err(|_| fail(row, COLUMNS[i], "not a date".into()))
    };
    for row in 0..t.rows() {
        let deal_date = date(row, 3)?;
        let r = DealRow {
            deal_id: text(row, 0),
            employee_id: text(row, 1),
            commission: text(row, 2),
            deal_date,
            amount: amount(row, 4, false)?,
            paid: amount(row, 5, true)?,
            refunded: amount(row, 6, false)?,
            recovered: amount(row, 7, true)?,
            counted_to: date(row, 8)?,
        };
        if r.refunded > r.amount || r.recovered > r.paid {
            let m = "refunded more than the amount, or recovered more than was paid".into();
            return Err(fail(row, "refunded", m));
        }
        let key = |r: &DealRow| {
            (
                r.deal_id.clone(),
                r.employee_id.clone(),
                r.commission.clone(),
            )
        };
        if rows.last().is_some_and(|p| key(p) >= key(&r)) {
            let m = "rows out of order or written twice (deal, employee, commission)".into();
            return Err(fail(row, "deal_id", m));
        }
        rows.push(r);
    }
    Ok(rows)
}
