//! Stage: clawbacks — a refund of a deal an earlier run of the chain paid
//! recovers what it paid, at the rate originally paid, from the deal
//! ledger (`deals.csv`); and this run's deals enter the ledger with their
//! part of each commission (docs/policy.md, Refunds and clawbacks).

use super::commission::keeps;
use super::commission::DealBasis;
use super::EmployeeResult;
use crate::data::{Credit, Data, Refund};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Exact;
use crate::period::Period;
use crate::policy::state::Clawback;
use crate::policy::CommissionBase;
use crate::policy::LoadedPolicy;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::collections::BTreeSet;

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
    /// The last day whose refunds the row has counted.
    pub counted_to: NaiveDate,
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
    /// The refunds' reasons, as the refunds table gives them.
    pub reasons: Vec<String>,
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

/// What the stage looks up, built once so no refund scans the data.
struct Index<'a> {
    /// Deal id → its credit rows.
    credits: BTreeMap<&'a str, Vec<&'a Credit>>,
    /// Employee id → index into the run's employees.
    in_run: BTreeMap<&'a str, usize>,
}

impl<'a> Index<'a> {
    fn new(data: &'a Data, employees: &[EmployeeResult]) -> Index<'a> {
        let mut credits: BTreeMap<&str, Vec<&Credit>> = BTreeMap::new();
        for c in &data.credits {
            credits.entry(c.deal_id.as_str()).or_default().push(c);
        }
        let in_run = employees
            .iter()
            .enumerate()
            .map(|(i, er)| (data.employees[er.employee].id.as_str(), i))
            .collect();
        Index { credits, in_run }
    }
}

/// The deals some commission of the run pays on (its credit rows, by
/// whatever `from`), whose refunds in the period lower their credit.
fn credited_now(employees: &[EmployeeResult]) -> std::collections::BTreeSet<&str> {
    employees
        .iter()
        .flat_map(|er| &er.commissions)
        .flat_map(|l| &l.deals_credited)
        .map(String::as_str)
        .collect()
}

/// Applies the refunds not yet counted and writes the ledger; `before` is
/// the previous run's ledger. Plans without `clawback` only check that
/// every refund of the period is of a deal the run credits.
pub(super) fn stage(
    lp: &LoadedPolicy,
    data: &Data,
    (period, ytd): (&Period, Option<NaiveDate>),
    before: &[DealRow],
    employees: &mut [EmployeeResult],
) -> Result<Option<Deals>> {
    let Some(cb) = &lp.policy.clawback else {
        return check_credited(lp, data, employees, period).map(|_| None);
    };
    // Built only for plans with `clawback`: every run passes here.
    let ix = Index::new(data, employees);
    let in_period = |r: &&Refund| r.date >= period.start() && r.date <= period.end();
    check_deal_dates(data, &ix, before)?;
    let mut deals = Deals::default();
    let mut rows: Vec<DealRow> = before
        .iter()
        .filter(|r| !replaced(lp, r, ytd, (&ix, employees)))
        .cloned()
        .collect();
    let mut lines: BTreeMap<String, Vec<ClawbackLine>> = BTreeMap::new();
    let mut diags = Diagnostics::default();
    for row in rows.iter_mut() {
        let Some(list) = data.refunds.get(&row.deal_id) else {
            continue;
        };
        // Every refund not counted yet: dated after what the row counted,
        // up to the period's end (one entered late is counted now).
        let new: Vec<&Refund> = list
            .iter()
            .filter(|r| r.date > row.counted_to && r.date <= period.end())
            .collect();
        match recover((cb, &lp.policy.rounding), row, &new, &mut deals) {
            Ok(Some(line)) => lines.entry(row.employee_id.clone()).or_default().push(line),
            Ok(None) => {}
            Err(m) => diags.push(Diagnostic::error(data.file_path("refunds"), m)),
        }
        row.counted_to = row.counted_to.max(period.end());
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    let in_ledger: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.deal_id.as_str()).collect();
    let now = credited_now(employees);
    for (deal, list) in &data.refunds {
        if in_ledger.contains(deal.as_str()) || now.contains(deal.as_str()) {
            continue;
        }
        for r in list.iter().filter(in_period) {
            let why = "no run of this chain paid the deal within its clawback window, and this run does not credit it".to_owned();
            deals.unrecovered.push((deal.clone(), r.date, why));
        }
    }
    deals.unrecovered.sort();
    deals.unrecovered.dedup();
    attach(data, employees, lines, &mut deals);
    rows.extend(new_rows(
        lp,
        data,
        employees,
        (lp.policy.rounding.money_places, period.end()),
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

/// A deal id names one deal for good: a deal the ledger paid may not come
/// back in `transactions` with another date (its refunds would count twice).
fn check_deal_dates(data: &Data, ix: &Index, before: &[DealRow]) -> Result<()> {
    let mut diags = Diagnostics::default();
    let mut seen = std::collections::BTreeSet::new();
    for r in before {
        let Some(credits) = ix.credits.get(r.deal_id.as_str()) else {
            continue;
        };
        if let Some(c) = credits.iter().find(|c| c.date != r.deal_date) {
            if seen.insert(r.deal_id.as_str()) {
                diags.push(Diagnostic::error(
                    data.file_path("transactions"),
                    format!(
                        "deal '{}' is dated {} here, but an earlier run of the chain paid deal '{}' dated {} (deals.csv): a deal id names one deal in every period",
                        r.deal_id, c.date, r.deal_id, r.deal_date
                    ),
                ));
            }
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(())
}

/// A `ytd` commission's rows of the plan year are written again for each
/// employee the run pays it to (their refunds lower the year to date).
fn replaced(
    lp: &LoadedPolicy,
    row: &DealRow,
    ytd: Option<NaiveDate>,
    (ix, employees): (&Index, &[EmployeeResult]),
) -> bool {
    let Some(k) = lp
        .policy
        .commissions
        .iter()
        .position(|c| c.ytd && c.id == row.commission)
    else {
        return false;
    };
    let same_year = ytd.is_some_and(|start| row.deal_date >= start);
    same_year
        && ix
            .in_run
            .get(row.employee_id.as_str())
            .is_some_and(|&i| employees[i].commissions.iter().any(|l| l.commission == k))
}

/// The refunds in the row's window claw back round(P × refunded ÷ A) −
/// what was recovered before; later ones recover nothing.
fn recover(
    (cb, r): (&Clawback, &crate::decimal::Rounding),
    row: &mut DealRow,
    list: &[&Refund],
    deals: &mut Deals,
) -> std::result::Result<Option<ClawbackLine>, String> {
    let end = cb.window_end(row.deal_date);
    let too_large = || format!("the refunds of deal '{}' do not fit a decimal", row.deal_id);
    let mut refunded = Decimal::ZERO;
    let mut reasons = Vec::new();
    for f in list {
        if f.date <= end {
            refunded = refunded.checked_add(f.amount).ok_or_else(too_large)?;
            reasons.extend(f.reason.clone());
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
    if claw.is_zero() {
        return Ok(None);
    }
    Ok(Some(ClawbackLine {
        commission: row.commission.clone(),
        deal_id: row.deal_id.clone(),
        deal_date: row.deal_date,
        deal_amount: row.amount,
        paid: row.paid,
        refunded,
        refunded_total: total,
        recovered: target,
        amount: Decimal::ZERO - claw,
        reasons,
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
    (places, end): (u32, NaiveDate),
) -> Vec<DealRow> {
    let mut out = Vec::new();
    for er in employees {
        let e = &data.employees[er.employee];
        for l in &er.commissions {
            // A year-to-date commission: what the year has paid for its deals.
            let total = l.ytd.map_or(l.amount, |(_, before)| before + l.amount);
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
                    counted_to: end,
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
    let weights: Vec<Exact> = basis.iter().map(|b| b.weight.clone()).collect();
    let tie = |x: usize, y: usize| basis[x].deal_id.cmp(&basis[y].deal_id);
    crate::exact::largest_remainder(total, &weights, places, &tie)
}

/// Without `clawback`, every refund of the period must be of a deal the
/// run credits (it then just lowers the credit), and not of a deal an
/// earlier period paid through a commission that is not year to date (that
/// pay would be kept without a word).
fn check_credited(
    lp: &LoadedPolicy,
    data: &Data,
    employees: &[EmployeeResult],
    period: &Period,
) -> Result<()> {
    let inside = |r: &Refund| r.date >= period.start() && r.date <= period.end();
    let deals: BTreeSet<&str> = data
        .refunds
        .iter()
        .filter(|(_, list)| list.iter().any(inside))
        .map(|(d, _)| d.as_str())
        .collect();
    if deals.is_empty() {
        return Ok(());
    }
    let mut rows: BTreeMap<&str, Vec<&Credit>> = BTreeMap::new();
    for c in data
        .credits
        .iter()
        .filter(|c| deals.contains(c.deal_id.as_str()))
    {
        rows.entry(c.deal_id.as_str()).or_default().push(c);
    }
    let now = credited_now(employees);
    let mut diags = Diagnostics::default();
    for deal in deals {
        let earlier = rows.get(deal).and_then(|r| {
            let sold = r.first().map(|c| c.date).filter(|d| *d < period.start())?;
            let paid_then = lp.policy.commissions.iter().find(|c| {
                !c.ytd && matches!(&c.on, CommissionBase::Transactions(f) if r.iter().any(|x| keeps(f, x)))
            })?;
            Some((sold, paid_then.id.as_str()))
        });
        let why = match (now.contains(deal), earlier) {
            (false, _) => "no commission of the run credits the deal (it was sold in an earlier period, or to no one in the run)".to_owned(),
            (true, Some((sold, c))) => format!("the deal was sold on {sold}, and commission '{c}' paid it in that period"),
            (true, None) => continue,
        };
        diags.push(Diagnostic::error(
            data.file_path("refunds"),
            format!("a refund of deal '{deal}' is dated in {period}, but {why}: add `clawback` to the policy to recover what it paid, or leave the row out"),
        ));
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(())
}
