//! The payout matrix as the bonus formula: the percent of the target bonus
//! the two KPIs' achievements give, exact (docs/policy.md, Payout matrices).

use crate::decimal::Dec;
use crate::exact::Exact;
use crate::policy::{Axis, Matrix, MatrixMode};
use rust_decimal::Decimal;

/// Where an achievement falls on an axis: below the first bound, or at
/// bound `i` with the fraction of the way to bound `i + 1` (0 past the last).
fn place(axis: &Axis, a: Decimal) -> Option<(usize, Exact)> {
    let b = &axis.bounds;
    let i = b.iter().rposition(|x| x.0 <= a)?;
    let frac = match b.get(i + 1) {
        // Bounds strictly increase (`check`), so the width is not zero.
        Some(next) => {
            (Exact::from(a) - Exact::from(b[i].0)) / (Exact::from(next.0) - Exact::from(b[i].0))
        }
        None => Exact::zero(),
    };
    Some((i, frac))
}

/// The payout percent at the rows' and columns' achievements, and the cell
/// (row, column, 0-based) it was read from; `None` for the cell when below.
pub fn percent(m: &Matrix, row_a: Decimal, col_a: Decimal) -> (Exact, Option<(usize, usize)>) {
    let (Some((r, fr)), Some((c, fc))) = (place(&m.rows, row_a), place(&m.columns, col_a)) else {
        return (Exact::from(m.below.0), None);
    };
    let v = |r: usize, c: usize| -> Exact {
        let cell = m
            .values
            .get(r)
            .and_then(|row| row.get(c))
            .map_or(Decimal::ZERO, |d: &Dec| d.0);
        Exact::from(cell)
    };
    let pct = match m.mode {
        MatrixMode::Stepped => v(r, c),
        MatrixMode::Interpolated => {
            let (r1, c1) = (
                (r + 1).min(m.rows.bounds.len() - 1),
                (c + 1).min(m.columns.bounds.len() - 1),
            );
            let one = Exact::from(1);
            let (gr, gc) = (one.clone() - fr.clone(), one - fc.clone());
            gr.clone() * gc.clone() * v(r, c).clone()
                + fr.clone() * gc * v(r1, c)
                + gr * fc.clone() * v(r, c1)
                + fr * fc * v(r1, c1)
        }
    };
    (pct, Some((r, c)))
}
