//! Bonus pools (docs/policy.md, Bonus pools): after cap, proration and
//! rounding, a pool over budget (or any pool with `scale: both`) is paid
//! exactly its budget: each person ⌊bonus × budget ÷ total⌋ at money
//! places, the cents left over one each to the largest remainders, ties by
//! employee id (ascending).

use super::data::Employee;
use super::kpi::{Ctx, Stop};
use super::num::{self, Q};
use super::period::Period;
use super::policy::Scope;
use super::run::Payout;
use num_traits::{Signed, Zero};
use std::collections::BTreeMap;

impl Ctx<'_> {
    pub fn pools(
        &self,
        staff: &[&Employee],
        period: Period,
        out: &mut [Payout],
    ) -> Result<(), Stop> {
        let Some(pool) = &self.p.bonus.pool else {
            return Ok(());
        };
        let places = self.p.rounding.money;
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, e) in staff.iter().enumerate() {
            let key = match pool.scope {
                Scope::Department => e.department.clone(),
                _ => "company".to_string(),
            };
            groups.entry(key).or_default().push(i);
        }
        for (subject, members) in groups {
            let budget = self
                .d
                .budgets
                .get(&(subject.clone(), period.label()))
                .ok_or_else(|| format!("no budget for {subject} {}", period.label()))?;
            if !num::has_places(budget, places) {
                return Err(format!(
                    "budget {} has more than {places} places",
                    num::show(budget)
                ));
            }
            let total = members.iter().fold(num::zero(), |a, &i| a + &out[i].bonus);
            if total.is_zero() {
                if pool.both && budget.is_positive() {
                    return Err(format!(
                        "pool {subject}: bonuses sum to zero, budget positive"
                    ));
                }
                continue;
            }
            if !pool.both && &total <= budget {
                continue;
            }
            let bonuses: Vec<(String, Q)> = members
                .iter()
                .map(|&i| (out[i].id.clone(), out[i].bonus.clone()))
                .collect();
            let paid = allocate(&bonuses, budget, &total, places);
            for (&i, amount) in members.iter().zip(paid) {
                out[i].bonus = amount;
            }
        }
        Ok(())
    }
}

/// Largest-remainder allocation of `budget` in proportion to the bonuses.
pub fn allocate(bonuses: &[(String, Q)], budget: &Q, total: &Q, places: u32) -> Vec<Q> {
    let unit = num::Q::new(
        1.into(),
        num_traits::pow(num_bigint::BigInt::from(10), places as usize),
    );
    let exact: Vec<Q> = bonuses.iter().map(|(_, b)| b * budget / total).collect();
    let mut paid: Vec<Q> = exact.iter().map(|x| num::floor_to(x, places)).collect();
    let given = paid.iter().fold(num::zero(), |a, b| a + b);
    let left = ((budget - given) / &unit).to_integer();
    let mut order: Vec<usize> = (0..bonuses.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&exact[a] - &paid[a], &exact[b] - &paid[b]);
        rb.cmp(&ra).then(bonuses[a].0.cmp(&bonuses[b].0))
    });
    let left = usize::try_from(left).expect("non-negative leftover");
    for &i in order.iter().take(left) {
        paid[i] += &unit;
    }
    paid
}
