//! [`Statement`], what a statement template sees, and how one employee's
//! results become one.

use super::terms::{self, AppealInfo, RatingInfo};
use crate::data::Data;
use crate::decimal::{push_decimal, RoundingMode};
use crate::engine::blend::ReviewUse;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::{EmployeeResult, KpiLine, RunResult};
use crate::output::display::{currency_label, gap, money, money_in, percent, trimmed, value};
use crate::policy::{Direction, KpiScope, Language, LoadedPolicy};
use rust_decimal::Decimal;
use serde::Serialize;

/// What a statement template sees. Numbers are preformatted text (grouped
/// digits, percentages, money in the policy's places); `*_exact` fields
/// hold the exact decimals.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    /// `zh-CN` or `en`.
    pub lang: &'static str,
    pub policy: PolicyInfo,
    pub period: PeriodInfo,
    pub currency: String,
    /// The currency in a column heading: `元` for yuan in Chinese, else the code.
    pub currency_label: String,
    pub employee: EmployeeInfo,
    pub kpis: Vec<KpiRow>,
    /// The manager review, when it was part of the score.
    pub review: Option<ReviewRow>,
    /// No rating for the period: KPI weights were scaled up to 100%.
    pub review_missing: bool,
    pub score: String,
    pub rating: RatingInfo,
    pub bonus: BonusInfo,
    pub recognition: Vec<AwardRow>,
    /// Best KPIs at or above target, best first.
    pub strengths: Vec<Highlight>,
    /// Weakest KPIs below target, weakest first.
    pub improvements: Vec<Highlight>,
    /// Suggested actions whose condition holds.
    pub actions: Vec<String>,
    /// Whom to ask and by when (`feedback.appeal`); none without it.
    pub appeal: Option<AppealInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub version: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodInfo {
    pub label: String,
    pub start: String,
    pub end: String,
    pub days: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmployeeInfo {
    pub id: String,
    pub name: String,
    /// The department's name from the `departments` table, else its id.
    pub department: String,
    pub department_id: String,
    /// The name of the department it belongs to, if the table gives one.
    pub parent_department: Option<String>,
    pub cost_centre: Option<String>,
    pub role: String,
    pub role_name: String,
    pub hire_date: String,
    pub termination_date: Option<String>,
    pub manager_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KpiRow {
    pub id: String,
    pub name: String,
    /// A department or company KPI shared by the team.
    pub team: bool,
    pub unit: String,
    /// `higher` or `lower` is better.
    pub direction: &'static str,
    pub actual: String,
    pub target: String,
    pub target_source: String,
    pub achievement: String,
    pub score: String,
    pub weight: String,
    pub contribution: String,
    /// Target reached (achievement ≥ 100%).
    pub met: bool,
    /// Bar length for an achievement chart: 200 at 100%, 300 at 150% or more.
    pub bar: String,
    pub actual_exact: String,
    pub target_exact: String,
    pub achievement_exact: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub rating: String,
    pub score: String,
    pub weight: String,
    pub contribution: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BonusInfo {
    /// The period's target bonus (base × target % × months ÷ 12).
    pub target_bonus: String,
    /// What the policy's formula gave, before cap and proration.
    pub formula_bonus: String,
    /// The cap amount, when the policy has one.
    pub cap: Option<String>,
    /// The formula's result was above the cap.
    pub capped: bool,
    pub days_employed: i64,
    pub period_days: i64,
    /// The factor as applied: `proration_num / proration_den` in
    /// `proration_unit` (` 天`, ` working days`, ` months`…), or a rounded
    /// factor `× proration_num` when there is no denominator.
    pub proration_num: String,
    pub proration_den: Option<String>,
    pub proration_unit: &'static str,
    /// Employed for part of the period only.
    pub prorated: bool,
    /// Department pool scaling, when the policy has pools.
    pub pool: Option<PoolInfo>,
    pub bonus: String,
    pub projects: Vec<ProjectRow>,
    pub project_bonus: String,
    /// `target_bonus` and `total` with the currency as the language
    /// writes money: `¥12,345.67`, `CNY 12,345.67`.
    pub target_money: String,
    pub total_money: String,
    /// One row per commission the role earns, in policy order.
    pub commissions: Vec<CommissionRow>,
    /// One row per deal a refund clawed back from.
    pub clawbacks: Vec<ClawbackRow>,
    /// The parts of a period cut by mid-period changes, in date order
    /// (the rows above are then the last part's); empty without one.
    pub spans: Vec<SpanRow>,
    /// Draw, recovery and a carried negative period (stateful plans), as
    /// money; none for other plans.
    pub balance: Option<BalanceRows>,
    pub total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BalanceRows {
    pub draw: String,
    pub recovered: String,
    pub carried: String,
    pub owed_after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommissionRow {
    /// The commission's name in the statement's language.
    pub name: String,
    /// The credited amount it was paid on.
    pub credited: String,
    /// The quota, for commissions on attainment.
    pub quota: Option<String>,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpanRow {
    pub from: String,
    pub to: String,
    pub role_name: String,
    pub target_bonus: String,
    pub score: String,
    pub band: String,
    /// The span's factor, `N/D` or rounded.
    pub proration: String,
    /// Its share of the bonus.
    pub bonus: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClawbackRow {
    pub deal: String,
    /// Refunded in this period, and the deal's amount when it was paid.
    pub refunded: String,
    pub deal_amount: String,
    /// Not positive.
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolInfo {
    pub pool: String,
    pub factor: String,
    pub before: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub name: String,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AwardRow {
    pub id: String,
    pub kind: &'static str,
    pub award: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Highlight {
    pub name: String,
    pub team: bool,
    pub actual: String,
    pub target: String,
    pub achievement: String,
    /// How far from target (areas to improve only).
    pub gap: Option<String>,
}

/// `d.to_string()`, by [`push_decimal`]: a statement writes dozens.
fn text(d: Decimal) -> String {
    let mut s = String::with_capacity(32);
    push_decimal(&mut s, d);
    s
}

/// Achievement chart bar: 200 px at 100%, at most 300 px (150%).
fn bar(achievement: Decimal) -> String {
    let clamped = achievement.clamp(Decimal::ZERO, Decimal::new(15, 1));
    trimmed(clamped * Decimal::from(200), 1, Default::default())
}

fn names_of(lp: &LoadedPolicy, lang: Language, role: &str) -> String {
    lp.policy
        .roles
        .get(role)
        .and_then(|r| r.name.as_ref())
        .map_or_else(|| role.to_owned(), |n| n.get(lang).to_owned())
}

/// A KPI row with the achievement and KPI index it is ranked by.
type Ranked = (Decimal, usize, KpiRow);

/// Builds one employee's statement.
pub fn statement(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    r: &EmployeeResult,
    fb: &EmployeeFeedback,
    lang: Language,
) -> Statement {
    let p = &lp.policy;
    let e = &data.employees[r.employee];
    let kpi_rows: Vec<Ranked> = r.kpis.iter().map(|l| kpi_row(lp, l, lang)).collect();
    let (strengths, improvements) = highlights(lp, r, &kpi_rows, lang);
    let (review, review_missing) = review_row(r, p.rounding.mode);
    let (department, parent_department, cost_centre) = terms::department(data, &e.department, lang);
    Statement {
        lang: lang.code(),
        policy: PolicyInfo {
            id: p.id.clone(),
            version: p.version.clone(),
            title: p.title.get(lang).to_owned(),
        },
        period: PeriodInfo {
            label: run.period.label.clone(),
            start: run.period.start().to_string(),
            end: run.period.end().to_string(),
            days: run.period.days(),
        },
        currency: p.currency.clone(),
        currency_label: currency_label(&p.currency, lang),
        employee: EmployeeInfo {
            id: e.id.clone(),
            name: e.name.clone(),
            department,
            department_id: e.department.clone(),
            parent_department,
            cost_centre,
            role: e.role.clone(),
            role_name: names_of(lp, lang, &e.role),
            hire_date: e.hire_date.to_string(),
            termination_date: e.termination_date.map(|d| d.to_string()),
            manager_id: e.manager_id.clone(),
        },
        kpis: kpi_rows.into_iter().map(|(_, _, row)| row).collect(),
        review,
        review_missing,
        score: text(r.score),
        rating: terms::rating(lp, r, lang),
        bonus: bonus_info(lp, run, r, lang),
        recognition: fb
            .awards
            .iter()
            .map(|&i| {
                let rule = &p.recognition[i];
                AwardRow {
                    id: rule.id.clone(),
                    kind: rule.kind.as_str(),
                    award: rule.award.get(lang).to_owned(),
                    reason: rule.reason.as_ref().map(|n| n.get(lang).to_owned()),
                }
            })
            .collect(),
        strengths,
        improvements,
        actions: fb
            .actions
            .iter()
            .map(|&i| p.feedback.suggested_actions[i].text.get(lang).to_owned())
            .collect(),
        appeal: terms::appeal(lp, run, lang),
    }
}

/// One KPI line as text, ranked by achievement for the highlights.
fn kpi_row(lp: &LoadedPolicy, l: &KpiLine, lang: Language) -> Ranked {
    let p = &lp.policy;
    let mode = p.rounding.mode;
    let k = &p.kpis[l.kpi_ix()];
    let row = KpiRow {
        id: k.id.clone(),
        name: k.name.get(lang).to_owned(),
        team: k.scope != KpiScope::Individual,
        unit: k.unit.clone(),
        direction: match k.direction {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
        },
        actual: value(l.actual, &k.unit, lp),
        target: value(l.target, &k.unit, lp),
        target_source: l.target_source.to_string(),
        achievement: percent(l.achievement, mode),
        score: text(l.score),
        weight: format!("{}%", trimmed(l.weight, 2, mode)),
        contribution: trimmed(l.contribution, 4, mode),
        met: l.achievement >= Decimal::ONE,
        bar: bar(l.achievement),
        actual_exact: trimmed(l.actual, 28, mode),
        target_exact: trimmed(l.target, 28, mode),
        achievement_exact: text(l.achievement),
    };
    (l.achievement, l.kpi_ix(), row)
}

/// Strengths (KPIs at or above target) and areas to improve (below it).
fn highlights(
    lp: &LoadedPolicy,
    r: &EmployeeResult,
    kpi_rows: &[Ranked],
    lang: Language,
) -> (Vec<Highlight>, Vec<Highlight>) {
    let p = &lp.policy;
    let highlight = |(_, k, row): &Ranked, with_gap: bool| {
        let kpi = &p.kpis[*k];
        // The ranked rows are built from r.kpis, so the line is there.
        let line = r
            .kpis
            .iter()
            .find(|l| l.kpi_ix() == *k)
            .expect("from r.kpis");
        Highlight {
            name: row.name.clone(),
            team: row.team,
            actual: row.actual.clone(),
            target: row.target.clone(),
            achievement: row.achievement.clone(),
            gap: with_gap
                .then(|| gap(line.actual, line.target, kpi.direction, &kpi.unit, lang, lp)),
        }
    };
    // Best first (ties: policy order); weakest first.
    let mut best: Vec<&Ranked> = kpi_rows
        .iter()
        .filter(|(a, ..)| *a >= Decimal::ONE)
        .collect();
    best.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    let mut weak: Vec<&Ranked> = kpi_rows
        .iter()
        .filter(|(a, ..)| *a < Decimal::ONE)
        .collect();
    weak.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    let strengths = best
        .iter()
        .take(p.feedback.strengths)
        .map(|x| highlight(x, false))
        .collect();
    let improvements = weak
        .iter()
        .take(p.feedback.improvements)
        .map(|x| highlight(x, true))
        .collect();
    (strengths, improvements)
}

/// The review row, and whether a missing rating re-normalised the weights.
fn review_row(r: &EmployeeResult, mode: RoundingMode) -> (Option<ReviewRow>, bool) {
    match &r.review {
        ReviewUse::Rated {
            rating,
            score,
            weight,
            contribution,
        } => (
            Some(ReviewRow {
                rating: rating.normalize().to_string(),
                score: score.normalize().to_string(),
                weight: format!("{}%", trimmed(*weight, 2, mode)),
                contribution: trimmed(*contribution, 4, mode),
            }),
            false,
        ),
        ReviewUse::MissingRenormalized { .. } => (None, true),
        ReviewUse::NotWeighed => (None, false),
    }
}

/// The unit the proration factor counts (docs/policy.md, Bonus).
fn proration_unit(lp: &LoadedPolicy, lang: Language) -> &'static str {
    use crate::policy::Proration::*;
    let zh = lang == Language::ZhCn;
    match (lp.policy.bonus.proration, zh) {
        (Days, true) => " 天",
        (Days, false) => " days",
        (Weekdays, true) => " 个工作日",
        (Weekdays, false) => " working days",
        (Months, true) => " 个月",
        (Months, false) => " months",
        (None, _) => "",
    }
}

/// The bonus from target to total, each step as the statement shows it.
fn bonus_info(lp: &LoadedPolicy, run: &RunResult, r: &EmployeeResult, lang: Language) -> BonusInfo {
    let (num, den) = r.proration;
    BonusInfo {
        target_bonus: money(r.target_bonus, lp),
        formula_bonus: money(r.formula_bonus, lp),
        cap: r.cap.map(|c| money(c, lp)),
        capped: r.capped,
        days_employed: r.days_employed,
        period_days: run.period.days(),
        proration_num: num.normalize().to_string(),
        proration_den: (den != Decimal::ONE).then(|| den.normalize().to_string()),
        proration_unit: proration_unit(lp, lang),
        prorated: num != den,
        pool: r.pool.as_ref().map(|p| PoolInfo {
            pool: p.pool.clone(),
            factor: if p.requested.is_zero() {
                "1".into()
            } else {
                (p.budget / p.requested).round_dp(6).normalize().to_string()
            },
            // Grouped like every other amount (the sample statement is).
            before: money(p.before, lp),
        }),
        bonus: money(r.bonus, lp),
        projects: r
            .projects
            .iter()
            .map(|(name, amount)| ProjectRow {
                name: name.clone(),
                amount: money(*amount, lp),
            })
            .collect(),
        project_bonus: money(r.project_bonus, lp),
        target_money: money_in(r.target_bonus, lp, lang),
        total_money: money_in(r.total, lp, lang),
        commissions: r
            .commissions
            .iter()
            .map(|c| CommissionRow {
                name: {
                    let x = &lp.policy.commissions[c.commission];
                    x.name
                        .as_ref()
                        .map_or(x.id.as_str(), |n| n.get(lang))
                        .to_owned()
                },
                credited: money(c.credited, lp),
                quota: c.quota.map(|q| money(q, lp)),
                amount: money(c.amount, lp),
            })
            .collect(),
        clawbacks: r
            .clawbacks
            .iter()
            .map(|c| ClawbackRow {
                deal: c.deal_id.clone(),
                refunded: money(c.refunded, lp),
                deal_amount: money(c.deal_amount, lp),
                amount: money(c.amount, lp),
            })
            .collect(),
        spans: span_rows(lp, r, lang),
        balance: r.balance.as_ref().map(|b| BalanceRows {
            draw: money(b.draw, lp),
            recovered: money(b.recovered, lp),
            carried: money(b.carried, lp),
            owed_after: money(b.owed_after, lp),
        }),
        total: money(r.total, lp),
    }
}

/// The spans of a period cut by mid-period changes, as statement rows.
fn span_rows(lp: &LoadedPolicy, r: &EmployeeResult, lang: Language) -> Vec<SpanRow> {
    r.spans
        .iter()
        .map(|x| SpanRow {
            from: x.from.to_string(),
            to: x.to.to_string(),
            role_name: names_of(lp, lang, &x.role),
            target_bonus: money(x.target_bonus, lp),
            score: text(x.score),
            band: x.band.clone(),
            proration: crate::output::spans::proration(x.proration),
            bonus: money(x.bonus, lp),
        })
        .collect()
}
