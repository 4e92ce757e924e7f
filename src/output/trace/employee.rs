//! The employee lines of `trace.jsonl`: each KPI from its metrics rows to
//! its contribution, the review blend, the bonus script's inputs and every
//! step from the script's result to the total payout.

use super::schema::{
    AggregateTrace, BonusTrace, EmployeeRecord, InputRow, KpiTrace, ProjectTrace, ReviewTrace,
    ScriptInput,
};
use crate::data::metrics::MonthlyRows;
use crate::data::Data;
use crate::decimal::plain;
use crate::engine::blend::ReviewUse;
use crate::engine::{bonus, kpi, EmployeeResult, RunResult};
use crate::output::money;
use crate::policy::{Aggregate, LoadedPolicy};
use rhai::Dynamic;
use rust_decimal::Decimal;

/// Flattens a Rhai value into named leaves; map keys come sorted.
fn flatten(name: String, v: &Dynamic, out: &mut Vec<ScriptInput>) {
    let leaf = |kind: &str, value: String| ScriptInput {
        name: name.clone(),
        kind: kind.into(),
        value,
    };
    let item = if let Ok(d) = v.as_decimal() {
        leaf("decimal", d.to_string())
    } else if let Some(x) = v.read_lock::<crate::exact::Exact>() {
        // An exact value without a finite decimal form, as a fraction.
        leaf("exact", x.to_string())
    } else if let Ok(i) = v.as_int() {
        leaf("int", i.to_string())
    } else if let Ok(b) = v.as_bool() {
        leaf("bool", b.to_string())
    } else if v.is_unit() {
        leaf("unit", String::new())
    } else if v.is_string() {
        leaf("string", v.clone().into_string().unwrap_or_default())
    } else if let Some(m) = v.read_lock::<rhai::Map>() {
        for (k, v) in m.iter() {
            flatten(format!("{name}.{k}"), v, out);
        }
        return;
    } else {
        leaf(v.type_name(), v.to_string())
    };
    out.push(item);
}

/// What every employee line reads: the run, its inputs, and the metrics
/// rows of the period indexed once.
pub(super) struct Ctx<'a> {
    pub(super) lp: &'a LoadedPolicy,
    pub(super) data: &'a Data,
    pub(super) run: &'a RunResult,
    pub(super) rows: MonthlyRows,
    pub(super) kpi_ids: Vec<&'a str>,
    pub(super) metrics_file: String,
}

impl Ctx<'_> {
    /// How a metrics row is cited: `metrics.csv:LINE` (the header is line
    /// 1) or `metrics.parquet row N`.
    fn cite(&self, row: usize) -> String {
        if self.metrics_file.ends_with(".csv") {
            format!("{}:{}", self.metrics_file, row + 2)
        } else {
            format!("{} row {}", self.metrics_file, row + 1)
        }
    }
}

fn kpi_trace(c: &Ctx, r: &EmployeeResult, line: &crate::engine::KpiLine) -> KpiTrace {
    let policy = &c.lp.policy;
    let k = &policy.kpis[line.kpi];
    let subject = c.data.subjects.name(line.subject);
    let ix = Some(line.subject);
    let metrics = k.aggregate.metrics();
    let rows = metrics
        .iter()
        .flat_map(|m| {
            c.rows.get(ix, m).into_iter().map(|row| InputRow {
                metric: (*m).to_owned(),
                month: row.month.to_string(),
                value: plain(row.value),
                at: c.cite(row.row),
            })
        })
        .collect();
    let aggregates = metrics
        .iter()
        .filter_map(|m| {
            let a = c.run.aggs.get(ix, m)?;
            let (stat, value) = match &k.aggregate {
                Aggregate::Sum(_) | Aggregate::Mean(_) | Aggregate::Ratio { .. } => ("sum", a.sum),
                Aggregate::Last(_) => ("last", a.last),
                Aggregate::Max(_) => ("max", a.max),
                Aggregate::Min(_) => ("min", a.min),
            };
            Some(AggregateTrace {
                metric: (*m).to_owned(),
                stat: stat.into(),
                value: plain(value),
                months: a.count,
            })
        })
        .collect();
    // The same function the engine ran, on the same aggregates.
    let raw_actual = kpi::raw_actual(&k.aggregate, |m| c.run.aggs.get(ix, m))
        .map(plain)
        .unwrap_or_default();
    let role_weight = policy.roles[&c.data.employees[r.employee].role]
        .weights
        .get(&k.id)
        .map(|w| w.to_string())
        .unwrap_or_default();
    KpiTrace {
        kpi: k.id.clone(),
        subject: subject.to_owned(),
        rows,
        aggregates,
        raw_actual,
        actual: plain(line.actual),
        target: plain(line.target),
        target_source: line.target_source.to_string(),
        achievement: line.achievement.to_string(),
        segment: match line.segment {
            // A tier serialises as a map; the trace names it `tier_N`.
            crate::engine::score::Segment::Tier(i) => format!("tier_{}", i + 1),
            crate::engine::score::Segment::Between(i) => format!("points_{}_to_{}", i + 1, i + 2),
            s => serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        },
        score: line.score.to_string(),
        role_weight,
        weight: plain(line.weight),
        contribution: plain(line.contribution),
    }
}

