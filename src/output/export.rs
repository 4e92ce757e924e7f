//! `merit export` files: payroll (one row per employee and pay code, columns
//! as the policy's `export.payroll` maps them) and the journal (balanced
//! double entry: bonus expense per cost centre, accrued bonus liability),
//! each as CSV or XLSX. The lines come from a verified run (`cli/export.rs`).

use super::csv::Csv;
use crate::decimal::{round_fixed, RoundingMode};
use crate::error::{Error, Result};
use crate::policy::payrun::{Export, PayrollField};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What a pay line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pay {
    Bonus,
    Project,
    /// A re-run's amount due now.
    Adjustment,
    Commission,
}

/// One amount to pay one employee.
#[derive(Debug, Clone)]
pub struct PayLine {
    pub employee_id: String,
    pub name: String,
    pub department: String,
    pub cost_centre: String,
    pub pay: Pay,
    /// In `currency`, which payroll pays.
    pub amount: Decimal,
    pub currency: String,
    /// The same amount in the policy currency (what the books record).
    pub booked: Decimal,
}

/// A finished table: header and text cells, money as plain decimals.
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

pub enum Cell {
    Text(String),
    Money(Decimal),
}

/// The payroll table: one row per pay line, in the policy's columns.
pub fn payroll(x: &Export, lines: &[PayLine], pay_period: &str) -> Sheet {
    let p = &x.payroll;
    let code = |k: Pay| match k {
        Pay::Bonus => p.pay_codes.bonus.clone(),
        Pay::Project => p.pay_codes.project_bonus.clone(),
        Pay::Commission => p.pay_codes.commission.clone(),
        Pay::Adjustment => p.pay_codes.adjustment.clone(),
    };
    let rows = lines
        .iter()
        .map(|l| {
            p.columns
                .iter()
                .map(|c| match c.field {
                    PayrollField::EmployeeId => Cell::Text(l.employee_id.clone()),
                    PayrollField::Name => Cell::Text(l.name.clone()),
                    PayrollField::Department => Cell::Text(l.department.clone()),
                    PayrollField::PayCode => Cell::Text(code(l.pay)),
                    PayrollField::Amount => Cell::Money(l.amount),
                    PayrollField::Currency => Cell::Text(l.currency.clone()),
                    PayrollField::PayPeriod => Cell::Text(pay_period.to_owned()),
                    PayrollField::CostCentre => Cell::Text(l.cost_centre.clone()),
                })
                .collect()
        })
        .collect();
    Sheet {
        header: p.columns.iter().map(|c| c.name.clone()).collect(),
        rows,
    }
}

/// The journal entry in the policy currency: a debit of bonus expense per
/// cost centre and one credit of accrued bonus for the total, so debits
/// equal credits; the total equals the run's (or the re-run's due now).
pub fn journal(x: &Export, lines: &[PayLine], period: &str, currency: &str) -> Sheet {
    let mut by_centre: BTreeMap<&str, Decimal> = BTreeMap::new();
    for l in lines {
        *by_centre.entry(&l.cost_centre).or_default() += l.booked;
    }
    let total: Decimal = by_centre.values().copied().sum();
    let j = &x.journal;
    let line = |account: &str, centre: &str, what: String, debit, credit| {
        vec![
            Cell::Text(account.to_owned()),
            Cell::Text(centre.to_owned()),
            Cell::Text(what),
            Cell::Money(debit),
            Cell::Money(credit),
            Cell::Text(currency.to_owned()),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = by_centre
        .iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(c, v)| {
            let what = format!("incentive pay {period}: {c}");
            line(&j.expense_account, c, what, *v, Decimal::ZERO)
        })
        .collect();
    let what = format!("incentive pay {period}: accrued");
    rows.push(line(&j.liability_account, "", what, Decimal::ZERO, total));
    let header = [
        "account",
        "cost_centre",
        "description",
        "debit",
        "credit",
        "currency",
    ];
    Sheet {
        header: header.map(str::to_owned).to_vec(),
        rows,
    }
}

/// The sheet as CSV (merit's quoting and formula-injection guard).
pub fn csv(sheet: &Sheet, places: u32) -> Vec<u8> {
    let header: Vec<&str> = sheet.header.iter().map(String::as_str).collect();
    let mut c = Csv::with_header(&header);
    for row in &sheet.rows {
        for cell in row {
            match cell {
                Cell::Text(t) => c.text(t),
                // Amounts are already at money places: the mode changes nothing.
                Cell::Money(d) => c.num(round_fixed(*d, places, RoundingMode::HalfEven)),
            };
        }
        c.end();
    }
    c.finish().into_bytes()
}

/// The sheet as an XLSX workbook of one sheet; money as numbers.
/// Stamped with the period's first day, so an export is the same bytes
/// each time.
pub fn xlsx(sheet: &Sheet, name: &str, places: u32, period: &str) -> Result<Vec<u8>> {
    let fail =
        |e: rust_xlsxwriter::XlsxError| Error::Usage(format!("writing the {name} workbook: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(fail)?;
    let frac = if places == 0 {
        String::new()
    } else {
        format!(".{}", "0".repeat(places as usize))
    };
    let money = rust_xlsxwriter::Format::new().set_num_format(format!("0{frac}"));
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string(0, c as u16, h).map_err(fail)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => ws.write_string(r, c, super::csv::neutralise(t)).map(|_| ()),
                Cell::Money(d) => ws
                    .write_number_with_format(r, c, d.to_f64().unwrap_or(0.0), &money)
                    .map(|_| ()),
            }
            .map_err(fail)?;
        }
    }
    let day = crate::period::Period::parse(period).map_or(chrono::NaiveDate::MIN, |p| p.start());
    super::workbook::stamped(&mut wb, day)?;
    wb.save_to_buffer().map_err(fail)
}
