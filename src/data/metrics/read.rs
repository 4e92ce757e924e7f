//! Reading the metrics table: each batch converted in parallel parts with
//! dictionaries of their own, then joined under common dictionaries and
//! scales, with duplicate rows and sums that could overflow reported.

use super::{Chunk, Metrics};
use crate::data::fast::{fast_decimal, same, slices, trim, Cells};
use crate::data::problems::{Budget, MAX_PROBLEMS_PER_COLUMN};
use crate::data::table::Table;
use crate::data::Subjects;
use crate::decimal::parse_decimal;
use crate::error::{Diagnostic, Error, Result};
use crate::period::Month;
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Distinct months and metric names a metrics table may hold (indexes are
/// 16-bit; a plan uses a few dozen metrics over a few years).
const MAX_DISTINCT: usize = 4096;

fn too_many(what: &str) -> String {
    format!("more than {MAX_DISTINCT} different {what} in the metrics table: is the column right?")
}

/// Problems of one column in one part of the table: the first few, and a count.
#[derive(Default)]
struct Found {
    listed: Vec<(usize, &'static str, String)>,
    more: BTreeMap<&'static str, usize>,
}

impl Found {
    fn push(&mut self, row: usize, column: &'static str, msg: impl FnOnce() -> String) {
        let n = self.listed.iter().filter(|p| p.1 == column).count();
        if n <= MAX_PROBLEMS_PER_COLUMN {
            self.listed.push((row, column, msg()));
        } else {
            *self.more.entry(column).or_default() += 1;
        }
    }
}

/// One converted part of the table, with its own dictionaries.
struct Part {
    first_row: usize,
    subject: Vec<u32>,
    month: Vec<u16>,
    metric: Vec<u16>,
    value: Vec<i64>,
    scale: Vec<u8>,
    months: Vec<Month>,
    metrics: Vec<String>,
    found: Found,
}

fn convert(
    subjects: &Subjects,
    first_row: usize,
    subj: &StringChunked,
    month: &StringChunked,
    metric: &StringChunked,
    value: &StringChunked,
) -> Part {
    let mut p = Part::new(first_row, subj.len());
    // Rows usually come grouped: remember the last subject, month and metric
    // that were valid (a failed cell is looked at again on the next row).
    let mut last_s: Option<(&str, u32)> = None;
    let mut last_m: Option<(&str, u16)> = None;
    let mut last_k: Option<(&str, u16)> = None;
    let cells = Cells::new([subj, month, metric, value]);
    for (i, [s, m, k, v]) in cells.iter().enumerate() {
        let row = first_row + i;
        let s = trim(s.unwrap_or(""));
        if !is_last(s, last_s.map(|l| l.0)) {
            last_s = p.subject_of(subjects, row, s, last_s.map(|l| l.1));
        }
        p.subject.push(last_s.map_or(0, |l| l.1));

        let m = trim(m.unwrap_or(""));
        if !is_last(m, last_m.map(|l| l.0)) {
            last_m = p.month_of(row, m);
        }
        p.month.push(last_m.map_or(0, |l| l.1));

        let k = trim(k.unwrap_or(""));
        if k.is_empty() {
            p.found
                .push(row, "metric", || "empty value where one is required".into());
        }
        if !is_last(k, last_k.map(|l| l.0)) {
            last_k = p.metric_of(row, k, last_k.map(|l| l.1)).map(|ix| (k, ix));
        }
        p.metric.push(last_k.map_or(0, |l| l.1));

        let (mantissa, scale) = p.found.value(row, v.unwrap_or(""));
        p.value.push(mantissa);
        p.scale.push(scale);
    }
    p
}

/// Whether `x` is the cell last looked up.
fn is_last(x: &str, last: Option<&str>) -> bool {
    last.is_some_and(|l| same(x, l))
}

impl Part {
    fn new(first_row: usize, n: usize) -> Part {
        Part {
            first_row,
            subject: Vec::with_capacity(n),
            month: Vec::with_capacity(n),
            metric: Vec::with_capacity(n),
            value: Vec::with_capacity(n),
            scale: Vec::with_capacity(n),
            months: Vec::new(),
            metrics: Vec::new(),
            found: Found::default(),
        }
    }

    /// The subject `s` with its index, or `None` (reported) when unknown.
    fn subject_of<'c>(
        &mut self,
        subjects: &Subjects,
        row: usize,
        s: &'c str,
        prev: Option<u32>,
    ) -> Option<(&'c str, u32)> {
        match subjects.get_after(s, prev) {
            Some(ix) => Some((s, ix)),
            None => {
                if s.is_empty() {
                    self.found.push(row, "subject_id", || {
                        "empty value where one is required".into()
                    });
                } else {
                    self.found.push(row, "subject_id", || {
                        format!(
                            "unknown subject '{s}' (not an employee, a department or 'company')"
                        )
                    });
                }
                None
            }
        }
    }

    /// The month `m` with its index in this part, or `None` (reported) when
    /// it is not a month.
    fn month_of<'c>(&mut self, row: usize, m: &'c str) -> Option<(&'c str, u16)> {
        match Month::parse(m) {
            Some(mo) => {
                let ix = match self.months.iter().position(|x| *x == mo) {
                    Some(ix) => ix,
                    None if self.months.len() >= MAX_DISTINCT => {
                        self.found.push(row, "month", || too_many("months"));
                        return None;
                    }
                    None => {
                        self.months.push(mo);
                        self.months.len() - 1
                    }
                };
                // Below MAX_DISTINCT: fits the u16 index.
                Some((m, ix as u16))
            }
            None => {
                self.found
                    .push(row, "month", || format!("'{m}' is not a month (YYYY-MM)"));
                None
            }
        }
    }

    /// The index of metric `k` in this part, added when new; `last` is the
    /// index of the previous row's metric.
    fn metric_of(&mut self, row: usize, k: &str, last: Option<u16>) -> Option<u16> {
        // Metrics usually repeat in the same order: try the next one first.
        let next = last.map_or(0, |l| l as usize + 1) % self.metrics.len().max(1);
        let found = match self.metrics.get(next) {
            Some(x) if same(x, k) => Some(next),
            _ => self.metrics.iter().position(|x| same(x, k)),
        };
        let ix = match found {
            Some(ix) => ix,
            None if self.metrics.len() >= MAX_DISTINCT => {
                self.found.push(row, "metric", || too_many("metric names"));
                return None;
            }
            None => {
                self.metrics.push(k.to_owned());
                self.metrics.len() - 1
            }
        };
        // Below MAX_DISTINCT: fits the u16 index.
        Some(ix as u16)
    }
}

