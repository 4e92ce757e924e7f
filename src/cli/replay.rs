//! `merit replay DIR`: re-runs an archived run from its `archive/` alone and
//! compares every output byte for byte.
//!
//! Order: (1) every archived file must match the manifest's sha256 and the
//! archive must hold nothing the manifest does not list — otherwise the
//! archive was tampered with and is not replayed; (2) the run folder's
//! outputs are checked against the manifest (an edited output is named, and
//! the replay shows how it differs); (3) the same pipeline as `merit run`
//! runs on `archive/policy` and `archive/data` into a temporary folder;
//! (4) each output and the manifest (without `invocation`) are compared.

use super::run::{execute, RunArgs};
use super::runfolder::{read_regular, Keyed, Listed, RunFolder, MANIFEST};
use super::verify::{check_outputs, unlisted, Problem};
use crate::error::{Error, Result};
use crate::output::archive::{DATA_DIR, POLICY_DIR, PREVIOUS_DIR};
use crate::output::manifest::INVOCATION;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The run folder (as written by `merit run`, possibly moved or copied).
    pub dir: PathBuf,
}

/// An output compared with its replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub file: String,
    /// Empty when identical; otherwise what differs.
    pub differences: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub archived_engine: String,
    /// Archive files that do not match the manifest (not replayed then).
    pub tampered_archive: Vec<Problem>,
    /// Outputs in the run folder that no longer match the manifest.
    pub tampered_outputs: Vec<Problem>,
    pub compared: Vec<Compared>,
}

impl Outcome {
    pub fn identical(&self) -> bool {
        self.tampered_archive.is_empty()
            && self.tampered_outputs.is_empty()
            && self.compared.iter().all(|c| c.differences.is_empty())
    }
}

