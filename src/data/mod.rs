//! Stage 2: the period's data — read the contract's tables, check every cell,
//! and hand typed, sorted values to the engine. Problems are collected over
//! all tables and reported together; nothing is computed from bad data.

pub mod metrics;
pub mod table;
pub mod targets;

use crate::decimal::parse_decimal;
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::exact::Num;
use crate::period::{Month, Period};
use crate::policy::{hint, LoadedPolicy};
use chrono::NaiveDate;
use polars::prelude::{PlHashMap, PlIndexSet};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use table::Table;

pub use metrics::Metrics;
pub use targets::Targets;

/// The subject id of company-wide metrics and targets.
pub const COMPANY: &str = "company";

/// At most this many problems are listed per table and column; the rest are counted.
const MAX_PROBLEMS_PER_COLUMN: usize = 20;

#[derive(Debug, Clone)]
pub struct Employee {
    pub id: String,
    pub name: String,
    pub department: String,
    pub role: String,
    pub base_salary: Decimal,
    pub target_bonus_pct: Decimal,
    pub hire_date: NaiveDate,
    pub termination_date: Option<NaiveDate>,
    pub manager_id: Option<String>,
    pub currency: Option<String>,
    /// Extra columns the policy reads (cascade share columns), as text.
    pub extra: BTreeMap<String, String>,
    /// Units of the policy currency per unit of the employee's currency
    /// (1 when paid in the policy currency); set by [`Data::apply_fx`].
    pub fx_rate: Decimal,
    /// The base salary as written, in the employee's currency.
    pub base_salary_local: Decimal,
    /// Exact forms of `fx_rate` and `base_salary` (a period-average rate is
    /// a sum ÷ months); the two `Decimal`s are for display.
    pub fx_rate_exact: Num,
    pub base_salary_exact: Num,
}

#[derive(Debug, Clone)]
pub struct Rating {
    pub rating: Decimal,
    pub rater: Option<String>,
    pub comment: Option<String>,
}

/// The ratings table: (employee, period) → rating, compact and sorted.
#[derive(Default)]
pub struct Ratings {
    /// Period labels, sorted.
    periods: Vec<String>,
    /// (employee's index in [`Subjects`], index into `periods`, rating), sorted.
    rows: Vec<(u32, u32, Rating)>,
}

impl Ratings {
    /// The rating of the employee with subject index `employee` in the
    /// period labelled `period`.
    pub fn get(&self, employee: Option<u32>, period: &str) -> Option<&Rating> {
        let e = employee?;
        let p = self
            .periods
            .binary_search_by(|x| x.as_str().cmp(period))
            .ok()? as u32;
        let at = self
            .rows
            .binary_search_by(|r| (r.0, r.1).cmp(&(e, p)))
            .ok()?;
        Some(&self.rows[at].2)
    }
}

#[derive(Debug, Clone)]
pub struct Project {
    pub employee_id: String,
    pub period: String,
    pub project: String,
    pub amount: Decimal,
    pub approved: bool,
}

/// An input file as read, for the manifest and the archive.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub table: &'static str,
    /// File name inside the data folder.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

pub struct Data {
    /// The data folder.
    pub dir: std::path::PathBuf,
    /// Sorted by employee id.
    pub employees: Vec<Employee>,
    pub metrics: Metrics,
    /// Every id a metric or target row may name.
    pub subjects: Subjects,
    /// (subject, period, kpi) → target.
    pub targets: Targets,
    pub ratings: Ratings,
    pub projects: Vec<Project>,
    /// (kpi, period) → market reference value.
    pub benchmarks: BTreeMap<(String, String), Decimal>,
    /// (subject, period) → bonus pool budget in the policy currency.
    pub budgets: BTreeMap<(String, String), Decimal>,
    /// (currency, month) → value of one unit in the policy currency.
    pub fx_rates: BTreeMap<(String, Month), Decimal>,
    pub files: Vec<InputFile>,
}

