//! The parts of a statement that explain the result in words: where the
//! department sits, how the rating band was reached and what it multiplies
//! the bonus by, and how to appeal.

use crate::data::Data;
use crate::engine::{EmployeeResult, RunResult};
use crate::output::display::{date_in, department_name};
use crate::policy::{Language, LoadedPolicy};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RatingInfo {
    pub band: String,
    pub name: String,
    /// The lowest final score of the band; none for the last band.
    pub min_score: Option<String>,
    /// The next better band and its lowest score; none for the best band.
    pub next_band: Option<String>,
    pub next_min_score: Option<String>,
    /// The band the score reached, when forced distribution moved the
    /// employee down from it.
    pub calibrated_from: Option<String>,
    /// The band's factor on the bonus (`bonus.modifiers` with `band:`);
    /// none when the plan has none (a factor inside a Rhai script is not
    /// visible to merit).
    pub multiplier: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppealInfo {
    /// Whom to ask, in the statement's language.
    pub contact: String,
    /// Calendar days after the period's last day.
    pub days: u32,
    /// The last day, `YYYY-MM-DD`, and as written in running text.
    pub deadline: String,
    pub deadline_text: String,
}

/// The department's display name in `lang` (the id without a
/// `departments` table or row), its parent's, and its cost centre.
pub(super) fn department(
    data: &Data,
    id: &str,
    lang: Language,
) -> (String, Option<String>, Option<String>) {
    let name = |id: &str| department_name(data, id, lang);
    let row = data.departments.get(id);
    let parent = row.and_then(|d| d.parent.as_deref()).map(name);
    let cost = row.and_then(|d| d.cost_centre.clone());
    (name(id), parent, cost)
}

/// The band, how the score reached it, and its multiplier.
pub(super) fn rating(lp: &LoadedPolicy, r: &EmployeeResult, lang: Language) -> RatingInfo {
    let bands = &lp.policy.rating_bands;
    let at = bands.iter().position(|b| b.band == r.band);
    let band = at.map(|i| &bands[i]);
    let next = at.filter(|&i| i > 0).map(|i| &bands[i - 1]);
    let min = |b: &crate::policy::RatingBand| b.min_score.map(|m| m.0.normalize().to_string());
    let multiplier = r
        .modifiers
        .iter()
        .find(|(why, _)| why.strip_prefix("band ") == Some(r.band.as_str()))
        .map(|(_, f)| f.normalize().to_string());
    RatingInfo {
        band: r.band.clone(),
        name: band
            .and_then(|b| b.name.as_ref())
            .map_or_else(String::new, |n| n.get(lang).to_owned()),
        min_score: band.and_then(min),
        next_band: next.map(|b| b.band.clone()),
        next_min_score: next.and_then(min),
        calibrated_from: r.calibrated_from.clone(),
        multiplier,
    }
}

/// The appeal paragraph, when the policy has `feedback.appeal`.
pub(super) fn appeal(lp: &LoadedPolicy, run: &RunResult, lang: Language) -> Option<AppealInfo> {
    let a = lp.policy.feedback.appeal.as_ref()?;
    let deadline = run.period.end() + chrono::Days::new(u64::from(a.days));
    Some(AppealInfo {
        contact: a.contact.get(lang).to_owned(),
        days: a.days,
        deadline: deadline.to_string(),
        deadline_text: date_in(deadline, lang),
    })
}
