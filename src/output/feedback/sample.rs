//! A sample statement with every optional part present, rendered with each
//! policy template at load so that a misspelt variable is found early.

use super::statement::{
    AwardRow, BonusInfo, EmployeeInfo, Highlight, KpiRow, PeriodInfo, PolicyInfo, PoolInfo,
    ProjectRow, ReviewRow, Statement,
};
use super::terms::{AppealInfo, RatingInfo};
use crate::policy::Language;

impl Statement {
    /// A statement with every optional part present, for checking templates.
    pub fn sample(lang: Language) -> Statement {
        Statement {
            lang: lang.code(),
            policy: PolicyInfo {
                id: s("sample"),
                version: s("1"),
                title: s("Sample plan"),
            },
            period: PeriodInfo {
                label: s("2026-Q3"),
                start: s("2026-07-01"),
                end: s("2026-09-30"),
                days: 92,
            },
            currency: s("CNY"),
            currency_label: s("CNY"),
            employee: sample_employee(),
            kpis: vec![
                sample_kpi("gmv", "GMV", true),
                sample_kpi("dau", "DAU", false),
            ],
            review: Some(ReviewRow {
                rating: s("4"),
                score: s("115"),
                weight: s("20%"),
                contribution: s("23"),
            }),
            review_missing: true,
            score: s("101.25"),
            rating: RatingInfo {
                band: s("B"),
                name: s("Good"),
                min_score: Some(s("90")),
                next_band: Some(s("A")),
                next_min_score: Some(s("105")),
                calibrated_from: Some(s("A")),
                multiplier: Some(s("1")),
            },
            bonus: sample_bonus(),
            recognition: vec![AwardRow {
                id: s("public_praise"),
                kind: "recognition",
                award: s("Public praise"),
                reason: Some(s("Rated A")),
            }],
            strengths: vec![sample_highlight(None)],
            improvements: vec![sample_highlight(Some("50"))],
            actions: vec![s("Pair with a mentor")],
            appeal: Some(AppealInfo {
                contact: s("HR"),
                days: 15,
                deadline: s("2026-10-15"),
                deadline_text: s("15 October 2026"),
            }),
        }
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

fn sample_kpi(id: &str, name: &str, met: bool) -> KpiRow {
    KpiRow {
        id: s(id),
        name: s(name),
        team: !met,
        unit: s("count"),
        direction: "higher",
        actual: s("1,050"),
        target: s("1,000"),
        target_source: s("targets table"),
        achievement: s("105.00%"),
        score: s("107.50"),
        weight: s("30%"),
        contribution: s("32.25"),
        met,
        bar: s("210"),
        actual_exact: s("1050"),
        target_exact: s("1000"),
        achievement_exact: s("1.0500"),
    }
}

fn sample_highlight(gap: Option<&str>) -> Highlight {
    Highlight {
        name: s("GMV"),
        team: false,
        actual: s("1,050"),
        target: s("1,000"),
        achievement: s("105.00%"),
        gap: gap.map(s),
    }
}

fn sample_employee() -> EmployeeInfo {
    EmployeeInfo {
        id: s("E000"),
        name: s("Sample"),
        department: s("Growth"),
        department_id: s("growth"),
        parent_department: Some(s("Platform")),
        cost_centre: Some(s("CC-100")),
        role: s("commerce"),
        role_name: s("Commerce"),
        hire_date: s("2020-01-01"),
        termination_date: Some(s("2026-09-15")),
        manager_id: Some(s("E001")),
    }
}

fn sample_bonus() -> BonusInfo {
    BonusInfo {
        target_bonus: s("10,000.00"),
        formula_bonus: s("10,125.00"),
        cap: Some(s("15,000.00")),
        capped: true,
        days_employed: 77,
        period_days: 92,
        proration_num: s("77"),
        proration_den: Some(s("92")),
        proration_unit: " days",
        prorated: true,
        pool: Some(PoolInfo {
            pool: s("growth"),
            factor: s("0.95"),
            before: s("8,474.18"),
        }),
        bonus: s("8,050.47"),
        commissions: Vec::new(),
        clawbacks: Vec::new(),
        spans: Vec::new(),
        balance: None,
        projects: vec![ProjectRow {
            name: s("Launch"),
            amount: s("1,000.00"),
        }],
        project_bonus: s("1,000.00"),
        target_money: s("CNY 8,000.00"),
        total_money: s("CNY 9,050.47"),
        total: s("9,050.47"),
    }
}
