//! Stage: achievement → score. Achievement compares the actual with the
//! target in the KPI's direction; the scoring rule maps it to a score.

use crate::decimal::round_fixed;
use crate::policy::{Curve, Direction, Rounding, Scoring};
use rust_decimal::Decimal;

/// `higher`: actual ÷ target. `lower`: 2 − actual ÷ target, so reaching the
/// target is 1, half the target 1.5 and zero 2. Never below 0. Rounded to
/// `achievement_places`. `None` when the target is zero.
pub fn achievement(
    actual: Decimal,
    target: Decimal,
    direction: Direction,
    r: &Rounding,
) -> Option<Decimal> {
    let ratio = actual.checked_div(target)?;
    let a = match direction {
        Direction::Higher => ratio,
        Direction::Lower => Decimal::TWO - ratio,
    };
    Some(round_fixed(
        a.max(Decimal::ZERO),
        r.achievement_places,
        r.mode,
    ))
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
}

impl Segment {
    pub fn as_str(self) -> &'static str {
        match self {
            Segment::BelowThreshold => "below threshold",
            Segment::ThresholdToTarget => "threshold to target",
            Segment::TargetToStretch => "target to stretch",
            Segment::AboveStretch => "above stretch",
            Segment::Capped => "capped",
        }
    }
}

pub fn score(rule: &Scoring, achievement: Decimal, r: &Rounding) -> (Decimal, Segment) {
    let Scoring::Curve(c) = rule;
    let (raw, seg) = curve(c, achievement);
    (round_fixed(raw, r.score_places, r.mode), seg)
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
        assert_eq!(
            score(&c, d("0.79"), &r),
            (d("0.00"), Segment::BelowThreshold)
        );
        assert_eq!(
            score(&c, d("0.8"), &r),
            (d("60.00"), Segment::ThresholdToTarget)
        );
        assert_eq!(
            score(&c, d("0.9"), &r),
            (d("80.00"), Segment::ThresholdToTarget)
        );
        assert_eq!(
            score(&c, d("1.1"), &r),
            (d("115.00"), Segment::TargetToStretch)
        );
        assert_eq!(
            score(&c, d("1.3"), &r),
            (d("145.00"), Segment::AboveStretch)
        );
        assert_eq!(score(&c, d("2"), &r), (d("150.00"), Segment::Capped));
        // 0.8333 → 60 + 0.0333 × 200 = 66.66
        assert_eq!(score(&c, d("0.8333"), &r).0, d("66.66"));
    }
}
