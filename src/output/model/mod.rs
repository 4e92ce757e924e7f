//! `merit model`'s outputs: two plans run on the same data, compared —
//! `employees.csv` (both payouts and the change per employee), `summary.csv`
//! (per department and band under each plan) and `model.html` (cost, winners
//! and losers, KPI hit counts, pay against score). docs/model.md is the
//! contract.
//!
//! Each plan's run of a period is reduced to a [`PlanPeriod`] right after it
//! is computed (the employees table may change between periods), and the two
//! are joined by employee id into [`Line`]s. Money stays exact: payouts are
//! the runs' rounded totals, changes their exact differences.

mod chart;
mod hits;
mod page;
mod simulation;
mod suggest;
mod tables;

pub use hits::{Hits, KpiHits};
pub use page::page;
pub use simulation::{percentiles, Simulation};
pub use suggest::Suggestions;
pub use tables::{employees_csv, summary_csv};

/// `simulation.csv`, `simulation_draws.csv` and the page's section.
pub fn simulation_outputs(m: &Model, s: &Simulation) -> ([OutFile; 2], String) {
    (
        [simulation::csv(m, s), simulation::draws_csv(m, s)],
        simulation::section(m, s),
    )
}

/// `suggestions.csv` and the page's section.
pub fn suggestion_outputs(m: &Model, s: &Suggestions) -> (OutFile, String) {
    (suggest::csv(s), suggest::section(m, s))
}

/// `health.csv`: the baseline's findings, then the new plan's, per period.
pub fn health_csv(m: &Model) -> OutFile {
    let mut plans = Vec::new();
    for (which, new) in [("baseline", false), ("new", true)] {
        for (p, (o, n)) in m.periods.iter().zip(&m.runs) {
            plans.push((which, p.as_str(), &(if new { n } else { o }).health[..]));
        }
    }
    crate::output::health::csv(&plans)
}

/// The plan-health sections of model.html: per period, baseline then new.
pub fn health_sections(m: &Model) -> String {
    let mut h = String::new();
    for (p, (o, n)) in m.periods.iter().zip(&m.runs) {
        for (info, run) in [(&m.old, o), (&m.new, n)] {
            let label = format!("{} {} · {p}", info.id, info.version);
            crate::output::health::section(&mut h, &run.health, Some(&label), m.lang);
        }
    }
    h
}

use crate::data::Data;
use crate::decimal::RoundingMode;
use crate::engine::RunResult;
use crate::output::OutFile;
use crate::policy::{Language, LoadedPolicy};
use rust_decimal::Decimal;

/// What the outputs show of one plan.
pub struct PlanInfo {
    pub id: String,
    pub version: String,
    pub title: String,
    pub currency: String,
    pub money_places: u32,
    pub score_places: u32,
    pub mode: RoundingMode,
    /// Rating bands, best first.
    pub bands: Vec<String>,
    /// (KPI id, display name), in policy order.
    pub kpis: Vec<(String, String)>,
}

impl PlanInfo {
    pub fn of(lp: &LoadedPolicy, lang: Language) -> PlanInfo {
        let p = &lp.policy;
        PlanInfo {
            id: p.id.clone(),
            version: p.version.clone(),
            title: p.title.get(lang).to_owned(),
            currency: p.currency.clone(),
            money_places: p.rounding.money_places,
            score_places: p.rounding.score_places,
            mode: p.rounding.mode,
            bands: p.rating_bands.iter().map(|b| b.band.clone()).collect(),
            kpis: (p.kpis.iter())
                .map(|k| (k.id.clone(), k.name.get(lang).to_owned()))
                .collect(),
        }
    }
}

/// One employee's result under one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub id: String,
    pub department: String,
    pub band: String,
    pub score: Decimal,
    /// The total payout, as payouts.csv writes it.
    pub payout: Decimal,
    /// The period's target bonus (for pay against score).
    pub target_bonus: Decimal,
}

/// One plan's run of one period, reduced to what the model shows.
pub struct PlanPeriod {
    /// By employee id.
    pub sides: Vec<Side>,
    pub hits: Hits,
    pub health: Vec<crate::engine::health::Finding>,
}

