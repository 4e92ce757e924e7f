//! The `ratings` table: (employee, period) → review rating, checked against
//! the policy's review scale and kept compact and sorted.

use super::cells::text;
use super::problems::Budget;
use super::release::{other_key, repeats, Keep};
use super::table::Table;
use super::Subjects;
use crate::decimal::parse_decimal;
use crate::error::Result;
use crate::period::Period;
use crate::policy::LoadedPolicy;
use polars::prelude::DataFrame;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

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
    /// Whether each period's ratings are held ([`Keep`]).
    kept: Vec<bool>,
    /// (employee's index in [`Subjects`](super::Subjects), index into `periods`, rating), sorted.
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
            .ok()?;
        // Cannot happen from input: `merit run` keeps every period it scores
        // (`engine::scored_periods`); other callers keep all.
        assert!(self.kept[p], "ratings of {period} read but not kept");
        let p = p as u32;
        let at = self
            .rows
            .binary_search_by(|r| (r.0, r.1).cmp(&(e, p)))
            .ok()?;
        Some(&self.rows[at].2)
    }

    /// For a simulated period `to` without ratings: the ratings of `from`
    /// become `to`'s (`from` has none afterwards).
    pub fn relabel(&mut self, from: &str, to: &str) {
        if self.periods.iter().any(|x| x == to) {
            return;
        }
        let Some(f) = self.periods.iter().position(|x| x == from) else {
            return;
        };
        self.periods[f] = to.to_owned();
        let mut order: Vec<usize> = (0..self.periods.len()).collect();
        order.sort_by(|a, b| self.periods[*a].cmp(&self.periods[*b]));
        let mut new_index = vec![0u32; order.len()];
        for (new, old) in order.iter().enumerate() {
            new_index[*old] = new as u32;
        }
        self.periods = order.iter().map(|i| self.periods[*i].clone()).collect();
        self.kept = order.iter().map(|i| self.kept[*i]).collect();
        for r in &mut self.rows {
            r.1 = new_index[r.1 as usize];
        }
        self.rows.sort_by_key(|r| (r.0, r.1));
    }
}

/// A valid row: (employee's subject index, period index, rating, table row).
type Kept = (u32, u32, Rating, usize);
/// A valid row held, or only its key when [`Keep`] does not hold its period.
enum Checked {
    Held(Kept),
    Key(u64),
}
/// Problems of some rows: (table row, column, message), in row order.
type Problems = Vec<(usize, &'static str, String)>;

/// Reads and checks every row, holding those of the periods `keep` names;
/// also says whether a key repeats among the rows not held, whose
/// duplicates are not reported (`release::read_kept` reads again then).
pub(super) fn ratings(
    t: &Table,
    policy: &LoadedPolicy,
    subjects: &Subjects,
    keep: &Keep,
    b: &mut Budget,
) -> Result<(Ratings, bool)> {
    let scale = review_scale(policy);
    // The few period labels, in order of appearance until sorted at the end.
    let mut labels = Labels::default();
    let mut kept: Vec<Kept> = Vec::with_capacity(keep.capacity(t));
    // The keys of valid rows not held, for their duplicates.
    let mut others: Vec<u64> = Vec::new();
    // Read in batches; each batch's rows are checked in parallel parts,
    // problems taken in row order.
    t.batches(&mut |first, df| {
        let cols = batch_columns(df);
        let period_ix = labels.index(&cols[1]);
        // Each label is checked once, not on every row.
        let period_error: Vec<Option<String>> = labels
            .periods
            .iter()
            .map(|p| Period::parse(p).err())
            .collect();
        let held: Vec<bool> = labels.periods.iter().map(|p| keep.keeps(p)).collect();
        let batch = Batch {
            first,
            cols: &cols,
            period_ix: &period_ix,
            period_error: &period_error,
            held: &held,
            scale: &scale,
            subjects,
        };
        for (problems, k) in check_in_parts(df.height(), |row, p, last| batch.check(row, p, last)) {
            for (row, column, msg) in problems {
                b.cell(t, row, column, msg);
            }
            for c in k {
                match c {
                    Checked::Held(k) => kept.push(k),
                    Checked::Key(k) => others.push(k),
                }
            }
        }
        Ok(())
    })?;
    let periods = sort_periods(labels.periods, &mut kept);
    let rows = first_of_each(kept, t, subjects, &periods, b);
    let kept = periods.iter().map(|p| keep.keeps(p)).collect();
    let ratings = Ratings {
        periods,
        kept,
        rows,
    };
    Ok((ratings, repeats(others)))
}

/// Every rating on the policy's review scales (none: any rating goes).
fn review_scale(policy: &LoadedPolicy) -> BTreeSet<Decimal> {
    policy
        .policy
        .review
        .iter()
        .flat_map(|r| r.scale.iter().map(|s| s.rating.0.normalize()))
        .collect()
}

/// A batch's employee_id, period, rating, rater and comment cells.
fn batch_columns(df: &DataFrame) -> Vec<Vec<Option<&str>>> {
    ["employee_id", "period", "rating", "rater", "comment"]
        .into_iter()
        .map(|n| {
            df.column(n)
                .ok()
                .and_then(|c| c.str().ok())
                .map_or_else(|| vec![None; df.height()], |s| s.iter().collect())
        })
        .collect()
}

/// The period labels seen so far, each with its index in order of appearance.
#[derive(Default)]
struct Labels {
    periods: Vec<String>,
    ix: std::collections::HashMap<String, u32>,
}

impl Labels {
    /// The label index of each cell of a period column, adding new labels.
    fn index(&mut self, cells: &[Option<&str>]) -> Vec<u32> {
        let mut last: Option<(&str, u32)> = None;
        let mut period_ix: Vec<u32> = Vec::with_capacity(cells.len());
        for p in cells.iter().map(|c| text(*c).unwrap_or("")) {
            let at = match last {
                Some((x, at)) if x == p => at,
                _ => {
                    let at = *self.ix.entry(p.to_owned()).or_insert_with(|| {
                        self.periods.push(p.to_owned());
                        (self.periods.len() - 1) as u32
                    });
                    last = Some((p, at));
                    at
                }
            };
            period_ix.push(at);
        }
        period_ix
    }
}

/// One batch of the table, ready to check row by row.
struct Batch<'a> {
    /// The table row of the batch's first row.
    first: usize,
    cols: &'a [Vec<Option<&'a str>>],
    period_ix: &'a [u32],
    /// Each label's problem, by label index.
    period_error: &'a [Option<String>],
    /// Whether each label's rows are held, by label index.
    held: &'a [bool],
    scale: &'a BTreeSet<Decimal>,
    subjects: &'a Subjects,
}

