//! What a run frees once nothing will read it again: the metric rows and
//! the targets after the run's last scoring (docs/architecture.md).

use super::problems::{read_apart, Budget};
use super::Data;
use crate::error::Result;
use rayon::prelude::*;

/// Tables the run's last scoring frees (docs/architecture.md): a later
/// read of either stops on an assertion.
#[derive(Debug, Default, Clone, Copy)]
pub struct Release {
    /// The metric rows, once aggregated (only the trace reads them later).
    pub metric_rows: bool,
    /// The targets, once the KPIs are scored (nothing reads them later).
    pub targets: bool,
}

impl Data {
    /// Frees the metric rows before the last scoring, once the caller has
    /// aggregated everything that scoring reads, and hands the memory back.
    pub fn release_metric_rows(&mut self) {
        self.metrics.release();
        crate::memory::trim();
    }

    /// Frees what [`Data::release_after_scoring`] names, after the run's
    /// last scoring (freeing twice is harmless).
    pub fn release_scored(&mut self) {
        if self.release_after_scoring.metric_rows {
            self.metrics.release();
        }
        if self.release_after_scoring.targets {
            self.targets.release();
        }
    }
}

/// The periods whose targets and ratings a caller reads. Every row of both
/// tables is checked either way (values, subjects, duplicates); only the
/// kept periods' rows are held after reading. `merit run` keeps the periods
/// it scores (`engine::scored_periods`), so a year of monthly, quarterly and
/// yearly rows is not held in memory for one period's run. A read of a
/// period not kept stops on an assertion: it never finds "no target".
#[derive(Debug, Clone, Default)]
pub enum Keep {
    #[default]
    All,
    Periods(Vec<String>),
}

impl Keep {
    /// The rows to reserve for the held rows of `t`: all of them when every
    /// period is held, else none (they grow as found).
    pub(super) fn capacity(&self, t: &super::table::Table) -> usize {
        match self {
            Keep::All => t.capacity_hint(),
            Keep::Periods(_) => 0,
        }
    }

    /// Whether the rows of the period labelled `label` are kept.
    pub fn keeps(&self, label: &str) -> bool {
        match self {
            Keep::All => true,
            Keep::Periods(labels) => labels.iter().any(|x| x == label),
        }
    }
}

/// Reads a table holding only the periods `keep` names; `read` says whether
/// a key repeats among the rows it did not hold. Then the table is read
/// again holding all, so each duplicate is reported with its first row.
/// `b` is the table's own budget, empty (`read_timed` gives one): the first
/// read's problems, counted apart, then land as if read into it.
pub(super) fn read_kept<T>(
    keep: &Keep,
    b: &mut Budget,
    read: impl Fn(&Keep, &mut Budget) -> Result<(T, bool)>,
) -> Result<T> {
    if let Keep::All = keep {
        return Ok(read(keep, b)?.0);
    }
    let (first, apart) = read_apart(|b| read(keep, b));
    match first? {
        (table, false) => {
            b.absorb(apart);
            Ok(table)
        }
        (held, true) => {
            drop(held);
            Ok(read(&Keep::All, b)?.0)
        }
    }
}

/// The key of a row not held, for finding duplicates: (subject, the rest).
pub(super) fn other_key(subject: u32, rest: u32) -> u64 {
    u64::from(subject) << 32 | u64::from(rest)
}

/// Whether a key repeats among `keys` (sorted here).
pub(super) fn repeats(mut keys: Vec<u64>) -> bool {
    keys.par_sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(keep: &Keep) -> Data {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let lp = crate::policy::load(&root.join("policies/platform-ops")).unwrap();
        super::super::load_keeping(&root.join("fixtures/platform-ops"), &lp, keep).unwrap()
    }

    #[test]
    fn kept_periods_read_as_when_all_are_kept() {
        let (all, q3) = (
            load(&Keep::All),
            load(&Keep::Periods(vec!["2026-Q3".into()])),
        );
        // platform-ops has 3,876 targets over 19 labels, 204 of them in Q3.
        assert_eq!((all.targets.len(), q3.targets.len()), (3876, 204));
        let s = all.subjects.get("E001");
        for data in [&all, &q3] {
            let t = data.targets.get_at(s, "2026-Q3", "gmv");
            assert_eq!(t.map(|t| t.to_string()).as_deref(), Some("850983"));
            assert_eq!(
                data.ratings.get(s, "2026-Q3").unwrap().rating.to_string(),
                "3"
            );
            // A label the tables do not have is no target, kept or not.
            assert!(data.targets.get_at(s, "2031-Q3", "gmv").is_none());
            assert!(data.ratings.get(s, "2031-Q3").is_none());
        }
    }

    #[test]
    #[should_panic(expected = "targets of 2026-07 read but not kept")]
    fn a_target_of_a_period_not_kept_is_never_read_as_missing() {
        let q3 = load(&Keep::Periods(vec!["2026-Q3".into()]));
        q3.targets.get_at(q3.subjects.get("E001"), "2026-07", "gmv");
    }

    #[test]
    #[should_panic(expected = "ratings of 2026-Q2 read but not kept")]
    fn a_rating_of_a_period_not_kept_is_never_read_as_missing() {
        let q3 = load(&Keep::Periods(vec!["2026-Q3".into()]));
        q3.ratings.get(q3.subjects.get("E001"), "2026-Q2");
    }
}
