//! The text statement of `merit explain`: the order of its steps, its
//! heading, and the score side after the KPIs (manager review, final
//! score, rating band).

use super::{kpi, payout};
use crate::output::trace::{EmployeeRecord, ReviewTrace, RoleDef, RunRecord, Sourced, TRACE_FILE};
use std::fmt::Write;

/// The employee being explained, with what several steps look up.
pub struct Ctx<'a> {
    pub head: &'a RunRecord,
    pub e: &'a EmployeeRecord,
    /// The employee's role in the policy.
    pub role: Option<&'a RoleDef>,
    /// The factor every KPI weight was multiplied by when a missing review
    /// was left out.
    pub renormalized: Option<String>,
}

/// Where a value was set: a policy location, or `default`.
pub fn at(a: &Option<String>) -> String {
    a.as_ref()
        .map_or_else(|| "default".to_string(), |s| s.clone())
}

pub fn src(s: &Sourced) -> String {
    format!("{} ({})", s.value, at(&s.at))
}

/// The statement printed by `merit explain`.
pub fn render(engine: &str, head: &RunRecord, e: &EmployeeRecord) -> String {
    let mut s = String::new();
    heading(&mut s, engine, head, e);
    let c = Ctx {
        head,
        e,
        role: head.roles.iter().find(|x| x.id == e.role),
        renormalized: match &e.review {
            ReviewTrace::MissingRenormalized { factor, .. } => Some(factor.clone()),
            _ => None,
        },
    };
    for (n, k) in e.kpis.iter().enumerate() {
        let Some(def) = head.kpis.iter().find(|d| d.id == k.kpi) else {
            continue;
        };
        let _ = writeln!(s);
        kpi::steps(&mut s, &c, n, def, k);
    }

    let _ = writeln!(s);
    let _ = writeln!(s, "Manager review   {}", review(&c));
    final_score(&mut s, &c);
    let _ = writeln!(s, "Rating band      {}", band(&c));
    payout::steps(&mut s, &c);
    s
}

/// Who, which period, and which policy and engine computed it.
fn heading(s: &mut String, engine: &str, head: &RunRecord, e: &EmployeeRecord) {
    let p = &head.period;
    let _ = writeln!(
        s,
        "{} {} · department {} · role {} · {} ({} to {}, {} days)",
        e.employee_id, e.name, e.department, e.role, p.label, p.start, p.end, p.days
    );
    let _ = writeln!(
        s,
        "policy {} version {} · computed by merit {engine} · every number below is read from {TRACE_FILE}",
        head.policy.id, head.policy.version
    );
}

/// The manager review: rating, score on the review scale and contribution,
/// or why it was not weighed.
fn review(c: &Ctx) -> String {
    let (head, e, p) = (c.head, c.e, &c.head.period);
    let review_weight_at = c
        .role
        .map(|ro| at(&ro.review_weight.at))
        .unwrap_or_default();
    match &e.review {
        ReviewTrace::NotWeighed => format!("not weighed for role {}", e.role),
        ReviewTrace::Rated {
            rating,
            rater,
            score,
            weight,
            contribution,
        } => {
            let step_at = head
                .review
                .as_ref()
                .and_then(|rv| rv.scale.iter().find(|x| x.rating == *rating))
                .map(|x| at(&x.at))
                .unwrap_or_default();
            format!(
                "rating {rating} from the ratings table (employee {}, period {}{}) → score {score} on the review scale ({step_at}); × weight {weight}% ({review_weight_at}) ÷ 100 = contribution {contribution}",
                e.employee_id,
                p.label,
                rater.as_ref().map_or(String::new(), |x| format!(", rater {x}"))
            )
        }
        ReviewTrace::MissingRenormalized {
            review_weight,
            factor,
        } => format!(
            "no rating for {}; review.missing is {}: the review's weight {review_weight}% ({review_weight_at}) is left out and every KPI weight is multiplied by 100 ÷ (100 − {review_weight}) = {factor}",
            p.label,
            head.review.as_ref().map_or("?".into(), |rv| src(&rv.missing))
        ),
    }
}

/// The KPI and review contributions summed, then rounded.
fn final_score(s: &mut String, c: &Ctx) {
    let e = c.e;
    let r = &c.head.rounding;
    let mode = &r.mode.value;
    let mut parts: Vec<&str> = e.kpis.iter().map(|k| k.contribution.as_str()).collect();
    if let ReviewTrace::Rated { contribution, .. } = &e.review {
        parts.push(contribution);
    }
    let _ = writeln!(
        s,
        "Final score      {} = {} → {} (rounded to {} places, {mode})",
        parts.join(" + "),
        e.score_sum,
        e.score,
        r.score_places
    );
}

/// The band the final score reaches, and what the next band up needs.
fn band(c: &Ctx) -> String {
    let (head, e) = (c.head, c.e);
    let band = head.bands.iter().position(|b| b.band == e.band);
    match band.map(|i| (i, &head.bands[i])) {
        Some((i, b)) => {
            let names = match (&b.name_zh, &b.name_en) {
                (Some(z), Some(en)) => format!(" {z} ({en})"),
                _ => String::new(),
            };
            let reach = match &b.min_score {
                Some(m) => format!("score {} ≥ {m}", e.score),
                None if head.bands.len() == 1 => {
                    format!("the plan's only band, whatever the score ({})", e.score)
                }
                None => format!("score {} is below every other band", e.score),
            };
            let next = i
                .checked_sub(1)
                .map(|j| &head.bands[j])
                .and_then(|h| {
                    h.min_score
                        .as_ref()
                        .map(|m| format!("; {} needs {m}", h.band))
                })
                .unwrap_or_default();
            format!("{}{names}: {reach}{next} ({})", b.band, at(&b.at))
        }
        None => e.band.clone(),
    }
}
