//! `merit gen`: a realistic synthetic data folder for a policy, for
//! benchmarks and demos.
//!
//! Departments and roles come from the policy; employees have skewed sizes
//! (a few large accounts), hires and leavers inside the generated months,
//! ratings on the policy's review scale and occasional project bonuses.
//! Metrics are built so that each KPI's achievement spreads around its
//! target: ratio numerators are drawn as a rate of their denominator
//! (centred on a fixed target when the KPI has one), and the targets table
//! holds every table-sourced KPI for each evaluation period generated.
//!
//! Deterministic for a seed: each employee and department draws from its own
//! [`rng::Rng`] stream, arithmetic is integer only, and every value is written
//! as exact decimal text (Parquet columns are strings), so the same seed
//! gives the same bytes whatever the thread count.

pub mod rng;

use crate::error::{Error, Result};
use crate::period::{Month, Period, PeriodKind};
use crate::policy::{
    Aggregate, Direction, Kpi, KpiScope, LoadedPolicy, MissingReview, TargetSource,
};
use chrono::{Days, NaiveDate};
use polars::prelude::*;
use rayon::prelude::*;
use rng::Rng;
use rust_decimal::Decimal;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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

/// How one metric's values are drawn.
#[derive(Debug, Clone)]
struct MetricModel {
    name: String,
    places: u32,
    /// A typical month of a size-1 subject, as a mantissa at `places`.
    scale: i64,
    /// Rates and scores do not grow with the subject's size.
    intensive: bool,
    /// Upper bound of an intensive value (1 for a ratio).
    cap: Option<i64>,
    /// Numerator of a ratio: the denominator's value × rate (parts per million).
    derived: Option<(usize, i64)>,
    /// Needed for individual, department, company subjects.
    scopes: [bool; 3],
}

fn scope_index(s: KpiScope) -> usize {
    match s {
        KpiScope::Individual => 0,
        KpiScope::Department => 1,
        KpiScope::Company => 2,
    }
}

fn pow10(p: u32) -> i64 {
    10i64.pow(p)
}

/// Mantissa of `d` at `places`, truncated.
fn mantissa(d: Decimal, places: u32) -> i64 {
    let mut d = d.trunc_with_scale(places);
    d.rescale(places);
    i64::try_from(d.mantissa()).unwrap_or(i64::MAX)
}

fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// `mantissa` at `places` as decimal text.
fn push_fixed(buf: &mut String, m: i64, places: u32) {
    if places == 0 {
        let _ = write!(buf, "{m}");
        return;
    }
    let p = pow10(places);
    let sign = if m < 0 { "-" } else { "" };
    let a = m.unsigned_abs();
    let _ = write!(
        buf,
        "{sign}{}.{:0w$}",
        a / p as u64,
        a % p as u64,
        w = places as usize
    );
}

fn scaled(v: i64, num: i64, den: i64) -> i64 {
    (i128::from(v) * i128::from(num) / i128::from(den)) as i64
}

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

/// A subject's metric levels: a typical month of each metric, and skills.
struct Levels {
    base: Vec<i64>,
    skill_bp: i64,
    rate_skill_bp: i64,
}

