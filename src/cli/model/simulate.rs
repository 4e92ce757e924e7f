//! `merit model --simulate N --seed S`: the cost of the period after the
//! last one modelled, under uncertainty. Each draw resamples every
//! (subject, metric)'s months of that period from its own history — the
//! latest value times month-over-month growth rates drawn with replacement
//! from its past (a bootstrap) — and runs both plans on the draw with
//! `engine::compute`. The generator is splitmix64, one stream in draw
//! order, so the bytes are the same on any machine and thread count.

use crate::data::metrics::{Series, SimRow};
use crate::data::Data;
use crate::error::{Error, Result};
use crate::output::model::Simulation;
use crate::period::{Month, Period};
use crate::policy::LoadedPolicy;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;

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
                let r = s.rates[rng.below(s.rates.len())];
                // A value that would overflow the table's integers stays.
                v = Decimal::from(v)
                    .checked_mul(r)
                    .map(|x| x.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
                    .and_then(|x| x.to_i64())
                    .filter(|x| x.unsigned_abs() < 1 << 52)
                    .unwrap_or(v);
            }
            rows.push((s.subject, s.metric, m as u16, v));
        }
    }
    rows
}

/// The next period and both plans' data made ready for it; returns the
/// series to resample (the same for both: one metrics table).
fn prepare(
    plans: &mut [(&LoadedPolicy, &mut Data); 2],
    after: &Period,
) -> Result<(Period, Vec<Series>)> {
    let next = after.shifted(1);
    let months: Vec<Month> = next.months().collect();
    let mut series = Vec::new();
    for (i, (_, data)) in plans.iter_mut().enumerate() {
        data.carry_period(after, &next);
        let s = data.metrics.growth_series(months[0]);
        if i == 0 {
            series = s;
        } else if s != series {
            return Err(Error::Usage(
                "the two plans read the metrics table differently; simulate each plan on its own"
                    .into(),
            ));
        }
        data.metrics.cut_for_simulation(&months);
    }
    if series.is_empty() {
        return Err(Error::Usage(format!(
            "--simulate: the metrics table has no rows before {}, so there is no history to resample",
            next.label
        )));
    }
    Ok((next, series))
}

/// Runs `draws` draws of the period after `after` under both plans
/// (baseline first); the data are left holding the last draw.
pub fn simulate(
    mut plans: [(&LoadedPolicy, &mut Data); 2],
    after: &Period,
    draws: usize,
    seed: u64,
) -> Result<Simulation> {
    let (next, series) = prepare(&mut plans, after)?;
    let months = next.len as usize;
    let mut rng = Rng::new(seed);
    let mut totals = Vec::with_capacity(draws);
    let mut departments: BTreeMap<String, Vec<(Decimal, Decimal)>> = BTreeMap::new();
    let stage = crate::progress::Stage::work("simulate", draws as u64);
    for d in 0..draws {
        let rows = draw(&series, months, &mut rng);
        let mut cost = [Decimal::ZERO; 2];
        let mut by_dept: BTreeMap<String, [Decimal; 2]> = BTreeMap::new();
        for (i, (lp, data)) in plans.iter_mut().enumerate() {
            data.metrics.set_simulated(&rows);
            let saved = (!data.history.is_empty()).then(|| data.employees.clone());
            let run = crate::engine::compute(lp, data, &next).map_err(|e| in_draw(e, d))?;
            for r in &run.employees {
                cost[i] += r.total;
                let dept = &data.employees[r.employee].department;
                by_dept.entry(dept.clone()).or_default()[i] += r.total;
            }
            if let Some(saved) = saved {
                data.employees = saved;
            }
        }
        totals.push((cost[0], cost[1]));
        // A department without people in a draw costs nothing in it.
        for name in by_dept.keys() {
            departments
                .entry(name.clone())
                .or_insert_with(|| vec![(Decimal::ZERO, Decimal::ZERO); d]);
        }
        for (name, v) in departments.iter_mut() {
            let c = by_dept.get(name).copied().unwrap_or_default();
            v.push((c[0], c[1]));
        }
        stage.inc(1);
    }
    stage.finish();
    Ok(Simulation {
        period: next.label.clone(),
        draws,
        seed,
        totals,
        departments,
    })
}

/// Says which draw an error came from.
fn in_draw(e: Error, d: usize) -> Error {
    let draw = |m: &str| format!("simulated draw {}: {m}", d + 1);
    match e {
        Error::Usage(m) => Error::Usage(draw(&m)),
        Error::Invalid(mut diags) => {
            for x in &mut diags.0 {
                x.message = draw(&x.message);
            }
            Error::Invalid(diags)
        }
        other => other,
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
            rates: vec![Decimal::new(105, 2)],
        };
        let flat = Series {
            rates: Vec::new(),
            ..s.clone()
        };
        let rows = draw(&[s, flat], 2, &mut Rng::new(7));
        // 10000 × 1.05 = 10500, × 1.05 = 11025; without rates it stays.
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
