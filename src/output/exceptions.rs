//! `exceptions.csv`: every place where a run did not simply pay the formula
//! — a missing review, a cap, a gate, proration, a pool, calibration, a
//! target fallback, an unpaid project, someone left out, an overpayment —
//! so they are seen before money moves. Each comes from what the engine
//! recorded; nothing is recomputed. `merit run --strict KIND,…` refuses a
//! run with any of the named kinds.

use super::adjust::Due;
use super::csv::Csv;
use super::{money, OutFile};
use crate::data::Data;
use crate::engine::blend::ReviewUse;
use crate::engine::{EmployeeResult, RunResult};
use crate::error::{Error, Result};
use crate::period::Period;
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;

/// The kinds, declared in name order (the order of the file's rows for one
/// employee, of counts and of `--strict` lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Calibrated,
    Capped,
    Clawback,
    GatePartial,
    GateShut,
    Limited,
    MidPeriodChange,
    MissingReview,
    NegativeBalance,
    NotInPeriod,
    PoolScaled,
    Prorated,
    RefundNotRecovered,
    TargetFallback,
    UnapprovedProject,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Calibrated,
        Kind::Capped,
        Kind::Clawback,
        Kind::GatePartial,
        Kind::GateShut,
        Kind::Limited,
        Kind::MidPeriodChange,
        Kind::MissingReview,
        Kind::NegativeBalance,
        Kind::NotInPeriod,
        Kind::PoolScaled,
        Kind::Prorated,
        Kind::RefundNotRecovered,
        Kind::TargetFallback,
        Kind::UnapprovedProject,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Calibrated => "calibrated",
            Kind::Capped => "capped",
            Kind::Clawback => "clawback",
            Kind::GatePartial => "gate_partial",
            Kind::GateShut => "gate_shut",
            Kind::Limited => "limited",
            Kind::MidPeriodChange => "mid_period_change",
            Kind::MissingReview => "missing_review",
            Kind::NegativeBalance => "negative_balance",
            Kind::NotInPeriod => "not_in_period",
            Kind::PoolScaled => "pool_scaled",
            Kind::Prorated => "prorated",
            Kind::RefundNotRecovered => "refund_not_recovered",
            Kind::TargetFallback => "target_fallback",
            Kind::UnapprovedProject => "unapproved_project",
        }
    }

    pub fn names() -> [&'static str; 15] {
        Kind::ALL.map(Kind::name)
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// One exception: whose, which kind, what happened, what it did to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub employee_id: String,
    pub kind: Kind,
    pub detail: String,
    pub effect: String,
}

/// Every exception of a run, sorted by employee id, then kind; rows of the
/// same employee and kind (KPI lines, projects) stay in the order found.
pub fn collect(lp: &LoadedPolicy, data: &Data, run: &RunResult, due: &Due) -> Vec<Exception> {
    use rayon::prelude::*;
    let mut out: Vec<Exception> = (run.employees.par_iter())
        .flat_map_iter(|r| {
            let mut out = Vec::new();
            employee(lp, data, run, r, &mut out);
            if !r.spans.is_empty() {
                let (detail, effect) = super::spans::exception(r, &|d| money(d, lp));
                let id = &data.employees[r.employee].id;
                push(&mut out, id, Kind::MidPeriodChange, detail, effect);
            }
            out
        })
        .collect();
    unapproved_projects(lp, data, &run.period, &mut out);
    not_in_period(data, run, &mut out);
    negative_balances(lp, due, &mut out);
    refunds(lp, run, &mut out);
    out.sort_by(|a, b| (&a.employee_id, a.kind).cmp(&(&b.employee_id, b.kind)));
    out
}

fn push(out: &mut Vec<Exception>, id: &str, kind: Kind, detail: String, effect: String) {
    out.push(Exception {
        employee_id: id.to_owned(),
        kind,
        detail,
        effect,
    });
}

