//! The per-column problem budget: problems are listed up to a limit per
//! (table, column) and the rest counted, so a broken column does not flood
//! the report; tables read on other threads keep budgets of their own.

use super::table::Table;
use crate::error::{Diagnostic, Diagnostics};
use std::collections::BTreeMap;

/// At most this many problems are listed per table and column; the rest are counted.
pub(super) const MAX_PROBLEMS_PER_COLUMN: usize = 20;

/// Counts problems per column so a broken column does not flood the screen.
pub(super) struct Budget<'a> {
    pub(super) diags: &'a mut Diagnostics,
    counts: BTreeMap<(&'static str, String), usize>,
}

impl<'a> Budget<'a> {
    pub(super) fn new(diags: &'a mut Diagnostics) -> Self {
        Budget {
            diags,
            counts: BTreeMap::new(),
        }
    }
    pub(super) fn push(&mut self, t: &Table, column: &str, d: Diagnostic) {
        let n = self.counts.entry((t.name, column.to_owned())).or_default();
        *n += 1;
        if *n <= MAX_PROBLEMS_PER_COLUMN {
            self.diags.push(d);
        }
    }
    pub(super) fn cell(
        &mut self,
        t: &Table,
        row: usize,
        column: &str,
        msg: impl std::fmt::Display,
    ) {
        let n = self
            .counts
            .get(&(t.name, column.to_owned()))
            .copied()
            .unwrap_or(0);
        if n < MAX_PROBLEMS_PER_COLUMN {
            let d = t.cell_error(row, column, msg);
            self.push(t, column, d);
        } else {
            self.more(t, column, 1);
        }
    }
    /// `n` more problems in a column, counted but not listed.
    pub(super) fn more(&mut self, t: &Table, column: &str, n: usize) {
        *self.counts.entry((t.name, column.to_owned())).or_default() += n;
    }
    /// Problems found with a budget of their own (a table read on another
    /// thread), added after those found so far.
    pub(super) fn absorb(&mut self, apart: Apart) {
        self.diags.0.extend(apart.diags.0);
        for (k, n) in apart.counts {
            *self.counts.entry(k).or_default() += n;
        }
    }
    pub(super) fn finish(self, tables: &[&Table]) {
        for ((name, column), n) in self.counts {
            if n > MAX_PROBLEMS_PER_COLUMN {
                if let Some(t) = tables.iter().find(|t| t.name == name) {
                    self.diags.push(Diagnostic::error(
                        &t.path,
                        format!(
                            "column '{column}': {} more problems not listed",
                            n - MAX_PROBLEMS_PER_COLUMN
                        ),
                    ));
                }
            }
        }
    }
}

/// What [`read_apart`] found.
pub(super) struct Apart {
    diags: Diagnostics,
    counts: BTreeMap<(&'static str, String), usize>,
}

/// Runs `f` with a budget of its own, for reading tables side by side.
pub(super) fn read_apart<T>(f: impl FnOnce(&mut Budget) -> T) -> (T, Apart) {
    let mut diags = Diagnostics::default();
    let mut b = Budget::new(&mut diags);
    let out = f(&mut b);
    let counts = std::mem::take(&mut b.counts);
    (out, Apart { diags, counts })
}
