//! `merit check`: validate a policy (and optionally data against it) without
//! running a payout. Exit 1 when problems are found.

use crate::error::{Diagnostic, Error, Result};
use crate::period::Period;
use crate::{data, engine, policy};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Policy folder
    #[arg(long)]
    pub policy: PathBuf,
    /// Also check a data folder against the policy
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// With --data: also run every check `merit run` makes for this period
    /// (month coverage, targets, ratings, scripts, pools), writing nothing
    #[arg(long, requires = "data")]
    pub period: Option<String>,
}

pub fn main(args: CheckArgs) -> Result<ExitCode> {
    let lp = match crate::output::feedback::load_policy(&args.policy).map(|(lp, _)| lp) {
        Ok(lp) => lp,
        Err(Error::Invalid(d)) => return Ok(problems(&d.0)),
        Err(e) => return Err(e),
    };
    let period = match &args.period {
        Some(p) => Some(Period::parse(p).map_err(Error::Usage)?),
        None => None,
    };
    let mut found = lp.warnings.clone();
    if let Some(dir) = &args.data {
        match data::load(dir, &lp) {
            Ok(mut d) => {
                let present: Vec<&str> = d.metrics.names().collect();
                let metrics_path = d.file_path("metrics");
                let mut needed: Vec<(&str, &str)> = lp
                    .policy
                    .kpis
                    .iter()
                    .flat_map(|k| {
                        k.aggregate
                            .metrics()
                            .into_iter()
                            .map(move |m| (m, k.id.as_str()))
                    })
                    .collect();
                needed.sort();
                needed.dedup_by_key(|(m, _)| *m);
                for (m, kpi) in needed {
                    if !present.contains(&m) {
                        found.push(Diagnostic::error(
                            &metrics_path,
                            format!(
                                "metric '{m}' (KPI '{kpi}') has no rows in the data{}",
                                policy::hint(m, present.iter().copied())
                            ),
                        ));
                    }
                }
                if let (Some(p), false) = (&period, found.iter().any(Diagnostic::is_error)) {
                    match engine::compute(&lp, &mut d, p) {
                        Ok(_) => {}
                        Err(Error::Invalid(d)) => found.extend(d.0),
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(Error::Invalid(d)) => found.extend(d.0),
            Err(e) => return Err(e),
        }
    }
    if found.iter().any(Diagnostic::is_error) {
        return Ok(problems(&found));
    }
    for w in &found {
        eprintln!("{w}");
    }
    println!("{}", valid_line(&args, &lp, period.as_ref()));
    Ok(ExitCode::SUCCESS)
}

/// The line `check` prints when everything is valid.
fn valid_line(args: &CheckArgs, lp: &policy::LoadedPolicy, period: Option<&Period>) -> String {
    let p = &lp.policy;
    let bonus_file = usize::from(!lp.policy.bonus.script.is_empty());
    let scripts =
        bonus_file + lp.scripts.scoring.len() + lp.scripts.target.len() + lp.scripts.weights.len();
    format!(
        "{}: policy {} {} is valid ({} KPIs, {} roles, {} scoring rules, {} script{}{})",
        args.policy.display(),
        p.id,
        p.version,
        p.kpis.len(),
        p.roles.len(),
        p.scorings.len(),
        scripts,
        if scripts == 1 { "" } else { "s" },
        match (period, &args.data) {
            (Some(p), _) => format!("; data matches it and {p} runs"),
            // Coverage, targets and ratings depend on the period: say so.
            (None, Some(_)) => "; data matches it (add --period P to check month coverage, targets and ratings as `merit run` does)".to_owned(),
            _ => String::new(),
        }
    )
}

fn problems(found: &[Diagnostic]) -> ExitCode {
    let mut found = found.to_vec();
    found.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    for d in &found {
        eprintln!("{d}");
    }
    let errors = found.iter().filter(|d| d.is_error()).count();
    let warnings = found.len() - errors;
    eprintln!(
        "merit check: {errors} error{}, {warnings} warning{}",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    );
    ExitCode::from(1)
}
