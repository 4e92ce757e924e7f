//! `payouts.xlsx`: the payroll workbook — in a re-run first what to pay
//! now per employee, then payouts, department summary, control totals and
//! exceptions. Money cells are numbers with a money format (Excel keeps
//! numbers as doubles; 15 significant digits carry any cent amount below a
//! trillion exactly). Text from data is neutralised like in the CSV files.
//! The writer stamps the current time into docProps/core.xml; merit
//! replaces it with the period's start, so the same run gives the same bytes.
//! The sheets with a row per employee or exception are written in constant
//! memory (`sheet.rs`): a million rows cost no more memory than a hundred.

use super::adjust::Due;
use super::csv::neutralise;
use super::exceptions::Exception;
use super::sheet::{xlsx_err, Sheet};
use crate::data::Data;
use crate::engine::RunResult;
use crate::error::{Error, Result};
use crate::policy::LoadedPolicy;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};

fn money_format(places: u32) -> Format {
    let frac = if places == 0 {
        String::new()
    } else {
        format!(".{}", "0".repeat(places as usize))
    };
    Format::new().set_num_format(format!("#,##0{frac}"))
}

/// Text as a cell holds it: neutralised, and cut to Excel's 32,767
/// characters (a long exception's detail; the CSV has it whole).
fn cell(t: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_000;
    let t = neutralise(t);
    match t.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}… (cut: the CSV file has it all)", &t[..at]).into(),
        None => t,
    }
}

fn number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A money amount the control totals hold as text.
fn amount(text: &str) -> f64 {
    number(text.parse().unwrap_or_default())
}

fn header(ws: &mut Sheet, cols: &[&str]) -> Result<()> {
    let bold = Format::new().set_bold();
    for (i, c) in cols.iter().enumerate() {
        ws.text_with(0, i as u16, c, &bold)?;
    }
    Ok(())
}

/// A totals row under `rows` data rows: `Total` in the first column and,
/// per money column, `=SUM(…)` over the rows with the control total (the
/// exact sum, as money text) as the formula's result — what a reader sees
/// before recalculating.
fn totals_row(ws: &mut Sheet, rows: usize, sums: &[(u16, &str)], money: &Format) -> Result<()> {
    let row = rows as u32 + 1;
    ws.text_with(row, 0, "Total", &Format::new().set_bold())?;
    let bold_money = money.clone().set_bold();
    let mut sums = sums.to_vec();
    // Constant-memory rows are written left to right.
    sums.sort_by_key(|&(col, _)| col);
    for (col, sum) in sums {
        let name = rust_xlsxwriter::utility::column_number_to_name(col);
        ws.formula(
            row,
            col,
            &format!("=SUM({name}2:{name}{row})"),
            sum,
            &bold_money,
        )?;
    }
    Ok(())
}

/// Excel's sheet holds 1,048,576 rows: the header, the rows, a totals row.
const MAX_ROWS: usize = 1_048_574;

pub fn check_rows(employees: usize) -> Result<()> {
    if employees > MAX_ROWS {
        return Err(Error::Usage(format!(
            "payouts.xlsx can hold at most {MAX_ROWS} employees (Excel's row limit) and this run pays {employees}; \
             run with --skip workbook (payouts.csv has every row)"
        )));
    }
    Ok(())
}

