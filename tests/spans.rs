//! Mid-period changes (docs/policy.md, "Mid-period changes"; docs/data.md,
//! "history"; docs/outputs.md, "`spans.csv`"), tested independently of the
//! implementation: every policy, table and expected number below was written
//! from the docs alone and worked by hand with exact decimals (the
//! arithmetic is in the comment beside each value).
//!
//! Rules used (quotes from the docs):
//! - "each [history] row says that from its `effective` date on, the columns
//!   it fills replace the employees row's values (later rows override earlier
//!   ones column by column; empty cells change nothing)";
//! - "Rows effective on or before the period's first day simply apply to the
//!   whole period; a row effective after the period's last day is not read";
//! - spans: "The days of the period the employee is employed are cut at each
//!   history row effective inside the period";
//! - "Each span is paid as if it were the whole period, then prorated to its
//!   days"; "the KPI values are the whole period's"; target bonus = "the
//!   span's base salary × `target_bonus_pct` × months in the period ÷ 1200";
//!   cap per span; `months` proration counts "the months employed on every
//!   day whose **first day** falls in the span";
//! - "The employee's bonus is the **sum of the spans' exact amounts**, then
//!   `min_amount` / `max_amount` once on the sum, then the one rounding";
//! - shown span amounts: "the rounded bonus divided among the spans by the
//!   largest-remainder method in proportion to their exact amounts ... (ties
//!   go to the earlier span)";
//! - `payouts.csv` shows "the **last span's**" role, department, score, band.
//!
//! Every policy here uses one linear curve: achievement 0.5 → 50, 1 → 100,
//! 1.5 → 150 (no cap: the stretch score holds above it), so between 0.5 and
//! 1.5 the KPI score is 100 × achievement. Bands: A ≥ 105, B ≥ 85, C.
//! Roles: `rep` = calls 50 % + revenue 50 %, `lead` = revenue 100 %,
//! `mgr` = team (a department KPI) 100 %. `calls` reads the targets table,
//! `revenue` has a fixed target of 30000, `team` a fixed target of 1000.
//! Quarter 2026-Q3: July 31 + August 31 + September 30 = 92 days, 3 months,
//! so a target bonus is base salary × pct × 3 ÷ 1200 = salary × pct ÷ 400.
//! `money_places` 2, `half_up` (the defaults).

mod common;
use common::{merit, run, statement, stderr, stdout};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const POLICY: &str = r#"# yaml-language-server: $schema=../../docs/policy.schema.json
id: spans-hand-worked
version: "2026.1"
title: { zh: 期中变动, en: Mid-period changes }
currency: CNY
language: en

kpis:
  - { id: calls, name: { zh: 拜访, en: Calls }, unit: count, aggregate: { sum: calls }, scoring: linear, missing_months: any }
  - { id: revenue, name: { zh: 收入, en: Revenue }, unit: CNY, aggregate: { sum: revenue }, target: { fixed: "30000" }, scoring: linear, missing_months: any }
  - { id: team, name: { zh: 团队销售, en: Team sales }, unit: CNY, scope: department, aggregate: { sum: team_sales }, target: { fixed: "1000" }, scoring: linear, missing_months: any }

scorings:
  linear:
    curve:
      threshold: { achievement: "0.5", score: 50 }
      target: { achievement: 1, score: 100 }
      stretch: { achievement: "1.5", score: 150 }

roles:
  rep:
    weights: { calls: 50, revenue: 50 }
  lead:
    weights: { revenue: 100 }
  mgr:
    weights: { team: 100 }

rating_bands:
  - { band: A, min_score: 105 }
  - { band: B, min_score: 85 }
  - { band: C }

"#;

const PAYOUTS_HEADER: &str = "employee_id,name,department,role,period,score,rating,bonus,project_bonus,total_payout,currency,payout_currency,fx_rate,payout_in_currency\n";
const SPANS_HEADER: &str =
    "employee_id,from,to,role,department,target_bonus,score,rating,formula,proration,exact,bonus,gate\n";

/// Writes `policy/policy.yaml` under `dir` with the given `bonus:` section.
fn write_policy(dir: &Path, bonus: &str) -> PathBuf {
    let p = dir.join("policy");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("policy.yaml"), format!("{POLICY}{bonus}")).unwrap();
    p
}

/// Writes the named CSV tables into `dir/data`.
fn write_data(dir: &Path, tables: &[(&str, &str)]) -> PathBuf {
    let d = dir.join("data");
    std::fs::create_dir_all(&d).unwrap();
    for (name, text) in tables {
        std::fs::write(d.join(format!("{name}.csv")), text).unwrap();
    }
    d
}

/// `merit run` for 2026-Q3 that must succeed; returns the out folder.
fn run_ok(dir: &Path, policy: &Path, data: &Path) -> PathBuf {
    let out = dir.join("out");
    let o = run(policy, data, "2026-Q3", &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "merit run failed:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    out
}

fn read(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).unwrap_or_else(|e| panic!("cannot read {file}: {e}"))
}

/// A money text (`1632.65`) in cents, exactly (no floats).
fn cents(s: &str) -> i64 {
    let (i, f) = s.split_once('.').expect("money has a point");
    assert_eq!(f.len(), 2, "money has 2 places: {s}");
    i.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()
}

/// The shown span bonuses (column 12 of spans.csv) of `emp` add up to the
/// employee's `bonus` in payouts.csv (docs/outputs.md, spans.csv col 12).
fn spans_add_up(out: &Path, emp: &str) {
    let spans = read(out, "spans.csv");
    let sum: i64 = spans
        .lines()
        .skip(1)
        .filter(|l| l.starts_with(&format!("{emp},")))
        .map(|l| cents(l.split(',').nth(11).unwrap()))
        .sum();
    let payouts = read(out, "payouts.csv");
    let row = payouts
        .lines()
        .find(|l| l.starts_with(&format!("{emp},")))
        .unwrap_or_else(|| panic!("no payouts row for {emp}"));
    let bonus = row.split(',').nth(7).unwrap();
    assert_eq!(sum, cents(bonus), "{emp}: spans {spans}\npayouts {row}");
}

/// One line of `text` contains every fragment.
fn has_line(text: &str, fragments: &[&str]) {
    assert!(
        text.lines()
            .any(|l| fragments.iter().all(|f| l.contains(f))),
        "no line with all of {fragments:?} in\n{text}"
    );
}

// ---------------------------------------------------------------------------
// 1. The docs' worked example, with real KPIs.
// ---------------------------------------------------------------------------

