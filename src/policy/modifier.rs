//! `bonus.modifiers` — multiplicative factors on the bonus formula: by
//! rating band, by the manager's rating (the review as a modifier, not
//! blended into the score), or by a KPI's achievement through a curve of
//! points (docs/policy.md, Modifiers).

use super::curve::Points;
use super::locate::Seg;
use super::model::Policy;
use super::validate::Ctx;
use crate::decimal::Dec;
use crate::error::Diagnostics;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One factor; exactly one of `band`, `review`, `kpi`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Modifier {
    /// Factor per rating band code, every band listed.
    pub band: Option<BTreeMap<String, Dec>>,
    /// Factor per manager rating, every rating of the review scale listed.
    pub review: Option<Vec<ReviewFactor>>,
    /// Factor from a KPI's achievement through a curve of points
    /// (`score` is the factor).
    pub kpi: Option<KpiFactor>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewFactor {
    pub rating: Dec,
    pub factor: Dec,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiFactor {
    /// The KPI whose achievement gives the factor.
    pub id: String,
    /// `{ achievement, score }` points, `score` being the factor; `below`
    /// the factor below the first point (default 0).
    #[serde(flatten)]
    pub curve: Points,
}

/// A pool funded by a formula: `share` × (the KPI's actual for the pool's
/// subject − `above`), not below 0, at most `cap`, cut down to the cent.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    /// A KPI of the pool's scope (`company` or `department`).
    pub kpi: String,
    /// The part of the amount above the hurdle that funds the pool.
    pub share: Dec,
    /// The hurdle (default 0).
    #[serde(default)]
    pub above: Dec,
    /// The most the pool may be.
    pub cap: Option<Dec>,
}

/// The funding KPI exists with the pool's scope; share in (0, 1].
fn check_funding(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    let Some(pool) = &p.bonus.pool else { return };
    let Some(f) = &pool.funding else { return };
    let at = [Key("bonus"), Key("pool"), Key("funding")];
    match p.kpis.iter().find(|k| k.id == f.kpi) {
        None => {
            let h = super::hint(&f.kpi, p.kpis.iter().map(|k| k.id.as_str()));
            diags.push(ctx.error(
                &at,
                format!("pool funding: KPI '{}' is not defined{h}", f.kpi),
            ));
        }
        Some(k) if k.scope != pool.scope => diags.push(
            ctx.error(
                &at,
                format!(
                    "pool funding: KPI '{}' is not of the pool's scope ({:?})",
                    f.kpi, pool.scope
                )
                .to_lowercase()
                .replace("pool funding: kpi", "pool funding: KPI"),
            ),
        ),
        Some(_) => {}
    }
    if f.share.0 <= rust_decimal::Decimal::ZERO || f.share.0 > rust_decimal::Decimal::ONE {
        diags.push(ctx.error(
            &at,
            "pool funding: share is more than 0 and at most 1 (0.05 is 5 %)",
        ));
    }
    if f.cap.is_some_and(|c| c.0.is_sign_negative()) || f.above.0.is_sign_negative() {
        diags.push(ctx.error(&at, "pool funding: above and cap must not be negative"));
    }
}

/// Conditions for any bonus: an employee who misses one gets none.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Qualifiers {
    /// Whole months from hire to the period's end, at least.
    pub min_tenure_months: Option<u32>,
    /// The band (after calibration) must be this one or a better one.
    pub min_band: Option<String>,
}