/// The workbook's bytes; the big sheets' rows wait in temporary files in
/// `tmp` (the staging folder: on the output's disk, not in memory).
pub fn build(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    (totals, due, exceptions): (&super::ControlTotals, &Due, &[Exception]),
    tmp: &std::path::Path,
) -> Result<Vec<u8>> {
    check_rows(run.employees.len())?;
    check_rows(due.len())?;
    let places = lp.policy.rounding.money_places;
    let money = money_format(places);
    let mut wb = Workbook::new();
    wb.set_tempdir(tmp).map_err(xlsx_err)?;
    if due.rerun() {
        let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
        to_pay_now_sheet(Sheet::measured(ws), lp, data, run, (due, totals), &money)?;
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
    payouts_sheet(Sheet::measured(ws), lp, data, run, totals, &money)?;
    departments_sheet(Sheet::held(wb.add_worksheet()), totals, &money)?;
    control_totals_sheet(Sheet::held(wb.add_worksheet()), totals, &money)?;
    let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
    exceptions_sheet(Sheet::measured(ws), exceptions)?;
    run_sheet(Sheet::held(wb.add_worksheet()), lp, data, run, totals)?;
    stamped(&mut wb, run.period.start())?;
    wb.save_to_buffer().map_err(xlsx_err)
}

/// The workbook stamped with `day` as created and modified time (the
/// writer would stamp the clock), so the same run gives the same bytes.
pub fn stamped(wb: &mut Workbook, day: chrono::NaiveDate) -> Result<()> {
    use chrono::Datelike;
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(
        day.year() as u16,
        day.month() as u8,
        day.day() as u8,
    )
    .map_err(xlsx_err)?;
    let props = rust_xlsxwriter::DocProperties::new().set_creation_datetime(&date);
    wb.set_properties(&props);
    Ok(())
}

/// The Run sheet: what was paid from what — period, plan, currency, the
/// input files with their sha256 (as in manifest.json), and where the
/// approvals are recorded.
fn run_sheet(
    mut ws: Sheet,
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    totals: &super::ControlTotals,
) -> Result<()> {
    ws.ws.set_name("Run").map_err(xlsx_err)?;
    header(&mut ws, &["item", "value", "rows", "bytes", "sha256"])?;
    let p = &lp.policy;
    let item = |k: &str, v: String| [k.to_owned(), v, String::new(), String::new(), String::new()];
    let mut rows: Vec<[String; 5]> = vec![
        item("period", run.period.label.clone()),
        item("from", run.period.start().to_string()),
        item("to", run.period.end().to_string()),
        item("policy", format!("{} {}", p.id, p.version)),
        item("currency", p.currency.clone()),
        item("employees paid", totals.headcount.to_string()),
        item("total payout", totals.total_payout.clone()),
        item(
            "computed by",
            format!("merit {}", env!("CARGO_PKG_VERSION")),
        ),
        item(
            "approvals",
            "recorded in the run ledger: merit status / merit approve".into(),
        ),
    ];
    for f in &data.files {
        rows.push([
            format!("input {}", f.table),
            f.file_name.clone(),
            f.rows.to_string(),
            f.bytes.len().to_string(),
            f.sha256().to_owned(),
        ]);
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, t) in r.iter().enumerate() {
            ws.text(i as u32 + 1, c as u16, &cell(t))?;
        }
    }
    ws.finish(rows.len(), 5)
}

/// The Payouts sheet: one row per employee, the columns of `payouts.csv`.
fn payouts_sheet(
    mut ws: Sheet,
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    totals: &super::ControlTotals,
    money: &Format,
) -> Result<()> {
    ws.ws.set_name("Payouts").map_err(xlsx_err)?;
    header(&mut ws, &super::payout_columns(lp))?;
    // Columns after project_bonus move right by the plan's extra money columns.
    let extra: Vec<_> = super::extra_money(lp).map(|(_, f)| f).collect();
    let shift = extra.len() as u16;
    for (i, r) in run.employees.iter().enumerate() {
        let row = i as u32 + 1;
        let e = &data.employees[r.employee];
        for (c, t) in [&e.id, &e.name, &e.department, &e.role, &run.period.label]
            .iter()
            .enumerate()
        {
            ws.text(row, c as u16, &cell(t))?;
        }
        ws.number(row, 5, number(r.score), None)?;
        ws.text(row, 6, &cell(&r.band))?;
        ws.number(row, 7, number(r.bonus), Some(money))?;
        ws.number(row, 8, number(r.project_bonus), Some(money))?;
        for (i, f) in extra.iter().enumerate() {
            ws.number(row, 9 + i as u16, number(f(r)), Some(money))?;
        }
        ws.number(row, 9 + shift, number(r.total), Some(money))?;
        ws.text(row, 10 + shift, &lp.policy.currency)?;
        let (cur, rate, local) = super::local_payout(lp, r);
        ws.text(row, 11 + shift, &cur)?;
        ws.number(row, 12 + shift, number(rate), None)?;
        ws.number(row, 13 + shift, number(local), Some(money))?;
    }
    // The control totals are the sums of these columns.
    let mut sums: Vec<(u16, &str)> = super::payout_columns(lp)
        .iter()
        .enumerate()
        .filter_map(|(c, name)| totals.of_column(name).map(|v| (c as u16, v)))
        .collect();
    if let Some(t) = totals.single_currency() {
        sums.push((13 + shift, &t.total_payout));
    }
    let n = run.employees.len();
    totals_row(&mut ws, n, &sums, money)?;
    ws.finish(n, 14 + shift as usize)
}

