//! Target suggestions (`merit model --suggest-targets`): for each KPI whose
//! target comes from history, the growth rate that would have put a chosen
//! share of its employees at or above target in a computed period, per
//! department and for everyone.
//!
//! An employee's target is `statistic × (1 + growth)`, so they meet it at
//! any growth up to their break-even `actual × (1 + growth now) ÷ target − 1`
//! (down to it, for a lower-is-better KPI). The suggestion is the k-th
//! break-even, k = ⌈share × people⌉, rounded to 4 places toward the easier
//! side, so at least k employees meet the suggested target. Lines whose
//! target fell back (history incomplete) are left out.

use super::RunResult;
use crate::data::Data;
use crate::policy::{Direction, LoadedPolicy, TargetSource};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;

/// One KPI's suggestion for one group of employees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub kpi: String,
    /// A department id, or `all`.
    pub department: String,
    /// Employees with a history target of the KPI.
    pub people: usize,
    pub growth_now: Decimal,
    /// Employees at or above target now.
    pub met_now: usize,
    /// The suggested growth; `None` when no one has a positive target.
    pub growth: Option<Decimal>,
    /// Employees who would meet the suggested target.
    pub met: usize,
    /// The history used, as the targets' source says.
    pub history: String,
}

/// Every history-target KPI's suggestions: everyone first, then each
/// department, KPIs in policy order.
pub fn suggest(lp: &LoadedPolicy, data: &Data, run: &RunResult, share: Decimal) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for (k, kpi) in lp.policy.kpis.iter().enumerate() {
        let TargetSource::History(h) = &kpi.target else {
            continue;
        };
        let g = h.growth.0;
        // Per group: (break-even growths, met now, the history used).
        let mut groups: BTreeMap<&str, (Vec<Decimal>, usize)> = BTreeMap::new();
        let mut history = String::new();
        for r in &run.employees {
            let last = r.kpis.iter().map(|l| l.period).max().unwrap_or(0);
            let lines = r
                .kpis
                .iter()
                .filter(|l| l.period == last && l.kpi_ix() == k);
            for l in
                lines.filter(|l| l.target_source.starts_with("history") && l.target > Decimal::ZERO)
            {
                let Some(be) = break_even(l.actual, l.target, g) else {
                    continue;
                };
                if history.is_empty() {
                    history = l.target_source.to_string();
                }
                let dept = data.employees[r.employee].department.as_str();
                for key in ["", dept] {
                    let e = groups.entry(key).or_default();
                    e.0.push(be);
                    e.1 += usize::from(l.achievement >= Decimal::ONE);
                }
            }
        }
        for (dept, (mut be, met_now)) in groups {
            let (growth, met) = pick(&mut be, share, kpi.direction);
            out.push(Suggestion {
                kpi: kpi.id.clone(),
                department: if dept.is_empty() {
                    "all".into()
                } else {
                    dept.to_owned()
                },
                people: be.len(),
                growth_now: g,
                met_now,
                growth,
                met,
                history: history.clone(),
            });
        }
    }
    out
}

/// `actual × (1 + growth) ÷ target − 1`.
fn break_even(actual: Decimal, target: Decimal, growth: Decimal) -> Option<Decimal> {
    actual
        .checked_mul(Decimal::ONE + growth)?
        .checked_div(target)
        .map(|q| q - Decimal::ONE)
}

/// The k-th break-even toward the easier side, rounded to 4 places that way,
/// and how many meet it.
fn pick(be: &mut [Decimal], share: Decimal, direction: Direction) -> (Option<Decimal>, usize) {
    let n = be.len();
    if n == 0 {
        return (None, 0);
    }
    let k = (share * Decimal::from(n as u64))
        .ceil()
        .to_usize()
        .unwrap_or(n)
        .clamp(1, n);
    match direction {
        Direction::Higher => {
            be.sort_by(|a, b| b.cmp(a));
            let g = be[k - 1].round_dp_with_strategy(4, RoundingStrategy::ToNegativeInfinity);
            (Some(g), be.iter().filter(|x| **x >= g).count())
        }
        Direction::Lower => {
            be.sort();
            let g = be[k - 1].round_dp_with_strategy(4, RoundingStrategy::ToPositiveInfinity);
            (Some(g), be.iter().filter(|x| **x <= g).count())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kth_break_even_is_taken_toward_the_easier_side() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let mut be: Vec<Decimal> = ["0.2", "-0.05", "0.06", "0.12345", "0.1"].map(d).to_vec();
        // ⌈0.6 × 5⌉ = 3: the third largest is 0.1.
        assert_eq!(
            pick(&mut be, d("0.6"), Direction::Higher),
            (Some(d("0.1")), 3)
        );
        // 0.12345 floors to 0.1234 for one person.
        assert_eq!(
            pick(&mut be, d("0.2"), Direction::Higher),
            (Some(d("0.2")), 1)
        );
        assert_eq!(
            pick(&mut be, d("0.4"), Direction::Higher),
            (Some(d("0.1234")), 2)
        );
        // Lower is better: the third smallest, rounded up.
        assert_eq!(
            pick(&mut be, d("0.6"), Direction::Lower),
            (Some(d("0.1")), 3)
        );
        assert_eq!(break_even(d("110"), d("105"), d("0.05")), Some(d("0.1")));
    }
}
