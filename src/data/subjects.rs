//! [`Subjects`]: the ids metric, target and budget rows may name, gathered
//! from the employees table.

use super::cells::{col, text};
use super::fast::same;
use super::table::Table;
use super::{Employee, COMPANY};
use polars::prelude::PlIndexSet;

/// The ids that metric and target rows may name: every employee id in the
/// employees table (rows with other problems included, so one bad cell does
/// not cascade), every department, and `company`, each with a dense index.
/// The employees of [`Data::employees`](super::Data::employees) come first:
/// employee `i` is subject `i`.
#[derive(Default)]
pub struct Subjects {
    names: PlIndexSet<String>,
    /// Subjects before this index are employee ids.
    employee_ids: usize,
}

impl Subjects {
    /// The valid employees first, in order, so employee `i` of
    /// [`Data::employees`](super::Data::employees) is subject `i`; then the
    /// other ids and the departments of `t`, the employees table.
    pub(super) fn of_employees(employees: &[Employee], t: &Table) -> Subjects {
        // References are checked against every id in the table, including rows
        // with other problems, so one bad cell does not cascade.
        let id_col = col(t, "employee_id");
        let dept_col = col(t, "department");
        let mut subjects = Subjects {
            names: PlIndexSet::with_capacity_and_hasher(employees.len() + 1024, Default::default()),
            employee_ids: 0,
        };
        for e in employees {
            subjects.names.insert(e.id.clone());
        }
        for c in &id_col {
            if let Some(s) = text(*c) {
                subjects.add(s);
            }
        }
        subjects.employee_ids = subjects.len();
        for c in &dept_col {
            if let Some(s) = text(*c) {
                subjects.add(s);
            }
        }
        subjects.add(COMPANY);
        subjects
    }

    pub(super) fn add(&mut self, name: &str) {
        if self.names.get_index_of(name).is_none() {
            self.names.insert(name.to_owned());
        }
    }
    pub fn get(&self, name: &str) -> Option<u32> {
        self.names.get_index_of(name).map(|i| i as u32)
    }
    /// [`Subjects::get`], trying the subject after `prev` first: a table
    /// sorted like the employees names them in that order, and a compare
    /// costs less than a probe into a million entries (names are unique,
    /// so the answer is the same).
    pub fn get_after(&self, name: &str, prev: Option<u32>) -> Option<u32> {
        let next = prev.map(|p| p as usize + 1);
        match next.and_then(|i| self.names.get_index(i)) {
            Some(n) if n == name => next.map(|i| i as u32),
            _ => self.get(name),
        }
    }
    /// The index of `s` in a table whose rows come grouped by subject,
    /// usually in the employees' order: `last` is the previous row's
    /// subject, found or not, and becomes this row's.
    pub(super) fn get_grouped<'c>(
        &self,
        s: &'c str,
        last: &mut Option<(&'c str, Option<u32>)>,
    ) -> Option<u32> {
        match *last {
            Some((x, ix)) if same(s, x) => ix,
            _ => {
                let ix = self.get_after(s, last.and_then(|l| l.1));
                *last = Some((s, ix));
                ix
            }
        }
    }
    /// The index of employee `i` of [`Data::employees`](super::Data::employees)
    /// (whose id is `id`): `i` itself, as the employees come first; looked up
    /// otherwise.
    pub fn of_employee(&self, i: usize, id: &str) -> Option<u32> {
        if i < self.employee_ids && self.names[i] == id {
            Some(i as u32)
        } else {
            self.get(id)
        }
    }
    pub fn name(&self, index: u32) -> &str {
        self.names
            .get_index(index as usize)
            .map_or("", String::as_str)
    }
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    /// Whether the subject with index `i` is an id in the employees table.
    pub fn is_employee_index(&self, i: u32) -> bool {
        (i as usize) < self.employee_ids
    }

    /// Whether `name` is an id in the employees table.
    pub fn is_employee(&self, name: &str) -> bool {
        self.names
            .get_index_of(name)
            .is_some_and(|i| i < self.employee_ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_never_changes_the_answer() {
        let mut s = Subjects::default();
        for n in ["E1", "E2", "E3", "sales"] {
            s.add(n);
        }
        for name in ["E1", "E2", "E3", "sales", "E4", ""] {
            for prev in [None, Some(0), Some(1), Some(2), Some(3), Some(9)] {
                assert_eq!(
                    s.get_after(name, prev),
                    s.get(name),
                    "{name} after {prev:?}"
                );
            }
        }
        assert_eq!(s.get_after("E3", Some(1)), Some(2));
        let mut last = None;
        for name in ["E1", "E1", "E2", "x", "x", "E3", "sales", "E1"] {
            assert_eq!(s.get_grouped(name, &mut last), s.get(name), "{name}");
        }
    }
}
