//! `trace.jsonl`: how every number of a run arose, recorded while the run
//! computes, so `merit explain` prints it without recomputing anything.
//!
//! Line 1 is the run record (period, rounding, and the policy's KPIs,
//! scoring curves, roles, review scale, bands and bonus rules, each with the
//! `policy.yaml:line:col` it was read from). Every further line is one
//! employee, sorted by employee id: the monthly input rows of each KPI with
//! their line in the metrics table, the aggregates, actual, target and its
//! source, achievement, curve segment, score, weight and contribution; the
//! review blend; final score and band; the bonus script's inputs and result;
//! cap, proration, rounding, projects and the total payout. Numbers are
//! decimal text; nothing depends on time, thread order or the engine
//! version (that is in the manifest), so a replay by a later merit that
//! computes the same numbers writes the same trace.

use super::money;
use crate::data::metrics::MonthlyRows;
use crate::data::Data;
use crate::decimal::plain;
use crate::engine::blend::ReviewUse;
use crate::engine::{bonus, kpi, EmployeeResult, RunResult};
use crate::policy::locate::{locate, Seg};
use crate::policy::{
    Aggregate, Direction, KpiScope, LoadedPolicy, Proration, Scoring, TargetSource,
};
use rayon::prelude::*;
use rhai::Dynamic;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const TRACE_FILE: &str = "trace.jsonl";
pub const TRACE_VERSION: u32 = 1;

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
    pub total_payout: String,
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

/// Where a policy value is written, as `policy.yaml:line:col`. A key missing
/// from the file (a default) gives `None`, not its parent's location.
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    fn at(&self, path: &[Seg]) -> Option<String> {
        let (line, col) = locate(self.text, path)?;
        if let Some(Seg::Key(k)) = path.last() {
            let src = self.text.lines().nth(line - 1)?;
            if !src.contains(k) {
                return None;
            }
        }
        Some(format!("{}:{line}:{col}", crate::policy::POLICY_FILE))
    }
}

fn sourced(value: impl ToString, at: Option<String>) -> Sourced {
    Sourced {
        value: value.to_string(),
        at,
    }
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Higher => "higher",
        Direction::Lower => "lower",
    }
}

fn scope_name(s: KpiScope) -> &'static str {
    match s {
        KpiScope::Individual => "individual",
        KpiScope::Department => "department",
        KpiScope::Company => "company",
    }
}

