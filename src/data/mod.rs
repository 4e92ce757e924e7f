//! Stage 2: the period's data — read the contract's tables, check every cell,
//! and hand typed, sorted values to the engine. Problems are collected over
//! all tables and reported together; nothing is computed from bad data.
//!
//! This file owns [`Data`], the tables' column contract and [`load`]; each
//! table's reader lives in a submodule named after it.

pub mod assignments;
mod benchmarks;
mod budgets;
pub mod calendar;
mod carry;
mod cells;
mod csvscan;
pub mod departments;
mod employees;
mod fast;
mod fx;
pub mod history;
mod inputs;
mod large;
pub mod metrics;
mod parquet_pages;
mod problems;
mod projects;
mod ratings;
mod refunds;
mod release;
mod subjects;
pub mod table;
pub mod targets;
mod transactions;

use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::period::Month;
use crate::policy::LoadedPolicy;
use problems::Budget;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use table::Table;

pub use departments::{Department, Departments};
pub use employees::Employee;
pub use inputs::InputValue;
pub use large::Beside;
pub use metrics::Metrics;
pub use projects::Project;
pub use ratings::{Rating, Ratings};
pub use refunds::{sum_between as refunds_between, Refund, Refunds};
pub use release::{Keep, Release};
pub use subjects::Subjects;
pub use targets::Targets;
pub use transactions::Credit;

/// The subject id of company-wide metrics and targets.
pub const COMPANY: &str = "company";

/// An input file as read, for the manifest and the archive.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub table: &'static str,
    /// File name inside the data folder.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
    /// The bytes' sha256, computed once for the manifest and the workbook.
    pub hash: std::sync::OnceLock<String>,
}

/// The sha256 of `bytes`, as lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl InputFile {
    pub fn sha256(&self) -> &str {
        self.hash.get_or_init(|| sha256(&self.bytes))
    }
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
    /// Per employee, where their projects start ([`Data::projects_of`]).
    pub project_starts: Vec<usize>,
    /// Deal credits, sorted by employee id, date and deal.
    pub credits: Vec<Credit>,
    /// Deal id → its refunds, by date.
    pub refunds: Refunds,
    /// Employee id → the territories they cover, when.
    pub assignments: assignments::Assignments,
    /// Employee id → their unpaid leave.
    pub leave: calendar::Leave,
    /// The working-day calendar's exceptions.
    pub holidays: calendar::Holidays,
    /// Employee id → changes of their terms, by effective date.
    pub history: history::History,
    /// (kpi, period) → market reference value.
    pub benchmarks: BTreeMap<(String, String), Decimal>,
    /// (subject, period) → bonus pool budget in the policy currency.
    pub budgets: BTreeMap<(String, String), Decimal>,
    /// (currency, month) → value of one unit in the policy currency.
    pub fx_rates: BTreeMap<(String, Month), Decimal>,
    /// Department id → display names (statements); empty without the table.
    pub departments: Departments,
    pub files: Vec<InputFile>,
    /// What the run's last scoring may free, set by a caller that reads it
    /// no more (`merit run`); nothing by default.
    pub release_after_scoring: Release,
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
}

/// The employees table's columns: the required ones, then the optional.
pub use crate::policy::EMPLOYEE_COLUMNS;
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
pub const TRANSACTIONS: (&[&str], &[&str]) = (
    &["deal_id", "employee_id", "date", "amount"],
    &["share", "credit", "product", "customer", "territory"],
);
pub const REFUNDS: (&[&str], &[&str]) = (&["deal_id", "date", "amount"], &["reason"]);
pub const LEAVE: (&[&str], &[&str]) = (&["employee_id", "start", "end"], &[]);
pub const ASSIGNMENTS: (&[&str], &[&str]) = (&["employee_id", "territory", "start"], &["end"]);
pub const HOLIDAYS: (&[&str], &[&str]) = (&["date"], &["kind", "name"]);
pub const DEPARTMENTS: (&[&str], &[&str]) = (
    &["department_id", "name"],
    &["name_en", "parent", "cost_centre"],
);

