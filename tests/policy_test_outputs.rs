//! Issue 17, item 5: a `merit test` case asserts what a run writes besides
//! the results — the exception kinds each employee gets (`exceptions.csv`)
//! and, naming an earlier run's payouts inline (`previous:`), the re-run's
//! `adjustments.csv` row.

mod common;
use common::*;

/// platform-ops, September 2026; team lead target bonus 120000 × 10% ÷ 12 = 1000.
/// L1: the "band S capped" case of the example (formula 1632 capped at 1500).
/// L2: every KPI at target but DAU at 1.2 (130); no rating, so the review's
/// 20% re-normalises onto the KPIs' 80: (130×30 + 100×20 + 100×20 + 100×10)
/// ÷ 80 = 8900 ÷ 80 = 111.25 → A (≥ 105), bonus 1000 × 1.1125 × 1.1 = 1223.75.
/// L3 is hired after the period. Paid before: L1 1600 (100 too much: a
/// balance of −100), L2 500 (723.75 now), G1 100 and gone (−100).
const CASE: &str = r#"cases:
  - name: a re-run after a correction
    period: "2026-09"
    previous: { L1: "1600.00", L2: "500", G1: "100.00" }
    employees:
      - { employee_id: L1, name: L1, department: d1, role: team_lead, base_salary: "120000", target_bonus_pct: "10", hire_date: "2020-01-01" }
      - { employee_id: L2, name: L2, department: d1, role: team_lead, base_salary: "120000", target_bonus_pct: "10", hire_date: "2020-01-01" }
      - { employee_id: L3, name: L3, department: d1, role: team_lead, base_salary: "120000", target_bonus_pct: "10", hire_date: "2026-10-01" }
    metrics:
      - { subject_id: L1, month: "2026-09", metric: registrations, value: "150" }
      - { subject_id: L1, month: "2026-09", metric: gmv, value: "1300" }
      - { subject_id: L1, month: "2026-09", metric: complaints, value: "0" }
      - { subject_id: L1, month: "2026-09", metric: orders, value: "100" }
      - { subject_id: L2, month: "2026-09", metric: registrations, value: "100" }
      - { subject_id: L2, month: "2026-09", metric: gmv, value: "1000" }
      - { subject_id: L2, month: "2026-09", metric: complaints, value: "2" }
      - { subject_id: L2, month: "2026-09", metric: orders, value: "100" }
      - { subject_id: d1, month: "2026-09", metric: dau, value: "600" }
    targets:
      - { subject_id: L1, period: "2026-09", kpi: new_users, target: "100" }
      - { subject_id: L1, period: "2026-09", kpi: gmv, target: "1000" }
      - { subject_id: L2, period: "2026-09", kpi: new_users, target: "100" }
      - { subject_id: L2, period: "2026-09", kpi: gmv, target: "1000" }
      - { subject_id: d1, period: "2026-09", kpi: dau, target: "500" }
    ratings:
      - { employee_id: L1, period: "2026-09", rating: "5" }
    expect:
      L1:
        bonus: "1500.00"
        exceptions: [negative_balance, capped]
        adjustment: { paid_before: "1600", recomputed: "1500", difference: "-100", paid_now: "0", balance_after: "-100" }
      L2:
        score: "111.25"
        rating: A
        exceptions: [missing_review]
        adjustment: { paid_before: "500", recomputed: "1223.75", difference: "723.75", paid_now: "723.75", balance_after: "0" }
      L3:
        exceptions: [not_in_period]
      G1:
        exceptions: [negative_balance]
        adjustment: { paid_before: "100", recomputed: "0", paid_now: "0", balance_after: "-100" }
"#;

/// The example policy with `CASE` (edited by `edits`) as its only test file.
fn test_with(edits: &[(&str, &str)]) -> (i32, String) {
    let (_dir, policy) = policy_copy("platform-ops");
    let mut case = CASE.to_owned();
    for (from, to) in edits {
        assert!(case.contains(from), "{from}");
        case = case.replacen(from, to, 1);
    }
    std::fs::write(policy.join("tests/cases.yaml"), case).unwrap();
    let o = merit(&["test", "--policy", policy.to_str().unwrap()]);
    (o.status.code().unwrap(), stdout(&o) + &stderr(&o))
}

#[test]
fn a_case_asserts_exceptions_and_re_run_adjustments() {
    let (code, out) = test_with(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("test result: ok. 1 passed; 0 failed"), "{out}");
}

