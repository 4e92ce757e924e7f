//! The data tables every policy gets: employees, metrics, targets,
//! benchmarks, ratings and projects.

use super::rng::Rng;
use super::table::{per_employee_chunks, Rows, TableFile};
use super::values::{push_fixed, scope_index, Levels};
use super::*;
use crate::policy::MissingReview;
use crate::progress::Stage;
use std::fmt::Write as _;

/// A subject's levels: employees from their profile stream, teams from theirs.
fn employee_levels(m: &Model, i: usize, e: &Emp) -> Levels {
    let mut r = Rng::stream(m.cfg.seed, S_PROFILE, i as u64 | 1 << 40);
    m.levels(&mut r, e.size_bp)
}
fn team_levels(m: &Model, s: usize, size_bp: i64) -> Levels {
    m.levels(&mut Rng::stream(m.cfg.seed, S_TEAM, s as u64), size_bp)
}

pub(super) fn employees(m: &Model, dir: &Path) -> Result<Written> {
    let n = m.cfg.employees;
    let stage = Stage::new("gen employees", n as u64);
    let inputs = &m.lp.policy.inputs;
    let mut columns = crate::data::EMPLOYEE_COLUMNS.to_vec();
    columns.extend(inputs.keys().map(String::as_str));
    let mut t = TableFile::create(dir, "employees", &columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(columns.len());
        for i in range {
            let e = m.employee(i);
            let prof = m.profile(i, &e);
            let currency = m.currency_of(i);
            rows.cell(&e.id);
            rows.cell(&prof.name);
            rows.cell(&m.departments[e.dept]);
            rows.cell(&e.role);
            // Written in the currency the employee is paid in.
            let salary = currency.map_or(prof.salary, |c| m.local_salary(prof.salary, c));
            let _ = write!(rows.text, "{salary}");
            rows.end_cell();
            let _ = write!(rows.text, "{}", prof.pct);
            rows.end_cell();
            let _ = write!(rows.text, "{}", e.hire.format("%Y-%m-%d"));
            rows.end_cell();
            if let Some(t) = e.term {
                let _ = write!(rows.text, "{}", t.format("%Y-%m-%d"));
            }
            rows.end_cell();
            if e.lead_of.is_none() {
                rows.text.push_str(&m.employee_id(m.dept_first(e.dept)));
            }
            rows.end_cell();
            rows.cell(currency.map_or(m.lp.policy.currency.as_str(), |c| m.foreign[c].code));
            for (name, input) in inputs {
                let draw =
                    m.lp.policy
                        .draw
                        .as_ref()
                        .and_then(|d| d.amount.input.as_ref());
                // A draw is paid monthly: half a month's salary; other money inputs are quotas.
                let money = if draw == Some(name) {
                    prof.salary / 24
                } else {
                    prof.salary * 3
                };
                input_cell(&mut rows, input.kind, money, &e, &m.departments[e.dept]);
            }
        }
        rows
    })?;
    stage.finish();
    t.finish()
}

/// A plausible value of a plan input: a money input is `money` (chosen by
/// the caller), a text input names the department's region.
fn input_cell(rows: &mut Rows, kind: crate::policy::InputType, money: i64, e: &Emp, dept: &str) {
    use crate::policy::InputType::*;
    let _ = match kind {
        Money => write!(rows.text, "{money}"),
        Decimal => write!(rows.text, "1"),
        Integer => write!(rows.text, "12"),
        Text => write!(rows.text, "region-{dept}"),
        Date => write!(rows.text, "{}", e.hire.format("%Y-%m-%d")),
        Flag => write!(rows.text, "no"),
    };
    rows.end_cell();
}

/// A subject's rows of the `wanted` metrics for the months `months`.
fn subject_rows(
    m: &Model,
    rows: &mut Rows,
    (id, lv, r): (&str, &Levels, &mut Rng),
    wanted: &[usize],
    months: (usize, usize),
) {
    let mut values = vec![0i64; m.metrics.len()];
    for month in &m.months[months.0..=months.1] {
        let month = month.to_string();
        m.month_values(r, lv, &mut values);
        for &k in wanted {
            rows.cell(id);
            rows.cell(&month);
            rows.cell(&m.metrics[k].name);
            push_fixed(&mut rows.text, values[k], m.metrics[k].places);
            rows.end_cell();
        }
    }
}

