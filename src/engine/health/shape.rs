//! Findings about the plan's shape: scores piled at a curve's cap or floor,
//! departments whose bands (before calibration) break the forced
//! distribution, and pay that does not rise with the final score.

use super::tally::Tally;
use super::{at_least, pct, Finder, Kind};
use crate::data::Data;
use crate::engine::RunResult;
use crate::policy::locate::Seg;
use crate::policy::{KpiScope, Scoring};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Per `curve` rule: lines scored, at the cap (the cap, or the stretch score
/// without one), below the threshold (the floor).
pub(super) fn curves(f: &mut Finder, tally: &Tally) {
    let p = &f.lp.policy;
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (k, &[n, cap, floor]) in tally.curves.iter().enumerate() {
        if n > 0 {
            let e = counts.entry(p.kpis[k].scoring.as_str()).or_default();
            *e = (e.0 + n, e.1 + cap, e.2 + floor);
        }
    }
    let h = p.health.clone();
    let counts: Vec<(String, (usize, usize, usize))> =
        counts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    for (name, (n, cap, floor)) in counts {
        if n < h.min_people as usize {
            continue;
        }
        let Some(Scoring::Curve(c)) = f.lp.policy.scorings.get(&name).cloned() else {
            continue;
        };
        let base = [Seg::Key("scorings"), Seg::Key(&name), Seg::Key("curve")];
        if at_least(cap, h.cluster_percent.0, n) {
            let key = if c.cap.is_some() { "cap" } else { "stretch" };
            let p = pct(cap, n);
            let text = (
                format!("scoring '{name}': {cap} of {n} KPI scores ({p}%) sit at the curve's top score; the curve cannot tell them apart"),
                format!("计分规则 '{name}'：{n} 个指标得分中 {cap} 个（{p}%）处于曲线最高分，无法区分表现"),
            );
            f.push(
                Kind::ScoresAtCap,
                &name,
                text,
                &[base[0], base[1], base[2], Seg::Key(key)],
            );
        }
        if at_least(floor, h.cluster_percent.0, n) {
            let key = if c.below_threshold.0.is_zero() {
                "threshold"
            } else {
                "below_threshold"
            };
            let p = pct(floor, n);
            let text = (
                format!("scoring '{name}': {floor} of {n} KPI scores ({p}%) sit at the curve's floor (below its threshold)"),
                format!("计分规则 '{name}'：{n} 个指标得分中 {floor} 个（{p}%）处于曲线底部（低于门槛）"),
            );
            f.push(
                Kind::ScoresAtFloor,
                &name,
                text,
                &[base[0], base[1], base[2], Seg::Key(key)],
            );
        }
    }
}

/// Departments whose bands before calibration hold more people than the
/// forced distribution allows (its percent of the department, rounded down).
pub(super) fn distribution(f: &mut Finder, data: &Data, run: &RunResult) {
    let Some(cal) = f.lp.policy.calibration.clone() else {
        return;
    };
    let mut depts: BTreeMap<&str, (usize, BTreeMap<&str, usize>)> = BTreeMap::new();
    for r in &run.employees {
        let d = data.employees[r.employee].department.as_str();
        let band = r.calibrated_from.as_deref().unwrap_or(&r.band);
        let e = depts.entry(d).or_default();
        e.0 += 1;
        *e.1.entry(band).or_default() += 1;
    }
    let min = f.lp.policy.health.min_people as usize;
    for (dept, (n, bands)) in depts {
        if n < min {
            continue;
        }
        for (band, max) in &cal.max_percent {
            let have = bands.get(band.as_str()).copied().unwrap_or(0);
            let allowed = (max.0 * Decimal::from(n as u64) / Decimal::ONE_HUNDRED).floor();
            if Decimal::from(have as u64) <= allowed {
                continue;
            }
            let m = max.0.normalize();
            let how = match cal.scope {
                KpiScope::Department => ("calibration moves the excess down", "校准将超出部分下调"),
                _ => (
                    "calibration is company-wide and leaves it",
                    "公司级校准不调整该部门",
                ),
            };
            let text = (
                format!("department '{dept}': {have} of {n} employees score band {band} before calibration; the forced distribution allows at most {m}% ({allowed}); {}", how.0),
                format!("部门 '{dept}'：校准前 {n} 人中 {have} 人为 {band} 等级，强制分布最多允许 {m}%（{allowed} 人）；{}", how.1),
            );
            let at = [
                Seg::Key("calibration"),
                Seg::Key("max_percent"),
                Seg::Key(band),
            ];
            f.push(Kind::ForcedDistribution, dept, text, &at);
        }
    }
}

/// Fifths of the employees with a target bonus, by final score (ties by
/// id): (Σ score, people, Σ bonus, Σ target bonus) each.
fn fifths(run: &RunResult) -> Vec<(Decimal, usize, Decimal, Decimal)> {
    // Copied out of the results so the sort moves 48 bytes, not pointers
    // into a million scattered records.
    let mut people: Vec<(Decimal, Decimal, Decimal)> = (run.employees.par_iter())
        .filter(|r| r.target_bonus > Decimal::ZERO)
        .map(|r| (r.score, r.bonus, r.target_bonus))
        .collect();
    // Stable: equal scores keep employee id order.
    people.par_sort_by_key(|p| p.0);
    let n = people.len();
    (0..5)
        .map(|i| {
            let part = &people[i * n / 5..(i + 1) * n / 5];
            part.iter().fold(
                (Decimal::ZERO, part.len(), Decimal::ZERO, Decimal::ZERO),
                |a, p| (a.0 + p.0, a.1, a.2 + p.1, a.3 + p.2),
            )
        })
        .collect()
}

/// Pay for performance: the highest fifth by score must be paid
/// `pay_rise_points` of target bonus more than the lowest, and no fifth
/// `pay_drop_points` less than the one below it.
pub(super) fn pay(f: &mut Finder, run: &RunResult) {
    let h = f.lp.policy.health.clone();
    let parts = fifths(run);
    let n: usize = parts.iter().map(|p| p.1).sum();
    if n < (h.min_people as usize).max(5) {
        return;
    }
    let mean = |p: &(Decimal, usize, Decimal, Decimal)| p.0 / Decimal::from(p.1 as u64);
    // Scores that do not vary give pay nothing to follow.
    if mean(&parts[4]) <= mean(&parts[0]) {
        return;
    }
    let paid: Vec<Decimal> = (parts.iter())
        .map(|p| {
            crate::exact::div_round(
                p.2 * Decimal::ONE_HUNDRED,
                p.3,
                1,
                crate::decimal::RoundingMode::HalfUp,
            )
            .unwrap_or_default()
        })
        .collect();
    let shown = paid
        .iter()
        .map(|p| format!("{p}%"))
        .collect::<Vec<_>>()
        .join(", ");
    let at = bonus_key(f);
    let at: Vec<Seg> = at.into_iter().map(Seg::Key).collect();
    if paid[4] - paid[0] < h.pay_rise_points.0 {
        let text = (
            format!("pay does not rise with performance: the fifths of employees by score, lowest first, are paid {shown} of their target bonus; the highest fifth gets less than {} points more than the lowest", h.pay_rise_points.0.normalize()),
            format!("奖金未随绩效提高：按得分由低到高的五组员工分别获得目标奖金的 {shown}；最高组比最低组高不到 {} 个百分点", h.pay_rise_points.0.normalize()),
        );
        f.push(Kind::PayFlat, "bonus", text, &at);
    }
    if let Some(i) = (0..4).find(|&i| paid[i] - paid[i + 1] > h.pay_drop_points.0) {
        let text = (
            format!("pay falls as performance rises: the fifths of employees by score, lowest first, are paid {shown} of their target bonus; fifth {} is paid more than {} points less than fifth {}", i + 2, h.pay_drop_points.0.normalize(), i + 1),
            format!("奖金随绩效提高反而下降：按得分由低到高的五组员工分别获得目标奖金的 {shown}；第 {} 组比第 {} 组低 {} 个百分点以上", i + 2, i + 1, h.pay_drop_points.0.normalize()),
        );
        f.push(Kind::PayFalls, "bonus", text, &at);
    }
}

/// The key that makes the bonus: its script, matrix, or the section.
fn bonus_key(f: &Finder) -> Vec<&'static str> {
    let b = &f.lp.policy.bonus;
    if !b.script.is_empty() {
        vec!["bonus", "script"]
    } else if b.matrix.is_some() {
        vec!["bonus", "matrix"]
    } else {
        vec!["bonus"]
    }
}
