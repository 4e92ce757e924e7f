//! The `metrics` table (long format: subject, month, metric, value) and its
//! aggregation over a period's months.
//!
//! Values are exact: each metric is stored as i64 mantissas at the largest
//! number of decimal places seen for that metric, so sums are integer sums —
//! exact and independent of thread order — turned back into `Decimal`s at
//! the end. A metric whose values could overflow that sum is an error rather
//! than a wrong number.
//!
//! Built for tens of millions of rows: the table is read in batches (polars,
//! every column as text), each batch is checked and converted in parallel
//! into four compact columns (subject index, month index, metric index,
//! mantissa; 16 bytes a row), and a period is aggregated in one pass into
//! dense per-(subject, metric) arrays. No text of a cell is kept.

use super::table::Table;
use super::{Budget, Subjects};
use crate::decimal::parse_decimal;
use crate::error::{Diagnostic, Error, Result};
use crate::period::{Month, Period};
use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

pub struct Metrics {
    /// The rows, in table order, in the parts they were read in.
    chunks: Vec<Chunk>,
    month_list: Vec<Month>,
    metric_names: Vec<String>,
    scales: Vec<u32>,
    /// Months present in the table.
    pub months: BTreeSet<Month>,
}

/// Rows `first_row..` of the table as compact columns.
struct Chunk {
    first_row: usize,
    subject: Vec<u32>,
    /// Index into `month_list` (chronological).
    month: Vec<u16>,
    metric: Vec<u16>,
    /// Mantissa at the metric's scale.
    value: Vec<i64>,
}

/// A metric of one subject aggregated over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agg {
    pub sum: Decimal,
    /// Months with a row.
    pub count: u32,
    /// Which months of the period have a row: bit `i` for its `i`-th month.
    pub months: u16,
    pub max: Decimal,
    pub min: Decimal,
    /// Value of the latest month with a row.
    pub last: Decimal,
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
        if n <= super::MAX_PROBLEMS_PER_COLUMN {
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

/// Parses `-?digits(.digits)?` with at most 18 digits, as `parse_decimal`
/// would, into a mantissa and a scale; anything else takes the slow path.
pub(super) fn fast_decimal(s: &str) -> Option<(i64, u8)> {
    let b = s.as_bytes();
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 || digits[0] == b'.' {
        return None;
    }
    let (mut m, mut scale, mut dot, mut n) = (0i64, 0u8, false, 0);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                if n == 18 {
                    return None;
                }
                m = m * 10 + i64::from(c - b'0');
                n += 1;
                if dot {
                    scale += 1;
                }
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n == 0 || (dot && scale == 0) {
        return None;
    }
    Some((if neg { -m } else { m }, scale))
}

/// `str::trim` without its work when there is nothing to trim.
pub(super) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b))
            if a.is_ascii()
                && b.is_ascii()
                && !a.is_ascii_whitespace()
                && !b.is_ascii_whitespace() =>
        {
            s
        }
        _ => s.trim(),
    }
}

/// Equality of short identifiers without a library call.
pub(super) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |x: &[u8]| u64::from_le_bytes(x.try_into().expect("8 bytes"));
    match n {
        0 => true,
        1..=7 => a.iter().zip(b).all(|(x, y)| x == y),
        8..=16 => word(&a[..8]) == word(&b[..8]) && word(&a[n - 8..]) == word(&b[n - 8..]),
        _ => a == b,
    }
}

/// The cells of several text columns, row by row, read from the arrow
/// arrays directly (the columns' parts are aligned when read together).
pub(super) struct Cells<'a, const N: usize> {
    cols: [StringChunked; N],
    _c: std::marker::PhantomData<&'a ()>,
}

