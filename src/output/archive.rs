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

/// Writes the archive into a staged run folder.
pub fn write(staging: &Staging, lp: &LoadedPolicy, data: &Data) -> Result<()> {
    for f in &lp.files {
        staging.write(&format!("{POLICY_DIR}/{}", f.rel), &f.bytes)?;
    }
    for f in &data.files {
        staging.write(&format!("{DATA_DIR}/{}", f.file_name), &f.bytes)?;
    }
    Ok(())
}
