//! `merit gen`: realistic synthetic data for a policy, deterministic for a
//! seed, accepted by `merit run`, the same in CSV and Parquet.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn gen(policy: &Path, out: &Path, format: &str, seed: &str) {
    let o = merit(&[
        "gen",
        "--policy",
        policy.to_str().unwrap(),
        "--employees",
        "300",
        "--months",
        "12",
        "--out",
        out.to_str().unwrap(),
        "--format",
        format,
        "--seed",
        seed,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn same_seed_same_bytes_other_seed_other_data() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    gen(&example_policy(), &a, "csv", "7");
    gen(&example_policy(), &b, "csv", "7");
    gen(&example_policy(), &c, "csv", "8");
    assert_eq!(files(&a), files(&b));
    assert_ne!(files(&a), files(&c));
    // Another thread count must not change a byte.
    let one = dir.path().join("one-thread");
    let o = merit_env(
        &[
            "gen",
            "--policy",
            example_policy().to_str().unwrap(),
            "--employees",
            "300",
            "--months",
            "12",
            "--out",
            one.to_str().unwrap(),
            "--format",
            "csv",
            "--seed",
            "7",
        ],
        &[("RAYON_NUM_THREADS", "1"), ("POLARS_MAX_THREADS", "1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files(&a), files(&one));
    let names: Vec<String> = files(&a).into_iter().map(|(n, _)| n).collect();
    for t in ["employees.csv", "metrics.csv", "targets.csv", "ratings.csv"] {
        assert!(names.iter().any(|n| n == t), "{names:?}");
    }
}

#[test]
fn generated_data_runs_for_every_example_policy_and_parquet_equals_csv() {
    let dir = tempfile::tempdir().unwrap();
    for policy in ["platform-ops", "customer-service", "growth-targets"] {
        let p = root().join("policies").join(policy);
        let (csv, pq) = (
            dir.path().join(format!("{policy}-csv")),
            dir.path().join(format!("{policy}-pq")),
        );
        gen(&p, &csv, "csv", "11");
        gen(&p, &pq, "parquet", "11");
        let period = if policy == "customer-service" {
            "2026-09"
        } else {
            "2026-Q3"
        };
        let (oa, ob) = (
            dir.path().join(format!("{policy}-out-csv")),
            dir.path().join(format!("{policy}-out-pq")),
        );
        let o = run(&p, &csv, period, &oa);
        assert!(o.status.success(), "{policy} csv: {}", stderr(&o));
        let o = run(&p, &pq, period, &ob);
        assert!(o.status.success(), "{policy} parquet: {}", stderr(&o));
        let payouts = std::fs::read_to_string(oa.join("payouts.csv")).unwrap();
        assert_eq!(
            payouts,
            std::fs::read_to_string(ob.join("payouts.csv")).unwrap(),
            "{policy}"
        );
        assert!(
            payouts.lines().count() > 250,
            "{policy}: most of the 300 people are paid"
        );
        if policy == "growth-targets" {
            // Targets from the generated market benchmarks are used.
            assert!(csv.join("benchmarks.csv").is_file());
            let scores = std::fs::read_to_string(oa.join("scores.csv")).unwrap();
            assert!(
                scores.contains("[benchmark "),
                "{policy}: no benchmark target"
            );
        }
    }
}

fn gen_args(policy: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "gen",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    merit(&args)
}

fn gen_ok(policy: &Path, out: &Path, extra: &[&str]) {
    let o = gen_args(policy, out, extra);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn run_ok(policy: &Path, data: &Path, period: &str, out: &Path) {
    let o = run(policy, data, period, out);
    assert!(o.status.success(), "{period}: {}", stderr(&o));
}

#[test]
fn baseline_computes_the_same_payouts() {
    // cargo test builds the examples next to the binary.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_merit"));
    let baseline = bin.parent().unwrap().join("examples").join("baseline");
    assert!(
        baseline.is_file(),
        "{} missing: build it with cargo build --release --examples",
        baseline.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gen_ok(
        &root().join("bench/policy"),
        &data,
        &[
            "--employees",
            "500",
            "--months",
            "12",
            "--format",
            "parquet",
            "--periods",
            "quarter,year",
        ],
    );
    for period in ["2026-Q3", "2026"] {
        let out = dir.path().join(format!("out-{period}"));
        run_ok(&root().join("bench/policy"), &data, period, &out);
        let csv = dir.path().join(format!("baseline-{period}.csv"));
        let o = std::process::Command::new(&baseline)
            .args([data.to_str().unwrap(), period, csv.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // The baseline writes the contract's first 11 columns.
        let m: String = std::fs::read_to_string(out.join("payouts.csv"))
            .unwrap()
            .lines()
            .map(|l| l.split(',').take(11).collect::<Vec<_>>().join(",") + "\n")
            .collect();
        let b = std::fs::read_to_string(csv).unwrap();
        assert!(m.len() > 10_000);
        assert!(m == b, "{period}: merit and the baseline disagree");
    }
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = gen_args(
        &example_policy(),
        &dir.path().join("x"),
        &["--employees", "0", "--months", "3"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--employees and --months must be at least 1"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("x").exists(), "nothing is written");
    // A non-empty folder is refused without --force.
    let full = dir.path().join("full");
    gen_ok(
        &example_policy(),
        &full,
        &["--employees", "5", "--months", "1"],
    );
    let o = gen_args(
        &example_policy(),
        &full,
        &["--employees", "5", "--months", "1"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
}