/// A target source as the policy states it, e.g. `max(history …, benchmark × 0.5)`.
fn describe_target(t: &TargetSource) -> String {
    match t {
        TargetSource::Table => "table".into(),
        TargetSource::Fixed(v) => v.to_string(),
        TargetSource::Script(f) => format!("script {f}"),
        TargetSource::History(h) => format!(
            "history: {:?} of {} past periods × (1 + {}){}",
            h.statistic,
            h.periods,
            h.growth,
            h.fallback
                .as_ref()
                .map(|f| format!(", fallback {}", describe_target(f)))
                .unwrap_or_default()
        )
        .to_lowercase(),
        TargetSource::Benchmark(b) => format!("benchmark × {}", b.factor),
        TargetSource::Cascade(c) => {
            format!("cascade from {:?} by {:?}", c.from, c.share).to_lowercase()
        }
        TargetSource::Max(v) | TargetSource::Min(v) => format!(
            "{}({})",
            if matches!(t, TargetSource::Max(_)) {
                "max"
            } else {
                "min"
            },
            v.iter().map(describe_target).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn run_record(lp: &LoadedPolicy, run: &RunResult, metrics_file: &str) -> RunRecord {
    use Seg::{Index, Key};
    let p = &lp.policy;
    let l = Lines {
        text: &lp.yaml_text,
    };
    let period = &run.period;
    let kpis = p
        .kpis
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let target = describe_target(&k.target);
            KpiDef {
                id: k.id.clone(),
                name_zh: k.name.zh.clone(),
                name_en: k.name.en.clone(),
                unit: k.unit.clone(),
                direction: direction(k.direction).into(),
                scope: scope_name(k.scope).into(),
                aggregate: k.aggregate.name().into(),
                metrics: k
                    .aggregate
                    .metrics()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                target: sourced(target, l.at(&[Key("kpis"), Index(i), Key("target")])),
                scoring: k.scoring.clone(),
                at: l.at(&[Key("kpis"), Index(i)]),
            }
        })
        .collect();
    let scorings = p
        .scorings
        .iter()
        // Tiers and script rules are described by their segment alone.
        .filter_map(|(id, s)| {
            let Scoring::Curve(c) = s else {
                return None;
            };
            let base = [Key("scorings"), Key(id), Key("curve")];
            let at = |k: &str| l.at(&[base[0], base[1], base[2], Key(k)]);
            let pt = |c: &crate::policy::CurvePoint, k: &str| CurvePointRef {
                achievement: c.achievement.to_string(),
                score: c.score.to_string(),
                at: at(k),
            };
            Some(ScoringDef {
                id: id.clone(),
                threshold: pt(&c.threshold, "threshold"),
                target: pt(&c.target, "target"),
                stretch: pt(&c.stretch, "stretch"),
                below_threshold: sourced(c.below_threshold, at("below_threshold")),
                cap: c.cap.map(|v| sourced(v, at("cap"))),
                at: l.at(&[Key("scorings"), Key(id)]),
            })
        })
        .collect();
    let roles = p
        .roles
        .iter()
        .map(|(id, r)| RoleDef {
            id: id.clone(),
            weights: p
                .kpis
                .iter()
                .filter_map(|k| {
                    let w = r.weights.get(&k.id)?;
                    Some(WeightRef {
                        kpi: k.id.clone(),
                        weight: sourced(
                            w,
                            l.at(&[Key("roles"), Key(id), Key("weights"), Key(&k.id)]),
                        ),
                    })
                })
                .collect(),
            review_weight: sourced(
                r.review_weight,
                l.at(&[Key("roles"), Key(id), Key("review_weight")]),
            ),
        })
        .collect();
    let review = p.review.as_ref().map(|rv| ReviewDef {
        scale: rv
            .scale
            .iter()
            .enumerate()
            .map(|(i, s)| ReviewStepRef {
                rating: s.rating.to_string(),
                score: s.score.to_string(),
                at: l.at(&[Key("review"), Key("scale"), Index(i)]),
            })
            .collect(),
        missing: sourced(
            match rv.missing {
                crate::policy::MissingReview::Renormalize => "renormalize",
                crate::policy::MissingReview::Fail => "fail",
            },
            l.at(&[Key("review"), Key("missing")]),
        ),
    });
    let bands = p
        .rating_bands
        .iter()
        .enumerate()
        .map(|(i, b)| BandDef {
            band: b.band.clone(),
            min_score: b.min_score.map(|m| m.to_string()),
            name_zh: b.name.as_ref().map(|n| n.zh.clone()),
            name_en: b.name.as_ref().map(|n| n.en.clone()),
            at: l.at(&[Key("rating_bands"), Index(i)]),
        })
        .collect();
    let b = &p.bonus;
    let bonus = BonusDef {
        script: sourced(&b.script, l.at(&[Key("bonus"), Key("script")])),
        cap: b.cap.as_ref().map(|c| {
            sourced(
                c.target_multiple,
                l.at(&[Key("bonus"), Key("cap"), Key("target_multiple")]),
            )
        }),
        proration: sourced(
            match b.proration {
                Proration::Days => "days",
                Proration::None => "none",
            },
            l.at(&[Key("bonus"), Key("proration")]),
        ),
        project_bonuses: sourced(
            b.project_bonuses,
            l.at(&[Key("bonus"), Key("project_bonuses")]),
        ),
    };
    let r = &p.rounding;
    RunRecord {
        record: "run".into(),
        trace_version: TRACE_VERSION,
        policy: PolicyRef {
            id: p.id.clone(),
            version: p.version.clone(),
            currency: p.currency.clone(),
        },
        period: PeriodRef {
            label: period.label.clone(),
            start: period.start().to_string(),
            end: period.end().to_string(),
            days: period.days(),
            months: period.months().map(|m| m.to_string()).collect(),
        },
        rounding: RoundingRef {
            money_places: r.money_places,
            actual_places: r.actual_places,
            achievement_places: r.achievement_places,
            score_places: r.score_places,
            mode: sourced(
                serde_json::to_value(r.mode)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                l.at(&[Key("rounding"), Key("mode")]),
            ),
        },
        metrics_file: metrics_file.to_owned(),
        kpis,
        scorings,
        roles,
        review,
        bands,
        bonus,
        employees: run.employees.len(),
        not_in_period: run.not_in_period.clone(),
    }
}

/// One variable (or map entry, as `kpi.gmv.actual`) a script read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScriptInput {
    pub name: String,
    /// `decimal`, `int`, `string`, `bool`, `unit` or `array`.
    pub kind: String,
    pub value: String,
}

