//! The `projects` table: project payouts per (employee, period, project).

use super::cells::{amount, col, parse_bool, text};
use super::problems::Budget;
use super::table::Table;
use super::Subjects;
use crate::period::Period;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub struct Project {
    pub employee_id: String,
    pub period: String,
    pub project: String,
    pub amount: Decimal,
    pub approved: bool,
}

pub(super) fn projects(t: &Table, subjects: &Subjects, b: &mut Budget) -> Vec<Project> {
    let (emp, per, proj, amt, appr) = (
        col(t, "employee_id"),
        col(t, "period"),
        col(t, "project"),
        col(t, "amount"),
        col(t, "approved"),
    );
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for row in 0..t.rows() {
        let (e, p, name) = (
            text(emp[row]).unwrap_or(""),
            text(per[row]).unwrap_or(""),
            text(proj[row]).unwrap_or(""),
        );
        let mut ok = true;
        if !subjects.is_employee(e) {
            b.cell(t, row, "employee_id", format!("unknown employee '{e}'"));
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        if name.is_empty() {
            b.cell(t, row, "project", "empty value where one is required");
            ok = false;
        }
        let amount = amount(t, row, "amount", amt[row], false, b);
        let approved = parse_bool(appr[row].unwrap_or(""))
            .map_err(|m| b.cell(t, row, "approved", m))
            .ok();
        if !seen.insert((e.to_owned(), p.to_owned(), name.to_owned())) {
            b.push(
                t,
                "project",
                t.row_error(row, format!("duplicate project '{name}' for {e} in {p}")),
            );
            ok = false;
        }
        if let (true, Some(amount), Some(approved)) = (ok, amount, approved) {
            out.push(Project {
                employee_id: e.to_owned(),
                period: p.to_owned(),
                project: name.to_owned(),
                amount,
                approved,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.employee_id, &a.period, &a.project).cmp(&(&b.employee_id, &b.period, &b.project))
    });
    out
}
