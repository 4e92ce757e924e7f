//! Stage: clawbacks — a refund of a deal an earlier run of the chain paid
//! recovers what it paid, at the rate originally paid, from the deal
//! ledger (`deals.csv`); and this run's deals enter the ledger with their
//! part of each commission (docs/policy.md, Refunds and clawbacks).

use super::commission::DealBasis;
use super::EmployeeResult;
use crate::data::{Data, Refund};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Exact;
use crate::period::Period;
use crate::policy::state::Clawback;
use crate::policy::LoadedPolicy;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One row of the deal ledger: what one deal paid one employee through one
/// commission, and what its refunds recovered since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealRow {
    pub deal_id: String,
    pub employee_id: String,
    pub commission: String,
    pub deal_date: NaiveDate,
    /// The deal's amount when it was paid (A, net of refunds counted then).
    pub amount: Decimal,
    /// P: the deal's part of the commission.
    pub paid: Decimal,
    /// The refunds counted since.
    pub refunded: Decimal,
    /// What they clawed back so far (not negative).
    pub recovered: Decimal,
}

/// One clawback: a refund recovering part of what a deal paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClawbackLine {
    pub commission: String,
    pub deal_id: String,
    pub deal_date: NaiveDate,
    /// The deal's amount and what it paid (A, P), from the ledger.
    pub deal_amount: Decimal,
    pub paid: Decimal,
    /// This run's refunds of the deal, and all its refunds so far.
    pub refunded: Decimal,
    pub refunded_total: Decimal,
    /// round(P × refunded_total ÷ A): what the deal's refunds recover in all.
    pub recovered: Decimal,
    /// What this run claws back (not positive).
    pub amount: Decimal,
}

/// The ledger after the run, and what its refunds did outside the run.
#[derive(Debug, Clone, Default)]
pub struct Deals {
    /// Sorted by deal, employee, commission.
    pub rows: Vec<DealRow>,
    /// Employees in the ledger but not in the run → their clawbacks (not
    /// positive), added to what they owe.
    pub absent: BTreeMap<String, Decimal>,
    /// Refunds that recovered nothing: (deal id, refund date, why).
    pub unrecovered: Vec<(String, NaiveDate, String)>,
}

/// Whether the run credits deal `id` itself: a credit row dated in the
/// period, or in the plan year so far for a plan with a `ytd` commission.
fn credited_now(
    data: &Data,
    lp: &LoadedPolicy,
    id: &str,
    period: &Period,
    ytd: Option<NaiveDate>,
) -> bool {
    let from = match ytd {
        Some(y) if lp.policy.commissions.iter().any(|c| c.ytd) => y.min(period.start()),
        _ => period.start(),
    };
    data.credits
        .iter()
        .any(|c| c.deal_id == id && c.date >= from && c.date <= period.end())
}

