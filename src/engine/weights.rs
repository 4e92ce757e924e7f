//! Stage: weights — the percent weight of each KPI and of the review for
//! one employee: the role's fixed weights, or its weights script, checked.

use super::bonus;
use super::inputs;
use crate::data::{Data, Employee};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Num;
use crate::period::Period;
use crate::policy::LoadedPolicy;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// The weights that apply to one employee: (KPI index, percent) in policy
/// order, and the review's percent.
#[derive(Clone)]
pub(super) struct Weights {
    /// Exact: a fraction such as 100/3 stays a fraction.
    pub(super) kpis: Vec<(usize, Num)>,
    pub(super) review: Decimal,
}

/// The weights of each `eligible` employee, in order. Without a weights
/// script a role's weights are the same for all its people: found once per
/// role and shared.
pub(super) fn of_employees(
    lp: &LoadedPolicy,
    data: &Data,
    period: &Period,
    eligible: &[usize],
) -> Result<Vec<Arc<Weights>>> {
    let policy = &lp.policy;
    let stage = crate::progress::Stage::work("weights", eligible.len() as u64);
    let role_weights: HashMap<&str, Arc<Weights>> = policy
        .roles
        .iter()
        .filter(|(r, _)| !lp.scripts.weights.contains_key(*r))
        .map(|(r, role)| (r.as_str(), Arc::new(fixed_weights(policy, role))))
        .collect();
    let results: Vec<std::result::Result<Arc<Weights>, Diagnostic>> = eligible
        .par_iter()
        .map(|&i| {
            let e = &data.employees[i];
            match role_weights.get(e.role.as_str()) {
                Some(w) => Ok(Arc::clone(w)),
                None => weights(lp, e, period).map(Arc::new),
            }
        })
        .collect();
    let mut diags = Diagnostics::default();
    let weights = super::collect(results, &mut diags);
    stage.finish();
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(weights)
}

/// A role's weights as the policy writes them (no weights script).
pub(super) fn fixed_weights(policy: &crate::policy::Policy, role: &crate::policy::Role) -> Weights {
    let kpis = (0..policy.kpis.len())
        .filter_map(|k| {
            // A weight of 0 keeps the KPI evaluated and visible to scripts
            // and commissions; it adds nothing to the score.
            role.weights
                .get(&policy.kpis[k].id)
                .map(|w| (k, w.value.clone()))
        })
        .collect();
    Weights {
        kpis,
        review: role.review_weight.0,
    }
}

pub(super) fn weights(
    lp: &LoadedPolicy,
    e: &Employee,
    period: &Period,
) -> std::result::Result<Weights, Diagnostic> {
    let policy = &lp.policy;
    let role = &policy.roles[&e.role];
    let Some(script) = lp.scripts.weights.get(&e.role) else {
        return Ok(fixed_weights(policy, role));
    };
    let subject = format!("employee {}", e.id);
    let mut scope = rhai::Scope::new();
    scope.push(
        "employee",
        inputs::employee_map(policy, e, period, bonus::days_employed(e, period)),
    );
    scope.push("period", inputs::period_map(period));
    let out = lp.engine.eval(script, &mut scope, &subject)?;
    let fail =
        |m: String| Diagnostic::error(&script.path, format!("while evaluating {subject}: {m}"));
    let map = out.try_cast::<rhai::Map>().ok_or_else(|| fail("the weights script must return a map of KPI id → weight, e.g. #{ csat: 50, complaint_rate: 50 }".into()))?;
    let mut kpis = Vec::new();
    let mut sum = role.review_weight.0;
    for (k, v) in &map {
        let idx = policy
            .kpis
            .iter()
            .position(|x| x.id == k.as_str())
            .ok_or_else(|| {
                fail(format!(
                    "returned a weight for '{k}', which is not a KPI{}",
                    crate::policy::hint(k, policy.kpis.iter().map(|x| x.id.as_str()))
                ))
            })?;
        let w = crate::script::to_decimal(v)
            .ok_or_else(|| fail(format!("the weight of '{k}' is {v}, not a number")))?;
        if w < Decimal::ZERO {
            return Err(fail(format!("the weight of '{k}' is negative")));
        }
        // Each weight is at most 100, so the sum (of at most a map's size) fits.
        if w > Decimal::ONE_HUNDRED {
            return Err(fail(format!(
                "the weight of '{k}' is {}, more than 100",
                w.normalize()
            )));
        }
        sum += w;
        kpis.push((idx, Num::Dec(w)));
    }
    if sum != Decimal::ONE_HUNDRED {
        return Err(fail(format!(
            "weights plus review_weight sum to {}, not 100",
            sum.normalize()
        )));
    }
    kpis.sort_by_key(|(k, _)| *k);
    Ok(Weights {
        kpis,
        review: role.review_weight.0,
    })
}
