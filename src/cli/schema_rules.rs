//! The rules of `merit check` that JSON Schema can say, added to the schema
//! schemars derives from the policy types (which knows their shape, not
//! their ranges, patterns or one-key maps). Each rule names the check it
//! mirrors; `tests/schema_parity.rs` walks the bad-policy corpus through
//! both, so a rule dropped here, or a check added without one, shows.

use serde_json::{json, Value};

/// An identifier: lower-case letters, digits and `_` (validate.rs
/// `is_identifier`).
const IDENTIFIER: &str = "^[a-z_][a-z0-9_]*$";
/// A date as `effective` reads it (`%Y-%m-%d`; the calendar itself is
/// beyond a pattern).
const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// A written zero: `0`, `"0.00"`, `"-0"`.
const ZERO: &str = "^[+-]?(0+\\.?0*|\\.0+)$";

/// A decimal string above zero (a digit other than 0, no minus).
const POSITIVE: &str = "^\\+?([0-9]*[1-9][0-9]*\\.?[0-9]*|[0-9]*\\.[0-9]*[1-9][0-9]*)$";
/// A negative decimal or fraction string (a minus before a digit other than 0).
const NEGATIVE: &str = "-\\s*[0-9]*\\.?[0-9]*[1-9]";

/// A decimal above zero (`v <= 0` is the check's error).
fn positive() -> Value {
    json!({ "exclusiveMinimum": 0, "pattern": POSITIVE })
}

/// A decimal not below zero (`is_sign_negative`/`is_negative`).
fn not_negative() -> Value {
    json!({ "minimum": 0, "not": { "type": "string", "pattern": NEGATIVE } })
}

/// A name that is not blank (`trim().is_empty()`).
fn not_blank() -> Value {
    json!({ "pattern": "\\S" })
}

/// A map written with exactly one key (the `TryFrom` of each spec type).
fn one_key() -> Value {
    json!({ "minProperties": 1, "maxProperties": 1 })
}

/// A decimal written as zero (as a number or a string).
fn zero() -> Value {
    json!({ "anyOf": [{ "type": "number", "const": 0 }, { "type": "string", "pattern": ZERO }] })
}

/// (JSON pointer into the schema, keywords merged into the object there).
fn rules() -> Vec<(&'static str, Value)> {
    let mut rules = header();
    rules.extend(shapes());
    rules.extend(values());
    rules.extend(run_sections());
    rules
}

/// validate.rs header: a non-empty id, an ISO code, dates, ≤ 10 places.
fn header() -> Vec<(&'static str, Value)> {
    let places = [
        "money_places",
        "actual_places",
        "achievement_places",
        "score_places",
    ];
    let mut out = vec![
        ("/properties/id", json!({ "pattern": "\\S" })),
        ("/properties/currency", json!({ "pattern": "^[A-Z]{3}$" })),
        (
            "/$defs/Effective/properties/from",
            json!({ "pattern": DATE }),
        ),
        ("/$defs/Effective/properties/to", json!({ "pattern": DATE })),
    ];
    let at_most_10 = |p: &str| json!({ "properties": { p: { "maximum": 10 } } });
    out.extend(places.map(|p| ("/$defs/Rounding", at_most_10(p))));
    out
}

/// Ids, one-key maps, and keys that go together or exclude each other.
fn shapes() -> Vec<(&'static str, Value)> {
    vec![
        // validate.rs kpis: at least one; ids are identifiers.
        ("/properties/kpis", json!({ "minItems": 1 })),
        ("/$defs/Kpi/properties/id", json!({ "pattern": IDENTIFIER })),
        (
            "/$defs/Commission/properties/id",
            json!({ "pattern": IDENTIFIER }),
        ),
        (
            "/$defs/RecognitionRule/properties/id",
            json!({ "pattern": IDENTIFIER }),
        ),
        (
            "/$defs/SuggestedAction/properties/id",
            json!({ "pattern": IDENTIFIER }),
        ),
        // check_plan.rs inputs: an identifier starting with a letter.
        (
            "/properties/inputs",
            json!({ "propertyNames": { "pattern": "^[a-z][a-z0-9_]*$" } }),
        ),
        // state.rs: a month; more than 0 and at most 100 percent.
        (
            "/$defs/PlanYear/properties/start_month",
            json!({ "minimum": 1, "maximum": 12 }),
        ),
        ("/properties/recovery_percent", recovery_percent()),
        // The one-key maps: "takes exactly one of …".
        ("/$defs/Aggregate", one_key()),
        ("/$defs/Scoring", one_key()),
        ("/$defs/TargetMap", one_key()),
        ("/$defs/Quota", one_key()),
        ("/$defs/DrawAmount", one_key()),
        ("/$defs/CommissionBase", one_key()),
        ("/$defs/Modifier", one_key()),
        // curve.rs: a point takes exactly one of `achievement` and `actual`.
        (
            "/$defs/Point",
            json!({ "oneOf": [{ "required": ["achievement"] }, { "required": ["actual"] }] }),
        ),
        ("/$defs/Tiers", tiers()),
        // check_plan.rs: a commission's rate table has steps, from 0.
        ("/$defs/Rates/properties/steps", from_zero()),
        // validate.rs role_weights: `weights` or `weights_script`, not both.
        (
            "/$defs/Role",
            json!({
                "if": { "required": ["weights_script"] },
                "then": { "properties": { "weights": { "maxProperties": 0 } } }
            }),
        ),
        // validate.rs: a role that weighs the review needs a `review` section.
        ("", review_needed()),
    ]
}

