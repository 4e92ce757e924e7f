//! Stages 3–8: from checked policy and data to each employee's result.
//!
//! ```text
//! metrics ─aggregate (polars)→ KPI actuals ─targets→ achievement ─scoring→ score
//!   ─weights & review→ final score ─bands→ rating ─Rhai formula, cap, proration→ bonus
//! ```
//! Team KPIs (department, company) are evaluated once per subject and shared
//! by its members. Every failure is collected and reported; no employee or
//! rule is skipped silently.

pub mod blend;
pub mod bonus;
pub mod calibrate;
pub mod coverage;
pub mod inputs;
pub mod kpi;
pub mod pool;
mod quarters;
pub mod recognition;
pub mod score;
pub mod target;
mod weights;

use crate::data::metrics::Aggs;
use crate::data::{Data, Employee, COMPANY};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Num;
use crate::period::Period;
use crate::policy::{KpiScope, LoadedPolicy};
use blend::ReviewUse;
use rayon::prelude::*;
use rust_decimal::Decimal;
use score::Segment;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use weights::{fixed_weights, weights, Weights};

/// One KPI of one subject, evaluated.
#[derive(Debug, Clone)]
pub struct KpiEval {
    pub actual: Decimal,
    pub target: target::Target,
    pub achievement: Decimal,
    pub score: Decimal,
    pub segment: Segment,
}

/// One KPI line of an employee's result.
#[derive(Debug, Clone)]
pub struct KpiLine {
    /// Index into the policy's KPIs.
    pub kpi: usize,
    /// The period evaluated: 0 for the run's period, 1 to 4 for a quarter
    /// of a year that combines quarters ([`RunResult::line_period`]).
    pub period: u8,
    /// Index into `Data::subjects` (`Subjects::name` gives the id).
    pub subject: u32,
    pub actual: Decimal,
    pub target: Decimal,
    pub target_source: Cow<'static, str>,
    pub achievement: Decimal,
    pub score: Decimal,
    pub segment: Segment,
    /// Percent weight as applied (after any re-normalisation).
    pub weight: Decimal,
    /// Points this line adds to the final score.
    pub contribution: Decimal,
}

#[derive(Debug, Clone)]
pub struct EmployeeResult {
    /// Index into `Data::employees`.
    pub employee: usize,
    pub kpis: Vec<KpiLine>,
    pub review: ReviewUse,
    /// When a year combines quarters: (quarter, its final score, its weight in percent).
    pub quarter_scores: Vec<(String, Decimal, Decimal)>,
    pub score: Decimal,
    pub band: String,
    /// The band before calibration, when calibration moved the employee.
    pub calibrated_from: Option<String>,
    pub days_employed: i64,
    pub target_bonus: Decimal,
    pub formula_bonus: Decimal,
    pub cap: Option<Decimal>,
    pub capped: bool,
    /// Proration as days employed / days in period.
    pub proration: (Decimal, Decimal),
    pub bonus: Decimal,
    /// Set when a bonus gate was not met: the bonus is zero, and why.
    pub gate_failed: Option<String>,
    /// Set when a bonus pool scaled the bonus.
    pub pool: Option<PoolUse>,
    pub projects: Vec<(String, Decimal)>,
    pub project_bonus: Decimal,
    pub total: Decimal,
    /// The payout in the employee's currency: (currency, rate, amount).
    pub local: Option<(String, Decimal, Decimal)>,
}

/// How a pool changed one bonus.
#[derive(Debug, Clone)]
pub struct PoolUse {
    /// The pool's subject (department id or `company`).
    pub pool: String,
    pub budget: Decimal,
    /// The sum of the pool's bonuses before scaling.
    pub requested: Decimal,
    /// This employee's bonus before scaling.
    pub before: Decimal,
}

pub struct RunResult {
    pub period: Period,
    /// Sorted by employee id.
    pub employees: Vec<EmployeeResult>,
    /// Employees not employed on any day of the period (listed in the manifest).
    pub not_in_period: Vec<String>,
    /// The aggregated metrics the KPI actuals were computed from (for the trace).
    pub aggs: crate::data::metrics::Aggs,
    /// Labels of [`KpiLine::period`]: the run's period, then its quarters.
    pub line_periods: Vec<String>,
}

impl RunResult {
    /// The label of the period a KPI line was evaluated over.
    pub fn line_period(&self, l: &KpiLine) -> &str {
        self.line_periods
            .get(l.period as usize)
            .map_or(self.period.label.as_str(), String::as_str)
    }
}

