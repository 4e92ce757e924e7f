//! A department's bands against the policy's forced distribution: a table
//! (the accessible form: every number) and a small bar chart of the shares
//! with the policy's maximum marked on each bar.

use super::charts::band_colour;
use super::departments::cap;
use super::t;
use crate::output::display::{esc, percent};
use crate::output::Totals;
use crate::policy::{Language, LoadedPolicy};
use rust_decimal::Decimal;
use std::fmt::Write;

/// Chart: label width, bar width, value width, row height.
const BARS: (i64, i64, i64, i64) = (50, 220, 120, 24);

fn share(n: usize, of: usize) -> Decimal {
    if of == 0 {
        Decimal::ZERO
    } else {
        Decimal::from(n as u64) / Decimal::from(of as u64)
    }
}

pub(super) fn section(h: &mut String, lp: &LoadedPolicy, x: &Totals, lang: Language) {
    let mode = lp.policy.rounding.mode;
    let calibrated = lp.policy.calibration.is_some();
    let _ = writeln!(
        h,
        "<h3>{}</h3>\n<div class=\"columns\"><div>\n<table>\n<thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th>{}</tr></thead>\n<tbody>",
        if calibrated {
            t(lang, "等级分布与强制分布", "Bands against the forced distribution")
        } else {
            t(lang, "等级分布", "Bands")
        },
        t(lang, "等级", "Band"),
        t(lang, "人数", "People"),
        t(lang, "占比", "Share"),
        if calibrated {
            t(lang, "<th class=\"n\">方案上限</th>", "<th class=\"n\">Policy maximum</th>")
        } else {
            ""
        },
    );
    for b in &lp.policy.rating_bands {
        let n = x.bands.get(&b.band).copied().unwrap_or(0);
        let limit = match (calibrated, cap(lp, &b.band, x.headcount)) {
            (false, _) => String::new(),
            (true, None) => "<td class=\"n\">–</td>".to_owned(),
            (true, Some((pct, people))) => format!(
                "<td class=\"n\">{}%{}</td>",
                pct.normalize(),
                people.map(|p| format!(" (≤ {p})")).unwrap_or_default()
            ),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{n}</td><td class=\"n\">{}</td>{limit}</tr>",
            esc(&b.band),
            percent(share(n, x.headcount), mode),
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</div><div>");
    chart(h, lp, x, lang);
    let _ = writeln!(h, "</div></div>");
}

/// One bar per band (its share of the department), a dark tick at the
/// policy's maximum share; the label says both.
fn chart(h: &mut String, lp: &LoadedPolicy, x: &Totals, lang: Language) {
    let (label_w, bar_w, value_w, row) = BARS;
    let bands = &lp.policy.rating_bands;
    let width = label_w + bar_w + value_w;
    let height = 8 + row * bands.len() as i64;
    let px = |v: Decimal| v.round_dp(1).normalize().to_string();
    let _ = writeln!(
        h,
        "<svg class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        if lp.policy.calibration.is_some() {
            t(
                lang,
                "各等级人数占比与方案上限（数字见左表）",
                "Share of people per band against the policy maximum (numbers in the table)",
            )
        } else {
            t(
                lang,
                "各等级人数占比（数字见左表）",
                "Share of people per band (numbers in the table)",
            )
        }
    );
    for (i, b) in bands.iter().enumerate() {
        let y = 4 + row * i as i64;
        let n = x.bands.get(&b.band).copied().unwrap_or(0);
        let w = share(n, x.headcount) * Decimal::from(bar_w);
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 8,
            y + 13,
            esc(&b.band),
        );
        if n > 0 {
            let _ = writeln!(
                h,
                "  <rect x=\"{label_w}\" y=\"{y}\" width=\"{}\" height=\"16\" fill=\"{}\"/>",
                px(w),
                band_colour(i),
            );
        }
        let mut value = percent(share(n, x.headcount), lp.policy.rounding.mode);
        if let Some((pct, _)) = cap(lp, &b.band, x.headcount) {
            let at = Decimal::from(label_w) + pct / Decimal::ONE_HUNDRED * Decimal::from(bar_w);
            let _ = writeln!(
                h,
                "  <line x1=\"{at}\" y1=\"{}\" x2=\"{at}\" y2=\"{}\" stroke=\"#1f2933\" stroke-width=\"2\"/>",
                y - 2,
                y + 18,
                at = px(at),
            );
            value = format!("{value} / ≤ {}%", pct.normalize());
        }
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\">{value}</text>",
            label_w + bar_w + 6,
            y + 13,
        );
    }
    let _ = writeln!(h, "</svg>");
}
