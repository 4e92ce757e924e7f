//! The `metrics` table (long format: subject, month, metric, value) and its
//! aggregation over a period's months.
//!
//! Values are exact: each metric is stored as i64 mantissas at the largest
//! number of decimal places seen for that metric, so polars sums them as
//! integers — exact and independent of thread order — and merit turns them
//! back into `Decimal`s. A metric whose values could overflow that sum is an
//! error rather than a wrong number.

use super::table::Table;
use super::text;
use crate::decimal::parse_decimal;
use crate::error::{Diagnostic, Error, Result};
use crate::period::{Month, Period};
use polars::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub struct Metrics {
    df: DataFrame,
    scales: BTreeMap<String, u32>,
    /// Months present in the table.
    pub months: BTreeSet<Month>,
}

/// A metric of one subject aggregated over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agg {
    pub sum: Decimal,
    /// Months with a row.
    pub count: u32,
    pub max: Decimal,
    pub min: Decimal,
    /// Value of the latest month with a row.
    pub last: Decimal,
}

pub type Aggs = HashMap<(String, String), Agg>;

impl Metrics {
    /// Parses and checks every row; problems go to `report(row, column, message)`.
    pub fn from_table(
        t: &Table,
        subject_ok: &dyn Fn(&str) -> bool,
        report: &mut dyn FnMut(usize, &str, String),
    ) -> Option<Metrics> {
        let (subj, month, metric, value) = (
            t.column("subject_id").unwrap_or_default(),
            t.column("month").unwrap_or_default(),
            t.column("metric").unwrap_or_default(),
            t.column("value").unwrap_or_default(),
        );
        let n = t.rows();
        let mut subjects = Vec::with_capacity(n);
        let mut months = Vec::with_capacity(n);
        let mut metric_names = Vec::with_capacity(n);
        let mut values = Vec::with_capacity(n);
        let mut scales: BTreeMap<String, u32> = BTreeMap::new();
        let mut ok = true;
        for row in 0..n {
            let s = text(subj[row]).unwrap_or("");
            if s.is_empty() {
                report(
                    row,
                    "subject_id",
                    "empty value where one is required".into(),
                );
                ok = false;
            } else if !subject_ok(s) {
                report(
                    row,
                    "subject_id",
                    format!("unknown subject '{s}' (not an employee, a department or 'company')"),
                );
                ok = false;
            }
            let m = text(month[row]).unwrap_or("");
            let mo = Month::parse(m);
            if mo.is_none() {
                report(row, "month", format!("'{m}' is not a month (YYYY-MM)"));
                ok = false;
            }
            let name = text(metric[row]).unwrap_or("");
            if name.is_empty() {
                report(row, "metric", "empty value where one is required".into());
                ok = false;
            }
            match parse_decimal(value[row].unwrap_or("")) {
                Ok(v) => {
                    let sc = scales.entry(name.to_owned()).or_default();
                    *sc = (*sc).max(v.scale());
                    values.push(v);
                }
                Err(msg) => {
                    report(row, "value", msg);
                    ok = false;
                    values.push(Decimal::ZERO);
                }
            }
            subjects.push(s);
            months.push(mo.map_or(0, |m| m.0));
            metric_names.push(name);
        }
        if !ok {
            return None;
        }

        // Mantissas at each metric's scale; the sum of magnitudes bounds any sum.
        let mut magnitude: BTreeMap<&str, i128> = BTreeMap::new();
        let mut mantissas = Vec::with_capacity(n);
        for (v, name) in values.iter().zip(&metric_names) {
            let mut v = *v;
            v.rescale(scales[*name]);
            let m = v.mantissa();
            *magnitude.entry(name).or_default() += m.abs();
            mantissas.push(i64::try_from(m).unwrap_or(i64::MAX));
        }
        for (name, total) in &magnitude {
            if *total > i64::MAX as i128 {
                report(0, "value", format!("the values of metric '{name}' are too large to sum exactly at {} decimal places", scales[*name]));
                ok = false;
            }
        }
        let df = DataFrame::new(
            n,
            vec![
                Column::new("subject".into(), subjects),
                Column::new("month".into(), months.clone()),
                Column::new("metric".into(), metric_names),
                Column::new("value".into(), mantissas),
            ],
        )
        .expect("columns of equal length");

        // Duplicate (subject, month, metric) keys, found column-wise.
        let dups = df
            .clone()
            .lazy()
            .group_by([col("subject"), col("month"), col("metric")])
            .agg([len().alias("n")])
            .filter(col("n").gt(lit(1u32)))
            .collect()
            .expect("group by on known columns");
        if dups.height() > 0 {
            let keys: BTreeSet<(String, i32, String)> = zip3(&dups).into_iter().collect();
            let mut first: BTreeMap<(String, i32, String), usize> = BTreeMap::new();
            for (row, key) in zip3(&df).into_iter().enumerate() {
                if keys.contains(&key) {
                    if let Some(f) = first.get(&key) {
                        report(
                            row,
                            "metric",
                            format!(
                                "duplicate row for {}, {}, {} (first on line {})",
                                key.0,
                                Month(key.1),
                                key.2,
                                f + 2
                            ),
                        );
                    } else {
                        first.insert(key, row);
                    }
                }
            }
            ok = false;
        }
        ok.then(|| Metrics {
            df,
            scales,
            months: months.into_iter().map(Month).collect(),
        })
    }

