//! `merit model --simulate N --seed S`: the cost of the period after the
//! last one modelled, under uncertainty. Each draw resamples every
//! (subject, metric)'s months of that period from its own history — the
//! latest value times month-over-month growth rates drawn with replacement
//! from its past (a bootstrap); an employee without such history takes a
//! colleague's draw (`resample.rs`) — and runs both plans on the draw with
//! `engine::compute`. The generator is splitmix64, one stream in draw
//! order, so the bytes are the same on any machine and thread count.

use super::resample::{borrow, draw, newcomers, Newcomer, Rng};
use crate::data::metrics::Series;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::output::model::Simulation;
use crate::period::{Month, Period};
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What one draw is made from.
struct Draws {
    next: Period,
    series: Vec<Series>,
    newcomers: Vec<Newcomer>,
}

/// The next period and both plans' data made ready for it, with the series
/// to resample (the same for both: one metrics table) and the newcomers.
fn prepare(plans: &mut [(&LoadedPolicy, &mut Data); 2], after: &Period) -> Result<Draws> {
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
    let newcomers = newcomers(plans[0].1, &series, &next);
    Ok(Draws {
        next,
        series,
        newcomers,
    })
}

/// Runs `draws` draws of the period after `after` under both plans
/// (baseline first); the data are left holding the last draw.
pub fn simulate(
    mut plans: [(&LoadedPolicy, &mut Data); 2],
    after: &Period,
    draws: usize,
    seed: u64,
) -> Result<Simulation> {
    let Draws {
        next,
        series,
        newcomers,
    } = prepare(&mut plans, after)?;
    let months = next.len as usize;
    let mut rng = Rng::new(seed);
    let mut totals = Vec::with_capacity(draws);
    let mut departments: BTreeMap<String, Vec<(Decimal, Decimal)>> = BTreeMap::new();
    let stage = crate::progress::Stage::work("simulate", draws as u64);
    for d in 0..draws {
        let mut rows = draw(&series, months, &mut rng);
        borrow(&series, months, &newcomers, &mut rng, &mut rows);
        // The two plans' runs side by side: each has its own data.
        let [(lp0, data0), (lp1, data1)] = &mut plans;
        let (old, new) = rayon::join(
            || cost_of(lp0, data0, &next, &rows),
            || cost_of(lp1, data1, &next, &rows),
        );
        let ((old, old_dept), (new, new_dept)) = (
            old.map_err(|e| in_draw(e, d))?,
            new.map_err(|e| in_draw(e, d))?,
        );
        let cost = [old, new];
        let mut by_dept: BTreeMap<String, [Decimal; 2]> = BTreeMap::new();
        for (i, depts) in [old_dept, new_dept].into_iter().enumerate() {
            for (name, c) in depts {
                by_dept.entry(name).or_default()[i] = c;
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

/// One plan's total cost of a draw, and per department.
fn cost_of(
    lp: &LoadedPolicy,
    data: &mut Data,
    next: &Period,
    rows: &[crate::data::metrics::SimRow],
) -> Result<(Decimal, BTreeMap<String, Decimal>)> {
    data.metrics.set_simulated(rows);
    let saved = (!data.history.is_empty()).then(|| data.employees.clone());
    let run = crate::engine::compute(lp, data, next)?;
    let mut total = Decimal::ZERO;
    let mut by_dept: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in &run.employees {
        total += r.total;
        let dept = &data.employees[r.employee].department;
        *by_dept.entry(dept.clone()).or_default() += r.total;
    }
    if let Some(saved) = saved {
        data.employees = saved;
    }
    Ok((total, by_dept))
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
