//! The money side of the statement: the bonus script and its inputs, cap,
//! proration, rounding, project bonuses and the total payout.

use super::render::{at, src, Ctx};
use crate::output::trace::ScriptInput;
use std::fmt::Write;

/// From the bonus script to the total payout.
pub fn steps(s: &mut String, c: &Ctx) {
    let (head, e) = (c.head, c.e);
    let b = &e.bonus;
    let _ = writeln!(
        s,
        "Bonus script     {}; its inputs:",
        src(&head.bonus.script)
    );
    for l in input_lines(&b.inputs) {
        let _ = writeln!(s, "                 {l}");
    }
    let _ = writeln!(s, "  result         {}", b.result);
    if !e.spans.is_empty() {
        spans(s, c);
        projects_and_total(s, c);
        return;
    }
    let _ = writeln!(s, "Cap              {}", cap(c));
    let _ = writeln!(s, "Proration        {}", proration(c));
    let r = &head.rounding;
    let mode = &r.mode.value;
    let _ = writeln!(
        s,
        "Rounding         {} → {} (money, {} places, {mode})",
        b.prorated, b.bonus, r.money_places
    );
    for n in &b.notes {
        let _ = writeln!(s, "{n}");
    }
    projects_and_total(s, c);
}

/// Script inputs, one per line; a KPI's entries (`kpi.gmv.*`) on one line.
fn input_lines(inputs: &[ScriptInput]) -> Vec<String> {
    let show = |i: &ScriptInput| match i.kind.as_str() {
        "string" => format!("{:?}", i.value),
        "unit" => "()".to_string(),
        _ => i.value.clone(),
    };
    let mut out: Vec<String> = Vec::new();
    let mut group: Option<(String, Vec<String>)> = None;
    let flush = |g: &mut Option<(String, Vec<String>)>, out: &mut Vec<String>| {
        if let Some((name, items)) = g.take() {
            out.push(format!("{name} = #{{{}}}", items.join(", ")));
        }
    };
    for i in inputs {
        let parts: Vec<&str> = i.name.splitn(3, '.').collect();
        if parts.len() == 3 {
            let name = format!("{}.{}", parts[0], parts[1]);
            if group.as_ref().is_some_and(|(g, _)| *g != name) {
                flush(&mut group, &mut out);
            }
            group
                .get_or_insert_with(|| (name, Vec::new()))
                .1
                .push(format!("{}: {}", parts[2], show(i)));
        } else {
            flush(&mut group, &mut out);
            out.push(format!("{} = {}", i.name, show(i)));
        }
    }
    flush(&mut group, &mut out);
    out
}

/// The cap as a multiple of the target bonus, and whether the result hit it.
fn cap(c: &Ctx) -> String {
    let b = &c.e.bonus;
    match (&b.cap, &c.head.bonus.cap) {
        (Some(cap), Some(def)) => {
            let verdict = if b.capped {
                format!("result {} exceeds it, so {}", b.result, b.after_cap)
            } else {
                format!("result {} is within it", b.result)
            };
            format!(
                "{} × target bonus {} = {cap} ({}); {verdict}",
                def.value,
                b.target_bonus,
                at(&def.at)
            )
        }
        _ => "none".into(),
    }
}

/// The capped bonus scaled by the days employed, when the policy prorates.
fn proration(c: &Ctx) -> String {
    let (head, b) = (c.head, &c.e.bonus);
    let [num, den] = &b.proration;
    if den == "1" && num != "1" {
        // A factor rounded to `proration_places` is kept as (factor, 1).
        return format!(
            "{} × factor {num} (rounded to proration_places) = {} ({})",
            b.after_cap,
            b.prorated,
            at(&head.bonus.proration.at)
        );
    }
    match head.bonus.proration.value.as_str() {
        "days" => format!(
            "{} × {num} days employed ÷ {den} days in the period = {} ({})",
            b.after_cap,
            b.prorated,
            at(&head.bonus.proration.at)
        ),
        "weekdays" => format!(
            "{} × {num} weekdays employed ÷ {den} weekdays in the period = {} ({})",
            b.after_cap,
            b.prorated,
            at(&head.bonus.proration.at)
        ),
        "months" => format!(
            "{} × {num} whole months employed ÷ {den} months in the period = {} ({})",
            b.after_cap,
            b.prorated,
            at(&head.bonus.proration.at)
        ),
        _ => format!("none ({})", at(&head.bonus.proration.at)),
    }
}

