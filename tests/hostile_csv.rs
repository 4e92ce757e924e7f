//! Issue 15: malformed CSV is reported at its file, line and field, never
//! echoing a cell, never read silently as something else.

mod common;
use common::*;

fn replace_line(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_row_with_extra_fields_is_located_and_not_echoed() {
    let c = Case::new();
    replace_line(
        &c.data("metrics.csv"),
        "E001,2026-01,retained_users,259\n",
        "E001,2026-01,retained_users,259,secret-salary-9999\n",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("metrics.csv:3:5: error: this row has 5 fields, the header has 4"),
        "{err}"
    );
    assert!(!err.contains("secret-salary"), "no cell echoed: {err}");
}

#[test]
fn a_short_row_is_an_error_not_an_empty_cell() {
    // polars reads a missing last field as empty: the comment (or any
    // optional cell) would silently vanish.
    let c = Case::new();
    replace_line(
        &c.data("ratings.csv"),
        "E001,2026-Q2,3,CEO,\n",
        "E001,2026-Q2,3,CEO\n",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("ratings.csv:3:5: error: this row has 4 fields, the header has 5"),
        "{err}"
    );
}

#[test]
fn lines_stay_true_after_a_quoted_field_with_line_breaks() {
    let c = Case::new();
    // Row 1 gets a three-line comment; row 3's rating is then broken.
    replace_line(
        &c.data("ratings.csv"),
        "E001,2026-Q1,3,CEO,\n",
        "E001,2026-Q1,3,CEO,\"first line\nsecond, with \"\"quotes\"\"\nthird\"\n",
    );
    replace_line(
        &c.data("ratings.csv"),
        "E001,2026-Q3,3,CEO,\n",
        "E001,2026-Q3,x,CEO,\n",
    );
    let err = c.fails("2026-Q3");
    // Header 1, row 1 on lines 2-4, row 2 on 5, row 3 on 6.
    assert!(
        err.contains("ratings.csv:6:3: error: column 'rating'"),
        "{err}"
    );
}

#[test]
fn quoting_mistakes_repeated_columns_and_bad_bytes_are_located() {
    let c = Case::new();
    replace_line(
        &c.data("ratings.csv"),
        "E001,2026-Q1,3,CEO,\n",
        "E001,2026-Q1,3,CEO,\"said \"no\" twice\"\n",
    );
    replace_line(
        &c.data("ratings.csv"),
        "E001,2026-Q2,3,CEO,\n",
        "E001,2026-Q2,3,CEO,\"unterminated secret\n",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("ratings.csv:2:5: error: text after a closing quote"),
        "{err}"
    );
    assert!(
        err.contains("ratings.csv:3:5: error: a quoted field is never closed"),
        "{err}"
    );
    assert!(
        !err.contains("said") && !err.contains("unterminated"),
        "{err}"
    );

    let c = Case::new();
    replace_line(
        &c.data("employees.csv"),
        "employee_id,name,",
        "employee_id,name,name,",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("employees.csv:1:3: error: column 'name' appears twice in the header"),
        "{err}"
    );

    let c = Case::new();
    let mut bytes = std::fs::read(c.data("employees.csv")).unwrap();
    let at = bytes.windows(6).position(|w| w == b"\nE002,").unwrap() + 6;
    bytes.splice(at..at, [0xff, 0xfe]);
    std::fs::write(c.data("employees.csv"), bytes).unwrap();
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("employees.csv:3:2: error: not UTF-8 text"),
        "{err}"
    );
}

