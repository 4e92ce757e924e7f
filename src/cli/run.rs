//! `merit run`: the period-end batch.

pub use super::run_options::Optional;
use super::run_options::{pdf_browser, strict_kinds};
use super::run_write::{finish, write_outputs, Built};
use crate::data::Data;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::RunResult;
use crate::error::{Error, Result};
use crate::output::adjust::Previous;
use crate::output::atomic::Staging;
use crate::output::exceptions::Kind;
use crate::output::feedback::{Layout, Templates};
use crate::output::manifest::StageTime;
use crate::period::Period;
use crate::policy::LoadedPolicy;
use crate::{data, engine, output, policy};
use clap::builder::PossibleValuesParser;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args, Debug, Default)]
#[command(after_help = "To try merit on the bundled example first, run `merit demo`.")]
pub struct RunArgs {
    /// Policy folder (policy.yaml and its scripts)
    #[arg(long, required = true)]
    pub policy: Option<PathBuf>,
    /// Data folder with employees, metrics and optional tables
    #[arg(long, required = true)]
    pub data: Option<PathBuf>,
    /// Period: 2026-09, 2026-Q3, 2026-H2 or 2026
    #[arg(long, required = true)]
    pub period: Option<String>,
    /// Output folder; must be absent or empty unless --force
    #[arg(long, required = true)]
    pub out: Option<PathBuf>,
    /// Replace an earlier merit run in --out (only one whose manifest lists
    /// every file in it; never a folder the run reads).
    #[arg(long)]
    pub force: bool,
    /// An earlier run of the same period that was paid: write adjustments.csv
    /// (new minus paid; overpayments carried as balances). Only read.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// The run of the period just before, for a plan that carries balances
    /// (a year-to-date commission or a draw). Only read.
    #[arg(long)]
    pub after: Option<PathBuf>,
    /// The run ledger (SQLite) recording runs, approvals and exports
    /// [default: merit-ledger.sqlite beside --out]
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    /// Who runs it, as recorded in the ledger [default: the login name]
    #[arg(long)]
    pub by: Option<String>,
    /// Language of statements and report [default: the policy's `language`]
    #[arg(long, value_parser = ["zh-CN", "en"])]
    pub lang: Option<String>,
    /// Per-employee documents not to write, for very large runs: any of
    /// statements, trace, workbook (comma-separated). Recorded in the
    /// manifest; replay skips the same ones.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub skip: Vec<Optional>,
    /// Exception kinds that stop the run before any output is written
    /// (comma-separated; see exceptions.csv), each listed with employee id
    /// and detail.
    #[arg(long, value_delimiter = ',', value_parser = PossibleValuesParser::new(Kind::names()))]
    pub strict: Vec<String>,
    /// Also print each statement to feedback/ID.pdf (A4) with headless
    /// Chromium, refused up front when it is not installed; about 2 s per
    /// statement (docs/outputs.md).
    #[arg(long)]
    pub pdf: bool,
    /// How to write the statements: `bundles`, a zip per department
    /// (feedback/DEPARTMENT.zip, listed in feedback/index.csv), or
    /// `files`, feedback/ID.md and feedback/ID.html per employee.
    #[arg(long, value_enum, default_value_t = Layout::Bundles)]
    pub statements: Layout,
}

/// The checked configuration of a run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub policy: PathBuf,
    pub data: PathBuf,
    pub period: Period,
    pub out: PathBuf,
    pub force: bool,
    pub previous: Option<PathBuf>,
    /// `--after`: the previous period's run of a stateful plan.
    pub after: Option<PathBuf>,
    /// The --after folder was verified by the caller (replay).
    pub after_checked: bool,
    /// The --previous folder was verified by the caller (replay checks the
    /// archived earlier run, which is not a whole run folder).
    pub previous_checked: bool,
    /// The ledger to record the run in; `None` records nothing (replay).
    pub ledger: Option<PathBuf>,
    /// `ledger` came from `--ledger` (else the policy's `ledger:` wins).
    pub ledger_given: bool,
    /// Who runs it.
    pub actor: String,
    /// Overrides the policy's language.
    pub lang: Option<policy::Language>,
    /// Outputs left out, sorted.
    pub skip: std::collections::BTreeSet<Optional>,
    /// Exception kinds that refuse the run (`--strict`), sorted.
    pub strict: Vec<Kind>,
    /// `--pdf`: the browser that prints the statements.
    pub pdf: Option<PathBuf>,
    /// `--statements`: bundles or files.
    pub statements: Layout,
}

/// A flag clap requires, for callers that build `RunArgs` themselves.
fn required<T>(v: Option<T>, flag: &str) -> Result<T> {
    v.ok_or_else(|| Error::Usage(format!("merit run needs {flag}")))
}