impl<'p> Model<'p> {
    fn new(lp: &'p LoadedPolicy, cfg: &Config) -> Model<'p> {
        let p = &lp.policy;
        let n = cfg.employees;
        let id_width = n.to_string().len().max(3);
        let dept_count = n.div_ceil(100).max(n.div_ceil(5).min(4)).clamp(1, 10_000);
        let departments = (0..dept_count)
            .map(|d| {
                let base = DEPARTMENTS[d % DEPARTMENTS.len()];
                if dept_count <= DEPARTMENTS.len() {
                    base.to_owned()
                } else {
                    format!("{base}-{:04}", d / DEPARTMENTS.len() + 1)
                }
            })
            .collect();

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
        let mut periods = Vec::new();
        for kind in [
            PeriodKind::Month,
            PeriodKind::Quarter,
            PeriodKind::Half,
            PeriodKind::Year,
        ] {
            if !cfg.periods.contains(&kind) {
                continue;
            }
            for m in &months {
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

        let (metrics, kpi_metrics) = metric_models(lp);
        let mut order = Vec::with_capacity(metrics.len());
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
        let mut seen = vec![false; metrics.len()];
        for i in 0..metrics.len() {
            visit(i, &metrics, &mut seen, &mut order);
        }
        Model {
            lp,
            cfg: cfg.clone(),
            id_width,
            departments,
            metrics,
            order,
            lead_role,
            member_roles,
            months,
            periods,
            kpi_metrics,
        }
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

    /// Levels of a subject of `scope` whose size is `size_bp` (1 = 10000).
    fn levels(&self, r: &mut Rng, scope: usize, size_bp: i64) -> Levels {
        let skill_bp = r.range(8000, 12400);
        let rate_skill_bp = r.range(8200, 12200);
        let mut base = vec![0i64; self.metrics.len()];
        for &m in &self.order {
            let mm = &self.metrics[m];
            let jitter = r.range(8500, 11500);
            base[m] = match mm.derived {
                Some((d, rate)) => {
                    let den = &self.metrics[d];
                    // den value at num places × rate
                    let v = i128::from(base[d]) * i128::from(pow10(mm.places)) * i128::from(rate)
                        / (i128::from(pow10(den.places)) * 1_000_000);
                    v as i64
                }
                None if mm.intensive => scaled(mm.scale, jitter, 10_000),
                None => scaled(scaled(mm.scale, size_bp, 10_000), jitter, 10_000),
            }
            .max(1);
            if !mm.scopes[scope] && mm.derived.is_none() {
                base[m] = base[m].max(1);
            }
        }
        Levels {
            base,
            skill_bp,
            rate_skill_bp,
        }
    }

    /// One month of every metric for a subject, in `order`.
    fn month_values(&self, r: &mut Rng, lv: &Levels, out: &mut [i64]) {
        for &m in &self.order {
            let mm = &self.metrics[m];
            let v = match mm.derived {
                Some((d, rate)) => {
                    let den = &self.metrics[d];
                    let noise = r.range(9000, 11000);
                    let v = i128::from(out[d])
                        * i128::from(pow10(mm.places))
                        * i128::from(rate)
                        * i128::from(lv.rate_skill_bp)
                        * i128::from(noise)
                        / (i128::from(pow10(den.places)) * 1_000_000 * 10_000 * 10_000);
                    v as i64
                }
                None if mm.intensive => {
                    let noise = r.range(9500, 10500);
                    let skill = 10_000 + (lv.skill_bp - 10_000) / 2;
                    let v = scaled(scaled(lv.base[m], skill, 10_000), noise, 10_000).max(1);
                    mm.cap.map_or(v, |c| v.min(c))
                }
                None => {
                    let noise = r.range(9000, 11000);
                    scaled(scaled(lv.base[m], lv.skill_bp, 10_000), noise, 10_000).max(1)
                }
            };
            out[m] = v;
        }
    }

    /// A KPI's target for a subject active `active` months of `period`, as text.
    fn target(&self, k: usize, lv: &Levels, active: i64, buf: &mut String) {
        let kpi = &self.lp.policy.kpis[k];
        let (up, down) = match kpi.direction {
            Direction::Higher => (102, 100),
            Direction::Lower => (98, 100),
        };
        let ms = &self.kpi_metrics[k];
        match &kpi.aggregate {
            Aggregate::Ratio { .. } => {
                let (n, d) = (ms[0], ms[1]);
                let ppm = match self.metrics[n].derived {
                    Some((den, rate)) if den == d => rate,
                    _ => {
                        let (nm, dm) = (&self.metrics[n], &self.metrics[d]);
                        (i128::from(lv.base[n]) * i128::from(pow10(dm.places)) * 1_000_000
                            / (i128::from(lv.base[d]) * i128::from(pow10(nm.places))).max(1))
                            as i64
                    }
                };
                push_fixed(buf, scaled(ppm, up, down).max(1), 6);
            }
            Aggregate::Sum(_) => {
                let m = ms[0];
                let v = scaled(lv.base[m] * active.max(1), up, down).max(1);
                push_fixed(buf, v, self.metrics[m].places);
            }
            _ => {
                let m = ms[0];
                let v = scaled(lv.base[m], up, down).max(1);
                push_fixed(buf, v, self.metrics[m].places);
            }
        }
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
            .is_some_and(|w| !w.0.is_zero())
    }
}

/// Decides each metric's unit, scale and ratio structure from the KPIs.
fn metric_models(lp: &LoadedPolicy) -> (Vec<MetricModel>, Vec<Vec<usize>>) {
    let p = &lp.policy;
    let mut ms: Vec<MetricModel> = Vec::new();
    let index = |ms: &mut Vec<MetricModel>, name: &str| -> (usize, bool) {
        match ms.iter().position(|m| m.name == name) {
            Some(i) => (i, false),
            None => {
                let h = name_hash(name);
                ms.push(MetricModel {
                    name: name.to_owned(),
                    places: 0,
                    scale: 200 + (h % 4800) as i64,
                    intensive: false,
                    cap: None,
                    derived: None,
                    scopes: [false; 3],
                });
                (ms.len() - 1, true)
            }
        }
    };
    let money = |k: &Kpi| {
        let u = k.unit.to_ascii_lowercase();
        k.unit == p.currency
            || ["money", "currency", "cny", "usd", "eur", "元"].contains(&u.as_str())
    };
    let rate_unit = |k: &Kpi| {
        ["ratio", "rate", "percent", "%", "share"].contains(&k.unit.to_ascii_lowercase().as_str())
    };
    let mut kpi_metrics = vec![Vec::new(); p.kpis.len()];
    // Plain aggregates first, so a ratio's numerator keeps its own unit.
    for (ki, k) in p.kpis.iter().enumerate() {
        if let Aggregate::Ratio { .. } = k.aggregate {
            continue;
        }
        let name = k.aggregate.metrics()[0];
        let (i, new) = index(&mut ms, name);
        kpi_metrics[ki] = vec![i];
        if !new {
            continue;
        }
        let m = &mut ms[i];
        if let TargetSource::Fixed(t) = &k.target {
            // A fixed target applies to everyone whatever their size.
            let per_month = if matches!(k.aggregate, Aggregate::Sum(_)) {
                t.0 / Decimal::from(3)
            } else {
                t.0
            };
            m.intensive = true;
            m.places = t.0.scale().clamp(2, 6);
            m.scale = mantissa(per_month, m.places).max(1);
            if rate_unit(k) {
                m.cap = Some(pow10(m.places));
            }
        } else if rate_unit(k) {
            m.intensive = true;
            m.places = 4;
            m.scale = 5000;
            m.cap = Some(10_000);
        } else if money(k) {
            m.places = 2;
            m.scale = (100_000 + (name_hash(name) % 200_000) as i64) * 100;
        }
    }
    for (ki, k) in p.kpis.iter().enumerate() {
        let Aggregate::Ratio {
            numerator,
            denominator,
        } = &k.aggregate
        else {
            continue;
        };
        let (d, _) = index(&mut ms, denominator);
        let (n, n_new) = index(&mut ms, numerator);
        kpi_metrics[ki] = vec![n, d];
        if ms[n].derived.is_some() || ms[n].intensive || ms[d].intensive {
            continue;
        }
        // No cycles: the denominator must not already derive from the numerator.
        let mut x = Some(d);
        let mut cycle = false;
        while let Some(i) = x {
            if i == n {
                cycle = true;
                break;
            }
            x = ms[i].derived.map(|(den, _)| den);
        }
        if cycle {
            continue;
        }
        let rate = match &k.target {
            TargetSource::Fixed(t) => mantissa(t.0, 6).max(1),
            _ if !n_new => {
                let (nm, dm) = (&ms[n], &ms[d]);
                (i128::from(nm.scale) * i128::from(pow10(dm.places)) * 1_000_000
                    / (i128::from(dm.scale) * i128::from(pow10(nm.places))).max(1))
                    as i64
            }
            _ if k.direction == Direction::Lower => 20_000,
            _ => 50_000,
        };
        ms[n].derived = Some((d, rate.max(1)));
    }
    for k in &p.kpis {
        let s = scope_index(k.scope);
        for name in k.aggregate.metrics() {
            let mut x = ms.iter().position(|m| m.name == name);
            // A numerator needs its denominator at the same scope.
            while let Some(i) = x {
                ms[i].scopes[s] = true;
                x = ms[i].derived.map(|(d, _)| d);
            }
        }
    }
    (ms, kpi_metrics)
}

/// Rows of one table chunk: cells row-major in one string.
struct Rows {
    cols: usize,
    text: String,
    ends: Vec<u32>,
}

impl Rows {
    fn new(cols: usize) -> Rows {
        Rows {
            cols,
            text: String::new(),
            ends: Vec::new(),
        }
    }
    fn len(&self) -> usize {
        self.ends.len() / self.cols
    }
    /// Ends the cell being written in `text`.
    fn end_cell(&mut self) {
        self.ends.push(self.text.len() as u32);
    }
    fn cell(&mut self, s: &str) {
        self.text.push_str(s);
        self.end_cell();
    }
    fn get(&self, row: usize, col: usize) -> &str {
        let i = row * self.cols + col;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

enum Sink {
    Csv(std::io::BufWriter<std::fs::File>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<std::fs::File>>),
}

struct TableFile {
    name: &'static str,
    path: PathBuf,
    columns: &'static [&'static str],
    sink: Sink,
    rows: usize,
}

impl TableFile {
    fn create(
        dir: &Path,
        name: &'static str,
        columns: &'static [&'static str],
        f: Format,
    ) -> Result<TableFile> {
        let path = dir.join(format!("{name}.{}", f.extension()));
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let sink = match f {
            Format::Csv => {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                writeln!(w, "{}", columns.join(",")).map_err(|e| Error::io(&path, e))?;
                Sink::Csv(w)
            }
            Format::Parquet => {
                let schema: Schema = columns
                    .iter()
                    .map(|c| Field::new((*c).into(), DataType::String))
                    .collect();
                let w = ParquetWriter::new(file)
                    .batched(&schema)
                    .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
                Sink::Parquet(Box::new(w))
            }
        };
        Ok(TableFile {
            name,
            path,
            columns,
            sink,
            rows: 0,
        })
    }

    fn write(&mut self, rows: &Rows) -> Result<()> {
        let n = rows.len();
        if n == 0 {
            return Ok(());
        }
        self.rows += n;
        let path = &self.path;
        match &mut self.sink {
            Sink::Csv(w) => {
                let mut line = String::with_capacity(rows.text.len() + 2 * rows.ends.len());
                for r in 0..n {
                    for c in 0..rows.cols {
                        if c > 0 {
                            line.push(',');
                        }
                        let s = rows.get(r, c);
                        if s.contains([',', '"', '\n', '\r']) {
                            line.push('"');
                            line.push_str(&s.replace('"', "\"\""));
                            line.push('"');
                        } else {
                            line.push_str(s);
                        }
                    }
                    line.push('\n');
                }
                w.write_all(line.as_bytes()).map_err(|e| Error::io(path, e))
            }
            Sink::Parquet(w) => {
                let cols: Vec<Column> = (0..rows.cols)
                    .map(|c| {
                        StringChunked::from_iter_options(
                            self.columns[c].into(),
                            (0..n).map(|r| Some(rows.get(r, c)).filter(|s| !s.is_empty())),
                        )
                        .into_column()
                    })
                    .collect();
                let df = DataFrame::new(n, cols).expect("columns of equal length");
                w.write_batch(&df)
                    .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
            }
        }
    }

    fn finish(self) -> Result<Written> {
        let path = &self.path;
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(|e| Error::io(path, e))?,
            Sink::Parquet(w) => {
                w.finish()
                    .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
            }
        }
        Ok(Written {
            file: format!(
                "{}.{}",
                self.name,
                path.extension().unwrap_or_default().to_string_lossy()
            ),
            rows: self.rows,
        })
    }
}

/// Runs `f` over employee chunks in parallel and writes the chunks in order.
fn per_employee_chunks(
    n: usize,
    table: &mut TableFile,
    progress: &crate::progress::Stage,
    f: impl Fn(std::ops::Range<usize>) -> Rows + Sync,
) -> Result<()> {
    let chunks: Vec<std::ops::Range<usize>> = (0..n.div_ceil(CHUNK))
        .map(|c| c * CHUNK..((c + 1) * CHUNK).min(n))
        .collect();
    // A few chunks per thread at a time bound the memory held.
    let batch = rayon::current_num_threads() * 2;
    for group in chunks.chunks(batch) {
        let parts: Vec<Rows> = group.par_iter().map(|r| f(r.clone())).collect();
        for (rows, r) in parts.iter().zip(group) {
            table.write(rows)?;
            progress.inc(r.len() as u64);
        }
    }
    Ok(())
}

/// Writes the data folder's tables into `dir` (which must exist).
pub fn generate(lp: &LoadedPolicy, cfg: &Config, dir: &Path) -> Result<Vec<Written>> {
    if cfg.employees == 0 || cfg.months == 0 {
        return Err(Error::Usage(
            "--employees and --months must be at least 1".into(),
        ));
    }
    let model = Model::new(lp, cfg);
    let m = &model;
    let n = cfg.employees;
    let policy = &lp.policy;
    let mut written = Vec::new();

    // employees
    let stage = crate::progress::Stage::new("gen employees", n as u64);
    let mut t = TableFile::create(dir, "employees", &crate::data::EMPLOYEE_COLUMNS, cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(10);
        for i in range {
            let e = m.employee(i);
            let mut r = Rng::stream(cfg.seed, S_PROFILE, i as u64);
            rows.cell(&e.id);
            let name = format!(
                "{}{}{}",
                r.pick(&SURNAMES),
                r.pick(&GIVEN),
                if r.chance(600) { r.pick(&GIVEN) } else { "" }
            );
            rows.cell(&name);
            rows.cell(&m.departments[e.dept]);
            rows.cell(&e.role);
            let salary = if e.lead_of.is_some() {
                r.range(300, 800)
            } else {
                // Skewed: the product of two uniforms leans to the low end.
                120 + r.range(0, 700) * r.range(0, 700) / 700
            } * 1000;
            let _ = write!(rows.text, "{salary}");
            rows.end_cell();
            let pct = if e.lead_of.is_some() {
                25
            } else {
                [10, 12, 15, 20][r.weighted(&[3, 4, 2, 1])]
            };
            let _ = write!(rows.text, "{pct}");
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
            rows.cell(&policy.currency);
        }
        rows
    })?;
    written.push(t.finish()?);
    stage.finish();

    // metrics: employees month by month, then departments and the company
    let individual: Vec<usize> = (0..m.metrics.len())
        .filter(|&i| m.metrics[i].scopes[0])
        .collect();
    let month_text: Vec<String> = m.months.iter().map(|x| x.to_string()).collect();
    let stage = crate::progress::Stage::new("gen metrics", n as u64);
    let mut t = TableFile::create(
        dir,
        "metrics",
        &["subject_id", "month", "metric", "value"],
        cfg.format,
    )?;
    let subject_rows = |rows: &mut Rows,
                        id: &str,
                        lv: &Levels,
                        r: &mut Rng,
                        wanted: &[usize],
                        months: (usize, usize)| {
        let mut values = vec![0i64; m.metrics.len()];
        for month in &month_text[months.0..=months.1] {
            m.month_values(r, lv, &mut values);
            for &k in wanted {
                rows.cell(id);
                rows.cell(month);
                rows.cell(&m.metrics[k].name);
                push_fixed(&mut rows.text, values[k], m.metrics[k].places);
                rows.end_cell();
            }
        }
    };
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(4);
        for i in range {
            let e = m.employee(i);
            let Some(active) = e.active else { continue };
            let lv = m.levels(
                &mut Rng::stream(cfg.seed, S_PROFILE, i as u64 | 1 << 40),
                0,
                e.size_bp,
            );
            let mut r = Rng::stream(cfg.seed, S_MONTHS, i as u64);
            subject_rows(&mut rows, &e.id, &lv, &mut r, &individual, active);
        }
        rows
    })?;
    let team = team_subjects(m);
    {
        let mut rows = Rows::new(4);
        for (s, (id, scope, size_bp)) in team.iter().enumerate() {
            let wanted: Vec<usize> = (0..m.metrics.len())
                .filter(|&i| m.metrics[i].scopes[*scope])
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let lv = m.levels(
                &mut Rng::stream(cfg.seed, S_TEAM, s as u64),
                *scope,
                *size_bp,
            );
            let mut r = Rng::stream(cfg.seed, S_TEAM, s as u64 | 1 << 40);
            subject_rows(&mut rows, id, &lv, &mut r, &wanted, (0, m.months.len() - 1));
        }
        t.write(&rows)?;
    }
    written.push(t.finish()?);
    stage.finish();

