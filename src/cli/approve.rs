//! `merit approve RUN --as ROLE --by NAME`: records one of the approvals the
//! plan's `approvals:` requires, after checking the run is intact and is the
//! run the ledger recorded.

use super::payrun::RecordedRun;
use crate::error::{Error, Result};
use crate::ledger::Kind;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ApproveArgs {
    /// The run folder to approve.
    pub run: PathBuf,
    /// The role approving, one of the policy's `approvals`.
    #[arg(long = "as", value_name = "ROLE")]
    pub role: String,
    /// Who approves (recorded).
    #[arg(long)]
    pub by: String,
    /// A note recorded with the approval.
    #[arg(long)]
    pub note: Option<String>,
    /// The run ledger [default: merit-ledger.sqlite beside the run]
    #[arg(long)]
    pub ledger: Option<PathBuf>,
}

pub fn main(args: ApproveArgs) -> Result<ExitCode> {
    let mut r = RecordedRun::open(&args.run, args.ledger.as_deref(), "approve")?;
    let roles = &r.lp.policy.approvals;
    if !roles.contains(&args.role) {
        return Err(Error::Usage(if roles.is_empty() {
            "the plan lists no `approvals:`; its runs need none".to_owned()
        } else {
            format!(
                "'{}' is not an approval role of the plan (roles: {})",
                args.role,
                roles.join(", ")
            )
        }));
    }
    let mut e = r.event(Kind::Approval, args.by.trim());
    e.role = args.role.clone();
    e.detail = args.note.unwrap_or_default();
    let (manifest, run) = (r.manifest.clone(), args.run.display().to_string());
    // The check and the row in one step: two approvals at once cannot both pass.
    let e = r.ledger.locked(|l| {
        let acts = l.acts(&manifest, Kind::Approval)?;
        if let Some(done) = acts.into_iter().find(|x| x.role == e.role) {
            return Err(Error::Usage(format!(
                "{run} was already approved as {} by {} at {}",
                done.role, done.actor, done.at
            )));
        }
        l.append_locked(e)
    })?;
    let missing = r.missing_approvals()?;
    println!(
        "merit: approved {} ({} {}) as {} by {} (ledger row {})",
        args.run.display(),
        e.plan,
        e.period,
        e.role,
        e.actor,
        e.seq
    );
    if missing.is_empty() {
        println!("every approval is in: the run may be exported");
    } else {
        println!("still needed: {}", missing.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