impl Data {
    /// Each employee's rating in the period labelled `period`, by index into
    /// [`Data::employees`], found once for all.
    pub fn ratings_of<'a>(
        &'a self,
        period: &str,
    ) -> impl Fn(usize) -> Option<&'a Rating> + Sync + use<'a> {
        let of: Vec<Option<&Rating>> = self
            .employees
            .par_iter()
            .enumerate()
            .map(|(i, e)| {
                self.ratings
                    .get(self.subjects.of_employee(i, &e.id), period)
            })
            .collect();
        move |i| of.get(i).copied().flatten()
    }

    /// The rating of employee `i` of [`Data::employees`] in `period`.
    pub fn rating(&self, i: usize, period: &str) -> Option<&Rating> {
        self.ratings
            .get(self.subjects.of_employee(i, &self.employees[i].id), period)
    }

    /// Where a table was read from (or would be, as `<table>.csv`), for messages.
    pub fn file_path(&self, table: &str) -> std::path::PathBuf {
        let name = self
            .files
            .iter()
            .find(|f| f.table == table)
            .map(|f| f.file_name.clone());
        self.dir
            .join(name.unwrap_or_else(|| format!("{table}.csv")))
    }

    /// Converts the base salaries of employees paid in another currency to
    /// the policy currency at the period's rate (period end or average).
    pub fn apply_fx(&mut self, policy: &crate::policy::Policy, period: &Period) -> Result<()> {
        let Some(conv) = &policy.currency_conversion else {
            return Ok(());
        };
        let file = self.file_path("fx_rates");
        let mut diags = Diagnostics::default();
        let mut rates: BTreeMap<String, Num> = BTreeMap::new();
        for e in &mut self.employees {
            let Some(cur) = e.currency.clone().filter(|c| *c != policy.currency) else {
                continue;
            };
            // Someone not employed in the period is not paid: no rate needed.
            let employed = e.hire_date <= period.end()
                && e.termination_date.is_none_or(|t| t >= period.start());
            if !employed {
                continue;
            }
            if !rates.contains_key(&cur) {
                let months: Vec<Month> = match conv.rate {
                    crate::policy::FxRateRule::PeriodEnd => vec![period.last()],
                    crate::policy::FxRateRule::PeriodAverage => period.months().collect(),
                };
                let missing: Vec<String> = months
                    .iter()
                    .filter(|m| !self.fx_rates.contains_key(&(cur.clone(), **m)))
                    .map(|m| m.to_string())
                    .collect();
                if !missing.is_empty() {
                    diags.push(Diagnostic::error(
                        &file,
                        format!(
                            "no {cur} rate for {} (needed to pay employee {} in {cur})",
                            missing.join(", "),
                            e.id
                        ),
                    ));
                    rates.insert(cur.clone(), Num::Dec(Decimal::ONE));
                    continue;
                }
                let sum: Decimal = months
                    .iter()
                    .map(|m| self.fx_rates[&(cur.clone(), *m)])
                    .sum();
                let n = Decimal::from(months.len());
                rates.insert(cur.clone(), Num::mul_div(sum, Decimal::ONE, n));
            }
            let rate = &rates[&cur];
            e.fx_rate = rate.approx();
            e.base_salary_exact = match rate {
                Num::Dec(r) => Num::mul_div(e.base_salary_local, *r, Decimal::ONE),
                Num::Exact(r) => Num::Exact(r.clone() * e.base_salary_local).simplified(),
            };
            e.base_salary = e.base_salary_exact.approx();
            e.fx_rate_exact = rate.clone();
        }
        if diags.has_errors() {
            return Err(Error::Invalid(diags));
        }
        Ok(())
    }
}

/// The ids that metric and target rows may name: every employee id in the
/// employees table (rows with other problems included, so one bad cell does
/// not cascade), every department, and `company`, each with a dense index.
/// The employees of [`Data::employees`] come first: employee `i` is subject `i`.
#[derive(Default)]
pub struct Subjects {
    names: PlIndexSet<String>,
    /// Subjects before this index are employee ids.
    employee_ids: usize,
}

impl Subjects {
    fn add(&mut self, name: &str) {
        if self.names.get_index_of(name).is_none() {
            self.names.insert(name.to_owned());
        }
    }
    pub fn get(&self, name: &str) -> Option<u32> {
        self.names.get_index_of(name).map(|i| i as u32)
    }
    /// The index of employee `i` of [`Data::employees`] (whose id is `id`):
    /// `i` itself, as the employees come first; looked up otherwise.
    pub fn of_employee(&self, i: usize, id: &str) -> Option<u32> {
        if i < self.employee_ids && self.names[i] == id {
            Some(i as u32)
        } else {
            self.get(id)
        }
    }
    pub fn name(&self, index: u32) -> &str {
        self.names
            .get_index(index as usize)
            .map_or("", String::as_str)
    }
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    /// Whether the subject with index `i` is an id in the employees table.
    pub fn is_employee_index(&self, i: u32) -> bool {
        (i as usize) < self.employee_ids
    }

    /// Whether `name` is an id in the employees table.
    pub fn is_employee(&self, name: &str) -> bool {
        self.names
            .get_index_of(name)
            .is_some_and(|i| i < self.employee_ids)
    }
}

/// Counts problems per column so a broken column does not flood the screen.
struct Budget<'a> {
    diags: &'a mut Diagnostics,
    counts: BTreeMap<(&'static str, String), usize>,
}

