//! The `projects` table: project payouts per (employee, period, project).

use super::cells::{amount, col, parse_bool, text};
use super::problems::Budget;
use super::table::Table;
use super::{Data, Employee, Subjects};
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

/// The table's rows, sorted by (employee, period, project), and where each
/// of `employees` starts in them ([`starts`]).
pub(super) fn projects(
    t: &Table,
    subjects: &Subjects,
    employees: &[Employee],
    b: &mut Budget,
) -> (Vec<Project>, Vec<usize>) {
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
    let starts = starts(employees, &out);
    (out, starts)
}

/// Where each employee's projects start in `projects` (both sorted by
/// employee id): one pass, where a search per employee compared a
/// million ids 18 times each. Empty without projects.
fn starts(employees: &[Employee], projects: &[Project]) -> Vec<usize> {
    if projects.is_empty() {
        return Vec::new();
    }
    let mut at = 0;
    (employees.iter())
        .map(|e| {
            while projects.get(at).is_some_and(|p| p.employee_id < e.id) {
                at += 1;
            }
            at
        })
        .collect()
}

impl Data {
    /// The projects of employee `i` (index into `employees`), whose id is
    /// `id`, in (period, project) order.
    pub fn projects_of(&self, i: usize, id: &str) -> &[Project] {
        let ps = &self.projects;
        // The start found at load, checked; else searched.
        let fits = |s: usize| {
            s <= ps.len()
                && (s == 0 || ps[s - 1].employee_id.as_str() < id)
                && ps.get(s).is_none_or(|p| p.employee_id.as_str() >= id)
        };
        let start = match self.project_starts.get(i) {
            Some(&s) if fits(s) => s,
            _ => ps.partition_point(|p| p.employee_id.as_str() < id),
        };
        let len = ps[start..].partition_point(|p| p.employee_id == id);
        &ps[start..start + len]
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn listed(p: &super::Project) -> String {
        format!("{} {} {}", p.employee_id, p.period, p.project)
    }

    #[test]
    fn each_employees_projects_are_found_with_a_right_or_a_wrong_start() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let lp = crate::policy::load(&root.join("policies/platform-ops")).unwrap();
        let mut data = crate::data::load(&root.join("fixtures/platform-ops"), &lp).unwrap();
        // Several projects for some, the first and the last employee too.
        let mut more = data.projects.clone();
        for (n, e) in [0, 1, 1, 2, 2, 2]
            .iter()
            .zip(data.employees.iter().step_by(7))
        {
            for k in 0..*n {
                let mut p = data.projects[0].clone();
                (p.employee_id, p.project) = (e.id.clone(), format!("extra-{k}"));
                more.push(p);
            }
        }
        let (first, last) = (&data.employees[0], data.employees.last().unwrap());
        for e in [first, last] {
            let mut p = data.projects[0].clone();
            p.employee_id = e.id.clone();
            more.push(p);
        }
        more.sort_by_key(listed);
        data.projects = more;
        data.project_starts = super::starts(&data.employees, &data.projects);
        let expected: Vec<Vec<String>> = (data.employees.iter())
            .map(|e| {
                let mine = data.projects.iter().filter(|p| p.employee_id == e.id);
                mine.map(listed).collect()
            })
            .collect();
        let found = |data: &crate::data::Data| -> Vec<Vec<String>> {
            (data.employees.iter().enumerate())
                .map(|(i, e)| data.projects_of(i, &e.id).iter().map(listed).collect())
                .collect()
        };
        assert!(expected.iter().filter(|p| p.len() >= 2).count() >= 3);
        assert!(expected.iter().any(Vec::is_empty));
        assert_eq!(found(&data), expected);
        // A start that does not fit (a stale index) is searched instead.
        data.project_starts.reverse();
        assert_eq!(found(&data), expected);
        data.project_starts.clear();
        assert_eq!(found(&data), expected);
    }
}
