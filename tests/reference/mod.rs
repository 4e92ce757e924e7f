#![allow(dead_code)]
//! An independent reference evaluator for merit, written from
//! docs/policy.md only (never from src/engine, src/data or bench): a plain,
//! slow, exact second implementation for differential tests.
//!
//! Every number is an exact rational (`num_rational::BigRational`);
//! rounding happens only at the documented points, in the policy's mode:
//! actual_places (mean and ratio actuals; derived targets), achievement_places,
//! score_places (each KPI score, the final score), money_places (the bonus
//! once after cap and proration; each project bonus; each pool allocation;
//! the converted payout).
//!
//! Supported subset: curves and tiers; sum/mean/last/max/min/ratio;
//! direction lower; targets table, fixed, history, benchmark, cascade
//! (equal, base_salary), max, min; static weights with review_weight and a
//! review scale; rating bands; calibration; year_from_quarters; gates, full
//! and partial (`pay_percent`: the formula × P ÷ 100 per shut partial gate,
//! exact, before the cap; per quarter the lowest factor over the quarters
//! employed, weight 0 included); cap; proration; pools; projects;
//! currencies; effective dates; the bonus-script family of `bonus.rs`;
//! plan inputs and commissions on transactions or a KPI, with refunds in
//! the period lowering the credit (`commission.rs`; single runs: no `ytd`,
//! `draw` or `clawback`). Not
//! supported (the policy is refused): weights_script, target and scoring
//! scripts, cascade `share: column`, and a `pay_percent` that `check` would
//! refuse (outside 0 ≤ P < 100 or more than 4 decimals).

pub mod bonus;
pub mod commission;
pub mod compare;
pub mod data;
pub mod deals;
pub mod gen;
pub mod kpi;
pub mod num;
pub mod period;
pub mod policy;
pub mod pool;
pub mod run;

use std::path::Path;

pub use run::Payout;

/// What the reference expects of `merit run`.
#[derive(Debug)]
pub enum Outcome {
    /// Exit 0 with these payout rows.
    Paid(Vec<Payout>),
    /// Exit 2 for this documented reason.
    Stopped(String),
}

/// Evaluates `period` of the policy folder on the data folder; `Err` when
/// the policy is outside the reference's subset.
pub fn evaluate(policy_dir: &Path, data_dir: &Path, period: &str) -> Result<Outcome, String> {
    let p = policy::load(policy_dir)?;
    let d = data::load(data_dir);
    let period = period::Period::parse(period).ok_or("bad period")?;
    let ctx = kpi::Ctx {
        p: &p,
        d: &d,
        run: period,
    };
    Ok(match ctx.run(period) {
        Ok(v) => Outcome::Paid(v),
        Err(s) => Outcome::Stopped(s),
    })
}
