//! `trace.jsonl`: how every number of a run arose, recorded while the run
//! computes, so `merit explain` prints it without recomputing anything.
//!
//! Line 1 is the run record (period, rounding, and the policy's KPIs,
//! scoring curves, roles, review scale, bands and bonus rules, each with the
//! `policy.yaml:line:col` it was read from). Every further line is one
//! employee, sorted by employee id: the monthly input rows of each KPI with
//! their line in the metrics table, the aggregates, actual, target and its
//! source, achievement, curve segment, score, weight and contribution; the
//! review blend; final score and band; the bonus script's inputs and result;
//! cap, proration, rounding, projects and the total payout. Numbers are
//! decimal text; nothing depends on time, thread order or the engine
//! version (that is in the manifest), so a replay by a later merit that
//! computes the same numbers writes the same trace.
//!
//! This file streams the lines to disk as zstd frames (`zst`: the container
//! and its seek table); `schema` holds the record types (`merit explain`
//! reads the lines back as them), `run` builds line 1, and `employee` and
//! `commission` write the employee lines straight as JSON (`json`), in the
//! records' key order, without building them.

mod commission;
mod employee;
mod json;
mod notes;
mod run;
mod schema;
pub mod zst;

pub use schema::{
    AggregateTrace, BandDef, BonusDef, BonusTrace, CurvePointRef, EmployeeRecord, InputRow, KpiDef,
    KpiTrace, PeriodRef, PolicyRef, ProjectTrace, ReviewDef, ReviewStepRef, ReviewTrace, RoleDef,
    RoundingRef, RunRecord, ScoringDef, ScriptInput, Sourced, WeightRef,
};

use crate::data::Data;
use crate::engine::RunResult;
use crate::policy::LoadedPolicy;
use employee::{Ctx, Scratch};
use json::Json;
use rayon::prelude::*;
use run::run_record;
use std::collections::BTreeSet;

/// The trace as written: zstd frames with a seek table (`zst.rs`).
pub const TRACE_FILE: &str = "trace.jsonl.zst";
/// The plain trace of runs made before it was compressed; still read.
pub const PLAIN_TRACE_FILE: &str = "trace.jsonl";
pub const TRACE_VERSION: u32 = 1;

/// Employees per part built and compressed by one worker.
const PART: usize = 256;

/// Builds `trace.jsonl.zst` for a computed run.
pub fn trace(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    staging: &crate::output::atomic::Staging,
) -> crate::error::Result<crate::output::manifest::FileHash> {
    // Shown from the start: gathering the monthly rows takes a while too.
    let stage = crate::progress::Stage::new("trace", run.employees.len() as u64);
    let metrics_input = data.files.iter().find(|f| f.table == "metrics");
    let metrics_file = metrics_input.map_or("metrics.csv".to_string(), |f| f.file_name.clone());
    let wanted: BTreeSet<&str> = lp
        .policy
        .kpis
        .iter()
        .flat_map(|k| k.aggregate.metrics())
        .collect();
    let kpi_ids: Vec<&str> = lp.policy.kpis.iter().map(|k| k.id.as_str()).collect();
    let all = crate::engine::bonus::ScriptInputs::all();
    let ctx = Ctx::new(
        lp,
        data,
        run,
        data.metrics.monthly_rows(&run.period, &wanted),
        crate::engine::bonus::Inputs::new(&lp.policy, all, &kpi_ids, &run.period),
        &metrics_file,
    );
    let head = run_record(lp, run, &metrics_file);
    // Streamed in frames: a million employees' trace never sits in memory whole.
    let mut out = Frames {
        file: crate::output::manifest::Streamed::create(staging, TRACE_FILE)?,
        table: Vec::new(),
    };
    // Trace records are plain strings, numbers and lists: they always serialise.
    let mut first = serde_json::to_string(&head).expect("trace serialises");
    first.push('\n');
    out.push(zst::frame(&first)?)?;
    // Built and compressed on every core, part by part; each chunk is
    // written and hashed while the next is built.
    let build = |chunk: &[crate::engine::EmployeeResult]| -> crate::error::Result<Vec<zst::Frame>> {
        let parts: Vec<Vec<zst::Frame>> = chunk
            .par_chunks(PART)
            .map(|part| part_frames(&ctx, part))
            .collect::<crate::error::Result<_>>()?;
        Ok(parts.into_iter().flatten().collect())
    };
    let mut chunks = run.employees.chunks(32 * PART);
    let mut ready = chunks.next().map(build).transpose()?.unwrap_or_default();
    let mut done = 0;
    loop {
        let next = chunks.next();
        let (written, built) = rayon::join(
            || -> crate::error::Result<()> {
                for f in std::mem::take(&mut ready) {
                    out.push(f)?;
                }
                Ok(())
            },
            || next.map(build),
        );
        written?;
        done = (done + 32 * PART).min(run.employees.len());
        stage.set(done as u64);
        match built.transpose()? {
            Some(b) => ready = b,
            None => break,
        }
    }
    let rows = run.employees.len();
    let hashed = out.finish(rows)?;
    stage.finish();
    Ok(hashed)
}

/// The trace file being written, and the seek table of its frames.
struct Frames {
    file: crate::output::manifest::Streamed,
    table: Vec<(u32, u32)>,
}

impl Frames {
    fn push(&mut self, f: zst::Frame) -> crate::error::Result<()> {
        // A frame of at most FRAME_TEXT plus one line compresses below 4 GiB.
        let compressed = u32::try_from(f.bytes.len())
            .map_err(|_| crate::error::Error::Usage("a trace frame above 4 GiB".into()))?;
        self.table.push((compressed, f.text_len));
        self.file.push_bytes(&f.bytes)
    }

    fn finish(mut self, rows: usize) -> crate::error::Result<crate::output::manifest::FileHash> {
        self.file.push_bytes(&zst::seek_table(&self.table))?;
        self.file.finish(rows)
    }
}

/// The lines of a part of the employees, as frames cut after the line
/// that reaches [`zst::FRAME_TEXT`]: the cuts depend on the text only.
fn part_frames(
    ctx: &Ctx,
    part: &[crate::engine::EmployeeResult],
) -> crate::error::Result<Vec<zst::Frame>> {
    thread_local! {
        // Each worker's text and scratch, kept from part to part: a part's
        // text is megabytes, grown once rather than for every part.
        static WORKER: std::cell::RefCell<(Json, Scratch)> = Default::default();
    }
    WORKER.with_borrow_mut(|(j, scratch)| {
        j.text.clear();
        scratch.start_part();
        lines_to_frames(ctx, part, j, scratch)
    })
}

/// [`part_frames`] with the worker's text and scratch.
fn lines_to_frames(
    ctx: &Ctx,
    part: &[crate::engine::EmployeeResult],
    j: &mut Json,
    scratch: &mut Scratch,
) -> crate::error::Result<Vec<zst::Frame>> {
    let mut frames = Vec::new();
    for r in part {
        employee::employee(ctx, r, j, scratch);
        if j.text.len() >= zst::FRAME_TEXT {
            frames.push(zst::frame(&j.text)?);
            j.text.clear();
        }
    }
    if !j.text.is_empty() {
        frames.push(zst::frame(&j.text)?);
    }
    Ok(frames)
}