const EX_EMPLOYEES: &str = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date
E1,Ada,sales,rep,120000,10,2024-01-01
E2,Bo,sales,rep,120000,10,2024-01-01
";
// The months are split on purpose: a span must read the whole quarter's
// values (docs: "the metrics are monthly and belong to the employee, not to
// the position"), not only its own months.
const EX_METRICS: &str = "subject_id,month,metric,value
E1,2026-07,calls,30
E1,2026-08,calls,20
E1,2026-09,calls,20
E1,2026-07,revenue,10000
E1,2026-08,revenue,12000
E1,2026-09,revenue,11000
E2,2026-07,calls,40
E2,2026-08,calls,40
E2,2026-09,calls,40
E2,2026-07,revenue,10000
E2,2026-08,revenue,10000
E2,2026-09,revenue,10000
";
const EX_TARGETS: &str = "subject_id,period,kpi,target
E1,2026-Q3,calls,100
E2,2026-Q3,calls,100
";
const EX_HISTORY: &str = "employee_id,effective,role,base_salary,target_bonus_pct
E1,2026-08-16,lead,180000,15
";

/// The worked example's run (docs/policy.md, Mid-period changes).
fn worked_example(dir: &Path) -> PathBuf {
    let policy = write_policy(dir, "bonus:\n  proration: days\n");
    let data = write_data(
        dir,
        &[
            ("employees", EX_EMPLOYEES),
            ("metrics", EX_METRICS),
            ("targets", EX_TARGETS),
            ("history", EX_HISTORY),
        ],
    );
    run_ok(dir, &policy, &data)
}

#[test]
fn worked_example_rep_to_lead() {
    let dir = tempfile::tempdir().unwrap();
    let out = worked_example(dir.path());

    // E1 (the whole quarter's values: calls 30+20+20 = 70, revenue
    // 10000+12000+11000 = 33000):
    //   calls   70 ÷ 100 = 0.7000 → 50 + (0.7 − 0.5) × 50 ÷ 0.5 = 70.00
    //   revenue 33000 ÷ 30000 = 1.1000 → 100 + 0.1 × 50 ÷ 0.5 = 110.00
    //   rep  score = 70 × 50 ÷ 100 + 110 × 50 ÷ 100 = 35 + 55 = 90.00 → B
    //   lead score = 110 × 100 ÷ 100 = 110.00 → A
    // span 1 rep 2026-07-01..2026-08-15 = 31 + 15 = 46 days:
    //   target bonus 120000 × 10 × 3 ÷ 1200 = 3000; formula 3000 × 90 ÷ 100
    //   = 2700; × 46/92 = 1350
    // span 2 lead 2026-08-16..2026-09-30 = 16 + 30 = 46 days:
    //   target bonus 180000 × 15 × 3 ÷ 1200 = 6750; formula 6750 × 110 ÷ 100
    //   = 7425; × 46/92 = 3712.5
    // bonus = round(1350 + 3712.5) = 5062.50 (the docs' own figure);
    // payouts shows the last span: role lead, score 110.00, band A.
    // E2 (control, no change): calls 120 ÷ 100 = 1.2 → 120.00; revenue
    //   30000 ÷ 30000 = 1 → 100.00; score 60 + 50 = 110.00 → A;
    //   3000 × 110 ÷ 100 = 3300.00.
    assert_eq!(
        read(&out, "payouts.csv"),
        format!(
            "{PAYOUTS_HEADER}\
E1,Ada,sales,lead,2026-Q3,110.00,A,5062.50,0.00,5062.50,CNY,CNY,1,5062.50
E2,Bo,sales,rep,2026-Q3,110.00,A,3300.00,0.00,3300.00,CNY,CNY,1,3300.00
"
        )
    );
    // spans.csv: target_bonus, formula, exact trimmed; proration N/D as the
    // docs' example "46/92"; bonus = 5062.50 split in proportion to
    // 1350 : 3712.5, which is exactly 1350.00 and 3712.50.
    assert_eq!(
        read(&out, "spans.csv"),
        format!(
            "{SPANS_HEADER}\
E1,2026-07-01,2026-08-15,rep,sales,3000,90.00,B,2700,46/92,1350,1350.00,
E1,2026-08-16,2026-09-30,lead,sales,6750,110.00,A,7425,46/92,3712.5,3712.50,
"
        )
    );
    spans_add_up(&out, "E1");
    // scores.csv is the last span's scorecard: lead weighs revenue only, so
    // E1 has the one revenue line (33000 ÷ 30000 = 1.1000 → 110.00, weight
    // 100, contribution 110 × 100 ÷ 100 = 110) and no calls line.
    let scores = read(&out, "scores.csv");
    let e1: Vec<&str> = scores.lines().filter(|l| l.starts_with("E1,")).collect();
    assert_eq!(
        e1,
        vec!["E1,2026-Q3,revenue,Revenue,E1,33000,30000,fixed in the policy,1.1000,110.00,target to stretch,100,110"],
        "{scores}"
    );
}

