//! Reading a finished run folder (manifest, output CSVs) for replay,
//! explain and diff. A run folder is read as data: every missing or
//! malformed piece is an error naming the file, never a panic.

use crate::error::{Diagnostic, Error, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";

/// A file listed in the manifest with its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: String,
    pub sha256: String,
}

pub struct RunFolder {
    pub dir: PathBuf,
    pub manifest: Value,
}

impl RunFolder {
    pub fn open(dir: &Path) -> Result<RunFolder> {
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "run folder '{}' does not exist",
                dir.display()
            )));
        }
        let path = dir.join(MANIFEST);
        // is_file follows links and is false for a FIFO, whose read would block.
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "'{}' is not a run folder: it has no {MANIFEST}",
                dir.display()
            )));
        }
        let bytes = read_regular(&path).ok_or_else(|| {
            Error::one(Diagnostic::error(
                &path,
                format!(
                    "not a regular file of at most {} bytes (a link, FIFO or device is not read)",
                    MAX_FILE
                ),
            ))
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::one(Diagnostic::error(
                &path,
                "not a valid manifest: not UTF-8 text",
            ))
        })?;
        let manifest: Value = serde_json::from_str(&text).map_err(|e| {
            Error::one(
                Diagnostic::error(&path, format!("not a valid manifest: {e}"))
                    .at(e.line(), e.column().max(1)),
            )
        })?;
        if !manifest.is_object() {
            return Err(Error::one(Diagnostic::error(
                &path,
                "not a valid manifest: expected a JSON object",
            )));
        }
        Ok(RunFolder {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join(MANIFEST)
    }

    fn bad(&self, what: &str) -> Error {
        Error::one(Diagnostic::error(
            self.manifest_path(),
            format!("not a valid manifest: {what}"),
        ))
    }

    /// A string at a `/`-separated path of object keys.
    pub fn str_at(&self, pointer: &str) -> Result<&str> {
        self.manifest
            .pointer(pointer)
            .and_then(Value::as_str)
            .ok_or_else(|| self.bad(&format!("no text at '{pointer}'")))
    }

    /// The entries of a file list (`policy_files`, `inputs`, `outputs`).
    pub fn listed(&self, key: &str) -> Result<Vec<Listed>> {
        let items = self
            .manifest
            .get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| self.bad(&format!("no '{key}' list")))?;
        items
            .iter()
            .map(|it| {
                let get = |k: &str| it.get(k).and_then(Value::as_str).map(str::to_owned);
                match (get("path"), get("sha256")) {
                    (Some(path), Some(sha256)) => Ok(Listed { path, sha256 }),
                    _ => Err(self.bad(&format!("an entry of '{key}' lacks path or sha256"))),
                }
            })
            .collect()
    }

    /// The statements printed with `--pdf` (none when the run did not).
    pub fn prints(&self) -> Result<Vec<Listed>> {
        match self.manifest.get("prints") {
            Some(_) => self.listed("prints"),
            None => Ok(Vec::new()),
        }
    }

    /// The archive folders the manifest lists files of: `(list, folder)`.
    pub fn archives(&self) -> Vec<(&'static str, &'static str)> {
        use crate::output::archive::{AFTER_DIR, DATA_DIR, POLICY_DIR, PREVIOUS_DIR};
        let mut a = vec![("policy_files", POLICY_DIR), ("inputs", DATA_DIR)];
        if self.manifest.get("previous_files").is_some() {
            a.push(("previous_files", PREVIOUS_DIR));
        }
        if self.manifest.get("after_files").is_some() {
            a.push(("after_files", AFTER_DIR));
        }
        a
    }

    /// Every file the run wrote, relative to the folder: the manifest, the
    /// listed outputs and every archived file.
    pub fn written(&self) -> Result<std::collections::BTreeSet<String>> {
        let mut all = std::collections::BTreeSet::from([MANIFEST.to_owned()]);
        all.extend(self.listed("outputs")?.into_iter().map(|f| f.path));
        all.extend(self.prints()?.into_iter().map(|f| f.path));
        for (key, dir) in self.archives() {
            all.extend(
                self.listed(key)?
                    .into_iter()
                    .map(|f| format!("{dir}/{}", f.path)),
            );
        }
        Ok(all)
    }

    /// The outputs the run left out (`merit run --skip`).
    pub fn skipped(&self) -> Vec<super::run::Optional> {
        self.manifest
            .get("skipped")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().and_then(super::run::Optional::parse))
            .collect()
    }

    /// How the run wrote its statements: the manifest's `statements`, or,
    /// for a run made before statements were bundled, files when it lists
    /// any.
    pub fn statement_layout(&self) -> crate::output::feedback::Layout {
        use crate::output::feedback::Layout;
        match self.manifest.get("statements").and_then(Value::as_str) {
            Some("files") => Layout::Files,
            Some(_) => Layout::Bundles,
            None => {
                let listed = self.listed("outputs").unwrap_or_default();
                let file = |p: &str| {
                    p.starts_with("feedback/") && (p.ends_with(".md") || p.ends_with(".html"))
                };
                if listed.iter().any(|f| file(&f.path)) {
                    Layout::Files
                } else {
                    Layout::Bundles
                }
            }
        }
    }

    pub fn engine_version(&self) -> Result<&str> {
        self.str_at("/engine/version")
    }

    pub fn period(&self) -> Result<&str> {
        self.str_at("/period/label")
    }

    /// A file inside the run folder, refusing paths that would leave it
    /// (a manifest is data and may have been edited).
    pub fn file(&self, rel: &str) -> Option<PathBuf> {
        safe_join(&self.dir, rel)
    }

    pub fn read_text(&self, rel: &str) -> Result<String> {
        let path = self
            .file(rel)
            .ok_or_else(|| self.bad(&format!("unsafe path '{rel}'")))?;
        let bytes = read_regular(&path).ok_or_else(|| {
            Error::one(Diagnostic::error(
                &path,
                format!("missing, or not a regular file of at most {MAX_FILE} bytes (a link, FIFO or device is not read)"),
            ))
        })?;
        String::from_utf8(bytes)
            .map_err(|_| Error::one(Diagnostic::error(&path, "not valid UTF-8 text")))
    }
}

