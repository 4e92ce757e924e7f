//! The manager view of `report.html`: a table of contents, then a page per
//! department (`#dept-<id>`, each printed on its own A4 page) with its
//! people, the exceptions someone must act on before pay, and its bands
//! against the policy's forced distribution as a table and a chart.
//!
//! Personal data is limited to what the report's readers — the managers
//! who sign the payouts off — already see: id, name, role, score, band,
//! payout. A very large run lists people only up to [`PEOPLE_LISTED`]; past
//! that the pages keep the exceptions and distribution and point to
//! payouts.csv, so the page stays openable.

use super::exceptions::label;
use super::t;
use crate::data::Data;
use crate::engine::{EmployeeResult, RunResult};
use crate::output::display::{esc, money};
use crate::output::exceptions::{Exception, Kind};
use crate::output::Totals;
use crate::policy::{KpiScope, Language, LoadedPolicy};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// People rows across all department pages; a run with more people lists
/// none (at 20,000 the report is about 7 MB and opens in a browser in
/// seconds; see docs/outputs.md).
pub(super) const PEOPLE_LISTED: usize = 20_000;

/// Exceptions listed per department page; the rest are in exceptions.csv.
const EXCEPTIONS_LISTED: usize = 50;

/// What a manager must do about an exception; `None` for kinds that only
/// explain the pay (proration, pools, mid-period changes, a band moved by
/// calibration — the distribution table shows that — or a fallback target
/// the policy chose on purpose).
pub(super) fn action(kind: Kind, lang: Language) -> Option<&'static str> {
    Some(match kind {
        Kind::MissingReview => t(
            lang,
            "补交上级评价，或确认按指标计算",
            "Enter the rating, or confirm the KPIs alone decide",
        ),
        Kind::UnapprovedProject => t(
            lang,
            "审批项目，或确认本期不发放",
            "Approve the project, or confirm it pays nothing",
        ),
        Kind::NotInPeriod => t(
            lang,
            "确认该员工本期不应发放",
            "Confirm the employee is rightly left out",
        ),
        Kind::Capped => t(lang, "确认上限适用", "Confirm the cap applies"),
        Kind::GateShut | Kind::GatePartial => t(
            lang,
            "确认门槛结果并告知员工",
            "Confirm the gate and tell the employee",
        ),
        Kind::NegativeBalance => t(
            lang,
            "与薪酬部门商定多发款项的追回",
            "Agree with payroll how the overpayment is recovered",
        ),
        Kind::RefundNotRecovered => t(
            lang,
            "决定是否另行追回",
            "Decide whether to recover it another way",
        ),
        _ => return None,
    })
}

/// The anchor of a department's page: `dept-` and its id, spaces as `-`.
pub(super) fn anchor(id: &str) -> String {
    format!("dept-{}", esc(&id.replace(char::is_whitespace, "-")))
}

/// A department's people (in employee id order) and actionable exceptions.
struct Dept<'a> {
    people: Vec<&'a EmployeeResult>,
    exceptions: Vec<&'a Exception>,
}

fn by_department<'a>(
    data: &'a Data,
    run: &'a RunResult,
    exceptions: &'a [Exception],
    lang: Language,
) -> BTreeMap<&'a str, Dept<'a>> {
    let mut out: BTreeMap<&str, Dept> = BTreeMap::new();
    let dept_of: HashMap<&str, &str> = (data.employees.iter())
        .map(|e| (e.id.as_str(), e.department.as_str()))
        .collect();
    for r in &run.employees {
        entry(&mut out, &data.employees[r.employee].department)
            .people
            .push(r);
    }
    for x in exceptions.iter().filter(|x| action(x.kind, lang).is_some()) {
        if let Some(d) = dept_of.get(x.employee_id.as_str()) {
            entry(&mut out, d).exceptions.push(x);
        }
    }
    out
}

fn entry<'m, 'a>(map: &'m mut BTreeMap<&'a str, Dept<'a>>, d: &'a str) -> &'m mut Dept<'a> {
    map.entry(d).or_insert_with(|| Dept {
        people: Vec::new(),
        exceptions: Vec::new(),
    })
}