#[test]
fn explain_and_statement_show_each_span() {
    // docs/policy.md: "Statements, `spans.csv`, the trace and `merit
    // explain` show each span's amount as the rounded bonus divided among
    // the spans" — for E1 1350.00 (rep) and 3712.50 (lead), worked in
    // worked_example_rep_to_lead. The layout of explain is not specified,
    // so only the amounts are required (plain, as explain prints money).
    let dir = tempfile::tempdir().unwrap();
    let out = worked_example(dir.path());
    let o = merit(&[
        "explain",
        "--run",
        out.to_str().unwrap(),
        "--employee",
        "E1",
    ]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    for amount in ["1350.00", "3712.50", "5062.50"] {
        assert!(text.contains(amount), "explain lacks {amount}:\n{text}");
    }
    // The statement: money may carry a thousands separator there
    // (1,350.00), so either form is accepted.
    let statement = statement(&out, "E1", "md");
    for (plain, grouped) in [("1350.00", "1,350.00"), ("3712.50", "3,712.50")] {
        assert!(
            statement.contains(plain) || statement.contains(grouped),
            "statement lacks {plain}:\n{statement}"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. Salary-only changes: one rounding of the exact sum, largest remainder.
// ---------------------------------------------------------------------------

#[test]
fn salary_change_is_rounded_once_and_shown_by_largest_remainder() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), "bonus:\n  proration: days\n");
    let employees =
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,termination_date,manager_id
E13,Mia,sales,rep,120001,10,2024-01-01,,
E3,Cy,sales,rep,120001,10,2024-01-01,,
E4,Dan,sales,rep,120000,10,2024-01-01,,E5
E5,Eve,sales,rep,120000,10,2024-01-01,,
";
    let mut metrics = String::from("subject_id,month,metric,value\n");
    for e in ["E13", "E3", "E4", "E5"] {
        // calls 30 + 30 + 40 = 100, revenue 3 × 10000 = 30000
        metrics.push_str(&format!(
            "{e},2026-07,calls,30\n{e},2026-08,calls,30\n{e},2026-09,calls,40\n\
             {e},2026-07,revenue,10000\n{e},2026-08,revenue,10000\n{e},2026-09,revenue,10000\n"
        ));
    }
    let targets = "subject_id,period,kpi,target
E13,2026-Q3,calls,100
E3,2026-Q3,calls,100
E4,2026-Q3,calls,100
E5,2026-Q3,calls,100
";
    let history = "employee_id,effective,base_salary,manager_id
E13,2026-07-24,132003,
E13,2026-09-08,144001,
E3,2026-07-24,144003,
E4,2026-08-16,,E3
";
    let data = write_data(
        dir.path(),
        &[
            ("employees", employees),
            ("metrics", &metrics),
            ("targets", targets),
            ("history", history),
        ],
    );
    let out = run_ok(dir.path(), &policy, &data);

    // Everyone scores 100.00 (calls 100 ÷ 100 = 1 → 100, revenue 1 → 100;
    // 50 + 50 = 100) → band B; the formula is the target bonus.
    //
    // E3: 2026-07-01..07-23 = 23 days at 120001; 2026-07-24..09-30 =
    //   8 + 31 + 30 = 69 days at 144003.
    //   target bonus 1 = 120001 × 10 × 3 ÷ 1200 = 3000.025
    //   exact 1 = 3000.025 × 23/92 = 3000.025 ÷ 4 = 750.00625
    //   target bonus 2 = 144003 × 10 × 3 ÷ 1200 = 3600.075
    //   exact 2 = 3600.075 × 69/92 = 3600.075 × 3 ÷ 4 = 2700.05625
    //   bonus = round(750.00625 + 2700.05625 = 3450.0625) = 3450.06
    //   (rounding each span would give 750.01 + 2700.06 = 3450.07: wrong)
    //   shown: 345006 cents × 750.00625 ÷ 3450.0625 = 75000.5707… cents,
    //   345006 × 2700.05625 ÷ 3450.0625 = 270005.4293… cents; floors 75000 +
    //   270005 = 345005, one cent left → larger remainder (.57, span 1):
    //   750.01 and 2700.05 (sum 3450.06).
    // E13: three spans, 23 / 46 / 23 days (07-01..07-23; 07-24..09-07 =
    //   8 + 31 + 7 = 46; 09-08..09-30 = 23):
    //   target bonuses 120001 ÷ 40 = 3000.025, 132003 ÷ 40 = 3300.075,
    //   144001 ÷ 40 = 3600.025
    //   exact 3000.025 ÷ 4 = 750.00625; 3300.075 ÷ 2 = 1650.0375;
    //   3600.025 ÷ 4 = 900.00625; sum 3300.05 exactly → bonus 3300.05
    //   (rounding each span: 750.01 + 1650.04 + 900.01 = 3300.06: wrong)
    //   shown: the bonus equals the exact sum, so the quotas are the exact
    //   amounts in cents 75000.625, 165003.75, 90000.625; floors 75000 +
    //   165003 + 90000 = 330003, 2 cents left: first to .75 (span 2), then
    //   the tie .625/.625 goes to the earlier span (span 1):
    //   750.01, 1650.04, 900.00 (sum 3300.05).
    // E4: only the manager changes on 2026-08-16; "Rows that change nothing
    //   the plan reads still cut a span": 46 + 46 days, target bonus
    //   120000 × 10 × 3 ÷ 1200 = 3000 each; 3000 × 46/92 = 1500 each;
    //   bonus 3000.00.
    // E5: control, 3000.00.
    assert_eq!(
        read(&out, "payouts.csv"),
        format!(
            "{PAYOUTS_HEADER}\
E13,Mia,sales,rep,2026-Q3,100.00,B,3300.05,0.00,3300.05,CNY,CNY,1,3300.05
E3,Cy,sales,rep,2026-Q3,100.00,B,3450.06,0.00,3450.06,CNY,CNY,1,3450.06
E4,Dan,sales,rep,2026-Q3,100.00,B,3000.00,0.00,3000.00,CNY,CNY,1,3000.00
E5,Eve,sales,rep,2026-Q3,100.00,B,3000.00,0.00,3000.00,CNY,CNY,1,3000.00
"
        )
    );
    assert_eq!(
        read(&out, "spans.csv"),
        format!(
            "{SPANS_HEADER}\
E13,2026-07-01,2026-07-23,rep,sales,3000.025,100.00,B,3000.025,23/92,750.00625,750.01,
E13,2026-07-24,2026-09-07,rep,sales,3300.075,100.00,B,3300.075,46/92,1650.0375,1650.04,
E13,2026-09-08,2026-09-30,rep,sales,3600.025,100.00,B,3600.025,23/92,900.00625,900.00,
E3,2026-07-01,2026-07-23,rep,sales,3000.025,100.00,B,3000.025,23/92,750.00625,750.01,
E3,2026-07-24,2026-09-30,rep,sales,3600.075,100.00,B,3600.075,69/92,2700.05625,2700.05,
E4,2026-07-01,2026-08-15,rep,sales,3000,100.00,B,3000,46/92,1500,1500.00,
E4,2026-08-16,2026-09-30,rep,sales,3000,100.00,B,3000,46/92,1500,1500.00,
"
        )
    );
    for e in ["E13", "E3", "E4"] {
        spans_add_up(&out, e);
    }
}

// ---------------------------------------------------------------------------
// 3. Rows on/before the first day apply to the whole period; rows after it
//    are ignored; nobody has two spans, so no spans.csv.
// ---------------------------------------------------------------------------

#[test]
fn rows_before_the_period_apply_and_rows_after_it_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), "bonus:\n  proration: days\n");
    let employees = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date
E6,Cy,sales,rep,120000,10,2024-01-01
E7,Di,sales,rep,120000,10,2024-01-01
E9,Fa,sales,rep,120000,10,2024-01-01
";
    let metrics = "subject_id,month,metric,value