/// The data folder's size in kB: opening scans every table's CSV shape,
/// which takes as long as the files are big.
fn kilobytes(dir: &Path) -> u64 {
    let bytes = std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum::<u64>()
    });
    bytes / 1000
}

/// Reads and checks a data folder against a policy.
pub fn load(dir: &Path, policy: &LoadedPolicy) -> Result<Data> {
    load_keeping(dir, policy, &Keep::All)
}

/// [`load`], holding only the targets and ratings of the periods `keep` names.
pub fn load_keeping(dir: &Path, policy: &LoadedPolicy, keep: &Keep) -> Result<Data> {
    load_beside(dir, policy, keep, None)
}

/// [`load_keeping`], with `beside` called for every input file on a thread
/// of its own while the tables are read (their hashes computed there too).
/// Problems of the data are reported before an error of `beside`.
pub fn load_beside(
    dir: &Path,
    policy: &LoadedPolicy,
    keep: &Keep,
    beside: Option<Beside>,
) -> Result<Data> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "data folder '{}' does not exist",
            dir.display()
        )));
    }
    let mut diags = Diagnostics::default();
    let stage = crate::progress::Stage::work("open tables", kilobytes(dir));
    let opened = Opened::open(dir, &mut diags)?;
    let extra_columns = policy.policy.employee_columns();
    let (required, optional) = employee_columns(&policy.policy, &extra_columns);
    stage.finish();
    let history_columns = history::columns(&policy.policy);
    let history_columns = (&history_columns.0[..], &history_columns.1[..]);
    let Some(tables) = opened.checked((&required, &optional), history_columns, &mut diags) else {
        return Err(Error::Invalid(diags));
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (read, hashes) = std::thread::scope(|s| {
        let side = beside.map(|f| s.spawn(|| large::beside(&tables, f, &stop)));
        let read = read_tables(dir, &tables, policy, keep, &mut diags);
        // Bad data: the files not yet handed over are not.
        stop.store(read.is_err(), std::sync::atomic::Ordering::Relaxed);
        // A panic on the thread goes on here, as it would have.
        let side = side.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (read, side)
    });
    let mut data = read?;
    data.files = tables.into_files(hashes.transpose()?.unwrap_or_default());
    Ok(data)
}

/// Every table's rows read and checked; the files are the caller's.
fn read_tables(
    dir: &Path,
    tables: &Tables,
    policy: &LoadedPolicy,
    keep: &Keep,
    diags: &mut Diagnostics,
) -> Result<Data> {
    let mut budget = Budget::new(diags);
    let stage = crate::progress::Stage::work("read employees", tables.employees.rows() as u64);
    let employees = employees::employees(&tables.employees, policy, &mut budget);
    let mut subjects = Subjects::of_employees(&employees, &tables.employees);
    if let Some(h) = &tables.rest.history {
        // A department someone moves into is a subject too.
        history::add_departments(h, &mut subjects);
    }
    stage.finish();

    let (metrics, targets, ratings) =
        large::read_large(tables, policy, &subjects, keep, &mut budget)?;
    let (r, money_places) = (&tables.rest, policy.policy.rounding.money_places);
    let budgets = Option::as_ref(&r.budgets)
        .map(|t| budgets::budgets(t, &subjects, money_places, &mut budget))
        .unwrap_or_default();
    let fx_rates = Option::as_ref(&r.fx_rates)
        .map(|t| fx::fx_rates(t, &mut budget))
        .unwrap_or_default();
    let benchmarks = Option::as_ref(&r.benchmarks)
        .map(|t| benchmarks::benchmarks(t, policy, &mut budget))
        .unwrap_or_default();
    let (projects, project_starts) = Option::as_ref(&r.projects)
        .map(|t| projects::projects(t, &subjects, &employees, &mut budget))
        .unwrap_or_default();
    let credits = Option::as_ref(&r.transactions)
        .map(|t| {
            transactions::transactions(t, &subjects, policy.policy.unique_deal_ids, &mut budget)
        })
        .unwrap_or_default();
    let refunds = Option::as_ref(&r.refunds)
        .map(|t| refunds::refunds(t, &credits, &mut budget))
        .unwrap_or_default();
    let (assignments, leave, holidays, history, departments) =
        people_tables(r, policy, &employees, &subjects, &mut budget);
    budget.finish(&tables.all());
    if diags.has_errors() {
        return Err(Error::Invalid(std::mem::take(diags)));
    }
    Ok(Data {
        dir: dir.to_path_buf(),
        employees,
        metrics: metrics.expect("read_large gives None only with errors, returned above"),
        subjects,
        targets,
        ratings,
        projects,
        project_starts,
        credits,
        refunds,
        assignments,
        leave,
        holidays,
        history,
        benchmarks,
        budgets,
        fx_rates,
        departments,
        files: Vec::new(),
        release_after_scoring: Release::default(),
    })
}

