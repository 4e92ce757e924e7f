//! Refunds and clawbacks at the rate originally paid (docs/policy.md,
//! Refunds and clawbacks; docs/data.md, refunds) over a chain of monthly
//! runs (`merit run --after PREV`), every number hand-worked from the docs
//! alone. The plan is tests/plans/clawback: commission `licences` (`per:
//! deal`, 10 % to 50,000, 6 % above), commission `services` (`per:
//! period`, 5 % to 10,000, 8 % above), `clawback: { months: 12 }`,
//! `recovery_percent: 50`, no draw, no year-to-date commission, bonus 0
//! (target_bonus_pct 0), rounding `half_up` at 2 places (the default).
//!
//! Employees A, B, C (role rep), runs 2026-01 … 2026-05:
//! - A: deal D1 60,000.84 (January) refunded in three equal thirds of
//!   20,000.28 (February, March, April): the cumulative rule recovers
//!   1,866.68 + 1,866.69 + 1,866.68 = 5,600.05 = P exactly, where rounding
//!   each refund on its own would recover 3 × 1,866.68 = 5,600.04. Deal D3
//!   30,000 (February) refunded 10,000 in February: credited 20,000.
//! - B and C: deal D2 150,000 (January) split 200/3 (B) and 100/3 (C),
//!   refunded 50,000 in March: each is clawed back from their own row.
//! - B: the March clawback is more than March's pay: −1,666.67 carried as
//!   owed, recovered within 50 % in April (1,500.00) and May (166.67).
//! - C: service deals S1, S2, S3 (January) share the period commission
//!   501.36 by the largest remainder (250.26, 150.85, 100.25); S1 is
//!   partly refunded in April.
//! - The window (a copy of the plan with `months: 1`): a refund on the
//!   window's last day recovers, one the day after, or of a deal paid
//!   before the chain began, is a `refund_not_recovered` exception.
//! - Refunds of a deal summing to more than its amount stop the run.
//!
//! Written from the docs alone by a helper who did not read src/; the
//! thirteen ambiguities it found (the clawback column's place, whether
//! `commission` is net, a split deal's ledger `amount`, the row's last
//! run, deals.csv in archive/after, a new plan year, the tie order, …) are
//! now answered in docs/policy.md and docs/outputs.md, as chosen here.