fn subject_of(scope: KpiScope, e: &Employee) -> &str {
    match scope {
        KpiScope::Individual => &e.id,
        KpiScope::Department => &e.department,
        KpiScope::Company => COMPANY,
    }
}

fn gate_check<'a>(
    policy: &crate::policy::Policy,
    evals: &dyn Fn(usize) -> Option<&'a KpiEval>,
) -> Option<String> {
    for g in &policy.bonus.gates {
        let k = policy.kpis.iter().position(|x| x.id == g.kpi)?;
        let ev = evals(k)?;
        if let Some(min) = g.min_actual {
            if ev.actual < min.0 {
                return Some(format!(
                    "{} is {}, below the gate's minimum {}",
                    g.kpi, ev.actual, min
                ));
            }
        }
        if let Some(below) = g.below_actual {
            if ev.actual >= below.0 {
                return Some(format!(
                    "{} is {}, not below the gate's limit {}",
                    g.kpi, ev.actual, below
                ));
            }
        }
        if let Some(min) = g.min_achievement {
            if ev.achievement < min.0 {
                return Some(format!(
                    "{} achievement is {}, below the gate's minimum {}",
                    g.kpi, ev.achievement, min
                ));
            }
        }
    }
    None
}

/// An employee scored for one period, before calibration and bonus.
struct Scored {
    employee: usize,
    kpis: Vec<KpiLine>,
    review: ReviewUse,
    quarter_scores: Vec<(String, Decimal, Decimal)>,
    score: Decimal,
    band: String,
    calibrated_from: Option<String>,
    gate_failed: Option<String>,
}

fn collect<T>(results: Vec<Result<T, Diagnostic>>, diags: &mut Diagnostics) -> Vec<T> {
    // `filter_map` over the vector's own iterator reuses its memory: a
    // million results are not held twice.
    results
        .into_iter()
        .filter_map(|r| r.map_err(|d| diags.push(d)).ok())
        .collect()
}

/// A problem found evaluating a KPI: (KPI index, subject, message); KPI
/// `usize::MAX` for other problems of the employee.
type KpiProblem = (usize, String, Diagnostic);

/// Every metric the policy's KPIs read, aggregated over `period`.
fn aggregate(lp: &LoadedPolicy, data: &Data, period: &Period) -> Aggs {
    let kpis = &lp.policy.kpis;
    let metrics: BTreeSet<&str> = kpis.iter().flat_map(|k| k.aggregate.metrics()).collect();
    let extremes = kpis.iter().any(|k| {
        matches!(
            k.aggregate,
            crate::policy::Aggregate::Max(_)
                | crate::policy::Aggregate::Min(_)
                | crate::policy::Aggregate::Last(_)
        )
    });
    data.metrics
        .aggregate(period, &metrics, extremes, data.subjects.len())
}

