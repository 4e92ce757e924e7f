//! Issue 17, item 3: `docs/policy.schema.json` rejects what `merit check`
//! rejects wherever JSON Schema can say it. Every bad policy under
//! tests/bad_policies goes through both; they may differ only on the rules
//! listed in `SCHEMA_CANNOT_SAY`, each with why a schema cannot say it.

mod common;
use common::*;

/// Bad policies `check` rejects and the schema accepts, and why a schema
/// cannot say the rule they break. Nothing else may differ.
const SCHEMA_CANNOT_SAY: &[(&str, &str)] = &[
    (
        "bands_not_decreasing",
        "compares one item's min_score with the item before it",
    ),
    (
        "condition_assignment",
        "a condition is Rhai code in a string; a schema cannot parse it",
    ),
    (
        "condition_number_vs_text",
        "a condition is Rhai code in a string; a schema cannot parse it",
    ),
    (
        "condition_unknown_band",
        "a name inside a condition must be a band defined elsewhere",
    ),
    (
        "condition_unknown_kpi",
        "a name inside a condition must be a KPI defined elsewhere",
    ),
    (
        "condition_unknown_payout_key",
        "a condition is Rhai code in a string; a schema cannot parse it",
    ),
    (
        "curve_cap_below_stretch",
        "compares two values (cap and stretch score)",
    ),
    (
        "curve_not_increasing",
        "compares two values (achievements of threshold, target, stretch)",
    ),
    (
        "duplicate_kpi_id",
        "uniqueItems compares whole items, not one key of each",
    ),
    (
        "gate_on_unknown_kpi",
        "a value must be an id defined elsewhere in the document",
    ),
    (
        "last_band_with_min_score",
        "no keyword addresses the last item of an array of any length",
    ),
    ("script_eval", "the rule is about bonus.rhai, another file"),
    (
        "script_import",
        "the rule is about bonus.rhai, another file",
    ),
    (
        "script_integer_division",
        "the rule is about bonus.rhai, another file",
    ),
    ("script_not_found", "whether the named file exists"),
    (
        "script_reads_kpi_not_weighed",
        "the rule is about bonus.rhai, another file, against each role's weights",
    ),
    (
        "script_reads_review_unguarded",
        "the rule is about bonus.rhai, another file",
    ),
    (
        "script_syntax_error",
        "the rule is about bonus.rhai, another file",
    ),
    (
        "script_unknown_variable",
        "the rule is about bonus.rhai, another file",
    ),
    (
        "tiers_breakpoints_decrease",
        "compares a step's to with its from",
    ),
    (
        "tiers_gap",
        "compares a step's from with the step before's to",
    ),
    (
        "tiers_last_not_open",
        "no keyword addresses the last item of an array of any length",
    ),
    (
        "tiers_overlap",
        "compares a step's from with the step before's to",
    ),
    (
        "undefined_scoring",
        "a value must be a key defined elsewhere in the document",
    ),
    (
        "unquoted_long_number",
        "the schema sees the number YAML parsed, not the digits written",
    ),
    (
        "weight_for_unknown_kpi",
        "a key must be an id defined elsewhere in the document",
    ),
    ("weights_not_100", "a sum of values"),
];

/// The schema's first error on `policy.yaml` (`None`: valid), as
/// `path: message`; YAML that does not parse is an error too (an editor
/// shows it red).
fn schema_error(validator: &jsonschema::Validator, text: &str) -> Option<String> {
    let yaml = match serde_yaml::from_str::<serde_yaml::Value>(text) {
        Ok(y) => y,
        Err(e) => return Some(format!("not YAML: {e}")),
    };
    let doc = serde_json::to_value(yaml).expect("YAML maps to JSON");
    let e = validator.iter_errors(&doc).next()?;
    let (path, message) = innermost(e.to_owned());
    Some(format!("{path}: {message}"))
}

/// Inside an `anyOf`/`oneOf` that failed (such as an optional section, `X`
/// or null), the error of the branch that got furthest: the deepest path,
/// and not "is not of type null". As (path, message).
fn innermost(e: jsonschema::ValidationError<'static>) -> (String, String) {
    use jsonschema::error::ValidationErrorKind as K;
    let here = (e.instance_path.to_string(), e.to_string());
    let context = match e.kind {
        K::AnyOf { context } | K::OneOfNotValid { context } => context,
        _ => return here,
    };
    let is_type = |x: &jsonschema::ValidationError| matches!(x.kind, K::Type { .. });
    let deepest = context
        .into_iter()
        .flatten()
        .max_by_key(|x| (x.instance_path.as_str().len(), !is_type(x)));
    match deepest {
        Some(d) if !is_type(&d) => innermost(d),
        _ => here,
    }
}

#[test]
fn the_schema_rejects_every_bad_policy_check_rejects_but_cross_file_rules() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/policy.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let corpus = root().join("tests/bad_policies");
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("policy.yaml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 40, "only {} bad policies", names.len());
    let (mut differences, mut verdicts) = (Vec::new(), String::new());
    for name in &names {
        let dir = corpus.join(name);
        let o = merit(&["check", "--policy", dir.to_str().unwrap()]);
        let check_rejects = o.status.code() == Some(1);
        let text = std::fs::read_to_string(dir.join("policy.yaml")).unwrap();
        let error = schema_error(&validator, &text);
        let schema_rejects = error.is_some();
        let verdict = error.unwrap_or_else(|| "accepted".into());
        verdicts += &format!("{name}: {verdict}\n");
        if check_rejects != schema_rejects {
            differences.push(format!(
                "{name}: check {}, schema {}",
                if check_rejects { "rejects" } else { "accepts" },
                if schema_rejects { "rejects" } else { "accepts" }
            ));
        }
    }
    let allowed: Vec<String> = SCHEMA_CANNOT_SAY
        .iter()
        .map(|(n, _)| format!("{n}: check rejects, schema accepts"))
        .collect();
    assert_eq!(differences, allowed);
    // Why the schema rejects each: the rule check names, not a stray one.
    insta::assert_snapshot!("schema_verdicts", verdicts);
}

/// Every policy folder of the repository (examples, templates, test plans,
/// the benchmark's), but the bad corpus.
fn good_policies() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for parent in ["policies", "tests/plans", "src/cli/new", "bench"] {
        let Ok(entries) = std::fs::read_dir(root().join(parent)) else {
            continue;
        };
        for e in entries {
            let dir = e.unwrap().path();
            if dir.join("policy.yaml").is_file() {
                out.push(dir);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_schema_accepts_every_policy_check_accepts() {
    // The other way round: a tightened schema must not show a valid
    // policy red.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/policy.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dirs = good_policies();
    assert!(dirs.len() >= 25, "{dirs:?}");
    let mut accepted = 0;
    for dir in &dirs {
        let o = merit(&["check", "--policy", dir.to_str().unwrap()]);
        if o.status.code() != Some(0) {
            continue;
        }
        accepted += 1;
        let text = std::fs::read_to_string(dir.join("policy.yaml")).unwrap();
        let error = schema_error(&validator, &text);
        assert_eq!(error, None, "{}", dir.display());
    }
    assert!(accepted >= 25, "only {accepted} policies pass check");
}
