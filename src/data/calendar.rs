//! The `leave` and `holidays` tables: unpaid leave taken out of employed
//! days, and the working-day calendar of `proration: weekdays`
//! (docs/data.md, leave and holidays).

use super::cells::{col, parse_date, text};
use super::problems::Budget;
use super::table::Table;
use super::Subjects;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// Employee id → their leave, (first day, last day), by first day.
pub type Leave = BTreeMap<String, Vec<(NaiveDate, NaiveDate)>>;

/// Day → whether it is a make-up working day (`workday`) rather than a
/// holiday.
pub type Holidays = BTreeMap<NaiveDate, bool>;

pub(super) fn leave(t: &Table, subjects: &Subjects, b: &mut Budget) -> Leave {
    let (ids, starts, ends) = (col(t, "employee_id"), col(t, "start"), col(t, "end"));
    let mut out: Leave = BTreeMap::new();
    // Per employee: (first, last, row) to report overlaps with their line.
    let mut rows: BTreeMap<&str, Vec<(NaiveDate, NaiveDate, usize)>> = BTreeMap::new();
    for (row, id) in ids.iter().enumerate() {
        let id = text(*id).unwrap_or("");
        if !subjects.is_employee(id) {
            b.cell(t, row, "employee_id", format!("unknown employee '{id}'"));
        }
        let date = |c: &[Option<&str>], name: &str, b: &mut Budget| {
            parse_date(c[row].unwrap_or(""))
                .map_err(|m| b.cell(t, row, name, m))
                .ok()
        };
        let (Some(s), Some(e)) = (date(&starts, "start", b), date(&ends, "end", b)) else {
            continue;
        };
        if e < s {
            b.cell(
                t,
                row,
                "end",
                format!("the leave ends ({e}) before it starts ({s})"),
            );
            continue;
        }
        rows.entry(id).or_default().push((s, e, row));
    }
    for (id, mut list) in rows {
        list.sort();
        for w in list.windows(2) {
            if w[1].0 <= w[0].1 {
                let m = format!(
                    "leave of employee {id} overlaps an earlier row ({})",
                    t.row_place(w[0].2)
                );
                b.cell(t, w[1].2, "start", m);
            }
        }
        out.insert(
            id.to_owned(),
            list.into_iter().map(|(s, e, _)| (s, e)).collect(),
        );
    }
    out
}

pub(super) fn holidays(t: &Table, b: &mut Budget) -> Holidays {
    let (dates, kinds) = (col(t, "date"), col(t, "kind"));
    let mut out = Holidays::new();
    for (row, d) in dates.iter().enumerate() {
        let Ok(day) = parse_date(d.unwrap_or("")).map_err(|m| b.cell(t, row, "date", m)) else {
            continue;
        };
        let weekend = day.weekday().num_days_from_monday() >= 5;
        let workday = match text(kinds[row]) {
            None | Some("holiday") => false,
            Some("workday") => true,
            Some(_) => {
                b.cell(t, row, "kind", "kind is `holiday` or `workday`");
                continue;
            }
        };
        if weekend != workday {
            let m = if workday {
                format!("{day} is a weekday: a `workday` row is for a Saturday or Sunday worked in exchange")
            } else {
                format!("{day} is a weekend day: a `holiday` row is for a weekday off")
            };
            b.cell(t, row, "date", m);
            continue;
        }
        if out.insert(day, workday).is_some() {
            b.cell(t, row, "date", format!("{day} is listed twice"));
        }
    }
    out
}

/// Whether `day` is a working day: Monday to Friday unless a holiday, or
/// a weekend day listed as a `workday`.
pub fn is_working_day(holidays: &Holidays, day: NaiveDate) -> bool {
    match holidays.get(&day) {
        Some(workday) => *workday,
        None => day.weekday().num_days_from_monday() < 5,
    }
}
