//! The `transactions` and `refunds` tables and the quota inputs of a
//! generated policy with commissions (docs/data.md): deals in and around
//! the period, split credit in decimals and fractions `N/D`, overlay
//! credit, products and territories, refunds of credited deals (in full,
//! in part, after the period), quotas placed on the steps' bounds; and,
//! with `edges`, one deliberate defect the run must stop on.

use super::commission::{KPI_QUOTA, PRODUCTS, QUOTA, TERRITORIES};
use super::data::{days_in, World};
use super::{inexact, Flags, Rng};
use crate::reference::commission::{credited, month_of, InputType, On, Quota};
use crate::reference::kpi::Ctx;
use crate::reference::num::{self, Q};
use crate::reference::period::{Date, Period};
use crate::reference::policy::Policy;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One `transactions` row, as written.
#[derive(Clone, Debug)]
pub struct Row {
    pub deal: String,
    pub employee: String,
    pub date: Date,
    pub amount: Q,
    pub share: String,
    pub credit: String,
    pub product: String,
    pub customer: String,
    pub territory: String,
}

#[derive(Clone, Debug, Default)]
pub struct Deals {
    pub rows: Vec<Row>,
    /// (deal, date, amount).
    pub refunds: Vec<(String, Date, Q)>,
    /// The optional columns written (besides the required four).
    pub optional: Vec<&'static str>,
    /// The employees table's input columns and their cells.
    pub input_cols: Vec<String>,
    pub inputs: BTreeMap<(String, String), String>,
}

fn text(q: &Q) -> String {
    num::fixed(q, num::places_of(q).expect("terminating value"))
}

impl Deals {
    /// Adds `transactions.csv` and `refunds.csv` (when they have rows).
    pub fn tables(&self, t: &mut BTreeMap<String, String>) {
        if !self.rows.is_empty() {
            let mut s = String::from("deal_id,employee_id,date,amount");
            for c in &self.optional {
                let _ = write!(s, ",{c}");
            }
            s.push('\n');
            for r in &self.rows {
                let _ = write!(
                    s,
                    "{},{},{},{}",
                    r.deal,
                    r.employee,
                    r.date,
                    text(&r.amount)
                );
                for c in &self.optional {
                    let cell = match *c {
                        "share" => r.share.clone(),
                        "credit" => r.credit.clone(),
                        "product" => r.product.clone(),
                        "territory" => r.territory.clone(),
                        _ => r.customer.clone(),
                    };
                    let _ = write!(s, ",{cell}");
                }
                s.push('\n');
            }
            t.insert("transactions".into(), s);
        }
        if !self.refunds.is_empty() {
            let mut s = String::from("deal_id,date,amount,reason\n");
            for (d, date, a) in &self.refunds {
                let _ = writeln!(s, "{d},{date},{},returned", text(a));
            }
            t.insert("refunds".into(), s);
        }
    }
}

/// Shares of a split deal summing to exactly 100 (fractions only when
/// non-terminating values are generated).
fn split(rng: &mut Rng, n: usize) -> Vec<&'static str> {
    let exact: &[&[&str]] = if n == 2 {
        &[
            &["60", "40"],
            &["33.5", "66.5"],
            &["12.25", "87.75"],
            &["50", "100/2"],
            &["75", "25.0"],
            &["150/4", "62.5"],
            &["99.99", "0.01"],
        ]
    } else {
        &[
            &["50", "25", "25"],
            &["33.3", "33.3", "33.4"],
            &["20", "30", "250/5"],
        ]
    };
    let thirds: &[&[&str]] = if n == 2 {
        &[
            &["200/3", "100/3"],
            &["100/7", "600/7"],
            &["33.3/1", "6670/100"],
        ]
    } else {
        &[
            &["100/3", "100/3", "100/3"],
            &["100/6", "250/6", "250/6"],
            &["100/9", "400/9", "400/9"],
        ]
    };
    if inexact() && rng.chance(50) {
        rng.pick(thirds).to_vec()
    } else {
        rng.pick(exact).to_vec()
    }
}

fn date_of(day: i64) -> Date {
    super::adjust::date_of(day)
}

/// Mostly inside the period (its first and last days often), else around it.
fn deal_date(rng: &mut Rng, period: Period) -> Date {
    let (a, b) = (
        period.start_date().day_number(),
        period.end_date().day_number(),
    );
    date_of(match rng.below(10) {
        0 => a,
        1 => b,
        2 => a - rng.range(1, 40),
        3 => b + 1,
        _ => rng.range(a, b),
    })
}

fn amount(rng: &mut Rng) -> Q {
    if rng.chance(3) {
        return num::zero();
    }
    let places = rng.pick(&[0, 0, 1, 2, 2, 3]);
    rng.dec(500, 120_000, places)
}

