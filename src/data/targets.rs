//! The `targets` table: (subject, period, KPI) → target.
//!
//! Rows are parsed in parallel parts and kept sorted by subject, with each
//! subject's range found by offset: the engine asks for targets in subject
//! order, so lookups walk memory forwards instead of probing a hash table.

use super::cells::text;
use super::fast::{fast_decimal, same, slices};
use super::problems::{Budget, MAX_PROBLEMS_PER_COLUMN};
use super::release::{other_key, repeats, Keep};
use super::table::Table;
use super::{Subjects, COMPANY};
use crate::decimal::parse_decimal;
use crate::period::Period;
use crate::policy::{hint, LoadedPolicy};
use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy)]
struct Entry {
    subject: u32,
    period: u16,
    kpi: u16,
    value: Decimal,
}

#[derive(Default)]
pub struct Targets {
    periods: Vec<String>,
    /// Whether each period's entries are held ([`Keep`]).
    kept: Vec<bool>,
    kpis: Vec<String>,
    /// Sorted by (subject, period, KPI).
    entries: Vec<Entry>,
    /// Entries of subject `s`: `offsets[s]..offsets[s + 1]`.
    offsets: Vec<usize>,
    /// Set by [`Targets::release`]: the entries are gone.
    released: bool,
}

impl Targets {
    /// The target of `kpi` for `subject` in the period labelled `period`.
    pub fn get(
        &self,
        subjects: &Subjects,
        subject: &str,
        period: &str,
        kpi: &str,
    ) -> Option<Decimal> {
        self.get_at(subjects.get(subject), period, kpi)
    }

