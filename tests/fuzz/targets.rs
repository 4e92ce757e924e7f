//! The four things fuzzed: the policy loader, the table readers (CSV and
//! Parquet), the Rhai bridge (scripts run by the engine), and the run-folder
//! reader (replay, diff, explain, status, approve on a tampered run folder).

use super::bundle;
use super::mutate::{CSV, RHAI, YAML};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct Target {
    pub name: &'static str,
    pub dict: &'static [&'static str],
    /// Which files of a bundle mutations aim at.
    pub focus: fn(&str) -> bool,
    /// Runs one input; `Err` describes a failure that is not a panic
    /// (a subprocess that crashed or hung).
    pub run: fn(&[u8], &Path) -> Result<(), String>,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "policy",
        dict: YAML,
        focus: |f| f.ends_with(".yaml") || f.ends_with(".md") || f.ends_with(".html"),
        run: policy,
    },
    Target {
        name: "data",
        dict: CSV,
        focus: |_| true,
        run: data,
    },
    Target {
        name: "rhai",
        dict: RHAI,
        focus: |f| f.ends_with(".rhai"),
        run: rhai,
    },
    Target {
        name: "commission",
        dict: CSV,
        focus: |f| f.starts_with("data/") || f.ends_with(".yaml"),
        run: commission,
    },
    Target {
        name: "archive",
        dict: CSV,
        focus: |f| !f.starts_with("archive/"),
        run: archive,
    },
];

/// Seeds each target starts from (besides its corpus folder).
pub fn seeds(name: &str, scratch: &Path) -> Vec<Vec<u8>> {
    let none = |_: &str| false;
    match name {
        "policy" => ["platform-ops", "customer-service", "growth-targets"]
            .iter()
            .map(|p| {
                bundle::pack(&root().join("policies").join(p), &|f| {
                    f.starts_with("tests/")
                })
            })
            .collect(),
        "data" => vec![
            bundle::pack(&root().join("fixtures/platform-ops"), &|f| {
                f.ends_with(".py")
            }),
            parquet_seed(scratch),
        ],
        "rhai" => vec![bundle::pack(
            &root().join("policies/customer-service"),
            &|f| f.starts_with("tests/"),
        )],
        "archive" => vec![bundle::pack(&example_run(scratch), &none)],
        "commission" => vec![bundle::pack(&commission_seed(scratch), &none)],
        _ => unreachable!("the five targets above"),
    }
}

/// Loads and checks a policy folder as `merit check` does.
fn policy(input: &[u8], dir: &Path) -> Result<(), String> {
    bundle::unpack(input, dir);
    let _ = merit::output::feedback::load_policy(dir);
    Ok(())
}

/// Reads a data folder for the example policy and computes Q3 from it.
fn data(input: &[u8], dir: &Path) -> Result<(), String> {
    static POLICY: std::sync::OnceLock<merit::policy::LoadedPolicy> = std::sync::OnceLock::new();
    bundle::unpack(input, dir);
    let lp = POLICY.get_or_init(|| {
        merit::policy::load(&root().join("policies/platform-ops")).expect("the example loads")
    });
    compute(lp, dir);
    Ok(())
}

/// The commission test plan (inputs, commissions, split credit) as
/// `policy/`, with a data folder as `data/`, both mutated.
fn commission(input: &[u8], dir: &Path) -> Result<(), String> {
    bundle::unpack(input, dir);
    if let Ok(lp) = merit::policy::load(&dir.join("policy")) {
        compute(&lp, &dir.join("data"));
    }
    Ok(())
}

fn commission_seed(scratch: &Path) -> PathBuf {
    let dir = scratch.join("commission-seed");
    let _ = std::fs::remove_dir_all(&dir);
    let policy = root().join("tests/plans/commission");
    for f in ["policy.yaml", "tests/cases.yaml"] {
        let to = dir.join("policy").join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(policy.join(f), to).unwrap();
    }
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let tables = [
        ("employees.csv", "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date,quota,plan_code\nE01,A,sales,ae,120000,10,2020-01-01,100000,\nE02,B,sales,ae,120000,0,2026-03-10,100000,P\nE09,C,sales,ae_retro,120000,0,2020-01-01,50000,PILOT\nE10,D,sales,manager,90000,5,2020-01-01,100000,\n"),
        ("metrics.csv", "subject_id,month,metric,value\nE01,2026-03,calls,100\nE02,2026-03,calls,80\nE09,2026-03,calls,120\nE10,2026-03,calls,100\nE10,2026-03,revenue,90000\n"),
        ("transactions.csv", "deal_id,employee_id,date,amount,share,credit,product,customer,territory\nD-1001,E01,2026-03-04,120000,,,licence,ACME,north\nD-1002,E01,2026-03-18,90000,60,,licence,Globex,north\nD-1002,E02,2026-03-18,90000,40,,licence,Globex,north\nD-1002,E09,2026-03-18,90000,100,overlay,licence,Globex,north\nD-1003,E01,2026-03-20,33333.335,100/3,,hardware,X,east\nD-1003,E02,2026-03-20,33333.335,100/3,,hardware,X,east\nD-1003,E09,2026-03-20,33333.335,100/3,,hardware,X,east\n"),
    ];
    for (name, text) in tables {
        std::fs::write(data.join(name), text).unwrap();
    }
    dir
}