impl Found {
    /// A value cell as (mantissa, scale); (0, 0) with a problem when it is
    /// not a number or has more digits than an exact sum allows.
    fn value(&mut self, row: usize, v: &str) -> (i64, u8) {
        match fast_decimal(v) {
            Some(x) => x,
            None => match parse_decimal(v) {
                Ok(d) => match i64::try_from(d.mantissa()) {
                    Ok(m) => (m, d.scale() as u8),
                    Err(_) => {
                        self.push(row, "value", || {
                            format!("{v} has more digits than merit sums exactly (18 at most)")
                        });
                        (0, 0)
                    }
                },
                Err(msg) => {
                    self.push(row, "value", || msg);
                    (0, 0)
                }
            },
        }
    }
}

impl Metrics {
    /// Reads, parses and checks every row of the table; problems go to `budget`.
    pub(in crate::data) fn read(
        t: &Table,
        subjects: &Subjects,
        budget: &mut Budget,
    ) -> Result<Option<Metrics>> {
        let mut parts: Vec<Part> = Vec::new();
        let progress = crate::progress::Stage::new("read metrics", t.rows_estimate() as u64);
        t.batches(&mut |first, df| {
            let c = |name: &str| -> Result<StringChunked> {
                df.column(name)
                    .and_then(|c| c.str().cloned())
                    .map_err(|e| Error::one(Diagnostic::error(&t.path, e.to_string())))
            };
            let (s, m, k, v) = (c("subject_id")?, c("month")?, c("metric")?, c("value")?);
            let n = df.height();
            // Slices of about 256k rows keep both cores busy.
            let ranges = slices(n, 1 << 16);
            let converted: Vec<Part> = ranges
                .par_iter()
                .map(|&(o, len)| {
                    convert(
                        subjects,
                        first + o,
                        &s.slice(o as i64, len),
                        &m.slice(o as i64, len),
                        &k.slice(o as i64, len),
                        &v.slice(o as i64, len),
                    )
                })
                .collect();
            parts.extend(converted);
            progress.set((first + n) as u64);
            Ok(())
        })?;
        progress.finish();

        let mut ok = true;
        for p in &mut parts {
            for (row, column, msg) in p.found.listed.drain(..) {
                budget.cell(t, row, column, msg);
                ok = false;
            }
            for (column, n) in &p.found.more {
                budget.more(t, column, *n);
                ok = false;
            }
        }
        if !ok {
            return Ok(None);
        }
        Ok(Self::merge(parts, t, subjects, budget))
    }

