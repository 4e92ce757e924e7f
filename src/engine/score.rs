//! Stage: achievement → score. Achievement compares the actual with the
//! target in the KPI's direction; the scoring rule maps it to a score.

use crate::decimal::round_fixed;
use crate::exact::div_round;
use crate::policy::{Curve, Direction, Rounding, Scoring, TierMode, Tiers};
use rust_decimal::Decimal;

/// `higher`: actual ÷ target. `lower`: 2 − actual ÷ target, so reaching the
/// target is 1, half the target 1.5 and zero 2. Never below 0. Rounded once
/// from the exact quotient to `achievement_places`. `None` when the target is
/// zero or the quotient does not fit a decimal.
pub fn achievement(
    actual: Decimal,
    target: Decimal,
    direction: Direction,
    r: &Rounding,
) -> Option<Decimal> {
    // 2 − a ÷ t = (2t − a) ÷ t: one division either way.
    let numerator = match direction {
        Direction::Higher => actual,
        Direction::Lower => target.checked_mul(Decimal::TWO)?.checked_sub(actual)?,
    };
    if target.is_zero() {
        return None;
    }
    let places = r.achievement_places;
    let a = div_round(numerator, target, places, r.mode)?;
    Some(if a.is_sign_negative() {
        round_fixed(Decimal::ZERO, places, r.mode)
    } else {
        a
    })
}

/// Which part of the scoring rule produced a score (for statements and explain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    BelowThreshold,
    ThresholdToTarget,
    TargetToStretch,
    AboveStretch,
    Capped,
    /// Step tier (0-based index) the achievement fell in. (`u32`, not
    /// `usize`: one per KPI line, 12 M lines at 1 M employees.)
    Tier(u32),
    /// Between point i and i + 1 of a `points` curve (0-based).
    Between(u32),
    /// Below the first point of a `points` curve.
    BelowFirst,
    /// At or above the last point of a `points` curve.
    AboveLast,
    Script,
}

impl Segment {
    /// Borrowed text for all but tiers: scores.csv writes one per KPI line.
    pub fn describe(self) -> std::borrow::Cow<'static, str> {
        match self {
            Segment::BelowThreshold => "below threshold".into(),
            Segment::ThresholdToTarget => "threshold to target".into(),
            Segment::TargetToStretch => "target to stretch".into(),
            Segment::AboveStretch => "above stretch".into(),
            Segment::Capped => "capped".into(),
            Segment::Tier(i) => format!("tier {}", i + 1).into(),
            Segment::Between(i) => format!("points {} to {}", i + 1, i + 2).into(),
            Segment::BelowFirst => "below the first point".into(),
            Segment::AboveLast => "from the last point".into(),
            Segment::Script => "script".into(),
        }
    }
}

/// The score of a curve or tier rule, rounded to `score_places`; `None`
/// for a script rule, which the engine evaluates.
pub fn score(rule: &Scoring, achievement: Decimal, r: &Rounding) -> Option<(Decimal, Segment)> {
    points_score(rule, achievement, None, r)
}

/// [`score`], with points placed at `xs` (on the actual or by an
/// employee's inputs) when given.
pub fn points_score(
    rule: &Scoring,
    achievement: Decimal,
    xs: Option<(&[Decimal], Decimal)>,
    r: &Rounding,
) -> Option<(Decimal, Segment)> {
    let (raw, seg) = match rule {
        Scoring::Curve(c) => curve(c, achievement),
        Scoring::Tiers(t) => tiers(t, achievement),
        Scoring::Points(p) => {
            // Exact between the points, rounded once.
            let (v, seg) = match xs {
                Some((xs, value)) => crate::policy::curve::at(p, &|i| xs[i], value),
                None => crate::policy::curve::at_fixed(p, achievement),
            };
            let seg = match seg {
                Ok(i) => Segment::Between(i as u32),
                Err(true) => Segment::BelowFirst,
                Err(false) => Segment::AboveLast,
            };
            // Between two decimal scores, so it fits; saturated if not.
            let s = v
                .round(r.score_places, r.mode)
                .unwrap_or_else(|| v.approx());
            return Some((s, seg));
        }
        Scoring::Script(_) => return None,
    };
    Some((round_fixed(raw, r.score_places, r.mode), seg))
}

/// Validation guarantees contiguous half-open tiers from 0 with an open last
/// tier, and a mode.
fn tiers(t: &Tiers, a: Decimal) -> (Decimal, Segment) {
    let idx = t.steps.iter().rposition(|s| a >= s.from.0).unwrap_or(0);
    let raw = match t.mode.unwrap_or(TierMode::WholeAmount) {
        TierMode::WholeAmount => t.steps[idx].score.map_or(Decimal::ZERO, |s| s.0),
        TierMode::Marginal => t.steps[..=idx]
            .iter()
            .map(|s| {
                let upper = s.to.map_or(a, |to| a.min(to.0));
                s.rate.map_or(Decimal::ZERO, |r| r.0) * (upper - s.from.0).max(Decimal::ZERO)
            })
            .sum(),
    };
    match t.cap {
        Some(cap) if raw > cap.0 => (cap.0, Segment::Capped),
        _ => (raw, Segment::Tier(idx as u32)),
    }
}

fn lerp(x: Decimal, (x0, y0): (Decimal, Decimal), (x1, y1): (Decimal, Decimal)) -> Decimal {
    // Validation guarantees x1 > x0.
    y0 + (x - x0) * (y1 - y0) / (x1 - x0)
}

