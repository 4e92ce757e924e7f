//! Semantic checks of a deserialised policy. Each problem is located in
//! `policy.yaml` and all of them are reported together.

use super::curve::step_bounds;
use super::hint;
use super::locate::{locate, Seg};
use super::model::*;
use super::targets::*;
use crate::decimal::Dec;
use crate::error::{Diagnostic, Diagnostics};
use crate::script::{CompiledScript, ScriptEngine};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub(super) struct Ctx<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Ctx<'_> {
    pub fn error(&self, at: &[Seg], msg: impl Into<String>) -> Diagnostic {
        self.located(Diagnostic::error(self.path, msg), at)
    }
    fn located(&self, d: Diagnostic, at: &[Seg]) -> Diagnostic {
        match locate(self.text, at) {
            Some((l, c)) => d.at(l, c).with_source(self.text),
            None => d,
        }
    }
}

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every check of `policy.yaml`, section by section; diagnostics are pushed
/// in the order of these calls, which callers print as is.
pub(super) fn policy(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    header(ctx, p, diags);
    kpis(ctx, p, diags);
    scorings(ctx, p, diags);
    let kpi_ids: Vec<&str> = p.kpis.iter().map(|k| k.id.as_str()).collect();
    roles(ctx, p, &kpi_ids, diags);
    review(ctx, p, diags);
    rating_bands(ctx, p, diags);
    evaluation(ctx, p, diags);
    calibration(ctx, p, diags);
    bonus(ctx, p, &kpi_ids, diags);
    super::check_plan::inputs(ctx, p, diags);
    super::check_plan::commissions(ctx, p, diags);
    super::state::check(ctx, p, diags);
    super::proration::check(ctx, p, diags);
    super::modifier::check(ctx, p, diags);
    if let Some(m) = &p.bonus.matrix {
        super::matrix::check(ctx, p, m, diags);
    }
    super::payrun::check(ctx, &p.approvals, &p.export, diags);
    super::appeal::check(ctx, p, diags);
    super::health::check(ctx, &p.health, diags);
}

/// Id, currency, effective dates and rounding places.
fn header(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    if p.id.trim().is_empty() {
        diags.push(ctx.error(&[Key("id")], "the policy id must not be empty"));
    }
    if !(p.currency.len() == 3 && p.currency.bytes().all(|c| c.is_ascii_uppercase())) {
        diags.push(ctx.error(
            &[Key("currency")],
            format!(
                "currency '{}' is not a three-letter ISO code such as CNY",
                p.currency
            ),
        ));
    }
    if let Some(eff) = &p.effective {
        let mut dates = Vec::new();
        for (key, val) in [("from", &eff.from), ("to", &eff.to)] {
            match chrono::NaiveDate::parse_from_str(val, "%Y-%m-%d") {
                Ok(d) => dates.push(d),
                Err(_) => diags.push(ctx.error(
                    &[Key("effective"), Key(key)],
                    format!("'{val}' is not a date (YYYY-MM-DD)"),
                )),
            }
        }
        if let [from, to] = dates[..] {
            if from > to {
                diags.push(ctx.error(
                    &[Key("effective"), Key("to")],
                    "the effective range ends before it starts",
                ));
            }
        }
    }
    for (key, places) in [
        ("money_places", p.rounding.money_places),
        ("actual_places", p.rounding.actual_places),
        ("achievement_places", p.rounding.achievement_places),
        ("score_places", p.rounding.score_places),
    ] {
        if places > 10 {
            diags.push(ctx.error(
                &[Key("rounding"), Key(key)],
                format!("{places} decimal places is more than the 10 merit supports"),
            ));
        }
    }
}

