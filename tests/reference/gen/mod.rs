//! Random policies and data folders for the differential test, written as
//! the reference's own policy model (rendered to YAML and read back) and
//! plain CSV tables.
//!
//! Each aspect draws from its own random stream, so switching one feature
//! flag off (proptest shrinking) leaves the rest of a case as it was.

pub mod adjust;
pub mod coverage;
pub mod data;
pub mod edges;
pub mod metrics;
pub mod policy;
pub mod render;

use super::num::{self, Q};
use super::period::Period;
use std::collections::BTreeMap;

/// Classes of cases on which merit's current main disagrees with the
/// documented rules and the engine is being fixed. The default generator
/// stays clear of each; `MERIT_REF_ENABLE=name,name` (or `all`) lets them in.
pub const KNOWN: [(&str, &str); 9] = [
    (
        "inexact",
        "values whose exact form does not terminate (re-normalised weights 100 ÷ 70, cascade \
         shares of 1/3, FX averages, quarter shares like 20/70, target bonuses like \
         salary × 10% ÷ 12, curve slopes over a span of 0.3): merit cuts them to 28 digits",
    ),
    (
        "project-periods",
        "projects whose quarter, half or year period ends inside a run of another kind: \
         merit pays only rows whose period is the run's or a month inside it",
    ),
    (
        "data-places",
        "metric values with more decimals than actual_places: merit rounds sum, last, max \
         and min actuals to actual_places too (docs: only mean and ratio)",
    ),
    (
        "effective",
        "a period outside `effective` (start before `from` or end after `to`): merit runs it \
         (docs: exit 2)",
    ),
    (
        "empty-month",
        "a month of the period without any metric row (everyone hired later, say): merit stops \
         (docs: only a period with no metric rows stops; a mean is over the months with a row)",
    ),
    (
        "history-complete",
        "a history period with a month missing for the subject: merit still counts it (docs: \
         only complete periods count, otherwise the fallback applies)",
    ),
    (
        "pool-edges",
        "a `scale: both` pool whose bonuses sum to zero under a positive budget, and budgets \
         with more decimals than money_places: merit pays (docs: exit 2)",
    ),
    (
        "project-rounding",
        "project amounts with more decimals than money_places: merit rounds their sum (docs: \
         each row is rounded, then summed)",
    ),
    (
        "fx-unpaid",
        "a missing FX rate of a currency only held by people not employed in the period: \
         merit stops (reading of the docs: only a rate that is needed stops the run)",
    ),
];

/// Whether the known class `name` is switched on.
pub fn enabled(name: &str) -> bool {
    assert!(
        KNOWN.iter().any(|(k, _)| *k == name),
        "unknown class {name}"
    );
    std::env::var("MERIT_REF_ENABLE")
        .is_ok_and(|v| v.split(',').any(|x| x.trim() == name || x.trim() == "all"))
}

pub fn inexact() -> bool {
    enabled("inexact")
}

/// splitmix64.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for one aspect of a case.
    pub fn fork(&self, aspect: u64) -> Rng {
        let mut r = Rng(self.0 ^ aspect.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }

    /// A decimal in `lo..=hi` with exactly `places` places (or fewer).
    pub fn dec(&mut self, lo: i64, hi: i64, places: u32) -> Q {
        let s = 10i64.pow(places);
        num::ratio(self.range(lo * s, hi * s), s)
    }

    /// `d` parsed from one of `xs`.
    pub fn pick_d(&mut self, xs: &[&str]) -> Q {
        num::d(self.pick(xs))
    }
}

/// Features a case may use; each one off makes a simpler case.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub tiers: bool,
    pub lower: bool,
    pub team: bool,
    pub review: bool,
    pub hires: bool,
    pub rounding: bool,
    pub cap: bool,
    pub threshold: bool,
    pub gates: bool,
    pub projects: bool,
    pub pool: bool,
    pub fx: bool,
    pub calibration: bool,
    pub history: bool,
    pub benchmark: bool,
    pub cascade: bool,
    pub quarters: bool,
    pub edges: bool,
    pub ties: bool,
}

impl Flags {
    pub const COUNT: usize = 19;

    pub fn from_bits(b: &[bool]) -> Flags {
        let g = |i: usize| b.get(i).copied().unwrap_or(false);
        Flags {
            tiers: g(0),
            lower: g(1),
            team: g(2),
            review: g(3),
            hires: g(4),
            rounding: g(5),
            cap: g(6),
            threshold: g(7),
            gates: g(8),
            projects: g(9),
            pool: g(10),
            fx: g(11),
            calibration: g(12),
            history: g(13),
            benchmark: g(14),
            cascade: g(15),
            quarters: g(16),
            edges: g(17),
            ties: g(18),
        }
    }
}

/// A generated case: the policy folder's files, the data folder's tables
/// and the period to run.
#[derive(Clone, Debug)]
pub struct Case {
    pub period: String,
    pub policy_yaml: String,
    pub bonus_rhai: String,
    /// table name (without `.csv`) → CSV text.
    pub tables: BTreeMap<String, String>,
    /// What the generator broke on purpose, if anything (the run may stop).
    pub edge: Option<String>,
}

impl Case {
    pub fn write(&self, policy_dir: &std::path::Path, data_dir: &std::path::Path) {
        std::fs::create_dir_all(policy_dir).unwrap();
        std::fs::create_dir_all(data_dir).unwrap();
        std::fs::write(policy_dir.join("policy.yaml"), &self.policy_yaml).unwrap();
        std::fs::write(policy_dir.join("bonus.rhai"), &self.bonus_rhai).unwrap();
        for (name, text) in &self.tables {
            std::fs::write(data_dir.join(format!("{name}.csv")), text).unwrap();
        }
    }
}

/// Picks the period: mostly 2026, any kind.
fn period(rng: &mut Rng) -> Period {
    let label = match rng.below(100) {
        0..=34 => format!("2026-{:02}", rng.range(1, 12)),
        35..=69 => format!("2026-Q{}", rng.range(1, 4)),
        70..=84 => format!("2026-H{}", rng.range(1, 2)),
        _ => "2026".to_string(),
    };
    Period::parse(&label).unwrap()
}

pub fn generate(seed: u64, f: &Flags) -> Case {
    let rng = Rng::new(seed);
    let period = period(&mut rng.fork(1));
    let mut pol = policy::generate(&mut rng.fork(2), f, period);
    let mut world = data::generate(&mut rng.fork(3), f, &pol, period);
    adjust::tame_cascades(&mut pol, &mut world, period);
    let mut budget_edge = 0;
    let edge = if f.edges {
        edges::break_something(
            &mut rng.fork(4),
            &mut pol,
            &mut world,
            period,
            &mut budget_edge,
        )
    } else {
        None
    };
    if f.ties {
        adjust::make_ties(&mut rng.fork(5), &pol, &mut world, period);
    }
    if pol.bonus.pool.is_some() {
        adjust::budgets(&mut rng.fork(6), &pol, &mut world, period, budget_edge);
    }
    Case {
        period: period.label(),
        policy_yaml: render::yaml(&pol, rng.fork(7).chance(50)),
        bonus_rhai: pol.bonus.script.render(),
        tables: world.tables(),
        edge,
    }
}
