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

/// A curve through `points`, in order of their position.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Points {
    /// `{ achievement, score }` or `{ actual, score }` in order; two points
    /// at the same position make a jump (the second holds from there on).
    pub points: Vec<Point>,
    /// The score below the first point (default 0). Above the last point
    /// the last score holds.
    #[serde(default)]
    pub below: Dec,
}

/// One point: where it sits (an achievement, or an actual value in the
/// KPI's unit — a number or an employee's plan input) and its score.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// An achievement ratio (`1` is target).
    #[serde(default)]
    pub achievement: Option<Dec>,
    /// A value of the KPI's actual, e.g. money: `"50000"` or `{ input: NAME }`.
    #[serde(default)]
    pub actual: Option<At>,
    pub score: Dec,
}

/// A point's position on the actual: a number, or a plan input's value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum At {
    Value(Dec),
    Input(InputAt),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputAt {
    /// A `money`, `decimal` or `integer` input of the policy.
    pub input: String,
}

impl Point {
    /// The position when written as a number.
    pub fn fixed(&self) -> Option<Decimal> {
        match (&self.achievement, &self.actual) {
            (Some(a), _) => Some(a.0),
            (None, Some(At::Value(v))) => Some(v.0),
            _ => None,
        }
    }

    /// The input the position is read from, if any.
    pub fn input(&self) -> Option<&str> {
        match &self.actual {
            Some(At::Input(i)) => Some(&i.input),
            _ => None,
        }
    }
}

impl Points {
    /// The points sit on the KPI's actual, not its achievement.
    pub fn on_actual(&self) -> bool {
        self.points.first().is_some_and(|p| p.actual.is_some())
    }

    /// Some point is placed by an employee's input.
    pub fn reads_inputs(&self) -> bool {
        self.points.iter().any(|p| p.input().is_some())
    }