/// KPI values → targets → scores → weights and blend → band, for the
/// `eligible` employees over `period`.
fn evaluate(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    period_ix: u8,
    eligible: &[usize],
) -> Result<(Vec<Scored>, Aggs)> {
    let policy = &lp.policy;
    let metrics_file = data.file_path("metrics");
    let mut diags = Diagnostics::default();
    let stage = crate::progress::Stage::work("weights", eligible.len() as u64);
    let role_weights: HashMap<&str, Weights> = policy
        .roles
        .iter()
        .filter(|(r, _)| !lp.scripts.weights.contains_key(*r))
        .map(|(r, role)| (r.as_str(), fixed_weights(policy, role)))
        .collect();
    let weights = collect(
        eligible
            .par_iter()
            .map(|&i| {
                // Without a weights script a role's weights are the same for
                // all its people: found once per role, borrowed by each.
                let e = &data.employees[i];
                match role_weights.get(e.role.as_str()) {
                    Some(w) => Ok(Cow::Borrowed(w)),
                    None => weights(lp, e, period).map(Cow::Owned),
                }
            })
            .collect(),
        &mut diags,
    );
    stage.finish();
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    let gate_kpis: Vec<usize> = policy
        .bonus
        .gates
        .iter()
        .filter_map(|g| policy.kpis.iter().position(|k| k.id == g.kpi))
        .collect();

    let stage = crate::progress::Stage::work("aggregate", data.metrics.rows() as u64);
    let aggs = aggregate(lp, data, period);
    stage.finish();

    // Past periods for history targets, aggregated once each.
    let mut depth = 0;
    for k in &policy.kpis {
        k.target.walk(&mut |s| {
            if let crate::policy::TargetSource::History(h) = s {
                depth = depth.max(h.periods);
            }
        });
    }
    let history: HashMap<String, Aggs> = target::history_periods(period, depth)
        .into_par_iter()
        .map(|p| {
            let a = aggregate(lp, data, &p);
            (p.label, a)
        })
        .collect();
    let by_id: HashMap<&str, &Employee> =
        data.employees.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut members: HashMap<&str, Vec<&Employee>> = HashMap::new();
    for &i in eligible {
        let e = &data.employees[i];
        members.entry(e.department.as_str()).or_default().push(e);
        members.entry(COMPANY).or_default().push(e);
    }
    let ctx = target::Ctx {
        lp,
        data,
        period,
        history: &history,
        members: &members,
        by_id: &by_id,
    };

    // One KPI of one subject: actual → target → achievement → score.
    // Where each KPI's metrics sit in the aggregates, found once.
    let slots: Vec<Vec<(&str, Option<usize>)>> = policy
        .kpis
        .iter()
        .map(|k| {
            k.aggregate
                .metrics()
                .into_iter()
                .map(|m| (m, aggs.slot(m)))
                .collect()
        })
        .collect();
    let rules: Vec<&crate::policy::Scoring> = policy
        .kpis
        .iter()
        .map(|k| &policy.scorings[&k.scoring])
        .collect();
    // The months each employee needs metric rows for, found once.
    let all_months = coverage::required(None, period);
    let needs: Vec<u16> = data
        .employees
        .par_iter()
        .map(|e| coverage::required(Some(e), period))
        .collect();
    let eval = |k: usize, subject: &str, ix: Option<u32>| -> Result<KpiEval, Diagnostic> {
        let kpi = &policy.kpis[k];
        let err = |m: String| Diagnostic::error(&metrics_file, m);
        // `m` is one of the rule's own names: compare addresses first.
        let slot = |m: &str| {
            slots[k]
                .iter()
                .find(|(n, _)| std::ptr::eq(*n, m) || *n == m)
                .and_then(|(_, s)| *s)
        };
        let r = &policy.rounding;
        // Month coverage: the months this subject needs rows for, checked or filled.
        let need = match kpi.scope {
            KpiScope::Individual => ix
                .and_then(|i| needs.get(i as usize))
                .copied()
                .unwrap_or(all_months),
            _ => all_months,
        };
        let get = |m: &str| coverage::fill(kpi.missing_months, aggs.at(ix, slot(m)), need);
        coverage::check(kpi, get, need, period)
            .map_err(|m| err(format!("KPI '{}' of {subject}: {m}", kpi.id)))?;
        let actual = kpi::actual(&kpi.aggregate, get, r.actual_places, r.mode).map_err(|m| match m {
            kpi::Missing::NoRows(metric) => err(format!("KPI '{}' of {subject}: no '{metric}' rows in {period}", kpi.id)),
            kpi::Missing::ZeroDenominator(metric) => err(format!("KPI '{}' of {subject}: '{metric}' sums to zero in {period}, so the ratio is undefined", kpi.id)),
            kpi::Missing::TooLarge => err(format!("KPI '{}' of {subject}: the mean or ratio in {period} is too large for a decimal", kpi.id)),
        })?;
        let actual =
            coverage::prorate(kpi, actual, get, period, r.actual_places, r.mode).normalize();
        let target = target::target(&ctx, kpi, &kpi.target, subject, ix)
            .map_err(|m| Diagnostic::error(lp.yaml_path(), m))?;
        if target.value <= Decimal::ZERO {
            return Err(Diagnostic::error(lp.yaml_path(), format!("KPI '{}' of {subject}: the target ({}) is {}; a target must be greater than zero", kpi.id, target.source, target.value)));
        }
        let achievement = score::achievement(actual, target.value, kpi.direction, &policy.rounding)
            .ok_or_else(|| err(format!("KPI '{}' of {subject}: the target is zero", kpi.id)))?;
        let rule = rules[k];
        let (score, segment) = match score::score(rule, achievement, &policy.rounding) {
            Some(s) => s,
            None => {
                let script = &lp.scripts.scoring[&kpi.scoring];
                let mut scope = rhai::Scope::new();
                scope.push("actual", actual);
                scope.push("target", target.value);
                scope.push("achievement", achievement);
                scope.push("subject", subject.to_owned());
                let v = lp.engine.eval_decimal(
                    script,
                    &mut scope,
                    &format!("KPI '{}' score of {subject}", kpi.id),
                )?;
                (
                    crate::decimal::round_fixed(
                        v,
                        policy.rounding.score_places,
                        policy.rounding.mode,
                    ),
                    Segment::Script,
                )
            }
        };
        Ok(KpiEval {
            actual,
            target,
            achievement,
            score,
            segment,
        })
    };

    let stage = crate::progress::Stage::new("evaluate KPIs", eligible.len() as u64);
    // Team KPIs (department, company) are evaluated once per subject;
    // individual KPIs inside each employee's own evaluation below.
    let needed = |w: &Weights| -> Vec<usize> {
        let mut ks: Vec<usize> = w.kpis.iter().map(|(k, _)| *k).collect();
        for &k in &gate_kpis {
            if !ks.contains(&k) {
                ks.push(k);
            }
        }
        ks
    };
    let mut team_pairs: BTreeSet<(usize, &str)> = BTreeSet::new();
    for (&i, w) in eligible.iter().zip(&weights) {
        let e = &data.employees[i];
        for k in needed(w) {
            let scope = policy.kpis[k].scope;
            if scope != KpiScope::Individual {
                team_pairs.insert((k, subject_of(scope, e)));
            }
        }
    }
    let team_pairs: Vec<(usize, &str)> = team_pairs.into_iter().collect();
    let team_evals: Vec<Result<KpiEval, Diagnostic>> = team_pairs
        .par_iter()
        .map(|&(k, s)| eval(k, s, data.subjects.get(s)))
        .collect();
    // KPI problems are reported in (KPI, subject) order, whoever found them.
    let mut kpi_problems: Vec<KpiProblem> = Vec::new();
    let mut team: HashMap<(usize, &str), (u32, KpiEval)> = HashMap::with_capacity(team_pairs.len());
    for (&(k, subject), ev) in team_pairs.iter().zip(team_evals) {
        match ev {
            Ok(ev) => {
                // Every team subject is in `Data::subjects`; one that is not
                // has no metric rows and failed above.
                if let Some(ix) = data.subjects.get(subject) {
                    team.insert((k, subject), (ix, ev));
                }
            }
            Err(d) => kpi_problems.push((k, subject.to_owned(), d)),
        }
    }

    let ratings = data.ratings_of(&period.label);
    let scored: Vec<Result<Scored, Vec<KpiProblem>>> = eligible
        .par_iter()
        .zip(weights.par_iter())
        .map(|(&i, w)| {
            stage.inc(1);
            let e = &data.employees[i];
            let own_ix = data.subjects.of_employee(i, &e.id);
            // This employee's KPIs: individual ones evaluated here, team ones looked up.
            let ks = needed(w);
            let mut evals: Vec<(usize, u32, &KpiEval)> = Vec::with_capacity(ks.len());
            let mut own_evals: Vec<(usize, KpiEval)> = Vec::with_capacity(ks.len());
            let mut problems = Vec::new();
            for &k in &ks {
                let scope = policy.kpis[k].scope;
                if scope == KpiScope::Individual {
                    match eval(k, &e.id, own_ix) {
                        Ok(ev) => own_evals.push((k, ev)),
                        Err(d) => problems.push((k, e.id.clone(), d)),
                    }
                }
            }
            if !problems.is_empty() {
                return Err(problems);
            }
            for &k in &ks {
                let scope = policy.kpis[k].scope;
                if scope == KpiScope::Individual {
                    let ev = &own_evals
                        .iter()
                        .find(|(x, _)| *x == k)
                        .expect("evaluated above")
                        .1;
                    evals.push((k, own_ix.unwrap_or(u32::MAX), ev));
                } else {
                    match team.get(&(k, subject_of(scope, e))) {
                        Some((subject, ev)) => evals.push((k, *subject, ev)),
                        // Reported once, for its team subject.
                        None => return Err(Vec::new()),
                    }
                }
            }
            let lookup = |k: usize| evals.iter().find(|(x, _, _)| *x == k).map(|(_, _, ev)| *ev);
            let rating = ratings(i).map(|r| r.rating);
            let review = blend::review(policy, w.review, rating).map_err(|m| {
                vec![(
                    usize::MAX,
                    e.id.clone(),
                    Diagnostic::error(lp.yaml_path(), format!("employee {} {m}", e.id)),
                )]
            })?;
            let share = blend::weight_share(&review);
            let kpis: Vec<KpiLine> = w
                .kpis
                .iter()
                .map(|&(k, base_weight)| {
                    let (_, subject, ev) = evals
                        .iter()
                        .find(|(x, _, _)| *x == k)
                        .expect("every weighted KPI was evaluated");
                    // Shown exact where they have a finite form (see blend::final_score).
                    let weight = Num::mul_div(base_weight, Decimal::ONE_HUNDRED, share).approx();
                    KpiLine {
                        kpi: k,
                        period: period_ix,
                        subject: *subject,
                        actual: ev.actual,
                        target: ev.target.value,
                        target_source: ev.target.source.clone(),
                        achievement: ev.achievement,
                        score: ev.score,
                        segment: ev.segment,
                        weight,
                        contribution: Num::mul_div(ev.score, base_weight, share).approx(),
                    }
                })
                .collect();
            let score = blend::final_score(
                kpis.iter()
                    .zip(&w.kpis)
                    .map(|(l, &(_, weight))| (l.score, weight)),
                &review,
                policy,
            )
            .ok_or_else(|| {
                vec![(
                    usize::MAX,
                    e.id.clone(),
                    Diagnostic::error(lp.yaml_path(), format!("employee {}: the final score does not fit a decimal (KPI or review scores too large)", e.id)),
                )]
            })?;
            Ok(Scored {
                employee: i,
                kpis,
                review,
                quarter_scores: Vec::new(),
                band: blend::band(policy, score).to_owned(),
                score,
                calibrated_from: None,
                gate_failed: gate_check(policy, &lookup),
            })
        })
        .collect();
    let mut other = Vec::new();
    let scored: Vec<Scored> = scored
        .into_iter()
        .filter_map(|r| match r {
            Ok(s) => Some(s),
            Err(p) => {
                for (k, subject, d) in p {
                    if k == usize::MAX {
                        other.push(d);
                    } else {
                        kpi_problems.push((k, subject, d));
                    }
                }
                None
            }
        })
        .collect();
    kpi_problems.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    // Every problem is found; a KPI shows its first few and counts the rest
    // (a month missing for everyone would otherwise print a line a person).
    const SHOWN_PER_KPI: usize = 20;
    let mut shown = (usize::MAX, 0usize);
    let mut more: Vec<(usize, usize)> = Vec::new();
    for (k, _, d) in kpi_problems {
        if shown.0 != k {
            shown = (k, 0);
        }
        shown.1 += 1;
        if shown.1 <= SHOWN_PER_KPI {
            diags.push(d);
        } else {
            match more.last_mut() {
                Some((x, n)) if *x == k => *n += 1,
                _ => more.push((k, 1)),
            }
        }
    }
    for (k, n) in more {
        diags.push(Diagnostic::error(
            &metrics_file,
            format!(
                "KPI '{}': {n} more subjects with problems like the ones above",
                policy.kpis[k].id
            ),
        ));
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    for d in other {
        diags.push(d);
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    stage.finish();
    Ok((scored, aggs))
}

pub fn compute(lp: &LoadedPolicy, data: &mut Data, period: &Period) -> Result<RunResult> {
    let policy = &lp.policy;
    coverage::check_effective(lp, period)?;
    data.apply_fx(policy, period)?;
    let data: &Data = data;
    let metrics_file = data.file_path("metrics");
    data.metrics.check_period(period, &metrics_file)?;

    let (eligible, not_in_period): (Vec<usize>, Vec<usize>) = (0..data.employees.len())
        .partition(|&i| bonus::days_employed(&data.employees[i], period) > 0);

    let (mut scored, aggs) = match (&policy.evaluation.year_from_quarters, period.kind) {
        (Some(w), crate::period::PeriodKind::Year) => (
            quarters::evaluate(lp, data, period, &eligible, w)?,
            aggregate(lp, data, period),
        ),
        _ => evaluate(lp, data, period, 0, &eligible)?,
    };
    if let Some(c) = &policy.calibration {
        let mut view: Vec<calibrate::Member> = scored
            .iter()
            .map(|s| {
                let e = &data.employees[s.employee];
                calibrate::Member {
                    group: if c.scope == KpiScope::Company {
                        COMPANY.to_owned()
                    } else {
                        e.department.clone()
                    },
                    id: e.id.clone(),
                    score: s.score,
                    band: s.band.clone(),
                    moved_from: None,
                }
            })
            .collect();
        calibrate::apply(policy, c, &mut view);
        for (s, m) in scored.iter_mut().zip(view) {
            s.band = m.band;
            s.calibrated_from = m.moved_from;
        }
    }

    let kpi_ids: Vec<&str> = policy.kpis.iter().map(|k| k.id.as_str()).collect();
    let script_path = lp.scripts.bonus.path.clone();
    // Only the inputs the bonus script reads are built for each employee.
    let read = lp
        .files
        .iter()
        .find(|f| f.rel == policy.bonus.script)
        .map_or_else(bonus::ScriptInputs::all, |f| {
            bonus::ScriptInputs::of(&String::from_utf8_lossy(&f.bytes), &kpi_ids)
        });
    let script_inputs = bonus::Inputs::new(read, &kpi_ids, period);
    let stage = crate::progress::Stage::new("bonus", scored.len() as u64);
    let results: Vec<Result<EmployeeResult, Diagnostic>> = scored
        .into_par_iter()
        .map_init(rhai::Scope::new, |scope, s| {
            stage.inc(1);
            let e = &data.employees[s.employee];
            let (project_bonus, projects) = bonus::projects(policy, data, e, period);
            let target_bonus = bonus::target_bonus_exact(e, period);
            let mut r = EmployeeResult {
                employee: s.employee,
                kpis: Vec::new(),
                review: s.review,
                quarter_scores: s.quarter_scores,
                score: s.score,
                band: s.band,
                calibrated_from: s.calibrated_from,
                days_employed: bonus::days_employed(e, period),
                target_bonus: target_bonus.approx(),
                formula_bonus: Decimal::ZERO,
                cap: None,
                capped: false,
                proration: (Decimal::ONE, Decimal::ONE),
                bonus: Decimal::ZERO,
                gate_failed: s.gate_failed,
                pool: None,
                projects,
                project_bonus,
                total: Decimal::ZERO,
                local: None,
            };
            let formula = if r.gate_failed.is_some() {
                Num::Dec(Decimal::ZERO)
            } else {
                // With quarters combined, `kpi.*` holds the last quarter's lines.
                let last = s.kpis.last().map(|l| l.period);
                let from = s.kpis.iter().position(|l| Some(l.period) == last).unwrap_or(0);
                script_inputs.fill(scope, e, &r, &s.kpis[from..]);
                lp.engine.eval_exact_for(&lp.scripts.bonus, scope, &|| format!("employee {}", e.id))?
            };
            if formula.exact().is_negative() {
                return Err(Diagnostic::error(&script_path, format!("while evaluating employee {}: the bonus formula returned {}, a negative amount", e.id, formula.approx())));
            }
            bonus::finish(policy, &formula, &target_bonus, &mut r, period).ok_or_else(|| {
                Diagnostic::error(&script_path, format!("while evaluating employee {}: the bonus {} is too large for a decimal", e.id, formula.approx()))
            })?;
            r.total = r.bonus + r.project_bonus;
            r.kpis = s.kpis;
            Ok(r)
        })
        .collect();
    stage.finish();
    let mut diags = Diagnostics::default();
    let mut employees = collect(results, &mut diags);
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    if let Some(pool) = &policy.bonus.pool {
        pool::apply(policy, pool, data, period, &mut employees)?;
    }
    let r = &policy.rounding;
    for er in &mut employees {
        er.total = er.bonus + er.project_bonus;
        let e = &data.employees[er.employee];
        if let Some(cur) = e.currency.as_ref().filter(|c| **c != policy.currency) {
            // ÷ the exact rate (a period average is a sum ÷ months).
            let local = (crate::exact::Exact::from(er.total) / e.fx_rate_exact.exact())
                .round(r.money_places, r.mode)
                .unwrap_or(er.total);
            er.local = Some((cur.clone(), e.fx_rate, local));
        }
    }
    Ok(RunResult {
        period: period.clone(),
        employees,
        not_in_period: not_in_period
            .into_iter()
            .map(|i| data.employees[i].id.clone())
            .collect(),
        aggs,
        line_periods: std::iter::once(period.label.clone())
            .chain(period.quarters().into_iter().map(|q| q.label))
            .collect(),
    })
}