/// The tables of who covers what and when: assignments, leave, holidays,
/// the history of changes, and the departments' names.
fn people_tables(
    r: &Optional,
    policy: &LoadedPolicy,
    employees: &[Employee],
    subjects: &Subjects,
    budget: &mut Budget,
) -> (
    assignments::Assignments,
    calendar::Leave,
    calendar::Holidays,
    history::History,
    Departments,
) {
    let assignments = Option::as_ref(&r.assignments)
        .map(|t| assignments::assignments(t, subjects, budget))
        .unwrap_or_default();
    let leave = Option::as_ref(&r.leave)
        .map(|t| calendar::leave(t, subjects, budget))
        .unwrap_or_default();
    let holidays = Option::as_ref(&r.holidays)
        .map(|t| calendar::holidays(t, budget))
        .unwrap_or_default();
    let history = Option::as_ref(&r.history)
        .map(|t| history::history(t, &policy.policy, employees, budget))
        .unwrap_or_default();
    let departments = Option::as_ref(&r.departments)
        .map(|t| departments::departments(t, budget))
        .unwrap_or_default();
    (assignments, leave, holidays, history, departments)
}

/// The employees table's required and optional columns: its own, the
/// policy's required inputs, then the optional ones and `extra` columns.
fn employee_columns<'a>(
    policy: &'a crate::policy::Policy,
    extra: &'a [String],
) -> (Vec<&'a str>, Vec<&'a str>) {
    let inputs = &policy.inputs;
    let mut required: Vec<&str> = EMPLOYEES.0.to_vec();
    required.extend(inputs.iter().filter(|i| i.1.required).map(|i| i.0.as_str()));
    let mut optional: Vec<&str> = EMPLOYEES.1.to_vec();
    optional.extend(
        extra
            .iter()
            .filter(|c| !inputs.contains_key(*c))
            .map(String::as_str),
    );
    optional.extend(
        inputs
            .iter()
            .filter(|i| !i.1.required)
            .map(|i| i.0.as_str()),
    );
    (required, optional)
}

/// The data folder's tables as found; a missing required table is `None`
/// (and reported).
struct Opened {
    employees: Option<Table>,
    metrics: Option<Table>,
    rest: Optional,
}

/// The optional tables, in the order they are checked and listed.
struct Optional {
    targets: Option<Table>,
    ratings: Option<Table>,
    projects: Option<Table>,
    benchmarks: Option<Table>,
    budgets: Option<Table>,
    fx_rates: Option<Table>,
    transactions: Option<Table>,
    refunds: Option<Table>,
    assignments: Option<Table>,
    leave: Option<Table>,
    holidays: Option<Table>,
    history: Option<Table>,
    departments: Option<Table>,
}

/// The data folder's tables once both required ones are there with every
/// column in order.
struct Tables {
    employees: Table,
    metrics: Table,
    rest: Optional,
}

