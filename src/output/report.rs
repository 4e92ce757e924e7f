//! `report.html`: the period at a glance for managers and finance — control
//! totals, payout by department, score distribution, rating distribution per
//! department, a KPI attainment heatmap, top and bottom performers, and the
//! recognition given.
//!
//! One self-contained page: inline CSS and SVG, no script, no font or image
//! from anywhere, printable. Chart geometry is computed with decimals so the
//! page is byte-identical between runs; every value from data goes through
//! [`esc`].

use super::display::{esc, grouped, money, percent};
use super::{Groups, OutFile, Totals};
use crate::data::Data;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::{EmployeeResult, RunResult};
use crate::policy::{AwardKind, Language, LoadedPolicy};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;

/// How many employees the top and bottom lists show.
const PERFORMERS: usize = 5;

/// Bilingual label.
fn t(lang: Language, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::ZhCn => zh,
        Language::En => en,
    }
}

/// A pixel coordinate: one decimal place, no trailing zeros.
fn px(v: Decimal) -> String {
    v.round_dp(1).normalize().to_string()
}

fn d(v: i64) -> Decimal {
    Decimal::from(v)
}

/// `part / whole × length`, 0 when `whole` is 0.
fn scale(part: Decimal, whole: Decimal, length: i64) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        part / whole * d(length)
    }
}

/// Colours of rating bands, best first (the last band takes the last colour).
const BAND_COLOURS: &[&str] = &[
    "#1b7f4b", "#54b27a", "#8fb4d9", "#f0a35e", "#d9534f", "#8e3b46",
];

fn band_colour(i: usize) -> &'static str {
    BAND_COLOURS[i.min(BAND_COLOURS.len() - 1)]
}

/// Heatmap cell colour by mean achievement.
fn heat(a: Decimal) -> &'static str {
    let p = |s: i64| Decimal::new(s, 2);
    if a < p(80) {
        "#f4c7c3"
    } else if a < p(90) {
        "#fbdcc0"
    } else if a < p(100) {
        "#fcefc7"
    } else if a < p(110) {
        "#d5efd9"
    } else {
        "#a8dcb5"
    }
}

