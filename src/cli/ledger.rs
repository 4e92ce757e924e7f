//! `merit ledger`: the periods of each plan and where they stand (runs,
//! approvals, payment), and `--verify`: the ledger's hash chain checked row
//! by row.

use crate::error::Result;
use crate::ledger::{Event, Kind, Ledger, DEFAULT_FILE};
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct LedgerArgs {
    /// The run ledger [default: ./merit-ledger.sqlite]
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    /// Check every row's hash against its contents and the row before.
    #[arg(long)]
    pub verify: bool,
}

pub fn main(args: LedgerArgs) -> Result<ExitCode> {
    let path = args.ledger.unwrap_or_else(|| PathBuf::from(DEFAULT_FILE));
    if !path.is_file() {
        return Err(crate::error::Error::Usage(format!(
            "no run ledger at {} (give --ledger)",
            path.display()
        )));
    }
    let ledger = Ledger::open(&path)?;
    if args.verify {
        let bad = ledger.verify()?;
        let n = ledger.events()?.len();
        if bad.is_empty() {
            println!(
                "merit: ledger {}: {n} rows, the hash chain is intact",
                path.display()
            );
            // Kept outside the ledger (in the sign-off), it also exposes a
            // chain rewritten from some row on, or rows cut off the end.
            let head = ledger.events()?.last().map(|e| e.hash.clone());
            println!("head: row {n}, hash {}", head.unwrap_or_default());
            return Ok(ExitCode::SUCCESS);
        }
        for b in &bad {
            println!("{}: {b}", path.display());
        }
        println!(
            "merit: ledger {}: {} of {n} rows fail the hash chain",
            path.display(),
            bad.len()
        );
        return Ok(ExitCode::from(1));
    }
    print!("{}", periods(&ledger.events()?));
    Ok(ExitCode::SUCCESS)
}

/// One line per plan and period: runs, the latest, approvals, paid.
fn periods(events: &[Event]) -> String {
    let mut by: BTreeMap<(&str, &str), Vec<&Event>> = BTreeMap::new();
    for e in events {
        by.entry((&e.plan, &e.period)).or_default().push(e);
    }
    let mut s = format!(
        "{:<20} {:<9} {:>4}  {:<9} {:<10} latest run\n",
        "plan", "period", "runs", "approvals", "state"
    );
    for ((plan, period), es) in by {
        let runs: Vec<&&Event> = es.iter().filter(|e| e.kind == Kind::Run).collect();
        let Some(latest) = runs.last() else { continue };
        let approvals = es
            .iter()
            .filter(|e| e.kind == Kind::Approval && e.manifest == latest.manifest)
            .count();
        let paid = es
            .iter()
            .any(|e| e.kind == Kind::Export && e.role == "payroll");
        let paid_latest = es.iter().any(|e| {
            e.kind == Kind::Export && e.role == "payroll" && e.manifest == latest.manifest
        });
        let state = match (paid, paid_latest) {
            (_, true) => "paid",
            (true, false) => "re-run due",
            (false, _) => "open",
        };
        s += &format!(
            "{plan:<20} {period:<9} {:>4}  {:<9} {state:<10} {}\n",
            runs.len(),
            approvals,
            latest.run_dir
        );
    }
    s
}