    /// Metric names present in the table.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.scales.keys().map(String::as_str)
    }

    /// Every month of `period` must have metric rows.
    pub fn check_period(&self, period: &Period, file: &std::path::Path) -> Result<()> {
        let missing: Vec<String> = period
            .months()
            .filter(|m| !self.months.contains(m))
            .map(|m| m.to_string())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let available = match (self.months.first(), self.months.last()) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "none".into(),
        };
        Err(Error::one(Diagnostic::error(
            file,
            format!("period {period} needs metrics for {} but the data has no rows for them (months available: {available})", missing.join(", ")),
        )))
    }

    /// Sum, count, max, min and last of each (subject, metric) over the
    /// period's months, for the given metrics, computed by polars.
    pub fn aggregate(&self, period: &Period, metrics: &BTreeSet<&str>) -> Aggs {
        let wanted = metrics
            .iter()
            .fold(lit(false), |acc, m| acc.or(col("metric").eq(lit(*m))));
        let out = self
            .df
            .clone()
            .lazy()
            .filter(
                col("month")
                    .gt_eq(lit(period.first.0))
                    .and(col("month").lt_eq(lit(period.last().0)))
                    .and(wanted),
            )
            .group_by([col("subject"), col("metric")])
            .agg([
                col("value").sum().alias("sum"),
                len().alias("count"),
                col("value").max().alias("max"),
                col("value").min().alias("min"),
                col("value")
                    .sort_by([col("month")], SortMultipleOptions::default())
                    .last()
                    .alias("last"),
            ])
            .collect()
            .expect("aggregation over known columns");
        let c = |n: &str| out.column(n).expect("aggregated column");
        let (subj, metric) = (
            c("subject").str().expect("str"),
            c("metric").str().expect("str"),
        );
        let (sum, max, min, last) = (
            c("sum").i64().expect("i64"),
            c("max").i64().expect("i64"),
            c("min").i64().expect("i64"),
            c("last").i64().expect("i64"),
        );
        let count = c("count").u32().expect("u32");
        let mut aggs = HashMap::with_capacity(out.height());
        for i in 0..out.height() {
            let (s, m) = (
                subj.get(i).unwrap_or_default(),
                metric.get(i).unwrap_or_default(),
            );
            let scale = self.scales.get(m).copied().unwrap_or(0);
            let d = |v: Option<i64>| Decimal::from_i128_with_scale(v.unwrap_or(0) as i128, scale);
            aggs.insert(
                (s.to_owned(), m.to_owned()),
                Agg {
                    sum: d(sum.get(i)),
                    count: count.get(i).unwrap_or(0),
                    max: d(max.get(i)),
                    min: d(min.get(i)),
                    last: d(last.get(i)),
                },
            );
        }
        aggs
    }
}

