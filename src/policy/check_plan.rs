//! Checks of `inputs:` and `commissions:` (docs/policy.md, Plan inputs and
//! Commissions), each problem located in policy.yaml.

use super::curve::step_bounds;
use super::hint;
use super::locate::Seg;
use super::model::{KpiScope, Policy};
use super::plan::{Basis, Commission, CommissionBase, Per, Quota};
use super::targets::TargetSource;
use super::validate::{is_identifier, Ctx};
use crate::decimal::Dec;
use crate::error::Diagnostics;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// The employees table's own columns (the data stage's contract: required
/// first, then optional), here so that inputs can be checked against them.
pub const EMPLOYEE_COLUMNS: [&str; 10] = [
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

/// Keys `employee.*` has in scripts besides the table's columns; an input
/// may take none of these names nor a column's.
const SCRIPT_KEYS: [&str; 5] = [
    "id",
    "target_bonus",
    "days_employed",
    "tenure_months",
    "inputs",
];

pub(super) fn inputs(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    for id in p.inputs.keys() {
        let at = [Key("inputs"), Key(id)];
        if !is_identifier(id) || id.starts_with('_') {
            diags.push(ctx.error(&at, format!("input '{id}' must be lower-case letters, digits and _, starting with a letter (it is a column name and employee.{id} in scripts)")));
        } else if EMPLOYEE_COLUMNS.contains(&id.as_str()) || SCRIPT_KEYS.contains(&id.as_str()) {
            diags.push(ctx.error(&at, format!("input '{id}' is already a column of the employees table or a key of employee.*; choose another name")));
        }
    }
    for (i, k) in p.kpis.iter().enumerate() {
        k.target.walk(&mut |src| {
            if let TargetSource::Input(name) = src {
                let at = [Key("kpis"), Index(i), Key("target")];
                if let Some(m) = number_input(p, name) {
                    diags.push(ctx.error(&at, format!("KPI '{}': {m}", k.id)));
                } else if k.scope != KpiScope::Individual {
                    diags.push(ctx.error(&at, format!("KPI '{}': a target from an input is the employee's own value, so the KPI's scope must be individual", k.id)));
                }
            }
        });
    }
}

/// Why `name` cannot be read as a number input, if it cannot.
fn number_input(p: &Policy, name: &str) -> Option<String> {
    match p.inputs.get(name) {
        None => Some(format!(
            "'{name}' is not declared under inputs{}",
            hint(name, p.inputs.keys().map(String::as_str))
        )),
        Some(i) if !i.kind.is_number() => Some(
            format!(
                "input '{name}' is {:?}, not a number (money, decimal or integer)",
                i.kind
            )
            .to_lowercase(),
        ),
        Some(_) => None,
    }
}

pub(super) fn commissions(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    let mut seen = BTreeSet::new();
    for (i, c) in p.commissions.iter().enumerate() {
        let at = |keys: &[&'static str]| -> Vec<Seg<'static>> {
            [Seg::Key("commissions"), Seg::Index(i)]
                .into_iter()
                .chain(keys.iter().map(|k| Seg::Key(k)))
                .collect()
        };
        let mut err = |keys: &[&'static str], m: String| {
            diags.push(ctx.error(&at(keys), format!("commission '{}': {m}", c.id)))
        };
        if !is_identifier(&c.id) {
            err(&["id"], "an id is lower-case letters, digits and _".into());
        }
        if !seen.insert(c.id.as_str()) {
            err(&["id"], "the id is used twice".into());
        }
        for r in c.roles.iter().flatten() {
            if !p.roles.contains_key(r) {
                let h = hint(r, p.roles.keys().map(String::as_str));
                err(&["roles"], format!("role '{r}' is not defined{h}"));
            }
        }
        for (keys, m) in shape(p, c) {
            err(keys, m);
        }
        let bounds: Vec<(Dec, Option<Dec>)> =
            c.rates.steps.iter().map(|s| (s.from, s.to)).collect();
        let what = format!("commission '{}' rates", c.id);
        if bounds.is_empty() {
            err(&["rates", "steps"], "the rate table has no steps".into());
        }
        step_bounds(ctx, &at(&["rates", "steps"]), &what, &bounds, diags);
        for (s, step) in c.rates.steps.iter().enumerate() {
            if step.rate.0.is_sign_negative() {
                let here: Vec<Seg> = at(&["rates", "steps"])
                    .into_iter()
                    .chain([Seg::Index(s)])
                    .collect();
                diags.push(ctx.error(&here, format!("{what}: a rate must not be negative")));
            }
        }
    }
}

/// Problems of what the commission is paid on, its quota and caps.
fn shape(p: &Policy, c: &Commission) -> Vec<(&'static [&'static str], String)> {
    let mut out: Vec<(&'static [&'static str], String)> = Vec::new();
    let kpi = |id: &str| p.kpis.iter().find(|k| k.id == id);
    let unknown_kpi = |id: &str| {
        let h = hint(id, p.kpis.iter().map(|k| k.id.as_str()));
        format!("KPI '{id}' is not defined{h}")
    };
    match &c.on {
        CommissionBase::Kpi(id) => match kpi(id) {
            None => out.push((&["on"], unknown_kpi(id))),
            Some(k) if k.scope != KpiScope::Individual => out.push((&["on"], format!("KPI '{id}' is not individual: a commission is paid on the employee's own amount"))),
            Some(_) if c.per == Per::Deal => out.push((&["per"], "`per: deal` needs `on: { transactions: … }` (a KPI has no deals)".into())),
            Some(_) => {}
        },
        CommissionBase::Transactions(f) => {
            if f.products.as_ref().is_some_and(Vec::is_empty) {
                out.push((&["on"], "`products: []` keeps no row; list products or leave the key out".into()));
            }
            if f.territories.as_ref().is_some_and(Vec::is_empty) {
                out.push((&["on"], "`territories: []` keeps no row; list territories or leave the key out".into()));
            }
        }
    }
    // A KPI read by the commission must be evaluated for every role earning it.
    let quota_kpi = match &c.quota {
        Some(Quota::Kpi(q)) => Some(q.as_str()),
        _ => None,
    };
    for kpi in id_of(&c.on).into_iter().chain(quota_kpi) {
        for name in roles_without(p, kpi, |r| c.applies_to(r)) {
            out.push((&["on"], format!("role '{name}' earns it but does not list KPI '{kpi}' in its weights, so the KPI is not evaluated for its people (add it with weight 0)")));
        }
    }
    match (c.rates.basis, &c.quota) {
        (Basis::Attainment, None) => out.push((&["quota"], "rates on attainment need a quota: { input: NAME }, { fixed: AMOUNT } or { kpi: ID }".into())),
        (Basis::Amount, Some(_)) => out.push((&["quota"], "rates on amount take no quota (attainment would not be used); remove it or use basis: attainment".into())),
        (_, Some(Quota::Input(name))) => out.extend(number_input(p, name).map(|m| (&["quota"][..], m))),
        (_, Some(Quota::Fixed(v))) if v.0 <= Decimal::ZERO => out.push((&["quota"], "a fixed quota must be greater than zero".into())),
        (_, Some(Quota::Kpi(id))) if kpi(id).is_none() => out.push((&["quota"], unknown_kpi(id))),
        _ => {}
    }
    if c.per == Per::Deal && c.rates.basis == Basis::Attainment {
        out.push((
            &["per"],
            "`per: deal` pays each deal on its own amount, so the rates' basis must be amount"
                .into(),
        ));
    }
    if c.cap.per_deal.is_some() && c.per != Per::Deal {
        out.push((&["cap", "per_deal"], "a per-deal cap needs `per: deal` (with per: period a deal has no commission of its own)".into()));
    }
    for (keys, cap) in [
        (&["cap", "per_deal"][..], c.cap.per_deal),
        (&["cap", "per_period"][..], c.cap.per_period),
    ] {
        if cap.is_some_and(|v| v.0.is_sign_negative()) {
            out.push((keys, "a cap must not be negative".into()));
        }
    }
    let places = p.rounding.money_places;
    if c.cap
        .per_period
        .is_some_and(|v| v.0.normalize().scale() > places)
    {
        out.push((&["cap", "per_period"], format!("a per-period cap has at most {places} decimals (money_places), so the capped commission is paid to the cent")));
    }
    out
}

