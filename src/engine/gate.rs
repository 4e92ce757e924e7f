//! Stage: bonus gates — a KPI's actual or achievement that must be met for
//! the full bonus. A shut gate stops the bonus, or with `pay_percent` keeps
//! that percent of the formula; the shut gates say why.

use super::KpiEval;
use crate::exact::{Exact, Num};
use crate::policy::{Gate, Policy};
use rust_decimal::Decimal;

/// What the shut gates of one employee (one period) do to the bonus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shut {
    /// Why: one clause per shut gate, `; ` between.
    pub why: String,
    /// `None`: a full gate is shut, the bonus is zero. Otherwise the
    /// percents of the shut partial gates, in policy order.
    pub pay: Option<Vec<Decimal>>,
}

impl Shut {
    /// The share of the formula kept, exact: 0 for a full gate.
    pub fn factor(&self) -> Exact {
        match &self.pay {
            None => Exact::from(Decimal::ZERO),
            Some(ps) => ps.iter().fold(Exact::from(Decimal::ONE), |a, p| {
                a * Exact::from(*p) / Exact::from(Decimal::ONE_HUNDRED)
            }),
        }
    }
}

/// The formula × the percents of the shut partial gates, exact.
pub fn reduce(formula: &Num, percents: &[Decimal]) -> Num {
    let factor = Shut {
        why: String::new(),
        pay: Some(percents.to_vec()),
    }
    .factor();
    Num::Exact(formula.exact() * factor).simplified()
}

/// The shut gates, if any; `evals` gives the employee's evaluation of a KPI
/// by index. A shut full gate wins at once (its clause alone is given).
pub(super) fn check<'a>(
    policy: &Policy,
    evals: &dyn Fn(usize) -> Option<&'a KpiEval>,
) -> Option<Shut> {
    let mut clauses = Vec::new();
    let mut percents = Vec::new();
    for g in &policy.bonus.gates {
        let k = policy.kpis.iter().position(|x| x.id == g.kpi)?;
        let Some(why) = shut(g, evals(k)?) else {
            continue;
        };
        match g.pay_percent.map(|p| p.0).filter(|p| !p.is_zero()) {
            None => return Some(Shut { why, pay: None }),
            Some(p) => {
                clauses.push(format!("{why} (pays {}%)", p.normalize()));
                percents.push(p);
            }
        }
    }
    (!clauses.is_empty()).then(|| Shut {
        why: clauses.join("; "),
        pay: Some(percents),
    })
}

/// Why gate `g` is shut for this evaluation, if it is.
fn shut(g: &Gate, ev: &KpiEval) -> Option<String> {
    if let Some(min) = g.min_actual {
        if ev.actual < min.0 {
            return Some(format!(
                "{} is {}, below the gate's minimum {}",
                g.kpi, ev.actual, min
            ));
        }
    }
    if let Some(below) = g.below_actual {
        if ev.actual >= below.0 {
            return Some(format!(
                "{} is {}, not below the gate's limit {}",
                g.kpi, ev.actual, below
            ));
        }
    }
    if let Some(min) = g.min_achievement {
        if ev.achievement < min.0 {
            return Some(format!(
                "{} achievement is {}, below the gate's minimum {}",
                g.kpi, ev.achievement, min
            ));
        }
    }
    None
}
