//! Issue 13: every payout equals the documented rules computed exactly.
//! Each test is worked by hand from docs/policy.md; each failed before the
//! fix (the old value is named in its comment).

mod common;
use common::*;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A small plan: one KPI `sales` (sum of the `sales` metric) scored on a
/// straight line (achievement 1 → 100, 2 → 200), one role `r`.
struct Plan {
    mode: &'static str,
    target: &'static str,
    weights: &'static str,
    review: bool,
    extra: String,
    script: &'static str,
}

impl Plan {
    fn new() -> Plan {
        Plan {
            mode: "half_up",
            target: "{ fixed: \"1000\" }",
            weights: "weights: { sales: 100 }",
            review: false,
            extra: String::new(),
            script: "employee.target_bonus * score / 100",
        }
    }

    fn yaml(&self) -> String {
        let review = if self.review {
            "review:\n  scale: [{ rating: 1, score: 50 }, { rating: 3, score: 100 }]\n  missing: renormalize\n"
        } else {
            ""
        };
        format!(
            r#"id: tiny
version: "1"
title: {{ zh: 小方案, en: Tiny plan }}
currency: CNY
rounding: {{ money_places: 2, actual_places: 6, achievement_places: 4, score_places: 2, mode: {mode} }}
kpis:
  - id: sales
    name: {{ zh: 销售额, en: Sales }}
    unit: CNY
    aggregate: {{ sum: sales }}
    target: {target}
    scoring: line
scorings:
  line:
    curve:
      threshold: {{ achievement: "0.5", score: 50 }}
      target: {{ achievement: "1", score: 100 }}
      stretch: {{ achievement: "2", score: 200 }}
roles:
  r: {{ {weights} }}
{review}rating_bands:
  - {{ band: A, min_score: 90 }}
  - {{ band: B }}
bonus:
  script: bonus.rhai
  proration: none
{extra}"#,
            mode = self.mode,
            target = self.target,
            weights = self.weights,
            extra = self.extra,
        )
    }
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(plan: &Plan, files: &[(&str, String)]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("policy");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("policy.yaml"), plan.yaml()).unwrap();
        std::fs::write(p.join("bonus.rhai"), plan.script).unwrap();
        let d = dir.path().join("data");
        std::fs::create_dir_all(&d).unwrap();
        for (name, text) in files {
            std::fs::write(d.join(name), text).unwrap();
        }
        Case { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn run(&self, period: &str, out: &str) -> Output {
        self.run_with(period, out, &[])
    }
    fn run_with(&self, period: &str, out: &str, extra: &[&str]) -> Output {
        run_with(
            &self.path("policy"),
            &self.path("data"),
            period,
            &self.path(out),
            extra,
            &[],
        )
    }
    fn ok(&self, period: &str) -> BTreeMap<String, BTreeMap<String, String>> {
        let o = self.run(period, "out");
        assert!(o.status.success(), "{}", stderr(&o));
        table(&self.path("out").join("payouts.csv"), "employee_id")
    }
}

/// Rows of a CSV keyed by a column, each as column → cell.
fn table(path: &Path, key: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let row: BTreeMap<String, String> = head
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row[key].clone(), row)
        })
        .collect()
}

const EMP_HEAD: &str = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,termination_date,manager_id,currency\n";

fn employees(rows: &[(&str, &str, &str, &str)]) -> String {
    // (id, department, base salary, hire date)
    let mut s = EMP_HEAD.to_owned();
    for (id, dept, base, hire) in rows {
        writeln!(s, "{id},Name {id},{dept},r,{base},10,{hire},,,").unwrap();
    }
    s
}

fn metrics(rows: &[(&str, &str, &str)]) -> String {
    let mut s = "subject_id,month,metric,value\n".to_owned();
    for (id, month, v) in rows {
        writeln!(s, "{id},{month},sales,{v}").unwrap();
    }
    s
}

