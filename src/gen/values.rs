//! Metric values: how each metric is drawn (its unit, scale and ratio
//! structure, decided from the KPIs), a subject's levels, its months, and
//! the targets that centre each KPI's achievement on 1.

use super::gates::Shape;
use super::rng::Rng;
use super::Model;
use crate::policy::{Aggregate, Direction, Kpi, KpiScope, LoadedPolicy, TargetSource};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// How one metric's values are drawn.
#[derive(Debug, Clone)]
pub(super) struct MetricModel {
    pub(super) name: String,
    pub(super) places: u32,
    /// A typical month of a size-1 subject, as a mantissa at `places`.
    scale: i64,
    /// Rates and scores do not grow with the subject's size.
    intensive: bool,
    /// Upper bound of an intensive value (1 for a ratio).
    pub(super) cap: Option<i64>,
    /// Numerator of a ratio: the denominator's value × rate (parts per million).
    pub(super) derived: Option<(usize, i64)>,
    /// Needed for individual, department, company subjects.
    pub(super) scopes: [bool; 3],
}

pub(super) fn scope_index(s: KpiScope) -> usize {
    match s {
        KpiScope::Individual => 0,
        KpiScope::Department => 1,
        KpiScope::Company => 2,
    }
}

pub(super) fn pow10(p: u32) -> i64 {
    10i64.pow(p)
}

/// Mantissa of `d` at `places`, truncated.
pub(super) fn mantissa(d: Decimal, places: u32) -> i64 {
    let mut d = d.trunc_with_scale(places);
    d.rescale(places);
    i64::try_from(d.mantissa()).unwrap_or(i64::MAX)
}

fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// `mantissa` at `places` as decimal text.
pub(super) fn push_fixed(buf: &mut String, m: i64, places: u32) {
    if places == 0 {
        let _ = write!(buf, "{m}");
        return;
    }
    let p = pow10(places);
    let sign = if m < 0 { "-" } else { "" };
    let a = m.unsigned_abs();
    let _ = write!(
        buf,
        "{sign}{}.{:0w$}",
        a / p as u64,
        a % p as u64,
        w = places as usize
    );
}

pub(super) fn scaled(v: i64, num: i64, den: i64) -> i64 {
    (i128::from(v) * i128::from(num) / i128::from(den)) as i64
}

/// A subject's metric levels: a typical month of each metric, and skills.
pub(super) struct Levels {
    pub(super) base: Vec<i64>,
    skill_bp: i64,
    rate_skill_bp: i64,
    /// Gates this subject's months are shaped to pass or fail.
    pub(super) shapes: Vec<Shape>,
}

