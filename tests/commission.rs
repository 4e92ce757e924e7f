//! Plan inputs, commissions and the transactions table (docs/policy.md,
//! Plan inputs and Commissions; docs/data.md, transactions). The numbers are
//! hand-worked in the plans' own test cases under tests/plans, written from
//! the docs alone; this file runs them and checks what a run writes and
//! what bad input is refused with.

mod common;
use common::{merit, stderr, stdout};
use std::path::{Path, PathBuf};

fn plan(name: &str) -> PathBuf {
    common::root().join("tests/plans").join(name)
}

#[test]
fn every_hand_worked_case_passes() {
    for (name, cases) in [
        ("commission", 21),
        ("commission-half-even", 5),
        ("commission-published", 4),
        ("points", 8),
        ("proration", 4),
        ("proration-months", 4),
        ("proration-calendar", 4),
        ("proration-rounded", 3),
        ("rollup", 3),
        ("fte", 2),
        ("spans", 2),
        ("points-actual", 1),
    ] {
        let p = plan(name);
        let o = merit(&["test", "--policy", p.to_str().unwrap()]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{name}: {out}{}", stderr(&o));
        let want = format!("test result: ok. {cases} passed; 0 failed");
        assert!(out.contains(&want), "{name}: {out}");
    }
}

const EMPLOYEES: &str =
    "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,quota,plan_code
E01,AE one,sales,ae,120000,0,2020-01-01,100000,
E02,AE two,sales,ae,120000,0,2020-01-01,100000,
E09,Specialist,sales,ae_retro,120000,0,2020-01-01,50000,PILOT
";
const METRICS: &str = "subject_id,month,metric,value
E01,2026-03,calls,100
E02,2026-03,calls,100
E09,2026-03,calls,100
";
const TRANSACTIONS: &str = "deal_id,employee_id,date,amount,share,credit,product,customer,territory
D-1001,E01,2026-03-04,120000,,,licence,ACME,north
D-1002,E01,2026-03-18,90000,60,,licence,Globex,north
D-1002,E02,2026-03-18,90000,40,,licence,Globex,north
D-1002,E09,2026-03-18,90000,100,overlay,licence,Globex,north
";

/// A data folder with the three tables, each replaced where `edit` says.
fn data(dir: &Path, employees: &str, transactions: &str) -> PathBuf {
    let d = dir.join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), employees).unwrap();
    std::fs::write(d.join("metrics.csv"), METRICS).unwrap();
    std::fs::write(d.join("transactions.csv"), transactions).unwrap();
    d
}

