//! `merit test`: run a policy's own test cases (`DIR/tests/*.yaml`), each a
//! few employees with inline data and the exact results expected, through
//! the same pipeline as `merit run`. Output follows `cargo test`.

use crate::data;
use crate::decimal::parse_decimal;
use crate::engine::blend::ReviewUse;
use crate::engine::{self, EmployeeResult};
use crate::error::{Diagnostic, Error, Result};
use crate::period::Period;
use crate::policy::{self, LoadedPolicy};
use clap::Args;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Policy folder
    #[arg(long)]
    pub policy: PathBuf,
    /// Run only cases whose name contains this text
    #[arg(long)]
    pub filter: Option<String>,
}

pub(super) type Row = BTreeMap<String, serde_yaml::Value>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Case {
    pub(super) name: String,
    pub(super) period: String,
    pub(super) employees: Vec<Row>,
    #[serde(default)]
    pub(super) metrics: Vec<Row>,
    #[serde(default)]
    pub(super) targets: Vec<Row>,
    #[serde(default)]
    pub(super) ratings: Vec<Row>,
    #[serde(default)]
    pub(super) projects: Vec<Row>,
    #[serde(default)]
    pub(super) benchmarks: Vec<Row>,
    #[serde(default)]
    pub(super) transactions: Vec<Row>,
    #[serde(default)]
    pub(super) refunds: Vec<Row>,
    #[serde(default)]
    pub(super) assignments: Vec<Row>,
    #[serde(default)]
    pub(super) leave: Vec<Row>,
    #[serde(default)]
    pub(super) holidays: Vec<Row>,
    #[serde(default)]
    pub(super) history: Vec<Row>,
    /// What the previous run of a chain left (stateful plans).
    pub(super) after: Option<super::test_state::After>,
    /// What an earlier run of this period paid (employee → total): the
    /// case is a re-run, as `merit run --previous`.
    previous: Option<BTreeMap<String, serde_yaml::Value>>,
    /// Employee id → expected values.
    pub(super) expect: BTreeMap<String, Expect>,
}

#[derive(Deserialize, Default, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct Expect {
    score: Option<serde_yaml::Value>,
    rating: Option<String>,
    bonus: Option<serde_yaml::Value>,
    project_bonus: Option<serde_yaml::Value>,
    total_payout: Option<serde_yaml::Value>,
    /// The sum of the employee's commissions.
    commission: Option<serde_yaml::Value>,
    /// Commission id → amount; ids not listed are not compared.
    #[serde(default)]
    commissions: BTreeMap<String, serde_yaml::Value>,
    /// Set to false to expect the bonus gate to block the bonus, true to expect it open.
    gate_passed: Option<bool>,
    /// Expect the review to be left out and the weights re-normalised.
    review_renormalized: Option<bool>,
    /// The band before calibration moved the employee (`none` if not moved).
    calibrated_from: Option<String>,
    /// The ids of the recognition rules the employee earns, all of them
    /// (`[]`: none).
    recognition: Option<Vec<String>>,
    #[serde(default)]
    kpis: BTreeMap<String, KpiExpect>,
    /// Stateful plans: the draw paid, recovered, carried, clawback, what is
    /// owed after the run and what the year end forgave.
    pub(super) draw: Option<serde_yaml::Value>,
    pub(super) recovered: Option<serde_yaml::Value>,
    pub(super) carried: Option<serde_yaml::Value>,
    pub(super) clawback: Option<serde_yaml::Value>,
    pub(super) owed: Option<serde_yaml::Value>,
    pub(super) forgiven: Option<serde_yaml::Value>,
    /// Mid-period changes: each span, in date order.
    spans: Option<Vec<super::test_spans::SpanExpect>>,
    /// The kinds of `exceptions.csv` rows the employee gets, all of them
    /// (`[]`: none).
    exceptions: Option<Vec<String>>,
    /// The employee's row of `adjustments.csv` (a case with `previous:`).
    adjustment: Option<super::test_outputs::AdjustmentExpect>,
}

impl Expect {
    /// Whether the expectation reads only what a run writes of someone who
    /// may have no result (left out, or paid before and gone); an empty
    /// one still expects a result.
    fn outputs_only(&self) -> bool {
        let rest = Expect {
            exceptions: None,
            adjustment: None,
            ..self.clone()
        };
        let asks = self.exceptions.is_some() || self.adjustment.is_some();
        asks && rest == Expect::default()
    }
}

