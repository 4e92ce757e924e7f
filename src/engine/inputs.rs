//! What policy scripts see. Each use of a script has a fixed set of
//! variables; scripts are compiled against exactly that set (strict
//! variables), so a misspelt name fails at `merit check`, not at run time.

use crate::data::Employee;
use crate::period::Period;
use crate::script::{dec, map};
use chrono::{Datelike, NaiveDate};
use rhai::{Dynamic, Map, Scope};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The bonus formula: `employee`, `kpi`, `review`, `period`, `score`, `rating`.
    Bonus,
    /// A scoring rule: `actual`, `target`, `achievement`, `subject`.
    Scoring,
    /// A target: `subject`, `employee` (map or `()`), `period`.
    Target,
    /// A role's weights: `employee`, `period`; returns a map KPI id → weight.
    Weights,
}

impl Purpose {
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Purpose::Bonus => &["employee", "kpi", "review", "period", "score", "rating"],
            Purpose::Scoring => &["actual", "target", "achievement", "subject"],
            Purpose::Target => &["subject", "employee", "period"],
            Purpose::Weights => &["employee", "period"],
        }
    }

    /// Placeholder values with the right names, for compiling.
    pub fn compile_scope(self) -> Scope<'static> {
        let mut s = Scope::new();
        for v in self.variables() {
            s.push_dynamic(*v, Dynamic::UNIT);
        }
        s
    }
}

fn date(d: Option<NaiveDate>) -> Dynamic {
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

/// `employee.*`: the employees table row plus derived values.
pub fn employee_map(
    e: &Employee,
    period: &Period,
    target_bonus: Decimal,
    days_employed: i64,
) -> Map {
    map([
        ("id", Dynamic::from(e.id.clone())),
        ("name", Dynamic::from(e.name.clone())),
        ("department", Dynamic::from(e.department.clone())),
        ("role", Dynamic::from(e.role.clone())),
        ("base_salary", dec(e.base_salary)),
        ("target_bonus_pct", dec(e.target_bonus_pct)),
        ("target_bonus", dec(target_bonus)),
        ("hire_date", date(Some(e.hire_date))),
        ("termination_date", date(e.termination_date)),
        ("days_employed", Dynamic::from(days_employed)),
        ("tenure_months", Dynamic::from(tenure_months(e, period))),
    ])
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
