//! Command line: parse arguments, set up logging, dispatch to one module per
//! subcommand, and map errors to exit codes (0 ok, 1 a check found problems,
//! 2 the tool could not do its job).

mod approve;
mod chain;
mod check;
mod console;
mod demo;
mod diff;
mod explain;
mod export;
mod gen;
mod ledger;
mod model;
mod new;
mod outdir;
mod payrun;
mod replay;
mod run;
mod run_options;
mod run_write;
mod runfolder;
pub mod schema;
mod schema_rules;
mod status;
mod test;
mod test_outputs;
mod test_spans;
mod test_state;
mod test_tables;
mod verify;

use crate::error::Error;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "merit",
    version,
    about = "Performance scoring and exact incentive payouts from a policy folder"
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write the bundled example into a new folder and run it (what `merit` alone does).
    Demo(demo::DemoArgs),
    /// Run the period-end batch: scores, payouts, summary and manifest.
    Run(run::RunArgs),
    /// Check a policy (and optionally data against it) without paying anything.
    Check(check::CheckArgs),
    /// Run the policy's own test cases (DIR/tests/*.yaml).
    Test(test::TestArgs),
    /// Write a working policy folder to start from (policy, test case, data).
    New(new::NewArgs),
    /// Print the JSON Schema of policy.yaml.
    Schema,
    /// Write a realistic synthetic data folder for a policy (benchmarks, demos).
    Gen(gen::GenArgs),
    /// Re-run an archived run from its archive/ alone and compare every output byte for byte.
    Replay(replay::ReplayArgs),
    /// One employee's calculation step by step, from the run's trace.
    Explain(explain::ExplainArgs),
    /// Per-employee and per-department differences between two runs.
    Diff(diff::DiffArgs),
    /// Model a plan change on the same data: cost, winners and losers, KPI hits (no pay run).
    Model(model::ModelArgs),
    /// Record an approval of a run (the policy's `approvals:` roles).
    Approve(approve::ApproveArgs),
    /// Where a run stands: intact, recorded, approvals, exports, re-runs.
    Status(status::StatusArgs),
    /// The periods in the run ledger and their state; --verify checks its hash chain.
    Ledger(ledger::LedgerArgs),
    /// Write the payroll or journal file of an approved run (.csv or .xlsx).
    Export(export::ExportArgs),
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            let run = std::env::args().any(|a| a == "run");
            if run && e.kind() == clap::error::ErrorKind::MissingRequiredArgument {
                eprintln!("To try merit on the bundled example, run `merit demo`.");
            }
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    init_logging(cli.verbose);
    let result = match cli.command {
        Some(Command::Demo(args)) => demo::main(args),
        Some(Command::Run(args)) => run::main(args),
        Some(Command::Check(args)) => check::main(args),
        Some(Command::Test(args)) => test::main(args),
        Some(Command::New(args)) => new::main(args),
        Some(Command::Schema) => schema::main(),
        Some(Command::Gen(args)) => gen::main(args),
        Some(Command::Replay(args)) => replay::main(args),
        Some(Command::Explain(args)) => explain::main(args),
        Some(Command::Diff(args)) => diff::main(args),
        Some(Command::Model(args)) => model::main(args),
        Some(Command::Approve(args)) => approve::main(args),
        Some(Command::Status(args)) => status::main(args),
        Some(Command::Ledger(args)) => ledger::main(args),
        Some(Command::Export(args)) => export::main(args),
        None => demo::main(demo::DemoArgs::default()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints an error to stderr, one problem per paragraph.
pub fn report(e: &Error) {
    match e {
        Error::Invalid(d) => {
            eprintln!("{d}");
            let n = d.errors().count();
            eprintln!(
                "merit: {n} problem{} found; nothing was written",
                if n == 1 { "" } else { "s" }
            );
        }
        other => eprintln!(
            "merit: error: {}",
            crate::error::printable(&other.to_string())
        ),
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
