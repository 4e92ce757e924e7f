//! A commission's terms for one employee whose period is cut into spans
//! (docs/policy.md, Commissions and draws across spans): whose inputs it
//! reads, which credit rows it counts, and the time-weighted quota and KPI
//! amount. Without spans the terms are the employee's, every row counts.

use super::spans::SpanLine;
use super::KpiLine;
use crate::data::Employee;
use crate::exact::Exact;
use crate::period::Period;
use crate::policy::Commission;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One span's quota from its state and KPI lines.
pub(super) type QuotaOf<'q> = dyn Fn(&Employee, &[KpiLine]) -> Result<Option<Exact>, String> + 'q;

/// One span as a commission saw it, for the trace.
#[derive(Debug, Clone)]
pub struct SpanTerm {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub role: String,
    /// Whether the span's role earns the commission.
    pub earns: bool,
    /// Calendar days of the span.
    pub days: i64,
    /// The span's own quota (before the time weighting), when it earns.
    pub quota: Option<Decimal>,
}

/// One span's state and KPI lines, and what the commission makes of it.
pub(super) struct Span<'a> {
    pub e: &'a Employee,
    pub kpis: &'a [KpiLine],
    pub term: SpanTerm,
}

/// What one commission reads for one employee.
pub(super) struct Terms<'a> {
    /// Whose inputs and KPI lines it reads: the employee's, or with spans
    /// the last span earning it.
    pub e: &'a Employee,
    pub kpis: &'a [KpiLine],
    /// The credit window's last day.
    pub end: NaiveDate,
    /// Rows count only when dated inside one of these (`None`: every row).
    pub keep: Option<Vec<(NaiveDate, NaiveDate)>>,
    /// The spans (empty without): quota and KPI amount are time-weighted
    /// over those that earn it, unless year to date.
    pub spans: Vec<Span<'a>>,
    /// Year to date: the last span earning it ends before the period's
    /// last span, so `pay_every: quarter` defers it.
    pub early: bool,
}

impl<'a> Terms<'a> {
    /// The employee's own terms: every row up to the period's end.
    pub fn whole(e: &'a Employee, kpis: &'a [KpiLine], period: &Period) -> Terms<'a> {
        Terms {
            e,
            kpis,
            end: period.end(),
            keep: None,
            spans: Vec::new(),
            early: false,
        }
    }

    /// The terms across spans (`views` and `lines` in date order, one per
    /// span); `None` when no span's role earns it.
    pub fn across(
        c: &Commission,
        views: &'a [Employee],
        lines: &'a [SpanLine],
        period: &Period,
    ) -> Option<Terms<'a>> {
        let spans: Vec<Span<'a>> = views
            .iter()
            .zip(lines)
            .map(|(e, l)| {
                let (from, to) = e.employed_in(period);
                let term = SpanTerm {
                    from,
                    to,
                    role: e.role.clone(),
                    earns: c.applies_to(&e.role),
                    days: super::bonus::span_days(e, period),
                    quota: None,
                };
                Span {
                    e,
                    kpis: &l.kpis,
                    term,
                }
            })
            .collect();
        let last = spans.iter().rposition(|s| s.term.earns)?;
        let n = spans.len();
        // A row before the first span (before the hire) is the first
        // span's, one after the last span (after leaving) the last's.
        let keep = spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.term.earns)
            .map(|(k, s)| {
                let lo = if k == 0 { NaiveDate::MIN } else { s.term.from };
                let hi = if k + 1 == n {
                    NaiveDate::MAX
                } else {
                    s.term.to
                };
                (lo, hi)
            })
            .collect();
        let end = match last + 1 == n {
            true => period.end(),
            false => spans[last].term.to,
        };
        Some(Terms {
            e: spans[last].e,
            kpis: spans[last].kpis,
            end,
            keep: (!c.ytd).then_some(keep),
            early: c.ytd && last + 1 < n,
            spans,
        })
    }

    /// Whether a credit row dated `d` counts.
    pub fn counts(&self, d: NaiveDate) -> bool {
        self.keep
            .as_ref()
            .is_none_or(|k| k.iter().any(|(lo, hi)| d >= *lo && d <= *hi))
    }

    /// Whether the quota and a KPI amount are time-weighted.
    pub fn weighted(&self, c: &Commission) -> bool {
        !self.spans.is_empty() && !c.ytd
    }

    /// The days employed in the period: all the spans' days.
    fn days_employed(&self) -> i64 {
        self.spans.iter().map(|s| s.term.days).sum::<i64>().max(1)
    }

    /// Σ the earning spans' days ÷ the days employed, exact.
    pub fn earning_share(&self) -> Exact {
        let earning: i64 = self
            .spans
            .iter()
            .filter(|s| s.term.earns)
            .map(|s| s.term.days)
            .sum();
        Exact::from(earning) / Exact::from(self.days_employed())
    }

    /// Σ each earning span's quota × its days ÷ the days employed, exact;
    /// `quota` gives one span's quota from its state and KPI lines.
    pub fn weighted_quota(&mut self, quota: &QuotaOf<'_>) -> Result<Option<Exact>, String> {
        let all = self.days_employed();
        let mut sum: Option<Exact> = None;
        for s in self.spans.iter_mut().filter(|s| s.term.earns) {
            let Some(q) = quota(s.e, s.kpis)? else {
                return Ok(None);
            };
            s.term.quota = Some(q.approx());
            let part = q * Decimal::from(s.term.days) / Exact::from(all);
            sum = Some(sum.map_or(part.clone(), |x| x + part));
        }
        Ok(sum)
    }

    /// The spans as the line shows them.
    pub fn shown(&self) -> Vec<SpanTerm> {
        self.spans.iter().map(|s| s.term.clone()).collect()
    }
}
