//! Tests of `lint.rs`, on the platform-ops example policy.

use super::*;
use crate::script::ScriptEngine;
use std::path::Path;

fn findings(when: &str) -> Vec<String> {
    let text = std::fs::read_to_string("policies/platform-ops/policy.yaml").unwrap();
    let policy: Policy = serde_yaml::from_str(&text).unwrap();
    let engine = ScriptEngine::new(&policy.rounding);
    let scope = super::super::feedback::compile_scope(&policy);
    let s = engine.compile(Path::new("p"), when, &scope).unwrap();
    Names::condition(&policy)
        .check(&s.ast, true)
        .into_iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f.pos.line().unwrap(),
                f.pos.position().unwrap(),
                f.message
            )
        })
        .collect()
}

#[test]
fn number_compared_with_text() {
    assert_eq!(
        findings("score < \"90\""),
        ["1:7 compares a number with text: Rhai answers false for values of different types, whatever they are"]
    );
    assert_eq!(
        findings("rating == 5"),
        ["1:8 compares text with a number: Rhai answers false for values of different types, whatever they are"]
    );
    assert!(findings("score >= 105 && employee.days_employed > 10").is_empty());
}

#[test]
fn assignments_and_unknown_names() {
    assert_eq!(
        findings("rating = \"S\""),
        ["1:1 a condition cannot change 'rating'; to compare, write '=='"]
    );
    assert_eq!(
        findings("rating == \"SS\" || employee.role == \"lead\""),
        [
            "1:11 there is no rating band 'SS' (did you mean 'S'?); there are: S, A, B, C, D",
            "1:36 there is no role 'lead'; there are: commerce, content, team_lead, user_growth",
        ]
    );
    assert_eq!(
        findings("employee.rol == \"x\""),
        ["1:10 employee has no 'rol' (did you mean 'role'?); it has: id, name, department, role, base_salary, target_bonus_pct, target_bonus, hire_date, termination_date, days_employed, tenure_months"]
    );
    assert_eq!(
        findings("\"dau\" in kpi && kpi.dau.achievment > 1"),
        ["1:25 a KPI has no 'achievment' (did you mean 'achievement'?); it has: actual, target, achievement, score, weight, contribution"]
    );
    assert_eq!(
        findings("payout.totl > 0 && period.month == 3"),
        [
            "1:8 payout has no 'totl' (did you mean 'total'?); it has: bonus, project_bonus, commission, total",
            "1:27 period has no 'month' (did you mean 'months'?); it has: label, kind, months, days, start, end",
        ]
    );
}

/// (warning?, message) of each finding.
fn severities(when: &str) -> Vec<(bool, String)> {
    let text = std::fs::read_to_string("policies/platform-ops/policy.yaml").unwrap();
    let policy: Policy = serde_yaml::from_str(&text).unwrap();
    let engine = ScriptEngine::new(&policy.rounding);
    let scope = super::super::feedback::compile_scope(&policy);
    let s = engine.compile(Path::new("p"), when, &scope).unwrap();
    let f = Names::condition(&policy).check(&s.ast, true);
    f.into_iter().map(|f| (f.warning, f.message)).collect()
}

#[test]
fn a_guard_this_check_cannot_follow_makes_a_warning_not_an_error() {
    let kept = "let has = \"gmv\" in kpi;\nif has { kpi.gmv.score > 100 } else { false }";
    let f = severities(kept);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].0, "{f:?}");
    let switch = "switch employee.role { \"commerce\" => kpi.gmv.score > 100, _ => false }";
    assert!(
        severities(switch).iter().all(|(w, _)| *w),
        "{:?}",
        severities(switch)
    );
    let review = "let rated = type_of(review) == \"map\";\nrated && review.rating >= 4";
    assert!(severities(review).iter().all(|(w, _)| *w));
    // Nothing anywhere tests gmv or the role: an error.
    assert!(!severities("kpi.gmv.score > 100")[0].0);
}

#[test]
fn reads_some_role_lacks_need_a_guard() {
    // gmv is weighed by commerce and team_lead only; dau by every role.
    assert_eq!(
        findings("kpi.gmv.score > 100"),
        ["1:5 roles 'content' and 'user_growth' do not weigh 'gmv', so their employees have no kpi.gmv; guard the read: \"gmv\" in kpi && …"]
    );
    assert!(findings("kpi.dau.score > 100").is_empty());
    assert!(findings("\"gmv\" in kpi && kpi.gmv.score > 100").is_empty());
    assert!(findings("if \"gmv\" in kpi { kpi.gmv.score > 100 } else { false }").is_empty());
    // The guard must come first: `&&` stops at the first false.
    assert_eq!(findings("kpi.gmv.score > 100 && \"gmv\" in kpi").len(), 1);
    // Ratings may be missing (missing: renormalize), so review may be ().
    assert_eq!(
        findings("review.rating >= 4"),
        ["1:8 an employee without a rating has none (missing: renormalize), so review is () there; guard the read: type_of(review) == \"map\" && …"]
    );
    assert!(findings("type_of(review) == \"map\" && review.rating >= 4").is_empty());
}

/// Findings a review of this check reported, each fixed (session 9).
#[test]
fn valid_guards_and_names_are_not_refused() {
    // The role chosen with `in` or `contains` guards a KPI only some weigh.
    assert!(
        findings("employee.role in [\"commerce\", \"team_lead\"] && kpi.gmv.score > 100")
            .is_empty()
    );
    assert!(findings("[\"commerce\"].contains(employee.role) && kpi.gmv.score > 100").is_empty());
    // A function's parameter and a local variable are not the inputs.
    let script = "fn part(kpi) { kpi.score * kpi.weight / 100 }\nlet t = 0;\nfor k in kpi.values() { t += part(k); }\nt > 1";
    assert!(findings(script).is_empty(), "{:?}", findings(script));
    let shadow =
        "let rating = if type_of(review) == \"map\" { review.rating } else { 0 };\nrating >= 4";
    assert!(findings(shadow).is_empty(), "{:?}", findings(shadow));
}

#[test]
fn mistakes_the_first_version_let_through() {
    let unguarded = |f: &[String]| f.len() == 1 && f[0].contains("do not weigh 'gmv'");
    // The else branch, a guard after the read, a negative test: no guard.
    assert!(unguarded(&findings(
        "if \"gmv\" in kpi { false } else { kpi.gmv.score > 100 }"
    )));
    let after = severities("kpi.gmv.score > 100 && \"gmv\" in kpi");
    assert_eq!(after.len(), 1);
    assert!(!after[0].0, "an error, not a warning: {after:?}");
    let negative = findings("if type_of(review) == \"()\" { review.rating >= 4 } else { false }");
    assert_eq!(negative.len(), 1, "{negative:?}");
    assert!(findings("employee.inputs == ()")[0].contains("employee has no 'inputs'"));
    assert_eq!(
        findings("rating in [\"S\", \"Z\"]"),
        ["1:11 there is no rating band 'Z' (did you mean 'A'?); there are: S, A, B, C, D"]
    );
    assert_eq!(
        findings("kpi.contains(\"gmvv\")"),
        ["1:14 there is no KPI 'gmvv' (did you mean 'gmv'?)"]
    );
}
