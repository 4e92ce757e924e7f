//! All-or-nothing output folders: files are written into a hidden sibling
//! folder, which replaces `--out` by rename only when everything succeeded.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

pub struct Staging {
    tmp: PathBuf,
    out: PathBuf,
    done: bool,
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Refuses a non-empty `out` unless `force`.
pub fn check_target(out: &Path, force: bool) -> Result<()> {
    if out.exists() {
        if !out.is_dir() {
            return Err(Error::Usage(format!(
                "--out '{}' exists and is not a folder",
                out.display()
            )));
        }
        let non_empty = std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some();
        if non_empty && !force {
            return Err(Error::Usage(format!(
                "--out '{}' is not empty; choose another folder or pass --force to replace it",
                out.display()
            )));
        }
    }
    Ok(())
}

impl Staging {
    pub fn new(out: &Path) -> Result<Staging> {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let tmp = sibling(out, "tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(Staging {
            tmp,
            out: out.to_path_buf(),
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Writes `rel` (a `/`-separated path) inside the staging folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.tmp.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
    }

    /// Creates the folder `rel` inside the staging folder.
    pub fn create_dir(&self, rel: &str) -> Result<()> {
        let path = self.tmp.join(rel);
        std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))
    }

    /// Writes `rel`, whose folder exists (see [`Staging::create_dir`]).
    pub fn write_in_existing(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.tmp.join(rel);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
    }

    /// Creates `rel` inside the staging folder for streaming writes.
    pub fn create(&self, rel: &str) -> Result<(PathBuf, std::fs::File)> {
        let path = self.tmp.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let f = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok((path, f))
    }

    /// Puts the staged folder in place of `out`.
    pub fn commit(mut self) -> Result<()> {
        let old = sibling(&self.out, "old");
        let had_old = self.out.exists();
        if had_old {
            std::fs::rename(&self.out, &old).map_err(|e| Error::io(&self.out, e))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.out) {
            if had_old {
                let _ = std::fs::rename(&old, &self.out);
            }
            return Err(Error::io(&self.out, e));
        }
        self.done = true;
        if had_old {
            std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}
