//! Stage 9: outputs — the files finance, HR and auditors read, built in
//! memory, then written all at once through [`atomic::Staging`].

pub mod adjust;
pub mod archive;
pub mod atomic;
pub mod balances;
pub mod csv;
pub mod deals;
pub mod display;
pub mod exceptions;
pub mod export;
pub mod feedback;
pub mod health;
pub mod manifest;
pub mod model;
pub mod report;
mod sheet;
pub mod spans;
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

/// The columns of `payouts.csv` for this policy: [`PAYOUT_COLUMNS`], with
/// `commission` before `total_payout` when the policy has commissions.
pub fn payout_columns(lp: &LoadedPolicy) -> Vec<&'static str> {
    let mut c = PAYOUT_COLUMNS.to_vec();
    let extra = extra_money(lp).map(|(name, _)| name);
    c.splice(9..9, extra);
    c
}

/// The money columns between `project_bonus` and `total_payout`: a plan's
/// commissions, and for a stateful plan its draw, recovery and carried
/// negative amount, with how to read each from a result.
#[allow(clippy::type_complexity)]
pub fn extra_money(
    lp: &LoadedPolicy,
) -> impl Iterator<Item = (&'static str, fn(&crate::engine::EmployeeResult) -> Decimal)> {
    let cols: [(
        &'static str,
        fn(&crate::engine::EmployeeResult) -> Decimal,
        bool,
    ); 5] = [
        (
            "commission",
            |r| r.commission,
            !lp.policy.commissions.is_empty(),
        ),
        ("clawback", |r| r.clawback, lp.policy.clawback.is_some()),
        (
            "draw",
            |r| r.balance.as_ref().map_or(Decimal::ZERO, |b| b.draw),
            lp.policy.is_stateful(),
        ),
        (
            "recovered",
            |r| r.balance.as_ref().map_or(Decimal::ZERO, |b| b.recovered),
            lp.policy.is_stateful(),
        ),
        (
            "carried",
            |r| r.balance.as_ref().map_or(Decimal::ZERO, |b| b.carried),
            lp.policy.is_stateful(),
        ),
    ];
    cols.into_iter().filter(|c| c.2).map(|(n, f, _)| (n, f))
}

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
    let columns = payout_columns(lp);
    let extra: Vec<_> = extra_money(lp).map(|(_, f)| f).collect();
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
            .dec(money_dec(r.project_bonus, lp));
        for f in &extra {
            c.dec(money_dec(f(r), lp));
        }
        c.dec(money_dec(r.total, lp));
        c.pre(&currency);
        let (cur, rate, local) = local_payout(lp, r);
        c.text(&cur).plain(rate).dec(money_dec(local, lp));
        c.end();
        1
    };
    let rows = csv::par_rows(&columns, &run.employees, row, &mut |t| out.push(t))?;
    out.finish(rows)
}

