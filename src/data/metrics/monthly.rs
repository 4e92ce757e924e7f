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