const STYLE: &str = r#"
  body { margin: 0; background: #f4f6f8; color: #1f2933; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
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
  svg text { font: 12px system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; fill: #1f2933; }
  svg .axis { stroke: #9aa5b1; stroke-width: 1; }
  svg .grid { stroke: #e4e7eb; stroke-width: 1; }
  footer { margin-top: 26px; color: #7b8794; font-size: 12px; }
  @page { size: A4; margin: 12mm; }
  @media print {
    body { background: #fff; }
    main { box-shadow: none; margin: 0; max-width: none; padding: 0; }
    section { break-inside: avoid; }
  }
"#;

/// Builds `report.html`.
pub fn report(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    groups: &Groups,
    feedback: &[EmployeeFeedback],
    lang: Language,
) -> OutFile {
    let p = &lp.policy;
    let mode = p.rounding.mode;
    let (depts, all) = (&groups.departments, &groups.company);
    let title = t(lang, "绩效与激励报告", "Performance and incentive report");
    let mut h = String::with_capacity(64 * 1024);
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
        "<header>\n<h1>{title} · {period}</h1>\n<p class=\"meta\">{ptitle} ({id} {version}) · {from} – {to} · {cur_label} {cur}</p>\n</header>",
        period = esc(&run.period.label),
        ptitle = esc(p.title.get(lang)),
        id = esc(&p.id),
        version = esc(&p.version),
        from = run.period.start(),
        to = run.period.end(),
        cur_label = t(lang, "币种", "currency"),
        cur = esc(&p.currency),
    );

    // Control totals
    let awards: usize = feedback.iter().map(|f| f.awards.len()).sum();
    let cards = [
        (t(lang, "人数", "Headcount"), all.headcount.to_string()),
        (
            t(lang, "绩效奖金", "Performance bonus"),
            money(all.bonus, lp),
        ),
        (
            t(lang, "项目奖金", "Project bonus"),
            money(all.project_bonus, lp),
        ),
        (t(lang, "合计发放", "Total payout"), money(all.total, lp)),
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
    ];
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

    payout_by_department(&mut h, lp, depts, all, lang);
    score_distribution(&mut h, lp, run, lang);
    rating_distribution(&mut h, lp, depts, lang);
    kpi_heatmap(&mut h, lp, depts, all, lang);
    performers(&mut h, lp, data, run, lang);
    recognition(&mut h, lp, feedback, lang);

    let _ = writeln!(
        h,
        "<footer>merit {} · {} {} {} · {}</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        t(lang, "方案", "policy"),
        esc(&p.id),
        esc(&p.version),
        esc(&run.period.label),
    );
    OutFile {
        rel: "report.html".into(),
        bytes: h.into_bytes(),
        rows: run.employees.len(),
    }
}

fn payout_by_department(
    h: &mut String,
    lp: &LoadedPolicy,
    depts: &BTreeMap<&str, Totals>,
    all: &Totals,
    lang: Language,
) {
    let (label_w, bar_w, value_w, row) = (150, 600, 130, 30);
    let width = label_w + bar_w + value_w;
    let height = 36 + row * depts.len() as i64;
    let max = depts.values().map(|x| x.total).max().unwrap_or_default();
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<div class=\"legend\"><span><i style=\"background:#3b6fb6\"></i>{}</span><span><i style=\"background:#f2b544\"></i>{}</span></div>",
        t(lang, "各部门发放金额", "Payout by department"),
        t(lang, "绩效奖金", "Performance bonus"),
        t(lang, "项目奖金", "Project bonus"),
    );
    let _ = writeln!(
        h,
        "<svg class=\"chart\" id=\"payout-by-department\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        t(lang, "各部门发放金额", "Payout by department")
    );
    let _ = writeln!(
        h,
        "  <line class=\"axis\" x1=\"{label_w}\" y1=\"6\" x2=\"{label_w}\" y2=\"{}\"/>",
        height - 6
    );
    for (i, (name, x)) in depts.iter().enumerate() {
        let y = 12 + row * i as i64;
        let b = scale(x.bonus, max, bar_w - 10);
        let pb = scale(x.project_bonus, max, bar_w - 10);
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 8,
            y + 15,
            esc(name)
        );
        if b > Decimal::ZERO {
            let _ = writeln!(
                h,
                "  <rect x=\"{label_w}\" y=\"{y}\" width=\"{}\" height=\"20\" fill=\"#3b6fb6\"><title>{}: {}</title></rect>",
                px(b),
                esc(name),
                money(x.bonus, lp)
            );
        }
        if pb > Decimal::ZERO {
            let _ = writeln!(
                h,
                "  <rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"20\" fill=\"#f2b544\"><title>{}: {}</title></rect>",
                px(d(label_w) + b),
                px(pb),
                esc(name),
                money(x.project_bonus, lp)
            );
        }
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\">{}</text>",
            px(d(label_w) + b + pb + d(6)),
            y + 15,
            money(x.total, lp)
        );
    }
    let _ = writeln!(h, "</svg>");

    // The same numbers as a table, with the company total.
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "部门", "Department"),
        t(lang, "人数", "Headcount"),
        t(lang, "绩效奖金", "Performance bonus"),
        t(lang, "项目奖金", "Project bonus"),
        t(lang, "合计发放", "Total payout"),
        t(lang, "平均得分", "Average score"),
    );
    let r = &lp.policy.rounding;
    let line = |h: &mut String, class: &str, name: &str, x: &Totals| {
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(name),
            x.headcount,
            money(x.bonus, lp),
            money(x.project_bonus, lp),
            money(x.total, lp),
            grouped(x.average_score(r.score_places, r.mode), r.score_places, r.mode),
        );
    };
    for (name, x) in depts {
        line(h, "", name, x);
    }
    line(h, " class=\"total\"", t(lang, "公司合计", "Company"), all);
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}

