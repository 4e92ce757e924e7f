//! Reading the CSV files a run writes, for tests that assert them cell
//! by cell (tests/clawback.rs, tests/sales_commission.rs,
//! tests/generated_chain.rs).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

/// The rows known at the end of month `m` (the tables grow: earlier rows
/// stay, and a run counts only those dated inside its period).
pub fn upto(rows: &[(u32, &'static str)], m: u32) -> Vec<&'static str> {
    rows.iter().filter(|r| r.0 <= m).map(|r| r.1).collect()
}

pub fn ok(o: Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        super::stdout(&o),
        super::stderr(&o)
    );
}

/// The header and the rows (column → value) of a CSV file merit wrote.
/// None of the cells read here is quoted (ids, roles, dates and numbers).
pub fn table(path: &Path) -> (String, Vec<BTreeMap<String, String>>) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_owned();
    let names: Vec<&str> = header.split(',').collect();
    let rows = lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), names.len(), "{}: {line}", path.display());
            names
                .iter()
                .zip(cells)
                .map(|(n, c)| (n.to_string(), c.to_owned()))
                .collect::<BTreeMap<String, String>>()
        })
        .collect();
    (header, rows)
}

pub fn cell<'a>(row: &'a BTreeMap<String, String>, column: &str) -> &'a str {
    row.get(column)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no column {column:?} in {row:?}"))
}

/// A decimal written without trailing fraction zeros (`8000.00` → `8000`,
/// `0.00` → `0`); anything that is not a plain decimal is kept as is.
pub fn norm(s: &str) -> String {
    let negative = s.starts_with('-');
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !frac.is_none_or(digits) {
        return s.to_owned();
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.unwrap_or("").trim_end_matches('0');
    let v = if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    };
    if negative && v != "0" {
        format!("-{v}")
    } else {
        v
    }
}
