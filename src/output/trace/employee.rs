//! The employee lines of `trace.jsonl`: each KPI from its metrics rows to
//! its contribution, the review blend, the bonus script's inputs and every
//! step from the script's result to the total payout. Written straight
//! into the part's text (`json`), in the key order of `schema`'s
//! [`super::EmployeeRecord`], which `merit explain` reads them back as.

use super::json::Json;
use crate::data::metrics::{MonthRow, MonthlyRows};
use crate::data::Data;
use crate::engine::blend::ReviewUse;
use crate::engine::bonus::Inputs;
use crate::engine::score::Segment;
use crate::engine::{kpi, EmployeeResult, KpiLine, RunResult};
use crate::period::Month;
use crate::policy::{Aggregate, LoadedPolicy, Role};
use rhai::{Dynamic, Scope};
use rust_decimal::Decimal;

/// What every employee line reads: the run, its inputs, and the metrics
/// rows of the period indexed once.
pub(super) struct Ctx<'a> {
    pub(super) lp: &'a LoadedPolicy,
    pub(super) data: &'a Data,
    pub(super) run: &'a RunResult,
    pub(super) rows: MonthlyRows<'a>,
    /// Every variable the bonus script could read, resolved once.
    pub(super) inputs: Inputs<'a>,
    /// How a metrics row is cited before its number, escaped:
    /// `metrics.csv:` (the header is line 1) or `metrics.parquet row `,
    /// and what the number adds to the 0-based row.
    pub(super) cite: (String, u64),
    /// The period's months as text, for the rows of every KPI.
    pub(super) months: Vec<(Month, String)>,
    /// Per KPI of the policy, the metrics its rule reads, found once.
    metrics: Vec<Vec<MetricAt<'a>>>,
}

/// A metric a KPI reads: its name, its position in the metrics table
/// and its column of the aggregates.
struct MetricAt<'a> {
    name: &'a str,
    rows: Option<usize>,
    agg: Option<usize>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        lp: &'a LoadedPolicy,
        data: &'a Data,
        run: &'a RunResult,
        rows: MonthlyRows<'a>,
        inputs: Inputs<'a>,
        metrics_file: &str,
    ) -> Self {
        let mut cite = Json::default();
        cite.escaped(metrics_file);
        let cite = match metrics_file.ends_with(".csv") {
            true => (cite.text + ":", 2),
            false => (cite.text + " row ", 1),
        };
        let months = run.period.months().map(|m| (m, m.to_string())).collect();
        let metrics = lp
            .policy
            .kpis
            .iter()
            .map(|k| {
                let at = |name| MetricAt {
                    name,
                    rows: rows.metric(name),
                    agg: run.aggs.slot(name),
                };
                k.aggregate.metrics().into_iter().map(at).collect()
            })
            .collect();
        Ctx {
            lp,
            data,
            run,
            rows,
            inputs,
            cite,
            months,
            metrics,
        }
    }
}

/// What a worker reuses from one employee to the next.
#[derive(Default)]
pub(super) struct Scratch {
    /// The rows of `subject` (`MonthlyRows::subject_into`).
    rows: Vec<(usize, MonthRow)>,
    subject: Option<u32>,
    scope: Scope<'static>,
    name: String,
}

impl Scratch {
    /// Forgets what came from an earlier run: a worker outlives a run.
    pub(super) fn start_part(&mut self) {
        self.subject = None;
    }
}