fn zip3(df: &DataFrame) -> Vec<(String, i32, String)> {
    let s = df.column("subject").and_then(|c| c.str().cloned());
    let m = df.column("month").and_then(|c| c.i32().cloned());
    let k = df.column("metric").and_then(|c| c.str().cloned());
    match (s, m, k) {
        (Ok(s), Ok(m), Ok(k)) => s
            .iter()
            .zip(m.iter())
            .zip(k.iter())
            .map(|((s, m), k)| {
                (
                    s.unwrap_or_default().to_owned(),
                    m.unwrap_or_default(),
                    k.unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        _ => Vec::new(),
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
    subject: StringChunked,
    metric: StringChunked,
    month: Vec<i32>,
    value: Vec<i64>,
    row: Vec<IdxSize>,
    scales: BTreeMap<String, u32>,
}

impl Metrics {
    /// The rows of `metrics` inside `period`, for tracing which input rows
    /// made each KPI actual. Same filter as [`Metrics::aggregate`].
    pub fn monthly_rows(&self, period: &Period, metrics: &BTreeSet<&str>) -> MonthlyRows {
        let wanted = metrics
            .iter()
            .fold(lit(false), |acc, m| acc.or(col("metric").eq(lit(*m))));
        let out = self
            .df
            .clone()
            .lazy()
            .with_row_index("row", None)
            .filter(
                col("month")
                    .gt_eq(lit(period.first.0))
                    .and(col("month").lt_eq(lit(period.last().0)))
                    .and(wanted),
            )
            .sort(
                ["subject", "metric", "month"],
                SortMultipleOptions::default().with_maintain_order(true),
            )
            .collect()
            .expect("filter and sort over known columns");
        let c = |n: &str| out.column(n).expect("selected column");
        MonthlyRows {
            subject: c("subject").str().expect("str").rechunk().into_owned(),
            metric: c("metric").str().expect("str").rechunk().into_owned(),
            month: c("month").i32().expect("i32").into_no_null_iter().collect(),
            value: c("value").i64().expect("i64").into_no_null_iter().collect(),
            row: c("row").idx().expect("idx").into_no_null_iter().collect(),
            scales: self.scales.clone(),
        }
    }
}

impl MonthlyRows {
    fn key(&self, i: usize) -> (&str, &str) {
        (
            self.subject.get(i).unwrap_or_default(),
            self.metric.get(i).unwrap_or_default(),
        )
    }

    /// The rows of one subject's metric, by month.
    pub fn get(&self, subject: &str, metric: &str) -> Vec<MonthRow> {
        let want = (subject, metric);
        let (mut lo, mut hi) = (0, self.month.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid) < want {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let scale = self.scales.get(metric).copied().unwrap_or(0);
        (lo..self.month.len())
            .take_while(|&i| self.key(i) == want)
            .map(|i| MonthRow {
                month: Month(self.month[i]),
                value: Decimal::from_i128_with_scale(self.value[i] as i128, scale),
                row: self.row[i] as usize,
            })
            .collect()
    }
}

#[cfg(test)]
mod monthly_rows_tests {
    use super::*;

    #[test]
    fn rows_are_found_by_subject_and_metric_in_month_order() {
        // Mixed case, digits and CJK subjects: polars' sort must agree with
        // Rust's byte order for the binary search.
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
        let t = Table::read("metrics", &path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let m = Metrics::from_table(&t, &|_| true, &mut |_, _, msg| panic!("{msg}")).unwrap();
        let q3 = Period::parse("2026-Q3").unwrap();
        let rows = m.monthly_rows(&q3, &["gmv", "uv"].into_iter().collect());
        let got: Vec<(String, String, usize)> = rows
            .get("运营", "gmv")
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
        assert_eq!(rows.get("B", "gmv")[0].value.to_string(), "3.00");
        assert_eq!(rows.get("b", "gmv")[0].row, 1);
        assert_eq!(rows.get("运营", "uv")[0].value.to_string(), "7");
        assert!(rows.get("a1", "gmv").is_empty());
        assert!(rows.get("zz", "gmv").is_empty());
    }
}
