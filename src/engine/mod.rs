//! Stages 3–8: from checked policy and data to each employee's result.
//!
//! ```text
//! metrics ─aggregate (polars)→ KPI values ─targets→ achievement ─scoring→ score
//!   ─weights & review→ final score ─bands→ rating ─calibration→ band
//!   ─Rhai formula, gate, cap, proration→ bonus ─pools→ total ─fx→ local amount
//! ```
//! [`compute`] calls the stages in that order; each lives in its own module
//! (`kpi_eval` for one KPI of one subject, `scorecard` for a period's
//! employees, `calibrate`, `payout`, `pool`). Every failure is collected and
//! reported; no employee or rule is skipped silently.

pub mod balance;
pub mod blend;
pub mod bonus;
pub mod calibrate;
pub mod clawback;
pub mod commission;
pub mod commission_terms;
pub mod coverage;
pub mod crediting;
pub mod gate;
pub mod health;
pub mod inputs;
pub mod kpi;
mod kpi_eval;
pub mod matrix;
mod modifier;
mod payout;
pub mod pool;
pub mod proration;
mod quarters;
pub mod recognition;
pub mod score;
mod scorecard;
pub mod spans;
pub mod suggest;
pub mod target;
mod weights;

use crate::data::Data;
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::period::Period;
use crate::policy::LoadedPolicy;
use blend::ReviewUse;
use rust_decimal::Decimal;
use score::Segment;
use std::borrow::Cow;
use std::collections::HashMap;

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
    /// Index into the policy's KPIs (a policy has at most
    /// [`crate::policy::MAX_KPIS`]): `u16`, not `usize`, as a run holds one
    /// line per employee and KPI, 12 M at 1 M employees.
    pub kpi: u16,
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

impl KpiLine {
    /// [`KpiLine::kpi`] as an index into the policy's KPIs.
    pub fn kpi_ix(&self) -> usize {
        usize::from(self.kpi)
    }
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
    /// Set when a bonus gate was not met: why. The bonus is zero unless
    /// every shut gate is partial ([`EmployeeResult::gate_reduced`]).
    pub gate_failed: Option<String>,
    /// Set when shut partial gates kept part of the formula.
    pub gate_reduced: Option<Box<GateReduction>>,
    /// Set when a payout matrix gave the formula.
    pub matrix: Option<Box<MatrixUse>>,
    /// The modifiers' factors (what chose each, factor), in policy order.
    pub modifiers: Vec<(String, Decimal)>,
    /// When `min_amount` or `max_amount` changed the bonus: (before, after).
    pub limited: Option<(Decimal, Decimal)>,
    /// Set when a bonus pool scaled the bonus.
    pub pool: Option<Box<PoolUse>>,
    pub projects: Vec<(String, Decimal)>,
    pub project_bonus: Decimal,
    /// The commissions the employee's role earns, in policy order.
    pub commissions: Vec<commission::CommissionLine>,
    /// Their sum.
    pub commission: Decimal,
    /// Refunds recovering what earlier runs paid for deals (`clawback`).
    pub clawbacks: Vec<clawback::ClawbackLine>,
    /// Their sum (not positive).
    pub clawback: Decimal,
    /// Draw, recovery and what is owed, for plans whose runs form a chain.
    pub balance: Option<Box<balance::BalanceLine>>,
    /// The spans of a period cut by mid-period changes, in date order
    /// (empty without one); the other fields are the last span's, `bonus`
    /// their sum.
    pub spans: Vec<spans::SpanLine>,
    pub total: Decimal,
    /// The payout in the employee's currency: (currency, rate, amount).
    pub local: Option<Box<(String, Decimal, Decimal)>>,
}

/// The formula kept in part behind shut partial gates (`pay_percent`).
#[derive(Debug, Clone)]
pub struct GateReduction {
    /// The shut gates' percents, in policy order.
    pub percents: Vec<Decimal>,
    /// The bonus script's result before the reduction.
    pub before: Decimal,
}

