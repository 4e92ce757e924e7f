//! Finding one employee's record in a run's `trace.jsonl`, after checking
//! the trace against the manifest's sha256.

use crate::cli::run::Optional;
use crate::cli::runfolder::{file_sha256, RunFolder};
use crate::error::{Diagnostic, Error};
use crate::output::trace::{EmployeeRecord, RunRecord, TRACE_FILE};
use std::io::BufRead;

/// What the trace holds about one employee.
pub struct Found {
    /// The engine version from the manifest.
    pub engine: String,
    pub head: RunRecord,
    /// `None`: in the employees table, but not employed during the period.
    pub employee: Option<EmployeeRecord>,
}

pub enum Problem {
    /// The trace does not match the manifest.
    Tampered(String),
    Error(Error),
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        Problem::Error(e)
    }
}

/// Finds the employee's line in the trace, after checking the trace
/// against the manifest's sha256.
pub fn find(run: &RunFolder, id: &str) -> Result<Found, Problem> {
    let listed = run.listed("outputs")?;
    let path = run.dir.join(TRACE_FILE);
    let Some(entry) = listed.iter().find(|f| f.path == TRACE_FILE) else {
        return Err(no_trace(run));
    };
    if file_sha256(&path).as_deref() != Some(entry.sha256.as_str()) {
        return Err(Problem::Tampered(format!(
            "{}: error: does not match the sha256 in the manifest (modified after the run, or missing); refusing to explain from it",
            path.display()
        )));
    }
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let bad = |n: usize, e: &dyn std::fmt::Display| {
        Problem::Error(Error::one(
            Diagnostic::error(&path, format!("not a valid trace: {e}")).at(n, 1),
        ))
    };
    let first = lines
        .next()
        .transpose()
        .map_err(|e| Error::io(&path, e))?
        .unwrap_or_default();
    let head: RunRecord = serde_json::from_str(&first).map_err(|e| bad(1, &e))?;
    // Employee lines start with their id, so a prefix finds the line
    // without parsing the others.
    let prefix = format!(
        "{{\"record\":\"employee\",\"employee_id\":{},",
        // A string always serialises to JSON.
        serde_json::to_string(id).expect("json")
    );
    let mut ids = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::io(&path, e))?;
        if line.starts_with(&prefix) {
            let emp: EmployeeRecord = serde_json::from_str(&line).map_err(|e| bad(n + 2, &e))?;
            return Ok(Found {
                engine: run.engine_version()?.to_owned(),
                head,
                employee: Some(emp),
            });
        }
        if let Some(other) = employee_id(&line) {
            ids.push(other);
        }
    }
    if head.not_in_period.iter().any(|e| e == id) {
        return Ok(Found {
            engine: run.engine_version()?.to_owned(),
            head,
            employee: None,
        });
    }
    Err(Error::Usage(format!(
        "employee '{id}' is not in the run {} ({} employees){}",
        run.dir.display(),
        ids.len(),
        crate::policy::hint(id, ids.iter().map(String::as_str))
    ))
    .into())
}

/// Why a run whose manifest lists no trace cannot be explained.
fn no_trace(run: &RunFolder) -> Problem {
    if run.skipped().contains(&Optional::Trace) {
        return Error::Usage(format!(
            "'{}' was run with --skip trace, so there is no {TRACE_FILE} to explain from; \
             re-run its archive without --skip trace: merit run --policy {1}/archive/policy --data {1}/archive/data --period {2} --out DIR",
            run.dir.display(),
            run.dir.display(),
            run.period().unwrap_or("PERIOD"),
        ))
        .into();
    }
    Error::Usage(format!(
        "'{}' has no {TRACE_FILE} in its manifest (runs made before merit recorded traces cannot be explained)",
        run.dir.display()
    ))
    .into()
}

/// The id of an employee line, gathered for the hint when the id asked
/// for is not in the run.
fn employee_id(line: &str) -> Option<String> {
    let rest = line.strip_prefix("{\"record\":\"employee\",\"employee_id\":")?;
    serde_json::Deserializer::from_str(rest)
        .into_iter::<String>()
        .next()
        .and_then(|r| r.ok())
}
