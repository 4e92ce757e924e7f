//! Refunds and clawbacks at the edges a review found (docs/policy.md,
//! Refunds and clawbacks): a year-to-date deal refunded after a credited
//! employee left, a refund entered late, a refund too small to move a
//! cent, a deal id used again for another deal, and refunds in a plan with
//! a year-to-date commission but no `clawback`. Hand-worked below.
//!
//! The plan is tests/plans/clawback with `services` made year to date:
//! `licences` 10 % to 50,000 and 6 % above, per deal; `services` 5 % to
//! 10,000 and 8 % above on the year to date.

mod common;
use common::{merit, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Output;

fn plan(dir: &Path, clawback: bool) -> PathBuf {
    let p = dir.join("policy");
    common::copy_dir(&common::root().join("tests/plans/clawback"), &p);
    let yaml = p.join("policy.yaml");
    common::edit(
        &yaml,
        "    per: period\n",
        "    per: period\n    ytd: true\n",
    );
    if !clawback {
        common::edit(&yaml, "clawback: { months: 12 }", "");
    }
    p
}

/// A data folder: A and B (B left on 2026-02-15), the deals and refunds given.
fn data(dir: &Path, name: &str, deals: &str, refunds: &str) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let people = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,termination_date\n\
                  A,A,sales,rep,120000,0,2020-01-01,\n\
                  B,B,sales,rep,120000,0,2020-01-01,2026-02-15\n";
    std::fs::write(d.join("employees.csv"), people).unwrap();
    let metrics: String = (1..=4)
        .flat_map(|m| ["A", "B"].map(|e| format!("{e},2026-{m:02},calls,100\n")))
        .collect();
    std::fs::write(
        d.join("metrics.csv"),
        format!("subject_id,month,metric,value\n{metrics}"),
    )
    .unwrap();
    let head = "deal_id,employee_id,date,amount,share,credit,product\n";
    std::fs::write(d.join("transactions.csv"), format!("{head}{deals}")).unwrap();
    std::fs::write(
        d.join("refunds.csv"),
        format!("deal_id,date,amount\n{refunds}"),
    )
    .unwrap();
    d
}

const DEALS: &str = "D1,A,2026-01-10,60000,,,licence\n\
                     S1,A,2026-01-12,20000,50,,service\n\
                     S1,B,2026-01-12,20000,50,,service\n";

fn run(policy: &Path, data: &Path, month: u32, out: &Path, after: Option<&Path>) -> Output {
    let period = format!("2026-{month:02}");
    let after = after.map(|a| a.to_str().unwrap().to_owned());
    let extra: Vec<&str> = match &after {
        Some(a) => vec!["--after", a],
        None => Vec::new(),
    };
    common::run_with(policy, data, &period, out, &extra, &[])
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(o), stderr(o));
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

fn has(text: &str, line: &str) {
    assert!(
        text.lines().any(|l| l.contains(line)),
        "missing {line:?} in\n{text}"
    );
}

