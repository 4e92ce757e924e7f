//! A run folder checked against its manifest: every output, every archived
//! policy and data file, and the earlier runs it was based on (a re-run
//! archives the paid run's manifest, payouts and adjustments; those must
//! match that manifest, which must be of the same period and plan). Used by
//! `run --previous`, `approve`, `export` and `replay`.

use super::runfolder::{file_sha256, safe_join, walk, Listed, RunFolder};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::output::archive::{AFTER_DIR, DATA_DIR, POLICY_DIR, PREVIOUS_DIR};
use std::path::Path;

/// One file whose check failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub why: String,
}

fn problem(file: impl Into<String>, why: impl Into<String>) -> Problem {
    Problem {
        file: file.into(),
        why: why.into(),
    }
}

/// Checks one archive folder against a manifest list: each listed file
/// present with its hash, and no file that is not listed.
fn check_archive(run: &RunFolder, key: &str, sub: &str, out: &mut Vec<Problem>) -> Result<()> {
    let listed = run.listed(key)?;
    let base = run.dir.join(sub);
    for f in &listed {
        let shown = format!("{sub}/{}", f.path);
        let Some(path) = safe_join(&base, &f.path) else {
            out.push(problem(
                shown,
                "the manifest names a path outside the archive",
            ));
            continue;
        };
        match file_sha256(&path) {
            None => out.push(problem(shown, "missing from the archive")),
            Some(h) if h != f.sha256 => out.push(problem(
                shown,
                format!("sha256 {h} does not match the manifest's {}", f.sha256),
            )),
            Some(_) => {}
        }
    }
    for rel in walk(&base) {
        if !listed.iter().any(|f| f.path == rel) {
            out.push(problem(
                format!("{sub}/{rel}"),
                "not listed in the manifest (added after the run)",
            ));
        }
    }
    Ok(())
}

/// The run folder's outputs that are missing or no longer match the
/// manifest.
pub fn check_outputs(run: &RunFolder, outputs: &[Listed]) -> Vec<Problem> {
    let mut tampered = Vec::new();
    for f in outputs {
        match run.file(&f.path).and_then(|p| file_sha256(&p)) {
            None => tampered.push(problem(&f.path, "missing from the run folder")),
            Some(h) if h != f.sha256 => tampered.push(problem(
                &f.path,
                format!(
                    "modified after the run: sha256 {h} does not match the manifest's {}",
                    f.sha256
                ),
            )),
            Some(_) => {}
        }
    }
    tampered
}

/// The paid run a re-run archived (`archive/previous`): its payouts and
/// adjustments must be the ones its own manifest lists, of the same period
/// and plan as the re-run.
fn check_previous_chain(run: &RunFolder, out: &mut Vec<Problem>) -> Result<()> {
    let dir = run.dir.join(PREVIOUS_DIR);
    let prev = match RunFolder::open(&dir) {
        Ok(p) => p,
        Err(e) => {
            out.push(problem(
                format!("{PREVIOUS_DIR}/manifest.json"),
                e.to_string(),
            ));
            return Ok(());
        }
    };
    for key in ["/period/label", "/policy/id"] {
        if prev.str_at(key).ok() != run.str_at(key).ok() {
            out.push(problem(
                format!("{PREVIOUS_DIR}/manifest.json"),
                format!("the earlier run's {key} differs from this run's"),
            ));
        }
    }
    let archived: Vec<Listed> = prev
        .listed("outputs")?
        .into_iter()
        .filter(|f| dir.join(&f.path).is_file())
        .collect();
    if !archived.iter().any(|f| f.path == "payouts.csv") {
        out.push(problem(
            format!("{PREVIOUS_DIR}/payouts.csv"),
            "the earlier run's payouts are not archived",
        ));
    }
    for p in check_outputs(&prev, &archived) {
        out.push(problem(
            format!("{PREVIOUS_DIR}/{}", p.file),
            format!("does not match the earlier run's own manifest: {}", p.why),
        ));
    }
    Ok(())
}

