//! Stage: targets — the value each KPI is measured against, per subject.

use crate::data::Data;
use crate::period::Period;
use crate::policy::{Kpi, TargetSource};
use rust_decimal::Decimal;

/// A target and where it came from (shown in statements and explain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub value: Decimal,
    pub source: String,
}

pub fn target(kpi: &Kpi, subject: &str, period: &Period, data: &Data) -> Result<Target, String> {
    match &kpi.target {
        TargetSource::Fixed(v) => Ok(Target {
            value: v.0,
            source: "policy (fixed)".into(),
        }),
        TargetSource::Table => data
            .targets
            .get(&(subject.to_owned(), period.label.clone(), kpi.id.clone()))
            .map(|v| Target {
                value: *v,
                source: "targets table".into(),
            })
            .ok_or_else(|| format!("no target for KPI '{}', subject '{subject}', period {period} in the targets table", kpi.id)),
        // Evaluated by the engine, which holds the compiled script.
        TargetSource::Script(file) => Err(format!("KPI '{}': target script {file} was not compiled", kpi.id)),
    }
}
