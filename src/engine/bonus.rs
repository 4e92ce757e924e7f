//! Stage: bonus — the policy's Rhai formula over namespaced inputs, then the
//! cap, proration for partial periods and money rounding; plus approved
//! project bonuses.
//!
//! Order (documented in docs/policy.md): formula → cap (a multiple of the
//! full-period target bonus) → × days employed ÷ days in period → round to
//! the policy's money places in its mode.

use super::{inputs, EmployeeResult, KpiLine};
use crate::data::{Data, Employee};
use crate::decimal::round_fixed;
use crate::period::{Month, Period};
use crate::policy::{Policy, Proration};
use crate::script::{dec, map};
use rhai::{Dynamic, Map, Scope};
use rust_decimal::Decimal;

/// Days the employee is employed inside the period.
pub fn days_employed(e: &Employee, period: &Period) -> i64 {
    let start = e.hire_date.max(period.start());
    let end = e
        .termination_date
        .map_or(period.end(), |t| t.min(period.end()));
    ((end - start).num_days() + 1).max(0)
}

/// The period's share of the annual target bonus.
pub fn target_bonus(e: &Employee, period: &Period) -> Decimal {
    e.base_salary * e.target_bonus_pct / Decimal::ONE_HUNDRED * Decimal::from(period.len)
        / Decimal::from(12)
}

/// The script's inputs for one employee.
pub fn scope(
    e: &Employee,
    r: &EmployeeResult,
    lines: &[KpiLine],
    kpi_ids: &[&str],
    period: &Period,
) -> Scope<'static> {
    let employee = inputs::employee_map(e, period, r.target_bonus, r.days_employed);
    let kpi: Map = lines
        .iter()
        .map(|l| {
            let m = map([
                ("actual", dec(l.actual)),
                ("target", dec(l.target)),
                ("achievement", dec(l.achievement)),
                ("score", dec(l.score)),
                ("weight", dec(l.weight)),
                ("contribution", dec(l.contribution)),
            ]);
            (kpi_ids[l.kpi].into(), Dynamic::from_map(m))
        })
        .collect();
    let review = match &r.review {
        super::blend::ReviewUse::Rated {
            rating,
            score,
            weight,
            ..
        } => Dynamic::from_map(map([
            ("rating", dec(*rating)),
            ("score", dec(*score)),
            ("weight", dec(*weight)),
        ])),
        _ => Dynamic::UNIT,
    };
    let mut s = Scope::new();
    s.push("employee", employee);
    s.push("kpi", kpi);
    s.push_dynamic("review", review);
    s.push("period", inputs::period_map(period));
    s.push("score", r.score);
    s.push("rating", r.band.clone());
    s
}

/// Cap, proration and rounding of the formula's result; fills the result's bonus fields.
pub fn finish(policy: &Policy, formula: Decimal, r: &mut EmployeeResult, period: &Period) {
    r.formula_bonus = formula;
    let cap = policy
        .bonus
        .cap
        .as_ref()
        .map(|c| c.target_multiple.0 * r.target_bonus);
    r.cap = cap;
    let capped = cap.map_or(formula, |c| formula.min(c));
    r.capped = capped != formula;
    let (num, den) = match policy.bonus.proration {
        Proration::Days => (Decimal::from(r.days_employed), Decimal::from(period.days())),
        Proration::None => (Decimal::ONE, Decimal::ONE),
    };
    r.proration = (num, den);
    let rounding = &policy.rounding;
    r.bonus = round_fixed(capped * num / den, rounding.money_places, rounding.mode);
}

/// Approved project bonuses of the period (rows whose period is the run's
/// period or a month inside it).
pub fn projects(
    policy: &Policy,
    data: &Data,
    e: &Employee,
    period: &Period,
) -> (Decimal, Vec<(String, Decimal)>) {
    if !policy.bonus.project_bonuses {
        return (Decimal::ZERO, Vec::new());
    }
    let start = data.projects.partition_point(|p| p.employee_id < e.id);
    let items: Vec<(String, Decimal)> = data.projects[start..]
        .iter()
        .take_while(|p| p.employee_id == e.id)
        .filter(|p| {
            p.approved
                && (p.period == period.label
                    || Month::parse(&p.period).is_some_and(|m| period.contains(m)))
        })
        .map(|p| (p.project.clone(), p.amount))
        .collect();
    let total = items.iter().map(|(_, a)| *a).sum();
    (
        round_fixed(total, policy.rounding.money_places, policy.rounding.mode),
        items,
    )
}
