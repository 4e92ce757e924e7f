//! `merit gen`: a realistic synthetic data folder for a policy, for
//! benchmarks and demos.
//!
//! Departments and roles come from the policy; employees have skewed sizes
//! (a few large accounts), hires and leavers inside the generated months
//! (metric rows exactly in the months they are employed, so new hires have
//! partial history), ratings on the policy's review scale with a few
//! missing when the policy allows it, and project bonuses by month and by
//! quarter, some unapproved. Metrics are built so that each KPI's
//! achievement spreads around its target: ratio numerators are drawn as a
//! rate of their denominator (centred on a fixed target when the KPI has
//! one), and the targets table holds every table-sourced KPI for each
//! evaluation period generated. Whatever else the policy has is exercised:
//! gates shut for a few employees (`gates.rs`), pools get budgets and other
//! currencies get rates (`money.rs`).
//!
//! Deterministic for a seed: each employee and department draws from its own
//! [`rng::Rng`] stream, arithmetic is integer only, and every value is written
//! as exact decimal text (Parquet columns are strings), so the same seed
//! gives the same bytes whatever the thread count.

mod deals;
mod gates;
mod history;
mod money;
pub mod rng;
mod table;
mod tables;
mod values;

use crate::error::{Error, Result};
use crate::period::{Month, Period, PeriodKind};
use crate::policy::{LoadedPolicy, TargetSource};
use chrono::{Days, NaiveDate};
use rng::Rng;
use std::path::Path;
use values::{scope_index, MetricModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub employees: usize,
    pub months: u32,
    pub start: Month,
    pub format: Format,
    pub seed: u64,
    /// Kinds of evaluation period that get targets and ratings.
    pub periods: Vec<PeriodKind>,
    /// Write a `history` table of mid-period raises.
    pub changes: bool,
}

/// A written table: file name and data rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub file: String,
    pub rows: usize,
}

/// Employees per unit of parallel work; independent of the thread count.
const CHUNK: usize = 4096;

/// Random streams, one per purpose.
const S_EMPLOYEE: u64 = 1;
const S_PROFILE: u64 = 2;
const S_MONTHS: u64 = 3;
const S_RATINGS: u64 = 4;
const S_PROJECTS: u64 = 5;
const S_TEAM: u64 = 6;
const S_BENCHMARKS: u64 = 7;
const S_GATES: u64 = 8;
const S_CURRENCY: u64 = 9;
const S_FX: u64 = 10;
const S_BUDGETS: u64 = 11;
const S_DEALS: u64 = 12;
const S_REFUNDS: u64 = 13;
const S_HISTORY: u64 = 14;

const ALL_KINDS: [PeriodKind; 4] = [
    PeriodKind::Month,
    PeriodKind::Quarter,
    PeriodKind::Half,
    PeriodKind::Year,
];

const DEPARTMENTS: [&str; 12] = [
    "growth",
    "commerce",
    "content",
    "community",
    "live",
    "search",
    "ads",
    "membership",
    "logistics",
    "payments",
    "social",
    "video",
];
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "宇", "欣",
];
const PROJECTS: [&str; 8] = [
    "双十一预热活动",
    "会员体系上线",
    "直播带货试点",
    "社区改版",
    "新客拉新专项",
    "搜索体验优化",
    "春节红包活动",
    "跨境频道上线",
];
const COMMENTS: [&str; 4] = [
    "超额完成目标",
    "需要加强跨部门沟通",
    "新人成长快",
    "稳定可靠",
];

/// The policy's data model and the generated calendar.
struct Model<'p> {
    lp: &'p LoadedPolicy,
    cfg: Config,
    id_width: usize,
    departments: Vec<String>,
    metrics: Vec<MetricModel>,
    /// Metric indices with denominators before their numerators.
    order: Vec<usize>,
    lead_role: Option<String>,
    member_roles: Vec<String>,
    months: Vec<Month>,
    /// Evaluation periods inside the generated months.
    periods: Vec<Period>,
    /// Per KPI: metric indices of its aggregate.
    kpi_metrics: Vec<Vec<usize>>,
    gates: Vec<gates::GateModel>,
    /// Other currencies employees are paid in.
    foreign: Vec<money::Foreign>,
}

/// One employee's fixed attributes.
struct Emp {
    id: String,
    dept: usize,
    lead_of: Option<usize>,
    role: String,
    hire: NaiveDate,
    term: Option<NaiveDate>,
    /// Active month indices, inclusive; `None` when never active in the range.
    active: Option<(usize, usize)>,
    size_bp: i64,
}

/// An employee's pay and name.
struct Profile {
    name: String,
    /// Annual, in the policy currency.
    salary: i64,
    pct: i64,
}

