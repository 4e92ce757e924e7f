//! The example plan `policies/sales-commission` pays the twelve months of
//! 2026, each run chained to the one before with `merit run --after PREV`
//! (docs/policy.md: Commissions; Year-to-date, draws and balances, with
//! `pay_every: quarter`; Refunds and clawbacks). Every number below is
//! hand-worked from docs/policy.md, docs/data.md and docs/outputs.md alone,
//! by someone who did not read src/; none was copied from a run.
//!
//! The plan: `new_business` (account_exec and senior_account_exec) pays
//! 5 % of the year-to-date licence and subscription credit up to the annual
//! quota, 8 % from 100 % to 150 %, 12 % above (marginal), only in March,
//! June, September and December, each time the year to date C less what the
//! plan year already paid P (`paid_ytd_new_business` of balances.csv); in
//! the other months it is listed at 0.00 (deferred). `services` pays 10 % of
//! each services deal, at most 5,000 a deal, every month. `overlay` pays a
//! sales engineer 2 % of what they are credited with, every month. A
//! recoverable draw `monthly_draw` for account executives; recovery at most
//! 50 % of a month's pay and never out of the draw; year_end: forgive;
//! clawback for 12 months at the rate paid.
//!
//! Each month, in cents (docs/policy.md, "Each employee's period"):
//! E = Σ commission lines (clawbacks included); D = the month's draw;
//! T = D − E when E < D (then O grows by T), else 0; G = bonus + E + T;
//! R = min(O, G − D (G for S, who has no draw), ⌊50 % × G⌋ to the cent);
//! total = G − R; owed after = O − R + T.
//!
//! Employees (department sales, hired long before 2026):
//! - A: account_exec, annual_quota 1,200,000, monthly_draw 5,000; from
//!   2026-07-01 senior_account_exec, annual_quota 1,500,000, monthly_draw
//!   6,000 (the employees rows of the July–December data folders).
//! - B: account_exec, annual_quota 900,000, monthly_draw 4,000;
//!   termination_date 2026-10-15 (in the October–December data folders).
//! - S: sales_engineer (no draw, no new_business, no services), inputs 0.
//!
//! The bonus: A and B have target_bonus_pct 0 (bonus 0.00 every month), so
//! that the balance arithmetic is not mixed with a bonus that docs/policy.md
//! step 5 would also withhold (G − D includes the bonus); S has base salary
//! 120,000 at 10 %: a target bonus of 120,000 × 10 × 1 ÷ 1200 = 1,000.00 a
//! month × the visits score ÷ 100, capped at 1.2 × 1,000 = 1,200. Visits
//! target 20; curve 0.5 → 50, 1 → 100, 1.5 → 120, 0 below 0.5 (the default
//! `below_threshold`), 120 above 1.5 (no `cap`). A and B make 20 visits a
//! month (score 100.00, band B). S: 20 a month (100.00, B, 1,000.00) except
//! March 25 (1.25 → 100 + 0.25 × 20 ÷ 0.5 = 110.00, band A, 1,100.00), June
//! 14 (0.7 → 50 + 0.2 × 50 ÷ 0.5 = 70.00, band C, 700.00), September 33
//! (1.65, above stretch → 120.00, band A, 1,200.00 = the cap exactly) and
//! December 8 (0.4, below threshold → 0.00, band C, 0.00).
//!
//! The deals (transactions; the data folder of month m holds the rows dated
//! up to its end, the refunds likewise):
//!
//! | deal    | date  | amount     | product      | credit                          |
//! |---------|-------|------------|--------------|---------------------------------|
//! | L-A1    | 01-15 | 100,000    | licence      | A                               |
//! | B-L1    | 01-22 | 60,000     | licence      | B                               |
//! | L-A2    | 02-10 | 150,000    | subscription | A; cancelled in full 05-06      |
//! | L-A3    | 03-05 | 50,000     | licence      | A                               |
//! | B-L2    | 03-18 | 90,000     | subscription | B                               |
//! | SV-A1   | 03-25 | 33,333.45  | services     | A                               |
//! | SPLIT-1 | 04-20 | 500,000    | licence      | A 60, B 40, S 100 overlay       |
//! | SV-B1   | 05-12 | 80,000     | services     | B, S 100 overlay; 20,000 refunded 07-14 |
//! | SV-A2   | 05-19 | 40,000     | services     | A                               |
//! | B-L3    | 06-09 | 110,000    | licence      | B                               |
//! | L-A4    | 06-12 | 850,000    | licence      | A                               |
//! | L-A5    | 08-11 | 600,000    | licence      | A                               |
//! | B-L4    | 09-03 | 140,000    | licence      | B                               |
//! | L-A6    | 09-22 | 400,000    | subscription | A                               |
//! | B-L5    | 10-08 | 100,000    | licence      | B (never paid: B leaves 10-15)  |
//! | L-A7    | 12-03 | 150,000    | licence      | A                               |
//!
//! A's year-to-date credit: 100,000 (Jan), 250,000 (Feb), 300,000 (Mar),
//! 600,000 (Apr), 450,000 (May: L-A2 cancelled), 1,300,000 (Jun: 108.33 %
//! of 1,200,000, the first accelerator), 1,300,000 (Jul: now 86.67 % of
//! 1,500,000), 1,900,000 (Aug), 2,300,000 (Sep: 153.33 % of 1,500,000, the
//! second accelerator), 2,450,000 (Dec). B's: 60,000, 60,000, 150,000,
//! 350,000, 350,000, 460,000, …, 600,000 (Sep), 700,000 (Oct): always under
//! 900,000.
//!
//! Expected total_payout (each month's working is next to its assertions):
//!
//! | month | A         | B        | S        |
//! |-------|-----------|----------|----------|
//! | 01    | 5,000.00  | 4,000.00 | 1,000.00 |
//! | 02    | 5,000.00  | 4,000.00 | 1,000.00 |
//! | 03    | 9,166.68  | 4,000.00 | 1,100.00 |
//! | 04    | 5,000.00  | 4,000.00 | 11,000.00|
//! | 05    | 5,000.00  | 4,000.00 | 2,600.00 |
//! | 06    | 46,166.67 | 8,000.00 | 700.00   |
//! | 07    | 6,000.00  | 4,000.00 | 600.00   |
//! | 08    | 6,000.00  | 4,000.00 | 1,000.00 |
//! | 09    | 61,000.00 | 4,000.00 | 1,200.00 |
//! | 10    | 6,000.00  | 4,000.00 | 1,000.00 |
//! | 11    | 6,000.00  | (left)   | 1,000.00 |
//! | 12    | 9,000.00  | (left)   | 0.00     |
//! | year  | 169,333.35| 44,000.00| 22,200.00|
//!
//! Cross-checks: A = commissions (new_business C₁₂ 159,000.00 + services
//! 3,333.35 + 4,000.00) + draws topped up 40,000.00 − recovered 37,000.00
//! = 169,333.35, and 40,000.00 − 37,000.00 = 3,000.00 forgiven. B =
//! 30,000.00 + 5,000.00 − 1,250.00 + 25,250.00 − 15,000.00 = 44,000.00,
//! owing 25,250.00 − 15,000.00 = 10,250.00 when leaving. S = bonuses
//! 11,000.00 + overlay 10,000.00 + 1,600.00 − 400.00 = 22,200.00.
//!
//! Where the docs are silent or ambiguous, the choice made here (each is
//! also said where it is asserted):
//! 1. A quota that changes between runs (A's promotion): docs/policy.md says
//!    the year-to-date rates apply "against the whole quota" and an input
//!    is one value per employee per run; it does not say in so many words
//!    that the year's earlier credit is re-rated against the new quota.
//!    Chosen: from July every run rates A's whole year to date against
//!    1,500,000 (C drops from 68,000 in June to 65,000 in July with no new
//!    deal, and September pays 141,000 − 68,000 where the old quota would
//!    have given 168,000 − 68,000).
//! 2. deals.csv rows of a `ytd` commission in a deferred month (`pay_every:
//!    quarter`): the docs said "the year-to-date commission C"; they now say
//!    what the plan year has paid (never money not yet paid), so May and
//!    July share the March and June payments.
//! 3. A deal of the year cancelled in full (L-A2): docs say it counts at
//!    A − R = 0 and a ytd commission's rows are written for all the year's
//!    deals, but not whether a row with credit 0 is kept. Chosen: kept, with
//!    amount 0 and paid 0 (and refunded 0, recovered 0: a refund of a deal
//!    the ytd commission credits lowers the credit, it is not a ledger
//!    refund — as docs/policy.md's "amount … net of refunds counted then").
//! 4. The year end and someone who has left: "what is still owed is written
//!    off" at the plan year's end, and "someone who left keeps what they
//!    owe" in balances.csv; not said whether the December run forgives the
//!    owed of someone not in it. Chosen: yes — B's 10,250.00 is forgiven in
//!    December (owed 0.00, forgiven 10,250.00).
//! 5. `paid_ytd_new_business` of someone whose role never earns the
//!    commission (S): chosen 0.00.
//! 6. Number formats of balances.csv and deals.csv are not in
//!    docs/outputs.md: both are compared as exact decimals (trailing zeros
//!    dropped), payouts.csv as its documented money form.
//! 7. Whether a refund that lowers a year-to-date credit (L-A2) is an
//!    exceptions.csv `clawback` row: docs/outputs.md describes that kind
//!    for a refund that "clawed back what a deal paid" (the ledger case).
//!    Not asserted; only the ledger clawbacks of SV-B1 (B and S) are.
//! 8. exceptions.csv `detail` texts are given as patterns in
//!    docs/outputs.md; only the kind, the deal id and the `effect`
//!    ("X clawed back") are asserted.

