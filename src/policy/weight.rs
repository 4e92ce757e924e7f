//! A role's weight of a KPI: a percent written as a decimal (`30`, `"12.5"`)
//! or as a fraction (`"100/3"`), kept exact so three equal weights sum to
//! exactly 100 and pay exactly (docs/policy.md, Roles and weights).

use crate::decimal::{parse_decimal, Dec};
use crate::exact::{Exact, Num};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::de::IntoDeserializer;
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;

/// A percent weight, exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    /// A decimal, or an exact fraction when it has no finite decimal form.
    pub value: Num,
    /// As written (`100/3`), for the trace and messages.
    pub text: String,
}

impl Weight {
    pub fn is_zero(&self) -> bool {
        self.value.exact().is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.value.exact().is_negative()
    }

    /// `N/D` with decimal `N` and `D`, or a decimal.
    pub fn parse(text: &str) -> Result<Weight, String> {
        let value = match text.split_once('/') {
            Some((n, d)) => {
                let (n, d) = (parse_decimal(n)?, parse_decimal(d)?);
                let x = Exact::ratio(n, d).ok_or("a weight's denominator must not be 0")?;
                Num::Exact(x).simplified()
            }
            None => Num::Dec(parse_decimal(text)?),
        };
        Ok(Weight {
            value,
            text: text.trim().to_owned(),
        })
    }
}

impl From<Decimal> for Weight {
    fn from(d: Decimal) -> Self {
        Weight {
            value: Num::Dec(d),
            text: d.normalize().to_string(),
        }
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Weight;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percent weight: a decimal (30, \"12.5\") or a fraction (\"100/3\")")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Weight, E> {
                Ok(Weight::from(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Weight, E> {
                Ok(Weight::from(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Weight, E> {
                // The same 15-digit rule as every other plain number.
                Dec::deserialize(v.into_deserializer()).map(|d| Weight::from(d.0))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Weight, E> {
                Weight::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Weight {
    fn schema_name() -> Cow<'static, str> {
        "Weight".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A percent weight: a decimal (30, \"12.5\") or an exact fraction in quotes (\"100/3\").",
            "anyOf": [
                { "type": "string", "pattern": "^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)\\s*(/\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)\\s*)?$" },
                { "type": "number" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_exact_and_decimals_stay_decimals() -> Result<(), String> {
        let third = Weight::parse("100/3")?;
        assert!(matches!(third.value, Num::Exact(_)));
        let sum = third.value.exact() + third.value.exact() + third.value.exact();
        assert_eq!(sum, Exact::from(100));
        assert_eq!(Weight::parse("50/2")?.value, Num::Dec(Decimal::from(25)));
        assert_eq!(Weight::parse("12.5")?.value, Num::Dec(Decimal::new(125, 1)));
        assert!(Weight::parse("1/0").is_err());
        assert!(Weight::parse("a/3").is_err());
        Ok(())
    }
}