impl Opened {
    fn open(dir: &Path, diags: &mut Diagnostics) -> Result<Opened> {
        let mut read = |name: &'static str, required: bool| -> Result<Option<Table>> {
            let opened = table::find(dir, name).and_then(|found| match found {
                Some(path) if matches!(name, "metrics" | "targets" | "ratings") => {
                    Table::open_batched(name, &path).map(Some)
                }
                Some(path) => Table::read(name, &path).map(Some),
                None => Ok(None),
            });
            match opened {
                // A table that cannot be read is reported with the others' problems.
                Err(Error::Invalid(d)) => {
                    diags.extend(d);
                    Ok(None)
                }
                Ok(None) if required => {
                    diags.push(Diagnostic::error(
                        dir.join(format!("{name}.csv")),
                        format!("the {name} table is required (as {name}.csv or {name}.parquet)"),
                    ));
                    Ok(None)
                }
                other => other,
            }
        };
        Ok(Opened {
            employees: read("employees", true)?,
            metrics: read("metrics", true)?,
            rest: Optional {
                targets: read("targets", false)?,
                ratings: read("ratings", false)?,
                projects: read("projects", false)?,
                benchmarks: read("benchmarks", false)?,
                budgets: read("budgets", false)?,
                fx_rates: read("fx_rates", false)?,
                transactions: read("transactions", false)?,
                refunds: read("refunds", false)?,
                assignments: read("assignments", false)?,
                leave: read("leave", false)?,
                holidays: read("holidays", false)?,
                history: read("history", false)?,
                departments: read("departments", false)?,
            },
        })
    }

    /// Checks every table's columns (and that the two required tables have
    /// rows); `None` when anything is wrong, with the problems in `diags`.
    fn checked(
        self,
        employee_columns: (&[&str], &[&str]),
        history_columns: (&[&str], &[&str]),
        diags: &mut Diagnostics,
    ) -> Option<Tables> {
        let r = &self.rest;
        let mut columns_ok = true;
        for (t, (req, opt)) in [
            (&self.employees, employee_columns),
            (&self.metrics, METRICS),
            (&r.targets, TARGETS),
            (&r.ratings, RATINGS),
            (&r.projects, PROJECTS),
            (&r.benchmarks, BENCHMARKS),
            (&r.budgets, BUDGETS),
            (&r.fx_rates, FX_RATES),
            (&r.transactions, TRANSACTIONS),
            (&r.refunds, REFUNDS),
            (&r.assignments, ASSIGNMENTS),
            (&r.leave, LEAVE),
            (&r.holidays, HOLIDAYS),
            (&r.history, history_columns),
            (&r.departments, DEPARTMENTS),
        ] {
            if let Some(t) = t {
                columns_ok &= t.check_columns(req, opt, diags);
                if (t.name == "employees" || t.name == "metrics") && t.rows() == 0 {
                    diags.push(Diagnostic::error(
                        &t.path,
                        format!("the {} table is empty", t.name),
                    ));
                    columns_ok = false;
                }
            }
        }
        let (Some(employees), Some(metrics), true) = (self.employees, self.metrics, columns_ok)
        else {
            return None;
        };
        Some(Tables {
            employees,
            metrics,
            rest: self.rest,
        })
    }
}

impl Tables {
    /// Every table present, in the order problems are summed up and files listed.
    fn all(&self) -> Vec<&Table> {
        let r = &self.rest;
        [
            Some(&self.employees),
            Some(&self.metrics),
            r.targets.as_ref(),
            r.ratings.as_ref(),
            r.projects.as_ref(),
            r.benchmarks.as_ref(),
            r.budgets.as_ref(),
            r.fx_rates.as_ref(),
            r.transactions.as_ref(),
            r.refunds.as_ref(),
            r.assignments.as_ref(),
            r.leave.as_ref(),
            r.holidays.as_ref(),
            r.history.as_ref(),
            r.departments.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The tables as input files, in [`Tables::all`]'s order, with their
    /// hashes when they were computed.
    fn into_files(self, mut hashes: large::Hashes) -> Vec<InputFile> {
        let r = self.rest;
        [
            Some(self.employees),
            Some(self.metrics),
            r.targets,
            r.ratings,
            r.projects,
            r.benchmarks,
            r.budgets,
            r.fx_rates,
            r.transactions,
            r.refunds,
            r.assignments,
            r.leave,
            r.holidays,
            r.history,
            r.departments,
        ]
        .into_iter()
        .flatten()
        .map(|t| InputFile {
            table: t.name,
            file_name: t.file_name(),
            rows: t.rows(),
            hash: match hashes.remove(t.name) {
                Some(h) => std::sync::OnceLock::from(h),
                None => std::sync::OnceLock::new(),
            },
            bytes: t.bytes,
        })
        .collect()
    }
}