/// Writes one employee's line.
pub(super) fn employee(c: &Ctx, r: &EmployeeResult, j: &mut Json, s: &mut Scratch) {
    let lp = c.lp;
    let e = &c.data.employees[r.employee];
    j.open();
    j.key("record").str("employee");
    j.key("employee_id").str(&e.id);
    j.key("name").str(&e.name);
    j.key("department").str(&e.department);
    j.key("role").str(&e.role);
    j.key("hire_date").shown(e.hire_date);
    match e.termination_date {
        Some(d) => j.key("termination_date").shown(d),
        None => j.key("termination_date").null(),
    }
    let role = &lp.policy.roles[&e.role];
    j.key("kpis").open_list();
    for line in &r.kpis {
        j.item();
        kpi_trace(c, role, line, j, s);
    }
    j.close_list();
    j.key("review");
    review_trace(c, r, j);
    let review_part = match &r.review {
        ReviewUse::Rated { contribution, .. } => *contribution,
        _ => Decimal::ZERO,
    };
    let score_sum = r.kpis.iter().map(|l| l.contribution).sum::<Decimal>() + review_part;
    j.key("score_sum").plain(score_sum);
    j.key("score").dec(r.score);
    j.key("band").str(&r.band);
    j.key("bonus");
    bonus_trace(c, r, j, s);
    j.key("projects").open_list();
    for (p, a) in &r.projects {
        j.item().open();
        j.key("project").str(p);
        j.key("amount").plain(*a);
        j.close();
    }
    j.close_list();
    j.key("project_bonus").money(r.project_bonus, lp);
    // Absent when empty, as the reader's defaults expect.
    if !r.commissions.is_empty() {
        j.key("commissions");
        super::commission::commissions(lp, r, j);
    }
    if !r.clawbacks.is_empty() {
        j.key("clawbacks");
        super::commission::clawbacks(r, j);
    }
    if let Some(b) = &r.balance {
        j.key("balance");
        balance(lp, b, j);
    }
    if !r.spans.is_empty() {
        j.key("spans").open_list();
        for x in &r.spans {
            j.item();
            span(lp, x, j);
        }
        j.close_list();
    }
    j.key("total_payout").money(r.total, lp);
    j.end_line();
}

/// One KPI: its input rows with their citations, the aggregates its rule
/// used, and every step to its contribution.
fn kpi_trace(c: &Ctx, role: &Role, line: &KpiLine, j: &mut Json, s: &mut Scratch) {
    let k = &c.lp.policy.kpis[line.kpi_ix()];
    let ix = Some(line.subject);
    let metrics = &c.metrics[line.kpi_ix()];
    j.open();
    j.key("kpi").str(&k.id);
    j.key("subject").str(c.data.subjects.name(line.subject));
    if s.subject != ix {
        c.rows.subject_into(line.subject, &mut s.rows);
        s.subject = ix;
    }
    j.key("rows").open_list();
    for m in metrics {
        let Some(at) = m.rows else { continue };
        let lo = s.rows.partition_point(|(k, _)| *k < at);
        let hi = s.rows.partition_point(|(k, _)| *k <= at);
        for (_, row) in &s.rows[lo..hi] {
            j.item().open();
            j.key("metric").str(m.name);
            match c.months.iter().find(|(month, _)| *month == row.month) {
                Some((_, text)) => j.key("month").str(text),
                None => j.key("month").shown(row.month),
            }
            j.key("value").plain(row.value);
            j.key("at").quoted(|j| {
                j.text.push_str(&c.cite.0);
                j.digits(row.row as u64 + c.cite.1);
            });
            j.close();
        }
    }
    j.close_list();
    j.key("aggregates").open_list();
    for m in metrics {
        let Some(a) = c.run.aggs.at(ix, m.agg) else {
            continue;
        };
        let (stat, value) = match &k.aggregate {
            Aggregate::Sum(_) | Aggregate::Mean(_) | Aggregate::Ratio { .. } => ("sum", a.sum),
            Aggregate::Last(_) => ("last", a.last),
            Aggregate::Max(_) => ("max", a.max),
            Aggregate::Min(_) => ("min", a.min),
        };
        j.item().open();
        j.key("metric").str(m.name);
        j.key("stat").str(stat);
        j.key("value").plain(value);
        j.key("months").int(i64::from(a.count));
        j.close();
    }
    j.close_list();
    // The same function the engine ran, on the same aggregates.
    let agg = |name: &str| match metrics.iter().find(|m| m.name == name) {
        Some(m) => c.run.aggs.at(ix, m.agg),
        None => c.run.aggs.get(ix, name),
    };
    match kpi::raw_actual(&k.aggregate, agg) {
        Ok(raw) => j.key("raw_actual").plain(raw),
        Err(_) => j.key("raw_actual").str(""),
    }
    j.key("actual").plain(line.actual);
    j.key("target").plain(line.target);
    j.key("target_source").str(&line.target_source);
    j.key("achievement").dec(line.achievement);
    j.key("segment");
    segment(line.segment, j);
    j.key("score").dec(line.score);
    let role_weight = role.weights.get(&k.id);
    j.key("role_weight")
        .str(role_weight.map_or("", |w| &w.text));
    j.key("weight").plain(line.weight);
    j.key("contribution").plain(line.contribution);
    j.close();
}