    /// Each point's position, inputs read by `input`; an error when one is
    /// missing or the positions are out of order for this employee.
    pub fn positions(
        &self,
        input: &dyn Fn(&str) -> Option<Decimal>,
    ) -> Result<Vec<Decimal>, String> {
        let xs = self
            .points
            .iter()
            .map(|p| match (p.fixed(), p.input()) {
                (Some(x), _) => Ok(x),
                (None, Some(name)) => input(name)
                    .ok_or_else(|| format!("the input '{name}' a point sits on is empty")),
                (None, None) => Err("a point has no position".to_owned()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if (1..xs.len()).any(|i| xs[i] < xs[i - 1]) || (2..xs.len()).any(|i| xs[i] == xs[i - 2]) {
            let shown: Vec<String> = xs.iter().map(|x| x.normalize().to_string()).collect();
            return Err(format!(
                "the points sit at {}, not in order (or three at one value)",
                shown.join(", ")
            ));
        }
        Ok(xs)
    }
}

/// The raw score at `a` for points at positions `x(i)`, and the segment:
/// `Ok(i)` between point i and i + 1 (0-based), `Err(true)` below the
/// first, `Err(false)` at or above the last. Exact.
pub fn at(
    p: &Points,
    x: &dyn Fn(usize) -> Decimal,
    a: Decimal,
) -> (crate::exact::Num, Result<usize, bool>) {
    use crate::exact::{Exact, Num};
    let pts = &p.points;
    // Positions are checked: at least two, never decreasing.
    if pts.is_empty() || a < x(0) {
        return (Num::Dec(p.below.0), Err(true));
    }
    let last = pts.len() - 1;
    // The last point at or below a: a jump's second point wins.
    let i = (0..pts.len()).rposition(|q| x(q) <= a).unwrap_or(0);
    if i == last {
        return (Num::Dec(pts[last].score.0), Err(false));
    }
    let (x0, y0) = (x(i), pts[i].score.0);
    let (x1, y1) = (x(i + 1), pts[i + 1].score.0);
    // i is the last point ≤ a, so x1 > a ≥ x0: no division by zero.
    // Exact: scores of opposite sign at any size must not overflow.
    let rise = (Exact::from(a) - Exact::from(x0)) * (Exact::from(y1) - Exact::from(y0))
        / (Exact::from(x1) - Exact::from(x0));
    (Num::Exact(rise + Exact::from(y0)).simplified(), Ok(i))
}

/// [`at`] for points written as numbers (achievements, or fixed actuals).
pub fn at_fixed(p: &Points, a: Decimal) -> (crate::exact::Num, Result<usize, bool>) {
    at(p, &|i| p.points[i].fixed().unwrap_or_default(), a)
}

/// At least two points, all on `achievement` or all on `actual`; fixed
/// positions never decrease, at most two share one; achievements not
/// below 0; inputs exist and are numbers.
pub(super) fn check(
    ctx: &Ctx,
    name: &str,
    p: &Points,
    inputs: &InputTypes,
    diags: &mut Diagnostics,
) {
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
    let on_actual = p.on_actual();
    for (i, q) in p.points.iter().enumerate() {
        if let Some(m) = point_problem(q, on_actual, inputs) {
            diags.push(ctx.error(&at(i), format!("points '{name}': {m}")));
        }
    }
    for (i, w) in p.points.windows(2).enumerate() {
        let (Some(a), Some(b)) = (w[0].fixed(), w[1].fixed()) else {
            continue;
        };
        let on = if on_actual { "actual" } else { "achievement" };
        if b < a {
            diags.push(ctx.error(
                &at(i + 1),
                format!("points '{name}': {on} {b} comes after {a}; list points in order of {on}"),
            ));
        }
        if i > 0 && b == a && p.points[i - 1].fixed() == Some(a) {
            diags.push(ctx.error(
                &at(i + 1),
                format!("points '{name}': three points at {on} {a}; a jump takes two"),
            ));
        }
    }
}

/// A plan input's id → whether it is a number (money, decimal, integer).
pub(super) type InputTypes = std::collections::BTreeMap<String, bool>;

pub(super) fn input_types(p: &super::Policy) -> InputTypes {
    use super::plan::InputType::*;
    p.inputs
        .iter()
        .map(|(id, i)| (id.clone(), matches!(i.kind, Money | Decimal | Integer)))
        .collect()
}

/// A department or company KPI has no employee whose input could place a
/// point: its scoring's points must be numbers.
pub(super) fn check_team_inputs(ctx: &Ctx, p: &super::Policy, diags: &mut Diagnostics) {
    use Seg::*;
    for (i, k) in p.kpis.iter().enumerate() {
        let reads = matches!(p.scorings.get(&k.scoring), Some(super::Scoring::Points(x)) if x.reads_inputs());
        if reads && k.scope != super::KpiScope::Individual {
            let m = format!("KPI '{}' is a team KPI, but its scoring '{}' places points by an employee's input; use numbers", k.id, k.scoring);
            diags.push(ctx.error(&[Key("kpis"), Index(i), Key("scoring")], m));
        }
    }
}

/// What is wrong with one point, if anything.
fn point_problem(q: &Point, on_actual: bool, inputs: &InputTypes) -> Option<String> {
    match (&q.achievement, &q.actual) {
        (Some(_), Some(_)) | (None, None) => {
            Some("a point takes exactly one of `achievement` and `actual`".into())
        }
        (Some(_), None) | (None, Some(_)) if on_actual != q.actual.is_some() => {
            Some("every point sits on `achievement` or every point on `actual`, not a mix".into())
        }
        (Some(a), None) if a.0.is_sign_negative() => Some("achievement is never below 0".into()),
        (None, Some(At::Input(i))) => match inputs.get(&i.input) {
            Some(true) => None,
            Some(false) => Some(format!(
                "input '{}' is not a number (money, decimal or integer)",
                i.input
            )),
            None => Some(format!(
                "'{}' is not declared under inputs{}",
                i.input,
                crate::error::hint(&i.input, inputs.keys().map(String::as_str))
            )),
        },
        _ => None,
    }
}

/// Whether points are not all fixed achievements, out of order, below 0
/// or three at one achievement (for a KPI modifier's curve).
pub(super) fn misplaced(points: &[Point]) -> bool {
    let a = |i: usize| points[i].achievement.map(|d| d.0);
    points
        .iter()
        .any(|p| p.achievement.is_none() || p.actual.is_some())
        || (1..points.len()).any(|i| a(i) < a(i - 1))
        || (2..points.len()).any(|i| a(i) == a(i - 2))
        || points
            .first()
            .is_some_and(|p| p.achievement.is_some_and(|a| a.0.is_sign_negative()))
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
