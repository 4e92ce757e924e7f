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
    /// `text` for people; `json` for editors and CI (one object on stdout)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn main(args: CheckArgs) -> Result<ExitCode> {
    let lp = match crate::output::feedback::load_policy(&args.policy).map(|(lp, _)| lp) {
        Ok(lp) => lp,
        Err(Error::Invalid(d)) => return Ok(report(args.format, &d.0, None)),
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
                    // Recognition too: a condition can fail only on data.
                    let feedback = engine::compute(&lp, &mut d, p)
                        .and_then(|run| engine::recognition::evaluate(&lp, &d, &run));
                    match feedback {
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
    let valid = valid_line(&args, &lp, period.as_ref());
    Ok(report(args.format, &found, Some(valid)))
}

/// Prints what was found; exit 1 on any error. `valid` is the line for a
/// policy that loaded (used when nothing found is an error).
fn report(format: Format, found: &[Diagnostic], valid: Option<String>) -> ExitCode {
    let mut found = found.to_vec();
    found.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    let errors = found.iter().filter(|d| d.is_error()).count();
    let valid = valid.filter(|_| errors == 0);
    match format {
        Format::Json => println!("{}", json(&found, valid.as_deref())),
        Format::Text => {
            for d in &found {
                eprintln!("{d}");
            }
            match &valid {
                Some(line) => println!("{line}"),
                None => eprintln!("{}", counts(&found)),
            }
        }
    }
    match valid {
        Some(_) => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    }
}

/// `merit check: N errors, M warnings`.
fn counts(found: &[Diagnostic]) -> String {
    let errors = found.iter().filter(|d| d.is_error()).count();
    let warnings = found.len() - errors;
    format!(
        "merit check: {errors} error{}, {warnings} warning{}",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    )
}

/// `{"valid": …, "summary": …, "problems": [{file, line, column, severity, message}]}`.
fn json(found: &[Diagnostic], valid: Option<&str>) -> String {
    let problems: Vec<serde_json::Value> = found
        .iter()
        .map(|d| {
            serde_json::json!({
                "file": d.file,
                "line": d.line,
                "column": d.col,
                "severity": if d.is_error() { "error" } else { "warning" },
                "message": d.message,
            })
        })
        .collect();
    let v = serde_json::json!({
        "valid": valid.is_some(),
        "summary": valid.map_or_else(|| counts(found), str::to_owned),
        "problems": problems,
    });
    // A json! value of strings, numbers and nulls always serialises.
    serde_json::to_string_pretty(&v).expect("json")
}

/// The line `check` prints when everything is valid.
fn valid_line(args: &CheckArgs, lp: &policy::LoadedPolicy, period: Option<&Period>) -> String {
    let p = &lp.policy;
    let bonus_file = usize::from(!lp.policy.bonus.script.is_empty());
    let scripts =
        bonus_file + lp.scripts.scoring.len() + lp.scripts.target.len() + lp.scripts.weights.len();
    let n = crate::error::counted;
    format!(
        "{}: policy {} {} is valid ({}, {}, {}, {}{})",
        args.policy.display(),
        p.id,
        p.version,
        n(p.kpis.len(), "KPI", "KPIs"),
        n(p.roles.len(), "role", "roles"),
        n(p.scorings.len(), "scoring rule", "scoring rules"),
        n(scripts, "script", "scripts"),
        match (period, &args.data) {
            (Some(p), _) => format!("; data matches it and {p} runs"),
            // Coverage, targets and ratings depend on the period: say so.
            (None, Some(_)) => "; data matches it (add --period P to check month coverage, targets and ratings as `merit run` does)".to_owned(),
            _ => String::new(),
        }
    )
}
