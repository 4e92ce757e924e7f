//! Stage: bonus — each scored employee's bonus by the policy's Rhai
//! formula (zero behind a shut gate), then cap, proration and the one money
//! rounding (`bonus::finish`), plus project bonuses; after pools, the total
//! and its amount in the employee's currency.

use super::gate::{reduce, Shut};
use super::scorecard::Scored;
use super::{bonus, collect, EmployeeResult, GateReduction, KpiLine};
use crate::data::{Data, Employee};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::{Exact, Num};
use crate::period::Period;
use crate::policy::{LoadedPolicy, Policy};
use rayon::prelude::*;
use rust_decimal::Decimal;

/// Every scored employee's result with bonus and project bonus (before pools).
pub(super) fn bonuses(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    scored: Vec<Scored>,
) -> Result<Vec<EmployeeResult>> {
    let kpi_ids: Vec<&str> = lp.policy.kpis.iter().map(|k| k.id.as_str()).collect();
    // Only the inputs the bonus script reads are built for each employee.
    // The compiled script keeps its source (the built-in formula's too).
    let read = bonus::ScriptInputs::of(&lp.scripts.bonus.text, &kpi_ids);
    let inputs = bonus::Inputs::new(&lp.policy, read, &kpi_ids, period);
    let stage = crate::progress::Stage::new("bonus", scored.len() as u64);
    let results: Vec<std::result::Result<EmployeeResult, Diagnostic>> = scored
        .into_par_iter()
        .map_init(rhai::Scope::new, |scope, s| {
            stage.inc(1);
            employee_bonus(lp, data, period, &inputs, scope, s)
        })
        .collect();
    stage.finish();
    let mut diags = Diagnostics::default();
    let employees = collect(results, &mut diags);
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(employees)
}

/// One employee's bonus: formula (or zero behind a gate) → cap, proration,
/// rounding; plus the projects the run pays.
fn employee_bonus(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    inputs: &bonus::Inputs,
    scope: &mut rhai::Scope<'static>,
    s: Scored,
) -> std::result::Result<EmployeeResult, Diagnostic> {
    let policy = &lp.policy;
    let script_path = &lp.scripts.bonus.path;
    let e = &data.employees[s.employee];
    let target_bonus = bonus::target_bonus_exact(e, period);
    let mut s = s;
    check_fte(lp, e)?;
    if let Some(why) = unqualified(policy, e, period, &s.band) {
        // A missed qualifier shuts the bonus like a full gate; a gate
        // already shut stays recorded with it.
        let why = match s.gate.take() {
            Some(g) => format!("{}; {why}", g.why),
            None => why,
        };
        s.gate = Some(Shut { why, pay: None });
    }
    let gate = s.gate.clone();
    let (mut r, kpis) = started(policy, data, e, period, &target_bonus, s)?;
    let formula = if matches!(&gate, Some(g) if g.pay.is_none()) {
        Num::Dec(Decimal::ZERO)
    } else if let Some(m) = &policy.bonus.matrix {
        let (f, used) = matrix_formula(policy, m, &target_bonus, &kpis)
            .map_err(|m| Diagnostic::error(lp.yaml_path(), format!("employee {}: {m}", e.id)))?;
        r.matrix = Some(Box::new(used));
        f
    } else {
        // With quarters combined, `kpi.*` holds the last quarter's lines.
        let last = kpis.last().map(|l| l.period);
        let from = kpis
            .iter()
            .position(|l| Some(l.period) == last)
            .unwrap_or(0);
        inputs.fill(scope, e, &r, &kpis[from..]);
        lp.engine
            .eval_exact_for(&lp.scripts.bonus, scope, &|| format!("employee {}", e.id))?
    };
    let fail = |m: String| {
        Diagnostic::error(
            script_path,
            format!("while evaluating employee {}: {m}", e.id),
        )
    };
    if formula.is_negative() {
        return Err(fail(format!(
            "the bonus formula returned {}, a negative amount",
            formula.approx()
        )));
    }
    // Behind a full gate or a missed qualifier the bonus is 0 whatever the
    // factors: they are not looked up (a new hire has no rating yet).
    let shut = matches!(&gate, Some(g) if g.pay.is_none());
    let (formula, modifiers) = match shut {
        true => (formula, Vec::new()),
        false => super::modifier::apply(policy, data, period, &r, &kpis, formula).map_err(&fail)?,
    };
    r.modifiers = modifiers;
    let formula = reduced(formula, gate, &mut r);
    r.kpis = kpis; // before a span's line copies them (`on: kpi` reads them)
    let factor = super::proration::factor(policy, data, e, period, bonus::span_days(e, period));
    if e.span.is_some() {
        // One span of several: summed and rounded with the others (spans.rs).
        let capped = bonus::capped(policy, &formula, &target_bonus, &mut r, factor);
        r.spans = vec![super::spans::SpanLine::of(e, period, &r, capped)];
    } else {
        bonus::finish(policy, &formula, &target_bonus, &mut r, factor).ok_or_else(|| {
            fail(format!(
                "the bonus {} is too large for a decimal",
                formula.approx()
            ))
        })?;
    }
    Ok(r)
}

