//! `merit run`'s writing half: every output into the staging folder, each
//! stage timed and its bytes counted for the manifest, then the manifest
//! and the archive, and the commit.

use super::run::{Optional, RunConfig};
use crate::data::Data;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::RunResult;
use crate::error::{Error, Result};
use crate::output::adjust::{Due, Previous};
use crate::output::atomic::Staging;
use crate::output::exceptions::Exception;
use crate::output::feedback::Templates;
use crate::output::manifest::{FileHash, StageTime};
use crate::policy::LoadedPolicy;
use crate::{engine, output, policy};
use std::time::{Duration, Instant};

/// What the outputs are built from.
pub(super) struct Built<'a> {
    pub cfg: &'a RunConfig,
    pub lp: &'a LoadedPolicy,
    pub templates: &'a Templates,
    pub data: &'a Data,
    pub run: &'a RunResult,
    pub feedback: &'a [EmployeeFeedback],
    pub previous: Option<&'a Previous>,
    /// `--after`: the previous period's run and what it carried.
    pub after: Option<&'a super::chain::After>,
    pub carried: &'a engine::balance::Carried,
    /// What to pay now, per employee.
    pub due: &'a Due<'a>,
    pub exceptions: &'a [Exception],
    /// Plan-health findings, shown in the report.
    pub health: &'a [engine::health::Finding],
    pub lang: policy::Language,
}

impl Built<'_> {
    fn skip(&self, o: Optional) -> bool {
        self.cfg.skip.contains(&o)
    }
}

/// The staging folder, every output written to it so far (for the
/// manifest) and the stages' times.
pub(super) struct Staged<'s> {
    staging: &'s Staging,
    written: Vec<FileHash>,
    /// `--pdf`: the printed statements, listed apart (not reproducible).
    prints: Vec<FileHash>,
    pub stages: Vec<StageTime>,
}

/// What [`Staged`] gathered, without the staging folder (which the commit
/// consumes).
pub(super) struct Written {
    written: Vec<FileHash>,
    prints: Vec<FileHash>,
    stages: Vec<StageTime>,
}

impl Staged<'_> {
    pub fn done(self) -> Written {
        Written {
            written: self.written,
            prints: self.prints,
            stages: self.stages,
        }
    }

    fn put(&mut self, f: output::OutFile) -> Result<FileHash> {
        let hash = output::manifest::write(self.staging, f)?;
        self.written.push(hash.clone());
        Ok(hash)
    }

    /// Records a stage, or adds to an earlier part of the same stage.
    fn record(&mut self, s: StageTime) {
        match self.stages.iter_mut().find(|t| t.stage == s.stage) {
            Some(t) => t.add(s),
            None => self.stages.push(s),
        }
    }

    /// Runs a stage that lists its outputs in `written` (or `prints`).
    fn timed(
        &mut self,
        stage: &'static str,
        f: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        let (start, w, p) = (Instant::now(), self.written.len(), self.prints.len());
        f(self)?;
        let mut files = self.written[w..].to_vec();
        files.extend_from_slice(&self.prints[p..]);
        self.record(StageTime::new(stage, start.elapsed(), &files));
        Ok(())
    }
}

/// Writes every output to the staging folder; returns their hashes, the
/// printed statements', the control totals and the stages' times.
pub(super) fn write_outputs<'s>(
    b: &Built,
    staging: &'s Staging,
    stages: Vec<StageTime>,
) -> Result<(Staged<'s>, output::ControlTotals)> {
    let mut out = Staged {
        staging,
        written: Vec::new(),
        prints: Vec::new(),
        stages,
    };
    let (report, groups) = write_tables(b, &mut out)?;
    let totals = output::control_totals(b.lp, &groups);
    // The workbook is written on one core, so it is built on its own
    // thread beside the trace and the statements; listed after them.
    let workbook = std::thread::scope(|s| -> Result<_> {
        let (totals, staging) = (&totals, out.staging);
        let workbook = (!b.skip(Optional::Workbook))
            .then(|| s.spawn(move || workbook(b, totals, staging.path())));
        write_documents(b, &mut out, report)?;
        out.timed("tables", |out| write_plan_tables(b, out))?;
        // A panic on the workbook's thread goes on here, as it would have.
        let joined = workbook.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        joined.transpose()
    })?;
    if let Some((bytes, took)) = workbook {
        let start = Instant::now();
        let hash = out.put(output::OutFile {
            rel: "payouts.xlsx".into(),
            bytes,
            rows: b.run.employees.len(),
        })?;
        out.record(StageTime::new("workbook", took + start.elapsed(), &[hash]));
    }
    Ok((out, totals))
}

