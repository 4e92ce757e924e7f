//! Stages KPI values → targets → achievement → score → weights and blend →
//! rating, for every eligible employee over one period.
//!
//! Team KPIs (department, company) are evaluated once per subject and
//! shared by its members; individual KPIs inside each employee's own
//! evaluation. Every problem is collected and reported; no employee or KPI
//! is skipped silently.

use super::kpi_eval::KpiEvaluator;
use super::weights::{self, Weights};
use super::{blend, gate, target, KpiEval, KpiLine, ReviewUse};
use crate::data::metrics::Aggs;
use crate::data::{Data, Employee, COMPANY};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::period::Period;
use crate::policy::{KpiScope, LoadedPolicy, Policy};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// An employee scored for one period, before calibration and bonus.
pub(super) struct Scored {
    pub(super) employee: usize,
    pub(super) kpis: Vec<KpiLine>,
    pub(super) review: ReviewUse,
    pub(super) quarter_scores: Vec<(String, Decimal, Decimal)>,
    pub(super) score: Decimal,
    pub(super) band: String,
    pub(super) calibrated_from: Option<String>,
    pub(super) gate: Option<gate::Shut>,
}

/// KPI values → targets → scores → weights and blend → band, for the
/// `eligible` employees over `period` (`period_ix` labels its KPI lines).
pub(super) fn evaluate(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    period_ix: u8,
    (eligible, all): (&[usize], &[usize]),
    cache: &AggCache,
) -> Result<(Vec<Scored>, Arc<Aggs>)> {
    let weights = weights::of_employees(lp, data, period, eligible)?;
    let aggs = cache.get(lp, data, period);
    let history = history(lp, data, period, cache);
    let by_id: HashMap<&str, &Employee> =
        data.employees.iter().map(|e| (e.id.as_str(), e)).collect();
    let members = members(data, all);
    let targets = target::Ctx {
        lp,
        data,
        period,
        history: &history,
        members: &members,
        by_id: &by_id,
    };
    let kpis = KpiEvaluator::new(lp, data, period, &aggs, &targets);
    let stage = crate::progress::Stage::new("evaluate KPIs", eligible.len() as u64);
    let mut problems = Problems::default();
    let team = team_evals(lp, data, &kpis, eligible, &weights, &mut problems);
    let ratings = data.ratings_of(&period.label);
    let results: Vec<Result<Scored, Vec<KpiProblem>>> = eligible
        .par_iter()
        .zip(weights.par_iter())
        .map(|(&i, w)| {
            stage.inc(1);
            let rating = ratings(i).map(|r| r.rating);
            let evals = employee_evals(lp, data, &kpis, &team, i, w)?;
            score_employee(lp, data, i, w, &evals, rating, period_ix)
        })
        .collect();
    let scored = problems.collect(results);
    problems.report(lp, &data.file_path("metrics"))?;
    stage.finish();
    Ok((scored, aggs))
}

/// Every metric the policy's KPIs read, aggregated over `period`.
pub(super) fn aggregate(lp: &LoadedPolicy, data: &Data, period: &Period) -> Aggs {
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

/// A period's metrics aggregated once for the run: the rounds of spans
/// (spans.rs) and a year's quarters read the same aggregates.
#[derive(Default)]
pub(super) struct AggCache(std::sync::Mutex<HashMap<String, Arc<Aggs>>>);

impl AggCache {
    pub(super) fn get(&self, lp: &LoadedPolicy, data: &Data, period: &Period) -> Arc<Aggs> {
        let found = self
            .0
            .lock()
            .ok()
            .and_then(|m| m.get(&period.label).cloned());
        if let Some(a) = found {
            return a;
        }
        let stage = crate::progress::Stage::work("aggregate", data.metrics.rows() as u64);
        let a = Arc::new(aggregate(lp, data, period));
        stage.finish();
        if let Ok(mut m) = self.0.lock() {
            m.insert(period.label.clone(), a.clone());
        }
        a
    }
}

/// Past periods for history targets, aggregated once each, by label.
fn history(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    cache: &AggCache,
) -> HashMap<String, Arc<Aggs>> {
    let mut depth = 0;
    for k in &lp.policy.kpis {
        k.target.walk(&mut |s| {
            if let crate::policy::TargetSource::History(h) = s {
                depth = depth.max(h.periods);
            }
        });
    }
    target::history_periods(period, depth)
        .into_par_iter()
        .map(|p| {
            let a = cache.get(lp, data, &p);
            (p.label, a)
        })
        .collect()
}

/// Aggregates into `cache` everything [`evaluate`] of `period` reads (the
/// period and the past periods of history targets), so that the metric
/// rows can be freed before it runs.
pub(super) fn aggregate_ahead(lp: &LoadedPolicy, data: &Data, period: &Period, cache: &AggCache) {
    cache.get(lp, data, period);
    history(lp, data, period, cache);
}

/// The eligible employees by department id and under `company`.
fn members<'a>(data: &'a Data, eligible: &[usize]) -> HashMap<&'a str, Vec<&'a Employee>> {
    let mut members: HashMap<&str, Vec<&Employee>> = HashMap::new();
    for &i in eligible {
        let e = &data.employees[i];
        members.entry(e.department.as_str()).or_default().push(e);
        members.entry(COMPANY).or_default().push(e);
    }
    members
}

