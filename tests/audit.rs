//! The auditor's tools on the bundled example: the archive, byte-exact
//! replay (moved folder, other thread count, tampering), explain (snapshots
//! and agreement with payouts.csv and scores.csv for every employee) and
//! diff (a what-if weight change).

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn q3(out: &Path) {
    let o = run(&example_policy(), &example_data(), "2026-Q3", out);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn replay(dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    merit_env(&["replay", dir.to_str().unwrap()], env)
}

fn explain(dir: &Path, id: &str, json: bool) -> std::process::Output {
    let mut args = vec!["explain", "--run", dir.to_str().unwrap(), "--employee", id];
    if json {
        args.extend(["--format", "json"]);
    }
    merit(&args)
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// Flips one digit in the middle of a file.
fn flip_a_digit(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = (bytes.len() / 2..bytes.len())
        .find(|&i| bytes[i].is_ascii_digit())
        .unwrap();
    bytes[i] = if bytes[i] == b'9' { b'8' } else { bytes[i] + 1 };
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn run_archives_policy_and_inputs_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    q3(&out);
    for f in ["policy.yaml", "bonus.rhai"] {
        assert_eq!(
            std::fs::read(out.join("archive/policy").join(f)).unwrap(),
            std::fs::read(example_policy().join(f)).unwrap(),
            "{f}"
        );
    }
    for f in [
        "employees.csv",
        "metrics.csv",
        "targets.csv",
        "ratings.csv",
        "projects.csv",
    ] {
        assert_eq!(
            std::fs::read(out.join("archive/data").join(f)).unwrap(),
            std::fs::read(example_data().join(f)).unwrap(),
            "{f}"
        );
    }
    // Only the tables that were read: generate.py is not an input.
    assert!(!out.join("archive/data/generate.py").exists());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let cmd: Vec<&str> = m["invocation"]["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(&cmd[1..3], ["run", "--policy"]);
    assert!(cmd.contains(&"2026-Q3"), "{cmd:?}");
    assert_eq!(m["archive"]["data"], "archive/data");
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert!(outputs.contains(&"trace.jsonl.zst"), "{outputs:?}");
}

#[test]
fn replay_of_a_moved_run_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    // The run reads copies that are deleted before the replay, so the
    // replay can only use the archive.
    let (policy, data) = (dir.path().join("policy"), dir.path().join("data"));
    copy_dir(&example_policy(), &policy);
    copy_dir(&example_data(), &data);
    let first = dir.path().join("a/q3");
    let o = run(&policy, &data, "2026-Q3", &first);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_dir_all(&policy).unwrap();
    std::fs::remove_dir_all(&data).unwrap();
    std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    let moved = dir.path().join("elsewhere/moved-q3");
    std::fs::rename(&first, &moved).unwrap();

    let o = replay(&moved, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    for f in [
        "payouts.csv",
        "scores.csv",
        "summary.csv",
        "trace.jsonl.zst",
        "manifest.json",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(f) && l.ends_with("identical")),
            "{f}: {out}"
        );
    }
    assert!(out.contains("engine: merit 0.1.0, as archived"), "{out}");
    assert!(
        out.ends_with("identical: 14 files replayed byte for byte\n"),
        "{out}"
    );
    // The replay leaves the run folder as it was.
    assert!(!moved.join("archive/archive").exists());
}

#[test]
fn replay_with_another_thread_count_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &[],
        &[("POLARS_MAX_THREADS", "2"), ("RAYON_NUM_THREADS", "2")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = replay(
        &out,
        &[("POLARS_MAX_THREADS", "1"), ("RAYON_NUM_THREADS", "1")],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("identical: 14 files"), "{}", stdout(&o));
}

#[test]
fn one_edited_byte_of_an_archived_input_is_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    q3(&out);
    flip_a_digit(&out.join("archive/data/metrics.csv"));
    let o = replay(&out, &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("tampered")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("tampered: archive/data/metrics.csv: sha256 ")
            && lines[0].ends_with(
                "does not match the manifest's 44c2dfd9fdcf13462515180899a26814a5f883a60d2c832003d471645ab2a5c0"
            ),
        "{text}"
    );
    assert_eq!(
        lines[1],
        "tampered: 1 archive file does not match the manifest; not replayed"
    );
}

