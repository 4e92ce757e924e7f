//! One KPI for one subject and period: actual, target, achievement, score
//! (docs/policy.md: KPIs, Targets, Scoring rules). Exact rationals,
//! rounded only at actual_places (mean and ratio actuals, derived targets),
//! achievement_places and score_places.

use super::data::{Data, Employee};
use super::num::{self, Q};
use super::period::{Month, Period};
use super::policy::{Agg, Kpi, Missing, Policy, Scope, Scoring, Share, Statistic, Target};
use num_traits::{Signed, Zero};
use std::collections::BTreeMap;

/// Whether a history target's past actuals (mean or ratio) are rounded to
/// actual_places before the statistic: docs/policy.md (Targets, history)
/// says each past period's actual is rounded as in its own run.
pub const HISTORY_ROUNDS_PAST_ACTUALS: bool = true;

/// Why a run stops (merit exits 2).
pub type Stop = String;

pub struct Ctx<'a> {
    pub p: &'a Policy,
    pub d: &'a Data,
    /// The run's period (a year scored from quarters evaluates quarters).
    pub run: Period,
}

/// A KPI line before weighting.
#[derive(Clone, Debug)]
pub struct Value {
    pub actual: Q,
    pub target: Q,
    pub achievement: Q,
    pub score: Q,
}

