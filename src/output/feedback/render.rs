//! Renders every employee's statement in parallel and writes the files.

use super::{statement, Format, Templates};
use crate::data::Data;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::{EmployeeResult, RunResult};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::output::atomic::Staging;
use crate::output::manifest::{self, FileHash};
use crate::output::OutFile;
use crate::policy::{Language, LoadedPolicy};
use rayon::prelude::*;

/// One employee's statement in each format with its hash, or the template error.
type Rendered = std::result::Result<Vec<(OutFile, FileHash)>, Diagnostic>;

/// Every employee's statements, `feedback/ID.md` and `feedback/ID.html`,
/// in employee order. Each chunk of employees is written as soon as it is
/// rendered, so a large run never holds them all.
pub fn statements(
    lp: &LoadedPolicy,
    templates: &Templates,
    data: &Data,
    run: &RunResult,
    feedback: &[EmployeeFeedback],
    lang: Language,
    staging: &Staging,
) -> Result<Vec<FileHash>> {
    staging.create_dir("feedback")?;
    let names: Vec<(Format, String)> = Format::ALL
        .iter()
        .map(|&f| (f, templates.pick(lang, f)))
        .collect();
    let mut diags = Diagnostics::default();
    // Rendered and hashed on every core; written by one thread (parallel
    // creates in one folder only contend for it), each chunk while the next
    // is rendered; listed in employee order.
    let render = |(employees, fbs): (&[EmployeeResult], &[EmployeeFeedback])| -> Vec<Rendered> {
        employees
            .par_iter()
            .zip(fbs)
            .map(|(r, fb)| {
                let st = statement(lp, data, run, r, fb, lang);
                let subject = format!("the statement of employee {}", st.employee.id);
                names
                    .iter()
                    .map(|(format, name)| {
                        let text = templates.render(name, &st, &subject)?;
                        let f = OutFile {
                            rel: format!("feedback/{}.{}", st.employee.id, format.ext()),
                            bytes: text.into_bytes(),
                            rows: 1,
                        };
                        let hash = manifest::hash(&f);
                        Ok((f, hash))
                    })
                    .collect()
            })
            .collect()
    };
    let mut hashes = Vec::with_capacity(2 * run.employees.len());
    let mut chunks = run.employees.chunks(4096).zip(feedback.chunks(4096));
    let mut ready = chunks.next().map(render).unwrap_or_default();
    loop {
        let next = chunks.next();
        let (written, rendered) = rayon::join(
            || write_chunk(staging, std::mem::take(&mut ready), &mut diags, &mut hashes),
            || next.map(render),
        );
        written?;
        match rendered {
            Some(r) => ready = r,
            None => break,
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(hashes)
}

/// Writes a rendered chunk, unless a template error has been found: then
/// only further, different errors are collected.
fn write_chunk(
    staging: &Staging,
    ready: Vec<Rendered>,
    diags: &mut Diagnostics,
    hashes: &mut Vec<FileHash>,
) -> Result<()> {
    for r in ready {
        match r {
            Ok(files) if !diags.has_errors() => {
                for (f, hash) in files {
                    staging.write_in_existing(&f.rel, &f.bytes)?;
                    hashes.push(hash);
                }
            }
            Ok(_) => {}
            // One template error usually hits every employee: report it once.
            Err(d) if diags.0.iter().any(|x| x.line == d.line && x.file == d.file) => {}
            Err(d) => diags.push(d),
        }
    }
    Ok(())
}