fn add_deals(rng: &mut Rng, w: &mut World, period: Period) {
    let ids: Vec<String> = w.employees.iter().map(|e| e.id.clone()).collect();
    let mut k = 0;
    for e in &ids {
        for _ in 0..rng.range(0, 5) {
            k += 1;
            let others: Vec<&String> = ids.iter().filter(|x| *x != e).collect();
            let n = match rng.below(10) {
                0..=1 if !others.is_empty() => 2,
                2 if others.len() >= 2 => 3,
                _ => 1,
            };
            let mut who = vec![e.clone()];
            while who.len() < n {
                let o = rng.pick(&others).clone();
                if !who.contains(&o) {
                    who.push(o);
                }
            }
            let shares = if n == 1 {
                vec![rng.pick(&["", "", "100", "100/1", "200/2", "10000/100"])]
            } else {
                split(rng, n)
            };
            let base = Row {
                deal: format!("D{k:03}"),
                employee: String::new(),
                date: deal_date(rng, period),
                amount: amount(rng),
                share: String::new(),
                credit: String::new(),
                customer: format!("cust{}", k % 7),
                product: if rng.chance(90) {
                    // letter case matters: `Licence` passes no filter
                    rng.pick(&[&PRODUCTS[..], &["Licence"]].concat()).into()
                } else {
                    String::new()
                },
                territory: if rng.chance(85) {
                    // cells are trimmed (docs/data.md, Cells)
                    let t = rng.pick(&TERRITORIES);
                    if rng.chance(10) {
                        format!(" {t} ")
                    } else {
                        t.into()
                    }
                } else {
                    String::new()
                },
            };
            for (x, s) in who.iter().zip(shares) {
                let credit = rng.pick(&["", "", "direct"]).to_string();
                w.deals.rows.push(Row {
                    employee: x.clone(),
                    share: s.into(),
                    credit,
                    ..base.clone()
                });
            }
            let free: Vec<&&String> = others.iter().filter(|o| !who.contains(o)).collect();
            if !free.is_empty() && rng.chance(15) {
                let share = rng.pick(&["", "100", "50", "25/2", "100/3"]);
                let share = if share == "100/3" && !inexact() {
                    "10"
                } else {
                    share
                };
                let employee = (*rng.pick(&free)).clone();
                w.deals.rows.push(Row {
                    employee,
                    share: share.into(),
                    credit: "overlay".into(),
                    ..base
                });
            }
        }
    }
}

/// Whether some row of the deal is earned by someone in the run through a
/// commission on transactions that keeps it.
fn commissioned(
    p: &Policy,
    w: &World,
    d: &crate::reference::data::Data,
    deal: &str,
    period: Period,
) -> bool {
    d.transactions.iter().filter(|t| t.deal == deal).any(|t| {
        w.employees.iter().any(|e| {
            e.id == t.employee
                && days_in(e, period) > 0
                && p.commissions.iter().any(|c| c.earns(&e.role) && c.keeps(t))
        })
    })
}

/// Refunds of deals the run credits (in the period, or after its end),
/// and of deals outside the period dated outside it.
fn add_refunds(rng: &mut Rng, p: &Policy, w: &mut World, period: Period) {
    let d = w.data();
    let (a, b) = (
        period.start_date().day_number(),
        period.end_date().day_number(),
    );
    let mut deals: Vec<(String, Date, Q)> = vec![];
    for r in &w.deals.rows {
        if !deals.iter().any(|(x, _, _)| *x == r.deal) {
            deals.push((r.deal.clone(), r.date, r.amount.clone()));
        }
    }
    for (deal, date, amount) in deals {
        if amount <= num::zero() || !rng.chance(35) {
            continue;
        }
        let day = date.day_number();
        let inside = period.contains(month_of(date));
        let when = if inside {
            if !commissioned(p, w, &d, &deal, period) {
                continue;
            }
            if rng.chance(20) {
                b + rng.range(1, 30)
            } else {
                rng.range(day, b)
            }
        } else if day < a {
            rng.range(day, a - 1)
        } else {
            day + rng.range(0, 30)
        };
        let first = match rng.below(4) {
            0 => amount.clone(),
            1 => &amount / num::int(2),
            _ => num::max(
                num::round(
                    &(&amount * rng.dec(1, 99, 0) / num::int(100)),
                    2,
                    num::Mode::Down,
                ),
                num::d("0.01"),
            ),
        };
        let rest = &amount - &first;
        w.deals.refunds.push((deal.clone(), date_of(when), first));
        if rest >= num::d("0.03") && rng.chance(30) {
            let second = num::max(
                num::round(&(&rest / num::int(3)), 2, num::Mode::Down),
                num::d("0.01"),
            );
            // a deal before the period keeps its refunds before it too
            let later = when + rng.range(0, 5);
            let later = if day < a { later.min(a - 1) } else { later };
            w.deals.refunds.push((deal, date_of(later), second));
        }
    }
}

