//! Random data folders for a generated policy: employees, monthly metrics
//! designed to land on chosen achievements (including exact rounding ties),
//! targets, ratings, projects, benchmarks and FX rates.

use super::{inexact, Flags, Rng};
use crate::reference::data::{Employee, Project};
use crate::reference::num::{self, Q};
use crate::reference::period::{Date, Kind, Month, Period};
use crate::reference::policy::*;
use num_bigint::BigInt;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Debug, Default)]
pub struct World {
    pub employees: Vec<Employee>,
    pub with_currency: bool,
    /// (subject, metric, month) → value.
    pub metrics: BTreeMap<(String, String, Month), Q>,
    pub targets: BTreeMap<(String, String, String), Q>,
    pub ratings: BTreeMap<(String, String), Q>,
    pub projects: Vec<Project>,
    pub benchmarks: BTreeMap<(String, String), Q>,
    pub budgets: BTreeMap<(String, String), Q>,
    pub fx: BTreeMap<(String, Month), Q>,
    /// Transactions, refunds and input columns (flag `commissions`).
    pub deals: super::deals::Deals,
}

fn text(q: &Q) -> String {
    num::fixed(q, num::places_of(q).expect("terminating value"))
}

impl World {
    fn employees_csv(&self) -> String {
        let mut e = String::from(
            "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,termination_date",
        );
        if self.with_currency {
            e.push_str(",currency");
        }
        for c in &self.deals.input_cols {
            let _ = write!(e, ",{c}");
        }
        e.push('\n');
        for x in &self.employees {
            let term = x.term.map_or(String::new(), |d| d.to_string());
            let (base, pct) = (text(&x.base_salary), text(&x.target_bonus_pct));
            let _ = write!(
                e,
                "{},n{0},{},{},{base},{pct},{},{term}",
                x.id, x.department, x.role, x.hire
            );
            if self.with_currency {
                let _ = write!(e, ",{}", x.currency.as_deref().unwrap_or("CNY"));
            }
            for c in &self.deals.input_cols {
                let cell = self.deals.inputs.get(&(x.id.clone(), c.clone()));
                let _ = write!(e, ",{}", cell.map_or("", String::as_str));
            }
            e.push('\n');
        }
        e
    }

    /// Every table's CSV text by name; tables without rows are left out
    /// (but employees and metrics).
    pub fn tables(&self) -> BTreeMap<String, String> {
        let mut t = BTreeMap::new();
        t.insert("employees".into(), self.employees_csv());
        let mut add = |name: &str, header: &str, rows: Vec<String>| {
            if !rows.is_empty() || name == "metrics" {
                t.insert(
                    name.into(),
                    format!(
                        "{header}\n{}",
                        rows.iter().map(|r| format!("{r}\n")).collect::<String>()
                    ),
                );
            }
        };
        let metrics = self.metrics.iter();
        add(
            "metrics",
            "subject_id,month,metric,value",
            metrics
                .map(|((s, k, m), v)| format!("{s},{m},{k},{}", text(v)))
                .collect(),
        );
        let targets = self.targets.iter();
        add(
            "targets",
            "subject_id,period,kpi,target",
            targets
                .map(|((s, p, k), v)| format!("{s},{p},{k},{}", text(v)))
                .collect(),
        );
        let ratings = self.ratings.iter();
        add(
            "ratings",
            "employee_id,period,rating",
            ratings
                .map(|((e, p), v)| format!("{e},{p},{}", text(v)))
                .collect(),
        );
        let projects = self.projects.iter().enumerate().map(|(i, p)| {
            let approved = if p.approved { "yes" } else { "no" };
            format!(
                "{},{},p{i},{},{approved}",
                p.employee,
                p.period,
                text(&p.amount)
            )
        });
        add(
            "projects",
            "employee_id,period,project,amount,approved",
            projects.collect(),
        );
        let benchmarks = self.benchmarks.iter();
        add(
            "benchmarks",
            "kpi,period,value",
            benchmarks
                .map(|((k, p), v)| format!("{k},{p},{}", text(v)))
                .collect(),
        );
        let budgets = self.budgets.iter();
        add(
            "budgets",
            "subject_id,period,budget",
            budgets
                .map(|((s, p), v)| format!("{s},{p},{}", text(v)))
                .collect(),
        );
        let fx = self.fx.iter();
        add(
            "fx_rates",
            "currency,month,rate_to_policy_currency",
            fx.map(|((c, m), v)| format!("{c},{m},{}", text(v)))
                .collect(),
        );
        self.deals.tables(&mut t);
        t
    }

    pub fn data(&self) -> crate::reference::data::Data {
        let t = self.tables();
        crate::reference::data::from_tables(&|name| t.get(name).cloned())
    }
}

/// The evaluation units: the period, or a year's quarters.
pub fn units(p: &Policy, period: Period) -> Vec<Period> {
    if period.kind == Kind::Year && p.year_from_quarters.is_some() {
        period.quarters()
    } else {
        vec![period]
    }
}

/// Days `e` is employed in `p`.
pub fn days_in(e: &Employee, p: Period) -> i64 {
    crate::reference::period::overlap_days(e.hire, e.term, p.start_date(), p.end_date())
}