#[test]
fn a_leaver_a_late_refund_and_a_refund_below_a_cent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = plan(d, true);
    // January: D1 pays A 5,000 + 10,000 × 6 % = 5,600.00; S1's services
    // credit 10,000 each → 5 % = 500.00 each (year to date).
    let jan = data(d, "data-1", DEALS, "");
    ok(&run(&p, &jan, 1, &d.join("01"), None));
    // February: nothing new; the data of February does not have the refund
    // of D1 dated 02-20 yet.
    ok(&run(&p, &jan, 2, &d.join("02"), Some(&d.join("01"))));
    // March: B has left (not in the run). S1 refunded 10,000 (03-05); D1's
    // refund of 15,000 dated 02-20 is entered now (late).
    // A: S1 counts (20,000 − 10,000) × 50 % = 5,000 → 250.00 − 500.00 paid
    //    = −250.00 (services); D1 late refund: round(5,600 × 15,000 ÷
    //    60,000) = 1,400.00 clawed back. E = −250 − 1,400 = −1,650: nothing
    //    paid, 1,650.00 carried and owed.
    // B: not in the run; the ledger row (S1, B, services, paid 500 on
    //    20,000) recovers round(500 × 10,000 ÷ 20,000) = 250.00, owed.
    let mar = data(
        d,
        "data-3",
        DEALS,
        "D1,2026-02-20,15000\nS1,2026-03-05,10000\n",
    );
    ok(&run(&p, &mar, 3, &d.join("03"), Some(&d.join("02"))));
    let pay = read(&d.join("03"), "payouts.csv");
    has(
        &pay,
        "A,A,sales,rep,2026-03,100.00,A,0.00,0.00,-250.00,-1400.00,0.00,0.00,1650.00,0.00,",
    );
    assert!(!pay.contains("\nB,"), "{pay}");
    let bal = read(&d.join("03"), "balances.csv");
    has(&bal, "A,2026-01-01,1650.00,0.00,250.00");
    has(&bal, "B,2026-01-01,250.00,0.00,500.00");
    let deals = read(&d.join("03"), "deals.csv");
    has(
        &deals,
        "D1,A,licences,2026-01-10,60000,5600.00,15000,1400.00,2026-03-31",
    );
    has(
        &deals,
        "S1,A,services,2026-01-12,10000,250.00,0,0.00,2026-03-31",
    );
    has(
        &deals,
        "S1,B,services,2026-01-12,20000,500.00,10000,250.00,2026-03-31",
    );
    // The trace (and explain) name the refund a `per: period` line netted.
    let o = merit(&[
        "explain",
        "--run",
        d.join("03").to_str().unwrap(),
        "--employee",
        "A",
    ]);
    assert!(
        stdout(&o).contains("credited net of refunds: S1 −10000"),
        "{}",
        stdout(&o)
    );
    let exc = read(&d.join("03"), "exceptions.csv");
    has(&exc, "A,clawback,deal 'D1' refunded 15000.00 (of 60000.00); it paid 5600.00 through 'licences',1400.00 clawed back");
    has(&exc, "B,clawback,refunds of deals they were paid for; not in this run,250.00 added to what they owe");
    // April: a refund of 0.01 moves nothing: round(5,600 × 15,000.01 ÷
    // 60,000) = 1,400.00 − 1,400.00 = 0: no clawback line, no "-0.00".
    // A: owes 1,650, earns nothing: pays 0.00.
    let apr = data(
        d,
        "data-4",
        DEALS,
        "D1,2026-02-20,15000\nS1,2026-03-05,10000\nD1,2026-04-02,0.01\n",
    );
    ok(&run(&p, &apr, 4, &d.join("04"), Some(&d.join("03"))));
    let pay = read(&d.join("04"), "payouts.csv");
    has(
        &pay,
        "A,A,sales,rep,2026-04,100.00,A,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,",
    );
    has(
        &read(&d.join("04"), "deals.csv"),
        "D1,A,licences,2026-01-10,60000,5600.00,15000.01,1400.00,2026-04-30",
    );
    assert!(!read(&d.join("04"), "exceptions.csv").contains("clawback"));
    // The same deal id again for another deal stops the run.
    let again = data(
        d,
        "data-4b",
        &DEALS.replace("D1,A,2026-01-10,60000", "D1,A,2026-04-03,10000"),
        "",
    );
    let o = run(&p, &again, 4, &d.join("04b"), Some(&d.join("03")));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("deal 'D1' is dated 2026-04-03 here, but an earlier run of the chain paid deal 'D1' dated 2026-01-10"), "{}", stderr(&o));
}

/// Without `clawback`, a refund of a deal no commission of the run credits
/// stops the run, even when another commission is year to date.
#[test]
fn without_clawback_a_refund_of_an_earlier_deal_stops_a_year_to_date_plan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = plan(d, false);
    let jan = data(d, "data-1", DEALS, "");
    ok(&run(&p, &jan, 1, &d.join("01"), None));
    let feb = data(d, "data-2", DEALS, "D1,2026-02-05,30000\n");
    let o = run(&p, &feb, 2, &d.join("02"), Some(&d.join("01")));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("a refund of deal 'D1' is dated in 2026-02, but no commission of the run credits the deal"), "{}", stderr(&o));
    // S1 is a deal of the year the year-to-date services commission still
    // credits: its refund lowers the credit and the run goes on.
    let feb = data(d, "data-2b", DEALS, "S1,2026-02-05,10000\n");
    ok(&run(&p, &feb, 2, &d.join("02b"), Some(&d.join("01"))));
}
