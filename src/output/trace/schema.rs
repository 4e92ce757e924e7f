//! The records of `trace.jsonl` as they are serialised and read back by
//! `merit explain`: the run record, the employee record and their parts.
//! Field order is the key order in the file.

use serde::{Deserialize, Serialize};

/// A policy value and where it is written (`policy.yaml:line:col`; `None`
/// for a default the file does not spell out).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sourced {
    pub value: String,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub record: String,
    pub trace_version: u32,
    pub policy: PolicyRef,
    pub period: PeriodRef,
    pub rounding: RoundingRef,
    /// The metrics table inside `archive/data/`.
    pub metrics_file: String,
    pub kpis: Vec<KpiDef>,
    pub scorings: Vec<ScoringDef>,
    pub roles: Vec<RoleDef>,
    pub review: Option<ReviewDef>,
    pub bands: Vec<BandDef>,
    pub bonus: BonusDef,
    pub employees: usize,
    pub not_in_period: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: String,
    pub version: String,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodRef {
    pub label: String,
    pub start: String,
    pub end: String,
    pub days: i64,
    pub months: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoundingRef {
    pub money_places: u32,
    pub actual_places: u32,
    pub achievement_places: u32,
    pub score_places: u32,
    pub mode: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KpiDef {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    /// `higher` or `lower` is better.
    pub direction: String,
    /// `individual`, `department` or `company`.
    pub scope: String,
    /// `sum`, `mean`, `last`, `max`, `min` or `ratio`.
    pub aggregate: String,
    pub metrics: Vec<String>,
    /// `table`, or the fixed target value.
    pub target: Sourced,
    pub scoring: String,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurvePointRef {
    pub achievement: String,
    pub score: String,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoringDef {
    pub id: String,
    pub threshold: CurvePointRef,
    pub target: CurvePointRef,
    pub stretch: CurvePointRef,
    pub below_threshold: Sourced,
    pub cap: Option<Sourced>,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WeightRef {
    pub kpi: String,
    pub weight: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleDef {
    pub id: String,
    pub weights: Vec<WeightRef>,
    pub review_weight: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewStepRef {
    pub rating: String,
    pub score: String,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewDef {
    pub scale: Vec<ReviewStepRef>,
    /// `renormalize` or `fail`.
    pub missing: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BandDef {
    pub band: String,
    pub min_score: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BonusDef {
    pub script: Sourced,
    /// Multiple of the period's target bonus.
    pub cap: Option<Sourced>,
    /// `days` or `none`.
    pub proration: Sourced,
    pub project_bonuses: Sourced,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmployeeRecord {
    pub record: String,
    pub employee_id: String,
    pub name: String,
    pub department: String,
    pub role: String,
    pub hire_date: String,
    pub termination_date: Option<String>,
    pub kpis: Vec<KpiTrace>,
    pub review: ReviewTrace,
    /// Sum of the contributions before rounding.
    pub score_sum: String,
    pub score: String,
    pub band: String,
    pub bonus: BonusTrace,
    pub projects: Vec<ProjectTrace>,
    pub project_bonus: String,
    /// Absent for plans without commissions (older traces read the same).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commissions: Vec<CommissionTrace>,
    /// Refunds clawing back what earlier runs paid for deals (`clawback`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clawbacks: Vec<ClawbackTrace>,
    /// Draw, recovery and what is owed, for plans whose runs form a chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<BalanceTrace>,
    /// The spans of a period cut by mid-period changes; `bonus` is then
    /// the last span's, except `bonus.bonus`, their sum rounded once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<SpanTrace>,
    pub total_payout: String,
}

/// One span of a period cut by a mid-period change (as `spans.csv`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpanTrace {
    pub from: String,
    pub to: String,
    pub role: String,
    pub department: String,
    pub target_bonus: String,
    pub score: String,
    pub band: String,
    /// The formula after gates and modifiers, before the cap.
    pub formula: String,
    pub capped: bool,
    /// `N/D`, or the rounded factor.
    pub proration: String,
    /// Capped × proration, unrounded.
    pub exact: String,
    /// Its largest-remainder share of the bonus.
    pub bonus: String,
    /// Why a gate or qualifier shut or reduced the span's formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
}

/// An employee's balance in a chain of runs (money, as paid).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BalanceTrace {
    pub owed_before: String,
    pub draw: String,
    pub recovered: String,
    pub carried: String,
    pub forgiven: String,
    pub owed_after: String,
    /// A period cut into spans: how the draw was weighted by their days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw_spans: Option<String>,
}

/// One clawback: a refund recovering part of what a deal paid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClawbackTrace {
    pub commission: String,
    pub deal_id: String,
    pub deal_date: String,
    /// `round(P × refunds so far ÷ A) − recovered before = X`.
    pub arithmetic: String,
    /// Not positive.
    pub amount: String,
}

/// One commission of one employee, its arithmetic as text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommissionTrace {
    pub id: String,
    /// What it is paid on.
    pub on: String,
    pub credited: String,
    pub quota: Option<String>,
    /// Attainment, then each step's or deal's `part × rate = earned`.
    pub steps: Vec<String>,
    /// Before the per-period cap.
    pub uncapped: String,
    /// The per-period cap, when it lowered the commission.
    pub cap: Option<String>,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputRow {
    pub metric: String,
    pub month: String,
    pub value: String,
    /// `metrics.csv:LINE`, or `metrics.parquet row N`.
    pub at: String,
}

/// The statistic of one metric that the KPI's rule used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AggregateTrace {
    pub metric: String,
    /// `sum`, `last`, `max` or `min` (a mean uses the sum and `months`).
    pub stat: String,
    pub value: String,
    /// Months with a row.
    pub months: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KpiTrace {
    pub kpi: String,
    pub subject: String,
    pub rows: Vec<InputRow>,
    pub aggregates: Vec<AggregateTrace>,
    /// The rule's result before rounding to `actual_places`.
    pub raw_actual: String,
    pub actual: String,
    pub target: String,
    pub target_source: String,
    pub achievement: String,
    /// `below_threshold`, `threshold_to_target`, `target_to_stretch`, `above_stretch` or `capped`.
    pub segment: String,
    pub score: String,
    /// The role's weight as written.
    pub role_weight: String,
    /// The weight applied (after any re-normalisation).
    pub weight: String,
    pub contribution: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "use", rename_all = "snake_case")]
pub enum ReviewTrace {
    NotWeighed,
    Rated {
        rating: String,
        rater: Option<String>,
        score: String,
        weight: String,
        contribution: String,
    },
    MissingRenormalized {
        review_weight: String,
        /// 100 ÷ (100 − review weight), applied to every KPI weight.
        factor: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BonusTrace {
    /// The variables the script could read, as it saw them.
    pub inputs: Vec<ScriptInput>,
    pub result: String,
    pub target_bonus: String,
    pub cap: Option<String>,
    pub capped: bool,
    pub after_cap: String,
    pub days_employed: i64,
    pub proration: [String; 2],
    /// After cap and proration, before rounding.
    pub prorated: String,
    /// Rounded, before any pool.
    pub bonus: String,
    /// Steps after rounding that changed or explain the bonus: a shut gate,
    /// calibration, pool scaling, currency conversion.
    #[serde(default)]
    pub notes: Vec<String>,
    /// The bonus paid (after any pool).
    #[serde(default)]
    pub paid_bonus: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectTrace {
    pub project: String,
    pub amount: String,
}

/// One variable (or map entry, as `kpi.gmv.actual`) a script read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScriptInput {
    pub name: String,
    /// `decimal`, `int`, `string`, `bool`, `unit` or `array`.
    pub kind: String,
    pub value: String,
}
