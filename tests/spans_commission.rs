//! Commissions and draws across spans (docs/policy.md, "Commissions and
//! draws across spans"), tested independently of the implementation: every
//! policy, table and expected number below was written from the docs alone
//! (docs/policy.md: Mid-period changes, Commissions and draws across spans,
//! Commissions, Year-to-date draws and balances; docs/data.md: history,
//! transactions, employees; docs/outputs.md: payouts.csv, balances.csv,
//! spans.csv, trace/explain) and worked by hand with exact fractions. The
//! arithmetic is in the comment above each assertion. Nobody who wrote this
//! file read src/.
//!
//! Rules used (quotes from docs/policy.md):
//! 1. "Each credit row belongs to the span whose days hold its date. A row
//!    dated inside the period before the first span (before the hire)
//!    belongs to the first span".
//! 2. "only the rows belonging to spans whose role earns it".
//! 3. Quota "Q = Σ span's quota × span's days ÷ days employed in the period
//!    (calendar days ...; exact, never rounded)", over the spans whose role
//!    earns the commission.
//! 4. `on: kpi`: "the KPI's actual ... × the days of the spans whose role
//!    earns it ÷ the days employed in the period".
//! 5. `ytd: true`: "computed as at the last day of the **last span whose
//!    role earns it** ... the credit dated from the plan year's start to
//!    that span's last day ..., against that span's whole quota (not
//!    weighted ...), less what the plan year already paid".
//! 6. Draw "D = Σ over the spans whose role gets the draw of the span's draw
//!    per month × the period's months × the span's days ÷ the days employed
//!    in the period, rounded once to `money_places`".
//! 7. Roll-up "to whoever was the report's manager on the deal's date".
//! 8. "A commission is still **one line per commission**, computed and
//!    rounded once ... (per deal with `per: deal`)".
//!
//! The period is 2026-03 (31 days, 1 month) except for the second run of
//! the year-to-date chain (2026-04, 30 days). `money_places` 2, `half_up`
//! (the defaults). Everyone has `target_bonus_pct` 0, so the bonus is 0.00
//! and the pay is the commissions (and the draw). The stateful plans start
//! their plan year in March (`plan_year: { start_month: 3 }`), so that a
//! March run is the first of its plan year and needs no `--after`
//! (docs/policy.md, "`--after` is required unless the period is the first of
//! a plan year"), with nothing owed and nothing paid before.
//!
//! Ambiguities met and the reading chosen (also said where asserted):
//! - The docs' worked example does not say what the `sdr` row's quota and
//!   draw inputs are. Here the employees row gives the `sdr` a quota of
//!   50,000 and a draw of 3,100 that must be ignored (the `sdr` span's role
//!   earns neither), and the history row makes the quota 62,000.
//! - "The draw is not prorated for a hire or leaver inside the period" vs.
//!   rule 6's "÷ the days employed in the period": for a new hire with a
//!   role change, the draw is weighted by the span's share of the days
//!   employed (not of the period's days), so that someone hired and never
//!   changed still gets the whole draw.
//! - Whether a history row that only changes `manager_id` (roll-up case)
//!   cuts a span for the report: "Rows that change nothing the plan reads
//!   still cut a span"; nothing here depends on it (the report's own
//!   commission is the same either way).
//! - `on: kpi` reads "the actual of an individual KPI ..., which the role
//!   must list in its weights" (Commissions) and, across spans, "the KPI's
//!   actual (the period's, as for the scorecard)". Which role must list it
//!   when the roles differ is not said. Chosen: the roles of the spans that
//!   earn the commission (each span is scored "with the scorecard of the
//!   span's role"); a later span's role that does not earn it (`sdr`) need
//!   not list the KPI.

mod common;
use common::csv::{cell, ok, table};
use common::{merit, run, run_with, stderr, stdout};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The scorecard shared by every plan here: `calls` (fixed target 100) for
/// everyone; `revenue` (fixed target 50,000) weighted 0 for `ae`, so that a
/// commission `on: kpi` may read it. With 100 calls everyone scores 100.00.
const BASE: &str = r#"# yaml-language-server: $schema=../../docs/policy.schema.json
id: spans-commission
version: "2026.1"
title: { zh: 跨期佣金, en: Commissions across spans }
currency: CNY
language: en

inputs:
  quota: { type: money, name: { zh: 配额, en: Quota } }
  monthly_draw: { type: money, name: { zh: 月度预支, en: Monthly draw } }

kpis:
  - { id: calls, name: { zh: 拜访, en: Calls }, unit: count, aggregate: { sum: calls }, target: { fixed: "100" }, scoring: linear, missing_months: any }
  - { id: revenue, name: { zh: 收入, en: Revenue }, unit: CNY, aggregate: { sum: revenue }, target: { fixed: "50000" }, scoring: linear, missing_months: any }

