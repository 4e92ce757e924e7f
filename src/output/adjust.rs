//! Prior-period adjustments: a re-run of a period that was already paid.
//! What was paid is never edited; `adjustments.csv` says what to pay now
//! (new minus paid) and carries an overpayment as a balance instead of
//! negative pay. The earlier run folder is only read.

use super::csv::Csv;
use super::OutFile;
use crate::data::table::Table;
use crate::data::Data;
use crate::decimal::{parse_decimal, round_fixed};
use crate::engine::{EmployeeResult, RunResult};
use crate::error::{Diagnostic, Error, Result};
use crate::exact::Exact;
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What an earlier run of the period paid.
pub struct Previous {
    pub dir: PathBuf,
    /// Employee → total paid so far for the period (all earlier runs).
    pub paid: BTreeMap<String, Decimal>,
    /// Employee → (score, rating, bonus, project_bonus) as paid.
    pub rows: BTreeMap<String, Vec<String>>,
    /// Policy and input file → sha256, from the earlier manifest.
    pub hashes: BTreeMap<String, String>,
    pub manifest_sha256: String,
    /// The files read from the earlier run (name, bytes), archived with the
    /// re-run so that it can be replayed.
    pub files: Vec<(&'static str, Vec<u8>)>,
}

fn hashes(manifest: &serde_json::Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (section, prefix) in [("policy_files", "policy/"), ("inputs", "data/")] {
        for f in manifest[section].as_array().into_iter().flatten() {
            if let (Some(p), Some(h)) = (f["path"].as_str(), f["sha256"].as_str()) {
                out.insert(format!("{prefix}{p}"), h.to_owned());
            }
        }
    }
    out
}

pub fn current_hashes(lp: &LoadedPolicy, data: &Data) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in &lp.files {
        out.insert(
            format!("policy/{}", f.rel),
            super::manifest::sha256(&f.bytes),
        );
    }
    for f in &data.files {
        out.insert(
            format!("data/{}", f.file_name),
            super::manifest::sha256(&f.bytes),
        );
    }
    out
}

/// Reads an earlier run of `period` under the plan `policy_id`; a run of
/// another period or another plan is refused (a different plan is not a
/// re-run: its payouts are not what this plan paid).
pub fn read_previous(dir: &Path, period: &str, policy_id: &str) -> Result<Previous> {
    let manifest_path = dir.join("manifest.json");
    let bytes = std::fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Error::one(Diagnostic::error(
            &manifest_path,
            format!("not a merit manifest: {e}"),
        ))
    })?;
    same_period_and_plan(&manifest, dir, period, policy_id)?;
    let (mut paid, rows) = read_paid(dir)?;
    // An earlier re-run: paid so far = what it found paid plus what it paid.
    let read_bytes = |p: &Path| std::fs::read(p).map_err(|e| Error::io(p, e));
    let mut files = vec![
        ("manifest.json", bytes.clone()),
        ("payouts.csv", read_bytes(&dir.join("payouts.csv"))?),
    ];
    let adj_path = dir.join("adjustments.csv");
    if adj_path.is_file() {
        files.push(("adjustments.csv", read_bytes(&adj_path)?));
        add_adjusted(&adj_path, &mut paid)?;
    }
    Ok(Previous {
        dir: dir.to_path_buf(),
        paid,
        rows,
        hashes: hashes(&manifest),
        manifest_sha256: super::manifest::sha256(&bytes),
        files,
    })
}

/// Refuses an earlier run of another period or another plan.
fn same_period_and_plan(
    manifest: &serde_json::Value,
    dir: &Path,
    period: &str,
    policy_id: &str,
) -> Result<()> {
    let prev_period = manifest["period"]["label"].as_str().unwrap_or_default();
    if prev_period != period {
        return Err(Error::Usage(format!(
            "--previous {} is a run of {prev_period}, not {period}; adjustments compare runs of the same period",
            dir.display()
        )));
    }
    let prev_policy = manifest["policy"]["id"].as_str().unwrap_or_default();
    if prev_policy != policy_id {
        return Err(Error::Usage(format!(
            "--previous {} is a run of the plan '{prev_policy}', not '{policy_id}'; adjustments compare runs of the same plan",
            dir.display()
        )));
    }
    Ok(())
}

fn col<'t>(t: &'t Table, n: &str) -> Vec<Option<&'t str>> {
    t.column(n).unwrap_or_default()
}

/// Text cells as the run meant them: an id such as `-007` was written
/// `'-007` against formula injection.
fn cell(v: &[Option<&str>], i: usize) -> String {
    super::csv::unneutralise(v.get(i).copied().flatten().unwrap_or_default()).to_owned()
}

/// Employee → total paid (as [`Previous::paid`]).
type Paid = BTreeMap<String, Decimal>;
/// Employee → (score, rating, bonus, project_bonus) as paid (as [`Previous::rows`]).
type PaidRows = BTreeMap<String, Vec<String>>;