/// `scores.csv`; KPI names in the run's language.
pub fn scores(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    lang: crate::policy::Language,
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
        .map(|k| (csv::escaped(&k.id), csv::escaped(k.name.get(lang))))
        .collect();
    let mut out = manifest::Streamed::create(staging, "scores.csv")?;
    let row = |c: &mut Csv, r: &crate::engine::EmployeeResult| {
        let e = &data.employees[r.employee];
        let mut rows = 0;
        for l in &r.kpis {
            let (id, name) = &kpi_text[l.kpi_ix()];
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
                .text(match lang {
                    crate::policy::Language::ZhCn => "上级评价",
                    crate::policy::Language::En => "Manager review",
                })
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

/// Totals of a group of employees, exact (rounded only where written).
#[derive(Default)]
pub struct Totals {
    pub headcount: usize,
    pub bonus: Decimal,
    pub project_bonus: Decimal,
    pub commission: Decimal,
    /// Σ clawbacks (plans with `clawback`).
    pub clawback: Decimal,
    /// Draw paid, recovered and carried (stateful plans).
    pub draw: Decimal,
    pub recovered: Decimal,
    pub carried: Decimal,
    pub total: Decimal,
    /// What the run pays now, what was paid before and the overpayment
    /// carried ([`adjust::Due`]); a first run pays its whole total now.
    pub to_pay_now: Decimal,
    pub already_paid: Decimal,
    pub balance: Decimal,
    pub score_sum: Decimal,
    /// Rating band → people.
    pub bands: BTreeMap<String, usize>,
    /// KPI index → (sum of achievements, lines).
    pub kpis: BTreeMap<usize, (Decimal, usize)>,
}

impl Totals {
    /// The sum of one of [`extra_money`]'s columns.
    fn extra(&self, name: &str) -> Decimal {
        match name {
            "commission" => self.commission,
            "clawback" => self.clawback,
            "draw" => self.draw,
            "recovered" => self.recovered,
            _ => self.carried,
        }
    }

    fn add(&mut self, r: &crate::engine::EmployeeResult) {
        self.headcount += 1;
        self.bonus += r.bonus;
        self.project_bonus += r.project_bonus;
        self.commission += r.commission;
        self.clawback += r.clawback;
        if let Some(b) = &r.balance {
            self.draw += b.draw;
            self.recovered += b.recovered;
            self.carried += b.carried;
        }
        self.total += r.total;
        self.score_sum += r.score;
        *self.bands.entry(r.band.clone()).or_default() += 1;
        for l in &r.kpis {
            let e = self.kpis.entry(l.kpi_ix()).or_default();
            e.0 += l.achievement;
            e.1 += 1;
        }
    }

    fn add_due(&mut self, l: &adjust::DueLine) {
        self.to_pay_now += l.paid_now;
        self.already_paid += l.paid_before;
        self.balance += l.balance;
    }

    /// The mean final score, rounded once from its exact value.
    pub fn average_score(&self, places: u32, mode: crate::decimal::RoundingMode) -> Decimal {
        let n = Decimal::from(self.headcount.max(1));
        crate::exact::div_round(self.score_sum, n, places, mode)
            .unwrap_or_else(|| round_fixed(Decimal::ZERO, places, mode))
    }
}

/// A run's employees totalled once for every output that shows totals
/// (summary.csv, report.html, the control totals).
pub struct Groups<'a> {
    pub departments: BTreeMap<&'a str, Totals>,
    /// Everyone; in a re-run also those paid before and no longer in the
    /// run (their already paid and balance only).
    pub company: Totals,
    /// Payout currency → people, amounts in that currency.
    pub currencies: BTreeMap<String, CurrencyTotals>,
    /// A re-run (`--previous`).
    pub rerun: bool,
}

/// One payout currency's people and amounts, in that currency.
#[derive(Default)]
pub struct CurrencyTotals {
    pub headcount: usize,
    pub total: Decimal,
    pub to_pay_now: Decimal,
}

pub fn groups<'a>(
    lp: &LoadedPolicy,
    data: &'a Data,
    run: &RunResult,
    due: &adjust::Due,
) -> Groups<'a> {
    let mut g = Groups {
        departments: BTreeMap::new(),
        company: Totals::default(),
        currencies: BTreeMap::new(),
        rerun: due.rerun(),
    };
    let department =
        |r: &crate::engine::EmployeeResult| data.employees[r.employee].department.as_str();
    for r in &run.employees {
        g.departments.entry(department(r)).or_default().add(r);
        g.company.add(r);
        let (cur, _, local) = local_payout(lp, r);
        let c = g.currencies.entry(cur).or_default();
        c.headcount += 1;
        c.total += local;
    }
    for l in due.lines() {
        g.company.add_due(&l);
        if let Some(i) = l.result {
            let r = &run.employees[i];
            g.departments.entry(department(r)).or_default().add_due(&l);
            // Its currency has an entry from the loop above.
            if let Some(c) = g.currencies.get_mut(l.currency) {
                c.to_pay_now += l.paid_now_in_currency;
            }
        }
    }
    g
}