/// Quota inputs: near what each earner is credited with (for `kpi_quota`,
/// the KPI's actual), often exactly on a step's bound.
fn quotas(rng: &mut Rng, p: &Policy, w: &mut World, period: Period) {
    let d = w.data();
    let ctx = Ctx {
        p,
        d: &d,
        run: period,
    };
    for input in p
        .inputs
        .iter()
        .filter(|i| i.id == QUOTA || i.id == KPI_QUOTA)
    {
        let users: Vec<_> = p
            .commissions
            .iter()
            .filter(|c| matches!(&c.quota, Some(Quota::Input(i)) if *i == input.id))
            .collect();
        for e in &w.employees {
            let Some(c) = users.iter().find(|c| c.earns(&e.role)) else {
                let v = match rng.below(4) {
                    0 | 1 => num::zero(),
                    // a `decimal` may be negative where no commission reads it
                    2 if input.kind == InputType::Decimal => num::d("-5"),
                    _ => rng.dec(1000, 90_000, 0),
                };
                w.deals
                    .inputs
                    .insert((e.id.clone(), input.id.clone()), text(&v));
                continue;
            };
            let base = match &c.on {
                On::Kpi(k) => ctx
                    .actual(p.kpi(k), e, period)
                    .unwrap_or_else(|_| num::int(1000)),
                On::Transactions { .. } => credited(&d, c, &e.id, period)
                    .into_iter()
                    .fold(num::zero(), |s, (_, x)| s + x),
            };
            // attainment on a step's bound, or a hair off it (an attainment
            // rounded before its step is chosen would show)
            let bound = rng.pick(&c.steps).from;
            let eps = rng.pick_d(&["0", "0", "0.00003", "-0.00003"]);
            let mut q = if rng.chance(45) && bound > num::zero() {
                &base / (&bound + eps)
            } else {
                &base * rng.dec(50, 200, 0) / num::int(100)
            };
            let places = if input.kind == InputType::Integer {
                0
            } else {
                2
            };
            if !num::has_places(&q, places) {
                q = num::round(&q, places, num::Mode::HalfUp);
            }
            if q <= num::zero() {
                q = rng.dec(500, 150_000, places);
            }
            // a decimal may carry a sign (docs/data.md, Cells)
            let t = match input.kind {
                InputType::Money | InputType::Decimal if rng.chance(5) => format!("+{}", text(&q)),
                _ => text(&q),
            };
            w.deals.inputs.insert((e.id.clone(), input.id.clone()), t);
        }
    }
    if p.inputs.iter().any(|i| i.id == "region") {
        for e in &w.employees {
            if rng.chance(60) {
                w.deals.inputs.insert(
                    (e.id.clone(), "region".into()),
                    rng.pick(&TERRITORIES).into(),
                );
            }
        }
    }
}

/// Transactions, refunds and inputs for the policy's commissions; with
/// `edges`, now and then one defect (returned).
pub fn generate(
    rng: &mut Rng,
    f: &Flags,
    p: &Policy,
    w: &mut World,
    period: Period,
) -> Option<String> {
    if p.commissions.is_empty() {
        return None;
    }
    w.deals.input_cols = p.inputs.iter().map(|i| i.id.clone()).collect();
    add_deals(&mut rng.fork(1), w, period);
    let mut opt = vec!["share", "credit", "product", "customer", "territory"];
    let mut r = rng.fork(2);
    if r.chance(20) {
        opt.retain(|c| *c != "customer");
    }
    if r.chance(30) {
        // any column order (docs/data.md: order does not matter)
        opt.reverse();
    }
    // optional columns left out: every share 100, direct; no territory
    let plain = w
        .deals
        .rows
        .iter()
        .all(|x| x.credit != "overlay" && (x.share.is_empty() || x.share == "100"));
    if plain && r.chance(50) {
        opt.retain(|c| *c != "share" && *c != "credit");
    }
    if r.chance(8) {
        opt.retain(|c| *c != "territory");
    }
    w.deals.optional = opt;
    let on_deals = p
        .commissions
        .iter()
        .any(|c| matches!(c.on, On::Transactions { .. }));
    if on_deals {
        add_refunds(&mut rng.fork(3), p, w, period);
    }
    quotas(&mut rng.fork(4), p, w, period);
    if f.ties {
        super::deal_ties::make_ties(&mut rng.fork(7), p, w, period);
    }
    if f.edges && rng.fork(5).chance(15) {
        return super::deal_edges::break_one(&mut rng.fork(6), p, w, period);
    }
    None
}
