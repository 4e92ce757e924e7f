//! `merit new DIR [--template scorecard|commission]`: a working plan to start from —
//! `DIR/policy` (policy, a hand-worked test case) and `DIR/data` (a small
//! data folder, kept apart so that data is never archived as policy) — that
//! passes `check` and `test` as written. Never writes into a folder that
//! holds anything.

use crate::error::{Error, Result};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The folder to create (absent or empty): DIR/policy and DIR/data.
    pub dir: PathBuf,
    /// The kind of plan to start from.
    #[arg(long, value_enum, default_value_t = Template::Scorecard)]
    pub template: Template,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// KPIs with targets, a curve, a manager review, rating bands and a capped bonus.
    Scorecard,
    /// A year-to-date commission on deals against a quota, a recoverable
    /// draw and clawbacks; monthly runs chained with --after.
    Commission,
}

/// The scorecard template's files, relative to the new folder.
const SCORECARD: &[(&str, &str)] = &[
    (
        "policy/policy.yaml",
        include_str!("new/scorecard/policy.yaml"),
    ),
    (
        "policy/tests/cases.yaml",
        include_str!("new/scorecard/tests/cases.yaml"),
    ),
    (
        "data/employees.csv",
        include_str!("new/scorecard/data/employees.csv"),
    ),
    (
        "data/metrics.csv",
        include_str!("new/scorecard/data/metrics.csv"),
    ),
    (
        "data/targets.csv",
        include_str!("new/scorecard/data/targets.csv"),
    ),
    (
        "data/ratings.csv",
        include_str!("new/scorecard/data/ratings.csv"),
    ),
];

/// The commission template's files, relative to the new folder.
const COMMISSION: &[(&str, &str)] = &[
    (
        "policy/policy.yaml",
        include_str!("new/commission/policy.yaml"),
    ),
    (
        "policy/tests/cases.yaml",
        include_str!("new/commission/tests/cases.yaml"),
    ),
    (
        "data/employees.csv",
        include_str!("new/commission/data/employees.csv"),
    ),
    (
        "data/metrics.csv",
        include_str!("new/commission/data/metrics.csv"),
    ),
    (
        "data/transactions.csv",
        include_str!("new/commission/data/transactions.csv"),
    ),
    (
        "data/refunds.csv",
        include_str!("new/commission/data/refunds.csv"),
    ),
];

pub fn main(args: NewArgs) -> Result<ExitCode> {
    let files = match args.template {
        Template::Scorecard => SCORECARD,
        Template::Commission => COMMISSION,
    };
    let holds_something = std::fs::read_dir(&args.dir).is_ok_and(|mut d| d.next().is_some());
    if holds_something || (args.dir.exists() && !args.dir.is_dir()) {
        return Err(Error::Usage(format!(
            "'{}' exists and is not an empty folder; merit new writes only into a new one",
            args.dir.display()
        )));
    }
    for (rel, text) in files {
        write_new(&args.dir.join(rel), text)?;
    }
    next_steps(&args);
    Ok(ExitCode::SUCCESS)
}

/// The commands that check, test and run the new plan. A commission plan's
/// runs form a chain: its first run is the plan year's first month, and the
/// next names it with --after.
fn next_steps(args: &NewArgs) {
    let d = args.dir.display();
    let period = match args.template {
        Template::Scorecard => "2026-09",
        Template::Commission => "2026-01",
    };
    println!("merit: wrote a {:?} policy to {d}; next:", args.template);
    println!("  merit check --policy {d}/policy --data {d}/data --period {period}");
    println!("  merit test --policy {d}/policy");
    let run = format!("merit run --policy {d}/policy --data {d}/data");
    println!("  {run} --period {period} --out {d}/runs/{period}");
    if args.template == Template::Commission {
        println!("  {run} --period 2026-02 --out {d}/runs/2026-02 --after {d}/runs/2026-01");
    }
}

/// Creates `path` (and its folder); an existing file is never replaced.
fn write_new(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::io(path, e))
}
