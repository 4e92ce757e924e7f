//! What the generator reaches, measured with the reference alone (no merit
//! runs): outcomes, features and exact rounding ties at each rounding point.

use super::{generate, Flags, Rng};
use crate::reference::kpi::score;
use crate::reference::num::{self, Q};
use crate::reference::policy::Policy;
use crate::reference::run::Payout;
use crate::reference::{evaluate, Outcome};
use std::collections::BTreeMap;

/// Whether `x` lies exactly half a unit past `places` decimals.
pub fn is_tie(x: &Q, places: u32) -> bool {
    let s = Q::from_integer(num_traits::pow(
        num_bigint::BigInt::from(10),
        places as usize,
    ));
    let y = x * s;
    let frac = &y - y.floor();
    frac == num::ratio(1, 2)
}

#[derive(Default, Debug)]
pub struct Counts(pub BTreeMap<&'static str, usize>);

impl Counts {
    fn add(&mut self, k: &'static str, n: usize) {
        *self.0.entry(k).or_default() += n;
    }
    pub fn get(&self, k: &str) -> usize {
        self.0.get(k).copied().unwrap_or(0)
    }
}

/// Generates `n` cases (random flags) and counts what they reach.
pub fn measure(n: u64, seed: u64) -> Counts {
    let mut c = Counts::default();
    let mut rng = Rng::new(seed);
    for _ in 0..n {
        let bits: Vec<bool> = (0..Flags::COUNT).map(|_| rng.chance(50)).collect();
        let case = generate(rng.next(), &Flags::from_bits(&bits));
        let dir = tempfile::tempdir().unwrap();
        let (pol, data) = (dir.path().join("p"), dir.path().join("d"));
        case.write(&pol, &data);
        c.add("cases", 1);
        c.add(
            if case.period.contains('Q') {
                "quarter runs"
            } else if case.period.contains('H') {
                "half runs"
            } else if case.period.len() == 4 {
                "year runs"
            } else {
                "month runs"
            },
            1,
        );
        let pays = match evaluate(&pol, &data, &case.period).expect("subset") {
            Outcome::Stopped(_) => {
                c.add("stopped (exit 2)", 1);
                continue;
            }
            Outcome::Paid(p) => p,
        };
        let p = crate::reference::policy::load(&pol).unwrap();
        c.add("payout rows", pays.len());
        for pay in &pays {
            count(&mut c, &p, pay);
        }
        c.add(
            "pool groups with equal remainders",
            remainder_ties(&p, &data, &pays),
        );
        deals(&mut c, &p, &data, &case.period);
    }
    c
}

/// What a paid run's commissions reach: their kinds, and the credit rows.
fn deals(c: &mut Counts, p: &Policy, data: &std::path::Path, period: &str) {
    use crate::reference::commission::{month_of, On};
    let period = crate::reference::period::Period::parse(period).unwrap();
    for x in &p.commissions {
        c.add("commissions on a KPI", matches!(x.on, On::Kpi(_)) as usize);
        c.add("commissions per deal", x.per_deal as usize);
        c.add("commissions on attainment", x.attainment as usize);
    }
    let d = crate::reference::data::load(data);
    let inside = |deal: &str| {
        d.transactions
            .iter()
            .any(|t| t.deal == deal && period.contains(month_of(t.date)))
    };
    let lowering = d
        .refunds
        .iter()
        .filter(|r| r.date <= period.end_date() && inside(&r.deal))
        .count();
    c.add("refunds lowering a credit", lowering);
    let rows = d
        .transactions
        .iter()
        .filter(|t| period.contains(month_of(t.date)));
    for t in rows {
        let share = t.share.clone().unwrap_or_else(|| num::int(100));
        c.add("credit rows in the period", 1);
        c.add("overlay credit rows", t.overlay as usize);
        c.add(
            "credit rows with a non-terminating share",
            num::places_of(&share).is_none() as usize,
        );
    }
}

/// Pool groups where two people's bonuses (so their remainders) are equal
/// and not zero: the leftover cents go by employee id.
fn remainder_ties(p: &Policy, data: &std::path::Path, pays: &[Payout]) -> usize {
    let Some(pool) = &p.bonus.pool else { return 0 };
    let d = crate::reference::data::load(data);
    let mut groups: BTreeMap<String, Vec<&Payout>> = BTreeMap::new();
    for pay in pays {
        let e = d.employees.iter().find(|e| e.id == pay.id).unwrap();
        let key = match pool.scope {
            crate::reference::policy::Scope::Department => e.department.clone(),
            _ => String::new(),
        };
        groups.entry(key).or_default().push(pay);
    }
    groups
        .values()
        .filter(|g| {
            g.iter().enumerate().any(|(i, a)| {
                g[i + 1..].iter().any(|b| {
                    a.bonus_before_pool == b.bonus_before_pool
                        && a.bonus_before_pool > num::zero()
                        && a.bonus != a.bonus_before_pool
                })
            })
        })
        .count()
}

/// What one payout row reaches.
fn count(c: &mut Counts, p: &Policy, pay: &Payout) {
    let r = &p.rounding;
    c.add(
        "bonus exactly at a half money unit",
        is_tie(&pay.bonus_exact, r.money) as usize,
    );
    c.add("bonus > 0", (pay.bonus > num::zero()) as usize);
    c.add(
        "pool changed the bonus",
        (pay.bonus != pay.bonus_before_pool) as usize,
    );
    c.add("calibrated", pay.calibrated_from.is_some() as usize);
    c.add("gate shut", (!pay.gate_passed) as usize);
    // shut partial gates only (no full gate shut): the formula is reduced
    c.add(
        "partial gate shut",
        (pay.gate_factor > num::zero() && pay.gate_factor < num::int(1)) as usize,
    );
    c.add("review renormalised", pay.renormalized as usize);
    for l in &pay.commission_lines {
        c.add("commission lines", 1);
        c.add("commission > 0", (l.amount > num::zero()) as usize);
        c.add("commission capped", l.capped as usize);
        let ties = l.unrounded.iter().filter(|x| is_tie(x, r.money)).count();
        c.add("commission exactly at a half money unit", ties);
    }
    c.add(
        "project bonus paid",
        (pay.project_bonus > num::zero()) as usize,
    );
    c.add(
        "foreign currency",
        (pay.payout_currency != p.currency) as usize,
    );
    c.add(
        "payout conversion tie",
        is_tie(&(&pay.total / &pay.fx_rate), r.money) as usize,
    );
    if pay.lines.iter().all(|l| l.quarter.is_none()) {
        let mut total = pay
            .lines
            .iter()
            .fold(num::zero(), |a, l| a + &l.contribution);
        if let Some((_, s, w)) = &pay.review {
            total += s * w / num::int(100);
        }
        c.add("final score tie", is_tie(&total, r.score) as usize);
    }
    for l in &pay.lines {
        let k = p.kpi(&l.kpi);
        let q = &l.v.actual / &l.v.target;
        let raw = if k.lower {
            num::max(num::zero(), num::int(2) - q)
        } else {
            q
        };
        c.add("KPI lines", 1);
        c.add("achievement tie", is_tie(&raw, r.achievement) as usize);
        let s = score(&p.scorings[&k.scoring], &l.v.achievement);
        c.add("KPI score tie", is_tie(&s, r.score) as usize);
        c.add(
            "quarter lines (year from quarters)",
            l.quarter.is_some() as usize,
        );
    }
}
