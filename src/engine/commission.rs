//! Stage: commissions — rates on an employee's credited money (deals from
//! the transactions table, or a money KPI's actual), exact until the one
//! rounding (docs/policy.md, Commissions). Paid on top of the bonus.

use super::commission_terms::Terms;
use super::EmployeeResult;
use crate::data::{Credit, Data, Employee, InputValue};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Exact;
use crate::period::Period;
use crate::policy::{
    Basis, Commission, CommissionBase, LoadedPolicy, PayEvery, Per, Quota, Rates, TierMode,
    TransactionFilter,
};
use rayon::prelude::*;
use rust_decimal::Decimal;

/// One commission of one employee, with how it was reached.
#[derive(Debug, Clone)]
pub struct CommissionLine {
    /// Index into the policy's `commissions`.
    pub commission: usize,
    /// The credited amount (Σ amount × share ÷ 100, or the KPI's actual).
    pub credited: Decimal,
    /// The quota, with `basis: attainment`.
    pub quota: Option<Decimal>,
    /// `per: period`: each step's part of the amount and what it earned.
    pub slices: Vec<Slice>,
    /// `per: deal`: each credited deal's commission.
    pub deals: Vec<DealCommission>,
    /// Before the per-period cap (exact value, shown to 28 digits at most).
    pub uncapped: Decimal,
    /// Whether a cap lowered it.
    pub capped: bool,
    /// The commission paid, rounded.
    pub amount: Decimal,
    /// A year-to-date commission: (the year to date's commission, what the
    /// plan year paid before); `amount` is their difference.
    pub ytd: Option<(Decimal, Decimal)>,
    /// `pay_every: quarter` outside a quarter's last run: paid later.
    pub deferred: bool,
    /// The deals it was paid on (their ids), for refunds.
    pub deals_credited: Vec<String>,
    /// Refunds that lowered a deal's credit: (deal id, refunded), for the trace.
    pub netted: Vec<(String, Decimal)>,
    /// Plans with `clawback`: the deals it was paid on, with the weight of
    /// each in its division among them (docs/policy.md, Refunds and clawbacks).
    pub basis: Vec<DealBasis>,
    /// A period cut into spans: each span, whether it earns the line and
    /// its quota (docs/policy.md, Commissions and draws across spans).
    pub spans: Vec<super::commission_terms::SpanTerm>,
}

/// One deal a commission was paid on, for the deal ledger.
#[derive(Debug, Clone)]
pub struct DealBasis {
    pub deal_id: String,
    pub date: chrono::NaiveDate,
    /// The deal's amount net of the refunds counted (A − R).
    pub amount: Decimal,
    /// `per: deal`: the deal's rounded commission; `per: period`: its credited amount.
    pub weight: Exact,
}

/// The plan year so far: its first day and what each employee was paid
/// for each year-to-date commission (employee → commission id → amount).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ytd<'a> {
    pub start: Option<chrono::NaiveDate>,
    /// The previous run's rows when it was of the same plan year.
    pub paid: Option<&'a std::collections::BTreeMap<String, super::balance::CarriedRow>>,
}

/// The part of the amount inside one step of the rate table.
#[derive(Debug, Clone)]
pub struct Slice {
    /// Index into the rate table's steps.
    pub step: usize,
    pub part: Decimal,
    pub rate: Decimal,
    pub earned: Decimal,
}

/// One deal's commission (`per: deal`).
#[derive(Debug, Clone)]
pub struct DealCommission {
    pub deal_id: String,
    pub share: String,
    /// The deal's refunds counted (dated up to the period's end).
    pub refunded: Decimal,
    pub credited: Decimal,
    pub slices: Vec<Slice>,
    pub capped: bool,
    /// Rounded on its own.
    pub amount: Decimal,
}

/// Sets every employee's commission lines and their sum; `plan` says who
/// has spans and who reported to whom when.
pub(super) fn stage(
    lp: &LoadedPolicy,
    data: &Data,
    (period, plan): (&Period, &super::spans::Plan),
    employees: &mut [EmployeeResult],
    ytd: &Ytd<'_>,
) -> Result<()> {
    if lp.policy.commissions.is_empty() {
        return Ok(());
    }
    let stage = crate::progress::Stage::work("commissions", employees.len() as u64);
    let crediting = super::crediting::Crediting::new(lp, data, &plan.managers);
    let views = plan.views();
    let problems: Vec<Diagnostic> = employees
        .par_iter_mut()
        .filter_map(|er| {
            let spans = views.get(&er.employee).copied();
            of_employee(lp, data, (period, ytd, &crediting), spans, er).err()
        })
        .collect();
    stage.finish();
    if problems.is_empty() {
        return Ok(());
    }
    let mut diags = Diagnostics::default();
    problems.into_iter().for_each(|d| diags.push(d));
    Err(Error::Invalid(diags))
}

