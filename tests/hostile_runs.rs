//! Issue 15: run folders and policy folders that were tampered with or
//! hold more than merit wrote.

mod common;
use common::*;
use std::path::Path;

fn q3(out: &Path) {
    let o = run(&example_policy(), &example_data(), "2026-Q3", out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn replay_reports_files_added_to_a_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r");
    q3(&r);
    let clean = merit(&["replay", s(&r)]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    std::fs::write(
        r.join("payouts-corrected.csv"),
        "employee_id,total\nE001,1\n",
    )
    .unwrap();
    std::fs::create_dir_all(r.join("archive/extra")).unwrap();
    std::fs::write(r.join("archive/extra/note.txt"), "x").unwrap();
    let o = merit(&["replay", s(&r)]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("tampered: payouts-corrected.csv: not written by the run (added after it)"),
        "{text}"
    );
    assert!(
        text.contains("tampered: archive/extra/note.txt: not written by the run"),
        "{text}"
    );
    assert!(
        text.contains(
            "differs: the replay is identical to the manifest, but the run folder was modified"
        ),
        "{text}"
    );
    // Approving such a folder is refused, naming the file.
    let o = merit(&["approve", s(&r), "--as", "finance", "--by", "ann"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("payouts-corrected.csv: error: not written by the run"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_export_is_not_written_into_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r");
    q3(&r);
    let out = r.join("payroll.csv");
    let o = merit(&["export", s(&r), "--to", "payroll", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("write exports outside the run folder"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn diff_of_totals_beyond_a_decimal_is_exact_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    q3(&a);
    q3(&b);
    // Two employees at the largest decimal each: their sum does not fit one.
    let big = "79228162514264337593543950335.00";
    for (run, sign) in [(&a, ""), (&b, "-")] {
        let text = std::fs::read_to_string(run.join("payouts.csv")).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let col = lines[0]
            .split(',')
            .position(|c| c == "total_payout")
            .unwrap();
        for line in lines.iter_mut().skip(1).take(2) {
            let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
            cells[col] = format!("{sign}{big}");
            *line = cells.join(",");
        }
        std::fs::write(run.join("payouts.csv"), lines.join("\n") + "\n").unwrap();
    }
    let o = merit(&["diff", s(&a), s(&b)]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(text.contains("does not match its manifest"), "{text}");
    // Each of the two changed by -2 × max, exactly.
    assert!(
        text.contains("-158456325028528675187087900670.00"),
        "{text}"
    );
}

#[test]
fn a_run_folder_and_ledger_inside_the_policy_folder_are_not_policy_files() {
    let (dir, policy) = policy_copy("platform-ops");
    // `run` refuses an --out inside the policy folder; a run folder and
    // its ledger moved there afterwards must not become policy files.
    let first = dir.path().join("runs/q3");
    let o = run(&policy, &example_data(), "2026-Q3", &first);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    copy_dir(&dir.path().join("runs"), &policy.join("runs"));
    assert!(policy.join("runs/merit-ledger.sqlite").is_file());
    let second = dir.path().join("again");
    let o = run(&policy, &example_data(), "2026-Q3", &second);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("runs/q3: warning: not read as part of the policy: a run folder"),
        "{err}"
    );
    assert!(
        err.contains(
            "runs/merit-ledger.sqlite: warning: not read as part of the policy: a run ledger"
        ),
        "{err}"
    );
    let listed = |r: &Path| -> serde_json::Value {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(r.join("manifest.json")).unwrap()).unwrap();
        m["policy_files"].clone()
    };
    assert_eq!(listed(&first), listed(&second));
    assert!(!second.join("archive/policy/runs").exists());
}

#[test]
fn a_runaway_script_costs_the_run_one_time_limit_not_one_per_employee() {
    // Issue 15: 40 employees × 2 s each was 80 s; the first evaluation
    // stopped for time now stops every other one at once.
    let (dir, policy) = policy_copy("platform-ops");
    // A loop inside a sort comparator escapes the operation limit; only the
    // wall-time limit stops it.
    let script = "let a = [];\nfor i in 0..500 { a.push(i); }\nloop { a.sort(|x, y| { let k = 0; loop { k += 1; } }); }\n0\n";
    std::fs::write(policy.join("bonus.rhai"), script).unwrap();
    let out = dir.path().join("out");
    let start = std::time::Instant::now();
    let o = run(&policy, &example_data(), "2026-Q3", &out);
    let took = start.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(took.as_secs() < 20, "{took:?}");
    assert!(
        err.contains("stopped: the script ran longer than 2 s"),
        "{err}"
    );
    assert!(err.contains("stopped: the script was not finished: another evaluation in this run ran longer than the limit"), "{err}");
    assert!(!out.exists());
}

#[test]
fn another_applications_database_is_never_used_as_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.sqlite");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'x');").unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let out = dir.path().join("out");
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--ledger", s(&db)],
        &[],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("crm.sqlite: error: not a merit run ledger"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database is untouched"
    );
    // A text file is not a ledger either.
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "meeting notes\n".repeat(100)).unwrap();
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--ledger", s(&txt)],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&txt).unwrap(),
        "meeting notes\n".repeat(100)
    );
}

#[test]
fn extreme_curve_scores_and_points_are_errors_not_panics() {
    // Issue 15: `check` passes a curve whose points are 1e-28 apart and
    // whose scores are the largest decimal; the weighted sum overflowed.
    let (dir, policy) = policy_copy("platform-ops");
    let max = "\"79228162514264337593543950335\"";
    edit(
        &policy.join("policy.yaml"),
        "      threshold: { achievement: \"0.80\", score: 60 }\n      target: { achievement: \"1.00\", score: 100 }\n      stretch: { achievement: \"1.20\", score: 130 }\n      below_threshold: 0\n      cap: 150",
        &format!("      threshold: {{ achievement: \"0.9999999999999999999999999998\", score: 60 }}\n      target: {{ achievement: \"0.9999999999999999999999999999\", score: {max} }}\n      stretch: {{ achievement: \"1.00\", score: {max} }}\n      below_threshold: 0\n      cap: {max}"),
    );
    let o = merit(&["check", "--policy", s(&policy)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.path().join("out");
    let o = run(&policy, &example_data(), "2026-Q3", &out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("policy.yaml: error: employee E001: the final score does not fit a decimal"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_weights_script_returning_a_huge_weight_is_an_error() {
    // Found by the fuzzer: the weights' sum overflowed a decimal.
    let (dir, policy) = policy_copy("customer-service");
    edit(
        &policy.join("weights.rhai"),
        "complaint_rate: 30, first_response: 40",
        "complaint_rate: 79228162514264337593543950335, first_response: 40",
    );
    let out = dir.path().join("out");
    let o = run(
        &policy,
        &root().join("fixtures/customer-service"),
        "2026-Q3",
        &out,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "the weight of 'complaint_rate' is 79228162514264337593543950335, more than 100"
        ),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn data_inside_the_policy_folder_is_refused() {
    let (dir, policy) = policy_copy("platform-ops");
    copy_dir(&example_data(), &policy.join("data"));
    let out = dir.path().join("out");
    let o = run(&policy, &policy.join("data"), "2026-Q3", &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("lies inside the --policy folder"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}
