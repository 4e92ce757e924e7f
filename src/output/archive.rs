//! `archive/`: the policy folder and every input table exactly as the run
//! read them, so `merit replay` can re-run from the run folder alone. The
//! manifest's `policy_files` and `inputs` hold their sha256; the archive
//! copies must match them byte for byte.

use super::atomic::Staging;
use crate::data::Data;
use crate::error::Result;
use crate::policy::LoadedPolicy;

/// The policy folder's copy, relative to the run folder.
pub const POLICY_DIR: &str = "archive/policy";
/// The data folder's copy (only the tables that were read).
pub const DATA_DIR: &str = "archive/data";
/// With `--previous`: the earlier run's manifest, payouts and adjustments
/// as read, so the re-run replays from its own folder too.
pub const PREVIOUS_DIR: &str = "archive/previous";

/// With `--after`: the previous period's manifest and balances as read.
pub const AFTER_DIR: &str = "archive/after";

/// The manifest entries of the earlier run's files (`previous_files`).
pub fn previous_hashes(prev: &super::adjust::Previous) -> Vec<super::manifest::FileHash> {
    hashes(&prev.files)
}

/// Manifest entries of files read from another run.
pub fn hashes(files: &[(&'static str, Vec<u8>)]) -> Vec<super::manifest::FileHash> {
    files
        .iter()
        .map(|(name, bytes)| super::manifest::FileHash {
            path: (*name).to_owned(),
            table: None,
            rows: None,
            bytes: bytes.len(),
            sha256: super::manifest::sha256(bytes),
        })
        .collect()
}

/// Writes the earlier run's files into the staged run folder.
pub fn write_previous(staging: &Staging, prev: &super::adjust::Previous) -> Result<(usize, u64)> {
    write_files(staging, PREVIOUS_DIR, &prev.files)
}

/// Writes files read from another run into `dir` of the staged run folder;
/// returns how many files and bytes.
pub fn write_files(
    staging: &Staging,
    dir: &str,
    files: &[(&'static str, Vec<u8>)],
) -> Result<(usize, u64)> {
    let mut bytes = 0;
    for (name, b) in files {
        staging.write(&format!("{dir}/{name}"), b)?;
        bytes += b.len() as u64;
    }
    Ok((files.len(), bytes))
}

/// Copies a data table's file into a staged run folder's archive (while
/// the tables are read: `data::load_beside`).
pub fn copy_data(staging: &Staging, file_name: &str, bytes: &[u8]) -> Result<()> {
    staging.write(&format!("{DATA_DIR}/{file_name}"), bytes)
}

/// Writes the policy folder's copy into a staged run folder whose data
/// tables were copied with [`copy_data`]; returns how many files and bytes
/// the archive holds.
pub fn write(staging: &Staging, lp: &LoadedPolicy, data: &Data) -> Result<(usize, u64)> {
    let mut bytes = 0;
    for f in &lp.files {
        staging.write(&format!("{POLICY_DIR}/{}", f.rel), &f.bytes)?;
        bytes += f.bytes.len() as u64;
    }
    bytes += data.files.iter().map(|f| f.bytes.len() as u64).sum::<u64>();
    Ok((lp.files.len() + data.files.len(), bytes))
}