E6,2026-07,calls,30
E6,2026-08,calls,20
E6,2026-09,calls,20
E6,2026-07,revenue,10000
E6,2026-08,revenue,12000
E6,2026-09,revenue,11000
E7,2026-07,calls,30
E7,2026-08,calls,20
E7,2026-09,calls,20
E7,2026-07,revenue,10000
E7,2026-08,revenue,12000
E7,2026-09,revenue,11000
E9,2026-07,calls,30
E9,2026-08,calls,30
E9,2026-09,calls,40
E9,2026-07,revenue,10000
E9,2026-08,revenue,10000
E9,2026-09,revenue,10000
";
    let targets = "subject_id,period,kpi,target
E6,2026-Q3,calls,100
E7,2026-Q3,calls,100
E9,2026-Q3,calls,100
";
    // E6: a salary rise in May and a promotion on the period's first day
    // (with its own target %): both apply to the whole quarter, column by
    // column (the July row leaves base_salary empty, so May's 150000 holds).
    // E7: a promotion effective the day after the quarter: not read.
    let history = "employee_id,effective,role,base_salary,target_bonus_pct
E6,2026-05-01,,150000,
E6,2026-07-01,lead,,12
E7,2026-10-01,lead,180000,15
";
    let data = write_data(
        dir.path(),
        &[
            ("employees", employees),
            ("metrics", metrics),
            ("targets", targets),
            ("history", history),
        ],
    );
    let out = run_ok(dir.path(), &policy, &data);
    // E6: lead all quarter: revenue 33000 ÷ 30000 = 1.1 → 110.00 → A;
    //   target bonus 150000 × 12 × 3 ÷ 1200 = 4500; 4500 × 110 ÷ 100 = 4950;
    //   × 92/92 → 4950.00.
    // E7: rep all quarter: calls 70 → 70.00, revenue 110.00; score 35 + 55
    //   = 90.00 → B; 120000 × 10 × 3 ÷ 1200 = 3000 × 90 ÷ 100 = 2700.00.
    // E9 (control): calls 100, revenue 30000 → 100.00 → B; 3000.00.
    assert_eq!(
        read(&out, "payouts.csv"),
        format!(
            "{PAYOUTS_HEADER}\
E6,Cy,sales,lead,2026-Q3,110.00,A,4950.00,0.00,4950.00,CNY,CNY,1,4950.00
E7,Di,sales,rep,2026-Q3,90.00,B,2700.00,0.00,2700.00,CNY,CNY,1,2700.00
E9,Fa,sales,rep,2026-Q3,100.00,B,3000.00,0.00,3000.00,CNY,CNY,1,3000.00
"
        )
    );
    // docs/outputs.md: spans.csv is "Written when at least one employee has
    // more than one span in the period"; here nobody has (and "Only people
    // with more than one span have span rows").
    assert!(
        !out.join("spans.csv").exists(),
        "spans.csv written although nobody has two spans:\n{}",
        std::fs::read_to_string(out.join("spans.csv")).unwrap_or_default()
    );
}

// ---------------------------------------------------------------------------
// 4. A hire inside the period, then a change; a department change read by a
//    department KPI; a change on the last day.
// ---------------------------------------------------------------------------

#[test]
fn hire_then_change_and_department_moves() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), "bonus:\n  proration: days\n");
    let employees = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date
E10,Di,sales,rep,92000,10,2026-07-20
E11,Ed,sales,mgr,120000,10,2024-01-01
E12,Fa,north,rep,120000,10,2024-01-01
E14,Gu,sales,rep,92000,10,2026-07-20
E15,Ha,sales,rep,92000,10,2024-01-01
";
    let mut metrics = String::from("subject_id,month,metric,value\n");
    for e in ["E10", "E12", "E14", "E15"] {
        // calls 20 + 40 + 40 = 100; revenue 5000 + 12000 + 13000 = 30000
        // (rows before a hire still count: docs/policy.md, Month coverage)
        metrics.push_str(&format!(
            "{e},2026-07,calls,20\n{e},2026-08,calls,40\n{e},2026-09,calls,40\n\
             {e},2026-07,revenue,5000\n{e},2026-08,revenue,12000\n{e},2026-09,revenue,13000\n"
        ));
    }
    // team_sales: sales 300 × 3 = 900; north 400 + 350 + 350 = 1100
    metrics.push_str(
        "sales,2026-07,team_sales,300
sales,2026-08,team_sales,300
sales,2026-09,team_sales,300
north,2026-07,team_sales,400
north,2026-08,team_sales,350
north,2026-09,team_sales,350
",
    );
    let targets = "subject_id,period,kpi,target
E10,2026-Q3,calls,100
E12,2026-Q3,calls,100
E14,2026-Q3,calls,100
E15,2026-Q3,calls,100
";
    let history = "employee_id,effective,department,base_salary
