//! `payouts.xlsx`: the payroll workbook — payouts, department summary and
//! control totals. Money cells are numbers with a money format (Excel keeps
//! numbers as doubles; 15 significant digits carry any cent amount below a
//! trillion exactly). Text from data is neutralised like in the CSV files.
//! The writer stamps the current time into docProps/core.xml; merit
//! replaces it with the period's start, so the same run gives the same bytes.

use super::csv::neutralise;
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

fn header(ws: &mut Worksheet, cols: &[&str]) -> Result<()> {
    let bold = Format::new().set_bold();
    for (i, c) in cols.iter().enumerate() {
        ws.write_string(0, i as u16, c, &bold).map_err(xlsx_err)?;
    }
    Ok(())
}

/// Excel's sheet holds 1,048,576 rows, one of them the header.
pub fn check_rows(employees: usize) -> Result<()> {
    const MAX_ROWS: usize = 1_048_575;
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
) -> Result<Vec<u8>> {
    check_rows(run.employees.len())?;
    let places = lp.policy.rounding.money_places;
    let money = money_format(places);
    let mut wb = Workbook::new();
    payouts_sheet(wb.add_worksheet(), lp, data, run, &money)?;
    departments_sheet(wb.add_worksheet(), totals, &money)?;
    control_totals_sheet(wb.add_worksheet(), totals, &money)?;
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
    header(ws, &super::PAYOUT_COLUMNS)?;
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
        ws.write_number(row, 9, number(r.total), money)
            .map_err(xlsx_err)?;
        ws.write_string_only(row, 10, &lp.policy.currency)
            .map_err(xlsx_err)?;
        let (cur, rate, local) = super::local_payout(lp, r);
        ws.write_string_only(row, 11, &cur).map_err(xlsx_err)?;
        ws.write_number_only(row, 12, number(rate))
            .map_err(xlsx_err)?;
        ws.write_number(row, 13, number(local), money)
            .map_err(xlsx_err)?;
    }
    Ok(())
}

/// The Departments sheet: headcount and money per department.
fn departments_sheet(
    ws: &mut Worksheet,
    totals: &super::ControlTotals,
    money: &Format,
) -> Result<()> {
    ws.set_name("Departments").map_err(xlsx_err)?;
    header(
        ws,
        &[
            "department",
            "headcount",
            "bonus",
            "project_bonus",
            "total_payout",
        ],
    )?;
    for (i, (dept, t)) in totals.by_department.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string_only(row, 0, &neutralise(dept))
            .map_err(xlsx_err)?;
        ws.write_number_only(row, 1, t.headcount as f64)
            .map_err(xlsx_err)?;
        ws.write_number(row, 2, number(t.bonus.parse().unwrap_or_default()), money)
            .map_err(xlsx_err)?;
        ws.write_number(
            row,
            3,
            number(t.project_bonus.parse().unwrap_or_default()),
            money,
        )
        .map_err(xlsx_err)?;
        ws.write_number(
            row,
            4,
            number(t.total_payout.parse().unwrap_or_default()),
            money,
        )
        .map_err(xlsx_err)?;
    }
    Ok(())
}

/// The Control totals sheet: the run's totals, then what is paid in each
/// payout currency.
fn control_totals_sheet(
    ws: &mut Worksheet,
    totals: &super::ControlTotals,
    money: &Format,
) -> Result<()> {
    ws.set_name("Control totals").map_err(xlsx_err)?;
    header(ws, &["item", "currency", "value"])?;
    let mut row = 1;
    let mut line =
        |ws: &mut Worksheet, item: &str, cur: &str, v: f64, fmt: Option<&Format>| -> Result<()> {
            ws.write_string_only(row, 0, item).map_err(xlsx_err)?;
            ws.write_string_only(row, 1, cur).map_err(xlsx_err)?;
            match fmt {
                Some(f) => ws.write_number(row, 2, v, f).map_err(xlsx_err)?,
                None => ws.write_number_only(row, 2, v).map_err(xlsx_err)?,
            };
            row += 1;
            Ok(())
        };
    let cur = &totals.currency;
    line(ws, "headcount", "", totals.headcount as f64, None)?;
    line(
        ws,
        "bonus",
        cur,
        number(totals.bonus.parse().unwrap_or_default()),
        Some(money),
    )?;
    line(
        ws,
        "project_bonus",
        cur,
        number(totals.project_bonus.parse().unwrap_or_default()),
        Some(money),
    )?;
    line(
        ws,
        "total_payout",
        cur,
        number(totals.total_payout.parse().unwrap_or_default()),
        Some(money),
    )?;
    for (c, t) in &totals.by_currency {
        line(
            ws,
            "payout_in_currency",
            c,
            number(t.total_payout.parse().unwrap_or_default()),
            Some(money),
        )?;
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
