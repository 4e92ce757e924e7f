//! `merit test`: a case's tables written as the data files a run reads.

use super::test::{text, Case, Row};
use crate::{data, output};
use std::path::Path;

/// Writes `rows` as `NAME.csv`; an empty optional table is not written
/// unless `always`.
pub(super) fn write_table(
    dir: &Path,
    name: &str,
    columns: (&[&str], &[&str]),
    rows: &[Row],
    always: bool,
) -> std::io::Result<()> {
    if rows.is_empty() && !always && !matches!(name, "employees" | "metrics") {
        return Ok(());
    }
    let mut cols: Vec<&str> = columns.0.to_vec();
    for c in columns.1 {
        if rows.iter().any(|r| r.contains_key(*c)) {
            cols.push(c);
        }
    }
    // Unknown columns are written too, so the data checks report them.
    let mut extra: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.keys().map(String::as_str))
        .filter(|k| !cols.contains(k))
        .collect();
    extra.sort();
    extra.dedup();
    cols.extend(extra);
    let mut csv = output::csv::Csv::with_header(&cols);
    for r in rows {
        for c in &cols {
            csv.num(r.get(*c).map(text).unwrap_or_default());
        }
        csv.end();
    }
    std::fs::write(dir.join(format!("{name}.csv")), csv.finish())
}

/// The case's tables, as data files in `scratch`.
/// A table's required and optional columns (`data::EMPLOYEES` …).
type Columns = (&'static [&'static str], &'static [&'static str]);

/// The history table's columns (the policy's inputs are written as extra columns).
const HISTORY: Columns = (&["employee_id", "effective"], &data::history::CHANGEABLE);

pub(super) fn write_case_tables(case: &Case, scratch: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(scratch)?;
    let tables: [(&str, Columns, &[Row]); 12] = [
        ("employees", data::EMPLOYEES, &case.employees),
        ("metrics", data::METRICS, &case.metrics),
        ("targets", data::TARGETS, &case.targets),
        ("ratings", data::RATINGS, &case.ratings),
        ("projects", data::PROJECTS, &case.projects),
        ("benchmarks", data::BENCHMARKS, &case.benchmarks),
        ("transactions", data::TRANSACTIONS, &case.transactions),
        ("refunds", data::REFUNDS, &case.refunds),
        ("assignments", data::ASSIGNMENTS, &case.assignments),
        ("leave", data::LEAVE, &case.leave),
        ("holidays", data::HOLIDAYS, &case.holidays),
        ("history", HISTORY, &case.history),
    ];
    for (name, columns, rows) in tables {
        write_table(scratch, name, columns, rows, false)?;
    }
    Ok(())
}
