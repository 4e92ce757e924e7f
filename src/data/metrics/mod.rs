//! The `metrics` table (long format: subject, month, metric, value) and its
//! aggregation over a period's months.
//!
//! Values are exact: each metric is stored as i64 mantissas at the largest
//! number of decimal places seen for that metric, so sums are integer sums —
//! exact and independent of thread order — turned back into `Decimal`s at
//! the end. A metric whose values could overflow that sum is an error rather
//! than a wrong number.
//!
//! Built for tens of millions of rows: the table is read in batches (polars,
//! every column as text), each batch is checked and converted in parallel
//! into four compact columns (subject index, month index, metric index,
//! mantissa; 16 bytes a row), and a period is aggregated in one pass into
//! dense per-(subject, metric) arrays. No text of a cell is kept.
//!
//! This file owns [`Metrics`] and its compact chunks; reading (`read.rs`),
//! aggregating (`aggs.rs`) and the audit trace's rows (`monthly.rs`) are
//! submodules.

mod aggs;
mod monthly;
mod read;
mod simulate;

use crate::error::{Diagnostic, Error, Result};
use crate::period::{Month, Period};
use std::collections::BTreeSet;

pub use aggs::{Agg, Aggs};
pub use monthly::{MonthRow, MonthlyRows};
pub use simulate::{Series, SimRow};

pub struct Metrics {
    /// The rows, in table order, in the parts they were read in.
    chunks: Vec<Chunk>,
    month_list: Vec<Month>,
    metric_names: Vec<String>,
    scales: Vec<u32>,
    /// Months present in the table.
    pub months: BTreeSet<Month>,
    /// After `cut_for_simulation`: the index in `month_list` of the first
    /// simulated month …
    sim_first: Option<u16>,
    /// … and whether the last chunk holds simulated rows.
    sim_chunk: bool,
    /// Set by [`Metrics::release`]: the rows are gone.
    released: bool,
}

/// Rows `first_row..` of the table as compact columns.
struct Chunk {
    first_row: usize,
    subject: Vec<u32>,
    /// Index into `month_list` (chronological).
    month: Vec<u16>,
    metric: Vec<u16>,
    /// Mantissa at the metric's scale.
    value: Vec<i64>,
}

impl Metrics {
    /// Metric names present in the table.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.metric_names.iter().map(String::as_str)
    }

    /// The period must have metric rows in at least one of its months; which
    /// months each KPI needs is the KPI's `missing_months` rule.
    pub fn check_period(&self, period: &Period, file: &std::path::Path) -> Result<()> {
        if period.months().any(|m| self.months.contains(&m)) {
            return Ok(());
        }
        let available = match (self.months.first(), self.months.last()) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "none".into(),
        };
        Err(Error::one(Diagnostic::error(
            file,
            format!("period {period} has no metric rows in any of its months (months available: {available})"),
        )))
    }

    /// Whether each month of the table is inside `period`.
    fn months_in(&self, period: &Period) -> Vec<bool> {
        self.month_list
            .iter()
            .map(|m| period.contains(*m))
            .collect()
    }

    /// Rows in the table.
    pub fn rows(&self) -> usize {
        self.chunks.iter().map(|c| c.subject.len()).sum()
    }

    /// Frees the rows once nothing will read them again (see
    /// [`Data::release_after_scoring`](super::Data::release_after_scoring)).
    pub fn release(&mut self) {
        self.chunks = Vec::new();
        self.released = true;
    }

    /// Reading released rows would read none: a bug, never a result. It
    /// cannot happen from input: only `merit run` releases, only after the
    /// run's last scoring has aggregated everything it reads, and only
    /// when the trace (their one later reader) is skipped;
    /// tests/release_rows.rs runs the plans that score several times.
    fn check_kept(&self) {
        assert!(!self.released, "metric rows read after their release");
    }
}
