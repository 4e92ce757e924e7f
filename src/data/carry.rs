//! A data set made ready for a simulated future period (`merit model
//! --simulate`): the period's tables that the data cannot hold yet are
//! carried from the last period modelled (docs/model.md).

use super::Data;
use crate::period::{Month, Period};

impl Data {
    /// Ratings, targets, pool budgets and benchmarks of `from` serve `to`
    /// where the data has none for `to`; each currency's latest rate serves
    /// `to`'s months without one. Projects are not carried (they are
    /// one-off): those the data has for `to` count.
    pub fn carry_period(&mut self, from: &Period, to: &Period) {
        self.ratings.relabel(&from.label, &to.label);
        self.targets.relabel(&from.label, &to.label);
        for map in [&mut self.budgets, &mut self.benchmarks] {
            let carried: Vec<((String, String), rust_decimal::Decimal)> = (map.iter())
                .filter(|((_, p), _)| *p == from.label)
                .map(|((k, _), v)| ((k.clone(), to.label.clone()), *v))
                .collect();
            for (key, v) in carried {
                map.entry(key).or_insert(v);
            }
        }
        let currencies: Vec<String> = (self.fx_rates.keys()).map(|(c, _)| c.clone()).collect();
        for cur in currencies {
            for m in to.months() {
                let latest = (self
                    .fx_rates
                    .range((cur.clone(), Month(i32::MIN))..=(cur.clone(), m)))
                .next_back()
                .map(|(_, v)| *v);
                if let Some(v) = latest {
                    self.fx_rates.entry((cur.clone(), m)).or_insert(v);
                }
            }
        }
    }
}
