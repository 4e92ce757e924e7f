//! Table files of a generated folder: rows built in parallel chunks and
//! written in order, as CSV or Parquet (every column a string, so the text
//! is the same in both).

use super::{Format, Written, CHUNK};
use crate::error::{Error, Result};
use polars::prelude::*;
use rayon::prelude::*;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Rows of one table chunk: cells row-major in one string.
pub(super) struct Rows {
    pub(super) cols: usize,
    pub(super) text: String,
    ends: Vec<u32>,
}

impl Rows {
    pub(super) fn new(cols: usize) -> Rows {
        Rows {
            cols,
            text: String::new(),
            ends: Vec::new(),
        }
    }
    fn len(&self) -> usize {
        self.ends.len() / self.cols
    }
    /// Ends the cell being written in `text`.
    pub(super) fn end_cell(&mut self) {
        self.ends.push(self.text.len() as u32);
    }
    pub(super) fn cell(&mut self, s: &str) {
        self.text.push_str(s);
        self.end_cell();
    }
    fn get(&self, row: usize, col: usize) -> &str {
        let i = row * self.cols + col;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

enum Sink {
    Csv(std::io::BufWriter<std::fs::File>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<std::fs::File>>),
}

pub(super) struct TableFile {
    name: &'static str,
    path: PathBuf,
    columns: Vec<String>,
    sink: Sink,
    rows: usize,
}

impl TableFile {
    pub(super) fn create(
        dir: &Path,
        name: &'static str,
        columns: &[&str],
        f: Format,
    ) -> Result<TableFile> {
        let path = dir.join(format!("{name}.{}", f.extension()));
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let sink = match f {
            Format::Csv => {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                writeln!(w, "{}", columns.join(",")).map_err(|e| Error::io(&path, e))?;
                Sink::Csv(w)
            }
            Format::Parquet => {
                let schema: Schema = columns
                    .iter()
                    .map(|c| Field::new((*c).into(), DataType::String))
                    .collect();
                let w = ParquetWriter::new(file)
                    .batched(&schema)
                    .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
                Sink::Parquet(Box::new(w))
            }
        };
        Ok(TableFile {
            name,
            path,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            sink,
            rows: 0,
        })
    }

    pub(super) fn write(&mut self, rows: &Rows) -> Result<()> {
        let n = rows.len();
        if n == 0 {
            return Ok(());
        }
        self.rows += n;
        let path = &self.path;
        match &mut self.sink {
            Sink::Csv(w) => {
                let mut line = String::with_capacity(rows.text.len() + 2 * rows.ends.len());
                for r in 0..n {
                    for c in 0..rows.cols {
                        if c > 0 {
                            line.push(',');
                        }
                        let s = rows.get(r, c);
                        if s.contains([',', '"', '\n', '\r']) {
                            line.push('"');
                            line.push_str(&s.replace('"', "\"\""));
                            line.push('"');
                        } else {
                            line.push_str(s);
                        }
                    }
                    line.push('\n');
                }
                w.write_all(line.as_bytes()).map_err(|e| Error::io(path, e))
            }
            Sink::Parquet(w) => {
                let cols: Vec<Column> = (0..rows.cols)
                    .map(|c| {
                        StringChunked::from_iter_options(
                            self.columns[c].as_str().into(),
                            (0..n).map(|r| Some(rows.get(r, c)).filter(|s| !s.is_empty())),
                        )
                        .into_column()
                    })
                    .collect();
                // Every column is built from the same n rows just above.
                let df = DataFrame::new(n, cols).expect("columns of equal length");
                w.write_batch(&df)
                    .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
            }
        }
    }

    pub(super) fn finish(self) -> Result<Written> {
        let path = &self.path;
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(|e| Error::io(path, e))?,
            Sink::Parquet(w) => {
                w.finish()
                    .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
            }
        }
        Ok(Written {
            file: format!(
                "{}.{}",
                self.name,
                path.extension().unwrap_or_default().to_string_lossy()
            ),
            rows: self.rows,
        })
    }
}

/// Runs `f` over employee chunks in parallel and writes the chunks in order.
pub(super) fn per_employee_chunks(
    n: usize,
    table: &mut TableFile,
    progress: &crate::progress::Stage,
    f: impl Fn(std::ops::Range<usize>) -> Rows + Sync,
) -> Result<()> {
    let chunks: Vec<std::ops::Range<usize>> = (0..n.div_ceil(CHUNK))
        .map(|c| c * CHUNK..((c + 1) * CHUNK).min(n))
        .collect();
    // A few chunks per thread at a time bound the memory held.
    let batch = rayon::current_num_threads() * 2;
    for group in chunks.chunks(batch) {
        let parts: Vec<Rows> = group.par_iter().map(|r| f(r.clone())).collect();
        for (rows, r) in parts.iter().zip(group) {
            table.write(rows)?;
            progress.inc(r.len() as u64);
        }
    }
    Ok(())
}