/// The payout matrix's percent of the target bonus, exact; the KPIs read
/// are those of the last period evaluated (a year's last quarter).
fn matrix_formula(
    policy: &Policy,
    m: &crate::policy::Matrix,
    target_bonus: &Num,
    kpis: &[KpiLine],
) -> std::result::Result<(Num, super::MatrixUse), String> {
    let achievement = |id: &str| {
        super::last_achievement(policy, kpis, id).ok_or_else(|| format!("the payout matrix reads KPI '{id}', which is not evaluated for this employee (list it in the role's weights, weight 0 is allowed)"))
    };
    let (ra, ca) = (achievement(&m.rows.kpi)?, achievement(&m.columns.kpi)?);
    let (pct, cell) = super::matrix::percent(m, ra, ca);
    let formula = Num::Exact(target_bonus.exact() * pct.clone() / Exact::from(100)).simplified();
    let used = super::MatrixUse {
        row: ra,
        column: ca,
        cell,
        percent: pct.approx(),
        formula: formula.approx(),
    };
    Ok((formula, used))
}

/// The FTE input, when the policy prorates by it, is in (0, 1].
fn check_fte(lp: &LoadedPolicy, e: &Employee) -> std::result::Result<(), Diagnostic> {
    let policy = &lp.policy;
    if let Some(name) = &policy.bonus.fte {
        let v = bonus::fte(policy, e, name);
        if !v.is_some_and(|v| v > Decimal::ZERO && v <= Decimal::ONE) {
            let m = format!(
                "employee {}: the FTE input '{name}' must be more than 0 and at most 1",
                e.id
            );
            return Err(Diagnostic::error(lp.yaml_path(), m));
        }
    }
    Ok(())
}

/// Why the employee does not qualify for a bonus, if they do not.
fn unqualified(policy: &Policy, e: &Employee, period: &Period, band: &str) -> Option<String> {
    let q = &policy.bonus.qualifiers;
    if q.min_tenure_months.is_none() && q.min_band.is_none() {
        return None;
    }
    let tenure = super::inputs::tenure_months(e, period);
    if let Some(min) = q.min_tenure_months.filter(|m| tenure < i64::from(*m)) {
        let months = crate::error::counted(tenure.max(0) as usize, "month", "months");
        return Some(format!("qualifier: tenure {months}, below {min}"));
    }
    let rank = |b: &str| policy.rating_bands.iter().position(|x| x.band == b);
    match (q.min_band.as_deref(), rank(band)) {
        (Some(min), Some(r)) if rank(min).is_some_and(|m| r > m) => {
            Some(format!("qualifier: band {band}, below {min}"))
        }
        _ => None,
    }
}