/// The earlier run's `payouts.csv`: employee → total paid, and employee →
/// (score, rating, bonus, project_bonus) as paid.
fn read_paid(dir: &Path) -> Result<(Paid, PaidRows)> {
    let mut paid = BTreeMap::new();
    let mut rows = BTreeMap::new();
    let payouts = Table::read("payouts", &dir.join("payouts.csv"))?;
    let (ids, totals) = (col(&payouts, "employee_id"), col(&payouts, "total_payout"));
    // `commission` only in runs of plans with commissions.
    let compared: Vec<Vec<Option<&str>>> = CHANGED
        .iter()
        .filter(|c| **c != "commission" || payouts.column(c).is_some())
        .map(|c| col(&payouts, c))
        .collect();
    for i in 0..payouts.rows() {
        let id = cell(&ids, i);
        let total = parse_decimal(&cell(&totals, i))
            .map_err(|m| Error::one(payouts.cell_error(i, "total_payout", m)))?;
        paid.insert(id.clone(), total);
        rows.insert(id, compared.iter().map(|c| cell(c, i)).collect());
    }
    Ok((paid, rows))
}

/// An earlier re-run's `adjustments.csv`: each employee's paid so far
/// becomes what it found paid plus what it paid.
fn add_adjusted(adj_path: &Path, paid: &mut Paid) -> Result<()> {
    let adj = Table::read("adjustments", adj_path)?;
    let (ids, before, now) = (
        col(&adj, "employee_id"),
        col(&adj, "paid_before"),
        col(&adj, "paid_now"),
    );
    for i in 0..adj.rows() {
        let b = parse_decimal(&cell(&before, i))
            .map_err(|m| Error::one(adj.cell_error(i, "paid_before", m)))?;
        let n = parse_decimal(&cell(&now, i))
            .map_err(|m| Error::one(adj.cell_error(i, "paid_now", m)))?;
        paid.insert(cell(&ids, i), b + n);
    }
    Ok(())
}

/// One employee's pay for the period as this run settles it, in the
/// policy currency: what was paid before, what the period now comes to,
/// what to pay now and any overpayment carried as a balance.
pub struct DueLine<'a> {
    pub employee_id: &'a str,
    /// Index into `RunResult::employees`; `None` for someone paid before
    /// who is no longer in the run.
    pub result: Option<usize>,
    pub paid_before: Decimal,
    /// The entitlement: this run's `total_payout` (zero when not in the run).
    pub recomputed: Decimal,
    /// `max(recomputed − paid_before, 0)`: never negative pay.
    pub paid_now: Decimal,
    /// `min(recomputed − paid_before, 0)`: an overpayment carried.
    pub balance: Decimal,
    /// The payout currency, and `paid_now` in it at this run's rate.
    pub currency: &'a str,
    pub paid_now_in_currency: Decimal,
}

impl DueLine<'_> {
    pub fn difference(&self) -> Decimal {
        self.recomputed - self.paid_before
    }
}

/// What a run pays now, per employee sorted by id: everyone in the run on
/// a first run; with `--previous`, the union with everyone paid before.
/// The one place amounts due are computed (adjustments.csv, summary,
/// control totals, workbook, report and payroll exports read it). Lines
/// are made as they are read, so a large run does not hold them all.
pub struct Due<'a> {
    lp: &'a LoadedPolicy,
    data: &'a Data,
    run: &'a RunResult,
    prev: Option<&'a Previous>,
    /// A re-run's employee ids and their index into `run.employees`.
    ids: Vec<(&'a str, Option<usize>)>,
}

impl<'a> Due<'a> {
    /// A re-run (`--previous`): something was paid before.
    pub fn rerun(&self) -> bool {
        self.prev.is_some()
    }

    pub fn len(&self) -> usize {
        match self.prev {
            Some(_) => self.ids.len(),
            None => self.run.employees.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every employee's line, sorted by employee id.
    pub fn lines(&self) -> impl Iterator<Item = DueLine<'a>> + '_ {
        (0..self.len()).map(|k| self.line(k))
    }

    fn line(&self, k: usize) -> DueLine<'a> {
        let (id, result) = match self.prev {
            Some(_) => self.ids[k],
            None => (self.id(k), Some(k)),
        };
        let paid = self.prev.and_then(|p| p.paid.get(id).copied());
        let (lp, data, run) = (self.lp, self.data, self.run);
        due_line(lp, data, run, id, result, paid.unwrap_or_default())
    }

    fn id(&self, i: usize) -> &'a str {
        let data: &'a Data = self.data;
        data.employees[self.run.employees[i].employee].id.as_str()
    }
}