    // targets: every table-sourced KPI, subject and evaluation period
    let kpis_by_scope: Vec<Vec<usize>> = (0..3).map(|s| m.table_kpis(s)).collect();
    if kpis_by_scope.iter().any(|k| !k.is_empty()) && !m.periods.is_empty() {
        let stage = crate::progress::Stage::new("gen targets", n as u64);
        let mut t = TableFile::create(
            dir,
            "targets",
            &["subject_id", "period", "kpi", "target"],
            cfg.format,
        )?;
        let target_rows = |rows: &mut Rows,
                           id: &str,
                           lv: &Levels,
                           active: Option<(usize, usize)>,
                           kpis: &[usize]| {
            for p in &m.periods {
                let k_act = m.active_months(active, p);
                if k_act == 0 {
                    continue;
                }
                for &k in kpis {
                    rows.cell(id);
                    rows.cell(&p.label);
                    rows.cell(&policy.kpis[k].id);
                    m.target(k, lv, k_act, &mut rows.text);
                    rows.end_cell();
                }
            }
        };
        per_employee_chunks(n, &mut t, &stage, |range| {
            let mut rows = Rows::new(4);
            for i in range {
                let e = m.employee(i);
                let lv = m.levels(
                    &mut Rng::stream(cfg.seed, S_PROFILE, i as u64 | 1 << 40),
                    0,
                    e.size_bp,
                );
                // Only the KPIs the employee's role weighs.
                let kpis: Vec<usize> = kpis_by_scope[0]
                    .iter()
                    .copied()
                    .filter(|&k| m.role_weighs(&e.role, k))
                    .collect();
                target_rows(&mut rows, &e.id, &lv, e.active, &kpis);
            }
            rows
        })?;
        let mut rows = Rows::new(4);
        for (s, (id, scope, size_bp)) in team.iter().enumerate() {
            if kpis_by_scope[*scope].is_empty() {
                continue;
            }
            let lv = m.levels(
                &mut Rng::stream(cfg.seed, S_TEAM, s as u64),
                *scope,
                *size_bp,
            );
            target_rows(
                &mut rows,
                id,
                &lv,
                Some((0, m.months.len() - 1)),
                &kpis_by_scope[*scope],
            );
        }
        t.write(&rows)?;
        written.push(t.finish()?);
        stage.finish();
    }