#[test]
fn wrong_exceptions_and_adjustments_fail_with_expected_and_actual() {
    let (code, out) = test_with(&[
        ("exceptions: [missing_review]", "exceptions: []"),
        ("exceptions: [not_in_period]", "exceptions: [not_in_perod]"),
        ("paid_now: \"723.75\"", "paid_now: \"723.70\""),
    ]);
    assert_eq!(code, 1, "{out}");
    for line in [
        "L2 exceptions           expected             []   actual [\"missing_review\"]",
        "L2 adjustment.paid_now  expected         723.70   actual 723.75",
        "L3 exceptions           expected   not_in_perod   actual not an exception kind (one of calibrated, capped,",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    assert!(!out.contains("[\"not_in_perod\"]"), "said once: {out}");
    assert!(
        out.contains("test result: FAILED. 0 passed; 1 failed"),
        "{out}"
    );
}

#[test]
fn an_adjustment_needs_a_previous_run() {
    // Without `previous:` the case is a first run: no adjustments.csv, and
    // no overpayment either (L1 has only `capped`).
    let (code, out) = test_with(&[
        (
            "    previous: { L1: \"1600.00\", L2: \"500\", G1: \"100.00\" }\n",
            "",
        ),
        (
            "exceptions: [negative_balance, capped]",
            "exceptions: [capped]",
        ),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("L1 adjustment  expected          a row   actual no adjustments.csv"),
        "{out}"
    );
    assert!(!out.contains("L1 exceptions"), "{out}");
    // G1 was only ever in `previous`: no result, no exceptions now.
    assert!(out.contains("G1 exceptions"), "{out}");
}

#[test]
fn a_previous_amount_that_is_not_a_number_stops_the_case() {
    let (code, out) = test_with(&[("L2: \"500\"", "L2: \"5OO\"")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the case could not run"), "{out}");
    assert!(out.contains("previous.L2"), "{out}");
}

/// The commission template's January again, with a deal entered late
/// (D-103, 40,000 to A1): A1's credit 80,000 + 40,000 = 120,000 × 5 % =
/// 6,000.00, above the draw, so no top-up; paid 5,000.00 before: 1,000.00
/// now. B2 is unchanged (3,000.00, nothing now).
const RERUN: &str = r#"cases:
  - name: january re-run with a late deal
    period: "2026-01"
    previous: { A1: "5000.00", B2: "3000.00" }
    employees:
      - { employee_id: A1, name: A, department: east, role: account_exec, base_salary: "240000", target_bonus_pct: "0", hire_date: "2022-03-01", annual_quota: "1200000", monthly_draw: "5000" }
      - { employee_id: B2, name: B, department: east, role: account_exec, base_salary: "180000", target_bonus_pct: "0", hire_date: "2024-05-06", annual_quota: "600000", monthly_draw: "3000" }
    metrics:
      - { subject_id: A1, month: "2026-01", metric: visits, value: "20" }
      - { subject_id: B2, month: "2026-01", metric: visits, value: "15" }
    transactions:
      - { deal_id: D-101, employee_id: A1, date: "2026-01-12", amount: "60000" }
      - { deal_id: D-102, employee_id: A1, date: "2026-01-26", amount: "40000", share: "50" }
      - { deal_id: D-102, employee_id: B2, date: "2026-01-26", amount: "40000", share: "50" }
      - { deal_id: D-103, employee_id: A1, date: "2026-01-28", amount: "40000" }
    expect:
      A1:
        commission: "6000.00"
        draw: "0"
        exceptions: []
        adjustment: { paid_before: "5000", recomputed: "6000", difference: "1000", paid_now: "1000", balance_after: "0" }
      B2:
        exceptions: []
        adjustment: { paid_before: "3000", recomputed: "3000", difference: "0", paid_now: "0", balance_after: "0" }
"#;

#[test]
fn a_re_run_case_agrees_with_merit_run_previous() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    let o = merit(&["new", plan.to_str().unwrap(), "--template", "commission"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (policy, data) = (plan.join("policy"), plan.join("data"));
    std::fs::write(policy.join("tests/rerun.yaml"), RERUN).unwrap();
    let o = merit(&["test", "--policy", policy.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("test result: ok. 3 passed; 0 failed"),
        "{}",
        stdout(&o)
    );
    // The same re-run through `merit run --previous`.
    let first = plan.join("runs/2026-01");
    assert!(run(&policy, &data, "2026-01", &first).status.success());
    let deals = data.join("transactions.csv");
    let mut text = std::fs::read_to_string(&deals).unwrap();
    text += "D-103,A1,2026-01-28,40000,,,licence,Umbrella,east\n";
    std::fs::write(&deals, text).unwrap();
    let again = plan.join("runs/2026-01-r1");
    let previous = ["--previous", first.to_str().unwrap()];
    let o = run_with(&policy, &data, "2026-01", &again, &previous, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let adjustments = std::fs::read_to_string(again.join("adjustments.csv")).unwrap();
    for row in [
        "A1,2026-01,5000.00,6000.00,1000.00,1000.00,0.00,",
        "B2,2026-01,3000.00,3000.00,0.00,0.00,0.00,",
    ] {
        assert!(adjustments.contains(row), "{row}\n{adjustments}");
    }
    let exceptions = std::fs::read_to_string(again.join("exceptions.csv")).unwrap();
    assert_eq!(exceptions, "employee_id,kind,detail,effect\n");
}

#[test]
fn someone_without_a_result_may_be_expected_only_in_the_outputs() {
    // L3 (hired after the period) has exceptions but no score; asking for
    // one, or for nothing at all, is still "no result".
    for (from, to) in [
        ("exceptions: [not_in_period]", "score: \"0\""),
        ("L3:\n        exceptions: [not_in_period]", "L3: {}"),
    ] {
        let (code, out) = test_with(&[(from, to)]);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("L3  expected       a result   actual no result"),
            "{out}"
        );
    }
}
