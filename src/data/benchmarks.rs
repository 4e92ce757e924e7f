//! The `benchmarks` table: (KPI, period) → market reference value.

use super::cells::{amount, col, text};
use super::problems::Budget;
use super::table::Table;
use crate::period::Period;
use crate::policy::{hint, LoadedPolicy};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub(super) fn benchmarks(
    t: &Table,
    policy: &LoadedPolicy,
    b: &mut Budget,
) -> BTreeMap<(String, String), Decimal> {
    let (kpi, per, val) = (col(t, "kpi"), col(t, "period"), col(t, "value"));
    let kpis: Vec<&str> = policy.policy.kpis.iter().map(|k| k.id.as_str()).collect();
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let (k, p) = (text(kpi[row]).unwrap_or(""), text(per[row]).unwrap_or(""));
        let mut ok = true;
        if !kpis.contains(&k) {
            b.cell(
                t,
                row,
                "kpi",
                format!("unknown KPI '{k}'{}", hint(k, kpis.iter().copied())),
            );
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        let v = amount(t, row, "value", val[row], true, b);
        if let (true, Some(v)) = (ok, v) {
            if out.insert((k.to_owned(), p.to_owned()), v).is_some() {
                b.push(
                    t,
                    "kpi",
                    t.row_error(row, format!("duplicate benchmark for {k} in {p}")),
                );
            }
        }
    }
    out
}
