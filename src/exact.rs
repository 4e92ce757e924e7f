//! Exact rationals for chains of arithmetic that divide: the period's share
//! of an annual target bonus (÷ 12), re-normalised weights (× 100 ÷ 90),
//! cascade shares, quarter shares of a year, FX period averages, proration.
//!
//! `Decimal` division keeps 28 significant digits, so a chain of divisions
//! can land a hair below a half cent and round the wrong way. An [`Exact`]
//! carries numerator and denominator until a documented rounding point,
//! where [`Exact::round`] sees the true value.

use crate::decimal::RoundingMode;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

mod divide;
pub use divide::{div_round, exact_div, exact_mul};

/// An exact rational number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Exact(BigRational);

fn ten_pow(n: u32) -> BigInt {
    num_traits::pow(BigInt::from(10), n as usize)
}

impl Exact {
    pub fn zero() -> Exact {
        Exact(BigRational::zero())
    }

    pub fn from_int(i: i64) -> Exact {
        Exact(BigRational::from_integer(BigInt::from(i)))
    }

    /// `n ÷ d`; `None` when `d` is zero.
    pub fn ratio(n: Decimal, d: Decimal) -> Option<Exact> {
        Exact::from(n).checked_div(&Exact::from(d))
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_negative()
    }

    pub fn checked_div(&self, o: &Exact) -> Option<Exact> {
        (!o.is_zero()).then(|| Exact(&self.0 / &o.0))
    }

    pub fn min(self, o: Exact) -> Exact {
        std::cmp::min(self, o)
    }

    pub fn max(self, o: Exact) -> Exact {
        std::cmp::max(self, o)
    }

    pub fn abs(&self) -> Exact {
        Exact(self.0.abs())
    }

    /// The value times 10^`places`, rounded to an integer in `mode`.
    fn scaled(&self, places: u32, mode: RoundingMode) -> BigInt {
        let (n, d) = (self.0.numer(), self.0.denom());
        let (q, r) = (n.abs() * ten_pow(places)).div_rem(d);
        let twice = &r * 2;
        let up = match mode {
            RoundingMode::Down => false,
            RoundingMode::Up => !r.is_zero(),
            RoundingMode::HalfUp => twice >= *d,
            RoundingMode::HalfEven => twice > *d || (twice == *d && q.is_odd()),
        };
        let q = if up { q + 1 } else { q };
        if n.is_negative() {
            -q
        } else {
            q
        }
    }

    /// Rounded to `places` in `mode`, with exactly `places` digits; `None`
    /// when the result does not fit a `Decimal`.
    pub fn round(&self, places: u32, mode: RoundingMode) -> Option<Decimal> {
        let q = self.scaled(places, mode);
        Decimal::try_from_i128_with_scale(q.to_i128()?, places).ok()
    }

    /// The value written with exactly `places` decimals, rounded half-even,
    /// at any size (a sum of many amounts may not fit a `Decimal`).
    pub fn fixed(&self, places: u32) -> String {
        let q = self.scaled(places, RoundingMode::HalfEven);
        let sign = if q.is_negative() { "-" } else { "" };
        let digits = format!(
            "{:0>width$}",
            q.abs().to_string(),
            width = places as usize + 1
        );
        // Padded to at least places + 1 digits: the split is inside.
        let (int, frac) = digits.split_at(digits.len() - places as usize);
        match places {
            0 => format!("{sign}{int}"),
            _ => format!("{sign}{int}.{frac}"),
        }
    }

    /// Numerator and denominator when both fit an `i128` (reduced).
    pub fn to_i128_parts(&self) -> Option<(i128, i128)> {
        Some((self.0.numer().to_i128()?, self.0.denom().to_i128()?))
    }

