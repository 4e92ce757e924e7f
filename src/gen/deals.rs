//! Deals for plans with commissions on transactions: a `transactions`
//! table (deals sized to the quota the generator writes, some split
//! between two colleagues, some with overlay credit for the department's
//! first employee) and, for plans with `clawback`, a few `refunds` of them
//! in later months.

use super::rng::Rng;
use super::table::{per_employee_chunks, Rows, TableFile};
use super::{Model, Written, S_DEALS, S_REFUNDS};
use crate::error::Result;
use crate::policy::CommissionBase;
use crate::progress::Stage;
use chrono::{Days, NaiveDate};
use std::fmt::Write;
use std::path::Path;

/// One generated deal of an employee.
struct Deal {
    id: String,
    date: NaiveDate,
    /// In cents.
    cents: i64,
    product: String,
    territory: String,
    /// The colleague it is split with (60 % / 40 %), if any.
    partner: Option<String>,
    /// Who also gets overlay credit, if any.
    overlay: Option<String>,
}

impl Model<'_> {
    /// Whether `role` earns a commission paid on transactions.
    fn earns_on_deals(&self, role: &str) -> bool {
        self.lp
            .policy
            .commissions
            .iter()
            .any(|c| matches!(c.on, CommissionBase::Transactions(_)) && c.applies_to(role))
    }

    /// The products and territories the commissions filter on (a default
    /// when none do).
    fn deal_labels(&self) -> (Vec<String>, Vec<String>) {
        let mut products = Vec::new();
        let mut territories = Vec::new();
        for c in &self.lp.policy.commissions {
            if let CommissionBase::Transactions(f) = &c.on {
                products.extend(f.products.iter().flatten().cloned());
                territories.extend(f.territories.iter().flatten().cloned());
            }
        }
        for v in [&mut products, &mut territories] {
            v.sort();
            v.dedup();
        }
        if products.is_empty() {
            products.push("licence".into());
        }
        (products, territories)
    }
}

/// Employee `i`'s deals: 0–4 a month while employed, about a quarter of
/// the yearly quota (3 salaries) a month in all.
fn deals_of(m: &Model, i: usize, labels: &(Vec<String>, Vec<String>)) -> Vec<Deal> {
    let e = m.employee(i);
    let Some((a, b)) = e.active.filter(|_| m.earns_on_deals(&e.role)) else {
        return Vec::new();
    };
    let salary = m.profile(i, &e).salary;
    let mut r = Rng::stream(m.cfg.seed, S_DEALS, i as u64);
    let partner = (i + 1 < m.cfg.employees)
        .then(|| m.employee(i + 1))
        .filter(|p| p.dept == e.dept && m.earns_on_deals(&p.role));
    let lead = m.dept_first(e.dept);
    let mut out = Vec::new();
    for k in a..=b {
        let month = m.months[k];
        for n in 0..r.weighted(&[250, 350, 250, 110, 40]) {
            let day = r.range(0, 27) as u64;
            let date = (month.first_day() + Days::new(day)).max(e.hire.min(month.last_day()));
            let in_month = |p: &super::Emp| p.active.is_some_and(|(x, y)| (x..=y).contains(&k));
            out.push(Deal {
                id: format!("{}-{}-{n}", e.id, month),
                date,
                cents: salary * r.range(20, 160) / 3,
                product: r
                    .pick(&labels.0.iter().map(String::as_str).collect::<Vec<_>>())
                    .to_owned(),
                territory: if labels.1.is_empty() {
                    format!("region-{}", m.departments[e.dept])
                } else {
                    r.pick(&labels.1.iter().map(String::as_str).collect::<Vec<_>>())
                        .to_owned()
                },
                partner: partner
                    .as_ref()
                    .filter(|p| in_month(p) && r.chance(120))
                    .map(|p| p.id.clone()),
                overlay: (lead != i && r.chance(100)).then(|| m.employee_id(lead)),
            });
        }
    }
    out
}

fn cents(rows: &mut Rows, c: i64) {
    let _ = write!(rows.text, "{}.{:02}", c / 100, c % 100);
    rows.end_cell();
}

