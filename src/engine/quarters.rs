//! Stage: a year scored from its quarters (`evaluation.year_from_quarters`):
//! each quarter evaluated with its own targets and ratings, the final score
//! the weighted quarter scores divided once by the weights of the quarters
//! the person was employed in.

use super::gate::Shut;
use super::scorecard::{self, Scored};
use super::{blend, bonus, ReviewUse};
use crate::data::Data;
use crate::error::Result;
use crate::exact::{Exact, Num};
use crate::period::Period;
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// A year scored as the weighted sum of its quarters' final scores; people
/// employed in only some quarters have the weights of those re-normalised.
pub(super) fn evaluate(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    (eligible, all): (&[usize], &[usize]),
    weights: &[crate::decimal::Dec],
    cache: &scorecard::AggCache,
) -> Result<Vec<Scored>> {
    let policy = &lp.policy;
    let mut per_quarter: Vec<(Period, Decimal, HashMap<usize, Scored>)> = Vec::new();
    for (q, w) in period.quarters().into_iter().zip(weights) {
        // A span is scored on the whole period's quarters, as the employee.
        let in_q = |of: &[usize]| -> Vec<usize> {
            let employed = |i: &usize| bonus::days_employed(&data.employees[*i], &q) > 0;
            of.iter().copied().filter(employed).collect()
        };
        let ix = per_quarter.len() as u8 + 1;
        let (scored, _) =
            scorecard::evaluate(lp, data, &q, ix, (&in_q(eligible), &in_q(all)), cache)?;
        per_quarter.push((
            q,
            w.0,
            scored.into_iter().map(|s| (s.employee, s)).collect(),
        ));
    }
    Ok(eligible
        .iter()
        .map(|&i| {
            let present: Vec<&(Period, Decimal, HashMap<usize, Scored>)> = per_quarter
                .iter()
                .filter(|(_, _, m)| m.contains_key(&i))
                .collect();
            let total_w: Decimal = present.iter().map(|(_, w, _)| *w).sum();
            let mut kpis = Vec::new();
            let mut quarter_scores = Vec::new();
            // Σ quarter score × weight, divided once by the weights present.
            let mut weighted = Decimal::ZERO;
            for (q, w, m) in &present {
                let s = &m[&i];
                let share = if total_w.is_zero() {
                    Decimal::ZERO
                } else {
                    *w / total_w
                };
                weighted += s.score * *w;
                quarter_scores.push((q.label.clone(), s.score, share * Decimal::ONE_HUNDRED));
                kpis.extend(s.kpis.iter().cloned().map(|mut l| {
                    l.contribution *= share;
                    l
                }));
            }
            let score = if total_w.is_zero() {
                crate::decimal::round_fixed(
                    Decimal::ZERO,
                    policy.rounding.score_places,
                    policy.rounding.mode,
                )
            } else {
                Num::mul_div(weighted, Decimal::ONE, total_w)
                    .round(policy.rounding.score_places, policy.rounding.mode)
                    // A weighted mean lies between the quarter scores, each
                    // already a decimal at score_places, so it fits.
                    .expect("a weighted mean of scores fits a decimal")
            };
            Scored {
                employee: i,
                kpis,
                review: ReviewUse::NotWeighed,
                quarter_scores,
                band: blend::band(policy, score).to_owned(),
                score,
                calibrated_from: None,
                gate: lowest_gate(&present, i),
            }
        })
        .collect())
}

/// The gates of the quarter that keeps the least of the bonus (a full gate
/// keeps none), the earliest on a tie, labelled with its quarter.
fn lowest_gate(present: &[&(Period, Decimal, HashMap<usize, Scored>)], i: usize) -> Option<Shut> {
    let mut lowest: Option<(Exact, Shut)> = None;
    for (q, _, m) in present {
        let Some(g) = &m[&i].gate else {
            continue;
        };
        let factor = g.factor();
        if lowest.as_ref().is_none_or(|(f, _)| factor < *f) {
            let why = format!("{}: {}", q.label, g.why);
            lowest = Some((
                factor,
                Shut {
                    why,
                    pay: g.pay.clone(),
                },
            ));
        }
    }
    lowest.map(|(_, g)| g)
}
