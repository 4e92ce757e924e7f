//! Stage 2: the period's data — read the contract's tables, check every cell,
//! and hand typed, sorted values to the engine. Problems are collected over
//! all tables and reported together; nothing is computed from bad data.

pub mod metrics;
pub mod table;

use crate::decimal::parse_decimal;
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::period::{Month, Period};
use crate::policy::{hint, LoadedPolicy};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use table::Table;

pub use metrics::Metrics;

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
}

#[derive(Debug, Clone)]
pub struct Rating {
    pub rating: Decimal,
    pub rater: Option<String>,
    pub comment: Option<String>,
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
    /// (subject, period, kpi) → target.
    pub targets: BTreeMap<(String, String, String), Decimal>,
    /// (employee, period) → rating.
    pub ratings: BTreeMap<(String, String), Rating>,
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
        let mut rates: BTreeMap<String, Decimal> = BTreeMap::new();
        for e in &mut self.employees {
            let Some(cur) = e.currency.clone().filter(|c| *c != policy.currency) else {
                continue;
            };
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
                    rates.insert(cur.clone(), Decimal::ONE);
                    continue;
                }
                let sum: Decimal = months
                    .iter()
                    .map(|m| self.fx_rates[&(cur.clone(), *m)])
                    .sum();
                rates.insert(cur.clone(), sum / Decimal::from(months.len()));
            }
            e.fx_rate = rates[&cur];
            e.base_salary = e.base_salary_local * e.fx_rate;
        }
        if diags.has_errors() {
            return Err(Error::Invalid(diags));
        }
        Ok(())
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
        let d = t.cell_error(row, column, msg);
        self.push(t, column, d);
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

/// A decimal cell that must not be negative (or must be positive with
/// `positive`); problems go to the budget and give `None`.
fn amount(
    t: &Table,
    row: usize,
    column: &str,
    cell: Option<&str>,
    positive: bool,
    b: &mut Budget,
) -> Option<Decimal> {
    match parse_decimal(cell.unwrap_or("")) {
        Ok(d) if positive && d <= Decimal::ZERO => {
            b.cell(t, row, column, format!("{d} must be greater than zero"));
            None
        }
        Ok(d) if d < Decimal::ZERO => {
            b.cell(t, row, column, format!("{d} is negative"));
            None
        }
        Ok(d) => Some(d),
        Err(m) => {
            b.cell(t, row, column, m);
            None
        }
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)"))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!(
            "'{s}' is not a yes/no value (true, false, yes, no, 1, 0)"
        )),
    }
}

/// Text cell: trimmed, `None` when blank.
fn text(cell: Option<&str>) -> Option<&str> {
    cell.map(str::trim).filter(|s| !s.is_empty())
}

