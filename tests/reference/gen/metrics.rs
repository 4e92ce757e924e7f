//! Metric rows and target sources for one KPI. Each subject's actual in
//! each evaluation unit is designed first (target × a chosen achievement:
//! a curve or tier breakpoint, a value exactly half a unit past
//! achievement_places, or anything), then spread over the months by the
//! KPI's aggregate.

use super::data::{as_actual, split, World};
use super::Rng;
use crate::reference::data::Employee;
use crate::reference::num::{self, Q};
use crate::reference::period::{Month, Period};
use crate::reference::policy::*;

fn uses(t: &Target, want: &dyn Fn(&Target) -> bool) -> bool {
    want(t)
        || match t {
            Target::History {
                fallback: Some(f), ..
            } => uses(f, want),
            Target::Max(l) | Target::Min(l) => l.iter().any(|x| uses(x, want)),
            _ => false,
        }
}

fn history_len(t: &Target) -> i64 {
    match t {
        Target::History {
            periods, fallback, ..
        } => (*periods).max(fallback.as_deref().map_or(0, history_len)),
        Target::Max(l) | Target::Min(l) => l.iter().map(history_len).max().unwrap_or(0),
        _ => 0,
    }
}

/// The subjects of a KPI: (subject id, the employee for individual KPIs).
fn subjects<'a>(k: &Kpi, w: &'a World, period: Period) -> Vec<(String, Option<&'a Employee>)> {
    let staff: Vec<&Employee> = w
        .employees
        .iter()
        .filter(|e| {
            period
                .months()
                .iter()
                .any(|m| e.hire <= m.last() && e.term.is_none_or(|t| t >= m.first()))
        })
        .collect();
    match k.scope {
        Scope::Individual => staff.into_iter().map(|e| (e.id.clone(), Some(e))).collect(),
        Scope::Department => {
            let mut d: Vec<String> = staff.iter().map(|e| e.department.clone()).collect();
            d.sort();
            d.dedup();
            d.into_iter().map(|d| (d, None)).collect()
        }
        Scope::Company => vec![("company".into(), None)],
    }
}

fn active(e: Option<&Employee>, m: Month) -> bool {
    e.is_none_or(|e| e.hire <= m.last() && e.term.is_none_or(|t| t >= m.first()))
}

/// An achievement to aim at.
fn achievement(rng: &mut Rng, places: u32) -> Q {
    match rng.below(10) {
        0..=3 => {
            // exactly half a unit past `places`: a rounding tie
            // (10 m + 5) ÷ (10 s): places + 1 decimals, the last a 5, in [0.3, 1.8]
            let s = 10i64.pow(places);
            num::ratio(rng.range(3 * s / 10, 18 * s / 10) * 10 + 5, s * 10)
        }
        4..=6 => rng.pick_d(&[
            "0", "0.5", "0.6", "0.75", "0.8", "0.9", "1", "1.1", "1.2", "1.25", "1.5", "1.7", "2",
        ]),
        _ => rng.dec(0, 2, places + 2),
    }
}

/// Per-month level of the KPI's metric (per month for sums).
fn level(rng: &mut Rng, k: &Kpi) -> Q {
    if let Target::Fixed(v) = &k.target {
        return v.clone();
    }
    match k.agg {
        Agg::Ratio(..) => rng.dec(1, 90, 0) / num::int(100),
        _ => {
            let places = rng.pick(&[0, 0, 1, 2]);
            rng.dec(10, 2000, places)
        }
    }
}

fn per_unit(k: &Kpi, level: &Q, u: Period) -> Q {
    match k.agg {
        Agg::Sum(_) => level * num::int(u.kind.months()),
        _ => level.clone(),
    }
}

fn factor(rng: &mut Rng) -> Q {
    rng.dec(80, 120, 0) / num::int(100)
}

pub fn kpi(rng: &mut Rng, p: &Policy, k: &Kpi, units: &[Period], w: &mut World) {
    let period = Period {
        kind: if units.len() > 1 {
            crate::reference::period::Kind::Year
        } else {
            units[0].kind
        },
        start: units[0].start,
    };
    let lvl = level(rng, k);
    let subs: Vec<(String, Option<Employee>)> = subjects(k, w, period)
        .into_iter()
        .map(|(s, e)| (s, e.cloned()))
        .collect();
    // target tables
    for u in units {
        if uses(&k.target, &|t| matches!(t, Target::Table)) {
            for (s, _) in &subs {
                let places = rng.pick(&[0, 0, 0, 2]);
                let t = num::round(
                    &(per_unit(k, &lvl, *u) * factor(rng)),
                    places,
                    num::Mode::HalfUp,
                );
                w.targets.insert(
                    (s.clone(), u.label(), k.id.clone()),
                    num::max(t, num::d("0.01")),
                );
            }
        }
        if uses(&k.target, &|t| matches!(t, Target::Benchmark(_))) {
            let b = num::round(&(per_unit(k, &lvl, *u) * factor(rng)), 2, num::Mode::HalfUp);
            w.benchmarks
                .insert((k.id.clone(), u.label()), num::max(b, num::d("0.01")));
        }
        if uses(&k.target, &|t| matches!(t, Target::Cascade { .. })) {
            let mut parents: Vec<String> =
                w.employees.iter().map(|e| e.department.clone()).collect();
            parents.push("company".into());
            parents.sort();
            parents.dedup();
            for parent in parents {
                let t = num::round(
                    &(per_unit(k, &lvl, *u) * factor(rng) * num::int(3)),
                    2,
                    num::Mode::HalfUp,
                );
                w.targets.insert((parent, u.label(), k.id.clone()), t);
            }
        }
    }
    let hist = history_len(&k.target);
    if hist > 0 {
        let first = units[0];
        let from = first.back(hist).start.index();
        for (s, e) in &subs {
            for i in from..first.start.index() {
                let m = Month::from_index(i);
                if active(e.as_ref(), m) {
                    past_month(rng, k, &lvl, s, m, w);
                }
            }
        }
    }
    // a month left out of a quarter that later quarters look back on (or
    // a quarter someone joined during) makes an incomplete history period
    let may_drop = hist == 0 || units.len() == 1 || super::enabled("history-complete");
    for u in units {
        for (s, e) in &subs {
            let guess =
                guess(&k.target, s, e.as_ref(), k, u, w).unwrap_or_else(|| per_unit(k, &lvl, *u));
            design(rng, p, k, (s, e.as_ref()), *u, &guess, may_drop, w);
        }
    }
}

