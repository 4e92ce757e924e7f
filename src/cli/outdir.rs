//! Where a command may write. `--out` never is, lies inside or contains a
//! folder the command reads; it must be absent or empty, and `--force`
//! replaces only an earlier merit run that holds nothing its manifest does
//! not list. The checks run under the output's lock (`output::atomic`), and
//! the replaced run is checked again when the new one takes its place.

use super::runfolder::{RunFolder, MANIFEST};
use crate::error::{Error, Result};
use crate::output::atomic::{Check, Claim, Found};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// Locks `out` for `merit run` and checks it against the inputs (flag and
/// folder) and `--force`.
pub fn claim_run(out: &Path, force: bool, inputs: &[(&str, &Path)]) -> Result<Claim> {
    claim(
        out,
        force,
        inputs,
        earlier_run,
        "replace an earlier merit run there",
    )
}

/// Locks `out` for `merit gen`, whose `--force` replaces only a data
/// folder gen wrote (its [`GEN_MARKER`] lists every file).
pub fn claim_gen(out: &Path, force: bool, inputs: &[(&str, &Path)]) -> Result<Claim> {
    claim(
        out,
        force,
        inputs,
        earlier_gen,
        "replace data merit gen wrote there",
    )
}

/// Locks `out` for `merit model`, whose `--force` replaces only a folder
/// an earlier `merit model` wrote (its [`MODEL_MARKER`] lists every file).
pub fn claim_model(out: &Path, force: bool, inputs: &[(&str, &Path)]) -> Result<Claim> {
    claim(
        out,
        force,
        inputs,
        earlier_model,
        "replace what merit model wrote there",
    )
}

/// The file `merit gen` leaves in a data folder: a line of explanation,
/// then the name of every file it wrote.
pub const GEN_MARKER: &str = ".merit-gen";

/// The same for the folder `merit model` writes.
pub const MODEL_MARKER: &str = ".merit-model";

/// The marker's text for the files `gen` wrote.
pub fn gen_marker(files: &[String]) -> String {
    marker_text("gen", files)
}

/// The marker's text for the files `model` wrote.
pub fn model_marker(files: &[String]) -> String {
    marker_text("model", files)
}

fn marker_text(command: &str, files: &[String]) -> String {
    let mut s =
        format!("written by merit {command}; `merit {command} --force` may replace this folder\n");
    for f in files {
        s.push_str(f);
        s.push('\n');
    }
    s
}

/// Whether `dir` holds only what an earlier `merit gen` wrote.
fn earlier_gen(dir: &Path) -> std::result::Result<(), String> {
    only_marked(dir, GEN_MARKER, "gen")
}

/// Whether `dir` holds only what an earlier `merit model` wrote.
fn earlier_model(dir: &Path) -> std::result::Result<(), String> {
    only_marked(dir, MODEL_MARKER, "model")
}

/// Whether `dir` holds only the files its `marker` lists.
fn only_marked(dir: &Path, marker: &str, command: &str) -> std::result::Result<(), String> {
    let bytes = super::runfolder::read_regular(&dir.join(marker))
        .ok_or_else(|| format!("it has no {marker} (merit {command} did not write it)"))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut listed: BTreeSet<String> = text.lines().skip(1).map(str::to_owned).collect();
    listed.insert(marker.to_owned());
    match first_unlisted(dir, "", &listed) {
        None => Ok(()),
        Some(extra) => Err(format!(
            "it holds '{extra}', which merit {command} did not write (move it out first)"
        )),
    }
}

fn claim(
    out: &Path,
    force: bool,
    inputs: &[(&str, &Path)],
    check: Check,
    what_force_does: &str,
) -> Result<Claim> {
    disjoint(out, inputs)?;
    let claim = Claim::acquire(out)?;
    match claim.found() {
        Found::NonEmpty if !force => Err(Error::Usage(format!(
            "--out '{}' is not empty; choose another folder, or pass --force to {what_force_does}",
            out.display()
        ))),
        Found::NonEmpty => match check(claim.path()) {
            Ok(()) => Ok(claim.replacing(check)),
            Err(why) => Err(Error::Usage(format!(
                "--force replaces only an earlier merit run, and '{}' is not one to replace: {why}; nothing was changed",
                out.display()
            ))),
        },
        Found::Absent | Found::Empty => Ok(claim),
    }
}

