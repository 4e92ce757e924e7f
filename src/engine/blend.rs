//! Stage: weights and blend, then rating — the employee's KPI scores weighed
//! by role, blended with the manager review, and placed in a rating band.

use crate::exact::{Exact, Num};
use crate::policy::{MissingReview, Policy};
use rust_decimal::Decimal;

/// The manager review as used for one employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewUse {
    /// The role does not weigh the review.
    NotWeighed,
    /// Rating found: its score and weight (percent).
    Rated {
        rating: Decimal,
        score: Decimal,
        weight: Decimal,
        contribution: Decimal,
    },
    /// No rating; the KPI weights were scaled up to fill the review's share.
    MissingRenormalized { review_weight: Decimal },
}

/// The percent the KPI weights share: 100, or 100 − the review weight when
/// a missing review is re-normalised (each weight is then w × 100 ÷ share).
pub fn weight_share(review: &ReviewUse) -> Decimal {
    match review {
        ReviewUse::MissingRenormalized { review_weight } => Decimal::ONE_HUNDRED - review_weight,
        _ => Decimal::ONE_HUNDRED,
    }
}

/// The factor the KPI weights were scaled by (100 ÷ share), for display.
pub fn weight_factor(review: &ReviewUse) -> Decimal {
    Num::mul_div(Decimal::ONE_HUNDRED, Decimal::ONE, weight_share(review)).approx()
}

/// Decides how the review enters the score; `Err` when the policy says a
/// missing rating must stop the run.
pub fn review(
    policy: &Policy,
    weight: Decimal,
    rating: Option<Decimal>,
) -> Result<ReviewUse, String> {
    if weight.is_zero() {
        return Ok(ReviewUse::NotWeighed);
    }
    let Some(rv) = &policy.review else {
        return Ok(ReviewUse::NotWeighed);
    };
    match rating {
        Some(r) => {
            let step = rv.scale.iter().find(|s| s.rating.0 == r).ok_or_else(|| format!("rating {r} is not on the review scale"))?;
            Ok(ReviewUse::Rated {
                rating: r,
                score: step.score.0,
                weight,
                contribution: step.score.0 * weight / Decimal::ONE_HUNDRED,
            })
        }
        None => match rv.missing {
            MissingReview::Fail => Err("has no manager rating for the period, and the policy's review.missing is 'fail'".into()),
            MissingReview::Renormalize if weight == Decimal::ONE_HUNDRED => {
                Err("has no manager rating, and the review is the role's whole weight, so nothing is left to re-normalise".into())
            }
            MissingReview::Renormalize => Ok(ReviewUse::MissingRenormalized { review_weight: weight }),
        },
    }
}

/// Final score: Σ KPI score × weight ÷ 100 (+ the review's score × weight
/// ÷ 100), exact, rounded once at the policy's score places. `kpis` gives
/// (score, weight as the role writes it); re-normalised weights enter as
/// one division by (100 − review weight), never as a cut factor. `None`
/// when the rounded score does not fit a decimal.
pub fn final_score<'a>(
    kpis: impl Iterator<Item = (Decimal, &'a Num)> + Clone,
    review: &ReviewUse,
    policy: &Policy,
) -> Option<Decimal> {
    // Walked twice rather than collected: this runs once per employee.
    if kpis.clone().any(|(_, w)| matches!(w, Num::Exact(_))) {
        return final_score_exact(kpis, review, policy);
    }
    // Checked: a scoring script may return any number.
    let mut sum = Decimal::ZERO;
    for (score, weight) in kpis {
        sum = sum.checked_add(score.checked_mul(weight.approx())?)?;
    }
    let (sum, den) = match review {
        ReviewUse::Rated { score, weight, .. } => (
            sum.checked_add(score.checked_mul(*weight)?)?,
            Decimal::ONE_HUNDRED,
        ),
        ReviewUse::MissingRenormalized { review_weight } => {
            (sum, Decimal::ONE_HUNDRED - review_weight)
        }
        ReviewUse::NotWeighed => (sum, Decimal::ONE_HUNDRED),
    };
    let r = &policy.rounding;
    Num::mul_div(sum, Decimal::ONE, den).round(r.score_places, r.mode)
}

/// [`final_score`] with a weight that is a fraction (`100/3`): the same
/// sum as one exact fraction, rounded once.
fn final_score_exact<'a>(
    kpis: impl Iterator<Item = (Decimal, &'a Num)>,
    review: &ReviewUse,
    policy: &Policy,
) -> Option<Decimal> {
    let mut sum: Exact = kpis.map(|(s, w)| w.exact() * s).sum();
    let den = match review {
        ReviewUse::Rated { score, weight, .. } => {
            sum = sum + Exact::from(*score) * *weight;
            Decimal::ONE_HUNDRED
        }
        ReviewUse::MissingRenormalized { review_weight } => Decimal::ONE_HUNDRED - review_weight,
        ReviewUse::NotWeighed => Decimal::ONE_HUNDRED,
    };
    let r = &policy.rounding;
    (sum / Exact::from(den)).round(r.score_places, r.mode)
}

/// `a × w ÷ d` for display (a weight re-normalised, a contribution): exact
/// where it has a finite decimal form, else to 28 significant digits.
pub fn times_over(a: Decimal, w: &Num, d: Decimal) -> Decimal {
    use crate::exact_small::{approx_ratio, parts, quotient};
    // Small fractions in i128 (the same digits); big ones exactly.
    let w_parts = match w {
        Num::Dec(w) => parts(*w),
        Num::Exact(x) => x.to_i128_parts(),
    };
    let fast = || {
        let (n, den) = quotient(parts(a)?, w_parts?, parts(d)?)?;
        approx_ratio(n, den)
    };
    // A product and quotient a `Decimal` holds keep their decimal places.
    if let Num::Dec(w) = w {
        let q = crate::exact::exact_mul(a, *w).and_then(|p| crate::exact::exact_div(p, d));
        if let Some(q) = q {
            return q;
        }
    }
    if let Some(v) = fast() {
        return v;
    }
    match w {
        Num::Dec(w) => Num::mul_div(a, *w, d).approx(),
        Num::Exact(x) => (x.clone() * a / Exact::from(d)).approx(),
    }
}

/// The first band (best first) whose `min_score` the score reaches.
pub fn band(policy: &Policy, score: Decimal) -> &str {
    policy
        .rating_bands
        .iter()
        .find(|b| b.min_score.is_none_or(|m| score >= m.0))
        .map(|b| b.band.as_str())
        .unwrap_or("")
}