E10,2026-09-01,north,115000
E11,2026-09-08,north,
E15,2026-09-30,,115000
";
    let data = write_data(
        dir.path(),
        &[
            ("employees", employees),
            ("metrics", &metrics),
            ("targets", targets),
            ("history", history),
        ],
    );
    let out = run_ok(dir.path(), &policy, &data);

    // Reps here score 100.00 (calls 1 → 100, revenue 1 → 100) → B.
    // E10: hired 2026-07-20; span 1 starts at the hire date:
    //   2026-07-20..08-31 = 12 + 31 = 43 days, sales, 92000:
    //   target bonus 92000 × 10 × 3 ÷ 1200 = 2300; × 43/92 = 25 × 43 = 1075
    //   2026-09-01..09-30 = 30 days, north, 115000:
    //   target bonus 115000 × 10 × 3 ÷ 1200 = 2875; × 30/92 = 31.25 × 30
    //   = 937.5
    //   bonus 1075 + 937.5 = 2012.50; payouts shows department north.
    // E11 (mgr, team KPI of the span's department):
    //   sales 900 ÷ 1000 = 0.9 → 90.00 → B; north 1100 ÷ 1000 = 1.1 →
    //   110.00 → A; target bonus 120000 × 10 × 3 ÷ 1200 = 3000
    //   2026-07-01..09-07 = 31 + 31 + 7 = 69 days: 3000 × 90 ÷ 100 = 2700;
    //   × 69/92 = 2025
    //   2026-09-08..09-30 = 23 days: 3000 × 110 ÷ 100 = 3300; × 23/92 = 825
    //   bonus 2025 + 825 = 2850.00; payouts north, mgr, 110.00, A.
    // E12 (control, full quarter in north): 3000.00.
    // E14 (control, hired 2026-07-20, no change): 2300 × 73/92 = 25 × 73 =
    //   1825.00 (73 = 12 + 31 + 30 days).
    // E15: a change on the period's last day cuts a one-day span:
    //   2026-07-01..09-29 = 91 days: 2300 × 91/92 = 2275
    //   2026-09-30 = 1 day: 2875 × 1/92 = 31.25
    //   bonus 2306.25.
    assert_eq!(
        read(&out, "payouts.csv"),
        format!(
            "{PAYOUTS_HEADER}\
E10,Di,north,rep,2026-Q3,100.00,B,2012.50,0.00,2012.50,CNY,CNY,1,2012.50
E11,Ed,north,mgr,2026-Q3,110.00,A,2850.00,0.00,2850.00,CNY,CNY,1,2850.00
E12,Fa,north,rep,2026-Q3,100.00,B,3000.00,0.00,3000.00,CNY,CNY,1,3000.00
E14,Gu,sales,rep,2026-Q3,100.00,B,1825.00,0.00,1825.00,CNY,CNY,1,1825.00
E15,Ha,sales,rep,2026-Q3,100.00,B,2306.25,0.00,2306.25,CNY,CNY,1,2306.25
"
        )
    );
    assert_eq!(
        read(&out, "spans.csv"),
        format!(
            "{SPANS_HEADER}\
E10,2026-07-20,2026-08-31,rep,sales,2300,100.00,B,2300,43/92,1075,1075.00,
E10,2026-09-01,2026-09-30,rep,north,2875,100.00,B,2875,30/92,937.5,937.50,
E11,2026-07-01,2026-09-07,mgr,sales,3000,90.00,B,2700,69/92,2025,2025.00,
E11,2026-09-08,2026-09-30,mgr,north,3000,110.00,A,3300,23/92,825,825.00,
E15,2026-07-01,2026-09-29,rep,sales,2300,100.00,B,2300,91/92,2275,2275.00,
E15,2026-09-30,2026-09-30,rep,sales,2875,100.00,B,2875,1/92,31.25,31.25,
"
        )
    );
    for e in ["E10", "E11", "E15"] {
        spans_add_up(&out, e);
    }
    // scores.csv has the last span's KPI lines: E11's team line reads north
    // (1100 ÷ 1000 = 1.1000 → 110.00, weight 100, contribution 110).
    let scores = read(&out, "scores.csv");
    let e11: Vec<&str> = scores.lines().filter(|l| l.starts_with("E11,")).collect();
    assert_eq!(
        e11,
        vec!["E11,2026-Q3,team,Team sales,north,1100,1000,fixed in the policy,1.1000,110.00,target to stretch,100,110"],
        "{scores}"
    );
}

// ---------------------------------------------------------------------------
// 5. `proration: months`: a month cut by a change counts for the span in
//    effect on its 1st.
// ---------------------------------------------------------------------------

#[test]
fn months_proration_counts_a_cut_month_for_the_span_of_its_first_day() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), "bonus:\n  proration: months\n");
    let employees = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date
E30,Ivy,sales,rep,120000,10,2024-01-01
E31,Jo,sales,rep,120000,10,2026-07-10
E32,Ken,sales,rep,120000,10,2024-01-01
";
    let metrics = "subject_id,month,metric,value
E30,2026-07,calls,30
E30,2026-08,calls,20
E30,2026-09,calls,20
E30,2026-07,revenue,10000
E30,2026-08,revenue,12000
E30,2026-09,revenue,11000
E31,2026-07,calls,20
E31,2026-08,calls,40
E31,2026-09,calls,40
E31,2026-07,revenue,5000
E31,2026-08,revenue,12000
E31,2026-09,revenue,13000
E32,2026-07,calls,30
E32,2026-08,calls,30
E32,2026-09,calls,40
E32,2026-07,revenue,10000
E32,2026-08,revenue,10000
E32,2026-09,revenue,10000
";
    let targets = "subject_id,period,kpi,target
E30,2026-Q3,calls,100
E31,2026-Q3,calls,100
E32,2026-Q3,calls,100
";
    let history = "employee_id,effective,role,base_salary,target_bonus_pct
E30,2026-08-16,lead,180000,15
E31,2026-08-20,,132000,
";
    let data = write_data(
        dir.path(),
        &[
            ("employees", employees),
            ("metrics", metrics),
            ("targets", targets),
            ("history", history),
        ],
    );
    let out = run_ok(dir.path(), &policy, &data);
    // E30 (the worked example under months): span 1 rep 07-01..08-15 holds
    //   the 1st of July and of August, both months employed on every day →
    //   2 of 3; span 2 lead 08-16..09-30 holds 1 September → 1 of 3.
    //   rep: 3000 × 90 ÷ 100 = 2700 × 2/3 = 1800
    //   lead: 6750 × 110 ÷ 100 = 7425 × 1/3 = 2475
    //   bonus 1800 + 2475 = 4275.00 (days would give 5062.50).
    // E31: hired 2026-07-10 (July not employed on every day: counts for no
    //   span), salary 120000 → 132000 on 2026-08-20; score 100.00 → B.
    //   span 1 07-10..08-19 holds 1 August (employed every day of August)
    //   → 1/3: 120000 × 10 × 3 ÷ 1200 = 3000 × 1/3 = 1000
    //   span 2 08-20..09-30 holds 1 September → 1/3:
    //   132000 × 10 × 3 ÷ 1200 = 3300 × 1/3 = 1100
    //   bonus 2100.00.
    // E32 (control): 3 of 3 months, 3000.00.
    assert_eq!(
        read(&out, "payouts.csv"),
        format!(
            "{PAYOUTS_HEADER}\
E30,Ivy,sales,lead,2026-Q3,110.00,A,4275.00,0.00,4275.00,CNY,CNY,1,4275.00
E31,Jo,sales,rep,2026-Q3,100.00,B,2100.00,0.00,2100.00,CNY,CNY,1,2100.00
E32,Ken,sales,rep,2026-Q3,100.00,B,3000.00,0.00,3000.00,CNY,CNY,1,3000.00
"
        )
    );
    // proration "N/D" as months of the span / months in the period (the
    // docs' example 46/92 is span days / period days, not reduced).
    assert_eq!(
        read(&out, "spans.csv"),
        format!(
            "{SPANS_HEADER}\
E30,2026-07-01,2026-08-15,rep,sales,3000,90.00,B,2700,2/3,1800,1800.00,
E30,2026-08-16,2026-09-30,lead,sales,6750,110.00,A,7425,1/3,2475,2475.00,
E31,2026-07-10,2026-08-19,rep,sales,3000,100.00,B,3000,1/3,1000,1000.00,
E31,2026-08-20,2026-09-30,rep,sales,3300,100.00,B,3300,1/3,1100,1100.00,
"
        )
    );
    for e in ["E30", "E31"] {
        spans_add_up(&out, e);
    }
}

