//! Issue 14: a pay run finance can sign — verified re-runs, the run ledger,
//! approvals and exports, end to end over temp folders with the real binary.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&example_policy(), &dir.path().join("policy"));
        copy_dir(&example_data(), &dir.path().join("data"));
        Setup { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }
    fn run(&self, out: &str, extra: &[&str]) -> Output {
        run_with(
            &self.path("policy"),
            &self.path("data"),
            "2026-Q3",
            &self.path(out),
            extra,
            &[],
        )
    }
    fn ok(&self, out: &str, extra: &[&str]) {
        let o = self.run(out, extra);
        assert!(o.status.success(), "{}", stderr(&o));
    }
}

/// `merit ARGS` that must finish within `secs` seconds.
fn merit_within(args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_merit"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            panic!("merit {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(st.success());
}

#[test]
fn a_tampered_previous_run_is_refused_naming_the_file() {
    let s = Setup::new();
    s.ok("paid", &[]);
    // A paid amount edited after the run: the re-run would pay it again.
    let payouts = s.path("paid").join("payouts.csv");
    let text = std::fs::read_to_string(&payouts).unwrap();
    let row = text.lines().find(|l| l.starts_with("E001,")).unwrap();
    let mut fields: Vec<&str> = row.split(',').collect();
    fields[9] = "1.00"; // total_payout
    std::fs::write(&payouts, text.replace(row, &fields.join(","))).unwrap();
    let o = s.run("rerun", &["--previous", &s.s("paid")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("payouts.csv: error: modified after the run"),
        "{err}"
    );
    assert!(err.contains("--previous needs an intact run"), "{err}");
    assert!(!s.path("rerun").exists());
}

#[test]
fn an_incomplete_previous_run_or_a_fifo_is_refused_without_hanging() {
    let s = Setup::new();
    s.ok("paid", &[]);
    std::fs::remove_file(s.path("paid").join("report.html")).unwrap();
    let o = s.run("rerun", &["--previous", &s.s("paid")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("report.html: error: missing from the run folder"),
        "{}",
        stderr(&o)
    );
    // A FIFO where the run or its manifest should be: refused at once.
    mkfifo(&s.path("fifo"));
    std::fs::create_dir(s.path("fifo-run")).unwrap();
    mkfifo(&s.path("fifo-run").join("manifest.json"));
    for prev in ["fifo", "fifo-run"] {
        let args = [
            "run",
            "--policy",
            &s.s("policy"),
            "--data",
            &s.s("data"),
            "--period",
            "2026-Q3",
            "--out",
            &s.s("never"),
            "--previous",
            &s.s(prev),
        ];
        let o = merit_within(&args, 30);
        assert_eq!(o.status.code(), Some(2), "{prev}: {}", stderr(&o));
        assert!(!s.path("never").exists());
    }
}

#[test]
fn replay_checks_the_archived_paid_run_against_its_own_manifest() {
    let s = Setup::new();
    s.ok("paid", &[]);
    s.ok("rerun", &["--previous", &s.s("paid")]);
    // Change the archived paid payouts and re-hash them in the re-run's
    // manifest: the re-run's own hashes agree, the paid run's do not.
    let archived = s.path("rerun").join("archive/previous/payouts.csv");
    let text = std::fs::read_to_string(&archived).unwrap();
    let edited = text.replacen("E001,", "E001 ,", 1);
    let manifest = s.path("rerun").join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    let m = m.replace(&sha256_hex(text.as_bytes()), &sha256_hex(edited.as_bytes()));
    std::fs::write(&archived, &edited).unwrap();
    std::fs::write(&manifest, m).unwrap();
    let o = merit(&["replay", &s.s("rerun")]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("does not match the earlier run's own manifest"),
        "{}",
        stdout(&o)
    );
    let o = s.run("rerun2", &["--previous", &s.s("rerun")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("archive/previous/payouts.csv"),
        "{}",
        stderr(&o)
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    let o = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(bytes)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(o.stdout).unwrap()[..64].to_owned()
}

/// Σ of a CSV column (money), as a decimal.
fn column_sum(text: &str, col: &str) -> rust_decimal::Decimal {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = head.iter().position(|h| *h == col).unwrap();
    lines
        .map(|l| {
            l.split(',')
                .nth(i)
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum()
}

fn approvals_setup() -> Setup {
    let s = Setup::new();
    let yaml = s.path("policy").join("policy.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, text + "approvals: [hr, finance]\n").unwrap();
    s
}

fn approve(s: &Setup, run: &str, role: &str, by: &str) -> Output {
    merit(&["approve", &s.s(run), "--as", role, "--by", by])
}

#[test]
fn an_unapproved_run_cannot_be_exported_and_a_paid_period_not_paid_fresh() {
    let s = approvals_setup();
    s.ok("paid", &["--by", "alice"]);
    let export = |run: &str, to: &str, file: &str| {
        merit(&[
            "export",
            &s.s(run),
            "--to",
            to,
            "--out",
            &s.s(file),
            "--by",
            "carol",
        ])
    };
    let o = export("paid", "payroll", "pay.csv");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("lacks the approval of: hr, finance"),
        "{}",
        stderr(&o)
    );
    assert!(!s.path("pay.csv").exists());
    assert!(approve(&s, "paid", "hr", "Ann").status.success());
    let o = approve(&s, "paid", "hr", "Ann");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("already approved as hr by Ann"),
        "{}",
        stderr(&o)
    );
    let o = approve(&s, "paid", "ceo", "Zed");
    assert!(
        stderr(&o).contains("'ceo' is not an approval role of the plan (roles: hr, finance)"),
        "{}",
        stderr(&o)
    );
    let o = approve(&s, "paid", "finance", "Bob");
    assert!(
        stdout(&o).contains("every approval is in"),
        "{}",
        stdout(&o)
    );

    // Payroll: every amount of payouts.csv, by pay code; totals agree.
    let o = export("paid", "payroll", "pay.csv");
    assert!(o.status.success(), "{}", stderr(&o));
    let pay = std::fs::read_to_string(s.path("pay.csv")).unwrap();
    let payouts = std::fs::read_to_string(s.path("paid").join("payouts.csv")).unwrap();
    assert!(
        pay.starts_with("employee_id,pay_code,amount,currency,pay_period,cost_centre\n"),
        "{pay}"
    );
    assert_eq!(
        column_sum(&pay, "amount"),
        column_sum(&payouts, "total_payout")
    );
    assert!(pay.lines().any(|l| l.contains(",PROJECT,")), "{pay}");
    // Journal: debits = credits = the run's total, CSV and XLSX.
    assert!(export("paid", "journal", "gl.csv").status.success());
    let gl = std::fs::read_to_string(s.path("gl.csv")).unwrap();
    assert_eq!(column_sum(&gl, "debit"), column_sum(&gl, "credit"));
    assert_eq!(
        column_sum(&gl, "debit"),
        column_sum(&payouts, "total_payout")
    );
    let o = export("paid", "journal", "gl2.xlsx");
    assert_eq!(
        o.status.code(),
        Some(2),
        "a second journal export of one run is refused"
    );
    let o = export("paid", "payroll", "pay2.xlsx");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("already exported to payroll"),
        "{}",
        stderr(&o)
    );

    // The period is paid: a fresh run of it is refused, a re-run allowed.
    let o = s.run("fresh", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("was already paid by the run"),
        "{}",
        stderr(&o)
    );
    assert!(!s.path("fresh").exists());
    let status = merit(&["status", &s.s("paid")]);
    assert!(
        stdout(&status).contains("state      paid (exported to payroll)"),
        "{}",
        stdout(&status)
    );
}

#[test]
fn a_rerun_exports_only_what_is_due_now() {
    let s = approvals_setup();
    s.ok("paid", &[]);
    for role in ["hr", "finance"] {
        assert!(approve(&s, "paid", role, "Ann").status.success());
    }
    let pay = |run: &str, file: &str| {
        merit(&["export", &s.s(run), "--to", "payroll", "--out", &s.s(file)])
    };
    assert!(pay("paid", "pay.csv").status.success());
    edit(
        &s.path("data").join("metrics.csv"),
        "E001,2026-08,gmv,325699.56",
        "E001,2026-08,gmv,395699.56",
    );
    s.ok("rerun", &["--previous", &s.s("paid")]);
    let o = pay("rerun", "adj.xlsx");
    assert_eq!(
        o.status.code(),
        Some(2),
        "the re-run needs its own approvals"
    );
    for role in ["hr", "finance"] {
        assert!(approve(&s, "rerun", role, "Ann").status.success());
    }
    assert!(pay("rerun", "adj.csv").status.success());
    let adj = std::fs::read_to_string(s.path("adj.csv")).unwrap();
    let due = std::fs::read_to_string(s.path("rerun").join("adjustments.csv")).unwrap();
    assert_eq!(column_sum(&adj, "amount"), column_sum(&due, "paid_now"));
    assert!(column_sum(&adj, "amount") > rust_decimal::Decimal::ZERO);
    assert!(
        adj.lines().skip(1).all(|l| l.contains(",ADJUSTMENT,")),
        "{adj}"
    );
    let o = merit(&[
        "export",
        &s.s("rerun"),
        "--to",
        "journal",
        "--out",
        &s.s("gl.xlsx"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(s.path("gl.xlsx")).unwrap().starts_with(b"PK"));
    // A second re-run of the first paid run, not of the latest, cannot pay.
    let o = s.run("fork", &["--previous", &s.s("paid")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("was last paid by the run"),
        "{}",
        stderr(&o)
    );
    let list = merit(&["ledger", "--ledger", &s.s("merit-ledger.sqlite")]);
    assert!(stdout(&list).contains("2026-Q3"), "{}", stdout(&list));
    assert!(stdout(&list).contains(" paid "), "{}", stdout(&list));
}

#[test]
fn approving_a_modified_run_is_refused() {
    let s = approvals_setup();
    s.ok("paid", &[]);
    // Edited output: the integrity check names it.
    let payouts = s.path("paid").join("payouts.csv");
    let text = std::fs::read_to_string(&payouts).unwrap();
    let edited = text.replacen("E001,", "E001 ,", 1);
    std::fs::write(&payouts, &edited).unwrap();
    let o = approve(&s, "paid", "hr", "Ann");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("payouts.csv: error: modified after the run"),
        "{}",
        stderr(&o)
    );
    // Edited and re-hashed in the manifest: intact, but not the recorded run.
    let manifest = s.path("paid").join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        m.replace(&sha256_hex(text.as_bytes()), &sha256_hex(edited.as_bytes())),
    )
    .unwrap();
    let o = approve(&s, "paid", "hr", "Ann");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not in the ledger"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_ledger_is_append_only_and_verifiable() {
    let s = approvals_setup();
    s.ok("paid", &["--by", "alice"]);
    assert!(approve(&s, "paid", "hr", "Ann").status.success());
    let path = s.path("merit-ledger.sqlite");
    let o = merit(&[
        "ledger",
        "--verify",
        "--ledger",
        &s.s("merit-ledger.sqlite"),
    ]);
    assert!(
        stdout(&o).contains("2 rows, the hash chain is intact"),
        "{}",
        stdout(&o)
    );
    let db = rusqlite::Connection::open(&path).unwrap();
    let upd = db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 1", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    assert!(db.execute("DELETE FROM events", []).is_err());
    // Someone with the file drops the trigger and edits a row: detected.
    db.execute_batch(
        "DROP TRIGGER events_no_update; UPDATE events SET actor = 'mallory' WHERE seq = 1;",
    )
    .unwrap();
    drop(db);
    let o = merit(&[
        "ledger",
        "--verify",
        "--ledger",
        &s.s("merit-ledger.sqlite"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("row 1 (run of"), "{}", stdout(&o));
}

#[test]
fn a_plan_pins_its_ledger_so_another_folder_cannot_pay_twice() {
    let s = Setup::new();
    let yaml = s.path("policy").join("policy.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, text + "ledger: ../books/merit-ledger.sqlite\n").unwrap();
    s.ok("a/q3", &[]);
    assert!(s.path("books/merit-ledger.sqlite").is_file());
    assert!(!s.path("a/merit-ledger.sqlite").exists());
    // export finds the ledger the run was recorded in, from its manifest.
    let o = merit(&[
        "export",
        &s.s("a/q3"),
        "--to",
        "payroll",
        "--out",
        &s.s("pay.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = s.run("b/q3", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("was already paid by the run"),
        "{}",
        stderr(&o)
    );
    let status = merit(&["status", &s.s("a/q3")]);
    assert!(
        stdout(&status).contains("paid (exported to payroll)"),
        "{}",
        stdout(&status)
    );
    // Another ledger cannot be named to get around the pinned one.
    let o = s.run("c/q3", &["--ledger", &s.s("other.sqlite")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the plan pins its ledger"),
        "{}",
        stderr(&o)
    );
    assert!(!s.path("other.sqlite").exists() && !s.path("c/q3").exists());
}

#[test]
fn force_never_replaces_an_approved_or_exported_run() {
    let s = approvals_setup();
    s.ok("q3", &[]);
    assert!(approve(&s, "q3", "hr", "Ann").status.success());
    let before = std::fs::read(s.path("q3").join("manifest.json")).unwrap();
    let o = s.run("q3", &["--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("holds a run approved by Ann"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(s.path("q3").join("manifest.json")).unwrap(),
        before
    );
    // An unsigned run may still be replaced.
    s.ok("draft", &[]);
    s.ok("draft", &["--force"]);
}

#[test]
fn two_exports_at_once_cannot_both_pay_the_period() {
    let s = Setup::new();
    s.ok("a/q3", &[]);
    s.ok("a/q3-again", &[]);
    // Another writer holds the ledger while both exports check it.
    let ledger = rusqlite::Connection::open(s.path("a/merit-ledger.sqlite")).unwrap();
    ledger.execute_batch("BEGIN IMMEDIATE").unwrap();
    let spawn = |run: &str, file: &str| {
        Command::new(env!("CARGO_BIN_EXE_merit"))
            .args(["export", &s.s(run), "--to", "payroll", "--out", &s.s(file)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a/q3", "a.csv"), spawn("a/q3-again", "b.csv"));
    std::thread::sleep(Duration::from_millis(1500));
    ledger.execute_batch("COMMIT").unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let paid = [&a, &b].iter().filter(|o| o.status.success()).count();
    assert_eq!(paid, 1, "{}\n{}", stderr(&a), stderr(&b));
    let files = ["a.csv", "b.csv"]
        .iter()
        .filter(|f| s.path(f).exists())
        .count();
    assert_eq!(files, 1, "the refused export leaves no file");
}

#[test]
fn a_rerun_of_a_run_never_paid_cannot_pay_only_the_difference() {
    let s = Setup::new();
    s.ok("q3", &[]);
    edit(
        &s.path("data").join("metrics.csv"),
        "E001,2026-08,gmv,325699.56",
        "E001,2026-08,gmv,395699.56",
    );
    s.ok("q3-fix", &["--previous", &s.s("q3")]);
    let pay = |run: &str, file: &str| {
        merit(&["export", &s.s(run), "--to", "payroll", "--out", &s.s(file)])
    };
    let o = pay("q3-fix", "fix.csv");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("export the run it corrects first"),
        "{}",
        stderr(&o)
    );
    assert!(!s.path("fix.csv").exists());
    // Paid in order, both go through.
    assert!(pay("q3", "q3.csv").status.success());
    let o = pay("q3-fix", "fix.csv");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn replay_and_explain_read_no_links_or_fifos_inside_a_run_folder() {
    // Issue 15: a symlink loop, a FIFO or a link to /dev/zero inside a run
    // folder made replay, diff and explain hang.
    let s = Setup::new();
    s.ok("q3", &[]);
    let dir = s.path("q3");
    std::os::unix::fs::symlink(&dir, dir.join("archive/data/loop")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("archive/policy/zero")).unwrap();
    std::fs::remove_file(dir.join("report.html")).unwrap();
    mkfifo(&dir.join("report.html"));
    let o = merit_within(&["replay", &s.s("q3")], 60);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains("archive/data/loop") && text.contains("archive/policy/zero"),
        "{text}"
    );
    let o = merit_within(&["diff", &s.s("q3"), &s.s("q3")], 60);
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    let o = merit_within(&["explain", "--run", &s.s("q3"), "--employee", "E001"], 60);
    assert!(o.status.code().is_some(), "{}", stderr(&o));
}

#[test]
fn the_cost_centre_can_be_an_extra_employees_column() {
    // docs/policy.md: `export.payroll.cost_centre` names an employees-table
    // column; one other than `department` is accepted in the table.
    let s = Setup::new();
    let yaml = s.path("policy").join("policy.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(
        &yaml,
        text + "export:\n  payroll:\n    cost_centre: cost_center\n",
    )
    .unwrap();
    let emp = s.path("data").join("employees.csv");
    let text = std::fs::read_to_string(&emp).unwrap();
    let with: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l},cost_center\n"),
            _ => format!("{l},CC-{}\n", &l[..4]),
        })
        .collect();
    std::fs::write(&emp, with).unwrap();
    s.ok("paid", &[]);
    let o = merit(&[
        "export",
        &s.s("paid"),
        "--to",
        "payroll",
        "--out",
        &s.s("pay.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pay = std::fs::read_to_string(s.path("pay.csv")).unwrap();
    assert!(
        pay.lines()
            .any(|l| l.starts_with("E001,") && l.ends_with(",CC-E001")),
        "{pay}"
    );
}