pub fn due<'a>(
    lp: &'a LoadedPolicy,
    data: &'a Data,
    run: &'a RunResult,
    prev: Option<&'a Previous>,
) -> Due<'a> {
    let mut due = Due {
        lp,
        data,
        run,
        prev,
        ids: Vec::new(),
    };
    if let Some(p) = prev {
        let current: BTreeMap<&str, usize> =
            (0..run.employees.len()).map(|i| (due.id(i), i)).collect();
        let ids: BTreeSet<&str> = current
            .keys()
            .copied()
            .chain(p.paid.keys().map(String::as_str))
            .collect();
        due.ids = ids
            .into_iter()
            .map(|id| (id, current.get(id).copied()))
            .collect();
    }
    due
}

fn due_line<'a>(
    lp: &'a LoadedPolicy,
    data: &Data,
    run: &'a RunResult,
    employee_id: &'a str,
    result: Option<usize>,
    paid_before: Decimal,
) -> DueLine<'a> {
    let r = result.map(|i| &run.employees[i]);
    let recomputed = r.map_or(Decimal::ZERO, |r| r.total);
    let diff = recomputed - paid_before;
    let (paid_now, balance) = (diff.max(Decimal::ZERO), diff.min(Decimal::ZERO));
    let (currency, paid_now_in_currency) = match r.and_then(|r| r.local.as_deref().map(|l| (r, l)))
    {
        // The whole total: the amount payouts.csv states.
        Some((r, (cur, _, local))) if paid_now == r.total => (cur.as_str(), *local),
        // Part of it: converted like the total (÷ the exact rate, one rounding).
        Some((r, (cur, _, _))) => {
            let rate = data.employees[r.employee].fx_rate_exact.exact();
            let p = &lp.policy.rounding;
            let local = (Exact::from(paid_now) / rate)
                .round(p.money_places, p.mode)
                .unwrap_or(paid_now);
            (cur.as_str(), local)
        }
        None => (lp.policy.currency.as_str(), paid_now),
    };
    DueLine {
        employee_id,
        result,
        paid_before,
        recomputed,
        paid_now,
        balance,
        currency,
        paid_now_in_currency,
    }
}

/// The files whose sha256 differs between this run and the earlier one.
fn changed_files(lp: &LoadedPolicy, data: &Data, prev: &Previous) -> String {
    let now = current_hashes(lp, data);
    let keys: BTreeSet<&String> = now.keys().chain(prev.hashes.keys()).collect();
    let changed: Vec<&str> = keys
        .into_iter()
        .filter(|k| now.get(*k) != prev.hashes.get(*k))
        .map(|k| k.as_str())
        .collect();
    changed.join("; ")
}

/// The values that changed since the earlier run, as `NAME OLD → NEW`.
/// The `payouts.csv` values whose changes `adjustments.csv` lists.
const CHANGED: [&str; 5] = ["score", "rating", "bonus", "project_bonus", "commission"];

fn changes(lp: &LoadedPolicy, e: Option<&EmployeeResult>, old: Option<&Vec<String>>) -> String {
    let r = &lp.policy.rounding;
    let m = |d: Decimal| round_fixed(d, r.money_places, r.mode);
    match (e, old) {
        (None, _) => "no longer in the run".to_owned(),
        (Some(_), None) => "new in the run".to_owned(),
        (Some(e), Some(old)) => {
            let new = [
                e.score.to_string(),
                e.band.clone(),
                m(e.bonus).to_string(),
                m(e.project_bonus).to_string(),
                m(e.commission).to_string(),
            ];
            // A run without commissions compares the first four only.
            CHANGED
                .iter()
                .zip(old.iter().zip(&new))
                .filter(|(_, (a, b))| a != b)
                .map(|(n, (a, b))| format!("{n} {a} → {b}"))
                .collect::<Vec<_>>()
                .join("; ")
        }
    }
}

/// `adjustments.csv`: one row per line of `due` (a re-run's).
pub fn build(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    prev: &Previous,
    due: &Due,
) -> OutFile {
    let r = &lp.policy.rounding;
    let m = |d: Decimal| round_fixed(d, r.money_places, r.mode);
    let changed_files = changed_files(lp, data, prev);
    let mut c = Csv::with_header(&[
        "employee_id",
        "period",
        "paid_before",
        "recomputed",
        "difference",
        "paid_now",
        "balance_after",
        "changes",
        "changed_files",
        "payout_currency",
        "paid_now_in_currency",
    ]);
    for l in due.lines() {
        let e = l.result.map(|i| &run.employees[i]);
        let changes = changes(lp, e, prev.rows.get(l.employee_id));
        c.text(l.employee_id)
            .text(&run.period.label)
            .num(m(l.paid_before))
            .num(m(l.recomputed))
            .num(m(l.difference()))
            .num(m(l.paid_now))
            .num(m(l.balance));
        c.text(&changes).text(&changed_files);
        c.text(l.currency).num(m(l.paid_now_in_currency));
        c.end();
    }
    OutFile {
        rel: "adjustments.csv".into(),
        bytes: c.finish().into_bytes(),
        rows: due.len(),
    }
}