/// The period, the plan year so far and the crediting lookups.
type Window<'w> = (&'w Period, &'w Ytd<'w>, &'w super::crediting::Crediting<'w>);

/// Every commission of one employee; `spans`: the states of a period cut
/// into spans, in date order.
fn of_employee(
    lp: &LoadedPolicy,
    data: &Data,
    window: Window<'_>,
    spans: Option<&[Employee]>,
    er: &mut EmployeeResult,
) -> std::result::Result<(), Diagnostic> {
    let e = &data.employees[er.employee];
    let mut sum = Decimal::ZERO;
    let mut lines = Vec::new();
    for (i, c) in lp.policy.commissions.iter().enumerate() {
        let terms = match spans {
            Some(views) => Terms::across(c, views, &er.spans, window.0),
            None => c
                .applies_to(&e.role)
                .then(|| Terms::whole(e, &er.kpis, window.0)),
        };
        let Some(terms) = terms else {
            continue;
        };
        let fail = |m: String| {
            Diagnostic::error(
                lp.yaml_path(),
                format!("commission '{}': employee {}: {m}", c.id, e.id),
            )
        };
        let line = line(lp, data, window, terms, i, c).map_err(fail)?;
        sum = sum
            .checked_add(line.amount)
            .ok_or_else(|| fail("the commissions sum to more than a decimal holds".into()))?;
        lines.push(line);
    }
    er.commissions.append(&mut lines);
    er.commission = sum;
    Ok(())
}

/// One commission of one employee, under `terms`.
fn line(
    lp: &LoadedPolicy,
    data: &Data,
    (period, ytd, crediting): Window<'_>,
    mut terms: Terms<'_>,
    index: usize,
    c: &Commission,
) -> std::result::Result<CommissionLine, String> {
    let r = &lp.policy.rounding;
    let round = |x: &Exact| {
        x.round(r.money_places, r.mode)
            .ok_or_else(|| format!("the commission {} does not fit a decimal", x.approx()))
    };
    let e = terms.e;
    let quota = match terms.weighted(c) {
        true => terms.weighted_quota(&|e, kpis| quota(lp, kpis, e, c))?,
        false => quota(lp, terms.kpis, e, c)?,
    };
    let owned = counted(data, (period, ytd, crediting), &terms, c);
    let credits: Vec<&Credit> = owned.iter().collect();
    let (refunded, nets) = net_of_refunds(data, &credits, period.end());
    let credited = match &c.on {
        CommissionBase::Transactions(_) => nets.iter().cloned().sum(),
        CommissionBase::Kpi(id) => kpi_amount(lp, &terms, c, id)?,
    };
    if credited.is_negative() {
        return Err(format!(
            "the amount it is paid on is negative ({})",
            credited.approx()
        ));
    }
    let (mut deals, earned, slices) = match c.per {
        Per::Deal => {
            let mut deals = Vec::with_capacity(credits.len());
            let mut total = Exact::zero();
            for ((cr, net), r) in credits.iter().zip(&nets).zip(&refunded) {
                let d = deal(c, (cr, net, *r), &round)?;
                total = total + Exact::from(d.amount);
                deals.push(d);
            }
            (deals, total, Vec::new())
        }
        Per::Period => {
            let (earned, slices) = rate_on(&c.rates, &credited, quota.as_ref());
            (Vec::new(), earned, slices)
        }
    };
    deals.shrink_to_fit();
    let capped_to = c
        .cap
        .per_period
        .map(|cap| Exact::from(cap.0))
        .filter(|cap| earned > *cap);
    let mut amount = round(capped_to.as_ref().unwrap_or(&earned))?;
    let ytd = c.ytd.then(|| (amount, paid_before(ytd, &e.id, &c.id)));
    let deferred =
        c.pay_every == PayEvery::Quarter && (!lp.policy.ends_plan_quarter(period) || terms.early);
    if let Some(y) = ytd {
        amount = ytd_due(y, deferred)?;
    }
    let basis = basis_of(lp, &credits, (&refunded, &nets), &deals);
    Ok(CommissionLine {
        spans: terms.shown(),
        deals_credited: deal_ids(data, &credits),
        netted: netted(&credits, &refunded),
        basis,
        ytd,
        deferred,
        commission: index,
        credited: credited.approx(),
        quota: quota.map(|q| q.approx()),
        slices: slices.iter().map(Slice::of).collect(),
        deals,
        uncapped: earned.approx(),
        capped: capped_to.is_some(),
        amount,
    })
}

