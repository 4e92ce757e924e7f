//! What policy scripts see. Each use of a script has a fixed set of
//! variables; scripts are compiled against exactly that set (strict
//! variables), so a misspelt name fails at `merit check`, not at run time.

use crate::data::{Employee, InputValue};
use crate::period::Period;
use crate::policy::Policy;
use crate::script::{dec, map};
use chrono::{Datelike, NaiveDate};
use rhai::{Dynamic, Map};

pub fn date(d: Option<NaiveDate>) -> Dynamic {
    d.map_or(Dynamic::UNIT, |d| {
        Dynamic::from(d.format("%Y-%m-%d").to_string())
    })
}

/// Whole months from the hire date to the end of the period.
pub fn tenure_months(e: &Employee, period: &Period) -> i64 {
    let end = period.end();
    let h = e.hire_date;
    let mut m = (end.year() - h.year()) as i64 * 12 + end.month() as i64 - h.month() as i64;
    if end.day() < h.day() {
        m -= 1;
    }
    m.max(0)
}

pub use crate::policy::lint::EMPLOYEE_KEYS;

/// `employee.*`: the employees table row plus derived values and the
/// policy's inputs.
pub fn employee_map(policy: &Policy, e: &Employee, period: &Period, days_employed: i64) -> Map {
    employee_fields(policy, &[true; 11], e, period, days_employed)
}

/// A plan input as scripts see it (`()` when an optional one is not given).
fn input_value(v: &InputValue) -> Dynamic {
    match v {
        InputValue::Absent => Dynamic::UNIT,
        InputValue::Number(d) => dec(*d),
        InputValue::Integer(i) => Dynamic::from(*i),
        InputValue::Text(t) => Dynamic::from(t.clone()),
        InputValue::Date(d) => date(Some(*d)),
        InputValue::Flag(b) => Dynamic::from(*b),
    }
}

/// The keys of `employee.*` that `wanted` marks, by position in
/// [`EMPLOYEE_KEYS`], and every plan input (there are few).
pub fn employee_fields(
    policy: &Policy,
    wanted: &[bool; 11],
    e: &Employee,
    period: &Period,
    days_employed: i64,
) -> Map {
    (0..EMPLOYEE_KEYS.len())
        .filter(|&i| wanted[i])
        .map(|i| {
            let v = match i {
                0 => Dynamic::from(e.id.clone()),
                1 => Dynamic::from(e.name.clone()),
                2 => Dynamic::from(e.department.clone()),
                3 => Dynamic::from(e.role.clone()),
                4 => crate::script_exact::value(&e.base_salary_exact),
                5 => dec(e.target_bonus_pct),
                6 => crate::script_exact::value(&super::bonus::target_bonus_exact(e, period)),
                7 => date(Some(e.hire_date)),
                8 => date(e.termination_date),
                9 => Dynamic::from(days_employed),
                _ => Dynamic::from(tenure_months(e, period)),
            };
            (EMPLOYEE_KEYS[i].into(), v)
        })
        .chain(
            policy
                .inputs
                .keys()
                .zip(&e.inputs)
                .map(|(k, v)| (k.as_str().into(), input_value(v))),
        )
        .collect()
}

/// `period.*`.
pub fn period_map(period: &Period) -> Map {
    map([
        ("label", Dynamic::from(period.label.clone())),
        (
            "kind",
            Dynamic::from(format!("{:?}", period.kind).to_lowercase()),
        ),
        ("months", Dynamic::from(period.len as rhai::INT)),
        ("days", Dynamic::from(period.days())),
        ("start", date(Some(period.start()))),
        ("end", date(Some(period.end()))),
    ])
}