scorings:
  linear:
    curve:
      threshold: { achievement: "0.5", score: 50 }
      target: { achievement: 1, score: 100 }
      stretch: { achievement: "1.5", score: 150 }

roles:
  sdr:
    weights: { calls: 100 }
  ae:
    weights: { calls: 100, revenue: 0 }
  rep:
    weights: { calls: 100 }
  manager:
    weights: { calls: 100 }

rating_bands:
  - { band: A, min_score: 100 }
  - { band: B }

bonus:
  proration: days

"#;

/// The docs' `new_business` rates: marginal, 5 % to quota, 8 % to 150 %,
/// 12 % above, on the `quota` input (for `ae` only).
const NEW_BUSINESS: &str = r#"commissions:
  - id: new_business
    roles: [ae]
    on: { transactions: {} }
    quota: { input: quota }
    rates:
      basis: attainment
      mode: marginal
      steps:
        - { from: 0, to: 1, rate: "0.05" }
        - { from: 1, to: "1.5", rate: "0.08" }
        - { from: "1.5", rate: "0.12" }
"#;

/// A recoverable draw for `ae` (the `monthly_draw` input), a plan year
/// starting in March.
const DRAW: &str = r#"plan_year: { start_month: 3 }
draw:
  amount: { input: monthly_draw }
  recoverable: true
  roles: [ae]
"#;

const EMP_HEADER: &str =
    "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,quota,monthly_draw\n";

/// Writes `policy/policy.yaml` under `dir`: the base plan and `tail`.
fn write_policy(dir: &Path, tail: &str) -> PathBuf {
    let p = dir.join("policy");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("policy.yaml"), format!("{BASE}{tail}")).unwrap();
    p
}

/// Writes a data folder `dir/NAME`: the employees (rows after the header),
/// March and April metrics for each of them (100 calls, `revenue` as
/// given, default 50,000), the transactions and, when given, the history.
fn write_data(
    dir: &Path,
    name: &str,
    employees: &str,
    revenue: &[(&str, &str)],
    transactions: &str,
    history: Option<&str>,
) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), format!("{EMP_HEADER}{employees}")).unwrap();
    let mut metrics = String::from("subject_id,month,metric,value\n");
    for line in employees.lines() {
        let id = line.split(',').next().unwrap();
        let rev = revenue
            .iter()
            .find(|(e, _)| *e == id)
            .map(|(_, v)| *v)
            .unwrap_or("50000");
        for month in ["2026-03", "2026-04"] {
            metrics.push_str(&format!("{id},{month},calls,100\n"));
            metrics.push_str(&format!("{id},{month},revenue,{rev}\n"));
        }
    }
    std::fs::write(d.join("metrics.csv"), metrics).unwrap();
    std::fs::write(
        d.join("transactions.csv"),
        format!("deal_id,employee_id,date,amount,share\n{transactions}"),
    )
    .unwrap();
    if let Some(h) = history {
        std::fs::write(d.join("history.csv"), h).unwrap();
    }
    d
}

/// `merit run` for `period` that must succeed (exit 0); returns the out folder.
fn run_ok(policy: &Path, data: &Path, period: &str, out: &Path, after: Option<&Path>) -> PathBuf {
    let o = match after {
        None => run(policy, data, period, out),
        Some(a) => run_with(
            policy,
            data,
            period,
            out,
            &["--after", a.to_str().unwrap()],
            &[],
        ),
    };
    ok(o);
    out.to_path_buf()
}

/// The rows of a CSV file the run wrote, by employee id.
fn rows(out: &Path, file: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let (_, rows) = table(&out.join(file));
    rows.into_iter()
        .map(|r| (cell(&r, "employee_id").to_owned(), r))
        .collect()
}