/// The KPI a commission is paid on, if any.
fn id_of(on: &CommissionBase) -> Option<&str> {
    match on {
        CommissionBase::Kpi(k) => Some(k),
        CommissionBase::Transactions(_) => None,
    }
}

/// Whether a commission (paid on it, or its target as quota), the payout
/// matrix or a modifier reads KPI `id`.
pub(super) fn reads_kpi(p: &Policy, id: &str) -> bool {
    let matrix = p
        .bonus
        .matrix
        .as_ref()
        .is_some_and(|m| m.rows.kpi == id || m.columns.kpi == id);
    let modifier = p
        .bonus
        .modifiers
        .iter()
        .any(|m| m.kpi.as_ref().is_some_and(|k| k.id == id));
    let commission = p
        .commissions
        .iter()
        .any(|c| id_of(&c.on) == Some(id) || matches!(&c.quota, Some(Quota::Kpi(q)) if q == id));
    let pool = p
        .bonus
        .pool
        .as_ref()
        .and_then(|x| x.funding.as_ref())
        .is_some_and(|f| f.kpi == id);
    matrix || modifier || commission || pool
}

/// The roles (among those `earns` keeps) with fixed weights that do not
/// list KPI `id`: its people would not have it evaluated.
pub(super) fn roles_without<'a>(
    p: &'a Policy,
    id: &'a str,
    earns: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = &'a str> + 'a {
    p.roles
        .iter()
        .filter(move |(name, role)| {
            earns(name) && role.weights_script.is_none() && !role.weights.contains_key(id)
        })
        .map(|(name, _)| name.as_str())
}
