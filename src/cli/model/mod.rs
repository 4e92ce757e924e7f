//! `merit model`: a plan change modelled on the same data — both policies
//! computed by `engine::compute` for each period, compared per employee,
//! department and band, written to `--out` (employees.csv, summary.csv,
//! health.csv, model.html; with `--simulate`, simulation.csv and
//! simulation_draws.csv; with `--suggest-targets`, suggestions.csv). Not a pay run: no ledger entry, archive or
//! payouts.csv. docs/model.md is the contract.

mod resample;
mod simulate;

use crate::data::Data;
use crate::engine::suggest::Suggestion;
use crate::error::{Error, Result};
use crate::output::model::{Model, PlanInfo, PlanPeriod};
use crate::output::OutFile;
use crate::period::Period;
use crate::policy::{Language, LoadedPolicy};
use crate::{data, engine, output};
use clap::Args;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ModelArgs {
    /// The new plan: its policy folder
    #[arg(long)]
    pub policy: PathBuf,
    /// The plan it would replace (the baseline): its policy folder
    #[arg(long)]
    pub baseline: PathBuf,
    /// Data folder both plans are computed on
    #[arg(long)]
    pub data: PathBuf,
    /// Period(s) to model: 2026-09, 2026-Q3, 2026-H2 or 2026; repeat the
    /// flag or separate with commas
    #[arg(long, required = true, value_delimiter = ',')]
    pub period: Vec<String>,
    /// Output folder; must be absent or empty unless --force
    #[arg(long)]
    pub out: PathBuf,
    /// Replace a folder an earlier `merit model` wrote (nothing else)
    #[arg(long)]
    pub force: bool,
    /// Language of model.html [default: the new plan's `language`]
    #[arg(long, value_parser = ["zh-CN", "en"])]
    pub lang: Option<String>,
    /// Also simulate the cost of the period after the last --period: N
    /// draws resampling each subject's metrics from its own history
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub simulate: Option<u32>,
    /// Seed of --simulate; the same seed gives the same bytes
    #[arg(long, default_value_t = 1, requires = "simulate")]
    pub seed: u64,
    /// Suggest growth rates for the new plan's history-based targets
    #[arg(long)]
    pub suggest_targets: bool,
    /// The share of employees the suggested targets put at or above target
    #[arg(long, default_value = "0.6", requires = "suggest_targets")]
    pub share: String,
}

/// The arguments, checked.
struct Config {
    policy: PathBuf,
    baseline: PathBuf,
    data: PathBuf,
    periods: Vec<Period>,
    out: PathBuf,
    force: bool,
    lang: Option<Language>,
    /// `--simulate N --seed S`.
    simulate: Option<(usize, u64)>,
    /// `--suggest-targets --share X`.
    suggest: Option<Decimal>,
}

impl ModelArgs {
    fn check(self) -> Result<Config> {
        let mut periods: Vec<Period> = Vec::new();
        for p in &self.period {
            let period = Period::parse(p.trim()).map_err(Error::Usage)?;
            if periods.iter().any(|q| q.label == period.label) {
                return Err(Error::Usage(format!(
                    "--period {} is given twice",
                    period.label
                )));
            }
            periods.push(period);
        }
        let suggest = match self.suggest_targets {
            false => None,
            true => Some(share(&self.share)?),
        };
        Ok(Config {
            suggest,
            policy: self.policy,
            baseline: self.baseline,
            data: self.data,
            periods,
            out: self.out,
            force: self.force,
            lang: self.lang.as_deref().and_then(Language::parse),
            simulate: self.simulate.map(|n| (n as usize, self.seed)),
        })
    }
}

/// A share above 0 and at most 1.
fn share(text: &str) -> Result<Decimal> {
    let bad = || {
        Error::Usage(format!(
            "--share '{text}' is not a fraction above 0 and at most 1, such as 0.6"
        ))
    };
    let v = crate::decimal::parse_decimal(text.trim()).map_err(|_| bad())?;
    (v > Decimal::ZERO && v <= Decimal::ONE)
        .then_some(v)
        .ok_or_else(bad)
}