/// Asserts the named cells of `emp`'s row of `file`.
fn assert_cells(out: &Path, file: &str, emp: &str, want: &[(&str, &str)]) {
    let all = rows(out, file);
    let row = all
        .get(emp)
        .unwrap_or_else(|| panic!("no {file} row for {emp}: {all:?}"));
    for (col, value) in want {
        assert_eq!(
            cell(row, col),
            *value,
            "{file} {emp} column {col}; row {row:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// 1. The docs' worked example (sdr → ae on 2026-03-16), and a top-up.
// ---------------------------------------------------------------------------

/// E2 and E3 are `sdr` until 2026-03-15 and `ae` from 2026-03-16. The
/// employees row gives the `sdr` quota 50,000 and draw 3,100, which must
/// be ignored (the `sdr` earns neither); the history row sets the `ae`
/// quota 62,000 (the draw input stays 3,100).
fn worked_example(dir: &Path) -> PathBuf {
    let policy = write_policy(dir, &format!("{NEW_BUSINESS}{DRAW}"));
    let data = write_data(
        dir,
        "data",
        "E2,E2,sales,sdr,120000,0,2024-01-01,50000,3100\n\
         E3,E3,sales,sdr,120000,0,2024-01-01,50000,3100\n",
        &[],
        "D1,E2,2026-03-10,40000,\n\
         D2,E2,2026-03-20,45000,\n\
         D3,E3,2026-03-05,40000,\n\
         D4,E3,2026-03-20,20000,\n",
        Some(
            "employee_id,effective,role,quota\n\
             E2,2026-03-16,ae,62000\n\
             E3,2026-03-16,ae,62000\n",
        ),
    );
    run_ok(&policy, &data, "2026-03", &dir.join("out"), None)
}

#[test]
fn worked_example_sdr_to_ae_pays_the_ae_span_on_a_weighted_quota_and_draw() {
    let dir = tempfile::tempdir().unwrap();
    let out = worked_example(dir.path());

    // E2 (the docs' example): D1 (03-10) belongs to the sdr span, not
    // counted; D2 (03-20) counted: A = 45,000.
    // Q = 62,000 × 16 ÷ 31 = 32,000 (the sdr span's 50,000 × 15 ÷ 31 is not
    // added: its role does not earn new_business).
    // commission = 32,000 × 5 % + (45,000 − 32,000) × 8 % = 1,600 + 1,040
    // = 2,640.00 (45,000 < 1.5 × 32,000 = 48,000: no 12 % slice).
    // draw D = 3,100 × 1 × 16 ÷ 31 = 1,600.00; E = 2,640 ≥ D: T = 0.00.
    // G = 0 + 2,640 + 0 = 2,640; O = 0: R = 0; total 2,640.00.
    // payouts.csv shows the last span's role, ae.
    assert_cells(
        &out,
        "payouts.csv",
        "E2",
        &[
            ("role", "ae"),
            ("bonus", "0.00"),
            ("commission", "2640.00"),
            ("draw", "0.00"),
            ("recovered", "0.00"),
            ("carried", "0.00"),
            ("total_payout", "2640.00"),
        ],
    );
    // E3: D3 (03-05) is the sdr's; D4 (03-20) counted: A = 20,000 on
    // Q = 32,000 (attainment 0.625): 20,000 × 5 % = 1,000.00.
    // D = 1,600.00 (as E2); E = 1,000 < D: the draw tops up T = 1,600 − 1,000
    // = 600.00, owed 0 + 600 = 600.00. G = 1,000 + 600 = 1,600; R = 0.
    // total 1,600.00.
    assert_cells(
        &out,
        "payouts.csv",
        "E3",
        &[
            ("role", "ae"),
            ("commission", "1000.00"),
            ("draw", "600.00"),
            ("recovered", "0.00"),
            ("carried", "0.00"),
            ("total_payout", "1600.00"),
        ],
    );
    // balances.csv: plan year from 2026-03-01; E2 owes nothing, E3 owes the
    // 600.00 top-up (recoverable); nothing forgiven (March does not end the
    // plan year, which ends 2027-02-28). No ytd commission: no paid_ytd column.
    let (header, _) = table(&out.join("balances.csv"));
    assert_eq!(header, "employee_id,plan_year,owed,forgiven");
    assert_cells(
        &out,
        "balances.csv",
        "E2",
        &[
            ("plan_year", "2026-03-01"),
            ("owed", "0.00"),
            ("forgiven", "0.00"),
        ],
    );
    assert_cells(
        &out,
        "balances.csv",
        "E3",
        &[
            ("plan_year", "2026-03-01"),
            ("owed", "600.00"),
            ("forgiven", "0.00"),
        ],
    );
    // spans.csv: E2's two spans, 03-01..03-15 sdr and 03-16..03-31 ae.
    let spans = std::fs::read_to_string(out.join("spans.csv")).unwrap();
    assert!(
        spans.contains("\nE2,2026-03-01,2026-03-15,sdr,sales,"),
        "{spans}"
    );
    assert!(
        spans.contains("\nE2,2026-03-16,2026-03-31,ae,sales,"),
        "{spans}"
    );
}

#[test]
fn explain_shows_the_time_weighted_quota() {
    let dir = tempfile::tempdir().unwrap();
    let out = worked_example(dir.path());
    let o = merit(&[
        "explain",
        "--run",
        out.to_str().unwrap(),
        "--employee",
        "E2",
    ]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    // The commission line names the credited amount 45,000 and the
    // weighted quota 62,000 × 16 ÷ 31 = 32,000 (docs/outputs.md trace
    // `commissions`: `credited`, `quota`; merit explain prints them, as
    // tests/commission.rs shows: "credited 174000, quota 100000").
    let line = text
        .lines()
        .find(|l| l.contains("new_business") && l.contains("quota"))
        .unwrap_or_else(|| panic!("no commission line with a quota in\n{text}"));
    assert!(line.contains("credited 45000"), "{line}\n{text}");
    assert!(line.contains("quota 32000"), "{line}\n{text}");
    // attainment 45,000 ÷ 32,000 = 1.40625; the line's amount 2,640.00.
    assert!(text.contains("1.40625"), "{text}");
    assert!(text.contains("2640.00"), "{text}");
}

// ---------------------------------------------------------------------------
// 2. A quota raised inside the month (same role).
// ---------------------------------------------------------------------------

#[test]
fn a_quota_raised_inside_the_month_is_time_weighted() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), &format!("{NEW_BUSINESS}{DRAW}"));
    let data = write_data(
        dir.path(),
        "data",
        "Q,Q,sales,ae,120000,0,2024-01-01,100000,3100\n",
        &[],
        "Q1,Q,2026-03-05,70000,\nQ2,Q,2026-03-25,90000,\n",
        Some("employee_id,effective,quota\nQ,2026-03-12,130000\n"),
    );
    let out = run_ok(&policy, &data, "2026-03", &dir.path().join("out"), None);
    // Spans: 03-01..03-11 (11 days, quota 100,000), 03-12..03-31 (20 days,
    // quota 130,000); both ae, both deals counted: A = 160,000.
    // Q = (100,000 × 11 + 130,000 × 20) ÷ 31 = 3,700,000 ÷ 31
    //   = 119,354.838709677… (exact, not rounded).
    // 1.5 Q = 179,032.26 > 160,000: only the 5 % and 8 % slices.
    // commission = 5 % × Q + 8 % × (160,000 − Q) = 12,800 − 3 % × Q
    //   = 12,800 − 111,000 ÷ 31 = 12,800 − 3,580.645161… = 9,219.354838…
    //   → 9,219.35.
    // (On 100,000 alone: 5,000 + 4,000 + 10,000 × 12 % = 10,200.00; on
    // 130,000 alone: 6,500 + 30,000 × 8 % = 8,900.00.)
    // draw D = 3,100 × 11 ÷ 31 + 3,100 × 20 ÷ 31 = 3,100.00 < E: T = 0.
    // total 9,219.35.
    assert_cells(
        &out,
        "payouts.csv",
        "Q",
        &[
            ("role", "ae"),
            ("commission", "9219.35"),
            ("draw", "0.00"),
            ("recovered", "0.00"),
            ("total_payout", "9219.35"),
        ],
    );
    assert_cells(&out, "balances.csv", "Q", &[("owed", "0.00")]);
}

// ---------------------------------------------------------------------------
// 3. History rows that change nothing the commission reads.
// ---------------------------------------------------------------------------

#[test]
fn rows_that_change_nothing_the_commission_reads_change_no_amount() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), &format!("{NEW_BUSINESS}{DRAW}"));
    let employees = "S,S,sales,ae,120000,0,2024-01-01,100000,8000\n";
    let deals = "S1,S,2026-03-05,60000,\nS2,S,2026-03-25,70000,\n";
    let plain = write_data(dir.path(), "plain", employees, &[], deals, None);
    // Two rows: the department moves to east on 03-11, to west on 03-21
    // with the quota "changed" to the value it already had.
    let moved = write_data(
        dir.path(),
        "moved",
        employees,
        &[],
        deals,
        Some(
            "employee_id,effective,department,quota\n\
             S,2026-03-11,east,\n\
             S,2026-03-21,west,100000\n",
        ),
    );
    let out_plain = run_ok(
        &policy,
        &plain,
        "2026-03",
        &dir.path().join("out-plain"),
        None,
    );
    let out_moved = run_ok(
        &policy,
        &moved,
        "2026-03",
        &dir.path().join("out-moved"),
        None,
    );

    // Without the rows: A = 130,000 on Q = 100,000: 100,000 × 5 % +
    // 30,000 × 8 % = 5,000 + 2,400 = 7,400.00. D = 8,000 × 1 = 8,000.00 >
    // E: T = 600.00, owed 600.00; G = 7,400 + 600 = 8,000.00; R = 0.
    // With them: spans of 10, 10 and 11 days, all ae:
    // Q = 100,000 × (10 + 10 + 11) ÷ 31 = 100,000; A = 130,000 (the same);
    // D = 8,000 × (10 + 10 + 11) ÷ 31 = 8,000.00 rounded once (rounding each
    // span, 2,580.65 + 2,580.65 + 2,838.71 = 8,000.01, would be a cent out).
    for out in [&out_plain, &out_moved] {
        assert_cells(
            out,
            "payouts.csv",
            "S",
            &[
                ("commission", "7400.00"),
                ("draw", "600.00"),
                ("recovered", "0.00"),
                ("carried", "0.00"),
                ("total_payout", "8000.00"),
            ],
        );
        assert_cells(out, "balances.csv", "S", &[("owed", "600.00")]);
    }
    // And cell for cell the same money in both runs.
    let a = &rows(&out_plain, "payouts.csv")["S"];
    let b = &rows(&out_moved, "payouts.csv")["S"];
    for col in [
        "bonus",
        "commission",
        "draw",
        "recovered",
        "carried",
        "total_payout",
    ] {
        assert_eq!(cell(a, col), cell(b, col), "column {col}");
    }
    // The moved run shows the last span's department.
    assert_eq!(cell(b, "department"), "west");
}

