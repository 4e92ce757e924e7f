//! The report's exceptions section: the count of each kind found, then the
//! list (the first [`LISTED`]; `exceptions.csv` has every row).

use super::t;
use crate::output::display::esc;
use crate::output::exceptions::{counts, Exception, Kind};
use crate::policy::Language;
use std::fmt::Write;

/// Rows of the list shown on the page; a large run's list is in the CSV.
const LISTED: usize = 100;

pub(super) fn label(kind: Kind, lang: Language) -> &'static str {
    match kind {
        Kind::Calibrated => t(lang, "强制分布调整等级", "band moved by calibration"),
        Kind::Capped => t(lang, "奖金达到上限", "bonus capped"),
        Kind::Clawback => t(lang, "退款追回佣金", "commission clawed back for a refund"),
        Kind::GatePartial => t(lang, "门槛未达，部分发放", "gate shut, part paid"),
        Kind::GateShut => t(lang, "门槛未达，不发奖金", "gate shut, no bonus"),
        Kind::Limited => t(
            lang,
            "奖金按最低或最高金额调整",
            "bonus raised or lowered to a money limit",
        ),
        Kind::MidPeriodChange => t(
            lang,
            "期中岗位或薪资变动，分段计算",
            "terms changed mid-period, paid in parts",
        ),
        Kind::MissingReview => t(lang, "缺少上级评价", "no manager rating"),
        Kind::NegativeBalance => t(lang, "多发，结转余额", "overpaid, balance carried"),
        Kind::NotInPeriod => t(lang, "本期未在职，不发放", "not employed in the period"),
        Kind::PoolScaled => t(lang, "奖金池调整", "bonus scaled by a pool"),
        Kind::Prorated => t(lang, "按在职天数折算", "prorated by days employed"),
        Kind::RefundNotRecovered => t(lang, "退款未能追回佣金", "refund recovered nothing"),
        Kind::TargetFallback => t(lang, "目标值使用后备来源", "fallback target"),
        Kind::UnapprovedProject => t(lang, "项目未审批，不发放", "project not approved"),
    }
}

pub(super) fn section(h: &mut String, list: &[Exception], lang: Language) {
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>",
        t(lang, "例外情况", "Exceptions")
    );
    if list.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>\n</section>",
            t(lang, "本期没有例外情况。", "No exceptions in this run.")
        );
        return;
    }
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "类别", "Kind"),
        t(lang, "说明", "Meaning"),
        t(lang, "人次", "Count"),
    );
    for (kind, n) in counts(list).into_iter().filter(|(_, n)| *n > 0) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{n}</td></tr>",
            kind.name(),
            label(kind, lang)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    rows(h, list, lang);
}

/// The list, capped at [`LISTED`] rows; closes the section.
fn rows(h: &mut String, list: &[Exception], lang: Language) {
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        t(lang, "工号", "ID"),
        t(lang, "类别", "Kind"),
        t(lang, "详情", "Detail"),
        t(lang, "对发放的影响", "Effect on pay"),
    );
    for x in list.iter().take(LISTED) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&x.employee_id),
            x.kind.name(),
            esc(&x.detail),
            esc(&x.effect)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    let note = if list.len() > LISTED {
        match lang {
            Language::ZhCn => format!(
                "仅列出前 {LISTED} 条（共 {} 条）；完整名单见 exceptions.csv。",
                list.len()
            ),
            Language::En => format!(
                "The first {LISTED} of {}; every row is in exceptions.csv.",
                list.len()
            ),
        }
    } else {
        t(lang, "同见 exceptions.csv。", "Also in exceptions.csv.").to_owned()
    };
    let _ = writeln!(h, "<p class=\"note\">{note}</p>\n</section>");
}