/// Columns of `summary.csv` before the `rating_BAND` columns.
pub const SUMMARY_COLUMNS: [&str; 10] = [
    "level",
    "department",
    "headcount",
    "to_pay_now",
    "already_paid",
    "balance_carried",
    "bonus",
    "project_bonus",
    "total_payout",
    "average_score",
];

pub fn summary(lp: &LoadedPolicy, groups: &Groups) -> OutFile {
    let bands: Vec<&str> = lp
        .policy
        .rating_bands
        .iter()
        .map(|b| b.band.as_str())
        .collect();
    let mut header: Vec<String> = SUMMARY_COLUMNS.iter().map(|c| c.to_string()).collect();
    let extra: Vec<&str> = extra_money(lp).map(|(n, _)| n).collect();
    for (i, name) in extra.iter().enumerate() {
        header.insert(8 + i, (*name).into());
    }
    header.extend(bands.iter().map(|b| format!("rating_{b}")));
    let mut c = Csv::with_header(&header.iter().map(String::as_str).collect::<Vec<_>>());
    let r = &lp.policy.rounding;
    let row = |c: &mut Csv, level: &str, name: &str, t: &Totals| {
        let avg = t.average_score(r.score_places, r.mode);
        c.text(level).text(name).num(t.headcount);
        c.num(money(t.to_pay_now, lp))
            .num(money(t.already_paid, lp))
            .num(money(t.balance, lp));
        c.num(money(t.bonus, lp)).num(money(t.project_bonus, lp));
        for name in &extra {
            c.num(money(t.extra(name), lp));
        }
        c.num(money(t.total, lp));
        c.num(round_fixed(avg, r.score_places, r.mode));
        for b in &bands {
            c.num(t.bands.get(*b).copied().unwrap_or(0));
        }
        c.end();
    };
    for (name, t) in &groups.departments {
        row(&mut c, "department", name, t);
    }
    row(&mut c, "company", "", &groups.company);
    // What payroll pays, per payout currency.
    for (cur, t) in &groups.currencies {
        c.text("currency")
            .text(cur)
            .num(t.headcount)
            .num(money(t.to_pay_now, lp));
        for _ in 0..4 + extra.len() {
            c.num("");
        }
        c.num(money(t.total, lp)).num("");
        for _ in &bands {
            c.num("");
        }
        c.end();
    }
    OutFile {
        rel: "summary.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: groups.departments.len() + 1 + groups.currencies.len(),
    }
}

/// The payout in the currency the employee is paid in: (currency, units of
/// the policy currency per unit, amount). Rate 1 for the policy currency.
pub fn local_payout(
    lp: &LoadedPolicy,
    r: &crate::engine::EmployeeResult,
) -> (String, Decimal, Decimal) {
    match r.local.as_deref() {
        Some((c, rate, amount)) => (c.clone(), *rate, *amount),
        None => (lp.policy.currency.clone(), Decimal::ONE, r.total),
    }
}

/// Totals of one group, money as fixed-place text (`""` where a value is
/// not stated for the group).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GroupTotals {
    pub headcount: usize,
    pub to_pay_now: String,
    pub already_paid: String,
    pub balance_carried: String,
    pub bonus: String,
    pub project_bonus: String,
    /// Σ commissions, for plans that have them (department groups).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commission: Option<String>,
    /// Σ clawbacks, for plans with `clawback`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub clawback: Option<String>,
    /// Σ draw paid, recovered and carried, for stateful plans.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub draw: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub recovered: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub carried: Option<String>,
    pub total_payout: String,
}

