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
use crate::script::{dec, map, CompiledScript};
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

/// Evaluates every rule for every employee; the result is aligned with
/// `run.employees`. Errors are reported per rule (the first employee it
/// failed for, and how many others).
pub fn evaluate(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> Result<Vec<EmployeeFeedback>> {
    let compiled = &lp.feedback;
    if compiled.recognition.is_empty() && compiled.actions.is_empty() {
        return Ok(vec![EmployeeFeedback::default(); run.employees.len()]);
    }
    let kpi_ids: Vec<&str> = lp.policy.kpis.iter().map(|k| k.id.as_str()).collect();
    // Only what some condition reads is built for each employee, as the
    // bonus stage does; constants, so a condition cannot change what the
    // next one sees (assigning is a run-time error).
    let texts: Vec<&str> = (compiled.recognition.iter())
        .chain(&compiled.actions)
        .map(|c| &*c.script.text)
        .collect();
    let text = texts.join("\n");
    let reads = bonus::ScriptInputs::of(&text, &kpi_ids);
    let inputs = bonus::Inputs::new(&lp.policy, reads, &kpi_ids, &run.period).as_constants();
    let wants_payout = text.contains("payout");
    let all = all_at_once(lp, &texts);
    let stage = crate::progress::Stage::new("recognition", run.employees.len() as u64);
    let results: Vec<std::result::Result<EmployeeFeedback, Vec<Failure>>> = run
        .employees
        .par_iter()
        .map_init(Scope::new, |scope, r| {
            let e = &data.employees[r.employee];
            inputs.fill(scope, e, r, &r.kpis);
            if wants_payout {
                scope.push_constant("payout", payout(r));
            }
            let subject = || format!("employee {}", e.id);
            stage.inc(1);
            match all.as_ref().and_then(|a| at_once(lp, a, scope, &subject)) {
                Some(all) => Ok(split(&all, compiled.recognition.len())),
                None => one_by_one(lp, scope, &subject),
            }
        })
        .collect();
    stage.finish();

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

/// Every condition in one script giving an array of their values: one
/// evaluation per employee instead of one per rule. `None` if it does not
/// compile (each condition did on its own, so this is only a precaution).
fn all_at_once(lp: &LoadedPolicy, texts: &[&str]) -> Option<CompiledScript> {
    let blocks: Vec<String> = texts.iter().map(|t| format!("{{\n{t}\n}}")).collect();
    let text = format!("[{}]", blocks.join(",\n"));
    let scope = crate::policy::feedback::compile_scope(&lp.policy);
    lp.engine.compile(&lp.yaml_path(), &text, &scope).ok()
}

/// The conditions' values from the combined script, or `None` when it
/// fails or a value is not true/false (a `return`, an error): the rules are
/// then evaluated one by one, which names the rule that went wrong.
fn at_once(
    lp: &LoadedPolicy,
    all: &CompiledScript,
    scope: &mut Scope,
    subject: &dyn Fn() -> String,
) -> Option<Vec<bool>> {
    let len = scope.len();
    let v = lp.engine.eval_for(all, scope, subject);
    scope.rewind(len);
    let values = v.ok()?.into_typed_array::<bool>().ok()?;
    let n = lp.feedback.recognition.len() + lp.feedback.actions.len();
    (values.len() == n).then_some(values)
}

type Failure = (bool, usize, Diagnostic);

/// The combined values: the first `n` are the recognition rules.
fn split(all: &[bool], n: usize) -> EmployeeFeedback {
    EmployeeFeedback {
        awards: (0..n).filter(|&i| all[i]).collect(),
        actions: (n..all.len()).filter(|&i| all[i]).map(|i| i - n).collect(),
    }
}

/// Each rule on its own, so a failure names its rule.
fn one_by_one(
    lp: &LoadedPolicy,
    scope: &mut Scope,
    subject: &dyn Fn() -> String,
) -> std::result::Result<EmployeeFeedback, Vec<Failure>> {
    let compiled = &lp.feedback;
    let mut out = EmployeeFeedback::default();
    let mut failures = Vec::new();
    for (is_award, list) in [(true, &compiled.recognition), (false, &compiled.actions)] {
        for (i, c) in list.iter().enumerate() {
            match holds(lp, c, scope, subject) {
                Ok(true) if is_award => out.awards.push(i),
                Ok(true) => out.actions.push(i),
                Ok(false) => {}
                Err(d) => failures.push((is_award, i, d)),
            }
        }
    }
    match failures.is_empty() {
        true => Ok(out),
        false => Err(failures),
    }
}

/// `payout` as conditions see it.
fn payout(r: &super::EmployeeResult) -> rhai::Map {
    map([
        ("bonus", dec(r.bonus)),
        ("project_bonus", dec(r.project_bonus)),
        ("commission", dec(r.commission)),
        ("total", dec(r.total)),
    ])
}

fn holds(
    lp: &LoadedPolicy,
    c: &Condition,
    scope: &mut Scope,
    subject: &dyn Fn() -> String,
) -> std::result::Result<bool, Diagnostic> {
    let len = scope.len();
    let v = lp.engine.eval_for(&c.script, scope, subject);
    scope.rewind(len);
    let v = v.map_err(|d| c.relocate(d, &lp.yaml_text))?;
    v.as_bool().map_err(|_| {
        c.relocate(
            Diagnostic::error(
                &c.script.path,
                format!(
                    "while evaluating {}: the condition gave {v} ({}), expected true or false",
                    subject(),
                    v.type_name()
                ),
            ),
            &lp.yaml_text,
        )
    })
}