/// Employees month by month (exactly the months they are employed in, as
/// `missing_months: error` requires), then departments and the company
/// (every month).
pub(super) fn metrics(m: &Model, dir: &Path) -> Result<Written> {
    let n = m.cfg.employees;
    let individual: Vec<usize> = (0..m.metrics.len())
        .filter(|&i| m.metrics[i].scopes[0])
        .collect();
    let stage = Stage::new("gen metrics", n as u64);
    let columns = &["subject_id", "month", "metric", "value"];
    let mut t = TableFile::create(dir, "metrics", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(4);
        for i in range {
            let e = m.employee(i);
            let Some(active) = e.active else { continue };
            let mut lv = employee_levels(m, i, &e);
            lv.shapes = m.employee_shapes(i, &lv);
            let mut r = Rng::stream(m.cfg.seed, S_MONTHS, i as u64);
            subject_rows(m, &mut rows, (&e.id, &lv, &mut r), &individual, active);
        }
        rows
    })?;
    let mut rows = Rows::new(4);
    for (s, (id, scope, size_bp)) in team_subjects(m).iter().enumerate() {
        let wanted: Vec<usize> = (0..m.metrics.len())
            .filter(|&i| m.metrics[i].scopes[*scope])
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let mut lv = team_levels(m, s, *size_bp);
        lv.shapes = m.team_shapes(*scope, &lv);
        let mut r = Rng::stream(m.cfg.seed, S_TEAM, s as u64 | 1 << 40);
        let all = (0, m.months.len() - 1);
        subject_rows(m, &mut rows, (id, &lv, &mut r), &wanted, all);
    }
    t.write(&rows)?;
    stage.finish();
    t.finish()
}

/// A subject's target rows for every evaluation period it is active in.
fn target_rows(
    m: &Model,
    rows: &mut Rows,
    (id, lv): (&str, &Levels),
    active: Option<(usize, usize)>,
    kpis: &[usize],
) {
    for p in &m.periods {
        let k_act = m.active_months(active, p);
        if k_act == 0 {
            continue;
        }
        for &k in kpis {
            rows.cell(id);
            rows.cell(&p.label);
            rows.cell(&m.lp.policy.kpis[k].id);
            m.target(k, lv, k_act, &mut rows.text);
            rows.end_cell();
        }
    }
}

/// Every table-sourced KPI, subject and evaluation period.
pub(super) fn targets(m: &Model, dir: &Path) -> Result<Option<Written>> {
    let kpis_by_scope: Vec<Vec<usize>> = (0..3).map(|s| m.table_kpis(s)).collect();
    if kpis_by_scope.iter().all(|k| k.is_empty()) || m.periods.is_empty() {
        return Ok(None);
    }
    let policy = &m.lp.policy;
    let gated: Vec<usize> = (0..policy.kpis.len())
        .filter(|&k| {
            policy
                .bonus
                .gates
                .iter()
                .any(|g| g.kpi == policy.kpis[k].id)
        })
        .collect();
    let n = m.cfg.employees;
    let stage = Stage::new("gen targets", n as u64);
    let columns = &["subject_id", "period", "kpi", "target"];
    let mut t = TableFile::create(dir, "targets", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(4);
        for i in range {
            let e = m.employee(i);
            let lv = employee_levels(m, i, &e);
            // The KPIs the employee's role weighs, and gate KPIs, which
            // are evaluated for everyone.
            let kpis: Vec<usize> = kpis_by_scope[0]
                .iter()
                .copied()
                .filter(|&k| m.role_weighs(&e.role, k) || gated.contains(&k))
                .collect();
            target_rows(m, &mut rows, (&e.id, &lv), e.active, &kpis);
        }
        rows
    })?;
    let mut rows = Rows::new(4);
    for (s, (id, scope, size_bp)) in team_subjects(m).iter().enumerate() {
        if kpis_by_scope[*scope].is_empty() {
            continue;
        }
        let lv = team_levels(m, s, *size_bp);
        let all = Some((0, m.months.len() - 1));
        target_rows(m, &mut rows, (id, &lv), all, &kpis_by_scope[*scope]);
    }
    t.write(&rows)?;
    stage.finish();
    t.finish().map(Some)
}

