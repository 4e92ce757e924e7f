//! `merit gen`: writes a synthetic data folder for a policy.

use crate::error::{Error, Result};
use crate::gen::{self, Format};
use crate::period::{Month, PeriodKind};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct GenArgs {
    /// Policy folder whose KPIs, roles, review, gates, pool and currencies shape the data
    #[arg(long)]
    pub policy: PathBuf,
    /// Number of employees (1 to 100,000,000)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub employees: u64,
    /// Number of months of metrics (1 to 240)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub months: u32,
    /// Output folder; must be empty or absent unless --force
    #[arg(long)]
    pub out: PathBuf,
    /// File format of every table
    #[arg(long, value_parser = ["csv", "parquet"], default_value = "csv")]
    pub format: String,
    /// Seed; the same seed gives the same bytes
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// First month, YYYY-MM [default: the policy's effective start, else 2026-01]
    #[arg(long)]
    pub start: Option<String>,
    /// Kinds of evaluation period that get targets and ratings
    #[arg(long, value_delimiter = ',', default_value = "month,quarter,half,year", value_parser = ["month", "quarter", "half", "year"])]
    pub periods: Vec<String>,
    /// Replace an output folder an earlier `merit gen` wrote (nothing else).
    #[arg(long)]
    pub force: bool,
    /// Also write a `history` table: mid-period raises for about 3 % of the employees
    #[arg(long)]
    pub changes: bool,
}

pub fn main(args: GenArgs) -> Result<ExitCode> {
    // Held until the data folder is in place.
    let claim = super::outdir::claim_gen(&args.out, args.force, &[("--policy", &args.policy)])?;
    let (lp, _) = crate::output::feedback::load_policy(&args.policy)?;
    let start = match &args.start {
        Some(s) => {
            Month::parse(s).ok_or_else(|| Error::Usage(format!("--start '{s}' is not YYYY-MM")))?
        }
        None => lp
            .policy
            .effective
            .as_ref()
            .and_then(|e| e.from.get(..7))
            .and_then(Month::parse)
            .unwrap_or(Month::new(2026, 1)),
    };
    let cfg = gen::Config {
        // At most 10^8 by the argument's range: fits a usize.
        employees: args.employees as usize,
        months: args.months,
        start,
        format: if args.format == "parquet" {
            Format::Parquet
        } else {
            Format::Csv
        },
        seed: args.seed,
        changes: args.changes,
        periods: args
            .periods
            .iter()
            .map(|p| match p.as_str() {
                "month" => PeriodKind::Month,
                "quarter" => PeriodKind::Quarter,
                "half" => PeriodKind::Half,
                _ => PeriodKind::Year,
            })
            .collect(),
    };
    let staging = crate::output::atomic::Staging::new(claim)?;
    let written = gen::generate(&lp, &cfg, staging.path())?;
    let files: Vec<String> = written.iter().map(|w| w.file.clone()).collect();
    let marker = super::outdir::gen_marker(&files);
    staging.write(super::outdir::GEN_MARKER, marker.as_bytes())?;
    staging.commit()?;
    let tables: Vec<String> = written
        .iter()
        .map(|w| format!("{} ({} rows)", w.file, w.rows))
        .collect();
    println!(
        "merit: generated {} employees × {} months from {} for {} → {}: {}",
        cfg.employees,
        cfg.months,
        start,
        args.policy.display(),
        args.out.display(),
        tables.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