/// Control totals of a run: what to pay now first, then what was paid
/// before and the entitlement, in the policy currency; per department; and
/// per payout currency (the amounts payroll pays).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ControlTotals {
    pub currency: String,
    pub to_pay_now: String,
    pub already_paid: String,
    /// What the period comes to (= `total_payout`).
    pub entitlement: String,
    pub balance_carried: String,
    /// Whether something was paid before (`--previous`); not in the manifest.
    #[serde(skip)]
    pub rerun: bool,
    pub headcount: usize,
    pub bonus: String,
    pub project_bonus: String,
    /// Σ commissions, for plans that have them.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commission: Option<String>,
    /// Σ clawbacks, for plans with `clawback`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub clawback: Option<String>,
    /// Σ draw paid, recovered and carried, for stateful plans.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub draw: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub recovered: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub carried: Option<String>,
    pub total_payout: String,
    pub by_department: BTreeMap<String, GroupTotals>,
    /// Payout currency → headcount, to pay now and total in it (`bonus`,
    /// `project_bonus`, `already_paid` and `balance_carried` are left empty:
    /// they are computed in the policy currency).
    pub by_currency: BTreeMap<String, GroupTotals>,
}

impl ControlTotals {
    /// The run's total of a `payouts.csv` money column, by its name.
    pub fn of_column(&self, column: &str) -> Option<&str> {
        match column {
            "bonus" => Some(&self.bonus),
            "project_bonus" => Some(&self.project_bonus),
            "commission" => self.commission.as_deref(),
            "clawback" => self.clawback.as_deref(),
            "draw" => self.draw.as_deref(),
            "recovered" => self.recovered.as_deref(),
            "carried" => self.carried.as_deref(),
            "total_payout" => Some(&self.total_payout),
            _ => None,
        }
    }

    /// The totals in the one payout currency, when there is only one
    /// (amounts in several currencies do not add up).
    pub fn single_currency(&self) -> Option<&GroupTotals> {
        match self.by_currency.len() {
            1 => self.by_currency.values().next(),
            _ => None,
        }
    }
}

pub fn control_totals(lp: &LoadedPolicy, groups: &Groups) -> ControlTotals {
    let stateful = lp.policy.is_stateful();
    let group = |t: &Totals| GroupTotals {
        headcount: t.headcount,
        to_pay_now: money(t.to_pay_now, lp),
        already_paid: money(t.already_paid, lp),
        balance_carried: money(t.balance, lp),
        bonus: money(t.bonus, lp),
        project_bonus: money(t.project_bonus, lp),
        commission: (!lp.policy.commissions.is_empty()).then(|| money(t.commission, lp)),
        clawback: lp.policy.clawback.is_some().then(|| money(t.clawback, lp)),
        draw: stateful.then(|| money(t.draw, lp)),
        recovered: stateful.then(|| money(t.recovered, lp)),
        carried: stateful.then(|| money(t.carried, lp)),
        total_payout: money(t.total, lp),
    };
    let all = group(&groups.company);
    ControlTotals {
        currency: lp.policy.currency.clone(),
        to_pay_now: all.to_pay_now,
        already_paid: all.already_paid,
        entitlement: all.total_payout.clone(),
        balance_carried: all.balance_carried,
        rerun: groups.rerun,
        headcount: all.headcount,
        bonus: all.bonus,
        project_bonus: all.project_bonus,
        commission: all.commission,
        clawback: all.clawback,
        draw: all.draw,
        recovered: all.recovered,
        carried: all.carried,
        total_payout: all.total_payout,
        by_department: groups
            .departments
            .iter()
            .map(|(k, t)| ((*k).to_owned(), group(t)))
            .collect(),
        by_currency: groups
            .currencies
            .iter()
            .map(|(k, t)| {
                (
                    k.clone(),
                    GroupTotals {
                        headcount: t.headcount,
                        to_pay_now: money(t.to_pay_now, lp),
                        total_payout: money(t.total, lp),
                        ..Default::default()
                    },
                )
            })
            .collect(),
    }
}
