//! The data folder's CSV tables, read with a plain comma split (the
//! generator writes no quotes; the shipped fixtures have none either).
//!
//! Table and column names are the ones docs/policy.md and the fixtures use:
//! employees (employee_id, department, role, base_salary, target_bonus_pct,
//! hire_date, termination_date?, currency?), metrics (subject_id, month,
//! metric, value), targets (subject_id, period, kpi, target), ratings
//! (employee_id, period, rating), projects (employee_id, period, project,
//! amount, approved), benchmarks (kpi, period, value), budgets (subject_id,
//! period, budget), fx_rates (currency, month, rate_to_policy_currency);
//! from docs/data.md: transactions (deal_id, employee_id, date, amount,
//! share?, credit?, product?, customer?, territory?), refunds (deal_id,
//! date, amount, reason?), and the employees table's extra columns (the
//! policy's `inputs`).

use super::num::{self, Q};
use super::period::{Date, Month};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Clone, Debug)]
pub struct Employee {
    pub id: String,
    pub department: String,
    pub role: String,
    pub base_salary: Q,
    pub target_bonus_pct: Q,
    pub hire: Date,
    pub term: Option<Date>,
    /// `None` (column absent or empty): the policy currency.
    pub currency: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Project {
    pub employee: String,
    pub period: String,
    pub amount: Q,
    pub approved: bool,
}

/// A `transactions` row (docs/data.md): one credited employee of a deal.
#[derive(Clone, Debug)]
pub struct Txn {
    pub deal: String,
    pub employee: String,
    pub date: Date,
    pub amount: Q,
    /// Percent; an empty or absent cell is 100. `None`: not a decimal nor
    /// `N/D` with a whole D from 1 to 100 (a data error).
    pub share: Option<Q>,
    pub overlay: bool,
    pub product: Option<String>,
    pub customer: Option<String>,
    pub territory: Option<String>,
}

/// A `refunds` row.
#[derive(Clone, Debug)]
pub struct Refund {
    pub deal: String,
    pub date: Date,
    pub amount: Q,
}

#[derive(Clone, Debug, Default)]
pub struct Data {
    pub employees: Vec<Employee>,
    /// (subject, metric) → month → value.
    pub metrics: HashMap<(String, String), BTreeMap<Month, Q>>,
    /// (subject, period label, kpi) → target.
    pub targets: HashMap<(String, String, String), Q>,
    /// (employee, period label) → rating.
    pub ratings: HashMap<(String, String), Q>,
    pub projects: Vec<Project>,
    /// (kpi, period label) → value.
    pub benchmarks: HashMap<(String, String), Q>,
    /// (subject, period label) → budget.
    pub budgets: HashMap<(String, String), Q>,
    /// (currency, month) → policy-currency units per unit.
    pub fx: HashMap<(String, Month), Q>,
    /// The employees table's header.
    pub employee_columns: Vec<String>,
    /// (employee, column) → the cell, for columns that are not the
    /// table's own (the policy's inputs); empty cells left out.
    pub inputs: HashMap<(String, String), String>,
    pub transactions: Vec<Txn>,
    pub refunds: Vec<Refund>,
}

const OWN_COLUMNS: [&str; 10] = [
    "employee_id",
    "name",
    "department",
    "role",
    "base_salary",
    "target_bonus_pct",
    "hire_date",
    "termination_date",
    "manager_id",
    "currency",
];

/// A share cell: empty is 100; a decimal, or `N/D` with a decimal N and a
/// whole D from 1 to 100.
pub fn share(cell: &str) -> Option<Q> {
    if cell.is_empty() {
        return Some(num::int(100));
    }
    match cell.split_once('/') {
        None => num::dec(cell),
        Some((n, d)) => {
            let d: i64 = d.trim().parse().ok().filter(|d| (1..=100).contains(d))?;
            Some(num::dec(n)? / num::int(d))
        }
    }
}

/// Rows of table `name` as maps by header; an absent table is no rows.
fn table(read: &dyn Fn(&str) -> Option<String>, name: &str) -> Vec<HashMap<String, String>> {
    let Some(text) = read(name) else {
        return vec![];
    };
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return vec![];
    };
    let cols: Vec<String> = header.split(',').map(|c| c.trim().to_string()).collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), cols.len(), "{name}.csv: {l}");
            cols.iter()
                .cloned()
                .zip(cells.iter().map(|c| c.trim().to_string()))
                .collect()
        })
        .collect()
}

