//! Commissions exactly half a money unit past a whole one (flags
//! `commissions` and `ties`): a deal's amount is moved by thousandths
//! until an earner's commission (per period, or that deal's per-deal
//! commission) lands exactly on a rounding tie.

use super::coverage::is_tie;
use super::data::{days_in, World};
use super::Rng;
use crate::reference::commission::{credited, rate_table, Commission, On, Quota};
use crate::reference::num::{self, Q};
use crate::reference::period::Period;
use crate::reference::policy::Policy;

/// The unrounded commission of `c` (per period, or the deal's) with the
/// deal at `amount`: `rest` is the employee's other credit, `share` theirs
/// of this deal.
fn value(c: &Commission, q: Option<&Q>, rest: &Q, share: &Q, amount: &Q) -> Q {
    let part = amount * share / num::int(100);
    let (x, cap) = if c.per_deal {
        (rate_table(c, &part, None), &c.cap_deal)
    } else {
        (rate_table(c, &(rest + &part), q), &c.cap_period)
    };
    match cap {
        Some(m) if &x > m => m.clone(),
        _ => x,
    }
}

pub fn make_ties(rng: &mut Rng, p: &Policy, w: &mut World, period: Period) {
    let money = p.rounding.money;
    for c in &p.commissions {
        if !matches!(c.on, On::Transactions { .. }) || !rng.chance(70) {
            continue;
        }
        let d = w.data();
        // earners in the run with a credited deal that has no refunds
        let earners: Vec<String> = w
            .employees
            .iter()
            .filter(|e| c.earns(&e.role) && days_in(e, period) > 0)
            .filter(|e| {
                credited(&d, c, &e.id, period)
                    .iter()
                    .any(|(deal, _)| !d.refunds.iter().any(|r| &r.deal == deal))
            })
            .map(|e| e.id.clone())
            .collect();
        if earners.is_empty() {
            continue;
        }
        let e = rng.pick(&earners);
        let q = match &c.quota {
            None => None,
            Some(Quota::Fixed(q)) => Some(q.clone()),
            Some(Quota::Input(i)) => match w.deals.inputs.get(&(e.clone(), i.clone())) {
                Some(v) => Some(num::d(v)),
                None => continue,
            },
            Some(Quota::Kpi(_)) => continue,
        };
        if q.as_ref().is_some_and(|q| *q <= num::zero()) {
            continue;
        }
        let parts = credited(&d, c, &e, period);
        let unrefunded: Vec<&(String, Q)> = parts
            .iter()
            .filter(|(deal, _)| !d.refunds.iter().any(|r| &r.deal == deal))
            .collect();
        let (deal, part) = rng.pick(&unrefunded).clone();
        let t = d
            .transactions
            .iter()
            .find(|t| t.deal == deal && t.employee == e)
            .unwrap();
        let share = t.share.clone().unwrap();
        let rest = parts.iter().fold(num::zero(), |a, (_, x)| a + x) - part;
        let step = num::ratio(1, 1000);
        for k in 0..3000i64 {
            let delta = if k % 2 == 0 { k / 2 } else { -(k / 2) - 1 };
            let amount = &t.amount + &step * num::int(delta);
            if amount <= num::zero() {
                continue;
            }
            if is_tie(&value(c, q.as_ref(), &rest, &share, &amount), money) {
                for r in w.deals.rows.iter_mut().filter(|r| r.deal == deal) {
                    r.amount = amount.clone();
                }
                break;
            }
        }
    }
}