/// Runs the customer-service policy, scripts mutated, over its fixture.
fn rhai(input: &[u8], dir: &Path) -> Result<(), String> {
    bundle::unpack(input, dir);
    if let Ok(lp) = merit::policy::load(dir) {
        compute(&lp, &root().join("fixtures/customer-service"));
    }
    Ok(())
}

fn compute(lp: &merit::policy::LoadedPolicy, data: &Path) {
    if let Ok(mut d) = merit::data::load(data, lp) {
        for p in ["2026-Q3", "2026-09", "2026"] {
            let period = merit::period::Period::parse(p).expect("a valid period");
            let _ = merit::engine::compute(lp, &mut d, &period);
        }
    }
}

/// A tampered run folder through every command that reads one, run as the
/// real binary: a crash or a hang there is what a user would meet.
fn archive(input: &[u8], dir: &Path) -> Result<(), String> {
    let run = dir.join("run");
    bundle::unpack(input, &run);
    // Half the time as an attacker who also rewrites the manifest's hashes,
    // so that the mutation reaches replay's re-run, not just the hash check.
    if input.len().is_multiple_of(2) {
        rehash(&run);
    }
    let s = run.to_str().expect("a temporary path is UTF-8");
    let ledger = dir.join("ledger.sqlite");
    let l = ledger.to_str().expect("UTF-8");
    for args in [
        vec!["replay", s],
        vec!["diff", s, s],
        vec!["explain", "--run", s, "--employee", "E001"],
        vec!["status", s, "--ledger", l],
        vec![
            "approve", s, "--as", "finance", "--by", "fuzz", "--ledger", l,
        ],
    ] {
        binary(&args, dir)?;
    }
    Ok(())
}

/// Rewrites every hash in `manifest.json` to match the files as they are.
fn rehash(run: &Path) {
    use sha2::Digest;
    let path = run.join("manifest.json");
    let Ok(mut m) =
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap_or_default())
    else {
        return;
    };
    let dirs = [
        ("outputs", ""),
        ("policy_files", "archive/policy/"),
        ("inputs", "archive/data/"),
    ];
    for (key, prefix) in dirs {
        let Some(list) = m.get_mut(key).and_then(|v| v.as_array_mut()) else {
            continue;
        };
        for f in list {
            let Some(rel) = f.get("path").and_then(|p| p.as_str()) else {
                continue;
            };
            if rel.contains("..") {
                continue;
            }
            if let Ok(bytes) = std::fs::read(run.join(format!("{prefix}{rel}"))) {
                f["sha256"] = format!("{:x}", sha2::Sha256::digest(&bytes)).into();
            }
        }
    }
    let _ = std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap_or_default());
}

/// The binary under test: `MERIT_BIN` (a copy, so that a rebuild during a
/// long session does not change it), else the one cargo built.
fn merit_bin() -> PathBuf {
    std::env::var_os("MERIT_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_merit")), PathBuf::from)
}

/// Runs the merit binary; a crash (exit 101, a signal) or 60 s without an
/// answer is a finding.
fn binary(args: &[&str], dir: &Path) -> Result<(), String> {
    let mut child = Command::new(merit_bin())
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start merit: {e}"))?;
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let mut err = String::new();
            use std::io::Read;
            let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            return match status.code() {
                Some(0..=2) => {
                    if std::env::var("MERIT_FUZZ_DEBUG").is_ok() {
                        eprintln!("merit {} → {:?}: {}", args[0], status.code(), err.trim());
                    }
                    Ok(())
                }
                code => Err(format!("merit {} exited {code:?}: {}", args[0], err.trim())),
            };
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            return Err(format!("merit {} hung (60 s)", args[0]));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The example's Q3 run folder (without per-employee documents, so that a
/// bundle stays small).
fn example_run(scratch: &Path) -> PathBuf {
    let out = scratch.join("example-run");
    if !out.exists() {
        let o = Command::new(merit_bin())
            .args(["run", "--policy"])
            .arg(root().join("policies/platform-ops"))
            .arg("--data")
            .arg(root().join("fixtures/platform-ops"))
            .args([
                "--period",
                "2026-Q3",
                "--skip",
                "statements,workbook",
                "--out",
            ])
            .arg(&out)
            .output()
            .expect("merit runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    out
}

/// The example's data with employees and metrics as Parquet.
fn parquet_seed(scratch: &Path) -> Vec<u8> {
    use polars::prelude::*;
    let dir = scratch.join("parquet-data");
    if !dir.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["ratings.csv", "targets.csv", "projects.csv"] {
            std::fs::copy(root().join("fixtures/platform-ops").join(f), dir.join(f)).unwrap();
        }
        for t in ["employees", "metrics"] {
            let path = root().join(format!("fixtures/platform-ops/{t}.csv"));
            let mut df = CsvReadOptions::default()
                .with_infer_schema_length(Some(0))
                .try_into_reader_with_file_path(Some(path))
                .unwrap()
                .finish()
                .unwrap();
            let file = std::fs::File::create(dir.join(format!("{t}.parquet"))).unwrap();
            ParquetWriter::new(file).finish(&mut df).unwrap();
        }
    }
    bundle::pack(&dir, &|_| false)
}