impl Ctx<'_> {
    pub fn subject(&self, kpi: &Kpi, e: &Employee) -> String {
        match kpi.scope {
            Scope::Individual => e.id.clone(),
            Scope::Department => e.department.clone(),
            Scope::Company => "company".into(),
        }
    }

    /// Days `e` is employed in `period` (0: not employed).
    pub fn days_employed(&self, e: &Employee, period: Period) -> i64 {
        super::period::overlap_days(e.hire, e.term, period.start_date(), period.end_date())
    }

    /// Monthly values of `metric` for `subject` inside `period`.
    fn rows(&self, subject: &str, metric: &str, period: Period) -> Vec<(Month, Q)> {
        let Some(by_month) = self
            .d
            .metrics
            .get(&(subject.to_string(), metric.to_string()))
        else {
            return vec![];
        };
        by_month
            .iter()
            .filter(|(m, _)| period.contains(**m))
            .map(|(m, v)| (*m, v.clone()))
            .collect()
    }

    /// The months of `period` a KPI needs a row for: all, or for an
    /// individual KPI those in which `e` is employed on at least one day.
    fn needed(&self, kpi: &Kpi, e: &Employee, period: Period) -> Vec<Month> {
        period
            .months()
            .into_iter()
            .filter(|m| {
                kpi.scope != Scope::Individual || self.days_employed(e, Period::of_month(*m)) > 0
            })
            .collect()
    }

    /// The KPI's actual: its aggregate over the period's months, after the
    /// KPI's month-coverage rule (docs/policy.md, Month coverage).
    pub fn actual(&self, kpi: &Kpi, e: &Employee, period: Period) -> Result<Q, Stop> {
        let subject = self.subject(kpi, e);
        let needed = self.needed(kpi, e, period);
        let mut rows: BTreeMap<String, Vec<(Month, Q)>> = BTreeMap::new();
        for m in kpi.agg.metrics() {
            let mut v = self.rows(&subject, m, period);
            let missing: Vec<Month> = needed
                .iter()
                .filter(|n| !v.iter().any(|(x, _)| x == *n))
                .copied()
                .collect();
            match kpi.missing {
                Missing::Error if !missing.is_empty() => {
                    return Err(format!("missing months: kpi {} subject {subject}", kpi.id))
                }
                Missing::Zero => {
                    v.extend(missing.into_iter().map(|m| (m, num::zero())));
                    v.sort_by_key(|(m, _)| m.index());
                }
                _ => {}
            }
            rows.insert(m.to_string(), v);
        }
        let a = self.aggregate_rows(kpi, &subject, period, true, &rows)?;
        match (&kpi.missing, &kpi.agg) {
            (Missing::Prorate, Agg::Sum(m)) => {
                let n = rows[m.as_str()].len() as i64;
                let whole = period.months().len() as i64;
                if n > 0 && n < whole {
                    let r = &self.p.rounding;
                    return Ok(num::round(
                        &(a * num::int(whole) / num::int(n)),
                        r.actual,
                        r.mode,
                    ));
                }
                Ok(a)
            }
            _ => Ok(a),
        }
    }

    /// The aggregate of `subject`'s rows over `period` (a history period).
    fn aggregate(
        &self,
        kpi: &Kpi,
        subject: &str,
        period: Period,
        rounded: bool,
    ) -> Result<Q, Stop> {
        let rows = kpi
            .agg
            .metrics()
            .into_iter()
            .map(|m| (m.to_string(), self.rows(subject, m, period)))
            .collect();
        self.aggregate_rows(kpi, subject, period, rounded, &rows)
    }

    /// The aggregate of the given monthly rows, rounded to actual_places
    /// (a mean or ratio) when `rounded`.
    fn aggregate_rows(
        &self,
        kpi: &Kpi,
        subject: &str,
        period: Period,
        rounded: bool,
        rows: &BTreeMap<String, Vec<(Month, Q)>>,
    ) -> Result<Q, Stop> {
        let r = &self.p.rounding;
        let round = |x: Q| {
            if rounded {
                num::round(&x, r.actual, r.mode)
            } else {
                x
            }
        };
        let stop = || {
            format!(
                "no metric rows: kpi {} subject {subject} {}",
                kpi.id,
                period.label()
            )
        };
        let sum = |v: &[Q]| v.iter().fold(num::zero(), |a, b| a + b);
        let one = |m: &str| {
            let v: Vec<Q> = rows[m].iter().map(|(_, v)| v.clone()).collect();
            if v.is_empty() {
                Err(stop())
            } else {
                Ok(v)
            }
        };
        Ok(match &kpi.agg {
            Agg::Sum(m) => sum(&one(m)?),
            Agg::Mean(m) => {
                let v = one(m)?;
                round(sum(&v) / num::int(v.len() as i64))
            }
            // `last`: the latest month with a row (rows are in month order)
            Agg::Last(m) => one(m)?.pop().expect("rows"),
            Agg::Max(m) => one(m)?.into_iter().reduce(num::max).expect("rows"),
            Agg::Min(m) => one(m)?.into_iter().reduce(num::min).expect("rows"),
            Agg::Ratio(n, dn) => {
                let (n, dn) = (sum(&one(n)?), sum(&one(dn)?));
                if dn.is_zero() {
                    return Err(format!(
                        "zero denominator: kpi {} subject {subject}",
                        kpi.id
                    ));
                }
                round(n / dn)
            }
        })
    }

    /// The target from `src` for `subject` (`e`: the employee, for cascades).
    pub fn target(
        &self,
        kpi: &Kpi,
        src: &Target,
        subject: &str,
        e: &Employee,
        period: Period,
    ) -> Result<Q, Stop> {
        let r = &self.p.rounding;
        let derived = |x: Q| num::round(&x, r.actual, r.mode);
        let label = period.label();
        match src {
            Target::Table => self
                .d
                .targets
                .get(&(subject.to_string(), label.clone(), kpi.id.clone()))
                .cloned()
                .ok_or_else(|| format!("no target row: {subject} {label} {}", kpi.id)),
            Target::Fixed(v) => Ok(v.clone()),
            Target::Benchmark(f) => self
                .d
                .benchmarks
                .get(&(kpi.id.clone(), label.clone()))
                .map(|b| derived(b * f))
                .ok_or_else(|| format!("no benchmark: {} {label}", kpi.id)),
            Target::History {
                periods,
                statistic,
                growth,
                fallback,
            } => match self.history(kpi, subject, period, *periods, *statistic)? {
                Some(stat) => Ok(derived(stat * (num::int(1) + growth))),
                None => match fallback {
                    Some(f) => self.target(kpi, f, subject, e, period),
                    None => Err(format!("missing history: {} {subject}", kpi.id)),
                },
            },
            Target::Cascade { from, share } => self
                .cascade(kpi, *from, *share, e, period, None)
                .map(derived),
            Target::Max(list) | Target::Min(list) => {
                let mut vals = vec![];
                for s in list {
                    vals.push(self.target(kpi, s, subject, e, period)?);
                }
                let pick = if matches!(src, Target::Max(_)) {
                    num::max
                } else {
                    num::min
                };
                Ok(vals.into_iter().reduce(pick).expect("two or more sources"))
            }
        }
    }

    /// The statistic of the past `n` periods' actuals, or `None` when any of
    /// them is incomplete (a month without a row for a metric the KPI reads).
    ///
    /// Assumption (docs ambiguous): a past period's mean or ratio is an
    /// intermediate of the derived target, so it is exact, not rounded to
    /// actual_places; only the derived target is rounded
    /// ([`HISTORY_ROUNDS_PAST_ACTUALS`] switches to the other reading).
    fn history(
        &self,
        kpi: &Kpi,
        subject: &str,
        period: Period,
        n: i64,
        stat: Statistic,
    ) -> Result<Option<Q>, Stop> {
        let mut vals = vec![];
        for k in 1..=n {
            let past = period.back(k);
            let complete = kpi.agg.metrics().iter().all(|m| {
                let key = (subject.to_string(), m.to_string());
                let rows = self.d.metrics.get(&key);
                past.months()
                    .iter()
                    .all(|mo| rows.is_some_and(|r| r.contains_key(mo)))
            });
            if !complete {
                return Ok(None);
            }
            vals.push(self.aggregate(kpi, subject, past, HISTORY_ROUNDS_PAST_ACTUALS)?);
        }
        vals.sort();
        let len = vals.len();
        Ok(Some(match stat {
            Statistic::Mean => vals.iter().fold(num::zero(), |a, b| a + b) / num::int(len as i64),
            Statistic::Max => vals[len - 1].clone(),
            Statistic::Median if len % 2 == 1 => vals[len / 2].clone(),
            Statistic::Median => (&vals[len / 2 - 1] + &vals[len / 2]) / num::int(2),
        }))
    }

    /// The employee's cascade share (`None` when it cannot be computed).
    pub fn cascade_share(&self, kpi: &Kpi, e: &Employee, period: Period) -> Option<Q> {
        let Target::Cascade { from, share } = &kpi.target else {
            return None;
        };
        let one = num::int(1);
        let t = self
            .cascade(kpi, *from, *share, e, period, Some(&one))
            .ok()?;
        Some(t)
    }

    /// The parent's target (or `parent`) × the employee's share, before
    /// rounding.
    fn cascade(
        &self,
        kpi: &Kpi,
        from: Scope,
        share: Share,
        e: &Employee,
        period: Period,
        parent_target: Option<&Q>,
    ) -> Result<Q, Stop> {
        let parent = match from {
            Scope::Department => e.department.clone(),
            _ => "company".to_string(),
        };
        let label = period.label();
        let t = match parent_target {
            Some(t) => t,
            None => self
                .d
                .targets
                .get(&(parent.clone(), label.clone(), kpi.id.clone()))
                .ok_or_else(|| format!("no cascade parent target: {parent} {label} {}", kpi.id))?,
        };
        let members: Vec<&Employee> = self
            .d
            .employees
            .iter()
            .filter(|m| from != Scope::Department || m.department == e.department)
            .filter(|m| self.days_employed(m, period) > 0)
            .collect();
        if !members.iter().any(|m| m.id == e.id) {
            return Err(format!("{} is not a member of {parent} in {label}", e.id));
        }
        let share = match share {
            Share::Equal => num::ratio(1, members.len() as i64),
            Share::BaseSalary => {
                // Assumption (docs: "all scoring ... run in the policy
                // currency"): salaries converted at each member's rate for
                // the run's period, the same conversion as the target bonus
                // (also for the quarters of a year scored from quarters).
                let salary = |m: &Employee| -> Result<Q, Stop> {
                    Ok(&m.base_salary * self.fx(m, self.run)?.1)
                };
                let mut total = num::zero();
                for m in &members {
                    total += salary(m)?;
                }
                salary(e)? / total
            }
        };
        Ok(t * share)
    }

    /// Actual, target, achievement and score of `kpi` for `e`.
    pub fn value(&self, kpi: &Kpi, e: &Employee, period: Period) -> Result<Value, Stop> {
        let r = &self.p.rounding;
        let subject = self.subject(kpi, e);
        let actual = self.actual(kpi, e, period)?;
        let target = self.target(kpi, &kpi.target, &subject, e, period)?;
        if target.is_zero() {
            return Err(format!("zero target: {} {subject}", kpi.id));
        }
        let q = &actual / &target;
        let raw = if kpi.lower {
            num::max(num::zero(), num::int(2) - q)
        } else {
            q
        };
        let achievement = num::round(&raw, r.achievement, r.mode);
        let scoring = &self.p.scorings[&kpi.scoring];
        let score = num::round(&score(scoring, &achievement), r.score, r.mode);
        Ok(Value {
            actual,
            target,
            achievement,
            score,
        })
    }
}