fn curve(c: &Curve, a: Decimal) -> (Decimal, Segment) {
    let t = (c.threshold.achievement.0, c.threshold.score.0);
    let g = (c.target.achievement.0, c.target.score.0);
    let s = (c.stretch.achievement.0, c.stretch.score.0);
    if a < t.0 {
        (c.below_threshold.0, Segment::BelowThreshold)
    } else if a <= g.0 {
        (lerp(a, t, g), Segment::ThresholdToTarget)
    } else if a <= s.0 {
        (lerp(a, g, s), Segment::TargetToStretch)
    } else {
        match c.cap {
            None => (s.1, Segment::Capped),
            Some(cap) => {
                let v = lerp(a, g, s);
                if v >= cap.0 {
                    (cap.0, Segment::Capped)
                } else {
                    (v, Segment::AboveStretch)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Dec;
    use crate::policy::CurvePoint;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn pt(a: &str, s: &str) -> CurvePoint {
        CurvePoint {
            achievement: Dec(d(a)),
            score: Dec(d(s)),
        }
    }

    #[test]
    fn lower_is_better_scores_higher_when_lower() {
        let r = Rounding::default();
        // complaint rate target 2%: 1% is 1.5, 3% is 0.5, 5% floors at 0
        assert_eq!(
            achievement(d("0.01"), d("0.02"), Direction::Lower, &r),
            Some(d("1.5000"))
        );
        assert_eq!(
            achievement(d("0.03"), d("0.02"), Direction::Lower, &r),
            Some(d("0.5000"))
        );
        assert_eq!(
            achievement(d("0.05"), d("0.02"), Direction::Lower, &r),
            Some(d("0.0000"))
        );
        assert_eq!(
            achievement(d("0.03"), d("0.02"), Direction::Higher, &r),
            Some(d("1.5000"))
        );
        assert_eq!(achievement(d("1"), d("0"), Direction::Higher, &r), None);
    }

    #[test]
    fn curve_segments() {
        let r = Rounding::default();
        let c = Scoring::Curve(Curve {
            threshold: pt("0.8", "60"),
            target: pt("1", "100"),
            stretch: pt("1.2", "130"),
            below_threshold: Dec(d("0")),
            cap: Some(Dec(d("150"))),
        });
        let s = |a: &str| score(&c, d(a), &r).unwrap();
        assert_eq!(s("0.79"), (d("0.00"), Segment::BelowThreshold));
        assert_eq!(s("0.8"), (d("60.00"), Segment::ThresholdToTarget));
        assert_eq!(s("0.9"), (d("80.00"), Segment::ThresholdToTarget));
        assert_eq!(s("1.1"), (d("115.00"), Segment::TargetToStretch));
        assert_eq!(s("1.3"), (d("145.00"), Segment::AboveStretch));
        assert_eq!(s("2"), (d("150.00"), Segment::Capped));
        // 0.8333 → 60 + 0.0333 × 200 = 66.66
        assert_eq!(s("0.8333").0, d("66.66"));
    }

    fn tier(
        from: &str,
        to: Option<&str>,
        score: Option<&str>,
        rate: Option<&str>,
    ) -> crate::policy::Tier {
        crate::policy::Tier {
            from: Dec(d(from)),
            to: to.map(|t| Dec(d(t))),
            score: score.map(|t| Dec(d(t))),
            rate: rate.map(|t| Dec(d(t))),
        }
    }

    #[test]
    fn whole_amount_tiers_are_half_open() {
        let r = Rounding::default();
        let t = Scoring::Tiers(Tiers {
            mode: Some(TierMode::WholeAmount),
            steps: vec![
                tier("0", Some("0.8"), Some("0"), None),
                tier("0.8", Some("1"), Some("80"), None),
                tier("1", None, Some("100"), None),
            ],
            cap: None,
        });
        let s = |a: &str| score(&t, d(a), &r).unwrap();
        assert_eq!(s("0.7999"), (d("0.00"), Segment::Tier(0)));
        assert_eq!(s("0.8"), (d("80.00"), Segment::Tier(1)));
        assert_eq!(s("0.9999"), (d("80.00"), Segment::Tier(1)));
        assert_eq!(s("1"), (d("100.00"), Segment::Tier(2)));
        assert_eq!(s("3"), (d("100.00"), Segment::Tier(2)));
    }

    #[test]
    fn marginal_tiers_add_up_like_tax_brackets() {
        let r = Rounding::default();
        // 50 points per 1.0 achievement up to 0.8, 150 from 0.8 to 1.0, 100 above; cap 130.
        let t = Scoring::Tiers(Tiers {
            mode: Some(TierMode::Marginal),
            steps: vec![
                tier("0", Some("0.8"), None, Some("50")),
                tier("0.8", Some("1"), None, Some("150")),
                tier("1", None, None, Some("100")),
            ],
            cap: Some(Dec(d("130"))),
        });
        let s = |a: &str| score(&t, d(a), &r).unwrap();
        // 0.6 × 50 = 30
        assert_eq!(s("0.6"), (d("30.00"), Segment::Tier(0)));
        // 0.8 × 50 + 0.1 × 150 = 40 + 15 = 55
        assert_eq!(s("0.9"), (d("55.00"), Segment::Tier(1)));
        // 40 + 30 + 0.2 × 100 = 90
        assert_eq!(s("1.2"), (d("90.00"), Segment::Tier(2)));
        // 40 + 30 + 1.0 × 100 = 170 → cap 130
        assert_eq!(s("2"), (d("130.00"), Segment::Capped));
    }
}
