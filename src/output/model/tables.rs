//! `employees.csv` and `summary.csv` of `merit model`, and the department
//! and band totals model.html shows.

use super::{Line, Model, Side};
use crate::decimal::{round_fixed, RoundingMode};
use crate::output::csv::Csv;
use crate::output::OutFile;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub const EMPLOYEE_COLUMNS: [&str; 11] = [
    "period",
    "employee_id",
    "department",
    "band_old",
    "band_new",
    "score_old",
    "score_new",
    "payout_old",
    "payout_new",
    "change",
    "change_pct",
];

pub const SUMMARY_COLUMNS: [&str; 9] = [
    "period",
    "level",
    "name",
    "headcount_old",
    "headcount_new",
    "payout_old",
    "payout_new",
    "change",
    "change_pct",
];

/// One row per employee and period, by period then employee id.
pub fn employees_csv(m: &Model) -> OutFile {
    let mut c = Csv::with_header(&EMPLOYEE_COLUMNS);
    let places = m.money_places();
    let mode = m.new.mode;
    let lines = m.lines();
    for l in &lines {
        let side = |s: Option<&Side>, f: &dyn Fn(&Side) -> String| s.map(f).unwrap_or_default();
        c.text(&m.periods[l.period])
            .text(l.id)
            .text(l.department)
            .text(&side(l.old, &|s| s.band.clone()))
            .text(&side(l.new, &|s| s.band.clone()))
            .num(side(l.old, &|s| s.score.to_string()))
            .num(side(l.new, &|s| s.score.to_string()))
            .num(side(l.old, &|s| fixed(s.payout, m.old.money_places, mode)))
            .num(side(l.new, &|s| fixed(s.payout, m.new.money_places, mode)))
            .num(fixed(l.change(), places, mode))
            .num(
                l.change_pct(mode)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            );
        c.end();
    }
    OutFile {
        rel: "employees.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: lines.len(),
    }
}

/// Money at `places`, padded (`10` → `10.00`).
pub(super) fn fixed(d: Decimal, places: u32, mode: RoundingMode) -> String {
    round_fixed(d, places, mode).to_string()
}

/// A group's people and cost under each plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub headcount: (usize, usize),
    pub cost: (Decimal, Decimal),
}

impl Group {
    fn add(&mut self, old: Option<&Side>, new: Option<&Side>) {
        if let Some(s) = old {
            self.headcount.0 += 1;
            self.cost.0 += s.payout;
        }
        if let Some(s) = new {
            self.headcount.1 += 1;
            self.cost.1 += s.payout;
        }
    }

    pub fn change(&self) -> Decimal {
        self.cost.1 - self.cost.0
    }

    /// The change in percent of the old cost, 2 places; `None` from 0.
    pub fn change_pct(&self, mode: RoundingMode) -> Option<Decimal> {
        if self.cost.0.is_zero() {
            return None;
        }
        let c = self.change().checked_mul(Decimal::ONE_HUNDRED)?;
        crate::exact::div_round(c, self.cost.0, 2, mode)
    }
}

/// Totals of some lines by department, by band and for the company.
pub struct Totals {
    /// By department id.
    pub departments: BTreeMap<String, Group>,
    /// In the bands' order: the baseline's bands, then the new plan's others.
    pub bands: Vec<(String, Group)>,
    pub company: Group,
}

/// Totals of the lines for which `keep` holds.
pub fn totals(m: &Model, lines: &[Line], keep: impl Fn(&Line) -> bool) -> Totals {
    let mut bands: Vec<(String, Group)> = Vec::new();
    for b in m.old.bands.iter().chain(&m.new.bands) {
        if !bands.iter().any(|(x, _)| x == b) {
            bands.push((b.clone(), Group::default()));
        }
    }
    let mut t = Totals {
        departments: BTreeMap::new(),
        bands,
        company: Group::default(),
    };
    for l in lines.iter().filter(|l| keep(l)) {
        (t.departments.entry(l.department.to_owned()).or_default()).add(l.old, l.new);
        t.company.add(l.old, l.new);
        for (b, g) in &mut t.bands {
            g.add(in_band(l.old, b), in_band(l.new, b));
        }
    }
    t
}

fn in_band<'a>(s: Option<&'a Side>, band: &str) -> Option<&'a Side> {
    s.filter(|s| s.band == band)
}

/// Per period (and over all periods when there are several): a row per
/// department, per band, then the company.
pub fn summary_csv(m: &Model) -> OutFile {
    let mut c = Csv::with_header(&SUMMARY_COLUMNS);
    let lines = m.lines();
    let mut rows = 0;
    let mut scopes: Vec<(String, Option<usize>)> = (m.periods.iter().enumerate())
        .map(|(i, p)| (p.clone(), Some(i)))
        .collect();
    if m.periods.len() > 1 {
        scopes.push(("all".into(), None));
    }
    for (label, p) in &scopes {
        let t = totals(m, &lines, |l| p.is_none_or(|p| l.period == p));
        let groups = (t.departments.iter())
            .map(|(d, g)| ("department", d.as_str(), g))
            .chain(t.bands.iter().map(|(b, g)| ("band", b.as_str(), g)))
            .chain([("company", "company", &t.company)]);
        for (level, name, g) in groups {
            summary_row(&mut c, m, (label, level, name), g);
            rows += 1;
        }
    }
    OutFile {
        rel: "summary.csv".into(),
        bytes: c.finish().into_bytes(),
        rows,
    }
}

fn summary_row(c: &mut Csv, m: &Model, (period, level, name): (&str, &str, &str), g: &Group) {
    let (places, mode) = (m.money_places(), m.new.mode);
    c.text(period)
        .text(level)
        .text(name)
        .num(g.headcount.0)
        .num(g.headcount.1)
        .num(fixed(g.cost.0, places, mode))
        .num(fixed(g.cost.1, places, mode))
        .num(fixed(g.change(), places, mode))
        .num(
            g.change_pct(mode)
                .map(|p| p.to_string())
                .unwrap_or_default(),
        );
    c.end();
}
