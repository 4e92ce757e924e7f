//! Findings per KPI: a target almost everyone beats to the top of the
//! scoring rule (too easy) or leaves below its bottom (too hard), and a
//! weight that moves almost nobody's score.

use super::{at_least, last_lines, pct, Finder, Kind};
use crate::data::Data;
use crate::engine::{KpiLine, RunResult};
use crate::policy::locate::Seg;
use crate::policy::{Scoring, TierMode};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

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
            Segment::Tier(i) if i + 1 == t.steps.len() && t.mode == Some(TierMode::WholeAmount) => {
                Level::Top
            }
            _ => Level::Between,
        },
        Scoring::Script(_) => return None,
    })
}

/// Per KPI: (people, at the top, at the bottom).
fn counts(f: &Finder, run: &RunResult) -> Vec<(usize, usize, usize)> {
    let p = &f.lp.policy;
    let mut out = vec![(0, 0, 0); p.kpis.len()];
    for r in &run.employees {
        for l in last_lines(&r.kpis) {
            let Some(rule) = p.scorings.get(&p.kpis[l.kpi].scoring) else {
                continue;
            };
            let Some(lv) = level(rule, l) else { continue };
            let c = &mut out[l.kpi];
            c.0 += 1;
            c.1 += usize::from(lv == Level::Top);
            c.2 += usize::from(lv == Level::Bottom);
        }
    }
    out
}

/// Targets too easy or too hard.
pub(super) fn targets(f: &mut Finder, run: &RunResult) {
    let h = f.lp.policy.health.clone();
    for (k, (n, top, bottom)) in counts(f, run).into_iter().enumerate() {
        if n < h.min_people as usize || n == 0 {
            continue;
        }
        let id = f.lp.policy.kpis[k].id.clone();
        let at = [Seg::Key("kpis"), Seg::Index(k), Seg::Key("target")];
        if at_least(top, h.maxed_percent.0, n) {
            let p = pct(top, n);
            let text = (
                format!("KPI '{id}': {top} of {n} employees ({p}%) reach the top of its scoring rule (stretch); the target may be too easy"),
                format!("指标 '{id}'：{n} 人中 {top} 人（{p}%）达到计分规则的最高段（挑战值），目标可能过低"),
            );
            f.push(Kind::TargetTooEasy, &id, text, &at);
        }
        if at_least(bottom, h.missed_percent.0, n) {
            let p = pct(bottom, n);
            let text = (
                format!("KPI '{id}': {bottom} of {n} employees ({p}%) stay below its threshold; the target may be too hard"),
                format!("指标 '{id}'：{n} 人中 {bottom} 人（{p}%）未达到门槛值，目标可能过高"),
            );
            f.push(Kind::TargetTooHard, &id, text, &at);
        }
    }
}

/// Per KPI: how often each contribution (points) occurs, and each role's
/// number of lines; lines of zero weight left out.
type Tally<'a> = Vec<(HashMap<Decimal, usize>, BTreeMap<&'a str, usize>)>;

/// One parallel pass over the employees (12 M lines at 1 M employees):
/// hashing, not ordering, each contribution.
fn tally<'a>(kpis: usize, data: &'a Data, run: &RunResult) -> Tally<'a> {
    let empty = || vec![(HashMap::new(), BTreeMap::new()); kpis];
    run.employees
        .par_iter()
        .fold(empty, |mut t: Tally<'a>, r| {
            let role = data.employees[r.employee].role.as_str();
            for l in last_lines(&r.kpis).filter(|l| !l.weight.is_zero()) {
                let (values, roles) = &mut t[l.kpi];
                *values.entry(l.contribution).or_default() += 1;
                *roles.entry(role).or_default() += 1;
            }
            t
        })
        .reduce(empty, |mut a, b| {
            for ((va, ra), (vb, rb)) in a.iter_mut().zip(b) {
                vb.into_iter()
                    .for_each(|(v, c)| *va.entry(v).or_default() += c);
                rb.into_iter()
                    .for_each(|(r, c)| *ra.entry(r).or_default() += c);
            }
            a
        })
}

