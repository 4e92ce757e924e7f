//! Stage: targets — the value each KPI is measured against, per subject:
//! from the targets table, fixed, a script, the subject's history, market
//! benchmarks, a parent's target cascaded by share, or the max/min of these.
//! Derived targets (history, benchmark × factor, cascade) are rounded to the
//! policy's `actual_places`, like the actuals they are compared with.

use super::{bonus, inputs, kpi};
use crate::data::metrics::Aggs;
use crate::data::{Data, Employee, COMPANY};
use crate::decimal::parse_decimal;
use crate::exact::{Exact, Num};
use crate::period::Period;
use crate::policy::{
    BenchmarkTarget, CascadeTarget, HistoryTarget, Kpi, KpiScope, LoadedPolicy, Share, Statistic,
    TargetSource,
};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::HashMap;

/// A target and where it came from (shown in statements and explain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub value: Decimal,
    /// Borrowed for the fixed texts, so a million table targets allocate nothing.
    pub source: Cow<'static, str>,
}

/// What target sources read besides the KPI and subject.
pub struct Ctx<'a> {
    pub lp: &'a LoadedPolicy,
    pub data: &'a Data,
    pub period: &'a Period,
    /// Aggregates of past periods of the same length, by label.
    pub history: &'a HashMap<String, std::sync::Arc<Aggs>>,
    /// Employees employed in the period, by department id and under `company`.
    pub members: &'a HashMap<&'a str, Vec<&'a Employee>>,
    pub by_id: &'a HashMap<&'a str, &'a Employee>,
}

impl Ctx<'_> {
    fn round(&self, v: Decimal) -> Decimal {
        let r = &self.lp.policy.rounding;
        v.round_dp_with_strategy(r.actual_places, r.mode.strategy())
            .normalize()
    }

    /// A derived target rounded at the actual places from its exact value.
    fn round_num(&self, v: &Num) -> Decimal {
        let r = &self.lp.policy.rounding;
        v.round(r.actual_places, r.mode)
            .map_or(Decimal::MAX, |d| d.normalize())
    }
}

/// `parent` × the employee's base salary ÷ the members' total, exact, and
/// the share itself; `None` when the salaries sum to zero.
fn salary_share(parent: Decimal, e: &Employee, members: &[&Employee]) -> Option<(Num, Exact)> {
    let all_dec = members
        .iter()
        .all(|m| matches!(m.base_salary_exact, Num::Dec(_)));
    if let (true, Num::Dec(own)) = (all_dec, &e.base_salary_exact) {
        let total: Decimal = members.iter().map(|m| m.base_salary).sum();
        if total.is_zero() {
            return None;
        }
        let share = Exact::from(*own) / Exact::from(total);
        return Some((Num::mul_div(parent, *own, total), share));
    }
    let total: Exact = members.iter().map(|m| m.base_salary_exact.exact()).sum();
    let share = e.base_salary_exact.exact().checked_div(&total)?;
    Some((Num::Exact(share.clone() * parent).simplified(), share))
}

/// The past periods a history source of `n` periods reads, oldest first.
pub fn history_periods(period: &Period, n: u32) -> Vec<Period> {
    (1..=n as i32).rev().map(|k| period.shifted(-k)).collect()
}

/// The target of `kpi` for `subject` (whose index in `Data::subjects` is
/// `ix`) by the source `src`.
pub fn target(
    ctx: &Ctx,
    kpi: &Kpi,
    src: &TargetSource,
    subject: &str,
    ix: Option<u32>,
) -> Result<Target, String> {
    let period = ctx.period;
    match src {
        TargetSource::Fixed(v) => Ok(Target {
            value: v.0,
            source: "fixed in the policy".into(),
        }),
        TargetSource::Table => ctx
            .data
            .targets
            .get_at(ix, &period.label, &kpi.id)
            .map(|v| Target {
                value: v,
                source: "targets table".into(),
            })
            .ok_or_else(|| format!("no target for KPI '{}', subject '{subject}', period {period} in the targets table", kpi.id)),
        TargetSource::Script(file) => from_script(ctx, kpi, file, subject),
        TargetSource::History(h) => from_history(ctx, kpi, h, subject, ix),
        TargetSource::Benchmark(b) => from_benchmark(ctx, kpi, b),
        TargetSource::Cascade(c) => from_cascade(ctx, kpi, c, subject),
        TargetSource::Max(srcs) | TargetSource::Min(srcs) => {
            extreme(ctx, kpi, srcs, matches!(src, TargetSource::Max(_)), subject, ix)
        }
        TargetSource::Input(name) => from_input(ctx, kpi, name, subject),
    }
}