/// Single values: names, counts and signs (validate.rs kpis, role_weights,
/// rating_bands, bonus, curve; check_plan.rs commissions; curve.rs points;
/// modifier.rs).
fn values() -> Vec<(&'static str, Value)> {
    let metric = json!({ "properties": {
        "sum": not_blank(), "mean": not_blank(), "last": not_blank(),
        "max": not_blank(), "min": not_blank()
    } });
    let review_weight = json!({
        "minimum": 0, "maximum": 100,
        "pattern": "^\\+?(0*[0-9]{0,2}(\\.[0-9]*)?|0*100(\\.0*)?)$"
    });
    let pay_percent = json!({
        "minimum": 0, "exclusiveMaximum": 100,
        "pattern": "^\\+?(0*[0-9]{1,2}(\\.[0-9]{0,4}0*)?|0*\\.[0-9]{1,4}0*)$"
    });
    let some_bound = json!({ "anyOf": [
        { "required": ["min_actual"] }, { "required": ["below_actual"] }, { "required": ["min_achievement"] }
    ] });
    let share = json!({ "exclusiveMinimum": 0, "maximum": 1, "pattern": "^\\+?(0*\\.[0-9]*[1-9][0-9]*|0*1(\\.0*)?)$" });
    vec![
        ("/$defs/Aggregate", metric),
        ("/$defs/RatioSpec/properties/numerator", not_blank()),
        ("/$defs/RatioSpec/properties/denominator", not_blank()),
        ("/$defs/TargetMap/properties/fixed", positive()),
        ("/$defs/TargetMap/properties/max", json!({ "minItems": 2 })),
        ("/$defs/TargetMap/properties/min", json!({ "minItems": 2 })),
        (
            "/$defs/HistoryTarget/properties/periods",
            json!({ "minimum": 1 }),
        ),
        ("/$defs/BenchmarkTarget/properties/factor", positive()),
        ("/$defs/Weight", not_negative()),
        ("/$defs/Role/properties/review_weight", review_weight),
        ("/properties/rating_bands", json!({ "minItems": 1 })),
        ("/$defs/Gate", some_bound),
        ("/$defs/Gate/properties/pay_percent", pay_percent),
        ("/$defs/BonusCap/properties/target_multiple", positive()),
        (
            "/$defs/Curve/properties/threshold",
            json!({ "properties": { "achievement": not_negative() } }),
        ),
        ("/$defs/Point/properties/achievement", not_negative()),
        ("/$defs/Points/properties/points", json!({ "minItems": 2 })),
        (
            "/$defs/KpiFactor/properties/points",
            json!({ "minItems": 2 }),
        ),
        ("/$defs/RateStep/properties/rate", not_negative()),
        ("/$defs/Quota/properties/fixed", positive()),
        ("/$defs/CommissionCap/properties/per_deal", not_negative()),
        ("/$defs/CommissionCap/properties/per_period", not_negative()),
        ("/$defs/Funding/properties/share", share),
        ("/$defs/Funding/properties/above", not_negative()),
        ("/$defs/Funding/properties/cap", not_negative()),
        (
            "/$defs/Evaluation/properties/year_from_quarters",
            json!({ "minItems": 4, "maxItems": 4 }),
        ),
    ]
}