/// One person `id` (salary 120,000, 10%) with sales 400 + 300 + 300 in Q3
/// (achievement 1 against the fixed target 1,000), plus `more` files.
fn one_person(plan: &Plan, id: &str, more: &[(&str, String)]) -> Case {
    let mut files = vec![
        (
            "employees.csv",
            employees(&[(id, "d1", "120000", "2020-01-01")]),
        ),
        (
            "metrics.csv",
            metrics(&[
                (id, "2026-07", "400"),
                (id, "2026-08", "300"),
                (id, "2026-09", "300"),
            ]),
        ),
    ];
    files.extend(more.iter().cloned());
    Case::new(plan, &files)
}

#[test]
fn renormalised_weights_divide_once() {
    // Five KPIs weighted 15/15/20/10/10 + review 30, no rating: the weights
    // become w × 100 ÷ 70. Scores 86.80, 144.69, 84.71, 149.11, 91.11 give
    // (1302 + 2170.35 + 1694.2 + 1491.1 + 911.1) ÷ 70 = 108.125 exactly,
    // 108.12 under half_even. Weights cut at 28 digits summed to
    // 108.125000…01 and paid 108.13.
    let mut plan = Plan::new();
    plan.mode = "half_even";
    plan.weights = "weights: { k1: 15, k2: 15, k3: 20, k4: 10, k5: 10 }, review_weight: 30";
    plan.review = true;
    let mut yaml_kpis = String::from("kpis:\n");
    for k in 1..=5 {
        yaml_kpis += &format!("  - {{ id: k{k}, name: {{ zh: 指标{k}, en: K{k} }}, unit: count, aggregate: {{ sum: k{k} }}, target: {{ fixed: \"1000\" }}, scoring: line }}\n");
    }
    let mut m = "subject_id,month,metric,value\n".to_owned();
    for (k, v) in ["868", "1446.9", "847.1", "1491.1", "911.1"]
        .iter()
        .enumerate()
    {
        writeln!(m, "E1,2026-09,k{},{v}", k + 1).unwrap();
    }
    let case = Case::new(
        &plan,
        &[
            (
                "employees.csv",
                employees(&[("E1", "d1", "120000", "2020-01-01")]),
            ),
            ("metrics.csv", m),
            ("ratings.csv", "employee_id,period,rating\n".into()),
        ],
    );
    let policy = case.path("policy").join("policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let (head, rest) = text.split_once("kpis:\n").unwrap();
    let rest = &rest[rest.find("scorings:").unwrap()..];
    std::fs::write(&policy, format!("{head}{yaml_kpis}{rest}")).unwrap();
    let p = case.ok("2026-09");
    assert_eq!(p["E1"]["score"], "108.12");
    let scores = std::fs::read_to_string(case.path("out").join("scores.csv")).unwrap();
    assert!(
        scores
            .lines()
            .any(|l| l.starts_with("E1,") && l.contains(",86.80,")),
        "{scores}"
    );
}

#[test]
fn a_year_from_quarters_divides_once_by_the_weights_present() {
    // Quarter weights 10/20/30/40; E2 is hired on 1 April, so its quarters
    // weigh 20, 30, 40 of 90. Every quarter scores 100.00: the year is
    // (100×20 + 100×30 + 100×40) ÷ 90 = 100.00 (it was 99.99 under `down`
    // from shares 0.222…2 + 0.333…3 + 0.444…4).
    let mut plan = Plan::new();
    plan.mode = "down";
    plan.extra = "evaluation:\n  year_from_quarters: [10, 20, 30, 40]\n".into();
    let mut rows = Vec::new();
    let months: Vec<String> = (1..=12).map(|m| format!("2026-{m:02}")).collect();
    for (i, m) in months.iter().enumerate() {
        let v = ["400", "300", "300"][i % 3];
        rows.push(("E1", m.as_str(), v));
        if i >= 3 {
            rows.push(("E2", m.as_str(), v));
        }
    }
    let case = Case::new(
        &plan,
        &[
            (
                "employees.csv",
                employees(&[
                    ("E1", "d1", "120000", "2020-01-01"),
                    ("E2", "d1", "120000", "2026-04-01"),
                ]),
            ),
            ("metrics.csv", metrics(&rows)),
            // A project of Q1 is paid by the year run (its last month, March, is in 2026).
            (
                "projects.csv",
                "employee_id,period,project,amount,approved\nE1,2026-Q1,Launch,500.00,yes\n".into(),
            ),
        ],
    );
    let p = case.ok("2026");
    assert_eq!(p["E1"]["score"], "100.00");
    assert_eq!(p["E2"]["score"], "100.00");
    assert_eq!(p["E1"]["project_bonus"], "500.00");
    assert_eq!(p["E1"]["total_payout"], "12500.00");
}

#[test]
fn a_cascade_applies_the_exact_share() {
    // The department's target 769,938 split equally among 96 people is
    // 8,020.1875 each, exactly; under `up` at 6 places it stays 8020.1875
    // (1/96 cut at 28 digits made it 8020.187501).
    let mut plan = Plan::new();
    plan.mode = "up";
    plan.target = "{ cascade: { from: department, share: equal } }";
    let ids: Vec<String> = (1..=96).map(|i| format!("E{i:03}")).collect();
    let emps: Vec<(&str, &str, &str, &str)> = ids
        .iter()
        .map(|id| (id.as_str(), "d1", "100000", "2020-01-01"))
        .collect();
    let mut rows = Vec::new();
    for id in &ids {
        for m in ["2026-07", "2026-08", "2026-09"] {
            rows.push((id.as_str(), m, "2673.395833"));
        }
    }
    let case = Case::new(
        &plan,
        &[
            ("employees.csv", employees(&emps)),
            ("metrics.csv", metrics(&rows)),
            (
                "targets.csv",
                "subject_id,period,kpi,target\nd1,2026-Q3,sales,769938\n".into(),
            ),
        ],
    );
    case.ok("2026-Q3");
    let scores = std::fs::read_to_string(case.path("out").join("scores.csv")).unwrap();
    let line = scores.lines().find(|l| l.starts_with("E001,")).unwrap();
    assert!(line.contains(",8020.1875,"), "{line}");
    assert!(!scores.contains("8020.187501"), "{scores}");
}

#[test]
fn partial_history_falls_back() {
    // History target: the sum of 2026-Q1 × 1.1, fallback 900. E1 has every
    // month of Q1 (100 + 100 + 100 → target 330); E2 lacks January, so Q1 is
    // incomplete and the fallback applies (it used to take 200 × 1.1 = 220).
    let mut plan = Plan::new();
    plan.target =
        "{ history: { periods: 1, statistic: mean, growth: \"0.1\", fallback: { fixed: \"900\" } } }";
    let mut rows = vec![("E1", "2026-01", "100")];
    for m in ["2026-02", "2026-03"] {
        rows.push(("E1", m, "100"));
        rows.push(("E2", m, "100"));
    }
    for m in ["2026-04", "2026-05", "2026-06"] {
        rows.push(("E1", m, "110"));
        rows.push(("E2", m, "300"));
    }
    let case = Case::new(
        &plan,
        &[
            (
                "employees.csv",
                employees(&[
                    ("E1", "d1", "120000", "2020-01-01"),
                    ("E2", "d1", "120000", "2020-01-01"),
                ]),
            ),
            ("metrics.csv", metrics(&rows)),
        ],
    );
    case.ok("2026-Q2");
    let scores = std::fs::read_to_string(case.path("out").join("scores.csv")).unwrap();
    let e1 = scores.lines().find(|l| l.starts_with("E1,")).unwrap();
    let e2 = scores.lines().find(|l| l.starts_with("E2,")).unwrap();
    assert!(e1.contains(",330,"), "{e1}");
    assert!(e2.contains(",900,") && e2.contains("fallback"), "{e2}");
}

#[test]
fn project_bonuses_are_rounded_each_then_summed() {
    // Two approved projects of 10.005: each pays 10.01 under half_up, 20.02
    // together (the sum 20.01 was paid before).
    let plan = Plan::new();
    let case = Case::new(
        &plan,
        &[
            ("employees.csv", employees(&[("E1", "d1", "120000", "2020-01-01")])),
            (
                "metrics.csv",
                metrics(&[("E1", "2026-07", "400"), ("E1", "2026-08", "300"), ("E1", "2026-09", "300")]),
            ),
            (
                "projects.csv",
                "employee_id,period,project,amount,approved\nE1,2026-08,A,10.005,yes\nE1,2026-Q3,B,10.005,yes\nE1,2026-Q2,C,99,yes\n".into(),
            ),
        ],
    );
    let p = case.ok("2026-Q3");
    assert_eq!(p["E1"]["project_bonus"], "20.02");
    assert_eq!(p["E1"]["total_payout"], "3020.02");
}

fn pool_case(budget: &str, scale: &str, achievement_sales: &str) -> Case {
    let mut plan = Plan::new();
    plan.extra = format!("  pool: {{ scope: company, scale: {scale} }}\n");
    // A score below 60 pays nothing.
    plan.script = "if score < 60 { 0 } else { employee.target_bonus * score / 100 }";
    Case::new(
        &plan,
        &[
            (
                "employees.csv",
                employees(&[
                    ("E1", "d1", "120000", "2020-01-01"),
                    ("E2", "d1", "120000", "2020-01-01"),
                ]),
            ),
            (
                "metrics.csv",
                metrics(&[
                    ("E1", "2026-07", achievement_sales),
                    ("E1", "2026-08", "0"),
                    ("E1", "2026-09", "0"),
                    ("E2", "2026-07", achievement_sales),
                    ("E2", "2026-08", "0"),
                    ("E2", "2026-09", "0"),
                ]),
            ),
            (
                "budgets.csv",
                format!("subject_id,period,budget\ncompany,2026-Q3,{budget}\n"),
            ),
        ],
    )
}

#[test]
fn a_pool_that_must_pay_its_budget_from_zero_bonuses_stops() {
    // Both score 50 (achievement 0.5): every bonus is 0, and `both` cannot
    // share 1,000 in proportion to zeros. It used to pay 0 with exit 0.
    let case = pool_case("1000.00", "both", "500");
    let o = case.run("2026-Q3", "out");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bonuses sum to zero"), "{}", stderr(&o));
    assert!(!case.path("out").exists());
    // `down_only` pays the zeros.
    let case = pool_case("1000.00", "down_only", "500");
    let p = case.ok("2026-Q3");
    assert_eq!(p["E1"]["bonus"], "0.00");
}

#[test]
fn a_budget_finer_than_money_places_is_refused() {
    let case = pool_case("1000.005", "both", "1000");
    let o = case.run("2026-Q3", "out");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("budgets.csv:2:"), "{err}");
    assert!(err.contains("at most 2 decimal places"), "{err}");
}