/// Periods of `kinds` whose months all lie in `months`, kind by kind.
fn periods_in(months: &[Month], kinds: &[PeriodKind]) -> Vec<Period> {
    let mut periods = Vec::new();
    for kind in kinds {
        for m in months {
            let label = match kind {
                PeriodKind::Month => Some(m.to_string()),
                PeriodKind::Quarter if (m.month() - 1) % 3 == 0 => {
                    Some(format!("{}-Q{}", m.year(), (m.month() - 1) / 3 + 1))
                }
                PeriodKind::Half if (m.month() - 1) % 6 == 0 => {
                    Some(format!("{}-H{}", m.year(), (m.month() - 1) / 6 + 1))
                }
                PeriodKind::Year if m.month() == 1 => Some(m.year().to_string()),
                _ => None,
            };
            if let Some(period) = label.and_then(|l| Period::parse(&l).ok()) {
                if period.months().all(|x| months.contains(&x)) {
                    periods.push(period);
                }
            }
        }
    }
    periods
}

/// Metric indices with every ratio's denominator before its numerator.
fn metric_order(metrics: &[MetricModel]) -> Vec<usize> {
    fn visit(i: usize, ms: &[MetricModel], seen: &mut Vec<bool>, out: &mut Vec<usize>) {
        if seen[i] {
            return;
        }
        seen[i] = true;
        if let Some((d, _)) = ms[i].derived {
            visit(d, ms, seen, out);
        }
        out.push(i);
    }
    let mut order = Vec::with_capacity(metrics.len());
    let mut seen = vec![false; metrics.len()];
    for i in 0..metrics.len() {
        visit(i, metrics, &mut seen, &mut order);
    }
    order
}

fn department_names(n: usize) -> Vec<String> {
    let dept_count = n.div_ceil(100).max(n.div_ceil(5).min(4)).clamp(1, 10_000);
    (0..dept_count)
        .map(|d| {
            let base = DEPARTMENTS[d % DEPARTMENTS.len()];
            if dept_count <= DEPARTMENTS.len() {
                base.to_owned()
            } else {
                format!("{base}-{:04}", d / DEPARTMENTS.len() + 1)
            }
        })
        .collect()
}