/// Flattens a Rhai value into named leaves; map keys come sorted.
fn flatten(name: String, v: &Dynamic, out: &mut Vec<ScriptInput>) {
    let leaf = |kind: &str, value: String| ScriptInput {
        name: name.clone(),
        kind: kind.into(),
        value,
    };
    let item = if let Ok(d) = v.as_decimal() {
        leaf("decimal", d.to_string())
    } else if let Some(x) = v.read_lock::<crate::exact::Exact>() {
        // An exact value without a finite decimal form, as a fraction.
        leaf("exact", x.to_string())
    } else if let Ok(i) = v.as_int() {
        leaf("int", i.to_string())
    } else if let Ok(b) = v.as_bool() {
        leaf("bool", b.to_string())
    } else if v.is_unit() {
        leaf("unit", String::new())
    } else if v.is_string() {
        leaf("string", v.clone().into_string().unwrap_or_default())
    } else if let Some(m) = v.read_lock::<rhai::Map>() {
        for (k, v) in m.iter() {
            flatten(format!("{name}.{k}"), v, out);
        }
        return;
    } else {
        leaf(v.type_name(), v.to_string())
    };
    out.push(item);
}

struct Ctx<'a> {
    lp: &'a LoadedPolicy,
    data: &'a Data,
    run: &'a RunResult,
    rows: MonthlyRows,
    kpi_ids: Vec<&'a str>,
    metrics_file: String,
}

impl Ctx<'_> {
    /// How a metrics row is cited: `metrics.csv:LINE` (the header is line
    /// 1) or `metrics.parquet row N`.
    fn cite(&self, row: usize) -> String {
        if self.metrics_file.ends_with(".csv") {
            format!("{}:{}", self.metrics_file, row + 2)
        } else {
            format!("{} row {}", self.metrics_file, row + 1)
        }
    }
}

