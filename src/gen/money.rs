//! Money tables: employees paid in other currencies with a monthly
//! `fx_rates` table (when the policy converts currencies), and bonus pool
//! `budgets` (when it has a pool), set below some pools' likely bonuses and
//! above others' so that runs scale both ways.

use super::rng::Rng;
use super::table::{Rows, TableFile};
use super::values::push_fixed;
use super::{periods_in, Model, Written, ALL_KINDS, CHUNK, S_BUDGETS, S_CURRENCY, S_FX};
use crate::error::Result;
use crate::period::Period;
use crate::policy::KpiScope;
use chrono::NaiveDate;
use rayon::prelude::*;
use std::path::Path;

/// Currencies other employees may be paid in, with units per US dollar at
/// four places: realistic magnitudes, not market data.
const CURRENCIES: [(&str, i64); 7] = [
    ("USD", 10_000),
    ("HKD", 78_100),
    ("EUR", 9_200),
    ("SGD", 13_400),
    ("JPY", 1_495_000),
    ("GBP", 7_900),
    ("CNY", 71_800),
];

/// Employees per mille paid in the first and the second other currency.
const FOREIGN_PER_MILLE: [u64; 2] = [60, 25];

/// A currency employees may be paid in besides the policy's.
pub(super) struct Foreign {
    pub(super) code: &'static str,
    /// Policy-currency units per unit, per generated month, at six places.
    rates: Vec<i64>,
}

/// Two other currencies when the policy converts currencies, else none.
/// Rates wander by under 1% a month within 8% of their starting level.
pub(super) fn foreign_currencies(m: &Model) -> Vec<Foreign> {
    let policy = &m.lp.policy;
    if policy.currency_conversion.is_none() {
        return Vec::new();
    }
    let per_usd = |code: &str| CURRENCIES.iter().find(|c| c.0 == code).map(|c| c.1);
    // An unknown policy currency is taken to be worth a dollar.
    let home = per_usd(&policy.currency).unwrap_or(10_000);
    CURRENCIES
        .iter()
        .filter(|c| c.0 != policy.currency)
        .take(FOREIGN_PER_MILLE.len())
        .enumerate()
        .map(|(i, &(code, units))| {
            let base = home * 1_000_000 / units;
            let mut r = Rng::stream(m.cfg.seed, S_FX, i as u64);
            let mut rate = base;
            let rates = (0..m.months.len())
                .map(|month| {
                    if month > 0 {
                        rate = (rate * r.range(9920, 10080) / 10_000)
                            .clamp(base * 92 / 100, base * 108 / 100)
                            .max(1);
                    }
                    rate
                })
                .collect();
            Foreign { code, rates }
        })
        .collect()
}

impl Model<'_> {
    /// The other currency employee `i` is paid in, if any.
    pub(super) fn currency_of(&self, i: usize) -> Option<usize> {
        if self.foreign.is_empty() {
            return None;
        }
        let x = Rng::stream(self.cfg.seed, S_CURRENCY, i as u64).below(1000);
        let (a, b) = (FOREIGN_PER_MILLE[0], FOREIGN_PER_MILLE[1]);
        match x {
            x if x < a => Some(0),
            x if x < a + b && self.foreign.len() > 1 => Some(1),
            _ => None,
        }
    }

    /// A policy-currency salary in currency `c` at the first month's rate,
    /// to the hundred.
    pub(super) fn local_salary(&self, salary: i64, c: usize) -> i64 {
        let local = i128::from(salary) * 1_000_000 / i128::from(self.foreign[c].rates[0]);
        ((local + 50) / 100 * 100).max(100) as i64
    }
}

/// `fx_rates`: every other currency's rate in every generated month.
pub(super) fn write_fx_rates(m: &Model, dir: &Path) -> Result<Option<Written>> {
    if m.foreign.is_empty() {
        return Ok(None);
    }
    let columns = &["currency", "month", "rate_to_policy_currency"];
    let mut t = TableFile::create(dir, "fx_rates", columns, m.cfg.format)?;
    let mut rows = Rows::new(3);
    for f in &m.foreign {
        for (month, rate) in m.months.iter().zip(&f.rates) {
            rows.cell(f.code);
            rows.cell(&month.to_string());
            push_fixed(&mut rows.text, *rate, 6);
            rows.end_cell();
        }
    }
    t.write(&rows)?;
    t.finish().map(Some)
}

/// Days of `p` between `hire` and `term` (inclusive).
fn days_in(p: &Period, hire: NaiveDate, term: Option<NaiveDate>) -> i64 {
    let from = hire.max(p.start());
    let to = term.map_or(p.end(), |t| t.min(p.end()));
    ((to - from).num_days() + 1).max(0)
}

/// `budgets`: each pool subject in every period a run could use. The
/// members' prorated target bonuses are the yardstick (the example
/// formulas pay 80–100% of it); alternate subjects and periods get 45–70%
/// of it (the pool scales down) and 125–150% (only `scale: both` scales
/// up), at the policy's money places (at most cents).
pub(super) fn write_budgets(m: &Model, dir: &Path) -> Result<Option<Written>> {
    let Some(pool) = &m.lp.policy.bonus.pool else {
        return Ok(None);
    };
    let periods = periods_in(&m.months, &ALL_KINDS);
    let subjects: Vec<String> = match pool.scope {
        KpiScope::Company => vec![crate::data::COMPANY.to_owned()],
        _ => m.departments.clone(),
    };
    let estimate = likely_totals(m, pool.scope, &periods, subjects.len());
    let places = m.lp.policy.rounding.money_places.min(2);
    let columns = &["subject_id", "period", "budget"];
    let mut t = TableFile::create(dir, "budgets", columns, m.cfg.format)?;
    let mut rows = Rows::new(3);
    for (s, subject) in subjects.iter().enumerate() {
        let mut r = Rng::stream(m.cfg.seed, S_BUDGETS, s as u64);
        for (j, p) in periods.iter().enumerate() {
            let (under, over) = (r.range(450, 700), r.range(1250, 1500));
            let factor = if (s + j) % 2 == 0 { under } else { over };
            let cents = estimate[s * periods.len() + j] * i128::from(factor) / 1000;
            let budget = cents / 10i128.pow(2 - places);
            rows.cell(subject);
            rows.cell(&p.label);
            push_fixed(
                &mut rows.text,
                i64::try_from(budget).unwrap_or(i64::MAX),
                places,
            );
            rows.end_cell();
        }
    }
    t.write(&rows)?;
    t.finish().map(Some)
}

/// Per subject and period (row-major): the members' target bonuses for the
/// period, prorated by days employed, in cents of the policy currency.
fn likely_totals(m: &Model, scope: KpiScope, periods: &[Period], subjects: usize) -> Vec<i128> {
    let n = m.cfg.employees;
    let width = periods.len();
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut sums = vec![0i128; subjects * width];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let e = m.employee(i);
                let prof = m.profile(i, &e);
                let s = if scope == KpiScope::Company {
                    0
                } else {
                    e.dept
                };
                for (j, p) in periods.iter().enumerate() {
                    let days = days_in(p, e.hire, e.term);
                    sums[s * width + j] += i128::from(prof.salary * 100 * prof.pct)
                        * i128::from(p.len)
                        * i128::from(days)
                        / (1200 * i128::from(p.days()));
                }
            }
            sums
        })
        // Integer sums: the same in any order, so on any thread count.
        .reduce(
            || vec![0i128; subjects * width],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}
