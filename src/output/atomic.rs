//! All-or-nothing output folders that never lose a folder merit did not
//! write.
//!
//! A command first takes [`Claim::acquire`]: an exclusive lock on
//! `PARENT/.NAME.merit-lock`, held until the output is in place, then
//! removed (see `lock.rs`). Under the lock it removes staging folders of the
//! same output left by a killed run, and notes what `--out` holds. Files are
//! then written into a hidden staging folder beside it,
//! `.NAME.merit-staging-PID-N`, marked by a `.merit-staging` file naming
//! `NAME`. The commit puts it in place in one rename that fails if a folder
//! appeared at `--out` meanwhile, or swaps it with an earlier run that the
//! caller allowed to be replaced (and checks it again after the swap, before
//! removing it).

mod lock;
mod swap;

use crate::error::{Error, Result};
use lock::Lock;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

/// The file inside a staging folder that marks it as merit's.
const MARKER: &str = crate::policy::STAGING_MARKER;

/// Checks that a folder may be replaced; the reason when it may not.
pub type Check = fn(&Path) -> std::result::Result<(), String>;

/// What `--out` held when the lock was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Absent,
    Empty,
    NonEmpty,
}

/// The exclusive right to write one output folder, until dropped.
pub struct Claim {
    /// As the user gave it, for messages.
    shown: PathBuf,
    /// The real parent folder joined with the name.
    out: PathBuf,
    name: OsString,
    found: Found,
    replace: Option<Check>,
    lock: Option<Lock>,
    /// Parent folders this claim created, deepest first: removed again
    /// (when still empty) unless the output was committed.
    created: Vec<PathBuf>,
    committed: bool,
}

impl Claim {
    /// Locks `out` (creating its parent folders), removes stale staging
    /// folders of it and looks at what it holds.
    pub fn acquire(out: &Path) -> Result<Claim> {
        let name = out.file_name().ok_or_else(|| {
            Error::Usage(format!(
                "--out '{}' must end in a folder name",
                out.display()
            ))
        })?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut claim = Claim {
            shown: out.to_path_buf(),
            out: PathBuf::new(),
            name: name.to_owned(),
            found: Found::Absent,
            replace: None,
            lock: None,
            created: create_parents(parent).map_err(|e| Error::io(parent, e))?,
            committed: false,
        };
        let parent = parent.canonicalize().map_err(|e| Error::io(parent, e))?;
        claim.lock = Some(Lock::take(&parent, name, out)?);
        remove_stale(&parent, name);
        claim.out = parent.join(name);
        claim.found = inspect(&claim.out, out)?;
        Ok(claim)
    }

    pub fn found(&self) -> Found {
        self.found
    }

    /// The output folder, with its parent's real path.
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// Allows the commit to replace the non-empty folder found, if `check`
    /// still passes on it once it has been moved aside.
    pub fn replacing(mut self, check: Check) -> Claim {
        self.replace = Some(check);
        self
    }

    /// A sibling of the output named `.NAME.TAG-PID-N` that does not exist.
    fn free_sibling(&self, tag: &str) -> io::Result<PathBuf> {
        let name = self.name.to_string_lossy();
        for n in 1..1000 {
            let p = self
                .out
                .with_file_name(format!(".{name}.{tag}-{}-{n}", std::process::id()));
            if std::fs::symlink_metadata(&p).is_err() {
                return Ok(p);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("no free name for a .{name}.{tag} folder"),
        ))
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        drop(self.lock.take());
        if !self.committed {
            for dir in &self.created {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// Creates `dir` and its missing ancestors; returns those it created,
/// deepest first.
fn create_parents(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut p = dir;
    while !p.as_os_str().is_empty() && std::fs::symlink_metadata(p).is_err() {
        missing.push(p.to_path_buf());
        match p.parent() {
            Some(q) => p = q,
            None => break,
        }
    }
    std::fs::create_dir_all(dir)?;
    Ok(missing)
}

fn inspect(out: &Path, shown: &Path) -> Result<Found> {
    let meta = match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(Error::io(shown, e)),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        return Err(Error::Usage(format!(
            "--out '{}' is a symbolic link; give the folder itself",
            shown.display()
        )));
    }
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "--out '{}' exists and is not a folder",
            shown.display()
        )));
    }
    let mut entries = std::fs::read_dir(out).map_err(|e| Error::io(shown, e))?;
    Ok(match entries.next() {
        None => Found::Empty,
        Some(_) => Found::NonEmpty,
    })
}