/// Ids, scorings, aggregates and targets of each KPI.
fn kpis(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    if p.kpis.is_empty() {
        diags.push(ctx.error(&[Key("kpis")], "the policy has no KPIs"));
    } else if p.kpis.len() > super::MAX_KPIS {
        // Out of reach while a policy file is at most 1 MiB; kept so that
        // a larger limit cannot wrap a KPI line's index.
        let m = format!(
            "the policy has {} KPIs, more than {}",
            p.kpis.len(),
            super::MAX_KPIS
        );
        diags.push(ctx.error(&[Key("kpis")], m));
    }
    let mut seen = BTreeSet::new();
    for (i, k) in p.kpis.iter().enumerate() {
        let at = |key| [Key("kpis"), Index(i), Key(key)];
        if !is_identifier(&k.id) {
            diags.push(ctx.error(&at("id"), format!("KPI id '{}' must be lower-case letters, digits and _ (it is used in scripts as kpi.{})", k.id, k.id)));
        }
        if !seen.insert(k.id.as_str()) {
            diags.push(ctx.error(&at("id"), format!("KPI id '{}' is defined twice", k.id)));
        }
        if !p.scorings.contains_key(&k.scoring) {
            diags.push(ctx.error(
                &at("scoring"),
                format!(
                    "KPI '{}' uses scoring '{}', which is not defined under scorings{}",
                    k.id,
                    k.scoring,
                    hint(&k.scoring, p.scorings.keys().map(String::as_str))
                ),
            ));
        }
        if let Aggregate::Ratio {
            numerator,
            denominator,
        } = &k.aggregate
        {
            if numerator == denominator {
                diags.push(ctx.error(&at("aggregate"), "a ratio needs two different metrics"));
            }
        }
        for m in k.aggregate.metrics() {
            if m.trim().is_empty() {
                diags.push(ctx.error(&at("aggregate"), "metric name must not be empty"));
            }
        }
        let mut problems = Vec::new();
        k.target.walk(&mut |src| match src {
            TargetSource::Fixed(v) if v.0 <= Decimal::ZERO => problems.push("a fixed target must be greater than zero".to_string()),
            TargetSource::History(h) if h.periods == 0 => problems.push("a history target needs at least one past period".into()),
            TargetSource::Benchmark(b) if b.factor.0 <= Decimal::ZERO => problems.push("a benchmark factor must be greater than zero".into()),
            TargetSource::Cascade(c) if k.scope != KpiScope::Individual => {
                problems.push(format!("a cascaded target splits a {:?} target among people, so the KPI's scope must be individual", c.from).to_lowercase())
            }
            TargetSource::Cascade(c) if c.from == KpiScope::Individual => problems.push("a cascade comes from `department` or `company`".into()),
            TargetSource::Max(v) | TargetSource::Min(v) if v.len() < 2 => problems.push("max and min need at least two sources".into()),
            _ => {}
        });
        for m in problems {
            diags.push(ctx.error(&at("target"), format!("KPI '{}': {m}", k.id)));
        }
    }
}

/// Each curve and tier table, then scorings no KPI uses.
fn scorings(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    for (name, s) in &p.scorings {
        match s {
            Scoring::Curve(c) => curve(ctx, name, c, diags),
            Scoring::Tiers(t) => tiers(ctx, name, t, diags),
            Scoring::Points(x) => {
                super::curve::check(ctx, name, x, &super::curve::input_types(p), diags)
            }
            Scoring::Script(_) => {}
        }
    }
    super::curve::check_team_inputs(ctx, p, diags);
    let used: BTreeSet<&str> = p.kpis.iter().map(|k| k.scoring.as_str()).collect();
    for name in p.scorings.keys() {
        if !used.contains(name.as_str()) {
            diags.push(ctx.located(
                Diagnostic::warning(ctx.path, format!("scoring '{name}' is not used by any KPI")),
                &[Key("scorings"), Key(name)],
            ));
        }
    }
}

/// Each role's weights, then KPIs no role weighs.
fn roles(ctx: &Ctx, p: &Policy, kpi_ids: &[&str], diags: &mut Diagnostics) {
    use Seg::*;
    if p.roles.is_empty() {
        diags.push(ctx.error(&[Key("roles")], "the policy defines no roles"));
    }
    for (name, r) in &p.roles {
        role_weights(ctx, p, kpi_ids, name, r, diags);
    }
    for k in &p.kpis {
        // A role with a weights script may weigh any KPI: no warning then;
        // nor for a KPI a gate or a commission reads (weight 0 included).
        let weighed = p.roles.values().any(|r| {
            r.weights_script.is_some() || r.weights.get(&k.id).is_some_and(|w| !w.is_zero())
        });
        let read =
            p.bonus.gates.iter().any(|g| g.kpi == k.id) || super::check_plan::reads_kpi(p, &k.id);
        if !weighed && !read {
            let i = p.kpis.iter().position(|x| x.id == k.id).unwrap_or(0);
            diags.push(ctx.located(
                Diagnostic::warning(
                    ctx.path,
                    format!("KPI '{}' has no weight in any role", k.id),
                ),
                &[Key("kpis"), Index(i), Key("id")],
            ));
        }
    }
}

