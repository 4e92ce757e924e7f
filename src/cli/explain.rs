//! `merit explain --run DIR --employee ID`: one employee's payout step by
//! step, each number with where it came from. Everything printed is read
//! from the run's `trace.jsonl` (recorded while the run computed); explain
//! formats, it does not recompute.

use super::runfolder::{file_sha256, RunFolder};
use crate::error::{Diagnostic, Error, Result};
use crate::output::trace::{
    EmployeeRecord, KpiDef, KpiTrace, ReviewTrace, RunRecord, ScoringDef, ScriptInput, Sourced,
    TRACE_FILE,
};
use clap::{Args, ValueEnum};
use std::fmt::Write;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// The employee id, as in payouts.csv.
    #[arg(long)]
    pub employee: String,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// What the trace holds about one employee.
pub struct Found {
    /// The engine version from the manifest.
    pub engine: String,
    pub head: RunRecord,
    /// `None`: in the employees table, but not employed during the period.
    pub employee: Option<EmployeeRecord>,
}

pub fn main(args: ExplainArgs) -> Result<ExitCode> {
    let run = RunFolder::open(&args.run)?;
    let found = match find(&run, &args.employee) {
        Ok(f) => f,
        Err(Problem::Tampered(msg)) => {
            eprintln!("{msg}");
            return Ok(ExitCode::from(1));
        }
        Err(Problem::Error(e)) => return Err(e),
    };
    let Found {
        engine,
        head,
        employee,
    } = found;
    match (employee, args.format) {
        (Some(e), Format::Text) => print!("{}", render(&engine, &head, &e)),
        (e, Format::Json) => {
            let v = serde_json::json!({ "engine": engine, "run": head, "employee": e });
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        (None, Format::Text) => println!(
            "{} was in the employees table but not employed on any day of {} ({} to {}), so the run computed no score and no payout for them.",
            args.employee, head.period.label, head.period.start, head.period.end
        ),
    }
    Ok(ExitCode::SUCCESS)
}

pub enum Problem {
    /// The trace does not match the manifest.
    Tampered(String),
    Error(Error),
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        Problem::Error(e)
    }
}

/// Finds the employee's line in the trace, after checking the trace
/// against the manifest's sha256.
pub fn find(run: &RunFolder, id: &str) -> Result<Found, Problem> {
    let listed = run.listed("outputs")?;
    let path = run.dir.join(TRACE_FILE);
    let Some(entry) = listed.iter().find(|f| f.path == TRACE_FILE) else {
        if run.skipped().contains(&super::run::Optional::Trace) {
            return Err(Error::Usage(format!(
                "'{}' was run with --skip trace, so there is no {TRACE_FILE} to explain from; \
                 re-run its archive without --skip trace: merit run --policy {1}/archive/policy --data {1}/archive/data --period {2} --out DIR",
                run.dir.display(),
                run.dir.display(),
                run.period().unwrap_or("PERIOD"),
            ))
            .into());
        }
        return Err(Error::Usage(format!(
            "'{}' has no {TRACE_FILE} in its manifest (runs made before merit recorded traces cannot be explained)",
            run.dir.display()
        ))
        .into());
    };
    if file_sha256(&path).as_deref() != Some(entry.sha256.as_str()) {
        return Err(Problem::Tampered(format!(
            "{}: error: does not match the sha256 in the manifest (modified after the run, or missing); refusing to explain from it",
            path.display()
        )));
    }
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let bad = |n: usize, e: &dyn std::fmt::Display| {
        Problem::Error(Error::one(
            Diagnostic::error(&path, format!("not a valid trace: {e}")).at(n, 1),
        ))
    };
    let first = lines
        .next()
        .transpose()
        .map_err(|e| Error::io(&path, e))?
        .unwrap_or_default();
    let head: RunRecord = serde_json::from_str(&first).map_err(|e| bad(1, &e))?;
    // Employee lines start with their id, so a prefix finds the line
    // without parsing the others.
    let prefix = format!(
        "{{\"record\":\"employee\",\"employee_id\":{},",
        serde_json::to_string(id).expect("json")
    );
    let mut ids = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::io(&path, e))?;
        if line.starts_with(&prefix) {
            let emp: EmployeeRecord = serde_json::from_str(&line).map_err(|e| bad(n + 2, &e))?;
            return Ok(Found {
                engine: run.engine_version()?.to_owned(),
                head,
                employee: Some(emp),
            });
        }
        if let Some(rest) = line.strip_prefix("{\"record\":\"employee\",\"employee_id\":") {
            if let Some(other) = serde_json::Deserializer::from_str(rest)
                .into_iter::<String>()
                .next()
                .and_then(|r| r.ok())
            {
                ids.push(other);
            }
        }
    }
    if head.not_in_period.iter().any(|e| e == id) {
        return Ok(Found {
            engine: run.engine_version()?.to_owned(),
            head,
            employee: None,
        });
    }
    Err(Error::Usage(format!(
        "employee '{id}' is not in the run {} ({} employees){}",
        run.dir.display(),
        ids.len(),
        crate::policy::hint(id, ids.iter().map(String::as_str))
    ))
    .into())
}

