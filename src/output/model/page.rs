//! `model.html`: one self-contained page (the report's inline style, SVG,
//! no script) comparing the baseline with the new plan — cost, cost per
//! department and band, the largest moves, KPI hit counts and pay for
//! performance. Every value from data or policy goes through [`esc`].

use super::tables::{fixed, totals, Group};
use super::{chart, Line, Model, Side};
use crate::output::display::{esc, grouped};
use crate::output::OutFile;
use crate::policy::Language;
use rust_decimal::Decimal;
use std::fmt::Write;

/// How many rises and falls the page lists.
const MOVES: usize = 10;

pub(super) fn t(lang: Language, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::ZhCn => zh,
        Language::En => en,
    }
}

/// Builds `model.html`; `more` are sections built elsewhere (plan health,
/// simulation, target suggestions), placed before the footer.
pub fn page(m: &Model, more: &[String]) -> OutFile {
    let lines = m.lines();
    let mut h = String::with_capacity(64 * 1024);
    head(&mut h, m);
    cards(&mut h, m, &lines);
    if m.periods.len() > 1 {
        per_period(&mut h, m);
    }
    let all = totals(m, &lines, |_| true);
    let depts: Vec<(String, &Group)> = (all.departments.iter())
        .map(|(id, g)| (m.departments.get(id).cloned().unwrap_or(id.clone()), g))
        .collect();
    let lang = m.lang;
    group_table(
        &mut h,
        m,
        t(lang, "各部门成本", "Cost by department"),
        t(lang, "部门", "Department"),
        &depts,
        &all.company,
    );
    let bands: Vec<(String, &Group)> = all.bands.iter().map(|(b, g)| (b.clone(), g)).collect();
    group_table(
        &mut h,
        m,
        t(
            lang,
            "各等级成本（各方案自己的等级）",
            "Cost by rating band (each plan's own bands)",
        ),
        t(lang, "等级", "Band"),
        &bands,
        &all.company,
    );
    moves(&mut h, m, &lines);
    kpi_hits(&mut h, m);
    chart::section(&mut h, m, &lines, lang);
    for s in more {
        h.push_str(s);
    }
    let _ = writeln!(
        h,
        "<footer>merit {} · {} {} {} · {} {} {}</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        t(lang, "基准", "baseline"),
        esc(&m.old.id),
        esc(&m.old.version),
        t(lang, "新方案", "new plan"),
        esc(&m.new.id),
        esc(&m.new.version),
    );
    OutFile {
        rel: "model.html".into(),
        bytes: h.into_bytes(),
        rows: lines.len(),
    }
}

fn head(h: &mut String, m: &Model) {
    let lang = m.lang;
    let title = t(lang, "方案模拟", "Plan model");
    let periods = esc(&m.periods.join(", ")).into_owned();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · {periods}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        lang.code(),
        crate::output::report::STYLE,
    );
    let _ = writeln!(
        h,
        "<header>\n<h1>{title} · {periods}</h1>\n<p class=\"meta\">{}: {} ({} {}) · {}: {} ({} {}) · {} {}</p>\n<p class=\"note\">{}</p>\n</header>",
        t(lang, "新方案", "New plan"),
        esc(&m.new.title),
        esc(&m.new.id),
        esc(&m.new.version),
        t(lang, "基准方案", "Baseline"),
        esc(&m.old.title),
        esc(&m.old.id),
        esc(&m.old.version),
        t(lang, "币种", "currency"),
        esc(&m.new.currency),
        t(
            lang,
            "两个方案在同一数据上计算；这不是发薪运行，不写入台账或归档。",
            "Both plans computed on the same data; this is not a pay run and writes no ledger entry or archive."
        ),
    );
}

fn money(m: &Model, d: Decimal) -> String {
    grouped(d, m.money_places(), m.new.mode)
}

/// `+1,234.00` for a rise.
fn signed(m: &Model, d: Decimal) -> String {
    let s = money(m, d);
    if d > Decimal::ZERO {
        format!("+{s}")
    } else {
        s
    }
}

fn pct(p: Option<Decimal>) -> String {
    p.map_or("–".into(), |p| {
        if p > Decimal::ZERO {
            format!("+{p}%")
        } else {
            format!("{p}%")
        }
    })
}

