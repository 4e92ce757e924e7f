//! Policy rules exercised end to end on a copy of the example policy.

mod common;
use common::*;
use std::path::PathBuf;

struct Copy {
    dir: tempfile::TempDir,
}

impl Copy {
    fn new() -> Copy {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&example_policy(), &dir.path().join("policy"));
        Copy { dir }
    }
    fn policy(&self) -> PathBuf {
        self.dir.path().join("policy")
    }
    fn file(&self, f: &str) -> PathBuf {
        self.policy().join(f)
    }
    fn run(&self) -> std::process::Output {
        run(
            &self.policy(),
            &example_data(),
            "2026-Q3",
            &self.dir.path().join("out"),
        )
    }
    fn payouts(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("out/payouts.csv")).unwrap()
    }
}

#[test]
fn missing_rating_can_be_made_to_fail() {
    let c = Copy::new();
    edit(
        &c.file("policy.yaml"),
        "missing: renormalize",
        "missing: fail",
    );
    let o = c.run();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("employee E030 has no manager rating for the period, and the policy's review.missing is 'fail'"), "{err}");
    assert!(!c.dir.path().join("out").exists());
}

#[test]
fn script_errors_name_the_script_line_and_employee() {
    let c = Copy::new();
    std::fs::write(
        c.file("bonus.rhai"),
        "let x = employee.target_bonus;\nx * kpi.gmv.score / 100",
    )
    .unwrap();
    // Read directly, `check` (and so `run`) refuses it before any employee.
    let o = c.run();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bonus.rhai:2:9: error: roles 'content' and 'user_growth' do not weigh 'gmv'"),
        "{err}"
    );
    assert!(!err.contains("while evaluating"), "{err}");
    // Read by a computed name, only the run can tell.
    std::fs::write(
        c.file("bonus.rhai"),
        "let x = employee.target_bonus;\nx * kpi[\"g\" + \"mv\"].score / 100",
    )
    .unwrap();
    let o = c.run();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    // user_growth employees have no gmv KPI: the misspelt/missing property is an error, not ()
    assert!(
        err.contains("bonus.rhai:2:")
            && err.contains("while evaluating employee E002")
            && err.contains("gmv"),
        "{err}"
    );
}

#[test]
fn script_returning_integers_and_exact_literals() {
    let c = Copy::new();
    // 0.1 + 0.2 == 0.3 exactly, so everyone gets 3; an INT result is accepted as money.
    std::fs::write(c.file("bonus.rhai"), "if 0.1 + 0.2 == 0.3 { 3 } else { 0 }").unwrap();
    let o = c.run();
    assert!(o.status.success(), "{}", stderr(&o));
    let p = c.payouts();
    // E001: full quarter → 3.00; E010: 3 × 45 / 92 = 1.467… → 1.47; E020: 3 × 46 / 92 = 1.50
    assert!(
        p.contains("E001,刘磊平,growth,team_lead,2026-Q3,101.17,B,3.00,0.00,3.00,CNY"),
        "{p}"
    );
    assert!(
        p.contains(",1.47,0.00,1.47,CNY")
            && p.lines()
                .any(|l| l.starts_with("E010") && l.contains(",1.47,")),
        "{p}"
    );
    assert!(
        p.lines()
            .any(|l| l.starts_with("E020") && l.contains(",1.50,0.00,1.50,")),
        "{p}"
    );
}

#[test]
fn negative_formula_is_an_error() {
    let c = Copy::new();
    std::fs::write(c.file("bonus.rhai"), "score - 1000").unwrap();
    let o = c.run();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a negative amount"), "{}", stderr(&o));
}

#[test]
fn weights_that_do_not_sum_to_100_are_located() {
    let c = Copy::new();
    edit(
        &c.file("policy.yaml"),
        "weights: { pv: 25, uv: 20, retention: 15, dau: 20 }",
        "weights: { pv: 25, uv: 20, retention: 15, dau: 25 }",
    );
    let o = c.run();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("policy.yaml:122:5: error: role 'content': KPI weights plus review_weight sum to 105, not 100"), "{err}");
    assert!(
        err.contains("    weights: { pv: 25"),
        "source line with caret: {err}"
    );
}

#[test]
fn endless_loop_in_a_script_stops_with_a_location() {
    let c = Copy::new();
    std::fs::write(
        c.file("bonus.rhai"),
        "let n = 0;\nwhile true { n += 1; }\nn",
    )
    .unwrap();
    let t = std::time::Instant::now();
    let o = c.run();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bonus.rhai:2:") && err.contains("operations"),
        "{err}"
    );
    // Reported, not timed: the limit is on operations, so this ends quickly on any machine.
    eprintln!("endless loop stopped after {:?}", t.elapsed());
}

#[test]
fn one_script_error_for_everyone_is_said_once_without_pay_data() {
    // A plan-wide mistake printed a line per employee, each with the
    // employee's target bonus in it ("Division by zero: 1958.91 / 0").
    let c = Copy::new();
    std::fs::write(
        c.file("bonus.rhai"),
        "employee.target_bonus * score / 100 / (employee.days_employed - employee.days_employed)\n",
    )
    .unwrap();
    let o = c.run();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let errors: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    let (head, tail) = errors[0].split_once(": error: ").unwrap();
    assert!(head.ends_with("bonus.rhai:1:37"), "{err}");
    let rest = tail
        .strip_prefix("while evaluating employee E001: division by zero (the values are not shown: they are pay data) (and ")
        .and_then(|t| t.strip_suffix(" more employees with the same error)"))
        .unwrap_or_else(|| panic!("{err}"));
    // The others whose bonus was evaluated (not every row: some left or
    // are not eligible), and no amount anywhere.
    let rows = std::fs::read_to_string(example_data().join("employees.csv")).unwrap();
    let more = rest.parse::<usize>().unwrap();
    assert!(more >= 10 && more < rows.lines().count() - 1, "{err}");
    assert!(!err.contains(" / 0"), "{err}");
}