fn kpi_trace(c: &Ctx, r: &EmployeeResult, line: &crate::engine::KpiLine) -> KpiTrace {
    let policy = &c.lp.policy;
    let k = &policy.kpis[line.kpi];
    let subject = c.data.subjects.name(line.subject);
    let ix = Some(line.subject);
    let metrics = k.aggregate.metrics();
    let rows = metrics
        .iter()
        .flat_map(|m| {
            c.rows.get(ix, m).into_iter().map(|row| InputRow {
                metric: (*m).to_owned(),
                month: row.month.to_string(),
                value: plain(row.value),
                at: c.cite(row.row),
            })
        })
        .collect();
    let aggregates = metrics
        .iter()
        .filter_map(|m| {
            let a = c.run.aggs.get(ix, m)?;
            let (stat, value) = match &k.aggregate {
                Aggregate::Sum(_) | Aggregate::Mean(_) | Aggregate::Ratio { .. } => ("sum", a.sum),
                Aggregate::Last(_) => ("last", a.last),
                Aggregate::Max(_) => ("max", a.max),
                Aggregate::Min(_) => ("min", a.min),
            };
            Some(AggregateTrace {
                metric: (*m).to_owned(),
                stat: stat.into(),
                value: plain(value),
                months: a.count,
            })
        })
        .collect();
    // The same function the engine ran, on the same aggregates.
    let raw_actual = kpi::raw_actual(&k.aggregate, |m| c.run.aggs.get(ix, m))
        .map(plain)
        .unwrap_or_default();
    let role_weight = policy.roles[&c.data.employees[r.employee].role]
        .weights
        .get(&k.id)
        .map(|w| w.to_string())
        .unwrap_or_default();
    KpiTrace {
        kpi: k.id.clone(),
        subject: subject.to_owned(),
        rows,
        aggregates,
        raw_actual,
        actual: plain(line.actual),
        target: plain(line.target),
        target_source: line.target_source.to_string(),
        achievement: line.achievement.to_string(),
        segment: match line.segment {
            // A tier serialises as a map; the trace names it `tier_N`.
            crate::engine::score::Segment::Tier(i) => format!("tier_{}", i + 1),
            s => serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        },
        score: line.score.to_string(),
        role_weight,
        weight: plain(line.weight),
        contribution: plain(line.contribution),
    }
}

fn employee_record(c: &Ctx, r: &EmployeeResult) -> EmployeeRecord {
    let lp = c.lp;
    let e = &c.data.employees[r.employee];
    let period = &c.run.period;
    let review = match &r.review {
        ReviewUse::NotWeighed => ReviewTrace::NotWeighed,
        ReviewUse::Rated {
            rating,
            score,
            weight,
            contribution,
        } => ReviewTrace::Rated {
            rating: plain(*rating),
            rater: c
                .data
                .rating(r.employee, &period.label)
                .and_then(|x| x.rater.clone()),
            score: plain(*score),
            weight: plain(*weight),
            contribution: plain(*contribution),
        },
        ReviewUse::MissingRenormalized { review_weight } => ReviewTrace::MissingRenormalized {
            review_weight: plain(*review_weight),
            factor: plain(crate::engine::blend::weight_factor(&r.review)),
        },
    };
    let review_part = match &r.review {
        ReviewUse::Rated { contribution, .. } => *contribution,
        _ => Decimal::ZERO,
    };
    let score_sum = r.kpis.iter().map(|l| l.contribution).sum::<Decimal>() + review_part;
    let scope = bonus::scope(e, r, &r.kpis, &c.kpi_ids, period);
    let mut inputs = Vec::new();
    for (name, _, v) in scope.iter() {
        flatten(name.to_owned(), &v, &mut inputs);
    }
    let after_cap = r
        .cap
        .map_or(r.formula_bonus, |cap| r.formula_bonus.min(cap));
    let (num, den) = r.proration;
    EmployeeRecord {
        record: "employee".into(),
        employee_id: e.id.clone(),
        name: e.name.clone(),
        department: e.department.clone(),
        role: e.role.clone(),
        hire_date: e.hire_date.to_string(),
        termination_date: e.termination_date.map(|d| d.to_string()),
        kpis: r.kpis.iter().map(|l| kpi_trace(c, r, l)).collect(),
        review,
        score_sum: plain(score_sum),
        score: r.score.to_string(),
        band: r.band.clone(),
        bonus: BonusTrace {
            inputs,
            result: r.formula_bonus.to_string(),
            target_bonus: r.target_bonus.to_string(),
            cap: r.cap.map(|d| d.to_string()),
            capped: r.capped,
            after_cap: after_cap.to_string(),
            days_employed: r.days_employed,
            proration: [plain(num), plain(den)],
            prorated: (after_cap * num / den).to_string(),
            bonus: money(r.pool.as_ref().map_or(r.bonus, |p| p.before), lp),
            notes: notes(lp, r),
            paid_bonus: money(r.bonus, lp),
        },
        projects: r
            .projects
            .iter()
            .map(|(p, a)| ProjectTrace {
                project: p.clone(),
                amount: plain(*a),
            })
            .collect(),
        project_bonus: money(r.project_bonus, lp),
        total_payout: money(r.total, lp),
    }
}

