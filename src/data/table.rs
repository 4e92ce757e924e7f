//! Reading one input table (`.csv` or `.parquet`) as text columns, with
//! locations for every cell so that data errors name file, row and column.

use super::csvscan::{self, Lines};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::policy::hint;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// One of the contract's tables, read with every column as text.
pub struct Table {
    pub name: &'static str,
    pub path: PathBuf,
    pub is_csv: bool,
    /// Every row; for a table opened with [`Table::open_batched`], only the columns.
    pub df: DataFrame,
    /// Raw bytes of the file, for hashing and archiving.
    pub bytes: Vec<u8>,
    /// Data rows (known for a batched CSV table once it has been read).
    rows: std::sync::atomic::AtomicUsize,
    batched: bool,
    /// Where a CSV table's rows start (from [`csvscan::scan`]).
    lines: Option<Lines>,
}

/// A UTF-8 byte order mark (Excel's "CSV UTF-8" writes one).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Unknown columns (and names in a message) listed per table.
const MAX_LISTED_COLUMNS: usize = 20;
/// Rows per batch when a large table is read in parts.
const BATCH_ROWS: usize = 1 << 20;
/// Bytes per batch of a CSV table read in parts.
const BATCH_BYTES: usize = 64 << 20;

/// Whether a table file is there: absent only when nothing has the name;
/// a directory, FIFO, socket or broken link under it is an error, never a
/// silently missing table (issue 15).
fn present(path: &Path) -> Result<bool> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(false);
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(true),
        Ok(_) => Err(Error::one(Diagnostic::error(
            path,
            "not a regular file (a directory, FIFO or device); a table must be a file",
        ))),
        Err(e) => Err(Error::one(Diagnostic::error(
            path,
            format!("cannot be opened ({e}); a broken link is not a missing table"),
        ))),
    }
}

/// Runs a reader step, turning a panic inside polars (it panics on some
/// corrupt Parquet files) into an error naming the file (issue 15).
fn guarded<T>(path: &Path, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::one(Diagnostic::error(
            path,
            format!("cannot read {name} table: the file is corrupt (its reader failed)"),
        )))
    })
}