/// The review as the score used it.
fn review_trace(c: &Ctx, r: &EmployeeResult) -> ReviewTrace {
    let period = &c.run.period;
    match &r.review {
        ReviewUse::NotWeighed => ReviewTrace::NotWeighed,
        ReviewUse::Rated {
            rating,
            score,
            weight,
            contribution,
        } => ReviewTrace::Rated {
            rating: plain(*rating),
            rater: c
                .data
                .rating(r.employee, &period.label)
                .and_then(|x| x.rater.clone()),
            score: plain(*score),
            weight: plain(*weight),
            contribution: plain(*contribution),
        },
        ReviewUse::MissingRenormalized { review_weight } => ReviewTrace::MissingRenormalized {
            review_weight: plain(*review_weight),
            factor: plain(crate::engine::blend::weight_factor(&r.review)),
        },
    }
}

pub(super) fn employee_record(c: &Ctx, r: &EmployeeResult) -> EmployeeRecord {
    let lp = c.lp;
    let e = &c.data.employees[r.employee];
    let period = &c.run.period;
    let review = review_trace(c, r);
    let review_part = match &r.review {
        ReviewUse::Rated { contribution, .. } => *contribution,
        _ => Decimal::ZERO,
    };
    let score_sum = r.kpis.iter().map(|l| l.contribution).sum::<Decimal>() + review_part;
    let scope = bonus::scope(&lp.policy, e, r, &r.kpis, &c.kpi_ids, period);
    let mut inputs = Vec::new();
    for (name, _, v) in scope.iter() {
        flatten(name.to_owned(), &v, &mut inputs);
    }
    let after_cap = r
        .cap
        .map_or(r.formula_bonus, |cap| r.formula_bonus.min(cap));
    // With spans the bonus fields are the last span's (docs/outputs.md).
    let last = r.spans.last();
    let (num, den) = last.map_or(r.proration, |s| s.proration);
    EmployeeRecord {
        record: "employee".into(),
        employee_id: e.id.clone(),
        name: e.name.clone(),
        department: e.department.clone(),
        role: e.role.clone(),
        hire_date: e.hire_date.to_string(),
        termination_date: e.termination_date.map(|d| d.to_string()),
        kpis: r.kpis.iter().map(|l| kpi_trace(c, r, l)).collect(),
        review,
        score_sum: plain(score_sum),
        score: r.score.to_string(),
        band: r.band.clone(),
        bonus: BonusTrace {
            inputs,
            result: r.formula_bonus.to_string(),
            target_bonus: r.target_bonus.to_string(),
            cap: r.cap.map(|d| d.to_string()),
            capped: last.map_or(r.capped, |s| s.capped),
            after_cap: after_cap.to_string(),
            days_employed: last.map_or(r.days_employed, |s| (s.to - s.from).num_days() + 1),
            proration: [plain(num), plain(den)],
            // As before in decimals; exact where the product would overflow.
            prorated: match last {
                Some(s) => s.exact.approx().to_string(),
                None => prorated(after_cap, num, den),
            },
            bonus: money(r.pool.as_ref().map_or(r.bonus, |p| p.before), lp),
            notes: notes(lp, r),
            paid_bonus: money(r.bonus, lp),
        },
        projects: r
            .projects
            .iter()
            .map(|(p, a)| ProjectTrace {
                project: p.clone(),
                amount: plain(*a),
            })
            .collect(),
        project_bonus: money(r.project_bonus, lp),
        commissions: super::commission::commissions(lp, r),
        clawbacks: super::commission::clawbacks(r),
        balance: r.balance.as_ref().map(|b| balance(lp, b)),
        spans: r.spans.iter().map(|x| span(lp, x)).collect(),
        total_payout: money(r.total, lp),
    }
}

/// The balance line of a stateful plan, as money.
fn balance(
    lp: &LoadedPolicy,
    b: &crate::engine::balance::BalanceLine,
) -> super::schema::BalanceTrace {
    super::schema::BalanceTrace {
        owed_before: money(b.owed_before, lp),
        draw: money(b.draw, lp),
        recovered: money(b.recovered, lp),
        carried: money(b.carried, lp),
        forgiven: money(b.forgiven, lp),
        owed_after: money(b.owed_after, lp),
        draw_spans: draw_spans(lp, b),
    }
}

/// `from to to (role, days of all): per month × months × days ÷ all → part`
/// for each span, then the draw: how spans weighted it.
fn draw_spans(lp: &LoadedPolicy, b: &crate::engine::balance::BalanceLine) -> Option<String> {
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

fn notes(lp: &LoadedPolicy, r: &crate::engine::EmployeeResult) -> Vec<String> {
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
    if let Some((cur, rate, amount)) = &r.local {
        out.push(format!(
            "Currency         paid in {cur}: {} ÷ rate {} = {} {cur}",
            money(r.total, lp),
            rate.normalize(),
            money(*amount, lp)
        ));
    }
    out
}

/// One span as the trace records it.
fn span(lp: &LoadedPolicy, x: &crate::engine::spans::SpanLine) -> super::schema::SpanTrace {
    super::schema::SpanTrace {
        from: x.from.to_string(),
        to: x.to.to_string(),
        role: x.role.clone(),
        department: x.department.clone(),
        target_bonus: plain(x.target_bonus),
        score: x.score.to_string(),
        band: x.band.clone(),
        formula: plain(x.formula),
        capped: x.capped,
        proration: crate::output::spans::proration(x.proration),
        exact: x.exact.to_string(),
        bonus: money(x.bonus, lp),
        gate: x.gate_failed.clone(),
    }
}

/// After cap × the proration factor, for display: as before in decimals;
/// exact where the product would overflow.
fn prorated(after_cap: Decimal, num: Decimal, den: Decimal) -> String {
    after_cap
        .checked_mul(num)
        .and_then(|x| x.checked_div(den))
        .unwrap_or_else(|| {
            (crate::exact::Exact::from(after_cap) * num
                / crate::exact::Exact::from(den.max(Decimal::ONE)))
            .approx()
        })
        .to_string()
}