fn subject_of(scope: KpiScope, e: &Employee) -> &str {
    match scope {
        KpiScope::Individual => &e.id,
        KpiScope::Department => &e.department,
        KpiScope::Company => COMPANY,
    }
}

/// The KPIs an employee needs: the weighted ones, then any gate's.
fn needed(policy: &Policy, w: &Weights) -> Vec<usize> {
    let mut ks: Vec<usize> = w.kpis.iter().map(|(k, _)| *k).collect();
    for g in &policy.bonus.gates {
        if let Some(k) = policy.kpis.iter().position(|x| x.id == g.kpi) {
            if !ks.contains(&k) {
                ks.push(k);
            }
        }
    }
    ks
}

/// Team KPIs evaluated: (KPI, subject) → (subject index, evaluation).
type Team<'a> = HashMap<(usize, &'a str), (u32, KpiEval)>;

/// Each team KPI (department, company) of the employees, evaluated once
/// per subject.
fn team_evals<'a>(
    lp: &LoadedPolicy,
    data: &'a Data,
    kpis: &KpiEvaluator,
    eligible: &[usize],
    weights: &[std::sync::Arc<Weights>],
    problems: &mut Problems,
) -> Team<'a> {
    let policy = &lp.policy;
    let mut pairs: BTreeSet<(usize, &str)> = BTreeSet::new();
    for (&i, w) in eligible.iter().zip(weights) {
        let e = &data.employees[i];
        for k in needed(policy, w) {
            let scope = policy.kpis[k].scope;
            if scope != KpiScope::Individual {
                pairs.insert((k, subject_of(scope, e)));
            }
        }
    }
    let pairs: Vec<(usize, &str)> = pairs.into_iter().collect();
    let evals: Vec<Result<KpiEval, Diagnostic>> = pairs
        .par_iter()
        .map(|&(k, s)| kpis.eval(k, s, data.subjects.get(s)))
        .collect();
    let mut team = HashMap::with_capacity(pairs.len());
    for (&(k, subject), ev) in pairs.iter().zip(evals) {
        match ev {
            // Every team subject is in `Data::subjects`; one that is not
            // has no metric rows and failed above.
            Ok(ev) => {
                if let Some(ix) = data.subjects.get(subject) {
                    team.insert((k, subject), (ix, ev));
                }
            }
            Err(d) => problems.kpi.push((k, subject.to_owned(), d)),
        }
    }
    team
}

/// One KPI of an employee: (KPI index, subject index, evaluation).
type Eval<'t> = (usize, u32, Cow<'t, KpiEval>);

