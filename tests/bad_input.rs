//! Contract section 5: each kind of bad input exits 2, names the file, the
//! row and the column, and writes nothing.

mod common;
use common::*;

#[test]
fn misspelt_column() {
    let c = Case::new();
    edit(
        &c.data("metrics.csv"),
        "subject_id,month,metric,value",
        "subject_id,month,metric,valeu",
    );
    let err = c.fails("2026-Q3");
    assert!(err.contains("metrics.csv:1:4: error: unknown column 'valeu' in the metrics table (did you mean 'value'?)"), "{err}");
    assert!(err.contains("missing column 'value'"), "{err}");
}

#[test]
fn unparseable_number() {
    let c = Case::new();
    // line 2 of metrics.csv is E001's first row
    edit(
        &c.data("metrics.csv"),
        "E001,2026-01,registrations,",
        "E001,2026-01,registrations,12x",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("metrics.csv:2:4: error: column 'value': cannot parse '12x"),
        "{err}"
    );
}

#[test]
fn unparseable_date() {
    let c = Case::new();
    edit(&c.data("employees.csv"), "2023-09-17", "2023-09-31");
    let err = c.fails("2026-Q3");
    assert!(
        err.contains(
            "employees.csv:2:7: error: column 'hire_date': '2023-09-31' is not a date (YYYY-MM-DD)"
        ),
        "{err}"
    );
}

#[test]
fn duplicate_key() {
    let c = Case::new();
    edit(&c.data("employees.csv"), "E002,", "E001,");
    let err = c.fails("2026-Q3");
    assert!(err.contains("employees.csv:3:1: error: column 'employee_id': duplicate employee_id 'E001' (first on line 2)"), "{err}");
}

#[test]
fn duplicate_metric_row() {
    let c = Case::new();
    let path = c.data("metrics.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let second = text.lines().nth(1).unwrap().to_owned();
    std::fs::write(&path, format!("{text}{second}\n")).unwrap();
    let last_line = text.lines().count() + 1;
    let err = c.fails("2026-Q3");
    assert!(err.contains(&format!("metrics.csv:{last_line}:3: error: column 'metric': duplicate row for E001, 2026-01, registrations (first on line 2)")), "{err}");
}

#[test]
fn unknown_employee() {
    let c = Case::new();
    edit(&c.data("ratings.csv"), "E001,2026-Q1", "E999,2026-Q1");
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("ratings.csv:2:1: error: column 'employee_id': unknown employee 'E999'"),
        "{err}"
    );
}

#[test]
fn unknown_kpi() {
    let c = Case::new();
    edit(
        &c.data("targets.csv"),
        "E001,2026-01,gmv,",
        "E001,2026-01,gmvv,",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains(
            "targets.csv:3:3: error: column 'kpi': unknown KPI 'gmvv' (did you mean 'gmv'?)"
        ),
        "{err}"
    );
}

#[test]
fn empty_required_table() {
    let c = Case::new();
    let path = c.data("employees.csv");
    let header = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    std::fs::write(&path, format!("{header}\n")).unwrap();
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("employees.csv: error: the employees table is empty"),
        "{err}"
    );
}

#[test]
fn nan_and_infinite_values() {
    let c = Case::new();
    edit(
        &c.data("metrics.csv"),
        "E001,2026-01,registrations,",
        "E001,2026-01,registrations,NaN\nE001,2026-01,registrations_x,",
    );
    edit(
        &c.data("metrics.csv"),
        "E001,2026-02,registrations,",
        "E001,2026-02,registrations,inf\nE001,2026-02,registrations_x,",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("metrics.csv:2:4: error: column 'value': 'NaN' is not a finite number"),
        "{err}"
    );
    assert!(
        err.contains("column 'value': 'inf' is not a finite number"),
        "{err}"
    );
}

#[test]
fn negative_base_salary() {
    let c = Case::new();
    edit(
        &c.data("employees.csv"),
        "E001,刘磊平,growth,team_lead,240000",
        "E001,刘磊平,growth,team_lead,-240000",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("employees.csv:2:5: error: column 'base_salary': -240000 is negative"),
        "{err}"
    );
}

