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
pub mod kpi;
pub mod recognition;
pub mod score;
pub mod target;

use crate::data::{Data, Employee, COMPANY};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::period::Period;
use crate::policy::{KpiScope, LoadedPolicy};
use blend::ReviewUse;
use rayon::prelude::*;
use rust_decimal::Decimal;
use score::Segment;
use std::collections::{BTreeSet, HashMap};

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
    pub subject: String,
    pub actual: Decimal,
    pub target: Decimal,
    pub target_source: String,
    pub achievement: Decimal,
    pub score: Decimal,
    pub segment: Segment,
    /// Percent weight as applied (after any re-normalisation).
    pub weight: Decimal,
    pub contribution: Decimal,
}

#[derive(Debug, Clone)]
pub struct EmployeeResult {
    /// Index into `Data::employees`.
    pub employee: usize,
    pub kpis: Vec<KpiLine>,
    pub review: ReviewUse,
    pub score: Decimal,
    pub band: String,
    pub days_employed: i64,
    pub target_bonus: Decimal,
    pub formula_bonus: Decimal,
    pub cap: Option<Decimal>,
    pub capped: bool,
    /// Proration as days employed / days in period.
    pub proration: (Decimal, Decimal),
    pub bonus: Decimal,
    pub projects: Vec<(String, Decimal)>,
    pub project_bonus: Decimal,
    pub total: Decimal,
}

pub struct RunResult {
    pub period: Period,
    /// Sorted by employee id.
    pub employees: Vec<EmployeeResult>,
    /// Employees not employed on any day of the period (listed in the manifest).
    pub not_in_period: Vec<String>,
}

fn subject_of(scope: KpiScope, e: &Employee) -> &str {
    match scope {
        KpiScope::Individual => &e.id,
        KpiScope::Department => &e.department,
        KpiScope::Company => COMPANY,
    }
}

