//! Plan-health findings (`engine::health`) as a section of report.html and
//! model.html, and as `health.csv` of `merit model`.

use super::csv::Csv;
use super::display::esc;
use super::OutFile;
use crate::engine::health::Finding;
use crate::policy::Language;
use std::fmt::Write;

fn t(lang: Language, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::ZhCn => zh,
        Language::En => en,
    }
}

/// The "Plan health" section; `plan` names the plan when a page shows two.
pub fn section(h: &mut String, findings: &[Finding], plan: Option<&str>, lang: Language) {
    let title = t(lang, "方案健康度", "Plan health");
    let _ = writeln!(
        h,
        "<section class=\"health\">\n<h2>{title}{}</h2>",
        plan.map(|p| format!(" · {}", esc(p))).unwrap_or_default()
    );
    if findings.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>\n</section>",
            t(
                lang,
                "未发现问题（阈值见方案的 health 设置，说明见 docs/model.md）。",
                "No findings (thresholds: the policy's health section, docs/model.md)."
            )
        );
        return;
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">{}</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        t(
            lang,
            "方案本身值得复核之处；不影响任何发放。阈值可在方案的 health 设置中调整（docs/model.md）。",
            "What this period says about the plan itself; no payout changes. Thresholds are the policy's health section (docs/model.md)."
        ),
        t(lang, "发现", "Finding"),
        t(lang, "说明", "Detail"),
        t(lang, "查看方案位置", "Policy line to look at"),
    );
    for f in findings {
        let text = match lang {
            Language::ZhCn => &f.zh,
            Language::En => &f.en,
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code> <span class=\"note\">{}</span></td></tr>",
            f.kind.name(),
            esc(text),
            esc(&f.location()),
            esc(&f.key),
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}

pub const COLUMNS: [&str; 7] = [
    "plan", "period", "kind", "subject", "location", "key", "message",
];

/// `health.csv`: findings (in English) per (plan, period), in the order given.
pub fn csv(plans: &[(&str, &str, &[Finding])]) -> OutFile {
    let mut c = Csv::with_header(&COLUMNS);
    let mut rows = 0;
    for (plan, period, findings) in plans {
        for f in *findings {
            c.text(plan)
                .text(period)
                .text(f.kind.name())
                .text(&f.subject)
                .text(&f.location())
                .text(&f.key)
                .text(&f.en);
            c.end();
            rows += 1;
        }
    }
    OutFile {
        rel: "health.csv".into(),
        bytes: c.finish().into_bytes(),
        rows,
    }
}