#[test]
fn month_outside_the_data() {
    // The example plan is effective in 2026 only: without that range, a
    // 2027 run reaches the data and finds no rows.
    let c = Case::new();
    let policy = c.dir.path().join("policy");
    copy_dir(&example_policy(), &policy);
    edit(
        &policy.join("policy.yaml"),
        "effective: { from: \"2026-01-01\", to: \"2026-12-31\" }\n",
        "",
    );
    let out = c.dir.path().join("out");
    let o = run(&policy, &c.dir.path().join("data"), "2027-Q1", &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    let err = stderr(&o);
    assert!(
        err.contains("metrics.csv: error: period 2027-Q1 has no metric rows in any of its months (months available: 2026-01 to 2026-12)"),
        "{err}"
    );
}

#[test]
fn unparseable_month() {
    let c = Case::new();
    edit(
        &c.data("metrics.csv"),
        "E001,2026-01,registrations,",
        "E001,2026-1,registrations,",
    );
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("metrics.csv:2:2: error: column 'month': '2026-1' is not a month (YYYY-MM)"),
        "{err}"
    );
}

#[test]
fn all_problems_in_one_pass() {
    let c = Case::new();
    edit(
        &c.data("employees.csv"),
        "E001,刘磊平,growth,team_lead,240000",
        "E001,刘磊平,growth,team_lead,-240000",
    );
    edit(
        &c.data("metrics.csv"),
        "E001,2026-01,registrations,",
        "E001,2026-01,registrations,abc",
    );
    edit(&c.data("ratings.csv"), "E001,2026-Q1", "E999,2026-Q1");
    let err = c.fails("2026-Q3");
    assert!(err.contains("employees.csv:2:5"), "{err}");
    assert!(err.contains("metrics.csv:2:4"), "{err}");
    assert!(err.contains("ratings.csv:2:1"), "{err}");
    assert!(err.contains("3 problems found"), "{err}");
}

#[test]
fn refuses_a_non_empty_out_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "paid").unwrap();
    let o = run(&example_policy(), &example_data(), "2026-Q3", &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "paid"
    );
}