/// Finds `<name>.csv` or `<name>.parquet` in `dir`; both present is an error.
pub fn find(dir: &Path, name: &str) -> Result<Option<PathBuf>> {
    let csv = dir.join(format!("{name}.csv"));
    let pq = dir.join(format!("{name}.parquet"));
    match (present(&csv)?, present(&pq)?) {
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
    /// Reads a table whole: every cell as text.
    pub fn read(name: &'static str, path: &Path) -> Result<Table> {
        Self::open(name, path, false)
    }

    /// Opens a large table: reads its bytes and columns now, its rows in
    /// parts through [`Table::batches`], so the text of every cell is never
    /// in memory at once.
    pub fn open_batched(name: &'static str, path: &Path) -> Result<Table> {
        Self::open(name, path, true)
    }

    fn open(name: &'static str, path: &Path, batched: bool) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let is_csv = path.extension().is_some_and(|e| e == "csv");
        let lines = match is_csv {
            true => Some(csvscan::scan(path, text_of(&bytes)).map_err(Error::Invalid)?),
            false => None,
        };
        let (df, rows) = guarded(path, name, || Self::decode(name, path, &bytes, batched))?;
        Ok(Table {
            name,
            path: path.to_path_buf(),
            is_csv: path.extension().is_some_and(|e| e == "csv"),
            df,
            bytes,
            rows: std::sync::atomic::AtomicUsize::new(rows),
            batched,
            lines,
        })
    }

    /// The table's columns (all of it, or only the header when batched) and
    /// its row count (for a batched CSV: whether rows follow).
    fn decode(name: &str, path: &Path, bytes: &[u8], batched: bool) -> Result<(DataFrame, usize)> {
        let is_csv = path.extension().is_some_and(|e| e == "csv");
        let cannot = |e: PolarsError| cannot_read(path, name, is_csv, e);
        let parquet = || ParquetReader::new(std::io::Cursor::new(bytes));
        if !is_csv {
            super::parquet_pages::check(bytes).map_err(|why| {
                Error::one(Diagnostic::error(
                    path,
                    format!("cannot read {name} table: the file is corrupt ({why})"),
                ))
            })?;
        }
        let (df, rows) = match (batched, is_csv) {
            (false, true) => {
                let df = read_csv(text_of(bytes), true, None).map_err(cannot)?;
                let n = df.height();
                (df, n)
            }
            (false, false) => {
                let df = parquet().finish().and_then(all_text).map_err(cannot)?;
                let n = df.height();
                (df, n)
            }
            // Only the header now; whether rows follow, for the empty check.
            (true, true) => {
                let bytes = text_of(bytes);
                let end = csv_header_end(bytes);
                let df = read_csv(&bytes[..end], true, None).map_err(cannot)?;
                let has_rows = end < bytes.len();
                (df, usize::from(has_rows))
            }
            (true, false) => {
                let mut r = parquet();
                let rows = r.num_rows().map_err(cannot)?;
                let df = r.with_slice(Some((0, 0))).finish().map_err(cannot)?;
                (df, rows)
            }
        };
        Ok((df, rows))
    }

    /// Calls `f(first_row, rows)` for consecutive parts of a batched table
    /// (the whole table for one read with [`Table::read`]), every column as text.
    pub fn batches(&self, f: &mut dyn FnMut(usize, &DataFrame) -> Result<()>) -> Result<()> {
        self.batches_of(BATCH_ROWS, BATCH_BYTES, f)
    }

    fn batches_of(
        &self,
        batch_rows: usize,
        batch_bytes: usize,
        f: &mut dyn FnMut(usize, &DataFrame) -> Result<()>,
    ) -> Result<()> {
        if !self.batched {
            return f(0, &self.df);
        }
        let cannot = |e: PolarsError| cannot_read(&self.path, self.name, self.is_csv, e);
        let mut first = 0;
        if self.is_csv {
            let schema: Schema = self
                .df
                .get_column_names()
                .iter()
                .map(|c| Field::new((*c).clone(), DataType::String))
                .collect();
            let schema = Arc::new(schema);
            let bytes = text_of(&self.bytes);
            let mut start = csv_header_end(bytes);
            while start < bytes.len() {
                let end = csv_record_boundary(bytes, start, batch_bytes);
                let df =
                    read_csv(&bytes[start..end], false, Some(schema.clone())).map_err(cannot)?;
                f(first, &df)?;
                first += df.height();
                start = end;
            }
            self.rows.store(first, std::sync::atomic::Ordering::Relaxed);
        } else {
            let mut r = ParquetReader::new(std::io::Cursor::new(self.bytes.as_slice()));
            let md = guarded(&self.path, self.name, || {
                r.get_metadata().cloned().map_err(cannot)
            })?;
            // Whole row groups per batch, about `batch_rows` rows each.
            let mut groups = md.row_groups.iter().map(|g| g.num_rows()).peekable();
            while groups.peek().is_some() {
                let mut len = 0;
                while let Some(n) = groups.peek() {
                    if len > 0 && len + n > batch_rows {
                        break;
                    }
                    len += n;
                    groups.next();
                }
                let mut r = ParquetReader::new(std::io::Cursor::new(self.bytes.as_slice()));
                r.set_metadata(md.clone());
                let df = guarded(&self.path, self.name, || {
                    r.with_slice(Some((first, len)))
                        .finish()
                        .and_then(all_text)
                        .map_err(cannot)
                })?;
                f(first, &df)?;
                first += len;
            }
        }
        Ok(())
    }

    /// The file's name inside the data folder.
    pub fn file_name(&self) -> String {
        (self.path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    pub fn rows(&self) -> usize {
        self.rows.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Data rows, estimated for a batched CSV table not yet read (from the
    /// line lengths of its first megabyte), for progress bars.
    pub fn rows_estimate(&self) -> usize {
        if !(self.batched && self.is_csv) {
            return self.rows();
        }
        let head = &self.bytes[..self.bytes.len().min(1 << 20)];
        let lines = head.iter().filter(|&&b| b == b'\n').count().max(1);
        self.bytes.len() / head.len().div_ceil(lines).max(1)
    }

    /// Rows to reserve room for: exact for Parquet; for a CSV table the
    /// estimate, bounded, as odd lines can make it far too large.
    pub fn capacity_hint(&self) -> usize {
        if self.batched && self.is_csv {
            self.rows_estimate().min(1 << 24)
        } else {
            self.rows()
        }
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
        if let Some(lines) = &self.lines {
            Diagnostic::error(&self.path, format!("column '{column}': {message}"))
                .at(lines.of_row(row), col)
        } else {
            Diagnostic::error(
                &self.path,
                format!("row {}, column '{column}': {message}", row + 1),
            )
        }
    }

    /// Where a 0-based data row is, for a message: `line N` (CSV, its true
    /// line) or `row N` (Parquet, counted from 1).
    pub fn row_place(&self, row: usize) -> String {
        match &self.lines {
            Some(lines) => format!("line {}", lines.of_row(row)),
            None => format!("row {}", row + 1),
        }
    }

    /// A problem with a whole row (e.g. a duplicate key).
    pub fn row_error(&self, row: usize, message: impl std::fmt::Display) -> Diagnostic {
        if let Some(lines) = &self.lines {
            Diagnostic::error(&self.path, message.to_string()).at(lines.of_row(row), 1)
        } else {
            Diagnostic::error(&self.path, format!("row {}: {message}", row + 1))
        }
    }

    /// Checks the header: every required column present, no unknown column
    /// (the first few listed, the rest counted).
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
        let header = |d: Diagnostic, col: usize| match &self.lines {
            Some(l) => d.at(l.header, col),
            None => d,
        };
        let unknown: Vec<usize> = (0..present.len())
            .filter(|&i| !known.contains(&present[i].as_str()))
            .collect();
        for &i in unknown.iter().take(MAX_LISTED_COLUMNS) {
            let col = &present[i];
            let missing = known
                .iter()
                .copied()
                .filter(|k| !present.iter().any(|p| p == k));
            let msg = format!(
                "unknown column '{col}' in the {} table{}",
                self.name,
                hint(col, missing)
            );
            diags.push(header(Diagnostic::error(&self.path, msg), i + 1));
        }
        if unknown.len() > MAX_LISTED_COLUMNS {
            let msg = format!(
                "{} more unknown columns not listed",
                unknown.len() - MAX_LISTED_COLUMNS
            );
            diags.push(Diagnostic::error(&self.path, msg));
        }
        let mut ok = unknown.is_empty();
        for req in required {
            if !present.iter().any(|p| p == req) {
                let mut shown = present
                    .iter()
                    .take(MAX_LISTED_COLUMNS)
                    .cloned()
                    .collect::<Vec<_>>();
                if present.len() > MAX_LISTED_COLUMNS {
                    shown.push("…".into());
                }
                let msg = format!(
                    "missing column '{req}' in the {} table (columns are: {})",
                    self.name,
                    shown.join(", ")
                );
                diags.push(header(Diagnostic::error(&self.path, msg), 1));
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

/// A CSV file's records: without a leading byte order mark or trailing
/// blank lines (polars would read each as a row of empty cells).
fn text_of(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let end = b
        .iter()
        .rposition(|&c| c != b'\n' && c != b'\r')
        .map_or(0, |i| i + 1);
    &b[..end]
}

/// A table polars could not read. For CSV its message is not shown: it
/// quotes whole fields (personal data), and [`csvscan::scan`] has already
/// reported every shape problem it knows of with a location.
fn cannot_read(path: &Path, name: &str, is_csv: bool, e: PolarsError) -> Error {
    let why = if is_csv {
        "its CSV could not be parsed".to_owned()
    } else {
        e.to_string()
    };
    Error::one(Diagnostic::error(
        path,
        format!("cannot read {name} table: {why}"),
    ))
}

/// Every column as text.
fn read_csv(bytes: &[u8], header: bool, schema: Option<SchemaRef>) -> PolarsResult<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(header)
        .with_infer_schema_length(Some(0))
        .with_schema(schema)
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
}

/// The byte after the header line.
fn csv_header_end(bytes: &[u8]) -> usize {
    csv_record_boundary(bytes, 0, 0)
}

/// The first record boundary (after a line break outside quotes) at least
/// `min_len` bytes after `start`, or the end of `bytes`.
fn csv_record_boundary(bytes: &[u8], start: usize, min_len: usize) -> usize {
    let floor = start.saturating_add(min_len).min(bytes.len());
    let mut quotes = bytes[start..floor].iter().filter(|&&b| b == b'"').count();
    for (i, &b) in bytes.iter().enumerate().skip(floor) {
        match b {
            b'"' => quotes += 1,
            b'\n' if quotes % 2 == 0 => return i + 1,
            _ => {}
        }
    }
    bytes.len()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(t: &Table, batch_bytes: usize) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        t.batches_of(1, batch_bytes, &mut |first, df| {
            let c = df.column("comment").unwrap().str().unwrap();
            for (i, v) in c.iter().enumerate() {
                out.push((first + i, vec![v.unwrap_or("").to_owned()]));
            }
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn csv_batches_split_between_records_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        // The second record's quoted field holds a line break and a quote.
        let text = "id,comment\n1,plain\n2,\"two\nlines, \"\"quoted\"\"\"\n3,last\n4,x";
        std::fs::write(&path, text).unwrap();
        let t = Table::open_batched("ratings", &path).unwrap();
        let whole = rows_of(&t, usize::MAX);
        assert_eq!(
            whole,
            [
                (0, vec!["plain".to_owned()]),
                (1, vec!["two\nlines, \"quoted\"".to_owned()]),
                (2, vec!["last".to_owned()]),
                (3, vec!["x".to_owned()]),
            ]
        );
        // One record per batch, whatever the cut: the same rows, numbered alike.
        for size in [1, 5, 12] {
            assert_eq!(rows_of(&t, size), whole, "batches of {size} bytes");
        }
        assert_eq!(t.rows(), 4);
        assert_eq!(csv_header_end(text.as_bytes()), 11);
    }

    #[test]
    fn parquet_batches_are_whole_row_groups_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let ids: Vec<String> = (0..7).map(|i| format!("E{i}")).collect();
        let mut df = DataFrame::new(
            7,
            vec![
                Column::new("id".into(), ids.clone()),
                Column::new(
                    "comment".into(),
                    ids.iter().map(|i| format!("c{i}")).collect::<Vec<_>>(),
                ),
            ],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .with_row_group_size(Some(3))
            .finish(&mut df)
            .unwrap();
        let t = Table::open_batched("ratings", &path).unwrap();
        assert_eq!(t.rows(), 7);
        let mut firsts = Vec::new();
        let rows: Vec<(usize, Vec<String>)> = {
            let mut out = Vec::new();
            t.batches_of(1, 0, &mut |first, df| {
                firsts.push((first, df.height()));
                for (i, v) in df
                    .column("comment")
                    .unwrap()
                    .str()
                    .unwrap()
                    .iter()
                    .enumerate()
                {
                    out.push((first + i, vec![v.unwrap().to_owned()]));
                }
                Ok(())
            })
            .unwrap();
            out
        };
        // One batch per row group (the writer chose their sizes), in order.
        let mut r = ParquetReader::new(std::fs::File::open(&path).unwrap());
        let groups: Vec<usize> = r
            .get_metadata()
            .unwrap()
            .row_groups
            .iter()
            .map(|g| g.num_rows())
            .collect();
        assert!(groups.len() > 1, "{groups:?}");
        let expected: Vec<(usize, usize)> = groups
            .iter()
            .scan(0, |at, n| {
                let first = *at;
                *at += n;
                Some((first, *n))
            })
            .collect();
        assert_eq!(firsts, expected);
        assert_eq!(rows, rows_of(&t, 0).into_iter().collect::<Vec<_>>());
        assert_eq!(rows[6], (6, vec!["cE6".to_owned()]));
    }

    #[test]
    fn a_panic_inside_a_reader_is_an_error_naming_the_file() {
        let r: Result<()> = guarded(Path::new("d/metrics.parquet"), "metrics", || {
            panic!("polars: index out of bounds")
        });
        let e = r.unwrap_err().to_string();
        assert!(e.contains("d/metrics.parquet"), "{e}");
        assert!(
            e.contains("cannot read metrics table: the file is corrupt"),
            "{e}"
        );
    }
}
