//! The sales-commission example on a generated year: `merit gen` writes
//! deals (split and overlay credit) and refunds for it, and twelve monthly
//! runs chained with `--after` pay the year; every payout row keeps the
//! documented invariant, the year shows draws, recoveries and clawbacks,
//! December forgives what is still owed, the chain replays, and the
//! result does not depend on the thread count or the file format.

mod common;
use common::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

fn policy() -> std::path::PathBuf {
    root().join("policies/sales-commission")
}

fn gen(out: &Path, format: &str) {
    let o = merit(&[
        "gen",
        "--policy",
        policy().to_str().unwrap(),
        "--employees",
        "300",
        "--months",
        "12",
        "--out",
        out.to_str().unwrap(),
        "--format",
        format,
        "--seed",
        "11",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn month(data: &Path, m: u32, out: &Path, env: &[(&str, &str)]) {
    let period = format!("2026-{m:02}");
    let before = out.with_file_name(format!("{:02}", m - 1));
    let mut extra = vec!["--skip", "statements,trace,workbook"];
    if m > 1 {
        extra.extend(["--after", before.to_str().unwrap()]);
    }
    let o = run_with(&policy(), data, &period, out, &extra, env);
    assert!(o.status.success(), "{period}: {}", stderr(&o));
}

/// payouts.csv as rows of column → cell.
fn rows(out: &Path) -> Vec<BTreeMap<String, String>> {
    common::csv::table(&out.join("payouts.csv")).1
}

fn dec(r: &BTreeMap<String, String>, c: &str) -> Decimal {
    Decimal::from_str(&r[c]).unwrap_or_else(|_| panic!("{c}: {r:?}"))
}

#[test]
fn a_generated_year_of_the_sales_plan_pays_as_a_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (data, pq) = (dir.path().join("data"), dir.path().join("data-pq"));
    gen(&data, "csv");
    for t in ["transactions.csv", "refunds.csv", "employees.csv"] {
        assert!(data.join(t).is_file(), "{t}");
    }
    let cols = [
        "bonus",
        "commission",
        "clawback",
        "draw",
        "recovered",
        "carried",
    ];
    let mut year: BTreeMap<&str, Decimal> = BTreeMap::new();
    for m in 1..=12 {
        let out = dir.path().join(format!("{m:02}"));
        month(&data, m, &out, &[]);
        for r in rows(&out) {
            // The documented invariant, row by row.
            let sum =
                dec(&r, "bonus") + dec(&r, "commission") + dec(&r, "clawback") + dec(&r, "draw")
                    - dec(&r, "recovered")
                    + dec(&r, "carried")
                    + dec(&r, "project_bonus");
            assert_eq!(sum, dec(&r, "total_payout"), "{r:?}");
            assert!(dec(&r, "total_payout") >= Decimal::ZERO, "{r:?}");
            assert!(dec(&r, "clawback") <= Decimal::ZERO, "{r:?}");
            for c in cols {
                *year.entry(c).or_default() += dec(&r, c);
            }
        }
        assert!(out.join("deals.csv").is_file() && out.join("balances.csv").is_file());
    }
    // The year exercised every part of the plan.
    assert!(year["commission"] > Decimal::ZERO, "{year:?}");
    assert!(
        year["clawback"] < Decimal::ZERO,
        "refunds clawed back: {year:?}"
    );
    assert!(year["draw"] > Decimal::ZERO, "{year:?}");
    assert!(year["recovered"] > Decimal::ZERO, "{year:?}");
    // December is the plan year's last period: nothing is owed after it.
    let balances = std::fs::read_to_string(dir.path().join("12/balances.csv")).unwrap();
    assert!(balances.lines().count() > 250, "{balances}");
    for l in balances.lines().skip(1) {
        assert_eq!(
            l.split(',').nth(2),
            Some("0.00"),
            "owed after the year end: {l}"
        );
    }
    // The last run replays from its own folder.
    let o = merit(&["replay", dir.path().join("12").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // One thread, and Parquet input, pay the same to the byte.
    let one = dir.path().join("one/12");
    std::fs::create_dir_all(one.parent().unwrap()).unwrap();
    let env = [("RAYON_NUM_THREADS", "1"), ("POLARS_MAX_THREADS", "1")];
    let o = run_with(
        &policy(),
        &data,
        "2026-12",
        &one,
        &[
            "--skip",
            "statements,trace,workbook",
            "--after",
            dir.path().join("11").to_str().unwrap(),
        ],
        &env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    for f in ["payouts.csv", "balances.csv", "deals.csv"] {
        assert_eq!(bytes(&one, f), bytes(&dir.path().join("12"), f), "{f}");
    }
    gen(&pq, "parquet");
    let first = dir.path().join("pq/01");
    std::fs::create_dir_all(first.parent().unwrap()).unwrap();
    month(&pq, 1, &first, &[]);
    for f in ["payouts.csv", "balances.csv", "deals.csv"] {
        assert_eq!(bytes(&first, f), bytes(&dir.path().join("01"), f), "{f}");
    }
}