mod common;
use common::csv::{cell, norm, ok, table, upto};
use common::{merit, stderr, stdout};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

fn policy() -> PathBuf {
    common::root().join("policies/sales-commission")
}

fn period(m: u32) -> String {
    format!("2026-{m:02}")
}

/// The deals with the month (2026) that books them:
/// `deal_id,employee_id,date,amount,share,credit,product`.
const DEALS: &[(u32, &str)] = &[
    (1, "L-A1,A,2026-01-15,100000,,,licence"),
    (1, "B-L1,B,2026-01-22,60000,,,licence"),
    (2, "L-A2,A,2026-02-10,150000,,,subscription"),
    (3, "L-A3,A,2026-03-05,50000,,,licence"),
    (3, "B-L2,B,2026-03-18,90000,,,subscription"),
    (3, "SV-A1,A,2026-03-25,33333.45,,,services"),
    (4, "SPLIT-1,A,2026-04-20,500000,60,direct,licence"),
    (4, "SPLIT-1,B,2026-04-20,500000,40,direct,licence"),
    (4, "SPLIT-1,S,2026-04-20,500000,100,overlay,licence"),
    (5, "SV-B1,B,2026-05-12,80000,,,services"),
    (5, "SV-B1,S,2026-05-12,80000,100,overlay,services"),
    (5, "SV-A2,A,2026-05-19,40000,,,services"),
    (6, "B-L3,B,2026-06-09,110000,,,licence"),
    (6, "L-A4,A,2026-06-12,850000,,,licence"),
    (8, "L-A5,A,2026-08-11,600000,,,licence"),
    (9, "B-L4,B,2026-09-03,140000,,,licence"),
    (9, "L-A6,A,2026-09-22,400000,,,subscription"),
    (10, "B-L5,B,2026-10-08,100000,,,licence"),
    (12, "L-A7,A,2026-12-03,150000,,,licence"),
];

