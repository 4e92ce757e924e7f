//! `merit run --after PREV`: the previous period's run of a stateful plan
//! (docs/policy.md, Year-to-date, draws and balances), verified, its
//! balances read and its manifest and balances archived with the new run.

use crate::engine::balance::Carried;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::policy::LoadedPolicy;
use std::path::Path;

/// (name, bytes) as read, archived in `archive/after/`.
type Files = Vec<(&'static str, Vec<u8>)>;

/// The previous run's balances and the files they came from.
pub struct After {
    pub carried: Carried,
    pub files: Files,
}

/// Reads `--after` (verified unless `checked`: replay verified the
/// archived copy), or refuses a stateful plan's run without it where the
/// plan year has begun.
pub fn read(
    dir: Option<&Path>,
    checked: bool,
    lp: &LoadedPolicy,
    period: &Period,
    ledger: Option<&Path>,
) -> Result<Option<After>> {
    let policy = &lp.policy;
    if let (true, Some(l)) = (policy.is_stateful(), ledger) {
        check_no_overlap(l, &policy.id, period)?;
    }
    let Some(dir) = dir else {
        if policy.is_stateful() {
            let (start, first, _) = policy.plan_year(period).map_err(Error::Usage)?;
            if !first {
                return Err(Error::Usage(format!(
                    "plan '{}' carries balances from period to period (a year-to-date commission, a draw or clawbacks): name the run of the period before {period} with --after (the plan year started {start})",
                    policy.id
                )));
            }
        }
        return Ok(None);
    };
    if !policy.is_stateful() {
        return Err(Error::Usage(format!(
            "plan '{}' carries nothing between periods; --after is for plans with a year-to-date commission, a draw or clawbacks",
            policy.id
        )));
    }
    if !checked {
        super::verify::verified(dir, "--after")?;
    }
    let run = super::runfolder::RunFolder::open(dir)?;
    let (plan, label) = (run.str_at("/policy/id")?, run.period()?);
    if plan != policy.id {
        return Err(Error::Usage(format!(
            "--after '{}' is a run of plan '{plan}', not '{}'",
            dir.display(),
            policy.id
        )));
    }
    let before = Period::parse(label).map_err(Error::Usage)?;
    if before.end() + chrono::Days::new(1) != period.start() {
        return Err(Error::Usage(format!(
            "--after '{}' is the run of {label}; {period} needs the run of the period just before it",
            dir.display()
        )));
    }
    if let Some(l) = ledger {
        check_latest(l, dir)?;
    }
    let (files, carried) = read_files(dir, policy)?;
    let (start, _, _) = policy.plan_year(period).map_err(Error::Usage)?;
    if carried.plan_year == Some(start) {
        // A year-to-date commission cannot start in the middle of a year:
        // what the year paid for it would be taken as nothing.
        let text = String::from_utf8_lossy(&files[1].1);
        let header = text.lines().next().unwrap_or("");
        for c in policy.commissions.iter().filter(|c| c.ytd) {
            if !header.split(',').any(|h| h == format!("paid_ytd_{}", c.id)) {
                return Err(Error::Usage(format!(
                    "--after '{}' has no paid_ytd_{} in balances.csv: a year-to-date commission cannot be added or renamed in the middle of a plan year",
                    dir.display(),
                    c.id
                )));
            }
        }
    }
    Ok(Some(After { carried, files }))
}

/// The previous run's files as read (archived with the run) and what they
/// carry: its manifest, balances and, when it has one, deal ledger.
fn read_files(dir: &Path, policy: &crate::policy::Policy) -> Result<(Files, Carried)> {
    let read = |name: &str| {
        super::runfolder::read_regular(&dir.join(name)).ok_or_else(|| {
            Error::Usage(format!("--after: cannot read {}", dir.join(name).display()))
        })
    };
    let mut files = vec![
        ("manifest.json", read("manifest.json")?),
        ("balances.csv", read("balances.csv")?),
    ];
    let mut carried = crate::output::balances::read(dir, policy.rounding.money_places)?;
    // A chain that gains `clawback` midway starts its ledger empty; one
    // that drops it still archives what it continued from.
    if dir.join("deals.csv").is_file() {
        files.push(("deals.csv", read("deals.csv")?));
        if policy.clawback.is_some() {
            carried.deals = crate::output::deals::read(dir, policy.rounding.money_places)?;
        }
    }
    Ok((files, carried))
}

/// The ledger must know `--after` as a run, and no later re-run of it: a
/// chain continues from what was run last (a folder altered or made
/// elsewhere, or superseded by a correction, is refused).
fn check_latest(ledger: &Path, dir: &Path) -> Result<()> {
    if !ledger.is_file() {
        return Ok(());
    }
    let sha = super::payrun::manifest_sha(dir)?;
    let l = crate::ledger::Ledger::open(ledger)?;
    if l.run(&sha)?.is_none() {
        return Err(Error::Usage(format!(
            "--after '{}' is not a run recorded in the ledger {} (made elsewhere, or altered since)",
            dir.display(),
            ledger.display()
        )));
    }
    if let Some(later) = l.reruns_of(&sha)?.pop() {
        return Err(Error::Usage(format!(
            "--after '{}' was corrected by the re-run {}; continue the chain from that run",
            dir.display(),
            later.run_dir
        )));
    }
    Ok(())
}

/// Runs of a chain do not overlap: a period that shares a month with a
/// recorded run of another period of the plan would pay that month's
/// year to date again.
fn check_no_overlap(ledger: &Path, plan: &str, period: &Period) -> Result<()> {
    if !ledger.is_file() {
        return Ok(());
    }
    let l = crate::ledger::Ledger::open(ledger)?;
    for e in l.runs_of_plan(plan)? {
        let Ok(other) = Period::parse(&e.period) else {
            continue;
        };
        let overlaps = other.start() <= period.end() && period.start() <= other.end();
        if overlaps && other.label != period.label {
            return Err(Error::Usage(format!(
                "plan '{plan}' carries balances, and its run of {} ({}) overlaps {period}: the runs of a chain must not share a month",
                other.label, e.run_dir
            )));
        }
    }
    Ok(())
}
