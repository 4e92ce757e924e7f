//! The `assignments` table: who covers which territory, when, for
//! commissions with `on.transactions.from: territory` (docs/data.md,
//! assignments).

use super::cells::{col, parse_date, text};
use super::problems::Budget;
use super::table::Table;
use super::Subjects;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Employee id → the territories they cover: (territory, first day, last
/// day or open-ended).
pub type Assignments = BTreeMap<String, Vec<(String, NaiveDate, Option<NaiveDate>)>>;

/// An assignment's first day, last day and row.
type Span = (NaiveDate, Option<NaiveDate>, usize);

pub(super) fn assignments(t: &Table, subjects: &Subjects, b: &mut Budget) -> Assignments {
    let (ids, terrs) = (col(t, "employee_id"), col(t, "territory"));
    let (starts, ends) = (col(t, "start"), col(t, "end"));
    let mut rows: BTreeMap<(String, String), Vec<Span>> = BTreeMap::new();
    for (row, id) in ids.iter().enumerate() {
        let id = text(*id).unwrap_or("");
        if !subjects.is_employee(id) {
            b.cell(t, row, "employee_id", format!("unknown employee '{id}'"));
        }
        let Some(terr) = text(terrs[row]) else {
            b.cell(t, row, "territory", "empty value where one is required");
            continue;
        };
        let Ok(s) = parse_date(starts[row].unwrap_or("")).map_err(|m| b.cell(t, row, "start", m))
        else {
            continue;
        };
        let e = match text(ends[row]) {
            None => None,
            Some(v) => match parse_date(v) {
                Ok(e) if e >= s => Some(e),
                Ok(e) => {
                    b.cell(
                        t,
                        row,
                        "end",
                        format!("the assignment ends ({e}) before it starts ({s})"),
                    );
                    continue;
                }
                Err(m) => {
                    b.cell(t, row, "end", m);
                    continue;
                }
            },
        };
        rows.entry((id.to_owned(), terr.to_owned()))
            .or_default()
            .push((s, e, row));
    }
    let mut out = Assignments::new();
    for ((id, terr), mut list) in rows {
        list.sort();
        for w in list.windows(2) {
            if w[0].1.is_none_or(|end| w[1].0 <= end) {
                let m = format!(
                    "employee {id} covers territory '{terr}' twice on {} ({})",
                    w[1].0,
                    t.row_place(w[0].2)
                );
                b.cell(t, w[1].2, "start", m);
            }
        }
        let entry = out.entry(id).or_default();
        entry.extend(list.into_iter().map(|(s, e, _)| (terr.clone(), s, e)));
    }
    out
}