/// The refunds: `deal_id,date,amount,reason`.
const REFUNDS: &[(u32, &str)] = &[
    (5, "L-A2,2026-05-06,150000,cancelled"),
    (7, "SV-B1,2026-07-14,20000,partial refund"),
];

/// S's customer visits in January … December (A and B make 20 a month).
const S_VISITS: [u32; 12] = [20, 20, 25, 20, 20, 14, 20, 20, 33, 20, 20, 8];

/// The data folder of month `m`: the employees as HR has them at the end
/// of the month (A promoted from July, B's leaving date from October),
/// every month's visits, the deals and refunds dated up to the month's end.
fn data(dir: &Path, m: u32) -> PathBuf {
    let d = dir.join(format!("data-{m:02}"));
    std::fs::create_dir_all(&d).unwrap();
    let a = if m >= 7 {
        "A,A,sales,senior_account_exec,240000,0,2020-01-01,,1500000,6000"
    } else {
        "A,A,sales,account_exec,240000,0,2020-01-01,,1200000,5000"
    };
    let b = if m >= 10 {
        "B,B,sales,account_exec,180000,0,2021-03-01,2026-10-15,900000,4000"
    } else {
        "B,B,sales,account_exec,180000,0,2021-03-01,,900000,4000"
    };
    std::fs::write(
        d.join("employees.csv"),
        format!(
            "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,termination_date,annual_quota,monthly_draw\n\
             {a}\n{b}\nS,S,sales,sales_engineer,120000,10,2022-06-01,,0,0\n"
        ),
    )
    .unwrap();
    let mut metrics = String::from("subject_id,month,metric,value\n");
    for (i, s) in S_VISITS.iter().enumerate() {
        let month = period(i as u32 + 1);
        metrics.push_str(&format!(
            "A,{month},visits,20\nB,{month},visits,20\nS,{month},visits,{s}\n"
        ));
    }
    std::fs::write(d.join("metrics.csv"), metrics).unwrap();
    let mut t = String::from("deal_id,employee_id,date,amount,share,credit,product\n");
    for row in upto(DEALS, m) {
        t.push_str(row);
        t.push('\n');
    }
    std::fs::write(d.join("transactions.csv"), t).unwrap();
    let mut r = String::from("deal_id,date,amount,reason\n");
    for row in upto(REFUNDS, m) {
        r.push_str(row);
        r.push('\n');
    }
    std::fs::write(d.join("refunds.csv"), r).unwrap();
    d
}