/// `transactions`, when a commission is paid on deals.
pub(super) fn transactions(m: &Model, dir: &Path) -> Result<Option<Written>> {
    let on_deals = m.lp.policy.commissions.iter();
    if !on_deals
        .clone()
        .any(|c| matches!(c.on, CommissionBase::Transactions(_)))
    {
        return Ok(None);
    }
    let labels = m.deal_labels();
    let n = m.cfg.employees;
    let stage = Stage::new("gen transactions", n as u64);
    let columns = &[
        "deal_id",
        "employee_id",
        "date",
        "amount",
        "share",
        "credit",
        "product",
        "customer",
        "territory",
    ];
    let mut t = TableFile::create(dir, "transactions", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(columns.len());
        for i in range {
            let owner = m.employee_id(i);
            for d in deals_of(m, i, &labels) {
                let mut credit = |who: &str, share: &str, kind: &str| {
                    rows.cell(&d.id);
                    rows.cell(who);
                    rows.cell(&d.date.to_string());
                    cents(&mut rows, d.cents);
                    rows.cell(share);
                    rows.cell(kind);
                    rows.cell(&d.product);
                    rows.cell(&format!("C{:05}", d.cents % 99_991));
                    rows.cell(&d.territory);
                };
                match &d.partner {
                    Some(p) => {
                        credit(&owner, "60", "direct");
                        credit(p, "40", "direct");
                    }
                    None => credit(&owner, "100", "direct"),
                }
                if let Some(o) = &d.overlay {
                    if d.partner.as_ref() != Some(o) {
                        credit(o, "100", "overlay");
                    }
                }
            }
        }
        rows
    })?;
    stage.finish();
    t.finish().map(Some)
}

/// `refunds`, for plans with `clawback`: about 3 % of deals refunded, in
/// full or in half, one to three months later (inside the generated months).
pub(super) fn refunds(m: &Model, dir: &Path) -> Result<Option<Written>> {
    if m.lp.policy.clawback.is_none() {
        return Ok(None);
    }
    let labels = m.deal_labels();
    let n = m.cfg.employees;
    let last = m.months[m.months.len() - 1].last_day();
    let stage = Stage::new("gen refunds", n as u64);
    let columns = &["deal_id", "date", "amount", "reason"];
    let mut t = TableFile::create(dir, "refunds", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(columns.len());
        for i in range {
            let mut r = Rng::stream(m.cfg.seed, S_REFUNDS, i as u64);
            for d in deals_of(m, i, &labels) {
                if !r.chance(30) {
                    continue;
                }
                let date = d.date + Days::new(r.range(20, 90) as u64);
                let whole = r.chance(500);
                if date > last {
                    continue;
                }
                rows.cell(&d.id);
                rows.cell(&date.to_string());
                cents(&mut rows, if whole { d.cents } else { d.cents / 2 });
                rows.cell(if whole { "cancelled" } else { "partial return" });
            }
        }
        rows
    })?;
    stage.finish();
    t.finish().map(Some)
}

/// `assignments`, when a commission credits territories: each employee
/// whose role earns one covers their department's region from the first
/// generated month (or their hire), open-ended.
pub(super) fn assignments(m: &Model, dir: &Path) -> Result<Option<Written>> {
    let by_territory = |c: &crate::policy::Commission| matches!(&c.on, CommissionBase::Transactions(f) if f.from == crate::policy::CreditFrom::Territory);
    let roles: Vec<&crate::policy::Commission> =
        m.lp.policy
            .commissions
            .iter()
            .filter(|c| by_territory(c))
            .collect();
    if roles.is_empty() {
        return Ok(None);
    }
    let n = m.cfg.employees;
    let stage = Stage::new("gen assignments", n as u64);
    let columns = &["employee_id", "territory", "start", "end"];
    let mut t = TableFile::create(dir, "assignments", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(columns.len());
        for i in range {
            let e = m.employee(i);
            if e.active.is_none() || !roles.iter().any(|c| c.applies_to(&e.role)) {
                continue;
            }
            rows.cell(&e.id);
            rows.cell(&format!("region-{}", m.departments[e.dept]));
            rows.cell(&e.hire.max(m.months[0].first_day()).to_string());
            rows.cell("");
        }
        rows
    })?;
    stage.finish();
    t.finish().map(Some)
}
