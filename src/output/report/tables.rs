//! The HTML tables of `report.html`: department totals, the KPI
//! attainment heatmap, top and bottom performers, and recognition counts.

use super::t;
use crate::data::Data;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::RunResult;
use crate::output::display::{esc, grouped, money, percent};
use crate::output::Totals;
use crate::policy::{AwardKind, Language, LoadedPolicy};
use rust_decimal::Decimal;
use std::fmt::Write;

/// How many employees the top and bottom lists show.
const PERFORMERS: usize = 5;

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

/// Payout per department and the company total, as a table; it closes the
/// payout section the bars opened.
pub(super) fn department_totals(
    h: &mut String,
    lp: &LoadedPolicy,
    depts: &[(String, &Totals)],
    all: &Totals,
    lang: Language,
) {
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
    rows_then_total(h, depts, all, t(lang, "公司合计", "Company"), line);
}

/// A row per department, then the company's as the total row; closes the
/// table and its section.
fn rows_then_total(
    h: &mut String,
    depts: &[(String, &Totals)],
    all: &Totals,
    company: &str,
    row: impl Fn(&mut String, &str, &str, &Totals),
) {
    for (name, x) in depts {
        row(h, "", name, x);
    }
    row(h, " class=\"total\"", company, all);
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}

pub(super) fn kpi_heatmap(
    h: &mut String,
    lp: &LoadedPolicy,
    depts: &[(String, &Totals)],
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
    rows_then_total(h, depts, all, t(lang, "公司", "Company"), row);
}

/// The first `n` employees by `key`, ties in employee id order: what a
/// stable sort of them all would put first, found by selection (a run of a
/// million employees lists ten).
fn first<T, K: Ord>(items: &[T], n: usize, key: impl Fn(&T) -> K) -> Vec<&T> {
    // The index breaks ties: the employees are in id order.
    let mut keyed: Vec<(K, usize)> = items.iter().map(&key).zip(0..).collect();
    if n < keyed.len() {
        if n > 0 {
            keyed.select_nth_unstable(n - 1);
        }
        keyed.truncate(n);
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| &items[i]).collect()
}

pub(super) fn performers(
    h: &mut String,
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    lang: Language,
) {
    // The lists never overlap; a single employee is only "top".
    let all = run.employees.len();
    let n = PERFORMERS.min(all / 2);
    let top = first(&run.employees, n.max(all.min(1)), |r| {
        std::cmp::Reverse(r.score)
    });
    let bottom = first(&run.employees, n, |r| r.score);
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

pub(super) fn recognition(
    h: &mut String,
    lp: &LoadedPolicy,
    feedback: &[EmployeeFeedback],
    lang: Language,
) {
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

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn first_is_what_a_stable_sort_puts_first(
            scores in proptest::collection::vec(0u8..6, 0..60),
            n in 0usize..70,
        ) {
            let items: Vec<(u8, usize)> = scores.into_iter().zip(0..).collect();
            for reverse in [false, true] {
                let key = |x: &(u8, usize)| if reverse { 255 - x.0 } else { x.0 };
                let mut sorted: Vec<&(u8, usize)> = items.iter().collect();
                sorted.sort_by_key(|x| key(x));
                sorted.truncate(n);
                proptest::prop_assert_eq!(super::first(&items, n, key), sorted);
            }
        }
    }
}
