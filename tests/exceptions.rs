//! Issue 14, item 6: exceptions before money moves — `exceptions.csv` of
//! the bundled examples (rows worked out from the fixtures), the counts on
//! stdout and in the manifest, and `--strict`.

mod common;
use common::*;
use std::path::Path;

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The rows of exceptions.csv after the header.
fn rows(out: &Path) -> Vec<String> {
    read(out, "exceptions.csv")
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_example_quarter_lists_its_exceptions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q3");
    let o = run(&example_policy(), &example_data(), "2026-Q3", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        read(&out, "exceptions.csv").lines().next(),
        Some("employee_id,kind,detail,effect")
    );
    // From fixtures/platform-ops, for 2026-07-01 … 2026-09-30 (92 days):
    // E010 hired 2026-08-17 (15 + 30 days), E020 left 2026-08-15 (31 + 15);
    // E025's Q3 project of 3000.00 has approved = no; E030 has ratings for
    // Q1, Q2 and Q4 only, and a target bonus of 397000 × 20% × 3/12 =
    // 19850.00, capped at 1.5 × = 29775.00; E040 is hired 2026-10-05.
    assert_eq!(
        rows(&out),
        [
            "E010,prorated,employed 45 of 92 days; hired 2026-08-17,bonus 12181.98 (full period 24905.38)",
            "E020,prorated,employed 46 of 92 days; left 2026-08-15,bonus 1935.10 (full period 3870.21)",
            "E025,unapproved_project,project 直播带货试点 (2026-Q3) not approved,project bonus 0.00 (amount 3000.00)",
            "E030,capped,formula 30163.27 above the cap 29775.00 (1.5 × target bonus 19850.00),capped at 29775.00 (formula 30163.27)",
            "E030,missing_review,no rating for 2026-Q3: the review's 20% weight re-normalised onto the KPIs,score 126.63 from the KPIs alone; bonus 29775.00",
            "E040,not_in_period,\"hired 2026-10-05, after the period ends 2026-09-30\",excluded: not paid",
        ]
    );
    // The counts, on stdout and in the manifest.
    let text = stdout(&o);
    let from = text.find("exceptions: 6 (exceptions.csv)\n").expect(&text);
    assert_eq!(
        &text[from..],
        "exceptions: 6 (exceptions.csv)\n  capped                        1\n  missing_review                1\n  not_in_period                 1\n  prorated                      2\n  unapproved_project            1\n"
    );
    let manifest: serde_json::Value = serde_json::from_str(&read(&out, "manifest.json")).unwrap();
    let counts = manifest["exceptions"].as_object().unwrap();
    assert_eq!(counts.len(), 15, "every kind, zero included");
    assert_eq!(counts["prorated"], 2);
    assert_eq!(counts["gate_shut"], 0);
    let listed = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "exceptions.csv")
        .unwrap();
    assert_eq!(listed["rows"], 6);
    // The report's section and the workbook's sheet.
    let report = read(&out, "report.html");
    assert!(
        report.contains("<h2>例外情况</h2>"),
        "no exceptions section"
    );
    assert!(
        report.contains("<tr><td>prorated</td><td>按在职天数折算</td><td class=\"n\">2</td></tr>")
    );
    assert!(report.contains("<tr><td>E040</td><td>not_in_period</td>"));
    let mut z =
        zip::ZipArchive::new(std::fs::File::open(out.join("payouts.xlsx")).unwrap()).unwrap();
    let mut book = String::new();
    std::io::Read::read_to_string(&mut z.by_name("xl/workbook.xml").unwrap(), &mut book).unwrap();
    assert!(book.contains("<sheet name=\"Exceptions\""), "{book}");
    assert!(book
        .find("<sheet ")
        .map(|i| book[i..].starts_with("<sheet name=\"Payouts\""))
        .unwrap());
}

#[test]
fn strict_refuses_a_kind_present_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--strict", "prorated,capped"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(
        err,
        "merit: error: --strict capped,prorated: 3 exceptions refused; nothing was written\n  \
         E030 capped: formula 30163.27 above the cap 29775.00 (1.5 × target bonus 19850.00)\n  \
         E010 prorated: employed 45 of 92 days; hired 2026-08-17\n  \
         E020 prorated: employed 46 of 92 days; left 2026-08-15\n"
    );
    assert!(!out.exists(), "nothing written");
    assert!(stdout(&o).is_empty());
    // Kinds the run does not have pass.
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--strict", "gate_shut,pool_scaled"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // An unknown kind is a usage error naming the kinds.
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &dir.path().join("other"),
        &["--strict", "caped"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("possible values:"), "{}", stderr(&o));
}

#[test]
fn the_other_examples_show_gates_calibration_and_fallback_targets() {
    let dir = tempfile::tempdir().unwrap();
    let cs = dir.path().join("cs");
    let policy = root().join("policies/customer-service");
    let o = run(
        &policy,
        &root().join("fixtures/customer-service"),
        "2026-09",
        &cs,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // CS11's complaint rate shuts the gate; target bonus 116000 × 12% ÷ 12.
    assert_eq!(
        rows(&cs)[0],
        "CS11,gate_shut,\"complaint_rate is 0.060201, not below the gate's limit 0.05\",bonus 0.00 (target bonus 1160.00)"
    );
    let gt = dir.path().join("gt");
    let policy = root().join("policies/growth-targets");
    let o = run(
        &policy,
        &root().join("fixtures/growth-targets"),
        "2026-Q3",
        &gt,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = rows(&gt);
    assert!(
        rows.contains(&"G03,calibrated,band S → A by forced distribution (score 115.00 unchanged),bonus 16840.31 with band A (not S)".to_owned()),
        "{rows:?}"
    );
    // G12, hired 2026-05-06, has no complete history: the table target.
    assert!(
        rows.contains(&"G12,target_fallback,KPI new_users (2026-Q3): target 1200 from targets table (fallback: history incomplete),scored against the fallback target 1200".to_owned()),
        "{rows:?}"
    );
    let scores = read(&gt, "scores.csv");
    assert_eq!(
        scores.matches("fallback").count(),
        rows.iter()
            .filter(|r| r.contains(",target_fallback,"))
            .count()
    );
}

#[test]
fn a_partial_gate_shows_the_percent_kept() {
    let (dir, policy) = policy_copy("customer-service");
    edit(
        &policy.join("policy.yaml"),
        "{ kpi: complaint_rate, below_actual: \"0.05\" }",
        "{ kpi: complaint_rate, below_actual: \"0.05\", pay_percent: 40 }",
    );
    let out = dir.path().join("out");
    let o = run(
        &policy,
        &root().join("fixtures/customer-service"),
        "2026-09",
        &out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let row = rows(&out)
        .into_iter()
        .find(|r| r.starts_with("CS11,"))
        .unwrap();
    let payouts = read(&out, "payouts.csv");
    let bonus = payouts
        .lines()
        .find(|l| l.starts_with("CS11,"))
        .unwrap()
        .split(',')
        .nth(7)
        .unwrap()
        .to_owned();
    assert!(
        row.starts_with("CS11,gate_partial,\"complaint_rate is 0.060201, not below the gate's limit 0.05 (pays 40%)\",formula × 40% = "),
        "{row}"
    );
    // Neither capped nor prorated: the bonus is the kept formula.
    assert!(
        row.contains(&format!("= {bonus} (formula ")),
        "{row} {bonus}"
    );
}