/// A role's weights sum to 100 with its review weight, or come from a script.
fn role_weights(
    ctx: &Ctx,
    p: &Policy,
    kpi_ids: &[&str],
    role: &str,
    r: &Role,
    diags: &mut Diagnostics,
) {
    use Seg::*;
    if r.weights_script.is_some() {
        if !r.weights.is_empty() {
            diags.push(ctx.error(
                &[Key("roles"), Key(role), Key("weights_script")],
                format!("role '{role}' has both weights and weights_script; keep one"),
            ));
        }
        if r.review_weight.0 > Decimal::ZERO && p.review.is_none() {
            diags.push(ctx.error(&[Key("roles"), Key(role), Key("review_weight")], format!("role '{role}' weighs the manager review, but the policy has no `review` section")));
        }
        return;
    }
    // Exact: fractions such as 100/3 sum to exactly 100, and no size overflows.
    let mut sum = crate::exact::Exact::from(r.review_weight.0);
    for (kpi, w) in &r.weights {
        if !kpi_ids.contains(&kpi.as_str()) {
            diags.push(ctx.error(
                &[Key("roles"), Key(role), Key("weights"), Key(kpi)],
                format!(
                    "role '{role}' weighs KPI '{kpi}', which is not defined{}",
                    hint(kpi, kpi_ids.iter().copied())
                ),
            ));
        }
        if w.is_negative() {
            diags.push(ctx.error(
                &[Key("roles"), Key(role), Key("weights"), Key(kpi)],
                format!("weight {w} is negative"),
            ));
        }
        sum = sum + w.value.exact();
    }
    if r.review_weight.0 < Decimal::ZERO || r.review_weight.0 > Decimal::ONE_HUNDRED {
        diags.push(ctx.error(
            &[Key("roles"), Key(role), Key("review_weight")],
            "review_weight must be between 0 and 100",
        ));
    }
    if r.review_weight.0 > Decimal::ZERO && p.review.is_none() {
        diags.push(ctx.error(
            &[Key("roles"), Key(role), Key("review_weight")],
            format!(
                "role '{role}' weighs the manager review, but the policy has no `review` section"
            ),
        ));
    }
    if sum != crate::exact::Exact::from(100) {
        let parts = if r.review_weight.0.is_zero() {
            "KPI weights"
        } else {
            "KPI weights plus review_weight"
        };
        diags.push(ctx.error(
            &[Key("roles"), Key(role), Key("weights")],
            format!(
                "role '{role}': {parts} sum to {}, not 100",
                sum.approx().normalize()
            ),
        ));
    }
}

/// The review scale: not empty, no rating twice.
fn review(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    if let Some(rv) = &p.review {
        if rv.scale.is_empty() {
            diags.push(ctx.error(&[Key("review"), Key("scale")], "the review scale is empty"));
        }
        let mut seen = BTreeSet::new();
        for (i, s) in rv.scale.iter().enumerate() {
            if !seen.insert(s.rating.0.normalize()) {
                diags.push(ctx.error(
                    &[Key("review"), Key("scale"), Index(i)],
                    format!("rating {} appears twice in the review scale", s.rating),
                ));
            }
        }
    }
}

/// Bands run from the highest min_score down; the last one catches the rest.
fn rating_bands(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    if p.rating_bands.is_empty() {
        diags.push(ctx.error(&[Key("rating_bands")], "at least one rating band is needed"));
    }
    let mut names = BTreeSet::new();
    let mut prev: Option<Decimal> = None;
    let last = p.rating_bands.len().saturating_sub(1);
    for (i, b) in p.rating_bands.iter().enumerate() {
        let at = [Key("rating_bands"), Index(i)];
        if !names.insert(b.band.as_str()) {
            diags.push(ctx.error(&at, format!("band '{}' is listed twice", b.band)));
        }
        match (b.min_score, i == last) {
            (None, false) => diags.push(ctx.error(&at, format!("band '{}' needs a min_score (only the last band catches all lower scores)", b.band))),
            (Some(_), true) => diags.push(ctx.error(&at, format!("the last band '{}' must not have a min_score: it catches every score below the band above", b.band))),
            (Some(m), false) => {
                if let Some(p) = prev {
                    if m.0 >= p {
                        diags.push(ctx.error(&at, format!("band '{}': min_score {m} must be lower than the band above ({})", b.band, p.normalize())));
                    }
                }
                prev = Some(m.0);
            }
            (None, true) => {}
        }
    }
}

