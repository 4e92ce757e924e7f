//! Mid-period changes at their edges (docs/policy.md, Mid-period changes),
//! from a review of the first version: a history row that changes nothing
//! must not change pay (scripts, rounded factors, a period without working
//! days); a department that only `history` names is a subject; a gate shut
//! in one span is reported for that span; a year of daily changes runs.
//! Every amount is hand-worked beside it.

mod common;
use common::{run, stderr};
use std::path::{Path, PathBuf};

const EMPLOYEES: &str = "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date
E1,Ada,sales,rep,120000,10,2024-01-01
";

/// A copy of tests/plans/spans with `bonus:` replaced, and a data folder
/// of `tables` (employees by default).
fn setup(dir: &Path, bonus: &str, tables: &[(&str, String)]) -> (PathBuf, PathBuf) {
    let p = dir.join("policy");
    common::copy_dir(&common::root().join("tests/plans/spans"), &p);
    let yaml = std::fs::read_to_string(p.join("policy.yaml")).unwrap();
    let cut = yaml.find("\nbonus:").unwrap();
    std::fs::write(p.join("policy.yaml"), format!("{}\n{bonus}", &yaml[..cut])).unwrap();
    let d = dir.join("data");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("employees.csv"), EMPLOYEES).unwrap();
    for (name, text) in tables {
        std::fs::write(d.join(format!("{name}.csv")), text).unwrap();
    }
    (p, d)
}

/// Runs and returns (E1's bonus, spans.csv or "").
fn bonus(p: &Path, d: &Path, period: &str, out: &Path) -> (String, String) {
    let o = run(p, d, period, out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    let row = payouts.lines().find(|l| l.starts_with("E1,")).unwrap();
    let spans = std::fs::read_to_string(out.join("spans.csv")).unwrap_or_default();
    (row.split(',').nth(7).unwrap().to_owned(), spans)
}

/// E1 with sales at target all quarter (score 100).
fn metrics(month: &str) -> String {
    format!("subject_id,month,metric,value\nE1,{month},sales,300\n")
}

/// The same bonus with and without `history`, which must cut spans.
fn unchanged_by(
    dir: &Path,
    bonus_yaml: &str,
    period: &str,
    mut tables: Vec<(&str, String)>,
    history: &str,
    want: &str,
) {
    let (p, d) = setup(dir, bonus_yaml, &tables);
    let (plain, spans) = bonus(&p, &d, period, &dir.join("plain"));
    assert_eq!((plain.as_str(), spans.as_str()), (want, ""));
    tables.push(("history", history.to_owned()));
    let (p, d) = setup(&dir.join("h"), bonus_yaml, &tables);
    let (cut, spans) = bonus(&p, &d, period, &dir.join("cut"));
    assert_eq!(cut, want, "{spans}");
    assert!(spans.lines().count() > 2, "{spans}");
}

#[test]
fn a_row_that_changes_nothing_pays_the_same() {
    let noop = "employee_id,effective,base_salary\nE1,2026-08-16,120000\n";
    // A script reading employee.days_employed sees the days employed in
    // the period (92), not the span's: 3000 × 92 ÷ 92 = 3000.00 either way;
    // with `proration: none` the two spans share it 46/92 + 46/92.
    let dir = tempfile::tempdir().unwrap();
    let bonus_yaml = "bonus:\n  script: bonus.rhai\n  proration: none\n";
    let script = "employee.target_bonus * employee.days_employed / period.days\n";
    let (p, _) = setup(dir.path(), bonus_yaml, &[]);
    std::fs::write(p.join("bonus.rhai"), script).unwrap();
    let d = dir.path().join("data");
    std::fs::write(d.join("metrics.csv"), metrics("2026-07")).unwrap();
    let (plain, _) = bonus(&p, &d, "2026-Q3", &dir.path().join("a"));
    std::fs::write(d.join("history.csv"), noop).unwrap();
    let (cut, spans) = bonus(&p, &d, "2026-Q3", &dir.path().join("b"));
    assert_eq!(
        (plain.as_str(), cut.as_str()),
        ("3000.00", "3000.00"),
        "{spans}"
    );

    // proration_places: 2 and no-op rows on 1 Aug and 1 Sep: the factors
    // 31/92 + 31/92 + 30/92 sum to 1, rounded once to 1.00 and divided by
    // largest remainder: 0.33 + 0.33 + 0.32 = 0.98, the two cents left to
    // the largest remainders .0069…, .0069… (ties to the earlier span):
    // 0.34, 0.34, 0.32. The bonus stays 3000 × 1.00 = 3000.00 (rounding
    // each factor on its own would give 0.34 + 0.34 + 0.33 = 1.01).
    let dir = tempfile::tempdir().unwrap();
    let rows = "employee_id,effective,base_salary\nE1,2026-08-01,120000\nE1,2026-09-01,120000\n";
    let yaml = "bonus:\n  proration: days\n  proration_places: 2\n";
    unchanged_by(
        dir.path(),
        yaml,
        "2026-Q3",
        vec![("metrics", metrics("2026-07"))],
        rows,
        "3000.00",
    );
    let spans = std::fs::read_to_string(dir.path().join("cut/spans.csv")).unwrap();
    let factors: Vec<&str> = spans
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(9).unwrap())
        .collect();
    assert_eq!(factors, ["0.34", "0.34", "0.32"], "{spans}");

    // weekdays in a month whose every weekday is a holiday: not prorated,
    // 120000 × 10 × 1 ÷ 1200 = 1000.00 — also when a row cuts the month.
    let dir = tempfile::tempdir().unwrap();
    let mut holidays = String::from("date,kind\n");
    for day in 1..=31 {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 10, day).unwrap();
        if chrono::Datelike::weekday(&d).number_from_monday() <= 5 {
            holidays += &format!("{d},holiday\n");
        }
    }
    let tables = vec![("metrics", metrics("2026-10")), ("holidays", holidays)];
    let row = "employee_id,effective,base_salary\nE1,2026-10-16,120000\n";
    unchanged_by(
        dir.path(),
        "bonus:\n  proration: weekdays\n",
        "2026-10",
        tables,
        row,
        "1000.00",
    );
}