/// The employee's value of a number input (`check` allows it on individual
/// KPIs only, so `subject` is an employee id).
fn from_input(ctx: &Ctx, kpi: &Kpi, name: &str, subject: &str) -> Result<Target, String> {
    let e = ctx
        .by_id
        .get(subject)
        .ok_or_else(|| format!("KPI '{}': '{subject}' is not an employee", kpi.id))?;
    let value = e
        .input(&ctx.lp.policy, name)
        .and_then(crate::data::InputValue::number)
        .ok_or_else(|| {
            format!(
                "KPI '{}': employee {subject} has no value of input '{name}'",
                kpi.id
            )
        })?;
    Ok(Target {
        value,
        source: format!("input {name}").into(),
    })
}

/// A target script's value for `subject`.
fn from_script(ctx: &Ctx, kpi: &Kpi, file: &str, subject: &str) -> Result<Target, String> {
    let period = ctx.period;
    let script = ctx
        .lp
        .scripts
        .target
        .get(file)
        .ok_or_else(|| format!("target script {file} is not compiled"))?;
    let mut scope = rhai::Scope::new();
    scope.push("subject", subject.to_owned());
    let employee = match (kpi.scope, ctx.by_id.get(subject)) {
        (KpiScope::Individual, Some(e)) => rhai::Dynamic::from_map(inputs::employee_map(
            &ctx.lp.policy,
            e,
            period,
            bonus::days_employed(e, period),
        )),
        _ => rhai::Dynamic::UNIT,
    };
    scope.push_dynamic("employee", employee);
    scope.push("period", inputs::period_map(period));
    let v = ctx
        .lp
        .engine
        .eval_decimal(
            script,
            &mut scope,
            &format!("KPI '{}' target of {subject}", kpi.id),
        )
        .map_err(|d| d.to_string())?;
    Ok(Target {
        value: v,
        source: format!("script {file}").into(),
    })
}

/// A statistic of the subject's complete past periods × (1 + growth), or
/// the fallback when a past period is incomplete.
fn from_history(
    ctx: &Ctx,
    kpi: &Kpi,
    h: &HistoryTarget,
    subject: &str,
    ix: Option<u32>,
) -> Result<Target, String> {
    let period = ctx.period;
    let past = history_periods(period, h.periods);
    let mut values = Vec::with_capacity(past.len());
    let mut missing = Vec::new();
    let r = &ctx.lp.policy.rounding;
    // A past period counts only when complete: a row of every metric
    // the KPI reads in every one of its months.
    for p in &past {
        let aggs = ctx
            .history
            .get(&p.label)
            .filter(|aggs| kpi::complete(&kpi.aggregate, |m| aggs.get(ix, m), p.len as u32));
        match aggs
            .map(|aggs| kpi::actual(&kpi.aggregate, |m| aggs.get(ix, m), r.actual_places, r.mode))
        {
            Some(Ok(v)) => values.push(v),
            _ => missing.push(p.label.clone()),
        }
    }
    if !missing.is_empty() {
        return match &h.fallback {
                Some(fb) => {
                    let t = target(ctx, kpi, fb, subject, ix)?;
                    Ok(Target {
                        source: format!("{} (fallback: history incomplete)", t.source).into(),
                        ..t
                    })
                }
                None => Err(format!(
                    "KPI '{}' of {subject}: the history target needs {} complete past period{} ({} to {}: a row of every metric it reads in every month) but {} {} incomplete; add the data or a `fallback`",
                    kpi.id,
                    h.periods,
                    if h.periods == 1 { "" } else { "s" },
                    past[0].label,
                    past[past.len() - 1].label,
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" }
                )),
            };
    }
    let growth = Decimal::ONE + h.growth.0;
    let stat = match h.statistic {
        // Σ × (1 + growth) ÷ n: one division, rounded once below.
        Statistic::Mean => Num::mul_div(
            values.iter().sum::<Decimal>(),
            growth,
            Decimal::from(values.len()),
        ),
        Statistic::Max => Num::Dec(values.iter().copied().max().unwrap_or_default() * growth),
        Statistic::Median => {
            values.sort();
            let n = values.len();
            let mid = if n % 2 == 1 {
                values[n / 2]
            } else {
                (values[n / 2 - 1] + values[n / 2]) / Decimal::TWO
            };
            Num::Dec(mid * growth)
        }
    };
    Ok(Target {
        value: ctx.round_num(&stat),
        source: format!(
            "history: {} of {} to {} × (1 + {})",
            format!("{:?}", h.statistic).to_lowercase(),
            past[0].label,
            past[past.len() - 1].label,
            h.growth
        )
        .into(),
    })
}