// ---------------------------------------------------------------------------
// 6. A cap hit in one span only; min_amount / max_amount once on the sum.
// ---------------------------------------------------------------------------

#[test]
fn cap_per_span_and_money_limits_once_on_the_sum() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(
        dir.path(),
        "bonus:
  proration: days
  cap: { target_multiple: \"1.2\" }
  min_amount: \"300\"
  max_amount: \"5000\"
",
    );
    let employees = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date
E20,Lu,sales,rep,120000,10,2024-01-01
E21,Ni,sales,rep,120000,1,2024-01-01
E22,Ol,sales,rep,120000,0.5,2024-01-01
E23,Pa,sales,rep,120000,10,2024-01-01
E24,Qi,sales,rep,120000,10,2024-01-01
E25,Mo,sales,rep,120000,10,2024-01-01
";
    let mut metrics = String::from("subject_id,month,metric,value\n");
    // E20, E24, E25: calls 3 × 50 = 150, revenue 3 × 11000 = 33000
    for e in ["E20", "E24", "E25"] {
        metrics.push_str(&format!(
            "{e},2026-07,calls,50\n{e},2026-08,calls,50\n{e},2026-09,calls,50\n\
             {e},2026-07,revenue,11000\n{e},2026-08,revenue,11000\n{e},2026-09,revenue,11000\n"
        ));
    }
    // E21, E22, E23: calls 30 + 30 + 40 = 100, revenue 3 × 10000 = 30000
    for e in ["E21", "E22", "E23"] {
        metrics.push_str(&format!(
            "{e},2026-07,calls,30\n{e},2026-08,calls,30\n{e},2026-09,calls,40\n\
             {e},2026-07,revenue,10000\n{e},2026-08,revenue,10000\n{e},2026-09,revenue,10000\n"
        ));
    }
    let mut targets = String::from("subject_id,period,kpi,target\n");
    for e in ["E20", "E21", "E22", "E23", "E24", "E25"] {
        targets.push_str(&format!("{e},2026-Q3,calls,100\n"));
    }
    let history = "employee_id,effective,role,base_salary,target_bonus_pct
E20,2026-08-16,lead,180000,15
E21,2026-08-16,,240000,
E22,2026-08-16,,,1
E25,2026-08-16,lead,150000,12
";
    let data = write_data(
        dir.path(),
        &[
            ("employees", employees),
            ("metrics", &metrics),
            ("targets", &targets),
            ("history", history),
        ],
    );
    let out = run_ok(dir.path(), &policy, &data);
    // Scores: calls 150 ÷ 100 = 1.5 → 150.00 (the stretch point), revenue
    //   33000 ÷ 30000 = 1.1 → 110.00; rep = 75 + 55 = 130.00 → A;
    //   lead = 110.00 → A. With calls 100 / revenue 30000: rep 100.00 → B.
    // Both spans below are 46 + 46 days (change on 2026-08-16): × 46/92.
    //
    // E25 (the cap in one span only):
    //   rep: target bonus 3000, formula 3000 × 130 ÷ 100 = 3900 > cap
    //   1.2 × 3000 = 3600 → 3600 × 46/92 = 1800
    //   lead: target bonus 150000 × 12 × 3 ÷ 1200 = 4500, formula 4500 × 110
    //   ÷ 100 = 4950 ≤ cap 1.2 × 4500 = 5400 → 4950 × 46/92 = 2475
    //   bonus 1800 + 2475 = 4275.00 (uncapped it would be 1950 + 2475).
    // E20 (cap in span 1, then max_amount once on the sum):
    //   rep as E25: formula 3900, capped 3600, exact 1800
    //   lead: target bonus 6750, formula 7425 ≤ 8100 → exact 3712.5
    //   sum 5512.5 > max 5000 → bonus 5000.00 (neither span alone is over
    //   5000, so a per-span max would pay 5512.50)
    //   shown: 500000 cents × 1800 ÷ 5512.5 = 163265.306… and × 3712.5 ÷
    //   5512.5 = 336734.693…; floors 163265 + 336734 = 499999, one cent
    //   left → larger remainder .693 (span 2): 1632.65 and 3367.35.
    // E21 (min_amount not needed by the sum): target bonus 120000 × 1 × 3
    //   ÷ 1200 = 300 → formula 300 (cap 360) × 46/92 = 150; then 240000 →
    //   600 (cap 720) × 46/92 = 300; sum 450 ≥ 300 → 450.00 (a per-span
    //   min_amount would raise 150 to 300 and pay 600.00).
    // E22 (min_amount raises the sum once): 120000 × 0.5 × 3 ÷ 1200 = 150
    //   × 46/92 = 75; then pct 1: 300 × 46/92 = 150; sum 225 < 300 →
    //   300.00 (per span it would be 300 + 300 = 600.00)
    //   shown: 300 × 75 ÷ 225 = 100.00, 300 × 150 ÷ 225 = 200.00.
    // E23 (control): 3000 × 100 ÷ 100 = 3000 ≤ 3600 → 3000.00.
    // E24 (control, capped): 3900 → 3600 × 92/92 = 3600.00.
    assert_eq!(
        read(&out, "payouts.csv"),
        format!(
            "{PAYOUTS_HEADER}\
E20,Lu,sales,lead,2026-Q3,110.00,A,5000.00,0.00,5000.00,CNY,CNY,1,5000.00
E21,Ni,sales,rep,2026-Q3,100.00,B,450.00,0.00,450.00,CNY,CNY,1,450.00
E22,Ol,sales,rep,2026-Q3,100.00,B,300.00,0.00,300.00,CNY,CNY,1,300.00
E23,Pa,sales,rep,2026-Q3,100.00,B,3000.00,0.00,3000.00,CNY,CNY,1,3000.00
E24,Qi,sales,rep,2026-Q3,130.00,A,3600.00,0.00,3600.00,CNY,CNY,1,3600.00
E25,Mo,sales,lead,2026-Q3,110.00,A,4275.00,0.00,4275.00,CNY,CNY,1,4275.00
"
        )
    );
    // formula = "after gates and modifiers, before the cap"; exact =
    // "capped × proration, unrounded" (before the money limits).
    assert_eq!(
        read(&out, "spans.csv"),
        format!(
            "{SPANS_HEADER}\
E20,2026-07-01,2026-08-15,rep,sales,3000,130.00,A,3900,46/92,1800,1632.65,
E20,2026-08-16,2026-09-30,lead,sales,6750,110.00,A,7425,46/92,3712.5,3367.35,
E21,2026-07-01,2026-08-15,rep,sales,300,100.00,B,300,46/92,150,150.00,
E21,2026-08-16,2026-09-30,rep,sales,600,100.00,B,600,46/92,300,300.00,
E22,2026-07-01,2026-08-15,rep,sales,150,100.00,B,150,46/92,75,100.00,
E22,2026-08-16,2026-09-30,rep,sales,300,100.00,B,300,46/92,150,200.00,
E25,2026-07-01,2026-08-15,rep,sales,3000,130.00,A,3900,46/92,1800,1800.00,
E25,2026-08-16,2026-09-30,lead,sales,4500,110.00,A,4950,46/92,2475,2475.00,
"
        )
    );
    for e in ["E20", "E21", "E22", "E25"] {
        spans_add_up(&out, e);
    }
    // exceptions.csv: the limits changed E20's and E22's bonus, not E21's.
    let exceptions = read(&out, "exceptions.csv");
    has_line(&exceptions, &["E20,limited,"]);
    has_line(&exceptions, &["E22,limited,"]);
    assert!(
        !exceptions.lines().any(|l| l.starts_with("E21,limited,")),
        "{exceptions}"
    );
}