#[derive(Deserialize, Default, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
struct KpiExpect {
    actual: Option<serde_yaml::Value>,
    target: Option<serde_yaml::Value>,
    achievement: Option<serde_yaml::Value>,
    score: Option<serde_yaml::Value>,
    weight: Option<serde_yaml::Value>,
    /// The KPI's share of the final score (score × weight ÷ 100, as scores.csv).
    contribution: Option<serde_yaml::Value>,
    /// The curve segment or tier, as scores.csv writes it (`target to stretch`).
    segment: Option<String>,
}

pub(super) fn text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

/// One comparison: a label, what was expected and what merit computed.
pub(super) struct Mismatch(pub(super) String, pub(super) String, pub(super) String);

fn same_number(expected: &serde_yaml::Value, actual: rust_decimal::Decimal) -> bool {
    parse_decimal(&text(expected)).is_ok_and(|e| e == actual)
}

/// Pushes a mismatch when an expected number differs from the computed one.
pub(super) fn check_number(
    out: &mut Vec<Mismatch>,
    label: String,
    e: &Option<serde_yaml::Value>,
    a: rust_decimal::Decimal,
) {
    if let Some(e) = e {
        if !same_number(e, a) {
            out.push(Mismatch(label, text(e), a.to_string()));
        }
    }
}

fn compare(
    lp: &LoadedPolicy,
    emp: &str,
    exp: &Expect,
    r: &EmployeeResult,
    out: &mut Vec<Mismatch>,
) {
    check_number(out, format!("{emp} score"), &exp.score, r.score);
    check_number(out, format!("{emp} bonus"), &exp.bonus, r.bonus);
    check_number(
        out,
        format!("{emp} project_bonus"),
        &exp.project_bonus,
        r.project_bonus,
    );
    check_number(
        out,
        format!("{emp} total_payout"),
        &exp.total_payout,
        r.total,
    );
    check_number(
        out,
        format!("{emp} commission"),
        &exp.commission,
        r.commission,
    );
    compare_commissions(lp, emp, exp, r, out);
    super::test_state::compare(emp, exp, r, out);
    super::test_spans::compare(emp, &exp.spans, r, out);
    compare_kpis(lp, emp, exp, r, out);
    compare_outcomes(emp, exp, r, out);
}

/// Each expected commission by id; a commission the role does not earn
/// is reported as such.
fn compare_commissions(
    lp: &LoadedPolicy,
    emp: &str,
    exp: &Expect,
    r: &EmployeeResult,
    out: &mut Vec<Mismatch>,
) {
    let commissions = &lp.policy.commissions;
    for (id, e) in &exp.commissions {
        let line = r
            .commissions
            .iter()
            .find(|l| commissions[l.commission].id == *id);
        match line {
            Some(l) => check_number(
                out,
                format!("{emp} commission {id}"),
                &Some(e.clone()),
                l.amount,
            ),
            None => out.push(Mismatch(
                format!("{emp} commission {id}"),
                text(e),
                "not earned by this employee's role (or not a commission of the policy)".into(),
            )),
        }
    }
}

/// Each expected KPI's actual, target, achievement, score and weight.
fn compare_kpis(
    lp: &LoadedPolicy,
    emp: &str,
    exp: &Expect,
    r: &EmployeeResult,
    out: &mut Vec<Mismatch>,
) {
    for (kpi, ke) in &exp.kpis {
        let line = r
            .kpis
            .iter()
            .find(|l| lp.policy.kpis[l.kpi_ix()].id == *kpi);
        let Some(l) = line else {
            out.push(Mismatch(
                format!("{emp} kpi {kpi}"),
                "evaluated".into(),
                "not evaluated for this employee".into(),
            ));
            continue;
        };
        check_number(out, format!("{emp} {kpi}.actual"), &ke.actual, l.actual);
        check_number(out, format!("{emp} {kpi}.target"), &ke.target, l.target);
        check_number(
            out,
            format!("{emp} {kpi}.achievement"),
            &ke.achievement,
            l.achievement,
        );
        check_number(out, format!("{emp} {kpi}.score"), &ke.score, l.score);
        check_number(out, format!("{emp} {kpi}.weight"), &ke.weight, l.weight);
        check_number(
            out,
            format!("{emp} {kpi}.contribution"),
            &ke.contribution,
            l.contribution,
        );
        if let Some(e) = &ke.segment {
            let a = l.segment.describe();
            if *e != a {
                out.push(Mismatch(
                    format!("{emp} {kpi}.segment"),
                    e.clone(),
                    a.into_owned(),
                ));
            }
        }
    }
}