pub fn main(args: ModelArgs) -> Result<ExitCode> {
    let cfg = args.check()?;
    let inputs = [
        ("--policy", cfg.policy.as_path()),
        ("--baseline", cfg.baseline.as_path()),
        ("--data", cfg.data.as_path()),
    ];
    // Held until the outputs are in place.
    let claim = super::outdir::claim_model(&cfg.out, cfg.force, &inputs)?;
    let new = load_policy(&cfg.policy)?;
    let old = load_policy(&cfg.baseline)?;
    if new.policy.currency != old.policy.currency {
        return Err(Error::Usage(format!(
            "the new plan pays in {} and the baseline in {}: a model compares plans of one currency",
            new.policy.currency, old.policy.currency
        )));
    }
    let lang = cfg.lang.unwrap_or(new.policy.language);
    let (old_runs, mut old_data, _) = plan_runs(&cfg, &old, None)?;
    let (new_runs, mut new_data, suggested) = plan_runs(&cfg, &new, cfg.suggest)?;
    let model = Model {
        old: PlanInfo::of(&old, lang),
        new: PlanInfo::of(&new, lang),
        periods: cfg.periods.iter().map(|p| p.label.clone()).collect(),
        runs: old_runs.into_iter().zip(new_runs).collect(),
        departments: department_names(&new_data, lang),
        lang,
    };
    let mut files = vec![
        output::model::employees_csv(&model),
        output::model::summary_csv(&model),
        output::model::health_csv(&model),
    ];
    let mut sections = vec![output::model::health_sections(&model)];
    if let Some(share) = cfg.suggest {
        let s = output::model::Suggestions {
            share,
            periods: model.periods.iter().cloned().zip(suggested).collect(),
        };
        let (csv, section) = output::model::suggestion_outputs(&model, &s);
        files.push(csv);
        sections.push(section);
    }
    if let Some((n, seed)) = cfg.simulate {
        let Some(last) = cfg.periods.last() else {
            return Err(Error::Usage("--simulate needs a --period".into()));
        };
        let plans = [(&old, &mut old_data), (&new, &mut new_data)];
        let sim = simulate::simulate(plans, last, n, seed)?;
        let (csvs, section) = output::model::simulation_outputs(&model, &sim);
        files.extend(csvs);
        sections.push(section);
    }
    files.push(output::model::page(&model, &sections));
    write(claim, files)?;
    print_summary(&model, &cfg);
    Ok(ExitCode::SUCCESS)
}

/// Stages the files with the folder's marker and puts them in place.
fn write(claim: output::atomic::Claim, files: Vec<OutFile>) -> Result<()> {
    let staging = output::atomic::Staging::new(claim)?;
    let mut names = Vec::new();
    for f in files {
        staging.write(&f.rel, &f.bytes)?;
        names.push(f.rel);
    }
    let marker = super::outdir::model_marker(&names);
    staging.write(super::outdir::MODEL_MARKER, marker.as_bytes())?;
    staging.commit()
}

/// Loads a policy folder, printing its warnings.
fn load_policy(dir: &std::path::Path) -> Result<LoadedPolicy> {
    let (lp, _) = output::feedback::load_policy(dir)?;
    for w in &lp.warnings {
        eprintln!("{w}");
    }
    Ok(lp)
}

/// The data checked against `lp`, the plan computed for every period, and
/// with `suggest`, each period's target suggestions for that share.
fn plan_runs(
    cfg: &Config,
    lp: &LoadedPolicy,
    suggest: Option<Decimal>,
) -> Result<(Vec<PlanPeriod>, Data, Vec<Vec<Suggestion>>)> {
    let mut data = data::load(&cfg.data, lp)?;
    let mut out = Vec::with_capacity(cfg.periods.len());
    let mut suggested = Vec::new();
    for period in &cfg.periods {
        // A period's changes of terms (the history table) are written into
        // the employees table; the next period starts from the table as read.
        let saved =
            (cfg.periods.len() > 1 || cfg.simulate.is_some()).then(|| data.employees.clone());
        let run = engine::compute(lp, &mut data, period)?;
        out.push(PlanPeriod::of(lp, &data, &run));
        if let Some(share) = suggest {
            suggested.push(engine::suggest::suggest(lp, &data, &run, share));
        }
        if let Some(saved) = saved {
            data.employees = saved;
        }
    }
    Ok((out, data, suggested))
}

fn department_names(data: &Data, lang: Language) -> std::collections::BTreeMap<String, String> {
    (data.employees.iter())
        .map(|e| {
            let name = output::display::department_name(data, &e.department, lang);
            (e.department.clone(), name)
        })
        .collect()
}

fn print_summary(m: &Model, cfg: &Config) {
    let (old, new) = m.costs();
    let places = m.money_places();
    let mode = m.new.mode;
    let f = |d| crate::decimal::round_fixed(d, places, mode);
    let lines = m.lines();
    let up = lines
        .iter()
        .filter(|l| l.change() > rust_decimal::Decimal::ZERO);
    let down = lines
        .iter()
        .filter(|l| l.change() < rust_decimal::Decimal::ZERO);
    println!(
        "merit: modelled {} against {} for {}: cost {} → {} {} ({}{}); {} paid more, {} paid less → {}",
        m.new.id,
        m.old.id,
        m.periods.join(", "),
        f(old),
        f(new),
        m.new.currency,
        if new > old { "+" } else { "" },
        f(new - old),
        up.count(),
        down.count(),
        cfg.out.display()
    );
}
