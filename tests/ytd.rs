//! Year-to-date commissions, a recoverable draw and carried balances over
//! a chain of four quarterly runs (docs/policy.md, Year-to-date, draws and
//! balances), each number hand-worked from the docs.
//!
//! A (account executive): quota 400,000, draw 1,000 a month (3,000 a
//! quarter); deals D1 40,000 (Q1), D2 260,000 (Q2, cancelled: gone from
//! the Q4 data), D3 150,000 (Q3). B (rep, no draw): quota 400,000; deal
//! B1 100,000 (Q1, cancelled: gone from the Q3 data), B2 200,000 (Q4).
//! Rates 5 % to quota, 10 % above, on the year to date; recovery at most
//! 40 % of a period's pay, never from the guaranteed draw.

mod common;
use common::{merit, statement, stderr, stdout};
use std::path::{Path, PathBuf};

fn policy() -> PathBuf {
    common::root().join("tests/plans/ytd")
}

/// The data as known at the end of quarter `q` (1–4).
fn data(dir: &Path, q: u32) -> PathBuf {
    let d = dir.join(format!("data-q{q}"));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("employees.csv"),
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,quota,monthly_draw\n\
         A,A,sales,ae,120000,0,2020-01-01,400000,1000\n\
         B,B,sales,rep,120000,0,2020-01-01,400000,0\n",
    )
    .unwrap();
    let mut metrics = String::from("subject_id,month,metric,value\n");
    for m in 1..=12 {
        for e in ["A", "B"] {
            metrics.push_str(&format!("{e},2026-{m:02},calls,100\n"));
        }
    }
    std::fs::write(d.join("metrics.csv"), metrics).unwrap();
    let mut t = String::from("deal_id,employee_id,date,amount\nD1,A,2026-02-10,40000\n");
    if (2..=3).contains(&q) {
        t.push_str("D2,A,2026-05-05,260000\n");
    }
    if q >= 3 {
        t.push_str("D3,A,2026-08-01,150000\n");
    }
    if q <= 2 {
        t.push_str("B1,B,2026-03-01,100000\n");
    }
    if q == 4 {
        t.push_str("B2,B,2026-11-20,200000\n");
    }
    std::fs::write(d.join("transactions.csv"), t).unwrap();
    d
}

