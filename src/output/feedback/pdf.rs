//! `merit run --pdf`: every statement's HTML printed to `feedback/ID.pdf`
//! by headless Chromium, on the page size and margins the template's
//! `@page` rule sets (A4 for the built-in one). Opt-in and slow: one
//! browser process per statement, about two seconds each, a few at once.
//!
//! A PDF carries Chromium's creation time, so it is not byte-identical
//! between runs; the manifest lists the PDFs apart from the outputs
//! (`prints`), `merit verify` checks their hashes and replay does not
//! redo them.

use crate::error::{Error, Result};
use crate::output::atomic::Staging;
use crate::output::manifest::{self, FileHash};
use crate::output::OutFile;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The browsers `--pdf` looks for on PATH, in this order.
const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
/// One statement that takes longer than this stops the run.
const PRINT_TIMEOUT: Duration = Duration::from_secs(120);
/// Browsers printing at once: each is several processes of its own.
const MAX_AT_ONCE: usize = 4;

/// The headless browser on PATH, or why `--pdf` cannot be honoured; asked
/// before the run reads anything, so a refusal writes nothing.
pub fn find_browser() -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| BROWSERS.map(|b| dir.join(b)))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::Usage(
                "--pdf prints the statements with headless Chromium, which was not found \
                 (looked for chromium, chromium-browser and google-chrome on PATH): install it \
                 (Debian: apt-get install chromium fonts-noto-cjk) or run without --pdf"
                    .into(),
            )
        })
}

/// A statement to print: the employee id and the bundle that holds its
/// `ID.html` (`None`: the file `feedback/ID.html`).
pub type Source<'a> = (&'a str, Option<&'a str>);

/// Prints the HTML statement of every id in the staging folder to
/// `feedback/ID.pdf`; their hashes in the order of `ids`.
pub fn print_all(browser: &Path, staging: &Staging, ids: &[Source]) -> Result<Vec<FileHash>> {
    let dir = std::path::absolute(staging.path()).map_err(|e| Error::io(staging.path(), e))?;
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_AT_ONCE);
    let mut done: Vec<(usize, Result<FileHash>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (dir, next) = (&dir, &next);
                s.spawn(move || {
                    let mut out = Vec::new();
                    let profile = Profile::new(w)?;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(id, bundle)) = ids.get(i) else {
                            break;
                        };
                        let printed = print_one(browser, &profile.0, dir, (id, bundle));
                        let failed = printed.is_err();
                        out.push((i, printed));
                        if failed {
                            // Let the other workers run out of work too.
                            next.store(ids.len(), Ordering::Relaxed);
                        }
                    }
                    Ok::<_, Error>(out)
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            match h.join() {
                Ok(Ok(v)) => all.extend(v),
                Ok(Err(e)) => all.push((usize::MAX, Err(e))),
                // A worker that panicked printed nothing more: the run fails
                // as for any print that failed, instead of crashing.
                Err(_) => all.push((
                    usize::MAX,
                    Err(Error::Usage(
                        "a statement print worker stopped unexpectedly".into(),
                    )),
                )),
            }
        }
        all
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// A browser profile of one worker, removed when the worker is done
/// (merit created it; two browsers cannot share one).
struct Profile(PathBuf);

impl Profile {
    /// A new folder, never one that was there before (it is removed after).
    fn new(worker: usize) -> Result<Profile> {
        let pid = std::process::id();
        let mut n = 0;
        loop {
            let dir = std::env::temp_dir().join(format!("merit-pdf-{pid}-{worker}-{n}"));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Profile(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(Error::io(&dir, e)),
            }
        }
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The statement's HTML as a file: `feedback/ID.html`, or taken out of
/// its bundle into the worker's own folder (outside the run folder).
fn html_file(dir: &Path, work: &Path, (id, bundle): Source) -> Result<PathBuf> {
    let Some(bundle) = bundle else {
        return Ok(dir.join(format!("feedback/{id}.html")));
    };
    let zipped = dir.join(bundle);
    let bad = |e: &dyn std::fmt::Display| {
        Error::Usage(format!("{}: cannot read {id}.html: {e}", zipped.display()))
    };
    let file = std::fs::File::open(&zipped).map_err(|e| Error::io(&zipped, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(&e))?;
    let mut html = Vec::new();
    std::io::Read::read_to_end(
        &mut zip.by_name(&format!("{id}.html")).map_err(|e| bad(&e))?,
        &mut html,
    )
    .map_err(|e| bad(&e))?;
    let path = work.join("statement.html");
    std::fs::write(&path, html).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Prints one statement and hashes the PDF.
fn print_one(browser: &Path, profile: &Path, dir: &Path, source: Source) -> Result<FileHash> {
    let rel = format!("feedback/{}.pdf", source.0);
    let (html, pdf) = (html_file(dir, profile, source)?, dir.join(&rel));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(browser, e))?;
    let start = Instant::now();
    while child
        .try_wait()
        .map_err(|e| Error::io(browser, e))?
        .is_none()
    {
        if start.elapsed() > PRINT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Usage(format!(
                "{}: printing {rel} took longer than {} s",
                browser.display(),
                PRINT_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io(browser, e))?;
    let bytes = std::fs::read(&pdf).unwrap_or_default();
    if !out.status.success() || !bytes.starts_with(b"%PDF-") {
        let why = String::from_utf8_lossy(&out.stderr);
        let last = why.lines().rev().find(|l| !l.trim().is_empty());
        return Err(Error::Usage(format!(
            "{}: could not print {rel} ({}){}",
            browser.display(),
            out.status,
            last.map(|l| format!(": {l}")).unwrap_or_default()
        )));
    }
    let f = OutFile {
        rel,
        bytes,
        rows: 1,
    };
    Ok(manifest::hash(&f))
}