/// The table of contents and every department's page.
pub(super) fn pages(
    h: &mut String,
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    depts: &[(&str, String, &Totals)],
    exceptions: &[Exception],
    lang: Language,
) {
    let mine = by_department(data, run, exceptions, lang);
    contents(h, depts, &mine, lang);
    let list_people = run.employees.len() <= PEOPLE_LISTED;
    // Once for the run: per department it was departments × employees.
    let names: HashMap<&str, &str> = (data.employees.iter())
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    for &(id, ref name, x) in depts {
        let Some(dept) = mine.get(id) else { continue };
        let _ = writeln!(
            h,
            "<section class=\"dept\" id=\"{}\">\n<h2>{}{}</h2>\n<p class=\"meta\">{} {} · {} {}</p>",
            anchor(id),
            t(lang, "部门：", "Department: "),
            esc(name),
            t(lang, "人数", "Headcount"),
            x.headcount,
            t(lang, "合计发放", "Total payout"),
            money(x.total, lp),
        );
        if list_people {
            people(h, lp, data, &dept.people, lang);
        } else {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", too_many(lang));
        }
        to_act_on(h, &names, &dept.exceptions, lang);
        super::distribution::section(h, lp, x, lang);
        let _ = writeln!(
            h,
            "<p class=\"note\"><a href=\"#contents\">{}</a></p>\n</section>",
            t(lang, "返回目录", "Back to contents")
        );
    }
}

fn too_many(lang: Language) -> String {
    match lang {
        Language::ZhCn => format!(
            "本期超过 {PEOPLE_LISTED} 人，各部门人员名单不在报告中；见 payouts.csv（按部门筛选）。"
        ),
        Language::En => format!(
            "More than {PEOPLE_LISTED} people this period: the people of each department are in payouts.csv (filter by department), not in this page."
        ),
    }
}

/// Links to every department page, with its headcount and what to act on.
fn contents(
    h: &mut String,
    depts: &[(&str, String, &Totals)],
    mine: &BTreeMap<&str, Dept>,
    lang: Language,
) {
    let _ = writeln!(
        h,
        "<section class=\"contents\" id=\"contents\">\n<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "各部门页面", "Department pages"),
        t(lang, "部门", "Department"),
        t(lang, "人数", "Headcount"),
        t(lang, "待处理例外", "Exceptions to act on"),
    );
    for (id, name, x) in depts {
        let n = mine.get(id).map_or(0, |d| d.exceptions.len());
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{n}</td></tr>",
            anchor(id),
            esc(name),
            x.headcount,
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}

fn people(
    h: &mut String,
    lp: &LoadedPolicy,
    data: &Data,
    list: &[&EmployeeResult],
    lang: Language,
) {
    let _ = writeln!(
        h,
        "<h3>{}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "人员", "People"),
        t(lang, "工号", "ID"),
        t(lang, "姓名", "Name"),
        t(lang, "岗位", "Role"),
        t(lang, "得分", "Score"),
        t(lang, "等级", "Rating"),
        t(lang, "合计发放", "Total payout"),
    );
    for r in list {
        let e = &data.employees[r.employee];
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&e.id),
            esc(&e.name),
            esc(&e.role),
            r.score,
            esc(&r.band),
            money(r.total, lp),
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
}

/// The department's exceptions that need someone to act, with what to do.
fn to_act_on(h: &mut String, names: &HashMap<&str, &str>, list: &[&Exception], lang: Language) {
    let _ = writeln!(
        h,
        "<h3>{}</h3>",
        t(lang, "待处理的例外", "Exceptions to act on")
    );
    if list.is_empty() {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", t(lang, "无。", "None."));
        return;
    }
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        t(lang, "类别", "Kind"),
        t(lang, "员工", "Employee"),
        t(lang, "详情", "Detail"),
        t(lang, "需要做什么", "What to do"),
    );
    for x in list.iter().take(EXCEPTIONS_LISTED) {
        let name = names.get(x.employee_id.as_str()).copied().unwrap_or("");
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"who\">{} {}</td><td>{}</td><td>{}</td></tr>",
            label(x.kind, lang),
            esc(&x.employee_id),
            esc(name),
            esc(&x.detail),
            action(x.kind, lang).unwrap_or_default(),
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    if list.len() > EXCEPTIONS_LISTED {
        let note = match lang {
            Language::ZhCn => format!(
                "仅列出前 {EXCEPTIONS_LISTED} 条（共 {} 条）；见 exceptions.csv。",
                list.len()
            ),
            Language::En => format!(
                "The first {EXCEPTIONS_LISTED} of {}; every row is in exceptions.csv.",
                list.len()
            ),
        };
        let _ = writeln!(h, "<p class=\"note\">{note}</p>");
    }
}

/// The policy's cap on a band for a group of `n`: (percent, people), the
/// people only when calibration is per department.
pub(super) fn cap(lp: &LoadedPolicy, band: &str, n: usize) -> Option<(Decimal, Option<usize>)> {
    let c = lp.policy.calibration.as_ref()?;
    let pct = c.max_percent.get(band)?.0;
    let people = (c.scope != KpiScope::Company).then(|| {
        use rust_decimal::prelude::ToPrimitive;
        (Decimal::from(n as u64) * pct / Decimal::ONE_HUNDRED)
            .floor()
            .to_usize()
            .unwrap_or(0)
    });
    Some((pct, people))
}
