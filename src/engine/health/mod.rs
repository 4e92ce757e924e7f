//! Plan health: what a finished run says about the plan itself — targets
//! that almost everyone beats or misses, weights that move almost nobody's
//! score, scores piled at a curve's cap or floor, departments whose bands
//! break the forced distribution, pay that does not rise with the score.
//! Each finding names the `policy.yaml` key to look at; the thresholds are
//! the policy's `health:` section (docs/model.md). Shown in every run's
//! report and by `merit model`; they never change a payout.
//!
//! Percent tests are exact: `count × 100 ≥ percent × people`.

mod kpis;
mod shape;
mod tally;

use super::{KpiLine, RunResult};
use crate::data::Data;
use crate::policy::locate::{locate, Seg};
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    TargetTooEasy,
    TargetTooHard,
    WeightMovesNobody,
    ScoresAtCap,
    ScoresAtFloor,
    ForcedDistribution,
    PayFlat,
    PayFalls,
}

impl Kind {
    /// As written in health.csv and shown in the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::TargetTooEasy => "target_too_easy",
            Kind::TargetTooHard => "target_too_hard",
            Kind::WeightMovesNobody => "weight_moves_nobody",
            Kind::ScoresAtCap => "scores_at_cap",
            Kind::ScoresAtFloor => "scores_at_floor",
            Kind::ForcedDistribution => "forced_distribution",
            Kind::PayFlat => "pay_flat",
            Kind::PayFalls => "pay_falls",
        }
    }
}

/// One finding, with the policy key to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    /// A KPI id, a scoring rule's name, a department id, or `bonus`.
    pub subject: String,
    pub en: String,
    pub zh: String,
    /// The key in `policy.yaml`, e.g. `kpis[2].target`.
    pub key: String,
    /// Its 1-based line and column in `policy.yaml`.
    pub at: Option<(usize, usize)>,
}

impl Finding {
    /// `policy.yaml:LINE:COL`, or the file alone when the key is not found.
    pub fn location(&self) -> String {
        match self.at {
            Some((l, c)) => format!("{}:{l}:{c}", crate::policy::POLICY_FILE),
            None => crate::policy::POLICY_FILE.to_owned(),
        }
    }
}

/// Builds findings located in one policy.
pub(crate) struct Finder<'a> {
    lp: &'a LoadedPolicy,
    out: Vec<Finding>,
}

impl Finder<'_> {
    fn push(&mut self, kind: Kind, subject: &str, (en, zh): (String, String), at: &[Seg]) {
        let key = at
            .iter()
            .map(|s| match s {
                Seg::Key(k) => format!(".{k}"),
                Seg::Index(i) => format!("[{i}]"),
            })
            .collect::<String>();
        self.out.push(Finding {
            kind,
            subject: subject.to_owned(),
            en,
            zh,
            key: key.trim_start_matches('.').to_owned(),
            at: locate(&self.lp.yaml_text, at),
        });
    }
}

/// Every finding of a run, in the order of the kinds, then of the policy.
pub fn findings(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> Vec<Finding> {
    let mut f = Finder {
        lp,
        out: Vec::new(),
    };
    let tally = tally::count(lp, data, run);
    kpis::targets(&mut f, &tally);
    kpis::weights(&mut f, &tally);
    shape::curves(&mut f, &tally);
    shape::distribution(&mut f, data, run);
    shape::pay(&mut f, run);
    f.out.sort_by_key(|x| x.kind);
    f.out
}

/// Each employee's lines of the last period evaluated (a year from
/// quarters: its fourth quarter).
fn last_lines(kpis: &[KpiLine]) -> impl Iterator<Item = &KpiLine> {
    let last = kpis.iter().map(|l| l.period).max().unwrap_or(0);
    kpis.iter().filter(move |l| l.period == last)
}

/// Whether `count` is at least `percent` of `of`.
fn at_least(count: usize, percent: Decimal, of: usize) -> bool {
    Decimal::from(count as u64) * Decimal::ONE_HUNDRED >= percent * Decimal::from(of as u64)
}

/// `count` as a whole percent of `of`, for messages.
fn pct(count: usize, of: usize) -> Decimal {
    crate::exact::div_round(
        Decimal::from(count as u64 * 100),
        Decimal::from(of.max(1) as u64),
        0,
        crate::decimal::RoundingMode::HalfUp,
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_tests_are_exact() {
        assert!(at_least(4, Decimal::from(80), 5));
        assert!(!at_least(3, Decimal::from(80), 5));
        // 2 of 3 is 66.66…%: below 66.67, not below 66.66.
        assert!(!at_least(2, Decimal::new(6667, 2), 3));
        assert!(at_least(2, Decimal::new(6666, 2), 3));
        assert_eq!(pct(2, 3), Decimal::from(67));
    }
}
