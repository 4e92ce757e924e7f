//! `Decimal` quotients rounded as if from the exact rational: in 128-bit
//! integers where the operands fit, the `Decimal` quotient where its
//! last-digit error cannot cross a rounding boundary, [`Exact`] otherwise.

use super::Exact;
use crate::decimal::RoundingMode;
use rust_decimal::Decimal;

/// `n ÷ d` rounded to `places` in `mode` as if from the exact quotient: the
/// fast `Decimal` quotient where it is exact, or far enough from a rounding
/// boundary that its last-digit error cannot cross it; the exact rational
/// otherwise. `None` when `d` is zero or the result does not fit.
pub fn div_round(n: Decimal, d: Decimal, places: u32, mode: RoundingMode) -> Option<Decimal> {
    if let Some(q) = div_round_u128(n, d, places, mode) {
        return Some(q);
    }
    let q = n.checked_div(d)?;
    if safely_rounded(q, places, mode) {
        return Some(crate::decimal::round_fixed(q, places, mode));
    }
    if let Some(q) = exact_div(n, d) {
        return Some(crate::decimal::round_fixed(q, places, mode));
    }
    Exact::ratio(n, d)?.round(places, mode)
}

/// [`div_round`] in 128-bit integers, the usual case (a KPI's actual over
/// its target): `n ÷ d × 10^places` as one integer quotient and remainder,
/// which round exactly. `None` when `d` is zero, an operand scaled to the
/// other's places does not fit 128 bits or the result does not fit a
/// `Decimal`; the general path then answers.
fn div_round_u128(n: Decimal, d: Decimal, places: u32, mode: RoundingMode) -> Option<Decimal> {
    let (nm, dm) = (n.mantissa().unsigned_abs(), d.mantissa().unsigned_abs());
    if dm == 0 {
        return None;
    }
    // n ÷ d × 10^places = nm × 10^(ds + places − ns) ÷ dm.
    let e = i64::from(d.scale()) + i64::from(places) - i64::from(n.scale());
    let pow = |k: i64| 10u128.checked_pow(u32::try_from(k).ok()?);
    let (num, den) = match e >= 0 {
        true => (nm.checked_mul(pow(e)?)?, dm),
        false => (nm, dm.checked_mul(pow(-e)?)?),
    };
    let (q, r) = (num / den, num % den);
    // r < den, so den − r does not underflow: r against it is 2r against den.
    let up = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => r != 0,
        RoundingMode::HalfUp => r >= den - r,
        RoundingMode::HalfEven => r > den - r || (r == den - r && q % 2 == 1),
    };
    let q = i128::try_from(q + u128::from(up)).ok()?;
    let negative = n.is_sign_negative() != d.is_sign_negative();
    Decimal::try_from_i128_with_scale(if negative { -q } else { q }, places).ok()
}

/// `a × b` when a `Decimal` holds it exactly (`Decimal` multiplication
/// silently rounds a product with more than 28 decimal places).
pub fn exact_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    let p = a.checked_mul(b)?;
    (p.scale() == a.scale() + b.scale() || p.is_zero()).then_some(p)
}

/// `n ÷ d` when the quotient has a finite decimal form that a `Decimal`
/// holds exactly. (A check by multiplying back is not enough: the product
/// is itself rounded to 28 digits.)
pub fn exact_div(n: Decimal, d: Decimal) -> Option<Decimal> {
    if d.is_zero() {
        return None;
    }
    // n ÷ d terminates iff d's mantissa without its factors 2 and 5 divides n's.
    let mut odd = d.mantissa().unsigned_abs();
    while odd.is_multiple_of(2) {
        odd /= 2;
    }
    while odd.is_multiple_of(5) {
        odd /= 5;
    }
    if !n.mantissa().unsigned_abs().is_multiple_of(odd) {
        return None;
    }
    let q = n.checked_div(d)?;
    // A terminating quotient that needed every digit may have been rounded.
    let digits = q
        .mantissa()
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |l| l + 1);
    (digits < 28).then_some(q)
}

