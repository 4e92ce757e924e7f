//! Deliberate defects: one thing broken per case (when the `edges` flag is
//! on). The generator only says what it broke; the reference decides
//! whether the run must stop.

use super::adjust::date_of;
use super::data::{days_in, World};
use super::{enabled, Rng};
use crate::reference::num;
use crate::reference::period::{Month, Period};
use crate::reference::policy::*;

/// Breaks one thing; returns what. `budget_edge` is set for pool budgets
/// (1: more decimals than money_places, 2: a group without a budget row).
pub fn break_something(
    rng: &mut Rng,
    p: &mut Policy,
    w: &mut World,
    period: Period,
    budget_edge: &mut u8,
) -> Option<String> {
    match rng.below(12) {
        0 => no_rows(rng, w, period),
        1 => {
            let key = pick_key(rng, w.targets.keys())?;
            w.targets.remove(&key);
            Some(format!("target row {key:?} removed"))
        }
        2 => {
            let key = pick_key(rng, w.targets.keys())?;
            w.targets.insert(key.clone(), num::zero());
            Some(format!("target row {key:?} is zero"))
        }
        3 => zero_denominator(rng, p, w, period),
        4 => effective(rng, p, period, enabled("effective")),
        5 => effective(rng, p, period, false),
        6 => no_rate(rng, w, period),
        7 => {
            let key = pick_key(rng, w.ratings.keys())?;
            w.ratings.insert(key.clone(), num::int(7));
            Some(format!("rating 7 (not on the scale) for {key:?}"))
        }
        8 if p.bonus.pool.is_some() && enabled("pool-edges") => {
            p.bonus.pool.as_mut().unwrap().both = true;
            let s = &mut p.bonus.script;
            s.multipliers.iter_mut().for_each(|(_, m)| *m = num::zero());
            s.default = num::zero();
            Some("pool `both` with every formula zero".into())
        }
        9 if enabled("history-complete") => {
            let key = pick_key(rng, w.metrics.keys().filter(|(_, _, m)| *m < period.start))?;
            w.metrics.remove(&key);
            Some(format!("history row {key:?} removed"))
        }
        10 => {
            let key = pick_key(rng, w.benchmarks.keys())?;
            w.benchmarks.remove(&key);
            Some(format!("benchmark {key:?} removed"))
        }
        11 if p.bonus.pool.is_some() => {
            *budget_edge = if enabled("pool-edges") {
                rng.pick(&[1, 2])
            } else {
                2
            };
            Some(format!("budget edge {budget_edge}"))
        }
        _ => None,
    }
}

fn pick_key<'a, K: Clone + 'a>(rng: &mut Rng, keys: impl Iterator<Item = &'a K>) -> Option<K> {
    let keys: Vec<K> = keys.cloned().collect();
    (!keys.is_empty()).then(|| rng.pick(&keys))
}

/// The period's metric rows (but the filler) of one subject and metric.
fn in_period(w: &World, period: Period) -> Vec<(String, String, Month)> {
    w.metrics
        .keys()
        .filter(|(_, metric, m)| period.contains(*m) && metric != "filler")
        .cloned()
        .collect()
}

fn no_rows(rng: &mut Rng, w: &mut World, period: Period) -> Option<String> {
    let (s, metric, _) = pick_key(rng, in_period(w, period).iter())?;
    w.metrics
        .retain(|(s2, m2, mo), _| !(s2 == &s && m2 == &metric && period.contains(*mo)));
    Some(format!("no {metric} rows for {s} in the period"))
}

fn zero_denominator(rng: &mut Rng, p: &Policy, w: &mut World, period: Period) -> Option<String> {
    let metric = p.kpis.iter().find_map(|k| match &k.agg {
        Agg::Ratio(_, d) => Some(d.clone()),
        _ => None,
    })?;
    let rows = in_period(w, period);
    let s = pick_key(
        rng,
        rows.iter()
            .filter(|(_, m, _)| *m == metric)
            .map(|(s, _, _)| s),
    )?;
    for (key, v) in w.metrics.iter_mut() {
        if key.0 == s && key.1 == metric && period.contains(key.2) {
            *v = num::zero();
        }
    }
    Some(format!("{metric} of {s} sums to zero"))
}

/// `effective` dates around the period: outside it by a day when
/// `outside`, else covering it. Both dates always (merit requires `to`).
fn effective(rng: &mut Rng, p: &mut Policy, period: Period, outside: bool) -> Option<String> {
    let start = period.start_date().day_number();
    let end = period.end_date().day_number();
    p.effective = match (outside, rng.chance(50)) {
        (true, true) => (Some(date_of(start + 1)), Some(date_of(end + 400))),
        (true, false) => (Some(date_of(start - 400)), Some(date_of(end - 1))),
        _ => (
            Some(period.start_date()),
            Some(date_of(end + rng.range(0, 30))),
        ),
    };
    Some(format!("effective {:?}", p.effective))
}

fn no_rate(rng: &mut Rng, w: &mut World, period: Period) -> Option<String> {
    let key = pick_key(rng, w.fx.keys())?;
    let paid = w
        .employees
        .iter()
        .any(|e| e.currency.as_deref() == Some(key.0.as_str()) && days_in(e, period) > 0);
    if !paid && !enabled("fx-unpaid") {
        return None;
    }
    w.fx.remove(&key);
    Some(format!("no rate {key:?}"))
}
