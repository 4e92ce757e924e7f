//! The parts of `merit run`'s options that other commands share: what a
//! run may leave out (`--skip`), `--strict` kinds, and `--pdf`.

use crate::error::{Error, Result};
use crate::output::exceptions::Kind;
use std::path::PathBuf;

/// Outputs a run may leave out (`--skip`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Optional {
    /// `feedback/ID.md` and `feedback/ID.html` for every employee.
    Statements,
    /// `trace.jsonl.zst` (then `merit explain` cannot read the run).
    Trace,
    /// `payouts.xlsx`.
    Workbook,
}

impl Optional {
    pub fn name(self) -> &'static str {
        match self {
            Optional::Statements => "statements",
            Optional::Trace => "trace",
            Optional::Workbook => "workbook",
        }
    }

    pub fn parse(s: &str) -> Option<Optional> {
        [Optional::Statements, Optional::Trace, Optional::Workbook]
            .into_iter()
            .find(|o| o.name() == s)
    }
}

/// `--strict` names as kinds, sorted, each once (clap checked the names).
pub(super) fn strict_kinds(names: &[String]) -> Vec<Kind> {
    let kinds: std::collections::BTreeSet<Kind> =
        names.iter().filter_map(|n| Kind::parse(n)).collect();
    kinds.into_iter().collect()
}

/// `--pdf`: the browser to print with, found before anything is read or
/// written; refused together with `--skip statements`.
pub(super) fn pdf_browser(pdf: bool, skip: &[Optional]) -> Result<Option<PathBuf>> {
    if !pdf {
        return Ok(None);
    }
    if skip.contains(&Optional::Statements) {
        return Err(Error::Usage(
            "--pdf prints the statements, which --skip statements leaves out".into(),
        ));
    }
    crate::output::feedback::pdf::find_browser().map(Some)
}