fn run(dir: &Path, data: &Path) -> std::process::Output {
    let out = dir.join("out");
    merit(&[
        "run",
        "--policy",
        plan("commission").to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn a_run_pays_commissions_and_shows_how() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), EMPLOYEES, TRANSACTIONS);
    let o = run(dir.path(), &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "bonus 0.00 + commissions 24480.00 + projects 0.00 = total payout 24480.00 CNY"
        ),
        "{}",
        stdout(&o)
    );
    let out = dir.path().join("out");
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    // E01: 120000 + 60 % of 90000 = 174000 on a 100000 quota, marginal:
    // 100000 × 5 % + 50000 × 8 % + 24000 × 12 % = 11880. E02: 40 % = 36000
    // × 5 % = 1800. E09: overlay 90000 on 50000 = 1.8, whole amount 12 %.
    assert_eq!(
        payouts,
        "employee_id,name,department,role,period,score,rating,bonus,project_bonus,commission,total_payout,currency,payout_currency,fx_rate,payout_in_currency
E01,AE one,sales,ae,2026-03,100.00,A,0.00,0.00,11880.00,11880.00,CNY,CNY,1,11880.00
E02,AE two,sales,ae,2026-03,100.00,A,0.00,0.00,1800.00,1800.00,CNY,CNY,1,1800.00
E09,Specialist,sales,ae_retro,2026-03,100.00,A,0.00,0.00,10800.00,10800.00,CNY,CNY,1,10800.00
"
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary.contains("company,,3,24480.00,0.00,0.00,0.00,0.00,24480.00,24480.00,"),
        "{summary}"
    );
    let o = merit(&[
        "explain",
        "--run",
        out.to_str().unwrap(),
        "--employee",
        "E01",
    ]);
    let text = stdout(&o);
    for line in [
        "Commission       new_business: on credited deals (transactions table): credited 174000, quota 100000",
        "attainment = 174000 ÷ quota 100000 = 1.74",
        "marginal: 100000 × 0.05 = 5000 + 50000 × 0.08 = 4000 + 24000 × 0.12 = 2880",
        "= 11880 → 11880.00 (rounded once)",
        "Total payout     bonus 0.00 + commission new_business 11880.00 + commission hardware 0.00 + project bonus 0.00 = 11880.00 CNY",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let statement = std::fs::read_to_string(out.join("feedback/E01.md")).unwrap();
    assert!(
        statement.contains(
            "| 销售提成：新签佣金（计提业绩 174,000.00，业绩指标 100,000.00）| 11,880.00 |"
        ) || statement.contains(
            "New business commission (credited 174,000.00, quota 100,000.00) | 11,880.00 |"
        ),
        "{statement}"
    );
    // replay reproduces the run, commission lines included.
    let o = merit(&["replay", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

/// Runs with broken tables; exit 2, nothing written, every message given.
fn refused(employees: &str, transactions: &str, messages: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), employees, transactions);
    let o = run(dir.path(), &d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!dir.path().join("out").exists());
    for m in messages {
        assert!(err.contains(m), "missing {m:?} in\n{err}");
    }
}

#[test]
fn bad_transactions_are_all_reported_in_one_pass() {
    let bad = "deal_id,employee_id,date,amount,share,credit,product,customer,territory
D-1,E01,2026-03-04,1000,60,,licence,A,north
D-1,E02,2026-03-04,1000,30,,licence,A,north
D-2,E01,2026-03-05,500,,,licence,A,north
D-2,E02,2026-03-05,600,,overlay,licence,A,north
D-3,E01,2026-03-06,700,50,,licence,A,north
D-3,E01,2026-03-06,700,50,,licence,A,north
D-4,E01,2026-03-07,-5,,,licence,A,north
D-5,E01,2026-03-08,10,,sideline,licence,A,north
D-6,E77,2026-03-08,10,,,licence,A,north
D-7,E01,2026-03-08,10,0,,licence,A,north
D-8,E01,2026-03-08,10,100/0,,licence,A,north
D-9,E01,2026-03-08,10,,overlay,licence,A,north
";
    refused(
        EMPLOYEES,
        bad,
        &[
            "transactions.csv:2:5: error: column 'share': the direct shares of deal 'D-1' sum to 90, not 100",
            "transactions.csv:5:4: error: column 'amount': deal 'D-2' has rows that disagree on amount (line 4 and line 5)",
            "transactions.csv:7:2: error: column 'employee_id': employee E01 is credited twice on deal 'D-3'",
            "transactions.csv:8:4: error: column 'amount': -5 is negative",
            "transactions.csv:9:6: error: column 'credit': credit is `direct` or `overlay`",
            "transactions.csv:10:2: error: column 'employee_id': unknown employee 'E77'",
            "transactions.csv:11:5: error: column 'share': a share is a percent more than 0 and at most 100",
            "transactions.csv:12:5: error: column 'share': a share N/D needs a whole denominator D from 1 to 100 (e.g. 100/3)",
            "transactions.csv:13:5: error: column 'share': the direct shares of deal 'D-9' sum to 0, not 100",
        ],
    );
}

#[test]
fn exact_thirds_pay_exactly() {
    // A third each of 300000, exactly; three rows of 33.33 would not sum
    // to 100 and are refused.
    let t = "deal_id,employee_id,date,amount,share,product,territory
D-1,E01,2026-03-04,300000,100/3,licence,north
D-1,E02,2026-03-04,300000,100/3,licence,north
D-1,E09,2026-03-04,300000,100/3,licence,north
";
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), EMPLOYEES, t);
    let o = run(dir.path(), &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payouts = std::fs::read_to_string(dir.path().join("out/payouts.csv")).unwrap();
    // Each credited exactly 100000 = the quota of E01/E02: 5 % → 5000.00;
    // E09 (quota 50000, whole amount): attainment 2 → 12 % → 12000.00.
    assert!(
        payouts.contains("E01,AE one,sales,ae,2026-03,100.00,A,0.00,0.00,5000.00,"),
        "{payouts}"
    );
    assert!(
        payouts.contains("E09,Specialist,sales,ae_retro,2026-03,100.00,A,0.00,0.00,12000.00,"),
        "{payouts}"
    );
    let t = t.replace("100/3", "33.33");
    refused(
        EMPLOYEES,
        &t,
        &["the direct shares of deal 'D-1' sum to 99.99, not 100"],
    );
}

