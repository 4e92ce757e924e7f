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