/// Applies the period's refunds and writes the ledger; `before` is the
/// previous run's ledger. Plans without `clawback` only check that every
/// refund of the period is of a deal the run credits.
pub(super) fn stage(
    lp: &LoadedPolicy,
    data: &Data,
    (period, ytd): (&Period, Option<NaiveDate>),
    before: &[DealRow],
    employees: &mut [EmployeeResult],
) -> Result<Option<Deals>> {
    let refunds: Vec<(&str, Vec<&Refund>)> = data
        .refunds
        .iter()
        .map(|(d, list)| {
            let inside = list
                .iter()
                .filter(|r| r.date >= period.start() && r.date <= period.end());
            (d.as_str(), inside.collect::<Vec<_>>())
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let Some(cb) = &lp.policy.clawback else {
        return check_credited(lp, data, (period, ytd), &refunds).map(|_| None);
    };
    let mut deals = Deals::default();
    let mut rows: Vec<DealRow> = before
        .iter()
        .filter(|r| !replaced(lp, r, ytd, employees, data))
        .cloned()
        .collect();
    let mut lines: BTreeMap<String, Vec<ClawbackLine>> = BTreeMap::new();
    let mut diags = Diagnostics::default();
    for (deal, list) in &refunds {
        let mut matched = false;
        for row in rows.iter_mut().filter(|r| r.deal_id == *deal) {
            if is_same_year_ytd(lp, row, ytd) {
                continue;
            }
            matched = true;
            match recover((cb, &lp.policy.rounding), row, list, &mut deals) {
                Ok(Some(line)) => lines.entry(row.employee_id.clone()).or_default().push(line),
                Ok(None) => {}
                Err(m) => diags.push(Diagnostic::error(data.file_path("refunds"), m)),
            }
        }
        if !matched && !credited_now(data, lp, deal, period, ytd) {
            for r in list {
                let why = "no run of this chain paid the deal within its clawback window, and this run does not credit it".to_owned();
                deals.unrecovered.push(((*deal).to_owned(), r.date, why));
            }
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    attach(data, employees, lines, &mut deals);
    rows.extend(new_rows(
        lp,
        data,
        employees,
        lp.policy.rounding.money_places,
    ));
    rows.retain(|r| cb.window_end(r.deal_date) > period.end());
    rows.sort_by(|a, b| {
        (&a.deal_id, &a.employee_id, &a.commission).cmp(&(
            &b.deal_id,
            &b.employee_id,
            &b.commission,
        ))
    });
    deals.rows = rows;
    Ok(Some(deals))
}

/// A row of a `ytd` commission for a deal of the current plan year: its
/// refunds lower the year-to-date credit instead.
fn is_same_year_ytd(lp: &LoadedPolicy, row: &DealRow, ytd: Option<NaiveDate>) -> bool {
    let is_ytd = lp
        .policy
        .commissions
        .iter()
        .any(|c| c.ytd && c.id == row.commission);
    is_ytd && ytd.is_some_and(|start| row.deal_date >= start)
}

/// A `ytd` commission's rows of the plan year are written again for each
/// employee the run pays it to.
fn replaced(
    lp: &LoadedPolicy,
    row: &DealRow,
    ytd: Option<NaiveDate>,
    employees: &[EmployeeResult],
    data: &Data,
) -> bool {
    if !is_same_year_ytd(lp, row, ytd) {
        return false;
    }
    let Some(ix) = lp
        .policy
        .commissions
        .iter()
        .position(|c| c.id == row.commission)
    else {
        return false;
    };
    let Ok(e) = data
        .employees
        .binary_search_by(|e| e.id.as_str().cmp(&row.employee_id))
    else {
        return false;
    };
    employees
        .iter()
        .find(|er| er.employee == e)
        .is_some_and(|er| er.commissions.iter().any(|l| l.commission == ix))
}

/// The refunds of the run inside the row's window claw back
/// round(P × refunded ÷ A) − what was recovered before.
fn recover(
    (cb, r): (&Clawback, &crate::decimal::Rounding),
    row: &mut DealRow,
    list: &[&Refund],
    deals: &mut Deals,
) -> std::result::Result<Option<ClawbackLine>, String> {
    let end = cb.window_end(row.deal_date);
    let too_large = || format!("the refunds of deal '{}' do not fit a decimal", row.deal_id);
    let mut refunded = Decimal::ZERO;
    for f in list {
        if f.date <= end {
            refunded = refunded.checked_add(f.amount).ok_or_else(too_large)?;
        } else {
            let why = format!("dated after the deal's clawback window ended on {end}");
            deals.unrecovered.push((row.deal_id.clone(), f.date, why));
        }
    }
    if refunded.is_zero() {
        return Ok(None);
    }
    let total = row.refunded.checked_add(refunded).ok_or_else(too_large)?;
    if total > row.amount {
        return Err(format!(
            "the refunds of deal '{}' sum to {total}, more than its amount {} when it was paid (deals.csv of the previous run)",
            row.deal_id, row.amount
        ));
    }
    // 0 < total ≤ A, so A > 0.
    let target = (Exact::from(row.paid) * total / Exact::from(row.amount))
        .round(r.money_places, r.mode)
        .ok_or_else(too_large)?;
    let claw = target - row.recovered;
    row.refunded = total;
    row.recovered = target;
    Ok(Some(ClawbackLine {
        commission: row.commission.clone(),
        deal_id: row.deal_id.clone(),
        deal_date: row.deal_date,
        deal_amount: row.amount,
        paid: row.paid,
        refunded,
        refunded_total: total,
        recovered: target,
        amount: -claw,
    }))
}

/// Gives each employee of the run their clawback lines; those not in the
/// run owe theirs.
fn attach(
    data: &Data,
    employees: &mut [EmployeeResult],
    mut lines: BTreeMap<String, Vec<ClawbackLine>>,
    deals: &mut Deals,
) {
    for er in employees.iter_mut() {
        if let Some(l) = lines.remove(&data.employees[er.employee].id) {
            er.clawback = l.iter().map(|c| c.amount).sum();
            er.clawbacks = l;
        }
    }
    for (id, l) in lines {
        deals.absent.insert(id, l.iter().map(|c| c.amount).sum());
    }
}

/// This run's deals: each commission line's amount (for a `ytd` one, the
/// year-to-date commission) divided among its deals.
fn new_rows(
    lp: &LoadedPolicy,
    data: &Data,
    employees: &[EmployeeResult],
    places: u32,
) -> Vec<DealRow> {
    let mut out = Vec::new();
    for er in employees {
        let e = &data.employees[er.employee];
        for l in &er.commissions {
            let total = l.ytd.map_or(l.amount, |(year, _)| year);
            let parts = divide(total, &l.basis, places);
            for (b, paid) in l.basis.iter().zip(parts) {
                out.push(DealRow {
                    deal_id: b.deal_id.clone(),
                    employee_id: e.id.clone(),
                    commission: lp.policy.commissions[l.commission].id.clone(),
                    deal_date: b.date,
                    amount: b.amount,
                    paid,
                    refunded: Decimal::ZERO,
                    recovered: Decimal::ZERO,
                });
            }
        }
    }
    out
}

/// `total` divided in proportion to the deals' weights, each cut down to
/// `places`, the units left over one each to the largest remainders (ties
/// by deal id): the parts sum to `total` exactly. All zero when the
/// weights are.
pub fn divide(total: Decimal, basis: &[DealBasis], places: u32) -> Vec<Decimal> {
    let sum: Exact = basis.iter().map(|b| b.weight.clone()).sum();
    if sum.is_zero() || basis.is_empty() {
        return vec![Decimal::ZERO; basis.len()];
    }
    let down = crate::decimal::RoundingMode::Down;
    let mut parts: Vec<(Decimal, Exact)> = basis
        .iter()
        .map(|b| {
            let exact = Exact::from(total) * b.weight.clone() / sum.clone();
            let cut = exact.round(places, down).unwrap_or_default();
            (cut, exact - Exact::from(cut))
        })
        .collect();
    let given: Decimal = parts.iter().map(|p| p.0).sum();
    let unit = Decimal::new(1, places);
    let mut left =
        rust_decimal::prelude::ToPrimitive::to_u64(&((total - given) / unit)).unwrap_or(0);
    let mut order: Vec<usize> = (0..basis.len()).collect();
    order.sort_by(|&x, &y| {
        parts[y]
            .1
            .cmp(&parts[x].1)
            .then_with(|| basis[x].deal_id.cmp(&basis[y].deal_id))
    });
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].0 += unit;
        left -= 1;
    }
    parts.into_iter().map(|p| p.0).collect()
}

/// Without `clawback`, every refund of the period must be of a deal the
/// run credits (it then just lowers the credit).
fn check_credited(
    lp: &LoadedPolicy,
    data: &Data,
    (period, ytd): (&Period, Option<NaiveDate>),
    refunds: &[(&str, Vec<&Refund>)],
) -> Result<()> {
    let mut diags = Diagnostics::default();
    for (deal, _) in refunds {
        if !credited_now(data, lp, deal, period, ytd) {
            diags.push(Diagnostic::error(
                data.file_path("refunds"),
                format!("a refund of deal '{deal}' is dated in {period}, but the run does not credit the deal (it was sold in an earlier period): add `clawback` to the policy to recover what it paid, or leave the row out"),
            ));
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(())
}
