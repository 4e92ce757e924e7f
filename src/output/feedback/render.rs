//! Renders every employee's statement in parallel and writes them: into
//! one zip bundle per department (the default), or as one file per
//! statement (`merit run --statements files`).

use super::bundle::{self, Bundle, Entry};
use super::{statement, Format, Templates};
use crate::data::Data;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::RunResult;
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::output::atomic::Staging;
use crate::output::manifest::{self, FileHash};
use crate::output::OutFile;
use crate::policy::{Language, LoadedPolicy};
use rayon::prelude::*;

/// How the statements are written.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// `feedback/DEPARTMENT.zip` per department, and `feedback/index.csv`.
    #[default]
    Bundles,
    /// `feedback/ID.md` and `feedback/ID.html` per employee.
    Files,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Bundles => "bundles",
            Layout::Files => "files",
        }
    }
}

/// What the statements are rendered from.
pub struct Inputs<'a> {
    pub lp: &'a LoadedPolicy,
    pub templates: &'a Templates,
    pub data: &'a Data,
    pub run: &'a RunResult,
    pub feedback: &'a [EmployeeFeedback],
    pub lang: Language,
}

/// One employee's statements as (file name, text), or the template error.
type Rendered = std::result::Result<Vec<(String, String)>, Diagnostic>;

/// Employees rendered at once; written while the next chunk renders.
const CHUNK: usize = 4096;

impl Inputs<'_> {
    /// The statements of `run.employees[i]`, one per format.
    fn render(&self, names: &[(Format, String)], i: usize) -> Rendered {
        let (r, fb) = (&self.run.employees[i], &self.feedback[i]);
        let st = statement(self.lp, self.data, self.run, r, fb, self.lang);
        let subject = format!("the statement of employee {}", st.employee.id);
        // Converted for the templates once, for both formats.
        let ctx = minijinja::Value::from_serialize(&st);
        names
            .iter()
            .map(|(format, name)| {
                let text = self.templates.render(name, &ctx, &subject)?;
                Ok((format!("{}.{}", st.employee.id, format.ext()), text))
            })
            .collect()
    }

    fn template_names(&self) -> Vec<(Format, String)> {
        Format::ALL
            .iter()
            .map(|&f| (f, self.templates.pick(self.lang, f)))
            .collect()
    }
}

/// Renders `order` (indexes of `run.employees`) in chunks on every core,
/// `item` turning each rendering into what `write` takes; each chunk is
/// written while the next renders, so a large run never holds them all.
fn pipeline<T: Send>(
    order: &[usize],
    item: impl Fn(usize) -> T + Sync,
    mut write: impl FnMut(Vec<T>) -> Result<()> + Send,
) -> Result<()> {
    let stage = crate::progress::Stage::new("statements", order.len() as u64);
    let render = |chunk: &[usize]| -> Vec<T> { chunk.par_iter().map(|&i| item(i)).collect() };
    let mut chunks = order.chunks(CHUNK);
    let mut ready = chunks.next().map(render).unwrap_or_default();
    loop {
        let next = chunks.next();
        let n = ready.len() as u64;
        let (written, rendered) =
            rayon::join(|| write(std::mem::take(&mut ready)), || next.map(render));
        written?;
        stage.inc(n);
        match rendered {
            Some(r) => ready = r,
            None => break,
        }
    }
    stage.finish();
    Ok(())
}

/// Collects a template error, once per place in the template: one error
/// usually hits every employee. True when the rendering succeeded.
fn keep<T>(r: std::result::Result<T, Diagnostic>, diags: &mut Diagnostics) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(d) if diags.0.iter().any(|x| x.line == d.line && x.file == d.file) => None,
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Every employee's statements, written as `layout` says; their manifest
/// entries in the order written.
pub fn statements(s: &Inputs, layout: Layout, staging: &Staging) -> Result<Vec<FileHash>> {
    staging.create_dir("feedback")?;
    let mut diags = Diagnostics::default();
    let hashes = match layout {
        Layout::Files => files(s, staging, &mut diags)?,
        Layout::Bundles => bundles(s, staging, &mut diags)?,
    };
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(hashes)
}

