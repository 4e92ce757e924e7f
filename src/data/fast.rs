//! Fast paths for the hot cells of the large tables (metrics, targets):
//! decimal mantissas without the parser, trimming and short-id equality
//! without library calls, and text columns read straight from arrow arrays.

use polars::prelude::*;

/// A batch of `n` rows as slices `(offset, len)` for parallel parts: about
/// a quarter of a core's share each, at least `min` and at most 256k rows.
pub(super) fn slices(n: usize, min: usize) -> Vec<(usize, usize)> {
    let step = (n / (4 * rayon::current_num_threads()).max(1)).clamp(min, 1 << 18);
    (0..n).step_by(step).map(|o| (o, step.min(n - o))).collect()
}

/// Parses `-?digits(.digits)?` with at most 18 digits, as `parse_decimal`
/// would, into a mantissa and a scale; anything else takes the slow path.
pub(super) fn fast_decimal(s: &str) -> Option<(i64, u8)> {
    let b = s.as_bytes();
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 || digits[0] == b'.' {
        return None;
    }
    let (mut m, mut scale, mut dot, mut n) = (0i64, 0u8, false, 0);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                if n == 18 {
                    return None;
                }
                m = m * 10 + i64::from(c - b'0');
                n += 1;
                if dot {
                    scale += 1;
                }
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n == 0 || (dot && scale == 0) {
        return None;
    }
    Some((if neg { -m } else { m }, scale))
}

/// `str::trim` without its work when there is nothing to trim.
pub(super) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b))
            if a.is_ascii()
                && b.is_ascii()
                && !a.is_ascii_whitespace()
                && !b.is_ascii_whitespace() =>
        {
            s
        }
        _ => s.trim(),
    }
}

/// Equality of short identifiers without a library call.
pub(super) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Called with a[..8] and a[n - 8..] for 8 ≤ n ≤ 16 only: always 8 bytes.
    let word = |x: &[u8]| u64::from_le_bytes(x.try_into().expect("8 bytes"));
    match n {
        0 => true,
        1..=7 => a.iter().zip(b).all(|(x, y)| x == y),
        8..=16 => word(&a[..8]) == word(&b[..8]) && word(&a[n - 8..]) == word(&b[n - 8..]),
        _ => a == b,
    }
}

/// The cells of several text columns, row by row, read from the arrow
/// arrays directly (the columns' parts are aligned when read together).
pub(super) struct Cells<'a, const N: usize> {
    cols: [StringChunked; N],
    _c: std::marker::PhantomData<&'a ()>,
}

impl<'a, const N: usize> Cells<'a, N> {
    pub(super) fn new(cols: [&'a StringChunked; N]) -> Self {
        let aligned = cols
            .iter()
            .all(|c| c.chunk_lengths().eq(cols[0].chunk_lengths()));
        let cols = cols.map(|c| {
            if aligned {
                c.clone()
            } else {
                c.rechunk().into_owned()
            }
        });
        Cells {
            cols,
            _c: std::marker::PhantomData,
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = [Option<&str>; N]> + '_ {
        type Text = <StringType as PolarsDataType>::Array;
        let chunks: Vec<Vec<&Text>> = self
            .cols
            .iter()
            .map(|c| c.downcast_iter().collect())
            .collect();
        let parts = chunks[0].len();
        (0..parts).flat_map(move |p| {
            let mut its = std::array::from_fn::<_, N, _>(|c| chunks[c][p].iter());
            std::iter::from_fn(move || {
                let mut row = [None; N];
                for (cell, it) in row.iter_mut().zip(its.iter_mut()) {
                    *cell = it.next()?;
                }
                Some(row)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::parse_decimal;
    use rust_decimal::Decimal;

    #[test]
    fn fast_path_agrees_with_parse_decimal() {
        for t in [
            "0",
            "12",
            "-7",
            "12.50",
            "0.001",
            "-0.5",
            "123456789012345678",
        ] {
            let (m, s) = fast_decimal(t).unwrap();
            let d = parse_decimal(t).unwrap();
            assert_eq!(
                Decimal::from_i128_with_scale(i128::from(m), u32::from(s)),
                d,
                "{t}"
            );
            assert_eq!(u32::from(s), d.scale(), "{t}");
        }
        for t in [
            " 1",
            "1.",
            ".5",
            "+1",
            "1e3",
            "",
            "-",
            "1.2.3",
            "1234567890123456789",
            "NaN",
        ] {
            assert_eq!(fast_decimal(t), None, "{t}");
        }
    }
}