// ---------------------------------------------------------------------------
// 7. Bad history rows: exit 2, every problem at its file:line:col.
// ---------------------------------------------------------------------------

const BAD_EMPLOYEES: &str =
    "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date
E1,Ada,sales,rep,120000,10,2024-01-01
E2,Bo,sales,rep,120000,10,2024-01-01
E3,Cy,sales,rep,120000,10,2024-01-01
E4,Di,sales,rep,120000,10,2024-01-01
";

/// Rows 2–8 of a history table, each with one problem:
/// 2 unknown employee E99; 3 role `director` the policy lacks;
/// 4/5 two rows of E2 effective 2026-08-16 (reported at line 5);
/// 6 a row that changes nothing; 7 a negative salary;
/// 8 a row effective on the hire date (docs/data.md: "not after the
/// `hire_date` ... is refused as a likely mistake").
const BAD_ROWS: &str = "E99,2026-08-16,lead,,
E1,2026-08-16,director,,
E2,2026-08-16,,130000,
E2,2026-08-16,,,12
E3,2026-09-01,,,
E1,2026-09-01,,-5,
E4,2024-01-01,lead,,
";

fn bad_history_run(history: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), "bonus:\n  proration: days\n");
    let data = write_data(
        dir.path(),
        &[
            ("employees", BAD_EMPLOYEES),
            ("metrics", EX_METRICS),
            ("targets", EX_TARGETS),
            ("history", history),
        ],
    );
    let out = dir.path().join("out");
    let o = run(&policy, &data, "2026-Q3", &out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}{err}", stdout(&o));
    assert!(!out.exists(), "nothing may be written: {err}");
    assert!(err.contains("nothing was written"), "{err}");
    (err, dir)
}

#[test]
fn bad_history_rows_are_all_reported_at_their_lines() {
    // (a) All the problems in one file, with an unknown column (a misspelt
    // target_bonus_pct) in the header. docs/data.md "How a data folder is
    // checked": unknown columns are stage 1 and "a stage with problems
    // reports them and stops", so only the column can be required here.
    let header_bad = "employee_id,effective,role,base_salary,target_bonus_pc\n";
    let (err, _d) = bad_history_run(&format!("{header_bad}{BAD_ROWS}"));
    has_line(
        &err,
        &[
            "history.csv:1:5: error:",
            "unknown column 'target_bonus_pc'",
            "did you mean 'target_bonus_pct'",
        ],
    );

    // (b) The same rows under a good header: every row problem in one run,
    // each at FILE:LINE:FIELD (header is line 1; fields: 1 employee_id,
    // 2 effective, 3 role, 4 base_salary, 5 target_bonus_pct).
    let header = "employee_id,effective,role,base_salary,target_bonus_pct\n";
    let history = format!("{header}{BAD_ROWS}");
    let (err, d) = bad_history_run(&history);
    // cell problems: `FILE:LINE:FIELD: error: column 'x': message`
    has_line(
        &err,
        &["history.csv:2:1: error: column 'employee_id':", "E99"],
    );
    has_line(
        &err,
        &["history.csv:3:3: error: column 'role':", "director"],
    );
    has_line(&err, &["history.csv:7:4: error: column 'base_salary':"]);
    // a duplicate key is a row problem at the later row:
    // `FILE:LINE:1: error: message`, message as docs/data.md gives it.
    has_line(
        &err,
        &[
            "history.csv:5:1: error:",
            "employee E2 has two history rows effective 2026-08-16 (line 4)",
        ],
    );
    has_line(&err, &["history.csv:6:", "error"]);
    has_line(&err, &["history.csv:8:", "error"]);
    // nothing on the good line 4 (its duplicate is reported at line 5).
    assert!(!err.contains("history.csv:4:"), "{err}");

    // `merit check --policy --data` reads the data the same way (exit 1).
    let o = merit(&[
        "check",
        "--policy",
        d.path().join("policy").to_str().unwrap(),
        "--data",
        d.path().join("data").to_str().unwrap(),
    ]);
    let text = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{text}");
    for line in [2, 3, 5, 6, 7, 8] {
        assert!(
            text.contains(&format!("history.csv:{line}:")),
            "check misses line {line}: {text}"
        );
    }
}

// ---------------------------------------------------------------------------
// 8. Policy test cases with a history table and expect.spans.
// ---------------------------------------------------------------------------

