//! `report.html`: the period at a glance for managers and finance — control
//! totals (what to pay now first), exceptions, plan health, payout by department, score distribution, rating distribution per
//! department, a KPI attainment heatmap, top and bottom performers, and the
//! recognition given; then the manager view, a page per department
//! (`departments`).
//!
//! One self-contained page: inline CSS and SVG, no script, no font or image
//! from anywhere, printable. Chart geometry is computed with decimals so the
//! page is byte-identical between runs; every value from data goes through
//! [`esc`].
//!
//! This file assembles the page (head, control totals, footer); the SVG
//! charts are in `charts`, the tables in `tables`.

mod charts;
mod departments;
mod distribution;
mod exceptions;
mod labels;
mod tables;

use super::display::{department_name, esc, grouped, money};
use super::{Groups, OutFile, Totals};
use crate::data::Data;
use crate::engine::health::Finding;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::RunResult;
use crate::policy::{Language, LoadedPolicy};
use std::fmt::Write;

/// Bilingual label.
fn t(lang: Language, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::ZhCn => zh,
        Language::En => en,
    }
}

pub(crate) const STYLE: &str = r#"
  /* CJK faces first for Chinese; Latin first otherwise, CJK as fallback for names. */
  :root { --latin: "Noto Sans", "Segoe UI", "Helvetica Neue", Arial; --cjk: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Serif CJK SC", "Source Han Serif SC", SimSun; }
  body { margin: 0; background: #f4f6f8; color: #1f2933; font: 14px/1.45 var(--latin), var(--cjk), sans-serif; }
  html:lang(zh-CN) body { font-family: var(--cjk), var(--latin), sans-serif; }
  main { max-width: 1000px; margin: 20px auto; background: #fff; padding: 24px 32px; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 24px; margin: 0 0 4px; }
  h2 { font-size: 17px; margin: 26px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e4e7eb; }
  .meta, .note { color: #52606d; }
  .note { font-size: 12px; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 16px; }
  .card { flex: 1 1 110px; border: 1px solid #e4e7eb; border-radius: 6px; padding: 8px 12px; }
  .card .label { color: #52606d; font-size: 12px; }
  .card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; width: 100%; margin-top: 8px; }
  th, td { padding: 5px 8px; border-bottom: 1px solid #e4e7eb; text-align: left; }
  th { background: #f4f6f8; font-size: 12px; color: #3e4c59; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tr.total td { font-weight: 700; border-top: 2px solid #9aa5b1; }
  table.heat { table-layout: fixed; }
  table.heat th.n { white-space: normal; text-align: center; vertical-align: bottom; }
  table.heat td.n { text-align: center; }
  .legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: #3e4c59; margin: 4px 0; }
  .legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
  .columns { display: flex; gap: 24px; flex-wrap: wrap; }
  .columns > div { flex: 1 1 440px; }
  svg { max-width: 100%; height: auto; }
  svg text { font: 12px var(--latin), var(--cjk), sans-serif; fill: #1f2933; }
  html:lang(zh-CN) svg text { font-family: var(--cjk), var(--latin), sans-serif; }
  svg .axis { stroke: #9aa5b1; stroke-width: 1; }
  svg .grid { stroke: #e4e7eb; stroke-width: 1; }
  td.who { white-space: nowrap; }
  section.dept h3 { font-size: 14px; margin: 14px 0 4px; }
  footer { margin-top: 26px; color: #7b8794; font-size: 12px; }
  @page { size: A4; margin: 12mm; }
  @media print {
    html, body { background: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    main { box-shadow: none; margin: 0; max-width: none; padding: 0; border-radius: 0; }
    section, tr { break-inside: avoid; }
    /* Each department's page starts a sheet; a long one may run on. */
    section.contents, section.dept { break-before: page; break-inside: auto; }
    h2 { break-after: avoid; }
  }
"#;

/// Builds `report.html`.
pub fn report(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    groups: &Groups,
    feedback: &[EmployeeFeedback],
    (exceptions, health): (&[super::exceptions::Exception], &[Finding]),
    lang: Language,
) -> OutFile {
    let all = &groups.company;
    // In id order (as summary.csv), shown by name.
    let named: Vec<(&str, String, &Totals)> = (groups.departments.iter())
        .map(|(&id, x)| (id, department_name(data, id, lang), x))
        .collect();
    let depts: Vec<(String, &Totals)> = named.iter().map(|(_, n, x)| (n.clone(), *x)).collect();
    let depts = &depts[..];
    let mut h = String::with_capacity(64 * 1024);
    head(&mut h, lp, run, lang);
    control_totals(&mut h, lp, groups, feedback, lang);
    exceptions::section(&mut h, exceptions, lang);
    super::health::section(&mut h, health, None, lang);

    // One section: the bars, then the same numbers as a table.
    charts::payout_bars(&mut h, lp, depts, lang);
    tables::department_totals(&mut h, lp, depts, all, lang);
    charts::score_distribution(&mut h, lp, run, lang);
    charts::rating_distribution(&mut h, lp, depts, lang);
    tables::kpi_heatmap(&mut h, lp, depts, all, lang);
    tables::performers(&mut h, lp, data, run, lang);
    tables::recognition(&mut h, lp, feedback, lang);
    departments::pages(&mut h, lp, data, run, &named, exceptions, lang);

    footer(&mut h, lp, run, lang);
    OutFile {
        rel: "report.html".into(),
        bytes: h.into_bytes(),
        rows: run.employees.len(),
    }
}

/// The document head with the inline style, and the page header.
fn head(h: &mut String, lp: &LoadedPolicy, run: &RunResult, lang: Language) {
    let p = &lp.policy;
    let title = t(lang, "绩效与激励报告", "Performance and incentive report");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · {period} · {ptitle}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        lang = lang.code(),
        period = esc(&run.period.label),
        ptitle = esc(p.title.get(lang)),
    );
    let _ = writeln!(
        h,
        "<header>\n<h1>{title} · {period}</h1>\n<p class=\"meta\">{ptitle}{lp}{id} {version}{rp} · {from} – {to} · {cur_label} {cur}</p>\n</header>",
        lp = t(lang, "（", " ("),
        rp = t(lang, "）", ")"),
        period = esc(&run.period.label),
        ptitle = esc(p.title.get(lang)),
        id = esc(&p.id),
        version = esc(&p.version),
        from = run.period.start(),
        to = run.period.end(),
        cur_label = t(lang, "币种", "currency"),
        cur = esc(&p.currency),
    );
}

/// The control-total cards: what to pay now first (in a re-run, then what
/// was paid before, the entitlement and any balance carried), headcount,
/// bonuses, average score, awards.
fn control_totals(
    h: &mut String,
    lp: &LoadedPolicy,
    groups: &Groups,
    feedback: &[EmployeeFeedback],
    lang: Language,
) {
    let p = &lp.policy;
    let all = &groups.company;
    let mode = p.rounding.mode;
    let awards: usize = feedback.iter().map(|f| f.awards.len()).sum();
    let mut cards = pay_cards(lp, groups, lang);
    cards.extend([
        (t(lang, "人数", "Headcount"), all.headcount.to_string()),
        (
            t(lang, "绩效奖金", "Performance bonus"),
            money(all.bonus, lp),
        ),
        (
            t(lang, "项目奖金", "Project bonus"),
            money(all.project_bonus, lp),
        ),
        (
            t(lang, "平均得分", "Average score"),
            grouped(
                all.average_score(p.rounding.score_places, mode),
                p.rounding.score_places,
                mode,
            ),
        ),
        (
            t(lang, "表彰与激励", "Recognition awards"),
            awards.to_string(),
        ),
    ]);
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<div class=\"cards\">",
        t(lang, "控制总数", "Control totals")
    );
    for (label, value) in cards {
        let _ = writeln!(h, "  <div class=\"card\"><div class=\"label\">{label}</div><div class=\"value\">{value}</div></div>");
    }
    let _ = writeln!(
        h,
        "</div>\n<p class=\"note\">{}{}</p>\n</section>",
        t(lang, "金额单位：", "Amounts in "),
        esc(&p.currency)
    );
}

/// The first cards: to pay now; in a re-run also already paid, the
/// entitlement and the balance carried (adjustments.csv per employee).
fn pay_cards(lp: &LoadedPolicy, groups: &Groups, lang: Language) -> Vec<(&'static str, String)> {
    let all = &groups.company;
    if !groups.rerun {
        return vec![(
            t(lang, "本次应发（合计发放）", "To pay now (total payout)"),
            money(all.to_pay_now, lp),
        )];
    }
    vec![
        (t(lang, "本次应发", "To pay now"), money(all.to_pay_now, lp)),
        (
            t(lang, "已发放", "Already paid"),
            money(all.already_paid, lp),
        ),
        (
            t(lang, "应得合计", "Entitlement (total payout)"),
            money(all.total, lp),
        ),
        (
            t(lang, "结转余额（多发）", "Balance carried (overpaid)"),
            money(all.balance, lp),
        ),
    ]
}

/// The footer names the engine version, the policy and the period.
fn footer(h: &mut String, lp: &LoadedPolicy, run: &RunResult, lang: Language) {
    let p = &lp.policy;
    let _ = writeln!(
        h,
        "<footer>merit {} · {} {} {} · {}</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        t(lang, "方案", "policy"),
        esc(&p.id),
        esc(&p.version),
        esc(&run.period.label),
    );
}