/// Per KPI, the lines whose contribution is at least `points` from `modes`.
fn moved(modes: &[Decimal], points: Decimal, run: &RunResult) -> Vec<usize> {
    let zero = || vec![0; modes.len()];
    run.employees
        .par_iter()
        .fold(zero, |mut n, r| {
            for l in last_lines(&r.kpis).filter(|l| !l.weight.is_zero()) {
                n[l.kpi] += usize::from((l.contribution - modes[l.kpi]).abs() >= points);
            }
            n
        })
        .reduce(zero, |a, b| a.iter().zip(b).map(|(x, y)| x + y).collect())
}

/// The most common key; the smallest among equals.
fn mode<K: Ord + Copy + Default>(counts: impl Iterator<Item = (K, usize)>) -> K {
    counts
        .fold((K::default(), 0), |best, (v, c)| {
            if c > best.1 || (c == best.1 && c > 0 && v < best.0) {
                (v, c)
            } else {
                best
            }
        })
        .0
}

/// Weights that move almost nobody's score: few contributions differ from
/// the most common one by the health threshold's points.
pub(super) fn weights(f: &mut Finder, data: &Data, run: &RunResult) {
    let h = f.lp.policy.health.clone();
    let tally = tally(f.lp.policy.kpis.len(), data, run);
    let modes: Vec<Decimal> = (tally.iter())
        .map(|(values, _)| mode(values.iter().map(|(v, c)| (*v, *c))))
        .collect();
    let moved = moved(&modes, h.weight_points.0, run);
    for (k, (values, by_role)) in tally.iter().enumerate() {
        let (n, common, moved) = (values.values().sum::<usize>(), modes[k], moved[k]);
        if n < h.min_people as usize || n == 0 {
            continue;
        }
        if at_least(moved, h.weight_moved_percent.0, n) {
            continue;
        }
        let role = mode(by_role.iter().map(|(r, c)| (*r, *c))).to_owned();
        let id = f.lp.policy.kpis[k].id.clone();
        let scripted =
            f.lp.policy
                .roles
                .get(&role)
                .is_some_and(|r| r.weights_script.is_some() && !r.weights.contains_key(&id));
        let last = if scripted {
            "weights_script"
        } else {
            "weights"
        };
        let mut at = vec![Seg::Key("roles"), Seg::Key(&role), Seg::Key(last)];
        if !scripted {
            at.push(Seg::Key(&id));
        }
        let (p, w) = (pct(moved, n), h.weight_points.0.normalize());
        let text = (
            format!("KPI '{id}': its weight moves the score of {moved} of {n} employees ({p}%) by {w} point or more from the most common contribution ({}); it moves almost nobody's pay", common.normalize()),
            format!("指标 '{id}'：其权重仅使 {n} 人中 {moved} 人（{p}%）的得分偏离最常见贡献值（{}）{w} 分以上，几乎不影响奖金", common.normalize()),
        );
        f.push(Kind::WeightMovesNobody, &id, text, &at);
    }
}

#[cfg(test)]
mod tests {
    use super::mode;
    use rust_decimal::Decimal;

    #[test]
    fn the_mode_is_the_most_common_and_the_smallest_among_equals() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // Hash order must not matter: ties go to the smallest value.
        let counts = [(d("3.5"), 2), (d("1.25"), 2), (d("9"), 1)];
        assert_eq!(mode(counts.into_iter()), d("1.25"));
        assert_eq!(mode(counts.into_iter().rev()), d("1.25"));
        assert_eq!(mode([(d("9"), 3), (d("1"), 2)].into_iter()), d("9"));
        assert_eq!(mode([("b", 1), ("a", 1)].into_iter()), "a");
        assert_eq!(mode(std::iter::empty::<(Decimal, usize)>()), Decimal::ZERO);
    }
}