/// The worked example as a test case; `spans` is the YAML of E1's
/// `expect.spans` list (indented under it).
fn case(name: &str, spans: &str) -> String {
    format!(
        r#"  - name: {name}
    period: "2026-Q3"
    employees:
      - {{ employee_id: E1, name: Ada, department: sales, role: rep, base_salary: "120000", target_bonus_pct: "10", hire_date: "2024-01-01" }}
      - {{ employee_id: E2, name: Bo, department: sales, role: rep, base_salary: "120000", target_bonus_pct: "10", hire_date: "2024-01-01" }}
    metrics:
      - {{ subject_id: E1, month: "2026-07", metric: calls, value: "30" }}
      - {{ subject_id: E1, month: "2026-08", metric: calls, value: "20" }}
      - {{ subject_id: E1, month: "2026-09", metric: calls, value: "20" }}
      - {{ subject_id: E1, month: "2026-07", metric: revenue, value: "10000" }}
      - {{ subject_id: E1, month: "2026-08", metric: revenue, value: "12000" }}
      - {{ subject_id: E1, month: "2026-09", metric: revenue, value: "11000" }}
      - {{ subject_id: E2, month: "2026-07", metric: calls, value: "40" }}
      - {{ subject_id: E2, month: "2026-08", metric: calls, value: "40" }}
      - {{ subject_id: E2, month: "2026-09", metric: calls, value: "40" }}
      - {{ subject_id: E2, month: "2026-07", metric: revenue, value: "10000" }}
      - {{ subject_id: E2, month: "2026-08", metric: revenue, value: "10000" }}
      - {{ subject_id: E2, month: "2026-09", metric: revenue, value: "10000" }}
    targets:
      - {{ subject_id: E1, period: "2026-Q3", kpi: calls, target: "100" }}
      - {{ subject_id: E2, period: "2026-Q3", kpi: calls, target: "100" }}
    history:
      - {{ employee_id: E1, effective: "2026-08-16", role: lead, base_salary: "180000", target_bonus_pct: "15" }}
    expect:
      E1:
        score: "110.00"
        rating: A
        bonus: "5062.50"
        spans:
{spans}
      E2: {{ score: "110.00", rating: A, bonus: "3300.00" }}
"#
    )
}

// Hand-worked in worked_example_rep_to_lead: rep span 46/92 = 0.5 of
// 3000 × 90 ÷ 100 = 1350; lead span 0.5 of 6750 × 110 ÷ 100 = 3712.5.
// "Expected numbers are compared as exact decimals" ("1350.00" = 1350,
// "3712.5" = 3712.50), and a proration of 46 ÷ 92 "compares equal to 0.5".
const SPAN_1: &str = r#"          - { from: "2026-07-01", to: "2026-08-15", role: rep, department: sales, target_bonus: "3000", score: "90.00", rating: B, proration: "0.5", exact: "1350.00", bonus: "1350.00" }"#;
const SPAN_2: &str = r#"          - { from: "2026-08-16", to: "2026-09-30", role: lead, department: sales, target_bonus: "6750", score: "110.00", rating: A, proration: "0.5", exact: "3712.5", bonus: "3712.50" }"#;
// Deliberately wrong: the lead span's shown bonus is 3712.50, not 3712.51.
const SPAN_2_WRONG: &str = r#"          - { from: "2026-08-16", to: "2026-09-30", role: lead, department: sales, target_bonus: "6750", score: "110.00", rating: A, proration: "0.5", exact: "3712.5", bonus: "3712.51" }"#;

#[test]
fn policy_test_cases_assert_spans() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), "bonus:\n  proration: days\n");
    std::fs::create_dir_all(policy.join("tests")).unwrap();
    let cases = format!(
        "cases:\n{}{}{}",
        case("worked example passes", &format!("{SPAN_1}\n{SPAN_2}")),
        case(
            "wrong span bonus fails",
            &format!("{SPAN_1}\n{SPAN_2_WRONG}")
        ),
        // "the list must have as many entries as the employee has spans"
        case("one span of two fails", SPAN_1),
    );
    std::fs::write(policy.join("tests/cases.yaml"), cases).unwrap();
    let p = policy.to_str().unwrap();

    // Alone, the correct case passes.
    let o = merit(&["test", "--policy", p, "--filter", "worked example passes"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("test result: ok. 1 passed; 0 failed"), "{out}");

    // Each wrong case alone fails (exit 1).
    for name in ["wrong span bonus fails", "one span of two fails"] {
        let o = merit(&["test", "--policy", p, "--filter", name]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {out}{}", stderr(&o));
        assert!(out.contains("0 passed; 1 failed"), "{name}: {out}");
        assert!(out.contains(&format!("{name} ... FAILED")), "{out}");
    }
    // The wrong amount is shown.
    let o = merit(&["test", "--policy", p, "--filter", "wrong span bonus"]);
    assert!(stdout(&o).contains("3712.51"), "{}", stdout(&o));

    // All together: one passes, two fail, exit 1.
    let o = merit(&["test", "--policy", p]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(
        out.contains("test result: FAILED. 1 passed; 2 failed"),
        "{out}"
    );
}

#[test]
fn policy_test_spans_are_listed_in_date_order() {
    // docs/policy.md, Test cases: "`spans` ...: the list of their spans in
    // date order". E13 of salary_change_is_rounded_once_and_shown_by_largest_
    // remainder as a case: 23 / 46 / 23 days at 120001 / 132003 / 144001,
    // pct 10, score 100 (calls 100 of 100, revenue 30000 of 30000):
    // exact 3000.025 ÷ 4 = 750.00625, 3300.075 ÷ 2 = 1650.0375,
    // 3600.025 ÷ 4 = 900.00625; bonus 3300.05; shown 750.01, 1650.04,
    // 900.00 (largest remainder: .75 first, then the .625 tie to span 1).
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), "bonus:\n  proration: days\n");
    std::fs::create_dir_all(policy.join("tests")).unwrap();
    std::fs::write(
        policy.join("tests/cases.yaml"),
        r#"cases:
  - name: three spans in date order
    period: "2026-Q3"
    employees:
      - { employee_id: E13, name: Mia, department: sales, role: rep, base_salary: "120001", target_bonus_pct: "10", hire_date: "2024-01-01" }
    metrics:
      - { subject_id: E13, month: "2026-09", metric: calls, value: "100" }
      - { subject_id: E13, month: "2026-09", metric: revenue, value: "30000" }
    targets:
      - { subject_id: E13, period: "2026-Q3", kpi: calls, target: "100" }
    history:
      - { employee_id: E13, effective: "2026-07-24", base_salary: "132003" }
      - { employee_id: E13, effective: "2026-09-08", base_salary: "144001" }
    expect:
      E13:
        score: "100.00"
        bonus: "3300.05"
        spans:
          - { from: "2026-07-01", to: "2026-07-23", target_bonus: "3000.025", proration: "0.25", exact: "750.00625", bonus: "750.01" }
          - { from: "2026-07-24", to: "2026-09-07", target_bonus: "3300.075", proration: "0.5", exact: "1650.0375", bonus: "1650.04" }
          - { from: "2026-09-08", to: "2026-09-30", target_bonus: "3600.025", proration: "0.25", exact: "900.00625", bonus: "900.00" }
"#,
    )
    .unwrap();
    let o = merit(&["test", "--policy", policy.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("test result: ok. 1 passed; 0 failed"), "{out}");
}
