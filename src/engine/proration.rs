//! Stage (part of the bonus): the proration factor of a partial period —
//! by days, working days or whole months employed, less unpaid leave, ×
//! FTE, exact or rounded (docs/policy.md, Bonus; docs/data.md, leave and
//! holidays).

use crate::data::calendar::{is_working_day, Holidays};
use crate::data::{Data, Employee};
use crate::period::Period;
use crate::policy::{Policy, Proration, UnpaidLeave};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// (numerator, denominator) of the factor the capped bonus is multiplied by.
pub fn factor(
    policy: &Policy,
    data: &Data,
    e: &Employee,
    period: &Period,
    days_employed: i64,
) -> (Decimal, Decimal) {
    let leave = match policy.bonus.unpaid_leave {
        UnpaidLeave::Exclude => data.leave.get(&e.id).map_or(&[][..], Vec::as_slice),
        UnpaidLeave::Count => &[],
    };
    let on_leave = |d: NaiveDate| leave.iter().any(|(s, t)| d >= *s && d <= *t);
    let (num, den) = match policy.bonus.proration {
        Proration::Days => {
            // Most people have no leave: no day is walked for them.
            let off = match leave.is_empty() {
                true => 0,
                false => days(e, period).into_iter().filter(|d| on_leave(*d)).count() as i64,
            };
            (
                Decimal::from(days_employed - off),
                Decimal::from(period.days()),
            )
        }
        Proration::Weekdays => working_days(e, period, &data.holidays, &on_leave)
            .unwrap_or_else(|| unprorated(e, period, days_employed)),
        Proration::Months => months_employed(e, period, &on_leave),
        Proration::None => unprorated(e, period, days_employed),
    };
    // FTE multiplies the factor (checked 0 < FTE ≤ 1 by the caller).
    let num = match policy.bonus.fte.as_ref() {
        Some(name) => num * super::bonus::fte(policy, e, name).unwrap_or(Decimal::ONE),
        None => num,
    };
    // A span's factor is rounded with the others' (spans.rs).
    match policy.bonus.proration_places {
        Some(places) if num != den && e.span.is_none() => {
            let r = &policy.rounding;
            // The denominator is at least 1.
            match crate::exact::div_round(num, den, places, r.mode) {
                Some(f) => (f, Decimal::ONE),
                None => (num, den),
            }
        }
        _ => (num, den),
    }
}

/// No proration: 1, or for a span its days of the days employed, so the
/// spans share the bonus.
fn unprorated(e: &Employee, period: &Period, span_days: i64) -> (Decimal, Decimal) {
    match e.span {
        Some(_) => {
            let all = super::bonus::days_employed(e, period).max(1);
            (Decimal::from(span_days), Decimal::from(all))
        }
        None => (Decimal::ONE, Decimal::ONE),
    }
}

/// The days of the period the employee is employed.
fn days(e: &Employee, period: &Period) -> Vec<NaiveDate> {
    let (start, end) = e.employed_in(period);
    start.iter_days().take_while(|d| *d <= end).collect()
}

/// (working days employed and not on leave, working days in the period);
/// `None` when the period has no working day.
fn working_days(
    e: &Employee,
    period: &Period,
    holidays: &Holidays,
    on_leave: &dyn Fn(NaiveDate) -> bool,
) -> Option<(Decimal, Decimal)> {
    let all = period
        .start()
        .iter_days()
        .take_while(|d| *d <= period.end())
        .filter(|d| is_working_day(holidays, *d))
        .count();
    if all == 0 {
        // No working day in the period: nothing to prorate by.
        return None;
    }
    let worked = days(e, period)
        .into_iter()
        .filter(|d| is_working_day(holidays, *d) && !on_leave(*d))
        .count();
    Some((Decimal::from(worked), Decimal::from(all.max(1))))
}

/// (calendar months employed, and not on leave, on every day; months in
/// the period).
fn months_employed(
    e: &Employee,
    period: &Period,
    on_leave: &dyn Fn(NaiveDate) -> bool,
) -> (Decimal, Decimal) {
    let whole = period
        .months()
        .filter(|m| {
            let (first, last) = (m.first_day(), m.last_day());
            let employed = e.hire_date <= first && e.termination_date.is_none_or(|t| t >= last);
            // A month cut by a mid-period change counts for the span of its 1st.
            let in_span = e.span.is_none_or(|(from, to)| from <= first && first <= to);
            employed && in_span && !first.iter_days().take_while(|d| *d <= last).any(on_leave)
        })
        .count();
    (Decimal::from(whole), Decimal::from(period.len))
}