impl<'a> Budget<'a> {
    fn new(diags: &'a mut Diagnostics) -> Self {
        Budget {
            diags,
            counts: BTreeMap::new(),
        }
    }
    fn push(&mut self, t: &Table, column: &str, d: Diagnostic) {
        let n = self.counts.entry((t.name, column.to_owned())).or_default();
        *n += 1;
        if *n <= MAX_PROBLEMS_PER_COLUMN {
            self.diags.push(d);
        }
    }
    fn cell(&mut self, t: &Table, row: usize, column: &str, msg: impl std::fmt::Display) {
        let n = self
            .counts
            .get(&(t.name, column.to_owned()))
            .copied()
            .unwrap_or(0);
        if n < MAX_PROBLEMS_PER_COLUMN {
            let d = t.cell_error(row, column, msg);
            self.push(t, column, d);
        } else {
            self.more(t, column, 1);
        }
    }
    /// `n` more problems in a column, counted but not listed.
    fn more(&mut self, t: &Table, column: &str, n: usize) {
        *self.counts.entry((t.name, column.to_owned())).or_default() += n;
    }
    /// Problems found with a budget of their own (a table read on another
    /// thread), added after those found so far.
    fn absorb(&mut self, apart: Apart) {
        self.diags.0.extend(apart.diags.0);
        for (k, n) in apart.counts {
            *self.counts.entry(k).or_default() += n;
        }
    }
    fn finish(self, tables: &[&Table]) {
        for ((name, column), n) in self.counts {
            if n > MAX_PROBLEMS_PER_COLUMN {
                if let Some(t) = tables.iter().find(|t| t.name == name) {
                    self.diags.push(Diagnostic::error(
                        &t.path,
                        format!(
                            "column '{column}': {} more problems not listed",
                            n - MAX_PROBLEMS_PER_COLUMN
                        ),
                    ));
                }
            }
        }
    }
}

/// What [`read_apart`] found.
struct Apart {
    diags: Diagnostics,
    counts: BTreeMap<(&'static str, String), usize>,
}

/// Runs `f` with a budget of its own, for reading tables side by side.
fn read_apart<T>(f: impl FnOnce(&mut Budget) -> T) -> (T, Apart) {
    let mut diags = Diagnostics::default();
    let mut b = Budget::new(&mut diags);
    let out = f(&mut b);
    let counts = std::mem::take(&mut b.counts);
    (out, Apart { diags, counts })
}

/// A decimal cell that must not be negative (or must be positive with
/// `positive`).
fn amount_value(cell: Option<&str>, positive: bool) -> std::result::Result<Decimal, String> {
    match parse_decimal(cell.unwrap_or("")) {
        Ok(d) if positive && d <= Decimal::ZERO => Err(format!("{d} must be greater than zero")),
        Ok(d) if d < Decimal::ZERO => Err(format!("{d} is negative")),
        Ok(d) => Ok(d),
        Err(m) => Err(m),
    }
}

/// [`amount_value`] with problems going to the budget.
fn amount(
    t: &Table,
    row: usize,
    column: &str,
    cell: Option<&str>,
    positive: bool,
    b: &mut Budget,
) -> Option<Decimal> {
    amount_value(cell, positive)
        .map_err(|m| b.cell(t, row, column, m))
        .ok()
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim().as_bytes();
    // The common exact form without the format parser; anything else takes it.
    if t.len() == 10
        && t[4] == b'-'
        && t[7] == b'-'
        && t.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        let n =
            |r: std::ops::Range<usize>| t[r].iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0'));
        if let Some(d) = NaiveDate::from_ymd_opt(n(0..4) as i32, n(5..7), n(8..10)) {
            return Ok(d);
        }
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)"))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!(
            "'{s}' is not a yes/no value (true, false, yes, no, y, n, 1, 0)"
        )),
    }
}

/// Text cell: trimmed, `None` when blank.
fn text(cell: Option<&str>) -> Option<&str> {
    cell.map(str::trim).filter(|s| !s.is_empty())
}

/// The employees table's columns: the required ones, then the optional.
pub const EMPLOYEE_COLUMNS: [&str; 10] = [
    "employee_id",
    "name",
    "department",
    "role",
    "base_salary",
    "target_bonus_pct",
    "hire_date",
    "termination_date",
    "manager_id",
    "currency",
];
pub const EMPLOYEES: (&[&str], &[&str]) = EMPLOYEE_COLUMNS.split_at(7);
pub const METRICS: (&[&str], &[&str]) = (&["subject_id", "month", "metric", "value"], &[]);
pub const TARGETS: (&[&str], &[&str]) = (&["subject_id", "period", "kpi", "target"], &[]);
pub const RATINGS: (&[&str], &[&str]) =
    (&["employee_id", "period", "rating"], &["rater", "comment"]);
