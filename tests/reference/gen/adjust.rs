//! Second passes over a generated case: base
//! salaries moved so that bonuses land exactly on half a money unit, and
//! pool budgets sized from the bonuses the reference expects.

use super::data::{tb_terminates, World};
use super::{inexact, Rng};
use crate::reference::kpi::Ctx;
use crate::reference::num::{self, Q};
use crate::reference::period::{Date, Month, Period};
use crate::reference::policy::*;
use crate::reference::run::Payout;
use num_integer::Integer;
use num_traits::{Signed, Zero};
use std::collections::BTreeMap;

pub fn date_of(day: i64) -> Date {
    // walk from a known date; ranges here are small
    let mut d = Date::parse("2020-01-01").unwrap();
    let mut n = d.day_number();
    while n < day {
        let m = Month { y: d.y, m: d.m };
        d = if d.d < m.last().d {
            Date { d: d.d + 1, ..d }
        } else {
            Month::from_index(m.index() + 1).first()
        };
        n += 1;
    }
    d
}

/// The reference's payouts without any pool (for sizing), or `None` when
/// that run stops.
fn pre_pass(p: &Policy, w: &World, period: Period) -> Option<Vec<Payout>> {
    let mut p2 = p.clone();
    p2.bonus.pool = None;
    let d = w.data();
    Ctx {
        p: &p2,
        d: &d,
        run: period,
    }
    .run(period)
    .ok()
}

/// A base salary near `base` with at most `max_places` decimals such that
/// base × `c` is exactly half a money unit past a whole unit.
pub fn tie_base(
    base: &Q,
    c: &Q,
    money: u32,
    max_places: u32,
    ok: &dyn Fn(&Q) -> bool,
) -> Option<Q> {
    let unit = num::ratio(1, 10i64.pow(money));
    let step = unit / (c * num::int(2)); // base' = odd × step
    let scale = num::Q::from_integer(num_traits::pow(
        num_bigint::BigInt::from(10),
        max_places as usize,
    ));
    let x = &step * &scale;
    if x.denom().is_even() {
        return None;
    }
    let g = Q::from_integer(x.numer().clone()) / &scale; // base' = j × g, j odd
    let j0 = (base / &g).round().to_integer();
    let j0 = if j0.is_even() { j0 + 1 } else { j0 };
    for k in 0..40i64 {
        // 0, −2, +2, −4, +4, …
        let sign = if k % 2 == 1 { -1 } else { 1 };
        let delta = sign * (k + 1) / 2 * 2;
        let j = &j0 + delta;
        if !j.is_positive() {
            continue;
        }
        let b = Q::from_integer(j) * &g;
        if b > base / num::int(2) && b < base * num::int(2) && ok(&b) {
            return Some(b);
        }
    }
    None
}

pub fn make_ties(rng: &mut Rng, p: &Policy, w: &mut World, period: Period) {
    let salary_shares = p.kpis.iter().any(|k| {
        matches!(
            k.target,
            Target::Cascade {
                share: Share::BaseSalary,
                ..
            }
        )
    });
    if salary_shares {
        return;
    }
    let Some(pays) = pre_pass(p, w, period) else {
        return;
    };
    let months = period.kind.months();
    for pay in pays {
        if pay.bonus_exact.is_zero() || !rng.chance(70) {
            continue;
        }
        let e = w.employees.iter_mut().find(|e| e.id == pay.id).unwrap();
        let c = &pay.bonus_exact / &e.base_salary;
        let pct = e.target_bonus_pct.clone();
        let ok = |b: &Q| inexact() || tb_terminates(b, &pct, months);
        if let Some(b) = tie_base(&e.base_salary, &c, p.rounding.money, 6, &ok) {
            e.base_salary = b;
        }
    }
}

