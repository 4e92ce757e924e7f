#![allow(dead_code)]
//! Helpers for integration tests that run the real `merit` binary.

pub mod csv;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
pub fn example_policy() -> PathBuf {
    root().join("policies/platform-ops")
}
pub fn example_data() -> PathBuf {
    root().join("fixtures/platform-ops")
}

pub fn merit(args: &[&str]) -> Output {
    merit_env(args, &[])
}

pub fn merit_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_merit"));
    c.args(args).env_remove("RUST_LOG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run merit")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Replaces the first occurrence of `from` in a file (which must contain it).
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// `merit gen --policy POLICY --out OUT` with more arguments.
pub fn gen(policy: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["gen", "--policy", policy.to_str().unwrap()];
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    merit(&args)
}

/// Runs the example policy on `data` for `period` into `out`.
pub fn run(policy: &Path, data: &Path, period: &str, out: &Path) -> Output {
    run_with(policy, data, period, out, &[], &[])
}

/// `merit run` with more arguments and environment variables.
pub fn run_with(
    policy: &Path,
    data: &Path,
    period: &str,
    out: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut args = vec![
        "run",
        "--policy",
        policy.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--period",
        period,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    merit_env(&args, env)
}

/// A copy of the example data to break, run against the example policy.
pub struct Case {
    pub dir: tempfile::TempDir,
}

impl Case {
    pub fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&example_data(), &dir.path().join("data"));
        Case { dir }
    }
    pub fn data(&self, file: &str) -> std::path::PathBuf {
        self.dir.path().join("data").join(file)
    }
    /// Runs Q3 and checks the failure contract; returns stderr.
    pub fn fails(&self, period: &str) -> String {
        let out = self.dir.path().join("out");
        let o = run(
            &example_policy(),
            &self.dir.path().join("data"),
            period,
            &out,
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "stderr: {err}");
        assert!(!out.exists(), "no output folder may be written");
        let leftovers: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no staging folder left behind: {leftovers:?}"
        );
        assert!(err.contains("nothing was written"), "{err}");
        err
    }
}

/// A temporary folder holding a copy of `policies/NAME` as `policy`.
pub fn policy_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy");
    copy_dir(&root().join("policies").join(name), &policy);
    (dir, policy)
}

/// The text of a run's trace (`trace.jsonl.zst`), decompressed.
pub fn trace_text(out: &Path) -> String {
    let file = std::fs::File::open(out.join("trace.jsonl.zst")).unwrap();
    String::from_utf8(zstd::stream::decode_all(file).unwrap()).unwrap()
}

/// A statement of a run (`ext`: `md` or `html`): from its department's
/// bundle, which `feedback/index.csv` names, or from its own file
/// (`--statements files`).
pub fn statement(out: &Path, id: &str, ext: &str) -> String {
    let file = out.join(format!("feedback/{id}.{ext}"));
    if file.is_file() {
        return std::fs::read_to_string(file).unwrap();
    }
    let index = std::fs::read_to_string(out.join("feedback/index.csv")).unwrap();
    // The test ids, departments and bundle names need no CSV quoting.
    let bundle = index
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|row| row[0] == id)
        .unwrap_or_else(|| panic!("{id} is not in feedback/index.csv"))[2];
    let mut zip = zip::ZipArchive::new(std::fs::File::open(out.join(bundle)).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(&format!("{id}.{ext}")).unwrap(), &mut text)
        .unwrap();
    text
}

/// Every statement of a run as (file name, text), from every bundle in
/// `feedback/` (or every `.md` and `.html` file there), sorted by name.
pub fn all_statements(out: &Path) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(out.join("feedback")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".zip") {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).unwrap();
                let mut text = String::new();
                std::io::Read::read_to_string(&mut f, &mut text).unwrap();
                all.push((f.name().to_owned(), text));
            }
        } else if name.ends_with(".md") || name.ends_with(".html") {
            all.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    all.sort();
    all
}