// ---------------------------------------------------------------------------
// 4. ae → sdr: the role stops earning the commission and the draw.
// ---------------------------------------------------------------------------

#[test]
fn ae_to_sdr_counts_only_the_ae_deals_on_the_ae_days() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), &format!("{NEW_BUSINESS}{DRAW}"));
    let data = write_data(
        dir.path(),
        "data",
        "E4,E4,sales,ae,120000,0,2024-01-01,93000,9300\n",
        &[],
        "D5,E4,2026-03-05,40000,\nD6,E4,2026-03-20,50000,\n",
        Some("employee_id,effective,role\nE4,2026-03-11,sdr\n"),
    );
    let out = run_ok(&policy, &data, "2026-03", &dir.path().join("out"), None);
    // Spans: 03-01..03-10 ae (10 days), 03-11..03-31 sdr (21 days).
    // Counted: D5 (03-05) only, A = 40,000; D6 (03-20, sdr) is not paid.
    // Q = 93,000 × 10 ÷ 31 = 30,000.
    // commission = 30,000 × 5 % + 10,000 × 8 % = 1,500 + 800 = 2,300.00
    // (40,000 < 1.5 × 30,000 = 45,000).
    // D = 9,300 × 1 × 10 ÷ 31 = 3,000.00 > E: T = 700.00, owed 700.00.
    // G = 2,300 + 700 = 3,000; R = 0 (nothing owed before). total 3,000.00.
    // (Counting D6 too would give 1,500 + 1,200 + 45,000 × 12 % = 8,100.)
    // payouts.csv: the last span's role, sdr.
    assert_cells(
        &out,
        "payouts.csv",
        "E4",
        &[
            ("role", "sdr"),
            ("commission", "2300.00"),
            ("draw", "700.00"),
            ("recovered", "0.00"),
            ("carried", "0.00"),
            ("total_payout", "3000.00"),
        ],
    );
    assert_cells(&out, "balances.csv", "E4", &[("owed", "700.00")]);
}