    /// The value as a `Decimal` when it is one exactly (its denominator
    /// divides a power of ten of at most 28 and it fits).
    pub fn to_decimal(&self) -> Option<Decimal> {
        let d = self.0.denom();
        let (mut rest, mut k2, mut k5) = (d.clone(), 0u32, 0u32);
        let (two, five) = (BigInt::from(2), BigInt::from(5));
        while (&rest % &two).is_zero() {
            rest /= &two;
            k2 += 1;
        }
        while (&rest % &five).is_zero() {
            rest /= &five;
            k5 += 1;
        }
        let k = k2.max(k5);
        if !rest.is_one() || k > 28 {
            return None;
        }
        let m = self.0.numer() * (ten_pow(k) / d);
        Decimal::try_from_i128_with_scale(m.to_i128()?, k).ok()
    }

    /// The value for display: exact where a `Decimal` can hold it, else
    /// rounded (half-even) to as many places as a `Decimal` holds.
    pub fn approx(&self) -> Decimal {
        if let Some(d) = self.to_decimal() {
            return d;
        }
        (0..=28)
            .rev()
            .find_map(|p| self.round(p, RoundingMode::HalfEven))
            .map_or_else(
                // Beyond a decimal: saturated, keeping the sign (display only;
                // money is rounded with `round`, which refuses it).
                || {
                    if self.is_negative() {
                        Decimal::MIN
                    } else {
                        Decimal::MAX
                    }
                },
                |d| d.normalize(),
            )
    }
}

/// A number kept as a `Decimal` while it is one exactly (the fast, common
/// case), as an [`Exact`] otherwise.
#[derive(Clone, Debug, PartialEq)]
pub enum Num {
    Dec(Decimal),
    Exact(Exact),
}

impl Num {
    /// `n × m ÷ d` for `d` ≠ 0, as a `Decimal` when the quotient is one exactly.
    pub fn mul_div(n: Decimal, m: Decimal, d: Decimal) -> Num {
        let fast = exact_mul(n, m).and_then(|p| exact_div(p, d));
        match fast {
            Some(q) => Num::Dec(q),
            None => Num::Exact(Exact::from(n) * m / Exact::from(d)).simplified(),
        }
    }

    /// A `Decimal` when the value is one exactly.
    pub fn simplified(self) -> Num {
        match self {
            Num::Exact(x) => x.to_decimal().map_or(Num::Exact(x), Num::Dec),
            d => d,
        }
    }

    pub fn is_negative(&self) -> bool {
        match self {
            Num::Dec(d) => d.is_sign_negative() && !d.is_zero(),
            Num::Exact(x) => x.is_negative(),
        }
    }

    pub fn exact(&self) -> Exact {
        match self {
            Num::Dec(d) => Exact::from(*d),
            Num::Exact(x) => x.clone(),
        }
    }

    /// For display: see [`Exact::approx`].
    pub fn approx(&self) -> Decimal {
        match self {
            Num::Dec(d) => *d,
            Num::Exact(x) => x.approx(),
        }
    }

    pub fn round(&self, places: u32, mode: RoundingMode) -> Option<Decimal> {
        match self {
            Num::Dec(d) => Some(crate::decimal::round_fixed(*d, places, mode)),
            Num::Exact(x) => x.round(places, mode),
        }
    }
}

/// `total` divided in proportion to `weights`, each part cut down to
/// `places`, the units left over one each to the largest remainders (ties
/// by `tie`): the parts sum to `total` exactly. All zero when the weights
/// sum to zero.
pub fn largest_remainder(
    total: Decimal,
    weights: &[Exact],
    places: u32,
    tie: &dyn Fn(usize, usize) -> std::cmp::Ordering,
) -> Vec<Decimal> {
    let sum: Exact = weights.iter().cloned().sum();
    if sum.is_zero() {
        return vec![Decimal::ZERO; weights.len()];
    }
    let mut parts: Vec<(Decimal, Exact)> = weights
        .iter()
        .map(|w| {
            let exact = Exact::from(total) * w.clone() / sum.clone();
            let cut = exact.round(places, RoundingMode::Down).unwrap_or_default();
            (cut, exact - Exact::from(cut))
        })
        .collect();
    let given: Decimal = parts.iter().map(|p| p.0).sum();
    let unit = Decimal::new(1, places);
    let mut left =
        rust_decimal::prelude::ToPrimitive::to_u64(&((total - given) / unit)).unwrap_or(0);
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&x, &y| parts[y].1.cmp(&parts[x].1).then_with(|| tie(x, y)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].0 += unit;
        left -= 1;
    }
    parts.into_iter().map(|p| p.0).collect()
}