fn marker_text(name: &OsStr) -> String {
    format!("merit staging folder for {}\n", name.to_string_lossy())
}

/// Whether `dir` is a real folder holding the marker for output `name`.
fn is_marked(dir: &Path, name: &OsStr) -> bool {
    let real_dir = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    let marker = dir.join(MARKER);
    let real_file = std::fs::symlink_metadata(&marker).is_ok_and(|m| m.is_file());
    real_dir && real_file && std::fs::read(&marker).is_ok_and(|b| b == marker_text(name).as_bytes())
}

/// Removes the staging folders of output `name` that a killed run left:
/// only siblings named `.NAME.merit-…` that hold the marker for `NAME`.
/// Called with the lock held, so no live run is writing them.
fn remove_stale(parent: &Path, name: &OsStr) {
    let prefix = format!(".{}.merit-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry.file_name().to_string_lossy().starts_with(&prefix);
        if !ours || !is_marked(&path, name) {
            continue;
        }
        match remove_marked(&path) {
            Ok(()) => tracing::warn!(
                "removed {}, left unfinished by a merit run that was stopped",
                path.display()
            ),
            Err(e) => tracing::warn!("could not remove {}: {e}", path.display()),
        }
    }
}

/// Removes a marked folder with its marker last, so a removal cut short
/// leaves a folder the next run still recognises.
fn remove_marked(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    std::fs::remove_file(dir.join(MARKER))?;
    std::fs::remove_dir(dir)
}

/// Marks a folder and removes it (an earlier run, once replaced).
fn mark_and_remove(dir: &Path, name: &OsStr) -> io::Result<()> {
    std::fs::write(dir.join(MARKER), marker_text(name))?;
    remove_marked(dir)
}

pub struct Staging {
    tmp: PathBuf,
    claim: Claim,
    done: bool,
}

