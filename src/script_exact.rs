//! Exact rationals inside policy scripts. merit hands a script an exact
//! value where a `Decimal` cannot hold it (a monthly target bonus is the
//! annual one ÷ 12); arithmetic with it stays exact, so the bonus formula's
//! result is the true value until merit rounds it to money.
//!
//! The type shows to scripts as `decimal`: it mixes with decimals and
//! integers in every operator, comparison and number function.

use crate::decimal::Rounding;
use crate::exact::{Exact, Num};
use rhai::{Dynamic, Engine, EvalAltResult, INT};
use rust_decimal::Decimal;

type Res<T> = Result<T, Box<EvalAltResult>>;

fn div(a: Exact, b: Exact) -> Res<Exact> {
    a.checked_div(&b).ok_or_else(|| {
        EvalAltResult::ErrorArithmetic("Division by zero".into(), rhai::Position::NONE).into()
    })
}

/// Registers `op` for every pairing of `Exact` with `Exact`, `Decimal` and `INT`.
macro_rules! pairs {
    ($e:expr, $op:expr, $f:expr) => {{
        let f = $f;
        $e.register_fn($op, move |a: Exact, b: Exact| f(a, b));
        $e.register_fn($op, move |a: Exact, b: Decimal| f(a, Exact::from(b)));
        $e.register_fn($op, move |a: Decimal, b: Exact| f(Exact::from(a), b));
        $e.register_fn($op, move |a: Exact, b: INT| f(a, Exact::from_int(b)));
        $e.register_fn($op, move |a: INT, b: Exact| f(Exact::from_int(a), b));
    }};
}

pub fn register(e: &mut Engine, rounding: &Rounding) {
    e.register_type_with_name::<Exact>("decimal");
    pairs!(e, "+", |a: Exact, b: Exact| a + b);
    pairs!(e, "-", |a: Exact, b: Exact| a - b);
    pairs!(e, "*", |a: Exact, b: Exact| a * b);
    pairs!(e, "/", div);
    pairs!(e, "==", |a: Exact, b: Exact| a == b);
    pairs!(e, "!=", |a: Exact, b: Exact| a != b);
    pairs!(e, "<", |a: Exact, b: Exact| a < b);
    pairs!(e, "<=", |a: Exact, b: Exact| a <= b);
    pairs!(e, ">", |a: Exact, b: Exact| a > b);
    pairs!(e, ">=", |a: Exact, b: Exact| a >= b);
    pairs!(e, "min", |a: Exact, b: Exact| a.min(b));
    pairs!(e, "max", |a: Exact, b: Exact| a.max(b));
    e.register_fn("-", |a: Exact| -a);
    e.register_fn("abs", |a: Exact| a.abs());
    let places = |dp: INT| -> Res<u32> {
        u32::try_from(dp)
            .ok()
            .filter(|p| *p <= 28)
            .ok_or_else(|| format!("{dp} decimal places is out of range (0 to 28)").into())
    };
    let fit = |v: Option<Decimal>| -> Res<Decimal> {
        v.ok_or_else(|| "the number is too large for a decimal".into())
    };
    use crate::decimal::RoundingMode as M;
    e.register_fn("floor", move |a: Exact| {
        fit(if a.is_negative() {
            a.round(0, M::Up)
        } else {
            a.round(0, M::Down)
        })
    });
    e.register_fn("ceiling", move |a: Exact| {
        fit(if a.is_negative() {
            a.round(0, M::Down)
        } else {
            a.round(0, M::Up)
        })
    });
    e.register_fn("round", move |a: Exact, dp: INT| {
        fit(a.round(places(dp)?, M::HalfEven))
    });
    e.register_fn("round_half_up", move |a: Exact, dp: INT| {
        fit(a.round(places(dp)?, M::HalfUp))
    });
    let (mp, mode) = (rounding.money_places, rounding.mode);
    e.register_fn("round_money", move |a: Exact| fit(a.round(mp, mode)));
    e.register_fn("to_string", |a: &mut Exact| a.approx().to_string());
    e.register_fn("to_debug", |a: &mut Exact| a.to_string());
}

/// A number for a script: a `Decimal` when it is one exactly, else exact.
pub fn value(x: &Num) -> Dynamic {
    match x {
        Num::Dec(d) => Dynamic::from_decimal(*d),
        Num::Exact(x) => Dynamic::from(x.clone()),
    }
}

/// A script's number (INT, Decimal or exact).
pub fn of(v: &Dynamic) -> Option<Num> {
    if v.is::<Exact>() {
        return v
            .clone()
            .try_cast::<Exact>()
            .map(|x| Num::Exact(x).simplified());
    }
    v.as_decimal()
        .ok()
        .or_else(|| v.as_int().ok().map(Decimal::from))
        .map(Num::Dec)
}
