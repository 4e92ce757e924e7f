//! Reading one input table (`.csv` or `.parquet`) as text columns, with
//! locations for every cell so that data errors name file, row and column.

use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::policy::hint;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// One of the contract's tables, read with every column as text.
pub struct Table {
    pub name: &'static str,
    pub path: PathBuf,
    pub is_csv: bool,
    pub df: DataFrame,
    /// Raw bytes of the file, for hashing and archiving.
    pub bytes: Vec<u8>,
}

/// Finds `<name>.csv` or `<name>.parquet` in `dir`; both present is an error.
pub fn find(dir: &Path, name: &str) -> Result<Option<PathBuf>> {
    let csv = dir.join(format!("{name}.csv"));
    let pq = dir.join(format!("{name}.parquet"));
    match (csv.is_file(), pq.is_file()) {
        (true, true) => Err(Error::one(Diagnostic::error(
            &pq,
            format!("both {name}.csv and {name}.parquet exist; keep one"),
        ))),
        (true, false) => Ok(Some(csv)),
        (false, true) => Ok(Some(pq)),
        (false, false) => Ok(None),
    }
}

impl Table {
    pub fn read(name: &'static str, path: &Path) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let is_csv = path.extension().is_some_and(|e| e == "csv");
        let df = if is_csv {
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .into_reader_with_file_handle(std::io::Cursor::new(bytes.as_slice()))
                .finish()
        } else {
            ParquetReader::new(std::io::Cursor::new(bytes.as_slice()))
                .finish()
                .and_then(all_text)
        }
        .map_err(|e| {
            Error::one(Diagnostic::error(
                path,
                format!("cannot read {name} table: {e}"),
            ))
        })?;
        Ok(Table {
            name,
            path: path.to_path_buf(),
            is_csv,
            df,
            bytes,
        })
    }

    pub fn rows(&self) -> usize {
        self.df.height()
    }

    /// A problem with one cell. `row` is 0-based among data rows.
    pub fn cell_error(
        &self,
        row: usize,
        column: &str,
        message: impl std::fmt::Display,
    ) -> Diagnostic {
        let col = self
            .df
            .get_column_names()
            .iter()
            .position(|c| c.as_str() == column)
            .map_or(1, |i| i + 1);
        if self.is_csv {
            // Header is line 1. Quoted fields with line breaks would shift
            // this; merit's inputs are one record per line.
            Diagnostic::error(&self.path, format!("column '{column}': {message}")).at(row + 2, col)
        } else {
            Diagnostic::error(
                &self.path,
                format!("row {}, column '{column}': {message}", row + 1),
            )
        }
    }

    /// A problem with a whole row (e.g. a duplicate key).
    pub fn row_error(&self, row: usize, message: impl std::fmt::Display) -> Diagnostic {
        if self.is_csv {
            Diagnostic::error(&self.path, message.to_string()).at(row + 2, 1)
        } else {
            Diagnostic::error(&self.path, format!("row {}: {message}", row + 1))
        }
    }

    /// Checks the header: every required column present, no unknown column.
    pub fn check_columns(
        &self,
        required: &[&str],
        optional: &[&str],
        diags: &mut Diagnostics,
    ) -> bool {
        let present: Vec<String> = self
            .df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let known: Vec<&str> = required.iter().chain(optional).copied().collect();
        let mut ok = true;
        for (i, col) in present.iter().enumerate() {
            if !known.contains(&col.as_str()) {
                let missing = known
                    .iter()
                    .copied()
                    .filter(|k| !present.iter().any(|p| p == k));
                let d = Diagnostic::error(
                    &self.path,
                    format!(
                        "unknown column '{col}' in the {} table{}",
                        self.name,
                        hint(col, missing)
                    ),
                );
                diags.push(if self.is_csv { d.at(1, i + 1) } else { d });
                ok = false;
            }
        }
        for req in required {
            if !present.iter().any(|p| p == req) {
                let d = Diagnostic::error(
                    &self.path,
                    format!(
                        "missing column '{req}' in the {} table (columns are: {})",
                        self.name,
                        present.join(", ")
                    ),
                );
                diags.push(if self.is_csv { d.at(1, 1) } else { d });
                ok = false;
            }
        }
        ok
    }

    /// The text cells of a column (`None` for a missing optional column).
    pub fn column(&self, name: &str) -> Option<Vec<Option<&str>>> {
        let c = self.df.column(name).ok()?;
        let s = c.str().ok()?;
        Some(s.iter().collect())
    }
}

/// Parquet columns of any type become text, so one validation path serves
/// both formats. Exact decimals survive: polars prints them in full.
fn all_text(df: DataFrame) -> PolarsResult<DataFrame> {
    let cols = df
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(df.height(), cols)
}