#[test]
fn twenty_thousand_unknown_columns_give_a_short_report() {
    let c = Case::new();
    let text = std::fs::read_to_string(c.data("employees.csv")).unwrap();
    let extra: String = (0..20_000).map(|i| format!(",x{i}")).collect();
    let text: String = text
        .lines()
        .map(|l| {
            format!(
                "{l}{}\n",
                if l.starts_with("employee_id") {
                    extra.clone()
                } else {
                    ",".repeat(20_000)
                }
            )
        })
        .collect();
    std::fs::write(c.data("employees.csv"), text).unwrap();
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("employees.csv:1:11: error: unknown column 'x0'"),
        "{err}"
    );
    assert!(
        err.contains("19980 more unknown columns not listed"),
        "{err}"
    );
    assert!(err.len() < 8_000, "{} bytes of messages", err.len());
}

#[test]
fn a_byte_order_mark_crlf_and_trailing_blank_lines_are_read_as_written() {
    let c = Case::new();
    let out = c.dir.path().join("plain");
    let plain = run(
        &example_policy(),
        &c.dir.path().join("data"),
        "2026-Q3",
        &out,
    );
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    for table in ["employees.csv", "ratings.csv", "metrics.csv"] {
        let text = std::fs::read_to_string(c.data(table)).unwrap();
        let text = format!("\u{feff}{}\r\n\r\n\n", text.replace('\n', "\r\n"));
        std::fs::write(c.data(table), text).unwrap();
    }
    let out2 = c.dir.path().join("excel");
    let excel = run(
        &example_policy(),
        &c.dir.path().join("data"),
        "2026-Q3",
        &out2,
    );
    assert_eq!(excel.status.code(), Some(0), "{}", stderr(&excel));
    assert_eq!(
        std::fs::read(out.join("payouts.csv")).unwrap(),
        std::fs::read(out2.join("payouts.csv")).unwrap()
    );
}

#[test]
fn a_duplicate_names_the_true_line_of_the_first() {
    let c = Case::new();
    let text = std::fs::read_to_string(c.data("employees.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // E002's name spans two lines; E003 then repeats E002.
    let mut cells: Vec<String> = lines[2].split(',').map(str::to_owned).collect();
    cells[1] = "\"two\nlines\"".into();
    lines[2] = cells.join(",");
    lines[3] = lines[3].replacen("E003,", "E002,", 1);
    std::fs::write(c.data("employees.csv"), lines.join("\n") + "\n").unwrap();
    let err = c.fails("2026-Q3");
    // Header 1, E001 2, E002 3-4, the repeat on 5.
    assert!(
        err.contains("employees.csv:5:1: error: column 'employee_id': duplicate employee_id 'E002' (first on line 3)"),
        "{err}"
    );
}

#[test]
fn thousands_of_metric_names_are_refused_not_wrapped() {
    // Metric names are indexed with 16 bits; 70,000 names wrapped silently.
    let c = Case::new();
    let mut text = std::fs::read_to_string(c.data("metrics.csv")).unwrap();
    for i in 0..70_000 {
        text.push_str(&format!("E001,2026-01,m{i},1\n"));
    }
    std::fs::write(c.data("metrics.csv"), text).unwrap();
    let start = std::time::Instant::now();
    let err = c.fails("2026-Q3");
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
    assert!(
        err.contains("more than 4096 different metric names in the metrics table"),
        "{err}"
    );
}

#[test]
fn every_unreadable_table_is_reported_in_one_pass() {
    // One table that could not be read used to hide every other problem.
    let c = Case::new();
    replace_line(
        &c.data("ratings.csv"),
        "E001,2026-Q2,3,CEO,\n",
        "E001,2026-Q2,3,CEO,x,y\n",
    );
    std::fs::remove_file(c.data("projects.csv")).unwrap();
    std::fs::create_dir(c.data("projects.csv")).unwrap();
    edit(
        &c.data("metrics.csv"),
        "subject_id,month,metric,value",
        "subject_id,month,metric,valeu",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("ratings.csv:3:6: error: this row has 6 fields, the header has 5"),
        "{err}"
    );
    assert!(
        err.contains("projects.csv: error: not a regular file"),
        "{err}"
    );
    assert!(
        err.contains("metrics.csv:1:4: error: unknown column 'valeu'"),
        "{err}"
    );
}