fn at(a: &Option<String>) -> String {
    a.as_ref()
        .map_or_else(|| "default".to_string(), |s| s.clone())
}

fn src(s: &Sourced) -> String {
    format!("{} ({})", s.value, at(&s.at))
}

fn actual_line(def: &KpiDef, k: &KpiTrace, head: &RunRecord) -> String {
    let agg = |m: &str| k.aggregates.iter().find(|a| a.metric == m);
    let months = |m: &str| agg(m).map_or(0, |a| a.months);
    let value = |m: &str| agg(m).map_or("?".to_string(), |a| a.value.clone());
    let m0 = def.metrics.first().map_or("", String::as_str);
    let rule = match def.aggregate.as_str() {
        "sum" => format!("sum of {m0} over {} months = {}", months(m0), k.raw_actual),
        "mean" => format!(
            "mean of {m0} = sum {} ÷ {} months = {}",
            value(m0),
            months(m0),
            k.raw_actual
        ),
        "last" => format!("{m0} of the latest month = {}", k.raw_actual),
        "max" => format!("largest monthly {m0} = {}", k.raw_actual),
        "min" => format!("smallest monthly {m0} = {}", k.raw_actual),
        "ratio" => {
            let m1 = def.metrics.get(1).map_or("", String::as_str);
            format!(
                "sum of {m0} ÷ sum of {m1} = {} ÷ {} = {}",
                value(m0),
                value(m1),
                k.raw_actual
            )
        }
        other => format!("{other} = {}", k.raw_actual),
    };
    if k.raw_actual == k.actual {
        rule
    } else {
        format!(
            "{rule} → {} (rounded to {} places, {})",
            k.actual, head.rounding.actual_places, head.rounding.mode.value
        )
    }
}

