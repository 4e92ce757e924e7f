//! Stage: KPI values — a KPI's actual for one subject from the aggregated
//! monthly metrics, by the KPI's aggregation rule.

use crate::data::metrics::{Agg, Aggs};
use crate::policy::Aggregate;
use rust_decimal::Decimal;

/// Why a KPI has no actual for a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// No rows of this metric in the period.
    NoRows(String),
    /// A ratio whose denominator sums to zero.
    ZeroDenominator(String),
}

pub fn actual(rule: &Aggregate, subject: &str, aggs: &Aggs) -> Result<Decimal, Missing> {
    let get = |m: &str| -> Result<&Agg, Missing> {
        aggs.get(&(subject.to_owned(), m.to_owned()))
            .ok_or_else(|| Missing::NoRows(m.to_owned()))
    };
    Ok(match rule {
        Aggregate::Sum(m) => get(m)?.sum,
        // The mean of the months that have a row; exact to 28 digits.
        Aggregate::Mean(m) => {
            let a = get(m)?;
            a.sum / Decimal::from(a.count)
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
            n / d
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(sum: &str, count: u32) -> Agg {
        let d: Decimal = sum.parse().unwrap();
        Agg {
            sum: d,
            count,
            max: d,
            min: d,
            last: d,
        }
    }

    #[test]
    fn ratio_of_sums_is_not_mean_of_ratios() {
        // Month 1: 10 orders / 100 visitors (10%); month 2: 90 / 300 (30%).
        // Ratio of sums: 100 / 400 = 25%; the mean of monthly ratios would be 20%.
        let mut aggs = Aggs::new();
        aggs.insert(("e1".into(), "orders".into()), agg("100", 2));
        aggs.insert(("e1".into(), "uv".into()), agg("400", 2));
        let rule = Aggregate::Ratio {
            numerator: "orders".into(),
            denominator: "uv".into(),
        };
        assert_eq!(
            actual(&rule, "e1", &aggs).unwrap(),
            "0.25".parse::<Decimal>().unwrap()
        );
        assert_eq!(
            actual(&Aggregate::Mean("uv".into()), "e1", &aggs).unwrap(),
            Decimal::from(200)
        );
        assert_eq!(
            actual(&Aggregate::Sum("gmv".into()), "e1", &aggs),
            Err(Missing::NoRows("gmv".into()))
        );
    }
}
