//! Safe by default: the example from inside the binary into a new folder,
//! required run flags, `--force` only over an earlier run and never over an
//! input, one run at a time per output, and stale staging cleaned up.

mod common;
use common::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const LOCKED: &str = "another merit run is writing";

/// Every file below `dir` with its bytes, by `/`-separated relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn go(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                go(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy();
                out.insert(rel.replace('\\', "/"), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    go(dir, dir, &mut out);
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A finished run: every output, archived policy file and input its
/// manifest lists is there with its sha256, and nothing else is.
fn assert_complete(run: &Path) {
    let files = tree(run);
    let manifest: serde_json::Value =
        serde_json::from_slice(&files["manifest.json"]).expect("manifest.json");
    assert_eq!(manifest["engine"]["name"], "merit");
    let mut listed = vec!["manifest.json".to_owned()];
    for (key, base) in [
        ("outputs", ""),
        ("policy_files", "archive/policy/"),
        ("inputs", "archive/data/"),
    ] {
        for f in manifest[key].as_array().unwrap() {
            let rel = format!("{base}{}", f["path"].as_str().unwrap());
            let bytes = files.get(&rel).unwrap_or_else(|| panic!("{rel} missing"));
            let sha: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(sha, f["sha256"].as_str().unwrap(), "{rel}");
            listed.push(rel);
        }
    }
    listed.sort();
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), listed);
}

