//! Line 1 of `trace.jsonl`: the run record — period, rounding, and the
//! policy's KPIs, scoring curves, roles, review scale, bands and bonus rules,
//! each with the `policy.yaml:line:col` it was read from.

use super::schema::{
    BandDef, BonusDef, CurvePointRef, KpiDef, PeriodRef, PolicyRef, ReviewDef, ReviewStepRef,
    RoleDef, RoundingRef, RunRecord, ScoringDef, Sourced, WeightRef,
};
use super::TRACE_VERSION;
use crate::engine::RunResult;
use crate::period::Period;
use crate::policy::locate::{locate, Seg};
use crate::policy::{Direction, KpiScope, LoadedPolicy, Policy, Proration, Scoring, TargetSource};
use Seg::{Index, Key};

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
        TargetSource::Input(name) => format!("input {name}"),
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

pub(super) fn run_record(lp: &LoadedPolicy, run: &RunResult, metrics_file: &str) -> RunRecord {
    let p = &lp.policy;
    let l = Lines {
        text: &lp.yaml_text,
    };
    RunRecord {
        record: "run".into(),
        trace_version: TRACE_VERSION,
        policy: PolicyRef {
            id: p.id.clone(),
            version: p.version.clone(),
            currency: p.currency.clone(),
        },
        period: period_ref(&run.period),
        rounding: rounding_ref(p, &l),
        metrics_file: metrics_file.to_owned(),
        kpis: kpi_defs(p, &l),
        scorings: scoring_defs(p, &l),
        roles: role_defs(p, &l),
        review: review_def(p, &l),
        bands: band_defs(p, &l),
        bonus: bonus_def(p, &l),
        employees: run.employees.len(),
        not_in_period: run.not_in_period.clone(),
    }
}

fn period_ref(period: &Period) -> PeriodRef {
    PeriodRef {
        label: period.label.clone(),
        start: period.start().to_string(),
        end: period.end().to_string(),
        days: period.days(),
        months: period.months().map(|m| m.to_string()).collect(),
    }
}

fn rounding_ref(p: &Policy, l: &Lines) -> RoundingRef {
    let r = &p.rounding;
    RoundingRef {
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
    }
}

fn kpi_defs(p: &Policy, l: &Lines) -> Vec<KpiDef> {
    p.kpis
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
        .collect()
}

fn scoring_defs(p: &Policy, l: &Lines) -> Vec<ScoringDef> {
    p.scorings
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
        .collect()
}

fn role_defs(p: &Policy, l: &Lines) -> Vec<RoleDef> {
    p.roles
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
        .collect()
}

fn review_def(p: &Policy, l: &Lines) -> Option<ReviewDef> {
    p.review.as_ref().map(|rv| ReviewDef {
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
    })
}

fn band_defs(p: &Policy, l: &Lines) -> Vec<BandDef> {
    p.rating_bands
        .iter()
        .enumerate()
        .map(|(i, b)| BandDef {
            band: b.band.clone(),
            min_score: b.min_score.map(|m| m.to_string()),
            name_zh: b.name.as_ref().map(|n| n.zh.clone()),
            name_en: b.name.as_ref().map(|n| n.en.clone()),
            at: l.at(&[Key("rating_bands"), Index(i)]),
        })
        .collect()
}

fn bonus_def(p: &Policy, l: &Lines) -> BonusDef {
    let b = &p.bonus;
    BonusDef {
        script: sourced(b.shown(), l.at(&[Key("bonus"), Key("script")])),
        cap: b.cap.as_ref().map(|c| {
            sourced(
                c.target_multiple,
                l.at(&[Key("bonus"), Key("cap"), Key("target_multiple")]),
            )
        }),
        proration: sourced(
            match b.proration {
                Proration::Days => "days",
                Proration::Weekdays => "weekdays",
                Proration::Months => "months",
                Proration::None => "none",
            },
            l.at(&[Key("bonus"), Key("proration")]),
        ),
        project_bonuses: sourced(
            b.project_bonuses,
            l.at(&[Key("bonus"), Key("project_bonuses")]),
        ),
    }
}
