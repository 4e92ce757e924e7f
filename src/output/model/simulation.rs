//! `merit model --simulate`'s outputs: `simulation.csv` (P10, P50 and P90
//! of the cost of the simulated period, company and departments, under each
//! plan and of the change), `simulation_draws.csv` (every draw's totals)
//! and a section of model.html. Percentiles are nearest-rank: the value at
//! rank ⌈p × N ÷ 100⌉ of the N draws sorted, never interpolated, so each is
//! a cost some draw had, exact to the cent.

use super::page::t;
use super::tables::fixed;
use super::Model;
use crate::output::csv::Csv;
use crate::output::display::{esc, grouped};
use crate::output::OutFile;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The draws of a simulated period.
pub struct Simulation {
    /// The simulated period's label.
    pub period: String,
    pub draws: usize,
    pub seed: u64,
    /// Per draw: (baseline, new plan) total cost.
    pub totals: Vec<(Decimal, Decimal)>,
    /// Department id → per draw (baseline, new plan).
    pub departments: BTreeMap<String, Vec<(Decimal, Decimal)>>,
}

/// The percentiles shown.
pub const PERCENTILES: [u32; 3] = [10, 50, 90];

/// Nearest-rank percentiles of `values`: `[P10, P50, P90]`.
pub fn percentiles(values: &[Decimal]) -> [Decimal; 3] {
    let mut v = values.to_vec();
    v.sort();
    let n = v.len();
    PERCENTILES.map(|p| {
        let rank = (p as usize * n).div_ceil(100).max(1);
        v.get(rank - 1).copied().unwrap_or_default()
    })
}

/// (plan, values) rows of one group: baseline, new plan, change.
fn plans(draws: &[(Decimal, Decimal)]) -> [(&'static str, Vec<Decimal>); 3] {
    [
        ("baseline", draws.iter().map(|d| d.0).collect()),
        ("new", draws.iter().map(|d| d.1).collect()),
        ("change", draws.iter().map(|d| d.1 - d.0).collect()),
    ]
}

pub const COLUMNS: [&str; 8] = [
    "period", "plan", "level", "name", "draws", "p10", "p50", "p90",
];

/// `simulation.csv`: the company, then each department.
pub fn csv(m: &Model, s: &Simulation) -> OutFile {
    let mut c = Csv::with_header(&COLUMNS);
    let (places, mode) = (m.money_places(), m.new.mode);
    let groups = std::iter::once(("company", "company", &s.totals)).chain(
        s.departments
            .iter()
            .map(|(d, v)| ("department", d.as_str(), v)),
    );
    let mut rows = 0;
    for (level, name, draws) in groups {
        for (plan, values) in plans(draws) {
            c.text(&s.period)
                .text(plan)
                .text(level)
                .text(name)
                .num(s.draws);
            for p in percentiles(&values) {
                c.num(fixed(p, places, mode));
            }
            c.end();
            rows += 1;
        }
    }
    OutFile {
        rel: "simulation.csv".into(),
        bytes: c.finish().into_bytes(),
        rows,
    }
}

/// `simulation_draws.csv`: each draw's total under both plans.
pub fn draws_csv(m: &Model, s: &Simulation) -> OutFile {
    let mut c = Csv::with_header(&["draw", "cost_baseline", "cost_new", "change"]);
    let (places, mode) = (m.money_places(), m.new.mode);
    for (i, (o, n)) in s.totals.iter().enumerate() {
        c.num(i + 1)
            .num(fixed(*o, places, mode))
            .num(fixed(*n, places, mode))
            .num(fixed(*n - *o, places, mode));
        c.end();
    }
    OutFile {
        rel: "simulation_draws.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: s.totals.len(),
    }
}

/// The section of model.html.
pub fn section(m: &Model, s: &Simulation) -> String {
    let lang = m.lang;
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<section id=\"simulation\">\n<h2>{} · {}</h2>\n<p class=\"note\">{}</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th class=\"n\">P10</th><th class=\"n\">P50</th><th class=\"n\">P90</th></tr></thead>\n<tbody>",
        t(lang, "成本模拟", "Simulated cost"),
        esc(&s.period),
        esc(&match lang {
            crate::policy::Language::ZhCn => format!(
                "{} 次抽样（种子 {}）：每个对象每项指标的各月数值按其自身历史的环比增长率重抽样（自助法）；分位数取最近秩，不插值。",
                s.draws, s.seed
            ),
            crate::policy::Language::En => format!(
                "{} draws (seed {}): each subject's metrics resampled month by month from its own history of month-over-month growth (a bootstrap); nearest-rank percentiles, never interpolated.",
                s.draws, s.seed
            ),
        }),
        t(lang, "范围", "Scope"),
        t(lang, "方案", "Plan"),
    );
    let groups = std::iter::once((t(lang, "公司合计", "Company").to_owned(), &s.totals)).chain(
        (s.departments.iter())
            .map(|(d, v)| (m.departments.get(d).cloned().unwrap_or(d.clone()), v)),
    );
    for (name, draws) in groups {
        for (plan, values) in plans(draws) {
            let label = match plan {
                "baseline" => t(lang, "基准方案", "Baseline"),
                "new" => t(lang, "新方案", "New plan"),
                _ => t(lang, "变化", "Change"),
            };
            let [p10, p50, p90] =
                percentiles(&values).map(|p| grouped(p, m.money_places(), m.new.mode));
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{label}</td><td class=\"n\">{p10}</td><td class=\"n\">{p50}</td><td class=\"n\">{p90}</td></tr>",
                esc(&name)
            );
        }
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Decimal> = (1..=10).rev().map(Decimal::from).collect();
        // Ranks ⌈1⌉, ⌈5⌉, ⌈9⌉ of 1..10.
        assert_eq!(percentiles(&v), [1, 5, 9].map(Decimal::from));
        let v: Vec<Decimal> = (1..=200).map(Decimal::from).collect();
        assert_eq!(percentiles(&v), [20, 100, 180].map(Decimal::from));
        let one = [Decimal::from(7)];
        assert_eq!(percentiles(&one), [7, 7, 7].map(Decimal::from));
        // ⌈0.1 × 3⌉ = 1, ⌈1.5⌉ = 2, ⌈2.7⌉ = 3.
        let three = [3, 1, 2].map(Decimal::from);
        assert_eq!(percentiles(&three), [1, 2, 3].map(Decimal::from));
    }
}
