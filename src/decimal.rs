//! Exact decimals: parsing from text, policy rounding, fixed-place output.
//!
//! Every number that reaches a payout is a `rust_decimal::Decimal`. Rounding
//! happens only where the policy documentation says so, through [`Rounding`].

use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Parses decimal text as written in data files: optional sign, digits,
/// optional fraction. Rejects exponents, NaN, infinities and blanks with a
/// reason fit for an error message.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty value where a number is required".into());
    }
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let ok = !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && digits.bytes().filter(|&c| c == b'.').count() <= 1
        && digits.bytes().any(|c| c.is_ascii_digit());
    if !ok {
        let lower = t.to_ascii_lowercase();
        if matches!(
            lower.trim_start_matches(['+', '-']),
            "nan" | "inf" | "infinity"
        ) {
            return Err(format!("'{t}' is not a finite number"));
        }
        return Err(format!("cannot parse '{t}' as a decimal number"));
    }
    Decimal::from_str(t).map_err(|e| format!("cannot parse '{t}' as a decimal number: {e}"))
}

/// A decimal in a policy file. Written quoted (`"0.05"`) or as a plain YAML
/// number; plain numbers pass through f64 in the YAML parser, so they are
/// accepted only when they have at most 15 significant digits (which f64
/// carries exactly) and rejected otherwise with a hint to quote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dec(pub Decimal);