impl Model<'_> {
    /// Levels of a subject whose size is `size_bp` (1 = 10000).
    pub(super) fn levels(&self, r: &mut Rng, size_bp: i64) -> Levels {
        let skill_bp = r.range(8000, 12400);
        let rate_skill_bp = r.range(8200, 12200);
        let mut base = vec![0i64; self.metrics.len()];
        for &m in &self.order {
            let mm = &self.metrics[m];
            let jitter = r.range(8500, 11500);
            base[m] = match mm.derived {
                Some((d, rate)) => {
                    let den = &self.metrics[d];
                    // den value at num places × rate
                    let v = i128::from(base[d]) * i128::from(pow10(mm.places)) * i128::from(rate)
                        / (i128::from(pow10(den.places)) * 1_000_000);
                    v as i64
                }
                None if mm.intensive => scaled(mm.scale, jitter, 10_000),
                None => scaled(scaled(mm.scale, size_bp, 10_000), jitter, 10_000),
            }
            .max(1);
        }
        Levels {
            base,
            skill_bp,
            rate_skill_bp,
            shapes: Vec::new(),
        }
    }

    /// One month of every metric for a subject, in `order`, then moved to
    /// the side of each gate the subject is meant to be on.
    pub(super) fn month_values(&self, r: &mut Rng, lv: &Levels, out: &mut [i64]) {
        for &m in &self.order {
            let mm = &self.metrics[m];
            let v = match mm.derived {
                Some((d, rate)) => {
                    let den = &self.metrics[d];
                    let noise = r.range(9000, 11000);
                    let v = i128::from(out[d])
                        * i128::from(pow10(mm.places))
                        * i128::from(rate)
                        * i128::from(lv.rate_skill_bp)
                        * i128::from(noise)
                        / (i128::from(pow10(den.places)) * 1_000_000 * 10_000 * 10_000);
                    v as i64
                }
                None if mm.intensive => {
                    let noise = r.range(9500, 10500);
                    let skill = 10_000 + (lv.skill_bp - 10_000) / 2;
                    let v = scaled(scaled(lv.base[m], skill, 10_000), noise, 10_000).max(1);
                    mm.cap.map_or(v, |c| v.min(c))
                }
                None => {
                    let noise = r.range(9000, 11000);
                    scaled(scaled(lv.base[m], lv.skill_bp, 10_000), noise, 10_000).max(1)
                }
            };
            out[m] = v;
        }
        for s in &lv.shapes {
            s.apply(self, out);
        }
    }

    /// A KPI's typical value for a subject over `active` months, as a
    /// mantissa and its places (a ratio at 6 places).
    pub(super) fn level(&self, k: usize, lv: &Levels, active: i64) -> (i64, u32) {
        let ms = &self.kpi_metrics[k];
        match &self.lp.policy.kpis[k].aggregate {
            Aggregate::Ratio { .. } => {
                let (n, d) = (ms[0], ms[1]);
                let ppm = match self.metrics[n].derived {
                    Some((den, rate)) if den == d => rate,
                    _ => {
                        let (nm, dm) = (&self.metrics[n], &self.metrics[d]);
                        (i128::from(lv.base[n]) * i128::from(pow10(dm.places)) * 1_000_000
                            / (i128::from(lv.base[d]) * i128::from(pow10(nm.places))).max(1))
                            as i64
                    }
                };
                (ppm, 6)
            }
            Aggregate::Sum(_) => (lv.base[ms[0]] * active.max(1), self.metrics[ms[0]].places),
            _ => (lv.base[ms[0]], self.metrics[ms[0]].places),
        }
    }

    /// A KPI's target for a subject active `active` months of `period`, as
    /// text: a little above its level (below for lower-is-better).
    pub(super) fn target(&self, k: usize, lv: &Levels, active: i64, buf: &mut String) {
        let (up, down) = target_factor(self.lp.policy.kpis[k].direction);
        let (v, places) = self.level(k, lv, active);
        push_fixed(buf, scaled(v, up, down).max(1), places);
    }
}

/// Generated targets are this fraction of a subject's level.
pub(super) fn target_factor(d: Direction) -> (i64, i64) {
    match d {
        Direction::Higher => (102, 100),
        Direction::Lower => (98, 100),
    }
}

/// Index of metric `name`, added with a size-scaled count model when new.
fn index(ms: &mut Vec<MetricModel>, name: &str) -> (usize, bool) {
    if let Some(i) = ms.iter().position(|m| m.name == name) {
        return (i, false);
    }
    ms.push(MetricModel {
        name: name.to_owned(),
        places: 0,
        scale: 200 + (name_hash(name) % 4800) as i64,
        intensive: false,
        cap: None,
        derived: None,
        scopes: [false; 3],
    });
    (ms.len() - 1, true)
}

fn rate_unit(k: &Kpi) -> bool {
    ["ratio", "rate", "percent", "%", "share"].contains(&k.unit.to_ascii_lowercase().as_str())
}