/// The market benchmark for the period × the source's factor.
fn from_benchmark(ctx: &Ctx, kpi: &Kpi, b: &BenchmarkTarget) -> Result<Target, String> {
    let period = ctx.period;
    let v = ctx
        .data
        .benchmarks
        .get(&(kpi.id.clone(), period.label.clone()))
        .ok_or_else(|| {
            format!(
                "KPI '{}': no benchmark for period {period} in the benchmarks table",
                kpi.id
            )
        })?;
    Ok(Target {
        value: ctx.round(*v * b.factor.0),
        source: format!("benchmark {} × {}", v.normalize(), b.factor).into(),
    })
}

/// A parent's (department's or company's) target shared among its members.
fn from_cascade(ctx: &Ctx, kpi: &Kpi, c: &CascadeTarget, subject: &str) -> Result<Target, String> {
    let period = ctx.period;
    let e = ctx.by_id.get(subject).ok_or_else(|| {
        format!(
            "KPI '{}': a cascaded target needs an employee, not '{subject}'",
            kpi.id
        )
    })?;
    let parent = match c.from {
        KpiScope::Company => COMPANY,
        _ => e.department.as_str(),
    };
    let parent_target = ctx
        .data
        .targets
        .get(&ctx.data.subjects, parent, &period.label, &kpi.id)
        .ok_or_else(|| {
            format!(
                "KPI '{}': no target for '{parent}' in {period} to cascade to {subject}",
                kpi.id
            )
        })?;
    let members = ctx
        .members
        .get(parent)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let (value, how) = cascade_share(ctx, kpi, &c.share, e, parent, parent_target, members)?;
    Ok(Target {
        value: ctx.round_num(&value),
        source: format!(
            "cascade: {parent} target {} × {how}",
            parent_target.normalize()
        )
        .into(),
    })
}

/// The member's part of the parent's target, exact, and how it was shared.
fn cascade_share(
    ctx: &Ctx,
    kpi: &Kpi,
    share: &Share,
    e: &Employee,
    parent: &str,
    parent_target: Decimal,
    members: &[&Employee],
) -> Result<(Num, String), String> {
    let period = ctx.period;
    let column_share = |m: &Employee, col: &str| -> Result<Decimal, String> {
        parse_decimal(m.extra.get(col).map(String::as_str).unwrap_or("")).map_err(|why| {
            format!(
                "KPI '{}': employee {} has no usable '{col}' share: {why}",
                kpi.id, m.id
            )
        })
    };
    // The share is applied exactly: parent × salary ÷ total, one division.
    let value_how = match share {
        Share::Equal => {
            let n = Decimal::from(members.len().max(1));
            (
                Num::mul_div(parent_target, Decimal::ONE, n),
                format!("equal share 1/{}", members.len()),
            )
        }
        Share::BaseSalary => {
            let (value, share) = salary_share(parent_target, e, members).ok_or_else(|| {
                format!(
                    "KPI '{}': the base salaries of '{parent}' sum to zero",
                    kpi.id
                )
            })?;
            (
                value,
                format!("base-salary share {}", ctx.round(share.approx())),
            )
        }
        Share::Column(col) => {
            let mut total = Decimal::ZERO;
            for m in members {
                total += column_share(m, col)?;
            }
            if total != Decimal::ONE {
                return Err(format!(
                        "KPI '{}': the '{col}' shares of the {} members of '{parent}' employed in {period} sum to {}, not 1",
                        kpi.id,
                        members.len(),
                        total.normalize()
                    ));
            }
            let share = column_share(e, col)?;
            (
                Num::mul_div(parent_target, share, Decimal::ONE),
                format!("'{col}' share {}", share.normalize()),
            )
        }
    };
    Ok(value_how)
}

/// The largest (`is_max`) or smallest of several sources, all listed.
fn extreme(
    ctx: &Ctx,
    kpi: &Kpi,
    srcs: &[TargetSource],
    is_max: bool,
    subject: &str,
    ix: Option<u32>,
) -> Result<Target, String> {
    let all: Vec<Target> = srcs
        .iter()
        .map(|s| target(ctx, kpi, s, subject, ix))
        .collect::<Result<_, _>>()?;
    let pick = if is_max {
        all.iter().max_by(|a, b| a.value.cmp(&b.value))
    } else {
        all.iter().min_by(|a, b| a.value.cmp(&b.value))
    }
    // policy/validate.rs refuses max/min with fewer than two sources.
    .expect("validation requires two sources");
    let list = all
        .iter()
        .map(|t| format!("{} = {}", t.source, t.value.normalize()))
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Target {
        value: pick.value,
        source: format!("{} of [{list}]", if is_max { "max" } else { "min" }).into(),
    })
}
