//! `manifest.json`: what a run read and wrote, with sha256 hashes, so a run
//! can be verified and replayed. It holds no timestamp. `invocation` (the
//! command line and working folder, and each stage's time and bytes) is the
//! one field that depends on how and when merit was called; `merit replay`
//! ignores it, and the rest of the manifest is the same byte for byte for
//! the same inputs.

use super::{ControlTotals, OutFile};
use crate::data::Data;
use crate::engine::RunResult;
use crate::policy::LoadedPolicy;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::data::sha256;

#[derive(Serialize)]
pub struct Manifest {
    pub engine: Engine,
    pub policy: PolicyInfo,
    pub period: PeriodInfo,
    /// Language of statements and report (`merit run --lang` or the policy's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<&'static str>,
    /// Outputs left out with `merit run --skip`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<&'static str>,
    /// How the statements were written (`bundles` or `files`); absent with
    /// `--skip statements`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<&'static str>,
    pub policy_files: Vec<FileHash>,
    pub inputs: Vec<FileHash>,
    /// With `merit run --previous`: the earlier run's files, archived.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previous_files: Vec<FileHash>,
    /// With `merit run --after`: the previous period's manifest and balances.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after_files: Vec<FileHash>,
    pub outputs: Vec<FileHash>,
    /// With `merit run --pdf`: the statements printed to PDF. Apart from
    /// `outputs` because a PDF holds its creation time: verify checks
    /// them, replay does not redo them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prints: Vec<FileHash>,
    pub control_totals: ControlTotals,
    /// Employees in the employees table who were not employed on any day of the period.
    pub not_in_period: Vec<String>,
    /// Exceptions per kind (`exceptions.csv`), every kind, zero included.
    pub exceptions: std::collections::BTreeMap<&'static str, usize>,
    /// Where the copies of the policy files and inputs are kept.
    pub archive: ArchiveInfo,
    /// How merit was called; ignored by replay.
    pub invocation: Invocation,
}

#[derive(Serialize)]
pub struct ArchiveInfo {
    pub policy: &'static str,
    pub data: &'static str,
}

/// The name of the manifest field that replay ignores.
pub const INVOCATION: &str = "invocation";

#[derive(Serialize)]
pub struct Invocation {
    pub command_line: Vec<String>,
    pub working_dir: String,
    /// The run ledger the run was recorded in (absolute), read by
    /// `approve`, `status` and `export`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger: Option<String>,
    /// Wall time and bytes written of each stage of this run, in the order
    /// they ran: they vary from run to run, so they sit with how merit was
    /// called, which replay ignores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<StageTime>,
}

/// One stage of a run: how long it took and what it wrote.
#[derive(Serialize, Debug, Clone)]
pub struct StageTime {
    pub stage: &'static str,
    /// Wall time in milliseconds.
    pub ms: u64,
    /// Files written (0 for a stage that only reads or computes).
    pub files: usize,
    /// Their bytes, as they are on disk.
    pub bytes: u64,
}

impl StageTime {
    pub fn new(stage: &'static str, took: std::time::Duration, files: &[FileHash]) -> StageTime {
        StageTime {
            stage,
            ms: took.as_millis() as u64,
            files: files.len(),
            bytes: files.iter().map(|f| f.bytes as u64).sum(),
        }
    }

    /// A stage that wrote `files` files of `bytes` bytes in all.
    pub fn counted(
        stage: &'static str,
        took: std::time::Duration,
        files: usize,
        bytes: u64,
    ) -> StageTime {
        StageTime {
            stage,
            ms: took.as_millis() as u64,
            files,
            bytes,
        }
    }

    /// Adds a later part of the same stage.
    pub fn add(&mut self, other: StageTime) {
        self.ms += other.ms;
        self.files += other.files;
        self.bytes += other.bytes;
    }
}

impl Invocation {
    pub fn current() -> Invocation {
        Invocation {
            command_line: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            working_dir: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            ledger: None,
            stages: Vec::new(),
        }
    }
}

#[derive(Serialize)]
pub struct Engine {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub version: String,
    pub currency: String,
}

