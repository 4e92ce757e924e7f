//! `merit test` for plans whose runs form a chain: a case may give what the
//! previous run left (`after:` its `balances.csv` and `deals.csv` rows) and
//! expect the draw, recovery, carried amount, clawback and balances
//! (docs/policy.md, Test cases).

use super::test::{check_number, Expect, Mismatch, Row};
use super::test_tables::write_table;
use crate::engine::balance::Carried;
use crate::engine::EmployeeResult;
use crate::policy::LoadedPolicy;
use serde::Deserialize;
use std::path::Path;

/// What the previous run of the chain left, as its files would hold it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct After {
    /// The plan year's first day (`YYYY-MM-DD`), written into every balances row.
    pub plan_year: String,
    /// Rows of `balances.csv`: `employee_id, owed, forgiven, paid_ytd_ID…`.
    #[serde(default)]
    pub balances: Vec<Row>,
    /// Rows of `deals.csv`.
    #[serde(default)]
    pub deals: Vec<Row>,
}

/// Reads `after` as `merit run --after` reads a previous run's files (the
/// same checks), from a scratch folder.
pub fn carried(lp: &LoadedPolicy, after: &After, dir: &Path) -> Result<Carried, String> {
    let year = chrono::NaiveDate::parse_from_str(&after.plan_year, "%Y-%m-%d")
        .map_err(|_| format!("plan_year '{}' is not a date (YYYY-MM-DD)", after.plan_year))?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut rows = after.balances.clone();
    for r in &mut rows {
        r.entry("plan_year".into())
            .or_insert_with(|| serde_yaml::Value::String(after.plan_year.clone()));
        r.entry("forgiven".into())
            .or_insert_with(|| serde_yaml::Value::String("0".into()));
    }
    let balances = (
        &["employee_id", "plan_year", "owed", "forgiven"][..],
        &[][..],
    );
    // An empty table still needs its header: balances.csv always has one.
    write_table(dir, "balances", balances, &rows, true).map_err(|e| e.to_string())?;
    let places = lp.policy.rounding.money_places;
    let mut c = crate::output::balances::read(dir, places).map_err(|e| e.to_string())?;
    if !after.deals.is_empty() {
        let cols = crate::output::deals::COLUMNS;
        write_table(dir, "deals", (&cols[..], &[]), &after.deals, true)
            .map_err(|e| e.to_string())?;
        c.deals = crate::output::deals::read(dir, places).map_err(|e| e.to_string())?;
    }
    c.plan_year = Some(year);
    Ok(c)
}

/// The balance keys of `expect` against the result.
pub fn compare(emp: &str, exp: &Expect, r: &EmployeeResult, out: &mut Vec<Mismatch>) {
    let b = r.balance.clone().unwrap_or_default();
    let checks = [
        ("draw", &exp.draw, b.draw),
        ("recovered", &exp.recovered, b.recovered),
        ("carried", &exp.carried, b.carried),
        ("clawback", &exp.clawback, r.clawback),
        ("owed", &exp.owed, b.owed_after),
        ("forgiven", &exp.forgiven, b.forgiven),
    ];
    for (name, e, a) in checks {
        check_number(out, format!("{emp} {name}"), e, a);
    }
}
