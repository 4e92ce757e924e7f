//! What a run frees once nothing will read it again: the metric rows and
//! the targets after the run's last scoring (docs/architecture.md).

use super::Data;

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