/// The credit rows a commission on transactions counts under `terms`.
fn counted(
    data: &Data,
    (period, ytd, crediting): Window<'_>,
    terms: &Terms<'_>,
    c: &Commission,
) -> Vec<Credit> {
    let CommissionBase::Transactions(f) = &c.on else {
        return Vec::new();
    };
    // A year-to-date commission reads the plan year so far.
    let from = ytd.start.filter(|_| c.ytd).unwrap_or(period.start());
    let mut rows = super::crediting::credits(data, crediting, terms.e, (from, terms.end), f);
    rows.retain(|cr| terms.counts(cr.date));
    rows
}

/// The amount a commission on a KPI is paid on: the actual, time-weighted
/// over the spans that earn it.
fn kpi_amount(
    lp: &LoadedPolicy,
    terms: &Terms<'_>,
    c: &Commission,
    id: &str,
) -> std::result::Result<Exact, String> {
    let actual = Exact::from(kpi_line(lp, terms.kpis, id)?.actual);
    Ok(match terms.weighted(c) {
        true => actual * terms.earning_share(),
        false => actual,
    })
}

/// Each credit's refunds dated up to `end`, and its credited amount net
/// of them.
fn net_of_refunds(
    data: &Data,
    credits: &[&Credit],
    end: chrono::NaiveDate,
) -> (Vec<Decimal>, Vec<Exact>) {
    credits
        .iter()
        .map(|cr| {
            let r = refunded_of(data, cr, end);
            (r, cr.credited_net(r))
        })
        .unzip()
}

/// The refunds of a credit's deal dated up to `end` (all after the deal:
/// the refunds table's check).
fn refunded_of(data: &Data, cr: &Credit, end: chrono::NaiveDate) -> Decimal {
    data.refunds.get(&cr.deal_id).map_or(Decimal::ZERO, |r| {
        crate::data::refunds_between(r, cr.date, end)
    })
}

/// The deals whose refunds lowered their credit, and by how much.
fn netted(credits: &[&Credit], refunded: &[Decimal]) -> Vec<(String, Decimal)> {
    credits
        .iter()
        .zip(refunded)
        .filter(|(_, r)| !r.is_zero())
        .map(|(c, r)| (c.deal_id.clone(), *r))
        .collect()
}

/// The ids of a line's deals, read only for refunds: kept only when the
/// run has any.
fn deal_ids(data: &Data, credits: &[&Credit]) -> Vec<String> {
    match data.refunds.is_empty() {
        true => Vec::new(),
        false => credits.iter().map(|c| c.deal_id.clone()).collect(),
    }
}

/// The deals of a line for the deal ledger (plans with `clawback`):
/// weights per `per`.
fn basis_of(
    lp: &LoadedPolicy,
    credits: &[&Credit],
    (refunded, nets): (&[Decimal], &[Exact]),
    deals: &[DealCommission],
) -> Vec<DealBasis> {
    if lp.policy.clawback.is_none() {
        return Vec::new();
    }
    credits
        .iter()
        .enumerate()
        .map(|(i, cr)| DealBasis {
            deal_id: cr.deal_id.clone(),
            date: cr.date,
            amount: cr.amount - refunded[i],
            weight: deals
                .get(i)
                .map_or_else(|| nets[i].clone(), |d| Exact::from(d.amount)),
        })
        .collect()
}

/// A year-to-date commission's line: the year to date less what the year
/// paid, or nothing yet when deferred to the quarter's last run.
fn ytd_due(
    (year, paid): (Decimal, Decimal),
    deferred: bool,
) -> std::result::Result<Decimal, String> {
    let due = year
        .checked_sub(paid)
        .ok_or("the year-to-date commission minus what was paid does not fit a decimal")?;
    Ok(if deferred { Decimal::ZERO } else { due })
}

/// What the plan year paid the employee for a year-to-date commission.
fn paid_before(ytd: &Ytd<'_>, employee: &str, commission: &str) -> Decimal {
    ytd.paid
        .and_then(|rows| rows.get(employee))
        .and_then(|r| r.paid_ytd.get(commission))
        .copied()
        .unwrap_or_default()
}

