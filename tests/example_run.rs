//! The bundled example, run through the real binary: snapshots of every
//! output file and determinism across thread counts (the no-argument run:
//! tests/safe_run.rs).

mod common;
use common::*;
use std::path::Path;

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn example_q3(out: &Path) {
    let o = run(&example_policy(), &example_data(), "2026-Q3", out);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn example_quarter_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    example_q3(&out);
    insta::assert_snapshot!("q3_payouts", read(&out, "payouts.csv"));
    insta::assert_snapshot!("q3_scores", read(&out, "scores.csv"));
    insta::assert_snapshot!("q3_summary", read(&out, "summary.csv"));
    insta::assert_snapshot!("q3_exceptions", read(&out, "exceptions.csv"));
    insta::assert_snapshot!(
        "q3_manifest",
        without_invocation(&read(&out, "manifest.json"))
    );
}

/// The manifest without `invocation` (command line and working folder, which
/// name this test's temporary paths and are ignored by replay).
fn without_invocation(manifest: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(manifest).unwrap();
    let inv = v.as_object_mut().unwrap().remove("invocation");
    assert!(inv.is_some_and(|i| i["command_line"].is_array()));
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn example_month_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m9");
    let o = run(&example_policy(), &example_data(), "2026-09", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!("m9_payouts", read(&out, "payouts.csv"));
    insta::assert_snapshot!("m9_summary", read(&out, "summary.csv"));
}

#[test]
fn same_outputs_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("t{threads}"));
        let o = run_with(
            &example_policy(),
            &example_data(),
            "2026-Q3",
            &out,
            &[],
            &[
                ("POLARS_MAX_THREADS", threads),
                ("RAYON_NUM_THREADS", threads),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        runs.push(out);
    }
    // Every file, statements and report included.
    let files = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for sub in ["", "feedback"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    let name = p.strip_prefix(dir).unwrap().display().to_string();
                    out.push((name, std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    };
    let (a, b) = (files(&runs[0]), files(&runs[1]));
    // manifest.json differs only in `invocation` (the --out paths), compared below
    let a: Vec<_> = a
        .into_iter()
        .filter(|(n, _)| n != "manifest.json")
        .collect();
    let b: Vec<_> = b
        .into_iter()
        .filter(|(n, _)| n != "manifest.json")
        .collect();
    // 8 files at the top; in feedback/, a bundle per department (4) and the index.
    assert_eq!(a.len(), 8 + 5);
    for ((fa, ba), (fb, bb)) in a.iter().zip(&b) {
        assert_eq!(fa, fb);
        assert!(ba == bb, "{fa} differs");
    }
    assert_eq!(
        without_invocation(&read(&runs[0], "manifest.json")),
        without_invocation(&read(&runs[1], "manifest.json"))
    );
}

#[test]
fn parquet_inputs_give_the_same_payouts() {
    // The same tables as Parquet (written by polars) must give identical payouts.
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for entry in std::fs::read_dir(example_data()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let mut df = CsvReadOptions::default()
                .with_infer_schema_length(Some(0))
                .try_into_reader_with_file_path(Some(path.clone()))
                .unwrap()
                .finish()
                .unwrap();
            let target = data.join(path.with_extension("parquet").file_name().unwrap());
            ParquetWriter::new(std::fs::File::create(target).unwrap())
                .finish(&mut df)
                .unwrap();
        }
    }
    let (a, b) = (dir.path().join("csv"), dir.path().join("parquet"));
    example_q3(&a);
    let o = run(&example_policy(), &data, "2026-Q3", &b);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&a, "payouts.csv"), read(&b, "payouts.csv"));
    assert_eq!(read(&a, "scores.csv"), read(&b, "scores.csv"));
}
