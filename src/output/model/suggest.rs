//! `merit model --suggest-targets`: `suggestions.csv` and a section of
//! model.html (engine/suggest.rs computes them).

use super::page::t;
use super::Model;
use crate::engine::suggest::Suggestion;
use crate::output::csv::Csv;
use crate::output::display::esc;
use crate::output::OutFile;
use rust_decimal::Decimal;
use std::fmt::Write;

pub const COLUMNS: [&str; 10] = [
    "period",
    "kpi",
    "department",
    "employees",
    "share",
    "growth_now",
    "met_now",
    "growth_suggested",
    "met_suggested",
    "history",
];

/// The suggestions of each period, with the share asked for.
pub struct Suggestions {
    pub share: Decimal,
    /// (period label, suggestions).
    pub periods: Vec<(String, Vec<Suggestion>)>,
}

pub fn csv(s: &Suggestions) -> OutFile {
    let mut c = Csv::with_header(&COLUMNS);
    let mut rows = 0;
    for (period, list) in &s.periods {
        for x in list {
            c.text(period)
                .text(&x.kpi)
                .text(&x.department)
                .num(x.people)
                .plain(s.share)
                .plain(x.growth_now)
                .num(x.met_now)
                .num(
                    x.growth
                        .map(|g| g.normalize().to_string())
                        .unwrap_or_default(),
                )
                .num(x.met)
                .text(&x.history);
            c.end();
            rows += 1;
        }
    }
    OutFile {
        rel: "suggestions.csv".into(),
        bytes: c.finish().into_bytes(),
        rows,
    }
}

pub fn section(m: &Model, s: &Suggestions) -> String {
    let lang = m.lang;
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<section id=\"suggestions\">\n<h2>{}</h2>\n<p class=\"note\">{}{}%</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead>\n<tbody>",
        t(lang, "目标增长率建议（新方案）", "Suggested target growth (new plan)"),
        t(
            lang,
            "基于历史的目标：使达到或超过目标的员工比例至少为 ",
            "History-based targets: the growth that puts at least this share of employees at or above target: "
        ),
        (s.share * Decimal::ONE_HUNDRED).normalize(),
        t(lang, "期间", "Period"),
        t(lang, "指标", "KPI"),
        t(lang, "部门", "Department"),
        t(lang, "人数", "People"),
        t(lang, "现增长率", "Growth now"),
        t(lang, "现达标", "Met now"),
        t(lang, "建议增长率", "Suggested growth"),
        t(lang, "建议下达标", "Would meet"),
        t(lang, "所用历史", "History used"),
    );
    for (period, list) in &s.periods {
        for x in list {
            let dept = match x.department.as_str() {
                "all" => t(lang, "全部", "All").to_owned(),
                d => m.departments.get(d).cloned().unwrap_or(d.to_owned()),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(period),
                esc(&x.kpi),
                esc(&dept),
                x.people,
                x.growth_now.normalize(),
                x.met_now,
                x.growth.map_or("–".into(), |g| g.normalize().to_string()),
                x.met,
                esc(&x.history),
            );
        }
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
    h
}
