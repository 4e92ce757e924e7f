//! Finding one employee's record in a run's trace, after checking the
//! trace against the manifest's sha256. The trace's seek table leads to
//! the one frame that can hold the employee (employee lines are sorted by
//! id); a trace without one (`trace.jsonl` of earlier runs) is read line by
//! line.

use crate::cli::run::Optional;
use crate::cli::runfolder::{file_sha256, RunFolder};
use crate::error::{Diagnostic, Error};
use crate::output::trace::zst::{self, FrameAt};
use crate::output::trace::{EmployeeRecord, RunRecord, PLAIN_TRACE_FILE, TRACE_FILE};
use std::io::BufRead;
use std::path::Path;

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
    let Some(entry) = listed
        .iter()
        .find(|f| f.path == TRACE_FILE || f.path == PLAIN_TRACE_FILE)
    else {
        return Err(no_trace(run));
    };
    let path = run.dir.join(&entry.path);
    if file_sha256(&path).as_deref() != Some(entry.sha256.as_str()) {
        return Err(Problem::Tampered(format!(
            "{}: error: does not match the sha256 in the manifest (modified after the run, or missing); refusing to explain from it",
            path.display()
        )));
    }
    let engine = run.engine_version()?.to_owned();
    let found = |head, employee| Found {
        engine: engine.clone(),
        head,
        employee,
    };
    if let Some((head, employee)) = seek(&path, id)? {
        return Ok(found(head, employee));
    }
    let (head, employee, ids) = scan(&path, id)?;
    if let Some(e) = employee {
        return Ok(found(head, Some(e)));
    }
    if head.not_in_period.iter().any(|e| e == id) {
        return Ok(found(head, None));
    }
    Err(Error::Usage(format!(
        "employee '{id}' is not in the run {} ({} employees){}",
        run.dir.display(),
        ids.len(),
        crate::policy::hint(id, ids.iter().map(String::as_str))
    ))
    .into())
}

fn bad(path: &Path, line: usize, e: &dyn std::fmt::Display) -> Problem {
    Problem::Error(Error::one(
        Diagnostic::error(path, format!("not a valid trace: {e}")).at(line, 1),
    ))
}

/// The line an employee's record starts with: found without parsing others.
fn prefix(id: &str) -> String {
    // A string always serialises to JSON.
    let id = serde_json::to_string(id).expect("json");
    format!("{{\"record\":\"employee\",\"employee_id\":{id},")
}

/// The run record and the employee's record through the seek table (no
/// record for someone the run record lists as not employed in the
/// period), or `None` when the file has no table or the employee is not in
/// the frame the table leads to (then the whole trace is read).
fn seek(path: &Path, id: &str) -> Result<Option<(RunRecord, Option<EmployeeRecord>)>, Problem> {
    if path.extension().is_none_or(|e| e != "zst") {
        return Ok(None);
    }
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let Some(frames) = zst::read_seek_table(&mut file) else {
        return Ok(None);
    };
    let Some((&head_frame, employees)) = frames.split_first() else {
        return Ok(None);
    };
    let mut text = |at: FrameAt| -> Result<String, Problem> {
        let bytes = zst::read_frame(&mut file, at).map_err(|e| bad(path, 1, &e))?;
        String::from_utf8(bytes).map_err(|e| bad(path, 1, &e))
    };
    let first = text(head_frame)?;
    let head: RunRecord = serde_json::from_str(first.lines().next().unwrap_or_default())
        .map_err(|e| bad(path, 1, &e))?;
    // The last frame whose first employee id is not after `id`.
    if head.not_in_period.iter().any(|e| e == id) {
        return Ok(Some((head, None)));
    }
    let (mut lo, mut hi) = (0, employees.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let first_id = employee_id(text(employees[mid])?.lines().next().unwrap_or_default());
        if first_id.as_deref().is_some_and(|f| f <= id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let Some(&at) = lo.checked_sub(1).and_then(|i| employees.get(i)) else {
        return Ok(None);
    };
    let prefix = prefix(id);
    for line in text(at)?.lines() {
        if line.starts_with(&prefix) {
            let emp: EmployeeRecord = serde_json::from_str(line).map_err(|e| bad(path, 1, &e))?;
            return Ok(Some((head, Some(emp))));
        }
    }
    Ok(None)
}

/// Reads the whole trace: the run record, the employee's record if there,
/// and every employee id (for the hint when it is not).
fn scan(
    path: &Path,
    id: &str,
) -> Result<(RunRecord, Option<EmployeeRecord>, Vec<String>), Problem> {
    let mut lines = zst::lines(path)?.lines();
    let first = lines
        .next()
        .transpose()
        .map_err(|e| Error::io(path, e))?
        .unwrap_or_default();
    let head: RunRecord = serde_json::from_str(&first).map_err(|e| bad(path, 1, &e))?;
    let prefix = prefix(id);
    let mut ids = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.starts_with(&prefix) {
            let emp: EmployeeRecord =
                serde_json::from_str(&line).map_err(|e| bad(path, n + 2, &e))?;
            return Ok((head, Some(emp), ids));
        }
        if let Some(other) = employee_id(&line) {
            ids.push(other);
        }
    }
    Ok((head, None, ids))
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