/// Long-term evaluation: the year from quarter weights.
fn evaluation(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    if let Some(w) = &p.evaluation.year_from_quarters {
        let sum: Decimal = w.iter().map(|x| x.0).sum();
        if w.len() != 4 || sum != Decimal::ONE_HUNDRED || w.iter().any(|x| x.0 < Decimal::ZERO) {
            diags.push(ctx.error(&[Key("evaluation"), Key("year_from_quarters")], format!("year_from_quarters needs four non-negative weights (Q1–Q4) summing to 100; got {} summing to {}", w.len(), sum.normalize())));
        }
    }
}

/// Calibration groups and the bands they limit.
fn calibration(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    if let Some(c) = &p.calibration {
        if c.scope == KpiScope::Individual {
            diags.push(ctx.error(
                &[Key("calibration"), Key("scope")],
                "calibration groups are `department` or `company`",
            ));
        }
        for (band, pct) in &c.max_percent {
            if !p.rating_bands.iter().any(|b| &b.band == band) {
                diags.push(ctx.error(
                    &[Key("calibration"), Key("max_percent"), Key(band)],
                    format!(
                        "band '{band}' is not a rating band{}",
                        hint(band, p.rating_bands.iter().map(|b| b.band.as_str()))
                    ),
                ));
            }
            if p.rating_bands.last().is_some_and(|b| &b.band == band) {
                diags.push(ctx.error(
                    &[Key("calibration"), Key("max_percent"), Key(band)],
                    format!("band '{band}' is the lowest band; nobody can move below it"),
                ));
            }
            if pct.0 < Decimal::ZERO || pct.0 > Decimal::ONE_HUNDRED {
                diags.push(ctx.error(
                    &[Key("calibration"), Key("max_percent"), Key(band)],
                    "a percent between 0 and 100",
                ));
            }
        }
    }
}

/// Gates and the cap.
fn bonus(ctx: &Ctx, p: &Policy, kpi_ids: &[&str], diags: &mut Diagnostics) {
    use Seg::*;
    for (i, g) in p.bonus.gates.iter().enumerate() {
        let at = [Key("bonus"), Key("gates"), Index(i)];
        if !kpi_ids.contains(&g.kpi.as_str()) {
            diags.push(ctx.error(
                &at,
                format!(
                    "gate on KPI '{}', which is not defined{}",
                    g.kpi,
                    hint(&g.kpi, kpi_ids.iter().copied())
                ),
            ));
        }
        if g.min_actual.is_none() && g.below_actual.is_none() && g.min_achievement.is_none() {
            diags.push(ctx.error(
                &at,
                "a gate needs at least one of min_actual, below_actual, min_achievement",
            ));
        }
        if let Some(p) = g.pay_percent {
            let p = p.0;
            if p < Decimal::ZERO || p >= Decimal::ONE_HUNDRED || p.normalize().scale() > 4 {
                diags.push(ctx.error(
                    &[Key("bonus"), Key("gates"), Index(i), Key("pay_percent")],
                    format!("pay_percent is {p}: a partial gate keeps from 0 up to (not including) 100 percent of the formula, with at most 4 decimals"),
                ));
            }
        }
    }
    if let Some(cap) = &p.bonus.cap {
        if cap.target_multiple.0 <= Decimal::ZERO {
            diags.push(ctx.error(
                &[Key("bonus"), Key("cap"), Key("target_multiple")],
                "the cap multiple must be greater than zero",
            ));
        }
    }
}

