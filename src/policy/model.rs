//! The policy file's types: what HR writes in `policy.yaml`.
//!
//! These types are the single source of truth for the YAML schema: serde
//! reads them (unknown keys are errors), schemars turns them into the JSON
//! Schema that `merit schema` prints, and `docs/policy.md` documents them.

use super::proration::Proration;
use super::targets::TargetSource;
use crate::decimal::Dec;
pub use crate::decimal::Rounding;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A performance and incentive plan.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Stable identifier, e.g. `platform-ops`.
    pub id: String,
    /// Version of this plan, recorded in every run's manifest.
    pub version: String,
    /// Human title.
    pub title: Names,
    /// ISO currency code in which payouts are computed, e.g. `CNY`.
    pub currency: String,
    /// Language of statements: `zh-CN` or `en`.
    #[serde(default)]
    pub language: Language,
    /// Dates between which the plan may be run (inclusive, `YYYY-MM-DD`).
    pub effective: Option<Effective>,
    /// Where and how numbers are rounded.
    #[serde(default)]
    pub rounding: Rounding,
    /// The KPIs of the plan.
    pub kpis: Vec<Kpi>,
    /// Named scoring rules that KPIs refer to by name.
    pub scorings: BTreeMap<String, Scoring>,
    /// Per-role weights; every employee's `role` must be listed here.
    pub roles: BTreeMap<String, Role>,
    /// The manager's qualitative review (rating 1–5 etc.), blended into the score.
    pub review: Option<Review>,
    /// Rating bands from the highest to the lowest.
    pub rating_bands: Vec<RatingBand>,
    /// The performance bonus.
    pub bonus: Bonus,
    /// Typed per-employee columns of the employees table the plan reads.
    #[serde(default)]
    pub inputs: BTreeMap<String, super::plan::Input>,
    /// Rates on credited money, paid on top of the bonus.
    #[serde(default)]
    pub commissions: Vec<super::plan::Commission>,
    /// When the plan year starts (year-to-date commissions, draws).
    pub plan_year: Option<super::state::PlanYear>,
    /// An advance on commissions, per month.
    pub draw: Option<super::state::Draw>,
    /// At most this percent of a period's pay recovers what is owed.
    pub recovery_percent: Option<Dec>,
    /// What is still owed at the end of the plan year.
    #[serde(default)]
    pub year_end: super::state::YearEnd,
    /// Refunded deals recover what they paid (a deal ledger in the chain).
    pub clawback: Option<super::state::Clawback>,
    /// One row per deal in `transactions`: a repeated deal id is an error.
    #[serde(default)]
    pub unique_deal_ids: bool,
    /// How long periods are evaluated.
    #[serde(default)]
    pub evaluation: Evaluation,
    /// Forced distribution: at most a share of a group in a band.
    pub calibration: Option<Calibration>,
    /// Paying employees whose `currency` differs from the policy's.
    pub currency_conversion: Option<super::currency::CurrencyConversion>,
    /// Non-material incentives awarded by rules (docs/policy.md).
    #[serde(default)]
    pub recognition: Vec<super::feedback::RecognitionRule>,
    /// What statements list besides the numbers (docs/policy.md).
    #[serde(default)]
    pub feedback: super::feedback::Feedback,
    /// Roles whose approval a run needs before it is exported, e.g.
    /// `[hr, finance]` (`merit approve`); none when absent.
    #[serde(default)]
    pub approvals: Vec<String>,
    /// Layout of `merit export` files for payroll and the general ledger.
    #[serde(default)]
    pub export: super::payrun::Export,
    /// The plan's run ledger, relative to the policy folder, so every run
    /// of the plan checks and records in one place (`--ledger` overrides).
    pub ledger: Option<String>,
    /// Thresholds of the plan-health findings (docs/model.md).
    #[serde(default)]
    pub health: super::health::Health,
}

/// Long-term evaluation.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// For a year run: the final score is the weighted sum of the four
    /// quarters' final scores (weights in percent, Q1 to Q4, summing to 100)
    /// instead of one evaluation of the whole year's aggregates.
    pub year_from_quarters: Option<Vec<Dec>>,
}

/// Forced distribution, applied after banding: within each group, people
/// are ranked by score (ties by employee id) and those beyond a band's cap
/// move down one band, lowest-ranked first. Moves are recorded.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The group: `department` or `company`.
    pub scope: KpiScope,
    /// Band → the largest percent of the group that may hold it (rounded down to whole people).
    pub max_percent: BTreeMap<String, Dec>,
}