#[test]
fn added_or_removed_archive_files_are_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    q3(&out);
    std::fs::write(out.join("archive/policy/extra.rhai"), "1").unwrap();
    std::fs::remove_file(out.join("archive/data/projects.csv")).unwrap();
    let o = replay(&out, &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(
        text.contains("tampered: archive/policy/extra.rhai: not listed in the manifest"),
        "{text}"
    );
    assert!(
        text.contains("tampered: archive/data/projects.csv: missing from the archive"),
        "{text}"
    );
    assert!(text.contains("2 archive files do not match"), "{text}");
}

#[test]
fn an_edited_payout_is_named_with_employee_and_amount() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    q3(&out);
    edit(
        &out.join("payouts.csv"),
        "E005,周洋涛,growth,user_growth,2026-Q3,110.43,A,9975.97,5000.00,14975.97",
        "E005,周洋涛,growth,user_growth,2026-Q3,110.43,A,19975.97,5000.00,24975.97",
    );
    let o = replay(&out, &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(
        text.contains("tampered: payouts.csv: modified after the run"),
        "{text}"
    );
    assert!(
        text.contains("  payouts.csv             DIFFERS\n"),
        "{text}"
    );
    assert!(
        text.contains("      E005: bonus 19975.97 → 9975.97, total_payout 24975.97 → 14975.97\n"),
        "{text}"
    );
    assert!(
        text.contains("  scores.csv              identical"),
        "{text}"
    );
    assert!(text.ends_with("differs: 1 of 14 files\n"), "{text}");
}

#[test]
fn replay_says_when_the_engine_version_differs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    q3(&out);
    edit(
        &out.join("manifest.json"),
        "\"version\": \"0.1.0\"",
        "\"version\": \"0.0.9\"",
    );
    let o = replay(&out, &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert!(
        text.contains("engine: the run was made by merit 0.0.9, this is merit 0.1.0"),
        "{text}"
    );
}

#[test]
fn replay_of_a_folder_without_manifest_cannot_be_done() {
    let dir = tempfile::tempdir().unwrap();
    let o = replay(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("has no manifest.json"),
        "{}",
        stderr(&o)
    );
}

fn example_run() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    q3(&out);
    (dir, out)
}

#[test]
fn explain_three_employees() {
    let (_dir, out) = example_run();
    // E001: team lead, a department KPI (dau), rated. E020: left mid-quarter
    // (proration), ratio and lower-is-better KPIs. E030: no rating
    // (weights re-normalised) and a bonus over the cap.
    for id in ["E001", "E020", "E030"] {
        let o = explain(&out, id, false);
        assert!(o.status.success(), "{}", stderr(&o));
        insta::assert_snapshot!(format!("explain_{id}"), stdout(&o));
    }
    let o = explain(&out, "E012", true);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    insta::assert_snapshot!(
        "explain_E012_json_employee",
        serde_json::to_string_pretty(&v["employee"]).unwrap()
    );
}

