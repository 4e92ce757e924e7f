//! `points:` scoring — a curve of any shape: any number of points, linear
//! between them, a jump where two points share an achievement
//! (docs/policy.md, `points`).

use super::locate::Seg;
use super::validate::Ctx;
use crate::decimal::Dec;
use crate::error::Diagnostics;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Deserialize;

/// A curve through `points`, in order of achievement.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Points {
    /// `{ achievement, score }` in order; two points at the same achievement
    /// make a jump (the second holds from that achievement on).
    pub points: Vec<super::model::CurvePoint>,
    /// The score below the first point (default 0). Above the last point
    /// the last score holds.
    #[serde(default)]
    pub below: Dec,
}

/// The raw score at achievement `a` and the segment: `Ok(i)` between point
/// i and i + 1 (0-based), `Err(true)` below the first, `Err(false)` at or
/// above the last. Exact: one division, rounded by the caller's rounding
/// of `mul_div`.
pub fn at(p: &Points, a: Decimal) -> (crate::exact::Num, Result<usize, bool>) {
    use crate::exact::Num;
    let pts = &p.points;
    // `check` guarantees at least two points, achievements not decreasing.
    if pts.is_empty() || a < pts[0].achievement.0 {
        return (Num::Dec(p.below.0), Err(true));
    }
    let last = pts.len() - 1;
    // The last point whose achievement is ≤ a: a jump's second point wins.
    let i = pts.iter().rposition(|q| q.achievement.0 <= a).unwrap_or(0);
    if i == last {
        return (Num::Dec(pts[last].score.0), Err(false));
    }
    let (x0, y0) = (pts[i].achievement.0, pts[i].score.0);
    let (x1, y1) = (pts[i + 1].achievement.0, pts[i + 1].score.0);
    // i is the last point ≤ a, so x1 > a ≥ x0: no division by zero.
    // Exact: scores of opposite sign at any size must not overflow.
    use crate::exact::Exact;
    let rise = (Exact::from(a) - Exact::from(x0)) * (Exact::from(y1) - Exact::from(y0))
        / (Exact::from(x1) - Exact::from(x0));
    (
        Num::Exact(rise + crate::exact::Exact::from(y0)).simplified(),
        Ok(i),
    )
}

/// At least two points; achievements never decrease; at most two points
/// share one achievement.
pub(super) fn check(ctx: &Ctx, name: &str, p: &Points, diags: &mut Diagnostics) {
    use Seg::*;
    let at = |i: usize| {
        [
            Key("scorings"),
            Key(name),
            Key("points"),
            Key("points"),
            Index(i),
        ]
    };
    if p.points.len() < 2 {
        let here = [Key("scorings"), Key(name), Key("points"), Key("points")];
        diags.push(ctx.error(&here, format!("points '{name}' need at least two points")));
        return;
    }
    for (i, w) in p.points.windows(2).enumerate() {
        let (a, b) = (w[0].achievement.0, w[1].achievement.0);
        if b < a {
            diags.push(ctx.error(&at(i + 1), format!("points '{name}': achievement {b} comes after {a}; list points in order of achievement")));
        }
        if i > 0 && b == a && p.points[i - 1].achievement.0 == a {
            diags.push(ctx.error(
                &at(i + 1),
                format!("points '{name}': three points at achievement {a}; a jump takes two"),
            ));
        }
    }
    if p.points[0].achievement.0.is_sign_negative() {
        diags.push(ctx.error(
            &at(0),
            format!("points '{name}': achievement is never below 0"),
        ));
    }
}

/// Whether points are out of order, below 0 or three at one achievement
/// (the rules [`check`] reports one by one).
pub(super) fn misplaced(points: &[super::model::CurvePoint]) -> bool {
    let a = |i: usize| points[i].achievement.0;
    (1..points.len()).any(|i| a(i) < a(i - 1))
        || (2..points.len()).any(|i| a(i) == a(i - 2))
        || points
            .first()
            .is_some_and(|p| p.achievement.0.is_sign_negative())
}

/// Half-open `[from, to)` steps: the first from 0, each `to` the next
/// `from`, bounds increasing, only the last open-ended. `at` locates the
/// steps list; `what` names the table in messages.
pub(super) fn step_bounds(
    ctx: &Ctx,
    at: &[Seg],
    what: &str,
    steps: &[(Dec, Option<Dec>)],
    diags: &mut Diagnostics,
) {
    use Seg::*;
    let step = |i: usize| -> Vec<Seg> { at.iter().copied().chain([Index(i)]).collect() };
    let last = steps.len().saturating_sub(1);
    for (i, &(from, to)) in steps.iter().enumerate() {
        let here = step(i);
        if i == 0 && !from.0.is_zero() {
            diags.push(ctx.error(&here, format!("{what}: the first tier must start at 0, not {from} (achievements below it would have no tier)")));
        }
        match (to, i == last) {
            (None, false) => diags.push(ctx.error(&here, format!("{what}: tier {} needs `to` (only the last tier is open-ended)", i + 1))),
            (Some(to), true) => diags.push(ctx.error(&here, format!("{what}: the last tier must be open-ended; remove `to: {to}` or add a tier from {to}"))),
            (Some(to), false) => {
                if to.0 <= from.0 {
                    diags.push(ctx.error(&here, format!("{what}: tier {} runs from {from} to {to}; breakpoints must increase", i + 1)));
                }
                let next = steps[i + 1].0;
                if next.0 > to.0 {
                    diags.push(ctx.error(&step(i + 1), format!("{what}: gap between {to} and {next} (ranges are half-open [from, to))")));
                } else if next.0 < to.0 {
                    diags.push(ctx.error(&step(i + 1), format!("{what}: tier {} starts at {next} inside the previous tier [{from}, {to})", i + 2)));
                }
            }
            (None, true) => {}
        }
    }
}