// ---------------------------------------------------------------------------
// 5. Year to date across a two-run chain.
// ---------------------------------------------------------------------------

#[test]
fn year_to_date_uses_the_last_earning_span_over_a_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policy = write_policy(
        d,
        r#"plan_year: { start_month: 3 }
commissions:
  - id: new_business
    roles: [ae]
    ytd: true
    on: { transactions: {} }
    quota: { input: quota }
    rates:
      basis: attainment
      mode: marginal
      steps:
        - { from: 0, to: 1, rate: "0.05" }
        - { from: 1, to: "1.5", rate: "0.08" }
        - { from: "1.5", rate: "0.12" }
"#,
    );
    // One data folder for both runs: the history rows are effective
    // 2026-04-16, after March (not read by the March run); each run counts
    // the deals of the plan year up to its period's end.
    let data = write_data(
        d,
        "data",
        "Y,Y,sales,ae,120000,0,2024-01-01,300000,0\n\
         B,B,sales,ae,120000,0,2024-01-01,300000,0\n",
        &[],
        "Y1,Y,2026-03-10,100000,\n\
         B1,B,2026-03-15,50000,\n\
         Y2,Y,2026-04-05,80000,\n\
         B2,B,2026-04-10,100000,\n\
         B3,B,2026-04-20,70000,\n\
         Y3,Y,2026-04-25,60000,\n",
        Some(
            "employee_id,effective,role,quota\n\
             Y,2026-04-16,,200000\n\
             B,2026-04-16,sdr,\n",
        ),
    );
    // March (first period of the plan year: no --after, P = 0).
    // Y: year to date 100,000 on 300,000: 5 % = 5,000.00; line 5,000.00.
    // B: 50,000 × 5 % = 2,500.00.
    let march = run_ok(&policy, &data, "2026-03", &d.join("march"), None);
    assert_cells(
        &march,
        "payouts.csv",
        "Y",
        &[("commission", "5000.00"), ("total_payout", "5000.00")],
    );
    assert_cells(
        &march,
        "payouts.csv",
        "B",
        &[("commission", "2500.00"), ("total_payout", "2500.00")],
    );
    assert_cells(
        &march,
        "balances.csv",
        "Y",
        &[
            ("plan_year", "2026-03-01"),
            ("owed", "0.00"),
            ("paid_ytd_new_business", "5000.00"),
        ],
    );
    assert_cells(
        &march,
        "balances.csv",
        "B",
        &[("paid_ytd_new_business", "2500.00")],
    );

    // April (30 days), --after March.
    // Y: quota 300,000 → 200,000 from 04-16; both spans ae, the last is
    // 04-16..04-30 (the period's last): credit of the plan year to 04-30 =
    // 100,000 + 80,000 + 60,000 = 240,000 against that span's whole quota
    // 200,000 (not weighted): C = 200,000 × 5 % + 40,000 × 8 % = 10,000 +
    // 3,200 = 13,200.00 (240,000 < 300,000 = 1.5 × 200,000). P = 5,000.00:
    // line = 13,200 − 5,000 = 8,200.00.
    // (A weighted quota (300,000 × 15 + 200,000 × 15) ÷ 30 = 250,000 would
    // give 12,000 − 5,000 = 7,000.00; the old quota the same.)
    // B: ae 04-01..04-15, sdr from 04-16: the last earning span ends 04-15;
    // credit to 04-15 = 50,000 + 100,000 = 150,000 (B3 on 04-20 is the
    // sdr's) against 300,000: C = 7,500.00; line = 7,500 − 2,500 = 5,000.00.
    let april = run_ok(&policy, &data, "2026-04", &d.join("april"), Some(&march));
    assert_cells(
        &april,
        "payouts.csv",
        "Y",
        &[
            ("role", "ae"),
            ("commission", "8200.00"),
            ("draw", "0.00"),
            ("recovered", "0.00"),
            ("carried", "0.00"),
            ("total_payout", "8200.00"),
        ],
    );
    assert_cells(
        &april,
        "payouts.csv",
        "B",
        &[
            ("role", "sdr"),
            ("commission", "5000.00"),
            ("total_payout", "5000.00"),
        ],
    );
    // paid_ytd after April = P + line = C: Y 13,200.00, B 7,500.00.
    assert_cells(
        &april,
        "balances.csv",
        "Y",
        &[
            ("plan_year", "2026-03-01"),
            ("owed", "0.00"),
            ("forgiven", "0.00"),
            ("paid_ytd_new_business", "13200.00"),
        ],
    );
    assert_cells(
        &april,
        "balances.csv",
        "B",
        &[("owed", "0.00"), ("paid_ytd_new_business", "7500.00")],
    );
}