/// The exceptions recorded in one employee's result.
fn employee(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    r: &EmployeeResult,
    out: &mut Vec<Exception>,
) {
    let id = data.employees[r.employee].id.as_str();
    let m = |d| money(d, lp);
    if let ReviewUse::MissingRenormalized { review_weight } = &r.review {
        let detail = format!(
            "no rating for {}: the review's {}% weight re-normalised onto the KPIs",
            run.period.label,
            review_weight.normalize()
        );
        let effect = format!(
            "score {} from the KPIs alone; bonus {}",
            r.score,
            m(r.bonus)
        );
        push(out, id, Kind::MissingReview, detail, effect);
    }
    // For spans, mid_period_change says which spans a gate shut.
    if let (Some((detail, effect)), true) = (gate(lp, r), r.spans.is_empty()) {
        let kind = if r.gate_reduced.is_some() {
            Kind::GatePartial
        } else {
            Kind::GateShut
        };
        push(out, id, kind, detail, effect);
    }
    if let (true, Some(cap), true) = (r.capped, r.cap, r.spans.is_empty()) {
        let detail = format!(
            "formula {} above the cap {} ({} × target bonus {})",
            m(r.formula_bonus),
            m(cap),
            lp.policy.bonus.cap.as_ref().map_or(String::new(), |c| c
                .target_multiple
                .0
                .normalize()
                .to_string()),
            m(r.target_bonus)
        );
        let effect = format!("capped at {} (formula {})", m(cap), m(r.formula_bonus));
        push(out, id, Kind::Capped, detail, effect);
    }
    if let Some((before, after)) = r.limited {
        let (key, verb) = match after > before {
            true => ("min_amount", "raised"),
            false => ("max_amount", "lowered"),
        };
        let detail = format!("{key} {} {verb} the bonus {}", m(after), m(before));
        let effect = format!("bonus {} (would be {})", m(r.bonus), m(before));
        push(out, id, Kind::Limited, detail, effect);
    }
    for c in &r.clawbacks {
        let detail = format!(
            "deal '{}' refunded {} (of {}); it paid {} through '{}'",
            c.deal_id,
            m(c.refunded),
            m(c.deal_amount),
            m(c.paid),
            c.commission
        );
        push(
            out,
            id,
            Kind::Clawback,
            detail,
            format!("{} clawed back", m(-c.amount)),
        );
    }
    if let Some((detail, effect)) = prorated(lp, data, run, r) {
        push(out, id, Kind::Prorated, detail, effect);
    }
    later_steps(lp, run, r, id, out);
}

/// A shut gate: why, and the formula it kept (none for a full gate).
fn gate(lp: &LoadedPolicy, r: &EmployeeResult) -> Option<(String, String)> {
    let why = r.gate_failed.as_ref()?;
    let m = |d| money(d, lp);
    let effect = match &r.gate_reduced {
        Some(g) => {
            let percents: Vec<String> = g
                .percents
                .iter()
                .map(|p| format!("{}%", p.normalize()))
                .collect();
            format!(
                "formula × {} = {} (formula {})",
                percents.join(" × "),
                m(r.formula_bonus),
                m(g.before)
            )
        }
        None => format!("bonus 0.00 (target bonus {})", m(r.target_bonus)),
    };
    Some((why.clone(), effect))
}

/// Days employed below the period's days, when the policy prorates.
fn prorated(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    r: &EmployeeResult,
) -> Option<(String, String)> {
    let (days, of) = r.proration;
    if days >= of {
        return None;
    }
    let e = &data.employees[r.employee];
    let p = &run.period;
    let unit = match lp.policy.bonus.proration {
        crate::policy::Proration::Weekdays => "weekdays",
        crate::policy::Proration::Months => "whole months",
        _ => "days",
    };
    // A factor rounded to `proration_places` is kept as (factor, 1).
    let mut detail = match of == Decimal::ONE {
        true => format!("proration factor {days} (rounded)"),
        false => format!("employed {days} of {of} {unit}"),
    };
    if e.hire_date > p.start() {
        detail += &format!("; hired {}", e.hire_date);
    }
    if let Some(t) = e.termination_date.filter(|t| *t < p.end()) {
        detail += &format!("; left {t}");
    }
    let full = r.cap.map_or(r.formula_bonus, |c| r.formula_bonus.min(c));
    let before_pool = r.pool.as_ref().map_or(r.bonus, |u| u.before);
    if !r.spans.is_empty() {
        let effect = format!(
            "bonus {} over the spans (mid_period_change)",
            money(before_pool, lp)
        );
        return Some((detail, effect));
    }
    let effect = format!(
        "bonus {} (full period {})",
        money(before_pool, lp),
        money(full, lp)
    );
    Some((detail, effect))
}

