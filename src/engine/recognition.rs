//! Stage: non-material incentives — the policy's recognition rules and
//! suggested actions, evaluated for each employee after the bonus.
//!
//! Conditions see the bonus script's inputs (`employee`, `kpi`, `review`,
//! `period`, `score`, `rating`) plus `payout` (`bonus`, `project_bonus`,
//! `total`, after cap, proration and rounding). A condition that fails or
//! returns something other than true/false stops the run.

use super::{bonus, RunResult};
use crate::data::Data;
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::policy::{Condition, LoadedPolicy};
use crate::script::{dec, map};
use rayon::prelude::*;
use rhai::Scope;

/// What an employee was given, as indices into the policy's lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmployeeFeedback {
    /// Indices into `policy.recognition`.
    pub awards: Vec<usize>,
    /// Indices into `policy.feedback.suggested_actions`.
    pub actions: Vec<usize>,
}

/// The same variables as constants, so that a condition cannot change what
/// the next one sees (assigning is a run-time error).
fn constants(s: &Scope) -> Scope<'static> {
    let mut c = Scope::new();
    for (name, _, value) in s.iter_raw() {
        c.push_constant_dynamic(name.to_string(), value.clone());
    }
    c
}

/// Evaluates every rule for every employee; the result is aligned with
/// `run.employees`. Errors are reported per rule (the first employee it
/// failed for, and how many others).
pub fn evaluate(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> Result<Vec<EmployeeFeedback>> {
    let compiled = &lp.feedback;
    if compiled.recognition.is_empty() && compiled.actions.is_empty() {
        return Ok(vec![EmployeeFeedback::default(); run.employees.len()]);
    }
    let kpi_ids: Vec<&str> = lp.policy.kpis.iter().map(|k| k.id.as_str()).collect();
    type Failure = (bool, usize, Diagnostic);
    let results: Vec<std::result::Result<EmployeeFeedback, Vec<Failure>>> = run
        .employees
        .par_iter()
        .map(|r| {
            let e = &data.employees[r.employee];
            let mut inputs = bonus::scope(&lp.policy, e, r, &r.kpis, &kpi_ids, &run.period);
            inputs.push(
                "payout",
                map([
                    ("bonus", dec(r.bonus)),
                    ("project_bonus", dec(r.project_bonus)),
                    ("commission", dec(r.commission)),
                    ("total", dec(r.total)),
                ]),
            );
            let mut scope = constants(&inputs);
            let subject = format!("employee {}", e.id);
            let mut out = EmployeeFeedback::default();
            let mut failures = Vec::new();
            for (is_award, list) in [(true, &compiled.recognition), (false, &compiled.actions)] {
                for (i, c) in list.iter().enumerate() {
                    match holds(lp, c, &mut scope, &subject) {
                        Ok(true) if is_award => out.awards.push(i),
                        Ok(true) => out.actions.push(i),
                        Ok(false) => {}
                        Err(d) => failures.push((is_award, i, d)),
                    }
                }
            }
            if failures.is_empty() {
                Ok(out)
            } else {
                Err(failures)
            }
        })
        .collect();

    // First failure of each rule, in employee order, with a count of the rest.
    let mut first: std::collections::BTreeMap<(bool, usize), (Diagnostic, usize)> =
        Default::default();
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(f) => out.push(f),
            Err(failures) => {
                for (is_award, i, d) in failures {
                    first
                        .entry((!is_award, i))
                        .and_modify(|(_, n)| *n += 1)
                        .or_insert((d, 0));
                }
            }
        }
    }
    if first.is_empty() {
        return Ok(out);
    }
    let mut diags = Diagnostics::default();
    for (_, (mut d, more)) in first {
        if more > 0 {
            d.message
                .push_str(&format!(" (and {more} more employees with the same rule)"));
        }
        diags.push(d);
    }
    Err(Error::Invalid(diags))
}

fn holds(
    lp: &LoadedPolicy,
    c: &Condition,
    scope: &mut Scope,
    subject: &str,
) -> std::result::Result<bool, Diagnostic> {
    let len = scope.len();
    let v = lp.engine.eval(&c.script, scope, subject);
    scope.rewind(len);
    let v = v.map_err(|d| c.relocate(d, &lp.yaml_text))?;
    v.as_bool().map_err(|_| {
        c.relocate(
            Diagnostic::error(
                &c.script.path,
                format!(
                    "while evaluating {subject}: the condition gave {v} ({}), expected true or false",
                    v.type_name()
                ),
            ),
            &lp.yaml_text,
        )
    })
}