/// `merit run` of month `m` into `dir/2026-MM`, after the run of month
/// `m − 1` (none for January, the plan year's first month).
fn run(dir: &Path, m: u32) -> Output {
    let data = data(dir, m);
    let mut args = vec![
        "run".to_owned(),
        "--policy".into(),
        policy().display().to_string(),
        "--data".into(),
        data.display().to_string(),
        "--period".into(),
        period(m),
        "--out".into(),
        dir.join(period(m)).display().to_string(),
    ];
    if m > 1 {
        args.push("--after".into());
        args.push(dir.join(period(m - 1)).display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    merit(&args)
}

/// A money cell (`-1250.00`) in cents.
fn cents(s: &str) -> i64 {
    let (int, frac) = s.split_once('.').unwrap_or((s, "00"));
    assert_eq!(frac.len(), 2, "money has two places: {s}");
    let negative = int.starts_with('-');
    let v =
        int.trim_start_matches('-').parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap();
    if negative {
        -v
    } else {
        v
    }
}

const PAY_COLUMNS: [&str; 11] = [
    "employee_id",
    "role",
    "score",
    "rating",
    "bonus",
    "commission",
    "clawback",
    "draw",
    "recovered",
    "carried",
    "total_payout",
];

/// Per employee of the month's run, sorted by id: "ID role score rating
/// bonus commission clawback draw recovered carried total_payout".
fn pay(dir: &Path, m: u32) -> Vec<String> {
    let (_, rows) = table(&dir.join(period(m)).join("payouts.csv"));
    rows.iter()
        .map(|r| {
            PAY_COLUMNS
                .iter()
                .map(|c| cell(r, c))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Per row of the month's balances.csv: "ID owed forgiven paid_ytd", the
/// numbers normalised (`norm`).
fn balances(dir: &Path, m: u32) -> Vec<String> {
    let (_, rows) = table(&dir.join(period(m)).join("balances.csv"));
    rows.iter()
        .map(|r| {
            assert_eq!(cell(r, "plan_year"), "2026-01-01", "{r:?}");
            format!(
                "{} {} {} {}",
                cell(r, "employee_id"),
                norm(cell(r, "owed")),
                norm(cell(r, "forgiven")),
                norm(cell(r, "paid_ytd_new_business"))
            )
        })
        .collect()
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

/// The month's deals.csv rows of the given commissions, as
/// `deal_id,employee_id,commission,deal_date,amount,paid,refunded,recovered`
/// with the numbers normalised, sorted.
fn deals(dir: &Path, m: u32, commissions: &[&str]) -> Vec<String> {
    let (header, rows) = table(&dir.join(period(m)).join("deals.csv"));
    assert_eq!(header, format!("{},counted_to", DEAL_COLUMNS.join(",")));
    let mut out: Vec<String> = rows
        .iter()
        .filter(|r| commissions.iter().any(|c| *c == cell(r, "commission")))
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

/// The expected rows, normalised and sorted like `deals`.
fn want(rows: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| r.split(',').map(norm).collect::<Vec<_>>().join(","))
        .collect();
    out.sort();
    out
}

fn exceptions(dir: &Path, m: u32) -> String {
    std::fs::read_to_string(dir.join(period(m)).join("exceptions.csv")).unwrap()
}

/// The exceptions.csv lines of `employee` and `kind`.
fn exception_lines(dir: &Path, m: u32, employee: &str, kind: &str) -> Vec<String> {
    let start = format!("{employee},{kind},");
    exceptions(dir, m)
        .lines()
        .filter(|l| l.starts_with(&start))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_year_of_monthly_runs_pays_draws_true_ups_clawbacks_and_a_promotion() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut year: BTreeMap<String, i64> = BTreeMap::new();
    let mut add_up = |d: &Path, m: u32| {
        let (_, rows) = table(&d.join(period(m)).join("payouts.csv"));
        for r in &rows {
            *year.entry(cell(r, "employee_id").to_owned()).or_default() +=
                cents(cell(r, "total_payout"));
        }
    };

    // ── 2026-01 (deferred). A: YTD 100,000 (C would be 5,000) → new_business
    // 0.00, services 0.00: E = 0 < D 5,000 → T = 5,000, G = 5,000, O = 0 →
    // R = 0; pays 5,000.00, owes 5,000.00. B: YTD 60,000 deferred; T =
    // 4,000, pays 4,000.00, owes 4,000.00. S: visits 20 → 100.00, B, bonus
    // 1,000.00, overlay 0.00; pays 1,000.00.
    ok(run(d, 1));
    assert_eq!(
        pay(d, 1),
        [
            "A account_exec 100.00 B 0.00 0.00 0.00 5000.00 0.00 0.00 5000.00",
            "B account_exec 100.00 B 0.00 0.00 0.00 4000.00 0.00 0.00 4000.00",
            "S sales_engineer 100.00 B 1000.00 0.00 0.00 0.00 0.00 0.00 1000.00",
        ]
    );
    assert_eq!(balances(d, 1), ["A 5000 0 0", "B 4000 0 0", "S 0 0 0"]);
    add_up(d, 1);

    // ── 2026-02 (deferred). A: YTD 250,000, deferred; E = 0 → T = 5,000,
    // G = 5,000, R = min(O 5,000, G − D = 0, 2,500) = 0: pays 5,000.00, owes
    // 10,000.00. B: nothing booked; T = 4,000, R = 0: owes 8,000.00.
    ok(run(d, 2));
    assert_eq!(
        pay(d, 2),
        [
            "A account_exec 100.00 B 0.00 0.00 0.00 5000.00 0.00 0.00 5000.00",
            "B account_exec 100.00 B 0.00 0.00 0.00 4000.00 0.00 0.00 4000.00",
            "S sales_engineer 100.00 B 1000.00 0.00 0.00 0.00 0.00 0.00 1000.00",
        ]
    );
    assert_eq!(balances(d, 2), ["A 10000 0 0", "B 8000 0 0", "S 0 0 0"]);
    add_up(d, 2);

    // ── 2026-03 (Q1's end: the year to date is paid).
    // A: YTD 100,000 + 150,000 + 50,000 = 300,000 (25 % of 1,200,000) → C =
    //    300,000 × 5 % = 15,000.00, P = 0: line 15,000.00. services SV-A1
    //    33,333.45 × 10 % = 3,333.345 → 3,333.35 (half_up). E = 18,333.35 ≥
    //    D: T = 0; G = 18,333.35. R = min(O 10,000.00, G − D = 13,333.35,
    //    50 % × 18,333.35 = 9,166.675 → cut down 9,166.67) = 9,166.67 (the
    //    50 % limit): pays 18,333.35 − 9,166.67 = 9,166.68, owes 10,000.00 −
    //    9,166.67 = 833.33. paid_ytd 15,000.
    // B: YTD 60,000 + 90,000 = 150,000 → C = 7,500.00 = E ≥ D 4,000; G =
    //    7,500; R = min(8,000, G − D = 3,500, 3,750) = 3,500.00 (never out of
    //    the draw): pays 4,000.00, owes 4,500.00. paid_ytd 7,500.
    // S: visits 25 → 1.25 → 110.00, band A: 1,000 × 110 ÷ 100 = 1,100.00.
    ok(run(d, 3));
    assert_eq!(
        pay(d, 3),
        [
            "A account_exec 100.00 B 0.00 18333.35 0.00 0.00 9166.67 0.00 9166.68",
            "B account_exec 100.00 B 0.00 7500.00 0.00 0.00 3500.00 0.00 4000.00",
            "S sales_engineer 110.00 A 1100.00 0.00 0.00 0.00 0.00 0.00 1100.00",
        ]
    );
    assert_eq!(
        balances(d, 3),
        ["A 833.33 0 15000", "B 4500 0 7500", "S 0 0 0"]
    );
    add_up(d, 3);

    // ── 2026-04 (deferred). SPLIT-1 500,000: A 60 % = 300,000, B 40 % =
    // 200,000 of year-to-date credit (deferred), S 100 % overlay.
    // A: E = 0 → T = 5,000, G = 5,000, R = min(833.33, 0, 2,500) = 0: pays
    //    5,000.00, owes 833.33 + 5,000 = 5,833.33.
    // B: T = 4,000, R = 0: pays 4,000.00, owes 8,500.00.
    // S: overlay 500,000 × 100 % × 2 % = 10,000.00 (per period, paid
    //    monthly) + bonus 1,000.00 = 11,000.00.
    ok(run(d, 4));
    assert_eq!(
        pay(d, 4),
        [
            "A account_exec 100.00 B 0.00 0.00 0.00 5000.00 0.00 0.00 5000.00",
            "B account_exec 100.00 B 0.00 0.00 0.00 4000.00 0.00 0.00 4000.00",
            "S sales_engineer 100.00 B 1000.00 10000.00 0.00 0.00 0.00 0.00 11000.00",
        ]
    );
    assert_eq!(
        balances(d, 4),
        ["A 5833.33 0 15000", "B 8500 0 7500", "S 0 0 0"]
    );
    add_up(d, 4);

    // ── 2026-05 (deferred). L-A2 (subscription 150,000, February) is
    // cancelled in full on 05-06: new_business credits it in the year to
    // date, so it now counts at 150,000 − 150,000 = 0 (no ledger clawback).
    // A: YTD 100,000 + 0 + 50,000 + 300,000 = 450,000, deferred. services
    //    SV-A2 40,000 × 10 % = 4,000.00 = E < D → T = 1,000; G = 5,000; R =
    //    min(5,833.33, 0, 2,500) = 0: pays 5,000.00, owes 6,833.33.
    // B: services SV-B1 80,000 × 10 % = 8,000 → the per-deal cap 5,000.00
    //    = E ≥ D 4,000: T = 0; G = 5,000; R = min(8,500, 1,000, 2,500) =
    //    1,000.00: pays 4,000.00, owes 7,500.00.
    // S: overlay SV-B1 80,000 × 2 % = 1,600.00 + bonus 1,000.00 = 2,600.00.
    ok(run(d, 5));
    assert_eq!(
        pay(d, 5),
        [
            "A account_exec 100.00 B 0.00 4000.00 0.00 1000.00 0.00 0.00 5000.00",
            "B account_exec 100.00 B 0.00 5000.00 0.00 0.00 1000.00 0.00 4000.00",
            "S sales_engineer 100.00 B 1000.00 1600.00 0.00 0.00 0.00 0.00 2600.00",
        ]
    );
    assert_eq!(
        balances(d, 5),
        ["A 6833.33 0 15000", "B 7500 0 7500", "S 0 0 0"]
    );
    add_up(d, 5);
    // deals.csv after the cancellation. services and overlay: each deal's
    // P is its rounded commission (per deal), or the period's line shared by
    // credit (overlay: one deal a month here, so the whole line).
    let paid_each_month = [
        "SV-A1,A,services,2026-03-25,33333.45,3333.35,0,0",
        "SV-A2,A,services,2026-05-19,40000,4000.00,0,0",
        "SV-B1,B,services,2026-05-12,80000,5000.00,0,0",
        "SPLIT-1,S,overlay,2026-04-20,500000,10000.00,0,0",
        "SV-B1,S,overlay,2026-05-12,80000,1600.00,0,0",
    ];
    assert_eq!(
        deals(d, 5, &["services", "overlay"]),
        want(&paid_each_month)
    );
    // new_business rows (ambiguities 2 and 3): May defers C, so the rows
    // share what the year has paid (docs/policy.md: never money not yet
    // paid), by credit. A paid 15,000 in March: L-A1 15,000 × 100/450 =
    // 3,333.33 (rem 0.33 ¢), L-A3 × 50/450 = 1,666.66 (rem 0.67 ¢), SPLIT-1
    // × 300/450 = 10,000 (amount: the deal's whole 500,000); floors 14,999.99,
    // the cent to L-A3 → 1,666.67; L-A2 amount 0 → 0. B paid 7,500 in
    // March: B-L1 × 60/350 = 1,285.71 (rem 0.43 ¢), B-L2 × 90/350 =
    // 1,928.57 (rem 0.14 ¢), SPLIT-1 × 200/350 = 4,285.71 (rem 0.43 ¢, equal
    // to B-L1's); the cent to the smaller id, B-L1 → 1,285.72.
    assert_eq!(
        deals(d, 5, &["new_business"]),
        want(&[
            "L-A1,A,new_business,2026-01-15,100000,3333.33,0,0",
            "L-A2,A,new_business,2026-02-10,0,0,0,0",
            "L-A3,A,new_business,2026-03-05,50000,1666.67,0,0",
            "SPLIT-1,A,new_business,2026-04-20,500000,10000,0,0",
            "B-L1,B,new_business,2026-01-22,60000,1285.72,0,0",
            "B-L2,B,new_business,2026-03-18,90000,1928.57,0,0",
            "SPLIT-1,B,new_business,2026-04-20,500000,4285.71,0,0",
        ])
    );

    // ── 2026-06 (Q2's end).
    // A: L-A4 850,000: YTD 100,000 + 0 + 50,000 + 300,000 + 850,000 =
    //    1,300,000 = 108.33 % of 1,200,000, past the first accelerator: C =
    //    1,200,000 × 5 % + 100,000 × 8 % = 60,000 + 8,000 = 68,000.00; line
    //    68,000 − P 15,000 = 53,000.00. Without the cancellation YTD would
    //    be 1,450,000 → 60,000 + 250,000 × 8 % = 80,000: the true-up is
    //    150,000 × 8 % = 12,000 smaller (a clawback at the year-to-date
    //    rate). E = 53,000 ≥ D; G = 53,000; R = min(6,833.33, 48,000,
    //    26,500) = 6,833.33: pays 46,166.67, owes 0. paid_ytd 68,000.
    // B: B-L3 110,000: YTD 460,000 → C = 23,000.00; line 23,000 − 7,500 =
    //    15,500.00; G = 15,500; R = min(7,500, 11,500, 7,750) = 7,500.00:
    //    pays 8,000.00, owes 0. paid_ytd 23,000.
    // S: visits 14 → 0.7 → 70.00, band C: 700.00.
    ok(run(d, 6));
    assert_eq!(
        pay(d, 6),
        [
            "A account_exec 100.00 B 0.00 53000.00 0.00 0.00 6833.33 0.00 46166.67",
            "B account_exec 100.00 B 0.00 15500.00 0.00 0.00 7500.00 0.00 8000.00",
            "S sales_engineer 70.00 C 700.00 0.00 0.00 0.00 0.00 0.00 700.00",
        ]
    );
    assert_eq!(balances(d, 6), ["A 0 0 68000", "B 0 0 23000", "S 0 0 0"]);
    add_up(d, 6);
    assert_eq!(
        deals(d, 6, &["services", "overlay"]),
        want(&paid_each_month)
    );
    // new_business rows: A's C 68,000 shared by credit over 1,300,000 (×
    // 68,000 ÷ 1,300,000 = ÷ 13 per 250,000 … exactly):
    //   L-A1 100,000 → 68,000/13 = 5,230.769… → 5,230.76 (.923 ¢ left)
    //   L-A3  50,000 → 34,000/13 = 2,615.384… → 2,615.38 (.462 ¢)
    //   SPLIT-1 300,000 → 204,000/13 = 15,692.307… → 15,692.30 (.769 ¢)
    //   L-A4 850,000 → 578,000/13 = 44,461.538… → 44,461.53 (.846 ¢)
    //   L-A2 0 → 0.
    //   Floors 67,999.97: three cents to the largest remainders, L-A1, L-A4,
    //   SPLIT-1 → 5,230.77 + 2,615.38 + 15,692.31 + 44,461.54 = 68,000.00.
    // B's C 23,000 over 460,000 = exactly 5 % of each credit: 3,000,
    //   4,500, 10,000, 5,500.
    let june_ytd = [
        "L-A1,A,new_business,2026-01-15,100000,5230.77,0,0",
        "L-A2,A,new_business,2026-02-10,0,0,0,0",
        "L-A3,A,new_business,2026-03-05,50000,2615.38,0,0",
        "SPLIT-1,A,new_business,2026-04-20,500000,15692.31,0,0",
        "L-A4,A,new_business,2026-06-12,850000,44461.54,0,0",
        "B-L1,B,new_business,2026-01-22,60000,3000,0,0",
        "B-L2,B,new_business,2026-03-18,90000,4500,0,0",
        "SPLIT-1,B,new_business,2026-04-20,500000,10000,0,0",
        "B-L3,B,new_business,2026-06-09,110000,5500,0,0",
    ];
    assert_eq!(deals(d, 6, &["new_business"]), want(&june_ytd));

    // ── 2026-07 (deferred). A is now a senior_account_exec: quota
    // 1,500,000, draw 6,000. SV-B1 is refunded 20,000 on 07-14: it is not
    // credited in July (services and overlay are not year to date), so it
    // is clawed back from June's ledger at the rate originally paid.
    // A: YTD 1,300,000 is now 86.67 % of the new quota (deferred; C =
    //    1,300,000 × 5 % = 65,000, ambiguity 1). E = 0 → T = 6,000; pays
    //    6,000.00, owes 6,000.00.
    // B: clawback round(5,000.00 × 20,000 ÷ 80,000) = 1,250.00 (6.25 %,
    //    the capped deal's rate, not 10 %). E = −1,250 → T = 4,000 + 1,250
    //    = 5,250, G = −1,250 + 5,250 = 4,000; O = 0 → R = 0: pays
    //    4,000.00, owes 5,250.00.
    // S: clawback round(1,600.00 × 20,000 ÷ 80,000) = 400.00 from S's own
    //    overlay row; E = −400, no draw: G = 1,000 − 400 = 600 ≥ 0: pays
    //    600.00.
    ok(run(d, 7));
    assert_eq!(
        pay(d, 7),
        [
            "A senior_account_exec 100.00 B 0.00 0.00 0.00 6000.00 0.00 0.00 6000.00",
            "B account_exec 100.00 B 0.00 0.00 -1250.00 5250.00 0.00 0.00 4000.00",
            "S sales_engineer 100.00 B 1000.00 0.00 -400.00 0.00 0.00 0.00 600.00",
        ]
    );
    assert_eq!(
        balances(d, 7),
        ["A 6000 0 68000", "B 5250 0 23000", "S 0 0 0"]
    );
    add_up(d, 7);
    assert_eq!(
        deals(d, 7, &["services", "overlay"]),
        want(&[
            "SV-A1,A,services,2026-03-25,33333.45,3333.35,0,0",
            "SV-A2,A,services,2026-05-19,40000,4000.00,0,0",
            "SV-B1,B,services,2026-05-12,80000,5000.00,20000,1250.00",
            "SPLIT-1,S,overlay,2026-04-20,500000,10000.00,0,0",
            "SV-B1,S,overlay,2026-05-12,80000,1600.00,20000,400.00",
        ])
    );
    // new_business (ambiguities 1 and 2): July defers C (65,000 against the
    // new quota), so the rows share what the year has paid, June's 68,000
    // for A and 23,000 for B: June's rows again.
    assert_eq!(
        deals(d, 7, &["new_business"]),
        want(&[
            "L-A1,A,new_business,2026-01-15,100000,5230.77,0,0",
            "L-A2,A,new_business,2026-02-10,0,0,0,0",
            "L-A3,A,new_business,2026-03-05,50000,2615.38,0,0",
            "SPLIT-1,A,new_business,2026-04-20,500000,15692.31,0,0",
            "L-A4,A,new_business,2026-06-12,850000,44461.54,0,0",
            "B-L1,B,new_business,2026-01-22,60000,3000,0,0",
            "B-L2,B,new_business,2026-03-18,90000,4500,0,0",
            "SPLIT-1,B,new_business,2026-04-20,500000,10000,0,0",
            "B-L3,B,new_business,2026-06-09,110000,5500,0,0",
        ])
    );
    for (who, deal, effect) in [("B", "SV-B1", "1250.00"), ("S", "SV-B1", "400.00")] {
        let rows = exception_lines(d, 7, who, "clawback");
        assert_eq!(rows.len(), 1, "{}", exceptions(d, 7));
        assert!(
            rows[0].contains(&format!("'{deal}'"))
                && rows[0].ends_with(&format!(",{effect} clawed back")),
            "{rows:?}"
        );
    }

    // ── 2026-08 (deferred). A: L-A5 600,000 (YTD 1,900,000), deferred; T =
    // 6,000, R = min(6,000, 0, 3,000) = 0: owes 12,000.00. B: T = 4,000,
    // R = 0: owes 9,250.00.
    ok(run(d, 8));
    assert_eq!(
        pay(d, 8),
        [
            "A senior_account_exec 100.00 B 0.00 0.00 0.00 6000.00 0.00 0.00 6000.00",
            "B account_exec 100.00 B 0.00 0.00 0.00 4000.00 0.00 0.00 4000.00",
            "S sales_engineer 100.00 B 1000.00 0.00 0.00 0.00 0.00 0.00 1000.00",
        ]
    );
    assert_eq!(
        balances(d, 8),
        ["A 12000 0 68000", "B 9250 0 23000", "S 0 0 0"]
    );
    add_up(d, 8);

    // ── 2026-09 (Q3's end).
    // A: L-A6 400,000: YTD 2,300,000 = 153.33 % of 1,500,000, past the
    //    second accelerator: C = 1,500,000 × 5 % + 750,000 × 8 % + 50,000 ×
    //    12 % = 75,000 + 60,000 + 6,000 = 141,000.00; line 141,000 − 68,000
    //    = 73,000.00 (against the old quota it would have been 60,000 +
    //    48,000 + 500,000 × 12 % = 168,000 − 68,000 = 100,000: the
    //    promotion's larger quota costs A 27,000). G = 73,000; R = min(
    //    12,000, 67,000, 36,500) = 12,000.00: pays 61,000.00, owes 0.
    //    paid_ytd 141,000.
    // B: B-L4 140,000: YTD 600,000 → C = 30,000.00; line 7,000.00 = E ≥ D;
    //    R = min(9,250, 3,000, 3,500) = 3,000.00: pays 4,000.00, owes
    //    6,250.00. paid_ytd 30,000.
    // S: visits 33 → 1.65, above stretch → 120.00, band A: 1,000 × 120 ÷
    //    100 = 1,200.00 = the cap 1.2 × 1,000 (not above it).
    ok(run(d, 9));
    assert_eq!(
        pay(d, 9),
        [
            "A senior_account_exec 100.00 B 0.00 73000.00 0.00 0.00 12000.00 0.00 61000.00",
            "B account_exec 100.00 B 0.00 7000.00 0.00 0.00 3000.00 0.00 4000.00",
            "S sales_engineer 120.00 A 1200.00 0.00 0.00 0.00 0.00 0.00 1200.00",
        ]
    );
    assert_eq!(
        balances(d, 9),
        ["A 0 0 141000", "B 6250 0 30000", "S 0 0 0"]
    );
    add_up(d, 9);

    // ── 2026-10 (deferred). B leaves on 10-15, before the quarter's last
    // run: B-L5 (100,000, 10-08) raises B's YTD to 700,000 (C 35,000) but
    // is deferred and never paid. The draw is not prorated: T = 4,000, R =
    // min(6,250, 0, 2,000) = 0: pays 4,000.00, owes 10,250.00.
    // A: T = 6,000: owes 6,000.00.
    ok(run(d, 10));
    // B is employed 15 of October's 31 days: a `prorated` exception (bonus
    // 0.00 either way).
    assert_eq!(
        exception_lines(d, 10, "B", "prorated").len(),
        1,
        "{}",
        exceptions(d, 10)
    );
    assert_eq!(
        pay(d, 10),
        [
            "A senior_account_exec 100.00 B 0.00 0.00 0.00 6000.00 0.00 0.00 6000.00",
            "B account_exec 100.00 B 0.00 0.00 0.00 4000.00 0.00 0.00 4000.00",
            "S sales_engineer 100.00 B 1000.00 0.00 0.00 0.00 0.00 0.00 1000.00",
        ]
    );
    assert_eq!(
        balances(d, 10),
        ["A 6000 0 141000", "B 10250 0 30000", "S 0 0 0"]
    );
    add_up(d, 10);

    // ── 2026-11 (deferred). B is employed on no day: no payouts row, a
    // not_in_period exception, and balances.csv keeps B's row (owes
    // 10,250.00, paid_ytd 30,000). A: T = 6,000, R = min(6,000, 0, 3,000)
    // = 0: owes 12,000.00.
    ok(run(d, 11));
    assert_eq!(
        pay(d, 11),
        [
            "A senior_account_exec 100.00 B 0.00 0.00 0.00 6000.00 0.00 0.00 6000.00",
            "S sales_engineer 100.00 B 1000.00 0.00 0.00 0.00 0.00 0.00 1000.00",
        ]
    );
    assert_eq!(
        balances(d, 11),
        ["A 12000 0 141000", "B 10250 0 30000", "S 0 0 0"]
    );
    assert_eq!(
        exception_lines(d, 11, "B", "not_in_period").len(),
        1,
        "{}",
        exceptions(d, 11)
    );
    add_up(d, 11);

    // ── 2026-12 (Q4's end and the plan year's end).
    // A: L-A7 150,000: YTD 2,450,000, all of it above 150 %: C = 141,000 +
    //    150,000 × 12 % = 159,000.00; line 18,000.00 = E ≥ D 6,000; G =
    //    18,000; R = min(12,000, 12,000, 9,000) = 9,000.00 (the 50 %
    //    limit): pays 9,000.00; owes 12,000 − 9,000 = 3,000.00, forgiven at
    //    the year end (owed 0.00, forgiven 3,000.00). paid_ytd 159,000.
    // B (not in the run): owed 10,250.00 forgiven (ambiguity 4).
    // S: visits 8 → 0.4, below the threshold → 0.00, band C, bonus 0.00.
    ok(run(d, 12));
    assert_eq!(
        pay(d, 12),
        [
            "A senior_account_exec 100.00 B 0.00 18000.00 0.00 0.00 9000.00 0.00 9000.00",
            "S sales_engineer 0.00 C 0.00 0.00 0.00 0.00 0.00 0.00 0.00",
        ]
    );
    assert_eq!(
        balances(d, 12),
        ["A 0 3000 159000", "B 0 10250 30000", "S 0 0 0"]
    );
    add_up(d, 12);

    // The year, Σ total_payout (the table at the top).
    assert_eq!(
        year.iter()
            .map(|(id, c)| format!("{id} {}.{:02}", c / 100, c % 100))
            .collect::<Vec<_>>(),
        ["A 169333.35", "B 44000.00", "S 22200.00"]
    );
    for m in 1..=12 {
        assert_eq!(
            exceptions(d, m)
                .lines()
                .filter(|l| l.contains(",refund_not_recovered,"))
                .count(),
            0,
            "{}: {}",
            period(m),
            exceptions(d, m)
        );
    }
    // The chain replays from the last run's folder.
    let o = merit(&["replay", d.join(period(12)).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

/// The example's own single-period cases (policies/sales-commission/tests),
/// hand-worked from the docs, pass.
#[test]
fn the_example_plan_passes_its_own_cases() {
    let p = common::root().join("policies/sales-commission");
    let o = merit(&["test", "--policy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("7 passed; 0 failed"), "{}", stdout(&o));
}