    /// Joins the parts under common dictionaries, brings each metric to its
    /// largest scale and checks duplicate rows and sums that could overflow.
    fn merge(
        parts: Vec<Part>,
        t: &Table,
        subjects: &Subjects,
        budget: &mut Budget,
    ) -> Option<Metrics> {
        let rows: usize = parts.iter().map(|p| p.subject.len()).sum();
        let stage = crate::progress::Stage::work("check metrics", rows as u64);
        let month_list = common_months(&parts);
        let metric_names = common_metrics(&parts);
        for (n, what, column) in [
            (month_list.len(), "months", "month"),
            (metric_names.len(), "metric names", "metric"),
        ] {
            if n > MAX_DISTINCT {
                budget.push(t, column, Diagnostic::error(&t.path, too_many(what)));
                return None;
            }
        }
        let maps = dictionary_maps(&parts, &month_list, &metric_names);
        let scales = largest_scales(&parts, &maps, metric_names.len());
        // Each part becomes a chunk in place: common dictionaries, common scale.
        let done: Vec<(Chunk, Vec<i128>)> = parts
            .into_par_iter()
            .zip(maps)
            .map(|(p, (mm, km))| into_chunk(p, &mm, &km, &scales))
            .collect();
        let mut magnitude = vec![0i128; scales.len()];
        let mut chunks = Vec::with_capacity(done.len());
        for (c, m) in done {
            for (a, b) in magnitude.iter_mut().zip(m) {
                *a = a.saturating_add(b);
            }
            chunks.push(c);
        }
        let mut ok = true;
        for (k, total) in magnitude.iter().enumerate() {
            if *total > i128::from(i64::MAX) {
                // A whole metric, not a row: named without a line.
                let msg = format!("column 'value': the values of metric '{}' are too large to sum exactly at {} decimal places", metric_names[k], scales[k]);
                budget.push(t, "value", Diagnostic::error(&t.path, msg));
                ok = false;
            }
        }
        let metrics = Metrics {
            chunks,
            months: month_list.iter().copied().collect(),
            month_list,
            metric_names,
            scales,
            sim_first: None,
            sim_chunk: false,
            released: false,
        };
        ok &= metrics.check_duplicates(t, subjects, budget);
        stage.finish();
        ok.then_some(metrics)
    }

    /// One row per (subject, month, metric): a bitmap over the key space,
    /// set in parallel, when it is small enough; sorted keys otherwise.
    fn check_duplicates(&self, t: &Table, subjects: &Subjects, budget: &mut Budget) -> bool {
        use std::sync::atomic::{AtomicU64, Ordering};
        let (nm, nk) = (self.month_list.len() as u64, self.metric_names.len() as u64);
        let ns = subjects.len() as u64;
        let key = |c: &Chunk, i: usize| {
            (u64::from(c.subject[i]) * nk + u64::from(c.metric[i])) * nm + u64::from(c.month[i])
        };
        let bits = ns * nk * nm;
        let mut dup_keys: BTreeSet<u64> = BTreeSet::new();
        if bits <= 1 << 34 {
            let seen: Vec<AtomicU64> = (0..bits.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
            let found: Vec<Vec<u64>> = self
                .chunks
                .par_iter()
                .map(|c| {
                    let mut dups = Vec::new();
                    for i in 0..c.subject.len() {
                        let k = key(c, i);
                        let b = 1u64 << (k % 64);
                        if seen[(k / 64) as usize].fetch_or(b, Ordering::Relaxed) & b != 0 {
                            dups.push(k);
                        }
                    }
                    dups
                })
                .collect();
            dup_keys.extend(found.into_iter().flatten());
        } else {
            let mut keys: Vec<u64> = self
                .chunks
                .par_iter()
                .flat_map_iter(|c| (0..c.subject.len()).map(move |i| key(c, i)))
                .collect();
            keys.par_sort_unstable();
            dup_keys.extend(keys.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]));
        }
        if dup_keys.is_empty() {
            return true;
        }
        let mut first: BTreeMap<u64, usize> = BTreeMap::new();
        for c in &self.chunks {
            for i in 0..c.subject.len() {
                let k = key(c, i);
                if !dup_keys.contains(&k) {
                    continue;
                }
                let row = c.first_row + i;
                match first.get(&k) {
                    Some(f) => budget.cell(
                        t,
                        row,
                        "metric",
                        format!(
                            "duplicate row for {}, {}, {} (first on {})",
                            subjects.name(c.subject[i]),
                            self.month_list[c.month[i] as usize],
                            self.metric_names[c.metric[i] as usize],
                            t.row_place(*f)
                        ),
                    ),
                    None => {
                        first.insert(k, row);
                    }
                }
            }
        }
        false
    }
}

