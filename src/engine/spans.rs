//! Stage: mid-period changes (docs/policy.md, Mid-period changes). The
//! `history` table cuts an employee's period into spans; each span is
//! scored and paid as if it were the whole period under its own terms and
//! prorated to its days; the spans' exact amounts are summed, limited and
//! rounded once.
//!
//! The spans are evaluated in rounds: round 0 is everyone's last span (the
//! state the rest of the run sees, calibrated as usual), round k the k-th
//! span from the end of those who have more than k. In each round the
//! employees table holds each person's state of that round, so the stages
//! run unchanged.

use super::{bonus, EmployeeResult};
use crate::data::{Data, Employee};
use crate::error::{Diagnostic, Error, Result};
use crate::exact::Exact;
use crate::period::Period;
use crate::policy::LoadedPolicy;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One span of an employee's period as paid.
#[derive(Debug, Clone)]
pub struct SpanLine {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub role: String,
    pub department: String,
    pub target_bonus: Decimal,
    pub score: Decimal,
    pub band: String,
    /// Why a gate or qualifier shut or reduced the span's formula.
    pub gate_failed: Option<String>,
    /// The formula after gates and modifiers, before the cap.
    pub formula: Decimal,
    pub capped: bool,
    /// The formula after the cap, before proration.
    pub after_cap: Exact,
    pub proration: (Decimal, Decimal),
    /// Capped × proration, unrounded.
    pub exact: Exact,
    /// The rounded bonus's largest-remainder share.
    pub bonus: Decimal,
    /// The span's KPI lines over the run's period: what a commission's
    /// `quota: { kpi }` and `on: kpi` read for the span.
    pub kpis: Vec<super::KpiLine>,
}

impl SpanLine {
    /// The span `e` (a span view) paid as `r` says, `after_cap` its
    /// amount before proration.
    pub(super) fn of(e: &Employee, period: &Period, r: &EmployeeResult, after_cap: Exact) -> Self {
        let (from, to) = e.employed_in(period);
        let (num, den) = r.proration;
        let exact = after_cap.clone() * num / Exact::from(den);
        SpanLine {
            from,
            to,
            role: e.role.clone(),
            department: e.department.clone(),
            target_bonus: r.target_bonus,
            score: r.score,
            band: r.band.clone(),
            gate_failed: r.gate_failed.clone(),
            formula: r.formula_bonus,
            capped: r.capped,
            after_cap,
            proration: r.proration,
            exact,
            bonus: Decimal::ZERO,
            kpis: r.kpis.iter().filter(|l| l.period == 0).cloned().collect(),
        }
    }
}

/// Who had spans, and who reported to whom when.
#[derive(Default)]
pub struct Plan {
    /// Employee index → their spans' states, in date order, for those with
    /// a change inside the period.
    pub spans: Vec<(usize, Vec<Employee>)>,
    /// Employee id → their managers over time, for those whose history
    /// changes `manager_id` by the period's end: (first day, manager), the
    /// employees row's manager from the start of time.
    pub managers: super::crediting::Managers,
}

impl Plan {
    /// Employee index → their spans' states.
    pub fn views(&self) -> HashMap<usize, &[Employee]> {
        self.spans.iter().map(|(i, v)| (*i, v.as_slice())).collect()
    }
}

/// Changes effective on or before the first day employed in the period
/// are written into the employees table (they hold for the whole period),
/// and each row of someone with spans becomes the last span's state.
pub(super) fn plan(data: &mut Data, period: &Period) -> Plan {
    let Data {
        employees, history, ..
    } = data;
    let mut out = Plan::default();
    if history.is_empty() {
        return out;
    }
    for (i, e) in employees.iter_mut().enumerate() {
        let Some(changes) = history.get(&e.id) else {
            continue;
        };
        let moves = changes
            .iter()
            .filter(|c| c.effective <= period.end())
            .filter_map(|c| c.manager_id.clone().map(|m| (Some(c.effective), Some(m))));
        let timeline: Vec<_> = std::iter::once((None, e.manager_id.clone()))
            .chain(moves)
            .collect();
        if timeline.len() > 1 {
            out.managers.insert(e.id.clone(), timeline);
        }
        let (start, end) = e.employed_in(period);
        if start > end {
            // Not in the period: shown (not_in_period) as of its end.
            changes
                .iter()
                .filter(|c| c.effective <= period.end())
                .for_each(|c| c.apply(e));
            continue;
        }
        let before = changes.iter().filter(|c| c.effective <= start);
        before.for_each(|c| c.apply(e));
        let inside: Vec<_> = changes
            .iter()
            .filter(|c| c.effective > start && c.effective <= end)
            .collect();
        if inside.is_empty() {
            continue;
        }
        let mut views = Vec::with_capacity(inside.len() + 1);
        let mut from = start;
        for c in inside {
            let to = c.effective.pred_opt().unwrap_or(c.effective);
            views.push(Employee {
                span: Some((from, to)),
                ..e.clone()
            });
            c.apply(e);
            from = c.effective;
        }
        views.push(Employee {
            span: Some((from, end)),
            ..e.clone()
        });
        out.spans.push((i, views));
    }
    out
}

/// Scores and pays the given employees of the data as it stands (the bool:
/// the round that calibrates); `T` is what else it returns.
pub(super) type Stage<'a, T> =
    dyn Fn(&mut Data, &[usize], Round) -> Result<(Vec<EmployeeResult>, T)> + 'a;

/// Which round of spans a call of the bonus stage is.
#[derive(Clone, Copy)]
pub(super) struct Round {
    /// The round that calibrates (everyone in the period).
    pub first: bool,
    /// No scoring follows in this run.
    pub last: bool,
}