// ---------------------------------------------------------------------------
// 6. `per: deal` with a role change.
// ---------------------------------------------------------------------------

#[test]
fn per_deal_pays_only_the_earning_span_deals_each_rounded() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(
        dir.path(),
        r#"commissions:
  - id: hardware
    roles: [ae]
    on: { transactions: {} }
    per: deal
    rates:
      basis: amount
      mode: marginal
      steps:
        - { from: 0, to: "50000", rate: "0.10" }
        - { from: "50000", rate: "0.06" }
    cap: { per_deal: "8000" }
"#,
    );
    let data = write_data(
        dir.path(),
        "data",
        "P,P,sales,sdr,120000,0,2024-01-01,0,0\n\
         E9,E9,sales,ae,120000,0,2024-01-01,0,0\n",
        &[],
        "H3,P,2026-03-05,120000,\n\
         H1,P,2026-03-15,60000,\n\
         H2,P,2026-03-20,33333.335,50\n\
         H2,E9,2026-03-20,33333.335,50\n\
         H4,P,2026-03-25,33333.335,50\n\
         H4,E9,2026-03-25,33333.335,50\n",
        Some("employee_id,effective,role\nP,2026-03-11,ae\n"),
    );
    let out = run_ok(&policy, &data, "2026-03", &dir.path().join("out"), None);
    // P: sdr 03-01..03-10, ae from 03-11. H3 (03-05, 120,000) is the sdr's:
    // not paid (it would be 5,000 + 4,200 = 9,200 → capped 8,000.00).
    // H1 60,000: 50,000 × 10 % + 10,000 × 6 % = 5,600.00.
    // H2 50 % of 33,333.335 = 16,666.6675 × 10 % = 1,666.66675 → 1,666.67.
    // H4 the same: 1,666.67.
    // per deal: 5,600.00 + 1,666.67 + 1,666.67 = 8,933.34 (rounding the
    // period's sum 8,933.3335 once would give 8,933.33).
    assert_cells(
        &out,
        "payouts.csv",
        "P",
        &[
            ("role", "ae"),
            ("commission", "8933.34"),
            ("total_payout", "8933.34"),
        ],
    );
    // E9 (no change): H2 and H4 at 1,666.67 each = 3,333.34.
    assert_cells(
        &out,
        "payouts.csv",
        "E9",
        &[("commission", "3333.34"), ("total_payout", "3333.34")],
    );
}