mod common;
use common::csv::{cell, norm, ok, table, upto};
use common::{merit, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Output;

fn policy() -> PathBuf {
    common::root().join("tests/plans/clawback")
}

fn period(m: u32) -> String {
    format!("2026-{m:02}")
}

/// The main chain's deals, with the month (2026) that books them.
/// `deal_id,employee_id,date,amount,share,product`.
const DEALS: &[(u32, &str)] = &[
    (1, "D1,A,2026-01-10,60000.84,,licence"),
    (1, "D2,B,2026-01-20,150000,200/3,licence"),
    (1, "D2,C,2026-01-20,150000,100/3,licence"),
    (1, "S1,C,2026-01-05,5000,,service"),
    (1, "S2,C,2026-01-12,3014,,service"),
    (1, "S3,C,2026-01-25,2003,,service"),
    (2, "D3,A,2026-02-05,30000,,licence"),
    (3, "D4,B,2026-03-10,10000,,licence"),
    (3, "D5,C,2026-03-12,40000,,licence"),
    (3, "D6,A,2026-03-20,25000,,licence"),
    (4, "D7,A,2026-04-08,20000,,licence"),
    (4, "D8,B,2026-04-14,30000.10,,licence"),
    (4, "D9,C,2026-04-22,10000,,licence"),
    (5, "D10,B,2026-05-06,5000,,licence"),
];

/// The main chain's refunds: `deal_id,date,amount,reason`.
const REFUNDS: &[(u32, &str)] = &[
    (2, "D1,2026-02-12,20000.28,partial return"),
    (2, "D3,2026-02-20,10000,partial return"),
    (3, "D1,2026-03-03,20000.28,partial return"),
    (3, "D2,2026-03-15,50000,partial return"),
    (4, "D1,2026-04-02,20000.28,cancelled"),
    (4, "S1,2026-04-09,1000,partial return"),
];

/// Writes a data folder: employees `ids` (role rep, no bonus), 100 calls
/// a month each through 2026, and the given transactions and refunds.
fn write_data(d: &Path, ids: &[&str], deals: &[&str], refunds: &[&str]) {
    std::fs::create_dir_all(d).unwrap();
    let mut e =
        String::from("employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\n");
    let mut metrics = String::from("subject_id,month,metric,value\n");
    for id in ids {
        e.push_str(&format!("{id},{id},sales,rep,120000,0,2020-01-01\n"));
        for m in 1..=12 {
            metrics.push_str(&format!("{id},2026-{m:02},calls,100\n"));
        }
    }
    std::fs::write(d.join("employees.csv"), e).unwrap();
    std::fs::write(d.join("metrics.csv"), metrics).unwrap();
    let mut t = String::from("deal_id,employee_id,date,amount,share,product\n");
    for row in deals {
        t.push_str(row);
        t.push('\n');
    }
    std::fs::write(d.join("transactions.csv"), t).unwrap();
    let mut r = String::from("deal_id,date,amount,reason\n");
    for row in refunds {
        r.push_str(row);
        r.push('\n');
    }
    std::fs::write(d.join("refunds.csv"), r).unwrap();
}

/// The main chain's data as known at the end of month `m`.
fn data(dir: &Path, m: u32) -> PathBuf {
    let d = dir.join(format!("data-{m:02}"));
    write_data(&d, &["A", "B", "C"], &upto(DEALS, m), &upto(REFUNDS, m));
    d
}

/// `merit run` of month `m` into `out`, after the run of month `after`
/// (the folder `dir/2026-MM`).
fn month_run(
    policy: &Path,
    dir: &Path,
    data: &Path,
    m: u32,
    out: &Path,
    after: Option<u32>,
) -> Output {
    let mut args = vec![
        "run".to_owned(),
        "--policy".into(),
        policy.display().to_string(),
        "--data".into(),
        data.display().to_string(),
        "--period".into(),
        period(m),
        "--out".into(),
        out.display().to_string(),
    ];
    if let Some(a) = after {
        args.push("--after".into());
        args.push(dir.join(period(a)).display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    merit(&args)
}

/// The main chain's run of month `m` into `dir/2026-MM`.
fn run(dir: &Path, m: u32, after: Option<u32>) -> Output {
    let data = data(dir, m);
    month_run(&policy(), dir, &data, m, &dir.join(period(m)), after)
}

/// Per employee of the run in `dir/RUN`, sorted by id:
/// "ID commission clawback recovered carried total_payout".
fn pay(dir: &Path, run: &str) -> Vec<String> {
    let (_, rows) = table(&dir.join(run).join("payouts.csv"));
    rows.iter()
        .map(|r| {
            [
                "employee_id",
                "commission",
                "clawback",
                "recovered",
                "carried",
                "total_payout",
            ]
            .iter()
            .map(|c| cell(r, c))
            .collect::<Vec<_>>()
            .join(" ")
        })
        .collect()
}

/// The rows of deals.csv of the run in `dir/RUN`, as
/// `deal_id,employee_id,commission,deal_date,amount,paid,refunded,recovered`
/// with the numbers normalised (`norm`), sorted.
fn deals(dir: &Path, run: &str) -> Vec<String> {
    let (_, rows) = table(&dir.join(run).join("deals.csv"));
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            DEAL_COLUMNS
                .iter()
                .map(|c| norm(cell(r, c)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    out.sort();
    out
}

const DEAL_COLUMNS: [&str; 8] = [
    "deal_id",
    "employee_id",
    "commission",
    "deal_date",
    "amount",
    "paid",
    "refunded",
    "recovered",
];

/// The expected rows of deals.csv, normalised and sorted like `deals`.
fn want_deals(rows: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| r.split(',').map(norm).collect::<Vec<_>>().join(","))
        .collect();
    out.sort();
    out
}

/// "ID owed" per row of balances.csv of the run in `dir/RUN`.
fn owed(dir: &Path, run: &str) -> Vec<String> {
    let (_, rows) = table(&dir.join(run).join("balances.csv"));
    rows.iter()
        .map(|r| format!("{} {}", cell(r, "employee_id"), cell(r, "owed")))
        .collect()
}

fn exceptions(dir: &Path, run: &str) -> String {
    std::fs::read_to_string(dir.join(run).join("exceptions.csv")).unwrap()
}

/// The exceptions.csv lines of kind `refund_not_recovered`.
fn not_recovered(dir: &Path, run: &str) -> Vec<String> {
    exceptions(dir, run)
        .lines()
        .filter(|l| l.contains(",refund_not_recovered,"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn refunds_are_clawed_back_at_the_rate_originally_paid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // 2026-01. licences (per deal, 10 % to 50,000, 6 % above):
    // A: D1 60,000.84 → 50,000 × 10 % + 10,000.84 × 6 % = 5,000 + 600.0504
    //    = 5,600.0504 → 5,600.05.
    // B: D2 150,000 × 200/3 % = 100,000 credited → 5,000 + 50,000 × 6 %
    //    = 8,000.00.
    // C: D2 150,000 × 100/3 % = 50,000 credited → 50,000 × 10 % = 5,000.00
    //    (nothing above 50,000).
    // services (per period, 5 % to 10,000, 8 % above), C only: S1 5,000 +
    //    S2 3,014 + S3 2,003 = 10,017 → 500 + 17 × 8 % = 501.36.
    //    P per deal, 501.36 in proportion to credit, largest remainder:
    //    S1 501.36 × 5,000 ÷ 10,017 = 250.2545… → 250.25 (rem .4567 ¢)
    //    S2 501.36 × 3,014 ÷ 10,017 = 150.8534… → 150.85 (rem .3453 ¢)
    //    S3 501.36 × 2,003 ÷ 10,017 = 100.2519… → 100.25 (rem .1980 ¢)
    //    floors sum 501.35: the one cent left goes to S1 → 250.26, 150.85,
    //    100.25 (rounding each on its own would give 501.35, a cent short).
    //    C: 5,000.00 + 501.36 = 5,501.36.
    ok(run(d, 1, None));
    assert_eq!(
        pay(d, "2026-01"),
        [
            "A 5600.05 0.00 0.00 0.00 5600.05",
            "B 8000.00 0.00 0.00 0.00 8000.00",
            "C 5501.36 0.00 0.00 0.00 5501.36",
        ]
    );
    let mut ledger = vec![
        "D1,A,licences,2026-01-10,60000.84,5600.05,0,0",
        "D2,B,licences,2026-01-20,150000,8000.00,0,0",
        "D2,C,licences,2026-01-20,150000,5000.00,0,0",
        "S1,C,services,2026-01-05,5000,250.26,0,0",
        "S2,C,services,2026-01-12,3014,150.85,0,0",
        "S3,C,services,2026-01-25,2003,100.25,0,0",
    ];
    assert_eq!(deals(d, "2026-01"), want_deals(&ledger));
    assert_eq!(owed(d, "2026-01"), ["A 0.00", "B 0.00", "C 0.00"]);

    // 2026-02. A: D3 30,000 booked 02-05 and refunded 10,000 on 02-20 (same
    // period): credited 20,000 → 2,000.00; its ledger row has amount
    // 20,000 (net) and refunded 0. D1's first refund 20,000.28 (a third):
    // round(5,600.05 × 20,000.28 ÷ 60,000.84) = round(1,866.68333…) =
    // 1,866.68. A: 2,000.00 − 1,866.68 = 133.32 (no balance, nothing
    // owed). B, C: nothing credited, listed at 0.00.
    ok(run(d, 2, Some(1)));
    assert_eq!(
        pay(d, "2026-02"),
        [
            "A 2000.00 -1866.68 0.00 0.00 133.32",
            "B 0.00 0.00 0.00 0.00 0.00",
            "C 0.00 0.00 0.00 0.00 0.00",
        ]
    );
    ledger[0] = "D1,A,licences,2026-01-10,60000.84,5600.05,20000.28,1866.68";
    ledger.push("D3,A,licences,2026-02-05,20000,2000.00,0,0");
    assert_eq!(deals(d, "2026-02"), want_deals(&ledger));
    assert_eq!(owed(d, "2026-02"), ["A 0.00", "B 0.00", "C 0.00"]);

    // 2026-03.
    // A: D6 25,000 → 2,500.00. D1's second third: refunded so far
    //    40,000.56: round(5,600.05 × 40,000.56 ÷ 60,000.84) =
    //    round(3,733.36666…) = 3,733.37, less 1,866.68 already recovered =
    //    1,866.69 (a cent more than the first: rounding this refund on its
    //    own would give 1,866.68). A: 2,500.00 − 1,866.69 = 633.31.
    // B: D4 10,000 → 1,000.00. D2 refunded 50,000 (a third), from B's own
    //    row: round(8,000.00 × 50,000 ÷ 150,000) = round(2,666.666…) =
    //    2,666.67. E = 1,000.00 − 2,666.67 = −1,666.67 = G < 0: nothing is
    //    paid, carried 1,666.67, owed 1,666.67.
    // C: D5 40,000 → 4,000.00. D2 from C's row: round(5,000.00 × 50,000 ÷
    //    150,000) = round(1,666.666…) = 1,666.67. C: 4,000.00 − 1,666.67 =
    //    2,333.33.
    ok(run(d, 3, Some(2)));
    assert_eq!(
        pay(d, "2026-03"),
        [
            "A 2500.00 -1866.69 0.00 0.00 633.31",
            "B 1000.00 -2666.67 0.00 1666.67 0.00",
            "C 4000.00 -1666.67 0.00 0.00 2333.33",
        ]
    );
    ledger[0] = "D1,A,licences,2026-01-10,60000.84,5600.05,40000.56,3733.37";
    ledger[1] = "D2,B,licences,2026-01-20,150000,8000.00,50000,2666.67";
    ledger[2] = "D2,C,licences,2026-01-20,150000,5000.00,50000,1666.67";
    ledger.extend([
        "D4,B,licences,2026-03-10,10000,1000.00,0,0",
        "D5,C,licences,2026-03-12,40000,4000.00,0,0",
        "D6,A,licences,2026-03-20,25000,2500.00,0,0",
    ]);
    assert_eq!(deals(d, "2026-03"), want_deals(&ledger));
    assert_eq!(owed(d, "2026-03"), ["A 0.00", "B 1666.67", "C 0.00"]);

    // 2026-04.
    // A: D7 20,000 → 2,000.00. D1's last third: refunded 60,000.84 in all:
    //    round(5,600.05 × 60,000.84 ÷ 60,000.84) − 3,733.37 = 1,866.68; D1
    //    has recovered 5,600.05 = P exactly (per-refund rounding: 5,600.04).
    //    A: 2,000.00 − 1,866.68 = 133.32.
    // B: D8 30,000.10 → 3,000.01 = G. Recovery R = min(owed 1,666.67, G
    //    3,000.01, 50 % × 3,000.01 = 1,500.005 cut down to the cent
    //    1,500.00) = 1,500.00: pays 1,500.01, owes 166.67.
    // C: D9 10,000 → 1,000.00. S1 refunded 1,000 of 5,000, at the services
    //    rate it was paid: round(250.26 × 1,000 ÷ 5,000) = round(50.052) =
    //    50.05. C: 1,000.00 − 50.05 = 949.95.
    ok(run(d, 4, Some(3)));
    assert_eq!(
        pay(d, "2026-04"),
        [
            "A 2000.00 -1866.68 0.00 0.00 133.32",
            "B 3000.01 0.00 1500.00 0.00 1500.01",
            "C 1000.00 -50.05 0.00 0.00 949.95",
        ]
    );
    ledger[0] = "D1,A,licences,2026-01-10,60000.84,5600.05,60000.84,5600.05";
    ledger[3] = "S1,C,services,2026-01-05,5000,250.26,1000,50.05";
    ledger.extend([
        "D7,A,licences,2026-04-08,20000,2000.00,0,0",
        "D8,B,licences,2026-04-14,30000.10,3000.01,0,0",
        "D9,C,licences,2026-04-22,10000,1000.00,0,0",
    ]);
    assert_eq!(deals(d, "2026-04"), want_deals(&ledger));
    assert_eq!(owed(d, "2026-04"), ["A 0.00", "B 166.67", "C 0.00"]);

    // The refunds of D2 (150,000) sum to 50,000 + 100,000.01 = 150,000.01,
    // more than its amount: the run stops naming the deal, nothing written.
    let bad = d.join("data-bad");
    let mut refunds = upto(REFUNDS, 5);
    refunds.push("D2,2026-05-10,100000.01,cancelled");
    write_data(&bad, &["A", "B", "C"], &upto(DEALS, 5), &refunds);
    let out = d.join("bad-05");
    let o = month_run(&policy(), d, &bad, 5, &out, Some(4));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}{err}", stdout(&o));
    assert!(err.contains("the refunds of deal 'D2' sum to"), "{err}");
    assert!(err.contains("more than its amount"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!out.exists(), "no output folder may be written");

    // 2026-05. B: D10 5,000 → 500.00 = G; R = min(166.67, 500.00, 250.00)
    // = 166.67: pays 333.33, owes 0. A, C: nothing. No refund dated in May.
    ok(run(d, 5, Some(4)));
    assert_eq!(
        pay(d, "2026-05"),
        [
            "A 0.00 0.00 0.00 0.00 0.00",
            "B 500.00 0.00 166.67 0.00 333.33",
            "C 0.00 0.00 0.00 0.00 0.00",
        ]
    );
    ledger.push("D10,B,licences,2026-05-06,5000,500.00,0,0");
    assert_eq!(deals(d, "2026-05"), want_deals(&ledger));
    assert_eq!(owed(d, "2026-05"), ["A 0.00", "B 0.00", "C 0.00"]);

    for m in 1..=5 {
        assert_eq!(
            not_recovered(d, &period(m)),
            Vec::<String>::new(),
            "{}",
            period(m)
        );
    }
    // The chain replays from the run folder alone (ambiguity 10).
    let o = merit(&["replay", d.join("2026-05").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn the_files_of_a_clawback_plan_have_the_documented_columns() {
    // Ambiguities 1 and 3: the column order chosen from docs/policy.md.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(run(d, 1, None));
    let (header, rows) = table(&d.join("2026-01/payouts.csv"));
    assert_eq!(
        header,
        "employee_id,name,department,role,period,score,rating,bonus,project_bonus,commission,clawback,draw,recovered,carried,total_payout,currency,payout_currency,fx_rate,payout_in_currency"
    );
    for r in &rows {
        assert_eq!(cell(r, "draw"), "0.00", "{r:?}");
        assert_eq!(cell(r, "bonus"), "0.00", "{r:?}");
        assert_eq!(cell(r, "payout_in_currency"), cell(r, "total_payout"));
    }
    let (header, _) = table(&d.join("2026-01/deals.csv"));
    assert_eq!(header, format!("{},counted_to", DEAL_COLUMNS.join(",")));
    let (header, rows) = table(&d.join("2026-01/balances.csv"));
    assert_eq!(header, "employee_id,plan_year,owed,forgiven");
    for r in &rows {
        assert_eq!(cell(r, "plan_year"), "2026-01-01", "{r:?}");
        assert_eq!(cell(r, "forgiven"), "0.00", "{r:?}");
    }
}

#[test]
fn a_refund_after_the_window_or_of_a_deal_paid_before_the_chain_recovers_nothing() {
    // A copy of the plan with `clawback: { months: 1 }`: a deal's window
    // ends on the last day of the month after the month of its date.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = d.join("policy");
    common::copy_dir(&policy(), &p);
    common::edit(
        &p.join("policy.yaml"),
        "clawback: { months: 12 }",
        "clawback: { months: 1 }",
    );
    let deals_by_month: &[(u32, &str)] = &[
        (1, "W0,A,2025-12-20,8000,,licence"),
        (1, "W1,A,2026-01-15,10000,,licence"),
        (2, "W2,A,2026-02-10,8000,,licence"),
    ];
    let refunds_by_month: &[(u32, &str)] = &[
        (1, "W0,2026-01-20,8000,cancelled"),
        (2, "W1,2026-02-28,5000,partial return"),
        (3, "W1,2026-03-01,1000,partial return"),
    ];
    let go = |m: u32, after: Option<u32>| {
        let data = d.join(format!("data-{m:02}"));
        write_data(
            &data,
            &["A", "B"],
            &upto(deals_by_month, m),
            &upto(refunds_by_month, m),
        );
        ok(month_run(&p, d, &data, m, &d.join(period(m)), after));
    };

    // 2026-01. W1 10,000 → 1,000.00. W0 (2025-12-20) was paid before the
    // chain began: it is neither credited in this run nor in a ledger, so
    // its January refund recovers nothing and is an exception.
    go(1, None);
    assert_eq!(
        pay(d, "2026-01"),
        [
            "A 1000.00 0.00 0.00 0.00 1000.00",
            "B 0.00 0.00 0.00 0.00 0.00"
        ]
    );
    let rows = not_recovered(d, "2026-01");
    assert_eq!(rows.len(), 1, "{}", exceptions(d, "2026-01"));
    assert!(rows[0].contains("W0"), "{rows:?}");
    assert_eq!(
        deals(d, "2026-01"),
        want_deals(&["W1,A,licences,2026-01-15,10000,1000.00,0,0"])
    );

    // 2026-02. W2 8,000 → 800.00. W1's refund on 2026-02-28, the last day
    // of its window (January + 1 month), recovers round(1,000.00 × 5,000 ÷
    // 10,000) = 500.00: A 800.00 − 500.00 = 300.00. W1's window has ended
    // with this period, so its row leaves deals.csv (ambiguity 6); W0's
    // January refund is not counted again.
    go(2, Some(1));
    assert_eq!(
        pay(d, "2026-02"),
        [
            "A 800.00 -500.00 0.00 0.00 300.00",
            "B 0.00 0.00 0.00 0.00 0.00"
        ]
    );
    assert_eq!(not_recovered(d, "2026-02"), Vec::<String>::new());
    assert_eq!(
        deals(d, "2026-02"),
        want_deals(&["W2,A,licences,2026-02-10,8000,800.00,0,0"])
    );

    // 2026-03. W1's refund on 2026-03-01, a day after its window: nothing
    // recovered, an exception naming W1. W2's window ends 2026-03-31 with
    // this period: deals.csv is left with its header only.
    go(3, Some(2));
    assert_eq!(
        pay(d, "2026-03"),
        ["A 0.00 0.00 0.00 0.00 0.00", "B 0.00 0.00 0.00 0.00 0.00"]
    );
    let rows = not_recovered(d, "2026-03");
    assert_eq!(rows.len(), 1, "{}", exceptions(d, "2026-03"));
    assert!(rows[0].contains("W1"), "{rows:?}");
    assert_eq!(deals(d, "2026-03"), Vec::<String>::new());
    assert_eq!(owed(d, "2026-03"), ["A 0.00", "B 0.00"]);
}

#[test]
fn without_clawback_a_refund_of_a_deal_the_run_does_not_credit_stops_the_run() {
    // The plan without `clawback` (and so without state): February's data
    // refunds D1, booked in January. D3's refund in its own period is fine.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = d.join("policy");
    common::copy_dir(&policy(), &p);
    common::edit(&p.join("policy.yaml"), "clawback: { months: 12 }\n", "");
    common::edit(&p.join("policy.yaml"), "recovery_percent: 50\n", "");
    common::edit(&p.join("policy.yaml"), "year_end: forgive\n", "");
    let data = data(d, 2);
    let out = d.join("2026-02");
    let o = month_run(&p, d, &data, 2, &out, None);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}{err}", stdout(&o));
    assert!(err.contains("D1"), "the message names the deal: {err}");
    assert!(!out.exists(), "no output folder may be written");
}
