//! The period's monthly rows of some metrics, kept for the audit trace of
//! which input rows made each KPI actual.

use super::Metrics;
use crate::period::{Month, Period};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// One monthly row of a metric, as read, for the audit trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    pub month: Month,
    pub value: Decimal,
    /// 0-based data row in the metrics table.
    pub row: usize,
}

/// The period's rows of some metrics, grouped by subject: positions into
/// the compact chunks the table was read into, 4 bytes a row, rather than a
/// sorted copy of the rows (at a million employees a copy took 1.4 GB at
/// its peak, which the trace stage added to the run's).
pub struct MonthlyRows<'m> {
    metrics: &'m Metrics,
    /// Where each subject's rows start in `rows`; one more entry than
    /// subjects.
    starts: Vec<u32>,
    /// Positions in the chunks laid end to end, each subject's in table order.
    rows: Vec<u32>,
    /// Where each chunk ends in those positions.
    ends: Vec<usize>,
}

impl Metrics {
    /// The rows of `metrics` inside `period`, for tracing which input rows
    /// made each KPI actual. Same filter as [`Metrics::aggregate`].
    pub fn monthly_rows(&self, period: &Period, metrics: &BTreeSet<&str>) -> MonthlyRows<'_> {
        self.check_kept();
        let wanted: Vec<bool> = self
            .metric_names
            .iter()
            .map(|k| metrics.contains(k.as_str()))
            .collect();
        let in_period = self.months_in(period);
        let keep = |c: &super::Chunk, i: usize| {
            wanted[c.metric[i] as usize] && in_period[c.month[i] as usize]
        };
        let subjects = self
            .chunks
            .par_iter()
            .filter_map(|c| c.subject.iter().max())
            .max()
            .map_or(0, |&s| s as usize + 1);
        // A counting sort by subject: count, then place.
        let mut starts = vec![0u32; subjects + 1];
        for c in &self.chunks {
            for i in (0..c.subject.len()).filter(|&i| keep(c, i)) {
                starts[c.subject[i] as usize + 1] += 1;
            }
        }
        for s in 1..starts.len() {
            starts[s] += starts[s - 1];
        }
        let mut next = starts.clone();
        let mut rows = vec![0u32; starts[subjects] as usize];
        let (mut at, mut ends) = (0usize, Vec::with_capacity(self.chunks.len()));
        for c in &self.chunks {
            for i in (0..c.subject.len()).filter(|&i| keep(c, i)) {
                let slot = &mut next[c.subject[i] as usize];
                // A table of 4 billion rows could not have been read into memory.
                rows[*slot as usize] = (at + i) as u32;
                *slot += 1;
            }
            at += c.subject.len();
            ends.push(at);
        }
        MonthlyRows {
            metrics: self,
            starts,
            rows,
            ends,
        }
    }
}

impl MonthlyRows<'_> {
    /// The chunk and index of a position.
    fn at(&self, pos: u32) -> (&super::Chunk, usize) {
        let pos = pos as usize;
        let c = self.ends.partition_point(|&e| e <= pos);
        let start = if c == 0 { 0 } else { self.ends[c - 1] };
        (&self.metrics.chunks[c], pos - start)
    }

    /// The position of `metric` among the table's metrics.
    pub fn metric(&self, metric: &str) -> Option<usize> {
        self.metrics.metric_names.iter().position(|n| n == metric)
    }

    /// Every row of one subject inside the period, in table order, with
    /// the position of its metric and of its month in the month list.
    fn of_subject(&self, subject: u32) -> impl Iterator<Item = (usize, u16, MonthRow)> + '_ {
        let m = self.metrics;
        let s = subject as usize;
        let (lo, hi) = match (self.starts.get(s), self.starts.get(s + 1)) {
            (Some(&lo), Some(&hi)) => (lo as usize, hi as usize),
            _ => (0, 0),
        };
        self.rows[lo..hi].iter().map(move |&p| {
            let (c, i) = self.at(p);
            let k = c.metric[i] as usize;
            let row = MonthRow {
                month: m.month_list[c.month[i] as usize],
                value: Decimal::from_i128_with_scale(i128::from(c.value[i]), m.scales[k]),
                row: c.first_row + i,
            };
            (k, c.month[i], row)
        })
    }

    /// The rows of one subject's metric, by month.
    pub fn get(&self, subject: Option<u32>, metric: &str) -> Vec<MonthRow> {
        let (Some(s), Some(k)) = (subject, self.metric(metric)) else {
            return Vec::new();
        };
        let mut found: Vec<(u16, MonthRow)> = self
            .of_subject(s)
            .filter(|(m, _, _)| *m == k)
            .map(|(_, month, row)| (month, row))
            .collect();
        // Month indexes are chronological; a subject has one row per month.
        found.sort_by_key(|(month, _)| *month);
        found.into_iter().map(|(_, r)| r).collect()
    }

    /// All the rows of one subject, by metric (its [`MonthlyRows::metric`])
    /// then month, into `found`: each metric's run is what
    /// [`MonthlyRows::get`] gives. The trace reads a subject's rows once
    /// for all its KPIs.
    pub fn subject_into(&self, subject: u32, found: &mut Vec<(usize, MonthRow)>) {
        found.clear();
        found.extend(self.of_subject(subject).map(|(k, _, row)| (k, row)));
        // The month list is chronological, so months order as their indexes.
        found.sort_by_key(|(k, row)| (*k, row.month));
    }
}

#[cfg(test)]
mod monthly_rows_tests {
    use super::*;
    use crate::data::problems::Budget;
    use crate::data::table::Table;
    use crate::data::Subjects;

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
