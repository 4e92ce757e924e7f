//! `payouts.xlsx`: the payroll workbook — in a re-run first what to pay
//! now per employee, then payouts, department summary, control totals and
//! exceptions. Money cells are numbers with a money format (Excel keeps
//! numbers as doubles; 15 significant digits carry any cent amount below a
//! trillion exactly). Text from data is neutralised like in the CSV files.
//! The writer stamps the current time into docProps/core.xml; merit
//! replaces it with the period's start, so the same run gives the same bytes.

use super::adjust::Due;
use super::csv::neutralise;
use super::exceptions::Exception;
use crate::data::Data;
use crate::engine::RunResult;
use crate::error::{Error, Result};
use crate::policy::LoadedPolicy;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::io::{Read, Write};

fn xlsx_err(e: XlsxError) -> Error {
    Error::Usage(format!("cannot build payouts.xlsx: {e}"))
}

fn money_format(places: u32) -> Format {
    let frac = if places == 0 {
        String::new()
    } else {
        format!(".{}", "0".repeat(places as usize))
    };
    Format::new().set_num_format(&format!("#,##0{frac}"))
}

fn number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A money amount the control totals hold as text.
fn amount(text: &str) -> f64 {
    number(text.parse().unwrap_or_default())
}

fn header(ws: &mut Worksheet, cols: &[&str]) -> Result<()> {
    let bold = Format::new().set_bold();
    for (i, c) in cols.iter().enumerate() {
        ws.write_string(0, i as u16, c, &bold).map_err(xlsx_err)?;
    }
    Ok(())
}

/// Excel's sheet holds 1,048,576 rows, one of them the header.
const MAX_ROWS: usize = 1_048_575;

pub fn check_rows(employees: usize) -> Result<()> {
    if employees > MAX_ROWS {
        return Err(Error::Usage(format!(
            "payouts.xlsx can hold at most {MAX_ROWS} employees (Excel's row limit) and this run pays {employees}; \
             run with --skip workbook (payouts.csv has every row)"
        )));
    }
    Ok(())
}

pub fn build(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    totals: &super::ControlTotals,
    due: &Due,
    exceptions: &[Exception],
) -> Result<Vec<u8>> {
    check_rows(run.employees.len())?;
    check_rows(due.len())?;
    let places = lp.policy.rounding.money_places;
    let money = money_format(places);
    let mut wb = Workbook::new();
    if due.rerun() {
        to_pay_now_sheet(wb.add_worksheet(), lp, data, run, due, &money)?;
    }
    payouts_sheet(wb.add_worksheet(), lp, data, run, &money)?;
    departments_sheet(wb.add_worksheet(), totals, &money)?;
    control_totals_sheet(wb.add_worksheet(), totals, &money)?;
    exceptions_sheet(wb.add_worksheet(), exceptions)?;
    let bytes = wb.save_to_buffer().map_err(xlsx_err)?;
    let start = format!("{}T00:00:00Z", run.period.start());
    fixed_timestamps(&bytes, &start)
        .map_err(|e| Error::Usage(format!("cannot build payouts.xlsx: {e}")))
}

/// The Payouts sheet: one row per employee, the columns of `payouts.csv`.
fn payouts_sheet(
    ws: &mut Worksheet,
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    money: &Format,
) -> Result<()> {
    ws.set_name("Payouts").map_err(xlsx_err)?;
    header(ws, &super::payout_columns(lp))?;
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
            ws.write_string_only(row, c as u16, &neutralise(t))
                .map_err(xlsx_err)?;
        }
        ws.write_number_only(row, 5, number(r.score))
            .map_err(xlsx_err)?;
        ws.write_string_only(row, 6, &neutralise(&r.band))
            .map_err(xlsx_err)?;
        ws.write_number(row, 7, number(r.bonus), money)
            .map_err(xlsx_err)?;
        ws.write_number(row, 8, number(r.project_bonus), money)
            .map_err(xlsx_err)?;
        for (i, f) in extra.iter().enumerate() {
            ws.write_number(row, 9 + i as u16, number(f(r)), money)
                .map_err(xlsx_err)?;
        }
        ws.write_number(row, 9 + shift, number(r.total), money)
            .map_err(xlsx_err)?;
        ws.write_string_only(row, 10 + shift, &lp.policy.currency)
            .map_err(xlsx_err)?;
        let (cur, rate, local) = super::local_payout(lp, r);
        ws.write_string_only(row, 11 + shift, &cur)
            .map_err(xlsx_err)?;
        ws.write_number_only(row, 12 + shift, number(rate))
            .map_err(xlsx_err)?;
        ws.write_number(row, 13 + shift, number(local), money)
            .map_err(xlsx_err)?;
    }
    Ok(())
}

