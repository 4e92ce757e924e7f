//! Stage: balances — draws, recovery of what is owed, and the year end, for
//! plans whose runs form a chain (docs/policy.md, Year-to-date, draws and
//! balances). Every amount here is already rounded to the cent.

use super::EmployeeResult;
use crate::data::{Data, Employee, InputValue};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Exact;
use crate::period::Period;
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

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
    /// A period cut into spans with a draw: each span, its role and days,
    /// the draw per month when its role gets one; and the draw D they give.
    pub draw_spans: Vec<DrawSpan>,
    pub guarantee: Decimal,
}

/// One span of a draw weighted by days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawSpan {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub role: String,
    pub days: i64,
    /// The draw per month, when the span's role gets one.
    pub monthly: Option<Decimal>,
    /// Its part of the period's draw, unrounded (shown to 28 digits at most).
    pub part: Option<Decimal>,
}

/// Sets each employee's balance line (stateful plans only); `spans`:
/// employee index → the states of a period cut into spans.
pub(super) fn stage(
    lp: &LoadedPolicy,
    data: &Data,
    (period, spans): (&Period, &HashMap<usize, &[Employee]>),
    carried: &Carried,
    employees: &mut [EmployeeResult],
) -> Result<()> {
    let policy = &lp.policy;
    let forgive = policy.forgives_after(period);
    let mut diags = Diagnostics::default();
    for er in employees.iter_mut() {
        let e = &data.employees[er.employee];
        let owed = carried.rows.get(&e.id).map_or(Decimal::ZERO, |r| r.owed);
        let views = spans
            .get(&er.employee)
            .copied()
            .unwrap_or(std::slice::from_ref(e));
        let draw = match &policy.draw {
            Some(d) if views.iter().any(|v| d.applies_to(&v.role)) => {
                match draw_amount(lp, d, views, period) {
                    Ok(v) => Some((v, d.recoverable)),
                    Err(m) => {
                        diags.push(Diagnostic::error(
                            lp.yaml_path(),
                            format!("draw: employee {}: {m}", e.id),
                        ));
                        continue;
                    }
                }
            }
            _ => None,
        };
        let mut b = settle(
            er,
            owed,
            draw.as_ref().map(|((v, _), rec)| (*v, *rec)),
            (policy.recovery_share(), policy.rounding.money_places),
        );
        if let Some(((v, parts), _)) = draw {
            b.guarantee = v;
            b.draw_spans = parts;
        }
        if forgive {
            b.forgiven = b.owed_after;
            b.owed_after = Decimal::ZERO;
        }
        er.balance = Some(Box::new(b));
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(())
}

/// The draw for the period: per month × months, rounded to the cent; with
/// spans (`views`, in date order), each span whose role gets it weighted by
/// its days ÷ the days employed (docs/policy.md, Commissions and draws
/// across spans).
fn draw_amount(
    lp: &LoadedPolicy,
    d: &crate::policy::Draw,
    views: &[Employee],
    period: &Period,
) -> std::result::Result<(Decimal, Vec<DrawSpan>), String> {
    let days = |v: &Employee| super::bonus::span_days(v, period);
    let all: i64 = views.iter().map(days).sum();
    let mut sum = Exact::zero();
    let mut parts = Vec::new();
    for v in views {
        let (from, to) = v.employed_in(period);
        let mut part = DrawSpan {
            from,
            to,
            role: v.role.clone(),
            days: days(v),
            monthly: None,
            part: None,
        };
        if !d.applies_to(&v.role) {
            parts.push(part);
            continue;
        }
        let monthly = match (&d.amount.input, &d.amount.fixed) {
            (Some(name), _) => v
                .input(&lp.policy, name)
                .and_then(InputValue::number)
                .ok_or_else(|| format!("has no value of input '{name}'"))?,
            (_, Some(v)) => v.0,
            // `check` requires one of the two.
            (None, None) => Decimal::ZERO,
        };
        let whole = Exact::from(monthly) * Decimal::from(period.len);
        let share = match views.len() {
            1 => whole,
            _ => whole * Decimal::from(days(v)) / Exact::from(all.max(1)),
        };
        part.monthly = Some(monthly);
        part.part = Some(share.approx());
        parts.push(part);
        sum = sum + share;
    }
    let r = &lp.policy.rounding;
    let draw = sum
        .round(r.money_places, r.mode)
        .ok_or("the draw does not fit a decimal")?;
    // Without spans there is nothing to show but the draw itself.
    if views.len() == 1 {
        parts.clear();
    }
    Ok((draw, parts))
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
        ..BalanceLine::default()
    }
}