fn score_distribution(h: &mut String, lp: &LoadedPolicy, run: &RunResult, lang: Language) {
    let ten = d(10);
    let scores: Vec<Decimal> = run.employees.iter().map(|r| r.score).collect();
    let lo = scores
        .iter()
        .min()
        .map_or(Decimal::ZERO, |&m| (m / ten).floor() * ten);
    let hi = scores
        .iter()
        .max()
        .map_or(ten, |&m| (m / ten).floor() * ten + ten);
    let bins = ((hi - lo) / ten).to_usize().unwrap_or(1).max(1);
    let mut counts = vec![0usize; bins];
    for &s in &scores {
        let i = ((s - lo) / ten).floor().to_usize().unwrap_or(0);
        counts[i.min(bins - 1)] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let (left, plot_w, top, plot_h) = (50i64, 820i64, 44i64, 200i64);
    let (width, height) = (left + plot_w + 20, top + plot_h + 44);
    let bin_w = Decimal::from(plot_w) / Decimal::from(bins as i64);
    let x_of = |score: Decimal| d(left) + scale(score - lo, hi - lo, plot_w);
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>",
        t(lang, "综合得分分布", "Score distribution")
    );
    let _ = writeln!(
        h,
        "<svg class=\"chart\" id=\"score-distribution\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        t(lang, "综合得分分布", "Score distribution")
    );
    // y grid: about four lines at whole counts
    let step = most.div_ceil(4).max(1);
    let mut c = 0;
    while c <= most {
        let y = d(top + plot_h) - scale(d(c as i64), d(most as i64), plot_h);
        let _ = writeln!(
            h,
            "  <line class=\"grid\" x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{c}</text>",
            left + plot_w,
            left - 6,
            px(y + d(4)),
            y = px(y),
        );
        c += step;
    }
    for (i, &n) in counts.iter().enumerate() {
        let x = d(left) + bin_w * Decimal::from(i as i64);
        if n > 0 {
            let bh = scale(d(n as i64), d(most as i64), plot_h);
            let _ = writeln!(
                h,
                "  <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#3b6fb6\"><title>{}–{}: {n}</title></rect>",
                px(x + d(2)),
                px(d(top + plot_h) - bh),
                px(bin_w - d(4)),
                px(bh),
                lo + ten * Decimal::from(i as i64),
                lo + ten * Decimal::from(i as i64 + 1),
            );
            let _ = writeln!(
                h,
                "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{n}</text>",
                px(x + bin_w / d(2)),
                px(d(top + plot_h) - bh - d(4)),
            );
        }
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            px(x),
            top + plot_h + 16,
            lo + ten * Decimal::from(i as i64)
        );
    }
    let _ = writeln!(
        h,
        "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{hi}</text>",
        left + plot_w,
        top + plot_h + 16,
    );
    let _ = writeln!(
        h,
        "  <line class=\"axis\" x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        top + plot_h,
        left + plot_w,
        top + plot_h
    );
    // Band thresholds inside the range
    for b in &lp.policy.rating_bands {
        let Some(m) = b.min_score else { continue };
        if m.0 <= lo || m.0 >= hi {
            continue;
        }
        let x = px(x_of(m.0));
        let _ = writeln!(
            h,
            "  <line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#8e3b46\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#8e3b46\">{} ≥ {}</text>",
            top - 24,
            top + plot_h,
            top - 30,
            esc(&b.band),
            m,
        );
    }
    let _ = writeln!(
        h,
        "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n</svg>",
        left + plot_w / 2,
        top + plot_h + 36,
        t(
            lang,
            "综合得分（每档 10 分；虚线为等级分界）",
            "Final score (bins of 10 points; dashed lines are rating band thresholds)"
        )
    );
    let _ = writeln!(h, "</section>");
}

