//! `merit run` without the trace frees the metric rows and targets during
//! the run's last scoring (the metric rows once aggregated, before the
//! KPIs are evaluated: the peak of a large run). Plans that score more than once — a year from quarters,
//! history targets over past periods, rounds of spans cut by mid-period
//! changes, commissions on KPIs — must give the same tables either way;
//! a read after the release would stop the run rather than find no rows.

mod common;
use common::*;
use std::path::Path;

fn gen(policy: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["--employees", "300", "--seed", "4"];
    args.extend_from_slice(extra);
    let o = common::gen(policy, out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Runs `period` with and without the trace; the tables must be equal.
fn same_tables(policy: &Path, data: &Path, period: &str, dir: &Path) {
    let runs = [
        ("with", "statements,workbook"),
        ("without", "statements,trace,workbook"),
    ];
    for (name, skip) in runs {
        let out = dir.join(format!("{period}-{name}"));
        let o = run_with(policy, data, period, &out, &["--skip", skip], &[]);
        assert!(o.status.success(), "{period} {name}: {}", stderr(&o));
    }
    let with = dir.join(format!("{period}-with"));
    let without = dir.join(format!("{period}-without"));
    assert!(with.join("trace.jsonl.zst").is_file());
    assert!(!without.join("trace.jsonl.zst").exists());
    let tables = ["payouts.csv", "scores.csv", "summary.csv", "exceptions.csv"];
    for t in tables.iter().chain(&["spans.csv", "deals.csv"]) {
        let (a, b) = (with.join(t), without.join(t));
        if tables.contains(t) || a.exists() {
            let a = std::fs::read(&a).unwrap_or_else(|e| panic!("{period} {t}: {e}"));
            assert!(a == std::fs::read(&b).unwrap(), "{period}: {t} differs");
        }
    }
}

/// Generates data for the example policy `name` with `args` and compares
/// each period's tables with and without the trace; the folder is kept
/// for further checks (`data` holds the generated tables).
fn case(name: &str, args: &[&str], periods: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let policy = root().join("policies").join(name);
    let data = dir.path().join("data");
    gen(&policy, &data, args);
    for period in periods {
        same_tables(&policy, &data, period, dir.path());
    }
    dir
}

#[test]
fn a_year_from_quarters_with_history_targets_is_the_same_without_the_trace() {
    let args = ["--months", "24", "--start", "2025-01"];
    case("growth-targets", &args, &["2026", "2026-Q3"]);
}

#[test]
fn spans_of_mid_period_changes_are_the_same_without_the_trace() {
    let dir = case(
        "platform-ops",
        &["--months", "12", "--changes"],
        &["2026", "2026-Q2"],
    );
    assert!(dir.path().join("data/history.csv").is_file());
    assert!(dir.path().join("2026-without/spans.csv").is_file());
}

#[test]
fn commissions_across_spans_are_the_same_without_the_trace() {
    let dir = case(
        "sales-commission",
        &["--months", "1", "--changes"],
        &["2026-01"],
    );
    assert!(dir.path().join("2026-01-without/spans.csv").is_file());
}

/// Plans whose bonus stage reads more of the data (a review modifier reads
/// the ratings, a funded pool the aggregates, a matrix and qualifiers the
/// KPI lines), each on generated data.
#[test]
fn plans_that_read_data_in_the_bonus_stage_are_the_same_without_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    for plan in PLANS {
        let policy = root().join("tests/plans").join(plan);
        let data = dir.path().join(format!("data-{plan}"));
        gen(&policy, &data, &["--months", "3"]);
        let out = dir.path().join(plan);
        std::fs::create_dir(&out).unwrap();
        same_tables(&policy, &data, "2026-Q1", &out);
    }
}

const PLANS: [&str; 7] = [
    "modifiers",
    "pool-funded",
    "matrix",
    "qualifiers",
    "rollup",
    "fte",
    "proration",
];