pub fn compute(lp: &LoadedPolicy, data: &Data, period: &Period) -> Result<RunResult> {
    let policy = &lp.policy;
    let metrics_file = data.dir.join(
        data.files
            .iter()
            .find(|f| f.table == "metrics")
            .map_or("metrics.csv", |f| f.file_name.as_str()),
    );
    data.metrics.check_period(period, &metrics_file)?;

    let (eligible, not_in_period): (Vec<usize>, Vec<usize>) = (0..data.employees.len())
        .partition(|&i| bonus::days_employed(&data.employees[i], period) > 0);

    // Which (KPI, subject) pairs are needed: each employee's weighted KPIs.
    let weighted = |e: &Employee| -> Vec<usize> {
        let role = &policy.roles[&e.role];
        (0..policy.kpis.len())
            .filter(|&k| {
                role.weights
                    .get(&policy.kpis[k].id)
                    .is_some_and(|w| !w.0.is_zero())
            })
            .collect()
    };
    let mut pairs: BTreeSet<(usize, &str)> = BTreeSet::new();
    for &i in &eligible {
        let e = &data.employees[i];
        for k in weighted(e) {
            pairs.insert((k, subject_of(policy.kpis[k].scope, e)));
        }
    }
    let metrics: BTreeSet<&str> = policy
        .kpis
        .iter()
        .flat_map(|k| k.aggregate.metrics())
        .collect();
    let aggs = data.metrics.aggregate(period, &metrics);

    // Evaluate each pair once.
    let pairs: Vec<(usize, &str)> = pairs.into_iter().collect();
    let evals: Vec<Result<KpiEval, String>> = pairs
        .par_iter()
        .map(|&(k, subject)| {
            let kpi = &policy.kpis[k];
            let actual = kpi::actual(&kpi.aggregate, subject, &aggs).map_err(|m| match m {
                kpi::Missing::NoRows(metric) => format!("KPI '{}' of {subject}: no '{metric}' rows in {period}", kpi.id),
                kpi::Missing::ZeroDenominator(metric) => format!("KPI '{}' of {subject}: '{metric}' sums to zero in {period}, so the ratio is undefined", kpi.id),
            })?;
            let actual = actual.round_dp_with_strategy(policy.rounding.actual_places, policy.rounding.mode.strategy()).normalize();
            let target = target::target(kpi, subject, period, data)?;
            let achievement = score::achievement(actual, target.value, kpi.direction, &policy.rounding)
                .ok_or_else(|| format!("KPI '{}' of {subject}: the target is zero", kpi.id))?;
            let (score, segment) = score::score(&policy.scorings[&kpi.scoring], achievement, &policy.rounding);
            Ok(KpiEval { actual, target, achievement, score, segment })
        })
        .collect();
    let mut diags = Diagnostics::default();
    let mut table: HashMap<(usize, &str), &KpiEval> = HashMap::with_capacity(pairs.len());
    for (pair, ev) in pairs.iter().zip(&evals) {
        match ev {
            Ok(ev) => {
                table.insert(*pair, ev);
            }
            Err(msg) => diags.push(Diagnostic::error(&metrics_file, msg.clone())),
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }

    let kpi_ids: Vec<&str> = policy.kpis.iter().map(|k| k.id.as_str()).collect();
    let script_path = lp.bonus_script.path.clone();
    let results: Vec<Result<EmployeeResult, Diagnostic>> = eligible
        .par_iter()
        .map(|&i| {
            let e = &data.employees[i];
            let role = &policy.roles[&e.role];
            let rating = data.ratings.get(&(e.id.clone(), period.label.clone())).map(|r| r.rating);
            let review = blend::review(policy, role, rating)
                .map_err(|m| Diagnostic::error(lp.yaml_path(), format!("employee {} {m}", e.id)))?;
            let factor = blend::weight_factor(&review);
            let kpis: Vec<KpiLine> = weighted(e)
                .into_iter()
                .map(|k| {
                    let subject = subject_of(policy.kpis[k].scope, e);
                    let ev = table[&(k, subject)];
                    let weight = role.weights[&policy.kpis[k].id].0 * factor;
                    KpiLine {
                        kpi: k,
                        subject: subject.to_owned(),
                        actual: ev.actual,
                        target: ev.target.value,
                        target_source: ev.target.source.clone(),
                        achievement: ev.achievement,
                        score: ev.score,
                        segment: ev.segment,
                        weight,
                        contribution: ev.score * weight / Decimal::ONE_HUNDRED,
                    }
                })
                .collect();
            let review_part = match &review {
                ReviewUse::Rated { contribution, .. } => Some(*contribution),
                _ => None,
            };
            let score = blend::final_score(kpis.iter().map(|l| l.contribution).chain(review_part), policy);
            let band = blend::band(policy, score).to_owned();
            let (project_bonus, projects) = bonus::projects(policy, data, e, period);
            let mut r = EmployeeResult {
                employee: i,
                kpis: Vec::new(),
                review,
                score,
                band,
                days_employed: bonus::days_employed(e, period),
                target_bonus: bonus::target_bonus(e, period),
                formula_bonus: Decimal::ZERO,
                cap: None,
                capped: false,
                proration: (Decimal::ONE, Decimal::ONE),
                bonus: Decimal::ZERO,
                projects,
                project_bonus,
                total: Decimal::ZERO,
            };
            let mut scope = bonus::scope(e, &r, &kpis, &kpi_ids, period);
            let formula = lp.engine.eval_decimal(&lp.bonus_script, &mut scope, &format!("employee {}", e.id))?;
            if formula < Decimal::ZERO {
                return Err(Diagnostic::error(&script_path, format!("while evaluating employee {}: the bonus formula returned {formula}, a negative amount", e.id)));
            }
            bonus::finish(policy, formula, &mut r, period);
            r.total = r.bonus + r.project_bonus;
            r.kpis = kpis;
            Ok(r)
        })
        .collect();
    let mut employees = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(r) => employees.push(r),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(RunResult {
        period: period.clone(),
        employees,
        not_in_period: not_in_period
            .into_iter()
            .map(|i| data.employees[i].id.clone())
            .collect(),
    })
}