/// A random month of history around the level.
fn past_month(rng: &mut Rng, k: &Kpi, lvl: &Q, s: &str, m: Month, w: &mut World) {
    let f = rng.dec(70, 130, 0) / num::int(100);
    let mut put = |metric: &String, v: Q| {
        w.metrics.insert((s.to_string(), metric.clone(), m), v);
    };
    match &k.agg {
        Agg::Ratio(n, d) => {
            let den = num::int(rng.range(100, 1000));
            put(n, num::round(&(lvl * &f * &den), 2, num::Mode::HalfUp));
            put(d, den);
        }
        Agg::Sum(x) | Agg::Mean(x) | Agg::Last(x) | Agg::Max(x) | Agg::Min(x) => put(x, lvl * f),
    }
}

/// The target the subject will most likely get, for designing its actual.
fn guess(t: &Target, s: &str, e: Option<&Employee>, k: &Kpi, u: &Period, w: &World) -> Option<Q> {
    match t {
        Target::Table => w
            .targets
            .get(&(s.to_string(), u.label(), k.id.clone()))
            .cloned(),
        Target::Fixed(v) => Some(v.clone()),
        Target::Benchmark(f) => w.benchmarks.get(&(k.id.clone(), u.label())).map(|b| b * f),
        Target::Cascade { from, .. } => {
            let e = e?;
            let parent = if *from == Scope::Department {
                e.department.clone()
            } else {
                "company".into()
            };
            let n = w
                .employees
                .iter()
                .filter(|m| *from != Scope::Department || m.department == e.department)
                .count();
            w.targets
                .get(&(parent, u.label(), k.id.clone()))
                .map(|t| t / num::int(n as i64))
        }
        Target::History { .. } => None,
        Target::Max(l) | Target::Min(l) => l.iter().find_map(|x| guess(x, s, e, k, u, w)),
    }
}

#[allow(clippy::too_many_arguments)]
fn design(
    rng: &mut Rng,
    p: &Policy,
    k: &Kpi,
    (s, e): (&str, Option<&Employee>),
    u: Period,
    t: &Q,
    may_drop: bool,
    w: &mut World,
) {
    let mut months: Vec<Month> = u.months().into_iter().filter(|m| active(e, *m)).collect();
    if months.is_empty() {
        return;
    }
    if !may_drop {
        months = u.months();
    }
    // Gaps mostly where the KPI's `missing_months` accepts them; now and
    // then under `error` too, so that the stop is compared.
    let gap_chance = if k.missing == Missing::Error { 2 } else { 30 };
    if may_drop && months.len() > 1 && rng.chance(gap_chance) {
        months.remove(rng.below(months.len() as u64) as usize);
    }
    let a = achievement(rng, p.rounding.achievement);
    let mut actual = if k.lower {
        if rng.chance(10) {
            t * (num::int(2) + rng.dec(0, 1, 2))
        } else {
            t * (num::int(2) - num::min(a, num::int(2)))
        }
    } else {
        t * a
    };
    actual = as_actual(p, k, num::max(actual, num::zero()));
    let n = months.len();
    let mut put = |metric: &String, m: Month, v: Q| {
        w.metrics.insert((s.to_string(), metric.clone(), m), v);
    };
    match &k.agg {
        Agg::Sum(x) => {
            for (m, v) in months.iter().zip(split(rng, &actual, n)) {
                put(x, *m, v);
            }
        }
        Agg::Mean(x) => {
            for (m, v) in months
                .iter()
                .zip(split(rng, &(&actual * num::int(n as i64)), n))
            {
                put(x, *m, v);
            }
        }
        Agg::Last(x) | Agg::Max(x) | Agg::Min(x) => {
            let at = if matches!(k.agg, Agg::Last(_)) {
                n - 1
            } else {
                rng.below(n as u64) as usize
            };
            for (i, m) in months.iter().enumerate() {
                let r = match k.agg {
                    _ if i == at => num::int(1),
                    Agg::Max(_) => rng.dec(0, 1, 2),
                    Agg::Min(_) => rng.dec(1, 2, 2),
                    _ => rng.dec(0, 2, 2),
                };
                put(x, *m, &actual * r);
            }
        }
        Agg::Ratio(nm, dm) => {
            let den = num::int(rng.range(50, 5000) * n as i64);
            let num_total = &actual * &den;
            let nums = split(rng, &num_total, n);
            let dens = split(rng, &den, n);
            for ((m, a), b) in months.iter().zip(nums).zip(dens) {
                put(nm, *m, a);
                put(dm, *m, b);
            }
        }
    }
}