pub const EMPLOYEES: (&[&str], &[&str]) = (
    &[
        "employee_id",
        "name",
        "department",
        "role",
        "base_salary",
        "target_bonus_pct",
        "hire_date",
    ],
    &["termination_date", "manager_id", "currency"],
);
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
    let employees = employees(&employees_t, policy, &mut budget);
    // References are checked against every id in the table, including rows
    // with other problems, so one bad cell does not cascade.
    let id_col = col(&employees_t, "employee_id");
    let dept_col = col(&employees_t, "department");
    let ids: HashSet<&str> = id_col.iter().filter_map(|c| text(*c)).collect();
    let departments: HashSet<&str> = dept_col.iter().filter_map(|c| text(*c)).collect();
    let subject_ok = |s: &str| ids.contains(s) || departments.contains(s) || s == COMPANY;

    let metrics = Metrics::from_table(&metrics_t, &subject_ok, &mut |row, col, msg| {
        budget.cell(&metrics_t, row, col, msg);
    });
    let targets = targets_t
        .as_ref()
        .map(|t| targets(t, policy, &subject_ok, &mut budget))
        .unwrap_or_default();
    let ratings = ratings_t
        .as_ref()
        .map(|t| ratings(t, policy, &ids, &mut budget))
        .unwrap_or_default();
    let budgets = budgets_t
        .as_ref()
        .map(|t| budgets(t, &subject_ok, &mut budget))
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
        .map(|t| projects(t, &ids, &mut budget))
        .unwrap_or_default();

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
    let files = all
        .iter()
        .map(|t| InputFile {
            table: t.name,
            file_name: t
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: t.bytes.clone(),
            rows: t.rows(),
        })
        .collect();
    Ok(Data {
        dir: dir.to_path_buf(),
        employees,
        metrics,
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

fn employees(t: &Table, policy: &LoadedPolicy, b: &mut Budget) -> Vec<Employee> {
    let c = |n| col(t, n);
    let (id, name, dept, role, salary, pct, hire) = (
        c("employee_id"),
        c("name"),
        c("department"),
        c("role"),
        c("base_salary"),
        c("target_bonus_pct"),
        c("hire_date"),
    );
    let extra_cols: Vec<(String, Vec<Option<&str>>)> = policy
        .policy
        .employee_columns()
        .into_iter()
        .map(|c| {
            let cells = col(t, &c);
            (c, cells)
        })
        .collect();
    let (term, mgr, cur) = (c("termination_date"), c("manager_id"), c("currency"));
    let roles = &policy.policy.roles;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(t.rows());
    for row in 0..t.rows() {
        let mut ok = true;
        let mut need = |column: &str, v: Option<&str>, b: &mut Budget| -> String {
            match text(v) {
                Some(s) => s.to_owned(),
                None => {
                    b.cell(t, row, column, "empty value where one is required");
                    ok = false;
                    String::new()
                }
            }
        };
        let e_id = need("employee_id", id[row], b);
        let e_name = need("name", name[row], b);
        let e_dept = need("department", dept[row], b);
        let e_role = need("role", role[row], b);
        if !e_id.is_empty() {
            if let Some(first) = seen.insert(id[row].unwrap_or_default().trim(), row) {
                b.cell(
                    t,
                    row,
                    "employee_id",
                    format!(
                        "duplicate employee_id '{e_id}' (first on line {})",
                        first + 2
                    ),
                );
                ok = false;
            }
        }
        if !e_role.is_empty() && !roles.contains_key(&e_role) {
            b.cell(
                t,
                row,
                "role",
                format!(
                    "role '{e_role}' has no weights in the policy{}",
                    hint(&e_role, roles.keys().map(String::as_str))
                ),
            );
            ok = false;
        }
        let base_salary = amount(t, row, "base_salary", salary[row], false, b);
        let target_bonus_pct = amount(t, row, "target_bonus_pct", pct[row], false, b);
        ok &= base_salary.is_some() && target_bonus_pct.is_some();
        let hire_date = match parse_date(hire[row].unwrap_or("")) {
            Ok(d) => Some(d),
            Err(m) => {
                b.cell(t, row, "hire_date", m);
                None
            }
        };
        let termination_date = match text(term[row]).map(parse_date) {
            None => None,
            Some(Ok(d)) => {
                if hire_date.is_some_and(|h| d < h) {
                    b.cell(
                        t,
                        row,
                        "termination_date",
                        format!("{d} is before the hire date"),
                    );
                    ok = false;
                }
                Some(d)
            }
            Some(Err(m)) => {
                b.cell(t, row, "termination_date", m);
                ok = false;
                None
            }
        };
        let currency = text(cur[row]).map(str::to_owned);
        if let Some(c) = &currency {
            if c != &policy.policy.currency && policy.policy.currency_conversion.is_none() {
                b.cell(t, row, "currency", format!("paid in {c}, but the policy pays in {} and has no currency_conversion section", policy.policy.currency));
                ok = false;
            }
        }
        if let (true, Some(hire_date)) = (ok, hire_date) {
            out.push(Employee {
                id: e_id,
                name: e_name,
                department: e_dept,
                role: e_role,
                base_salary: base_salary.unwrap_or_default(),
                target_bonus_pct: target_bonus_pct.unwrap_or_default(),
                hire_date,
                termination_date,
                manager_id: text(mgr[row]).map(str::to_owned),
                currency,
                fx_rate: Decimal::ONE,
                base_salary_local: base_salary.unwrap_or_default(),
                extra: extra_cols
                    .iter()
                    .map(|(name, cells)| {
                        (
                            name.clone(),
                            text(cells[row]).unwrap_or_default().to_owned(),
                        )
                    })
                    .collect(),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: HashSet<&str> = out.iter().map(|e| e.id.as_str()).collect();
    for (row, m) in mgr.iter().enumerate() {
        if let Some(m) = text(*m) {
            if !ids.contains(m) && !seen.contains_key(m) {
                b.cell(t, row, "manager_id", format!("unknown employee '{m}'"));
            }
        }
    }
    out
}

fn targets(
    t: &Table,
    policy: &LoadedPolicy,
    subject_ok: &dyn Fn(&str) -> bool,
    b: &mut Budget,
) -> BTreeMap<(String, String, String), Decimal> {
    let (subj, per, kpi, val) = (
        col(t, "subject_id"),
        col(t, "period"),
        col(t, "kpi"),
        col(t, "target"),
    );
    let kpis: Vec<&str> = policy.policy.kpis.iter().map(|k| k.id.as_str()).collect();
    let mut out = BTreeMap::new();
    let mut first_line = BTreeMap::new();
    for row in 0..t.rows() {
        let (s, p, k) = (
            text(subj[row]).unwrap_or(""),
            text(per[row]).unwrap_or(""),
            text(kpi[row]).unwrap_or(""),
        );
        let mut ok = true;
        if !subject_ok(s) {
            b.cell(
                t,
                row,
                "subject_id",
                format!("unknown subject '{s}' (not an employee, a department or '{COMPANY}')"),
            );
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        if !kpis.contains(&k) {
            b.cell(
                t,
                row,
                "kpi",
                format!("unknown KPI '{k}'{}", hint(k, kpis.iter().copied())),
            );
            ok = false;
        }
        let v = amount(t, row, "target", val[row], true, b);
        let key = (s.to_owned(), p.to_owned(), k.to_owned());
        if let Some(first) = first_line.insert(key.clone(), row) {
            b.push(
                t,
                "subject_id",
                t.row_error(
                    row,
                    format!(
                        "duplicate target for {s}, {p}, {k} (first on line {})",
                        first + 2
                    ),
                ),
            );
            ok = false;
        }
        if let (true, Some(v)) = (ok, v) {
            out.insert(key, v);
        }
    }
    out
}

fn ratings(
    t: &Table,
    policy: &LoadedPolicy,
    ids: &HashSet<&str>,
    b: &mut Budget,
) -> BTreeMap<(String, String), Rating> {
    let (emp, per, val, rater, comment) = (
        col(t, "employee_id"),
        col(t, "period"),
        col(t, "rating"),
        col(t, "rater"),
        col(t, "comment"),
    );
    let scale: BTreeSet<Decimal> = policy
        .policy
        .review
        .iter()
        .flat_map(|r| r.scale.iter().map(|s| s.rating.0.normalize()))
        .collect();
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let (e, p) = (text(emp[row]).unwrap_or(""), text(per[row]).unwrap_or(""));
        let mut ok = true;
        if !ids.contains(e) {
            b.cell(t, row, "employee_id", format!("unknown employee '{e}'"));
            ok = false;
        }
        if let Err(m) = Period::parse(p) {
            b.cell(t, row, "period", m);
            ok = false;
        }
        let rating = match parse_decimal(val[row].unwrap_or("")) {
            Ok(v) if !scale.is_empty() && !scale.contains(&v.normalize()) => {
                let allowed: Vec<String> = scale.iter().map(|s| s.to_string()).collect();
                b.cell(
                    t,
                    row,
                    "rating",
                    format!(
                        "rating {v} is not on the policy's review scale ({})",
                        allowed.join(", ")
                    ),
                );
                None
            }
            Ok(v) => Some(v),
            Err(m) => {
                b.cell(t, row, "rating", m);
                None
            }
        };
        if let (true, Some(rating)) = (ok, rating) {
            let r = Rating {
                rating,
                rater: text(rater[row]).map(str::to_owned),
                comment: text(comment[row]).map(str::to_owned),
            };
            if out.insert((e.to_owned(), p.to_owned()), r).is_some() {
                b.push(
                    t,
                    "employee_id",
                    t.row_error(row, format!("duplicate rating for {e} in {p}")),
                );
            }
        }
    }
    out
}

fn projects(t: &Table, ids: &HashSet<&str>, b: &mut Budget) -> Vec<Project> {
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
        if !ids.contains(e) {
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
    subject_ok: &dyn Fn(&str) -> bool,
    b: &mut Budget,
) -> BTreeMap<(String, String), Decimal> {
    let (subj, per, val) = (col(t, "subject_id"), col(t, "period"), col(t, "budget"));
    let mut out = BTreeMap::new();
    for row in 0..t.rows() {
        let (s, p) = (text(subj[row]).unwrap_or(""), text(per[row]).unwrap_or(""));
        let mut ok = true;
        if !subject_ok(s) {
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
