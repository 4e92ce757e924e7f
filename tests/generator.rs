//! `merit gen`: realistic synthetic data for a policy, deterministic for a
//! seed, accepted by `merit run`, the same in CSV and Parquet.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn gen(policy: &Path, out: &Path, format: &str, seed: &str) {
    gen_env(policy, out, format, seed, &[]);
}

/// 300 employees × 12 months from 2026-01, with environment variables.
fn gen_env(policy: &Path, out: &Path, format: &str, seed: &str, env: &[(&str, &str)]) {
    let (policy, out) = (policy.to_str().unwrap(), out.to_str().unwrap());
    let o = merit_env(
        &[
            "gen",
            "--policy",
            policy,
            "--employees",
            "300",
            "--months",
            "12",
            "--out",
            out,
            "--format",
            format,
            "--seed",
            seed,
        ],
        env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

const ONE_THREAD: [(&str, &str); 2] = [("RAYON_NUM_THREADS", "1"), ("POLARS_MAX_THREADS", "1")];

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn same_seed_same_bytes_other_seed_other_data() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    gen(&example_policy(), &a, "csv", "7");
    gen(&example_policy(), &b, "csv", "7");
    gen(&example_policy(), &c, "csv", "8");
    assert_eq!(files(&a), files(&b));
    assert_ne!(files(&a), files(&c));
    // Another thread count must not change a byte.
    let one = dir.path().join("one-thread");
    gen_env(&example_policy(), &one, "csv", "7", &ONE_THREAD);
    assert_eq!(files(&a), files(&one));
    let names: Vec<String> = files(&a).into_iter().map(|(n, _)| n).collect();
    for t in ["employees.csv", "metrics.csv", "targets.csv", "ratings.csv"] {
        assert!(names.iter().any(|n| n == t), "{names:?}");
    }
}

#[test]
fn generated_data_runs_for_every_example_policy_and_parquet_equals_csv() {
    let dir = tempfile::tempdir().unwrap();
    for policy in ["platform-ops", "customer-service", "growth-targets"] {
        let p = root().join("policies").join(policy);
        let (csv, pq) = (
            dir.path().join(format!("{policy}-csv")),
            dir.path().join(format!("{policy}-pq")),
        );
        gen(&p, &csv, "csv", "11");
        gen(&p, &pq, "parquet", "11");
        let period = if policy == "customer-service" {
            "2026-09"
        } else {
            "2026-Q3"
        };
        let (oa, ob) = (
            dir.path().join(format!("{policy}-out-csv")),
            dir.path().join(format!("{policy}-out-pq")),
        );
        let o = run(&p, &csv, period, &oa);
        assert!(o.status.success(), "{policy} csv: {}", stderr(&o));
        let o = run(&p, &pq, period, &ob);
        assert!(o.status.success(), "{policy} parquet: {}", stderr(&o));
        let payouts = std::fs::read_to_string(oa.join("payouts.csv")).unwrap();
        assert_eq!(
            payouts,
            std::fs::read_to_string(ob.join("payouts.csv")).unwrap(),
            "{policy}"
        );
        assert!(
            payouts.lines().count() > 250,
            "{policy}: most of the 300 people are paid"
        );
        if policy == "growth-targets" {
            // Targets from the generated market benchmarks are used.
            assert!(csv.join("benchmarks.csv").is_file());
            let scores = std::fs::read_to_string(oa.join("scores.csv")).unwrap();
            assert!(
                scores.contains("[benchmark "),
                "{policy}: no benchmark target"
            );
        }
    }
}

fn gen_args(policy: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    common::gen(policy, out, extra)
}

fn gen_ok(policy: &Path, out: &Path, extra: &[&str]) {
    let o = gen_args(policy, out, extra);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn run_ok(policy: &Path, data: &Path, period: &str, out: &Path) {
    let o = run(policy, data, period, out);
    assert!(o.status.success(), "{period}: {}", stderr(&o));
}

/// The benchmark's baseline needs polars' lazy API, a second build of
/// polars that `cargo test` does not make: this runs with
/// `cargo test --release --features baseline --test generator baseline`,
/// and bench/run.sh makes the same comparison (and fails on a difference)
/// every time it runs.
#[cfg(feature = "baseline")]
#[test]
fn baseline_computes_the_same_payouts() {
    // cargo test --features baseline builds the example next to the binary.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_merit"));
    let baseline = bin.parent().unwrap().join("examples").join("baseline");
    assert!(
        baseline.is_file(),
        "{} missing: build it with cargo build --release --features baseline --example baseline",
        baseline.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gen_ok(
        &root().join("bench/policy"),
        &data,
        &[
            "--employees",
            "500",
            "--months",
            "12",
            "--format",
            "parquet",
            "--periods",
            "quarter,year",
        ],
    );
    for period in ["2026-Q3", "2026"] {
        let out = dir.path().join(format!("out-{period}"));
        run_ok(&root().join("bench/policy"), &data, period, &out);
        let csv = dir.path().join(format!("baseline-{period}.csv"));
        let o = std::process::Command::new(&baseline)
            .args([data.to_str().unwrap(), period, csv.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // The baseline writes the contract's first 11 columns.
        let m: String = std::fs::read_to_string(out.join("payouts.csv"))
            .unwrap()
            .lines()
            .map(|l| l.split(',').take(11).collect::<Vec<_>>().join(",") + "\n")
            .collect();
        let b = std::fs::read_to_string(csv).unwrap();
        assert!(m.len() > 10_000);
        assert!(m == b, "{period}: merit and the baseline disagree");
    }
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = gen_args(
        &example_policy(),
        &dir.path().join("x"),
        &["--employees", "0", "--months", "3"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("invalid value '0' for '--employees <EMPLOYEES>': 0 is not in 1..=100000000"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("x").exists(), "nothing is written");
    // A non-empty folder is refused without --force.
    let full = dir.path().join("full");
    gen_ok(
        &example_policy(),
        &full,
        &["--employees", "5", "--months", "1"],
    );
    let o = gen_args(
        &example_policy(),
        &full,
        &["--employees", "5", "--months", "1"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    // --force replaces what gen wrote, and nothing else.
    let o = gen_args(
        &example_policy(),
        &full,
        &["--employees", "7", "--months", "1", "--force"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(table(&full.join("employees.csv")).len(), 7);
    std::fs::write(full.join("notes.txt"), "mine").unwrap();
    let o = gen_args(
        &example_policy(),
        &full,
        &["--employees", "5", "--months", "1", "--force"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("it holds 'notes.txt', which merit gen did not write"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(full.join("notes.txt")).unwrap(),
        "mine"
    );
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("employees.csv"), "hand-made").unwrap();
    let o = gen_args(
        &example_policy(),
        &mine,
        &["--employees", "5", "--months", "1", "--force"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("it has no .merit-gen"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("employees.csv")).unwrap(),
        "hand-made"
    );
}

type Row = std::collections::BTreeMap<String, String>;

/// The rows of a generated CSV table as maps from column to cell (generated
/// text has no commas or quotes).
fn table(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

/// The employee records of a run's trace.
fn trace(out: &Path) -> Vec<serde_json::Value> {
    trace_text(out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["record"] == "employee")
        .collect()
}

fn notes(record: &serde_json::Value) -> Vec<String> {
    record["bonus"]["notes"]
        .as_array()
        .map(|a| a.iter().map(|n| n.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// Checks a run's gates shut for a few people (about 4% a gate), whose
/// bonus is then zero, and stay open for most, who are paid a bonus.
fn assert_few_gated_out(out: &Path) {
    let records = trace(out);
    let shut: Vec<&str> = records
        .iter()
        .filter(|r| {
            notes(r)
                .iter()
                .any(|n| n.starts_with("Gate") && n.contains("shut"))
        })
        .map(|r| r["employee_id"].as_str().unwrap())
        .collect();
    let n = records.len();
    assert!(n > 250, "{n} people paid");
    assert!(!shut.is_empty(), "no shut gate in {n} people");
    assert!(shut.len() * 10 < n, "{} of {n} shut", shut.len());
    let payouts = table(&out.join("payouts.csv"));
    for id in &shut {
        let p = payouts.iter().find(|p| p["employee_id"] == *id).unwrap();
        assert_eq!(p["bonus"], "0.00", "{id} is gated out");
    }
    let open_paid = payouts.iter().filter(|p| p["bonus"] != "0.00").count();
    assert!(open_paid > n * 8 / 10, "{open_paid} of {n} paid a bonus");
}

#[test]
fn the_customer_service_gate_shuts_for_a_few_and_stays_open_for_most() {
    let dir = tempfile::tempdir().unwrap();
    let policy = root().join("policies/customer-service");
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    gen(&policy, &data, "csv", "11");
    run_ok(&policy, &data, "2026-09", &out);
    assert_few_gated_out(&out);
}

#[test]
fn an_achievement_gate_on_a_kpi_some_roles_do_not_weigh_shuts_for_a_few() {
    // gmv's target comes from the targets table, which then holds it for
    // everyone: a gate KPI is evaluated for every employee.
    let (dir, policy) = policy_copy("platform-ops");
    let gate = "  project_bonuses: true\n  gates: [{ kpi: gmv, min_achievement: \"0.8\" }]\n";
    edit(
        &policy.join("policy.yaml"),
        "  project_bonuses: true\n",
        gate,
    );
    let data = dir.path().join("data");
    gen(&policy, &data, "csv", "11");
    for period in ["2026-Q3", "2026"] {
        let out = dir.path().join(format!("out-{period}"));
        run_ok(&policy, &data, period, &out);
        assert_few_gated_out(&out);
    }
}

/// platform-ops with a department pool paying exactly its budget, or a
/// company pool scaling down only, and employees paid in other currencies.
fn pool_policy(dir: &Path, name: &str, pool: &str, fx: &str) -> PathBuf {
    let p = dir.join(name);
    copy_dir(&root().join("policies/platform-ops"), &p);
    let yaml = p.join("policy.yaml");
    edit(
        &yaml,
        "  project_bonuses: true\n",
        &format!("  project_bonuses: true\n  pool: {pool}\n"),
    );
    edit(
        &yaml,
        "\nkpis:",
        &format!("\ncurrency_conversion: {{ rate: {fx} }}\n\nkpis:"),
    );
    p
}

/// A budget for each department in each of 12 months, 4 quarters, 2
/// halves and the year, positive and at most at cents.
fn assert_budgets(employees: &[Row], data: &Path) {
    let mut departments: Vec<&str> = employees.iter().map(|e| e["department"].as_str()).collect();
    departments.sort();
    departments.dedup();
    let budgets = table(&data.join("budgets.csv"));
    assert_eq!(budgets.len(), departments.len() * 19);
    for period in ["2026-03", "2026-Q3", "2026-H2", "2026"] {
        for d in &departments {
            let found = budgets
                .iter()
                .any(|b| b["subject_id"] == *d && b["period"] == period);
            assert!(found, "no budget for {d} in {period}");
        }
    }
    for b in &budgets {
        let places = b["budget"].split('.').nth(1).map_or(0, str::len);
        let positive = b["budget"].parse::<f64>().unwrap() > 0.0;
        assert!(places <= 2 && positive, "{b:?}");
    }
}

/// Some people paid in two other currencies, each with a rate every month.
fn assert_rates(employees: &[Row], data: &Path) {
    let rates = table(&data.join("fx_rates.csv"));
    let mut foreign: Vec<&str> = employees
        .iter()
        .map(|e| e["currency"].as_str())
        .filter(|c| *c != "CNY")
        .collect();
    let paid_abroad = foreign.len();
    foreign.sort();
    foreign.dedup();
    assert_eq!(foreign.len(), 2, "{foreign:?}");
    assert!((5..60).contains(&paid_abroad), "{paid_abroad} of 300");
    for c in &foreign {
        for month in (1..=12).map(|m| format!("2026-{m:02}")) {
            let found = rates
                .iter()
                .any(|r| r["currency"] == *c && r["month"] == month);
            assert!(found, "no {c} rate for {month}");
        }
    }
    assert_eq!(rates.len(), 24);
}

/// From the trace's pool notes: whether some pool scaled its bonuses down
/// and some up.
fn pools_scaled(out: &Path) -> (bool, bool) {
    let pools: Vec<String> = trace(out)
        .iter()
        .flat_map(notes)
        .filter(|n| n.starts_with("Pool"))
        .collect();
    let amount = |n: &str, word: &str| -> f64 {
        let rest = &n[n.find(word).unwrap() + word.len()..];
        let first = rest.split_whitespace().next().unwrap();
        first
            .trim_end_matches(';')
            .replace(',', "")
            .parse()
            .unwrap()
    };
    let requested_vs_budget = |n: &String| amount(n, "bonuses ").total_cmp(&amount(n, "budget "));
    (
        pools.iter().any(|n| requested_vs_budget(n).is_gt()),
        pools.iter().any(|n| requested_vs_budget(n).is_lt()),
    )
}

#[test]
fn pools_get_budgets_both_ways_and_other_currencies_get_rates() {
    let dir = tempfile::tempdir().unwrap();
    let pool = "{ scope: department, scale: both }";
    let policy = pool_policy(dir.path(), "both", pool, "period_average");
    let data = dir.path().join("data");
    gen(&policy, &data, "csv", "11");
    let employees = table(&data.join("employees.csv"));
    assert_budgets(&employees, &data);
    assert_rates(&employees, &data);

    // The run scales some departments' bonuses down and others' up, and
    // pays some people in other currencies.
    let out = dir.path().join("out");
    run_ok(&policy, &data, "2026-Q3", &out);
    let (down, up) = pools_scaled(&out);
    assert!(down && up, "pools scaled down: {down}, up: {up}");
    let payouts = table(&out.join("payouts.csv"));
    assert!(payouts.iter().any(|p| p["payout_currency"] != "CNY"));

    // A company pool that only scales down runs for a month, a quarter and the year.
    let company = pool_policy(dir.path(), "company", "{ scope: company }", "period_end");
    let data = dir.path().join("company-data");
    gen(&company, &data, "csv", "11");
    assert_eq!(table(&data.join("budgets.csv")).len(), 19);
    for period in ["2026-07", "2026-Q3", "2026"] {
        let out = dir.path().join(format!("out-{period}"));
        run_ok(&company, &data, period, &out);
    }
}

#[test]
fn pool_and_currency_tables_are_the_same_bytes_on_one_thread_and_in_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let policy = pool_policy(
        dir.path(),
        "both",
        "{ scope: department, scale: both }",
        "period_end",
    );
    let (a, pq) = (dir.path().join("a"), dir.path().join("pq"));
    gen(&policy, &a, "csv", "5");
    gen(&policy, &pq, "parquet", "5");
    let one = dir.path().join("one");
    gen_env(&policy, &one, "csv", "5", &ONE_THREAD);
    assert_eq!(files(&a), files(&one));
    let (oa, ob) = (dir.path().join("out-a"), dir.path().join("out-pq"));
    run_ok(&policy, &a, "2026-H2", &oa);
    run_ok(&policy, &pq, "2026-H2", &ob);
    assert_eq!(
        std::fs::read_to_string(oa.join("payouts.csv")).unwrap(),
        std::fs::read_to_string(ob.join("payouts.csv")).unwrap()
    );
}

/// Months from 2026-01 in which an employee is employed on at least one day.
fn employed_months(e: &Row) -> Vec<String> {
    let (hire, term) = (e["hire_date"].as_str(), e["termination_date"].as_str());
    (1..=12)
        .map(|m| format!("2026-{m:02}"))
        .filter(|m| hire[..7] <= **m && (term.is_empty() || term[..7] >= **m))
        .collect()
}

#[test]
fn metric_rows_cover_exactly_the_employed_months_and_teams_every_month() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gen(&example_policy(), &data, "csv", "3");
    let employees = table(&data.join("employees.csv"));
    let inside = |d: &str| d.starts_with("2026-");
    let hired = employees.iter().filter(|e| inside(&e["hire_date"])).count();
    let left = employees
        .iter()
        .filter(|e| inside(&e["termination_date"]))
        .count();
    assert!(
        hired >= 5 && left >= 5,
        "{hired} hires and {left} leavers inside 2026"
    );
    let mut months: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for r in table(&data.join("metrics.csv")) {
        months
            .entry(r["subject_id"].clone())
            .or_default()
            .insert(r["month"].clone());
    }
    for e in &employees {
        let want: Vec<String> = employed_months(e);
        let got: Vec<String> = months
            .get(&e["employee_id"])
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        assert_eq!(got, want, "{e:?}");
    }
    let all: Vec<String> = (1..=12).map(|m| format!("2026-{m:02}")).collect();
    for e in employees.iter().filter(|e| e["manager_id"].is_empty()) {
        let got: Vec<String> = months[&e["department"]].iter().cloned().collect();
        assert_eq!(got, all, "department {}", e["department"]);
    }
}

/// Ids of the employees rated for 2026-Q3.
fn rated_in_q3(data: &Path) -> std::collections::BTreeSet<String> {
    table(&data.join("ratings.csv"))
        .into_iter()
        .filter(|r| r["period"] == "2026-Q3")
        .map(|r| r["employee_id"].clone())
        .collect()
}

#[test]
fn some_reviews_are_missing_unless_a_missing_review_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gen(&example_policy(), &data, "csv", "3");
    let q3: Vec<String> = table(&data.join("employees.csv"))
        .iter()
        .filter(|e| {
            employed_months(e)
                .iter()
                .any(|m| m.as_str() >= "2026-07" && m.as_str() <= "2026-09")
        })
        .map(|e| e["employee_id"].clone())
        .collect();
    let rated = rated_in_q3(&data);
    let unrated = q3.iter().filter(|id| !rated.contains(*id)).count();
    assert!(
        unrated >= 1 && unrated * 10 < q3.len(),
        "{unrated} of {} unrated",
        q3.len()
    );
    let out = dir.path().join("out");
    run_ok(&example_policy(), &data, "2026-Q3", &out);
    let renormalized = trace(&out)
        .iter()
        .filter(|r| r["review"]["use"] == "missing_renormalized")
        .count();
    assert_eq!(renormalized, unrated);

    // With `missing: fail` everyone employed is rated.
    let strict = dir.path().join("strict");
    copy_dir(&example_policy(), &strict);
    edit(
        &strict.join("policy.yaml"),
        "missing: renormalize",
        "missing: fail",
    );
    let data = dir.path().join("strict-data");
    gen(&strict, &data, "csv", "3");
    let rated = rated_in_q3(&data);
    assert!(q3.iter().all(|id| rated.contains(id)));
    run_ok(&strict, &data, "2026-Q3", &dir.path().join("strict-out"));
}

#[test]
fn projects_are_dated_by_month_and_quarter_and_some_are_unapproved() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gen(&example_policy(), &data, "csv", "3");
    let projects = table(&data.join("projects.csv"));
    let count = |f: &dyn Fn(&Row) -> bool| projects.iter().filter(|p| f(p)).count();
    assert!(count(&|p| p["approved"] == "no") >= 3, "unapproved rows");
    assert!(count(&|p| p["approved"] == "yes") >= 30, "approved rows");
    assert!(count(&|p| p["period"].contains("-Q")) >= 10, "quarter rows");
    assert!(count(&|p| !p["period"].contains("-Q")) >= 10, "month rows");
    // The Q3 run pays the approved rows of its months and of the quarter.
    let out = dir.path().join("out");
    run_ok(&example_policy(), &data, "2026-Q3", &out);
    let paid = ["2026-07", "2026-08", "2026-09", "2026-Q3"]
        .iter()
        .map(|label| count(&|p| p["period"] == *label && p["approved"] == "yes"))
        .sum::<usize>();
    let in_trace = trace_text(&out).matches("\"project\":").count();
    assert_eq!(in_trace, paid);
}

#[test]
fn history_targets_fall_back_for_people_hired_inside_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let policy = root().join("policies/growth-targets");
    let data = dir.path().join("data");
    gen_ok(
        &policy,
        &data,
        &[
            "--employees",
            "300",
            "--months",
            "24",
            "--start",
            "2025-01",
            "--seed",
            "4",
        ],
    );
    let out = dir.path().join("out");
    run_ok(&policy, &data, "2026-Q3", &out);
    let scores = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    let new_users: Vec<&str> = scores
        .lines()
        .filter(|l| l.contains(",new_users,"))
        .collect();
    let fallback = new_users.iter().filter(|l| l.contains("fallback")).count();
    assert!(fallback >= 1, "no history fallback");
    assert!(
        fallback * 2 < new_users.len(),
        "{fallback} of {} fell back",
        new_users.len()
    );
}

#[test]
fn changes_write_a_history_that_cuts_spans_summing_to_the_bonus() {
    let dir = tempfile::tempdir().unwrap();
    let policy = root().join("policies/platform-ops");
    let data = dir.path().join("data");
    let args = ["--employees", "400", "--months", "12", "--changes"];
    gen_ok(&policy, &data, &args);
    let history = std::fs::read_to_string(data.join("history.csv")).unwrap();
    assert!(history.starts_with("employee_id,effective,base_salary,target_bonus_pct\n"));
    assert!(history.lines().count() > 3, "{history}");
    // The same seed writes the same bytes.
    let again = dir.path().join("again");
    gen_ok(&policy, &again, &args);
    assert_eq!(
        history,
        std::fs::read_to_string(again.join("history.csv")).unwrap()
    );
    // Without --changes there is no history.
    let plain = dir.path().join("plain");
    gen_ok(&policy, &plain, &["--employees", "400", "--months", "12"]);
    assert!(!plain.join("history.csv").exists());

    let out = dir.path().join("out");
    run_ok(&policy, &data, "2026", &out);
    let spans = std::fs::read_to_string(out.join("spans.csv")).unwrap();
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    let bonus_of = |id: &str| -> rust_decimal::Decimal {
        let line = payouts
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap();
        line.split(',').nth(7).unwrap().parse().unwrap()
    };
    let mut sums: std::collections::BTreeMap<&str, rust_decimal::Decimal> = Default::default();
    for line in spans.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        *sums.entry(cells[0]).or_default() += cells[11].parse::<rust_decimal::Decimal>().unwrap();
    }
    assert!(sums.len() > 3, "{spans}");
    for (id, sum) in sums {
        assert_eq!(sum, bonus_of(id), "{id}: spans {spans}");
    }
}

#[test]
fn a_run_with_many_departments_prints_a_screenful() {
    // Issue 18: at 200,000 employees stdout had a line per department
    // (about 2,000). Departments beyond a dozen are summed up in one line;
    // their totals are in summary.csv.
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    let policy = root().join("policies/platform-ops");
    gen_ok(&policy, &data, &["--employees", "3000", "--months", "9"]);
    let o = run_with(
        &policy,
        &data,
        "2026-Q3",
        &out,
        &["--skip", "statements,trace,workbook"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.lines().count() <= 40, "{text}");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let departments = summary
        .lines()
        .filter(|l| l.starts_with("department,"))
        .count();
    assert!(departments > 12, "{summary}");
    assert!(
        text.contains(&format!(
            "\n  {departments} departments: their totals are in summary.csv\n"
        )),
        "{text}"
    );
    assert!(!text.contains("  department "), "{text}");
}

#[test]
fn changes_of_a_commission_plan_raise_quotas_and_draws_inside_the_month() {
    // The history's money inputs follow the raise as the employees table
    // derives them: quota = salary × 3, draw = salary ÷ 24. The run pays
    // those people across spans (docs/policy.md, Commissions and draws
    // across spans) instead of refusing them.
    let dir = tempfile::tempdir().unwrap();
    let policy = root().join("policies/sales-commission");
    let data = dir.path().join("data");
    gen_ok(
        &policy,
        &data,
        &[
            "--employees",
            "600",
            "--months",
            "1",
            "--changes",
            "--seed",
            "3",
        ],
    );
    let history = std::fs::read_to_string(data.join("history.csv")).unwrap();
    let mut lines = history.lines();
    assert_eq!(
        lines.next(),
        Some("employee_id,effective,base_salary,target_bonus_pct,annual_quota,monthly_draw")
    );
    let mut rows = 0;
    for l in lines {
        let c: Vec<&str> = l.split(',').collect();
        let salary: i64 = c[2].parse().unwrap();
        assert_eq!(c[4], (salary * 3).to_string(), "{l}");
        assert_eq!(c[5], (salary / 24).to_string(), "{l}");
        rows += 1;
    }
    assert!(rows > 3, "{history}");
    let out = dir.path().join("out");
    run_ok(&policy, &data, "2026-01", &out);
    let spans = std::fs::read_to_string(out.join("spans.csv")).unwrap();
    assert!(spans.lines().count() > rows, "{spans}");
}