/// The Departments sheet: headcount and money per department, what to
/// pay now first.
fn departments_sheet(
    ws: &mut Worksheet,
    totals: &super::ControlTotals,
    money: &Format,
) -> Result<()> {
    ws.set_name("Departments").map_err(xlsx_err)?;
    // summary.csv's money columns, department to total_payout.
    header(ws, &super::SUMMARY_COLUMNS[1..9])?;
    for (i, (dept, t)) in totals.by_department.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string_only(row, 0, &neutralise(dept))
            .map_err(xlsx_err)?;
        ws.write_number_only(row, 1, t.headcount as f64)
            .map_err(xlsx_err)?;
        let values = [
            &t.to_pay_now,
            &t.already_paid,
            &t.balance_carried,
            &t.bonus,
            &t.project_bonus,
            &t.total_payout,
        ];
        for (c, v) in values.into_iter().enumerate() {
            ws.write_number(row, c as u16 + 2, amount(v), money)
                .map_err(xlsx_err)?;
        }
    }
    Ok(())
}

/// The Control totals sheet: what to pay now, already paid, the
/// entitlement and the balance carried; the run's totals; then per payout
/// currency what to pay now and the total.
fn control_totals_sheet(
    ws: &mut Worksheet,
    totals: &super::ControlTotals,
    money: &Format,
) -> Result<()> {
    ws.set_name("Control totals").map_err(xlsx_err)?;
    header(ws, &["item", "currency", "value"])?;
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
    for (i, (item, cur, v, is_money)) in lines.into_iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string_only(row, 0, item).map_err(xlsx_err)?;
        ws.write_string_only(row, 1, cur).map_err(xlsx_err)?;
        if is_money {
            ws.write_number(row, 2, v, money).map_err(xlsx_err)?;
        } else {
            ws.write_number_only(row, 2, v).map_err(xlsx_err)?;
        }
    }
    Ok(())
}

/// A re-run's first sheet: per employee what to pay now, then what was
/// paid before, the entitlement and the balance carried (adjustments.csv).
fn to_pay_now_sheet(
    ws: &mut Worksheet,
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    due: &Due,
    money: &Format,
) -> Result<()> {
    ws.set_name("To pay now").map_err(xlsx_err)?;
    header(
        ws,
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
            ws.write_string_only(row, c as u16, &neutralise(t))
                .map_err(xlsx_err)?;
        }
        for (c, v) in [l.paid_now, l.paid_before, l.recomputed, l.balance]
            .into_iter()
            .enumerate()
        {
            ws.write_number(row, c as u16 + 3, number(v), money)
                .map_err(xlsx_err)?;
        }
        ws.write_string_only(row, 7, &lp.policy.currency)
            .map_err(xlsx_err)?;
        ws.write_string_only(row, 8, l.currency).map_err(xlsx_err)?;
        ws.write_number(row, 9, number(l.paid_now_in_currency), money)
            .map_err(xlsx_err)?;
    }
    Ok(())
}

/// The Exceptions sheet: the rows of exceptions.csv; past Excel's row
/// limit, a last row counts the rest (the CSV has them all).
fn exceptions_sheet(ws: &mut Worksheet, list: &[Exception]) -> Result<()> {
    ws.set_name("Exceptions").map_err(xlsx_err)?;
    header(ws, &["employee_id", "kind", "detail", "effect"])?;
    let shown = if list.len() > MAX_ROWS {
        MAX_ROWS - 1
    } else {
        list.len()
    };
    if shown < list.len() {
        let more = format!("… and {} more in exceptions.csv", list.len() - shown);
        ws.write_string_only(MAX_ROWS as u32, 0, &more)
            .map_err(xlsx_err)?;
    }
    for (i, x) in list.iter().take(shown).enumerate() {
        let row = i as u32 + 1;
        for (c, t) in [x.employee_id.as_str(), x.kind.name(), &x.detail, &x.effect]
            .iter()
            .enumerate()
        {
            ws.write_string_only(row, c as u16, &neutralise(t))
                .map_err(xlsx_err)?;
        }
    }
    Ok(())
}

/// Rewrites the package with `docProps/core.xml`'s created and modified
/// times set to `stamp`; every other entry is copied unchanged.
fn fixed_timestamps(xlsx: &[u8], stamp: &str) -> std::io::Result<Vec<u8>> {
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(xlsx))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::FileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i)?;
        let name = f.name().to_owned();
        let mut content = Vec::new();
        f.read_to_end(&mut content)?;
        if name == "docProps/core.xml" {
            let text = String::from_utf8_lossy(&content).into_owned();
            content = replace_element(
                &replace_element(&text, "dcterms:created", stamp),
                "dcterms:modified",
                stamp,
            )
            .into_bytes();
        }
        out.start_file(name, options)?;
        out.write_all(&content)?;
    }
    Ok(out.finish()?.into_inner())
}

fn replace_element(xml: &str, tag: &str, value: &str) -> String {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    match (xml.find(&open), xml.find(&close)) {
        (Some(a), Some(b)) if b > a => match xml[a..b].find('>') {
            Some(gt) => format!("{}{}{}", &xml[..a + gt + 1], value, &xml[b..]),
            None => xml.to_owned(),
        },
        _ => xml.to_owned(),
    }
}
