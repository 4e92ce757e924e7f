//! `merit run --after PREV`: the previous period's run of a stateful plan
//! (docs/policy.md, Year-to-date, draws and balances), verified, its
//! balances read and its manifest and balances archived with the new run.

use crate::engine::balance::Carried;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::policy::LoadedPolicy;
use std::path::Path;

/// The previous run's balances and the files they came from.
pub struct After {
    pub carried: Carried,
    /// (name, bytes) as read, archived in `archive/after/`.
    pub files: Vec<(&'static str, Vec<u8>)>,
}

/// Reads `--after` (verified unless `checked`: replay verified the
/// archived copy), or refuses a stateful plan's run without it where the
/// plan year has begun.
pub fn read(
    dir: Option<&Path>,
    checked: bool,
    lp: &LoadedPolicy,
    period: &Period,
) -> Result<Option<After>> {
    let policy = &lp.policy;
    let Some(dir) = dir else {
        if policy.is_stateful() {
            let (start, first, _) = policy.plan_year(period).map_err(Error::Usage)?;
            if !first {
                return Err(Error::Usage(format!(
                    "plan '{}' carries balances from period to period (a year-to-date commission or a draw): name the run of the period before {period} with --after (the plan year started {start})",
                    policy.id
                )));
            }
        }
        return Ok(None);
    };
    if !policy.is_stateful() {
        return Err(Error::Usage(format!(
            "plan '{}' carries nothing between periods; --after is for plans with a year-to-date commission or a draw",
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
    let read = |name: &str| {
        super::runfolder::read_regular(&dir.join(name)).ok_or_else(|| {
            Error::Usage(format!("--after: cannot read {}", dir.join(name).display()))
        })
    };
    let files = vec![
        ("manifest.json", read("manifest.json")?),
        ("balances.csv", read("balances.csv")?),
    ];
    let carried = crate::output::balances::read(dir)?;
    Ok(Some(After { carried, files }))
}