impl From<Decimal> for Exact {
    /// `mantissa / 10^scale` in lowest terms without a gcd: once the
    /// mantissa's trailing zeros are gone it shares at most 2s or 5s with
    /// the power of ten, never both (a conversion per amount adds up).
    fn from(d: Decimal) -> Exact {
        let (mut m, mut scale) = (d.mantissa(), d.scale());
        while scale > 0 && m % 10 == 0 {
            (m, scale) = (m / 10, scale - 1);
        }
        if m == 0 {
            return Exact::zero();
        }
        let (twos, mut fives) = (m.unsigned_abs().trailing_zeros().min(scale), 0);
        m /= 1i128 << twos;
        while twos == 0 && fives < scale && m % 5 == 0 {
            (m, fives) = (m / 5, fives + 1);
        }
        let den = num_traits::pow(BigInt::from(2), (scale - twos) as usize)
            * num_traits::pow(BigInt::from(5), (scale - fives) as usize);
        Exact(BigRational::new_raw(BigInt::from(m), den))
    }
}

impl From<i64> for Exact {
    fn from(i: i64) -> Exact {
        Exact::from_int(i)
    }
}

impl fmt::Display for Exact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_decimal() {
            Some(d) => write!(f, "{}", d.normalize()),
            None => write!(f, "{}/{}", self.0.numer(), self.0.denom()),
        }
    }
}

macro_rules! binop {
    ($tr:ident, $f:ident, $op:tt) => {
        impl $tr for Exact {
            type Output = Exact;
            fn $f(self, o: Exact) -> Exact {
                Exact(self.0 $op o.0)
            }
        }
        impl $tr<&Exact> for &Exact {
            type Output = Exact;
            fn $f(self, o: &Exact) -> Exact {
                Exact(&self.0 $op &o.0)
            }
        }
        impl $tr<Decimal> for Exact {
            type Output = Exact;
            fn $f(self, o: Decimal) -> Exact {
                Exact(self.0 $op Exact::from(o).0)
            }
        }
    };
}
binop!(Add, add, +);
binop!(Sub, sub, -);
binop!(Mul, mul, *);

/// Division by a divisor the caller knows is not zero (days in a period,
/// 1200, a positive FX rate, a salary total checked first); use
/// [`Exact::checked_div`] for any other.
impl Div for Exact {
    type Output = Exact;
    fn div(self, o: Exact) -> Exact {
        assert!(!o.is_zero(), "Exact division by zero");
        Exact(self.0 / o.0)
    }
}

impl Neg for Exact {
    type Output = Exact;
    fn neg(self) -> Exact {
        Exact(-self.0)
    }
}

