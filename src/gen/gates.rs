//! Bonus gates in generated data. Left alone, the drawn metrics may sit on
//! either side of a gate's fixed bound (the customer-service complaint rate
//! never reached its 5% gate), so each gate KPI's monthly values are moved:
//! most subjects' months onto the open side, a few employees' onto the shut
//! side. Every month is moved on its own, so the KPI's actual over any
//! period (a mean, a ratio of sums, a max, …) lands on the same side.

use super::rng::Rng;
use super::values::{scope_index, target_factor, Levels};
use super::{Model, S_GATES};
use crate::policy::{Aggregate, Direction, Gate, TargetSource};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Values and bounds are compared in billionths, as integers.
const NANO: i128 = 1_000_000_000;

/// Employees (per mille) whose months shut each individual gate.
const SHUT_PER_MILLE: u64 = 40;

/// A bound on a gate KPI's monthly value.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// A value, in billionths.
    Abs(i128),
    /// Millionths of the subject's generated target (an achievement bound
    /// on a KPI whose target is not fixed).
    Rel(i128),
}

/// A gate as bounds on its KPI's monthly value.
#[derive(Debug)]
pub(super) struct GateModel {
    kpi: usize,
    scope: usize,
    /// The metric moved (a ratio's numerator) and a ratio's denominator.
    metric: usize,
    den: Option<usize>,
    /// Open when the value is at least `lo` and below `hi`.
    lo: Option<Bound>,
    hi: Option<Bound>,
    /// A sum grows with the period: an absolute upper bound must hold over
    /// a year, a lower one over a month.
    sum: bool,
}

/// One subject's months kept within `lo ..= hi` (billionths), which is the
/// open side of a gate or, for a shut employee, one shut side.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    metric: usize,
    den: Option<usize>,
    lo: Option<i128>,
    hi: Option<i128>,
}

fn nano(d: Decimal) -> Option<i128> {
    d.checked_mul(Decimal::from(NANO as i64))?.trunc().to_i128()
}

/// The policy's gates that the generator can shape.
pub(super) fn gate_models(m: &Model) -> Vec<GateModel> {
    let p = &m.lp.policy;
    p.bonus
        .gates
        .iter()
        .filter_map(|g| {
            let k = p.kpis.iter().position(|k| k.id == g.kpi)?;
            gate_model(m, g, k)
        })
        .collect()
}

fn gate_model(m: &Model, g: &Gate, k: usize) -> Option<GateModel> {
    let kpi = &m.lp.policy.kpis[k];
    let ms = &m.kpi_metrics[k];
    let mut lo = g.min_actual.and_then(|d| nano(d.0)).map(Bound::Abs);
    let mut hi = g.below_actual.and_then(|d| nano(d.0)).map(Bound::Abs);
    if let Some(x) = g
        .min_achievement
        .map(|d| d.0)
        .filter(|x| x.is_sign_positive())
    {
        // Achievement x of target T: actual ≥ x·T, or ≤ (2 − x)·T when lower is better.
        let (higher, fixed) = (
            kpi.direction == Direction::Higher,
            match &kpi.target {
                TargetSource::Fixed(t) => Some(t.0),
                _ => None,
            },
        );
        let factor = if higher { x } else { Decimal::TWO - x };
        let bound = match fixed {
            Some(t) => Bound::Abs(nano(t.checked_mul(factor)?)?),
            None => Bound::Rel(factor.checked_mul(Decimal::from(1_000_000))?.to_i128()?),
        };
        if higher {
            lo = Some(tighter(lo, bound, true));
        } else {
            hi = Some(tighter(hi, bound, false));
        }
    }
    if lo.is_none() && hi.is_none() {
        return None;
    }
    Some(GateModel {
        kpi: k,
        scope: scope_index(kpi.scope),
        metric: ms[0],
        den: ms.get(1).copied(),
        lo,
        hi,
        sum: matches!(kpi.aggregate, Aggregate::Sum(_)),
    })
}

/// Of two bounds the stricter when both are absolute, else the new one.
fn tighter(old: Option<Bound>, new: Bound, lower: bool) -> Bound {
    match (old, new) {
        (Some(Bound::Abs(a)), Bound::Abs(b)) => Bound::Abs(if lower { a.max(b) } else { a.min(b) }),
        _ => new,
    }
}