    // benchmarks: a market reference per KPI whose target reads one, for
    // every evaluation period, at the level of a typical subject
    let bench_kpis: Vec<usize> = (0..policy.kpis.len())
        .filter(|&k| {
            let mut reads = false;
            policy.kpis[k].target.walk(&mut |s| {
                reads |= matches!(s, TargetSource::Benchmark(_));
            });
            reads
        })
        .collect();
    if !bench_kpis.is_empty() && !m.periods.is_empty() {
        let mut t = TableFile::create(dir, "benchmarks", &["kpi", "period", "value"], cfg.format)?;
        let mut rows = Rows::new(3);
        for &k in &bench_kpis {
            let scope = scope_index(policy.kpis[k].scope);
            let size_bp = team
                .iter()
                .find(|(_, s, _)| *s == scope)
                .map_or(10_000, |t| t.2);
            let lv = m.levels(
                &mut Rng::stream(cfg.seed, S_BENCHMARKS, k as u64),
                scope,
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
        written.push(t.finish()?);
    }

    // ratings: the review scale, most often in the middle
    if let Some(review) = &policy.review {
        if !m.periods.is_empty() && !review.scale.is_empty() {
            let stage = crate::progress::Stage::new("gen ratings", n as u64);
            let scale: Vec<String> = review.scale.iter().map(|s| s.rating.to_string()).collect();
            let weights: Vec<u64> = (0..scale.len())
                .map(|i| 1 + 2 * i.min(scale.len() - 1 - i) as u64)
                .collect();
            let may_miss = review.missing == MissingReview::Renormalize;
            let mut t = TableFile::create(
                dir,
                "ratings",
                &["employee_id", "period", "rating", "rater", "comment"],
                cfg.format,
            )?;
            per_employee_chunks(n, &mut t, &stage, |range| {
                let mut rows = Rows::new(5);
                for i in range {
                    let e = m.employee(i);
                    let mut r = Rng::stream(cfg.seed, S_RATINGS, i as u64);
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
            written.push(t.finish()?);
            stage.finish();
        }
    }

    // projects: a few one-off bonuses, dated by month
    if policy.bonus.project_bonuses {
        let stage = crate::progress::Stage::new("gen projects", n as u64);
        let mut t = TableFile::create(
            dir,
            "projects",
            &["employee_id", "period", "project", "amount", "approved"],
            cfg.format,
        )?;
        per_employee_chunks(n, &mut t, &stage, |range| {
            let mut rows = Rows::new(5);
            for i in range {
                let e = m.employee(i);
                let Some((a, b)) = e.active else { continue };
                let mut r = Rng::stream(cfg.seed, S_PROJECTS, i as u64);
                for month in &month_text[a..=b] {
                    // About one project per 25 employees a quarter.
                    if !r.chance(13) {
                        continue;
                    }
                    rows.cell(&e.id);
                    rows.cell(month);
                    rows.cell(r.pick(&PROJECTS));
                    let _ = write!(rows.text, "{}.00", r.range(2, 40) * 500);
                    rows.end_cell();
                    rows.cell(if r.chance(850) { "yes" } else { "no" });
                }
            }
            rows
        })?;
        written.push(t.finish()?);
        stage.finish();
    }
    Ok(written)
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