/// Commissions, approved project bonuses, then everything added up.
fn projects_and_total(s: &mut String, c: &Ctx) {
    commissions(s, c);
    let (head, e) = (c.head, c.e);
    let b = &e.bonus;
    if e.projects.is_empty() {
        let _ = writeln!(
            s,
            "Projects         none approved for {}",
            head.period.label
        );
    } else {
        let items: Vec<String> = e
            .projects
            .iter()
            .map(|x| format!("{} {}", x.project, x.amount))
            .collect();
        let _ = writeln!(
            s,
            "Projects         {} (approved rows of the projects table) = {}",
            items.join(" + "),
            e.project_bonus
        );
    }
    let bonus = if b.paid_bonus.is_empty() {
        &b.bonus
    } else {
        &b.paid_bonus
    };
    let commissions: String = e
        .commissions
        .iter()
        .map(|c| format!(" + commission {} {}", c.id, c.amount))
        .collect();
    let clawbacks: String = e
        .clawbacks
        .iter()
        .map(|c| {
            format!(
                " − clawback {} {}",
                c.deal_id,
                c.amount.trim_start_matches('-')
            )
        })
        .collect();
    let balance = match &e.balance {
        Some(b) => {
            let _ = writeln!(
                s,
                "Balance          owed before {}; draw paid {}; recovered {}; a negative period carried {}; forgiven {}; owed after {}",
                b.owed_before, b.draw, b.recovered, b.carried, b.forgiven, b.owed_after
            );
            if let Some(d) = &b.draw_spans {
                let _ = writeln!(s, "                   draw across spans: {d}");
            }
            format!(
                " + draw {} − recovered {} + carried {}",
                b.draw, b.recovered, b.carried
            )
        }
        None => String::new(),
    };
    let _ = writeln!(
        s,
        "Total payout     bonus {bonus}{commissions}{clawbacks}{balance} + project bonus {} = {} {}",
        e.project_bonus, e.total_payout, head.policy.currency
    );
}

/// Each commission: what it is paid on, the steps, the cap and the amount.
fn commissions(s: &mut String, c: &Ctx) {
    for x in &c.e.commissions {
        let quota = x
            .quota
            .as_ref()
            .map(|q| format!(", quota {q}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "Commission       {}: on {}: credited {}{quota}",
            x.id, x.on, x.credited
        );
        for step in &x.steps {
            let _ = writeln!(s, "                   {step}");
        }
        let cap = match &x.cap {
            Some(cap) => format!("{} capped at {cap} per period → ", x.uncapped),
            None => format!("{} → ", x.uncapped),
        };
        let how = if x.steps.iter().any(|l| l.starts_with("deal ")) {
            "the sum of the deals, each rounded on its own"
        } else if x.steps.iter().any(|l| l.starts_with("year to date ")) {
            "the year to date rounded once, less what the plan year paid: see above"
        } else {
            "rounded once"
        };
        let _ = writeln!(s, "                   = {cap}{} ({how})", x.amount);
    }
    for x in &c.e.clawbacks {
        let _ = writeln!(
            s,
            "Clawback         deal {} of {} through {}: {} → {}",
            x.deal_id, x.deal_date, x.commission, x.arithmetic, x.amount
        );
    }
}

/// A period cut by mid-period changes: each span paid as the whole period
/// under its terms, prorated, summed and rounded once.
fn spans(s: &mut String, c: &Ctx) {
    let (e, r) = (c.e, &c.head.rounding);
    let _ = writeln!(
        s,
        "Spans            the terms changed inside the period (history table); the script above ran for the last span. Each span is paid as the whole period under its terms, × its share of the period:"
    );
    for x in &e.spans {
        let capped = if x.capped { ", capped" } else { "" };
        let gate = x
            .gate
            .as_ref()
            .map(|g| format!(" (gate shut: {g})"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {} to {}  {} in {}: target bonus {}, score {} ({}), formula {}{gate}{capped} × {} = {} → shown {}",
            x.from, x.to, x.role, x.department, x.target_bonus, x.score, x.band, x.formula,
            x.proration, x.exact, x.bonus
        );
    }
    let sum: Vec<&str> = e.spans.iter().map(|x| x.exact.as_str()).collect();
    let _ = writeln!(
        s,
        "Rounding         {} → {} (the sum rounded once: money, {} places, {}; the shown amounts are its largest-remainder shares)",
        sum.join(" + "),
        e.bonus.bonus,
        r.money_places,
        r.mode.value
    );
    for n in &e.bonus.notes {
        let _ = writeln!(s, "{n}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_inputs_group_kpi_entries() {
        let i = |n: &str, k: &str, v: &str| ScriptInput {
            name: n.into(),
            kind: k.into(),
            value: v.into(),
        };
        let lines = input_lines(&[
            i("employee.id", "string", "E1"),
            i("kpi.gmv.actual", "decimal", "10"),
            i("kpi.gmv.score", "decimal", "100.00"),
            i("kpi.uv.actual", "decimal", "5"),
            i("review", "unit", ""),
            i("score", "decimal", "99.50"),
        ]);
        assert_eq!(
            lines,
            [
                "employee.id = \"E1\"",
                "kpi.gmv = #{actual: 10, score: 100.00}",
                "kpi.uv = #{actual: 5}",
                "review = ()",
                "score = 99.50",
            ]
        );
    }
}