/// The segment as its serde name; a tier serialises as a map, so the
/// trace names it `tier_N`, and points `points_N_to_M`.
fn segment(s: Segment, j: &mut Json) {
    let name = match s {
        Segment::Tier(i) => {
            return j.quoted(|j| {
                j.text.push_str("tier_");
                j.digits(i as u64 + 1);
            })
        }
        Segment::Between(i) => {
            return j.quoted(|j| {
                j.text.push_str("points_");
                j.digits(i as u64 + 1);
                j.text.push_str("_to_");
                j.digits(i as u64 + 2);
            })
        }
        Segment::BelowThreshold => "below_threshold",
        Segment::ThresholdToTarget => "threshold_to_target",
        Segment::TargetToStretch => "target_to_stretch",
        Segment::AboveStretch => "above_stretch",
        Segment::Capped => "capped",
        Segment::BelowFirst => "below_first",
        Segment::AboveLast => "above_last",
        Segment::Script => "script",
    };
    j.str(name);
}

/// The review as the score used it: an object tagged by `use`.
fn review_trace(c: &Ctx, r: &EmployeeResult, j: &mut Json) {
    j.open();
    match &r.review {
        ReviewUse::NotWeighed => j.key("use").str("not_weighed"),
        ReviewUse::Rated {
            rating,
            score,
            weight,
            contribution,
        } => {
            let rater = c.data.rating(r.employee, &c.run.period.label);
            j.key("use").str("rated");
            j.key("rating").plain(*rating);
            j.key("rater")
                .opt_str(rater.and_then(|x| x.rater.as_deref()));
            j.key("score").plain(*score);
            j.key("weight").plain(*weight);
            j.key("contribution").plain(*contribution);
        }
        ReviewUse::MissingRenormalized { review_weight } => {
            j.key("use").str("missing_renormalized");
            j.key("review_weight").plain(*review_weight);
            let factor = crate::engine::blend::weight_factor(&r.review);
            j.key("factor").plain(factor);
        }
    }
    j.close();
}

/// The bonus from the script's inputs and result to the bonus paid.
fn bonus_trace(c: &Ctx, r: &EmployeeResult, j: &mut Json, s: &mut Scratch) {
    let lp = c.lp;
    let e = &c.data.employees[r.employee];
    j.open();
    j.key("inputs").open_list();
    c.inputs.fill(&mut s.scope, e, r, &r.kpis);
    // `iter` would clone every map; `iter_raw` goes from the last variable.
    let vars: Vec<(&str, &Dynamic)> = s.scope.iter_raw().map(|(n, _, v)| (n, v)).collect();
    for (name, v) in vars.into_iter().rev() {
        s.name.clear();
        s.name.push_str(name);
        flatten(&mut s.name, v, j);
    }
    j.close_list();
    let after_cap = r
        .cap
        .map_or(r.formula_bonus, |cap| r.formula_bonus.min(cap));
    // With spans the bonus fields are the last span's (docs/outputs.md).
    let last = r.spans.last();
    let (num, den) = last.map_or(r.proration, |s| s.proration);
    j.key("result").dec(r.formula_bonus);
    j.key("target_bonus").dec(r.target_bonus);
    match r.cap {
        Some(cap) => j.key("cap").dec(cap),
        None => j.key("cap").null(),
    }
    j.key("capped").bool(last.map_or(r.capped, |s| s.capped));
    j.key("after_cap").dec(after_cap);
    let days = last.map_or(r.days_employed, |s| (s.to - s.from).num_days() + 1);
    j.key("days_employed").int(days);
    j.key("proration").open_list();
    j.item().plain(num);
    j.item().plain(den);
    j.close_list();
    // As before in decimals; exact where the product would overflow.
    match last {
        Some(s) => j.key("prorated").dec(s.exact.approx()),
        None => j.key("prorated").dec(prorated(after_cap, num, den)),
    }
    j.key("bonus")
        .money(r.pool.as_ref().map_or(r.bonus, |p| p.before), lp);
    j.key("notes").strs(&super::notes::notes(lp, r));
    j.key("paid_bonus").money(r.bonus, lp);
    j.close();
}