fn curve(ctx: &Ctx, name: &str, c: &Curve, diags: &mut Diagnostics) {
    use Seg::*;
    let at = |key: &'static str| vec![Key("scorings"), Key(name), Key("curve"), Key(key)];
    let pts = [
        ("threshold", &c.threshold),
        ("target", &c.target),
        ("stretch", &c.stretch),
    ];
    for w in pts.windows(2) {
        let ((_, a), (bn, b)) = (w[0], w[1]);
        if b.achievement.0 <= a.achievement.0 {
            diags.push(ctx.error(
                &at(bn),
                format!(
                    "curve '{name}': {bn} achievement {} must be greater than {}",
                    b.achievement, a.achievement
                ),
            ));
        }
        if b.score.0 < a.score.0 {
            diags.push(ctx.error(
                &at(bn),
                format!(
                    "curve '{name}': {bn} score {} is lower than {}; a curve must not decrease",
                    b.score, a.score
                ),
            ));
        }
    }
    if c.threshold.achievement.0 < Decimal::ZERO {
        diags.push(ctx.error(
            &at("threshold"),
            format!("curve '{name}': achievement must not be negative"),
        ));
    }
    if c.below_threshold.0 > c.threshold.score.0 {
        diags.push(ctx.error(
            &at("below_threshold"),
            format!(
                "curve '{name}': the floor {} is above the threshold score {}",
                c.below_threshold, c.threshold.score
            ),
        ));
    }
    if let Some(cap) = c.cap {
        if cap.0 < c.stretch.score.0 {
            diags.push(ctx.error(
                &at("cap"),
                format!(
                    "curve '{name}': cap {cap} is below the stretch score {}",
                    c.stretch.score
                ),
            ));
        }
    }
}

/// Tiers are half-open `[from, to)`, start at 0, end open, and touch.
fn tiers(ctx: &Ctx, name: &str, t: &Tiers, diags: &mut Diagnostics) {
    use Seg::*;
    let base = [Key("scorings"), Key(name), Key("tiers")];
    let at = |extra: &[Seg<'static>]| -> Vec<Seg> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    let Some(mode) = t.mode else {
        diags.push(ctx.error(&at(&[]), format!("tiers '{name}' need an explicit mode: whole_amount (the tier's score) or marginal (each tier adds rate × the part inside it)")));
        return;
    };
    if t.steps.is_empty() {
        diags.push(ctx.error(
            &at(&[Key("steps")]),
            format!("tiers '{name}' have no steps"),
        ));
        return;
    }
    let bounds: Vec<(Dec, Option<Dec>)> = t.steps.iter().map(|s| (s.from, s.to)).collect();
    step_bounds(
        ctx,
        &at(&[Key("steps")]),
        &format!("tiers '{name}'"),
        &bounds,
        diags,
    );
    for (i, s) in t.steps.iter().enumerate() {
        let here = at(&[Key("steps"), Index(i)]);
        match mode {
            TierMode::WholeAmount if s.score.is_none() || s.rate.is_some() => {
                diags.push(ctx.error(
                    &here,
                    format!(
                        "tiers '{name}' are whole_amount: each tier needs `score` (and no `rate`)"
                    ),
                ))
            }
            TierMode::Marginal if s.rate.is_none() || s.score.is_some() => diags.push(ctx.error(
                &here,
                format!("tiers '{name}' are marginal: each tier needs `rate` (and no `score`)"),
            )),
            _ => {}
        }
    }
}

/// Finds and compiles a script named in the policy, with the variables of
/// its purpose; also flags integer division between literals (`1 / 2` is 0).
#[allow(clippy::too_many_arguments)]
pub(super) fn script(
    ctx: &Ctx,
    dir: &Path,
    at: &[Seg],
    name: &str,
    files: &BTreeMap<&str, &[u8]>,
    engine: &ScriptEngine,
    purpose: crate::script::Purpose,
    diags: &mut Diagnostics,
) -> Option<CompiledScript> {
    let Some(bytes) = files.get(name) else {
        let scripts = files.keys().copied().filter(|f| f.ends_with(".rhai"));
        diags.push(ctx.error(
            at,
            format!(
                "script '{name}' not found in the policy folder{}",
                hint(name, scripts)
            ),
        ));
        return None;
    };
    let path = dir.join(name);
    let Ok(text) = std::str::from_utf8(bytes) else {
        diags.push(Diagnostic::error(&path, "not valid UTF-8 text"));
        return None;
    };
    for d in crate::script::literal_integer_divisions(&path, text) {
        diags.push(d);
    }
    match engine.compile(&path, text, &purpose.compile_scope()) {
        Ok(s) => Some(s),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}