impl From<Decimal> for Dec {
    fn from(d: Decimal) -> Self {
        Dec(d)
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.normalize().to_string())
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number (e.g. \"0.05\" or 100)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec, E> {
                Ok(Dec(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
                Ok(Dec(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dec, E> {
                // Rust prints the shortest text that round-trips; with 15 or
                // fewer significant digits that text is what the author wrote.
                let text = format!("{v}");
                let significant = text.trim_start_matches(['-', '0', '.']).replace('.', "");
                let significant = significant.trim_end_matches('0');
                if !v.is_finite() || significant.len() > 15 || text.contains('e') {
                    return Err(E::custom(format!(
                        "the number (read as {v}) has more digits than YAML can carry exactly; write it in quotes so every digit is kept"
                    )));
                }
                parse_decimal(&text).map(Dec).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dec, E> {
                parse_decimal(v).map(Dec).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Dec {
    fn schema_name() -> Cow<'static, str> {
        "Decimal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An exact decimal: a quoted string such as \"0.05\" (preferred) or a plain number with at most 15 significant digits.",
            "anyOf": [
                { "type": "string", "pattern": "^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)$" },
                { "type": "number" }
            ]
        })
    }
}

/// How a value is rounded at a documented rounding point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 2.345 → 2.35, -2.345 → -2.35 (away from zero at the half).
    #[default]
    HalfUp,
    /// Banker's rounding: 2.345 → 2.34, 2.355 → 2.36.
    HalfEven,
    /// Toward zero (truncate).
    Down,
    /// Away from zero.
    Up,
}

impl RoundingMode {
    pub fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
        }
    }
}

/// Rounds to `places` and pads to exactly `places` digits (e.g. `10` → `10.00`).
pub fn round_fixed(d: Decimal, places: u32, mode: RoundingMode) -> Decimal {
    let mut r = d.round_dp_with_strategy(places, mode.strategy());
    r.rescale(places);
    r
}

/// Text of a decimal without trailing zeros (`1.50` → `1.5`).
pub fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Appends `d` exactly as its `Display` writes it (`-0.50`, `0.05`, `12`),
/// without the formatting machinery: outputs write tens of millions.
pub fn push_decimal(buf: &mut String, d: Decimal) {
    const PAIRS: &[u8; 200] = b"00010203040506070809101112131415161718192021222324\
        25262728293031323334353637383940414243444546474849\
        50515253545556575859606162636465666768697071727374\
        75767778798081828384858687888990919293949596979899";
    let scale = d.scale() as usize;
    // The digits from the right into one stack buffer (at most 29, zero
    // padded to one more than the scale), then point and sign.
    let mut out = [0u8; 40];
    let mut at = out.len();
    let a = d.mantissa().unsigned_abs();
    if let Ok(mut a) = u64::try_from(a) {
        // Two digits a division: most numbers written fit 64 bits.
        while a >= 100 {
            let pair = (a % 100) as usize * 2;
            a /= 100;
            at -= 2;
            out[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        while a > 0 {
            at -= 1;
            out[at] = b'0' + (a % 10) as u8;
            a /= 10;
        }
    } else {
        let mut a = a;
        while a > 0 {
            at -= 1;
            out[at] = b'0' + (a % 10) as u8;
            a /= 10;
        }
    }
    let end = out.len();
    while end - at <= scale {
        at -= 1;
        out[at] = b'0';
    }
    if scale > 0 {
        // The integer digits one place left, for the point.
        let point = end - scale;
        out.copy_within(at..point, at - 1);
        at -= 1;
        out[point - 1] = b'.';
    }
    if d.is_sign_negative() {
        at -= 1;
        out[at] = b'-';
    }
    buf.push_str(std::str::from_utf8(&out[at..]).expect("ascii digits"));
}

/// Appends [`plain`] text of `d`: its digits without trailing fraction zeros.
pub fn push_plain(buf: &mut String, d: Decimal) {
    if d.is_zero() {
        // normalize() also drops the sign of a negative zero
        buf.push('0');
        return;
    }
    let start = buf.len();
    push_decimal(buf, d);
    if d.scale() > 0 {
        let trimmed = buf[start..]
            .trim_end_matches('0')
            .trim_end_matches('.')
            .len();
        buf.truncate(start + trimmed);
    }
}

/// Rounding points. Money is rounded once, after cap and proration; ratios
/// and scores are rounded where they are computed, so the statement shows
/// exactly the numbers that were used.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rounding {
    /// Decimal places of money amounts.
    #[serde(default = "default_money_places")]
    pub money_places: u32,
    /// Decimal places of KPI actuals that are means or ratios (sums, last,
    /// max and min of data values are exact already).
    #[serde(default = "default_actual_places")]
    pub actual_places: u32,
    /// Decimal places of achievements (actual ÷ target).
    #[serde(default = "default_achievement_places")]
    pub achievement_places: u32,
    /// Decimal places of KPI scores and of the final score.
    #[serde(default = "default_score_places")]
    pub score_places: u32,
    /// Rounding mode used at every rounding point.
    #[serde(default)]
    pub mode: RoundingMode,
}

fn default_money_places() -> u32 {
    2
}
fn default_actual_places() -> u32 {
    6
}
fn default_achievement_places() -> u32 {
    4
}
fn default_score_places() -> u32 {
    2
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding {
            money_places: default_money_places(),
            actual_places: default_actual_places(),
            achievement_places: default_achievement_places(),
            score_places: default_score_places(),
            mode: RoundingMode::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::*;

    mod rust_decimal_macros_free {
        pub fn d(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    #[test]
    fn parses_data_text_exactly() {
        assert_eq!(parse_decimal(" 12.50 ").unwrap(), d("12.5"));
        assert_eq!(parse_decimal("-0.1").unwrap(), d("-0.1"));
        for bad in [
            "",
            "NaN",
            "inf",
            "-Infinity",
            "1e3",
            "1,000",
            "abc",
            ".",
            "1.2.3",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rounding_modes_and_fixed_places() {
        assert_eq!(
            round_fixed(d("2.345"), 2, RoundingMode::HalfUp).to_string(),
            "2.35"
        );
        assert_eq!(
            round_fixed(d("2.345"), 2, RoundingMode::HalfEven).to_string(),
            "2.34"
        );
        assert_eq!(
            round_fixed(d("2.349"), 2, RoundingMode::Down).to_string(),
            "2.34"
        );
        assert_eq!(
            round_fixed(d("2.341"), 2, RoundingMode::Up).to_string(),
            "2.35"
        );
        assert_eq!(
            round_fixed(d("10"), 2, RoundingMode::HalfUp).to_string(),
            "10.00"
        );
    }

    #[test]
    fn fast_text_is_display_text() {
        let mut r = crate::gen::rng::Rng::stream(1, 2, 3);
        let mut cases: Vec<Decimal> = [
            "0",
            "-0",
            "0.00",
            "-0.50",
            "0.05",
            "12",
            "-12.340",
            "79228162514264337593543950335",
            "-0.0000000000000000000000000001",
        ]
        .iter()
        .map(|s| d(s))
        .collect();
        for _ in 0..20_000 {
            let hi = if r.chance(100) {
                r.next_u64() as u32
            } else {
                0
            };
            let v = Decimal::from_parts(
                r.next_u64() as u32,
                (r.next_u64() >> r.below(64)) as u32,
                hi,
                r.chance(500),
                r.below(29) as u32,
            );
            cases.push(v);
        }
        for v in cases {
            let mut fast = String::new();
            push_decimal(&mut fast, v);
            assert_eq!(fast, v.to_string(), "{v:?}");
            let mut fast = String::new();
            push_plain(&mut fast, v);
            assert_eq!(fast, plain(v), "{v:?}");
        }
    }

    #[test]
    fn yaml_numbers_are_exact_or_refused() {
        let v: Vec<Dec> = serde_yaml::from_str("[0.1, \"0.2\", 100, 2.675]").unwrap();
        assert_eq!(
            v.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            ["0.1", "0.2", "100", "2.675"]
        );
        let e = serde_yaml::from_str::<Vec<Dec>>("[12345678901234567.89]").unwrap_err();
        assert!(
            e.to_string()
                .contains("write it in quotes so every digit is kept"),
            "{e}"
        );
    }
}