/// The Departments sheet: headcount and money per department, what to
/// pay now first.
fn departments_sheet(mut ws: Sheet, totals: &super::ControlTotals, money: &Format) -> Result<()> {
    ws.ws.set_name("Departments").map_err(xlsx_err)?;
    // summary.csv's money columns, department to total_payout.
    header(&mut ws, &super::SUMMARY_COLUMNS[1..9])?;
    for (i, (dept, t)) in totals.by_department.iter().enumerate() {
        let row = i as u32 + 1;
        ws.text(row, 0, &cell(dept))?;
        ws.number(row, 1, t.headcount as f64, None)?;
        let values = [
            &t.to_pay_now,
            &t.already_paid,
            &t.balance_carried,
            &t.bonus,
            &t.project_bonus,
            &t.total_payout,
        ];
        for (c, v) in values.into_iter().enumerate() {
            ws.number(row, c as u16 + 2, amount(v), Some(money))?;
        }
    }
    let n = totals.by_department.len();
    let all = [
        &totals.to_pay_now,
        &totals.already_paid,
        &totals.balance_carried,
        &totals.bonus,
        &totals.project_bonus,
        &totals.total_payout,
    ];
    let sums: Vec<(u16, &str)> = all
        .iter()
        .enumerate()
        .map(|(c, t)| (c as u16 + 2, t.as_str()))
        .collect();
    totals_row(&mut ws, n, &sums, money)?;
    let heads = format!("=SUM(B2:B{})", n + 1);
    let bold = Format::new().set_bold();
    ws.formula(
        n as u32 + 1,
        1,
        &heads,
        &totals.headcount.to_string(),
        &bold,
    )?;
    ws.finish(n, 8)
}

/// The Control totals sheet: what to pay now, already paid, the
/// entitlement and the balance carried; the run's totals; then per payout
/// currency what to pay now and the total.
fn control_totals_sheet(
    mut ws: Sheet,
    totals: &super::ControlTotals,
    money: &Format,
) -> Result<()> {
    ws.ws.set_name("Control totals").map_err(xlsx_err)?;
    header(&mut ws, &["item", "currency", "value"])?;
    let cur = totals.currency.as_str();
    let mut lines: Vec<(&str, &str, f64, bool)> = vec![
        ("to_pay_now", cur, amount(&totals.to_pay_now), true),
        ("already_paid", cur, amount(&totals.already_paid), true),
        ("entitlement", cur, amount(&totals.entitlement), true),
        (
            "balance_carried",
            cur,
            amount(&totals.balance_carried),
            true,
        ),
        ("headcount", "", totals.headcount as f64, false),
        ("bonus", cur, amount(&totals.bonus), true),
        ("project_bonus", cur, amount(&totals.project_bonus), true),
    ];
    let extra = [
        ("commission", &totals.commission),
        ("clawback", &totals.clawback),
        ("draw", &totals.draw),
        ("recovered", &totals.recovered),
        ("carried", &totals.carried),
    ];
    for (name, v) in extra {
        if let Some(v) = v {
            lines.push((name, cur, amount(v), true));
        }
    }
    lines.push(("total_payout", cur, amount(&totals.total_payout), true));
    for (c, t) in &totals.by_currency {
        lines.push(("to_pay_now_in_currency", c, amount(&t.to_pay_now), true));
    }
    for (c, t) in &totals.by_currency {
        lines.push(("payout_in_currency", c, amount(&t.total_payout), true));
    }
    let n = lines.len();
    for (i, (item, cur, v, is_money)) in lines.into_iter().enumerate() {
        let row = i as u32 + 1;
        ws.text(row, 0, item)?;
        ws.text(row, 1, cur)?;
        ws.number(row, 2, v, is_money.then_some(money))?;
    }
    ws.finish(n, 3)
}

