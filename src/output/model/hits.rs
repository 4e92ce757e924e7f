//! How many employees reach each KPI's threshold, target and stretch under
//! a plan: for a `curve` rule, an achievement at or above its threshold,
//! target and stretch points; for other rules only the target, an
//! achievement of at least 1 (the actual meets the target).

use crate::engine::RunResult;
use crate::policy::{LoadedPolicy, Scoring};
use rust_decimal::Decimal;

/// One KPI's counts under one plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiHits {
    /// Employees with a line of the KPI.
    pub people: usize,
    /// `None` when the KPI's scoring rule is not a curve.
    pub threshold: Option<usize>,
    pub target: usize,
    pub stretch: Option<usize>,
}

/// Per KPI of the plan, in policy order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits(pub Vec<KpiHits>);

impl Hits {
    /// Counts the employees' lines of the last period each evaluated (a
    /// year from quarters counts its fourth quarter).
    pub fn of(lp: &LoadedPolicy, run: &RunResult) -> Hits {
        let p = &lp.policy;
        let levels: Vec<Option<(Decimal, Decimal, Decimal)>> = (p.kpis.iter())
            .map(|k| match p.scorings.get(&k.scoring) {
                Some(Scoring::Curve(c)) => Some((
                    c.threshold.achievement.0,
                    c.target.achievement.0,
                    c.stretch.achievement.0,
                )),
                _ => None,
            })
            .collect();
        let mut out: Vec<KpiHits> = (levels.iter())
            .map(|l| KpiHits {
                threshold: l.map(|_| 0),
                stretch: l.map(|_| 0),
                ..KpiHits::default()
            })
            .collect();
        for r in &run.employees {
            let Some(last) = r.kpis.iter().map(|l| l.period).max() else {
                continue;
            };
            for l in r.kpis.iter().filter(|l| l.period == last) {
                let (h, a) = (&mut out[l.kpi_ix()], l.achievement);
                h.people += 1;
                match levels[l.kpi_ix()] {
                    Some((t, g, s)) => {
                        h.threshold = h.threshold.map(|n| n + usize::from(a >= t));
                        h.target += usize::from(a >= g);
                        h.stretch = h.stretch.map(|n| n + usize::from(a >= s));
                    }
                    None => h.target += usize::from(a >= Decimal::ONE),
                }
            }
        }
        Hits(out)
    }
}

/// KPI `k`'s counts over every period under the new plan (`new`) or the
/// baseline.
pub(super) fn sum(m: &super::Model, new: bool, k: usize) -> KpiHits {
    let mut out = KpiHits::default();
    for (old_run, new_run) in &m.runs {
        let run = if new { new_run } else { old_run };
        let Some(h) = run.hits.0.get(k) else { continue };
        out.people += h.people;
        out.target += h.target;
        let add = |a: Option<usize>, b: Option<usize>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        out.threshold = add(out.threshold, h.threshold);
        out.stretch = add(out.stretch, h.stretch);
    }
    out
}