impl<'a> Batch<'a> {
    /// Row `row` of the batch, if valid; its problems go to `problems`.
    /// `last` is the previous row's employee cell and subject, if any.
    fn check(
        &self,
        row: usize,
        problems: &mut Problems,
        last: &mut Option<(&'a str, Option<u32>)>,
    ) -> Option<Checked> {
        let (first, cols, subjects) = (self.first, self.cols, self.subjects);
        let e = text(cols[0][row]).unwrap_or("");
        let mut ok = true;
        let employee = subjects
            .get_grouped(e, last)
            .filter(|&i| subjects.is_employee_index(i));
        if employee.is_none() {
            problems.push((
                first + row,
                "employee_id",
                format!("unknown employee '{e}'"),
            ));
            ok = false;
        }
        if let Some(m) = &self.period_error[self.period_ix[row] as usize] {
            problems.push((first + row, "period", m.clone()));
            ok = false;
        }
        let rating = match rating_value(cols[2][row], self.scale) {
            Ok(v) => Some(v),
            Err(m) => {
                problems.push((first + row, "rating", m));
                None
            }
        };
        let rating = rating.filter(|_| ok)?;
        let (employee, period) = (employee?, self.period_ix[row]);
        if !self.held[period as usize] {
            return Some(Checked::Key(other_key(employee, period)));
        }
        let r = Rating {
            rating,
            rater: text(cols[3][row]).map(str::to_owned),
            comment: text(cols[4][row]).map(str::to_owned),
        };
        Some(Checked::Held((employee, period, r, first + row)))
    }
}

/// A rating cell, which must be on the policy's review scale if it has one.
fn rating_value(
    cell: Option<&str>,
    scale: &BTreeSet<Decimal>,
) -> std::result::Result<Decimal, String> {
    match parse_decimal(cell.unwrap_or("")) {
        Ok(v) if !scale.is_empty() && !scale.contains(&v.normalize()) => {
            let allowed: Vec<String> = scale.iter().map(|s| s.to_string()).collect();
            Err(format!(
                "rating {v} is not on the policy's review scale ({})",
                allowed.join(", ")
            ))
        }
        parsed => parsed,
    }
}

/// Checks rows `0..n` in parallel parts; each part's problems and valid
/// rows in row order, the parts in order.
fn check_in_parts<'a>(
    n: usize,
    check: impl Fn(usize, &mut Problems, &mut Option<(&'a str, Option<u32>)>) -> Option<Checked> + Sync,
) -> Vec<(Problems, Vec<Checked>)> {
    const PART: usize = 1 << 15;
    (0..n.div_ceil(PART))
        .into_par_iter()
        .map(|i| {
            let (mut problems, mut last) = (Vec::new(), None);
            let kept = (i * PART..((i + 1) * PART).min(n))
                .filter_map(|row| check(row, &mut problems, &mut last))
                .collect();
            (problems, kept)
        })
        .collect()
}

/// The labels sorted, with `kept`'s period indices renumbered to match, so
/// (employee, period) sorts by label.
fn sort_periods(periods: Vec<String>, kept: &mut [Kept]) -> Vec<String> {
    let mut order: Vec<usize> = (0..periods.len()).collect();
    order.sort_by(|a, b| periods[*a].cmp(&periods[*b]));
    let mut rank = vec![0u32; periods.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r as u32;
    }
    let periods: Vec<String> = order.iter().map(|&i| periods[i].clone()).collect();
    for k in kept {
        k.1 = rank[k.1 as usize];
    }
    periods
}

/// The first rating of each (employee, period), sorted; the later ones are
/// reported as duplicates, in row order.
fn first_of_each(
    mut kept: Vec<Kept>,
    t: &Table,
    subjects: &Subjects,
    periods: &[String],
    b: &mut Budget,
) -> Vec<(u32, u32, Rating)> {
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
    rows
}