/// A re-run's first sheet: per employee what to pay now, then what was
/// paid before, the entitlement and the balance carried (adjustments.csv).
fn to_pay_now_sheet(
    mut ws: Sheet,
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    (due, totals): (&Due, &super::ControlTotals),
    money: &Format,
) -> Result<()> {
    ws.ws.set_name("To pay now").map_err(xlsx_err)?;
    header(
        &mut ws,
        &[
            "employee_id",
            "name",
            "department",
            "to_pay_now",
            "already_paid",
            "entitlement",
            "balance_carried",
            "currency",
            "payout_currency",
            "to_pay_now_in_currency",
        ],
    )?;
    for (i, l) in due.lines().enumerate() {
        let row = i as u32 + 1;
        let e = l.result.map(|i| &data.employees[run.employees[i].employee]);
        let texts = [
            l.employee_id,
            e.map_or("", |e| e.name.as_str()),
            e.map_or("", |e| e.department.as_str()),
        ];
        for (c, t) in texts.iter().enumerate() {
            ws.text(row, c as u16, &cell(t))?;
        }
        for (c, v) in [l.paid_now, l.paid_before, l.recomputed, l.balance]
            .into_iter()
            .enumerate()
        {
            ws.number(row, c as u16 + 3, number(v), Some(money))?;
        }
        ws.text(row, 7, &lp.policy.currency)?;
        ws.text(row, 8, l.currency)?;
        ws.number(row, 9, number(l.paid_now_in_currency), Some(money))?;
    }
    let mut sums: Vec<(u16, &str)> = vec![
        (3, &totals.to_pay_now),
        (4, &totals.already_paid),
        (5, &totals.entitlement),
        (6, &totals.balance_carried),
    ];
    if let Some(t) = totals.single_currency() {
        sums.push((9, &t.to_pay_now));
    }
    totals_row(&mut ws, due.len(), &sums, money)?;
    ws.finish(due.len(), 10)
}

/// The Exceptions sheet: the rows of exceptions.csv; past Excel's row
/// limit, a last row counts the rest (the CSV has them all).
fn exceptions_sheet(mut ws: Sheet, list: &[Exception]) -> Result<()> {
    ws.ws.set_name("Exceptions").map_err(xlsx_err)?;
    header(&mut ws, &["employee_id", "kind", "detail", "effect"])?;
    let shown = if list.len() > MAX_ROWS {
        MAX_ROWS - 1
    } else {
        list.len()
    };
    for (i, x) in list.iter().take(shown).enumerate() {
        let row = i as u32 + 1;
        for (c, t) in [x.employee_id.as_str(), x.kind.name(), &x.detail, &x.effect]
            .iter()
            .enumerate()
        {
            ws.text(row, c as u16, &cell(t))?;
        }
    }
    // After the rows: a constant-memory sheet is written in row order.
    if shown < list.len() {
        let more = format!("… and {} more in exceptions.csv", list.len() - shown);
        ws.text(MAX_ROWS as u32, 0, &more)?;
    }
    ws.finish(shown, 4)
}
