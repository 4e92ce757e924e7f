//! Stage: bonus gates — a KPI's actual or achievement that must be met for
//! any bonus to be paid (the bonus is then zero, and the gate says why).

use super::KpiEval;

/// Why the bonus is shut, if a gate is not met; `evals` gives the
/// employee's evaluation of a KPI by index.
pub(super) fn check<'a>(
    policy: &crate::policy::Policy,
    evals: &dyn Fn(usize) -> Option<&'a KpiEval>,
) -> Option<String> {
    for g in &policy.bonus.gates {
        let k = policy.kpis.iter().position(|x| x.id == g.kpi)?;
        let ev = evals(k)?;
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
    }
    None
}
