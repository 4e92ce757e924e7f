//! The bonus formula's modifiers (docs/policy.md, Modifiers): factors by
//! band, by the manager's rating and by a KPI's achievement, multiplied in
//! exactly before gates, cap, proration and the one rounding.

use super::{EmployeeResult, KpiLine};
use crate::data::Data;
use crate::exact::{Exact, Num};
use crate::period::Period;
use crate::policy::Policy;
use rust_decimal::Decimal;

/// The formula × every factor, and each factor with what chose it.
pub(super) fn apply(
    policy: &Policy,
    data: &Data,
    period: &Period,
    r: &EmployeeResult,
    kpis: &[KpiLine],
    formula: Num,
) -> Result<(Num, Vec<(String, Decimal)>), String> {
    if policy.bonus.modifiers.is_empty() {
        return Ok((formula, Vec::new()));
    }
    let mut product = formula.exact();
    let mut used = Vec::new();
    for m in &policy.bonus.modifiers {
        let (why, factor) = factor(policy, data, period, r, kpis, m)?;
        product = product * factor.clone();
        used.push((why, factor.approx()));
    }
    Ok((Num::Exact(product).simplified(), used))
}

/// One modifier's factor for the employee, and what chose it.
fn factor(
    policy: &Policy,
    data: &Data,
    period: &Period,
    r: &EmployeeResult,
    kpis: &[KpiLine],
    m: &crate::policy::Modifier,
) -> Result<(String, Exact), String> {
    if let Some(b) = &m.band {
        // `check` lists every band.
        let f = b.get(&r.band).map_or(Decimal::ZERO, |d| d.0);
        return Ok((format!("band {}", r.band), Exact::from(f)));
    }
    if let Some(list) = &m.review {
        let rating = data
            .rating(r.employee, &period.label)
            .map(|x| x.rating)
            .ok_or("has no manager rating for the period, which a modifier reads")?;
        let f = list
            .iter()
            .find(|f| f.rating.0 == rating)
            .map(|f| f.factor.0)
            .ok_or_else(|| format!("rating {rating} has no factor in the modifier"))?;
        return Ok((format!("review {rating}"), Exact::from(f)));
    }
    let Some(k) = &m.kpi else {
        return Err("a modifier takes one of: band, review, kpi".into());
    };
    let a = super::last_achievement(policy, kpis, &k.id).ok_or_else(|| {
        format!(
            "a modifier reads KPI '{}', which is not evaluated for this employee",
            k.id
        )
    })?;
    let (f, _) = crate::policy::curve::at_fixed(&k.curve, a);
    Ok((format!("{} achievement {a}", k.id), f.exact()))
}
