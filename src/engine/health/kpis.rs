//! Findings per KPI: a target almost everyone beats to the top of the
//! scoring rule (too easy) or leaves below its bottom (too hard), and a
//! weight that moves almost nobody's score.

use super::{at_least, last_lines, pct, Finder, Kind};
use crate::data::Data;
use crate::engine::{KpiLine, RunResult};
use crate::policy::locate::Seg;
use crate::policy::{Scoring, TierMode};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

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

/// Per KPI, each employee's role and contribution (points).
fn contributions<'a>(f: &Finder, data: &'a Data, run: &RunResult) -> Vec<Vec<(&'a str, Decimal)>> {
    let mut out = vec![Vec::new(); f.lp.policy.kpis.len()];
    for r in &run.employees {
        let role = data.employees[r.employee].role.as_str();
        for l in last_lines(&r.kpis).filter(|l| !l.weight.is_zero()) {
            out[l.kpi].push((role, l.contribution));
        }
    }
    out
}

/// Weights that move almost nobody's score: few contributions differ from
/// the most common one by the health threshold's points.
pub(super) fn weights(f: &mut Finder, data: &Data, run: &RunResult) {
    let h = f.lp.policy.health.clone();
    for (k, lines) in contributions(f, data, run).into_iter().enumerate() {
        let n = lines.len();
        if n < h.min_people as usize || n == 0 {
            continue;
        }
        let mut by_value: BTreeMap<Decimal, usize> = BTreeMap::new();
        let mut by_role: BTreeMap<&str, usize> = BTreeMap::new();
        for (role, c) in &lines {
            *by_value.entry(*c).or_default() += 1;
            *by_role.entry(role).or_default() += 1;
        }
        // The most common contribution; the smallest among equals.
        let (mode, _) = (by_value.iter()).fold((Decimal::ZERO, 0), |best, (v, c)| {
            if *c > best.1 {
                (*v, *c)
            } else {
                best
            }
        });
        let moved = (lines.iter())
            .filter(|(_, c)| (*c - mode).abs() >= h.weight_points.0)
            .count();
        if at_least(moved, h.weight_moved_percent.0, n) {
            continue;
        }
        let role = (by_role.iter())
            .fold(
                ("", 0),
                |best, (r, c)| if *c > best.1 { (*r, *c) } else { best },
            )
            .0
            .to_owned();
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
            format!("KPI '{id}': its weight moves the score of {moved} of {n} employees ({p}%) by {w} point or more from the most common contribution ({}); it moves almost nobody's pay", mode.normalize()),
            format!("指标 '{id}'：其权重仅使 {n} 人中 {moved} 人（{p}%）的得分偏离最常见贡献值（{}）{w} 分以上，几乎不影响奖金", mode.normalize()),
        );
        f.push(Kind::WeightMovesNobody, &id, text, &at);
    }
}