/// The quota, with `basis: attainment`: more than zero; `kpis` are the
/// employee's (or the span's) KPI lines.
fn quota(
    lp: &LoadedPolicy,
    kpis: &[super::KpiLine],
    e: &Employee,
    c: &Commission,
) -> std::result::Result<Option<Exact>, String> {
    if c.rates.basis == Basis::Amount {
        return Ok(None);
    }
    let q = match &c.quota {
        Some(Quota::Fixed(v)) => v.0,
        Some(Quota::Input(name)) => e
            .input(&lp.policy, name)
            .and_then(InputValue::number)
            .ok_or_else(|| format!("has no value of input '{name}' for the quota"))?,
        Some(Quota::Kpi(id)) => kpi_line(lp, kpis, id)?.target,
        // `check` refuses attainment rates without a quota.
        None => return Err("rates on attainment need a quota".into()),
    };
    if q <= Decimal::ZERO {
        return Err(format!(
            "the quota is {q}; attainment needs a quota above zero"
        ));
    }
    Ok(Some(Exact::from(q)))
}

/// The line of KPI `id` over the run's period among `kpis`.
fn kpi_line<'a>(
    lp: &LoadedPolicy,
    kpis: &'a [super::KpiLine],
    id: &str,
) -> std::result::Result<&'a super::KpiLine, String> {
    let k = lp.policy.kpis.iter().position(|k| k.id == id);
    kpis.iter()
        .find(|l| Some(l.kpi_ix()) == k && l.period == 0)
        .ok_or_else(|| format!("KPI '{id}' is not evaluated for this employee over the run's period: the role must list it in its weights (weight 0 is allowed), and a year combined from quarters has no year value"))
}

/// Whether a commission's filter keeps a credit row.
pub(super) fn keeps(f: &TransactionFilter, c: &Credit) -> bool {
    let keep = |list: &Option<Vec<String>>, v: &Option<String>| {
        list.as_ref()
            .is_none_or(|l| v.as_ref().is_some_and(|v| l.contains(v)))
    };
    keep(&f.products, &c.product) && keep(&f.territories, &c.territory)
}

/// One deal's commission: rates on its credited amount, the per-deal cap,
/// rounded on its own.
fn deal(
    c: &Commission,
    (cr, credited, refunded): (&Credit, &Exact, Decimal),
    round: &dyn Fn(&Exact) -> std::result::Result<Decimal, String>,
) -> std::result::Result<DealCommission, String> {
    let credited = credited.clone();
    let (earned, slices) = rate_on(&c.rates, &credited, None);
    let cap = c
        .cap
        .per_deal
        .map(|cap| Exact::from(cap.0))
        .filter(|cap| earned > *cap);
    Ok(DealCommission {
        deal_id: cr.deal_id.clone(),
        share: cr.share_text.clone(),
        refunded,
        credited: credited.approx(),
        slices: slices.iter().map(Slice::of).collect(),
        capped: cap.is_some(),
        amount: round(cap.as_ref().unwrap_or(&earned))?,
    })
}

/// A slice computed exactly: (step, part, rate, earned).
type ExactSlice = (usize, Exact, Decimal, Exact);

impl Slice {
    fn of(s: &ExactSlice) -> Slice {
        Slice {
            step: s.0,
            part: s.1.approx(),
            rate: s.2,
            earned: s.3.approx(),
        }
    }
}

/// The rate table on `amount`, exact: with a quota each step's bounds are
/// × quota (attainment), else money.
pub fn rate_on(rates: &Rates, amount: &Exact, quota: Option<&Exact>) -> (Exact, Vec<ExactSlice>) {
    let bound = |b: Decimal| match quota {
        Some(q) => &Exact::from(b) * q,
        None => Exact::from(b),
    };
    let steps = &rates.steps;
    match rates.mode {
        TierMode::Marginal => {
            let mut total = Exact::zero();
            let mut slices = Vec::new();
            for (i, s) in steps.iter().enumerate() {
                let lo = bound(s.from.0);
                let top = s.to.map(|t| bound(t.0));
                let hi = top.map_or_else(|| amount.clone(), |t| t.min(amount.clone()));
                if hi > lo {
                    let part = hi - lo;
                    let earned = part.clone() * s.rate.0;
                    total = total + earned.clone();
                    slices.push((i, part, s.rate.0, earned));
                }
            }
            (total, slices)
        }
        TierMode::WholeAmount => {
            // The step whose [from, to) holds the amount (bounds × quota is
            // the same test as attainment against the bounds).
            let i = steps
                .iter()
                .rposition(|s| *amount >= bound(s.from.0))
                .unwrap_or(0);
            let rate = steps.get(i).map_or(Decimal::ZERO, |s| s.rate.0);
            let earned = amount.clone() * rate;
            (earned.clone(), vec![(i, amount.clone(), rate, earned)])
        }
    }
}
