//! The sentences of an employee line: the steps after rounding that
//! changed or explain the bonus (`bonus.notes`) and how spans weighted a
//! draw (`balance.draw_spans`), as `merit explain` prints them.

use crate::engine::EmployeeResult;
use crate::output::money;
use crate::policy::LoadedPolicy;

/// `from to to (role, days of all): per month × months × days ÷ all → part`
/// for each span, then the draw: how spans weighted it.
pub(super) fn draw_spans(
    lp: &LoadedPolicy,
    b: &crate::engine::balance::BalanceLine,
) -> Option<String> {
    let all: i64 = b.draw_spans.iter().map(|s| s.days).sum();
    let parts: Vec<String> = b
        .draw_spans
        .iter()
        .map(|s| {
            let head = format!(
                "{} to {} ({}, {} of {all} days)",
                s.from, s.to, s.role, s.days
            );
            match (s.monthly, s.part) {
                (Some(m), Some(p)) => {
                    format!("{head}: {} a month → {}", m.normalize(), p.normalize())
                }
                _ => format!("{head}: no draw"),
            }
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "{}; the draw for the period {}",
            parts.join("; "),
            money(b.guarantee, lp)
        )
    })
}

/// The money limit that changed the bonus, if one did.
fn limit_note(r: &EmployeeResult) -> Option<String> {
    let (before, after) = r.limited?;
    let rule = if after > before {
        "min_amount"
    } else {
        "max_amount"
    };
    Some(format!(
        "Limit            {rule}: the prorated bonus {} becomes {}",
        before.normalize(),
        after.normalize()
    ))
}

/// The modifiers' factors, when the policy has any.
fn modifiers_note(r: &EmployeeResult) -> Option<String> {
    let each: Vec<String> = r
        .modifiers
        .iter()
        .map(|(why, f)| format!("{why} × {}", f.normalize()))
        .collect();
    (!each.is_empty()).then(|| {
        format!(
            "Modifiers        {} (the formula is multiplied by each, before gates and cap)",
            each.join(", ")
        )
    })
}

pub(super) fn notes(lp: &LoadedPolicy, r: &EmployeeResult) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(modifiers_note(r));
    out.extend(limit_note(r));
    if let (Some(u), Some(m)) = (&r.matrix, &lp.policy.bonus.matrix) {
        let cell = match u.cell {
            Some((i, j)) => format!("row {}, column {}", i + 1, j + 1),
            None => "below the first bounds".into(),
        };
        out.push(format!(
            "Matrix           {} achievement {} × {} achievement {}: {cell} ({:?}) → {}% × target bonus {} = {}",
            m.rows.kpi,
            u.row,
            m.columns.kpi,
            u.column,
            m.mode,
            u.percent.normalize(),
            r.target_bonus.normalize(),
            u.formula.normalize()
        ).replace("(Stepped)", "(stepped)").replace("(Interpolated)", "(interpolated)"));
    }
    match (&r.gate_failed, &r.gate_reduced) {
        (Some(g), _) if !r.spans.is_empty() => out.push(format!(
            "Gate             shut in part of the period ({g}); see the spans"
        )),
        (Some(g), None) => out.push(format!(
            "Gate             shut: {g}; the performance bonus is 0"
        )),
        (Some(g), Some(k)) => {
            let percents: Vec<String> = k
                .percents
                .iter()
                .map(|p| format!(" × {}%", p.normalize()))
                .collect();
            out.push(format!(
                "Gate             shut: {g}; the formula {}{} = {}",
                k.before.normalize(),
                percents.concat(),
                r.formula_bonus.normalize()
            ))
        }
        _ => {}
    }
    if let Some(from) = &r.calibrated_from {
        out.push(format!(
            "Calibration      band {from} → {} (forced distribution; the score is unchanged)",
            r.band
        ));
    }
    for (q, score, weight) in &r.quarter_scores {
        out.push(format!(
            "Quarter          {q}: score {score} × {}% of the year",
            weight.normalize()
        ));
    }
    if let Some(p) = &r.pool {
        out.push(format!(
            "Pool             '{}': bonuses {} against budget {}; {} × {} ÷ {} allocated to the cent (largest remainder) = {}",
            p.pool,
            money(p.requested, lp),
            money(p.budget, lp),
            money(p.before, lp),
            money(p.budget, lp),
            money(p.requested, lp),
            money(r.bonus, lp)
        ));
    }
    if let Some((cur, rate, amount)) = r.local.as_deref() {
        out.push(format!(
            "Currency         paid in {cur}: {} ÷ rate {} = {} {cur}",
            money(r.total, lp),
            rate.normalize(),
            money(*amount, lp)
        ));
    }
    out
}