/// The steps after the bonus formula: pools, calibration, target fallbacks.
fn later_steps(
    lp: &LoadedPolicy,
    run: &RunResult,
    r: &EmployeeResult,
    id: &str,
    out: &mut Vec<Exception>,
) {
    let m = |d| money(d, lp);
    if let Some(p) = r.pool.as_ref().filter(|p| p.before != r.bonus) {
        let detail = format!(
            "pool {}: budget {}, bonuses asked {}",
            p.pool,
            m(p.budget),
            m(p.requested)
        );
        let effect = format!("bonus {} (before the pool {})", m(r.bonus), m(p.before));
        push(out, id, Kind::PoolScaled, detail, effect);
    }
    if let Some(from) = &r.calibrated_from {
        let detail = format!(
            "band {from} → {} by forced distribution (score {} unchanged)",
            r.band, r.score
        );
        let effect = format!("bonus {} with band {} (not {from})", m(r.bonus), r.band);
        push(out, id, Kind::Calibrated, detail, effect);
    }
    for l in r
        .kpis
        .iter()
        .filter(|l| l.target_source.contains("(fallback: "))
    {
        let kpi = &lp.policy.kpis[l.kpi_ix()].id;
        let detail = format!(
            "KPI {kpi} ({}): target {} from {}",
            run.line_period(l),
            l.target.normalize(),
            l.target_source
        );
        let effect = format!(
            "scored against the fallback target {}",
            l.target.normalize()
        );
        push(out, id, Kind::TargetFallback, detail, effect);
    }
}

/// Project rows the run would pay but for their approval.
fn unapproved_projects(lp: &LoadedPolicy, data: &Data, period: &Period, out: &mut Vec<Exception>) {
    if !lp.policy.bonus.project_bonuses {
        return;
    }
    // The rows `engine::bonus::projects` pays when approved.
    let of_period = |p: &crate::data::Project| {
        Period::parse(&p.period).is_ok_and(|pp| period.contains(pp.last()))
    };
    for p in data.projects.iter().filter(|p| !p.approved && of_period(p)) {
        let detail = format!("project {} ({}) not approved", p.project, p.period);
        let effect = format!("project bonus 0.00 (amount {})", money(p.amount, lp));
        push(out, &p.employee_id, Kind::UnapprovedProject, detail, effect);
    }
}

/// Employees in the employees table employed on no day of the period.
fn not_in_period(data: &Data, run: &RunResult, out: &mut Vec<Exception>) {
    let ids: std::collections::BTreeSet<&str> =
        run.not_in_period.iter().map(String::as_str).collect();
    let p = &run.period;
    for e in data
        .employees
        .iter()
        .filter(|e| ids.contains(e.id.as_str()))
    {
        let detail = match e.termination_date {
            _ if e.hire_date > p.end() => {
                format!("hired {}, after the period ends {}", e.hire_date, p.end())
            }
            Some(t) if t < p.start() => format!("left {t}, before the period starts {}", p.start()),
            _ => format!("employed on no day of {} to {}", p.start(), p.end()),
        };
        push(
            out,
            &e.id,
            Kind::NotInPeriod,
            detail,
            "excluded: not paid".into(),
        );
    }
}

/// Clawbacks (also of people no longer in the run) and refunds that
/// recovered nothing; the latter belong to a deal, not an employee.
fn refunds(lp: &LoadedPolicy, run: &RunResult, out: &mut Vec<Exception>) {
    let Some(deals) = &run.deals else { return };
    let m = |d| money(d, lp);
    let forgiven = lp.policy.forgives_after(&run.period);
    for (id, claw) in &deals.absent {
        let effect = if forgiven {
            format!(
                "{} added to what they owe, forgiven at the plan year's end",
                m(-*claw)
            )
        } else {
            format!("{} added to what they owe", m(-*claw))
        };
        push(
            out,
            id,
            Kind::Clawback,
            "refunds of deals they were paid for; not in this run".into(),
            effect,
        );
    }
    for (deal, date, why) in &deals.unrecovered {
        let detail = format!("refund of deal '{deal}' dated {date}: {why}");
        push(
            out,
            "",
            Kind::RefundNotRecovered,
            detail,
            "nothing recovered".into(),
        );
    }
}