#[test]
fn a_department_only_history_names_is_a_subject() {
    // E1 moves to `south`, which no employees row names; a metrics row of
    // `south` is then a department's, not an unknown subject.
    let dir = tempfile::tempdir().unwrap();
    let m =
        "subject_id,month,metric,value\nE1,2026-07,sales,300\nsouth,2026-07,team,5\n".to_owned();
    let h = "employee_id,effective,department\nE1,2026-08-16,south\n".to_owned();
    let (p, d) = setup(
        dir.path(),
        "bonus:\n  proration: days\n",
        &[("metrics", m), ("history", h)],
    );
    // Score 100 in both spans: 3000 × 46/92 + 3000 × 46/92 = 3000.00.
    let (b, spans) = bonus(&p, &d, "2026-Q3", &dir.path().join("out"));
    assert_eq!(b, "3000.00");
    assert!(
        spans.contains(",2026-08-16,2026-09-30,rep,south,"),
        "{spans}"
    );
}

#[test]
fn a_qualifier_shut_in_one_span_is_reported_for_that_span() {
    // qualifiers min_band A. E1 rep → lead on 16 Aug; sales 270 (0.9 → 90,
    // band B as rep), team 120 (1.2 → 120; lead 0.5 × 90 + 0.5 × 120 = 105,
    // band A). The rep span is shut: 0; the lead span 6750 × 105% × 46/92 =
    // 3543.75, the bonus.
    let dir = tempfile::tempdir().unwrap();
    let m = "subject_id,month,metric,value\nE1,2026-07,sales,270\nE1,2026-07,team,120\n".to_owned();
    let h =
        "employee_id,effective,role,base_salary,target_bonus_pct\nE1,2026-08-16,lead,180000,15\n"
            .to_owned();
    let yaml = "bonus:\n  proration: days\n  qualifiers: { min_band: A }\n";
    let (p, d) = setup(dir.path(), yaml, &[("metrics", m), ("history", h)]);
    let out = dir.path().join("out");
    let (b, spans) = bonus(&p, &d, "2026-Q3", &out);
    assert_eq!(b, "3543.75");
    let rows: Vec<&str> = spans.lines().skip(1).collect();
    assert_eq!(
        rows[0],
        "E1,2026-07-01,2026-08-15,rep,sales,3000,90.00,B,0,46/92,0,0.00,\"qualifier: band B, below A\""
    );
    assert!(rows[1].ends_with(",3543.75,"), "{spans}");
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(!exceptions.contains(",gate_shut,"), "{exceptions}");
    let change = exceptions
        .lines()
        .find(|l| l.contains(",mid_period_change,"))
        .unwrap();
    assert!(
        change.contains("2026-07-01 to 2026-08-15 as rep") && change.contains("gate shut"),
        "{change}"
    );
}

#[test]
fn a_year_of_daily_changes_runs_and_the_workbook_cuts_long_text() {
    // 364 rows, one a day from 2 Jan: 365 spans of one day each, salary
    // 120000 + the day's number. A long mid_period_change detail is cut in
    // the workbook's Exceptions sheet (Excel holds 32,767 characters), kept
    // whole in exceptions.csv.
    let dir = tempfile::tempdir().unwrap();
    let mut h = String::from("employee_id,effective,base_salary\n");
    let mut day = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
    while day.format("%Y").to_string() == "2026" {
        h += &format!("E1,{day},120000\n");
        day = day.succ_opt().unwrap();
    }
    let m = "subject_id,month,metric,value\nE1,2026-01,sales,300\n".to_owned();
    let (p, d) = setup(
        dir.path(),
        "bonus:\n  proration: days\n",
        &[("metrics", m), ("history", h)],
    );
    let out = dir.path().join("out");
    let o = run(&p, &d, "2026", &out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Target bonus 120000 × 10 × 12 ÷ 1200 = 12000, score 100, each day
    // 12000 × 1/365; the 365 spans sum to 12000.00 exactly.
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    assert!(payouts.contains(",12000.00,"), "{payouts}");
    let spans = std::fs::read_to_string(out.join("spans.csv")).unwrap();
    assert_eq!(spans.lines().count(), 366);
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(exceptions.len() > 32_767, "the detail is whole in the CSV");
}
