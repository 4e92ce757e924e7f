//! `merit status RUN`: where a run stands — intact or not, recorded, which
//! approvals it has and lacks, what was exported, whether a re-run
//! followed it.

use super::payrun::{ledger_of, manifest_sha};
use super::runfolder::RunFolder;
use crate::error::Result;
use crate::ledger::{Event, Kind, Ledger};
use clap::Args;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The run folder.
    pub run: PathBuf,
    /// The run ledger [default: merit-ledger.sqlite beside the run]
    #[arg(long)]
    pub ledger: Option<PathBuf>,
}

pub fn main(args: StatusArgs) -> Result<ExitCode> {
    let run = RunFolder::open(&args.run)?;
    let problems = super::verify::problems(&run)?;
    let manifest = manifest_sha(&args.run)?;
    let mut s = String::new();
    let _ = writeln!(s, "run        {}", args.run.display());
    let _ = writeln!(
        s,
        "plan       {}, period {}",
        run.str_at("/policy/id").unwrap_or("?"),
        run.period().unwrap_or("?")
    );
    let _ = writeln!(s, "manifest   sha256 {manifest}");
    if problems.is_empty() {
        let _ = writeln!(s, "integrity  intact: every file matches the manifest");
    } else {
        let _ = writeln!(s, "integrity  {} problem(s):", problems.len());
        for p in &problems {
            let _ = writeln!(s, "             {}: {}", p.file, p.why);
        }
    }
    let path = ledger_of(&run, args.ledger.as_deref());
    let recorded = if path.is_file() {
        let ledger = Ledger::open(&path)?;
        ledger_part(&mut s, &ledger, &manifest, &args.run)?
    } else {
        let _ = writeln!(s, "ledger     none at {}", path.display());
        false
    };
    print!("{s}");
    Ok(if problems.is_empty() && recorded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Recorded, approvals, exports, later re-runs; whether the run is recorded.
fn ledger_part(
    s: &mut String,
    ledger: &Ledger,
    manifest: &str,
    dir: &std::path::Path,
) -> Result<bool> {
    let Some(run) = ledger.run(manifest)? else {
        let _ = writeln!(
            s,
            "recorded   NO: this manifest is not in {}",
            ledger.path().display()
        );
        return Ok(false);
    };
    let _ = writeln!(
        s,
        "recorded   {} by {} (ledger row {})",
        run.at, run.actor, run.seq
    );
    let lp = crate::policy::load(&dir.join(crate::output::archive::POLICY_DIR)).ok();
    let needed = lp.map(|lp| lp.policy.approvals).unwrap_or_default();
    let given = ledger.acts(manifest, Kind::Approval)?;
    if needed.is_empty() {
        let _ = writeln!(s, "approvals  none required");
    }
    for role in &needed {
        match given.iter().find(|g| &g.role == role) {
            Some(g) => approval_line(s, g),
            None => {
                let _ = writeln!(s, "approval   {role}: missing");
            }
        }
    }
    let exports = ledger.acts(manifest, Kind::Export)?;
    for e in &exports {
        let _ = writeln!(
            s,
            "export     {} {} by {} ({})",
            e.role, e.at, e.actor, e.detail
        );
    }
    for e in &ledger.reruns_of(manifest)? {
        let _ = writeln!(s, "re-run     by {} at {}: {}", e.actor, e.at, e.run_dir);
    }
    let missing = needed
        .iter()
        .filter(|r| !given.iter().any(|g| &g.role == *r))
        .count();
    let state = match (exports.iter().any(|e| e.role == "payroll"), missing) {
        (true, _) => "paid (exported to payroll)".to_owned(),
        (false, 0) => "approved: ready to export".to_owned(),
        (false, n) => format!("awaiting {n} approval(s)"),
    };
    let _ = writeln!(s, "state      {state}");
    Ok(true)
}

fn approval_line(s: &mut String, g: &Event) {
    let note = if g.detail.is_empty() {
        String::new()
    } else {
        format!(" — {}", g.detail)
    };
    let _ = writeln!(s, "approval   {}: {} at {}{note}", g.role, g.actor, g.at);
}
