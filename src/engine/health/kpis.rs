//! Findings per KPI: a target almost everyone beats to the top of the
//! scoring rule (too easy) or leaves below its bottom (too hard), and a
//! weight that moves almost nobody's score.

use super::tally::{Tally, Values};
use super::{at_least, pct, Finder, Kind};
use crate::policy::locate::Seg;
use rust_decimal::Decimal;

/// Targets too easy or too hard.
pub(super) fn targets(f: &mut Finder, tally: &Tally) {
    let h = f.lp.policy.health.clone();
    for (k, &[n, top, bottom]) in tally.levels.iter().enumerate() {
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

/// Per KPI, the lines whose contribution is at least `points` from `modes`.
fn moved(modes: &[Decimal], points: Decimal, values: &[Values]) -> Vec<usize> {
    (values.iter().zip(modes))
        .map(|(values, &mode)| {
            (values.iter())
                .filter(|(v, _)| (**v - mode).abs() >= points)
                .map(|(_, c)| c)
                .sum()
        })
        .collect()
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
pub(super) fn weights(f: &mut Finder, tally: &Tally) {
    let h = f.lp.policy.health.clone();
    let values = &tally.values;
    let modes: Vec<Decimal> = (values.iter())
        .map(|values| mode(values.iter().map(|(v, c)| (*v, *c))))
        .collect();
    let moved = moved(&modes, h.weight_points.0, values);
    let roles: Vec<&str> = f.lp.policy.roles.keys().map(String::as_str).collect();
    for (k, (values, by_role)) in values.iter().zip(&tally.roles).enumerate() {
        let (n, common, moved) = (values.values().sum::<usize>(), modes[k], moved[k]);
        if n < h.min_people as usize || n == 0 {
            continue;
        }
        if at_least(moved, h.weight_moved_percent.0, n) {
            continue;
        }
        let role = mode(roles.iter().zip(by_role).map(|(r, c)| (*r, *c))).to_owned();
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
