//! Issue 17, item 6: `merit new DIR --template T` writes a plan that passes
//! `check`, `test` and `run` as written, for every template.

mod common;
use common::*;
use std::path::Path;

/// `merit new` into `DIR/plan`; the plan's folder.
fn new_plan(dir: &Path, template: &str) -> String {
    let plan = dir.join("plan");
    let p = plan.to_str().unwrap().to_owned();
    let o = merit(&["new", &p, "--template", template]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // It says how to go on, with the plan's own period.
    assert!(stdout(&o).contains(&format!("merit test --policy {p}/policy")));
    p
}

fn checks_and_tests(p: &str, period: &str, cases: usize) {
    let (policy, data) = (format!("{p}/policy"), format!("{p}/data"));
    let o = merit(&[
        "check", "--policy", &policy, "--data", &data, "--period", period,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "no warnings");
    let o = merit(&["test", "--policy", &policy]);
    let want = format!("test result: ok. {cases} passed; 0 failed");
    assert!(stdout(&o).contains(&want), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(0));
}

fn payout_rows(run: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(run.join("payouts.csv")).unwrap();
    text.lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn the_commission_template_checks_tests_and_runs_a_chain() {
    let dir = tempfile::tempdir().unwrap();
    let p = new_plan(dir.path(), "commission");
    let o = merit(&["new", &format!("{p}-2"), "--template", "commission"]);
    assert!(
        stdout(&o).contains("--period 2026-02 --out") && stdout(&o).contains("--after"),
        "{}",
        stdout(&o)
    );
    checks_and_tests(&p, "2026-01", 2);
    let plan = Path::new(&p);
    let (policy, data) = (plan.join("policy"), plan.join("data"));
    let jan = plan.join("runs/2026-01");
    let o = run(&policy, &data, "2026-01", &jan);
    assert!(o.status.success(), "{}", stderr(&o));
    // The hand-worked January case (tests/cases.yaml), now from data/:
    // A1 4,000.00 + a 1,000.00 draw; B2 1,000.00 + 2,000.00.
    assert_eq!(
        payout_rows(&jan),
        [
            "A1,Alex Chen,east,account_exec,2026-01,100.00,B,0.00,0.00,4000.00,0.00,1000.00,0.00,0.00,5000.00,CNY,CNY,1,5000.00",
            "B2,Bo Li,east,account_exec,2026-01,75.00,C,0.00,0.00,1000.00,0.00,2000.00,0.00,0.00,3000.00,CNY,CNY,1,3000.00",
        ]
    );
    // February after January, as the February case: D-101's refund lowers
    // the year's credit; A1 is paid 61,600.00 less the 1,000.00 owed.
    let feb = plan.join("runs/2026-02");
    let after = ["--after", jan.to_str().unwrap()];
    let o = run_with(&policy, &data, "2026-02", &feb, &after, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        payout_rows(&feb),
        [
            "A1,Alex Chen,east,account_exec,2026-02,104.00,B,0.00,0.00,61600.00,0.00,0.00,1000.00,0.00,60600.00,CNY,CNY,1,60600.00",
            "B2,Bo Li,east,account_exec,2026-02,90.00,B,0.00,0.00,0.00,0.00,3000.00,0.00,0.00,3000.00,CNY,CNY,1,3000.00",
        ]
    );
    let balances = std::fs::read_to_string(feb.join("balances.csv")).unwrap();
    assert!(
        balances.contains("B2,2026-01-01,5000.00,0.00,1000.00"),
        "{balances}"
    );
}

#[test]
fn the_scorecard_template_checks_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    let p = new_plan(dir.path(), "scorecard");
    checks_and_tests(&p, "2026-09", 1);
}

#[test]
fn every_template_validates_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/policy.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for template in ["scorecard", "commission"] {
        let dir = tempfile::tempdir().unwrap();
        let p = new_plan(dir.path(), template);
        let text = std::fs::read_to_string(format!("{p}/policy/policy.yaml")).unwrap();
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let doc = serde_json::to_value(yaml).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{template}: {errors:?}");
    }
}
