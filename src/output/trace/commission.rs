//! Commission lines in the trace: each commission's arithmetic as text,
//! from the credited amount to the rounded amount (docs/policy.md,
//! Commissions), read back by `merit explain` (as `schema`'s
//! `CommissionTrace` and `ClawbackTrace`, in their key order).

use super::json::Json;
use crate::engine::commission::{CommissionLine, Slice};
use crate::engine::EmployeeResult;
use crate::policy::{Basis, CommissionBase, LoadedPolicy, Per, TierMode};
use rust_decimal::Decimal;

fn n(d: Decimal) -> String {
    d.normalize().to_string()
}

/// `part × rate = earned` for each slice, joined with ` + `.
fn slices(s: &[Slice]) -> String {
    s.iter()
        .map(|x| format!("{} × {} = {}", n(x.part), n(x.rate), n(x.earned)))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The commissions of an employee, as a list.
pub(super) fn commissions(lp: &LoadedPolicy, r: &EmployeeResult, j: &mut Json) {
    j.open_list();
    for l in &r.commissions {
        j.item();
        one(lp, l, j);
    }
    j.close_list();
}

/// The clawbacks of an employee, as a list.
pub(super) fn clawbacks(r: &EmployeeResult, j: &mut Json) {
    j.open_list();
    for c in &r.clawbacks {
        let before = c.recovered + c.amount;
        let arithmetic = format!(
            "paid {} on amount {}; refunded {} now{}, {} in all: round({} × {} ÷ {}) = {}, less {} recovered before = {}",
            c.paid,
            n(c.deal_amount),
            n(c.refunded),
            if c.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", crate::error::printable(&c.reasons.join("; ")))
            },
            n(c.refunded_total),
            c.paid,
            n(c.refunded_total),
            n(c.deal_amount),
            c.recovered,
            before,
            -c.amount
        );
        j.item().open();
        j.key("commission").str(&c.commission);
        j.key("deal_id").str(&crate::error::printable(&c.deal_id));
        j.key("deal_date").shown(c.deal_date);
        j.key("arithmetic").str(&arithmetic);
        j.key("amount").dec(c.amount);
        j.close();
    }
    j.close_list();
}

fn one(lp: &LoadedPolicy, l: &CommissionLine, j: &mut Json) {
    let c = &lp.policy.commissions[l.commission];
    let on = match &c.on {
        CommissionBase::Transactions(_) => "credited deals (transactions table)".to_owned(),
        CommissionBase::Kpi(k) => format!("the actual of KPI {k}"),
    };
    let mode = match c.rates.mode {
        TierMode::Marginal => "marginal",
        TierMode::WholeAmount => "whole amount",
    };
    let mut steps = span_steps(c, l);
    if let (Basis::Attainment, Some(q)) = (c.rates.basis, l.quota) {
        let att = crate::exact::Exact::ratio(l.credited, q).map_or(Decimal::ZERO, |a| a.approx());
        steps.push(format!(
            "attainment = {} ÷ quota {} = {} (the steps' bounds × the quota in money)",
            n(l.credited),
            n(q),
            n(att)
        ));
    }
    match c.per {
        Per::Period => {
            if !l.netted.is_empty() {
                let list: Vec<String> = l
                    .netted
                    .iter()
                    .map(|(d, r)| format!("{} −{}", crate::error::printable(d), n(*r)))
                    .collect();
                steps.push(format!("credited net of refunds: {}", list.join(", ")));
            }
            steps.push(format!("{mode}: {}", or_none(slices(&l.slices))));
        }
        Per::Deal => {
            for d in &l.deals {
                let refunded = if d.refunded.is_zero() {
                    String::new()
                } else {
                    format!(", net of {} refunded", n(d.refunded))
                };
                steps.push(format!(
                    "deal {} (share {}%, credited {}{refunded}): {mode}: {}{} → {}",
                    crate::error::printable(&d.deal_id),
                    d.share,
                    n(d.credited),
                    or_none(slices(&d.slices)),
                    if d.capped { ", capped per deal" } else { "" },
                    d.amount
                ));
            }
        }
    }
    match l.ytd {
        Some((year, paid)) if l.deferred => steps.push(format!(
            "year to date {year} − {paid} already paid this plan year = {}, deferred to the last run of the quarter (pay_every: quarter): 0.00 now",
            year - paid
        )),
        Some((year, paid)) => steps.push(format!(
            "year to date {} − {} already paid this plan year = {}",
            year, paid, l.amount
        )),
        None => {}
    }
    j.open();
    j.key("id").str(&c.id);
    j.key("on").str(&on);
    j.key("credited").plain(l.credited);
    match l.quota {
        Some(q) => j.key("quota").plain(q),
        None => j.key("quota").null(),
    }
    j.key("steps").strs(&steps);
    j.key("uncapped").plain(l.uncapped);
    match c.cap.per_period.filter(|_| l.capped) {
        Some(cap) => j.key("cap").shown(cap),
        None => j.key("cap").null(),
    }
    j.key("amount").dec(l.amount);
    j.close();
}

/// A period cut into spans: each span, whether it earns the line, and
/// how its quota and rows were counted (docs/policy.md, Commissions and
/// draws across spans).
fn span_steps(c: &crate::policy::Commission, l: &CommissionLine) -> Vec<String> {
    if l.spans.is_empty() {
        return Vec::new();
    }
    let all: i64 = l.spans.iter().map(|s| s.days).sum();
    let mut steps: Vec<String> = l
        .spans
        .iter()
        .map(|s| {
            let head = format!(
                "span {} to {} ({} of {all} days), role {}",
                s.from, s.to, s.days, s.role
            );
            match (s.earns, s.quota) {
                (false, _) => format!("{head}: does not earn it"),
                (true, Some(q)) => format!("{head}: earns it, quota {}", n(q)),
                (true, None) => format!("{head}: earns it"),
            }
        })
        .collect();
    let earning = l.spans.iter().filter(|s| s.earns);
    if c.ytd {
        if let Some(s) = l.spans.iter().rev().find(|s| s.earns) {
            steps.push(format!(
                "year to date as at {}, the last day of the last span that earns it, on that span's terms",
                s.to
            ));
        }
        return steps;
    }
    if matches!(c.on, CommissionBase::Transactions(_)) {
        steps.push("counted: the rows dated in the spans that earn it".into());
    }
    let parts: Vec<String> = earning
        .clone()
        .filter_map(|s| s.quota.map(|q| format!("{} × {} ÷ {all}", n(q), s.days)))
        .collect();
    if let (false, Some(q)) = (parts.is_empty(), l.quota) {
        steps.push(format!(
            "quota weighted by days: {} = {}",
            parts.join(" + "),
            n(q)
        ));
    }
    if let CommissionBase::Kpi(k) = &c.on {
        let days: i64 = earning.map(|s| s.days).sum();
        steps.push(format!(
            "the actual of KPI {k} × {days} ÷ {all} days earning it = {}",
            n(l.credited)
        ));
    }
    steps
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "nothing credited".into()
    } else {
        s
    }
}