fn segment_line(k: &KpiTrace, sc: Option<&ScoringDef>, head: &RunRecord) -> String {
    let Some(c) = sc else {
        return format!("{} ({})", k.score, k.segment);
    };
    let rounded = format!(
        "rounded to {} places, {}",
        head.rounding.score_places, head.rounding.mode.value
    );
    let line = |from: &str,
                p: &crate::output::trace::CurvePointRef,
                to: &str,
                q: &crate::output::trace::CurvePointRef| {
        format!(
            "{} + ({} − {}) × ({} − {}) ÷ ({} − {}) = {}, {rounded}; curve '{}' from {from} ({}, {}) to {to} ({}, {}), {}",
            p.score, k.achievement, p.achievement, q.score, p.score, q.achievement, p.achievement,
            k.score, c.id, p.achievement, p.score, q.achievement, q.score, at(&p.at)
        )
    };
    match k.segment.as_str() {
        "below_threshold" => format!(
            "{}: achievement below the threshold {} of curve '{}' ({}), so the floor score {}",
            k.score,
            c.threshold.achievement,
            c.id,
            at(&c.threshold.at),
            src(&c.below_threshold)
        ),
        "threshold_to_target" => line("threshold", &c.threshold, "target", &c.target),
        "target_to_stretch" => line("target", &c.target, "stretch", &c.stretch),
        "above_stretch" => format!(
            "{}; above stretch, the target→stretch line continues up to the cap {}",
            line("target", &c.target, "stretch", &c.stretch),
            c.cap.as_ref().map_or("-".into(), src)
        ),
        "capped" => match &c.cap {
            Some(cap) => format!(
                "{}: achievement {} is past stretch; curve '{}' is capped at {}",
                k.score,
                k.achievement,
                c.id,
                src(cap)
            ),
            None => format!(
                "{}: achievement {} is past stretch ({}); curve '{}' has no cap, so the stretch score holds ({})",
                k.score,
                k.achievement,
                c.stretch.achievement,
                c.id,
                at(&c.stretch.at)
            ),
        },
        other => format!("{} ({other})", k.score),
    }
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

/// The statement printed by `merit explain`.
pub fn render(engine: &str, head: &RunRecord, e: &EmployeeRecord) -> String {
    let mut s = String::new();
    let r = &head.rounding;
    let mode = &r.mode.value;
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
    let role = head.roles.iter().find(|x| x.id == e.role);
    let renormalized = match &e.review {
        ReviewTrace::MissingRenormalized { factor, .. } => Some(factor.clone()),
        _ => None,
    };

    for (n, k) in e.kpis.iter().enumerate() {
        let Some(def) = head.kpis.iter().find(|d| d.id == k.kpi) else {
            continue;
        };
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "KPI {}/{} {} {} ({}) · {} scope, {} is better · {}",
            n + 1,
            e.kpis.len(),
            def.id,
            def.name_zh,
            def.name_en,
            def.scope,
            def.direction,
            at(&def.at)
        );
        let _ = writeln!(
            s,
            "  input rows     subject {}, archive/data/{}:",
            k.subject, head.metrics_file
        );
        let wm = k.rows.iter().map(|x| x.metric.len()).max().unwrap_or(0);
        let wv = k.rows.iter().map(|x| x.value.len()).max().unwrap_or(0);
        for row in &k.rows {
            let _ = writeln!(
                s,
                "                 {}  {:wm$}  {:>wv$}  ({})",
                row.month, row.metric, row.value, row.at
            );
        }
        let _ = writeln!(s, "  actual         {}", actual_line(def, k, head));
        let target = match k.target_source.as_str() {
            "targets table" => format!(
                "{} from the targets table (subject {}, period {}, kpi {})",
                k.target, k.subject, p.label, k.kpi
            ),
            "policy (fixed)" => {
                format!("{} fixed in the policy ({})", k.target, at(&def.target.at))
            }
            other => format!("{} ({other})", k.target),
        };
        let _ = writeln!(s, "  target         {target}");
        let formula = if def.direction == "lower" {
            format!(
                "2 − actual ÷ target = 2 − {} ÷ {} = {} (lower is better; not below 0)",
                k.actual, k.target, k.achievement
            )
        } else {
            format!(
                "actual ÷ target = {} ÷ {} = {}",
                k.actual, k.target, k.achievement
            )
        };
        let _ = writeln!(
            s,
            "  achievement    {formula}, rounded to {} places, {mode}",
            r.achievement_places
        );
        let sc = head.scorings.iter().find(|c| c.id == def.scoring);
        let _ = writeln!(s, "  score          {}", segment_line(k, sc, head));
        let wat = role
            .and_then(|ro| ro.weights.iter().find(|w| w.kpi == k.kpi))
            .map(|w| at(&w.weight.at))
            .unwrap_or_default();
        let weight = match &renormalized {
            Some(f) => format!(
                "{}% = role {} weight {}% ({wat}) × {f} (review missing, weights re-normalised)",
                k.weight, e.role, k.role_weight
            ),
            None => format!("{}% (role {}, {wat})", k.weight, e.role),
        };
        let _ = writeln!(s, "  weight         {weight}");
        let _ = writeln!(
            s,
            "  contribution   score × weight ÷ 100 = {} × {} ÷ 100 = {}",
            k.score, k.weight, k.contribution
        );
    }

    let _ = writeln!(s);
    let review_weight_at = role.map(|ro| at(&ro.review_weight.at)).unwrap_or_default();
    let review = match &e.review {
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
    };
    let _ = writeln!(s, "Manager review   {review}");
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
    let band = head.bands.iter().position(|b| b.band == e.band);
    let band_text = match band.map(|i| (i, &head.bands[i])) {
        Some((i, b)) => {
            let names = match (&b.name_zh, &b.name_en) {
                (Some(z), Some(en)) => format!(" {z} ({en})"),
                _ => String::new(),
            };
            let reach = match &b.min_score {
                Some(m) => format!("score {} ≥ {m}", e.score),
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
    };
    let _ = writeln!(s, "Rating band      {band_text}");

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
    let cap = match (&b.cap, &head.bonus.cap) {
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
    };
    let _ = writeln!(s, "Cap              {cap}");
    let [num, den] = &b.proration;
    let proration = match head.bonus.proration.value.as_str() {
        "days" => format!(
            "{} × {num} days employed ÷ {den} days in the period = {} ({})",
            b.after_cap,
            b.prorated,
            at(&head.bonus.proration.at)
        ),
        _ => format!("none ({})", at(&head.bonus.proration.at)),
    };
    let _ = writeln!(s, "Proration        {proration}");
    let _ = writeln!(
        s,
        "Rounding         {} → {} (money, {} places, {mode})",
        b.prorated, b.bonus, r.money_places
    );
    for n in &b.notes {
        let _ = writeln!(s, "{n}");
    }
    if e.projects.is_empty() {
        let _ = writeln!(s, "Projects         none approved for {}", p.label);
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
    let _ = writeln!(
        s,
        "Total payout     bonus {} + project bonus {} = {} {}",
        if b.paid_bonus.is_empty() {
            &b.bonus
        } else {
            &b.paid_bonus
        },
        e.project_bonus,
        e.total_payout,
        head.policy.currency
    );
    s
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
