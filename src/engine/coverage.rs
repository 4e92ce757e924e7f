//! Stage: period coverage — whether the plan applies to the period at all
//! (`effective`), which months of the period a KPI needs a metric row for, and what a missing month means (the KPI's `missing_months`).
//! Between the aggregates and the KPI value: it checks or fills the
//! aggregates that [`super::kpi::actual`] reads.

use crate::data::metrics::Agg;
use crate::data::Employee;
use crate::decimal::RoundingMode;
use crate::error::{Diagnostic, Error, Result};
use crate::exact::div_round;
use crate::period::Period;
use crate::policy::locate::{locate, Seg};
use crate::policy::{Aggregate, Kpi, LoadedPolicy, MissingMonths};
use rust_decimal::Decimal;

/// The months of `period` that need a row, as a mask (bit `i` for its
/// `i`-th month): all of them, or for an individual KPI (`employee` given)
/// those in which the employee is employed on at least one day.
pub fn required(employee: Option<&Employee>, period: &Period) -> u16 {
    period
        .months()
        .enumerate()
        .filter(|(_, m)| {
            employee.is_none_or(|e| {
                e.hire_date <= m.last_day() && e.termination_date.is_none_or(|t| t >= m.first_day())
            })
        })
        .fold(0, |mask, (i, _)| mask | (1 << i))
}

/// With `missing_months: error`, every needed month of every metric the KPI
/// reads must have a row: the missing ones, listed, or `Ok`.
pub fn check(
    kpi: &Kpi,
    agg: impl Fn(&str) -> Option<Agg>,
    need: u16,
    period: &Period,
) -> Result<(), String> {
    if kpi.missing_months != MissingMonths::Error {
        return Ok(());
    }
    // The common case, without allocating: every needed month is there.
    let (first, second) = match &kpi.aggregate {
        Aggregate::Ratio {
            numerator,
            denominator,
        } => (numerator, Some(denominator)),
        Aggregate::Sum(m)
        | Aggregate::Mean(m)
        | Aggregate::Last(m)
        | Aggregate::Max(m)
        | Aggregate::Min(m) => (m, None),
    };
    let covered = |m: &str| need & !agg(m).map_or(0, |a| a.months) == 0;
    if covered(first) && second.is_none_or(|m| covered(m)) {
        return Ok(());
    }
    let metrics = kpi.aggregate.metrics();
    let months: Vec<String> = period.months().map(|m| m.to_string()).collect();
    let gaps: Vec<String> = metrics
        .into_iter()
        .filter_map(|m| {
            let missing = need & !agg(m).map_or(0, |a| a.months);
            (missing != 0).then(|| {
                let list: Vec<&str> = (0..months.len())
                    .filter(|i| missing & (1 << i) != 0)
                    .map(|i| months[i].as_str())
                    .collect();
                format!("'{m}' in {}", list.join(", "))
            })
        })
        .collect();
    if gaps.is_empty() {
        return Ok(());
    }
    Err(format!(
        "no rows of {}; every month of {period} needs one (the KPI's `missing_months` is `error`; `zero`, `prorate` or `any` accept gaps)",
        gaps.join(" and ")
    ))
}

/// With `missing_months: zero`, a needed month without a row counts as a
/// row with value 0.
pub fn fill(rule: MissingMonths, agg: Option<Agg>, need: u16) -> Option<Agg> {
    let present = agg.as_ref().map_or(0, |a| a.months);
    let missing = need & !present;
    if rule != MissingMonths::Zero || missing == 0 {
        return agg;
    }
    let zero = Decimal::ZERO;
    let months = present | missing;
    let mut a = agg.unwrap_or(Agg {
        sum: zero,
        count: 0,
        months: 0,
        max: zero,
        min: zero,
        last: zero,
    });
    a.max = a.max.max(zero);
    a.min = a.min.min(zero);
    // The latest month is a missing one: its value is 0.
    if missing.leading_zeros() < present.leading_zeros() {
        a.last = zero;
    }
    a.count = months.count_ones();
    a.months = months;
    Some(a)
}

/// With `missing_months: prorate`, a `sum` KPI's actual is scaled to the
/// whole period: × months in the period ÷ months with a row, rounded to
/// `places`. Other KPIs are returned as they are.
pub fn prorate(
    kpi: &Kpi,
    actual: Decimal,
    agg: impl Fn(&str) -> Option<Agg>,
    period: &Period,
    places: u32,
    mode: RoundingMode,
) -> Decimal {
    let (MissingMonths::Prorate, Aggregate::Sum(m)) = (kpi.missing_months, &kpi.aggregate) else {
        return actual;
    };
    match agg(m) {
        Some(a) if a.count > 0 && a.count < period.len as u32 => {
            let months = Decimal::from(period.len);
            actual
                .checked_mul(months)
                .and_then(|scaled| div_round(scaled, Decimal::from(a.count), places, mode))
                .map_or(actual, |d| d.normalize())
        }
        _ => actual,
    }
}

/// Refuses a period outside the policy's `effective` range.
pub fn check_effective(lp: &LoadedPolicy, period: &Period) -> Result<()> {
    let Some(eff) = &lp.policy.effective else {
        return Ok(());
    };
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let (Some(from), Some(to)) = (date(&eff.from), date(&eff.to)) else {
        return Ok(()); // reported by validation
    };
    let (start, end) = (period.start(), period.end());
    let key = if start < from { "from" } else { "to" };
    if start >= from && end <= to {
        return Ok(());
    }
    let mut d = Diagnostic::error(
        lp.yaml_path(),
        format!("the period {period} ({start} to {end}) is outside the policy's effective range {from} to {to}; run it under the policy that was in effect then"),
    );
    if let Some((l, c)) = locate(&lp.yaml_text, &[Seg::Key("effective"), Seg::Key(key)]) {
        d = d.at(l, c).with_source(&lp.yaml_text);
    }
    Err(Error::one(d))
}