impl Staging {
    /// A new marked staging folder beside the claimed output.
    pub fn new(claim: Claim) -> Result<Staging> {
        let mut tmp = claim
            .free_sibling("merit-staging")
            .map_err(|e| Error::io(&claim.shown, e))?;
        while let Err(e) = std::fs::create_dir(&tmp) {
            if e.kind() != io::ErrorKind::AlreadyExists {
                return Err(Error::io(&tmp, e));
            }
            tmp = claim
                .free_sibling("merit-staging")
                .map_err(|e| Error::io(&claim.shown, e))?;
        }
        let staging = Staging {
            tmp,
            claim,
            done: false,
        };
        staging.write(MARKER, marker_text(&staging.claim.name).as_bytes())?;
        Ok(staging)
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

    /// Puts the staged folder at the output; the lock is released after.
    /// If the output changed meanwhile in a way the claim did not allow,
    /// the output is left alone and the staged folder is dropped.
    pub fn commit(mut self) -> Result<()> {
        let marker = self.tmp.join(MARKER);
        std::fs::remove_file(&marker).map_err(|e| Error::io(&marker, e))?;
        let out = self.claim.out.clone();
        match (self.claim.found, self.claim.replace) {
            (Found::Absent, _) => {
                place_new(&self.tmp, &out).map_err(|e| self.changed(e))?;
            }
            // rename(2) replaces an empty folder and nothing else.
            (Found::Empty, _) => {
                std::fs::rename(&self.tmp, &out).map_err(|e| self.changed(e))?;
            }
            (Found::NonEmpty, Some(check)) => return self.replace(check),
            (Found::NonEmpty, None) => {
                return Err(Error::Usage(format!(
                    "--out '{}' is not empty",
                    self.claim.shown.display()
                )))
            }
        }
        self.done = true;
        self.claim.committed = true;
        Ok(())
    }

    /// Swaps the staged folder with the earlier run, checks that run again
    /// where it now is, and removes it.
    fn replace(mut self, check: Check) -> Result<()> {
        let out = self.claim.out.clone();
        let old = swap_in(&self.tmp, &out, || {
            self.claim.free_sibling("merit-replaced")
        })
        .map_err(|e| self.changed(e))?;
        if let Err(why) = check(&old) {
            // Changed since it was checked: put it back.
            if let Err(e) = swap_back(&self.tmp, &out, &old) {
                self.done = true;
                return Err(Error::Usage(format!(
                    "--out '{}' changed while merit was running and could not be put back ({e}): the earlier folder is at '{}', the new run at '{}'",
                    self.claim.shown.display(),
                    old.display(),
                    out.display()
                )));
            }
            return Err(Error::Usage(format!(
                "--out '{}' changed while merit was running ({why}); it was left as it was and this run was dropped",
                self.claim.shown.display()
            )));
        }
        self.done = true;
        self.claim.committed = true;
        if let Err(e) = mark_and_remove(&old, &self.claim.name) {
            tracing::warn!(
                "the earlier run was replaced but not fully removed from {} ({e}); the next run into this folder removes it",
                old.display()
            );
        }
        Ok(())
    }

    fn changed(&self, e: io::Error) -> Error {
        let kinds = [
            io::ErrorKind::AlreadyExists,
            io::ErrorKind::DirectoryNotEmpty,
        ];
        if kinds.contains(&e.kind()) {
            return Error::Usage(format!(
                "--out '{}' appeared or changed while merit was running; it was left alone and this run was dropped (nothing was written): run again with another --out",
                self.claim.shown.display()
            ));
        }
        Error::io(&self.claim.shown, e)
    }
}

/// Moves `tmp` to `out`, which must not exist.
fn place_new(tmp: &Path, out: &Path) -> io::Result<()> {
    if swap::rename_noreplace(tmp, out)? {
        return Ok(());
    }
    place_by_mkdir(tmp, out)
}

/// Without renameat2: takes the name with mkdir, which fails if it
/// exists, then renames onto that empty folder of ours.
fn place_by_mkdir(tmp: &Path, out: &Path) -> io::Result<()> {
    std::fs::create_dir(out)?;
    std::fs::rename(tmp, out).inspect_err(|_| {
        let _ = std::fs::remove_dir(out);
    })
}

/// Puts `tmp` at `out` and returns where the folder that was at `out` is
/// now: at `tmp` after an exchange, else at `aside()`.
fn swap_in(
    tmp: &Path,
    out: &Path,
    aside: impl FnOnce() -> io::Result<PathBuf>,
) -> io::Result<PathBuf> {
    if swap::exchange(tmp, out)? {
        return Ok(tmp.to_path_buf());
    }
    let aside = aside()?;
    move_aside(tmp, out, &aside)?;
    Ok(aside)
}

/// Without an exchange: the old folder to `aside`, then `tmp` to `out`;
/// the old one back if the second rename fails.
fn move_aside(tmp: &Path, out: &Path, aside: &Path) -> io::Result<()> {
    std::fs::rename(out, aside)?;
    if let Err(e) = std::fs::rename(tmp, out) {
        std::fs::rename(aside, out)?;
        return Err(e);
    }
    Ok(())
}

/// Undoes [`swap_in`]: the old folder back at `out`, the new one at `tmp`.
fn swap_back(tmp: &Path, out: &Path, old: &Path) -> io::Result<()> {
    if old == tmp {
        if swap::exchange(tmp, out)? {
            return Ok(());
        }
        return Err(io::Error::other("the swap could not be undone"));
    }
    std::fs::rename(out, tmp)?;
    std::fs::rename(old, out)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(dir: &Path, file: &str, text: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(file), text).unwrap();
    }