/// Total cost under each plan, the change, and how many win and lose.
fn cards(h: &mut String, m: &Model, lines: &[Line]) {
    let lang = m.lang;
    let (old, new) = m.costs();
    let total = Group {
        headcount: (0, 0),
        cost: (old, new),
    };
    let count = |f: fn(&Decimal) -> bool| lines.iter().filter(|l| f(&l.change())).count();
    let cards = [
        (t(lang, "基准方案成本", "Baseline cost"), money(m, old)),
        (t(lang, "新方案成本", "New plan cost"), money(m, new)),
        (
            t(lang, "变化", "Change"),
            format!(
                "{} ({})",
                signed(m, new - old),
                pct(total.change_pct(m.new.mode))
            ),
        ),
        (
            t(lang, "增加", "Paid more"),
            count(|c| *c > Decimal::ZERO).to_string(),
        ),
        (
            t(lang, "减少", "Paid less"),
            count(|c| *c < Decimal::ZERO).to_string(),
        ),
        (
            t(lang, "不变", "Unchanged"),
            count(Decimal::is_zero).to_string(),
        ),
    ];
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<div class=\"cards\" id=\"cost\">",
        t(lang, "总成本", "Total cost")
    );
    for (label, value) in cards {
        let _ = writeln!(h, "  <div class=\"card\"><div class=\"label\">{label}</div><div class=\"value\">{value}</div></div>");
    }
    let _ = writeln!(
        h,
        "</div>\n<p class=\"note\">{}{}{}</p>\n</section>",
        t(lang, "金额单位：", "Amounts in "),
        esc(&m.new.currency),
        t(
            lang,
            "；人数按员工×期间计。",
            "; people are counted once per period modelled."
        )
    );
}

/// Each period's cost under both plans.
fn per_period(h: &mut String, m: &Model) {
    let rows: Vec<(String, Group)> = (m.periods.iter().zip(&m.runs))
        .map(|(p, (o, n))| {
            let g = Group {
                headcount: (o.sides.len(), n.sides.len()),
                cost: (o.cost(), n.cost()),
            };
            (p.clone(), g)
        })
        .collect();
    let (old, new) = m.costs();
    let all = Group {
        headcount: (
            rows.iter().map(|r| r.1.headcount.0).sum(),
            rows.iter().map(|r| r.1.headcount.1).sum(),
        ),
        cost: (old, new),
    };
    let refs: Vec<(String, &Group)> = rows.iter().map(|(p, g)| (p.clone(), g)).collect();
    let lang = m.lang;
    group_table(
        h,
        m,
        t(lang, "各期间成本", "Cost by period"),
        t(lang, "期间", "Period"),
        &refs,
        &all,
    );
}

/// A table of groups with both costs and the change, then the total row.
fn group_table(
    h: &mut String,
    m: &Model,
    title: &str,
    first: &str,
    rows: &[(String, &Group)],
    all: &Group,
) {
    let lang = m.lang;
    let _ = writeln!(
        h,
        "<section>\n<h2>{title}</h2>\n<table>\n<thead><tr><th>{first}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "基准人数", "Baseline people"),
        t(lang, "新方案人数", "New plan people"),
        t(lang, "基准成本", "Baseline cost"),
        t(lang, "新方案成本", "New plan cost"),
        t(lang, "变化", "Change"),
        t(lang, "变化 %", "Change %"),
    );
    let row = |h: &mut String, class: &str, name: &str, g: &Group| {
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(name),
            g.headcount.0,
            g.headcount.1,
            money(m, g.cost.0),
            money(m, g.cost.1),
            signed(m, g.change()),
            pct(g.change_pct(m.new.mode)),
        );
    };
    for (name, g) in rows {
        row(h, "", name, g);
    }
    row(h, " class=\"total\"", t(lang, "合计", "Total"), all);
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}

