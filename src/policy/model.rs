//! The policy file's types: what HR writes in `policy.yaml`.
//!
//! These types are the single source of truth for the YAML schema: serde
//! reads them (unknown keys are errors), schemars turns them into the JSON
//! Schema that `merit schema` prints, and `docs/policy.md` documents them.

use crate::decimal::{Dec, RoundingMode};
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
    /// Non-material incentives awarded by rules (docs/feedback.md).
    #[serde(default)]
    pub recognition: Vec<super::feedback::RecognitionRule>,
    /// What statements list besides the numbers (docs/feedback.md).
    #[serde(default)]
    pub feedback: super::feedback::Feedback,
}

/// A display name in Chinese and English.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Names {
    pub zh: String,
    pub en: String,
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

/// Rounding points. Money is rounded once, after cap and proration; ratios
/// and scores are rounded where they are computed, so the statement shows
/// exactly the numbers that were used.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rounding {
    /// Decimal places of money amounts.
    #[serde(default = "default_money_places")]
    pub money_places: u32,
    /// Decimal places of KPI actuals that are means or ratios (sums, last,
    /// max and min of data values are exact already).
    #[serde(default = "default_actual_places")]
    pub actual_places: u32,
    /// Decimal places of achievements (actual ÷ target).
    #[serde(default = "default_achievement_places")]
    pub achievement_places: u32,
    /// Decimal places of KPI scores and of the final score.
    #[serde(default = "default_score_places")]
    pub score_places: u32,
    /// Rounding mode used at every rounding point.
    #[serde(default)]
    pub mode: RoundingMode,
}

fn default_money_places() -> u32 {
    2
}
fn default_actual_places() -> u32 {
    6
}
fn default_achievement_places() -> u32 {
    4
}
fn default_score_places() -> u32 {
    2
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding {
            money_places: default_money_places(),
            actual_places: default_actual_places(),
            achievement_places: default_achievement_places(),
            score_places: default_score_places(),
            mode: RoundingMode::default(),
        }
    }
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

/// Where a KPI's target comes from: `table` or `{ fixed: "0.40" }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(try_from = "TargetSpec")]
pub enum TargetSource {
    /// The `targets` table: row with this subject, the run's period and this KPI.
    #[default]
    Table,
    /// The same value for every subject and period.
    Fixed(Dec),
}

/// `table`, or a map with one key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TargetSpec {
    /// `table`: the targets table.
    Name(TargetName),
    Map(TargetMap),
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetName {
    Table,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetMap {
    /// The same target for every subject and period.
    pub fixed: Option<Dec>,
}

impl TryFrom<TargetSpec> for TargetSource {
    type Error = String;
    fn try_from(s: TargetSpec) -> Result<Self, String> {
        match s {
            TargetSpec::Name(TargetName::Table) => Ok(TargetSource::Table),
            TargetSpec::Map(TargetMap { fixed: Some(v) }) => Ok(TargetSource::Fixed(v)),
            TargetSpec::Map(_) => Err("target needs `table` or `{ fixed: VALUE }`".into()),
        }
    }
}

/// A scoring rule: achievement → score. Written as a one-key map (`curve: …`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(try_from = "ScoringSpec")]
pub enum Scoring {
    /// Piecewise-linear curve through threshold, target and stretch points.
    Curve(Curve),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    /// Piecewise-linear curve through threshold, target and stretch points.
    pub curve: Option<Curve>,
}

impl TryFrom<ScoringSpec> for Scoring {
    type Error = String;
    fn try_from(s: ScoringSpec) -> Result<Self, String> {
        match s.curve {
            Some(c) => Ok(Scoring::Curve(c)),
            None => Err("a scoring rule needs `curve`".into()),
        }
    }
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
    pub weights: BTreeMap<String, Dec>,
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
    /// before cap and proration.
    pub script: String,
    /// Upper limit of the bonus.
    pub cap: Option<BonusCap>,
    /// How partial periods (hire or termination inside the period) are paid.
    #[serde(default)]
    pub proration: Proration,
    /// Whether approved rows of the `projects` table are paid.
    #[serde(default = "yes")]
    pub project_bonuses: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BonusCap {
    /// The bonus is at most this multiple of the period's target bonus.
    pub target_multiple: Dec,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Proration {
    /// bonus × days employed in the period ÷ days in the period.
    #[default]
    Days,
    /// No proration.
    None,
}