/// `feedback/ID.md` and `feedback/ID.html`, in employee order. Written by
/// one thread: parallel creates in one folder only contend for it.
fn files(s: &Inputs, staging: &Staging, diags: &mut Diagnostics) -> Result<Vec<FileHash>> {
    let names = s.template_names();
    let order: Vec<usize> = (0..s.run.employees.len()).collect();
    let mut hashes = Vec::with_capacity(2 * order.len());
    pipeline(
        &order,
        |i| s.render(&names, i),
        |ready| {
            for r in ready {
                // After a template error only further errors are collected.
                let Some(files) = keep(r, diags).filter(|_| !diags.has_errors()) else {
                    continue;
                };
                for (name, text) in files {
                    let f = OutFile {
                        rel: format!("feedback/{name}"),
                        bytes: text.into_bytes(),
                        rows: 1,
                    };
                    staging.write_in_existing(&f.rel, &f.bytes)?;
                    hashes.push(manifest::hash(&f));
                }
            }
            Ok(())
        },
    )?;
    Ok(hashes)
}

/// The bundle being filled: its department, part number and writer.
struct Open<'a> {
    department: &'a str,
    part: usize,
    bundle: Bundle,
}

/// One bundle per department (in parts), in department id order, each
/// holding its employees in id order; then `feedback/index.csv`, which
/// names every employee's bundle. The manifest lists the index first.
fn bundles(s: &Inputs, staging: &Staging, diags: &mut Diagnostics) -> Result<Vec<FileHash>> {
    let dept = |i: usize| {
        s.data.employees[s.run.employees[i].employee]
            .department
            .as_str()
    };
    let mut order: Vec<usize> = (0..s.run.employees.len()).collect();
    // Stable: employees stay in id order within a department.
    order.sort_by_key(|&i| dept(i));
    let names = bundle::names(order.iter().map(|&i| dept(i)));
    let date = bundle::dos_date(s.run.period.start());
    let templates = s.template_names();
    let mut bundle_of: Vec<usize> = vec![0; order.len()];
    let (mut hashes, mut paths) = (Vec::new(), Vec::new());
    let mut open: Option<Open> = None;
    pipeline(
        &order,
        |i| -> std::result::Result<(usize, Result<Vec<Entry>>), Diagnostic> {
            let rendered = s.render(&templates, i)?;
            let entries = rendered
                .into_iter()
                .map(|(name, text)| Entry::new(name, text.as_bytes()))
                .collect::<Result<Vec<_>>>();
            Ok((i, entries))
        },
        |ready| {
            for r in ready {
                let Some((i, entries)) = keep(r, diags).filter(|_| !diags.has_errors()) else {
                    continue;
                };
                let d = dept(i);
                let next = match open.take() {
                    Some(o) if o.department == d && !o.bundle.full() => o,
                    other => {
                        let part = match other {
                            Some(o) if o.department == d => {
                                hashes.push(o.bundle.finish()?);
                                o.part + 1
                            }
                            Some(o) => {
                                hashes.push(o.bundle.finish()?);
                                1
                            }
                            None => 1,
                        };
                        let rel = bundle::path(&names[d], part);
                        let bundle = Bundle::create(staging, &rel, date)?;
                        paths.push(rel);
                        Open {
                            department: d,
                            part,
                            bundle,
                        }
                    }
                };
                let o = open.insert(next);
                o.bundle.add(&entries?)?;
                bundle_of[i] = paths.len() - 1;
            }
            Ok(())
        },
    )?;
    if let Some(o) = open {
        hashes.push(o.bundle.finish()?);
    }
    let index = index_csv(s, &bundle_of, &paths);
    let mut out = vec![manifest::write(staging, index)?];
    out.extend(hashes);
    Ok(out)
}

/// `feedback/index.csv`: each employee's department and bundle, in
/// employee id order.
fn index_csv(s: &Inputs, bundle_of: &[usize], paths: &[String]) -> OutFile {
    let mut c = crate::output::csv::Csv::with_header(&["employee_id", "department", "bundle"]);
    for (r, &b) in s.run.employees.iter().zip(bundle_of) {
        let e = &s.data.employees[r.employee];
        c.text(&e.id).text(&e.department).text(&paths[b]);
        c.end();
    }
    OutFile {
        rel: "feedback/index.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: s.run.employees.len(),
    }
}