/// How `path` (which need not exist yet) stands to the existing folder
/// `dir`: `is`, `contains`, `lies inside`, or `None` when they are apart
/// (or `dir` does not exist: a missing input is reported when it is read).
pub fn relation(path: &Path, dir: &Path) -> Result<Option<&'static str>> {
    let real = resolve(path).map_err(|e| Error::io(path, e))?;
    let Ok(real_dir) = dir.canonicalize() else {
        return Ok(None);
    };
    Ok(if real == real_dir {
        Some("is")
    } else if real_dir.starts_with(&real) {
        Some("contains")
    } else if real.starts_with(&real_dir) {
        Some("lies inside")
    } else {
        None
    })
}

/// Refuses an output that is, lies inside or contains an input folder.
fn disjoint(out: &Path, inputs: &[(&str, &Path)]) -> Result<()> {
    for (flag, input) in inputs {
        let Some(how) = relation(out, input)? else {
            continue;
        };
        return Err(Error::Usage(format!(
            "--out '{}' {how} the {flag} folder '{}'; a run never writes where it reads: choose another --out",
            out.display(),
            input.display()
        )));
    }
    Ok(())
}

/// `p` absolute with symbolic links resolved as far as it exists; the
/// rest, which does not exist yet, taken as written.
fn resolve(p: &Path) -> std::io::Result<PathBuf> {
    let mut real = PathBuf::new();
    for c in std::path::absolute(p)?.components() {
        match c {
            Component::ParentDir => {
                real.pop();
            }
            Component::CurDir => {}
            other => {
                real.push(other);
                if let Ok(r) = real.canonicalize() {
                    real = r;
                }
            }
        }
    }
    Ok(real)
}

/// Whether `dir` is an earlier merit run holding only what its manifest
/// lists, which `--force` may replace; the reason when it is not.
fn earlier_run(dir: &Path) -> std::result::Result<(), String> {
    if !dir.join(MANIFEST).is_file() {
        return Err(format!("it has no {MANIFEST}"));
    }
    let run = RunFolder::open(dir).map_err(|e| e.to_string())?;
    if run.str_at("/engine/name").ok() != Some("merit") {
        return Err(format!("its {MANIFEST} was not written by merit run"));
    }
    let listed = run.written().map_err(|e| e.to_string())?;
    match first_unlisted(dir, "", &listed) {
        None => Ok(()),
        Some(extra) => Err(format!(
            "it holds '{extra}', which its {MANIFEST} does not list (move it out first)"
        )),
    }
}

/// The first entry below `dir` (as `rel/…`) that is neither a listed file
/// nor a folder on the way to one; symbolic links are never listed.
fn first_unlisted(dir: &Path, rel: &str, listed: &BTreeSet<String>) -> Option<String> {
    let shown = |name: &str| match rel {
        "" => name.to_owned(),
        _ => format!("{rel}/{name}"),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Some(format!("{rel}/ (unreadable)"));
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = shown(&e.file_name().to_string_lossy());
        let Ok(kind) = e.file_type() else {
            return Some(path);
        };
        if kind.is_dir() {
            let prefix = format!("{path}/");
            if !listed.iter().any(|l| l.starts_with(&prefix)) {
                return Some(prefix);
            }
            if let Some(x) = first_unlisted(&e.path(), &path, listed) {
                return Some(x);
            }
        } else if !(kind.is_file() && listed.contains(&path)) {
            return Some(path);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_keeps_what_does_not_exist_yet() {
        let t = tempfile::tempdir().unwrap();
        let real = t.path().canonicalize().unwrap();
        let p = t.path().join("a/../b/./c");
        assert_eq!(resolve(&p).unwrap(), real.join("b/c"));
    }

    #[test]
    fn overlaps_are_named() {
        let t = tempfile::tempdir().unwrap();
        let data = t.path().join("data");
        std::fs::create_dir_all(data.join("sub")).unwrap();
        let how = |out: &Path| {
            disjoint(out, &[("--data", &data)])
                .err()
                .map(|e| e.to_string())
        };
        assert!(how(&data).unwrap().contains(" is the --data folder"));
        assert!(how(&data.join("x")).unwrap().contains("lies inside"));
        assert!(how(t.path()).unwrap().contains("contains"));
        assert_eq!(how(&t.path().join("data2")), None);
        assert!(how(&data.join("../data/sub/..")).unwrap().contains(" is "));
    }
}
