//! One parallel pass over every employee's last lines, counting what the
//! KPI and curve findings read: at 1 M employees these are 12 M lines of
//! 136 bytes, so one pass instead of one per finding, with each KPI's
//! scoring rule and each employee's role looked up once, not per line.

use super::last_lines;
use crate::data::Data;
use crate::engine::{KpiLine, RunResult};
use crate::policy::{LoadedPolicy, Scoring, TierMode};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Where a line sits on its KPI's scoring rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Below a curve's threshold, before a points rule's first point, or in
    /// the lowest tier.
    Bottom,
    Between,
    /// At or above a curve's stretch, from a points rule's last point, or
    /// in the highest tier.
    Top,
}

fn level(rule: &Scoring, l: &KpiLine) -> Option<Level> {
    use crate::engine::score::Segment;
    Some(match rule {
        Scoring::Curve(c) if l.achievement < c.threshold.achievement.0 => Level::Bottom,
        Scoring::Curve(c) if l.achievement >= c.stretch.achievement.0 => Level::Top,
        Scoring::Curve(_) => Level::Between,
        Scoring::Points(_) => match l.segment {
            Segment::BelowFirst => Level::Bottom,
            Segment::AboveLast => Level::Top,
            _ => Level::Between,
        },
        // A marginal rule keeps rising inside its last tier: no top.
        Scoring::Tiers(t) => match l.segment {
            Segment::Tier(0) => Level::Bottom,
            Segment::Tier(i)
                if i as usize + 1 == t.steps.len() && t.mode == Some(TierMode::WholeAmount) =>
            {
                Level::Top
            }
            _ => Level::Between,
        },
        Scoring::Script(_) => return None,
    })
}

/// Contributions counted by hash; the order of a map is never read.
pub(super) type Values = HashMap<Decimal, usize, ahash::RandomState>;

/// What the findings count, per KPI (policy order).
pub(super) struct Tally {
    /// (people, at the top of the KPI's scoring rule, at its bottom).
    pub levels: Vec<[usize; 3]>,
    /// For a KPI scored by a curve: (lines, at the cap or the stretch
    /// score, below the threshold).
    pub curves: Vec<[usize; 3]>,
    /// How often each contribution occurs; lines of zero weight left out.
    pub values: Vec<Values>,
    /// Lines of non-zero weight per role (the policy's roles, in name order).
    pub roles: Vec<Vec<usize>>,
}

impl Tally {
    fn empty(kpis: usize, roles: usize) -> Tally {
        Tally {
            levels: vec![[0; 3]; kpis],
            curves: vec![[0; 3]; kpis],
            values: vec![Values::default(); kpis],
            roles: vec![vec![0; roles]; kpis],
        }
    }

    fn merge(mut self, other: Tally) -> Tally {
        let add = |a: &mut [usize], b: &[usize]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        for k in 0..self.levels.len() {
            add(&mut self.levels[k], &other.levels[k]);
            add(&mut self.curves[k], &other.curves[k]);
            add(&mut self.roles[k], &other.roles[k]);
        }
        for (a, b) in self.values.iter_mut().zip(other.values) {
            b.into_iter()
                .for_each(|(v, c)| *a.entry(v).or_default() += c);
        }
        self
    }

    /// Adds one employee's last lines; `role` indexes the policy's roles.
    fn add(&mut self, rules: &[Option<&Scoring>], lines: &[KpiLine], role: Option<usize>) {
        for l in last_lines(lines) {
            if let Some(rule) = rules[l.kpi_ix()] {
                if let Some(level) = level(rule, l) {
                    let c = &mut self.levels[l.kpi_ix()];
                    c[0] += 1;
                    c[1] += usize::from(level == Level::Top);
                    c[2] += usize::from(level == Level::Bottom);
                }
                if let Scoring::Curve(curve) = rule {
                    let top = curve.cap.map_or(curve.stretch.score.0, |d| d.0);
                    let c = &mut self.curves[l.kpi_ix()];
                    c[0] += 1;
                    c[1] += usize::from(l.score >= top);
                    c[2] += usize::from(l.achievement < curve.threshold.achievement.0);
                }
            }
            if l.weight.is_zero() {
                continue;
            }
            *self.values[l.kpi_ix()].entry(l.contribution).or_default() += 1;
            if let Some(r) = role {
                self.roles[l.kpi_ix()][r] += 1;
            }
        }
    }
}

/// Counts every employee's last lines on every core.
pub(super) fn count(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> Tally {
    let p = &lp.policy;
    let rules: Vec<Option<&Scoring>> = (p.kpis.iter())
        .map(|k| p.scorings.get(&k.scoring))
        .collect();
    let roles: Vec<&str> = p.roles.keys().map(String::as_str).collect();
    // A few large parts, not one per split: merging maps costs.
    let part = run.employees.len() / (4 * rayon::current_num_threads()) + 1;
    run.employees
        .par_chunks(part)
        .map(|employees| {
            let mut t = Tally::empty(p.kpis.len(), roles.len());
            for r in employees {
                let role = data.employees[r.employee].role.as_str();
                t.add(&rules, &r.kpis, roles.binary_search(&role).ok());
            }
            t
        })
        .reduce_with(Tally::merge)
        .unwrap_or_else(|| Tally::empty(p.kpis.len(), roles.len()))
}