/// Budget rows for the pool's groups, sized around the bonuses.
pub fn budgets(rng: &mut Rng, p: &Policy, w: &mut World, period: Period, edge: u8) {
    let pool = p.bonus.pool.as_ref().unwrap();
    let money = p.rounding.money;
    let unit = num::ratio(1, 10i64.pow(money));
    let mut sums: BTreeMap<String, Q> = BTreeMap::new();
    for e in &w.employees {
        let key = if pool.scope == Scope::Department {
            e.department.clone()
        } else {
            "company".into()
        };
        sums.entry(key).or_insert_with(num::zero);
    }
    if let Some(pays) = pre_pass(p, w, period) {
        for pay in &pays {
            let e = w.employees.iter().find(|e| e.id == pay.id).unwrap();
            let key = if pool.scope == Scope::Department {
                e.department.clone()
            } else {
                "company".into()
            };
            *sums.get_mut(&key).unwrap() += &pay.bonus_before_pool;
        }
    }
    let missing = (edge == 2).then(|| rng.pick(&sums.keys().cloned().collect::<Vec<_>>()));
    for (subject, sum) in sums {
        if Some(&subject) == missing.as_ref() {
            continue;
        }
        let mut b = match rng.below(6) {
            0 => sum.clone(),
            1 => &sum + &unit,
            2 => num::max(&sum - &unit, num::zero()),
            _ => {
                let f = rng.pick_d(&["0.5", "0.7", "0.9", "1.1", "1.3"]);
                num::round(&(&sum * f), money, num::Mode::Down)
            }
        };
        if b.is_zero() && rng.chance(70) {
            b = rng.dec(100, 5000, money);
        }
        if sum.is_zero() && pool.both && !super::enabled("pool-edges") {
            b = num::zero();
        }
        if edge == 1 {
            b += &unit * num::ratio(rng.range(1, 9), 10);
        }
        w.budgets.insert((subject, period.label()), b);
    }
}

/// Numbers whose only prime factors are 2 and 5, ascending.
fn nice_numbers() -> Vec<i64> {
    let mut v: Vec<i64> = (0..12)
        .flat_map(|a| (0..6).map(move |b| 2i64.pow(a) * 5i64.pow(b)))
        .collect();
    v.sort();
    v
}

/// Unless `inexact` is on: cascade shares that terminate. Salaries of the
/// last member of each group are moved so that base_salary shares divide;
/// any cascade KPI still with a non-terminating share gets a fixed target.
pub fn tame_cascades(p: &mut Policy, w: &mut World, period: Period) {
    if inexact() {
        return;
    }
    let months = period.kind.months();
    let cascades: Vec<(usize, Scope, Share)> = p
        .kpis
        .iter()
        .enumerate()
        .filter_map(|(i, k)| match k.target {
            Target::Cascade { from, share } => Some((i, from, share)),
            _ => None,
        })
        .collect();
    if let Some(&(_, from, Share::BaseSalary)) = cascades.first() {
        if w.employees.iter().all(|e| e.currency.is_none()) {
            let employed: Vec<usize> = (0..w.employees.len())
                .filter(|&i| super::data::days_in(&w.employees[i], period) > 0)
                .collect();
            let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for i in employed {
                let key = if from == Scope::Department {
                    w.employees[i].department.clone()
                } else {
                    String::new()
                };
                groups.entry(key).or_default().push(i);
            }
            for members in groups.values() {
                let (&last, others) = members.split_last().unwrap();
                let rest = others
                    .iter()
                    .fold(num::zero(), |a, &i| a + &w.employees[i].base_salary);
                let pct = w.employees[last].target_bonus_pct.clone();
                for n in nice_numbers() {
                    let s = num::int(n * 1000) - &rest;
                    if s >= num::int(40_000) && tb_terminates(&s, &pct, months) {
                        w.employees[last].base_salary = s;
                        break;
                    }
                }
            }
        }
    }
    let d = w.data();
    for (i, _, _) in cascades {
        let ctx = Ctx {
            p,
            d: &d,
            run: period,
        };
        let units = super::data::units(p, period);
        let k = &p.kpis[i];
        let exact = w.employees.iter().all(|e| {
            units
                .iter()
                .all(|u| match ctx.target(k, &k.target, &e.id, e, *u) {
                    _ if super::data::days_in(e, *u) == 0 => true,
                    // the share is exact when parent × share is
                    Ok(_) => ctx
                        .cascade_share(k, e, *u)
                        .is_none_or(|s| num::places_of(&s).is_some()),
                    Err(_) => true,
                })
        });
        if !exact {
            p.kpis[i].target = Target::Fixed(num::int(1000));
        }
    }
}
