//! Stage: KPI values — a KPI's actual for one subject from the aggregated
//! monthly metrics, by the KPI's aggregation rule.

use crate::data::metrics::Agg;
use crate::decimal::RoundingMode;
use crate::exact::div_round;
use crate::policy::Aggregate;
use rust_decimal::Decimal;

/// Why a KPI has no actual for a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// No rows of this metric in the period.
    NoRows(String),
    /// A ratio whose denominator sums to zero.
    ZeroDenominator(String),
    /// A mean or ratio too large for a decimal once rounded.
    TooLarge,
}

/// The actual of a KPI by its rule; `agg(metric)` gives the subject's
/// aggregate of a metric over the period, if it has rows. A mean or a ratio
/// is rounded once, from its exact value, to `places` in `mode`; sums,
/// `last`, `max` and `min` are data values, exact as they are.
pub fn actual(
    rule: &Aggregate,
    agg: impl Fn(&str) -> Option<Agg>,
    places: u32,
    mode: RoundingMode,
) -> Result<Decimal, Missing> {
    by_rule(rule, agg, |n, d| {
        div_round(n, d, places, mode)
            .map(|q| q.normalize())
            .ok_or(Missing::TooLarge)
    })
}

/// [`actual`] before its rounding, to 28 significant digits (for the trace).
pub fn raw_actual(rule: &Aggregate, agg: impl Fn(&str) -> Option<Agg>) -> Result<Decimal, Missing> {
    by_rule(rule, agg, |n, d| n.checked_div(d).ok_or(Missing::TooLarge))
}

fn by_rule(
    rule: &Aggregate,
    agg: impl Fn(&str) -> Option<Agg>,
    quotient: impl Fn(Decimal, Decimal) -> Result<Decimal, Missing>,
) -> Result<Decimal, Missing> {
    let get =
        |m: &str| -> Result<Agg, Missing> { agg(m).ok_or_else(|| Missing::NoRows(m.to_owned())) };
    Ok(match rule {
        Aggregate::Sum(m) => get(m)?.sum,
        // The mean of the months that have a row.
        Aggregate::Mean(m) => {
            let a = get(m)?;
            quotient(a.sum, Decimal::from(a.count))?
        }
        Aggregate::Last(m) => get(m)?.last,
        Aggregate::Max(m) => get(m)?.max,
        Aggregate::Min(m) => get(m)?.min,
        Aggregate::Ratio {
            numerator,
            denominator,
        } => {
            let (n, d) = (get(numerator)?.sum, get(denominator)?.sum);
            if d.is_zero() {
                return Err(Missing::ZeroDenominator(denominator.clone()));
            }
            quotient(n, d)?
        }
    })
}

/// Whether the subject has a row of every metric the rule reads in each of
/// the `months` months aggregated (a complete period, for history targets).
pub fn complete(rule: &Aggregate, agg: impl Fn(&str) -> Option<Agg>, months: u32) -> bool {
    rule.metrics()
        .into_iter()
        .all(|m| agg(m).is_some_and(|a| a.count == months))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn agg(sum: &str, count: u32) -> Agg {
        let d: Decimal = sum.parse().unwrap();
        Agg {
            sum: d,
            count,
            months: (1 << count) - 1,
            max: d,
            min: d,
            last: d,
        }
    }

    #[test]
    fn ratio_of_sums_is_not_mean_of_ratios() {
        // Month 1: 10 orders / 100 visitors (10%); month 2: 90 / 300 (30%).
        // Ratio of sums: 100 / 400 = 25%; the mean of monthly ratios would be 20%.
        let mut aggs: HashMap<(&str, &str), Agg> = HashMap::new();
        aggs.insert(("e1", "orders"), agg("100", 2));
        aggs.insert(("e1", "uv"), agg("400", 2));
        let get = |m: &str| aggs.get(&("e1", m)).cloned();
        let rule = Aggregate::Ratio {
            numerator: "orders".into(),
            denominator: "uv".into(),
        };
        assert_eq!(
            actual(&rule, get, 6, RoundingMode::HalfUp).unwrap(),
            "0.25".parse::<Decimal>().unwrap()
        );
        assert_eq!(
            actual(&Aggregate::Mean("uv".into()), get, 6, RoundingMode::HalfUp).unwrap(),
            Decimal::from(200)
        );
        assert_eq!(
            actual(&Aggregate::Sum("gmv".into()), get, 6, RoundingMode::HalfUp),
            Err(Missing::NoRows("gmv".into()))
        );
    }
}
