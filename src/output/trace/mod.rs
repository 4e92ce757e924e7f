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
//! This file streams the lines to disk; `schema` holds the record types,
//! `run` builds line 1 and `employee` the employee lines.

mod commission;
mod employee;
mod run;
mod schema;

pub use schema::{
    AggregateTrace, BandDef, BonusDef, BonusTrace, CurvePointRef, EmployeeRecord, InputRow, KpiDef,
    KpiTrace, PeriodRef, PolicyRef, ProjectTrace, ReviewDef, ReviewStepRef, ReviewTrace, RoleDef,
    RoundingRef, RunRecord, ScoringDef, ScriptInput, Sourced, WeightRef,
};

use crate::data::Data;
use crate::engine::RunResult;
use crate::policy::LoadedPolicy;
use employee::{employee_record, Ctx};
use rayon::prelude::*;
use run::run_record;
use std::collections::BTreeSet;

pub const TRACE_FILE: &str = "trace.jsonl";
pub const TRACE_VERSION: u32 = 1;

/// Builds `trace.jsonl` for a computed run.
pub fn trace(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    staging: &crate::output::atomic::Staging,
) -> crate::error::Result<crate::output::manifest::FileHash> {
    let started = std::time::Instant::now();
    let metrics_input = data.files.iter().find(|f| f.table == "metrics");
    let metrics_file = metrics_input.map_or("metrics.csv".to_string(), |f| f.file_name.clone());
    let wanted: BTreeSet<&str> = lp
        .policy
        .kpis
        .iter()
        .flat_map(|k| k.aggregate.metrics())
        .collect();
    let ctx = Ctx {
        lp,
        data,
        run,
        rows: data.metrics.monthly_rows(&run.period, &wanted),
        kpi_ids: lp.policy.kpis.iter().map(|k| k.id.as_str()).collect(),
        metrics_file: metrics_file.clone(),
    };
    let head = run_record(lp, run, &metrics_file);
    // Streamed in chunks: a million employees' trace never sits in memory whole.
    let mut out = crate::output::manifest::Streamed::create(staging, TRACE_FILE)?;
    // Trace records are plain strings, numbers and lists: they always serialise.
    let mut first = serde_json::to_string(&head).expect("trace serialises");
    first.push('\n');
    out.push(&first)?;
    let build = |chunk: &[crate::engine::EmployeeResult]| -> Vec<String> {
        chunk
            .par_chunks(256)
            .map(|part| {
                let mut text = String::new();
                for r in part {
                    text.push_str(
                        &serde_json::to_string(&employee_record(&ctx, r))
                            .expect("trace serialises"),
                    );
                    text.push('\n');
                }
                text
            })
            .collect()
    };
    // Each chunk is written and hashed while the next is built.
    let mut chunks = run.employees.chunks(8192);
    let mut ready = chunks.next().map(build).unwrap_or_default();
    loop {
        let next = chunks.next();
        let (written, built) = rayon::join(
            || -> crate::error::Result<()> {
                for text in &ready {
                    out.push(text)?;
                }
                Ok(())
            },
            || next.map(build),
        );
        written?;
        match built {
            Some(b) => ready = b,
            None => break,
        }
    }
    let rows = run.employees.len();
    let hashed = out.finish(rows)?;
    tracing::info!(
        "trace of {rows} employees ({} bytes) written in {:?}",
        hashed.bytes,
        started.elapsed()
    );
    Ok(hashed)
}