// ---------------------------------------------------------------------------
// 7. Manager roll-up when a report changes manager inside the period.
// ---------------------------------------------------------------------------

#[test]
fn roll_up_goes_to_the_manager_on_the_deals_date() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(
        dir.path(),
        r#"commissions:
  - id: own
    roles: [rep]
    on: { transactions: {} }
    rates: { basis: amount, mode: marginal, steps: [{ from: 0, rate: "0.10" }] }
  - id: reports
    roles: [manager]
    on: { transactions: { from: reports } }
    rates: { basis: amount, mode: marginal, steps: [{ from: 0, rate: "0.02" }] }
  - id: team
    roles: [manager]
    on: { transactions: { from: team } }
    rates: { basis: amount, mode: marginal, steps: [{ from: 0, rate: "0.01" }] }
"#,
    );
    // manager_id is an optional column of the employees table: a table
    // with it needs its own header.
    let d = dir.path().join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("employees.csv"),
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,manager_id,quota,monthly_draw\n\
         G,G,sales,manager,120000,0,2024-01-01,,0,0\n\
         M1,M1,sales,manager,120000,0,2024-01-01,G,0,0\n\
         M2,M2,sales,manager,120000,0,2024-01-01,,0,0\n\
         R,R,sales,rep,120000,0,2024-01-01,M1,0,0\n",
    )
    .unwrap();
    let mut metrics = String::from("subject_id,month,metric,value\n");
    for e in ["G", "M1", "M2", "R"] {
        metrics.push_str(&format!("{e},2026-03,calls,100\n"));
    }
    std::fs::write(d.join("metrics.csv"), metrics).unwrap();
    std::fs::write(
        d.join("transactions.csv"),
        "deal_id,employee_id,date,amount\nRD1,R,2026-03-05,100000\nRD2,R,2026-03-20,50000\n",
    )
    .unwrap();
    std::fs::write(
        d.join("history.csv"),
        "employee_id,effective,manager_id\nR,2026-03-16,M2\n",
    )
    .unwrap();
    let out = run_ok(&policy, &d, "2026-03", &dir.path().join("out"), None);
    // Chains: until 03-15 R → M1 → G; from 03-16 R → M2 (M2 has no manager).
    // RD1 (03-05) rolls up to M1 (reports and team) and to G (team);
    // RD2 (03-20) to M2 (reports and team) only.
    // M1: reports 100,000 × 2 % = 2,000 + team 100,000 × 1 % = 1,000 = 3,000.00.
    // M2: reports 50,000 × 2 % = 1,000 + team 50,000 × 1 % = 500 = 1,500.00.
    // G: reports (M1's own deals: none) 0.00 + team 100,000 × 1 % = 1,000.00.
    // R: own 150,000 × 10 % = 15,000.00.
    // (The manager on the period's last day, M2, for both deals would give
    // M1 0.00, M2 4,500.00, G 0.00.)
    let want = [
        ("M1", "3000.00"),
        ("M2", "1500.00"),
        ("G", "1000.00"),
        ("R", "15000.00"),
    ];
    for (emp, amount) in want {
        assert_cells(
            &out,
            "payouts.csv",
            emp,
            &[("commission", amount), ("total_payout", amount)],
        );
    }
}

// ---------------------------------------------------------------------------
// 8. A deal dated before the hire belongs to the first span.
// ---------------------------------------------------------------------------

