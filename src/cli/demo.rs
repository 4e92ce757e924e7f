//! `merit demo` (and bare `merit`): the bundled example, carried inside the
//! binary, written into a new folder and run there, so it works from any
//! folder on any machine and never touches an existing folder.

use super::run::{execute, print_exceptions, print_totals, RunConfig};
use crate::error::{Error, Result};
use crate::period::Period;
use clap::Args;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug, Default)]
pub struct DemoArgs {
    /// Folder to create for the example; it must not exist [default:
    /// ./merit-demo, or the next free ./merit-demo-N]
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The example period.
const PERIOD: &str = "2026-Q3";

/// The policy's files and the tables a run reads (fixtures' generate.py
/// is left out). `tests/safe_run.rs` checks the list against the folders.
const FILES: &[(&str, &[u8])] = &[
    (
        "policy/policy.yaml",
        include_bytes!("../../policies/platform-ops/policy.yaml"),
    ),
    (
        "policy/bonus.rhai",
        include_bytes!("../../policies/platform-ops/bonus.rhai"),
    ),
    (
        "policy/tests/cases.yaml",
        include_bytes!("../../policies/platform-ops/tests/cases.yaml"),
    ),
    (
        "data/departments.csv",
        include_bytes!("../../fixtures/platform-ops/departments.csv"),
    ),
    (
        "data/employees.csv",
        include_bytes!("../../fixtures/platform-ops/employees.csv"),
    ),
    (
        "data/metrics.csv",
        include_bytes!("../../fixtures/platform-ops/metrics.csv"),
    ),
    (
        "data/projects.csv",
        include_bytes!("../../fixtures/platform-ops/projects.csv"),
    ),
    (
        "data/ratings.csv",
        include_bytes!("../../fixtures/platform-ops/ratings.csv"),
    ),
    (
        "data/targets.csv",
        include_bytes!("../../fixtures/platform-ops/targets.csv"),
    ),
];

pub fn main(args: DemoArgs) -> Result<ExitCode> {
    let dir = match args.dir {
        Some(d) => create_given(&d)?,
        None => create_free()?,
    };
    write_files(&dir)?;
    let out = dir.join("out");
    let cfg = RunConfig {
        policy: dir.join("policy"),
        data: dir.join("data"),
        period: Period::parse(PERIOD).map_err(Error::Usage)?,
        // The demo's own ledger, beside its run, as `merit run` would.
        ledger: Some(super::payrun::ledger_for(&out, None)),
        ledger_given: true,
        actor: crate::ledger::actor(None),
        out,
        force: false,
        previous: None,
        previous_checked: false,
        after: None,
        after_checked: false,
        lang: None,
        skip: BTreeSet::new(),
        strict: Vec::new(),
        pdf: None,
        // 39 statements to open one by one in a browser, not a bundle.
        statements: crate::output::feedback::Layout::Files,
    };
    let done = execute(&cfg)?;
    print_totals(&cfg, &done.totals);
    print_exceptions(&done.exceptions);
    print_next(&dir);
    Ok(ExitCode::SUCCESS)
}

/// Creates `dir`, which must not exist (its parents may be created).
fn create_given(dir: &Path) -> Result<PathBuf> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => Ok(dir.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Usage(format!(
            "'{}' already exists; merit demo writes only into a new folder: give another --dir",
            dir.display()
        ))),
        Err(e) => Err(Error::io(dir, e)),
    }
}

/// Creates `merit-demo`, or the first free `merit-demo-N`, in the working
/// folder. `create_dir` fails on an existing name, so a folder made by
/// someone else at the same moment is skipped, not reused.
fn create_free() -> Result<PathBuf> {
    for n in 1..=999 {
        let dir = PathBuf::from(match n {
            1 => "merit-demo".to_owned(),
            _ => format!("merit-demo-{n}"),
        });
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&dir, e)),
        }
    }
    Err(Error::Usage(
        "merit-demo to merit-demo-999 all exist here; pass --dir".into(),
    ))
}

fn write_files(dir: &Path) -> Result<()> {
    for (rel, bytes) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Where the example is and what to try next.
fn print_next(dir: &Path) {
    let d = dir.display();
    let id = first_employee(&dir.join("out/payouts.csv")).unwrap_or_else(|| "E001".into());
    println!();
    println!("The example is in {d}/:");
    println!("  {d}/policy/   the plan: policy.yaml, bonus.rhai, tests/");
    println!("  {d}/data/     employees, metrics, targets, ratings, projects");
    println!(
        "  {d}/out/      the run of {PERIOD}: payouts.csv, report.html, feedback/, manifest.json"
    );
    println!("Try next:");
    println!("  open {d}/out/report.html");
    println!("  merit explain --run {d}/out --employee {id}");
    println!("  merit check --policy {d}/policy");
    println!("  merit test --policy {d}/policy");
    println!(
        "  merit run --policy {d}/policy --data {d}/data --period 2026-09 --out {d}/run-2026-09"
    );
    println!("  merit replay {d}/out");
    println!("  merit status {d}/out");
}

/// The first employee id in a payouts.csv.
fn first_employee(payouts: &Path) -> Option<String> {
    let text = std::fs::read_to_string(payouts).ok()?;
    let rows = super::runfolder::parse_csv(&text);
    rows.get(1)?.first().cloned()
}