/// The employee's KPIs: individual ones evaluated here, team ones looked up.
fn employee_evals<'t>(
    lp: &LoadedPolicy,
    data: &'t Data,
    kpis: &KpiEvaluator,
    team: &'t Team,
    i: usize,
    w: &Weights,
) -> std::result::Result<Vec<Eval<'t>>, Vec<KpiProblem>> {
    let policy = &lp.policy;
    let e = &data.employees[i];
    let own_ix = data.subjects.of_employee(i, &e.id);
    let ks = needed(policy, w);
    let mut evals = Vec::with_capacity(ks.len());
    let mut problems = Vec::new();
    for &k in &ks {
        if policy.kpis[k].scope == KpiScope::Individual {
            match kpis.eval(k, &e.id, own_ix) {
                Ok(ev) => evals.push((k, own_ix.unwrap_or(u32::MAX), Cow::Owned(ev))),
                Err(d) => problems.push((k, e.id.clone(), d)),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    for &k in &ks {
        let scope = policy.kpis[k].scope;
        if scope != KpiScope::Individual {
            match team.get(&(k, subject_of(scope, e))) {
                Some((subject, ev)) => evals.push((k, *subject, Cow::Borrowed(ev))),
                // Reported once, for its team subject.
                None => return Err(Vec::new()),
            }
        }
    }
    Ok(evals)
}

/// Weights and blend → final score → band, and the bonus gates.
fn score_employee(
    lp: &LoadedPolicy,
    data: &Data,
    i: usize,
    w: &Weights,
    evals: &[Eval],
    rating: Option<Decimal>,
    period_ix: u8,
) -> std::result::Result<Scored, Vec<KpiProblem>> {
    let policy = &lp.policy;
    let e = &data.employees[i];
    let fail = |m: String| {
        vec![(
            usize::MAX,
            e.id.clone(),
            Diagnostic::error(lp.yaml_path(), m),
        )]
    };
    let review = blend::review(policy, w.review, rating)
        .map_err(|m| fail(format!("employee {} {m}", e.id)))?;
    let kpis = lines(w, evals, &review, period_ix);
    let score = blend::final_score(
        kpis.iter()
            .zip(&w.kpis)
            .map(|(l, (_, weight))| (l.score, weight)),
        &review,
        policy,
    )
    .ok_or_else(|| {
        fail(format!(
            "employee {}: the final score does not fit a decimal (KPI or review scores too large)",
            e.id
        ))
    })?;
    let lookup = |k: usize| {
        evals
            .iter()
            .find(|(x, _, _)| *x == k)
            .map(|(_, _, ev)| ev.as_ref())
    };
    Ok(Scored {
        employee: i,
        kpis,
        review,
        quarter_scores: Vec::new(),
        band: blend::band(policy, score).to_owned(),
        score,
        calibrated_from: None,
        gate: gate::check(policy, &lookup),
    })
}

/// The weighted KPI lines, weights re-normalised when the review is missing.
fn lines(w: &Weights, evals: &[Eval], review: &ReviewUse, period_ix: u8) -> Vec<KpiLine> {
    let share = blend::weight_share(review);
    w.kpis
        .iter()
        .map(|(k, base_weight)| {
            let k = *k;
            let (_, subject, ev) = evals
                .iter()
                .find(|(x, _, _)| *x == k)
                // employee_evals evaluated needed(w) ⊇ w.kpis, or returned an error.
                .expect("every weighted KPI was evaluated");
            // Shown exact where they have a finite form (see blend::final_score).
            let weight = blend::times_over(Decimal::ONE_HUNDRED, base_weight, share);
            KpiLine {
                // Cannot fail: validate.rs refuses a policy with more than
                // MAX_KPIS (= u16::MAX) KPIs before any scoring.
                kpi: u16::try_from(k).expect("at most MAX_KPIS KPIs (validated)"),
                period: period_ix,
                subject: *subject,
                actual: ev.actual,
                target: ev.target.value,
                target_source: ev.target.source.clone(),
                achievement: ev.achievement,
                score: ev.score,
                segment: ev.segment,
                weight,
                contribution: blend::times_over(ev.score, base_weight, share),
            }
        })
        .collect()
}

/// A problem found evaluating a KPI: (KPI index, subject, message); KPI
/// `usize::MAX` for other problems of the employee.
type KpiProblem = (usize, String, Diagnostic);

/// Every problem of a period's evaluation, reported together.
#[derive(Default)]
struct Problems {
    kpi: Vec<KpiProblem>,
    other: Vec<Diagnostic>,
}

impl Problems {
    /// The employees scored; the problems of the others kept for [`Self::report`].
    fn collect(
        &mut self,
        results: Vec<std::result::Result<Scored, Vec<KpiProblem>>>,
    ) -> Vec<Scored> {
        results
            .into_iter()
            .filter_map(|r| match r {
                Ok(s) => Some(s),
                Err(p) => {
                    for (k, subject, d) in p {
                        if k == usize::MAX {
                            self.other.push(d);
                        } else {
                            self.kpi.push((k, subject, d));
                        }
                    }
                    None
                }
            })
            .collect()
    }

    /// KPI problems in (KPI, subject) order, whoever found them: a KPI
    /// shows its first few and counts the rest (a month missing for
    /// everyone would otherwise print a line a person); then the others.
    fn report(mut self, lp: &LoadedPolicy, metrics_file: &std::path::Path) -> Result<()> {
        const SHOWN_PER_KPI: usize = 20;
        let mut diags = Diagnostics::default();
        self.kpi.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut shown = (usize::MAX, 0usize);
        let mut more: Vec<(usize, usize)> = Vec::new();
        for (k, _, d) in self.kpi {
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
            let id = &lp.policy.kpis[k].id;
            let m = format!("KPI '{id}': {n} more subjects with problems like the ones above");
            diags.push(Diagnostic::error(metrics_file, m));
        }
        if diags.has_errors() {
            return Err(Error::Invalid(diags));
        }
        for d in self.other {
            diags.push(d);
        }
        if diags.has_errors() {
            return Err(Error::Invalid(diags));
        }
        Ok(())
    }
}