/// Every month of the parts, in order.
fn common_months(parts: &[Part]) -> Vec<Month> {
    let mut month_list: Vec<Month> = parts
        .iter()
        .flat_map(|p| p.months.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    month_list.shrink_to_fit();
    month_list
}

/// Every metric of the parts, in order of appearance.
fn common_metrics(parts: &[Part]) -> Vec<String> {
    let mut metric_names: Vec<String> = Vec::new();
    for p in parts {
        for k in &p.metrics {
            if !metric_names.contains(k) {
                metric_names.push(k.clone());
            }
        }
    }
    metric_names
}

/// For each part, its month and metric indices in the common dictionaries.
fn dictionary_maps(
    parts: &[Part],
    month_list: &[Month],
    metric_names: &[String],
) -> Vec<(Vec<u16>, Vec<u16>)> {
    parts
        .iter()
        .map(|p| {
            let months = p
                .months
                .iter()
                // month_list is the union of every part's months (the caller).
                .map(|m| month_list.binary_search(m).expect("month listed") as u16)
                .collect();
            let metrics = p
                .metrics
                .iter()
                .map(|k| {
                    metric_names
                        .iter()
                        .position(|x| x == k)
                        // metric_names is the union of every part's metrics (the caller).
                        .expect("metric listed") as u16
                })
                .collect();
            (months, metrics)
        })
        .collect()
}

/// Largest scale per metric, over all parts.
fn largest_scales(parts: &[Part], maps: &[(Vec<u16>, Vec<u16>)], metrics: usize) -> Vec<u32> {
    let mut scales = vec![0u32; metrics];
    let part_scales: Vec<Vec<u32>> = parts
        .par_iter()
        .zip(maps)
        .map(|(p, (_, km))| {
            let mut sc = vec![0u32; scales.len()];
            for (k, s) in p.metric.iter().zip(&p.scale) {
                let g = km[*k as usize] as usize;
                sc[g] = sc[g].max(u32::from(*s));
            }
            sc
        })
        .collect();
    for sc in &part_scales {
        for (g, s) in sc.iter().enumerate() {
            scales[g] = scales[g].max(*s);
        }
    }
    scales
}

/// Part `p` as a chunk under the common dictionaries (`mm` for months, `km`
/// for metrics) at each metric's common scale, with the sum of the absolute
/// values of each metric (saturating).
fn into_chunk(p: Part, mm: &[u16], km: &[u16], scales: &[u32]) -> (Chunk, Vec<i128>) {
    let Part {
        first_row,
        subject,
        mut month,
        mut metric,
        mut value,
        scale,
        ..
    } = p;
    for m in &mut month {
        *m = mm[*m as usize];
    }
    for k in &mut metric {
        *k = km[*k as usize];
    }
    let mut magnitude = vec![0i128; scales.len()];
    for ((v, s), k) in value.iter_mut().zip(&scale).zip(&metric) {
        let k = *k as usize;
        // Too large at the metric's scale: the sum check in `merge`
        // reports the metric (the magnitude saturates).
        let x = 10i128
            .checked_pow(scales[k] - u32::from(*s))
            .and_then(|p| i128::from(*v).checked_mul(p))
            .unwrap_or(i128::MAX);
        magnitude[k] = magnitude[k].saturating_add(x.saturating_abs());
        *v = i64::try_from(x).unwrap_or(i64::MAX);
    }
    let chunk = Chunk {
        first_row,
        subject,
        month,
        metric,
        value,
    };
    (chunk, magnitude)
}