/// What the payout matrix read and gave.
#[derive(Debug, Clone)]
pub struct MatrixUse {
    /// The rows' and the columns' KPI achievement.
    pub row: Decimal,
    pub column: Decimal,
    /// The cell (row, column, 0-based) the achievements fall in; `None` below.
    pub cell: Option<(usize, usize)>,
    /// The payout percent of the target bonus.
    pub percent: Decimal,
    /// The matrix's formula (target bonus × percent), before any modifier.
    pub formula: Decimal,
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
    pub aggs: std::sync::Arc<crate::data::metrics::Aggs>,
    /// Labels of [`KpiLine::period`]: the run's period, then its quarters.
    pub line_periods: Vec<String>,
    /// Plans with `clawback`: the deal ledger after the run.
    pub deals: Option<clawback::Deals>,
}

impl RunResult {
    /// The label of the period a KPI line was evaluated over.
    pub fn line_period(&self, l: &KpiLine) -> &str {
        self.line_periods
            .get(l.period as usize)
            .map_or(self.period.label.as_str(), String::as_str)
    }
}

/// The achievement of KPI `id` among an employee's lines, over the last
/// period evaluated (a year's last quarter): what the bonus formula's
/// constructs (matrix, modifiers) read.
pub(crate) fn last_achievement(
    policy: &crate::policy::Policy,
    kpis: &[KpiLine],
    id: &str,
) -> Option<Decimal> {
    let k = policy.kpis.iter().position(|k| k.id == id)?;
    let last = kpis.last()?.period;
    kpis.iter()
        .rev()
        .find(|l| l.kpi_ix() == k && l.period == last)
        .map(|l| l.achievement)
}

fn collect<T>(results: Vec<Result<T, Diagnostic>>, diags: &mut Diagnostics) -> Vec<T> {
    // The same script error for many employees is said once, with a count:
    // a plan-wide mistake must not print a line per employee.
    let mut same: Vec<(Diagnostic, usize)> = Vec::new();
    let mut seen: HashMap<(Option<usize>, Option<usize>, String), usize> = HashMap::new();
    // `filter_map` over the vector's own iterator reuses its memory: a
    // million results are not held twice.
    let out = results
        .into_iter()
        .filter_map(|r| {
            r.map_err(|d| match script_error_kind(&d) {
                Some(kind) => match seen.get(&(d.line, d.col, kind.clone())) {
                    Some(&i) => same[i].1 += 1,
                    None => {
                        seen.insert((d.line, d.col, kind), same.len());
                        same.push((d, 0));
                    }
                },
                None => diags.push(d),
            })
            .ok()
        })
        .collect();
    for (mut d, more) in same {
        if more > 0 {
            d.message
                .push_str(&format!(" (and {more} more employees with the same error)"));
        }
        diags.push(d);
    }
    out
}

/// A script error's file and message without the employee it names.
fn script_error_kind(d: &Diagnostic) -> Option<String> {
    let start = d.message.find("while evaluating ")?;
    let end = start + d.message[start..].find(": ")?;
    Some(format!(
        "{}|{}{}",
        d.file,
        &d.message[..start],
        &d.message[end..]
    ))
}

/// The quarter weights when `period` is a year scored from its quarters.
fn year_weights<'a>(
    policy: &'a crate::policy::Policy,
    period: &Period,
) -> Option<&'a Vec<crate::decimal::Dec>> {
    match (&policy.evaluation.year_from_quarters, period.kind) {
        (Some(w), crate::period::PeriodKind::Year) => Some(w),
        _ => None,
    }
}

/// The periods a run of `period` scores, whose targets and ratings it
/// reads (`data::Keep`): the period, and its quarters for a year scored
/// from them.
pub fn scored_periods(policy: &crate::policy::Policy, period: &Period) -> Vec<String> {
    let mut labels = vec![period.label.clone()];
    if year_weights(policy, period).is_some() {
        labels.extend(period.quarters().into_iter().map(|q| q.label));
    }
    labels
}

/// The whole pipeline for one period, starting from nothing carried (the
/// first period of a chain, or a plan without one).
pub fn compute(lp: &LoadedPolicy, data: &mut Data, period: &Period) -> Result<RunResult> {
    compute_after(lp, data, period, &balance::Carried::default())
}