impl<'a, const N: usize> Cells<'a, N> {
    pub(super) fn new(cols: [&'a StringChunked; N]) -> Self {
        let aligned = cols
            .iter()
            .all(|c| c.chunk_lengths().eq(cols[0].chunk_lengths()));
        let cols = cols.map(|c| {
            if aligned {
                c.clone()
            } else {
                c.rechunk().into_owned()
            }
        });
        Cells {
            cols,
            _c: std::marker::PhantomData,
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = [Option<&str>; N]> + '_ {
        type Text = <StringType as PolarsDataType>::Array;
        let chunks: Vec<Vec<&Text>> = self
            .cols
            .iter()
            .map(|c| c.downcast_iter().collect())
            .collect();
        let parts = chunks[0].len();
        (0..parts).flat_map(move |p| {
            let mut its = std::array::from_fn::<_, N, _>(|c| chunks[c][p].iter());
            std::iter::from_fn(move || {
                let mut row = [None; N];
                for (cell, it) in row.iter_mut().zip(its.iter_mut()) {
                    *cell = it.next()?;
                }
                Some(row)
            })
        })
    }
}

fn convert(
    subjects: &Subjects,
    first_row: usize,
    subj: &StringChunked,
    month: &StringChunked,
    metric: &StringChunked,
    value: &StringChunked,
) -> Part {
    let n = subj.len();
    let mut p = Part {
        first_row,
        subject: Vec::with_capacity(n),
        month: Vec::with_capacity(n),
        metric: Vec::with_capacity(n),
        value: Vec::with_capacity(n),
        scale: Vec::with_capacity(n),
        months: Vec::new(),
        metrics: Vec::new(),
        found: Found::default(),
    };
    // Rows usually come grouped: remember the last subject, month and metric
    // that were valid (a failed cell is looked at again on the next row).
    let mut last_s: Option<(&str, u32)> = None;
    let mut last_m: Option<(&str, u16)> = None;
    let mut last_k: Option<(&str, u16)> = None;
    let is_last = |x: &str, last: Option<&str>| last.is_some_and(|l| same(x, l));
    let cells = Cells::new([subj, month, metric, value]);
    for (i, [s, m, k, v]) in cells.iter().enumerate() {
        let row = first_row + i;
        let s = trim(s.unwrap_or(""));
        if !is_last(s, last_s.map(|l| l.0)) {
            match subjects.get(s) {
                Some(ix) => last_s = Some((s, ix)),
                None => {
                    if s.is_empty() {
                        p.found.push(row, "subject_id", || {
                            "empty value where one is required".into()
                        });
                    } else {
                        p.found.push(row, "subject_id", || format!("unknown subject '{s}' (not an employee, a department or 'company')"));
                    }
                    last_s = None;
                }
            }
        }
        p.subject.push(last_s.map_or(0, |l| l.1));

        let m = trim(m.unwrap_or(""));
        if !is_last(m, last_m.map(|l| l.0)) {
            match Month::parse(m) {
                Some(mo) => {
                    let ix = match p.months.iter().position(|x| *x == mo) {
                        Some(ix) => ix,
                        None => {
                            p.months.push(mo);
                            p.months.len() - 1
                        }
                    };
                    last_m = Some((m, ix as u16));
                }
                None => {
                    p.found
                        .push(row, "month", || format!("'{m}' is not a month (YYYY-MM)"));
                    last_m = None;
                }
            }
        }
        p.month.push(last_m.map_or(0, |l| l.1));

        let k = trim(k.unwrap_or(""));
        if k.is_empty() {
            p.found
                .push(row, "metric", || "empty value where one is required".into());
        }
        if !is_last(k, last_k.map(|l| l.0)) {
            // Metrics usually repeat in the same order: try the next one first.
            let next = last_k.map_or(0, |l| l.1 as usize + 1) % p.metrics.len().max(1);
            let found = match p.metrics.get(next) {
                Some(x) if same(x, k) => Some(next),
                _ => p.metrics.iter().position(|x| same(x, k)),
            };
            let ix = match found {
                Some(ix) => ix,
                None => {
                    p.metrics.push(k.to_owned());
                    p.metrics.len() - 1
                }
            };
            last_k = Some((k, ix as u16));
        }
        p.metric.push(last_k.map_or(0, |l| l.1));

        let v = v.unwrap_or("");
        let (mantissa, scale) = match fast_decimal(v) {
            Some(x) => x,
            None => match parse_decimal(v) {
                Ok(d) => match i64::try_from(d.mantissa()) {
                    Ok(m) => (m, d.scale() as u8),
                    Err(_) => {
                        p.found.push(row, "value", || {
                            format!("{v} has more digits than merit sums exactly (18 at most)")
                        });
                        (0, 0)
                    }
                },
                Err(msg) => {
                    p.found.push(row, "value", || msg);
                    (0, 0)
                }
            },
        };
        p.value.push(mantissa);
        p.scale.push(scale);
    }
    p
}

impl Metrics {
    /// Reads, parses and checks every row of the table; problems go to `budget`.
    pub(super) fn read(
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
            let step = (n / (4 * rayon::current_num_threads()).max(1)).clamp(1 << 16, 1 << 18);
            let ranges: Vec<(usize, usize)> =
                (0..n).step_by(step).map(|o| (o, step.min(n - o))).collect();
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
        let mut month_list: Vec<Month> = parts
            .iter()
            .flat_map(|p| p.months.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        month_list.shrink_to_fit();
        if month_list.len() > usize::from(u16::MAX) {
            budget.push(
                t,
                "month",
                Diagnostic::error(&t.path, "more than 65535 different months"),
            );
            return None;
        }
        let mut metric_names: Vec<String> = Vec::new();
        for p in &parts {
            for k in &p.metrics {
                if !metric_names.contains(k) {
                    metric_names.push(k.clone());
                }
            }
        }
        let mut scales = vec![0u32; metric_names.len()];
        let maps: Vec<(Vec<u16>, Vec<u16>)> = parts
            .iter()
            .map(|p| {
                let months = p
                    .months
                    .iter()
                    .map(|m| month_list.binary_search(m).expect("month listed") as u16)
                    .collect();
                let metrics = p
                    .metrics
                    .iter()
                    .map(|k| {
                        metric_names
                            .iter()
                            .position(|x| x == k)
                            .expect("metric listed") as u16
                    })
                    .collect();
                (months, metrics)
            })
            .collect();
        // Largest scale per metric, over all parts.
        let part_scales: Vec<Vec<u32>> = parts
            .par_iter()
            .zip(&maps)
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
        // Each part becomes a chunk in place: common dictionaries, common scale.
        let done: Vec<(Chunk, Vec<i128>)> = parts
            .into_par_iter()
            .zip(maps)
            .map(|(p, (mm, km))| {
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
                    // Too large at the metric's scale: the sum check below
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
            })
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
                budget.cell(t, 0, "value", format!("the values of metric '{}' are too large to sum exactly at {} decimal places", metric_names[k], scales[k]));
                ok = false;
            }
        }
        let metrics = Metrics {
            chunks,
            months: month_list.iter().copied().collect(),
            month_list,
            metric_names,
            scales,
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
                            "duplicate row for {}, {}, {} (first on line {})",
                            subjects.name(c.subject[i]),
                            self.month_list[c.month[i] as usize],
                            self.metric_names[c.metric[i] as usize],
                            f + 2
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

impl Metrics {
    /// Metric names present in the table.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.metric_names.iter().map(String::as_str)
    }

    /// The period must have metric rows in at least one of its months; which
    /// months each KPI needs is the KPI's `missing_months` rule.
    pub fn check_period(&self, period: &Period, file: &std::path::Path) -> Result<()> {
        if period.months().any(|m| self.months.contains(&m)) {
            return Ok(());
        }
        let available = match (self.months.first(), self.months.last()) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "none".into(),
        };
        Err(Error::one(Diagnostic::error(
            file,
            format!("period {period} has no metric rows in any of its months (months available: {available})"),
        )))
    }

    /// Whether each month of the table is inside `period`.
    fn months_in(&self, period: &Period) -> Vec<bool> {
        self.month_list
            .iter()
            .map(|m| period.contains(*m))
            .collect()
    }

    /// Rows in the table.
    pub fn rows(&self) -> usize {
        self.chunks.iter().map(|c| c.subject.len()).sum()
    }

    /// Sum and count (and with `extremes`, max, min and last) of each
    /// (subject, metric) over the period's months, for the given metrics:
    /// one pass over the rows into dense arrays.
    pub fn aggregate(
        &self,
        period: &Period,
        metrics: &BTreeSet<&str>,
        extremes: bool,
        subjects: usize,
    ) -> Aggs {
        let names: Vec<String> = metrics.iter().map(|m| (*m).to_owned()).collect();
        let width = names.len();
        let slot: Vec<Option<usize>> = self
            .metric_names
            .iter()
            .map(|k| names.iter().position(|n| n == k))
            .collect();
        let in_period = self.months_in(period);
        let cells = subjects * width;
        let mut a = Aggs {
            scales: names
                .iter()
                .map(|n| {
                    self.metric_names
                        .iter()
                        .position(|k| k == n)
                        .map_or(0, |k| self.scales[k])
                })
                .collect(),
            names,
            width,
            sum: vec![0; cells],
            count: vec![0; cells],
            max: if extremes {
                vec![i64::MIN; cells]
            } else {
                Vec::new()
            },
            min: if extremes {
                vec![i64::MAX; cells]
            } else {
                Vec::new()
            },
            last: if extremes { vec![0; cells] } else { Vec::new() },
            last_month: if extremes { vec![0; cells] } else { Vec::new() },
            months: vec![0; cells],
        };
        // Each month's position in the period (at most 12 months), counted
        // from the period's start, not among the months that have data.
        let position: Vec<u32> = self
            .month_list
            .iter()
            .map(|m| period.months().position(|p| p == *m).unwrap_or(0) as u32)
            .collect();
        for c in &self.chunks {
            for i in 0..c.subject.len() {
                let (Some(s), true) = (slot[c.metric[i] as usize], in_period[c.month[i] as usize])
                else {
                    continue;
                };
                let cell = c.subject[i] as usize * width + s;
                if cell >= cells {
                    continue;
                }
                let v = c.value[i];
                a.sum[cell] += v;
                a.count[cell] += 1;
                a.months[cell] |= 1 << position[c.month[i] as usize];
                if extremes {
                    a.max[cell] = a.max[cell].max(v);
                    a.min[cell] = a.min[cell].min(v);
                    // Months are indexed chronologically; index + 1 so 0 means none.
                    let m = c.month[i] + 1;
                    if m > a.last_month[cell] {
                        a.last_month[cell] = m;
                        a.last[cell] = v;
                    }
                }
            }
        }
        a
    }
}

/// Aggregates of a period: one cell per (subject index, wanted metric).
pub struct Aggs {
    names: Vec<String>,
    width: usize,
    scales: Vec<u32>,
    sum: Vec<i64>,
    count: Vec<u32>,
    max: Vec<i64>,
    min: Vec<i64>,
    last: Vec<i64>,
    last_month: Vec<u16>,
    months: Vec<u16>,
}

impl Aggs {
    /// The aggregate of `metric` for the subject with index `subject`, or
    /// `None` when it has no rows in the period.
    pub fn get(&self, subject: Option<u32>, metric: &str) -> Option<Agg> {
        self.at(subject, self.slot(metric))
    }

    /// The column of `metric`, for [`Aggs::at`].
    pub fn slot(&self, metric: &str) -> Option<usize> {
        self.names.iter().position(|n| n == metric)
    }

    /// [`Aggs::get`] with the metric's column already found.
    pub fn at(&self, subject: Option<u32>, slot: Option<usize>) -> Option<Agg> {
        let s = slot?;
        let c = subject? as usize * self.width + s;
        let count = *self.count.get(c)?;
        if count == 0 {
            return None;
        }
        let d = |v: i64| Decimal::from_i128_with_scale(i128::from(v), self.scales[s]);
        let or_sum = |v: &[i64]| v.get(c).map_or(d(self.sum[c]), |x| d(*x));
        Some(Agg {
            sum: d(self.sum[c]),
            count,
            months: self.months[c],
            max: or_sum(&self.max),
            min: or_sum(&self.min),
            last: or_sum(&self.last),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_parse_decimal() {
        for t in [
            "0",
            "12",
            "-7",
            "12.50",
            "0.001",
            "-0.5",
            "123456789012345678",
        ] {
            let (m, s) = fast_decimal(t).unwrap();
            let d = parse_decimal(t).unwrap();
            assert_eq!(
                Decimal::from_i128_with_scale(i128::from(m), u32::from(s)),
                d,
                "{t}"
            );
            assert_eq!(u32::from(s), d.scale(), "{t}");
        }
        for t in [
            " 1",
            "1.",
            ".5",
            "+1",
            "1e3",
            "",
            "-",
            "1.2.3",
            "1234567890123456789",
            "NaN",
        ] {
            assert_eq!(fast_decimal(t), None, "{t}");
        }
    }
}

/// One monthly row of a metric, as read, for the audit trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    pub month: Month,
    pub value: Decimal,
    /// 0-based data row in the metrics table.
    pub row: usize,
}

/// The period's rows of some metrics, sorted by (subject, metric, month) so
/// one subject's rows are found by binary search without a per-key map.
pub struct MonthlyRows {
    /// (subject index, metric index, month index, 0-based table row), sorted.
    keys: Vec<(u32, u16, u16, u32)>,
    value: Vec<i64>,
    metric_names: Vec<String>,
    month_list: Vec<Month>,
    scales: Vec<u32>,
}

impl Metrics {
    /// The rows of `metrics` inside `period`, for tracing which input rows
    /// made each KPI actual. Same filter as [`Metrics::aggregate`].
    pub fn monthly_rows(&self, period: &Period, metrics: &BTreeSet<&str>) -> MonthlyRows {
        let wanted: Vec<bool> = self
            .metric_names
            .iter()
            .map(|k| metrics.contains(k.as_str()))
            .collect();
        let in_period = self.months_in(period);
        let mut rows: Vec<((u32, u16, u16, u32), i64)> = self
            .chunks
            .par_iter()
            .flat_map_iter(|c| {
                let (wanted, in_period) = (&wanted, &in_period);
                (0..c.subject.len())
                    .filter(move |&i| {
                        wanted[c.metric[i] as usize] && in_period[c.month[i] as usize]
                    })
                    .map(move |i| {
                        (
                            (
                                c.subject[i],
                                c.metric[i],
                                c.month[i],
                                (c.first_row + i) as u32,
                            ),
                            c.value[i],
                        )
                    })
            })
            .collect();
        rows.par_sort_unstable_by_key(|r| r.0);
        let (keys, value) = rows.into_iter().unzip();
        MonthlyRows {
            keys,
            value,
            metric_names: self.metric_names.clone(),
            month_list: self.month_list.clone(),
            scales: self.scales.clone(),
        }
    }
}

impl MonthlyRows {
    /// The rows of one subject's metric, by month.
    pub fn get(&self, subject: Option<u32>, metric: &str) -> Vec<MonthRow> {
        let (Some(s), Some(k)) = (subject, self.metric_names.iter().position(|n| n == metric))
        else {
            return Vec::new();
        };
        let k = k as u16;
        let lo = self.keys.partition_point(|r| (r.0, r.1) < (s, k));
        (lo..self.keys.len())
            .take_while(|&i| (self.keys[i].0, self.keys[i].1) == (s, k))
            .map(|i| MonthRow {
                month: self.month_list[self.keys[i].2 as usize],
                value: Decimal::from_i128_with_scale(
                    i128::from(self.value[i]),
                    self.scales[k as usize],
                ),
                row: self.keys[i].3 as usize,
            })
            .collect()
    }
}

#[cfg(test)]
mod monthly_rows_tests {
    use super::*;

    #[test]
    fn rows_are_found_by_subject_and_metric_in_month_order() {
        // Mixed case, digits and CJK subjects, rows out of order.
        let csv = "subject_id,month,metric,value\n\
                   运营,2026-08,gmv,2.5\n\
                   b,2026-07,gmv,1\n\
                   B,2026-07,gmv,3\n\
                   运营,2026-07,gmv,1.25\n\
                   a1,2026-07,uv,9\n\
                   运营,2026-07,uv,7\n\
                   运营,2026-10,gmv,100\n";
        let dir = std::env::temp_dir().join(format!("merit-monthly-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("metrics.csv");
        std::fs::write(&path, csv).unwrap();
        let t = Table::open_batched("metrics", &path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let mut subjects = Subjects::default();
        for s in ["运营", "b", "B", "a1", "zz"] {
            subjects.add(s);
        }
        let mut diags = crate::error::Diagnostics::default();
        let mut budget = Budget::new(&mut diags);
        let m = Metrics::read(&t, &subjects, &mut budget).unwrap().unwrap();
        drop(budget);
        assert!(!diags.has_errors());
        let q3 = Period::parse("2026-Q3").unwrap();
        let rows = m.monthly_rows(&q3, &["gmv", "uv"].into_iter().collect());
        let get = |s: &str, k: &str| rows.get(subjects.get(s), k);
        let got: Vec<(String, String, usize)> = get("运营", "gmv")
            .into_iter()
            .map(|r| (r.month.to_string(), r.value.to_string(), r.row))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-07".to_string(), "1.25".to_string(), 3),
                ("2026-08".to_string(), "2.50".to_string(), 0)
            ]
        );
        assert_eq!(get("B", "gmv")[0].value.to_string(), "3.00");
        assert_eq!(get("b", "gmv")[0].row, 1);
        assert_eq!(get("运营", "uv")[0].value.to_string(), "7");
        assert!(get("a1", "gmv").is_empty());
        assert!(get("zz", "gmv").is_empty());
        assert!(rows.get(None, "gmv").is_empty());
    }
}
