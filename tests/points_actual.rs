//! Points placed on the KPI's actual, in money, and by an employee's own
//! input (docs/policy.md, `points`). The amounts are hand-worked in
//! tests/plans/points-actual/tests/cases.yaml (run by tests/commission.rs);
//! this file checks what `check` and `run` refuse.

mod common;
use common::{merit, stderr};
use std::path::{Path, PathBuf};

fn plan() -> PathBuf {
    common::root().join("tests/plans/points-actual")
}

/// `merit check` of a copy of the plan with one edit: exit 1 and `message`.
fn check_fails(from: &str, to: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&plan(), &p);
    common::edit(&p.join("policy.yaml"), from, to);
    let o = merit(&["check", "--policy", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(message), "missing {message:?} in\n{err}");
    assert!(err.contains("policy.yaml:"), "{err}");
}

#[test]
fn check_refuses_points_that_cannot_be_placed() {
    check_fails(
        r#"{ actual: "100000", score: 100 }"#,
        r#"{ achievement: 1, score: 100 }"#,
        "every point sits on `achievement` or every point on `actual`, not a mix",
    );
    check_fails(
        "{ input: revenue_floor }",
        "{ input: revenue_flor }",
        "'revenue_flor' is not declared under inputs (did you mean 'revenue_floor'?)",
    );
    check_fails(
        r#"{ actual: "150000", score: 150 }"#,
        r#"{ actual: "90000", score: 150 }"#,
        "points 'money_points': actual 90000 comes after 100000; list points in order of actual",
    );
    check_fails(
        r#"{ actual: "100000", score: 100 }"#,
        r#"{ actual: "100000", achievement: 1, score: 100 }"#,
        "a point takes exactly one of `achievement` and `actual`",
    );
    check_fails(
        "unit: CNY, aggregate",
        "unit: CNY, scope: department, aggregate",
        "KPI 'revenue' is a team KPI, but its scoring 'money_points' places points by an employee's input; use numbers",
    );
}

/// A data folder: one employee per (id, floor, revenue).
fn data(dir: &Path, rows: &[(&str, &str, &str)]) -> PathBuf {
    let d = dir.join("data");
    std::fs::create_dir_all(&d).unwrap();
    let mut e = String::from(
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,revenue_floor\n",
    );
    let mut m = String::from("subject_id,month,metric,value\n");
    for (id, floor, revenue) in rows {
        e += &format!("{id},N,d,rep,120000,10,2020-01-01,{floor}\n");
        m += &format!("{id},2026-03,revenue,{revenue}\n");
    }
    std::fs::write(d.join("employees.csv"), e).unwrap();
    std::fs::write(d.join("metrics.csv"), m).unwrap();
    d
}

#[test]
fn a_floor_above_the_next_point_stops_the_run_naming_the_employee() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(
        dir.path(),
        &[("E1", "50000", "75000"), ("E2", "120000", "75000")],
    );
    let out = dir.path().join("out");
    let o = merit(&[
        "run",
        "--policy",
        plan().to_str().unwrap(),
        "--data",
        d.to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("KPI 'revenue' of E2: scoring 'money_points': the points sit at 120000, 100000, 150000, not in order"),
        "{err}"
    );
    assert!(!err.contains("of E1"), "{err}");
    assert!(!out.exists(), "nothing is written");
}