/// The rating band, bonus gate, calibration and review outcome.
fn compare_outcomes(emp: &str, exp: &Expect, r: &EmployeeResult, out: &mut Vec<Mismatch>) {
    if let Some(e) = &exp.rating {
        if *e != r.band {
            out.push(Mismatch(format!("{emp} rating"), e.clone(), r.band.clone()));
        }
    }
    if let Some(e) = exp.gate_passed {
        if e != r.gate_failed.is_none() {
            out.push(Mismatch(
                format!("{emp} gate_passed"),
                e.to_string(),
                r.gate_failed.clone().unwrap_or_else(|| "true".into()),
            ));
        }
    }
    if let Some(e) = &exp.calibrated_from {
        let a = r.calibrated_from.clone().unwrap_or_else(|| "none".into());
        if *e != a {
            out.push(Mismatch(format!("{emp} calibrated_from"), e.clone(), a));
        }
    }
    if let Some(e) = exp.review_renormalized {
        let a = matches!(r.review, ReviewUse::MissingRenormalized { .. });
        if e != a {
            out.push(Mismatch(
                format!("{emp} review_renormalized"),
                e.to_string(),
                a.to_string(),
            ));
        }
    }
}

/// The recognition rules earned, as a sorted set of ids.
fn compare_awards(
    lp: &LoadedPolicy,
    emp: &str,
    e: &[String],
    a: &[usize],
    out: &mut Vec<Mismatch>,
) {
    let mut want: Vec<&str> = e.iter().map(String::as_str).collect();
    let mut got: Vec<&str> = a
        .iter()
        .map(|&i| lp.policy.recognition[i].id.as_str())
        .collect();
    want.sort_unstable();
    got.sort_unstable();
    if want != got {
        out.push(Mismatch(
            format!("{emp} recognition"),
            format!("{want:?}"),
            format!("{got:?}"),
        ));
    }
}

enum Outcome {
    Ok,
    Failed(Vec<Mismatch>),
    Error(String),
}

fn run_case(lp: &LoadedPolicy, case: &Case, scratch: &Path) -> Outcome {
    let period = match Period::parse(&case.period) {
        Ok(p) => p,
        Err(m) => return Outcome::Error(m),
    };
    let _ = std::fs::remove_dir_all(scratch);
    let written = super::test_tables::write_case_tables(case, scratch);
    if let Err(e) = written {
        return Outcome::Error(format!("cannot write the case's tables: {e}"));
    }
    let previous = match super::test_outputs::previous(&case.previous) {
        Ok(p) => p,
        Err(m) => return Outcome::Error(m),
    };
    let carried = match &case.after {
        Some(a) => match super::test_state::carried(lp, a, &scratch.join("after")) {
            Ok(c) => c,
            Err(m) => return Outcome::Error(format!("after: {m}")),
        },
        None => Default::default(),
    };
    let result = data::load(scratch, lp)
        .and_then(|mut d| engine::compute_after(lp, &mut d, &period, &carried).map(|r| (d, r)));
    let _ = std::fs::remove_dir_all(scratch);
    let (d, run) = match result {
        Ok(x) => x,
        Err(Error::Invalid(diags)) => return Outcome::Error(diags.to_string()),
        Err(e) => return Outcome::Error(e.to_string()),
    };
    // Recognition only when a case asks about it (its rules may need more data).
    let awards = match case.expect.values().any(|e| e.recognition.is_some()) {
        true => match engine::recognition::evaluate(lp, &d, &run) {
            Ok(a) => a,
            Err(e) => return Outcome::Error(e.to_string()),
        },
        false => Vec::new(),
    };
    let outputs = super::test_outputs::outputs(lp, &d, &run, previous.as_ref());
    let mut mismatches = Vec::new();
    for (emp, exp) in &case.expect {
        let i = run
            .employees
            .iter()
            .position(|r| d.employees[r.employee].id == *emp);
        let m = &mut mismatches;
        super::test_outputs::compare(&outputs, emp, &exp.exceptions, &exp.adjustment, m);
        match i {
            Some(i) => {
                compare(lp, emp, exp, &run.employees[i], m);
                if let (Some(e), Some(a)) = (&exp.recognition, awards.get(i)) {
                    compare_awards(lp, emp, e, &a.awards, m);
                }
            }
            // Someone left out (`not_in_period`) or paid before and gone
            // has exceptions and an adjustment, but no result.
            None if exp.outputs_only() => {}
            None => m.push(Mismatch(
                emp.to_string(),
                "a result".into(),
                "no result (not in the case or not employed in the period)".into(),
            )),
        }
    }
    if mismatches.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Failed(mismatches)
    }
}