/// Whether `q`, within one unit of its last digit of the true value, is at
/// least ten such units away from every rounding boundary at `places`
/// (integer arithmetic on the digits below the rounding place).
fn safely_rounded(q: Decimal, places: u32, mode: RoundingMode) -> bool {
    let scale = q.scale();
    if scale < places + 2 {
        return false;
    }
    let digits = scale - places;
    let m = q.mantissa().unsigned_abs();
    // 64-bit arithmetic where it suffices (the usual case): this runs for
    // every actual and achievement.
    let (below, unit) = match (u64::try_from(m), digits) {
        (Ok(m), 0..=19) => {
            let unit = 10u64.pow(digits);
            (u128::from(m % unit), u128::from(unit))
        }
        _ => {
            let unit = 10u128.pow(digits);
            (m % unit, unit)
        }
    };
    match mode {
        RoundingMode::Down | RoundingMode::Up => below > 10 && unit - below > 10,
        RoundingMode::HalfUp | RoundingMode::HalfEven => below.abs_diff(unit / 2) > 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    proptest::proptest! {
        #[test]
        fn div_round_is_the_exact_quotient_rounded(
            n in -10_000_000_000i64..10_000_000_000,
            ns in 0u32..8,
            d in 1i64..1_000_000,
            ds in 0u32..6,
            places in 0u32..7,
            mode in 0usize..4,
        ) {
            let mode = [RoundingMode::HalfUp, RoundingMode::HalfEven, RoundingMode::Down, RoundingMode::Up][mode];
            let (n, d) = (Decimal::new(n, ns), Decimal::new(d, ds));
            let exact = Exact::ratio(n, d).unwrap().round(places, mode);
            proptest::prop_assert_eq!(div_round(n, d, places, mode), exact);
        }

        #[test]
        fn the_integer_quotient_is_the_exact_one_at_any_size(
            n in proptest::num::i128::ANY,
            ns in 0u32..29,
            d in proptest::num::i128::ANY,
            ds in 0u32..29,
            places in 0u32..12,
            mode in 0usize..4,
        ) {
            let mode = [RoundingMode::HalfUp, RoundingMode::HalfEven, RoundingMode::Down, RoundingMode::Up][mode];
            // Mantissas of every width up to a Decimal's 96 bits.
            let (n, d) = (n >> (32 + (n as u32 % 96)), d >> (32 + (d as u32 % 96)));
            let (n, d) = (Decimal::from_i128_with_scale(n, ns), Decimal::from_i128_with_scale(d, ds));
            let exact = Exact::ratio(n, d).and_then(|x| x.round(places, mode));
            if let Some(q) = div_round_u128(n, d, places, mode) {
                proptest::prop_assert_eq!(Some(q), exact);
                proptest::prop_assert_eq!(q.scale(), places);
                proptest::prop_assert!(!(q.is_zero() && q.is_sign_negative()));
            }
        }
    }

    #[test]
    fn ties_and_boundaries_take_the_exact_path() {
        // 1 ÷ 8 = 0.125 is a tie at 2 places; 2 ÷ 3 is near no boundary.
        let (one, eight) = (Decimal::ONE, Decimal::from(8));
        assert_eq!(
            div_round(one, eight, 2, RoundingMode::HalfUp),
            Some(d("0.13"))
        );
        assert_eq!(
            div_round(one, eight, 2, RoundingMode::HalfEven),
            Some(d("0.12"))
        );
        assert_eq!(
            div_round(d("2"), d("3"), 4, RoundingMode::Down),
            Some(d("0.6666"))
        );
        assert_eq!(exact_div(d("1000600"), d("1200")), None);
        assert_eq!(exact_div(d("3"), d("8")), Some(d("0.375")));
    }
}