#[test]
fn explain_accounts_for_every_payout_and_score_line() {
    let (_dir, out) = example_run();
    let payouts = rows(&out.join("payouts.csv"));
    let mut scores: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in rows(&out.join("scores.csv")) {
        scores.insert((r[0].clone(), r[2].clone()), r);
    }
    assert_eq!(payouts.len(), 39);
    for p in &payouts {
        let o = explain(&out, &p[0], true);
        assert!(o.status.success(), "{}: {}", p[0], stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let e = &v["employee"];
        let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
        // payouts.csv: score, rating, bonus, project_bonus, total_payout
        assert_eq!(
            [
                s("score"),
                s("band"),
                e["bonus"]["bonus"].as_str().unwrap().into(),
                s("project_bonus"),
                s("total_payout")
            ],
            [
                p[5].clone(),
                p[6].clone(),
                p[7].clone(),
                p[8].clone(),
                p[9].clone()
            ],
            "{}",
            p[0]
        );
        for k in e["kpis"].as_array().unwrap() {
            let ks = |f: &str| k[f].as_str().unwrap().to_owned();
            let line = &scores[&(p[0].clone(), ks("kpi"))];
            // actual, target, achievement, score, weight, contribution
            assert_eq!(
                [
                    ks("actual"),
                    ks("target"),
                    ks("achievement"),
                    ks("score"),
                    ks("weight"),
                    ks("contribution")
                ],
                [
                    line[5].clone(),
                    line[6].clone(),
                    line[8].clone(),
                    line[9].clone(),
                    line[11].clone(),
                    line[12].clone()
                ],
                "{} {}",
                p[0],
                ks("kpi")
            );
            assert!(
                !k["rows"].as_array().unwrap().is_empty(),
                "{} {}",
                p[0],
                ks("kpi")
            );
        }
    }
}

#[test]
fn explain_refuses_unknown_employees_and_edited_traces() {
    let (_dir, out) = example_run();
    let o = explain(&out, "E0O1", false);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("employee 'E0O1' is not in the run")
            && stderr(&o).contains("(39 employees) (did you mean 'E001'?)"),
        "{}",
        stderr(&o)
    );
    let o = explain(&out, "E040", false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .starts_with("E040 was in the employees table but not employed on any day of 2026-Q3"),
        "{}",
        stdout(&o)
    );
    flip_a_digit(&out.join("trace.jsonl.zst"));
    let o = explain(&out, "E001", false);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("trace.jsonl.zst: error: does not match the sha256 in the manifest"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn diff_of_a_raised_weight() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    q3(&base);
    // What-if: commerce weighs GMV more (30 → 35) and orders less (15 → 10).
    let policy = dir.path().join("policy");
    copy_dir(&example_policy(), &policy);
    edit(
        &policy.join("policy.yaml"),
        "weights: { gmv: 30, orders: 15,",
        "weights: { gmv: 35, orders: 10,",
    );
    let whatif = dir.path().join("whatif");
    let o = run(&policy, &example_data(), "2026-Q3", &whatif);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = merit(&["diff", base.to_str().unwrap(), whatif.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o).replace(dir.path().to_str().unwrap(), "<tmp>");
    insta::assert_snapshot!("diff_raised_gmv_weight", text);

    let o = merit(&["diff", base.to_str().unwrap(), base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("policy files: identical\ninputs: identical\n"),
        "{text}"
    );
    assert!(text.contains("changed employees: 0\n"), "{text}");
}

#[test]
fn a_run_with_skipped_documents_records_them_and_replays_identically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lean");
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--skip", "statements,trace", "--skip", "workbook"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("feedback").exists());
    assert!(!out.join("trace.jsonl.zst").exists());
    assert!(!out.join("payouts.xlsx").exists());
    // The payouts are the full run's.
    let full = dir.path().join("full");
    q3(&full);
    for f in ["payouts.csv", "scores.csv", "summary.csv", "report.html"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(full.join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest
            .contains("\"skipped\": [\n    \"statements\",\n    \"trace\",\n    \"workbook\"\n  ]"),
        "{manifest}"
    );
    assert!(!std::fs::read_to_string(full.join("manifest.json"))
        .unwrap()
        .contains("skipped"));

    // Replay leaves out the same documents and finds everything identical.
    let o = replay(&out, &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert!(text.ends_with("files replayed byte for byte\n"), "{text}");
    assert!(!text.contains("trace.jsonl"), "{text}");

    // Explain says why it cannot, and how to get a trace.
    let o = explain(&out, "E001", false);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("was run with --skip trace"), "{err}");
    assert!(err.contains("archive/policy"), "{err}");
}