pub fn main(args: TestArgs) -> Result<ExitCode> {
    let lp = match crate::output::feedback::load_policy(&args.policy).map(|(lp, _)| lp) {
        Ok(lp) => lp,
        Err(Error::Invalid(d)) => {
            eprintln!("{d}");
            eprintln!("merit test: the policy has errors; no case ran");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e),
    };
    let tally = run_files(&lp, &case_files(&lp), args.filter.as_deref());
    Ok(print_results(&lp, &tally))
}

/// The policy's case files (`tests/*.yaml`), sorted by path.
fn case_files(lp: &LoadedPolicy) -> Vec<&policy::PolicyFileBytes> {
    let mut files: Vec<&policy::PolicyFileBytes> = lp
        .files
        .iter()
        .filter(|f| {
            f.rel.starts_with("tests/") && (f.rel.ends_with(".yaml") || f.rel.ends_with(".yml"))
        })
        .collect();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

/// What the cases came to, in the order they ran.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    /// One `test NAME ... ok|FAILED` line a case (or unreadable file).
    lines: Vec<String>,
    /// Name and detail of each failure.
    failures: Vec<(String, String)>,
}

/// Runs the cases, file by file, whose name contains the filter (all
/// without one).
fn run_files(lp: &LoadedPolicy, files: &[&policy::PolicyFileBytes], filter: Option<&str>) -> Tally {
    let scratch = std::env::temp_dir().join(format!("merit-test-{}", std::process::id()));
    let mut tally = Tally::default();
    for f in files {
        let path = lp.dir.join(&f.rel);
        let text = String::from_utf8_lossy(&f.bytes);
        // Through a `Value` first: it refuses a key written twice (a typed
        // map would keep the last silently, losing an expectation).
        let parsed = serde_yaml::from_str::<serde_yaml::Value>(&text)
            .and_then(|_| serde_yaml::from_str::<CaseFile>(&text));
        let cases: CaseFile = match parsed {
            Ok(c) => c,
            Err(e) => {
                let d: Diagnostic = policy::yaml_error(&path, &text, &e);
                tally.failures.push((f.rel.clone(), d.to_string()));
                tally.lines.push(format!("test {} ... FAILED", f.rel));
                tally.failed += 1;
                continue;
            }
        };
        for case in &cases.cases {
            let name = format!("{}::{}", f.rel.trim_start_matches("tests/"), case.name);
            if filter.is_some_and(|flt| !name.contains(flt)) {
                continue;
            }
            tally.record(name, run_case(lp, case, &scratch));
        }
    }
    tally
}

impl Tally {
    fn record(&mut self, name: String, outcome: Outcome) {
        match outcome {
            Outcome::Ok => {
                self.passed += 1;
                self.lines.push(format!("test {name} ... ok"));
            }
            Outcome::Failed(m) => {
                self.failed += 1;
                self.lines.push(format!("test {name} ... FAILED"));
                let width = m.iter().map(|x| x.0.chars().count()).max().unwrap_or(0);
                let detail = m
                    .iter()
                    .map(|x| format!("  {:width$}  expected {:>14}   actual {}", x.0, x.1, x.2))
                    .collect::<Vec<_>>()
                    .join("\n");
                self.failures.push((name, detail));
            }
            Outcome::Error(e) => {
                self.failed += 1;
                self.lines.push(format!("test {name} ... FAILED"));
                self.failures
                    .push((name, format!("  the case could not run:\n{e}")));
            }
        }
    }
}

/// Prints the results the way `cargo test` does; 1 unless every case ran
/// and passed.
fn print_results(lp: &LoadedPolicy, tally: &Tally) -> ExitCode {
    let (passed, failed) = (tally.passed, tally.failed);
    println!(
        "\nrunning {} case{} from {}",
        passed + failed,
        if passed + failed == 1 { "" } else { "s" },
        lp.dir.join("tests").display()
    );
    for l in &tally.lines {
        println!("{l}");
    }
    if !tally.failures.is_empty() {
        println!("\nfailures:");
        for (name, detail) in &tally.failures {
            println!("\n---- {name} ----\n{detail}");
        }
    }
    let ok = failed == 0 && passed > 0;
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed",
        if ok { "ok" } else { "FAILED" }
    );
    if passed + failed == 0 {
        eprintln!(
            "merit test: no case ran (add cases to {}/tests/*.yaml or change --filter)",
            lp.dir.display()
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