#[test]
fn a_deal_before_the_hire_belongs_to_the_first_span() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(dir.path(), &format!("{NEW_BUSINESS}{DRAW}"));
    let data = write_data(
        dir.path(),
        "data",
        "N,N,sales,ae,120000,0,2026-03-10,120000,8000\n",
        &[],
        "N0,N,2026-03-05,40000,\nN1,N,2026-03-15,30000,\nN2,N,2026-03-25,50000,\n",
        Some("employee_id,effective,role\nN,2026-03-21,sdr\n"),
    );
    let out = run_ok(&policy, &data, "2026-03", &dir.path().join("out"), None);
    // Hired 03-10: employed 22 days (03-10..03-31). Spans: ae 03-10..03-20
    // (11 days), sdr 03-21..03-31 (11 days).
    // N0 (03-05, before the hire) belongs to the first span (ae): counted;
    // N1 (03-15) ae: counted; N2 (03-25) sdr: not. A = 70,000.
    // Q = 120,000 × 11 ÷ 22 = 60,000 (days employed, not the 31 of March).
    // commission = 60,000 × 5 % + 10,000 × 8 % = 3,000 + 800 = 3,800.00.
    // D = 8,000 × 1 × 11 ÷ 22 = 4,000.00 > E: T = 200.00, owed 200.00.
    // G = 3,800 + 200 = 4,000; R = 0. total 4,000.00.
    // (Dropping N0: 30,000 × 5 % = 1,500; Q over 31 days: 42,580.65.)
    assert_cells(
        &out,
        "payouts.csv",
        "N",
        &[
            ("role", "sdr"),
            ("commission", "3800.00"),
            ("draw", "200.00"),
            ("recovered", "0.00"),
            ("total_payout", "4000.00"),
        ],
    );
    assert_cells(&out, "balances.csv", "N", &[("owed", "200.00")]);
}

// ---------------------------------------------------------------------------
// 9. A commission on a KPI with a role change.
// ---------------------------------------------------------------------------

#[test]
fn on_kpi_pays_the_actual_for_the_earning_days() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(
        dir.path(),
        r#"commissions:
  - id: revenue_share
    roles: [ae]
    on: { kpi: revenue }
    quota: { fixed: "40000" }
    rates:
      basis: attainment
      mode: marginal
      steps:
        - { from: 0, to: 1, rate: "0.02" }
        - { from: 1, rate: "0.04" }
"#,
    );
    let data = write_data(
        dir.path(),
        "data",
        "K,K,sales,ae,120000,0,2024-01-01,0,0\n\
         L,L,sales,ae,120000,0,2024-01-01,0,0\n",
        &[("K", "50000"), ("L", "50000")],
        "",
        Some("employee_id,effective,role\nK,2026-03-11,sdr\n"),
    );
    let out = run_ok(&policy, &data, "2026-03", &dir.path().join("out"), None);
    // K: ae 03-01..03-10 (10 days), sdr from 03-11 (21 days); revenue
    // actual 50,000 (March).
    // amount = 50,000 × 10 ÷ 31 = 500,000 ÷ 31 = 16,129.03…
    // Q = 40,000 × 10 ÷ 31 = 400,000 ÷ 31 = 12,903.22… (fixed quota weighted)
    // attainment 1.25: commission = 2 % × 400,000 ÷ 31 + 4 % × 100,000 ÷ 31
    //   = 8,000 ÷ 31 + 4,000 ÷ 31 = 12,000 ÷ 31 = 387.0967… → 387.10.
    // (Unweighted: 800 + 400 = 1,200.00; amount weighted only: 322.58.)
    assert_cells(
        &out,
        "payouts.csv",
        "K",
        &[
            ("role", "sdr"),
            ("commission", "387.10"),
            ("total_payout", "387.10"),
        ],
    );
    // L (no change): 40,000 × 2 % + 10,000 × 4 % = 1,200.00.
    assert_cells(
        &out,
        "payouts.csv",
        "L",
        &[("commission", "1200.00"), ("total_payout", "1200.00")],
    );
}

#[test]
fn on_kpi_with_a_row_that_changes_nothing_pays_as_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(
        dir.path(),
        r#"commissions:
  - id: revenue_share
    roles: [ae]
    on: { kpi: revenue }
    quota: { fixed: "40000" }
    rates:
      basis: attainment
      mode: marginal
      steps:
        - { from: 0, to: 1, rate: "0.02" }
        - { from: 1, rate: "0.04" }
"#,
    );
    let data = write_data(
        dir.path(),
        "data",
        "K,K,sales,ae,120000,0,2024-01-01,0,0\n",
        &[("K", "50000")],
        "",
        Some("employee_id,effective,department\nK,2026-03-11,east\n"),
    );
    let out = run_ok(&policy, &data, "2026-03", &dir.path().join("out"), None);
    // Both spans ae (10 + 21 days), the role lists `revenue` (weight 0) in
    // both: amount = 50,000 × 31 ÷ 31 = 50,000; Q = 40,000 × 31 ÷ 31 =
    // 40,000; attainment 1.25: 40,000 × 2 % + 10,000 × 4 % = 800 + 400 =
    // 1,200.00, as without the row ("a history row that changes nothing
    // changes no amount").
    assert_cells(
        &out,
        "payouts.csv",
        "K",
        &[
            ("department", "east"),
            ("commission", "1200.00"),
            ("total_payout", "1200.00"),
        ],
    );
}