#[test]
fn a_failed_forced_run_leaves_out_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // An earlier run, which --force may replace.
    let o = run(&example_policy(), &example_data(), "2026-Q3", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = read_all(&out);
    let data = dir.path().join("data");
    copy_dir(&example_data(), &data);
    edit(
        &data.join("metrics.csv"),
        "E001,2026-01,registrations,",
        "E001,2026-01,registrations,x",
    );
    let o = merit(&[
        "run",
        "--policy",
        example_policy().to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--period",
        "2026-Q3",
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("metrics.csv"), "{}", stderr(&o));
    assert!(read_all(&out) == before, "the earlier run is unchanged");
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(beside.is_empty(), "no staging folder, no lock: {beside:?}");
}

/// Every file below `dir` with its bytes.
fn read_all(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(read_all(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

/// Replaces the first data row's cell in `column` (0-based) of a CSV table.
fn set_first_cell(path: &std::path::Path, column: usize, value: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut cells: Vec<&str> = lines[1].split(',').collect();
    cells[column] = value;
    lines[1] = cells.join(",");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_nul_cell_at_the_start_of_a_table_is_an_error_not_a_match() {
    // The readers remember the last subject, month or period of grouped
    // rows; a NUL cell must not pass for "the same as before".
    let c = Case::new();
    set_first_cell(&c.data("metrics.csv"), 0, "\u{0}");
    set_first_cell(&c.data("ratings.csv"), 1, "\u{0}");
    set_first_cell(&c.data("targets.csv"), 1, "\u{0}");
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("metrics.csv:2:1: error: column 'subject_id': unknown subject"),
        "{err}"
    );
    assert!(
        err.contains("ratings.csv:2:2: error: column 'period'"),
        "{err}"
    );
    assert!(
        err.contains("targets.csv:2:2: error: column 'period'"),
        "{err}"
    );

    let c = Case::new();
    set_first_cell(&c.data("metrics.csv"), 1, "\u{0}");
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("metrics.csv:2:2: error: column 'month'"),
        "{err}"
    );
}

#[test]
fn values_too_large_to_sum_exactly_are_errors() {
    let c = Case::new();
    set_first_cell(&c.data("metrics.csv"), 3, "-100000000000000000000");
    let err = c.fails("2026-Q3");
    assert!(err.contains("metrics.csv:2:4: error: column 'value': -100000000000000000000 has more digits than merit sums exactly (18 at most)"), "{err}");

    // Each value fits, but not both at the finer scale of the two.
    let c = Case::new();
    let path = c.data("metrics.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(
            "E001,2026-01,registrations,707",
            "E001,2026-01,registrations,100000000000000000",
            1,
        )
        .replacen(
            "E001,2026-02,registrations,718",
            "E001,2026-02,registrations,0.0000000000000000000000000001",
            1,
        ),
    )
    .unwrap();
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("the values of metric 'registrations' are too large to sum exactly"),
        "{err}"
    );
}

#[test]
fn an_employee_id_that_cannot_name_a_file_is_an_error() {
    let c = Case::new();
    set_first_cell(&c.data("employees.csv"), 0, "CN/001");
    let err = c.fails("2026-Q3");
    assert!(
        err.contains(
            "employees.csv:2:1: error: column 'employee_id': 'CN/001' cannot name a statement file"
        ),
        "{err}"
    );
}

#[test]
fn money_too_large_for_a_decimal_is_located_not_a_panic() {
    // Issue 15: sums that overflow a decimal were panics (exit 101).
    let huge = "49228162514264337593543950335";
    let c = Case::new();
    let text = std::fs::read_to_string(c.data("projects.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[1] = format!("E005,2026-Q3,p1,{huge},yes");
    lines[2] = format!("E005,2026-08,p2,{huge},yes");
    std::fs::write(c.data("projects.csv"), lines.join("\n") + "\n").unwrap();
    let err = c.fails("2026-Q3");
    assert!(err.contains("projects.csv: error: employee E005: the project bonuses of 2026-Q3 sum to more than a decimal holds"), "{err}");
    // One huge project for each of two people: each fits, the run's sum does not.
    lines[2] = format!("E012,2026-08,p2,{huge},yes");
    std::fs::write(c.data("projects.csv"), lines.join("\n") + "\n").unwrap();
    let err = c.fails("2026-Q3");
    assert!(
        err.contains("policy.yaml: error: the run's payouts sum to more than a decimal holds"),
        "{err}"
    );
}

#[test]
fn an_optional_table_that_cannot_be_read_is_an_error_not_absent() {
    // Issue 15: a ratings table that is a directory, a FIFO or a broken link
    // silently dropped every review.
    type Make = fn(&std::path::Path);
    let make: [(&str, Make); 3] = [
        ("directory", |p| std::fs::create_dir(p).unwrap()),
        ("fifo", |p| {
            assert!(std::process::Command::new("mkfifo")
                .arg(p)
                .status()
                .unwrap()
                .success())
        }),
        ("broken link", |p| {
            std::os::unix::fs::symlink("/nonexistent/ratings.csv", p).unwrap()
        }),
    ];
    for (what, make) in make {
        let c = Case::new();
        std::fs::remove_file(c.data("ratings.csv")).unwrap();
        make(&c.data("ratings.csv"));
        let err = c.fails("2026-Q3");
        assert!(err.contains("ratings.csv: error:"), "{what}: {err}");
    }
}

#[test]
fn gen_refuses_absurd_sizes_instead_of_aborting() {
    // Issue 15: 2^64-1 employees aborted on allocation; 2^32-1 months panicked.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g");
    let policy = example_policy();
    for (flag, v) in [
        ("--employees", "18446744073709551615"),
        ("--months", "4294967295"),
        ("--employees", "0"),
    ] {
        let (e, m) = if flag == "--employees" {
            (v, "3")
        } else {
            ("10", v)
        };
        let o = merit(&[
            "gen",
            "--policy",
            policy.to_str().unwrap(),
            "--employees",
            e,
            "--months",
            m,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{flag} {v}: {}", stderr(&o));
        assert!(stderr(&o).contains("not in 1.."), "{}", stderr(&o));
        assert!(!out.exists());
    }
}

#[test]
fn a_policy_nested_absurdly_deep_is_refused_at_once() {
    // Issue 15: 200,000 nested levels took longer than 15 s to parse.
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("policy");
    copy_dir(&example_policy(), &pol);
    let yaml = pol.join("policy.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let n = 200_000;
    let deep = format!("{text}\nx: {}{}\n", "[".repeat(n), "]".repeat(n));
    std::fs::write(&yaml, &deep).unwrap();
    let start = std::time::Instant::now();
    let o = merit(&["check", "--policy", pol.to_str().unwrap()]);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("brackets nested more than 64 deep are refused"),
        "{}",
        stderr(&o)
    );
    let lines = text.lines().count() + 2;
    assert!(
        stderr(&o).contains(&format!("policy.yaml:{lines}:")),
        "{}",
        stderr(&o)
    );
    // The example's own flow maps, quotes and apostrophes pass.
    std::fs::write(&yaml, text.replace("title:", "# it's fine: [[[\ntitle:")).unwrap();
    let o = merit(&["check", "--policy", pol.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn control_characters_in_data_are_escaped_in_messages() {
    // Issue 15: an escape sequence in a cell reached the terminal raw.
    let c = Case::new();
    edit(
        &c.data("metrics.csv"),
        "E001,2026-01,registrations,",
        "E001,2026-01,registrations,\u{1b}[2J12",
    );
    let err = c.fails("2026-Q3");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("metrics.csv:2:4: error:"), "{err}");
    assert!(err.contains("\\u{1b}"), "{err}");
}

#[test]
fn an_id_too_long_for_a_file_name_is_refused_at_its_row() {
    // Issue 15: it failed late, naming a staging path.
    let c = Case::new();
    let long = "E".repeat(300);
    let text = std::fs::read_to_string(c.data("employees.csv")).unwrap();
    let text = text.replacen("\nE001,", &format!("\n{long},"), 1);
    let text = text.replace(",E001,", &format!(",{long},"));
    std::fs::write(c.data("employees.csv"), text).unwrap();
    let metrics = std::fs::read_to_string(c.data("metrics.csv")).unwrap();
    std::fs::write(
        c.data("metrics.csv"),
        metrics.replace("\nE001,", &format!("\n{long},")),
    )
    .unwrap();
    let err = c.fails("2026-Q3");
    assert!(err.contains("employees.csv:2:1: error: column 'employee_id': an id of 300 bytes cannot name a statement file"), "{err}");
    assert!(!err.contains(&long), "the id is not echoed");
}

#[test]
fn corrupt_parquet_is_a_located_error() {
    // Issue 15: polars panicked inside its reader on corrupt Parquet; bytes
    // flipped at several places must each stop the run naming the file.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = merit(&[
        "gen",
        "--policy",
        example_policy().to_str().unwrap(),
        "--employees",
        "50",
        "--months",
        "3",
        "--format",
        "parquet",
        "--seed",
        "3",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let clean = std::fs::read(data.join("metrics.parquet")).unwrap();
    for at in [10, 30, 50, 70, 90, 97] {
        let mut b = clean.clone();
        let start = b.len() * at / 100;
        let end = (start + 64).min(b.len() - 8);
        b[start..end].iter_mut().for_each(|x| *x ^= 0xA5);
        std::fs::write(data.join("metrics.parquet"), &b).unwrap();
        let out = dir.path().join(format!("o{at}"));
        let o = run(&example_policy(), &data, "2026-Q1", &out);
        assert_eq!(o.status.code(), Some(2), "at {at}%: {}", stderr(&o));
        assert!(
            stderr(&o).contains("metrics.parquet"),
            "at {at}%: {}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
}

/// A run holds only the targets and ratings of the period it scores, but
/// checks every row: a bad value or a duplicate in another period is
/// reported as when every row is held, first rows named.
#[test]
fn problems_in_periods_not_scored_are_reported() {
    let c = Case::new();
    let (targets, ratings) = (c.data("targets.csv"), c.data("ratings.csv"));
    let text: String = std::fs::read_to_string(&targets)
        .unwrap()
        .lines()
        .map(|l| match l.starts_with("E002,2026-02,new_users,") {
            true => "E002,2026-02,new_users,-5\n".to_owned(),
            false => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&targets, format!("{text}E001,2026-01,new_users,595\n")).unwrap();
    let last = text.lines().count() + 1;
    let r = std::fs::read_to_string(&ratings).unwrap();
    std::fs::write(&ratings, format!("{r}E001,2026-Q1,3,CEO,\n")).unwrap();
    let err = c.fails("2026-Q3");
    assert!(err.contains("target -5 must be greater than zero"), "{err}");
    let dup = format!("targets.csv:{last}:1: error: duplicate target for E001, 2026-01, new_users (first on line 2)");
    assert!(err.contains(&dup), "{err}");
    let line = r.lines().count() + 1;
    let dup = format!("ratings.csv:{line}:1: error: duplicate rating for E001 in 2026-Q1");
    assert!(err.contains(&dup), "{err}");
    assert!(err.contains("3 problems found"), "{err}");
}

/// The same in the period scored.
#[test]
fn duplicates_in_the_period_scored_are_reported() {
    let c = Case::new();
    let (targets, ratings) = (c.data("targets.csv"), c.data("ratings.csv"));
    let t = std::fs::read_to_string(&targets).unwrap();
    std::fs::write(&targets, format!("{t}E001,2026-Q3,gmv,1\n")).unwrap();
    let r = std::fs::read_to_string(&ratings).unwrap();
    std::fs::write(&ratings, format!("{r}E001,2026-Q3,3,CEO,\n")).unwrap();
    let err = c.fails("2026-Q3");
    let first = t
        .lines()
        .position(|l| l.starts_with("E001,2026-Q3,gmv,"))
        .unwrap()
        + 1;
    let dup = format!(
        "targets.csv:{}:1: error: duplicate target for E001, 2026-Q3, gmv (first on line {first})",
        t.lines().count() + 1
    );
    assert!(err.contains(&dup), "{err}");
    let dup = format!(
        "ratings.csv:{}:1: error: duplicate rating for E001 in 2026-Q3",
        r.lines().count() + 1
    );
    assert!(err.contains(&dup), "{err}");
}