impl RunArgs {
    pub fn check(self) -> Result<RunConfig> {
        let period = required(self.period, "--period")?;
        let out = required(self.out, "--out")?;
        let ledger = Some(super::payrun::ledger_for(&out, self.ledger.as_deref()));
        let pdf = pdf_browser(self.pdf, &self.skip)?;
        Ok(RunConfig {
            policy: required(self.policy, "--policy")?,
            data: required(self.data, "--data")?,
            period: Period::parse(&period).map_err(Error::Usage)?,
            out,
            force: self.force,
            previous: self.previous,
            previous_checked: false,
            after: self.after,
            after_checked: false,
            ledger,
            ledger_given: self.ledger.is_some(),
            actor: crate::ledger::actor(self.by.as_deref()),
            lang: self.lang.as_deref().and_then(policy::Language::parse),
            skip: self.skip.into_iter().collect(),
            strict: strict_kinds(&self.strict),
            pdf,
            statements: self.statements,
        })
    }
}

pub fn main(args: RunArgs) -> Result<ExitCode> {
    let cfg = args.check()?;
    let done = execute(&cfg)?;
    print_totals(&cfg, &done.totals);
    print_exceptions(&done.exceptions);
    // A million employees' results take a second to free; the process is
    // about to end and the system reclaims the memory at once.
    std::mem::forget(done.held);
    Ok(ExitCode::SUCCESS)
}

pub use super::console::{print_exceptions, print_totals};

/// What a finished run leaves: its control totals and exception counts,
/// and the data and results, which the caller may drop or leave to the end
/// of the process.
pub struct Done {
    pub totals: output::ControlTotals,
    pub exceptions: Vec<(Kind, usize)>,
    held: Box<dyn std::any::Any>,
}

/// Runs the whole pipeline and writes the outputs atomically.
pub fn execute(cfg: &RunConfig) -> Result<Done> {
    // Held until the outputs are in place: a second run into --out fails now.
    let claim = claim_out(cfg)?;
    if let (Some(dir), false) = (&cfg.previous, cfg.previous_checked) {
        super::verify::verified(dir, "--previous")?;
    }
    let t = Instant::now();
    let (lp, templates) = load_policy(cfg)?;
    let ledger = may_pay(cfg, &lp)?;
    // Made now: the data tables are copied into its archive as they are
    // read; a problem of the policy or a refusal of the ledger came first.
    let staging = Staging::new(claim)?;
    let mut data = load_data(cfg, &lp, &staging)?;
    let mut stages = vec![StageTime::new("read", t.elapsed(), &[])];
    let after = super::chain::read(
        cfg.after.as_deref(),
        cfg.after_checked,
        &lp,
        &cfg.period,
        ledger.as_deref(),
    )?;
    let carried = after
        .as_ref()
        .map(|a| a.carried.clone())
        .unwrap_or_default();
    let t = Instant::now();
    let run = compute(cfg, &lp, &mut data, &carried)?;
    stages.push(StageTime::new("compute", t.elapsed(), &[]));
    let previous = read_previous(cfg, &lp)?;
    let checks = crate::progress::Stage::work("checks", run.employees.len() as u64);
    let due = output::adjust::due(&lp, &data, &run, previous.as_ref());
    let exceptions = output::exceptions::collect(&lp, &data, &run, &due);
    output::exceptions::refuse(&exceptions, &cfg.strict)?;
    let health = engine::health::findings(&lp, &data, &run);
    stages.push(StageTime::new("checks", checks.finish(), &[]));
    let t = Instant::now();
    let feedback = recognition(&lp, &data, &run)?;
    stages.push(StageTime::new("recognition", t.elapsed(), &[]));
    let built = Built {
        cfg,
        lp: &lp,
        templates: &templates,
        data: &data,
        run: &run,
        feedback: &feedback,
        previous: previous.as_ref(),
        after: after.as_ref(),
        carried: &carried,
        due: &due,
        exceptions: &exceptions,
        health: &health,
        lang: cfg.lang.unwrap_or(lp.policy.language),
    };
    // Each output goes to the staging folder as soon as it is built; a
    // failure drops the staging folder, so --out is still all or nothing.
    let (written, totals) = write_outputs(&built, &staging, stages)?;
    let written = written.done();
    finish(&built, staging, written, totals.clone(), ledger.as_deref())?;
    if let Some(ledger) = &ledger {
        super::payrun::record_run(&super::payrun::Recorded {
            ledger,
            plan: &lp.policy.id,
            period: &cfg.period.label,
            run_dir: &cfg.out,
            previous: cfg.previous.as_deref(),
            actor: &cfg.actor,
        })?;
    }
    let counts = output::exceptions::counts(&exceptions);
    Ok(Done {
        totals,
        exceptions: counts,
        held: Box::new((run, data, feedback)),
    })
}

