//! Issue 20 (every output at full size): the trace in zstd frames with a
//! seek table, statements in a zip bundle per department (or files on
//! request), and each stage's time and bytes in the manifest.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ONE_THREAD: [(&str, &str); 2] = [("RAYON_NUM_THREADS", "1"), ("POLARS_MAX_THREADS", "1")];
const TWO_THREADS: [(&str, &str); 2] = [("RAYON_NUM_THREADS", "2"), ("POLARS_MAX_THREADS", "2")];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(o: std::process::Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

/// `merit gen` data for bench/policy (individual KPIs only, so department
/// ids can be rewritten freely), CSV, one quarter.
fn gen(dir: &Path, employees: usize) -> PathBuf {
    let data = dir.join("data");
    ok(merit(&[
        "gen",
        "--policy",
        s(&root().join("bench/policy")),
        "--employees",
        &employees.to_string(),
        "--months",
        "3",
        "--seed",
        "7",
        "--out",
        s(&data),
    ]));
    data
}

/// A CSV cell as merit reads it back.
fn quoted(v: &str) -> String {
    if v.contains(',') || v.contains('"') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

/// Rewrites a generated CSV table (no quoted cells) line by line: `f`
/// gets the cells of a data row and returns them changed, or `None` to
/// drop the row.
fn rewrite(path: &Path, f: impl Fn(Vec<String>) -> Option<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for line in lines {
        assert!(!line.contains('"'), "{line}");
        if let Some(cells) = f(line.split(',').map(str::to_owned).collect()) {
            let cells: Vec<String> = cells.iter().map(|c| quoted(c)).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
}

/// The department ids of generated data.
fn department_ids(data: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(data.join("employees.csv")).unwrap();
    let mut ids: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Renames departments everywhere: the employees' department and the
/// subject of the department KPIs' metrics and targets.
fn rename_departments(data: &Path, renames: &[(&str, &str)]) {
    let new = |d: &str| {
        renames
            .iter()
            .find(|(old, _)| *old == d)
            .map_or(d.to_owned(), |(_, n)| (*n).to_owned())
    };
    rewrite(&data.join("employees.csv"), |mut c| {
        c[2] = new(&c[2]);
        Some(c)
    });
    for table in ["metrics.csv", "targets.csv"] {
        rewrite(&data.join(table), |mut c| {
            c[0] = new(&c[0]);
            Some(c)
        });
    }
}

/// Puts every employee into the first department, dropping the other
/// departments' metrics and targets; returns its id.
fn one_department(data: &Path) -> String {
    let mut others = department_ids(data);
    let into = others.remove(0);
    rewrite(&data.join("employees.csv"), |mut c| {
        c[2] = into.clone();
        Some(c)
    });
    for table in ["metrics.csv", "targets.csv"] {
        rewrite(&data.join(table), |c| {
            (!others.contains(&c[0])).then_some(c)
        });
    }
    into
}

fn bench_run(data: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) {
    let o = run_with(
        &root().join("bench/policy"),
        data,
        "2026-Q1",
        out,
        extra,
        env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

/// Every file of a run folder (relative path → bytes), the manifest aside.
fn files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, all: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, all);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                all.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut all = BTreeMap::new();
    walk(out, out, &mut all);
    all.remove("manifest.json");
    all
}

#[test]
fn hostile_departments_get_safe_unique_bundles_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let data = gen(dir.path(), 1000);
    // A path, CJK, a space, a comma, a reserved Windows name, and two ids
    // that differ only in case.
    rename_departments(
        &data,
        &[
            ("commerce", "../销售/部 A,1"),
            ("content", "Growth"),
            ("community", "CON"),
        ],
    );
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    bench_run(&data, &a, &[], &ONE_THREAD);
    bench_run(&data, &b, &[], &TWO_THREADS);
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{name} differs between 1 and 2 threads");
    }
    let bundles: Vec<&str> = fa
        .keys()
        .filter_map(|k| k.strip_prefix("feedback/"))
        .collect();
    for expected in [
        "%2E.%2F%E9%94%80%E5%94%AE%2F%E9%83%A8%20A%2C1.zip",
        "%47rowth.zip",
        "growth.zip",
        "%43ON.zip",
        "index.csv",
    ] {
        assert!(bundles.contains(&expected), "{expected} not in {bundles:?}");
    }
    // Every employee's two statements, once, in the bundle the index names.
    let index = std::fs::read_to_string(a.join("feedback/index.csv")).unwrap();
    assert!(
        index.contains(
            ",\"../销售/部 A,1\",feedback/%2E.%2F%E9%94%80%E5%94%AE%2F%E9%83%A8%20A%2C1.zip\n"
        ),
        "{index}"
    );
    let all = all_statements(&a);
    assert_eq!(all.len(), 2 * 1000);
    let payouts = std::fs::read_to_string(a.join("payouts.csv")).unwrap();
    let id = payouts.lines().nth(6).unwrap().split(',').next().unwrap();
    assert!(statement(&a, id, "md").contains(id));
    ok(merit(&["replay", s(&a)]));
}

#[test]
fn the_trace_is_compressed_in_frames_and_explain_seeks_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = gen(dir.path(), 1000);
    let out = dir.path().join("out");
    bench_run(&data, &out, &["--skip", "statements,workbook"], &[]);
    let trace = trace_text(&out);
    let lines: Vec<&str> = trace.lines().collect();
    assert_eq!(lines.len(), 1 + 1000);
    assert!(lines[0].starts_with("{\"record\":\"run\""));
    // 1,000 employees: the run record, four frames of 256 employees at
    // most, and the seek table, whose footer ends the file.
    let bytes = std::fs::read(out.join("trace.jsonl.zst")).unwrap();
    assert_eq!(bytes[bytes.len() - 4..], 0x8F92_EAB1u32.to_le_bytes());
    let frames = u32::from_le_bytes(bytes[bytes.len() - 9..bytes.len() - 5].try_into().unwrap());
    assert_eq!(frames, 5);
    let m = manifest(&out);
    let entry = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "trace.jsonl.zst")
        .unwrap();
    assert_eq!(entry["bytes"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(entry["rows"], 1000);
    // The text is about ten times the file.
    assert!(
        trace.len() > 5 * bytes.len(),
        "{} vs {}",
        trace.len(),
        bytes.len()
    );
    // Explain finds employees in the first and the last frame.
    let ids: Vec<&str> = (1..=1000)
        .map(|i| lines[i].split('"').nth(7).unwrap())
        .collect();
    for id in [ids[0], ids[600], ids[999]] {
        let text = ok(merit(&["explain", "--run", s(&out), "--employee", id]));
        assert!(
            text.starts_with(&format!("Employee {id}")) || text.contains(id),
            "{text}"
        );
        let json = ok(merit(&[
            "explain",
            "--run",
            s(&out),
            "--employee",
            id,
            "--format",
            "json",
        ]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["employee"]["employee_id"], id);
        let line: serde_json::Value = serde_json::from_str(
            lines
                .iter()
                .find(|l| l.contains(&format!("\"employee_id\":\"{id}\"")))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(v["employee"]["total_payout"], line["total_payout"]);
    }
    // An id between two others is not in the run: the whole trace is read
    // for the hint.
    let o = merit(&["explain", "--run", s(&out), "--employee", "E00600x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("(1000 employees)"), "{}", stderr(&o));
}

#[test]
fn stage_times_and_bytes_are_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    ok(run(&example_policy(), &example_data(), "2026-Q3", &out));
    let m = manifest(&out);
    assert_eq!(m["statements"], "bundles");
    let stages = m["invocation"]["stages"].as_array().unwrap();
    let names: Vec<&str> = stages
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "read",
            "compute",
            "checks",
            "recognition",
            "tables",
            "trace",
            "report",
            "statements",
            "workbook",
            "archive"
        ]
    );
    let size = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().len();
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let of = |stage: &str| -> Vec<&str> {
        match stage {
            "tables" => outputs
                .iter()
                .copied()
                .filter(|p| p.ends_with(".csv") && !p.starts_with("feedback/"))
                .collect(),
            "trace" => vec!["trace.jsonl.zst"],
            "report" => vec!["report.html"],
            "statements" => outputs
                .iter()
                .copied()
                .filter(|p| p.starts_with("feedback/"))
                .collect(),
            "workbook" => vec!["payouts.xlsx"],
            _ => vec![],
        }
    };
    for st in stages {
        let name = st["stage"].as_str().unwrap();
        assert!(st["ms"].as_u64().is_some(), "{st}");
        let listed = of(name);
        let bytes: u64 = if name == "archive" {
            ["policy_files", "inputs"]
                .iter()
                .flat_map(|k| m[k].as_array().unwrap())
                .map(|f| f["bytes"].as_u64().unwrap())
                .sum()
        } else {
            listed.iter().map(|p| size(p)).sum()
        };
        assert_eq!(st["bytes"].as_u64(), Some(bytes), "{name}");
        if name != "archive" {
            assert_eq!(st["files"].as_u64(), Some(listed.len() as u64), "{name}");
        }
    }
    // The stages are how this run went, not what it computed: replay
    // ignores them with the rest of `invocation`.
    ok(merit(&["replay", s(&out)]));
}

#[test]
fn statements_as_files_on_request_and_replayed_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--statements", "files"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(m["statements"], "files");
    let names: Vec<String> = std::fs::read_dir(out.join("feedback"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 78);
    assert!(names
        .iter()
        .all(|n| n.ends_with(".md") || n.ends_with(".html")));
    // The same statements as in the bundles.
    let bundled = dir.path().join("bundled");
    ok(run(&example_policy(), &example_data(), "2026-Q3", &bundled));
    assert_eq!(all_statements(&out), all_statements(&bundled));
    let text = ok(merit(&["replay", s(&out)]));
    assert!(text.contains("feedback/E005.md"), "{text}");
}

#[test]
fn a_department_larger_than_a_bundle_is_split_into_parts() {
    let dir = tempfile::tempdir().unwrap();
    let data = gen(dir.path(), 10_050);
    let d = one_department(&data);
    let out = dir.path().join("out");
    bench_run(&data, &out, &["--skip", "trace,workbook"], &[]);
    let m = manifest(&out);
    let bundles: Vec<(&str, u64)> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with(".zip"))
        .map(|f| (f["path"].as_str().unwrap(), f["rows"].as_u64().unwrap()))
        .collect();
    let (first, second) = (format!("feedback/{d}.zip"), format!("feedback/{d}~2.zip"));
    assert_eq!(bundles, [(first.as_str(), 10_000), (second.as_str(), 50)]);
    let index = std::fs::read_to_string(out.join("feedback/index.csv")).unwrap();
    let last = index.lines().last().unwrap();
    assert!(last.ends_with(&format!(",{d},{second}")), "{last}");
}

/// The trace's employee lines are written straight as JSON, not through
/// the record types `merit explain` reads them into: every line must read
/// back into an `EmployeeRecord` and serialise to the same text, so the
/// writer and the schema cannot drift apart (commissions, draws and
/// mid-period spans included).
#[test]
fn every_trace_line_reads_back_into_the_schema_unchanged() {
    use merit::output::trace::EmployeeRecord;
    for (policy, period) in [
        ("bench/policy", "2026-Q1"),
        ("policies/sales-commission", "2026-Q1"),
        ("policies/platform-ops", "2026-Q1"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (data, out) = (dir.path().join("data"), dir.path().join("out"));
        let policy = root().join(policy);
        ok(merit(&[
            "gen",
            "--policy",
            s(&policy),
            "--employees",
            "300",
            "--months",
            "3",
            "--seed",
            "3",
            "--changes",
            "--out",
            s(&data),
        ]));
        ok(run_with(&policy, &data, period, &out, &[], &[]));
        let text = merit::output::trace::zst::read_text(&out.join("trace.jsonl.zst")).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert!(lines.len() > 250, "{}: {} lines", s(&policy), lines.len());
        // `--changes` cuts some employees' periods into spans.
        assert!(
            lines.iter().any(|l| l.contains("\"spans\":[{")),
            "{}",
            s(&policy)
        );
        for line in lines {
            let record: EmployeeRecord = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: {e}\n{line}", s(&policy)));
            assert_eq!(
                serde_json::to_string(&record).unwrap(),
                line,
                "{}",
                s(&policy)
            );
        }
    }
}
