//! `merit test`: `expect.spans`, the spans of an employee whose terms
//! changed inside the period (docs/policy.md, Mid-period changes).

use super::test::{check_number, text, Mismatch};
use crate::decimal::parse_decimal;
use crate::engine::EmployeeResult;
use crate::exact::Exact;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct SpanExpect {
    from: Option<String>,
    to: Option<String>,
    role: Option<String>,
    department: Option<String>,
    target_bonus: Option<serde_yaml::Value>,
    score: Option<serde_yaml::Value>,
    rating: Option<String>,
    /// The factor as a decimal, compared exactly with N ÷ D.
    proration: Option<serde_yaml::Value>,
    /// The unrounded amount, compared exactly.
    exact: Option<serde_yaml::Value>,
    bonus: Option<serde_yaml::Value>,
}

/// Each expected span against the computed ones, in date order.
pub(super) fn compare(
    emp: &str,
    exp: &Option<Vec<SpanExpect>>,
    r: &EmployeeResult,
    out: &mut Vec<Mismatch>,
) {
    let Some(exp) = exp else { return };
    if exp.len() != r.spans.len() {
        out.push(Mismatch(
            format!("{emp} spans"),
            format!("{} spans", exp.len()),
            format!("{} spans", r.spans.len()),
        ));
        return;
    }
    for (n, (e, s)) in exp.iter().zip(&r.spans).enumerate() {
        let at = |what: &str| format!("{emp} span {} {what}", n + 1);
        let texts = [
            ("from", &e.from, s.from.to_string()),
            ("to", &e.to, s.to.to_string()),
            ("role", &e.role, s.role.clone()),
            ("department", &e.department, s.department.clone()),
            ("rating", &e.rating, s.band.clone()),
        ];
        for (what, e, a) in texts {
            if let Some(e) = e.as_ref().filter(|e| **e != a) {
                out.push(Mismatch(at(what), e.clone(), a));
            }
        }
        check_number(out, at("target_bonus"), &e.target_bonus, s.target_bonus);
        check_number(out, at("score"), &e.score, s.score);
        check_number(out, at("bonus"), &e.bonus, s.bonus);
        let (num, den) = s.proration;
        let factor = Exact::from(num) / Exact::from(den);
        exact(out, at("proration"), &e.proration, &factor);
        exact(out, at("exact"), &e.exact, &s.exact);
    }
}

/// An expected decimal against an exact value.
fn exact(out: &mut Vec<Mismatch>, label: String, e: &Option<serde_yaml::Value>, a: &Exact) {
    let Some(e) = e else { return };
    if parse_decimal(&text(e)).map(Exact::from).as_ref() != Ok(a) {
        out.push(Mismatch(label, text(e), a.to_string()));
    }
}
