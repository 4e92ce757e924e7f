//! Fx rates: the `fx_rates` table, (currency, month) → value in the policy
//! currency, and converting base salaries paid in other currencies.

use super::cells::{amount, col, text};
use super::problems::Budget;
use super::table::Table;
use super::Data;
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Num;
use crate::period::{Month, Period};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub(super) fn fx_rates(t: &Table, b: &mut Budget) -> BTreeMap<(String, Month), Decimal> {
    let (cur, mon, val) = (
        col(t, "currency"),
        col(t, "month"),
        col(t, "rate_to_policy_currency"),
    );
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let c = text(cur[row]).unwrap_or("");
        let mut ok = true;
        if !(c.len() == 3 && c.bytes().all(|x| x.is_ascii_uppercase())) {
            b.cell(
                t,
                row,
                "currency",
                format!("'{c}' is not a three-letter currency code"),
            );
            ok = false;
        }
        let m = Month::parse(text(mon[row]).unwrap_or(""));
        if m.is_none() {
            b.cell(
                t,
                row,
                "month",
                format!(
                    "'{}' is not a month (YYYY-MM)",
                    text(mon[row]).unwrap_or("")
                ),
            );
            ok = false;
        }
        let v = amount(t, row, "rate_to_policy_currency", val[row], true, b);
        if let (true, Some(m), Some(v)) = (ok, m, v) {
            if out.insert((c.to_owned(), m), v).is_some() {
                b.push(
                    t,
                    "currency",
                    t.row_error(row, format!("duplicate rate for {c} in {m}")),
                );
            }
        }
    }
    out
}

impl Data {
    /// Converts the base salaries of employees paid in another currency to
    /// the policy currency at the period's rate (period end or average).
    pub fn apply_fx(&mut self, policy: &crate::policy::Policy, period: &Period) -> Result<()> {
        let Some(conv) = &policy.currency_conversion else {
            return Ok(());
        };
        let file = self.file_path("fx_rates");
        let mut diags = Diagnostics::default();
        let mut rates: BTreeMap<String, Num> = BTreeMap::new();
        for e in &mut self.employees {
            let Some(cur) = e.currency.clone().filter(|c| *c != policy.currency) else {
                continue;
            };
            // Someone not employed in the period is not paid: no rate needed.
            let employed = e.hire_date <= period.end()
                && e.termination_date.is_none_or(|t| t >= period.start());
            if !employed {
                continue;
            }
            if !rates.contains_key(&cur) {
                let months: Vec<Month> = match conv.rate {
                    crate::policy::FxRateRule::PeriodEnd => vec![period.last()],
                    crate::policy::FxRateRule::PeriodAverage => period.months().collect(),
                };
                let missing: Vec<String> = months
                    .iter()
                    .filter(|m| !self.fx_rates.contains_key(&(cur.clone(), **m)))
                    .map(|m| m.to_string())
                    .collect();
                if !missing.is_empty() {
                    diags.push(Diagnostic::error(
                        &file,
                        format!(
                            "no {cur} rate for {} (needed to pay employee {} in {cur})",
                            missing.join(", "),
                            e.id
                        ),
                    ));
                    rates.insert(cur.clone(), Num::Dec(Decimal::ONE));
                    continue;
                }
                let sum: Decimal = months
                    .iter()
                    .map(|m| self.fx_rates[&(cur.clone(), *m)])
                    .sum();
                let n = Decimal::from(months.len());
                rates.insert(cur.clone(), Num::mul_div(sum, Decimal::ONE, n));
            }
            let rate = &rates[&cur];
            e.fx_rate = rate.approx();
            e.base_salary_exact = match rate {
                Num::Dec(r) => Num::mul_div(e.base_salary_local, *r, Decimal::ONE),
                Num::Exact(r) => Num::Exact(r.clone() * e.base_salary_local).simplified(),
            };
            e.base_salary = e.base_salary_exact.approx();
            e.fx_rate_exact = rate.clone();
        }
        if diags.has_errors() {
            return Err(Error::Invalid(diags));
        }
        Ok(())
    }
}