    fn read(dir: &Path, file: &str) -> String {
        std::fs::read_to_string(dir.join(file)).unwrap()
    }

    #[test]
    fn the_fallback_swap_moves_aside_and_back() {
        let t = tempfile::tempdir().unwrap();
        let (tmp, out, aside) = (
            t.path().join("new"),
            t.path().join("out"),
            t.path().join("b"),
        );
        folder(&tmp, "f", "new");
        folder(&out, "f", "old");
        move_aside(&tmp, &out, &aside).unwrap();
        assert_eq!(
            (read(&out, "f"), read(&aside, "f")),
            ("new".into(), "old".into())
        );
        swap_back(&tmp, &out, &aside).unwrap();
        assert_eq!(
            (read(&out, "f"), read(&tmp, "f")),
            ("old".into(), "new".into())
        );
        // A failed second rename puts the old folder back.
        std::fs::remove_dir_all(&tmp).unwrap();
        assert!(move_aside(&tmp, &out, &aside).is_err());
        assert_eq!(read(&out, "f"), "old");
        assert!(!aside.exists());
    }

    #[test]
    fn swap_in_puts_the_new_folder_in_place() {
        let t = tempfile::tempdir().unwrap();
        let (tmp, out) = (t.path().join("new"), t.path().join("out"));
        folder(&tmp, "f", "new");
        folder(&out, "f", "old");
        let old = swap_in(&tmp, &out, || Ok(t.path().join("aside"))).unwrap();
        assert_eq!(
            (read(&out, "f"), read(&old, "f")),
            ("new".into(), "old".into())
        );
        swap_back(&tmp, &out, &old).unwrap();
        assert_eq!(
            (read(&out, "f"), read(&tmp, "f")),
            ("old".into(), "new".into())
        );
    }

    #[test]
    fn placing_never_replaces() {
        for place in [place_new, place_by_mkdir] {
            let t = tempfile::tempdir().unwrap();
            let (tmp, out) = (t.path().join("new"), t.path().join("out"));
            folder(&tmp, "f", "new");
            std::fs::create_dir(&out).unwrap();
            assert!(place(&tmp, &out).is_err());
            assert!(tmp.join("f").is_file() && out.read_dir().unwrap().next().is_none());
            std::fs::remove_dir(&out).unwrap();
            place(&tmp, &out).unwrap();
            assert_eq!(read(&out, "f"), "new");
        }
    }

    #[test]
    fn only_marked_folders_of_the_same_output_are_stale() {
        let t = tempfile::tempdir().unwrap();
        let name = OsStr::new("out");
        let marked = t.path().join(".out.merit-staging-1-1");
        folder(&marked.join("sub"), "f", "x");
        std::fs::write(marked.join(MARKER), marker_text(name)).unwrap();
        let unmarked = t.path().join(".out.merit-replaced-1-1");
        folder(&unmarked, "f", "the earlier run");
        let other = t.path().join(".out.merit-staging-2-1");
        folder(&other, MARKER, &marker_text(OsStr::new("out2")));
        remove_stale(t.path(), name);
        assert!(!marked.exists());
        assert!(unmarked.join("f").is_file() && other.join(MARKER).is_file());
    }

    #[test]
    fn a_second_claim_on_one_output_fails_at_once() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        let first = Claim::acquire(&out).unwrap();
        let e = Claim::acquire(&out).err().unwrap().to_string();
        assert!(e.contains("another merit run is writing"), "{e}");
        drop(first);
        let lock = t.path().join(".out.merit-lock");
        assert!(!lock.exists(), "removed when released");
        let second = Claim::acquire(&out).unwrap();
        assert!(lock.is_file());
        drop(second);
        // Parents the claim made are removed again when nothing was written.
        let deep = t.path().join("a/b/out");
        drop(Claim::acquire(&deep).unwrap());
        assert!(!t.path().join("a").exists());
    }
}
