//! Stages KPI values → targets → achievement → score for one KPI of one
//! subject (an employee, a department or the company).
//!
//! [`KpiEvaluator::eval`] is the whole chain; each step is a call into the
//! stage's own module (`coverage` and `kpi`, `target`, `score`), so the
//! trace's KPI record has the same four parts.

use super::score::{self, Segment};
use super::{coverage, kpi, target, KpiEval};
use crate::data::metrics::{Agg, Aggs};
use crate::data::Data;
use crate::error::Diagnostic;
use crate::period::Period;
use crate::policy::{Kpi, KpiScope, LoadedPolicy, Scoring};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::path::PathBuf;

/// Whether `n` and `m` name the same metric; `m` is usually one of the
/// rule's own names, so addresses are compared first.
fn same_name(n: &str, m: &str) -> bool {
    std::ptr::eq(n, m) || n == m
}

/// What every KPI evaluation of one period reads, found once.
pub(super) struct KpiEvaluator<'a> {
    lp: &'a LoadedPolicy,
    period: &'a Period,
    aggs: &'a Aggs,
    targets: &'a target::Ctx<'a>,
    /// Per KPI: where each metric it reads sits in the aggregates.
    slots: Vec<Vec<(&'a str, Option<usize>)>>,
    /// Per KPI: its scoring rule.
    rules: Vec<&'a Scoring>,
    /// The months of the period (team subjects need every one).
    all_months: u16,
    /// Per employee: the months they need metric rows for.
    needs: Vec<u16>,
    metrics_file: PathBuf,
}

impl<'a> KpiEvaluator<'a> {
    pub(super) fn new(
        lp: &'a LoadedPolicy,
        data: &'a Data,
        period: &'a Period,
        aggs: &'a Aggs,
        targets: &'a target::Ctx<'a>,
    ) -> Self {
        let kpis = &lp.policy.kpis;
        let slots = kpis
            .iter()
            .map(|k| {
                let metrics = k.aggregate.metrics().into_iter();
                metrics.map(|m| (m, aggs.slot(m))).collect()
            })
            .collect();
        let rules = kpis
            .iter()
            .map(|k| &lp.policy.scorings[&k.scoring])
            .collect();
        let needs = data
            .employees
            .par_iter()
            .map(|e| coverage::required(Some(e), period))
            .collect();
        KpiEvaluator {
            lp,
            period,
            aggs,
            targets,
            slots,
            rules,
            all_months: coverage::required(None, period),
            needs,
            metrics_file: data.file_path("metrics"),
        }
    }

    /// KPI `k` of `subject` (index `ix` in `Data::subjects`): actual →
    /// target → achievement → score.
    pub(super) fn eval(
        &self,
        k: usize,
        subject: &str,
        ix: Option<u32>,
    ) -> Result<KpiEval, Diagnostic> {
        let kpi = &self.lp.policy.kpis[k];
        let rounding = &self.lp.policy.rounding;
        let actual = self.actual(k, subject, ix)?;
        let target = self.target(kpi, subject, ix)?;
        let achievement = score::achievement(actual, target.value, kpi.direction, rounding)
            .ok_or_else(|| {
                self.error(format!("KPI '{}' of {subject}: the target is zero", kpi.id))
            })?;
        let (score, segment) = self.score(k, actual, target.value, achievement, subject)?;
        Ok(KpiEval {
            actual,
            target,
            achievement,
            score,
            segment,
        })
    }

    fn error(&self, m: String) -> Diagnostic {
        Diagnostic::error(&self.metrics_file, m)
    }

    /// The KPI's actual from the aggregated metrics, after month coverage
    /// is checked or filled and any proration.
    fn actual(&self, k: usize, subject: &str, ix: Option<u32>) -> Result<Decimal, Diagnostic> {
        let kpi = &self.lp.policy.kpis[k];
        let (r, period) = (&self.lp.policy.rounding, self.period);
        let need = match kpi.scope {
            KpiScope::Individual => ix
                .and_then(|i| self.needs.get(i as usize))
                .copied()
                .unwrap_or(self.all_months),
            _ => self.all_months,
        };
        // Each metric fetched once: the coverage check and the actual read
        // it (a rule reads one or two metrics).
        let filled = |agg| coverage::fill(kpi.missing_months, agg, need);
        let slots = &self.slots[k];
        let fetch = |i: usize| {
            slots
                .get(i)
                .map(|(n, s)| (*n, filled(self.aggs.at(ix, *s))))
        };
        let fetched = [fetch(0), fetch(1)];
        let get = |m: &str| match fetched.iter().flatten().find(|(n, _)| same_name(n, m)) {
            Some((_, agg)) => agg.clone(),
            None => filled(self.agg(k, ix, m)),
        };
        coverage::check(kpi, get, need, period)
            .map_err(|m| self.error(format!("KPI '{}' of {subject}: {m}", kpi.id)))?;
        let actual = kpi::actual(&kpi.aggregate, get, r.actual_places, r.mode)
            .map_err(|m| self.error(missing(kpi, subject, period, m)))?;
        Ok(coverage::prorate(kpi, actual, get, period, r.actual_places, r.mode).normalize())
    }