fn run(dir: &Path, q: u32, after: Option<u32>) -> std::process::Output {
    let data = data(dir, q);
    let out = dir.join(format!("q{q}"));
    let mut args = vec![
        "run".to_owned(),
        "--policy".into(),
        policy().display().to_string(),
        "--data".into(),
        data.display().to_string(),
        "--period".into(),
        format!("2026-Q{q}"),
        "--out".into(),
        out.display().to_string(),
    ];
    if let Some(a) = after {
        args.push("--after".into());
        args.push(dir.join(format!("q{a}")).display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    merit(&args)
}

fn payouts(dir: &Path, q: u32) -> String {
    std::fs::read_to_string(dir.join(format!("q{q}/payouts.csv"))).unwrap()
}

const HEAD: &str = "employee_id,name,department,role,period,score,rating,bonus,project_bonus,commission,draw,recovered,carried,total_payout,currency,payout_currency,fx_rate,payout_in_currency\n";

#[test]
fn four_quarters_pay_the_year_to_date_with_draw_recovery_and_year_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |o: std::process::Output| {
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o))
    };

    // Q1. A: YTD 40,000 × 5 % = 2,000 < draw 3,000: the draw tops up 1,000
    // (owed). B: 100,000 × 5 % = 5,000.
    ok(run(d, 1, None));
    assert_eq!(
        payouts(d, 1),
        format!("{HEAD}A,A,sales,ae,2026-Q1,100.00,A,0.00,0.00,2000.00,1000.00,0.00,0.00,3000.00,CNY,CNY,1,3000.00\nB,B,sales,rep,2026-Q1,100.00,A,0.00,0.00,5000.00,0.00,0.00,0.00,5000.00,CNY,CNY,1,5000.00\n")
    );
    // Q2 needs Q1.
    let o = run(d, 2, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("name the run of the period before 2026-Q2 with --after"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(d.join("data-q2")).unwrap();

    // Q2. A: YTD 300,000 → 15,000 − 2,000 paid = 13,000 ≥ draw; recovers the
    // 1,000 owed (limit min(13,000 − 3,000, 40 % × 13,000) = 5,200): pays
    // 12,000. B: YTD 100,000 → 5,000 − 5,000 = 0.
    ok(run(d, 2, Some(1)));
    assert_eq!(
        payouts(d, 2),
        format!("{HEAD}A,A,sales,ae,2026-Q2,100.00,A,0.00,0.00,13000.00,0.00,1000.00,0.00,12000.00,CNY,CNY,1,12000.00\nB,B,sales,rep,2026-Q2,100.00,A,0.00,0.00,0.00,0.00,0.00,0.00,0.00,CNY,CNY,1,0.00\n")
    );

    // Q3. A: YTD 450,000 → 20,000 + 5,000 = 25,000 − 15,000 = 10,000. B's
    // deal B1 is cancelled: YTD 0 → 0 − 5,000 = −5,000, nothing paid, 5,000
    // carried as owed.
    ok(run(d, 3, Some(2)));
    assert_eq!(
        payouts(d, 3),
        format!("{HEAD}A,A,sales,ae,2026-Q3,100.00,A,0.00,0.00,10000.00,0.00,0.00,0.00,10000.00,CNY,CNY,1,10000.00\nB,B,sales,rep,2026-Q3,100.00,A,0.00,0.00,-5000.00,0.00,0.00,5000.00,0.00,CNY,CNY,1,0.00\n")
    );
    // Not the quarter before: refused.
    let o = run(d, 4, Some(2));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("needs the run of the period just before it"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(d.join("data-q4")).unwrap();

    // Q4 (the plan year's end). A's D2 is cancelled: YTD 190,000 → 9,500 −
    // 25,000 = −15,500; the draw tops up 18,500 so A is paid the draw
    // 3,000, owes 18,500, forgiven at the year end. B: YTD 200,000 → 10,000
    // − 0 = 10,000; recovers min(5,000, 40 % × 10,000) = 4,000: pays 6,000,
    // owes 1,000, forgiven at the year end.
    let o = run(d, 4, Some(3));
    assert!(
        stdout(&o).contains("2 employees, bonus 0.00 + commissions -5500.00 + draw 18500.00 − recovered 4000.00 + carried 0.00 + projects 0.00 = total payout 9000.00 CNY"),
        "{}",
        stdout(&o)
    );
    ok(o);
    assert_eq!(
        payouts(d, 4),
        format!("{HEAD}A,A,sales,ae,2026-Q4,100.00,A,0.00,0.00,-15500.00,18500.00,0.00,0.00,3000.00,CNY,CNY,1,3000.00\nB,B,sales,rep,2026-Q4,100.00,A,0.00,0.00,10000.00,0.00,4000.00,0.00,6000.00,CNY,CNY,1,6000.00\n")
    );
    assert_eq!(
        std::fs::read_to_string(d.join("q4/balances.csv")).unwrap(),
        "employee_id,plan_year,owed,forgiven,paid_ytd_sales\nA,2026-01-01,0.00,18500.00,9500.00\nB,2026-01-01,0.00,1000.00,10000.00\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("q3/balances.csv")).unwrap(),
        "employee_id,plan_year,owed,forgiven,paid_ytd_sales\nA,2026-01-01,0.00,0.00,25000.00\nB,2026-01-01,5000.00,0.00,0.00\n"
    );
    let summary = std::fs::read_to_string(d.join("q4/summary.csv")).unwrap();
    assert!(summary.starts_with("level,department,headcount,to_pay_now,already_paid,balance_carried,bonus,project_bonus,commission,draw,recovered,carried,total_payout,"), "{summary}");
    assert!(
        summary.contains(
            "company,,2,9000.00,0.00,0.00,0.00,0.00,-5500.00,18500.00,4000.00,0.00,9000.00,"
        ),
        "{summary}"
    );
    let q4 = d.join("q4");
    let o = merit(&["explain", "--run", q4.to_str().unwrap(), "--employee", "A"]);
    let text = stdout(&o);
    for line in [
        "year to date 9500.00 − 25000.00 already paid this plan year = -15500.00",
        "Balance          owed before 0.00; draw paid 18500.00; recovered 0.00; a negative period carried 0.00; forgiven 18500.00; owed after 0.00",
        "Total payout     bonus 0.00 + commission sales -15500.00 + draw 18500.00 − recovered 0.00 + carried 0.00 + project bonus 0.00 = 3000.00 CNY",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let statement = statement(&q4, "B", "md");
    assert!(
        statement.contains("| Recovered (balance owed 0.00) | −4,000.00 |"),
        "{statement}"
    );
    assert!(
        statement.contains("| **Total bonus (before tax)** | **CNY 6,000.00** |"),
        "{statement}"
    );
    // The chain replays from the run folder alone.
    let o = merit(&["replay", d.join("q4").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

/// `merit check` of a copy of the ytd plan with one edit: exit 1 and `message`.
fn check_fails(from: &str, to: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&policy(), &p);
    common::edit(&p.join("policy.yaml"), from, to);
    let o = merit(&["check", "--policy", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(message), "missing {message:?} in\n{err}");
}

#[test]
fn check_refuses_state_that_cannot_work() {
    check_fails(
        "    ytd: true\n",
        "    ytd: true\n    per: deal\n",
        "commission 'sales': `ytd: true` needs `per: period`",
    );
    check_fails(
        "amount: { input: monthly_draw }",
        "amount: { input: monthly_drw }",
        "draw amount: 'monthly_drw' is not a number input (did you mean 'monthly_draw'?)",
    );
    check_fails(
        "roles: [ae]",
        "roles: [ea]",
        "draw: role 'ea' is not defined",
    );
    check_fails(
        "recovery_percent: 40",
        "recovery_percent: 140",
        "recovery_percent is more than 0 and at most 100",
    );
    check_fails(
        "start_month: 1",
        "start_month: 13",
        "start_month is a month, 1 to 12",
    );
    check_fails(
        "    ytd: true\n",
        "    pay_every: quarter\n",
        "commission 'sales': `pay_every: quarter` defers a year-to-date commission; it needs `ytd: true`",
    );
    check_fails(
        "year_end: forgive",
        "year_end: forgive\nclawback: { months: 0 }",
        "clawback months is 1 to 120",
    );
    // A plan whose only commission is on a KPI has no deals to claw back.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy");
    common::copy_dir(&policy(), &p);
    let yaml = p.join("policy.yaml");
    common::edit(&yaml, "on: { transactions: {} }", "on: { kpi: activity }");
    common::edit(
        &yaml,
        "year_end: forgive",
        "year_end: forgive\nclawback: { months: 12 }",
    );
    let o = merit(&["check", "--policy", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("clawback recovers commissions paid on deals: the plan has no commission `on: { transactions: … }`"),
        "{err}"
    );
}

/// A refund of a deal sold earlier in the plan year lowers the year-to-date
/// credit: the next run pays the year to date less what was paid, here a
/// negative line (docs/policy.md, Refunds and clawbacks, first case).
#[test]
fn a_refund_of_a_deal_of_the_plan_year_lowers_the_year_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = |q: u32, refunds: &str| {
        let p = d.join(format!("data-q{q}"));
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(
            p.join("employees.csv"),
            "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,quota,monthly_draw\n\
             B,B,sales,rep,120000,0,2020-01-01,400000,0\n",
        )
        .unwrap();
        let metrics: String = (1..=6)
            .map(|m| format!("B,2026-{m:02},calls,100\n"))
            .collect();
        std::fs::write(
            p.join("metrics.csv"),
            format!("subject_id,month,metric,value\n{metrics}"),
        )
        .unwrap();
        std::fs::write(
            p.join("transactions.csv"),
            "deal_id,employee_id,date,amount\nB1,B,2026-03-01,100000\nB3,B,2026-05-20,20000\n",
        )
        .unwrap();
        std::fs::write(
            p.join("refunds.csv"),
            format!("deal_id,date,amount\n{refunds}"),
        )
        .unwrap();
        p
    };
    let go = |q: u32, data: &Path, after: Option<&str>| {
        let out = d.join(format!("q{q}"));
        let mut args = vec![
            "run",
            "--policy",
            policy().to_str().unwrap().to_owned().leak(),
        ];
        let (data, out_s) = (
            data.to_str().unwrap().to_owned(),
            out.to_str().unwrap().to_owned(),
        );
        let period = format!("2026-Q{q}");
        args.extend([
            "--data",
            data.leak(),
            "--period",
            period.leak(),
            "--out",
            out_s.leak(),
        ]);
        if let Some(a) = after {
            args.extend(["--after", d.join(a).to_str().unwrap().to_owned().leak()]);
        }
        let o = merit(&args);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    };
    // Q1: B1 100,000 at 5 % of a 400,000 quota = 5,000.00 (the refund is
    // dated after the quarter: not counted yet).
    go(1, &data(1, "B1,2026-04-10,40000\n"), None);
    assert!(
        payouts(d, 1)
            .contains("B,B,sales,rep,2026-Q1,100.00,A,0.00,0.00,5000.00,0.00,0.00,0.00,5000.00,"),
        "{}",
        payouts(d, 1)
    );
    // Q2: B1 counts 100,000 − 40,000 = 60,000, B3 20,000: year to date
    // 80,000 × 5 % = 4,000.00 − 5,000.00 paid = −1,000.00; the gross is
    // negative: nothing paid, 1,000.00 carried and owed.
    go(2, &data(2, "B1,2026-04-10,40000\n"), Some("q1"));
    assert!(
        payouts(d, 2)
            .contains("B,B,sales,rep,2026-Q2,100.00,A,0.00,0.00,-1000.00,0.00,0.00,1000.00,0.00,"),
        "{}",
        payouts(d, 2)
    );
    let balances = std::fs::read_to_string(d.join("q2/balances.csv")).unwrap();
    assert!(
        balances.contains("B,2026-01-01,1000.00,0.00,4000.00"),
        "{balances}"
    );
}

#[test]
fn a_plan_without_state_refuses_after_and_a_period_may_not_cross_plan_years() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(run(d, 1, None).status.code(), Some(0));
    // The same plan without the year-to-date commission and the draw
    // carries nothing.
    let data = data(d, 2);
    let plain = d.join("plain");
    common::copy_dir(&policy(), &plain);
    common::edit(&plain.join("policy.yaml"), "    ytd: true\n", "");
    common::edit(
        &plain.join("policy.yaml"),
        "draw:\n  amount: { input: monthly_draw }\n  recoverable: true\n  roles: [ae]\n",
        "",
    );
    let o = merit(&[
        "run",
        "--policy",
        plain.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--period",
        "2026-Q2",
        "--out",
        d.join("other").to_str().unwrap(),
        "--after",
        d.join("q1").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("carries nothing between periods"),
        "{}",
        stderr(&o)
    );
    // A plan year from April: the calendar half 2026-H1 crosses into it.
    let p = d.join("april");
    common::copy_dir(&policy(), &p);
    common::edit(&p.join("policy.yaml"), "start_month: 1", "start_month: 4");
    common::edit(&p.join("policy.yaml"), "id: ytd\n", "id: ytd-april\n");
    let o = merit(&[
        "run",
        "--policy",
        p.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--period",
        "2026-H1",
        "--out",
        d.join("h1").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("runs past the end of the plan year that starts 2025-04-01"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_chain_follows_the_ledger_and_a_role_change_keeps_what_the_year_paid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |o: std::process::Output| {
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o))
    };
    ok(run(d, 1, None));
    ok(run(d, 2, Some(1)));
    // A correction of Q2 (a re-run with --previous) supersedes it: Q3 must
    // continue from the correction.
    let data2 = d.join("data-q2");
    let o = merit(&[
        "run",
        "--policy",
        policy().to_str().unwrap(),
        "--data",
        data2.to_str().unwrap(),
        "--period",
        "2026-Q2",
        "--out",
        d.join("q2b").to_str().unwrap(),
        "--previous",
        d.join("q2").to_str().unwrap(),
        "--after",
        d.join("q1").to_str().unwrap(),
    ]);
    ok(o);
    let o = run(d, 3, Some(2));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("was corrected by the re-run"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(d.join("data-q3")).unwrap();
    // A half year overlapping the recorded quarters is refused.
    let o = merit(&[
        "run",
        "--policy",
        policy().to_str().unwrap(),
        "--data",
        data2.to_str().unwrap(),
        "--period",
        "2026-H1",
        "--out",
        d.join("h1").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the runs of a chain must not share a month"),
        "{}",
        stderr(&o)
    );
    // A run the ledger does not know (made with another ledger) is not
    // continued from.
    let data1 = d.join("data-q1");
    let o = merit(&[
        "run",
        "--policy",
        policy().to_str().unwrap(),
        "--data",
        data1.to_str().unwrap(),
        "--period",
        "2026-Q1",
        "--out",
        d.join("elsewhere/q1x").to_str().unwrap(),
        "--ledger",
        d.join("elsewhere/other.sqlite").to_str().unwrap(),
    ]);
    ok(o);
    let o = merit(&[
        "run",
        "--policy",
        policy().to_str().unwrap(),
        "--data",
        data2.to_str().unwrap(),
        "--period",
        "2026-Q2",
        "--out",
        d.join("q2x").to_str().unwrap(),
        "--after",
        d.join("elsewhere/q1x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is not a run recorded in the ledger"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_change_of_role_keeps_what_the_plan_year_paid() {
    // The commission is for `ae` only; A is an ae in Q1, a rep in Q2, an
    // ae again in Q3: Q3 pays YTD 450,000 → 25,000 − 2,000 paid in Q1.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = d.join("policy");
    common::copy_dir(&policy(), &p);
    common::edit(
        &p.join("policy.yaml"),
        "    ytd: true\n",
        "    ytd: true\n    roles: [ae]\n",
    );
    let go = |q: u32, role: &str, after: Option<u32>| {
        let data = data(d, q);
        common::edit(
            &data.join("employees.csv"),
            "A,A,sales,ae,",
            &format!("A,A,sales,{role},"),
        );
        let mut args = vec![
            "run".to_owned(),
            "--policy".into(),
            p.display().to_string(),
            "--data".into(),
            data.display().to_string(),
            "--period".into(),
            format!("2026-Q{q}"),
            "--out".into(),
            d.join(format!("q{q}")).display().to_string(),
        ];
        if let Some(a) = after {
            args.extend([
                "--after".into(),
                d.join(format!("q{a}")).display().to_string(),
            ]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = merit(&args);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    };
    go(1, "ae", None);
    go(2, "rep", Some(1));
    go(3, "ae", Some(2));
    let q3 = payouts(d, 3);
    assert!(
        q3.contains("A,A,sales,ae,2026-Q3,100.00,A,0.00,0.00,23000.00,"),
        "{q3}"
    );
}