/// A re-run's overpayments, carried as balances.
fn negative_balances(lp: &LoadedPolicy, due: &Due, out: &mut Vec<Exception>) {
    let m = |d| money(d, lp);
    for l in due.lines().filter(|l| l.balance < Decimal::ZERO) {
        let mut detail = format!(
            "paid before {}, recomputed {}",
            m(l.paid_before),
            m(l.recomputed)
        );
        if l.result.is_none() {
            detail += "; no longer in the run";
        }
        let effect = format!("pays 0.00 now; balance {} carried", m(l.balance));
        push(out, l.employee_id, Kind::NegativeBalance, detail, effect);
    }
}

/// `exceptions.csv`.
pub fn csv(list: &[Exception]) -> OutFile {
    let mut c = Csv::with_header(&["employee_id", "kind", "detail", "effect"]);
    for x in list {
        c.text(&x.employee_id)
            .text(x.kind.name())
            .text(&x.detail)
            .text(&x.effect);
        c.end();
    }
    OutFile {
        rel: "exceptions.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: list.len(),
    }
}

/// The count of every kind, zero included, in kind order.
pub fn counts(list: &[Exception]) -> Vec<(Kind, usize)> {
    let mut n = [0usize; Kind::ALL.len()];
    for x in list {
        n[x.kind as usize] += 1;
    }
    Kind::ALL.into_iter().zip(n).collect()
}

/// At most this many exceptions of one kind are listed when `--strict`
/// refuses a run; the rest are counted.
const STRICT_LISTED: usize = 20;

/// Refuses the run when it has exceptions of a kind in `strict`, listing
/// them (employee id, kind, detail) by kind.
pub fn refuse(list: &[Exception], strict: &[Kind]) -> Result<()> {
    let mut text = String::new();
    let mut total = 0;
    for kind in Kind::ALL.into_iter().filter(|k| strict.contains(k)) {
        let of_kind: Vec<&Exception> = list.iter().filter(|x| x.kind == kind).collect();
        for x in of_kind.iter().take(STRICT_LISTED) {
            text += &format!("\n  {} {}: {}", x.employee_id, kind.name(), x.detail);
        }
        if of_kind.len() > STRICT_LISTED {
            text += &format!(
                "\n  … and {} more {}",
                of_kind.len() - STRICT_LISTED,
                kind.name()
            );
        }
        total += of_kind.len();
    }
    if total == 0 {
        return Ok(());
    }
    let names: Vec<&str> = strict.iter().map(|k| k.name()).collect();
    Err(Error::Usage(format!(
        "--strict {}: {total} exception{} refused; nothing was written{text}",
        names.join(","),
        if total == 1 { "" } else { "s" }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_declared_in_name_order() {
        let names = Kind::names();
        let mut sorted = names;
        sorted.sort();
        assert_eq!(names, sorted);
        for (i, k) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i);
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
    }

    #[test]
    fn strict_lists_twenty_per_kind_then_a_count() {
        let list: Vec<Exception> = (0..23)
            .map(|i| Exception {
                employee_id: format!("E{i:02}"),
                kind: Kind::Prorated,
                detail: "employed 1 of 92 days".into(),
                effect: String::new(),
            })
            .collect();
        assert!(refuse(&list, &[Kind::Capped]).is_ok());
        let Err(Error::Usage(m)) = refuse(&list, &[Kind::Capped, Kind::Prorated]) else {
            panic!("not refused");
        };
        assert!(
            m.starts_with("--strict capped,prorated: 23 exceptions refused"),
            "{m}"
        );
        assert!(m.contains("\n  E19 prorated: employed 1 of 92 days"), "{m}");
        assert!(!m.contains("E20 "), "{m}");
        assert!(m.ends_with("\n  … and 3 more prorated"), "{m}");
    }
}
