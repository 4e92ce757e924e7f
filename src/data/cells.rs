//! Reading single cells: text, amounts, dates and yes/no values, with the
//! exact messages a bad cell is reported with.

use super::problems::Budget;
use super::table::Table;
use crate::decimal::parse_decimal;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A decimal cell that must not be negative (or must be positive with
/// `positive`).
pub(super) fn amount_value(
    cell: Option<&str>,
    positive: bool,
) -> std::result::Result<Decimal, String> {
    match parse_decimal(cell.unwrap_or("")) {
        Ok(d) if positive && d <= Decimal::ZERO => Err(format!("{d} must be greater than zero")),
        Ok(d) if d < Decimal::ZERO => Err(format!("{d} is negative")),
        Ok(d) => Ok(d),
        Err(m) => Err(m),
    }
}

/// [`amount_value`] with problems going to the budget.
pub(super) fn amount(
    t: &Table,
    row: usize,
    column: &str,
    cell: Option<&str>,
    positive: bool,
    b: &mut Budget,
) -> Option<Decimal> {
    amount_value(cell, positive)
        .map_err(|m| b.cell(t, row, column, m))
        .ok()
}

pub(super) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim().as_bytes();
    // The common exact form without the format parser; anything else takes it.
    if t.len() == 10
        && t[4] == b'-'
        && t[7] == b'-'
        && t.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        let n =
            |r: std::ops::Range<usize>| t[r].iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0'));
        if let Some(d) = NaiveDate::from_ymd_opt(n(0..4) as i32, n(5..7), n(8..10)) {
            return Ok(d);
        }
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)"))
}

pub(super) fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!(
            "'{s}' is not a yes/no value (true, false, yes, no, y, n, 1, 0)"
        )),
    }
}

/// Text cell: trimmed, `None` when blank.
pub(super) fn text(cell: Option<&str>) -> Option<&str> {
    cell.map(str::trim).filter(|s| !s.is_empty())
}

pub(super) fn col<'t>(t: &'t Table, name: &str) -> Vec<Option<&'t str>> {
    t.column(name).unwrap_or_else(|| vec![None; t.rows()])
}
