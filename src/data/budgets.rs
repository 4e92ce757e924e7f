//! The `budgets` table: (subject, period) → bonus pool budget in the
//! policy currency.

use super::cells::{amount, col, text};
use super::problems::Budget;
use super::table::Table;
use super::{Subjects, COMPANY};
use crate::period::Period;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub(super) fn budgets(
    t: &Table,
    subjects: &Subjects,
    places: u32,
    b: &mut Budget,
) -> BTreeMap<(String, String), Decimal> {
    let (subj, per, val) = (col(t, "subject_id"), col(t, "period"), col(t, "budget"));
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let (s, p) = (text(subj[row]).unwrap_or(""), text(per[row]).unwrap_or(""));
        let mut ok = true;
        // A pool is a department's or the company's: a row for anyone else
        // would never be read.
        if subjects.get(s).is_none() || subjects.is_employee(s) {
            b.cell(
                t,
                row,
                "subject_id",
                format!(
                    "'{s}' is not a department or '{COMPANY}' (a pool's budget belongs to one)"
                ),
            );
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        let v = amount(t, row, "budget", val[row], false, b);
        if v.is_some_and(|v| v.normalize().scale() > places) {
            // A pool pays its budget exactly; it cannot pay a fraction of a cent.
            b.cell(
                t,
                row,
                "budget",
                format!("a budget has at most {places} decimal places (the policy's money places)"),
            );
            ok = false;
        }
        if let (true, Some(v)) = (ok, v) {
            if out.insert((s.to_owned(), p.to_owned()), v).is_some() {
                b.push(
                    t,
                    "subject_id",
                    t.row_error(row, format!("duplicate budget for {s} in {p}")),
                );
            }
        }
    }
    out
}