fn col<'a>(row: &'a HashMap<String, String>, c: &str) -> &'a str {
    row.get(c).map_or("", |s| s.as_str())
}

fn opt(row: &HashMap<String, String>, c: &str) -> Option<String> {
    Some(col(row, c))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap_or_else(|| panic!("bad date {s:?}"))
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap_or_else(|| panic!("bad month {s:?}"))
}

fn deals(read: &dyn Fn(&str) -> Option<String>, d: &mut Data) {
    for r in table(read, "transactions") {
        d.transactions.push(Txn {
            deal: col(&r, "deal_id").into(),
            employee: col(&r, "employee_id").into(),
            date: date(col(&r, "date")),
            amount: num::d(col(&r, "amount")),
            share: share(col(&r, "share")),
            overlay: col(&r, "credit") == "overlay",
            product: opt(&r, "product"),
            customer: opt(&r, "customer"),
            territory: opt(&r, "territory"),
        });
    }
    for r in table(read, "refunds") {
        d.refunds.push(Refund {
            deal: col(&r, "deal_id").into(),
            date: date(col(&r, "date")),
            amount: num::d(col(&r, "amount")),
        });
    }
}

pub fn load(dir: &Path) -> Data {
    from_tables(&|name| std::fs::read_to_string(dir.join(format!("{name}.csv"))).ok())
}

/// The tables' CSV texts by name (without `.csv`).
pub fn from_tables(read: &dyn Fn(&str) -> Option<String>) -> Data {
    let mut d = Data::default();
    for r in table(read, "employees") {
        d.employees.push(Employee {
            id: col(&r, "employee_id").into(),
            department: col(&r, "department").into(),
            role: col(&r, "role").into(),
            base_salary: num::d(col(&r, "base_salary")),
            target_bonus_pct: num::d(col(&r, "target_bonus_pct")),
            hire: date(col(&r, "hire_date")),
            term: opt(&r, "termination_date").map(|s| date(&s)),
            currency: opt(&r, "currency"),
        });
        for (k, v) in &r {
            if !OWN_COLUMNS.contains(&k.as_str()) && !v.is_empty() {
                let key = (col(&r, "employee_id").to_string(), k.clone());
                d.inputs.insert(key, v.clone());
            }
        }
    }
    if let Some(h) = read("employees").and_then(|t| t.lines().next().map(str::to_string)) {
        d.employee_columns = h.split(',').map(|c| c.trim().to_string()).collect();
    }
    deals(read, &mut d);
    for r in table(read, "metrics") {
        d.metrics
            .entry((col(&r, "subject_id").into(), col(&r, "metric").into()))
            .or_default()
            .insert(month(col(&r, "month")), num::d(col(&r, "value")));
    }
    for r in table(read, "targets") {
        let key = (
            col(&r, "subject_id").into(),
            col(&r, "period").into(),
            col(&r, "kpi").into(),
        );
        d.targets.insert(key, num::d(col(&r, "target")));
    }
    for r in table(read, "ratings") {
        let key = (col(&r, "employee_id").into(), col(&r, "period").into());
        d.ratings.insert(key, num::d(col(&r, "rating")));
    }
    for r in table(read, "projects") {
        d.projects.push(Project {
            employee: col(&r, "employee_id").into(),
            period: col(&r, "period").into(),
            amount: num::d(col(&r, "amount")),
            // assumption: `approved` is yes/no (the fixture's spelling); true/false too
            approved: matches!(col(&r, "approved"), "yes" | "true"),
        });
    }
    for r in table(read, "benchmarks") {
        let key = (col(&r, "kpi").into(), col(&r, "period").into());
        d.benchmarks.insert(key, num::d(col(&r, "value")));
    }
    for r in table(read, "budgets") {
        let key = (col(&r, "subject_id").into(), col(&r, "period").into());
        d.budgets.insert(key, num::d(col(&r, "budget")));
    }
    for r in table(read, "fx_rates") {
        let key = (col(&r, "currency").into(), month(col(&r, "month")));
        d.fx.insert(key, num::d(col(&r, "rate_to_policy_currency")));
    }
    d
}