pub fn main(args: ReplayArgs) -> Result<ExitCode> {
    let outcome = replay(&args.dir)?;
    print!("{}", render(&args.dir, &outcome));
    Ok(if outcome.identical() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let base = std::env::temp_dir();
        for n in 0..1000u32 {
            let p = base.join(format!("merit-replay-{}-{n}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(&p, e)),
            }
        }
        Err(Error::Usage(format!(
            "cannot create a temporary folder in {}",
            base.display()
        )))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn replay(dir: &Path) -> Result<Outcome> {
    let run = RunFolder::open(dir)?;
    let mut outcome = Outcome {
        archived_engine: run.engine_version()?.to_owned(),
        ..Outcome::default()
    };
    let period = run.period()?.to_owned();
    let previous = check_archives(&run, dir, &mut outcome.tampered_archive)?;
    let outputs = run.listed("outputs")?;
    outcome.tampered_outputs = check_outputs(&run, &outputs);
    outcome
        .tampered_outputs
        .extend(check_outputs(&run, &run.prints()?));
    outcome.tampered_outputs.extend(unlisted(&run)?);
    if !outcome.tampered_archive.is_empty() {
        return Ok(outcome);
    }

    let tmp = TempDir::new()?;
    let out = tmp.0.join("run");
    rerun(&run, period, previous, &out)?;
    let again = RunFolder::open(&out)?;
    outcome.compared = compare_outputs(&run, &again, &outputs)?;
    Ok(outcome)
}

/// Checks every archive folder against the manifest; returns whether the
/// run read a paid earlier run (`--previous`), whose files are archived too.
fn check_archives(run: &RunFolder, dir: &Path, out: &mut Vec<Problem>) -> Result<bool> {
    for sub in [POLICY_DIR, DATA_DIR] {
        if !run.dir.join(sub).is_dir() {
            return Err(Error::Usage(format!(
                "'{}' has no {sub}/ folder, so it cannot be replayed (runs made before merit kept archives have none)",
                dir.display()
            )));
        }
    }
    // A re-run of a paid period also replays from the earlier run it read.
    super::verify::check_archives(run, out)
}

/// Runs the archived policy on the archived data into `out`, as the
/// archived run was made.
fn rerun(run: &RunFolder, period: String, previous: bool, out: &Path) -> Result<()> {
    let cfg = RunArgs {
        policy: Some(run.dir.join(POLICY_DIR)),
        data: Some(run.dir.join(DATA_DIR)),
        period: Some(period),
        out: Some(out.to_path_buf()),
        // statements and the report are reproduced in the archived run's language
        lang: run.str_at("/language").ok().map(str::to_owned),
        // and leave out what it left out
        skip: run.skipped(),
        // and writes the statements as it did
        statements: run.statement_layout(),
        previous: previous.then(|| run.dir.join(PREVIOUS_DIR)),
        after: run
            .manifest
            .get("after_files")
            .is_some()
            .then(|| run.dir.join(crate::output::archive::AFTER_DIR)),
        ..RunArgs::default()
    }
    .check()?;
    let cfg = super::run::RunConfig {
        // check_archives verified the archived earlier runs.
        previous_checked: true,
        after_checked: true,
        // A replay is a check, not a run: nothing is recorded.
        ledger: None,
        ..cfg
    };
    execute(&cfg)?;
    Ok(())
}

/// Each output compared with its replay, then the manifest.
fn compare_outputs(
    run: &RunFolder,
    again: &RunFolder,
    outputs: &[Listed],
) -> Result<Vec<Compared>> {
    // Every output either run lists, in the original's order, then new ones.
    let mut files: Vec<String> = outputs.iter().map(|f| f.path.clone()).collect();
    for f in again.listed("outputs")? {
        if !files.contains(&f.path) {
            files.push(f.path);
        }
    }
    let mut compared = Vec::new();
    for file in files {
        let a = run.file(&file).and_then(|p| read_regular(&p));
        let b = again.file(&file).and_then(|p| read_regular(&p));
        let differences = match (a, b) {
            (Some(a), Some(b)) if a == b => Vec::new(),
            (Some(a), Some(b)) => describe(&file, &a, &b),
            (None, Some(_)) => vec!["missing from the run folder; the replay writes it".into()],
            (Some(_), None) => vec!["the replay does not write this file".into()],
            (None, None) => vec!["missing from both".into()],
        };
        compared.push(Compared { file, differences });
    }
    compared.push(Compared {
        file: MANIFEST.into(),
        differences: manifest_differences(&run.manifest, &again.manifest),
    });
    Ok(compared)
}

/// Top-level manifest keys whose values differ, ignoring `invocation` and
/// the engine version (reported on its own line).
fn manifest_differences(a: &serde_json::Value, b: &serde_json::Value) -> Vec<String> {
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut all = keys(a);
    for k in keys(b) {
        if !all.contains(&k) {
            all.push(k);
        }
    }
    all.into_iter()
        // PDFs hold their creation time; replay checks the HTML they print.
        .filter(|k| k != INVOCATION && k != "engine" && k != "prints")
        .filter(|k| a.get(k) != b.get(k))
        .map(|k| format!("field '{k}' differs"))
        .collect()
}

const MAX_LISTED: usize = 50;

/// What differs between two versions of an output: for payouts each
/// employee and amount, for other text files (the trace decompressed) the
/// lines.
fn describe(file: &str, a: &[u8], b: &[u8]) -> Vec<String> {
    let mut out = if file.ends_with(".zst") {
        zst_differences(file, a, b)
    } else {
        let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
            return vec![format!(
                "{} bytes archived, {} bytes replayed",
                a.len(),
                b.len()
            )];
        };
        if file == "payouts.csv" {
            payout_differences(a, b)
        } else {
            line_differences(file, a, b)
        }
    };
    if out.is_empty() {
        out.push("the bytes differ (line ends or encoding)".into());
    }
    if out.len() > MAX_LISTED {
        let more = out.len() - MAX_LISTED;
        out.truncate(MAX_LISTED);
        out.push(format!("… and {more} more"));
    }
    out
}

/// The differing lines of two compressed traces, decompressed and compared
/// as they are read; when the text is the same, only the compression
/// differs.
fn zst_differences(file: &str, a: &[u8], b: &[u8]) -> Vec<String> {
    use std::io::BufRead;
    // Lines up to the first that does not decode: the rest cannot be compared.
    fn reader(bytes: &[u8]) -> Box<dyn Iterator<Item = String> + '_> {
        match zstd::stream::read::Decoder::new(bytes) {
            Ok(d) => Box::new(std::io::BufReader::new(d).lines().map_while(Result::ok)),
            Err(_) => Box::new(std::iter::empty()),
        }
    }
    let (mut la, mut lb) = (reader(a), reader(b));
    let (mut out, mut counts) = (Vec::new(), (0usize, 0usize));
    loop {
        match (la.next(), lb.next()) {
            (None, None) => break,
            (x, y) => {
                counts.0 += usize::from(x.is_some());
                counts.1 += usize::from(y.is_some());
                if let (Some(x), Some(y)) = (x, y) {
                    if x != y {
                        out.push(line_difference(file, counts.0, &x));
                    }
                }
            }
        }
    }
    if counts.0 != counts.1 {
        out.insert(
            0,
            format!("{} lines archived, {} replayed", counts.0, counts.1),
        );
    }
    if out.is_empty() {
        out.push(
            "the same lines compressed differently (a merit built with another zstd version)"
                .into(),
        );
    }
    out
}

/// Employees added, removed or changed, with each changed column as
/// `archived → replayed`.
pub fn payout_differences(a: &str, b: &str) -> Vec<String> {
    let (a, b) = (Keyed::parse(a), Keyed::parse(b));
    let mut out = Vec::new();
    if a.header != b.header {
        out.push(format!(
            "columns: {} → {}",
            a.header.join(","),
            b.header.join(",")
        ));
    }
    for (id, ra) in &a.rows {
        match b.rows.get(id) {
            None => out.push(format!("{id}: in the run, not in the replay")),
            Some(rb) if ra == rb => {}
            Some(rb) => {
                let changes: Vec<String> = a
                    .header
                    .iter()
                    .filter(|h| a.get(ra, h) != b.get(rb, h))
                    .map(|h| format!("{h} {} → {}", a.get(ra, h), b.get(rb, h)))
                    .collect();
                out.push(format!("{id}: {}", changes.join(", ")));
            }
        }
    }
    for id in b.rows.keys().filter(|id| !a.rows.contains_key(*id)) {
        out.push(format!("{id}: in the replay, not in the run"));
    }
    out
}

/// Differing lines, each named by its key when the file has one: the
/// first CSV field, or a trace line's employee id.
fn line_differences(file: &str, a: &str, b: &str) -> Vec<String> {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    differing_lines(file, &la, &lb)
}

fn differing_lines<S: AsRef<str>>(file: &str, la: &[S], lb: &[S]) -> Vec<String> {
    let mut out = Vec::new();
    if la.len() != lb.len() {
        out.push(format!(
            "{} lines archived, {} replayed",
            la.len(),
            lb.len()
        ));
    }
    for (i, (x, y)) in la.iter().zip(lb).enumerate() {
        if x.as_ref() != y.as_ref() {
            out.push(line_difference(file, i + 1, x.as_ref()));
        }
    }
    out
}

/// `line N differs`, with the line's key when the file has one: the first
/// CSV field, or a trace line's employee id (not on line 1).
fn line_difference(file: &str, n: usize, line: &str) -> String {
    let key = || -> Option<String> {
        if file.ends_with(".csv") {
            super::runfolder::parse_csv(line).first()?.first().cloned()
        } else if file.contains(".jsonl") {
            let v: serde_json::Value = serde_json::from_str(line).ok()?;
            v.get("employee_id")?.as_str().map(str::to_owned)
        } else {
            None
        }
    };
    match key().filter(|_| n > 1) {
        Some(k) => format!("line {n} ({k}) differs"),
        None => format!("line {n} differs"),
    }
}

pub fn render(dir: &Path, o: &Outcome) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let this = env!("CARGO_PKG_VERSION");
    let _ = writeln!(s, "merit replay {}", dir.display());
    if o.archived_engine == this {
        let _ = writeln!(s, "engine: merit {this}, as archived");
    } else {
        let _ = writeln!(
            s,
            "engine: the run was made by merit {}, this is merit {this}; differences may come from the engine",
            o.archived_engine
        );
    }
    for p in &o.tampered_archive {
        let _ = writeln!(s, "tampered: {}: {}", p.file, p.why);
    }
    if !o.tampered_archive.is_empty() {
        let n = o.tampered_archive.len();
        let _ = writeln!(
            s,
            "tampered: {n} archive file{} do{} not match the manifest; not replayed",
            if n == 1 { "" } else { "s" },
            if n == 1 { "es" } else { "" }
        );
        return s;
    }
    let _ = writeln!(
        s,
        "archive: every policy file and input matches the manifest"
    );
    for p in &o.tampered_outputs {
        let _ = writeln!(s, "tampered: {}: {}", p.file, p.why);
    }
    let width = o.compared.iter().map(|c| c.file.len()).max().unwrap_or(0);
    for c in &o.compared {
        if c.differences.is_empty() {
            let _ = writeln!(s, "  {:width$}  identical", c.file);
        } else {
            let _ = writeln!(s, "  {:width$}  DIFFERS", c.file);
            for d in &c.differences {
                let _ = writeln!(s, "      {d}");
            }
        }
    }
    let differing = o
        .compared
        .iter()
        .filter(|c| !c.differences.is_empty())
        .count();
    if o.identical() {
        let _ = writeln!(
            s,
            "identical: {} files replayed byte for byte",
            o.compared.len()
        );
    } else if differing > 0 {
        let _ = writeln!(s, "differs: {differing} of {} files", o.compared.len());
    } else {
        let _ = writeln!(
            s,
            "differs: the replay is identical to the manifest, but the run folder was modified (outputs changed or files added)"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payout_differences_name_employee_and_amount() {
        let a = "employee_id,name,bonus,total_payout\nE1,A,10.00,10.00\nE2,B,5.00,5.00\nE3,C,1.00,1.00\n";
        let b = "employee_id,name,bonus,total_payout\nE1,A,10.00,10.00\nE2,B,6.50,6.50\nE4,D,2.00,2.00\n";
        assert_eq!(
            payout_differences(a, b),
            [
                "E2: bonus 5.00 → 6.50, total_payout 5.00 → 6.50",
                "E3: in the run, not in the replay",
                "E4: in the replay, not in the run",
            ]
        );
    }

    #[test]
    fn differing_lines_are_named_by_their_key() {
        let a = "employee_id,kpi,score\nE1,gmv,100\nE2,gmv,90\n";
        let b = "employee_id,kpi,score\nE1,gmv,100\nE2,gmv,91\n";
        assert_eq!(
            line_differences("scores.csv", a, b),
            ["line 3 (E2) differs"]
        );
        let a = "{\"record\":\"run\"}\n{\"record\":\"employee\",\"employee_id\":\"E1\",\"score\":\"1\"}\n";
        let b = "{\"record\":\"run\",\"x\":1}\n{\"record\":\"employee\",\"employee_id\":\"E1\",\"score\":\"2\"}\n";
        assert_eq!(
            line_differences("trace.jsonl", a, b),
            ["line 1 differs", "line 2 (E1) differs"]
        );
    }

    #[test]
    fn manifest_comparison_ignores_invocation_and_engine() {
        let a = serde_json::json!({"engine": {"version": "0.1.0"}, "outputs": [1], "invocation": {"command_line": ["a"]}});
        let b = serde_json::json!({"engine": {"version": "0.2.0"}, "outputs": [2], "invocation": {"command_line": ["b"]}});
        assert_eq!(manifest_differences(&a, &b), ["field 'outputs' differs"]);
        assert!(manifest_differences(&a, &a).is_empty());
    }
}