impl std::iter::Sum for Exact {
    fn sum<I: Iterator<Item = Exact>>(iter: I) -> Exact {
        iter.fold(Exact::zero(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_decimal_converts_in_lowest_terms() {
        let mut cases: Vec<Decimal> = [
            "0",
            "0.000",
            "-0.50",
            "1",
            "10",
            "0.1",
            "0.25",
            "-0.0625",
            "1.5",
            "12.80",
            "0.2",
            "0.04",
            "3.125",
            "-7.0000",
            "0.3333",
            "1234567.890",
        ]
        .iter()
        .map(|x| d(x))
        .collect();
        cases.extend([
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::new(-5, 28),
        ]);
        cases.extend([
            Decimal::from_i128_with_scale(1 << 90, 28),
            Decimal::from_i128_with_scale(5i128.pow(40), 28),
        ]);
        for m in [
            1i64, 2, 4, 5, 8, 25, 125, 40, 3, 7, 1024, 390625, -16, -3125,
        ] {
            for scale in 0..=28 {
                cases.push(Decimal::new(m, scale));
            }
        }
        for x in cases {
            let gcd = BigRational::new(BigInt::from(x.mantissa()), ten_pow(x.scale()));
            let fast = Exact::from(x).0;
            assert_eq!(
                (fast.numer(), fast.denom()),
                (gcd.numer(), gcd.denom()),
                "{x}"
            );
        }
    }

    #[test]
    fn a_chain_of_divisions_rounds_at_the_true_value() {
        // 431,433 × 10 ÷ 100 ÷ 12 = 3,595.275 exactly: a half cent.
        let x = Exact::from(d("431433")) * d("10") / Exact::from(d("100")) / Exact::from_int(12);
        assert_eq!(x.round(2, RoundingMode::HalfUp), Some(d("3595.28")));
        assert_eq!(x.round(2, RoundingMode::HalfEven), Some(d("3595.28")));
        assert_eq!(x.round(2, RoundingMode::Down), Some(d("3595.27")));
        // Decimal alone: a twelfth cut at 28 digits lands below the half.
        let one_twelfth = Decimal::ONE / d("12");
        let cut = d("431433") * d("10") / d("100") * one_twelfth;
        assert_eq!(
            cut.round_dp_with_strategy(2, RoundingMode::HalfUp.strategy()),
            d("3595.27")
        );
        // A cascade share of 1/96 under round-up.
        let share = Exact::ratio(Decimal::ONE, d("96")).unwrap();
        let t = share * d("769938");
        assert_eq!(t.round(6, RoundingMode::Up), Some(d("8020.187500")));
    }

    #[test]
    fn approx_saturates_with_the_sign() {
        let max = Exact::from(Decimal::MAX);
        assert_eq!((&max + &max).approx(), Decimal::MAX);
        assert_eq!((Exact::zero() - max.clone() - max).approx(), Decimal::MIN);
    }

    #[test]
    fn fixed_writes_any_size_with_its_places() {
        let max = Exact::from(Decimal::MAX);
        assert_eq!((&max + &max).fixed(2), "158456325028528675187087900670.00");
        assert_eq!(Exact::from(d("-0.005")).fixed(2), "0.00");
        assert_eq!(Exact::from(d("-0.015")).fixed(2), "-0.02");
        assert_eq!(Exact::from(d("12.5")).fixed(0), "12");
        assert_eq!(Exact::from(d("0.07")).fixed(3), "0.070");
    }

    #[test]
    fn rounding_modes_on_negative_and_exact_values() {
        let v = Exact::from(d("-2.345"));
        assert_eq!(v.round(2, RoundingMode::HalfUp), Some(d("-2.35")));
        assert_eq!(v.round(2, RoundingMode::HalfEven), Some(d("-2.34")));
        assert_eq!(v.round(2, RoundingMode::Down), Some(d("-2.34")));
        assert_eq!(v.round(2, RoundingMode::Up), Some(d("-2.35")));
        assert_eq!(
            Exact::from(d("10"))
                .round(2, RoundingMode::Up)
                .unwrap()
                .to_string(),
            "10.00"
        );
        assert_eq!(Exact::ratio(d("1"), d("3")).unwrap().to_decimal(), None);
        assert_eq!(
            Exact::ratio(d("1"), d("8")).unwrap().to_decimal(),
            Some(d("0.125"))
        );
        assert_eq!(
            Exact::ratio(d("2"), d("3")).unwrap().approx(),
            d("0.6666666666666666666666666667")
        );
        assert_eq!(Exact::ratio(d("1"), d("0")), None);
    }
}