impl PlanPeriod {
    /// Reduces a run; `data` must hold the employees as the run left them.
    pub fn of(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> PlanPeriod {
        let sides = (run.employees.iter())
            .map(|r| {
                let e = &data.employees[r.employee];
                Side {
                    id: e.id.clone(),
                    department: e.department.clone(),
                    band: r.band.clone(),
                    score: r.score,
                    payout: r.total,
                    target_bonus: r.target_bonus,
                }
            })
            .collect();
        PlanPeriod {
            sides,
            hits: Hits::of(lp, run),
            health: crate::engine::health::findings(lp, data, run),
        }
    }

    pub fn cost(&self) -> Decimal {
        self.sides.iter().map(|s| s.payout).sum()
    }
}

/// One employee in one period under both plans; a side is `None` when that
/// plan does not pay the employee in the period.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    pub period: usize,
    pub id: &'a str,
    pub department: &'a str,
    pub old: Option<&'a Side>,
    pub new: Option<&'a Side>,
}

impl Line<'_> {
    /// New payout minus old, exact; a missing side pays 0.
    pub fn change(&self) -> Decimal {
        let pay = |s: Option<&Side>| s.map_or(Decimal::ZERO, |s| s.payout);
        pay(self.new) - pay(self.old)
    }

    /// The change as a percent of the old payout, rounded to 2 places;
    /// `None` when the old payout is 0.
    pub fn change_pct(&self, mode: RoundingMode) -> Option<Decimal> {
        let old = self.old.map(|s| s.payout).filter(|p| !p.is_zero())?;
        crate::exact::div_round(
            self.change().checked_mul(Decimal::ONE_HUNDRED)?,
            old,
            2,
            mode,
        )
    }
}

/// Both plans over the modelled periods.
pub struct Model {
    pub old: PlanInfo,
    pub new: PlanInfo,
    /// The periods' labels, as given.
    pub periods: Vec<String>,
    /// Per period: (baseline, new plan).
    pub runs: Vec<(PlanPeriod, PlanPeriod)>,
    /// Department id → its name in `lang` (the departments table).
    pub departments: std::collections::BTreeMap<String, String>,
    pub lang: Language,
}

impl Model {
    /// Every employee of every period, by period then employee id.
    pub fn lines(&self) -> Vec<Line<'_>> {
        let mut out = Vec::new();
        for (p, (old, new)) in self.runs.iter().enumerate() {
            join(p, &old.sides, &new.sides, &mut out);
        }
        out
    }

    /// Places of the money columns: the wider of the two plans'.
    pub fn money_places(&self) -> u32 {
        self.old.money_places.max(self.new.money_places)
    }

    /// The total cost of each plan over all periods.
    pub fn costs(&self) -> (Decimal, Decimal) {
        (self.runs.iter()).fold((Decimal::ZERO, Decimal::ZERO), |(a, b), (o, n)| {
            (a + o.cost(), b + n.cost())
        })
    }
}

/// Merges two id-sorted lists of sides into lines.
fn join<'a>(period: usize, old: &'a [Side], new: &'a [Side], out: &mut Vec<Line<'a>>) {
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let o = old.get(i);
        let n = new.get(j);
        let (o, n) = match (o, n) {
            (Some(a), Some(b)) if a.id == b.id => (Some(a), Some(b)),
            (Some(a), Some(b)) if a.id < b.id => (Some(a), None),
            (Some(_), Some(b)) => (None, Some(b)),
            (a, b) => (a, b),
        };
        i += usize::from(o.is_some());
        j += usize::from(n.is_some());
        // The new plan's department when both pay: same data, same table.
        // The loop runs while either list has rows, so the merge step above
        // took at least one side.
        let any = n
            .or(o)
            .expect("one side is present while either list has rows");
        out.push(Line {
            period,
            id: &any.id,
            department: &any.department,
            old: o,
            new: n,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(id: &str, payout: i64) -> Side {
        Side {
            id: id.into(),
            department: "d".into(),
            band: "B".into(),
            score: Decimal::ONE_HUNDRED,
            payout: Decimal::new(payout, 2),
            target_bonus: Decimal::ONE,
        }
    }

    #[test]
    fn lines_join_by_id_and_a_missing_side_pays_nothing() {
        let old = [side("a", 1000), side("b", 500)];
        let new = [side("b", 750), side("c", 100)];
        let mut out = Vec::new();
        join(0, &old, &new, &mut out);
        let got: Vec<(&str, String)> = out.iter().map(|l| (l.id, l.change().to_string())).collect();
        assert_eq!(
            got,
            [
                ("a", "-10.00".to_string()),
                ("b", "2.50".into()),
                ("c", "1.00".into())
            ]
        );
        assert_eq!(
            out[1].change_pct(RoundingMode::HalfUp),
            Some(Decimal::new(5000, 2))
        );
        assert_eq!(out[2].change_pct(RoundingMode::HalfUp), None);
    }
}
