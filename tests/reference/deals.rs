//! The data checks of docs/data.md for the commission tables
//! (transactions, refunds) and the employees table's input columns, and
//! the refunds a single run cannot place (docs/policy.md, Refunds and
//! clawbacks: without `clawback`, a refund dated in the period of a deal
//! the run does not credit stops the run).

use super::commission::{month_of, InputType};
use super::data::Txn;
use super::kpi::{Ctx, Stop};
use super::num::{self, Q};
use super::period::Period;
use num_traits::Signed;
use std::collections::BTreeMap;

impl Ctx<'_> {
    /// The data checks of docs/data.md for transactions, refunds and the
    /// policy's inputs, and the refunds the run cannot place: without
    /// `clawback`, a refund dated in the period of a deal the run does not
    /// credit stops it.
    ///
    /// Assumption (docs: "The deal is credited in this run (its date is
    /// inside the period …)"): a deal is credited when its date is in the
    /// period. The docs also speak of deals "never commissioned"; merit
    /// reads "credits" as "a commission of the run credits it to someone in
    /// the run", so the generator only refunds in the period deals that
    /// some commission credits to someone in the run (both readings agree).
    pub fn check_deals(&self, period: Period) -> Result<(), Stop> {
        self.check_inputs()?;
        let d = self.d;
        let known = |id: &str| d.employees.iter().any(|e| e.id == id);
        let mut deals: BTreeMap<&str, Vec<&Txn>> = BTreeMap::new();
        for t in &d.transactions {
            let share = t
                .share
                .as_ref()
                .ok_or(format!("deal {}: bad share", t.deal))?;
            if !known(&t.employee) || !share.is_positive() || share > &num::int(100) {
                return Err(format!("deal {}: unknown employee or share", t.deal));
            }
            if t.amount.is_negative() {
                return Err(format!("deal {}: negative amount", t.deal));
            }
            deals.entry(&t.deal).or_default().push(t);
        }
        for (id, rows) in &deals {
            let f = rows[0];
            let same = |t: &&Txn| {
                (t.date, &t.amount, &t.product, &t.customer, &t.territory)
                    == (f.date, &f.amount, &f.product, &f.customer, &f.territory)
            };
            let mut who: Vec<&str> = rows.iter().map(|t| t.employee.as_str()).collect();
            who.sort();
            who.dedup();
            let direct = rows
                .iter()
                .filter(|t| !t.overlay)
                .fold(num::zero(), |a, t| a + t.share.as_ref().unwrap());
            if !rows.iter().all(same) || who.len() != rows.len() || direct != num::int(100) {
                return Err(format!(
                    "deal {id}: rows disagree, repeat someone or direct ≠ 100"
                ));
            }
        }
        let mut refunded: BTreeMap<&str, Q> = BTreeMap::new();
        for r in &d.refunds {
            let deal = deals.get(r.deal.as_str()).map(|rows| rows[0]);
            if !r.amount.is_positive() || deal.is_some_and(|t| r.date < t.date) {
                return Err(format!(
                    "refund of {}: not positive or before the deal",
                    r.deal
                ));
            }
            *refunded.entry(&r.deal).or_insert_with(num::zero) += &r.amount;
            let credited = deal.is_some_and(|t| period.contains(month_of(t.date)));
            if period.contains(month_of(r.date)) && !credited {
                return Err(format!(
                    "refund of {} in the period: deal not credited",
                    r.deal
                ));
            }
        }
        for (deal, sum) in refunded {
            if deals.get(deal).is_some_and(|rows| sum > rows[0].amount) {
                return Err(format!("refunds of {deal} above its amount"));
            }
        }
        Ok(())
    }

    /// Every input cell against its type; a required input needs its
    /// column and a value on every row (docs/policy.md, Plan inputs).
    fn check_inputs(&self) -> Result<(), Stop> {
        for i in &self.p.inputs {
            if i.required && !self.d.employee_columns.contains(&i.id) {
                return Err(format!("input column {} missing", i.id));
            }
            for e in &self.d.employees {
                let cell = self.d.inputs.get(&(e.id.clone(), i.id.clone()));
                let ok = match (cell, i.kind) {
                    (None, _) => !i.required,
                    (Some(_), InputType::Text) => true,
                    (Some(s), InputType::Money) => num::dec(s).is_some_and(|x| !x.is_negative()),
                    (Some(s), InputType::Decimal) => num::dec(s).is_some(),
                    (Some(s), InputType::Integer) => {
                        let t = s.strip_prefix(['-', '+']).unwrap_or(s);
                        !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
                    }
                };
                if !ok {
                    return Err(format!("input {} of {}: bad or missing", i.id, e.id));
                }
            }
        }
        Ok(())
    }
}