/// `base/rel` when `rel` is a plain relative path (no `..`, not absolute).
pub fn safe_join(base: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    let plain = !rel.is_empty()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    plain.then(|| base.join(p))
}

/// The largest file merit reads from a run folder (a million employees'
/// trace is a few GB); a larger one was not written by merit.
pub const MAX_FILE: u64 = 16 << 30;

/// The bytes of a regular file that is not a link and not over [`MAX_FILE`],
/// `None` otherwise: merit writes no links, a FIFO would block the read and
/// `/dev/zero` never ends.
pub fn read_regular(path: &Path) -> Option<Vec<u8>> {
    let regular = std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && m.len() <= MAX_FILE);
    regular.then(|| std::fs::read(path).ok()).flatten()
}

/// sha256 of a regular file, `None` when it is not one (see
/// [`read_regular`]); read in pieces, so a large trace or bundle is never
/// in memory whole.
pub fn file_sha256(path: &Path) -> Option<String> {
    use sha2::Digest;
    use std::io::Read;
    let regular = std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && m.len() <= MAX_FILE);
    if !regular {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut hash = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hash.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Every file below `dir`, as `/`-separated paths relative to it, sorted.
pub fn walk(dir: &Path) -> Vec<String> {
    fn go(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // Links are listed, never followed: a loop or a link out of the
            // run folder is not walked.
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                go(root, &path, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    go(dir, dir, &mut out);
    out.sort();
    out
}

/// Parses CSV as merit writes it (RFC 4180 quoting, `\n` line ends).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// A CSV output keyed by its first column, with its header.
pub struct Keyed {
    pub header: Vec<String>,
    pub rows: BTreeMap<String, Vec<String>>,
}

impl Keyed {
    pub fn parse(text: &str) -> Keyed {
        let mut all = parse_csv(text).into_iter();
        let header = all.next().unwrap_or_default();
        let rows = all
            .filter(|r| !r.is_empty())
            .map(|r| (r[0].clone(), r))
            .collect();
        Keyed { header, rows }
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The cell of `row` in column `name` ("" when absent).
    pub fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name)
            .and_then(|i| row.get(i))
            .map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_merit_quoting() {
        let rows = parse_csv("a,b\n\"x,y\",'@me\n\"say \"\"hi\"\"\",\n");
        assert_eq!(
            rows,
            vec![
                vec!["a".to_string(), "b".into()],
                vec!["x,y".into(), "'@me".into()],
                vec!["say \"hi\"".into(), "".into()],
            ]
        );
    }

    #[test]
    fn paths_cannot_leave_the_run_folder() {
        let base = Path::new("/runs/q3");
        assert_eq!(
            safe_join(base, "archive/data/metrics.csv"),
            Some(PathBuf::from("/runs/q3/archive/data/metrics.csv"))
        );
        for bad in ["../x", "/etc/passwd", "a/../../b", ""] {
            assert_eq!(safe_join(base, bad), None, "{bad}");
        }
    }
}
