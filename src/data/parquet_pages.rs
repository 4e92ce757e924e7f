//! A Parquet file's page headers checked before polars reads it (issue 15).
//! polars reserves memory by the counts a header claims: a negative or
//! absurd `num_values` made it allocate exabytes and abort the process, which
//! no error handling can catch. Each count is held to what the row group and
//! the file can hold; only then does polars decode.

use polars_parquet::parquet::metadata::RowGroupMetadata;
use polars_parquet::parquet::read::read_metadata;
use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
use polars_parquet_format::PageHeader;
use std::io::Cursor;

/// The largest page merit decodes (uncompressed), and the largest header.
const MAX_PAGE: i64 = 1 << 30;
const MAX_HEADER: usize = 1 << 20;

/// `Err(why)` when a count in the metadata or a page header is impossible.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    let md = read_metadata(&mut Cursor::new(bytes))
        .map_err(|e| format!("its metadata is unreadable ({e})"))?;
    // A row takes at least a bit in every column; allow very repetitive files.
    let most_rows = bytes.len().saturating_mul(8).saturating_add(1 << 20);
    let mut total = 0usize;
    for rg in &md.row_groups {
        total = total.saturating_add(rg.num_rows());
        if total > most_rows {
            return Err(format!(
                "its metadata claims {total} rows or more in {} bytes",
                bytes.len()
            ));
        }
        row_group(bytes, rg)?;
    }
    Ok(())
}

fn row_group(bytes: &[u8], rg: &RowGroupMetadata) -> Result<(), String> {
    let rows = i64::try_from(rg.num_rows()).map_err(|_| "a row group's row count is impossible")?;
    for col in rg.parquet_columns() {
        let values = col.num_values();
        if !(0..=rows).contains(&values) {
            return Err(format!(
                "a column chunk claims {values} values in a row group of {rows} rows"
            ));
        }
        let range = col.byte_range();
        let start =
            usize::try_from(range.start).map_err(|_| "a column chunk starts beyond the file")?;
        pages(bytes, start, values, rows)?;
    }
    Ok(())
}

/// Walks one column chunk's page headers from `at` until `values` values.
fn pages(bytes: &[u8], mut at: usize, values: i64, rows: i64) -> Result<(), String> {
    let mut seen = 0i64;
    while seen < values {
        let rest = bytes
            .get(at..)
            .filter(|r| !r.is_empty())
            .ok_or("a column chunk runs past the end of the file")?;
        let mut cursor = Cursor::new(rest);
        let h = PageHeader::read_from_in_protocol(&mut TCompactInputProtocol::new(
            &mut cursor,
            MAX_HEADER,
        ))
        .map_err(|e| format!("a page header at byte {at} is unreadable ({e})"))?;
        let n = header_values(&h);
        let bad = |what: &str| format!("the page header at byte {at} claims {what}");
        if !(0..=MAX_PAGE).contains(&i64::from(h.uncompressed_page_size)) {
            return Err(bad(&format!(
                "{} uncompressed bytes",
                h.uncompressed_page_size
            )));
        }
        let size = usize::try_from(h.compressed_page_size).map_err(|_| bad("a negative size"))?;
        if n < 0 || n > rows || (h.dictionary_page_header.is_none() && seen + n > values) {
            return Err(bad(&format!("{n} values in a row group of {rows} rows")));
        }
        if h.dictionary_page_header.is_none() {
            if n == 0 {
                return Err(bad("no values"));
            }
            seen += n;
        }
        at = at
            .checked_add(cursor.position() as usize)
            .and_then(|a| a.checked_add(size))
            .filter(|&a| a <= bytes.len())
            .ok_or_else(|| bad(&format!("{size} bytes, past the end of the file")))?;
    }
    Ok(())
}

/// The number of values a page header claims (a dictionary's entries).
fn header_values(h: &PageHeader) -> i64 {
    let n = h
        .data_page_header
        .as_ref()
        .map(|d| d.num_values)
        .or_else(|| h.data_page_header_v2.as_ref().map(|d| d.num_values))
        .or_else(|| h.dictionary_page_header.as_ref().map(|d| d.num_values))
        .unwrap_or(0);
    i64::from(n)
}