/// A market reference per KPI whose target reads one, for every evaluation
/// period, at the level of a typical subject.
pub(super) fn benchmarks(m: &Model, dir: &Path) -> Result<Option<Written>> {
    let policy = &m.lp.policy;
    let bench_kpis: Vec<usize> = (0..policy.kpis.len())
        .filter(|&k| {
            let mut reads = false;
            policy.kpis[k].target.walk(&mut |s| {
                reads |= matches!(s, TargetSource::Benchmark(_));
            });
            reads
        })
        .collect();
    if bench_kpis.is_empty() || m.periods.is_empty() {
        return Ok(None);
    }
    let team = team_subjects(m);
    let mut t = TableFile::create(dir, "benchmarks", &["kpi", "period", "value"], m.cfg.format)?;
    let mut rows = Rows::new(3);
    for &k in &bench_kpis {
        let scope = scope_index(policy.kpis[k].scope);
        let size_bp = team
            .iter()
            .find(|(_, s, _)| *s == scope)
            .map_or(10_000, |t| t.2);
        let lv = m.levels(
            &mut Rng::stream(m.cfg.seed, S_BENCHMARKS, k as u64),
            size_bp,
        );
        for p in &m.periods {
            let months = m.active_months(Some((0, m.months.len() - 1)), p);
            if months == 0 {
                continue;
            }
            rows.cell(&policy.kpis[k].id);
            rows.cell(&p.label);
            m.target(k, &lv, months, &mut rows.text);
            rows.end_cell();
        }
    }
    t.write(&rows)?;
    t.finish().map(Some)
}

/// The review scale, most often in the middle. About 3% of the ratings are
/// missing when the policy re-normalises a missing review; none when a
/// missing review fails the run.
pub(super) fn ratings(m: &Model, dir: &Path) -> Result<Option<Written>> {
    let Some(review) = &m.lp.policy.review else {
        return Ok(None);
    };
    if m.periods.is_empty() || review.scale.is_empty() {
        return Ok(None);
    }
    let n = m.cfg.employees;
    let stage = Stage::new("gen ratings", n as u64);
    let scale: Vec<String> = review.scale.iter().map(|s| s.rating.to_string()).collect();
    let weights: Vec<u64> = (0..scale.len())
        .map(|i| 1 + 2 * i.min(scale.len() - 1 - i) as u64)
        .collect();
    let may_miss = review.missing == MissingReview::Renormalize;
    let columns = &["employee_id", "period", "rating", "rater", "comment"];
    let mut t = TableFile::create(dir, "ratings", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(5);
        for i in range {
            let e = m.employee(i);
            let mut r = Rng::stream(m.cfg.seed, S_RATINGS, i as u64);
            let rater = if e.lead_of.is_some() {
                String::new()
            } else {
                m.employee_id(m.dept_first(e.dept))
            };
            for p in &m.periods {
                if m.active_months(e.active, p) == 0 || (may_miss && r.chance(30)) {
                    continue;
                }
                rows.cell(&e.id);
                rows.cell(&p.label);
                rows.cell(&scale[r.weighted(&weights)]);
                rows.cell(&rater);
                rows.cell(if r.chance(100) { r.pick(&COMMENTS) } else { "" });
            }
        }
        rows
    })?;
    stage.finish();
    t.finish().map(Some)
}

/// One project row: amount 1,000–20,000, about 85% approved.
fn project_row(rows: &mut Rows, id: &str, period: &str, r: &mut Rng) {
    rows.cell(id);
    rows.cell(period);
    rows.cell(r.pick(&PROJECTS));
    let _ = write!(rows.text, "{}.00", r.range(2, 40) * 500);
    rows.end_cell();
    rows.cell(if r.chance(850) { "yes" } else { "no" });
}

/// A few one-off bonuses: about one per 25 employees a quarter dated by
/// month, and one per 25 a quarter dated by quarter, each in a period whose
/// last month the employee is employed in (the run paying it).
pub(super) fn projects(m: &Model, dir: &Path) -> Result<Option<Written>> {
    if !m.lp.policy.bonus.project_bonuses {
        return Ok(None);
    }
    let n = m.cfg.employees;
    let stage = Stage::new("gen projects", n as u64);
    let quarters = periods_in(&m.months, &[PeriodKind::Quarter]);
    let columns = &["employee_id", "period", "project", "amount", "approved"];
    let mut t = TableFile::create(dir, "projects", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(5);
        for i in range {
            let e = m.employee(i);
            let Some((a, b)) = e.active else { continue };
            let mut r = Rng::stream(m.cfg.seed, S_PROJECTS, i as u64);
            for month in &m.months[a..=b] {
                if r.chance(13) {
                    project_row(&mut rows, &e.id, &month.to_string(), &mut r);
                }
            }
            let mut r = Rng::stream(m.cfg.seed, S_PROJECTS, i as u64 | 1 << 40);
            for q in &quarters {
                let last = (q.last().0 - m.months[0].0) as usize;
                if (a..=b).contains(&last) && r.chance(40) {
                    project_row(&mut rows, &e.id, &q.label, &mut r);
                }
            }
        }
        rows
    })?;
    stage.finish();
    t.finish().map(Some)
}
