//! A period's aggregates: sum, count, month mask and extremes of each
//! (subject, metric), in one pass over the rows into dense arrays.

use super::Metrics;
use crate::period::Period;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

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

impl Metrics {
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
        self.check_kept();
        let names: Vec<String> = metrics.iter().map(|m| (*m).to_owned()).collect();
        let width = names.len();
        let slot: Vec<Option<usize>> = self
            .metric_names
            .iter()
            .map(|k| names.iter().position(|n| n == k))
            .collect();
        let in_period = self.months_in(period);
        let cells = subjects * width;
        let scales = names
            .iter()
            .map(|n| {
                self.metric_names
                    .iter()
                    .position(|k| k == n)
                    .map_or(0, |k| self.scales[k])
            })
            .collect();
        let mut a = Aggs::empty(names, scales, cells, extremes);
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
    /// `cells` empty cells, one per (subject, metric of `names`); max, min
    /// and last only with `extremes`.
    fn empty(names: Vec<String>, scales: Vec<u32>, cells: usize, extremes: bool) -> Aggs {
        Aggs {
            scales,
            width: names.len(),
            names,
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
        }
    }

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
        let sum = d(self.sum[c]);
        // Without extremes (no KPI reads them), max, min and last repeat the sum.
        let or_sum = |v: &[i64]| v.get(c).map_or(sum, |x| d(*x));
        Some(Agg {
            sum,
            count,
            months: self.months[c],
            max: or_sum(&self.max),
            min: or_sum(&self.min),
            last: or_sum(&self.last),
        })
    }
}