impl Model<'_> {
    /// An employee's shapes: open for most, shut for a few, per gate.
    pub(super) fn employee_shapes(&self, i: usize, lv: &Levels) -> Vec<Shape> {
        let mut r = Rng::stream(self.cfg.seed, S_GATES, i as u64);
        let mut out = Vec::new();
        for g in self.gates.iter().filter(|g| g.scope == 0) {
            // Always three draws, so one gate's outcome does not move another's.
            let shut = r.chance(SHUT_PER_MILLE);
            let (under, over) = (r.range(500, 800), r.range(1200, 1600));
            out.push(if shut {
                self.shut_shape(g, lv, under, over)
            } else {
                self.open_shape(g, lv)
            });
        }
        out
    }

    /// A team subject's shapes: team gates stay open (shutting one would
    /// shut a whole department, far more than a few percent).
    pub(super) fn team_shapes(&self, scope: usize, lv: &Levels) -> Vec<Shape> {
        self.gates
            .iter()
            .filter(|g| g.scope == scope)
            .map(|g| self.open_shape(g, lv))
            .collect()
    }

    fn resolve(&self, g: &GateModel, b: Bound, lv: &Levels) -> i128 {
        match b {
            Bound::Abs(v) => v,
            Bound::Rel(millionths) => {
                let (up, down) = target_factor(self.lp.policy.kpis[g.kpi].direction);
                let (v, places) = self.level(g.kpi, lv, 1);
                let level = i128::from(v) * NANO / 10i128.pow(places);
                level * i128::from(up) / i128::from(down) * millionths / 1_000_000
            }
        }
    }

    /// Bounds with a 2% margin, so rounding the actual cannot cross them.
    fn open_shape(&self, g: &GateModel, lv: &Levels) -> Shape {
        let year = if g.sum && matches!(g.hi, Some(Bound::Abs(_))) {
            12
        } else {
            1
        };
        Shape {
            metric: g.metric,
            den: g.den,
            lo: g.lo.map(|b| self.resolve(g, b, lv) * 102 / 100),
            hi: g.hi.map(|b| self.resolve(g, b, lv) * 98 / 100 / year),
        }
    }

    /// Below the lower bound (`under` per mille of it), else above the
    /// upper one (`over` per mille).
    fn shut_shape(&self, g: &GateModel, lv: &Levels, under: i64, over: i64) -> Shape {
        let (mut lo, mut hi) = (None, None);
        if let Some(b) = g.lo {
            let month = if g.sum && matches!(b, Bound::Abs(_)) {
                12
            } else {
                1
            };
            hi = Some(self.resolve(g, b, lv) * i128::from(under) / 1000 / month);
        } else if let Some(b) = g.hi {
            lo = Some(self.resolve(g, b, lv) * i128::from(over) / 1000);
        }
        Shape {
            metric: g.metric,
            den: g.den,
            lo,
            hi,
        }
    }
}

impl Shape {
    /// Moves this month's value of the shaped metric into `lo ..= hi`.
    pub(super) fn apply(&self, m: &Model, out: &mut [i64]) {
        let mm = &m.metrics[self.metric];
        let p = 10i128.pow(mm.places);
        // value in billionths = x · a ÷ b, so x = value · b ÷ a
        let (a, b) = match self.den {
            Some(d) if out[d] <= 0 => return,
            Some(d) => (
                10i128.pow(m.metrics[d].places) * NANO,
                i128::from(out[d]) * p,
            ),
            None => (NANO, p),
        };
        let x = i128::from(out[self.metric]);
        let mut y = x;
        if let Some(lo) = self.lo {
            if let Some(need) = lo.checked_mul(b) {
                if x * a < need {
                    y = (need + a - 1).div_euclid(a);
                }
            }
        }
        if let Some(hi) = self.hi {
            if let Some(limit) = hi.checked_mul(b) {
                if x * a > limit {
                    y = limit.div_euclid(a);
                }
            }
        }
        let y = i64::try_from(y.max(0)).unwrap_or(i64::MAX);
        out[self.metric] = mm.cap.map_or(y, |c| y.min(c));
    }
}
