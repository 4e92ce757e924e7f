//! Stage 9: outputs — the files finance, HR and auditors read, built in
//! memory, then written all at once through [`atomic::Staging`].

pub mod adjust;
pub mod archive;
pub mod atomic;
pub mod csv;
pub mod display;
pub mod feedback;
pub mod manifest;
pub mod report;
pub mod trace;
pub mod workbook;

use crate::data::Data;
use crate::decimal::round_fixed;
use crate::engine::blend::ReviewUse;
use crate::engine::RunResult;
use crate::error::Result;
use crate::policy::LoadedPolicy;
use csv::Csv;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// An output file: path relative to the run folder, and its bytes.
pub struct OutFile {
    pub rel: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

fn money(d: Decimal, lp: &LoadedPolicy) -> String {
    money_dec(d, lp).to_string()
}

/// Columns of `payouts.csv` and of the workbook's Payouts sheet.
pub const PAYOUT_COLUMNS: [&str; 14] = [
    "employee_id",
    "name",
    "department",
    "role",
    "period",
    "score",
    "rating",
    "bonus",
    "project_bonus",
    "total_payout",
    "currency",
    "payout_currency",
    "fx_rate",
    "payout_in_currency",
];

/// A money amount rounded to the policy's places in its mode.
fn money_dec(d: Decimal, lp: &LoadedPolicy) -> Decimal {
    round_fixed(d, lp.policy.rounding.money_places, lp.policy.rounding.mode)
}

pub fn payouts(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    staging: &atomic::Staging,
) -> Result<manifest::FileHash> {
    let (period, currency) = (
        csv::escaped(&run.period.label),
        csv::escaped(&lp.policy.currency),
    );
    let mut out = manifest::Streamed::create(staging, "payouts.csv")?;
    let row = |c: &mut Csv, r: &crate::engine::EmployeeResult| {
        let e = &data.employees[r.employee];
        c.text(&e.id)
            .text(&e.name)
            .text(&e.department)
            .text(&e.role)
            .pre(&period);
        c.dec(r.score)
            .text(&r.band)
            .dec(money_dec(r.bonus, lp))
            .dec(money_dec(r.project_bonus, lp))
            .dec(money_dec(r.total, lp));
        c.pre(&currency);
        let (cur, rate, local) = local_payout(lp, r);
        c.text(&cur).plain(rate).dec(money_dec(local, lp));
        c.end();
        1
    };
    let rows = csv::par_rows(&PAYOUT_COLUMNS, &run.employees, row, &mut |t| out.push(t))?;
    out.finish(rows)
}

pub fn scores(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    staging: &atomic::Staging,
) -> Result<manifest::FileHash> {
    let header = [
        "employee_id",
        "period",
        "kpi",
        "kpi_name",
        "subject_id",
        "actual",
        "target",
        "target_source",
        "achievement",
        "score",
        "segment",
        "weight",
        "contribution",
    ];
    // KPI ids and names, escaped once rather than on every row.
    let kpi_text: Vec<(String, String)> = lp
        .policy
        .kpis
        .iter()
        .map(|k| (csv::escaped(&k.id), csv::escaped(&k.name.zh)))
        .collect();
    let mut out = manifest::Streamed::create(staging, "scores.csv")?;
    let row = |c: &mut Csv, r: &crate::engine::EmployeeResult| {
        let e = &data.employees[r.employee];
        let mut rows = 0;
        for l in &r.kpis {
            let (id, name) = &kpi_text[l.kpi];
            c.text(&e.id)
                .text(run.line_period(l))
                .pre(id)
                .pre(name)
                .text(data.subjects.name(l.subject));
            c.plain(l.actual).plain(l.target).text(&l.target_source);
            c.dec(l.achievement)
                .dec(l.score)
                .text(&l.segment.describe())
                .plain(l.weight)
                .plain(l.contribution);
            c.end();
            rows += 1;
        }
        if let ReviewUse::Rated {
            rating,
            score,
            weight,
            contribution,
        } = &r.review
        {
            c.text(&e.id)
                .text(&run.period.label)
                .text("manager_review")
                .text("上级评价")
                .text(&e.id);
            c.plain(*rating)
                .num("")
                .text("ratings table")
                .num("")
                .plain(*score)
                .text("review scale");
            c.plain(*weight).plain(*contribution);
            c.end();
            rows += 1;
        }
        rows
    };
    let rows = csv::par_rows(&header, &run.employees, row, &mut |t| out.push(t))?;
    out.finish(rows)
}

#[derive(Default)]
struct DeptTotals {
    headcount: usize,
    bonus: Decimal,
    project_bonus: Decimal,
    total: Decimal,
    score_sum: Decimal,
    bands: BTreeMap<String, usize>,
}

impl DeptTotals {
    fn add(&mut self, r: &crate::engine::EmployeeResult) {
        self.headcount += 1;
        self.bonus += r.bonus;
        self.project_bonus += r.project_bonus;
        self.total += r.total;
        self.score_sum += r.score;
        *self.bands.entry(r.band.clone()).or_default() += 1;
    }
}

pub fn summary(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> OutFile {
    let bands: Vec<&str> = lp
        .policy
        .rating_bands
        .iter()
        .map(|b| b.band.as_str())
        .collect();
    let mut header = vec![
        "level".to_string(),
        "department".into(),
        "headcount".into(),
        "bonus".into(),
        "project_bonus".into(),
        "total_payout".into(),
        "average_score".into(),
    ];
    header.extend(bands.iter().map(|b| format!("rating_{b}")));
    let mut c = Csv::with_header(&header.iter().map(String::as_str).collect::<Vec<_>>());
    let mut depts: BTreeMap<&str, DeptTotals> = BTreeMap::new();
    let mut all = DeptTotals::default();
    for r in &run.employees {
        depts
            .entry(&data.employees[r.employee].department)
            .or_default()
            .add(r);
        all.add(r);
    }
    let r = &lp.policy.rounding;
    let row = |c: &mut Csv, level: &str, name: &str, t: &DeptTotals| {
        let avg = if t.headcount == 0 {
            Decimal::ZERO
        } else {
            t.score_sum / Decimal::from(t.headcount)
        };
        c.text(level)
            .text(name)
            .num(t.headcount)
            .num(money(t.bonus, lp))
            .num(money(t.project_bonus, lp))
            .num(money(t.total, lp));
        c.num(round_fixed(avg, r.score_places, r.mode));
        for b in &bands {
            c.num(t.bands.get(*b).copied().unwrap_or(0));
        }
        c.end();
    };
    for (name, t) in &depts {
        row(&mut c, "department", name, t);
    }
    row(&mut c, "company", "", &all);
    // What payroll pays, per payout currency.
    let mut curs: BTreeMap<String, (usize, Decimal)> = BTreeMap::new();
    for r in &run.employees {
        let (cur, _, local) = local_payout(lp, r);
        let e = curs.entry(cur).or_default();
        e.0 += 1;
        e.1 += local;
    }
    for (cur, (n, total)) in &curs {
        c.text("currency")
            .text(cur)
            .num(n)
            .num("")
            .num("")
            .num(money(*total, lp))
            .num("");
        for _ in &bands {
            c.num("");
        }
        c.end();
    }
    OutFile {
        rel: "summary.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: depts.len() + 1 + curs.len(),
    }
}

/// The payout in the currency the employee is paid in: (currency, units of
/// the policy currency per unit, amount). Rate 1 for the policy currency.
pub fn local_payout(
    lp: &LoadedPolicy,
    r: &crate::engine::EmployeeResult,
) -> (String, Decimal, Decimal) {
    match &r.local {
        Some((c, rate, amount)) => (c.clone(), *rate, *amount),
        None => (lp.policy.currency.clone(), Decimal::ONE, r.total),
    }
}

/// Totals of one group, money as fixed-place text.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GroupTotals {
    pub headcount: usize,
    pub bonus: String,
    pub project_bonus: String,
    pub total_payout: String,
}

/// Control totals of a run: in the policy currency, per department, and per
/// payout currency (the amounts payroll pays).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ControlTotals {
    pub currency: String,
    pub headcount: usize,
    pub bonus: String,
    pub project_bonus: String,
    pub total_payout: String,
    pub by_department: BTreeMap<String, GroupTotals>,
    /// Payout currency → headcount and total paid in it (`bonus` and
    /// `project_bonus` are left empty: they are computed in the policy currency).
    pub by_currency: BTreeMap<String, GroupTotals>,
}

