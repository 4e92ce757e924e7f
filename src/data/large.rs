//! The large tables (metrics, targets, ratings) read side by side, and the
//! input files' bytes copied and hashed beside the reading.

use super::problems::{read_apart, Apart, Budget};
use super::release::read_kept;
use super::table::Table;
use super::{ratings, Keep, Metrics, Ratings, Subjects, Tables, Targets};
use crate::error::{Diagnostic, Result};
use crate::policy::LoadedPolicy;
use std::sync::atomic::{AtomicBool, Ordering};

/// The metrics, targets and ratings tables, read side by side (each on every
/// core, with parts that run on one), their problems reported in this order.
/// `None` metrics when their rows had problems.
pub(super) fn read_large(
    tables: &Tables,
    policy: &LoadedPolicy,
    subjects: &Subjects,
    keep: &Keep,
    budget: &mut Budget,
) -> Result<(Option<Metrics>, Targets, Ratings)> {
    let ((metrics, metrics_apart), ((targets, targets_apart), (ratings, ratings_apart))) =
        rayon::join(
            || read_apart(|b| Metrics::read(&tables.metrics, subjects, b)),
            || {
                rayon::join(
                    || {
                        read_timed("targets", tables.rest.targets.as_ref(), |t, b| {
                            read_kept(keep, b, |k, b| Targets::read(t, policy, subjects, k, b))
                        })
                    },
                    || {
                        read_timed("ratings", tables.rest.ratings.as_ref(), |t, b| {
                            read_kept(keep, b, |k, b| ratings::ratings(t, policy, subjects, k, b))
                        })
                    },
                )
            },
        );
    budget.absorb(metrics_apart);
    let metrics = metrics?;
    if tables.metrics.rows() == 0 {
        budget.diags.push(Diagnostic::error(
            &tables.metrics.path,
            "the metrics table is empty",
        ));
    }
    budget.absorb(targets_apart);
    let targets = targets?.unwrap_or_default();
    budget.absorb(ratings_apart);
    let ratings = ratings?.unwrap_or_default();
    Ok((metrics, targets, ratings))
}

/// [`read_apart`] for an optional table, with the time it took in the log.
fn read_timed<T>(
    name: &str,
    t: Option<&Table>,
    read: impl FnOnce(&Table, &mut Budget) -> Result<T>,
) -> (Result<Option<T>>, Apart) {
    read_apart(|b| {
        let t0 = std::time::Instant::now();
        let r = t.map(|t| read(t, b)).transpose();
        tracing::info!("read {name}: {:.3} s", t0.elapsed().as_secs_f64());
        r
    })
}

/// Work on the input files' bytes done on a thread of its own while the
/// tables are read (the employees' read leaves a core idle): `merit run`
/// copies them into its archive. Called with each file's name and bytes,
/// in [`Tables::all`]'s order.
pub type Beside<'a> = &'a (dyn Fn(&str, &[u8]) -> Result<()> + Sync);

/// Calls `f` for every table's file and hashes its bytes: each table's
/// name with its file's hash. Once `stop` is set (the data had problems),
/// the files left are skipped and their hashes missing.
pub(super) fn beside(tables: &Tables, f: Beside, stop: &AtomicBool) -> Result<Hashes> {
    (tables.all().into_iter())
        .take_while(|_| !stop.load(Ordering::Relaxed))
        .map(|t| {
            f(&t.file_name(), &t.bytes)?;
            Ok((t.name, super::sha256(&t.bytes)))
        })
        .collect()
}

/// Table name → the sha256 of its file.
pub(super) type Hashes = std::collections::BTreeMap<&'static str, String>;
