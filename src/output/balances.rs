//! `balances.csv`: what each employee carries into the next run of a
//! stateful plan (docs/policy.md, Year-to-date, draws and balances) — and
//! reading it back from the previous run (`merit run --after`).

use super::csv::Csv;
use super::OutFile;
use crate::data::table::Table;
use crate::data::Data;
use crate::decimal::parse_decimal;
use crate::engine::balance::{Carried, CarriedRow};
use crate::engine::RunResult;
use crate::error::{Diagnostic, Error, Result};
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

/// The largest amount a balances cell may hold: far above any pay, far
/// below where sums could overflow.
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// The year-to-date commissions' ids, in policy order.
fn ytd_ids(lp: &LoadedPolicy) -> Vec<&str> {
    lp.policy
        .commissions
        .iter()
        .filter(|c| c.ytd)
        .map(|c| c.id.as_str())
        .collect()
}

/// The rows after this run: everyone in the run, then those only the
/// previous run carried (someone who left keeps what they owe).
pub fn after(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    before: &Carried,
) -> (String, BTreeMap<String, (CarriedRow, Decimal)>) {
    // The engine checked the period lies in one plan year.
    let start = lp
        .policy
        .plan_year(&run.period)
        .map_or(run.period.start(), |y| y.0);
    let same_year = before.plan_year == Some(start);
    let forgive = lp.policy.forgives_after(&run.period);
    let mut rows = BTreeMap::new();
    for (id, r) in &before.rows {
        let (owed, forgiven) = if forgive {
            (Decimal::ZERO, r.owed)
        } else {
            (r.owed, Decimal::ZERO)
        };
        let paid_ytd = if same_year {
            r.paid_ytd.clone()
        } else {
            BTreeMap::new()
        };
        rows.insert(id.clone(), (CarriedRow { owed, paid_ytd }, forgiven));
    }
    for er in &run.employees {
        let e = &data.employees[er.employee];
        let b = er.balance.clone().unwrap_or_default();
        // What the year paid before, for commissions the employee did not
        // earn this period (a change of role), then this period's.
        let mut paid_ytd = rows
            .get(&e.id)
            .map(|r: &(CarriedRow, Decimal)| r.0.paid_ytd.clone())
            .unwrap_or_default();
        for l in &er.commissions {
            // What the year has paid: the year to date, or what was paid
            // before when this run defers it (`pay_every: quarter`).
            if let Some((_, before)) = l.ytd {
                let id = lp.policy.commissions[l.commission].id.clone();
                paid_ytd.insert(id, before + l.amount);
            }
        }
        rows.insert(
            e.id.clone(),
            (
                CarriedRow {
                    owed: b.owed_after,
                    paid_ytd,
                },
                b.forgiven,
            ),
        );
    }
    // Someone the ledger names who is not in the run owes their clawbacks.
    for (id, claw) in run.deals.iter().flat_map(|d| &d.absent) {
        let r = rows
            .entry(id.clone())
            .or_insert_with(|| (CarriedRow::default(), Decimal::ZERO));
        if forgive {
            r.1 -= claw;
        } else {
            r.0.owed -= claw;
        }
    }
    (start.to_string(), rows)
}

/// `balances.csv`: `employee_id, plan_year, owed, forgiven, paid_ytd_ID…`.
pub fn csv(lp: &LoadedPolicy, data: &Data, run: &RunResult, before: &Carried) -> OutFile {
    let ids = ytd_ids(lp);
    let mut header = vec![
        "employee_id".to_owned(),
        "plan_year".into(),
        "owed".into(),
        "forgiven".into(),
    ];
    header.extend(ids.iter().map(|id| format!("paid_ytd_{id}")));
    let mut c = Csv::with_header(&header.iter().map(String::as_str).collect::<Vec<_>>());
    let (year, rows) = after(lp, data, run, before);
    let places = lp.policy.rounding.money_places;
    let money = |d: Decimal| crate::decimal::round_fixed(d, places, lp.policy.rounding.mode);
    for (id, (r, forgiven)) in &rows {
        c.text(id)
            .text(&year)
            .dec(money(r.owed))
            .dec(money(*forgiven));
        for cid in &ids {
            c.dec(money(r.paid_ytd.get(*cid).copied().unwrap_or_default()));
        }
        c.end();
    }
    OutFile {
        rel: "balances.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: rows.len(),
    }
}

/// Reads a previous run's `balances.csv` (in `dir`, verified by the
/// caller): one row per employee, one plan year, amounts not negative and
/// of at most `places` decimals, as merit writes them.
pub fn read(dir: &Path, places: u32) -> Result<Carried> {
    let path = dir.join("balances.csv");
    let t = Table::read("balances", &path)?;
    let fail = |row: usize, col: &str, m: String| Error::one(t.cell_error(row, col, m));
    let names: Vec<String> =
        t.df.get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
    let col = |n: &str| {
        t.column(n).ok_or_else(|| {
            Error::one(Diagnostic::error(
                &path,
                format!("balances.csv has no column '{n}'"),
            ))
        })
    };
    let (ids, years, owed) = (col("employee_id")?, col("plan_year")?, col("owed")?);
    let ytd: Vec<(String, Vec<Option<&str>>)> = names
        .iter()
        .filter_map(|n| {
            n.strip_prefix("paid_ytd_")
                .map(|id| (id.to_owned(), t.column(n).unwrap_or_default()))
        })
        .collect();
    let amount = |row: usize, col: &str, v: Option<&str>| -> Result<Decimal> {
        let d = parse_decimal(v.unwrap_or("")).map_err(|m| fail(row, col, m))?;
        let written =
            d >= Decimal::ZERO && d <= Decimal::from(MAX_AMOUNT) && d.normalize().scale() <= places;
        if !written {
            let m = format!(
                "{d} is not a balance merit writes (not negative, at most {places} decimals)"
            );
            return Err(fail(row, col, m));
        }
        Ok(d)
    };
    let mut carried = Carried::default();
    for row in 0..t.rows() {
        let year = chrono::NaiveDate::parse_from_str(years[row].unwrap_or(""), "%Y-%m-%d")
            .map_err(|_| fail(row, "plan_year", "not a date".into()))?;
        if carried.plan_year.is_some_and(|y| y != year) {
            return Err(fail(
                row,
                "plan_year",
                "rows of more than one plan year".into(),
            ));
        }
        carried.plan_year = Some(year);
        let mut r = CarriedRow {
            owed: amount(row, "owed", owed[row])?,
            paid_ytd: BTreeMap::new(),
        };
        for (id, cells) in &ytd {
            r.paid_ytd.insert(
                id.clone(),
                amount(row, &format!("paid_ytd_{id}"), cells[row])?,
            );
        }
        let id = crate::output::csv::unneutralise(ids[row].unwrap_or("")).to_owned();
        if carried.rows.insert(id.clone(), r).is_some() {
            return Err(fail(
                row,
                "employee_id",
                format!("employee {id} has two rows"),
            ));
        }
    }
    Ok(carried)
}