    /// [`Targets::get`] with the subject's index already known.
    pub fn get_at(&self, s: Option<u32>, period: &str, kpi: &str) -> Option<Decimal> {
        // Reading released entries would find none: a bug, never "no target".
        // Cannot happen from input: only the KPI evaluation reads targets,
        // and they go after the run's last one (tests/release_rows.rs).
        assert!(!self.released, "targets read after their release");
        let s = s?;
        let p = self.periods.iter().position(|x| same(x, period))?;
        // Cannot happen from input: `merit run` keeps every period it scores
        // (`engine::scored_periods`); other callers keep all.
        assert!(self.kept[p], "targets of {period} read but not kept");
        let p = p as u16;
        let k = self.kpis.iter().position(|x| same(x, kpi))? as u16;
        let s = s as usize;
        let range = *self.offsets.get(s)?..*self.offsets.get(s + 1)?;
        // A subject's entries are sorted by (period, KPI): a year of monthly,
        // quarterly and yearly targets is ~100 entries per subject.
        let mine = &self.entries[range];
        mine.binary_search_by_key(&(p, k), |e| (e.period, e.kpi))
            .ok()
            .map(|i| mine[i].value)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Frees the entries once nothing will read them again (see
    /// [`Data::release_after_scoring`](super::Data::release_after_scoring)).
    pub fn release(&mut self) {
        (self.entries, self.offsets) = (Vec::new(), Vec::new());
        self.released = true;
    }

    /// For a simulated period `to` without targets: the targets of `from`
    /// become `to`'s (`from` has none afterwards).
    pub fn relabel(&mut self, from: &str, to: &str) {
        if self.periods.iter().any(|x| same(x, to)) {
            return;
        }
        if let Some(p) = self.periods.iter_mut().find(|x| same(x, from)) {
            *p = to.to_owned();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses and checks every row, holding those of the periods `keep`
    /// names; problems go to `b`. Also says whether a key repeats among the
    /// rows not held, whose duplicates are not reported (`release::read_kept`
    /// reads again then).
    pub(super) fn read(
        t: &Table,
        policy: &LoadedPolicy,
        subjects: &Subjects,
        keep: &Keep,
        b: &mut Budget,
    ) -> crate::error::Result<(Targets, bool)> {
        let kpis: Vec<&str> = policy.policy.kpis.iter().map(|k| k.id.as_str()).collect();
        let mut out = Targets {
            kpis: kpis.iter().map(|k| (*k).to_owned()).collect(),
            ..Targets::default()
        };
        // (entry, row) of valid keys; rows with other problems are checked
        // for duplicates too, but not kept. Read in batches, so the text of
        // the whole table is never in memory at once.
        let mut keyed: Vec<(Entry, u32, bool)> = Vec::with_capacity(keep.capacity(t));
        // The keys of rows not held, for their duplicates.
        let mut others: Vec<u64> = Vec::new();
        let read = t.batches(&mut |first, df| {
            for p in parse_batch(first, df, &kpis, subjects) {
                out.take_part(p, (&mut keyed, &mut others), keep, t, b);
            }
            Ok(())
        });
        read?;
        let repeated = repeats(others);
        // Sorted by key, then row: a duplicate follows the first occurrence.
        keyed.par_sort_unstable_by_key(|(e, row, _)| (e.subject, e.period, e.kpi, *row));
        let dups = duplicates(&keyed);
        // The first row of each key, if valid, in place of the keyed rows
        // (the iterator reuses their memory: 90 M targets are not held twice).
        let mut last: Option<(u32, u16, u16)> = None;
        out.entries = keyed
            .into_iter()
            .filter_map(|(e, _, ok)| {
                let is_first = last != Some(key(&e));
                last = Some(key(&e));
                (is_first && ok).then_some(e)
            })
            .collect();
        out.report_duplicates(dups, t, subjects, b);
        out.offsets = offsets(&out.entries, subjects.len());
        out.entries.shrink_to_fit();
        Ok((out, repeated))
    }

    /// A parsed part's problems go to `b`, its keyed rows to `keyed` with
    /// period indices into `self.periods` (new labels added), or only their
    /// keys to `others` when `keep` does not hold their period.
    fn take_part(
        &mut self,
        p: Part,
        (keyed, others): (&mut Vec<(Entry, u32, bool)>, &mut Vec<u64>),
        keep: &Keep,
        t: &Table,
        b: &mut Budget,
    ) {
        for (row, column, msg) in p.problems {
            b.cell(t, row, column, msg);
        }
        for (column, more) in p.more {
            b.more(t, column, more);
        }
        let map: Vec<u16> = p
            .periods
            .iter()
            .map(|x| match self.periods.iter().position(|y| y == x) {
                Some(i) => i as u16,
                None => {
                    self.periods.push(x.clone());
                    self.kept.push(keep.keeps(x));
                    (self.periods.len() - 1) as u16
                }
            })
            .collect();
        for (mut e, row, ok) in p.keyed {
            e.period = map[e.period as usize];
            if self.kept[e.period as usize] {
                keyed.push((e, row, ok));
            } else {
                let rest = u32::from(e.period) << 16 | u32::from(e.kpi);
                others.push(other_key(e.subject, rest));
            }
        }
    }

    /// Reports each duplicate (row, first row, entry) in row order.
    fn report_duplicates(
        &self,
        mut dups: Vec<(u32, u32, Entry)>,
        t: &Table,
        subjects: &Subjects,
        b: &mut Budget,
    ) {
        dups.sort_unstable_by_key(|d| (d.0, d.1));
        for (row, first, e) in dups {
            let row = row as usize;
            let (s, p, k) = (
                subjects.name(e.subject),
                &self.periods[e.period as usize],
                &self.kpis[e.kpi as usize],
            );
            b.push(
                t,
                "subject_id",
                t.row_error(
                    row,
                    format!(
                        "duplicate target for {s}, {p}, {k} (first on {})",
                        t.row_place(first as usize)
                    ),
                ),
            );
        }
    }
}

/// An entry's key: (subject, period, KPI).
fn key(e: &Entry) -> (u32, u16, u16) {
    (e.subject, e.period, e.kpi)
}

/// The rows that repeat an earlier row's key, as (row, first row, entry);
/// `keyed` is sorted by key, then row.
fn duplicates(keyed: &[(Entry, u32, bool)]) -> Vec<(u32, u32, Entry)> {
    let mut dups: Vec<(u32, u32, Entry)> = Vec::new();
    let mut first = 0usize;
    for i in 1..keyed.len() {
        let (e, row, _) = keyed[i];
        if key(&keyed[i - 1].0) == key(&e) {
            dups.push((row, keyed[first].1, e));
        } else {
            first = i;
        }
    }
    dups
}

/// Where each subject's entries start: subject `s` has
/// `offsets[s]..offsets[s + 1]` of the sorted `entries`.
fn offsets(entries: &[Entry], subjects: usize) -> Vec<usize> {
    let mut offsets = vec![0usize; subjects + 1];
    for e in entries {
        offsets[e.subject as usize + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    offsets
}

/// One batch parsed in parallel parts, in order; none when a column is
/// missing (the column check has reported it).
fn parse_batch(first: usize, df: &DataFrame, kpis: &[&str], subjects: &Subjects) -> Vec<Part> {
    let column = |name: &str| -> Option<StringChunked> {
        df.column(name).ok().and_then(|c| c.str().ok().cloned())
    };
    let (Some(subj), Some(per), Some(kpi), Some(val)) = (
        column("subject_id"),
        column("period"),
        column("kpi"),
        column("target"),
    ) else {
        return Vec::new();
    };
    slices(df.height(), 1 << 14)
        .par_iter()
        .map(|&(o, len)| {
            parse(
                first + o,
                &subj.slice(o as i64, len),
                &per.slice(o as i64, len),
                &kpi.slice(o as i64, len),
                &val.slice(o as i64, len),
                kpis,
                subjects,
            )
        })
        .collect()
}

/// One parsed part of the table.
struct Part {
    problems: Vec<(usize, &'static str, String)>,
    more: Vec<(&'static str, usize)>,
    periods: Vec<String>,
    /// Rows whose subject, period and KPI are valid; `true` when the row
    /// has no other problem.
    keyed: Vec<(Entry, u32, bool)>,
}

fn parse(
    first_row: usize,
    subj: &StringChunked,
    per: &StringChunked,
    kpi: &StringChunked,
    val: &StringChunked,
    kpis: &[&str],
    subjects: &Subjects,
) -> Part {
    let mut part = Part::new(subj.len());
    // Rows usually come grouped by subject, with KPIs in the same order:
    // remember the last subject (found or not) and the last valid period.
    let mut last_period: Option<(&str, u16)> = None;
    let mut last_subject: Option<(&str, Option<u32>)> = None;
    let mut last_kpi: usize = 0;
    for (i, (((s, p), k), v)) in subj
        .iter()
        .zip(per.iter())
        .zip(kpi.iter())
        .zip(val.iter())
        .enumerate()
    {
        let row = first_row + i;
        let (s, p, k) = (
            text(s).unwrap_or(""),
            text(p).unwrap_or(""),
            text(k).unwrap_or(""),
        );
        let mut ok = true;
        let s_ix = subjects.get_grouped(s, &mut last_subject);
        if s_ix.is_none() {
            part.problem(row, "subject_id", &|| {
                format!("unknown subject '{s}' (not an employee, a department or '{COMPANY}')")
            });
            ok = false;
        }
        let p_ix = match last_period {
            Some((x, ix)) if same(p, x) => Some(ix),
            _ => {
                let ix = part.period_of(row, p);
                last_period = ix.map(|ix| (p, ix));
                ix
            }
        };
        let k_ix = kpi_of(kpis, k, last_kpi);
        if let Some(k) = k_ix {
            last_kpi = k;
        }
        if k_ix.is_none() {
            part.problem(row, "kpi", &|| {
                format!("unknown KPI '{k}'{}", hint(k, kpis.iter().copied()))
            });
            ok = false;
        }
        let value = part.target(row, v.unwrap_or(""));
        if let (Some(subject), Some(period), Some(kpi)) = (s_ix, p_ix, k_ix) {
            part.keyed.push((
                Entry {
                    subject,
                    period,
                    kpi: kpi as u16,
                    value: value.unwrap_or_default(),
                },
                row as u32,
                ok && value.is_some(),
            ));
        }
    }
    part
}

/// The index of KPI `k` in `kpis`; `last` is the previous row's.
fn kpi_of(kpis: &[&str], k: &str, last: usize) -> Option<usize> {
    let next = (last + 1) % kpis.len().max(1);
    match kpis.get(next) {
        Some(x) if same(x, k) => Some(next),
        _ => kpis.iter().position(|x| same(x, k)),
    }
}

impl Part {
    fn new(rows: usize) -> Part {
        Part {
            problems: Vec::new(),
            more: Vec::new(),
            periods: Vec::new(),
            keyed: Vec::with_capacity(rows),
        }
    }

    /// A problem, listed while the column has few, counted after.
    fn problem(&mut self, row: usize, column: &'static str, msg: &dyn Fn() -> String) {
        let n = self.problems.iter().filter(|p| p.1 == column).count();
        if n <= MAX_PROBLEMS_PER_COLUMN {
            self.problems.push((row, column, msg()));
        } else if let Some(m) = self.more.iter_mut().find(|m| m.0 == column) {
            m.1 += 1;
        } else {
            self.more.push((column, 1));
        }
    }

    /// The index of period label `p` in this part (added when new), or
    /// `None` (reported) when it is not a period or one too many.
    fn period_of(&mut self, row: usize, p: &str) -> Option<u16> {
        match Period::parse(p) {
            Ok(_) => {
                let ix = match self.periods.iter().position(|x| x == p) {
                    Some(ix) => ix,
                    None => {
                        self.periods.push(p.to_owned());
                        self.periods.len() - 1
                    }
                };
                let ix = u16::try_from(ix).ok();
                if ix.is_none() {
                    self.problem(row, "period", &|| {
                        "more than 65535 different periods".into()
                    });
                }
                ix
            }
            Err(m) => {
                self.problem(row, "period", &|| m.clone());
                None
            }
        }
    }

    /// A target cell, which must be greater than zero; `None` (reported)
    /// otherwise.
    fn target(&mut self, row: usize, v: &str) -> Option<Decimal> {
        let parsed = match fast_decimal(v) {
            Some((m, scale)) => Ok(Decimal::from_i128_with_scale(
                i128::from(m),
                u32::from(scale),
            )),
            None => parse_decimal(v),
        };
        match parsed {
            Ok(v) if v <= Decimal::ZERO => {
                self.problem(row, "target", &|| {
                    format!("target {v} must be greater than zero")
                });
                None
            }
            Ok(v) => Some(v),
            Err(m) => {
                self.problem(row, "target", &|| m.clone());
                None
            }
        }
    }
}
