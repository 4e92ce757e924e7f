//! Numbers and text as people read them in statements and the report:
//! grouped digits, percentages, values in their KPI's unit, HTML escaping.
//! Display rounding uses the policy's mode; the exact values are in the CSVs.

use crate::decimal::{push_decimal, push_plain, round_fixed, RoundingMode};
use crate::policy::{Direction, Language, LoadedPolicy};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// `1234567.891` at 2 places → `1,234,567.89`.
pub fn grouped(d: Decimal, places: u32, mode: RoundingMode) -> String {
    // push_decimal: Display's text without the formatting machinery (a
    // statement writes about a hundred numbers).
    let mut text = String::with_capacity(40);
    push_decimal(&mut text, round_fixed(d, places, mode));
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A fraction as a percentage with two places: `1.0425` → `104.25%`.
pub fn percent(fraction: Decimal, mode: RoundingMode) -> String {
    format!("{}%", grouped(fraction * Decimal::ONE_HUNDRED, 2, mode))
}

/// A number without trailing zeros, rounded to at most `places`.
pub fn trimmed(d: Decimal, places: u32, mode: RoundingMode) -> String {
    let mut text = String::with_capacity(32);
    push_plain(&mut text, d.round_dp_with_strategy(places, mode.strategy()));
    text
}

fn is_ratio(unit: &str) -> bool {
    matches!(unit, "ratio" | "rate")
}

/// A KPI value in its unit: ratios as percentages, money in the policy's
/// places, counts grouped (two places when not whole).
pub fn value(d: Decimal, unit: &str, lp: &LoadedPolicy) -> String {
    let r = &lp.policy.rounding;
    if is_ratio(unit) {
        percent(d, r.mode)
    } else if unit == lp.policy.currency {
        grouped(d, r.money_places, r.mode)
    } else if d.fract().is_zero() {
        grouped(d, 0, r.mode)
    } else {
        grouped(d, 2, r.mode)
    }
}

/// How far an actual is from its target in the better direction (positive
/// when the target is not reached), in the KPI's unit; ratios in
/// percentage points.
pub fn gap(
    actual: Decimal,
    target: Decimal,
    direction: Direction,
    unit: &str,
    lang: Language,
    lp: &LoadedPolicy,
) -> String {
    let g = match direction {
        Direction::Higher => target - actual,
        Direction::Lower => actual - target,
    };
    if is_ratio(unit) {
        let pp = grouped(g * Decimal::ONE_HUNDRED, 2, lp.policy.rounding.mode);
        match lang {
            Language::ZhCn => format!("{pp} 个百分点"),
            Language::En => format!("{pp} pp"),
        }
    } else {
        value(g, unit, lp)
    }
}

/// Money in the policy's places, grouped.
pub fn money(d: Decimal, lp: &LoadedPolicy) -> String {
    grouped(d, lp.policy.rounding.money_places, lp.policy.rounding.mode)
}

/// Money as people read it in `lang`: yuan as `¥12,345.67` in Chinese,
/// otherwise the ISO code first (`CNY 12,345.67`, `USD 1,000.00`), the
/// minus sign before either.
pub fn money_in(d: Decimal, lp: &LoadedPolicy, lang: Language) -> String {
    with_currency(&money(d, lp), &lp.policy.currency, lang)
}

/// A formatted amount with its currency, as [`money_in`] writes it.
fn with_currency(amount: &str, currency: &str, lang: Language) -> String {
    let (sign, digits) = match amount.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", amount),
    };
    match (lang, currency) {
        (Language::ZhCn, "CNY") => format!("{sign}¥{digits}"),
        (_, code) => format!("{sign}{code} {digits}"),
    }
}

/// The currency in a column heading: `元` for yuan in Chinese, else the code.
pub fn currency_label(currency: &str, lang: Language) -> String {
    match (lang, currency) {
        (Language::ZhCn, "CNY") => "元".to_owned(),
        (_, code) => code.to_owned(),
    }
}

/// A date as written in running text: `2026年10月15日`, `15 October 2026`.
pub fn date_in(d: chrono::NaiveDate, lang: Language) -> String {
    use chrono::Datelike;
    match lang {
        Language::ZhCn => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Language::En => d.format("%-d %B %Y").to_string(),
    }
}

/// A department's name in `lang` from the `departments` table (`name_en`
/// in English when given, else `name`); the id without a table or row.
pub fn department_name(data: &crate::data::Data, id: &str, lang: Language) -> String {
    data.departments.get(id).map_or_else(
        || id.to_owned(),
        |d| match (lang, &d.name_en) {
            (Language::En, Some(en)) => en.clone(),
            _ => d.name.clone(),
        },
    )
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> Cow<'_, str> {
    if !s.contains(['<', '>', '&', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes text for Markdown: a backslash before every character that
/// Markdown or inline HTML would interpret.
pub fn md_escape(s: &str) -> Cow<'_, str> {
    // A match, not a list search: this runs on every byte of every value
    // a Markdown statement prints. Every special character is ASCII.
    let special = |c: u8| {
        matches!(
            c,
            b'\\'
                | b'`'
                | b'*'
                | b'_'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'|'
                | b'#'
                | b'~'
                | b'!'
                | b'&'
        )
    };
    // Most values have none of them.
    if !s.bytes().any(|b| b == b'\n' || special(b)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\n' || c == '\r' {
            out.push(' ');
            continue;
        }
        if c.is_ascii() && special(c as u8) {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn groups_digits_and_rounds_in_the_policy_mode() {
        let m = RoundingMode::HalfUp;
        assert_eq!(grouped(d("1234567.891"), 2, m), "1,234,567.89");
        assert_eq!(grouped(d("-1234.5"), 2, m), "-1,234.50");
        assert_eq!(grouped(d("999"), 0, m), "999");
        assert_eq!(grouped(d("100000"), 0, m), "100,000");
        assert_eq!(grouped(d("0.005"), 2, m), "0.01");
        assert_eq!(
            grouped(d("0.005"), 2, RoundingMode::HalfEven),
            "0.00",
            "banker's rounding"
        );
        assert_eq!(percent(d("1.04255"), m), "104.26%");
        assert_eq!(trimmed(d("37.500"), 2, m), "37.5");
    }

    #[test]
    fn money_and_dates_read_as_each_language_writes_them() {
        use chrono::NaiveDate;
        let day = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
        assert_eq!(date_in(day, Language::ZhCn), "2026年10月5日");
        assert_eq!(date_in(day, Language::En), "5 October 2026");
        assert_eq!(currency_label("CNY", Language::ZhCn), "元");
        assert_eq!(currency_label("CNY", Language::En), "CNY");
        assert_eq!(currency_label("USD", Language::ZhCn), "USD");
        assert_eq!(
            with_currency("12,345.67", "CNY", Language::ZhCn),
            "¥12,345.67"
        );
        assert_eq!(
            with_currency("12,345.67", "CNY", Language::En),
            "CNY 12,345.67"
        );
        assert_eq!(with_currency("-0.50", "CNY", Language::ZhCn), "-¥0.50");
        assert_eq!(with_currency("-0.50", "USD", Language::ZhCn), "-USD 0.50");
    }

    #[test]
    fn escapes_html_and_markdown() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("刘磊平"), "刘磊平");
        assert_eq!(md_escape("a|b <i>*x*</i>"), "a\\|b \\<i\\>\\*x\\*\\</i\\>");
        assert_eq!(md_escape("line\nbreak"), "line break");
    }
}
