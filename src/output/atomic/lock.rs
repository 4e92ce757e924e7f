//! The lock on one output folder: `PARENT/.NAME.merit-lock`, taken with
//! `flock` (non-blocking) and removed when released.

use crate::error::{Error, Result};
use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};

/// A held lock file. It is removed while still locked, and whoever locks
/// it checks afterwards that the path still names the file locked (else
/// takes the new one), so two runs never hold locks on different files
/// for one output and no lock file is left behind.
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    pub fn take(parent: &Path, name: &OsStr, shown: &Path) -> Result<Lock> {
        let path = parent.join(format!(
            ".{}{}",
            name.to_string_lossy(),
            crate::policy::LOCK_SUFFIX
        ));
        for _ in 0..100 {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            match file.try_lock() {
                Ok(()) if names_file(&path, &file) => return Ok(Lock { file, path }),
                // Removed by the run that held it: lock the new file.
                Ok(()) => continue,
                Err(std::fs::TryLockError::WouldBlock) => break,
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::Usage(format!(
            "another merit run is writing to '{}' (it holds the lock {}); wait for it to finish or choose another --out",
            shown.display(),
            path.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Still locked here: no other run holds this file.
        if cfg!(unix) && names_file(&self.path, &self.file) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether `path` names the open `file`.
#[cfg(unix)]
fn names_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_file(_: &Path, _: &File) -> bool {
    true
}
