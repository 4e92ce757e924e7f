//! Stage: balances — draws, recovery of what is owed, and the year end, for
//! plans whose runs form a chain (docs/policy.md, Year-to-date, draws and
//! balances). Every amount here is already rounded to the cent.

use super::EmployeeResult;
use crate::data::{Data, InputValue};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::period::Period;
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What the previous run of the chain left for one employee.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarriedRow {
    /// Owed by the employee (a recoverable draw, a negative period).
    pub owed: Decimal,
    /// Commission id → paid this plan year (year-to-date commissions).
    pub paid_ytd: BTreeMap<String, Decimal>,
}

/// The previous run's balances: its plan year (first day) and each row.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    pub plan_year: Option<chrono::NaiveDate>,
    pub rows: BTreeMap<String, CarriedRow>,
    /// The deal ledger (`deals.csv`), for plans with `clawback`.
    pub deals: Vec<super::clawback::DealRow>,
}

/// One employee's balance this period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BalanceLine {
    pub owed_before: Decimal,
    /// The draw paid above the commissions (T).
    pub draw: Decimal,
    /// Withheld to recover what was owed (R).
    pub recovered: Decimal,
    /// A negative period's amount, not paid and added to what is owed.
    pub carried: Decimal,
    /// Written off at the plan year's end.
    pub forgiven: Decimal,
    pub owed_after: Decimal,
}

/// Sets each employee's balance line (stateful plans only).
pub(super) fn stage(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    carried: &Carried,
    employees: &mut [EmployeeResult],
) -> Result<()> {
    let policy = &lp.policy;
    let forgive = policy.forgives_after(period);
    let mut diags = Diagnostics::default();
    for er in employees.iter_mut() {
        let e = &data.employees[er.employee];
        let owed = carried.rows.get(&e.id).map_or(Decimal::ZERO, |r| r.owed);
        let draw = match &policy.draw {
            Some(d) if d.applies_to(&e.role) => match draw_amount(lp, d, e, period) {
                Ok(v) => Some((v, d.recoverable)),
                Err(m) => {
                    diags.push(Diagnostic::error(
                        lp.yaml_path(),
                        format!("draw: employee {}: {m}", e.id),
                    ));
                    continue;
                }
            },
            _ => None,
        };
        let mut b = settle(
            er,
            owed,
            draw,
            (policy.recovery_share(), policy.rounding.money_places),
        );
        if forgive {
            b.forgiven = b.owed_after;
            b.owed_after = Decimal::ZERO;
        }
        er.balance = Some(b);
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(())
}

/// The draw for the period: per month × months, rounded to the cent.
fn draw_amount(
    lp: &LoadedPolicy,
    d: &crate::policy::Draw,
    e: &crate::data::Employee,
    period: &Period,
) -> std::result::Result<Decimal, String> {
    let monthly = match (&d.amount.input, &d.amount.fixed) {
        (Some(name), _) => e
            .input(&lp.policy, name)
            .and_then(InputValue::number)
            .ok_or_else(|| format!("has no value of input '{name}'"))?,
        (_, Some(v)) => v.0,
        // `check` requires one of the two.
        (None, None) => Decimal::ZERO,
    };
    let r = &lp.policy.rounding;
    monthly
        .checked_mul(Decimal::from(period.len))
        .map(|v| crate::decimal::round_fixed(v, r.money_places, r.mode))
        .ok_or_else(|| "the draw does not fit a decimal".into())
}

/// Steps 3–6: the draw tops up the commissions, a negative gross is
/// carried, and what is owed is recovered within the limits.
fn settle(
    er: &EmployeeResult,
    owed: Decimal,
    draw: Option<(Decimal, bool)>,
    (share, places): (Decimal, u32),
) -> BalanceLine {
    // Clawbacks are part of what the commissions earned (not positive).
    let earned = er.commission + er.clawback;
    let (top_up, guaranteed, recoverable) = match draw {
        Some((d, rec)) if earned < d => (d - earned, d, rec),
        Some((d, rec)) => (Decimal::ZERO, d, rec),
        None => (Decimal::ZERO, Decimal::ZERO, false),
    };
    let mut owed_now = owed + if recoverable { top_up } else { Decimal::ZERO };
    let gross = er.bonus + earned + top_up + er.project_bonus;
    let carried = if gross < Decimal::ZERO {
        -gross
    } else {
        Decimal::ZERO
    };
    owed_now += carried;
    let pay = gross.max(Decimal::ZERO);
    // Recovery: never from the guaranteed draw, at most `share` % of pay.
    // (cut down to the cent: never more than the limit).
    let part = crate::exact::Num::mul_div(pay, share, Decimal::ONE_HUNDRED)
        .round(places, crate::decimal::RoundingMode::Down)
        .unwrap_or(pay);
    let limit = (pay - guaranteed).min(part);
    let recovered = owed.min(limit).max(Decimal::ZERO);
    BalanceLine {
        owed_before: owed,
        draw: top_up,
        recovered,
        carried,
        forgiven: Decimal::ZERO,
        owed_after: owed_now - recovered,
    }
}