impl<'p> Model<'p> {
    fn new(lp: &'p LoadedPolicy, cfg: &Config) -> Model<'p> {
        let p = &lp.policy;
        let roles: Vec<&String> = p.roles.keys().collect();
        let lead_role = roles
            .iter()
            .find(|r| r.contains("lead") || r.contains("manager") || r.contains("head"))
            .map(|r| (*r).clone());
        let mut member_roles: Vec<String> = roles
            .iter()
            .filter(|r| Some(**r) != lead_role.as_ref())
            .map(|r| (*r).clone())
            .collect();
        if member_roles.is_empty() {
            member_roles = roles.iter().map(|r| (*r).clone()).collect();
        }
        let months: Vec<Month> = (0..cfg.months as i32)
            .map(|i| Month(cfg.start.0 + i))
            .collect();
        let kinds: Vec<PeriodKind> = ALL_KINDS
            .into_iter()
            .filter(|k| cfg.periods.contains(k))
            .collect();
        let periods = periods_in(&months, &kinds);
        let (metrics, kpi_metrics) = values::metric_models(lp);
        let mut model = Model {
            lp,
            cfg: cfg.clone(),
            id_width: cfg.employees.to_string().len().max(3),
            departments: department_names(cfg.employees),
            order: metric_order(&metrics),
            metrics,
            lead_role,
            member_roles,
            months,
            periods,
            kpi_metrics,
            gates: Vec::new(),
            foreign: Vec::new(),
        };
        model.gates = gates::gate_models(&model);
        model.foreign = money::foreign_currencies(&model);
        model
    }

    fn start(&self) -> NaiveDate {
        self.months[0].first_day()
    }
    fn end(&self) -> NaiveDate {
        self.months[self.months.len() - 1].last_day()
    }
    fn dept_of(&self, i: usize) -> usize {
        i * self.departments.len() / self.cfg.employees
    }
    fn dept_first(&self, d: usize) -> usize {
        (d * self.cfg.employees).div_ceil(self.departments.len())
    }
    fn headcount(&self, d: usize) -> usize {
        self.dept_first(d + 1) - self.dept_first(d)
    }
    fn employee_id(&self, i: usize) -> String {
        format!("E{:0w$}", i + 1, w = self.id_width)
    }
    fn month_index(&self, d: NaiveDate) -> i64 {
        let m = Month::new(chrono::Datelike::year(&d), chrono::Datelike::month(&d));
        i64::from(m.0 - self.months[0].0)
    }

    fn employee(&self, i: usize) -> Emp {
        let mut r = Rng::stream(self.cfg.seed, S_EMPLOYEE, i as u64);
        let dept = self.dept_of(i);
        let lead = self.dept_first(dept) == i;
        let role = match (&self.lead_role, lead) {
            (Some(l), true) => l.clone(),
            _ => {
                // Most of a department share its main role: the one named
                // like the department, else one in turn.
                let base = DEPARTMENTS[dept % DEPARTMENTS.len()];
                let main = self
                    .member_roles
                    .iter()
                    .find(|r| r.contains(base))
                    .unwrap_or(&self.member_roles[dept % self.member_roles.len()]);
                if r.chance(700) {
                    main.clone()
                } else {
                    self.member_roles[r.below(self.member_roles.len() as u64) as usize].clone()
                }
            }
        };
        let (start, end) = (self.start(), self.end());
        let span = (end - start).num_days();
        let hire = if r.chance(70) && span > 1 {
            start + Days::new(r.range(1, span - 1) as u64)
        } else {
            start - Days::new(r.range(30, 3650) as u64)
        };
        let term = r.chance(50).then(|| {
            let from = hire.max(start);
            from + Days::new(r.range(0, (end - from).num_days()) as u64)
        });
        let first = self.month_index(hire).max(0);
        let last = term.map_or(self.months.len() as i64 - 1, |t| {
            self.month_index(t).min(self.months.len() as i64 - 1)
        });
        let active = (first <= last).then_some((first as usize, last as usize));
        // Heavy tail: most accounts are small, a few are very large.
        let tier = [1, 2, 4, 10, 40][r.weighted(&[550, 250, 120, 60, 20])];
        let size_bp = tier * r.range(8000, 12000);
        Emp {
            id: self.employee_id(i),
            dept,
            lead_of: lead.then_some(dept),
            role,
            hire,
            term,
            active,
            size_bp,
        }
    }

    /// Name, salary and bonus percentage, drawn in this order.
    fn profile(&self, i: usize, e: &Emp) -> Profile {
        let mut r = Rng::stream(self.cfg.seed, S_PROFILE, i as u64);
        let name = format!(
            "{}{}{}",
            r.pick(&SURNAMES),
            r.pick(&GIVEN),
            if r.chance(600) { r.pick(&GIVEN) } else { "" }
        );
        let salary = if e.lead_of.is_some() {
            r.range(300, 800)
        } else {
            // Skewed: the product of two uniforms leans to the low end.
            120 + r.range(0, 700) * r.range(0, 700) / 700
        } * 1000;
        let pct = if e.lead_of.is_some() {
            25
        } else {
            [10, 12, 15, 20][r.weighted(&[3, 4, 2, 1])]
        };
        Profile { name, salary, pct }
    }

    fn active_months(&self, active: Option<(usize, usize)>, p: &Period) -> i64 {
        let Some((a, b)) = active else { return 0 };
        p.months()
            .filter(|m| {
                let i = i64::from(m.0 - self.months[0].0);
                i >= a as i64 && i <= b as i64
            })
            .count() as i64
    }

    fn table_kpis(&self, scope: usize) -> Vec<usize> {
        self.lp
            .policy
            .kpis
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                // Table rows are read directly, as a history fallback, or
                // as a cascade's parent target.
                let mut wanted = false;
                k.target.walk(&mut |s| match s {
                    TargetSource::Table => wanted |= scope_index(k.scope) == scope,
                    TargetSource::Cascade(c) => wanted |= scope_index(c.from) == scope,
                    _ => {}
                });
                wanted
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn role_weighs(&self, role: &str, k: usize) -> bool {
        let id = &self.lp.policy.kpis[k].id;
        self.lp.policy.roles[role]
            .weights
            .get(id)
            .is_some_and(|w| !w.is_zero())
    }
}

/// Department and company subjects: id, scope index, size.
fn team_subjects(m: &Model) -> Vec<(String, usize, i64)> {
    let mut out: Vec<(String, usize, i64)> = m
        .departments
        .iter()
        .enumerate()
        .map(|(d, name)| (name.clone(), 1, m.headcount(d) as i64 * 10_000))
        .collect();
    out.push((
        crate::data::COMPANY.to_owned(),
        2,
        m.cfg.employees as i64 * 10_000,
    ));
    out
}

/// Writes the data folder's tables into `dir` (which must exist).
pub fn generate(lp: &LoadedPolicy, cfg: &Config, dir: &Path) -> Result<Vec<Written>> {
    if cfg.employees == 0 || cfg.months == 0 {
        return Err(Error::Usage(
            "--employees and --months must be at least 1".into(),
        ));
    }
    let m = Model::new(lp, cfg);
    let mut written = vec![tables::employees(&m, dir)?, tables::metrics(&m, dir)?];
    written.extend(tables::targets(&m, dir)?);
    written.extend(tables::benchmarks(&m, dir)?);
    written.extend(tables::ratings(&m, dir)?);
    written.extend(tables::projects(&m, dir)?);
    written.extend(money::write_budgets(&m, dir)?);
    written.extend(money::write_fx_rates(&m, dir)?);
    written.extend(deals::transactions(&m, dir)?);
    written.extend(deals::refunds(&m, dir)?);
    written.extend(deals::assignments(&m, dir)?);
    written.extend(history::history(&m, dir)?);
    Ok(written)
}
