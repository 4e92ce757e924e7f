//! HR's tools: `merit check`, `merit test`, `merit schema`, and the policy
//! documentation kept in step with the schema.

mod common;
use common::*;

fn policy_json(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("policy.yaml")).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    serde_json::to_value(yaml).unwrap()
}

fn examples() -> Vec<std::path::PathBuf> {
    [
        "platform-ops",
        "customer-service",
        "growth-targets",
        "sales-commission",
    ]
    .iter()
    .map(|p| root().join("policies").join(p))
    .collect()
}

#[test]
fn schema_output_is_the_committed_file_and_validates_the_examples() {
    let o = merit(&["schema"]);
    assert!(o.status.success());
    let printed = stdout(&o);
    let committed = std::fs::read_to_string(root().join("docs/policy.schema.json")).unwrap();
    assert_eq!(
        printed, committed,
        "docs/policy.schema.json is stale: run `merit schema > docs/policy.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&printed).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for dir in examples() {
        let doc = policy_json(&dir);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
        let first = std::fs::read_to_string(dir.join("policy.yaml"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(
            first,
            "# yaml-language-server: $schema=../../docs/policy.schema.json"
        );
    }
    // and the schema rejects what merit rejects
    let mut bad = policy_json(&examples()[0]);
    bad["kpis"][0]["scorin"] = serde_json::json!("standard");
    assert!(!validator.is_valid(&bad));
}

#[test]
fn every_schema_key_is_documented() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/policy.schema.json")).unwrap(),
    )
    .unwrap();
    let doc = std::fs::read_to_string(root().join("docs/policy.md")).unwrap();
    let mut keys = std::collections::BTreeSet::new();
    fn walk(v: &serde_json::Value, keys: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(serde_json::Value::Object(props)) = o.get("properties") {
                    keys.extend(props.keys().cloned());
                }
                if let Some(serde_json::Value::Array(values)) = o.get("enum") {
                    keys.extend(values.iter().filter_map(|v| v.as_str().map(str::to_owned)));
                }
                if let Some(serde_json::Value::String(c)) = o.get("const") {
                    keys.insert(c.clone());
                }
                o.values().for_each(|v| walk(v, keys));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, keys)),
            _ => {}
        }
    }
    walk(&schema, &mut keys);
    assert!(keys.len() > 50, "{keys:?}");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")) && !doc.contains(&format!("`{k}:")))
        .collect();
    assert!(
        missing.is_empty(),
        "keys not documented in docs/policy.md: {missing:?}"
    );
}

#[test]
fn check_accepts_the_examples_with_their_data() {
    for (policy, data) in [
        ("platform-ops", "platform-ops"),
        ("customer-service", "customer-service"),
        ("growth-targets", "growth-targets"),
    ] {
        let p = root().join("policies").join(policy);
        let d = root().join("fixtures").join(data);
        let o = merit(&[
            "check",
            "--policy",
            p.to_str().unwrap(),
            "--data",
            d.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).contains("is valid"), "{}", stdout(&o));
        // Without a period, what is left unchecked is said (issue 17).
        assert!(
            stdout(&o).contains("add --period P to check month coverage"),
            "{}",
            stdout(&o)
        );
        assert_eq!(stderr(&o), "", "no warnings on the examples");
    }
}

#[test]
fn check_with_data_reports_roles_without_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&example_data(), &data);
    edit(
        &data.join("employees.csv"),
        ",growth,user_growth,",
        ",growth,growth_hacker,",
    );
    let o = merit(&[
        "check",
        "--policy",
        example_policy().to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("column 'role': role 'growth_hacker' has no weights in the policy"),
        "{err}"
    );
    // the data is checked in the same pass as the roles
    assert!(err.contains("employees.csv:3:4"), "{err}");
}

#[test]
fn check_reports_a_metric_the_data_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&example_data(), &data);
    let metrics = std::fs::read_to_string(data.join("metrics.csv")).unwrap();
    std::fs::write(
        data.join("metrics.csv"),
        metrics.replace(",complaints,", ",complaint,"),
    )
    .unwrap();
    let o = merit(&[
        "check",
        "--policy",
        example_policy().to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error: metric 'complaints' (KPI 'complaint_rate') has no rows in the data (did you mean 'complaint'?)"), "{err}");
}

#[test]
fn policy_tests_pass_for_both_examples() {
    for dir in examples() {
        let o = merit(&["test", "--policy", dir.to_str().unwrap()]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
        assert!(
            out.contains("test result: ok.") && !out.contains("FAILED"),
            "{out}"
        );
    }
}

#[test]
fn policy_test_failures_show_expected_and_actual() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p");
    copy_dir(&example_policy(), &p);
    edit(
        &p.join("tests/cases.yaml"),
        "bonus: \"1270.50\"",
        "bonus: \"1270.51\"",
    );
    let o = merit(&["test", "--policy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("test cases.yaml::band A ... FAILED"), "{out}");
    assert!(
        out.contains("L1 bonus  expected        1270.51   actual 1270.50"),
        "{out}"
    );
    assert!(
        out.contains("test result: FAILED. 6 passed; 1 failed"),
        "{out}"
    );
    // --filter narrows; no case at all is a failure too
    let o = merit(&[
        "test",
        "--policy",
        p.to_str().unwrap(),
        "--filter",
        "conversion",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("1 passed; 0 failed"));
    let o = merit(&[
        "test",
        "--policy",
        p.to_str().unwrap(),
        "--filter",
        "no such case",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no case ran"));
}

#[test]
fn a_key_written_twice_in_a_test_case_is_an_error_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p");
    copy_dir(&example_policy(), &p);
    edit(
        &p.join("tests/cases.yaml"),
        "dau: { achievement: \"1.2000\", score: \"130.00\", contribution: \"39\" }",
        "dau: { contribution: \"39\" }\n          dau: { achievement: \"1.2000\", score: \"130.00\" }",
    );
    let o = merit(&["test", "--policy", p.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("test tests/cases.yaml ... FAILED"), "{out}");
    assert!(out.contains("duplicate entry with key \"dau\""), "{out}");
}

#[test]
fn sandbox_failures_at_check_time() {
    for (script, expect) in [
        ("import \"x\" as y;\n1", "bonus.rhai:1:1: error: 'import' is a reserved keyword"),
        ("let x = eval(\"1\");\nx", "bonus.rhai:1:9: error: reserved keyword 'eval' is disabled"),
        ("employee.target_bonus * scor / 100", "bonus.rhai:1:25: error: Undefined variable: scor"),
        ("employee.target_bonus * score * 1 / 2", "bonus.rhai:1:35: error: integer division 1 / 2 truncates in Rhai; write 1.0 / 2 for an exact decimal"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p");
        copy_dir(&example_policy(), &p);
        std::fs::write(p.join("bonus.rhai"), script).unwrap();
        let o = merit(&["check", "--policy", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{script}");
        assert!(stderr(&o).contains(expect), "{script}: {}", stderr(&o));
    }
}

#[test]
fn a_huge_string_stops_with_script_line_and_employee() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p");
    copy_dir(&example_policy(), &p);
    std::fs::write(p.join("bonus.rhai"), "let s = \"x\";\nloop { s += s; }\n1").unwrap();
    let o = run(&p, &example_data(), "2026-Q3", &dir.path().join("out"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bonus.rhai:2:")
            && err.contains("while evaluating employee E001")
            && err.contains("Length of string"),
        "{err}"
    );
}

#[test]
fn script_errors_read_in_plain_words_with_the_line_and_a_hint() {
    // Issue 17: "Function not found: roundd (i64)" reached the user raw, and
    // a run-time error showed no source line.
    let (dir, policy) = policy_copy("platform-ops");
    std::fs::write(
        policy.join("bonus.rhai"),
        "let m = 2;\nemployee.target_bonus * score / 100 * roundd(m)\n",
    )
    .unwrap();
    let o = run(&policy, &example_data(), "2026-Q3", &dir.path().join("out"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bonus.rhai:2:39: error: while evaluating employee E001: there is no function 'roundd' taking a whole number (did you mean 'round'?) (and 38 more employees with the same error)\n  |\n2 | employee.target_bonus * score / 100 * roundd(m)\n  |                                       ^"), "{err}");
    std::fs::write(policy.join("bonus.rhai"), "let m = 1.5e3;\nm\n").unwrap();
    let o = merit(&["check", "--policy", policy.to_str().unwrap()]);
    assert!(stderr(&o).contains("bonus.rhai:1:12: error: Expecting ';' to terminate this statement (numbers in policy scripts are exact decimals without exponents"), "{}", stderr(&o));
}

#[test]
fn weights_from_a_script_give_no_false_warning() {
    // Issue 17: with every role's weights from a script, `check` warned that
    // no role weighs each KPI.
    let (_dir, policy) = policy_copy("customer-service");
    edit(
        &policy.join("policy.yaml"),
        "weights: { csat: 40, complaint_rate: 30, first_response: 30 }",
        "weights_script: weights.rhai",
    );
    let o = merit(&["check", "--policy", policy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(stdout(&o).contains("is valid"), "{}", stdout(&o));
}

#[test]
fn explain_reads_well_with_a_single_rating_band() {
    // Issue 17: with one band, explain said the score "is below every other band".
    let (dir, policy) = policy_copy("platform-ops");
    let yaml = policy.join("policy.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let start = text.find("rating_bands:").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let one = "rating_bands:\n  - { band: M, name: { zh: 达标, en: Met } }";
    let text = format!("{}{one}{}", &text[..start], &text[end..]);
    // Conditions naming the bands that are gone would be refused.
    let text = text
        .replace("rating == \"S\"", "rating == \"M\"")
        .replace("rating == \"A\"", "rating == \"M\"");
    std::fs::write(&yaml, text).unwrap();
    // The bonus script's band multipliers all fall to the default arm.
    let out = dir.path().join("out");
    let o = run(&policy, &example_data(), "2026-Q3", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = merit(&[
        "explain",
        "--run",
        out.to_str().unwrap(),
        "--employee",
        "E001",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains(
            "Rating band      M 达标 (Met): the plan's only band, whatever the score (101.17)"
        ),
        "{text}"
    );
    assert!(!text.contains("below every other band"), "{text}");
}

#[test]
fn a_plain_bonus_needs_no_script() {
    // Issue 17: bonus.script was required even for target bonus × score.
    let dir = tempfile::tempdir().unwrap();
    let (with, without) = (dir.path().join("with"), dir.path().join("without"));
    copy_dir(&example_policy(), &with);
    copy_dir(&example_policy(), &without);
    std::fs::write(
        with.join("bonus.rhai"),
        "employee.target_bonus * score / 100\n",
    )
    .unwrap();
    edit(&without.join("policy.yaml"), "  script: bonus.rhai\n", "");
    std::fs::remove_file(without.join("bonus.rhai")).unwrap();
    let o = merit(&["check", "--policy", without.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 scripts"), "{}", stdout(&o));
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (p, out) in [(&with, &a), (&without, &b)] {
        let o = run(p, &example_data(), "2026-Q3", out);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let payouts = |d: &std::path::Path| std::fs::read_to_string(d.join("payouts.csv")).unwrap();
    assert_eq!(payouts(&a), payouts(&b));
    let o = merit(&[
        "explain",
        "--run",
        b.to_str().unwrap(),
        "--employee",
        "E001",
    ]);
    assert!(
        stdout(&o).contains("built-in: employee.target_bonus * score / 100"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn check_speaks_json_for_editors_and_ci() {
    // Issue 17: `merit check --format json` (file, line, column, severity, message).
    let bad = root().join("tests/bad_policies/many_problems");
    let o = merit(&[
        "check",
        "--policy",
        bad.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "everything is in the JSON");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["summary"], "merit check: 4 errors, 0 warnings");
    let first = &v["problems"][0];
    assert_eq!(first["line"], 17);
    assert_eq!(first["column"], 5);
    assert_eq!(first["severity"], "error");
    assert!(first["file"]
        .as_str()
        .unwrap()
        .ends_with("many_problems/policy.yaml"));
    assert!(first["message"]
        .as_str()
        .unwrap()
        .contains("unknown key 'scorring' (did you mean 'scoring'?)"));
    assert_eq!(v["problems"].as_array().unwrap().len(), 4);
    let good = example_policy();
    let o = merit(&[
        "check",
        "--policy",
        good.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["problems"], serde_json::json!([]));
}

#[test]
fn check_refuses_script_reads_a_role_cannot_provide() {
    // Issue 17: a bonus script reading a KPI a role does not weigh, or the
    // review of a role without one, passed `check` and failed in `run`.
    let (_dir, policy) = policy_copy("platform-ops");
    edit(
        &policy.join("policy.yaml"),
        "    weights: { pv: 25, uv: 20, retention: 15, dau: 20 }\n    review_weight: 20",
        "    weights: { pv: 45, uv: 20, retention: 15, dau: 20 }\n    review_weight: 0",
    );
    std::fs::write(
        policy.join("bonus.rhai"),
        "employee.target_bonus * score / 100\n  * kpi.gmv.achievement * review.score / 100\n",
    )
    .unwrap();
    let o = merit(&["check", "--policy", policy.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bonus.rhai:2:9: error: roles 'content' and 'user_growth' do not weigh 'gmv', so their employees have no kpi.gmv; guard the read: \"gmv\" in kpi && …"),
        "{err}"
    );
    assert!(
        err.contains("bonus.rhai:2:34: error: role 'content' has no review (review_weight 0), so review is () there; guard the read: type_of(review) == \"map\" && …"),
        "{err}"
    );
    assert!(
        err.ends_with("merit check: 2 errors, 0 warnings\n"),
        "{err}"
    );
    // Guarded by the KPI, by the review's type or by the role: no finding.
    std::fs::write(
        policy.join("bonus.rhai"),
        "let a = if \"gmv\" in kpi { kpi.gmv.achievement } else { 1 };\n\
         let r = if type_of(review) == \"map\" { review.score } else { 100 };\n\
         let c = if employee.role == \"commerce\" { kpi.gmv.score } else { 0 };\n\
         employee.target_bonus * score / 100 * a * r / 100 + c\n",
    )
    .unwrap();
    let o = merit(&["check", "--policy", policy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn merit_new_writes_a_plan_that_checks_tests_and_runs() {
    // Issue 17: `merit new DIR --template scorecard`.
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    let p = plan.to_str().unwrap();
    let o = merit(&["new", p, "--template", "scorecard"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (policy, data) = (format!("{p}/policy"), format!("{p}/data"));
    let o = merit(&[
        "check", "--policy", &policy, "--data", &data, "--period", "2026-09",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "no warnings");
    let o = merit(&["test", "--policy", &policy]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("test result: ok. 1 passed; 0 failed"),
        "{}",
        stdout(&o)
    );
    let out = plan.join("runs/2026-09");
    let o = run(&plan.join("policy"), &plan.join("data"), "2026-09", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    // S1 as in the hand-worked case; S2 joined on 16 September: 15 of 30 days.
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    assert!(
        payouts.contains("S1,Alex Chen,east,sales,2026-09,115.50,A,1155.00,0.00,1155.00,"),
        "{payouts}"
    );
    // Never into a folder that holds anything.
    let o = merit(&["new", p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("exists and is not an empty folder"),
        "{}",
        stderr(&o)
    );
}