/// A display name in Chinese and English.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Names {
    pub zh: String,
    pub en: String,
}

/// The bonus formula when the policy names no script: the target bonus
/// scaled by the final score.
pub const BUILTIN_BONUS: &str = "employee.target_bonus * score / 100";

impl Bonus {
    /// The script file, or how the built-in formula is shown.
    pub fn shown(&self) -> String {
        match self.script.as_str() {
            "" if self.matrix.is_some() => "payout matrix (bonus.matrix) × target bonus".into(),
            "" => format!("built-in: {BUILTIN_BONUS}"),
            s => s.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Effective {
    /// First day the plan applies, `YYYY-MM-DD`.
    pub from: String,
    /// Last day the plan applies, `YYYY-MM-DD`.
    pub to: String,
}

/// A key performance indicator.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    /// Identifier used in weights, scripts (`kpi.<id>`) and outputs.
    pub id: String,
    /// Display names.
    pub name: Names,
    /// KPI family (traffic, activity, users, business, conversion, satisfaction).
    pub family: Option<String>,
    /// Unit shown in statements, e.g. `count`, `CNY`, `ratio`.
    pub unit: String,
    /// Whether a higher or a lower actual is better.
    #[serde(default)]
    pub direction: Direction,
    /// Whose metrics the KPI reads: the employee's, the department's or the company's.
    #[serde(default)]
    pub scope: KpiScope,
    /// How the period's value is computed from monthly metric rows.
    pub aggregate: Aggregate,
    /// Where the target comes from.
    #[serde(default)]
    pub target: TargetSource,
    /// Name of an entry in `scorings`.
    pub scoring: String,
    /// What a month of the period without a metric row means.
    #[serde(default)]
    pub missing_months: MissingMonths,
}

/// What a month of the period without a row of a KPI's metric means. The
/// months that need a row are the period's months; for individual KPIs,
/// those in which the employee is employed on at least one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissingMonths {
    /// Every month that needs a row must have one, or the run stops listing
    /// every missing subject, KPI and month.
    #[default]
    Error,
    /// A missing month counts as a row with value 0.
    Zero,
    /// Sums are scaled to the whole period: × months in the period ÷ months
    /// with a row (rounded to `actual_places`); other aggregations use the
    /// months with a row.
    Prorate,
    /// The months that have a row, whichever they are (at least one).
    Any,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// achievement = actual ÷ target
    #[default]
    Higher,
    /// achievement = 2 − actual ÷ target (at target 1, at zero 2)
    Lower,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiScope {
    /// Metrics whose `subject_id` is the employee id.
    #[default]
    Individual,
    /// Metrics whose `subject_id` is the employee's department.
    Department,
    /// Metrics whose `subject_id` is `company`.
    Company,
}

/// Aggregation of the period's monthly rows of one metric (or two, for a
/// ratio). Written as a one-key map: `{ sum: gmv }`,
/// `{ ratio: { numerator: orders, denominator: uv } }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(try_from = "AggregateSpec")]
pub enum Aggregate {
    Sum(String),
    Mean(String),
    Last(String),
    Max(String),
    Min(String),
    Ratio {
        numerator: String,
        denominator: String,
    },
}

/// Exactly one key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AggregateSpec {
    /// Sum of the months (visits, GMV, orders).
    pub sum: Option<String>,
    /// Mean of the months present (DAU, dwell time).
    pub mean: Option<String>,
    /// Value of the latest month present (MAU at period end).
    pub last: Option<String>,
    /// Largest monthly value.
    pub max: Option<String>,
    /// Smallest monthly value.
    pub min: Option<String>,
    /// Sum of the numerator's months ÷ sum of the denominator's months
    /// (conversion and retention rates; never a mean of monthly ratios).
    pub ratio: Option<RatioSpec>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatioSpec {
    pub numerator: String,
    pub denominator: String,
}

impl TryFrom<AggregateSpec> for Aggregate {
    type Error = String;
    fn try_from(s: AggregateSpec) -> Result<Self, String> {
        let mut found = Vec::new();
        let AggregateSpec {
            sum,
            mean,
            last,
            max,
            min,
            ratio,
        } = s;
        if let Some(m) = sum {
            found.push(Aggregate::Sum(m));
        }
        if let Some(m) = mean {
            found.push(Aggregate::Mean(m));
        }
        if let Some(m) = last {
            found.push(Aggregate::Last(m));
        }
        if let Some(m) = max {
            found.push(Aggregate::Max(m));
        }
        if let Some(m) = min {
            found.push(Aggregate::Min(m));
        }
        if let Some(r) = ratio {
            found.push(Aggregate::Ratio {
                numerator: r.numerator,
                denominator: r.denominator,
            });
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err("aggregate needs one of: sum, mean, last, max, min, ratio".into()),
            _ => Err("aggregate takes exactly one of: sum, mean, last, max, min, ratio".into()),
        }
    }
}

impl Aggregate {
    /// The metrics this aggregation reads.
    pub fn metrics(&self) -> Vec<&str> {
        match self {
            Aggregate::Sum(m)
            | Aggregate::Mean(m)
            | Aggregate::Last(m)
            | Aggregate::Max(m)
            | Aggregate::Min(m) => {
                vec![m]
            }
            Aggregate::Ratio {
                numerator,
                denominator,
            } => vec![numerator, denominator],
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Aggregate::Sum(_) => "sum",
            Aggregate::Mean(_) => "mean",
            Aggregate::Last(_) => "last",
            Aggregate::Max(_) => "max",
            Aggregate::Min(_) => "min",
            Aggregate::Ratio { .. } => "ratio",
        }
    }
}

/// A scoring rule: achievement → score. Written as a one-key map
/// (`curve: …`, `tiers: …` or `script: FILE`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(try_from = "ScoringSpec")]
pub enum Scoring {
    /// Piecewise-linear curve through threshold, target and stretch points.
    Curve(Curve),
    /// Step tiers over achievement.
    Tiers(Tiers),
    /// A curve of any shape through a list of points.
    Points(super::curve::Points),
    /// A Rhai script returning the score; it reads `actual`, `target`,
    /// `achievement` and `subject`.
    Script(String),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    /// Piecewise-linear curve through threshold, target and stretch points.
    pub curve: Option<Curve>,
    /// Step tiers over achievement.
    pub tiers: Option<Tiers>,
    /// A curve of any shape through a list of points.
    pub points: Option<super::curve::Points>,
    /// A Rhai script (file in the policy folder) returning the score.
    pub script: Option<String>,
}

impl TryFrom<ScoringSpec> for Scoring {
    type Error = String;
    fn try_from(s: ScoringSpec) -> Result<Self, String> {
        match (s.curve, s.tiers, s.points, s.script) {
            (Some(c), None, None, None) => Ok(Scoring::Curve(c)),
            (None, Some(t), None, None) => Ok(Scoring::Tiers(t)),
            (None, None, Some(p), None) => Ok(Scoring::Points(p)),
            (None, None, None, Some(f)) => Ok(Scoring::Script(f)),
            _ => Err("a scoring rule takes exactly one of: curve, tiers, points, script".into()),
        }
    }
}

/// Step tiers. Ranges are half-open, `[from, to)`; the first starts at 0
/// and the last has no `to`, so every achievement falls in exactly one tier.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    /// `whole_amount`: the score of the tier the achievement falls in.
    /// `marginal`: like tax brackets, each tier adds `rate` × the part of
    /// the achievement inside it. There is no default: say which.
    pub mode: Option<TierMode>,
    pub steps: Vec<Tier>,
    /// Highest score.
    pub cap: Option<Dec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TierMode {
    WholeAmount,
    Marginal,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Lower bound of achievement, included.
    pub from: Dec,
    /// Upper bound, excluded; omitted on the last tier.
    pub to: Option<Dec>,
    /// `whole_amount` mode: the score of this tier.
    pub score: Option<Dec>,
    /// `marginal` mode: score per 1.0 of achievement inside this tier.
    pub rate: Option<Dec>,
}

/// Below `threshold.achievement` the score is `below_threshold`; from
/// threshold to target and from target to stretch it is linear; above stretch
/// the target→stretch slope continues until `cap` (with no cap, the score
/// stays at the stretch score).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Curve {
    pub threshold: CurvePoint,
    pub target: CurvePoint,
    pub stretch: CurvePoint,
    /// Score below the threshold (the floor).
    #[serde(default)]
    pub below_threshold: Dec,
    /// Highest score; at least the stretch score.
    pub cap: Option<Dec>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurvePoint {
    pub achievement: Dec,
    pub score: Dec,
}

/// Weights of one role.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Display names of the role.
    pub name: Option<Names>,
    /// Percent weight per KPI id. With `review_weight` they sum to 100.
    #[serde(default)]
    pub weights: BTreeMap<String, super::weight::Weight>,
    /// Instead of `weights`: a Rhai script returning a map of KPI id → percent
    /// weight for each employee (it reads `employee` and `period`). The
    /// result is checked per employee: known KPIs, sum with `review_weight` = 100.
    pub weights_script: Option<String>,
    /// Percent weight of the manager's review.
    #[serde(default)]
    pub review_weight: Dec,
}

/// The manager's review, mapped to a score and blended with `review_weight`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Rating value (as written in the `ratings` table) → score.
    pub scale: Vec<ReviewStep>,
    /// What happens when an employee has no rating for the period.
    pub missing: MissingReview,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewStep {
    pub rating: Dec,
    pub score: Dec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissingReview {
    /// Leave the review out and scale the KPI weights up to 100%.
    Renormalize,
    /// Stop the run with an error naming the employee.
    Fail,
}

/// A rating band. Bands are listed from best to worst; an employee gets the
/// first band whose `min_score` the final score reaches. The last band has no
/// `min_score` and catches everything below.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBand {
    pub band: String,
    pub min_score: Option<Dec>,
    pub name: Option<Names>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bonus {
    /// Rhai script (file in the policy folder) returning the period's bonus
    /// before cap and proration; absent: the built-in formula
    /// `employee.target_bonus * score / 100`.
    #[serde(default)]
    pub script: String,
    /// Upper limit of the bonus.
    pub cap: Option<BonusCap>,
    /// How partial periods (hire or termination inside the period) are paid.
    #[serde(default)]
    pub proration: Proration,
    /// Whether days of the `leave` table are employed time.
    #[serde(default)]
    pub unpaid_leave: super::proration::UnpaidLeave,
    /// Decimals the proration factor is rounded to; absent: exact.
    #[schemars(range(max = 10))]
    pub proration_places: Option<u32>,
    /// Conditions that must all hold for the full performance bonus: a shut
    /// gate pays nothing, or with `pay_percent` that percent of the formula.
    #[serde(default)]
    pub gates: Vec<Gate>,
    /// A bonus pool: formula bonuses scaled to a budget from the `budgets`
    /// table and allocated exactly to the cent.
    pub pool: Option<Pool>,
    /// A payout matrix over two KPIs' achievements, as the formula.
    pub matrix: Option<super::matrix::Matrix>,
    /// Factors the formula is multiplied by (band, review, KPI curve).
    #[serde(default)]
    pub modifiers: Vec<super::modifier::Modifier>,
    /// Who qualifies for a bonus at all, and money limits of the bonus.
    #[serde(default)]
    pub qualifiers: super::modifier::Qualifiers,
    pub min_amount: Option<Dec>,
    pub max_amount: Option<Dec>,
    /// A number input (0 < FTE ≤ 1) the bonus is also multiplied by.
    pub fte: Option<String>,
    /// Whether approved rows of the `projects` table are paid.
    #[serde(default = "yes")]
    pub project_bonuses: bool,
}

fn yes() -> bool {
    true
}

/// Performance bonuses of a department (or the company) scaled to the
/// budget in the `budgets` table (subject = department id or `company`, the
/// run's period). Allocation is exact: each share is cut to the cent and the
/// cents left over go to the largest remainders, ties by employee id, so
/// the pool pays exactly its budget.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// `department` or `company`.
    pub scope: KpiScope,
    /// `down_only` (default): scale only when bonuses exceed the budget;
    /// `both`: always pay exactly the budget.
    #[serde(default)]
    pub scale: PoolScale,
    /// The budget from the pool's own results instead of the budgets table.
    pub funding: Option<super::modifier::Funding>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoolScale {
    #[default]
    DownOnly,
    Both,
}

/// A gate: the bonus is zero (or, with `pay_percent`, reduced) unless the
/// KPI's value meets every bound given.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// KPI id; it is evaluated for every employee, weighted or not.
    pub kpi: String,
    /// The actual must be at least this.
    pub min_actual: Option<Dec>,
    /// The actual must be below this (half-open, like tiers).
    pub below_actual: Option<Dec>,
    /// The achievement must be at least this.
    pub min_achievement: Option<Dec>,
    /// While the gate is shut, keep this percent of the formula (0 to
    /// 100, exclusive of 100) instead of paying nothing.
    pub pay_percent: Option<Dec>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BonusCap {
    /// The bonus is at most this multiple of the period's target bonus.
    pub target_multiple: Dec,
}