/// The year-to-date state a period starts from: the plan year's first day
/// and what it paid, empty when the carried balances are of another year.
fn ytd_of<'a>(
    lp: &LoadedPolicy,
    period: &Period,
    carried: &'a balance::Carried,
) -> Result<commission::Ytd<'a>> {
    if !lp.policy.is_stateful() {
        return Ok(commission::Ytd::default());
    }
    let (start, _, _) = lp
        .policy
        .plan_year(period)
        .map_err(|m| Error::one(Diagnostic::error(lp.yaml_path(), m)))?;
    Ok(commission::Ytd {
        start: Some(start),
        paid: (carried.plan_year == Some(start)).then_some(&carried.rows),
    })
}

/// KPI values → targets → achievement → score → weights and blend →
/// rating (→ calibration when `first`) → bonus, for the employees `who`
/// (`all`: everyone in the period, the teams cascades divide among).
fn scored_bonuses(
    lp: &LoadedPolicy,
    data: &mut Data,
    period: &Period,
    (who, all): (&[usize], &[usize]),
    round: spans::Round,
    cache: &scorecard::AggCache,
) -> Result<(
    Vec<EmployeeResult>,
    std::sync::Arc<crate::data::metrics::Aggs>,
)> {
    let policy = &lp.policy;
    let by_quarters = year_weights(policy, period);
    // A year from quarters aggregates as it scores: its rows go after.
    if round.last && by_quarters.is_none() && data.release_after_scoring.metric_rows {
        // The scoring finds every aggregate it reads in the cache; the
        // rows would otherwise sit beside the KPI lines at the run's peak.
        scorecard::aggregate_ahead(lp, data, period, cache);
        data.release_metric_rows();
    }
    let (mut scored, aggs) = match by_quarters {
        Some(w) => (
            quarters::evaluate(lp, data, period, (who, all), w, cache)?,
            cache.get(lp, data, period),
        ),
        None => scorecard::evaluate(lp, data, period, 0, (who, all), cache)?,
    };
    if round.last {
        data.release_scored();
    }
    if let (Some(c), true) = (&policy.calibration, round.first) {
        calibrate::stage(policy, c, data, &mut scored);
    }
    Ok((payout::bonuses(lp, data, period, scored)?, aggs))
}

/// The whole pipeline for one period: each stage a call, in the order the
/// money flows (docs/architecture.md draws it); `carried` is what the
/// previous run of a chain left (docs/policy.md, Year-to-date).
pub fn compute_after(
    lp: &LoadedPolicy,
    data: &mut Data,
    period: &Period,
    carried: &balance::Carried,
) -> Result<RunResult> {
    let policy = &lp.policy;
    coverage::check_effective(lp, period)?;
    let plan = spans::plan(data, period);
    data.apply_fx(policy, period)?;
    data.metrics
        .check_period(period, &data.file_path("metrics"))?;

    let (eligible, not_in_period): (Vec<usize>, Vec<usize>) = (0..data.employees.len())
        .partition(|&i| bonus::days_employed(&data.employees[i], period) > 0);
    let cache = scorecard::AggCache::default();
    let stage = |data: &mut Data, who: &[usize], round: spans::Round| {
        scored_bonuses(lp, data, period, (who, &eligible), round, &cache)
    };
    let (mut employees, aggs) = spans::pay(lp, data, period, &eligible, &plan.spans, &stage)?;
    let data: &Data = data;
    let ytd = ytd_of(lp, period, carried)?;
    commission::stage(lp, data, (period, &plan), &mut employees, &ytd)?;
    let deals = clawback::stage(
        lp,
        data,
        (period, ytd.start),
        &carried.deals,
        &mut employees,
    )?;
    payout::check_sums(lp, &employees)?;
    if let Some(pool) = &policy.bonus.pool {
        pool::apply(policy, pool, data, period, &aggs, &mut employees)?;
        // A pool scaling up pays budgets, whose sum may not fit.
        payout::check_sums(lp, &employees)?;
    }
    if policy.is_stateful() {
        balance::stage(lp, data, (period, &plan.views()), carried, &mut employees)?;
    }
    payout::totals(lp, data, &mut employees)?;
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
        deals,
    })
}
