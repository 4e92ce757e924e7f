//! Rhai's messages in the words of the person who wrote the policy: type
//! names as they read in docs/policy.md, and a hint for the common mistakes
//! (a misspelt function, a float or exponent literal, a KPI the role does
//! not weigh). Issue 17.

use rhai::EvalAltResult;

/// Functions a policy script is documented to have (docs/policy.md,
/// "Functions"), for did-you-mean.
const KNOWN: &[&str] = &[
    "min",
    "max",
    "abs",
    "floor",
    "ceiling",
    "round",
    "round_half_up",
    "round_money",
    "to_string",
    "to_int",
    "to_decimal",
    "len",
    "contains",
    "starts_with",
    "ends_with",
    "trim",
    "to_upper",
    "to_lower",
    "sub_string",
    "split",
    "index_of",
    "push",
    "pop",
    "insert",
    "remove",
    "sort",
    "reverse",
    "keys",
    "values",
    "is_empty",
    "sqrt",
    "range",
];

/// A Rhai type name as a person would say it.
fn plain_type(t: &str) -> &str {
    match t.trim() {
        "i64" | "INT" => "a whole number",
        "decimal" | "Decimal" | "rust_decimal::Decimal" => "a decimal",
        "string" | "ImmutableString" | "&str" | "String" => "text",
        "bool" => "true/false",
        "array" | "Array" => "a list",
        "map" | "Map" => "a map",
        "()" => "nothing (a missing value)",
        "char" => "a character",
        other => other,
    }
}

/// `roundd (i64, decimal)` → ("roundd", ["a whole number", "a decimal"]).
fn signature(sig: &str) -> (&str, Vec<&str>) {
    let (name, args) = sig.split_once(" (").unwrap_or((sig, ")"));
    let args = args.trim_end_matches(')');
    let args = if args.trim().is_empty() {
        Vec::new()
    } else {
        args.split(',').map(plain_type).collect()
    };
    (name.trim(), args)
}

/// The plain message for an evaluation error, when there is one to give.
pub fn eval_message(e: &EvalAltResult) -> Option<String> {
    match e {
        EvalAltResult::ErrorFunctionNotFound(sig, _) => {
            let (name, args) = signature(sig);
            let takes = match args.len() {
                0 => "no arguments".to_owned(),
                _ => args.join(", "),
            };
            let hint = if KNOWN.contains(&name) {
                format!(" ({name} exists, but not for these values: a whole number and a decimal mix freely, text does not)")
            } else {
                match crate::error::hint(name, KNOWN.iter().copied()) {
                    h if h.is_empty() => " (the functions are listed in docs/policy.md, \"Functions\")".to_owned(),
                    h => h,
                }
            };
            Some(format!("there is no function '{name}' taking {takes}{hint}"))
        }
        // Which map was read is not known here: say what each one holds.
        EvalAltResult::ErrorPropertyNotFound(p, _) => Some(format!(
            "'{p}' is not there: `kpi` holds only the KPIs the employee's role weighs (for a KPI, test first: `\"{p}\" in kpi && …`); `employee`, `review` and `period` have the keys listed in docs/policy.md (\"Conditions\")"
        )),
        EvalAltResult::ErrorDotExpr(s, _) if s.starts_with("Unknown property") => Some(format!(
            "{s} (a property of nothing: `review` when the role's review_weight is 0, or a KPI the role does not weigh?)"
        )),
        // "Division by zero: 1958.91 / 0": the operands are pay data.
        EvalAltResult::ErrorArithmetic(m, _) => Some(format!(
            "{} (the values are not shown: they are pay data)",
            m.split(':').next().unwrap_or(m).to_lowercase()
        )),
        EvalAltResult::ErrorMismatchOutputType(want, got, _) => Some(format!(
            "the script returned {} where {} was expected",
            plain_type(got),
            plain_type(want)
        )),
        _ => None,
    }
}

/// A hint for a parse error at `offset` (0-based column) of `line`.
pub fn parse_hint(line: &str, col: usize) -> Option<&'static str> {
    let before: String = line.chars().take(col.saturating_sub(1)).collect();
    let at: String = line.chars().skip(col.saturating_sub(1)).take(2).collect();
    let digit_before = before
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_digit() || c == '.');
    if digit_before && (at.starts_with('e') || at.starts_with('E')) {
        return Some("numbers in policy scripts are exact decimals without exponents: write 1500 or 0.015, not 1.5e3");
    }
    if digit_before && (at.starts_with('f') || at.starts_with('_')) {
        return Some("numbers in policy scripts are exact decimals: write 1.5, not 1.5f");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Position;

    #[test]
    fn a_misspelt_function_gets_plain_types_and_a_suggestion() {
        let e =
            EvalAltResult::ErrorFunctionNotFound("roundd (i64, decimal)".into(), Position::NONE);
        assert_eq!(
            eval_message(&e).unwrap(),
            "there is no function 'roundd' taking a whole number, a decimal (did you mean 'round'?)"
        );
        let e = EvalAltResult::ErrorFunctionNotFound("floor (string)".into(), Position::NONE);
        assert!(eval_message(&e)
            .unwrap()
            .contains("floor exists, but not for these values"));
        let e = EvalAltResult::ErrorFunctionNotFound("zzz ()".into(), Position::NONE);
        assert!(eval_message(&e).unwrap().starts_with(
            "there is no function 'zzz' taking no arguments (the functions are listed"
        ));
    }

    #[test]
    fn exponents_and_float_suffixes_get_a_hint() {
        assert!(parse_hint("let m = 1.5e3;", 12)
            .unwrap()
            .contains("not 1.5e3"));
        assert!(parse_hint("let m = 15;", 11).is_none());
    }
}
