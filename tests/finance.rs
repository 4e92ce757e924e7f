//! Issue 5: pools exact to the cent, currencies, prior-period adjustments,
//! the payroll workbook and formula-injection protection — end to end.

mod common;
use common::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&example_policy(), &dir.path().join("policy"));
        copy_dir(&example_data(), &dir.path().join("data"));
        Setup { dir }
    }
    fn policy(&self) -> PathBuf {
        self.dir.path().join("policy")
    }
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn run(&self, name: &str, extra: &[&str]) -> std::process::Output {
        run_with(
            &self.policy(),
            &self.data(),
            "2026-Q3",
            &self.out(name),
            extra,
            &[],
        )
    }
}

/// employee_id → full payouts.csv row (fields split on commas; the example has none in names)
fn payouts(out: &Path) -> BTreeMap<String, Vec<String>> {
    std::fs::read_to_string(out.join("payouts.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let r: Vec<String> = l.split(',').map(str::to_owned).collect();
            (r[0].clone(), r)
        })
        .collect()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn department_pools_pay_exactly_their_budget() {
    let s = Setup::new();
    let base = s.run("base", &[]);
    assert!(base.status.success(), "{}", stderr(&base));
    let before = payouts(&s.out("base"));
    edit(
        &s.policy().join("policy.yaml"),
        "  proration: days\n",
        "  proration: days\n  pool: { scope: department, scale: down_only }\n",
    );
    // commerce asks for 98389.14 in Q3 and gets 50000.00; the others are within budget
    std::fs::write(
        s.data().join("budgets.csv"),
        "subject_id,period,budget\ncommerce,2026-Q3,50000.00\ngrowth,2026-Q3,200000.00\ncontent,2026-Q3,140934.98\ncommunity,2026-Q3,100000\n",
    )
    .unwrap();
    let o = s.run("pooled", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = payouts(&s.out("pooled"));
    let dept_sum = |rows: &BTreeMap<String, Vec<String>>, d: &str| {
        rows.values()
            .filter(|r| r[2] == d)
            .map(|r| dec(&r[7]))
            .sum::<Decimal>()
    };
    assert_eq!(dept_sum(&before, "commerce"), dec("98389.14"));
    assert_eq!(dept_sum(&after, "commerce"), dec("50000.00"));
    for d in ["growth", "content", "community"] {
        assert_eq!(
            dept_sum(&after, d),
            dept_sum(&before, d),
            "{d} is within budget and unchanged"
        );
    }
    // E012: 22257.80 × 50000 / 98389.14 = 11311.1060… → floor 11311.10; its remainder 0.0060…
    // is among the largest in commerce, so it takes one of the leftover cents → 11311.11
    assert_eq!(after["E012"][7], "11311.11");
    // project bonuses are not pooled
    assert_eq!(after["E012"][8], "8000.00");
    let summary = std::fs::read_to_string(s.out("pooled").join("summary.csv")).unwrap();
    assert!(
        summary.contains("department,commerce,10,58000.00,0.00,0.00,50000.00,8000.00,58000.00,"),
        "{summary}"
    );
    // The scaling is an exception, with the bonus before and after the pool.
    let exceptions = std::fs::read_to_string(s.out("pooled").join("exceptions.csv")).unwrap();
    assert!(
        exceptions.contains(
            "\nE012,pool_scaled,\"pool commerce: budget 50000.00, bonuses asked 98389.14\",bonus 11311.11 (before the pool 22257.80)\n"
        ),
        "{exceptions}"
    );
}

#[test]
fn a_missing_budget_is_an_error() {
    let s = Setup::new();
    edit(
        &s.policy().join("policy.yaml"),
        "  proration: days\n",
        "  proration: days\n  pool: { scope: company }\n",
    );
    let o = s.run("out", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("budgets.csv: error: no bonus pool budget for 'company' in 2026-Q3"),
        "{}",
        stderr(&o)
    );
    // A row for an employee (or an unknown name) would never be read.
    std::fs::write(
        s.data().join("budgets.csv"),
        "subject_id,period,budget\ncompany,2026-Q3,1000000\nE001,2026-Q3,5000\nnobody,2026-Q3,1\n",
    )
    .unwrap();
    let o = s.run("out", &[]);
    assert_eq!(o.status.code(), Some(2));
    for (line, who) in [(3, "E001"), (4, "nobody")] {
        let msg = format!("budgets.csv:{line}:1: error: column 'subject_id': '{who}' is not a department or 'company'");
        assert!(stderr(&o).contains(&msg), "{}", stderr(&o));
    }
}

/// Sets fields (by index) of the CSV row starting with `prefix`.
fn set_fields(path: &Path, prefix: &str, fields: &[(usize, &str)]) {
    let text = std::fs::read_to_string(path).unwrap();
    let text: Vec<String> = text
        .lines()
        .map(|l| {
            if !l.starts_with(prefix) {
                return l.to_owned();
            }
            let mut f: Vec<&str> = l.split(',').collect();
            for (i, v) in fields {
                f[*i] = v;
            }
            f.join(",")
        })
        .collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

fn with_usd(s: &Setup, rates: &str) {
    edit(
        &s.policy().join("policy.yaml"),
        "rounding:\n",
        "currency_conversion: { rate: period_end }\nrounding:\n",
    );
    // E022 is paid in USD with a base salary of 50000 USD
    set_fields(
        &s.data().join("employees.csv"),
        "E022,",
        &[(4, "50000"), (9, "USD")],
    );
    std::fs::write(
        s.data().join("fx_rates.csv"),
        format!("currency,month,rate_to_policy_currency\n{rates}"),
    )
    .unwrap();
}

#[test]
fn an_employee_paid_in_another_currency() {
    let s = Setup::new();
    with_usd(&s, "USD,2026-07,7.10\nUSD,2026-08,7.20\nUSD,2026-09,7.25\n");
    let o = s.run("usd", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let usd = payouts(&s.out("usd"));
    // The same person with a CNY salary of 50000 × 7.25 (the period-end rate) = 362500 earns the same CNY amount.
    let t = Setup::new();
    set_fields(&t.data().join("employees.csv"), "E022,", &[(4, "362500")]);
    assert!(t.run("cny", &[]).status.success());
    let cny = payouts(&t.out("cny"));
    assert_eq!(usd["E022"][9], cny["E022"][9], "total_payout in CNY");
    let total = dec(&usd["E022"][9]);
    // paid in USD: total ÷ 7.25, rounded to cents
    let local = (total / dec("7.25"))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(
        &usd["E022"][11..],
        &["USD".to_string(), "7.25".to_string(), format!("{local:.2}")]
    );
    assert_eq!(
        &usd["E001"][11..],
        &["CNY".to_string(), "1".to_string(), usd["E001"][9].clone()]
    );
    let summary = std::fs::read_to_string(s.out("usd").join("summary.csv")).unwrap();
    assert!(
        summary.contains(&format!("currency,USD,1,{local:.2},,,,,{local:.2},")),
        "{summary}"
    );
    assert!(summary.contains("currency,CNY,38,"), "{summary}");
    let manifest = std::fs::read_to_string(s.out("usd").join("manifest.json")).unwrap();
    assert!(manifest.contains("\"USD\": {"), "{manifest}");
}

#[test]
fn a_missing_rate_names_currency_and_month() {
    let s = Setup::new();
    with_usd(&s, "USD,2026-07,7.10\nUSD,2026-08,7.20\n");
    let o = s.run("out", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "fx_rates.csv: error: no USD rate for 2026-09 (needed to pay employee E022 in USD)"
        ),
        "{}",
        stderr(&o)
    );
}

fn hashes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// After payment, two metrics are corrected: E001's August GMV up, E002's
/// registrations down.
fn correct_metrics(s: &Setup) {
    edit(
        &s.data().join("metrics.csv"),
        "E001,2026-08,gmv,325699.56",
        "E001,2026-08,gmv,395699.56",
    );
    let metrics = std::fs::read_to_string(s.data().join("metrics.csv")).unwrap();
    let metrics: String = metrics
        .lines()
        .map(|l| {
            if l.starts_with("E002,2026-0")
                && l.contains(",registrations,")
                && (l.contains("2026-07") || l.contains("2026-08") || l.contains("2026-09"))
            {
                let v: Vec<&str> = l.split(',').collect();
                format!(
                    "E002,{},registrations,{}",
                    v[1],
                    v[3].parse::<u32>().unwrap() / 2
                )
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(s.data().join("metrics.csv"), metrics + "\n").unwrap();
}

#[test]
fn a_corrected_rerun_adds_adjustments_and_never_edits_what_was_paid() {
    let s = Setup::new();
    assert!(s.run("paid", &[]).status.success());
    let paid_files = hashes(&s.out("paid"));
    correct_metrics(&s);
    let o = s.run("rerun", &["--previous", s.out("paid").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        hashes(&s.out("paid")),
        paid_files,
        "the earlier run is untouched"
    );
    let adj = std::fs::read_to_string(s.out("rerun").join("adjustments.csv")).unwrap();
    let changed: Vec<&str> = adj
        .lines()
        .filter(|l| !l.contains(",0.00,0.00,0.00,"))
        .collect();
    insta::assert_snapshot!("corrected_rerun_adjustments", changed.join("\n"));
    // E001 is owed more; E002 was overpaid: nothing now, a balance carried forward
    let row = |id: &str| {
        adj.lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (e1, e2) = (row("E001,"), row("E002,"));
    assert!(
        dec(&e1[4]) > Decimal::ZERO && e1[5] == e1[4] && e1[6] == "0.00",
        "{e1:?}"
    );
    assert!(
        dec(&e2[4]) < Decimal::ZERO && e2[5] == "0.00" && e2[6] == e2[4],
        "{e2:?}"
    );
    assert!(e1[8].contains("data/metrics.csv"), "{e1:?}");
    // A second correction run against the re-run counts what the re-run paid.
    let o = s.run("rerun2", &["--previous", s.out("rerun").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let adj2 = std::fs::read_to_string(s.out("rerun2").join("adjustments.csv")).unwrap();
    let r1 = adj2.lines().find(|l| l.starts_with("E001,")).unwrap();
    assert!(
        r1.contains(&format!(",{},{},0.00,0.00,0.00,", e1[3], e1[3])),
        "paid before = first payment + adjustment: {r1}"
    );

    // A re-run keeps the earlier run's files it read, so it replays from
    // its own folder after the earlier runs are gone; an edit is tampering.
    for f in ["manifest.json", "payouts.csv", "adjustments.csv"] {
        assert_eq!(
            std::fs::read(s.out("rerun2").join("archive/previous").join(f)).unwrap(),
            std::fs::read(s.out("rerun").join(f)).unwrap(),
            "{f}"
        );
    }
    std::fs::remove_dir_all(s.out("paid")).unwrap();
    std::fs::remove_dir_all(s.out("rerun")).unwrap();
    let o = merit(&["replay", s.out("rerun2").to_str().unwrap()]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert!(text.contains("adjustments.csv"), "{text}");
    assert!(text.ends_with("files replayed byte for byte\n"), "{text}");
    let paid = s.out("rerun2").join("archive/previous/payouts.csv");
    let edited = std::fs::read_to_string(&paid)
        .unwrap()
        .replacen("E001,", "E001 ,", 1);
    std::fs::write(&paid, edited).unwrap();
    let o = merit(&["replay", s.out("rerun2").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("archive/previous/payouts.csv"),
        "{}",
        stdout(&o)
    );
}

/// The corrected re-run of `a_corrected_rerun_…`: E001 is owed 369.00 more,
/// E002 was overpaid by 18698.51; everyone else is unchanged.
#[test]
fn a_rerun_leads_with_what_to_pay_now() {
    let s = Setup::new();
    let first = s.run("paid", &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    // A first run pays its whole total now.
    let line = stdout(&first).lines().next().unwrap().to_owned();
    assert!(
        line.ends_with(": 39 employees, bonus 440303.75 + projects 13000.00 = total payout 453303.75 CNY, all to pay now"),
        "{line}"
    );
    correct_metrics(&s);
    let o = s.run("rerun", &["--previous", s.out("paid").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    // 453303.75 paid + 369.00 now − 18698.51 carried = 434974.24 entitlement
    assert!(
        text.lines().next().unwrap().ends_with(
            ": to pay now 369.00 CNY (adjustments.csv); already paid 453303.75, entitlement 434974.24, balance carried -18698.51 CNY"
        ),
        "{text}"
    );
    let summary = std::fs::read_to_string(s.out("rerun").join("summary.csv")).unwrap();
    for row in [
        "level,department,headcount,to_pay_now,already_paid,balance_carried,bonus,project_bonus,total_payout,average_score,",
        "\ndepartment,growth,10,369.00,137268.68,-18698.51,113939.17,5000.00,118939.17,",
        "\ndepartment,commerce,10,0.00,106389.14,0.00,98389.14,8000.00,106389.14,",
        "\ncompany,,39,369.00,453303.75,-18698.51,421974.24,13000.00,434974.24,",
        "\ncurrency,CNY,39,369.00,,,,,434974.24,",
    ] {
        assert!(summary.contains(row), "{row}\n{summary}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.out("rerun").join("manifest.json")).unwrap())
            .unwrap();
    let t = &manifest["control_totals"];
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys[..6],
        [
            "currency",
            "to_pay_now",
            "already_paid",
            "entitlement",
            "balance_carried",
            "headcount"
        ]
    );
    assert_eq!(
        [
            &t["to_pay_now"],
            &t["already_paid"],
            &t["entitlement"],
            &t["balance_carried"]
        ],
        ["369.00", "453303.75", "434974.24", "-18698.51"]
    );
    assert_eq!(t["by_currency"]["CNY"]["to_pay_now"], "369.00");
    assert_eq!(t["by_department"]["growth"]["to_pay_now"], "369.00");
    assert_eq!(manifest["exceptions"]["negative_balance"], 1);
    // The workbook opens on what to pay now.
    let xlsx = s.out("rerun").join("payouts.xlsx");
    let book = xlsx_entry(&xlsx, "xl/workbook.xml");
    let first_sheet = &book[book.find("<sheet ").unwrap()..];
    assert!(
        first_sheet.starts_with("<sheet name=\"To pay now\""),
        "{book}"
    );
    let sheet = xlsx_entry(&xlsx, "xl/worksheets/sheet1.xml");
    // row 2 is E001: to pay now 369, already paid 15175.50, entitlement 15544.50
    assert_eq!(cell(&sheet, "D2").as_deref(), Some("369"));
    assert_eq!(cell(&sheet, "E2").as_deref(), Some("15175.5"));
    assert_eq!(cell(&sheet, "F2").as_deref(), Some("15544.5"));
    // The report's first card is what to pay now.
    let report = std::fs::read_to_string(s.out("rerun").join("report.html")).unwrap();
    let card = &report[report.find("<div class=\"card\">").unwrap()..];
    assert!(
        card.starts_with("<div class=\"card\"><div class=\"label\">本次应发</div><div class=\"value\">369.00</div>"),
        "{card}"
    );
    // The overpayment is an exception; --strict refuses it, writing nothing.
    let exceptions = std::fs::read_to_string(s.out("rerun").join("exceptions.csv")).unwrap();
    assert!(
        exceptions.contains("\nE002,negative_balance,\"paid before 29141.29, recomputed 10442.78\",pays 0.00 now; balance -18698.51 carried\n"),
        "{exceptions}"
    );
    let o = s.run(
        "strict",
        &[
            "--previous",
            s.out("paid").to_str().unwrap(),
            "--strict",
            "negative_balance",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("\n  E002 negative_balance: paid before 29141.29, recomputed 10442.78"),
        "{}",
        stderr(&o)
    );
    assert!(!s.out("strict").exists());
}

#[test]
fn a_rerun_pays_the_difference_in_the_payout_currency() {
    let s = Setup::new();
    with_usd(&s, "USD,2026-07,7.10\nUSD,2026-08,7.20\nUSD,2026-09,7.25\n");
    assert!(s.run("paid", &[]).status.success());
    // The September rate is corrected to 7.50: E022's USD salary is worth
    // more CNY, so the CNY entitlement rises by 740.09.
    edit(
        &s.data().join("fx_rates.csv"),
        "USD,2026-09,7.25",
        "USD,2026-09,7.50",
    );
    let o = s.run("rerun", &["--previous", s.out("paid").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let adj = std::fs::read_to_string(s.out("rerun").join("adjustments.csv")).unwrap();
    assert!(
        adj.contains("\nE022,2026-Q3,21462.72,22202.81,740.09,740.09,0.00,"),
        "{adj}"
    );
    // Paid in USD at this run's rate: 740.09 ÷ 7.50 = 98.678… → 98.68.
    let summary = std::fs::read_to_string(s.out("rerun").join("summary.csv")).unwrap();
    assert!(
        summary.contains("\ncurrency,USD,1,98.68,,,,,2960.37,"),
        "{summary}"
    );
    assert!(summary.contains("\ncurrency,CNY,38,0.00,,,,,"), "{summary}");
}

#[test]
fn previous_run_of_another_period_is_refused() {
    let s = Setup::new();
    let out = s.out("m9");
    assert!(merit(&[
        "run",
        "--policy",
        s.policy().to_str().unwrap(),
        "--data",
        s.data().to_str().unwrap(),
        "--period",
        "2026-09",
        "--out",
        out.to_str().unwrap()
    ])
    .status
    .success());
    let o = s.run("q3", &["--previous", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is a run of 2026-09, not 2026-Q3"),
        "{}",
        stderr(&o)
    );
}

fn xlsx_entry(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The numeric value of a cell (e.g. "J2") in a worksheet's XML.
fn cell(sheet: &str, r: &str) -> Option<String> {
    let at = sheet.find(&format!("r=\"{r}\""))?;
    let rest = &sheet[at..];
    let end = rest.find("</c>")?;
    let v = rest[..end].find("<v>")?;
    Some(rest[v + 3..rest[..end].find("</v>")?].to_owned())
}

#[test]
fn the_workbook_has_the_same_numbers_as_the_csv() {
    let s = Setup::new();
    assert!(s.run("out", &[]).status.success());
    let sheet = xlsx_entry(
        &s.out("out").join("payouts.xlsx"),
        "xl/worksheets/sheet1.xml",
    );
    let rows = payouts(&s.out("out"));
    for (i, (_, r)) in rows.iter().enumerate() {
        let n = i + 2;
        for (col, idx) in [("F", 5), ("H", 7), ("I", 8), ("J", 9), ("N", 13)] {
            let v = cell(&sheet, &format!("{col}{n}")).unwrap_or_else(|| panic!("{col}{n}"));
            assert_eq!(dec(&v), dec(&r[idx]), "{col}{n}");
        }
    }
    // money cells carry a money format
    let styles = xlsx_entry(&s.out("out").join("payouts.xlsx"), "xl/styles.xml");
    assert!(styles.contains("#,##0.00"), "{styles}");
    let core = xlsx_entry(&s.out("out").join("payouts.xlsx"), "docProps/core.xml");
    assert!(
        core.contains(">2026-07-01T00:00:00Z</dcterms:created>"),
        "{core}"
    );
}

#[test]
fn formula_injection_is_neutralised_in_csv_and_xlsx() {
    let s = Setup::new();
    edit(
        &s.data().join("employees.csv"),
        "E001,刘磊平,",
        "E001,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",",
    );
    assert!(s.run("out", &[]).status.success());
    let csv = std::fs::read_to_string(s.out("out").join("payouts.csv")).unwrap();
    assert!(
        csv.contains("E001,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",growth"),
        "{csv}"
    );
    let sheet = xlsx_entry(
        &s.out("out").join("payouts.xlsx"),
        "xl/worksheets/sheet1.xml",
    );
    // The Payouts sheet is written in constant memory: its text is inline.
    assert!(
        sheet.contains("<c r=\"B2\" t=\"inlineStr\"><is><t>'=HYPERLINK("),
        "{sheet}"
    );
    // The only formulas are the totals row's sums of merit's own columns.
    let formulas: Vec<&str> = sheet
        .split("<f>")
        .skip(1)
        .map(|f| &f[..f.find("</f>").unwrap()])
        .collect();
    assert!(!formulas.is_empty(), "{sheet}");
    for f in formulas {
        assert!(f.starts_with("SUM(") && !f.contains("HYPERLINK"), "{f}");
    }
}

#[test]
fn the_workbook_is_ready_for_payroll() {
    let s = Setup::new();
    assert!(s.run("out", &[]).status.success());
    let book = s.out("out").join("payouts.xlsx");
    let sheet = xlsx_entry(&book, "xl/worksheets/sheet1.xml");
    let rows = payouts(&s.out("out"));
    let n = rows.len() + 1; // the last data row
                            // Frozen header, an autofilter over header and rows, fitted widths.
    assert!(
        sheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{sheet}"
    );
    assert!(
        sheet.contains(&format!(r#"<autoFilter ref="A1:N{n}"/>"#)),
        "{sheet}"
    );
    assert!(
        sheet.contains("<cols><col min=\"1\" max=\"1\" width=\""),
        "{sheet}"
    );
    // The totals row: SUM formulas over the rows, whose cached results are
    // the exact sums of the CSV's money columns.
    let total = n + 1;
    for (col, idx) in [("H", 7), ("I", 8), ("J", 9), ("N", 13)] {
        let f = format!("<f>SUM({col}2:{col}{n})</f>");
        assert!(sheet.contains(&f), "{f} in {sheet}");
        let sum: Decimal = rows.values().map(|r| dec(&r[idx])).sum();
        let cached = cell(&sheet, &format!("{col}{total}")).unwrap();
        assert_eq!(dec(&cached), sum, "{col}{total}");
    }
    // The Run sheet names the period, the policy and each input's sha256
    // as the manifest has it.
    let workbook = xlsx_entry(&book, "xl/workbook.xml");
    assert!(workbook.contains(r#"name="Run""#), "{workbook}");
    let strings = xlsx_entry(&book, "xl/sharedStrings.xml");
    let manifest = std::fs::read_to_string(s.out("out").join("manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for input in m["inputs"].as_array().unwrap() {
        let sha = input["sha256"].as_str().unwrap();
        assert!(strings.contains(sha), "{sha} not in the Run sheet");
    }
    let period = &rows.values().next().unwrap()[4];
    assert!(strings.contains(&format!("<t>{period}</t>")), "{strings}");
}