/// The unrounded score of an achievement.
pub fn score(s: &Scoring, a: &Q) -> Q {
    match s {
        Scoring::Curve { points, below, cap } => {
            let [(a0, s0), (a1, s1), (a2, s2)] = points;
            let line =
                |(xa, ya): (&Q, &Q), (xb, yb): (&Q, &Q)| ya + (a - xa) * (yb - ya) / (xb - xa);
            if a < a0 {
                below.clone()
            } else if a <= a1 {
                line((a0, s0), (a1, s1))
            } else if a <= a2 {
                line((a1, s1), (a2, s2))
            } else {
                match cap {
                    // the target→stretch slope continues up to the cap
                    Some(c) => num::min(c.clone(), line((a1, s1), (a2, s2))),
                    None => s2.clone(),
                }
            }
        }
        Scoring::Tiers {
            marginal,
            steps,
            cap,
        } => {
            let raw = if *marginal {
                steps.iter().fold(num::zero(), |acc, st| {
                    let top = st
                        .to
                        .as_ref()
                        .map_or(a.clone(), |t| num::min(t.clone(), a.clone()));
                    let part = &top - &st.from;
                    if part.is_positive() {
                        acc + part * &st.value
                    } else {
                        acc
                    }
                })
            } else {
                steps
                    .iter()
                    .find(|st| &st.from <= a && st.to.as_ref().is_none_or(|t| a < t))
                    .map_or_else(num::zero, |st| st.value.clone())
            };
            match cap {
                Some(c) => num::min(c.clone(), raw),
                None => raw,
            }
        }
    }
}