pub fn control_totals(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> ControlTotals {
    let sum = |f: fn(&crate::engine::EmployeeResult) -> Decimal| {
        run.employees.iter().map(f).sum::<Decimal>()
    };
    let mut depts: BTreeMap<String, (usize, Decimal, Decimal, Decimal)> = BTreeMap::new();
    let mut curs: BTreeMap<String, (usize, Decimal)> = BTreeMap::new();
    for r in &run.employees {
        let d = depts
            .entry(data.employees[r.employee].department.clone())
            .or_default();
        d.0 += 1;
        d.1 += r.bonus;
        d.2 += r.project_bonus;
        d.3 += r.total;
        let (cur, _, local) = local_payout(lp, r);
        let c = curs.entry(cur).or_default();
        c.0 += 1;
        c.1 += local;
    }
    ControlTotals {
        currency: lp.policy.currency.clone(),
        headcount: run.employees.len(),
        bonus: money(sum(|r| r.bonus), lp),
        project_bonus: money(sum(|r| r.project_bonus), lp),
        total_payout: money(sum(|r| r.total), lp),
        by_department: depts
            .into_iter()
            .map(|(k, (n, b, p, t))| {
                (
                    k,
                    GroupTotals {
                        headcount: n,
                        bonus: money(b, lp),
                        project_bonus: money(p, lp),
                        total_payout: money(t, lp),
                    },
                )
            })
            .collect(),
        by_currency: curs
            .into_iter()
            .map(|(k, (n, t))| {
                (
                    k,
                    GroupTotals {
                        headcount: n,
                        total_payout: money(t, lp),
                        ..Default::default()
                    },
                )
            })
            .collect(),
    }
}
