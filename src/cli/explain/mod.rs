//! `merit explain --run DIR --employee ID`: one employee's payout step by
//! step, each number with where it came from. Everything printed is read
//! from the run's `trace.jsonl` (recorded while the run computed); explain
//! formats, it does not recompute.

mod find;
mod kpi;
mod payout;
mod render;

use super::runfolder::RunFolder;
use crate::error::Result;
use clap::{Args, ValueEnum};
use find::{find, Found, Problem};
use render::render;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// The employee id, as in payouts.csv.
    #[arg(long)]
    pub employee: String,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn main(args: ExplainArgs) -> Result<ExitCode> {
    let run = RunFolder::open(&args.run)?;
    let found = match find(&run, &args.employee) {
        Ok(f) => f,
        Err(Problem::Tampered(msg)) => {
            eprintln!("{msg}");
            return Ok(ExitCode::from(1));
        }
        Err(Problem::Error(e)) => return Err(e),
    };
    let Found {
        engine,
        head,
        employee,
    } = found;
    match (employee, args.format) {
        (Some(e), Format::Text) => print!("{}", render(&engine, &head, &e)),
        (e, Format::Json) => {
            let v = serde_json::json!({ "engine": engine, "run": head, "employee": e });
            // A json! value of strings and records always serialises.
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        (None, Format::Text) => println!(
            "{} was in the employees table but not employed on any day of {} ({} to {}), so the run computed no score and no payout for them.",
            args.employee, head.period.label, head.period.start, head.period.end
        ),
    }
    Ok(ExitCode::SUCCESS)
}