/// Locks --out, which must not overlap the folders the run reads.
fn claim_out(cfg: &RunConfig) -> Result<output::atomic::Claim> {
    // Data inside the policy folder would be archived as policy files too,
    // and every data change would change the policy's hashes.
    if let Some("is" | "lies inside") = super::outdir::relation(&cfg.data, &cfg.policy)? {
        return Err(Error::Usage(format!(
            "--data '{}' lies inside the --policy folder '{}': keep data apart from the policy (it would be archived as policy files)",
            cfg.data.display(),
            cfg.policy.display()
        )));
    }
    let mut inputs = vec![("--policy", cfg.policy.as_path()), ("--data", &cfg.data)];
    if let Some(prev) = &cfg.previous {
        inputs.push(("--previous", prev));
    }
    if let Some(after) = &cfg.after {
        inputs.push(("--after", after));
    }
    let claim = super::outdir::claim_run(&cfg.out, cfg.force, &inputs)?;
    if cfg.force {
        super::payrun::refuse_replacing_signed(&cfg.out, cfg.ledger.as_deref())?;
    }
    Ok(claim)
}

/// Loads the policy, printing its warnings.
fn load_policy(cfg: &RunConfig) -> Result<(LoadedPolicy, Templates)> {
    let t = std::time::Instant::now();
    let (lp, templates) = output::feedback::load_policy(&cfg.policy)?;
    for w in &lp.warnings {
        eprintln!("{w}");
    }
    tracing::info!("policy loaded in {:?}", t.elapsed());
    Ok((lp, templates))
}

/// The ledger the run is recorded in, once it may pay the period: the
/// policy pinned by `--ledger`, and no earlier run of the period paid
/// unless this one re-runs it (`--previous`).
fn may_pay(cfg: &RunConfig, lp: &LoadedPolicy) -> Result<Option<PathBuf>> {
    if cfg.ledger_given {
        super::payrun::check_pinned(cfg.ledger.as_deref(), lp)?;
    }
    let ledger = super::payrun::run_ledger(cfg.ledger.as_deref(), cfg.ledger_given, lp);
    if let Some(ledger) = &ledger {
        let (plan, period) = (&lp.policy.id, &cfg.period.label);
        super::payrun::check_may_pay(ledger, plan, period, cfg.previous.as_deref())?;
    }
    Ok(ledger)
}

/// The data checked against the policy; its tables are copied into the
/// staging folder's archive as they are read.
fn load_data(cfg: &RunConfig, lp: &LoadedPolicy, staging: &Staging) -> Result<Data> {
    let t = std::time::Instant::now();
    // Only the scored periods' targets and ratings are held; every row is checked.
    let keep = data::Keep::Periods(crate::engine::scored_periods(&lp.policy, &cfg.period));
    let copy = |name: &str, bytes: &[u8]| output::archive::copy_data(staging, name, bytes);
    let mut data = data::load_beside(&cfg.data, lp, &keep, Some(&copy))?;
    crate::memory::trim();
    // Only the trace reads metric rows after the scoring; nothing the targets.
    data.release_after_scoring = data::Release {
        metric_rows: cfg.skip.contains(&Optional::Trace),
        targets: true,
    };
    tracing::info!("data loaded and checked in {:?}", t.elapsed());
    Ok(data)
}

/// Scores and pays every employee of the period.
fn compute(
    cfg: &RunConfig,
    lp: &LoadedPolicy,
    data: &mut Data,
    carried: &engine::balance::Carried,
) -> Result<RunResult> {
    let t = std::time::Instant::now();
    let run = engine::compute_after(lp, data, &cfg.period, carried)?;
    // What the scoring held beside the results goes before the outputs.
    crate::memory::trim();
    tracing::info!(
        "computed {} employees in {:?}",
        run.employees.len(),
        t.elapsed()
    );
    // Before any output is built: the workbook may not hold them all.
    if !cfg.skip.contains(&Optional::Workbook) {
        output::workbook::check_rows(run.employees.len())?;
    }
    Ok(run)
}

/// The paid run given with --previous, if any, verified against its
/// manifest and the runs it was based on.
fn read_previous(cfg: &RunConfig, lp: &LoadedPolicy) -> Result<Option<Previous>> {
    Ok(match &cfg.previous {
        Some(dir) => Some(output::adjust::read_previous(
            dir,
            &cfg.period.label,
            &lp.policy.id,
        )?),
        None => None,
    })
}

/// The policy's recognition rules and suggested actions for each employee.
fn recognition(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> Result<Vec<EmployeeFeedback>> {
    // The stage shows its own progress and time.
    engine::recognition::evaluate(lp, data, run)
}