#[test]
fn a_period_outside_the_effective_range_is_refused() {
    let mut plan = Plan::new();
    plan.extra = String::new();
    let yaml_effective = "effective: { from: \"2026-01-01\", to: \"2026-06-30\" }\n";
    let case = Case::new(
        &plan,
        &[
            (
                "employees.csv",
                employees(&[("E1", "d1", "120000", "2020-01-01")]),
            ),
            (
                "metrics.csv",
                metrics(&[
                    ("E1", "2026-06", "1000"),
                    ("E1", "2026-07", "400"),
                    ("E1", "2026-08", "300"),
                    ("E1", "2026-09", "300"),
                ]),
            ),
        ],
    );
    let policy = case.path("policy").join("policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replacen("rounding:", &format!("{yaml_effective}rounding:"), 1),
    )
    .unwrap();
    let o = case.run("2026-Q3", "out");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("the period 2026-Q3 (2026-07-01 to 2026-09-30) is outside the policy's effective range 2026-01-01 to 2026-06-30"),
        "{err}"
    );
    assert!(err.contains("policy.yaml:5:"), "{err}");
    assert!(case.run("2026-06", "june").status.success());
}

#[test]
fn a_previous_run_of_another_plan_is_refused() {
    let plan = Plan::new();
    let case = one_person(&plan, "E1", &[]);
    assert!(case.run("2026-Q3", "first").status.success());
    let policy = case.path("policy").join("policy.yaml");
    edit(&policy, "id: tiny", "id: other");
    let first = case.path("first");
    let o = case.run_with(
        "2026-Q3",
        "second",
        &["--previous", first.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is a run of the plan 'tiny', not 'other'"),
        "{}",
        stderr(&o)
    );
    assert!(!case.path("second").exists());
}

#[test]
fn a_rerun_reads_back_guarded_ids() {
    // An id that starts with `-` is written `'-007` against formula
    // injection; the re-run must read it back as `-007`, not see one person
    // leave and another arrive (which paid the whole bonus a second time).
    let plan = Plan::new();
    let case = one_person(&plan, "-007", &[]);
    assert!(case.run("2026-Q3", "first").status.success());
    let first = case.path("first");
    let o = case.run_with(
        "2026-Q3",
        "second",
        &["--previous", first.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let adj = std::fs::read_to_string(case.path("second").join("adjustments.csv")).unwrap();
    let rows: Vec<&str> = adj.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{adj}");
    assert!(
        rows[0].starts_with("'-007,2026-Q3,3000.00,3000.00,0.00,0.00,0.00,"),
        "{adj}"
    );
}

#[test]
fn a_monthly_target_bonus_is_exact_in_the_script() {
    // 100,060 × 10% ÷ 12 = 833.8333… a month; score 87.00 (achievement 0.87
    // on the line from 0.5 → 50 to 1 → 100). The bonus is 833.8333… × 0.87
    // = 725.435 exactly, 725.44 under half_up. The twelfth cut at 28 digits
    // paid 725.43.
    let plan = Plan::new();
    let case = Case::new(
        &plan,
        &[
            (
                "employees.csv",
                employees(&[("E1", "d1", "100060", "2020-01-01")]),
            ),
            ("metrics.csv", metrics(&[("E1", "2026-09", "870")])),
        ],
    );
    let p = case.ok("2026-09");
    assert_eq!(p["E1"]["score"], "87.00");
    assert_eq!(p["E1"]["bonus"], "725.44");
    // The trace shows the script's input as the exact fraction 1,000,600 ÷ 1,200.
    let trace = trace_text(&case.path("out"));
    assert!(
        trace.contains(r#""name":"employee.target_bonus","kind":"exact","value":"5003/6""#),
        "{trace}"
    );
}

#[test]
fn a_period_average_rate_is_exact() {
    // USD rates 7.1, 7.2, 7.08 average 21.38 ÷ 3 = 7.1266…; a salary of
    // 20,000 USD is 142,533.33… CNY and the quarter's target bonus
    // 20,000 × 21.38 ÷ 120 = 3,563.33…; at score 99.75 the bonus is
    // 3,554.425 exactly, 3,554.43 under half_up (3,554.42 with the average
    // cut at 28 digits); in USD 3,554.43 × 3 ÷ 21.38 = 498.7511… → 498.75.
    let mut plan = Plan::new();
    plan.extra = "currency_conversion: { rate: period_average }\n".into();
    let emp = format!("{EMP_HEAD}E1,Name,d1,r,20000,10,2020-01-01,,,USD\n");
    let case = Case::new(
        &plan,
        &[
            ("employees.csv", emp),
            (
                "metrics.csv",
                metrics(&[("E1", "2026-07", "400"), ("E1", "2026-08", "300"), ("E1", "2026-09", "297.5")]),
            ),
            (
                "fx_rates.csv",
                "currency,month,rate_to_policy_currency\nUSD,2026-07,7.1\nUSD,2026-08,7.2\nUSD,2026-09,7.08\n".into(),
            ),
        ],
    );
    let p = case.ok("2026-Q3");
    assert_eq!(p["E1"]["score"], "99.75");
    assert_eq!(p["E1"]["bonus"], "3554.43");
    assert_eq!(p["E1"]["payout_in_currency"], "498.75");
}

#[test]
fn missing_months_follow_the_kpi_rule() {
    // E1 is employed all quarter but has no July row; E2 is hired on
    // 17 August and has rows for August and September only.
    let rows = [
        ("E1", "2026-08", "600"),
        ("E1", "2026-09", "300"),
        ("E2", "2026-08", "500"),
        ("E2", "2026-09", "500"),
    ];
    let files = |plan: &Plan| {
        Case::new(
            plan,
            &[
                (
                    "employees.csv",
                    employees(&[
                        ("E1", "d1", "120000", "2020-01-01"),
                        ("E2", "d1", "120000", "2026-08-17"),
                    ]),
                ),
                ("metrics.csv", metrics(&rows)),
            ],
        )
    };
    // `error` (default): E1's July is missing; E2 needs only August and September.
    let case = files(&Plan::new());
    let o = case.run("2026-Q3", "out");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "KPI 'sales' of E1: no rows of 'sales' in 2026-07; every month of 2026-Q3 needs one"
        ),
        "{err}"
    );
    assert!(!err.contains("of E2"), "{err}");
    // `merit check --period` finds the same problem and writes nothing.
    let o = merit(&[
        "check",
        "--policy",
        case.path("policy").to_str().unwrap(),
        "--data",
        case.path("data").to_str().unwrap(),
        "--period",
        "2026-Q3",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("KPI 'sales' of E1: no rows of 'sales' in 2026-07"),
        "{}",
        stderr(&o)
    );
    // `zero`: 0 + 600 + 300 = 900 → achievement 0.9 → score 90.
    let mut plan = Plan::new();
    plan.target = "{ fixed: \"1000\" }\n    missing_months: zero";
    let p = files(&plan).ok("2026-Q3");
    assert_eq!(p["E1"]["score"], "90.00");
    // `prorate`: 900 × 3 ÷ 2 = 1350 → achievement 1.35 → 135; E2: 1000 × 3 ÷ 2 = 1500 → 150.
    plan.target = "{ fixed: \"1000\" }\n    missing_months: prorate";
    let p = files(&plan).ok("2026-Q3");
    assert_eq!(p["E1"]["score"], "135.00");
    assert_eq!(p["E2"]["score"], "150.00");
    // `any`: the months with a row, 900 → 90.
    plan.target = "{ fixed: \"1000\" }\n    missing_months: any";
    let p = files(&plan).ok("2026-Q3");
    assert_eq!(p["E1"]["score"], "90.00");
}

// Partial gates (docs/policy.md, "Partial gates"): the construct issue 21's
// recipe "a plan construct in the money steps" was followed for (issue 16).

/// One person with achievement 1 (score 100, formula = target bonus 3,000
/// for Q3) behind `gates`, rounded in `mode`, with optional `cap`.
fn gated(gates: &[&str], mode: &'static str, cap: Option<&str>) -> Case {
    let mut plan = Plan::new();
    plan.mode = mode;
    if let Some(m) = cap {
        plan.extra += &format!("  cap: {{ target_multiple: \"{m}\" }}\n");
    }
    plan.extra += "  gates:\n";
    for g in gates {
        plan.extra += &format!("    - {g}\n");
    }
    one_person(&plan, "E1", &[])
}

#[test]
fn a_partial_gate_keeps_its_percent_of_the_formula_exactly() {
    // 1 < 1.1 shuts the gate: 3000 × 33.3333 ÷ 100 = 999.999 exactly,
    // rounded once: 1000.00 half up, 999.99 down.
    let g = r#"{ kpi: sales, min_achievement: "1.1", pay_percent: "33.3333" }"#;
    let up = gated(&[g], "half_up", None).ok("2026-Q3");
    assert_eq!(up["E1"]["bonus"], "1000.00");
    let down = gated(&[g], "down", None).ok("2026-Q3");
    assert_eq!(down["E1"]["bonus"], "999.99");
    // An open partial gate changes nothing.
    let open = r#"{ kpi: sales, min_achievement: "1", pay_percent: 50 }"#;
    assert_eq!(
        gated(&[open], "down", None).ok("2026-Q3")["E1"]["bonus"],
        "3000.00"
    );
}

#[test]
fn shut_partial_gates_multiply_and_a_full_gate_wins() {
    let third = r#"{ kpi: sales, min_achievement: "1.1", pay_percent: "33.3333" }"#;
    let half = r#"{ kpi: sales, below_actual: "900", pay_percent: 50 }"#;
    // 3000 × 0.333333 × 0.5 = 499.9995: 499.99 down, 500.00 half even.
    let case = gated(&[third, half], "down", None);
    assert_eq!(case.ok("2026-Q3")["E1"]["bonus"], "499.99");
    assert_eq!(
        gated(&[third, half], "half_even", None).ok("2026-Q3")["E1"]["bonus"],
        "500.00"
    );
    // The trace says which gates shut and how the formula was reduced.
    let trace = trace_text(&case.path("out"));
    assert!(
        trace.contains("Gate             shut: sales achievement is 1.0000, below the gate's minimum 1.1 (pays 33.3333%); sales is 1000, not below the gate's limit 900 (pays 50%); the formula 3000 × 33.3333% × 50% = 499.9995"),
        "{trace}"
    );
    // A shut gate without pay_percent stops the bonus whatever else is shut.
    let full = r#"{ kpi: sales, min_actual: "2000" }"#;
    assert_eq!(
        gated(&[third, full], "down", None).ok("2026-Q3")["E1"]["bonus"],
        "0.00"
    );
    let zero = r#"{ kpi: sales, min_actual: "2000", pay_percent: 0 }"#;
    assert_eq!(
        gated(&[half, zero], "down", None).ok("2026-Q3")["E1"]["bonus"],
        "0.00"
    );
}

#[test]
fn the_cap_limits_the_reduced_formula() {
    // Cap 0.3 × 3000 = 900: 999.999 is capped to 900.00; at 25 % the
    // reduced 750 is under the cap.
    let third = r#"{ kpi: sales, min_achievement: "1.1", pay_percent: "33.3333" }"#;
    assert_eq!(
        gated(&[third], "down", Some("0.3")).ok("2026-Q3")["E1"]["bonus"],
        "900.00"
    );
    let quarter = r#"{ kpi: sales, min_achievement: "1.1", pay_percent: 25 }"#;
    assert_eq!(
        gated(&[quarter], "down", Some("0.3")).ok("2026-Q3")["E1"]["bonus"],
        "750.00"
    );
}

#[test]
fn check_refuses_a_pay_percent_out_of_range_with_its_location() {
    for (p, shown) in [("100", "100"), ("-5", "-5"), ("\"12.34567\"", "12.34567")] {
        let g = format!("{{ kpi: sales, min_achievement: \"1.1\", pay_percent: {p} }}");
        let case = gated(&[g.as_str()], "down", None);
        let o = merit(&["check", "--policy", case.path("policy").to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{p}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("pay_percent is {shown}: a partial gate keeps from 0 up to (not including) 100 percent")), "{err}");
        assert!(
            err.contains("policy.yaml:28:45: error: pay_percent"),
            "{err}"
        );
    }
}

#[test]
fn a_comparator_loop_cannot_escape_the_script_limits() {
    // Issue 15: the operation limit's error is swallowed inside a sort
    // comparator, so this ran forever; each evaluation now has a wall-time
    // limit that stays tripped.
    let mut plan = Plan::new();
    plan.script = "let a = [];\nfor i in 0..500 { a.push(i); }\nloop { a.sort(|x, y| { let k = 0; loop { k += 1; } }); }\n0";
    let case = one_person(&plan, "E1", &[]);
    let start = std::time::Instant::now();
    let o = case.run("2026-Q3", "out");
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bonus.rhai: error: while evaluating employee E1: stopped: the script ran longer than 2 s"),
        "{}",
        stderr(&o)
    );
    assert!(!case.path("out").exists());
}