/// The tables only some plans have: adjustments (a re-run), balances
/// (draws), deals (commissions), spans (mid-period changes).
fn write_plan_tables(b: &Built, out: &mut Staged) -> Result<()> {
    if let Some(prev) = b.previous {
        out.put(output::adjust::build(b.lp, b.data, b.run, prev, b.due))?;
    }
    let balances =
        (b.lp.policy.is_stateful()).then(|| output::balances::csv(b.lp, b.data, b.run, b.carried));
    let deals = b.run.deals.as_ref().map(|d| output::deals::csv(b.lp, d));
    let spans = output::spans::csv(b.lp, b.data, b.run);
    for file in [balances, deals, spans].into_iter().flatten() {
        out.put(file)?;
    }
    Ok(())
}

/// payouts.xlsx's bytes and the time taken to build them.
fn workbook(
    b: &Built,
    totals: &output::ControlTotals,
    tmp: &std::path::Path,
) -> Result<(Vec<u8>, Duration)> {
    let stage = crate::progress::Stage::work("workbook", b.run.employees.len() as u64);
    let bytes = output::workbook::build(b.lp, b.data, b.run, (totals, b.due, b.exceptions), tmp)?;
    Ok((bytes, stage.finish()))
}

/// payouts.csv, scores.csv, summary.csv and exceptions.csv; returns the
/// report (built meanwhile, written later) and the groups every total
/// comes from.
fn write_tables<'a>(
    b: &Built<'a>,
    out: &mut Staged,
) -> Result<((output::OutFile, Duration), output::Groups<'a>)> {
    let start = Instant::now();
    let stage = crate::progress::Stage::work(
        "payouts, scores, summary, report",
        b.run.employees.len() as u64,
    );
    // Department, company and currency totals, once for every output.
    let groups = output::groups(b.lp, b.data, b.run, b.due);
    // The report is built on one core while the CSVs are written.
    let (report, csvs) = rayon::join(
        || {
            let start = Instant::now();
            let r = output::report::report(
                b.lp,
                b.data,
                b.run,
                &groups,
                b.feedback,
                (b.exceptions, b.health),
                b.lang,
            );
            (r, start.elapsed())
        },
        || -> Result<_> {
            Ok((
                output::payouts(b.lp, b.data, b.run, out.staging)?,
                output::scores(b.lp, b.data, b.run, b.lang, out.staging)?,
            ))
        },
    );
    let (payouts, scores) = csvs?;
    out.written.extend([payouts, scores]);
    let w = out.written.len() - 2;
    out.put(output::summary(b.lp, &groups))?;
    out.put(output::exceptions::csv(b.exceptions))?;
    stage.finish();
    let files = out.written[w..].to_vec();
    out.record(StageTime::new("tables", start.elapsed(), &files));
    Ok((report, groups))
}

/// The trace, recognition.csv, the report and the statements.
fn write_documents(
    b: &Built,
    out: &mut Staged,
    (report, built): (output::OutFile, Duration),
) -> Result<()> {
    if !b.skip(Optional::Trace) {
        out.timed("trace", |out| {
            let hash = output::trace::trace(b.lp, b.data, b.run, out.staging)?;
            out.written.push(hash);
            Ok(())
        })?;
    }
    out.timed("tables", |out| {
        out.put(output::feedback::recognition_csv(
            b.lp, b.data, b.run, b.feedback,
        ))?;
        Ok(())
    })?;
    // Built beside the tables; its time here is the building and the writing.
    let start = Instant::now();
    let hash = out.put(report)?;
    out.record(StageTime::new("report", built + start.elapsed(), &[hash]));
    if !b.skip(Optional::Statements) {
        out.timed("statements", |out| {
            let inputs = output::feedback::Inputs {
                lp: b.lp,
                templates: b.templates,
                data: b.data,
                run: b.run,
                feedback: b.feedback,
                lang: b.lang,
            };
            let files = output::feedback::statements(&inputs, b.cfg.statements, out.staging)?;
            out.written.extend(files);
            Ok(())
        })?;
    }
    if let Some(browser) = &b.cfg.pdf {
        out.timed("prints", |out| print(b, out, browser))?;
    }
    Ok(())
}

