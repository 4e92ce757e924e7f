//! Display values of small fractions without big integers: the same
//! result as [`crate::exact::Exact::approx`] computed in `i128`, falling
//! back (`None`) whenever a step would overflow. Each KPI line's shown
//! weight and contribution is such a fraction (× 100 ÷ 85 for a role whose
//! weights are re-normalised); building a `BigRational` for each one cost
//! about 7 % of a 100,000-employee run (docs/performance.md).

use rust_decimal::Decimal;

/// The largest mantissa a `Decimal` holds (2^96 − 1).
const MAX_MANTISSA: u128 = (1u128 << 96) - 1;

fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `n ÷ d` as `Exact::approx` shows it: exact when a `Decimal` holds it,
/// else rounded half-even to the most places (at most 28) that fit, then
/// normalised. `None` when `d` is zero or a step does not fit `u128`.
pub fn approx_ratio(n: i128, d: i128) -> Option<Decimal> {
    if d == 0 {
        return None;
    }
    let negative = (n < 0) != (d < 0) && n != 0;
    let (n, d) = (n.unsigned_abs(), d.unsigned_abs());
    let g = gcd(n, d).max(1);
    let (n, d) = (n / g, d / g);
    let value = exact(n, d).or_else(|| rounded(n, d))?;
    Some(if negative { -value } else { value })
}

/// The value when its reduced denominator divides 10^k, k ≤ 28, and it fits.
fn exact(n: u128, d: u128) -> Option<Decimal> {
    let (k2, mut rest) = (d.trailing_zeros(), d >> d.trailing_zeros());
    let mut k5 = 0;
    while rest % 5 == 0 {
        rest /= 5;
        k5 += 1;
    }
    let k = k2.max(k5);
    if rest != 1 || k > 28 {
        return None;
    }
    let m = n.checked_mul(pow10(k)? / d)?;
    (m <= MAX_MANTISSA).then(|| Decimal::from_i128_with_scale(m as i128, k))
}

/// Rounded half-even at the most places that fit, normalised: long
/// division a digit at a time while the quotient fits a mantissa.
fn rounded(n: u128, d: u128) -> Option<Decimal> {
    let (mut q, mut r) = (n / d, n % d);
    if q > MAX_MANTISSA {
        return None;
    }
    let mut places = 0;
    while places < 28 {
        let r10 = r.checked_mul(10)?;
        // q ≤ 2^96: q × 10 + 9 fits a u128.
        let next = q * 10 + r10 / d;
        if next > MAX_MANTISSA {
            break;
        }
        (q, r, places) = (next, r10 % d, places + 1);
    }
    let twice = r.checked_mul(2)?;
    let q = q + u128::from(twice > d || (twice == d && q % 2 == 1));
    // Rounded up past the largest mantissa: one place fewer (rare; exact path).
    (q <= MAX_MANTISSA).then(|| Decimal::from_i128_with_scale(q as i128, places).normalize())
}

/// A `Decimal` as a fraction of `i128`s: (mantissa, 10^scale).
pub fn parts(d: Decimal) -> Option<(i128, i128)> {
    Some((d.mantissa(), pow10(d.scale())? as i128))
}

/// `(a × b) ÷ (c × e)` over `i128`, `None` on overflow.
pub fn quotient(a: (i128, i128), b: (i128, i128), c: (i128, i128)) -> Option<(i128, i128)> {
    // a × b ÷ c = (an × bn × cd) ÷ (ad × bd × cn)
    let n = a.0.checked_mul(b.0)?.checked_mul(c.1)?;
    let d = a.1.checked_mul(b.1)?.checked_mul(c.0)?;
    Some((n, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::Exact;
    use proptest::prelude::*;

    fn slow(n: i128, d: i128) -> Decimal {
        Exact::ratio(
            Decimal::from_i128_with_scale(n, 0),
            Decimal::from_i128_with_scale(d, 0),
        )
        .unwrap()
        .approx()
    }

    #[test]
    fn known_values() {
        assert_eq!(
            approx_ratio(100, 85).unwrap().to_string(),
            "1.1764705882352941176470588235"
        );
        assert_eq!(approx_ratio(5, 2).unwrap().to_string(), "2.5");
        assert_eq!(
            approx_ratio(-1, 3).unwrap().to_string(),
            "-0.3333333333333333333333333333"
        );
        assert_eq!(approx_ratio(0, 7).unwrap().to_string(), "0");
        assert_eq!(approx_ratio(1, 0), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn agrees_with_the_big_fraction(
            n in -10_000_000_000_000i128..10_000_000_000_000,
            d in prop_oneof![1i128..1_000, 1i128..100_000_000_000, Just(85), Just(90), Just(3 * 7 * 11)],
            scale in 0u32..10,
        ) {
            let d = d * 10i128.pow(scale);
            prop_assert_eq!(approx_ratio(n, d), Some(slow(n, d)));
        }

        #[test]
        fn a_times_b_over_c_agrees(
            a in (-100_000_000_000i64..100_000_000_000, 0u32..8),
            b in (1i64..10_000_000, 0u32..8),
            c in (1i64..10_000_000, 0u32..8),
        ) {
            let dec = |(m, s): (i64, u32)| Decimal::new(m, s);
            let (a, b, c) = (dec(a), dec(b), dec(c));
            let slow = (Exact::from(a) * b / Exact::from(c)).approx();
            let fast = quotient(parts(a).unwrap(), parts(b).unwrap(), parts(c).unwrap())
                .and_then(|(n, d)| approx_ratio(n, d));
            // Overflow falls back to the slow path; a result is the same.
            if let Some(f) = fast {
                prop_assert_eq!(f, slow);
            }
        }
    }
}