/// The formula kept in part behind shut partial gates, exact, and recorded.
fn reduced(formula: Num, gate: Option<Shut>, r: &mut EmployeeResult) -> Num {
    match gate.and_then(|g| g.pay) {
        Some(percents) => {
            let kept = reduce(&formula, &percents);
            r.gate_reduced = Some(Box::new(GateReduction {
                percents,
                before: formula.approx(),
            }));
            kept
        }
        None => formula,
    }
}

/// The result as the bonus formula sees it (score, band, target bonus and
/// projects set; the bonus itself still zero), and the KPI lines.
fn started(
    policy: &Policy,
    data: &Data,
    e: &Employee,
    period: &Period,
    target_bonus: &Num,
    s: Scored,
) -> std::result::Result<(EmployeeResult, Vec<KpiLine>), Diagnostic> {
    let (project_bonus, projects) = bonus::projects(policy, data, (s.employee, e), period)
        .ok_or_else(|| {
            let m = format!(
                "employee {}: the project bonuses of {period} sum to more than a decimal holds",
                e.id
            );
            Diagnostic::error(data.file_path("projects"), m)
        })?;
    let r = EmployeeResult {
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
        gate_failed: s.gate.map(|g| g.why),
        gate_reduced: None,
        matrix: None,
        modifiers: Vec::new(),
        limited: None,
        pool: None,
        projects,
        project_bonus,
        commissions: Vec::new(),
        clawbacks: Vec::new(),
        clawback: Decimal::ZERO,
        commission: Decimal::ZERO,
        balance: None,
        spans: Vec::new(),
        total: Decimal::ZERO,
        local: None,
    };
    Ok((r, s.kpis))
}

/// Every sum of the run's money must fit a decimal: Σ |bonus| + |project
/// bonus| over everyone bounds each total and every department, currency
/// and pool sum made from them, so checking it once keeps all of those
/// from overflowing.
pub(super) fn check_sums(lp: &LoadedPolicy, employees: &[EmployeeResult]) -> Result<()> {
    let mut sum = Decimal::ZERO;
    for er in employees {
        for v in [er.bonus, er.commission, er.clawback, er.project_bonus] {
            sum = sum.checked_add(v.abs()).ok_or_else(|| {
                Error::one(Diagnostic::error(
                    lp.yaml_path(),
                    "the run's payouts sum to more than a decimal holds (79,228,162,514,264,337,593,543,950,335); check the data for an amount or salary far too large",
                ))
            })?;
        }
    }
    Ok(())
}

/// Each total (bonus + commissions + projects, after pools) and, for employees paid in
/// another currency, the total ÷ the exact rate, rounded once.
pub(super) fn totals(
    lp: &LoadedPolicy,
    data: &Data,
    employees: &mut [EmployeeResult],
) -> Result<()> {
    let (policy, r) = (&lp.policy, &lp.policy.rounding);
    let mut diags = Diagnostics::default();
    for er in employees {
        // check_sums bounds this sum.
        er.total = er.bonus + er.commission + er.clawback + er.project_bonus;
        if let Some(b) = &er.balance {
            // Draw on top, recovery withheld, a negative period not paid.
            er.total = er.total + b.draw - b.recovered + b.carried;
        }
        let e = &data.employees[er.employee];
        if let Some(cur) = e.currency.as_ref().filter(|c| **c != policy.currency) {
            // ÷ the exact rate (a period average is a sum ÷ months).
            match (Exact::from(er.total) / e.fx_rate_exact.exact()).round(r.money_places, r.mode) {
                Some(local) => er.local = Some(Box::new((cur.clone(), e.fx_rate, local))),
                None => diags.push(Diagnostic::error(
                    data.file_path("fx_rates"),
                    format!(
                        "employee {}: the payout in {cur} does not fit a decimal (rate {})",
                        e.id, e.fx_rate
                    ),
                )),
            }
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(())
}