/// The bonus stage for everyone, span by span for those with spans:
/// `stage(data, eligible, round)` scores and pays the given employees of
/// `data` as it stands.
pub(super) fn pay<T>(
    lp: &LoadedPolicy,
    data: &mut Data,
    period: &Period,
    eligible: &[usize],
    spans: &[(usize, Vec<Employee>)],
    stage: &Stage<'_, T>,
) -> Result<(Vec<EmployeeResult>, T)> {
    if spans.is_empty() {
        return stage(
            data,
            eligible,
            Round {
                first: true,
                last: true,
            },
        );
    }
    let finals: Vec<Employee> = spans
        .iter()
        .map(|(i, _)| data.employees[*i].clone())
        .collect();
    let rounds = spans.iter().map(|(_, v)| v.len()).max().unwrap_or(1);
    let mut earlier: Vec<Vec<EmployeeResult>> = Vec::with_capacity(rounds - 1);
    let mut main = None;
    for k in 0..rounds {
        let mut who = Vec::new();
        for ((i, views), last) in spans.iter().zip(&finals) {
            data.employees[*i] = match views.len() > k {
                true => {
                    who.push(*i);
                    views[views.len() - 1 - k].clone()
                }
                false => last.clone(),
            };
        }
        data.apply_fx(&lp.policy, period)?;
        match k {
            0 => {
                main = Some(stage(
                    data,
                    eligible,
                    Round {
                        first: true,
                        last: rounds == 1,
                    },
                )?)
            }
            _ => {
                let round = Round {
                    first: false,
                    last: k + 1 == rounds,
                };
                earlier.push(stage(data, &who, round)?.0)
            }
        }
    }
    for ((i, _), last) in spans.iter().zip(finals) {
        data.employees[*i] = last;
    }
    data.apply_fx(&lp.policy, period)?;
    let (mut results, extra) = main.expect("round 0 ran");
    combine(lp, &mut results, earlier)?;
    Ok((results, extra))
}

/// Each last-span result takes its earlier spans' lines: the bonus is the
/// exact sum, limited and rounded once, shown divided by largest remainder.
fn combine(
    lp: &LoadedPolicy,
    results: &mut [EmployeeResult],
    earlier: Vec<Vec<EmployeeResult>>,
) -> Result<()> {
    let at: HashMap<usize, usize> = results
        .iter()
        .enumerate()
        .map(|(n, r)| (r.employee, n))
        .collect();
    // Round k holds the k-th span from the end: each round's line goes
    // before those of the later spans.
    for round in earlier {
        for r in round {
            let main = &mut results[at[&r.employee]];
            let mut lines = r.spans;
            lines.append(&mut main.spans);
            main.spans = lines;
        }
    }
    let policy = &lp.policy;
    for r in results.iter_mut().filter(|r| r.spans.len() > 1) {
        if let Some(places) = policy.bonus.proration_places {
            rounded_factors(policy, places, &mut r.spans);
        }
        let sum: Exact = r.spans.iter().map(|s| s.exact.clone()).sum();
        let rounding = &policy.rounding;
        r.bonus = bonus::limits(policy, sum, r)
            .round(rounding.money_places, rounding.mode)
            .ok_or_else(|| {
                Error::one(Diagnostic::error(
                    lp.yaml_path(),
                    "a bonus summed over spans does not fit a decimal",
                ))
            })?;
        r.capped = r.spans.iter().any(|s| s.capped);
        // A gate or qualifier shut in some spans: said per span.
        let shut: Vec<String> = r
            .spans
            .iter()
            .filter_map(|s| {
                s.gate_failed
                    .as_ref()
                    .map(|g| format!("{} to {}: {g}", s.from, s.to))
            })
            .collect();
        r.gate_failed = (!shut.is_empty()).then(|| shut.join("; "));
        r.gate_reduced = None;
        let den = r.spans[0].proration.1;
        if r.spans.iter().all(|s| s.proration.1 == den) {
            r.proration = (r.spans.iter().map(|s| s.proration.0).sum(), den);
        }
        let shown = share(r.bonus, &r.spans, rounding.money_places);
        for (s, b) in r.spans.iter_mut().zip(shown) {
            s.bonus = b;
        }
    }
    Ok(())
}

/// `proration_places`: the employee's factor (the sum of the spans' exact
/// factors) rounded once and divided among the spans by largest remainder,
/// so someone employed all period keeps exactly 1.
fn rounded_factors(policy: &crate::policy::Policy, places: u32, spans: &mut [SpanLine]) {
    let exact: Vec<Exact> = spans
        .iter()
        .map(|s| Exact::from(s.proration.0) / Exact::from(s.proration.1))
        .collect();
    let sum: Exact = exact.iter().cloned().sum();
    let Some(whole) = sum.round(places, policy.rounding.mode) else {
        return;
    };
    let parts = crate::exact::largest_remainder(whole, &exact, places, &|x, y| x.cmp(&y));
    for (s, f) in spans.iter_mut().zip(parts) {
        s.proration = (f, Decimal::ONE);
        s.exact = s.after_cap.clone() * f;
    }
}

/// `total` divided among the spans in proportion to their exact amounts
/// by largest remainder (ties to the earlier span); all to the last span
/// when they sum to zero.
fn share(total: Decimal, spans: &[SpanLine], places: u32) -> Vec<Decimal> {
    let weights: Vec<Exact> = spans.iter().map(|s| s.exact.clone()).collect();
    let mut out = crate::exact::largest_remainder(total, &weights, places, &|x, y| x.cmp(&y));
    if weights.iter().cloned().sum::<Exact>().is_zero() {
        if let Some(last) = out.last_mut() {
            *last = total;
        }
    }
    out
}