fn date_in(rng: &mut Rng, p: Period) -> Date {
    let day = p.start_date().day_number() + rng.range(0, p.days() - 1);
    let mut d = p.start_date();
    while d.day_number() < day {
        let m = Month { y: d.y, m: d.m };
        d = if d.d < m.last().d {
            Date { d: d.d + 1, ..d }
        } else {
            Month::from_index(m.index() + 1).first()
        };
    }
    d
}

/// Whether the target bonus of `base` × `pct` for `months` terminates.
pub fn tb_terminates(base: &Q, pct: &Q, months: i64) -> bool {
    num::places_of(&(base * pct * num::int(months) / num::int(1200))).is_some()
}

fn employees(rng: &mut Rng, f: &Flags, p: &Policy, period: Period) -> Vec<Employee> {
    let depts = rng.range(1, 3);
    let roles: Vec<&String> = p.roles.keys().collect();
    (1..=rng.range(2, 8))
        .map(|i| {
            let pct = rng.pick_d(&["5", "8", "10", "12", "12.5", "15", "20", "25", "7.5"]);
            let mut base = num::zero();
            for _ in 0..50 {
                let places = rng.pick(&[0, 0, 2]);
                base = rng.dec(40_000, 400_000, places);
                if inexact() || tb_terminates(&base, &pct, period.kind.months()) {
                    break;
                }
            }
            let mut hire = Date::parse(&format!(
                "20{}-{:02}-{:02}",
                rng.range(15, 21),
                rng.range(1, 12),
                rng.range(1, 28)
            ))
            .unwrap();
            let mut term = None;
            if f.hires {
                match rng.below(10) {
                    0..=2 => hire = date_in(rng, period),
                    3 | 4 => term = Some(date_in(rng, period)),
                    5 => hire = date_in(rng, period.back(-1)),
                    6 => term = Some(date_in(rng, period.back(1))),
                    _ => {}
                }
                if term.is_some_and(|t| t < hire) {
                    term = None;
                }
            }
            Employee {
                id: format!("E{i:02}"),
                department: format!("d{}", rng.range(1, depts)),
                role: rng.pick(&roles).clone(),
                base_salary: base,
                target_bonus_pct: pct,
                hire,
                term,
                currency: (f.fx && rng.chance(40)).then(|| rng.pick(&["USD", "EUR"]).to_string()),
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
        .scan(None::<Employee>, |prev, mut e| {
            // a twin of the one before (same pay, role, department): equal
            // bonuses, so ties in pool remainders and calibration ranks
            if let Some(p) = prev.as_ref().filter(|_| rng.chance(20)) {
                e.base_salary = p.base_salary.clone();
                e.target_bonus_pct = p.target_bonus_pct.clone();
                e.role = p.role.clone();
                e.department = p.department.clone();
                e.currency = p.currency.clone();
                e.hire = p.hire;
                e.term = p.term;
            }
            *prev = Some(e.clone());
            Some(e)
        })
        .collect()
}

pub fn generate(rng: &mut Rng, f: &Flags, p: &Policy, period: Period) -> World {
    let mut w = World {
        employees: employees(&mut rng.fork(1), f, p, period),
        with_currency: f.fx,
        ..World::default()
    };
    let units = units(p, period);
    for (i, k) in p.kpis.iter().enumerate() {
        super::metrics::kpi(&mut rng.fork(100 + i as u64), p, k, &units, &mut w);
    }
    ratings(&mut rng.fork(2), p, &units, &mut w);
    copy_twins(&mut w);
    if f.projects {
        projects(&mut rng.fork(3), p, period, &mut w);
    }
    if f.fx {
        fx(&mut rng.fork(4), period, &mut w);
    }
    fit_values(p, &mut w);
    if !super::enabled("empty-month") {
        // a row in every month of the period, whoever is employed
        for m in period.months() {
            w.metrics
                .insert(("company".into(), "filler".into(), m), num::int(1));
        }
    }
    w
}

/// A twin (same pay, role, department and dates as the employee before it)
/// also gets that employee's metric rows, targets and ratings, so that both
/// end with equal bonuses.
fn copy_twins(w: &mut World) {
    let same = |a: &Employee, b: &Employee| {
        (
            &a.base_salary,
            &a.target_bonus_pct,
            &a.role,
            &a.department,
            a.hire,
            a.term,
        ) == (
            &b.base_salary,
            &b.target_bonus_pct,
            &b.role,
            &b.department,
            b.hire,
            b.term,
        )
    };
    for i in 1..w.employees.len() {
        let (a, b) = (&w.employees[i - 1], &w.employees[i]);
        if !same(a, b) {
            continue;
        }
        let (from, to) = (a.id.clone(), b.id.clone());
        let rows: Vec<_> = w
            .metrics
            .iter()
            .filter(|((s, _, _), _)| *s == from)
            .map(|((_, k, m), v)| ((to.clone(), k.clone(), *m), v.clone()))
            .collect();
        w.metrics.retain(|(s, _, _), _| *s != to);
        w.metrics.extend(rows);
        let rows: Vec<_> = w
            .targets
            .iter()
            .filter(|((s, _, _), _)| *s == from)
            .map(|((_, p, k), v)| ((to.clone(), p.clone(), k.clone()), v.clone()))
            .collect();
        w.targets.extend(rows);
        let rows: Vec<_> = w
            .ratings
            .iter()
            .filter(|((e, _), _)| *e == from)
            .map(|((_, p), v)| ((to.clone(), p.clone()), v.clone()))
            .collect();
        w.ratings.retain(|(e, _), _| *e != to);
        w.ratings.extend(rows);
    }
}

fn ratings(rng: &mut Rng, p: &Policy, units: &[Period], w: &mut World) {
    let Some(rv) = &p.review else { return };
    for e in &w.employees {
        for u in units {
            if rng.chance(85) {
                let (rating, _) = rng.pick(&rv.scale);
                w.ratings.insert((e.id.clone(), u.label()), rating);
            }
        }
    }
}

/// Labels of every kind around the run period.
fn labels_near(rng: &mut Rng, period: Period) -> String {
    let m = Month::from_index(period.start.index() + rng.range(-2, period.kind.months() + 1));
    let kind = rng.pick(&[Kind::Month, Kind::Quarter, Kind::Half, Kind::Year]);
    let start = match kind {
        Kind::Month => m,
        Kind::Quarter => Month {
            y: m.y,
            m: (m.m - 1) / 3 * 3 + 1,
        },
        Kind::Half => Month {
            y: m.y,
            m: (m.m - 1) / 6 * 6 + 1,
        },
        Kind::Year => Month { y: m.y, m: 1 },
    };
    let label = Period { kind, start };
    let disputed = kind != Kind::Month && label != period && period.contains(label.last_month());
    if disputed && !super::enabled("project-periods") {
        return period.label();
    }
    label.label()
}

fn projects(rng: &mut Rng, p: &Policy, period: Period, w: &mut World) {
    for _ in 0..rng.range(0, 5) {
        let e = rng.pick(&w.employees).id.clone();
        w.projects.push(Project {
            employee: e,
            period: labels_near(rng, period),
            amount: {
                let mut places = rng.pick(&[0, 2, 3]);
                if !super::enabled("project-rounding") {
                    places = places.min(p.rounding.money);
                }
                rng.dec(100, 10_000, places)
            },
            approved: rng.chance(75),
        });
    }
}

fn fx(rng: &mut Rng, period: Period, w: &mut World) {
    for cur in ["USD", "EUR"] {
        let mut avg = rng.dec(1, 9, 4);
        let months = period.months();
        let n = months.len();
        // deviations summing to zero keep the exact average at `avg`
        let mut devs: Vec<Q> = (0..n)
            .map(|_| num::ratio(rng.range(-5000, 5000), 10_000))
            .collect();
        if rng.chance(30) {
            // ÷ 2, 4 or 8 puts an odd number of cents exactly on a tie
            avg = rng.pick_d(&["2", "4", "8"]);
            devs.iter_mut().for_each(|d| *d = num::zero());
        }
        if !inexact() || rng.chance(50) {
            let s = devs.iter().fold(num::zero(), |a, b| a + b);
            devs[n - 1] -= s;
        }
        for (m, d) in months.iter().zip(devs) {
            let rate = num::max(&avg + d, num::d("0.0001"));
            w.fx.insert((cur.to_string(), *m), rate);
        }
    }
}

/// Rounds a design value the way the KPI's actual will be (and, unless
/// `data-places` is on, every actual to actual_places).
pub fn as_actual(p: &Policy, k: &Kpi, a: Q) -> Q {
    match k.agg {
        Agg::Mean(_) | Agg::Ratio(..) => num::round(&a, p.rounding.actual, p.rounding.mode),
        _ if !super::enabled("data-places") => num::round(&a, p.rounding.actual, num::Mode::Down),
        // more decimals than actual_places, but a value the data can hold
        _ => num::round(&a, p.rounding.actual + 3, num::Mode::Down),
    }
}

/// Unless `data-places` is on: metric values with at most actual_places
/// decimals.
pub fn fit_values(p: &Policy, w: &mut World) {
    if super::enabled("data-places") {
        return;
    }
    for v in w.metrics.values_mut() {
        *v = num::round(v, p.rounding.actual, num::Mode::Down);
    }
}

/// Splits a non-negative `total` into `n` non-negative parts with the same
/// places.
pub fn split(rng: &mut Rng, total: &Q, n: usize) -> Vec<Q> {
    let places = num::places_of(total).expect("terminating");
    let scale = Q::from_integer(num_traits::pow(BigInt::from(10), places as usize));
    let units = (total * &scale).to_integer();
    let weights: Vec<i64> = (0..n).map(|_| rng.range(1, 100)).collect();
    let wsum: i64 = weights.iter().sum();
    let mut parts: Vec<BigInt> = weights.iter().map(|&x| &units * x / wsum).collect();
    let given: BigInt = parts.iter().sum();
    parts[n - 1] += &units - given;
    parts
        .into_iter()
        .map(|u| Q::from_integer(u) / &scale)
        .collect()
}