/// Qualifiers name a band that exists; the money limits are money.
fn check_limits(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    let b = &p.bonus;
    if let Some(band) = &b.qualifiers.min_band {
        if !p.rating_bands.iter().any(|x| &x.band == band) {
            let h = super::hint(band, p.rating_bands.iter().map(|x| x.band.as_str()));
            diags.push(ctx.error(
                &[Key("bonus"), Key("qualifiers"), Key("min_band")],
                format!("min_band '{band}' is not a rating band{h}"),
            ));
        }
    }
    if let Some(name) = &b.fte {
        if !p.inputs.get(name).is_some_and(|i| i.kind.is_number()) {
            let h = super::hint(name, p.inputs.keys().map(String::as_str));
            diags.push(ctx.error(
                &[Key("bonus"), Key("fte")],
                format!("fte: '{name}' is not a number input{h}"),
            ));
        }
    }
    let places = p.rounding.money_places;
    for (key, v) in [("min_amount", b.min_amount), ("max_amount", b.max_amount)] {
        if v.is_some_and(|v| v.0.is_sign_negative() || v.0.normalize().scale() > places) {
            diags.push(ctx.error(
                &[Key("bonus"), Key(key)],
                format!("{key} is money: not negative, at most {places} decimals"),
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (b.min_amount, b.max_amount) {
        if lo.0 > hi.0 {
            diags.push(ctx.error(
                &[Key("bonus"), Key("min_amount")],
                "min_amount is above max_amount",
            ));
        }
    }
}

/// Problems of a KPI modifier: the KPI, its roles and its points.
fn kpi_problems(p: &Policy, k: &KpiFactor) -> Vec<String> {
    let mut out = Vec::new();
    if !p.kpis.iter().any(|x| x.id == k.id) {
        let h = super::hint(&k.id, p.kpis.iter().map(|x| x.id.as_str()));
        out.push(format!("KPI '{}' is not defined{h}", k.id));
    }
    for name in super::check_plan::roles_without(p, &k.id, |_| true) {
        out.push(format!("role '{name}' does not list KPI '{}' in its weights, so it is not evaluated for its people (add it with weight 0)", k.id));
    }
    if k.curve.points.len() < 2 {
        out.push("a KPI modifier needs at least two points".into());
    }
    // Order, jumps and bounds as for a scoring curve of points.
    if super::curve::misplaced(&k.curve.points) {
        out.push(
            "points are in order of achievement, not below 0, at most two at one achievement"
                .into(),
        );
    }
    out
}

pub(super) fn check(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    check_limits(ctx, p, diags);
    check_funding(ctx, p, diags);
    for (i, m) in p.bonus.modifiers.iter().enumerate() {
        let at = [Key("bonus"), Key("modifiers"), Index(i)];
        let mut err = |m: String| diags.push(ctx.error(&at, format!("modifier {}: {m}", i + 1)));
        match (&m.band, &m.review, &m.kpi) {
            (Some(b), None, None) => {
                for band in &p.rating_bands {
                    if !b.contains_key(&band.band) {
                        err(format!(
                            "band {} has no factor (list every band)",
                            band.band
                        ));
                    }
                }
                for k in b
                    .keys()
                    .filter(|k| !p.rating_bands.iter().any(|x| &x.band == *k))
                {
                    err(format!("'{k}' is not a rating band"));
                }
            }
            (None, Some(_), None) | (None, None, Some(_)) if p.evaluation.year_from_quarters.is_some() => {
                err("review and KPI modifiers are not supported with evaluation.year_from_quarters (a year has quarter ratings and quarter achievements); use band".into())
            }
            (None, Some(r), None) => match &p.review {
                None => err("the policy has no review scale".into()),
                Some(scale) => {
                    for s in &scale.scale {
                        if !r.iter().any(|f| f.rating.0 == s.rating.0) {
                            err(format!(
                                "rating {} of the review scale has no factor",
                                s.rating
                            ));
                        }
                    }
                }
            },
            (None, None, Some(k)) => kpi_problems(p, k).into_iter().for_each(&mut err),
            _ => err("a modifier takes exactly one of: band, review, kpi".into()),
        }
        let points = m.kpi.iter().flat_map(|k| {
            k.curve
                .points
                .iter()
                .map(|p| &p.score)
                .chain([&k.curve.below])
        });
        let negative = m
            .band
            .iter()
            .flat_map(|b| b.values())
            .chain(m.review.iter().flatten().map(|f| &f.factor))
            .chain(points);
        if negative.into_iter().any(|v| v.0.is_sign_negative()) {
            diags.push(ctx.error(
                &at,
                format!("modifier {}: a factor must not be negative", i + 1),
            ));
        }
    }
}