/// `--pdf`: every statement printed, from its file or from its bundle
/// (as `feedback/index.csv` names it).
fn print(b: &Built, out: &mut Staged, browser: &std::path::Path) -> Result<()> {
    let stage = crate::progress::Stage::work("statements to PDF", b.run.employees.len() as u64);
    let bundles: Vec<Option<String>> = match b.cfg.statements {
        output::feedback::Layout::Bundles => {
            let index = out.staging.path().join("feedback/index.csv");
            let text = std::fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
            // Rows in employee order, as the run's: `employee_id,department,bundle`.
            super::runfolder::parse_csv(&text)
                .into_iter()
                .skip(1)
                .map(|row| row.get(2).cloned())
                .collect()
        }
        output::feedback::Layout::Files => vec![None; b.run.employees.len()],
    };
    let ids: Vec<output::feedback::pdf::Source> = (b.run.employees.iter())
        .zip(&bundles)
        .map(|(r, bundle)| (b.data.employees[r.employee].id.as_str(), bundle.as_deref()))
        .collect();
    out.prints = output::feedback::pdf::print_all(browser, out.staging, &ids)?;
    stage.finish();
    Ok(())
}

/// Writes the archive and the manifest, then moves the staging folder to
/// --out.
pub(super) fn finish(
    b: &Built,
    staging: Staging,
    mut out: Written,
    totals: output::ControlTotals,
    ledger: Option<&std::path::Path>,
) -> Result<()> {
    let stage = crate::progress::Stage::work("manifest and archive", b.run.employees.len() as u64);
    let start = Instant::now();
    let (mut files, mut bytes) = output::archive::write(&staging, b.lp, b.data)?;
    let mut more = Vec::new();
    if let Some(prev) = b.previous {
        more.push(output::archive::write_previous(&staging, prev)?);
    }
    if let Some(after) = b.after {
        let dir = output::archive::AFTER_DIR;
        more.push(output::archive::write_files(&staging, dir, &after.files)?);
    }
    for (f, n) in more {
        files += f;
        bytes += n;
    }
    out.stages
        .push(StageTime::counted("archive", start.elapsed(), files, bytes));
    let json = manifest(b, std::mem::take(&mut out.written), out, totals, ledger)?;
    staging.write("manifest.json", json.as_bytes())?;
    stage.finish();
    let stage = crate::progress::Stage::work("commit", 0);
    staging.commit()?;
    stage.finish();
    Ok(())
}

/// The manifest's text.
fn manifest(
    b: &Built,
    written: Vec<FileHash>,
    out: Written,
    totals: output::ControlTotals,
    ledger: Option<&std::path::Path>,
) -> Result<String> {
    let mut manifest = output::manifest::build(b.lp, b.data, b.run, written, totals, b.exceptions);
    manifest.prints = out.prints;
    manifest.invocation.ledger = ledger.map(|l| {
        std::path::absolute(l)
            .unwrap_or_else(|_| l.to_path_buf())
            .display()
            .to_string()
    });
    manifest.invocation.stages = out.stages;
    manifest.language = Some(b.lang.code());
    manifest.skipped = b.cfg.skip.iter().map(|o| o.name()).collect();
    if !b.skip(Optional::Statements) {
        manifest.statements = Some(b.cfg.statements.name());
    }
    if let Some(prev) = b.previous {
        manifest.previous_files = output::archive::previous_hashes(prev);
    }
    if let Some(after) = b.after {
        manifest.after_files = output::archive::hashes(&after.files);
    }
    let mut json =
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::Usage(e.to_string()))?;
    json.push('\n');
    Ok(json)
}