fn rating_distribution(
    h: &mut String,
    lp: &LoadedPolicy,
    depts: &BTreeMap<&str, Totals>,
    lang: Language,
) {
    let bands = &lp.policy.rating_bands;
    let (label_w, bar_w, row) = (150i64, 640i64, 30i64);
    let width = label_w + bar_w + 60;
    let height = 12 + row * depts.len() as i64;
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<div class=\"legend\">",
        t(
            lang,
            "各部门绩效等级分布",
            "Rating distribution by department"
        )
    );
    for (i, b) in bands.iter().enumerate() {
        let name = b
            .name
            .as_ref()
            .map(|n| format!(" {}", esc(n.get(lang))))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "  <span><i style=\"background:{}\"></i>{}{name}</span>",
            band_colour(i),
            esc(&b.band)
        );
    }
    let _ = writeln!(h, "</div>");
    let _ = writeln!(
        h,
        "<svg class=\"chart\" id=\"rating-distribution\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        t(lang, "各部门绩效等级分布", "Rating distribution by department")
    );
    for (i, (name, x)) in depts.iter().enumerate() {
        let y = 6 + row * i as i64;
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 8,
            y + 15,
            esc(name)
        );
        let mut at = d(label_w);
        for (bi, b) in bands.iter().enumerate() {
            let n = x.bands.get(&b.band).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let w = scale(d(n as i64), d(x.headcount as i64), bar_w);
            let _ = writeln!(
                h,
                "  <rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"20\" fill=\"{}\"><title>{} {}: {n}</title></rect>",
                px(at),
                px(w),
                band_colour(bi),
                esc(name),
                esc(&b.band),
            );
            if w >= d(22) {
                let _ = writeln!(
                    h,
                    "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#fff\" style=\"fill:#fff\">{}·{n}</text>",
                    px(at + w / d(2)),
                    y + 15,
                    esc(&b.band),
                );
            }
            at += w;
        }
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\">{}</text>",
            label_w + bar_w + 6,
            y + 15,
            x.headcount
        );
    }
    let _ = writeln!(h, "</svg>\n</section>");
}

fn kpi_heatmap(
    h: &mut String,
    lp: &LoadedPolicy,
    depts: &BTreeMap<&str, Totals>,
    all: &Totals,
    lang: Language,
) {
    let p = &lp.policy;
    let mode = p.rounding.mode;
    let used: Vec<usize> = (0..p.kpis.len())
        .filter(|k| all.kpis.contains_key(k))
        .collect();
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<p class=\"note\">{}</p>\n<div class=\"legend\">",
        t(lang, "指标达成热力图", "KPI attainment heatmap"),
        t(
            lang,
            "单元格为该部门考核此指标的员工的平均达成率。",
            "Each cell is the mean achievement of the department's employees whose role weighs the KPI."
        )
    );
    for (colour, label) in [
        (heat(Decimal::new(79, 2)), "< 80%"),
        (heat(Decimal::new(85, 2)), "80–90%"),
        (heat(Decimal::new(95, 2)), "90–100%"),
        (heat(Decimal::new(105, 2)), "100–110%"),
        (heat(Decimal::new(115, 2)), "≥ 110%"),
    ] {
        let _ = writeln!(
            h,
            "  <span><i style=\"background:{colour}\"></i>{label}</span>"
        );
    }
    let _ = write!(
        h,
        "</div>\n<table class=\"heat\">\n<thead><tr><th>{}</th>",
        t(lang, "部门", "Department")
    );
    for &k in &used {
        let _ = write!(h, "<th class=\"n\">{}</th>", esc(p.kpis[k].name.get(lang)));
    }
    let _ = writeln!(h, "</tr></thead>\n<tbody>");
    let row = |h: &mut String, class: &str, name: &str, x: &Totals| {
        let _ = write!(h, "<tr{class}><td>{}</td>", esc(name));
        for k in &used {
            match x.kpis.get(k) {
                Some(&(sum, n)) if n > 0 => {
                    let mean = sum / Decimal::from(n as i64);
                    let _ = write!(
                        h,
                        "<td class=\"n\" style=\"background:{}\">{}</td>",
                        heat(mean),
                        percent(mean, mode)
                    );
                }
                _ => {
                    let _ = write!(h, "<td class=\"n\">–</td>");
                }
            }
        }
        let _ = writeln!(h, "</tr>");
    };
    for (name, x) in depts {
        row(h, "", name, x);
    }
    row(h, " class=\"total\"", t(lang, "公司", "Company"), all);
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}