/// Writes a Rhai value as named leaves `{name, kind, value}`; map keys
/// come sorted, each leaf named by its path (`kpi.gmv.actual`).
fn flatten(name: &mut String, v: &Dynamic, j: &mut Json) {
    let mut leaf = |kind: &str, value: &dyn Fn(&mut Json)| {
        j.item().open();
        j.key("name").str(name);
        j.key("kind").str(kind);
        j.key("value");
        value(j);
        j.close();
    };
    if let Ok(d) = v.as_decimal() {
        leaf("decimal", &|j| j.dec(d));
    } else if let Some(x) = v.read_lock::<crate::exact::Exact>() {
        // An exact value without a finite decimal form, as a fraction.
        leaf("exact", &|j| j.shown(&*x));
    } else if let Ok(i) = v.as_int() {
        leaf("int", &|j| j.quoted(|j| j.int(i)));
    } else if let Ok(b) = v.as_bool() {
        leaf("bool", &|j| j.str(if b { "true" } else { "false" }));
    } else if v.is_unit() {
        leaf("unit", &|j| j.str(""));
    } else if v.is_string() {
        let text = v.clone().into_immutable_string().unwrap_or_default();
        leaf("string", &|j| j.str(&text));
    } else if let Some(m) = v.read_lock::<rhai::Map>() {
        let at = name.len();
        for (k, v) in m.iter() {
            name.push('.');
            name.push_str(k);
            flatten(name, v, j);
            name.truncate(at);
        }
    } else {
        leaf(v.type_name(), &|j| j.shown(v));
    }
}

/// The balance line of a stateful plan, as money.
fn balance(lp: &LoadedPolicy, b: &crate::engine::balance::BalanceLine, j: &mut Json) {
    j.open();
    j.key("owed_before").money(b.owed_before, lp);
    j.key("draw").money(b.draw, lp);
    j.key("recovered").money(b.recovered, lp);
    j.key("carried").money(b.carried, lp);
    j.key("forgiven").money(b.forgiven, lp);
    j.key("owed_after").money(b.owed_after, lp);
    if let Some(text) = super::notes::draw_spans(lp, b) {
        j.key("draw_spans").str(&text);
    }
    j.close();
}

/// One span as the trace records it.
fn span(lp: &LoadedPolicy, x: &crate::engine::spans::SpanLine, j: &mut Json) {
    j.open();
    j.key("from").shown(x.from);
    j.key("to").shown(x.to);
    j.key("role").str(&x.role);
    j.key("department").str(&x.department);
    j.key("target_bonus").plain(x.target_bonus);
    j.key("score").dec(x.score);
    j.key("band").str(&x.band);
    j.key("formula").plain(x.formula);
    j.key("capped").bool(x.capped);
    j.key("proration")
        .str(&crate::output::spans::proration(x.proration));
    j.key("exact").shown(&x.exact);
    j.key("bonus").money(x.bonus, lp);
    if let Some(g) = &x.gate_failed {
        j.key("gate").str(g);
    }
    j.close();
}

/// After cap × the proration factor, for display: as before in decimals;
/// exact where the product would overflow.
fn prorated(after_cap: Decimal, num: Decimal, den: Decimal) -> Decimal {
    after_cap
        .checked_mul(num)
        .and_then(|x| x.checked_div(den))
        .unwrap_or_else(|| {
            (crate::exact::Exact::from(after_cap) * num
                / crate::exact::Exact::from(den.max(Decimal::ONE)))
            .approx()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_named_as_serde_names_them() {
        use Segment::*;
        for s in [
            BelowThreshold,
            ThresholdToTarget,
            TargetToStretch,
            AboveStretch,
            Capped,
            BelowFirst,
            AboveLast,
            Script,
        ] {
            let mut j = Json::default();
            segment(s, &mut j);
            assert_eq!(j.text, serde_json::to_string(&s).unwrap());
        }
        let mut j = Json::default();
        segment(Tier(0), &mut j);
        segment(Between(1), &mut j);
        assert_eq!(j.text, "\"tier_1\"\"points_2_to_3\"");
    }
}