/// The previous period's run a stateful run archived (`archive/after`):
/// its balances must be the ones its own manifest lists, of the same plan.
fn check_after_chain(run: &RunFolder, out: &mut Vec<Problem>) -> Result<()> {
    let dir = run.dir.join(AFTER_DIR);
    let prev = match RunFolder::open(&dir) {
        Ok(p) => p,
        Err(e) => {
            out.push(problem(format!("{AFTER_DIR}/manifest.json"), e.to_string()));
            return Ok(());
        }
    };
    if prev.str_at("/policy/id").ok() != run.str_at("/policy/id").ok() {
        out.push(problem(
            format!("{AFTER_DIR}/manifest.json"),
            "the previous period's run is of another plan",
        ));
    }
    let listed: Vec<Listed> = prev
        .listed("outputs")?
        .into_iter()
        .filter(|f| f.path == "balances.csv" || f.path == "deals.csv")
        .collect();
    if !listed.iter().any(|f| f.path == "balances.csv") {
        out.push(problem(
            format!("{AFTER_DIR}/balances.csv"),
            "the previous period's run wrote no balances",
        ));
    }
    for p in check_outputs(&prev, &listed) {
        out.push(problem(
            format!("{AFTER_DIR}/{}", p.file),
            format!("does not match the previous run's own manifest: {}", p.why),
        ));
    }
    Ok(())
}

/// Checks every archive folder against the manifest, and the chain of the
/// paid run a re-run archived; returns whether there is one.
pub fn check_archives(run: &RunFolder, out: &mut Vec<Problem>) -> Result<bool> {
    for (key, dir) in run.archives() {
        check_archive(run, key, dir, out)?;
    }
    let previous = run.manifest.get("previous_files").is_some();
    if previous {
        check_previous_chain(run, out)?;
    }
    if run.manifest.get("after_files").is_some() {
        check_after_chain(run, out)?;
    }
    Ok(previous)
}

/// Files in the run folder the run did not write (outside the archive
/// folders, which [`check_archive`] checks on their own).
pub fn unlisted(run: &RunFolder) -> Result<Vec<Problem>> {
    let written = run.written()?;
    // Inside an archive folder, check_archive reports what is not listed.
    let archives: Vec<&str> = run.archives().into_iter().map(|(_, dir)| dir).collect();
    let in_archive = |rel: &str| {
        archives
            .iter()
            .any(|a| rel.strip_prefix(a).is_some_and(|r| r.starts_with('/')))
    };
    Ok(walk(&run.dir)
        .into_iter()
        .filter(|rel| !written.contains(rel) && !in_archive(rel))
        .map(|rel| problem(rel, "not written by the run (added after it)"))
        .collect())
}

/// Every problem of a complete run folder (outputs, archives, the chain of
/// earlier runs, files added to it).
pub fn problems(run: &RunFolder) -> Result<Vec<Problem>> {
    let mut out = Vec::new();
    for sub in [POLICY_DIR, DATA_DIR] {
        if !run.dir.join(sub).is_dir() {
            out.push(problem(sub, "missing: the run folder is incomplete"));
        }
    }
    check_archives(run, &mut out)?;
    let outputs = run.listed("outputs")?;
    out.extend(check_outputs(run, &outputs));
    out.extend(check_outputs(run, &run.prints()?));
    out.extend(unlisted(run)?);
    Ok(out)
}

/// Opens a run folder that must be intact; every problem is an error naming
/// its file (`why` says what the run was needed for).
pub fn verified(dir: &Path, why: &str) -> Result<RunFolder> {
    let run = RunFolder::open(dir)?;
    let found = problems(&run)?;
    if found.is_empty() {
        return Ok(run);
    }
    let mut diags = Diagnostics::default();
    for p in found {
        let path = safe_join(dir, &p.file).unwrap_or_else(|| dir.join("manifest.json"));
        diags.push(Diagnostic::error(
            path,
            format!("{}; {why} needs an intact run", p.why),
        ));
    }
    Err(Error::Invalid(diags))
}