/// Decides each metric's unit, scale and ratio structure from the KPIs.
pub(super) fn metric_models(lp: &LoadedPolicy) -> (Vec<MetricModel>, Vec<Vec<usize>>) {
    let p = &lp.policy;
    let mut ms: Vec<MetricModel> = Vec::new();
    let mut kpi_metrics = vec![Vec::new(); p.kpis.len()];
    // Plain aggregates first, so a ratio's numerator keeps its own unit.
    for (ki, k) in p.kpis.iter().enumerate() {
        if !matches!(k.aggregate, Aggregate::Ratio { .. }) {
            kpi_metrics[ki] = vec![plain_model(&mut ms, k, &p.currency)];
        }
    }
    for (ki, k) in p.kpis.iter().enumerate() {
        if let Aggregate::Ratio {
            numerator,
            denominator,
        } = &k.aggregate
        {
            kpi_metrics[ki] = ratio_model(&mut ms, k, numerator, denominator);
        }
    }
    for k in &p.kpis {
        let s = scope_index(k.scope);
        for name in k.aggregate.metrics() {
            let mut x = ms.iter().position(|m| m.name == name);
            // A numerator needs its denominator at the same scope.
            while let Some(i) = x {
                ms[i].scopes[s] = true;
                x = ms[i].derived.map(|(d, _)| d);
            }
        }
    }
    (ms, kpi_metrics)
}

/// The metric of a KPI that is not a ratio: intensive around a fixed
/// target or as a rate, money at two places, else a count.
fn plain_model(ms: &mut Vec<MetricModel>, k: &Kpi, currency: &str) -> usize {
    let name = k.aggregate.metrics()[0];
    let (i, new) = index(ms, name);
    if !new {
        return i;
    }
    let m = &mut ms[i];
    let unit = k.unit.to_ascii_lowercase();
    let money = k.unit == currency
        || ["money", "currency", "cny", "usd", "eur", "元"].contains(&unit.as_str());
    if let TargetSource::Fixed(t) = &k.target {
        // A fixed target applies to everyone whatever their size.
        let per_month = if matches!(k.aggregate, Aggregate::Sum(_)) {
            t.0 / Decimal::from(3)
        } else {
            t.0
        };
        m.intensive = true;
        m.places = t.0.scale().clamp(2, 6);
        m.scale = mantissa(per_month, m.places).max(1);
        if rate_unit(k) {
            m.cap = Some(pow10(m.places));
        }
    } else if rate_unit(k) {
        m.intensive = true;
        m.places = 4;
        m.scale = 5000;
        m.cap = Some(10_000);
    } else if money {
        m.places = 2;
        m.scale = (100_000 + (name_hash(name) % 200_000) as i64) * 100;
    }
    i
}

/// A ratio KPI's numerator and denominator; the numerator is drawn as a
/// rate of the denominator unless that would make a cycle.
fn ratio_model(
    ms: &mut Vec<MetricModel>,
    k: &Kpi,
    numerator: &str,
    denominator: &str,
) -> Vec<usize> {
    let (d, _) = index(ms, denominator);
    let (n, n_new) = index(ms, numerator);
    if ms[n].derived.is_some() || ms[n].intensive || ms[d].intensive {
        return vec![n, d];
    }
    // No cycles: the denominator must not already derive from the numerator.
    let mut x = Some(d);
    while let Some(i) = x {
        if i == n {
            return vec![n, d];
        }
        x = ms[i].derived.map(|(den, _)| den);
    }
    let rate = match &k.target {
        TargetSource::Fixed(t) => mantissa(t.0, 6).max(1),
        _ if !n_new => {
            let (nm, dm) = (&ms[n], &ms[d]);
            (i128::from(nm.scale) * i128::from(pow10(dm.places)) * 1_000_000
                / (i128::from(dm.scale) * i128::from(pow10(nm.places))).max(1)) as i64
        }
        _ if k.direction == Direction::Lower => 20_000,
        _ => 50_000,
    };
    ms[n].derived = Some((d, rate.max(1)));
    vec![n, d]
}
