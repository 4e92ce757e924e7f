//! Deliberate defects in the commission data (with the `edges` flag): one
//! per case, each something docs/data.md or docs/policy.md says stops the
//! run. The generator only says what it broke; the reference decides.

use super::data::{days_in, World};
use super::deals::Deals;
use super::Rng;
use crate::reference::commission::{month_of, InputType, Quota};
use crate::reference::num;
use crate::reference::period::Period;
use crate::reference::policy::Policy;

pub fn break_one(rng: &mut Rng, p: &Policy, w: &mut World, period: Period) -> Option<String> {
    match rng.below(10) {
        k @ (4 | 7 | 8) => inputs(rng, p, w, period, k),
        k => deals(rng, &mut w.deals, period, k),
    }
}

/// A defect of the transactions or refunds table.
fn deals(rng: &mut Rng, d: &mut Deals, period: Period, k: u64) -> Option<String> {
    if d.rows.is_empty() {
        return None;
    }
    match k {
        0 => {
            // a split deal's direct shares no longer sum to 100
            let i = d
                .rows
                .iter()
                .position(|r| r.share.contains('.') && r.credit != "overlay")?;
            d.rows[i].share = format!("{}1", d.rows[i].share);
            Some(format!("share of {} changed", d.rows[i].deal))
        }
        1 => {
            let r = rng.pick(&d.rows);
            let extra = num::d("0.01");
            d.refunds.push((r.deal.clone(), r.date, &r.amount + extra));
            Some(format!("refunds of {} above its amount", r.deal))
        }
        2 => {
            let r = d
                .rows
                .iter()
                .find(|r| period.contains(month_of(r.date)) && r.date > period.start_date())?;
            let day = super::adjust::date_of(r.date.day_number() - 1);
            d.refunds.push((r.deal.clone(), day, num::d("1")));
            Some(format!("refund of {} dated before the deal", r.deal))
        }
        3 => {
            // a refund in the period of a deal dated before it
            let r = d
                .rows
                .iter()
                .find(|r| r.date < period.start_date() && r.amount > num::zero())?;
            d.refunds
                .push((r.deal.clone(), period.end_date(), num::d("0.01")));
            Some(format!(
                "refund in the period of {}, dated before it",
                r.deal
            ))
        }
        5 => {
            let mut r = rng.pick(&d.rows);
            r.employee = "X99".into();
            r.credit = "overlay".into();
            d.rows.push(r);
            Some("a row of an unknown employee".into())
        }
        6 => {
            // a deal with overlay credit only
            let deal = rng.pick(&d.rows).deal;
            d.rows
                .iter_mut()
                .filter(|r| r.deal == deal)
                .for_each(|r| r.credit = "overlay".into());
            Some(format!("deal {deal} has overlay rows only"))
        }
        _ => {
            // a share `N/D` with D above 100 (its value, 100, is right)
            let i = d
                .rows
                .iter()
                .position(|r| r.share.is_empty() || r.share == "100")?;
            d.rows[i].share = "20000/200".into();
            Some(format!("share 20000/200 on {}", d.rows[i].deal))
        }
    }
}

/// A defect of an input column: an earner's quota 0, an integer written
/// with a decimal point, a required cell left empty.
fn inputs(rng: &mut Rng, p: &Policy, w: &mut World, period: Period, k: u64) -> Option<String> {
    let d = &mut w.deals;
    match k {
        4 => {
            let (c, input) = p.commissions.iter().find_map(|c| match &c.quota {
                Some(Quota::Input(i)) => Some((c, i.clone())),
                _ => None,
            })?;
            let e = w
                .employees
                .iter()
                .find(|e| c.earns(&e.role) && days_in(e, period) > 0)?;
            d.inputs.insert((e.id.clone(), input.clone()), "0".into());
            Some(format!("{input} of {} is 0", e.id))
        }
        7 => {
            let i = p.inputs.iter().find(|i| i.kind == InputType::Integer)?;
            let e = rng.pick(&w.employees);
            let key = (e.id.clone(), i.id.clone());
            let v = d.inputs.get(&key).cloned().unwrap_or_else(|| "1".into());
            d.inputs.insert(key, format!("{v}.0"));
            Some(format!("integer input {} of {} written {v}.0", i.id, e.id))
        }
        _ => {
            let i = p.inputs.iter().find(|i| i.required)?;
            let e = rng.pick(&w.employees);
            d.inputs.remove(&(e.id.clone(), i.id.clone()));
            Some(format!("required input {} of {} empty", i.id, e.id))
        }
    }
}
