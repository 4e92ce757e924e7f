//! The `departments` table: display names of the department ids the other
//! tables use, for statements (docs/data.md, departments). Optional: without
//! it, statements show the ids.

use super::cells::{col, text};
use super::problems::Budget;
use super::table::Table;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// The Chinese (or only) name.
    pub name: String,
    /// The English name, when it differs.
    pub name_en: Option<String>,
    /// The department this one belongs to (a team's department).
    pub parent: Option<String>,
    pub cost_centre: Option<String>,
}

/// Department id → its names, every row checked.
pub type Departments = BTreeMap<String, Department>;

pub(super) fn departments(t: &Table, b: &mut Budget) -> Departments {
    let (id, name, name_en, parent, cost) = (
        col(t, "department_id"),
        col(t, "name"),
        t.column("name_en"),
        t.column("parent"),
        t.column("cost_centre"),
    );
    let optional = |c: &Option<Vec<Option<&str>>>, row: usize| {
        c.as_ref()
            .and_then(|c| text(c[row]))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut out = Departments::new();
    // Parents are checked once every id is known: a parent may come later.
    let mut parents = Vec::new();
    for row in 0..t.rows() {
        let d = text(id[row]).unwrap_or("");
        let n = text(name[row]).unwrap_or("");
        let mut ok = true;
        for (column, value) in [("department_id", d), ("name", n)] {
            if value.is_empty() {
                b.cell(t, row, column, "empty value where one is required");
                ok = false;
            }
        }
        let dept = Department {
            name: n.to_owned(),
            name_en: optional(&name_en, row),
            parent: optional(&parent, row),
            cost_centre: optional(&cost, row),
        };
        if let Some(p) = &dept.parent {
            parents.push((row, d.to_owned(), p.clone()));
        }
        if ok && out.insert(d.to_owned(), dept).is_some() {
            let m = format!("duplicate department '{d}'");
            b.push(t, "department_id", t.row_error(row, m));
        }
    }
    for (row, d, p) in parents {
        if p == d {
            b.cell(t, row, "parent", "a department cannot be its own parent");
        } else if !out.contains_key(&p) {
            let m = format!("parent '{p}' is not a department_id of this table");
            b.cell(t, row, "parent", m);
        }
    }
    out
}