#[derive(Serialize)]
pub struct PeriodInfo {
    pub label: String,
    pub kind: crate::period::PeriodKind,
    pub start: String,
    pub end: String,
    pub days: i64,
}

#[derive(Serialize, Clone, Debug)]
pub struct FileHash {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    pub bytes: usize,
    pub sha256: String,
}

/// Writes an output into the staging folder and keeps only its hash, so a
/// large run never holds every output in memory at once.
pub fn write(staging: &super::atomic::Staging, f: OutFile) -> crate::error::Result<FileHash> {
    staging.write(&f.rel, &f.bytes)?;
    Ok(hash(&f))
}

/// The manifest entry of an output.
pub fn hash(f: &OutFile) -> FileHash {
    FileHash {
        sha256: sha256(&f.bytes),
        bytes: f.bytes.len(),
        rows: Some(f.rows),
        table: None,
        path: f.rel.clone(),
    }
}

/// A staged output written piece by piece and hashed as written, so a
/// large file never sits in memory whole.
pub struct Streamed {
    rel: String,
    path: std::path::PathBuf,
    w: std::io::BufWriter<std::fs::File>,
    hash: Sha256,
    bytes: usize,
}

impl Streamed {
    pub fn create(staging: &super::atomic::Staging, rel: &str) -> crate::error::Result<Streamed> {
        let (path, file) = staging.create(rel)?;
        Ok(Streamed {
            rel: rel.to_owned(),
            path,
            w: std::io::BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            bytes: 0,
        })
    }

    pub fn push(&mut self, text: &str) -> crate::error::Result<()> {
        self.push_bytes(text.as_bytes())
    }

    pub fn push_bytes(&mut self, bytes: &[u8]) -> crate::error::Result<()> {
        use std::io::Write;
        self.hash.update(bytes);
        self.bytes += bytes.len();
        self.w
            .write_all(bytes)
            .map_err(|e| crate::error::Error::io(&self.path, e))
    }

    pub fn finish(mut self, rows: usize) -> crate::error::Result<FileHash> {
        use std::io::Write;
        self.w
            .flush()
            .map_err(|e| crate::error::Error::io(&self.path, e))?;
        Ok(FileHash {
            path: self.rel,
            table: None,
            rows: Some(rows),
            bytes: self.bytes,
            sha256: self
                .hash
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
    }
}

pub fn build(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    outputs: Vec<FileHash>,
    totals: ControlTotals,
    exceptions: &[super::exceptions::Exception],
) -> Manifest {
    let p = &run.period;
    Manifest {
        engine: Engine {
            name: "merit",
            version: env!("CARGO_PKG_VERSION"),
        },
        policy: PolicyInfo {
            id: lp.policy.id.clone(),
            version: lp.policy.version.clone(),
            currency: lp.policy.currency.clone(),
        },
        period: PeriodInfo {
            label: p.label.clone(),
            kind: p.kind,
            start: p.start().to_string(),
            end: p.end().to_string(),
            days: p.days(),
        },
        language: None,
        skipped: Vec::new(),
        previous_files: Vec::new(),
        after_files: Vec::new(),
        prints: Vec::new(),
        statements: None,
        policy_files: lp
            .files
            .iter()
            .map(|f| FileHash {
                path: f.rel.clone(),
                table: None,
                rows: None,
                bytes: f.bytes.len(),
                sha256: sha256(&f.bytes),
            })
            .collect(),
        inputs: data
            .files
            .iter()
            .map(|f| FileHash {
                path: f.file_name.clone(),
                table: Some(f.table),
                rows: Some(f.rows),
                bytes: f.bytes.len(),
                sha256: f.sha256().to_owned(),
            })
            .collect(),
        outputs,
        control_totals: totals,
        not_in_period: run.not_in_period.clone(),
        exceptions: super::exceptions::counts(exceptions)
            .into_iter()
            .map(|(k, n)| (k.name(), n))
            .collect(),
        archive: ArchiveInfo {
            policy: super::archive::POLICY_DIR,
            data: super::archive::DATA_DIR,
        },
        invocation: Invocation::current(),
    }
}