pub const BENCHMARKS: (&[&str], &[&str]) = (&["kpi", "period", "value"], &[]);
pub const BUDGETS: (&[&str], &[&str]) = (&["subject_id", "period", "budget"], &[]);
pub const FX_RATES: (&[&str], &[&str]) = (&["currency", "month", "rate_to_policy_currency"], &[]);
pub const PROJECTS: (&[&str], &[&str]) = (
    &["employee_id", "period", "project", "amount", "approved"],
    &[],
);

/// Reads and checks a data folder against a policy.
pub fn load(dir: &Path, policy: &LoadedPolicy) -> Result<Data> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "data folder '{}' does not exist",
            dir.display()
        )));
    }
    let mut diags = Diagnostics::default();
    let mut read = |name: &'static str, required: bool| -> Result<Option<Table>> {
        match table::find(dir, name)? {
            Some(path) if matches!(name, "metrics" | "targets" | "ratings") => {
                Table::open_batched(name, &path).map(Some)
            }
            Some(path) => Table::read(name, &path).map(Some),
            None if required => {
                diags.push(Diagnostic::error(
                    dir.join(format!("{name}.csv")),
                    format!("the {name} table is required (as {name}.csv or {name}.parquet)"),
                ));
                Ok(None)
            }
            None => Ok(None),
        }
    };
    let stage = crate::progress::Stage::work("open tables", 0);
    let employees_t = read("employees", true)?;
    let metrics_t = read("metrics", true)?;
    let targets_t = read("targets", false)?;
    let ratings_t = read("ratings", false)?;
    let projects_t = read("projects", false)?;
    let benchmarks_t = read("benchmarks", false)?;
    let budgets_t = read("budgets", false)?;
    let fx_t = read("fx_rates", false)?;
    let extra_columns = policy.policy.employee_columns();
    let mut employee_optional: Vec<&str> = EMPLOYEES.1.to_vec();
    employee_optional.extend(extra_columns.iter().map(String::as_str));
    stage.finish();

    let mut columns_ok = true;
    for (t, (req, opt)) in [
        (&employees_t, (EMPLOYEES.0, employee_optional.as_slice())),
        (&metrics_t, METRICS),
        (&targets_t, TARGETS),
        (&ratings_t, RATINGS),
        (&projects_t, PROJECTS),
        (&benchmarks_t, BENCHMARKS),
        (&budgets_t, BUDGETS),
        (&fx_t, FX_RATES),
    ] {
        if let Some(t) = t {
            columns_ok &= t.check_columns(req, opt, &mut diags);
            if (t.name == "employees" || t.name == "metrics") && t.rows() == 0 {
                diags.push(Diagnostic::error(
                    &t.path,
                    format!("the {} table is empty", t.name),
                ));
                columns_ok = false;
            }
        }
    }
    let (Some(employees_t), Some(metrics_t), true) = (employees_t, metrics_t, columns_ok) else {
        return Err(Error::Invalid(diags));
    };

    let mut budget = Budget::new(&mut diags);
    let stage = crate::progress::Stage::work("read employees", employees_t.rows() as u64);
    let employees = employees(&employees_t, policy, &mut budget);
    // References are checked against every id in the table, including rows
    // with other problems, so one bad cell does not cascade.
    let id_col = col(&employees_t, "employee_id");
    let dept_col = col(&employees_t, "department");
    // Valid employees first, so employee i of `Data::employees` is subject i.
    let mut subjects = Subjects {
        names: PlIndexSet::with_capacity_and_hasher(employees.len() + 1024, Default::default()),
        employee_ids: 0,
    };
    for e in &employees {
        subjects.names.insert(e.id.clone());
    }
    for c in &id_col {
        if let Some(s) = text(*c) {
            subjects.add(s);
        }
    }
    subjects.employee_ids = subjects.len();
    for c in &dept_col {
        if let Some(s) = text(*c) {
            subjects.add(s);
        }
    }
    subjects.add(COMPANY);
    drop(dept_col);
    stage.finish();

    // The three large tables are read side by side (each on every core,
    // with parts that run on one), their problems reported in this order.
    let ((metrics, metrics_apart), ((targets, targets_apart), (ratings, ratings_apart))) =
        rayon::join(
            || read_apart(|b| Metrics::read(&metrics_t, &subjects, b)),
            || {
                rayon::join(
                    || {
                        read_apart(|b| {
                            let t0 = std::time::Instant::now();
                            let r = targets_t
                                .as_ref()
                                .map(|t| Targets::read(t, policy, &subjects, b))
                                .transpose();
                            tracing::info!("read targets: {:.3} s", t0.elapsed().as_secs_f64());
                            r
                        })
                    },
                    || {
                        read_apart(|b| {
                            let t0 = std::time::Instant::now();
                            let r = ratings_t
                                .as_ref()
                                .map(|t| ratings(t, policy, &subjects, b))
                                .transpose();
                            tracing::info!("read ratings: {:.3} s", t0.elapsed().as_secs_f64());
                            r
                        })
                    },
                )
            },
        );
    budget.absorb(metrics_apart);
    let metrics = metrics?;
    if metrics_t.rows() == 0 {
        budget.diags.push(Diagnostic::error(
            &metrics_t.path,
            "the metrics table is empty",
        ));
    }
    budget.absorb(targets_apart);
    let targets = targets?.unwrap_or_default();
    budget.absorb(ratings_apart);
    let ratings = ratings?.unwrap_or_default();
    let budgets = budgets_t
        .as_ref()
        .map(|t| {
            budgets(
                t,
                &subjects,
                policy.policy.rounding.money_places,
                &mut budget,
            )
        })
        .unwrap_or_default();
    let fx_rates = fx_t
        .as_ref()
        .map(|t| fx_rates(t, &mut budget))
        .unwrap_or_default();
    let benchmarks = benchmarks_t
        .as_ref()
        .map(|t| benchmarks(t, policy, &mut budget))
        .unwrap_or_default();
    let projects = projects_t
        .as_ref()
        .map(|t| projects(t, &subjects, &mut budget))
        .unwrap_or_default();
    drop(id_col);

    let all: Vec<&Table> = [
        Some(&employees_t),
        Some(&metrics_t),
        targets_t.as_ref(),
        ratings_t.as_ref(),
        projects_t.as_ref(),
        benchmarks_t.as_ref(),
        budgets_t.as_ref(),
        fx_t.as_ref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    budget.finish(&all);
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    let metrics = metrics.expect("no errors means metrics were built");
    drop(all);
    let files = [
        Some(employees_t),
        Some(metrics_t),
        targets_t,
        ratings_t,
        projects_t,
        benchmarks_t,
        budgets_t,
        fx_t,
    ]
    .into_iter()
    .flatten()
    .map(|t| InputFile {
        table: t.name,
        file_name: t
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        rows: t.rows(),
        bytes: t.bytes,
    })
    .collect();
    Ok(Data {
        dir: dir.to_path_buf(),
        employees,
        metrics,
        subjects,
        targets,
        ratings,
        projects,
        benchmarks,
        budgets,
        fx_rates,
        files,
    })
}