    /// Metric `m` of KPI `k` for subject `ix`, aggregated.
    fn agg(&self, k: usize, ix: Option<u32>, m: &str) -> Option<Agg> {
        let slot = self.slots[k]
            .iter()
            .find(|(n, _)| same_name(n, m))
            .and_then(|(_, s)| *s);
        self.aggs.at(ix, slot)
    }

    /// The KPI's target, which must be greater than zero.
    fn target(
        &self,
        kpi: &Kpi,
        subject: &str,
        ix: Option<u32>,
    ) -> Result<target::Target, Diagnostic> {
        let lp = self.lp;
        let target = target::target(self.targets, kpi, &kpi.target, subject, ix)
            .map_err(|m| Diagnostic::error(lp.yaml_path(), m))?;
        if target.value <= Decimal::ZERO {
            return Err(Diagnostic::error(lp.yaml_path(), format!("KPI '{}' of {subject}: the target ({}) is {}; a target must be greater than zero", kpi.id, target.source, target.value)));
        }
        Ok(target)
    }

    /// Where the points of KPI `k`'s scoring sit for `subject` (an
    /// employee, for points placed by inputs).
    fn positions(
        &self,
        k: usize,
        p: &crate::policy::curve::Points,
        subject: &str,
    ) -> Result<Vec<Decimal>, Diagnostic> {
        let policy = &self.lp.policy;
        let e = self.targets.by_id.get(subject);
        let input = |name: &str| {
            e.and_then(|e| e.input(policy, name))
                .and_then(|v| v.number())
        };
        p.positions(&input).map_err(|m| {
            let kpi = &policy.kpis[k];
            let m = format!(
                "KPI '{}' of {subject}: scoring '{}': {m}",
                kpi.id, kpi.scoring
            );
            Diagnostic::error(self.lp.yaml_path(), m)
        })
    }

    /// The score by the KPI's scoring rule, or its scoring script.
    fn score(
        &self,
        k: usize,
        actual: Decimal,
        target: Decimal,
        achievement: Decimal,
        subject: &str,
    ) -> Result<(Decimal, Segment), Diagnostic> {
        let (lp, r) = (self.lp, &self.lp.policy.rounding);
        if let crate::policy::Scoring::Points(p) = self.rules[k] {
            if p.on_actual() || p.reads_inputs() {
                let xs = self.positions(k, p, subject)?;
                let at = if p.on_actual() { actual } else { achievement };
                return Ok(
                    score::points_score(self.rules[k], achievement, Some((&xs, at)), r)
                        .expect("points are scored"),
                );
            }
        }
        if let Some(s) = score::score(self.rules[k], achievement, r) {
            return Ok(s);
        }
        let kpi = &lp.policy.kpis[k];
        let script = &lp.scripts.scoring[&kpi.scoring];
        let mut scope = rhai::Scope::new();
        scope.push("actual", actual);
        scope.push("target", target);
        scope.push("achievement", achievement);
        scope.push("subject", subject.to_owned());
        let what = format!("KPI '{}' score of {subject}", kpi.id);
        let v = lp.engine.eval_decimal(script, &mut scope, &what)?;
        let v = crate::decimal::round_fixed(v, r.score_places, r.mode);
        Ok((v, Segment::Script))
    }
}

/// Why a KPI has no actual.
fn missing(kpi: &Kpi, subject: &str, period: &Period, m: kpi::Missing) -> String {
    match m {
        kpi::Missing::NoRows(metric) => format!(
            "KPI '{}' of {subject}: no '{metric}' rows in {period}",
            kpi.id
        ),
        kpi::Missing::ZeroDenominator(metric) => format!(
            "KPI '{}' of {subject}: '{metric}' sums to zero in {period}, so the ratio is undefined",
            kpi.id
        ),
        kpi::Missing::TooLarge => format!(
            "KPI '{}' of {subject}: the mean or ratio in {period} is too large for a decimal",
            kpi.id
        ),
    }
}
