//! What `merit model --simulate` needs of the metrics: each (subject,
//! metric)'s history before a future period as growth rates, and the table
//! cut at that period with simulated rows put in its months.

use super::{Chunk, Metrics};
use crate::period::Month;

/// One (subject, metric)'s history before the simulated period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub subject: u32,
    pub metric: u16,
    /// The latest value, as a mantissa at the metric's scale.
    pub last: i64,
    /// Month-over-month growth as exact fractions (value, the month
    /// before's non-zero value; mantissas), oldest first; empty without two
    /// consecutive months.
    pub rates: Vec<(i64, i64)>,
}

/// One simulated row: subject, metric, month (0-based in the simulated
/// period) and the value as a mantissa at the metric's scale.
pub type SimRow = (u32, u16, u16, i64);

impl Metrics {
    /// Every (subject, metric) with a row before `first`, in (subject,
    /// metric) order.
    pub fn growth_series(&self, first: Month) -> Vec<Series> {
        let mut rows: Vec<(u32, u16, Month, i64)> = Vec::new();
        for c in &self.chunks {
            for i in 0..c.subject.len() {
                let m = self.month_list[c.month[i] as usize];
                if m < first {
                    rows.push((c.subject[i], c.metric[i], m, c.value[i]));
                }
            }
        }
        rows.sort_unstable();
        let mut out: Vec<Series> = Vec::new();
        let mut prev: Option<(u32, u16, Month, i64)> = None;
        for (s, k, m, v) in rows {
            match (out.last_mut(), prev) {
                (Some(last), Some((ps, pk, pm, pv))) if (ps, pk) == (s, k) => {
                    if pm.0 + 1 == m.0 && pv != 0 {
                        last.rates.push((v, pv));
                    }
                    last.last = v;
                }
                _ => out.push(Series {
                    subject: s,
                    metric: k,
                    last: v,
                    rates: Vec::new(),
                }),
            }
            prev = Some((s, k, m, v));
        }
        out
    }

    /// Keeps only the rows of months before `months[0]` and makes `months`
    /// (consecutive, after them) the table's last months, with no rows yet.
    pub fn cut_for_simulation(&mut self, months: &[Month]) {
        let Some(&first) = months.first() else {
            return;
        };
        let kept = self.month_list.partition_point(|m| *m < first);
        for c in &mut self.chunks {
            let keep: Vec<bool> = c.month.iter().map(|&m| (m as usize) < kept).collect();
            let mut it = keep.iter();
            c.subject.retain(|_| *it.next().unwrap_or(&false));
            let mut it = keep.iter();
            c.month.retain(|_| *it.next().unwrap_or(&false));
            let mut it = keep.iter();
            c.metric.retain(|_| *it.next().unwrap_or(&false));
            let mut it = keep.iter();
            c.value.retain(|_| *it.next().unwrap_or(&false));
        }
        self.chunks.retain(|c| !c.subject.is_empty());
        let mut first_row = 0;
        for c in &mut self.chunks {
            c.first_row = first_row;
            first_row += c.subject.len();
        }
        self.month_list.truncate(kept);
        self.month_list.extend_from_slice(months);
        self.months = self.month_list.iter().copied().collect();
        self.sim_first = Some(kept as u16);
        self.sim_chunk = false;
    }

    /// Puts `rows` in the simulated months, replacing the rows put before;
    /// after [`Metrics::cut_for_simulation`] only.
    pub fn set_simulated(&mut self, rows: &[SimRow]) {
        if self.sim_chunk {
            self.chunks.pop();
        }
        let Some(base) = self.sim_first else {
            return;
        };
        self.chunks.push(Chunk {
            first_row: self.rows(),
            subject: rows.iter().map(|r| r.0).collect(),
            month: rows.iter().map(|r| base + r.2).collect(),
            metric: rows.iter().map(|r| r.1).collect(),
            value: rows.iter().map(|r| r.3).collect(),
        });
        self.sim_chunk = true;
    }
}
