//! The pay-run controls around `merit run`: a paid period is refused unless
//! the run is a re-run of the paid run, and each run is recorded in the
//! ledger (`src/ledger.rs`).

use crate::error::{Error, Result};
use crate::ledger::{self, Event, Kind, Ledger};
use crate::output::manifest::sha256;
use std::path::{Path, PathBuf};

/// The ledger used for a run folder: `--ledger`, else beside the run.
pub fn ledger_for(run_dir: &Path, given: Option<&Path>) -> PathBuf {
    match given {
        Some(p) => p.to_path_buf(),
        None => run_dir
            .parent()
            .unwrap_or(Path::new(""))
            .join(ledger::DEFAULT_FILE),
    }
}

/// The ledger a run checks and records in: `--ledger`, else the policy's
/// `ledger:` (relative to the policy folder), else the default beside
/// `--out` (`default`); `None` records nothing (replay).
pub fn run_ledger(
    default: Option<&Path>,
    given: bool,
    lp: &crate::policy::LoadedPolicy,
) -> Option<PathBuf> {
    let default = default?;
    match (&lp.policy.ledger, given) {
        (Some(p), false) => Some(lp.dir.join(p)),
        _ => Some(default.to_path_buf()),
    }
}

/// A plan that pins its ledger is paid through that ledger only: `--ledger`
/// may name it again but not another.
pub fn check_pinned(given: Option<&Path>, lp: &crate::policy::LoadedPolicy) -> Result<()> {
    let (Some(given), Some(pinned)) = (given, &lp.policy.ledger) else {
        return Ok(());
    };
    let pinned = lp.dir.join(pinned);
    let abs = |p: &Path| {
        p.canonicalize()
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    if abs(given) == abs(&pinned) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--ledger {}: the plan pins its ledger to {} (policy ledger:); its runs are checked and recorded there only",
        given.display(),
        pinned.display()
    )))
}

/// The ledger of an existing run: `--ledger`, else the one its manifest
/// says it was recorded in, else beside the run.
pub fn ledger_of(run: &super::runfolder::RunFolder, given: Option<&Path>) -> PathBuf {
    let recorded = run.str_at("/invocation/ledger").ok().map(PathBuf::from);
    match (given, recorded) {
        (Some(g), _) => g.to_path_buf(),
        (None, Some(r)) => r,
        (None, None) => ledger_for(&run.dir, None),
    }
}

/// sha256 of a run folder's manifest.json.
pub fn manifest_sha(run_dir: &Path) -> Result<String> {
    let path = run_dir.join(super::runfolder::MANIFEST);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Ok(sha256(&bytes))
}

/// Refuses to pay a period that was paid, except by a re-run of the run
/// paid last.
pub fn check_may_pay(
    ledger: &Path,
    plan: &str,
    period: &str,
    previous: Option<&Path>,
) -> Result<()> {
    if !ledger.is_file() {
        return Ok(());
    }
    let previous = previous.map(manifest_sha).transpose()?;
    match Ledger::open(ledger)?.may_pay(plan, period, previous.as_deref())? {
        Some(why) => Err(Error::Usage(format!("{why} (ledger {})", ledger.display()))),
        None => Ok(()),
    }
}

/// `--force` never replaces a run that was approved or exported: the
/// ledger points at it as the evidence of what was signed or paid.
pub fn refuse_replacing_signed(out: &Path, ledger: Option<&Path>) -> Result<()> {
    let Ok(run) = super::runfolder::RunFolder::open(out) else {
        return Ok(());
    };
    let path = ledger_of(&run, ledger);
    if !path.is_file() {
        return Ok(());
    }
    let ledger = Ledger::open(&path)?;
    let manifest = manifest_sha(out)?;
    for kind in [Kind::Export, Kind::Approval] {
        if let Some(e) = ledger.acts(&manifest, kind)?.first() {
            return Err(Error::Usage(format!(
                "--force: {} holds a run {} by {} at {} (ledger {}); it is kept as the record of what was signed or paid — write the new run elsewhere",
                out.display(),
                if kind == Kind::Export { "exported" } else { "approved" },
                e.actor,
                e.at,
                path.display()
            )));
        }
    }
    Ok(())
}

/// What a finished run records.
pub struct Recorded<'a> {
    pub ledger: &'a Path,
    pub plan: &'a str,
    pub period: &'a str,
    pub run_dir: &'a Path,
    pub previous: Option<&'a Path>,
    pub actor: &'a str,
}

/// Appends the run to the ledger.
pub fn record_run(r: &Recorded) -> Result<()> {
    let manifest = manifest_sha(r.run_dir)?;
    let dir = std::path::absolute(r.run_dir).unwrap_or_else(|_| r.run_dir.to_path_buf());
    let mut e = Event::new(Kind::Run, r.plan, r.period, &manifest, &dir);
    if let Some(p) = r.previous {
        e.previous = manifest_sha(p)?;
    }
    e.actor = r.actor.to_owned();
    Ledger::open(r.ledger)?.append(e)?;
    Ok(())
}

/// A run folder that is intact and recorded in its ledger, with the plan
/// it was run under (its archived policy).
pub struct RecordedRun {
    pub run: super::runfolder::RunFolder,
    pub manifest: String,
    pub ledger: Ledger,
    pub event: Event,
    pub lp: crate::policy::LoadedPolicy,
}

impl RecordedRun {
    /// Verifies `dir` and finds it in the ledger; `why` names the command.
    pub fn open(dir: &Path, ledger: Option<&Path>, why: &str) -> Result<RecordedRun> {
        let run = super::verify::verified(dir, why)?;
        let manifest = manifest_sha(dir)?;
        let path = ledger_of(&run, ledger);
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "no run ledger at {}; `merit run` records runs there (or give --ledger)",
                path.display()
            )));
        }
        let ledger = Ledger::open(&path)?;
        let Some(event) = ledger.run(&manifest)? else {
            return Err(Error::Usage(format!(
                "{} is not in the ledger {} (its manifest sha256 {manifest} was never recorded by `merit run`): an edited or foreign run cannot be approved or exported",
                dir.display(),
                path.display()
            )));
        };
        let lp = crate::policy::load(&dir.join(crate::output::archive::POLICY_DIR))?;
        Ok(RecordedRun {
            run,
            manifest,
            ledger,
            event,
            lp,
        })
    }

    /// The roles of the plan's `approvals` still missing for this run.
    pub fn missing_approvals(&self) -> Result<Vec<String>> {
        self.missing_approvals_in(&self.ledger)
    }

    /// The same, read through `ledger` (a connection holding the lock).
    pub fn missing_approvals_in(&self, ledger: &Ledger) -> Result<Vec<String>> {
        let given = ledger.acts(&self.manifest, Kind::Approval)?;
        Ok(self
            .lp
            .policy
            .approvals
            .iter()
            .filter(|r| !given.iter().any(|g| &g.role == *r))
            .cloned()
            .collect())
    }

    /// An event of this run, to append.
    pub fn event(&self, kind: Kind, actor: &str) -> Event {
        let mut e = Event::new(
            kind,
            &self.event.plan,
            &self.event.period,
            &self.manifest,
            Path::new(&self.event.run_dir),
        );
        e.previous = self.event.previous.clone();
        e.actor = actor.to_owned();
        e
    }
}