fn col<'t>(t: &'t Table, name: &str) -> Vec<Option<&'t str>> {
    t.column(name).unwrap_or_else(|| vec![None; t.rows()])
}

/// One employees row checked on its own (everything but duplicates).
struct EmployeeRow {
    /// Problems in column order; the duplicate check goes before `dup_at`'s problem.
    problems: Vec<(&'static str, String)>,
    dup_at: usize,
    employee: Option<Employee>,
}

fn employee_row(
    c: &[Vec<Option<&str>>],
    extra: &[(String, Vec<Option<&str>>)],
    row: usize,
    policy: &LoadedPolicy,
) -> EmployeeRow {
    let roles = &policy.policy.roles;
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let mut ok = true;
    let mut need = |column: &'static str, v: Option<&str>, problems: &mut Vec<_>| -> String {
        match text(v) {
            Some(s) => s.to_owned(),
            None => {
                problems.push((column, "empty value where one is required".to_owned()));
                ok = false;
                String::new()
            }
        }
    };
    let e_id = need("employee_id", c[0][row], &mut problems);
    let e_name = need("name", c[1][row], &mut problems);
    let e_dept = need("department", c[2][row], &mut problems);
    let e_role = need("role", c[3][row], &mut problems);
    // The id names the employee's statement files (feedback/ID.md).
    if e_id.contains(['/', '\\']) || e_id == "." || e_id == ".." || e_id.contains(char::is_control)
    {
        problems.push((
            "employee_id",
            format!(
                "'{}' cannot name a statement file (feedback/ID.md): an id must not contain / or \\ or control characters, nor be . or ..",
                e_id.escape_debug()
            ),
        ));
        ok = false;
    }
    let dup_at = problems.len();
    if !e_role.is_empty() && !roles.contains_key(&e_role) {
        problems.push((
            "role",
            format!(
                "role '{e_role}' has no weights in the policy{}",
                hint(&e_role, roles.keys().map(String::as_str))
            ),
        ));
        ok = false;
    }
    let mut dec = |column: &'static str, v: Option<&str>, problems: &mut Vec<_>| -> Decimal {
        match amount_value(v, false) {
            Ok(d) => d,
            Err(m) => {
                problems.push((column, m));
                ok = false;
                Decimal::ZERO
            }
        }
    };
    let base_salary = dec("base_salary", c[4][row], &mut problems);
    let target_bonus_pct = dec("target_bonus_pct", c[5][row], &mut problems);
    let hire_date = match parse_date(c[6][row].unwrap_or("")) {
        Ok(d) => Some(d),
        Err(m) => {
            problems.push(("hire_date", m));
            None
        }
    };
    let termination_date = match text(c[7][row]).map(parse_date) {
        None => None,
        Some(Ok(d)) => {
            if hire_date.is_some_and(|h| d < h) {
                problems.push(("termination_date", format!("{d} is before the hire date")));
                ok = false;
            }
            Some(d)
        }
        Some(Err(m)) => {
            problems.push(("termination_date", m));
            ok = false;
            None
        }
    };
    let currency = text(c[9][row]).map(str::to_owned);
    if let Some(cur) = &currency {
        if cur != &policy.policy.currency && policy.policy.currency_conversion.is_none() {
            problems.push((
                "currency",
                format!(
                    "paid in {cur}, but the policy pays in {} and has no currency_conversion section",
                    policy.policy.currency
                ),
            ));
            ok = false;
        }
    }
    let employee = match (ok, hire_date) {
        (true, Some(hire_date)) => Some(Employee {
            id: e_id,
            name: e_name,
            department: e_dept,
            role: e_role,
            base_salary,
            target_bonus_pct,
            hire_date,
            termination_date,
            manager_id: text(c[8][row]).map(str::to_owned),
            currency,
            fx_rate: Decimal::ONE,
            base_salary_local: base_salary,
            fx_rate_exact: Num::Dec(Decimal::ONE),
            base_salary_exact: Num::Dec(base_salary),
            extra: extra
                .iter()
                .map(|(name, cells)| {
                    (
                        name.clone(),
                        text(cells[row]).unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        }),
        _ => None,
    };
    EmployeeRow {
        problems,
        dup_at,
        employee,
    }
}

fn employees(t: &Table, policy: &LoadedPolicy, b: &mut Budget) -> Vec<Employee> {
    // Required columns, then termination_date, manager_id, currency.
    let cols: Vec<Vec<Option<&str>>> = EMPLOYEE_COLUMNS.iter().map(|n| col(t, n)).collect();
    // Extra columns the policy reads (cascade share columns).
    let extra: Vec<(String, Vec<Option<&str>>)> = policy
        .policy
        .employee_columns()
        .into_iter()
        .map(|n| {
            let cells = col(t, &n);
            (n, cells)
        })
        .collect();
    let (id, mgr) = (&cols[0], &cols[8]);
    let mut seen: PlHashMap<&str, usize> =
        PlHashMap::with_capacity_and_hasher(t.rows(), Default::default());
    let mut out = Vec::with_capacity(t.rows());
    // Rows are checked in parallel parts; duplicates and problems are then
    // taken in row order.
    const PART: usize = 1 << 15;
    let parts: Vec<std::ops::Range<usize>> = (0..t.rows().div_ceil(PART))
        .map(|i| i * PART..((i + 1) * PART).min(t.rows()))
        .collect();
    for group in parts.chunks(4 * rayon::current_num_threads()) {
        let parsed: Vec<Vec<EmployeeRow>> = group
            .par_iter()
            .map(|r| {
                r.clone()
                    .map(|row| employee_row(&cols, &extra, row, policy))
                    .collect()
            })
            .collect();
        for (range, rows) in group.iter().zip(parsed) {
            for (row, mut er) in range.clone().zip(rows) {
                let rest = er.problems.split_off(er.dup_at);
                for (column, msg) in er.problems {
                    b.cell(t, row, column, msg);
                }
                if let Some(e_id) = text(id[row]) {
                    if let Some(first) = seen.insert(e_id, row) {
                        b.cell(
                            t,
                            row,
                            "employee_id",
                            format!(
                                "duplicate employee_id '{e_id}' (first on line {})",
                                first + 2
                            ),
                        );
                        er.employee = None;
                    }
                }
                for (column, msg) in rest {
                    b.cell(t, row, column, msg);
                }
                if let Some(e) = er.employee {
                    out.push(e);
                }
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    for (row, m) in mgr.iter().enumerate() {
        if let Some(m) = text(*m) {
            if !seen.contains_key(m) {
                b.cell(t, row, "manager_id", format!("unknown employee '{m}'"));
            }
        }
    }
    out
}

fn ratings(
    t: &Table,
    policy: &LoadedPolicy,
    subjects: &Subjects,
    b: &mut Budget,
) -> Result<Ratings> {
    let scale: BTreeSet<Decimal> = policy
        .policy
        .review
        .iter()
        .flat_map(|r| r.scale.iter().map(|s| s.rating.0.normalize()))
        .collect();
    // The few period labels, in order of appearance until sorted at the end.
    let mut periods: Vec<String> = Vec::new();
    let mut label_ix: std::collections::HashMap<String, u32> = Default::default();
    type Kept = (u32, u32, Rating, usize);
    type Problems = Vec<(usize, &'static str, String)>;
    let mut kept: Vec<Kept> = Vec::with_capacity(t.capacity_hint());
    // Read in batches; each batch's rows are checked in parallel parts,
    // problems taken in row order.
    t.batches(&mut |first, df| {
        let cols: Vec<Vec<Option<&str>>> = ["employee_id", "period", "rating", "rater", "comment"]
            .into_iter()
            .map(|n| {
                df.column(n)
                    .ok()
                    .and_then(|c| c.str().ok())
                    .map_or_else(|| vec![None; df.height()], |s| s.iter().collect())
            })
            .collect();
        let mut last: Option<(&str, u32)> = None;
        let mut period_ix: Vec<u32> = Vec::with_capacity(df.height());
        for p in cols[1].iter().map(|c| text(*c).unwrap_or("")) {
            let at = match last {
                Some((x, at)) if x == p => at,
                _ => {
                    let at = *label_ix.entry(p.to_owned()).or_insert_with(|| {
                        periods.push(p.to_owned());
                        (periods.len() - 1) as u32
                    });
                    last = Some((p, at));
                    at
                }
            };
            period_ix.push(at);
        }
        // Each label is checked once, not on every row.
        let period_error: Vec<Option<String>> =
            periods.iter().map(|p| Period::parse(p).err()).collect();
        let check = |row: usize, problems: &mut Problems| -> Option<Kept> {
            let e = text(cols[0][row]).unwrap_or("");
            let mut ok = true;
            let employee = subjects.get(e).filter(|&i| subjects.is_employee_index(i));
            if employee.is_none() {
                problems.push((
                    first + row,
                    "employee_id",
                    format!("unknown employee '{e}'"),
                ));
                ok = false;
            }
            if let Some(m) = &period_error[period_ix[row] as usize] {
                problems.push((first + row, "period", m.clone()));
                ok = false;
            }
            let rating = match parse_decimal(cols[2][row].unwrap_or("")) {
                Ok(v) if !scale.is_empty() && !scale.contains(&v.normalize()) => {
                    let allowed: Vec<String> = scale.iter().map(|s| s.to_string()).collect();
                    problems.push((
                        first + row,
                        "rating",
                        format!(
                            "rating {v} is not on the policy's review scale ({})",
                            allowed.join(", ")
                        ),
                    ));
                    None
                }
                Ok(v) => Some(v),
                Err(m) => {
                    problems.push((first + row, "rating", m));
                    None
                }
            };
            let rating = rating.filter(|_| ok)?;
            let r = Rating {
                rating,
                rater: text(cols[3][row]).map(str::to_owned),
                comment: text(cols[4][row]).map(str::to_owned),
            };
            Some((employee?, period_ix[row], r, first + row))
        };
        const PART: usize = 1 << 15;
        let n = df.height();
        let parts: Vec<(Problems, Vec<Kept>)> = (0..n.div_ceil(PART))
            .into_par_iter()
            .map(|i| {
                let mut problems = Vec::new();
                let kept = (i * PART..((i + 1) * PART).min(n))
                    .filter_map(|row| check(row, &mut problems))
                    .collect();
                (problems, kept)
            })
            .collect();
        for (problems, k) in parts {
            for (row, column, msg) in problems {
                b.cell(t, row, column, msg);
            }
            kept.extend(k);
        }
        Ok(())
    })?;
    // Period indices in label order, so (employee, period) sorts by label.
    let mut order: Vec<usize> = (0..periods.len()).collect();
    order.sort_by(|a, b| periods[*a].cmp(&periods[*b]));
    let mut rank = vec![0u32; periods.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r as u32;
    }
    let periods: Vec<String> = order.iter().map(|&i| periods[i].clone()).collect();
    for k in &mut kept {
        k.1 = rank[k.1 as usize];
    }
    // Sorted by key, rows in order within a key: later rows are duplicates.
    kept.par_sort_by_key(|k| (k.0, k.1, k.3));
    let mut dups = Vec::new();
    let mut rows: Vec<(u32, u32, Rating)> = Vec::with_capacity(kept.len());
    for (e, p, r, row) in kept {
        if rows.last().is_some_and(|x| (x.0, x.1) == (e, p)) {
            dups.push((row, e, p));
        } else {
            rows.push((e, p, r));
        }
    }
    dups.sort_by_key(|d| d.0);
    for (row, e, p) in dups {
        b.push(
            t,
            "employee_id",
            t.row_error(
                row,
                format!(
                    "duplicate rating for {} in {}",
                    subjects.name(e),
                    periods[p as usize]
                ),
            ),
        );
    }
    Ok(Ratings { periods, rows })
}

fn projects(t: &Table, subjects: &Subjects, b: &mut Budget) -> Vec<Project> {
    let (emp, per, proj, amt, appr) = (
        col(t, "employee_id"),
        col(t, "period"),
        col(t, "project"),
        col(t, "amount"),
        col(t, "approved"),
    );
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for row in 0..t.rows() {
        let (e, p, name) = (
            text(emp[row]).unwrap_or(""),
            text(per[row]).unwrap_or(""),
            text(proj[row]).unwrap_or(""),
        );
        let mut ok = true;
        if !subjects.is_employee(e) {
            b.cell(t, row, "employee_id", format!("unknown employee '{e}'"));
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        if name.is_empty() {
            b.cell(t, row, "project", "empty value where one is required");
            ok = false;
        }
        let amount = amount(t, row, "amount", amt[row], false, b);
        let approved = parse_bool(appr[row].unwrap_or(""))
            .map_err(|m| b.cell(t, row, "approved", m))
            .ok();
        if !seen.insert((e.to_owned(), p.to_owned(), name.to_owned())) {
            b.push(
                t,
                "project",
                t.row_error(row, format!("duplicate project '{name}' for {e} in {p}")),
            );
            ok = false;
        }
        if let (true, Some(amount), Some(approved)) = (ok, amount, approved) {
            out.push(Project {
                employee_id: e.to_owned(),
                period: p.to_owned(),
                project: name.to_owned(),
                amount,
                approved,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.employee_id, &a.period, &a.project).cmp(&(&b.employee_id, &b.period, &b.project))
    });
    out
}

fn benchmarks(
    t: &Table,
    policy: &LoadedPolicy,
    b: &mut Budget,
) -> BTreeMap<(String, String), Decimal> {
    let (kpi, per, val) = (col(t, "kpi"), col(t, "period"), col(t, "value"));
    let kpis: Vec<&str> = policy.policy.kpis.iter().map(|k| k.id.as_str()).collect();
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let (k, p) = (text(kpi[row]).unwrap_or(""), text(per[row]).unwrap_or(""));
        let mut ok = true;
        if !kpis.contains(&k) {
            b.cell(
                t,
                row,
                "kpi",
                format!("unknown KPI '{k}'{}", hint(k, kpis.iter().copied())),
            );
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        let v = amount(t, row, "value", val[row], true, b);
        if let (true, Some(v)) = (ok, v) {
            if out.insert((k.to_owned(), p.to_owned()), v).is_some() {
                b.push(
                    t,
                    "kpi",
                    t.row_error(row, format!("duplicate benchmark for {k} in {p}")),
                );
            }
        }
    }
    out
}

fn budgets(
    t: &Table,
    subjects: &Subjects,
    places: u32,
    b: &mut Budget,
) -> BTreeMap<(String, String), Decimal> {
    let (subj, per, val) = (col(t, "subject_id"), col(t, "period"), col(t, "budget"));
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let (s, p) = (text(subj[row]).unwrap_or(""), text(per[row]).unwrap_or(""));
        let mut ok = true;
        if subjects.get(s).is_none() {
            b.cell(
                t,
                row,
                "subject_id",
                format!("unknown subject '{s}' (not a department or '{COMPANY}')"),
            );
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        let v = amount(t, row, "budget", val[row], false, b);
        if v.is_some_and(|v| v.normalize().scale() > places) {
            // A pool pays its budget exactly; it cannot pay a fraction of a cent.
            b.cell(
                t,
                row,
                "budget",
                format!("a budget has at most {places} decimal places (the policy's money places)"),
            );
            ok = false;
        }
        if let (true, Some(v)) = (ok, v) {
            if out.insert((s.to_owned(), p.to_owned()), v).is_some() {
                b.push(
                    t,
                    "subject_id",
                    t.row_error(row, format!("duplicate budget for {s} in {p}")),
                );
            }
        }
    }
    out
}

fn fx_rates(t: &Table, b: &mut Budget) -> BTreeMap<(String, Month), Decimal> {
    let (cur, mon, val) = (
        col(t, "currency"),
        col(t, "month"),
        col(t, "rate_to_policy_currency"),
    );
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let c = text(cur[row]).unwrap_or("");
        let mut ok = true;
        if !(c.len() == 3 && c.bytes().all(|x| x.is_ascii_uppercase())) {
            b.cell(
                t,
                row,
                "currency",
                format!("'{c}' is not a three-letter currency code"),
            );
            ok = false;
        }
        let m = Month::parse(text(mon[row]).unwrap_or(""));
        if m.is_none() {
            b.cell(
                t,
                row,
                "month",
                format!(
                    "'{}' is not a month (YYYY-MM)",
                    text(mon[row]).unwrap_or("")
                ),
            );
            ok = false;
        }
        let v = amount(t, row, "rate_to_policy_currency", val[row], true, b);
        if let (true, Some(m), Some(v)) = (ok, m, v) {
            if out.insert((c.to_owned(), m), v).is_some() {
                b.push(
                    t,
                    "currency",
                    t.row_error(row, format!("duplicate rate for {c} in {m}")),
                );
            }
        }
    }
    out
}
