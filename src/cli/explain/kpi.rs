//! One KPI's steps in the statement: input rows, actual, target,
//! achievement, score on the curve, weight and contribution.

use super::render::{at, src, Ctx};
use crate::output::trace::{CurvePointRef, KpiDef, KpiTrace, RunRecord, ScoringDef};
use std::fmt::Write;

/// The KPI's block, `n` counting from 0.
pub fn steps(s: &mut String, c: &Ctx, n: usize, def: &KpiDef, k: &KpiTrace) {
    let (head, e) = (c.head, c.e);
    let r = &head.rounding;
    let mode = &r.mode.value;
    let _ = writeln!(
        s,
        "KPI {}/{} {} {} ({}) · {} scope, {} is better · {}",
        n + 1,
        e.kpis.len(),
        def.id,
        def.name_zh,
        def.name_en,
        def.scope,
        def.direction,
        at(&def.at)
    );
    input_rows(s, head, k);
    let _ = writeln!(s, "  actual         {}", actual_line(def, k, head));
    let _ = writeln!(s, "  target         {}", target(def, k, head));
    let _ = writeln!(
        s,
        "  achievement    {}, rounded to {} places, {mode}",
        achievement_formula(def, k),
        r.achievement_places
    );
    let sc = head.scorings.iter().find(|x| x.id == def.scoring);
    let _ = writeln!(s, "  score          {}", segment_line(k, sc, head));
    let _ = writeln!(s, "  weight         {}", weight(c, k));
    let _ = writeln!(
        s,
        "  contribution   score × weight ÷ 100 = {} × {} ÷ 100 = {}",
        k.score, k.weight, k.contribution
    );
}

/// The metric rows the actual was aggregated from, in aligned columns.
fn input_rows(s: &mut String, head: &RunRecord, k: &KpiTrace) {
    let _ = writeln!(
        s,
        "  input rows     subject {}, archive/data/{}:",
        k.subject, head.metrics_file
    );
    let wm = k.rows.iter().map(|x| x.metric.len()).max().unwrap_or(0);
    let wv = k.rows.iter().map(|x| x.value.len()).max().unwrap_or(0);
    for row in &k.rows {
        let _ = writeln!(
            s,
            "                 {}  {:wm$}  {:>wv$}  ({})",
            row.month, row.metric, row.value, row.at
        );
    }
}

fn actual_line(def: &KpiDef, k: &KpiTrace, head: &RunRecord) -> String {
    let agg = |m: &str| k.aggregates.iter().find(|a| a.metric == m);
    let months = |m: &str| agg(m).map_or(0, |a| a.months);
    let value = |m: &str| agg(m).map_or("?".to_string(), |a| a.value.clone());
    let m0 = def.metrics.first().map_or("", String::as_str);
    let rule = match def.aggregate.as_str() {
        "sum" => format!(
            "sum of {m0} over {} = {}",
            crate::error::counted(months(m0) as usize, "month", "months"),
            k.raw_actual
        ),
        "mean" => format!(
            "mean of {m0} = sum {} ÷ {} = {}",
            value(m0),
            crate::error::counted(months(m0) as usize, "month", "months"),
            k.raw_actual
        ),
        "last" => format!("{m0} of the latest month = {}", k.raw_actual),
        "max" => format!("largest monthly {m0} = {}", k.raw_actual),
        "min" => format!("smallest monthly {m0} = {}", k.raw_actual),
        "ratio" => {
            let m1 = def.metrics.get(1).map_or("", String::as_str);
            format!(
                "sum of {m0} ÷ sum of {m1} = {} ÷ {} = {}",
                value(m0),
                value(m1),
                k.raw_actual
            )
        }
        other => format!("{other} = {}", k.raw_actual),
    };
    if k.raw_actual == k.actual {
        rule
    } else {
        format!(
            "{rule} → {} (rounded to {} places, {})",
            k.actual, head.rounding.actual_places, head.rounding.mode.value
        )
    }
}

/// The target and where it came from.
fn target(def: &KpiDef, k: &KpiTrace, head: &RunRecord) -> String {
    match k.target_source.as_str() {
        "targets table" => format!(
            "{} from the targets table (subject {}, period {}, kpi {})",
            k.target, k.subject, head.period.label, k.kpi
        ),
        "policy (fixed)" => {
            format!("{} fixed in the policy ({})", k.target, at(&def.target.at))
        }
        other => format!("{} ({other})", k.target),
    }
}

/// Achievement from actual and target; lower-is-better KPIs turn it round.
fn achievement_formula(def: &KpiDef, k: &KpiTrace) -> String {
    if def.direction == "lower" {
        format!(
            "2 − actual ÷ target = 2 − {} ÷ {} = {} (lower is better; not below 0)",
            k.actual, k.target, k.achievement
        )
    } else {
        format!(
            "actual ÷ target = {} ÷ {} = {}",
            k.actual, k.target, k.achievement
        )
    }
}

fn segment_line(k: &KpiTrace, sc: Option<&ScoringDef>, head: &RunRecord) -> String {
    let Some(c) = sc else {
        return format!("{} ({})", k.score, k.segment);
    };
    let rounded = format!(
        "rounded to {} places, {}",
        head.rounding.score_places, head.rounding.mode.value
    );
    let line = |from: &str, p: &CurvePointRef, to: &str, q: &CurvePointRef| {
        format!(
            "{} + ({} − {}) × ({} − {}) ÷ ({} − {}) = {}, {rounded}; curve '{}' from {from} ({}, {}) to {to} ({}, {}), {}",
            p.score, k.achievement, p.achievement, q.score, p.score, q.achievement, p.achievement,
            k.score, c.id, p.achievement, p.score, q.achievement, q.score, at(&p.at)
        )
    };
    match k.segment.as_str() {
        "below_threshold" => format!(
            "{}: achievement below the threshold {} of curve '{}' ({}), so the floor score {}",
            k.score,
            c.threshold.achievement,
            c.id,
            at(&c.threshold.at),
            src(&c.below_threshold)
        ),
        "threshold_to_target" => line("threshold", &c.threshold, "target", &c.target),
        "target_to_stretch" => line("target", &c.target, "stretch", &c.stretch),
        "above_stretch" => format!(
            "{}; above stretch, the target→stretch line continues up to the cap {}",
            line("target", &c.target, "stretch", &c.stretch),
            c.cap.as_ref().map_or("-".into(), src)
        ),
        "capped" => match &c.cap {
            Some(cap) => format!(
                "{}: achievement {} is past stretch; curve '{}' is capped at {}",
                k.score,
                k.achievement,
                c.id,
                src(cap)
            ),
            None => format!(
                "{}: achievement {} is past stretch ({}); curve '{}' has no cap, so the stretch score holds ({})",
                k.score,
                k.achievement,
                c.stretch.achievement,
                c.id,
                at(&c.stretch.at)
            ),
        },
        other => format!("{} ({other})", k.score),
    }
}

/// The KPI's weight in the role, re-normalised when the review is missing.
fn weight(c: &Ctx, k: &KpiTrace) -> String {
    let e = c.e;
    let wat = c
        .role
        .and_then(|ro| ro.weights.iter().find(|w| w.kpi == k.kpi))
        .map(|w| at(&w.weight.at))
        .unwrap_or_default();
    match &c.renormalized {
        Some(f) => format!(
            "{}% = role {} weight {}% ({wat}) × {f} (review missing, weights re-normalised)",
            k.weight, e.role, k.role_weight
        ),
        None => format!("{}% (role {}, {wat})", k.weight, e.role),
    }
}