#[test]
fn inputs_are_checked_by_type_and_name() {
    let e = EMPLOYEES.replace(",quota,plan_code", ",quotaa,plan_code");
    refused(
        &e,
        TRANSACTIONS,
        &["employees.csv:1:8: error: unknown column 'quotaa' in the employees table (did you mean 'quota'?)"],
    );
    let e = EMPLOYEES
        .replace("2020-01-01,100000,\nE02", "2020-01-01,,\nE02")
        .replace(
            "E09,Specialist,sales,ae_retro,120000,0,2020-01-01,50000",
            "E09,Specialist,sales,ae_retro,120000,0,2020-01-01,lots",
        );
    refused(
        &e,
        TRANSACTIONS,
        &[
            "employees.csv:2:8: error: column 'quota': empty value where the policy's input requires one",
            "employees.csv:4:8: error: column 'quota': cannot parse 'lots' as a decimal number",
        ],
    );
}

/// A copy of the commission plan with `from` replaced by `to` in policy.yaml.
fn check_fails(from: &str, to: &str, message: &str) {
    check_plan_fails("commission", from, to, message);
}

/// `merit check` of a copy of `tests/plans/NAME` with one edit: exit 1 and `message`.
fn check_plan_fails(name: &str, from: &str, to: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&plan(name), &p);
    common::edit(&p.join("policy.yaml"), from, to);
    let o = merit(&["check", "--policy", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(message), "missing {message:?} in\n{err}");
    assert!(err.contains("policy.yaml:"), "{err}");
}

#[test]
fn check_refuses_commissions_that_cannot_work() {
    let p = std::fs::read_to_string(plan("commission").join("policy.yaml")).unwrap();
    assert!(
        p.contains("per: deal"),
        "the plan has a per-deal commission"
    );
    check_fails(
        "quota: { input: quota }",
        "quota: { input: quotas }",
        "'quotas' is not declared under inputs (did you mean 'quota'?)",
    );
    check_fails(
        "quota: { input: quota }",
        "quota: { input: plan_code }",
        "input 'plan_code' is text, not a number",
    );
    check_fails(
        "per: deal",
        "per: period",
        "a per-deal cap needs `per: deal`",
    );
    check_fails(
        "basis: amount",
        "basis: attainment",
        "`per: deal` pays each deal on its own amount, so the rates' basis must be amount",
    );
}

