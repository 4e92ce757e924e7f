//! Exact rationals: parsing decimals, rounding at the documented points,
//! formatting.

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

pub type Q = BigRational;

/// The policy's rounding `mode` (docs/policy.md, Rounding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    HalfUp,
    HalfEven,
    Down,
    Up,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "half_up" => Mode::HalfUp,
            "half_even" => Mode::HalfEven,
            "down" => Mode::Down,
            "up" => Mode::Up,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::HalfUp => "half_up",
            Mode::HalfEven => "half_even",
            Mode::Down => "down",
            Mode::Up => "up",
        }
    }
}

pub fn int(n: i64) -> Q {
    Q::from_integer(BigInt::from(n))
}

pub fn ratio(n: i64, d: i64) -> Q {
    Q::new(BigInt::from(n), BigInt::from(d))
}

pub fn zero() -> Q {
    Q::zero()
}

fn pow10(places: u32) -> BigInt {
    num_traits::pow(BigInt::from(10), places as usize)
}

/// Parses a plain decimal (`-12.345`, `100`, `.5`); no exponents.
pub fn dec(text: &str) -> Option<Q> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok(whole) || !digits_ok(frac) {
        return None;
    }
    let all = format!("{whole}{frac}");
    let n: BigInt = if all.is_empty() {
        BigInt::zero()
    } else {
        all.parse().ok()?
    };
    let q = Q::new(n, pow10(frac.len() as u32));
    Some(if neg { -q } else { q })
}

/// `dec` that panics with the text: for values the generator wrote.
pub fn d(text: &str) -> Q {
    dec(text).unwrap_or_else(|| panic!("not a decimal: {text:?}"))
}

/// Rounds `x` to `places` decimals in `mode`. Ties are judged exactly.
pub fn round(x: &Q, places: u32, mode: Mode) -> Q {
    let scale = pow10(places);
    let y = x * Q::from_integer(scale.clone());
    let neg = y.is_negative();
    let a = y.abs();
    let fl = a.floor().to_integer();
    let frac = &a - Q::from_integer(fl.clone());
    let half = ratio(1, 2);
    let up = match mode {
        Mode::Down => false,
        Mode::Up => !frac.is_zero(),
        Mode::HalfUp => frac >= half,
        Mode::HalfEven => frac > half || (frac == half && fl.is_odd()),
    };
    let m = if up { fl + BigInt::one() } else { fl };
    let m = if neg { -m } else { m };
    Q::new(m, scale)
}

/// Floor to `places` decimals (pool allocation: always toward −∞).
pub fn floor_to(x: &Q, places: u32) -> Q {
    let scale = pow10(places);
    let y = x * Q::from_integer(scale.clone());
    Q::new(y.floor().to_integer(), scale)
}

/// Whether `x` has at most `places` decimals.
pub fn has_places(x: &Q, places: u32) -> bool {
    (x * Q::from_integer(pow10(places))).is_integer()
}

/// Exact decimal text if `x` terminates, otherwise a fraction `n/d` with
/// a 30-digit approximation (for messages only).
pub fn show(x: &Q) -> String {
    let mut den = x.denom().clone();
    let mut places = 0u32;
    for p in [2u32, 5] {
        while (&den % p).is_zero() {
            den /= p;
        }
    }
    if den.is_one() {
        while !has_places(x, places) {
            places += 1;
        }
        return fixed(x, places);
    }
    let approx = fixed(&round(x, 30, Mode::HalfEven), 30);
    format!("{}/{} (≈{approx})", x.numer(), x.denom())
}

/// `x` (which must have at most `places` decimals) written with exactly
/// `places` decimals.
pub fn fixed(x: &Q, places: u32) -> String {
    assert!(has_places(x, places), "{x} has more than {places} places");
    let n = (x * Q::from_integer(pow10(places))).to_integer();
    let neg = n.is_negative();
    let digits = n.abs().to_string();
    let p = places as usize;
    let padded = format!("{digits:0>width$}", width = p + 1);
    let (w, f) = padded.split_at(padded.len() - p);
    let sign = if neg { "-" } else { "" };
    if p == 0 {
        format!("{sign}{w}")
    } else {
        format!("{sign}{w}.{f}")
    }
}

/// Smallest number of places that write `x` exactly, if it terminates.
pub fn places_of(x: &Q) -> Option<u32> {
    (0..60).find(|&p| has_places(x, p))
}

pub fn to_f64(x: &Q) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

pub fn max(a: Q, b: Q) -> Q {
    if a >= b {
        a
    } else {
        b
    }
}

pub fn min(a: Q, b: Q) -> Q {
    if a <= b {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_modes() {
        let x = d("2.345");
        assert_eq!(round(&x, 2, Mode::HalfUp), d("2.35"));
        assert_eq!(round(&x, 2, Mode::HalfEven), d("2.34"));
        assert_eq!(round(&x, 2, Mode::Down), d("2.34"));
        assert_eq!(round(&x, 2, Mode::Up), d("2.35"));
        assert_eq!(round(&d("2.355"), 2, Mode::HalfEven), d("2.36"));
        assert_eq!(round(&d("-2.345"), 2, Mode::HalfUp), d("-2.35"));
        assert_eq!(round(&d("2.3401"), 2, Mode::Up), d("2.35"));
        assert_eq!(fixed(&d("-0.5"), 2), "-0.50");
        assert_eq!(fixed(&d("12"), 0), "12");
        assert_eq!(show(&ratio(1, 3)).split('/').next(), Some("1"));
    }
}
