//! `health:` in `policy.yaml`: the thresholds of the plan-health findings
//! that every run's report and `merit model` show (docs/model.md). Every key
//! is optional; the defaults are documented there and in the schema.

use super::locate::Seg;
use super::validate::Ctx;
use crate::decimal::Dec;
use crate::error::Diagnostics;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Deserialize;

/// Thresholds of the plan-health findings; percents are of the employees
/// (or KPI lines) judged.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Health {
    /// Fewest employees a KPI, scoring rule, department or the plan needs
    /// before it is judged (default 5).
    pub min_people: u32,
    /// A KPI's target is too easy when at least this percent of its
    /// employees reach its stretch (default 80).
    pub maxed_percent: Dec,
    /// A KPI's target is too hard when at least this percent of its
    /// employees stay below its threshold (default 80).
    pub missed_percent: Dec,
    /// A KPI's weight moves an employee's score when its contribution
    /// differs from the most common contribution by at least this many
    /// points (default 1) …
    pub weight_points: Dec,
    /// … and it moves almost nobody's pay when fewer than this percent of
    /// its employees are moved (default 10).
    pub weight_moved_percent: Dec,
    /// Scores cluster at a curve's cap (or floor) when at least this percent
    /// of the KPI lines it scores sit there (default 50).
    pub cluster_percent: Dec,
    /// Pay rises with performance when the fifth of employees with the
    /// highest scores is paid at least this many percentage points of
    /// target bonus more than the lowest fifth (default 10) …
    pub pay_rise_points: Dec,
    /// … and no fifth is paid more than this many points less than the
    /// fifth below it (default 5).
    pub pay_drop_points: Dec,
}

impl Default for Health {
    fn default() -> Health {
        let d = |v: i64| Dec(Decimal::from(v));
        Health {
            min_people: 5,
            maxed_percent: d(80),
            missed_percent: d(80),
            weight_points: d(1),
            weight_moved_percent: d(10),
            cluster_percent: d(50),
            pay_rise_points: d(10),
            pay_drop_points: d(5),
        }
    }
}

/// Percents between 0 and 100, points not negative.
pub(super) fn check(ctx: &Ctx, h: &Health, diags: &mut Diagnostics) {
    use Seg::*;
    let percents = [
        ("maxed_percent", &h.maxed_percent),
        ("missed_percent", &h.missed_percent),
        ("weight_moved_percent", &h.weight_moved_percent),
        ("cluster_percent", &h.cluster_percent),
    ];
    for (key, v) in percents {
        if v.0 <= Decimal::ZERO || v.0 > Decimal::ONE_HUNDRED {
            diags.push(ctx.error(
                &[Key("health"), Key(key)],
                format!("health.{key} is {}; a percent above 0 and at most 100", v.0),
            ));
        }
    }
    let points = [
        ("weight_points", &h.weight_points),
        ("pay_rise_points", &h.pay_rise_points),
        ("pay_drop_points", &h.pay_drop_points),
    ];
    for (key, v) in points {
        if v.0.is_sign_negative() {
            diags.push(ctx.error(
                &[Key("health"), Key(key)],
                format!("health.{key} is {}; it must not be negative", v.0),
            ));
        }
    }
}