fn performers(h: &mut String, lp: &LoadedPolicy, data: &Data, run: &RunResult, lang: Language) {
    // Stable sorts: ties stay in employee id order.
    let mut best: Vec<&EmployeeResult> = run.employees.iter().collect();
    best.sort_by_key(|r| std::cmp::Reverse(r.score));
    let mut worst: Vec<&EmployeeResult> = run.employees.iter().collect();
    worst.sort_by_key(|r| r.score);
    // The lists never overlap; a single employee is only "top".
    let n = PERFORMERS.min(best.len() / 2);
    let top: Vec<&EmployeeResult> = best
        .iter()
        .take(n.max(best.len().min(1)))
        .copied()
        .collect();
    let bottom: Vec<&EmployeeResult> = worst.iter().take(n).copied().collect();
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<div class=\"columns\">",
        t(lang, "绩效最高与最低的员工", "Top and bottom performers")
    );
    for (heading, list) in [
        (t(lang, "最高", "Top"), &top),
        (t(lang, "最低", "Bottom"), &bottom),
    ] {
        let _ = writeln!(
            h,
            "<div>\n<h3>{heading} {}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
            list.len(),
            t(lang, "工号", "ID"),
            t(lang, "姓名", "Name"),
            t(lang, "部门", "Department"),
            t(lang, "得分", "Score"),
            t(lang, "等级", "Rating"),
            t(lang, "合计发放", "Total payout"),
        );
        for r in list.iter() {
            let e = &data.employees[r.employee];
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(&e.id),
                esc(&e.name),
                esc(&e.department),
                r.score,
                esc(&r.band),
                money(r.total, lp),
            );
        }
        let _ = writeln!(h, "</tbody>\n</table>\n</div>");
    }
    let _ = writeln!(h, "</div>\n</section>");
}

fn kind_label(kind: AwardKind, lang: Language) -> &'static str {
    match kind {
        AwardKind::Recognition => t(lang, "认可表彰", "recognition"),
        AwardKind::Training => t(lang, "培训", "training"),
        AwardKind::Promotion => t(lang, "晋升", "promotion"),
        AwardKind::Autonomy => t(lang, "自主权", "autonomy"),
        AwardKind::TeamActivity => t(lang, "团队活动", "team activity"),
    }
}

fn recognition(h: &mut String, lp: &LoadedPolicy, feedback: &[EmployeeFeedback], lang: Language) {
    let rules = &lp.policy.recognition;
    if rules.is_empty() {
        return;
    }
    let mut counts = vec![0usize; rules.len()];
    for f in feedback {
        for &i in &f.awards {
            counts[i] += 1;
        }
    }
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "表彰与激励", "Recognition"),
        t(lang, "项目", "Award"),
        t(lang, "类别", "Kind"),
        t(lang, "人数", "Employees"),
    );
    for (rule, n) in rules.iter().zip(counts) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{n}</td></tr>",
            esc(rule.award.get(lang)),
            kind_label(rule.kind, lang),
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n</table>\n<p class=\"note\">{}</p>\n</section>",
        t(
            lang,
            "名单见 recognition.csv。",
            "Names are listed in recognition.csv."
        )
    );
}