/// The largest rises and falls, ties by period and employee id.
fn moves(h: &mut String, m: &Model, lines: &[Line]) {
    let lang = m.lang;
    let mut up: Vec<&Line> = lines
        .iter()
        .filter(|l| l.change() > Decimal::ZERO)
        .collect();
    let mut down: Vec<&Line> = lines
        .iter()
        .filter(|l| l.change() < Decimal::ZERO)
        .collect();
    // Stable sorts keep period and id order among equal changes.
    up.sort_by_key(|l| std::cmp::Reverse(l.change()));
    down.sort_by_key(|l| l.change());
    let _ = writeln!(
        h,
        "<section id=\"moves\">\n<h2>{}</h2>",
        t(lang, "变化最大的员工", "Largest moves")
    );
    for (title, list) in [
        (t(lang, "增加最多", "Largest rises"), &up),
        (t(lang, "减少最多", "Largest falls"), &down),
    ] {
        move_table(h, m, title, &list[..list.len().min(MOVES)]);
    }
    let _ = writeln!(h, "</section>");
}

fn move_table(h: &mut String, m: &Model, title: &str, list: &[&Line]) {
    let lang = m.lang;
    let _ = writeln!(
        h,
        "<h3>{title}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "员工", "Employee"),
        t(lang, "期间", "Period"),
        t(lang, "部门", "Department"),
        t(lang, "等级", "Band"),
        t(lang, "得分", "Score"),
        t(lang, "发放", "Payout"),
        t(lang, "变化", "Change"),
    );
    if list.is_empty() {
        let _ = writeln!(
            h,
            "<tr><td colspan=\"7\">{}</td></tr>",
            t(lang, "无", "None")
        );
    }
    let pair = |o: Option<&Side>, n: Option<&Side>, f: &dyn Fn(&Side) -> String| {
        let (a, b) = (o.map_or("–".into(), f), n.map_or("–".into(), f));
        if a == b {
            a
        } else {
            format!("{a} → {b}")
        }
    };
    for l in list {
        let dept = m
            .departments
            .get(l.department)
            .map_or(l.department, String::as_str);
        let _ = writeln!(
            h,
            "<tr><td class=\"who\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(l.id),
            esc(&m.periods[l.period]),
            esc(dept),
            esc(&pair(l.old, l.new, &|s| s.band.clone())),
            pair(l.old, l.new, &|s| s.score.to_string()),
            pair(l.old, l.new, &|s| fixed(s.payout, m.money_places(), m.new.mode)),
            signed(m, l.change()),
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
}

/// Per KPI, people at or above threshold, target and stretch under each
/// plan, summed over the periods.
fn kpi_hits(h: &mut String, m: &Model) {
    let lang = m.lang;
    let _ = writeln!(
        h,
        "<section id=\"kpi-hits\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "各指标达成门槛、目标、挑战的人数", "Threshold, target and stretch reached per KPI"),
        t(
            lang,
            "门槛与挑战仅适用于曲线计分（curve）；其他计分规则只统计达成目标（达成率 ≥ 1）。",
            "Threshold and stretch apply to curve scoring only; other rules count the target alone (achievement ≥ 1)."
        ),
        t(lang, "指标", "KPI"),
        t(lang, "方案", "Plan"),
        t(lang, "人数", "People"),
        t(lang, "≥ 门槛", "≥ threshold"),
        t(lang, "≥ 目标", "≥ target"),
        t(lang, "≥ 挑战", "≥ stretch"),
    );
    let mut ids: Vec<(&str, &str)> = Vec::new();
    for (id, name) in m.old.kpis.iter().chain(&m.new.kpis) {
        if !ids.iter().any(|(i, _)| i == id) {
            ids.push((id, name));
        }
    }
    for (id, name) in ids {
        for (plan, info, new) in [
            (t(lang, "基准", "Baseline"), &m.old, false),
            (t(lang, "新方案", "New plan"), &m.new, true),
        ] {
            let Some(k) = info.kpis.iter().position(|(i, _)| i == id) else {
                continue;
            };
            let sum = super::hits::sum(m, new, k);
            let share = |n: usize| {
                let p = crate::exact::div_round(
                    Decimal::from(n as u64 * 100),
                    Decimal::from(sum.people.max(1) as u64),
                    0,
                    m.new.mode,
                )
                .unwrap_or_default();
                format!("{n} ({p}%)")
            };
            let opt = |n: Option<usize>| n.map_or("–".into(), share);
            let _ = writeln!(
                h,
                "<tr><td>{} <span class=\"note\">{}</span></td><td>{plan}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(name),
                esc(id),
                sum.people,
                opt(sum.threshold),
                share(sum.target),
                opt(sum.stretch),
            );
        }
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}