/// Calibration, approvals and exports (validate.rs calibration, payrun.rs).
fn run_sections() -> Vec<(&'static str, Value)> {
    let percent = json!({
        "minimum": 0, "maximum": 100,
        "pattern": "^\\+?(0*[0-9]{0,2}(\\.[0-9]*)?|0*100(\\.0*)?)$"
    });
    let mut out = vec![
        (
            "/$defs/Calibration/properties/scope",
            json!({ "not": { "const": "individual" } }),
        ),
        (
            "/$defs/Calibration/properties/max_percent/additionalProperties",
            percent,
        ),
        // An approval role: lower-case letters, digits and _, each once.
        (
            "/properties/approvals",
            json!({ "uniqueItems": true, "items": { "pattern": "^[a-z0-9_]+$" } }),
        ),
        ("/$defs/PayrollColumn/properties/name", not_blank()),
        (
            "/$defs/JournalExport/properties/expense_account",
            not_blank(),
        ),
        (
            "/$defs/JournalExport/properties/liability_account",
            not_blank(),
        ),
    ];
    let code = |c: &str| json!({ "properties": { c: not_blank() } });
    let codes = ["bonus", "project_bonus", "adjustment", "commission"];
    out.extend(codes.map(|c| ("/$defs/PayCodes", code(c))));
    out
}

/// More than 0 and at most 100, as a number or a decimal string.
fn recovery_percent() -> Value {
    let pattern = "^\\+?(0*[1-9][0-9]?(\\.[0-9]*)?|0*100(\\.0*)?|0*\\.[0-9]*[1-9][0-9]*)$";
    json!({ "exclusiveMinimum": 0, "maximum": 100, "pattern": pattern })
}

/// validate.rs tiers: an explicit mode, steps from 0, and each step with
/// the key its mode reads (`score` or `rate`) and not the other.
fn tiers() -> Value {
    let each = |needs: &str, not: &str| {
        json!({ "properties": { "steps": { "items": {
            "required": [needs], "not": { "required": [not] }
        } } } })
    };
    let when =
        |mode: &str| json!({ "required": ["mode"], "properties": { "mode": { "const": mode } } });
    json!({
        "required": ["mode"],
        "properties": { "steps": from_zero() },
        "allOf": [
            { "if": when("marginal"), "then": each("rate", "score") },
            { "if": when("whole_amount"), "then": each("score", "rate") }
        ]
    })
}

/// Steps (curve.rs `step_bounds`): at least one, the first from 0.
fn from_zero() -> Value {
    json!({ "minItems": 1, "prefixItems": [{ "properties": { "from": zero() } }] })
}

/// If some role's `review_weight` is not zero, `review` is required.
fn review_needed() -> Value {
    let weighs_review = json!({ "required": ["review_weight"], "properties": { "review_weight": { "not": zero() } } });
    json!({
        "if": {
            "required": ["roles"],
            "properties": { "roles": { "not": { "additionalProperties": { "not": weighs_review } } } }
        },
        "then": { "required": ["review"] }
    })
}

/// Adds the rules to a schema; a pointer that names nothing is left out
/// (the unit test below keeps every pointer pointing somewhere).
pub fn tighten(schema: &mut Value) {
    for (pointer, keywords) in rules() {
        if let Some(at) = schema.pointer_mut(pointer) {
            merge(at, keywords);
        }
    }
}

/// Merges `add` into `at`: maps key by key, `required` lists joined, any
/// other value set (a range the type gave, such as `minimum: 0`, narrowed).
fn merge(at: &mut Value, add: Value) {
    match (at, add) {
        (Value::Object(at), Value::Object(add)) => {
            for (k, v) in add {
                match at.get_mut(&k) {
                    Some(old) if k == "required" || old.is_object() => merge(old, v),
                    _ => {
                        at.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(at), Value::Array(add)) => at.extend(
            add.into_iter()
                .filter(|v| !at.contains(v))
                .collect::<Vec<_>>(),
        ),
        (at, add) => *at = add,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived() -> Value {
        serde_json::to_value(schemars::schema_for!(crate::policy::Policy)).unwrap()
    }

    #[test]
    fn every_rule_points_into_the_derived_schema() {
        let schema = derived();
        for (pointer, _) in rules() {
            assert!(
                schema.pointer(pointer).is_some_and(Value::is_object),
                "{pointer}"
            );
        }
    }

    #[test]
    fn rules_add_to_the_derived_shape() {
        let mut schema = derived();
        tighten(&mut schema);
        let tiers = &schema["$defs"]["Tiers"];
        assert_eq!(tiers["required"], json!(["steps", "mode"]));
        assert_eq!(
            tiers["properties"]["steps"]["items"]["$ref"],
            "#/$defs/Tier"
        );
        assert_eq!(tiers["properties"]["steps"]["minItems"], 1);
        let month = &schema["$defs"]["PlanYear"]["properties"]["start_month"];
        assert_eq!(
            (&month["minimum"], &month["maximum"]),
            (&json!(1), &json!(12))
        );
    }
}