/// Nothing is left beside `out`: no staging folder, no lock file.
fn assert_no_leftovers(out: &Path) {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let beside: Vec<String> = names(out.parent().unwrap())
        .into_iter()
        .filter(|n| n.starts_with(&format!(".{name}.")))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

fn merit_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_merit"))
        .current_dir(cwd)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn bare_merit_writes_the_example_into_new_folders() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    std::fs::write(cwd.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(cwd.join("merit-demo-2")).unwrap();
    std::fs::write(cwd.join("merit-demo-2/keep.txt"), "mine too").unwrap();
    for _ in 0..2 {
        let o = merit_in(cwd, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(
        names(cwd),
        ["merit-demo", "merit-demo-2", "merit-demo-3", "notes.txt"]
    );
    assert_eq!(
        std::fs::read_to_string(cwd.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(names(&cwd.join("merit-demo-2")), ["keep.txt"]);
    for demo in ["merit-demo", "merit-demo-3"] {
        let out = cwd.join(demo).join("out");
        assert_complete(&out);
        assert_no_leftovers(&out);
    }
    // The second run says where it is and what to try next.
    let o = merit_in(cwd, &["demo"]);
    let text = stdout(&o);
    for hint in [
        "The example is in merit-demo-4/",
        "merit explain --run merit-demo-4/out --employee E",
        "merit check --policy merit-demo-4/policy",
        "merit run --policy merit-demo-4/policy --data merit-demo-4/data --period",
        "merit-demo-4/out/report.html",
    ] {
        assert!(text.contains(hint), "{hint}: {text}");
    }
    // What the next steps suggest works there.
    let o = merit_in(
        cwd,
        &["explain", "--run", "merit-demo-4/out", "--employee", "E001"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = merit_in(cwd, &["test", "--policy", "merit-demo-4/policy"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn the_embedded_example_is_the_bundled_one() {
    let cwd = tempfile::tempdir().unwrap();
    let o = merit_in(cwd.path(), &["demo", "--dir", "a/b"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let demo = cwd.path().join("a/b");
    assert_eq!(tree(&demo.join("policy")), tree(&example_policy()));
    let mut fixtures = tree(&example_data());
    assert!(fixtures.remove("generate.py").is_some());
    assert_eq!(tree(&demo.join("data")), fixtures);
    // The run is the example's, byte for byte.
    let again = cwd.path().join("again");
    let o = run(&example_policy(), &example_data(), "2026-Q3", &again);
    assert!(o.status.success(), "{}", stderr(&o));
    let payouts = |d: &Path| std::fs::read(d.join("payouts.csv")).unwrap();
    assert_eq!(payouts(&demo.join("out")), payouts(&again));
}

#[test]
fn demo_never_uses_an_existing_folder() {
    let cwd = tempfile::tempdir().unwrap();
    let dir = cwd.path().join("here");
    std::fs::create_dir(&dir).unwrap();
    let o = merit_in(cwd.path(), &["demo", "--dir", "here"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(names(&dir).is_empty());
}

#[test]
fn run_requires_every_folder_and_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (policy, data) = (example_policy(), example_data());
    let all = [
        ("--policy", policy.to_str().unwrap()),
        ("--data", data.to_str().unwrap()),
        ("--period", "2026-Q3"),
        ("--out", out.to_str().unwrap()),
    ];
    for (left_out, _) in all {
        let mut args = vec!["run"];
        for (flag, value) in all.iter().filter(|(f, _)| *f != left_out) {
            args.extend([*flag, *value]);
        }
        let o = merit_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{left_out}");
        assert!(stderr(&o).contains(left_out), "{}", stderr(&o));
        assert!(stderr(&o).contains("merit demo"), "{}", stderr(&o));
    }
    assert!(names(dir.path()).is_empty(), "nothing written");
}

fn forced(policy: &Path, data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--force"];
    args.extend_from_slice(extra);
    run_with(policy, data, "2026-Q3", out, &args, &[])
}

#[test]
fn force_refuses_a_folder_that_is_not_a_merit_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let o = forced(&example_policy(), &example_data(), &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("replaces only an earlier merit run"), "{err}");
    assert!(err.contains(&format!("'{}'", out.display())), "{err}");
    assert!(err.contains("no manifest.json"), "{err}");
    // A manifest that merit did not write is no better.
    let other = r#"{"engine": {"name": "other"}, "outputs": []}"#;
    std::fs::write(out.join("manifest.json"), other).unwrap();
    let o = forced(&example_policy(), &example_data(), &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not written by merit"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names(&out), ["keep.txt", "manifest.json"]);
}

#[test]
fn force_never_writes_where_the_run_reads() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let (policy, data) = (work.join("policy"), work.join("data"));
    copy_dir(&example_policy(), &policy);
    copy_dir(&example_data(), &data);
    let prev = dir.path().join("paid");
    let o = run(&policy, &data, "2026-Q3", &prev);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = tree(dir.path());
    let cases: [(&Path, &[&str], &str); 5] = [
        (&data, &[], "is the --data folder"),
        (
            &policy.join("runs/q3"),
            &[],
            "lies inside the --policy folder",
        ),
        (&work, &[], "contains the --policy folder"),
        (
            &prev,
            &["--previous", prev.to_str().unwrap()],
            "is the --previous folder",
        ),
        (&data.join("."), &[], "is the --data folder"),
    ];
    for (out, extra, says) in cases {
        let o = forced(&policy, &data, out, extra);
        assert_eq!(o.status.code(), Some(2), "{says}");
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
    assert!(tree(dir.path()) == before, "inputs untouched");
}

#[test]
fn force_replaces_an_earlier_run_completely() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // September pays one employee fewer than the quarter: with a file per
    // statement, the quarter's statement of that employee must not survive
    // into September's run.
    let files = ["--statements", "files"];
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &files,
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let q3 = tree(&out);
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-09",
        &out,
        &["--force", "--statements", "files"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_complete(&out);
    assert_no_leftovers(&out);
    let m9 = tree(&out);
    assert!(q3.keys().any(|k| !m9.contains_key(k)), "the runs differ");
    // A file the user added is not the run's to delete: refused, named.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(out.join("feedback/drafts")).unwrap();
    let o = forced(&example_policy(), &example_data(), &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("'feedback/drafts/'"), "{err}");
    std::fs::remove_dir(out.join("feedback/drafts")).unwrap();
    let o = forced(&example_policy(), &example_data(), &out, &[]);
    assert!(stderr(&o).contains("'notes.txt'"), "{}", stderr(&o));
    let mut with_notes = m9.clone();
    with_notes.insert("notes.txt".into(), b"mine".to_vec());
    assert!(tree(&out) == with_notes, "the earlier run untouched");
}

/// A data folder large enough that a run lasts a while (about a second).
fn big_data(dir: &Path) -> PathBuf {
    let data = dir.join("big");
    let o = merit(&[
        "gen",
        "--policy",
        example_policy().to_str().unwrap(),
        "--employees",
        "3000",
        "--months",
        "3",
        "--start",
        "2026-07",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    data
}

fn spawn_run(data: &Path, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_merit"))
        .args(["run", "--policy", example_policy().to_str().unwrap()])
        .args(["--data", data.to_str().unwrap(), "--period", "2026-Q3"])
        .args(["--out", out.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for both children; returns their outputs in the order they ended.
fn finish_order(a: std::process::Child, b: std::process::Child) -> Vec<Output> {
    let mut running = vec![a, b];
    let mut done = Vec::new();
    while !running.is_empty() {
        if let Some(i) = running
            .iter_mut()
            .position(|c| c.try_wait().unwrap().is_some())
        {
            done.push(running.remove(i).wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    done
}

#[test]
fn two_runs_into_one_out_one_wins_the_other_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = big_data(dir.path());
    let out = dir.path().join("out");
    let started = Instant::now();
    let done = finish_order(spawn_run(&data, &out), spawn_run(&data, &out));
    let (first, second) = (&done[0], &done[1]);
    assert_eq!(first.status.code(), Some(2), "{}", stderr(first));
    assert!(stderr(first).contains(LOCKED), "{}", stderr(first));
    assert!(second.status.success(), "{}", stderr(second));
    assert!(started.elapsed() < Duration::from_secs(120));
    assert_complete(&out);
    assert_no_leftovers(&out);
}

#[test]
fn a_held_lock_stops_a_run_before_it_reads_anything() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let lock = std::fs::File::create(dir.path().join(".out.merit-lock")).unwrap();
    lock.try_lock().unwrap();
    let o = run(&example_policy(), &example_data(), "2026-Q3", &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(LOCKED), "{}", stderr(&o));
    assert!(!out.exists());
    drop(lock);
    let o = run(&example_policy(), &example_data(), "2026-Q3", &out);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_out_that_appears_during_the_run_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = big_data(dir.path());
    let out = dir.path().join("out");
    let child = spawn_run(&data, &out);
    // Once its staging folder exists the run has checked --out (probing
    // the lock instead could take it from the run).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !names(dir.path())
        .iter()
        .any(|n| n.starts_with(".out.merit-staging-"))
    {
        assert!(Instant::now() < deadline, "the run never started writing");
        std::thread::sleep(Duration::from_millis(2));
    }
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "mine").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("appeared or changed"), "{}", stderr(&o));
    assert_eq!(names(&out), ["mine.txt"]);
    assert_no_leftovers(&out);
}

#[test]
fn a_killed_runs_staging_folder_is_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let stale = |name: &str, marker: Option<&str>| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.join("feedback")).unwrap();
        std::fs::write(p.join("feedback/E001.md"), "half written").unwrap();
        if let Some(m) = marker {
            std::fs::write(p.join(".merit-staging"), m).unwrap();
        }
        p
    };
    let killed = stale(
        ".out.merit-staging-4242-1",
        Some("merit staging folder for out\n"),
    );
    let unmarked = stale(".out.merit-staging-4242-2", None);
    let other = stale(
        ".out.merit-staging-4242-3",
        Some("merit staging folder for out2\n"),
    );
    let o = run(&example_policy(), &example_data(), "2026-Q3", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!killed.exists(), "the marked staging folder is removed");
    assert!(stderr(&o).contains("left unfinished"), "{}", stderr(&o));
    assert!(
        unmarked.join("feedback/E001.md").is_file(),
        "unproven: kept"
    );
    assert!(
        other.join("feedback/E001.md").is_file(),
        "another output's: kept"
    );
    assert_complete(&out);
}