fn notes(lp: &LoadedPolicy, r: &crate::engine::EmployeeResult) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(g) = &r.gate_failed {
        out.push(format!(
            "Gate             shut: {g}; the performance bonus is 0"
        ));
    }
    if let Some(from) = &r.calibrated_from {
        out.push(format!(
            "Calibration      band {from} → {} (forced distribution; the score is unchanged)",
            r.band
        ));
    }
    for (q, score, weight) in &r.quarter_scores {
        out.push(format!(
            "Quarter          {q}: score {score} × {}% of the year",
            weight.normalize()
        ));
    }
    if let Some(p) = &r.pool {
        out.push(format!(
            "Pool             '{}': bonuses {} against budget {}; {} × {} ÷ {} allocated to the cent (largest remainder) = {}",
            p.pool,
            money(p.requested, lp),
            money(p.budget, lp),
            money(p.before, lp),
            money(p.budget, lp),
            money(p.requested, lp),
            money(r.bonus, lp)
        ));
    }
    if let Some((cur, rate, amount)) = &r.local {
        out.push(format!(
            "Currency         paid in {cur}: {} ÷ rate {} = {} {cur}",
            money(r.total, lp),
            rate.normalize(),
            money(*amount, lp)
        ));
    }
    out
}

/// Builds `trace.jsonl` for a computed run.
pub fn trace(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    staging: &super::atomic::Staging,
) -> crate::error::Result<super::manifest::FileHash> {
    let started = std::time::Instant::now();
    let metrics_input = data.files.iter().find(|f| f.table == "metrics");
    let metrics_file = metrics_input.map_or("metrics.csv".to_string(), |f| f.file_name.clone());
    let wanted: BTreeSet<&str> = lp
        .policy
        .kpis
        .iter()
        .flat_map(|k| k.aggregate.metrics())
        .collect();
    let ctx = Ctx {
        lp,
        data,
        run,
        rows: data.metrics.monthly_rows(&run.period, &wanted),
        kpi_ids: lp.policy.kpis.iter().map(|k| k.id.as_str()).collect(),
        metrics_file: metrics_file.clone(),
    };
    let head = run_record(lp, run, &metrics_file);
    // Streamed in chunks: a million employees' trace never sits in memory whole.
    let mut out = super::manifest::Streamed::create(staging, TRACE_FILE)?;
    let mut first = serde_json::to_string(&head).expect("trace serialises");
    first.push('\n');
    out.push(&first)?;
    let build = |chunk: &[crate::engine::EmployeeResult]| -> Vec<String> {
        chunk
            .par_chunks(256)
            .map(|part| {
                let mut text = String::new();
                for r in part {
                    text.push_str(
                        &serde_json::to_string(&employee_record(&ctx, r))
                            .expect("trace serialises"),
                    );
                    text.push('\n');
                }
                text
            })
            .collect()
    };
    // Each chunk is written and hashed while the next is built.
    let mut chunks = run.employees.chunks(8192);
    let mut ready = chunks.next().map(build).unwrap_or_default();
    loop {
        let next = chunks.next();
        let (written, built) = rayon::join(
            || -> crate::error::Result<()> {
                for text in &ready {
                    out.push(text)?;
                }
                Ok(())
            },
            || next.map(build),
        );
        written?;
        match built {
            Some(b) => ready = b,
            None => break,
        }
    }
    let rows = run.employees.len();
    let hashed = out.finish(rows)?;
    tracing::info!(
        "trace of {rows} employees ({} bytes) written in {:?}",
        hashed.bytes,
        started.elapsed()
    );
    Ok(hashed)
}