#[test]
fn weights_in_thirds_are_exact() {
    // 100/3 each: scores 100, 100, 0 → 66.67 (33.33/33.33/33.34 → 66.66).
    let p = plan("thirds");
    let o = merit(&["test", "--policy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("test result: ok. 2 passed; 0 failed"),
        "{}",
        stdout(&o)
    );
    // 33.33 three times does not sum to 100, and says so exactly.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("p");
    common::copy_dir(&p, &copy);
    common::edit(
        &copy.join("policy.yaml"),
        "demos: \"33.34\"",
        "demos: \"33.33\"",
    );
    common::edit(
        &copy.join("policy.yaml"),
        "deals: \"100/3\"",
        "deals: \"100/4\"",
    );
    let o = merit(&["check", "--policy", copy.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("role 'approx': KPI weights sum to 99.99, not 100"),
        "{err}"
    );
    assert!(
        err.contains("role 'exact': KPI weights sum to 91.66666666666666666666666667, not 100"),
        "{err}"
    );
}

#[test]
fn check_refuses_point_curves_that_cannot_work() {
    let two = "        - { achievement: \"0.5\", score: 0 }\n        - { achievement: \"0.8\", score: 40 }\n";
    check_plan_fails(
        "points",
        two,
        "        - { achievement: \"0.8\", score: 0 }\n        - { achievement: \"0.5\", score: 40 }\n",
        "policy.yaml:19:9: error: points 'stepped': achievement 0.5 comes after 0.8; list points in order of achievement",
    );
    check_plan_fails(
        "points",
        "        - { achievement: 1, score: 100 }\n",
        "        - { achievement: \"0.8\", score: 70 }\n        - { achievement: 1, score: 100 }\n",
        "points 'stepped': three points at achievement 0.8; a jump takes two",
    );
    check_plan_fails(
        "points",
        "      below: 0\n",
        "      below: 0\n    curve: { threshold: { achievement: 1, score: 1 }, target: { achievement: 2, score: 2 }, stretch: { achievement: 3, score: 3 } }\n",
        "a scoring rule takes exactly one of: curve, tiers, points, script",
    );
}

#[test]
fn payout_matrices_stepped_and_interpolated() {
    for (name, cases) in [("matrix", 4), ("matrix-interpolated", 4)] {
        let p = plan(name);
        let o = merit(&["test", "--policy", p.to_str().unwrap()]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{name}: {out}{}", stderr(&o));
        assert!(
            out.contains(&format!("test result: ok. {cases} passed; 0 failed")),
            "{out}"
        );
    }
    check_plan_fails(
        "matrix",
        "      - [75, 125, 150]\n",
        "      - [75, 125]\n",
        "matrix values: 3 rows of 3 values each are needed",
    );
    check_plan_fails(
        "matrix",
        "bounds: [\"0.9\", 1, \"1.1\"]",
        "bounds: [\"0.9\", 1, 1]",
        "matrix columns: bounds must be one or more achievements, strictly increasing",
    );
    check_plan_fails(
        "matrix",
        "{ kpi: margin,",
        "{ kpi: margins,",
        "matrix columns: KPI 'margins' is not defined (did you mean 'margin'?)",
    );
    check_plan_fails(
        "matrix",
        "weights: { revenue: 50, margin: 50 }",
        "weights: { revenue: 100 }",
        "matrix columns: role 'rep' does not list KPI 'margin' in its weights",
    );
    check_plan_fails(
        "matrix",
        "  matrix:\n",
        "  script: bonus.rhai\n  matrix:\n",
        "a payout matrix is the bonus formula; remove bonus.script",
    );
}

#[test]
fn modifiers_multiply_the_formula() {
    let p = plan("modifiers");
    let o = merit(&["test", "--policy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("test result: ok. 4 passed; 0 failed"),
        "{}",
        stdout(&o)
    );
    let o = merit(&["check", "--policy", p.to_str().unwrap()]);
    assert!(
        !stderr(&o).contains("has no weight in any role"),
        "{}",
        stderr(&o)
    );
    check_plan_fails(
        "modifiers",
        "C: \"0.5\" }",
        "}",
        "modifier 2: band C has no factor (list every band)",
    );
    check_plan_fails(
        "modifiers",
        "        - { rating: 3, factor: 1 }\n",
        "",
        "modifier 3: rating 3 of the review scale has no factor",
    );
    check_plan_fails(
        "modifiers",
        "    - band: { A: \"1.2\", B: 1, C: \"0.5\" }",
        "    - band: { A: \"1.2\", B: 1, C: \"-0.5\" }",
        "modifier 2: a factor must not be negative",
    );
    check_plan_fails(
        "modifiers",
        "weights: { sales: 100, profit: 0 }",
        "weights: { sales: 100 }",
        "modifier 1: role 'rep' does not list KPI 'profit' in its weights",
    );
}

#[test]
fn qualifiers_and_money_limits() {
    let p = plan("qualifiers");
    let o = merit(&["test", "--policy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("test result: ok. 5 passed; 0 failed"),
        "{}",
        stdout(&o)
    );
    check_plan_fails(
        "qualifiers",
        "min_band: B",
        "min_band: X",
        "min_band 'X' is not a rating band",
    );
    check_plan_fails(
        "qualifiers",
        "min_amount: \"300\"",
        "min_amount: \"3000\"",
        "min_amount is above max_amount",
    );
    check_plan_fails(
        "qualifiers",
        "max_amount: \"1100\"",
        "max_amount: \"1100.005\"",
        "max_amount is money: not negative, at most 2 decimals",
    );
}

#[test]
fn a_pool_funded_by_profit_above_a_hurdle() {
    let p = plan("pool-funded");
    let o = merit(&["test", "--policy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("test result: ok. 4 passed; 0 failed"),
        "{}",
        stdout(&o)
    );
    check_plan_fails(
        "pool-funded",
        "share: \"0.05\"",
        "share: \"5\"",
        "pool funding: share is more than 0 and at most 1",
    );
    check_plan_fails(
        "pool-funded",
        "funding: { kpi: net_profit,",
        "funding: { kpi: sales,",
        "pool funding: KPI 'sales' is not of the pool's scope (company)",
    );
}

#[test]
fn an_fte_outside_0_to_1_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,fte\nR,R,d,rep,120000,10,2020-01-01,1.5\n").unwrap();
    std::fs::write(
        d.join("metrics.csv"),
        "subject_id,month,metric,value\nR,2026-03,sales,100\n",
    )
    .unwrap();
    let o = merit(&[
        "run",
        "--policy",
        plan("fte").to_str().unwrap(),
        "--data",
        d.to_str().unwrap(),
        "--period",
        "2026-Q1",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("employee R: the FTE input 'fte' must be more than 0 and at most 1"),
        "{}",
        stderr(&o)
    );
    check_plan_fails(
        "fte",
        "  fte: fte",
        "  fte: ftee",
        "fte: 'ftee' is not a number input (did you mean 'fte'?)",
    );
}

#[test]
fn modifiers_are_checked_and_skipped_behind_a_shut_bonus() {
    check_plan_fails(
        "modifiers",
        "          - { achievement: \"1.2\", score: \"1.5\" }\n",
        "          - { achievement: \"1.2\", score: \"1.5\" }\n        below: \"-5\"\n",
        "modifier 1: a factor must not be negative",
    );
    check_plan_fails(
        "modifiers",
        "          - { achievement: 1, score: 1 }\n",
        "          - { achievement: \"0.7\", score: 1 }\n",
        "modifier 1: points are in order of achievement",
    );
    // A new hire without a rating and below the tenure qualifier: the
    // review modifier is not looked up, the bonus is 0 with the reason.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&plan("modifiers"), &p);
    common::edit(
        &p.join("policy.yaml"),
        "  missing: fail",
        "  missing: renormalize",
    );
    common::edit(
        &p.join("policy.yaml"),
        "bonus:\n",
        "bonus:\n  qualifiers: { min_tenure_months: 3 }\n",
    );
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\nN,N,d,rep,120000,10,2026-03-02\n").unwrap();
    std::fs::write(
        d.join("metrics.csv"),
        "subject_id,month,metric,value\nN,2026-03,sales,100\ncompany,2026-03,profit,1000\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = merit(&[
        "run",
        "--policy",
        p.to_str().unwrap(),
        "--data",
        d.to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    assert!(
        payouts.contains("N,N,d,rep,2026-03,100.00,B,0.00,"),
        "{payouts}"
    );
    let o = merit(&["explain", "--run", out.to_str().unwrap(), "--employee", "N"]);
    assert!(
        stdout(&o).contains("qualifier: tenure 0 months, below 3"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn extreme_point_scores_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&plan("points"), &p);
    common::edit(
        &p.join("policy.yaml"),
        "        - { achievement: \"1.25\", score: 150 }\n",
        "        - { achievement: \"1.25\", score: \"-79228162514264337593543950335\" }\n",
    );
    common::edit(
        &p.join("policy.yaml"),
        "        - { achievement: 2, score: 200 }\n",
        "        - { achievement: 2, score: \"79228162514264337593543950335\" }\n",
    );
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\nR,R,d,rep,120000,10,2020-01-01\n").unwrap();
    std::fs::write(
        d.join("metrics.csv"),
        "subject_id,month,metric,value\nR,2026-03,sales,15000\n",
    )
    .unwrap();
    let o = merit(&[
        "run",
        "--policy",
        p.to_str().unwrap(),
        "--data",
        d.to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 2)),
        "{:?} {}",
        o.status,
        stderr(&o)
    );
}

#[test]
fn a_money_limit_is_shown_in_explain() {
    // Hired 2025-12-01, left 2026-03-05: 1000 × 5 ÷ 31 = 161.29… → raised to 300.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,termination_date\nR,R,d,rep,120000,10,2025-12-01,2026-03-05\n").unwrap();
    std::fs::write(
        d.join("metrics.csv"),
        "subject_id,month,metric,value\nR,2026-03,sales,100\ncompany,2026-03,profit,1000\n",
    )
    .unwrap();
    std::fs::write(
        d.join("ratings.csv"),
        "employee_id,period,rating\nR,2026-03,3\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = merit(&[
        "run",
        "--policy",
        plan("qualifiers").to_str().unwrap(),
        "--data",
        d.to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = merit(&["explain", "--run", out.to_str().unwrap(), "--employee", "R"]);
    let text = stdout(&o);
    assert!(text.contains("Limit            min_amount: the prorated bonus 161.29032258064516129032258065 becomes 300"), "{text}");
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(
        exceptions.contains(
            "R,limited,min_amount 300.00 raised the bonus 161.29,bonus 300.00 (would be 161.29)"
        ),
        "{exceptions}"
    );
}

/// The leave and holidays tables are checked like every table: every
/// problem at once, located (docs/data.md, leave and holidays).
#[test]
fn bad_leave_holiday_and_assignment_rows_are_all_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("employees.csv"),
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\nR,R,d,rep,120000,10,2020-01-01\n",
    )
    .unwrap();
    std::fs::write(
        d.join("metrics.csv"),
        "subject_id,month,metric,value\nR,2026-12,sales,100\n",
    )
    .unwrap();
    std::fs::write(
        d.join("leave.csv"),
        "employee_id,start,end\nR,2026-11-02,2026-11-13\nR,2026-11-10,2026-11-20\nX,2026-11-01,2026-11-02\nR,2026-12-05,2026-12-01\n",
    )
    .unwrap();
    std::fs::write(
        d.join("holidays.csv"),
        "date,kind\n2026-10-03,holiday\n2026-10-05,workday\n2026-10-01,holiday\n2026-10-01,holiday\n2026-10-02,feast\n",
    )
    .unwrap();
    std::fs::write(
        d.join("assignments.csv"),
        "employee_id,territory,start,end\nR,north,2026-01-01,\nR,north,2026-06-01,2026-06-30\nR,south,2026-05-01,2026-04-01\nR,,2026-01-01,\n",
    )
    .unwrap();
    let p = plan("proration-calendar");
    let out = dir.path().join("out");
    let o = common::run(&p, &d, "2026-Q4", &out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for m in [
        "leave.csv:3:2: error: column 'start': leave of employee R overlaps an earlier row (line 2)",
        "leave.csv:4:1: error: column 'employee_id': unknown employee 'X'",
        "leave.csv:5:3: error: column 'end': the leave ends (2026-12-01) before it starts (2026-12-05)",
        "holidays.csv:2:1: error: column 'date': 2026-10-03 is a weekend day: a `holiday` row is for a weekday off",
        "holidays.csv:3:1: error: column 'date': 2026-10-05 is a weekday: a `workday` row is for a Saturday or Sunday worked in exchange",
        "holidays.csv:5:1: error: column 'date': 2026-10-01 is listed twice",
        "holidays.csv:6:2: error: column 'kind': kind is `holiday` or `workday`",
        "assignments.csv:3:3: error: column 'start': employee R covers territory 'north' twice on 2026-06-01 (line 2)",
        "assignments.csv:4:4: error: column 'end': the assignment ends (2026-04-01) before it starts (2026-05-01)",
        "assignments.csv:5:2: error: column 'territory': empty value where one is required",
    ] {
        assert!(err.contains(m), "missing {m:?} in\n{err}");
    }
    assert!(!out.exists());
}

/// With `unique_deal_ids`, a deal id on a second row is a duplicate, not a
/// split: the run stops naming both lines; without it the rows are a split
/// and the run pays (docs/policy.md, Commissions, one row per deal).
#[test]
fn unique_deal_ids_makes_a_repeated_deal_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&plan("commission"), &p);
    let yaml = p.join("policy.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{text}\nunique_deal_ids: true\n")).unwrap();
    let d = data(dir.path(), EMPLOYEES, TRANSACTIONS);
    let run_with = |policy: &Path, out: &str| {
        let out = dir.path().join(out);
        let args = [
            "run",
            "--policy",
            policy.to_str().unwrap(),
            "--data",
            d.to_str().unwrap(),
            "--period",
            "2026-03",
            "--out",
            out.to_str().unwrap(),
        ];
        merit(&args)
    };
    let o = run_with(&p, "unique");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("transactions.csv:4:1: error: column 'deal_id': deal 'D-1002' has more than one row (line 3 and line 4); the policy has unique_deal_ids"),
        "{err}"
    );
    assert!(!dir.path().join("unique").exists());
    let o = run_with(&plan("commission"), "split");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Without `clawback`, a refund of a deal sold before the period that a
/// commission which is not year to date paid then stops the run, even when
/// a year-to-date roll-up still credits the deal (docs/policy.md, Refunds
/// and clawbacks).
#[test]
fn a_refund_kept_by_an_earlier_commission_needs_clawback() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&plan("rollup"), &p);
    let yaml = p.join("policy.yaml");
    common::edit(
        &yaml,
        "    on: { transactions: { from: team } }\n",
        "    on: { transactions: { from: team } }\n    ytd: true\n",
    );
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,manager_id\nM,M,d,manager,120000,0,2020-01-01,\nR1,R1,d,rep,120000,0,2020-01-01,M\n").unwrap();
    std::fs::write(d.join("metrics.csv"), "subject_id,month,metric,value\nM,2026-01,calls,100\nR1,2026-01,calls,100\nM,2026-02,calls,100\nR1,2026-02,calls,100\n").unwrap();
    std::fs::write(
        d.join("transactions.csv"),
        "deal_id,employee_id,date,amount\nD2,R1,2026-01-12,100000\n",
    )
    .unwrap();
    std::fs::write(
        d.join("refunds.csv"),
        "deal_id,date,amount\nD2,2026-02-05,30000\n",
    )
    .unwrap();
    // January pays R1 10 % of D2 (own, not year to date) and M 1 % (team, year to date).
    let jan = dir.path().join("jan");
    let o = common::run(&p, &d, "2026-01", &jan);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let feb = dir.path().join("feb");
    let o = common::run_with(
        &p,
        &d,
        "2026-02",
        &feb,
        &["--after", jan.to_str().unwrap()],
        &[],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a refund of deal 'D2' is dated in 2026-02, but the deal was sold on 2026-01-12, and commission 'own' paid it in that period: add `clawback`"), "{err}");
    assert!(!feb.exists());
}

/// A factor rounded to `proration_places` reads as a factor in the
/// exception and in explain, not as "0.9239 of 1 days".
#[test]
fn a_rounded_proration_factor_reads_as_a_factor() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\nR,R,d,rep,120000,10,2026-10-08\n").unwrap();
    std::fs::write(
        d.join("metrics.csv"),
        "subject_id,month,metric,value\nR,2026-12,sales,100\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = common::run(&plan("proration-rounded"), &d, "2026-Q4", &out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(exceptions.contains("R,prorated,proration factor 0.9239 (rounded); hired 2026-10-08,bonus 2771.70 (full period 3000.00)"), "{exceptions}");
    let o = merit(&["explain", "--run", out.to_str().unwrap(), "--employee", "R"]);
    assert!(
        stdout(&o).contains("3000.00 × factor 0.9239 (rounded to proration_places) = 2771.7"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_quota_changed_mid_period_is_weighted_by_days() {
    // docs/policy.md, Commissions and draws across spans: E01's quota goes
    // from 100000 to 150000 on 15 March. Spans 1–14 March (14 days) and
    // 15–31 March (17 days): Q = 100000 × 14 ÷ 31 + 150000 × 17 ÷ 31
    // = 3950000 ÷ 31 = 127419.354838…; credited 120000 + 90000 × 60 %
    // = 174000, attainment 1.3655… (the 8 % step): Q × 5 % + (174000 − Q)
    // × 8 % = 13920 − 0.03 × Q = 13920 − 3822.580645… = 10097.419354…
    // → 10097.42.
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), EMPLOYEES, TRANSACTIONS);
    std::fs::write(
        d.join("history.csv"),
        "employee_id,effective,quota\nE01,2026-03-15,150000\n",
    )
    .unwrap();
    let o = run(dir.path(), &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payouts = std::fs::read_to_string(dir.path().join("out/payouts.csv")).unwrap();
    assert!(
        payouts.contains("\nE01,AE one,sales,ae,2026-03,100.00,A,0.00,0.00,10097.42,"),
        "{payouts}"
    );
    let o = merit(&[
        "explain",
        "--run",
        dir.path().join("out").to_str().unwrap(),
        "--employee",
        "E01",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("quota weighted by days: 100000 × 14 ÷ 31 + 150000 × 17 ÷ 31 = 127419.35483870967741935483871"),
        "{text}"
    );
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    // On the 1st it holds for the whole month: E01's quota 150000, 174000
    // credited: 150000 × 5 % + 24000 × 8 % = 7500 + 1920 = 9420.
    std::fs::write(
        d.join("history.csv"),
        "employee_id,effective,quota\nE01,2026-03-01,150000\n",
    )
    .unwrap();
    let o = run(dir.path(), &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payouts = std::fs::read_to_string(dir.path().join("out/payouts.csv")).unwrap();
    assert!(
        payouts.contains("\nE01,AE one,sales,ae,2026-03,100.00,A,0.00,0.00,9420.00,"),
        "{payouts}"
    );
}
