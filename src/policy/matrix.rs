//! `bonus.matrix` — a payout matrix: the achievements of two KPIs pick (or
//! interpolate) a payout percent of the target bonus (docs/policy.md,
//! Payout matrices).

use super::locate::Seg;
use super::model::Policy;
use super::validate::Ctx;
use crate::decimal::Dec;
use crate::error::Diagnostics;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// The KPI whose achievement picks the row, and the rows' lower bounds.
    pub rows: Axis,
    /// The KPI whose achievement picks the column, and the columns' bounds.
    pub columns: Axis,
    /// Payout percent of the target bonus: one list per row, one value per column.
    pub values: Vec<Vec<Dec>>,
    /// `stepped` (default): the cell whose bounds the achievements reach;
    /// `interpolated`: linear between the bounds in both directions.
    #[serde(default)]
    pub mode: MatrixMode,
    /// The percent when either achievement is below its first bound (default 0).
    #[serde(default)]
    pub below: Dec,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub kpi: String,
    /// Achievement bounds, strictly increasing.
    pub bounds: Vec<Dec>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatrixMode {
    #[default]
    Stepped,
    Interpolated,
}

/// KPIs exist and every role lists them; bounds increase; the values fill
/// the grid; no script beside it.
pub(super) fn check(ctx: &Ctx, p: &Policy, m: &Matrix, diags: &mut Diagnostics) {
    use Seg::*;
    let at = |k: &'static str| [Key("bonus"), Key("matrix"), Key(k)];
    if !p.bonus.script.is_empty() {
        diags.push(ctx.error(
            &at("rows"),
            "a payout matrix is the bonus formula; remove bonus.script (or the matrix)",
        ));
    }
    for (key, axis) in [("rows", &m.rows), ("columns", &m.columns)] {
        if !p.kpis.iter().any(|k| k.id == axis.kpi) {
            let h = super::hint(&axis.kpi, p.kpis.iter().map(|k| k.id.as_str()));
            diags.push(ctx.error(
                &at(key),
                format!("matrix {key}: KPI '{}' is not defined{h}", axis.kpi),
            ));
        }
        for name in super::check_plan::roles_without(p, &axis.kpi, |_| true) {
            diags.push(ctx.error(&at(key), format!("matrix {key}: role '{name}' does not list KPI '{}' in its weights, so it is not evaluated for its people (add it with weight 0)", axis.kpi)));
        }
        if axis.bounds.is_empty() || axis.bounds.windows(2).any(|w| w[1].0 <= w[0].0) {
            diags.push(ctx.error(
                &at(key),
                format!(
                    "matrix {key}: bounds must be one or more achievements, strictly increasing"
                ),
            ));
        }
    }
    let (r, c) = (m.rows.bounds.len(), m.columns.bounds.len());
    if m.values.len() != r || m.values.iter().any(|row| row.len() != c) {
        diags.push(ctx.error(&at("values"), format!("matrix values: {r} rows of {c} values each are needed (one per row bound, one per column bound)")));
    }
    if m.values
        .iter()
        .flatten()
        .chain([&m.below])
        .any(|v| v.0.is_sign_negative())
    {
        diags.push(ctx.error(
            &at("values"),
            "matrix values are payout percents and must not be negative",
        ));
    }
}
