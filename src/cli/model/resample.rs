//! The resampling of `merit model --simulate`: splitmix64, each series
//! continued by growth rates drawn from its own past, and newcomers (an
//! employee of the simulated period without history of a metric) given a
//! colleague's draw.

use crate::data::metrics::{Series, SimRow};
use crate::data::Data;
use crate::period::Period;
use std::collections::{BTreeMap, BTreeSet};

/// splitmix64 (Steele, Lea, Flood 2014): small, fast and fully specified.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An index below `n` (> 0): the high bits of a 64 × 64-bit product.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// One draw's rows: each series continued month by month from its latest
/// value, each month × a growth rate drawn from its past (flat without
/// one), rounded half away from zero to the metric's places.
pub fn draw(series: &[Series], months: usize, rng: &mut Rng) -> Vec<SimRow> {
    let mut rows = Vec::with_capacity(series.len() * months);
    for s in series {
        let mut v = s.last;
        for m in 0..months {
            if !s.rates.is_empty() {
                let (num, den) = s.rates[rng.below(s.rates.len())];
                // A value that would outgrow the table's sums stays.
                v = scaled(v, num, den)
                    .filter(|x| x.unsigned_abs() < 1 << 52)
                    .unwrap_or(v);
            }
            rows.push((s.subject, s.metric, m as u16, v));
        }
    }
    rows
}

/// `v × num ÷ den` (den ≠ 0) exactly, rounded half away from zero.
fn scaled(v: i64, num: i64, den: i64) -> Option<i64> {
    let (p, d) = (i128::from(v) * i128::from(num), i128::from(den));
    let (q, r) = (p / d, p % d);
    // |r| ≥ |d| / 2 rounds away from zero, in the quotient's direction.
    let away = 2 * r.abs() >= d.abs();
    let q = match (away, (p < 0) != (d < 0)) {
        (false, _) => q,
        (true, true) => q - 1,
        (true, false) => q + 1,
    };
    i64::try_from(q).ok()
}

/// An employee of the simulated period who lacks the history of some
/// metrics that colleagues with the same role have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Newcomer {
    pub subject: u32,
    /// The metrics to take from a colleague.
    pub metrics: Vec<u16>,
    /// Colleagues (subjects) with the same role and history, by index.
    pub donors: Vec<u32>,
}

/// The newcomers of `period`, in employee order.
pub fn newcomers(data: &Data, series: &[Series], period: &Period) -> Vec<Newcomer> {
    let mut has: BTreeMap<u32, BTreeSet<u16>> = BTreeMap::new();
    for s in series {
        has.entry(s.subject).or_default().insert(s.metric);
    }
    let subject = |i: usize| data.subjects.of_employee(i, &data.employees[i].id);
    // Per role: the employees with history and every metric they have.
    let mut roles: BTreeMap<&str, (Vec<u32>, BTreeSet<u16>)> = BTreeMap::new();
    for (i, e) in data.employees.iter().enumerate() {
        if let Some(m) = subject(i).and_then(|s| has.get(&s).map(|m| (s, m))) {
            let r = roles.entry(e.role.as_str()).or_default();
            r.0.push(m.0);
            r.1.extend(m.1);
        }
    }
    let mut out = Vec::new();
    for (i, e) in data.employees.iter().enumerate() {
        let (Some(s), Some((donors, metrics))) = (subject(i), roles.get(e.role.as_str())) else {
            continue;
        };
        if crate::engine::bonus::days_employed(e, period) == 0 {
            continue;
        }
        let own = has.get(&s);
        let missing: Vec<u16> = (metrics.iter())
            .filter(|m| !own.is_some_and(|o| o.contains(m)))
            .copied()
            .collect();
        let donors: Vec<u32> = donors.iter().copied().filter(|d| *d != s).collect();
        if !missing.is_empty() && !donors.is_empty() {
            out.push(Newcomer {
                subject: s,
                metrics: missing,
                donors,
            });
        }
    }
    out
}

/// Each newcomer's rows: one colleague drawn per newcomer, whose drawn
/// rows of the missing metrics it takes; `rows` are in series order.
pub fn borrow(
    series: &[Series],
    months: usize,
    newcomers: &[Newcomer],
    rng: &mut Rng,
    rows: &mut Vec<SimRow>,
) {
    for n in newcomers {
        let donor = n.donors[rng.below(n.donors.len())];
        let from = series.partition_point(|s| s.subject < donor);
        let to = series.partition_point(|s| s.subject <= donor);
        for j in from..to {
            if n.metrics.contains(&series[j].metric) {
                let taken: Vec<SimRow> = rows[j * months..(j + 1) * months]
                    .iter()
                    .map(|r| (n.subject, r.1, r.2, r.3))
                    .collect();
                rows.extend(taken);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_its_reference_values() {
        // The reference implementation seeded with 0 (Vigna's splitmix64.c).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn a_series_is_continued_by_its_own_growth_rates() {
        let s = Series {
            subject: 3,
            metric: 1,
            last: 10_000,
            rates: vec![(105, 100)],
        };
        let flat = Series {
            rates: Vec::new(),
            ..s.clone()
        };
        let rows = draw(&[s, flat], 2, &mut Rng::new(7));
        // 10000 × 1.05 = 10500, × 1.05 = 11025; without rates it stays.
        assert_eq!(scaled(11_025, 105, 100), Some(11_576)); // 11576.25
        assert_eq!(scaled(5, 1, 2), Some(3)); // 2.5 away from zero
        assert_eq!(scaled(-5, 1, 2), Some(-3));
        assert_eq!(scaled(5, -1, 2), Some(-3));
        assert_eq!(scaled(7, 2, -3), Some(-5)); // -4.67
        assert_eq!(scaled(i64::MAX, 3, 1), None);
        assert_eq!(
            rows,
            [
                (3, 1, 0, 10_500),
                (3, 1, 1, 11_025),
                (3, 1, 0, 10_000),
                (3, 1, 1, 10_000)
            ]
        );
    }
}
