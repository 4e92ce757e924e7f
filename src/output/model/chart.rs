//! Pay for performance in model.html: each plan's payout against the final
//! score, as an inline SVG scatter (a deterministic sample of at most
//! [`DOTS`] employees per plan) with each plan's mean payout per ten score
//! points joined by a line, and the means as a table for screen readers.
//! Geometry is decimal, so the page is byte-identical between runs.

use super::{Line, Model, Side};
use crate::output::display::{esc, grouped};
use crate::policy::Language;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::fmt::Write;

/// At most this many dots per plan: every k-th line by period and id.
const DOTS: usize = 1500;

/// Left margin, plot width, top margin, plot height.
const PLOT: (i64, i64, i64, i64) = (90, 780, 16, 300);

/// Baseline and new plan colours.
pub(super) const COLOURS: (&str, &str) = ("#9aa5b1", "#3b6fb6");

fn d(v: i64) -> Decimal {
    Decimal::from(v)
}

fn px(v: Decimal) -> String {
    v.round_dp(1).normalize().to_string()
}

/// Mean payout per score bin of ten points: (bin start, people, sum).
pub(super) fn bins(sides: &[&Side]) -> Vec<(Decimal, usize, Decimal)> {
    let mut out: Vec<(Decimal, usize, Decimal)> = Vec::new();
    let mut sorted: Vec<(Decimal, Decimal)> = sides
        .iter()
        .map(|s| ((s.score / d(10)).floor() * d(10), s.payout))
        .collect();
    sorted.sort();
    for (bin, pay) in sorted {
        match out.last_mut() {
            Some(last) if last.0 == bin => {
                last.1 += 1;
                last.2 += pay;
            }
            _ => out.push((bin, 1, pay)),
        }
    }
    out
}

/// The plot's ranges: scores from the lowest bin to the top of the highest,
/// payouts from 0 (or the lowest, if negative) to the highest.
struct Axes {
    x: (Decimal, Decimal),
    y: (Decimal, Decimal),
}

impl Axes {
    fn of(all: &[&Side]) -> Axes {
        let ten = d(10);
        let lo = all.iter().map(|s| s.score).min().unwrap_or_default();
        let hi = all.iter().map(|s| s.score).max().unwrap_or_default();
        let ymin = all.iter().map(|s| s.payout).min().unwrap_or_default();
        let ymax = all.iter().map(|s| s.payout).max().unwrap_or_default();
        Axes {
            x: ((lo / ten).floor() * ten, (hi / ten).floor() * ten + ten),
            y: (ymin.min(Decimal::ZERO), ymax.max(Decimal::ONE)),
        }
    }
    fn sx(&self, score: Decimal) -> Decimal {
        d(PLOT.0) + (score - self.x.0) / (self.x.1 - self.x.0) * d(PLOT.1)
    }
    fn sy(&self, pay: Decimal) -> Decimal {
        let span = self.y.1 - self.y.0;
        d(PLOT.2 + PLOT.3) - (pay - self.y.0) / span * d(PLOT.3)
    }
}

/// The section: chart, legend and the table of means.
pub(super) fn section(h: &mut String, m: &Model, lines: &[Line], lang: Language) {
    let t = |zh, en| super::page::t(lang, zh, en);
    let olds: Vec<&Side> = lines.iter().filter_map(|l| l.old).collect();
    let news: Vec<&Side> = lines.iter().filter_map(|l| l.new).collect();
    let all: Vec<&Side> = olds.iter().chain(&news).copied().collect();
    let axes = Axes::of(&all);
    let title = t("绩效与薪酬关系", "Pay for performance");
    let (w, hgt) = (PLOT.0 + PLOT.1 + 20, PLOT.2 + PLOT.3 + 44);
    let _ = writeln!(
        h,
        "<section>\n<h2>{title}</h2>\n<p class=\"note\">{}</p>\n<div class=\"legend\"><span><i style=\"background:{}\"></i>{}</span><span><i style=\"background:{}\"></i>{}</span></div>",
        t(
            "每个点为一名员工（员工多时按顺序抽样）；折线为每 10 分得分区间的平均发放。",
            "Each dot is an employee (a regular sample when there are many); the lines join each plan's mean payout per ten score points."
        ),
        COLOURS.0,
        t("基准方案", "Baseline"),
        COLOURS.1,
        t("新方案", "New plan"),
    );
    let _ = writeln!(
        h,
        "<svg class=\"chart\" id=\"pay-for-performance\" width=\"{w}\" height=\"{hgt}\" viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-labelledby=\"pfp-title\">\n  <title id=\"pfp-title\">{title}</title>"
    );
    grid(h, m, &axes);
    for (sides, colour) in [(&olds, COLOURS.0), (&news, COLOURS.1)] {
        dots(h, sides, &axes, colour);
    }
    for (sides, colour) in [(&olds, COLOURS.0), (&news, COLOURS.1)] {
        mean_line(h, &bins(sides), &axes, colour);
    }
    let _ = writeln!(
        h,
        "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n</svg>",
        PLOT.0 + PLOT.1 / 2,
        PLOT.2 + PLOT.3 + 38,
        t("综合得分", "Final score")
    );
    means_table(h, m, (&olds, &news), lang);
    let _ = writeln!(h, "</section>");
}

/// Axes, about five grid lines of payout and the score bin bounds.
fn grid(h: &mut String, m: &Model, a: &Axes) {
    let (left, plot_w, top, plot_h) = PLOT;
    for i in 0..=4 {
        let v = a.y.0 + (a.y.1 - a.y.0) * d(i) / d(4);
        let y = px(a.sy(v));
        let _ = writeln!(
            h,
            "  <line class=\"grid\" x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/><text x=\"{}\" y=\"{y}\" text-anchor=\"end\" dy=\"4\">{}</text>",
            left + plot_w,
            left - 6,
            grouped(v, 0, m.new.mode)
        );
    }
    let bins = ((a.x.1 - a.x.0) / d(10)).to_i64().unwrap_or(1).max(1);
    let step = (bins + 11) / 12;
    for i in (0..=bins).step_by(step as usize) {
        let s = a.x.0 + d(10 * i);
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{s}</text>",
            px(a.sx(s)),
            top + plot_h + 16
        );
    }
    let _ = writeln!(
        h,
        "  <line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{b}\"/><line class=\"axis\" x1=\"{left}\" y1=\"{b}\" x2=\"{}\" y2=\"{b}\"/>",
        left + plot_w,
        b = top + plot_h
    );
}

fn dots(h: &mut String, sides: &[&Side], a: &Axes, colour: &str) {
    let step = sides.len().div_ceil(DOTS).max(1);
    let _ = writeln!(h, "  <g fill=\"{colour}\" fill-opacity=\"0.55\">");
    for s in sides.iter().step_by(step) {
        let _ = writeln!(
            h,
            "    <circle cx=\"{}\" cy=\"{}\" r=\"2.5\"><title>{}: {} → {}</title></circle>",
            px(a.sx(s.score)),
            px(a.sy(s.payout)),
            esc(&s.id),
            s.score,
            s.payout
        );
    }
    let _ = writeln!(h, "  </g>");
}

/// Each bin's mean at the bin's middle.
fn mean_line(h: &mut String, bins: &[(Decimal, usize, Decimal)], a: &Axes, colour: &str) {
    let points: Vec<String> = bins
        .iter()
        .map(|(b, n, sum)| {
            let mean = *sum / Decimal::from(*n as u64);
            format!("{},{}", px(a.sx(*b + d(5))), px(a.sy(mean)))
        })
        .collect();
    let _ = writeln!(
        h,
        "  <polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{}\"/>",
        points.join(" ")
    );
}

/// Each bin's people and mean payout under each plan.
fn means_table(h: &mut String, m: &Model, (olds, news): (&[&Side], &[&Side]), lang: Language) {
    let t = |zh, en| super::page::t(lang, zh, en);
    let _ = writeln!(
        h,
        "<details><summary>{}</summary>\n<table>\n<thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t("以表格查看", "As a table"),
        t("得分区间", "Score range"),
        t("基准人数", "Baseline people"),
        t("基准平均发放", "Baseline mean payout"),
        t("新方案人数", "New plan people"),
        t("新方案平均发放", "New plan mean payout"),
    );
    let (bo, bn) = (bins(olds), bins(news));
    let mut starts: Vec<Decimal> = bo.iter().chain(&bn).map(|b| b.0).collect();
    starts.sort();
    starts.dedup();
    let cell = |bins: &[(Decimal, usize, Decimal)], s: Decimal, places: u32| {
        bins.iter()
            .find(|b| b.0 == s)
            .map_or(("0".to_owned(), "–".to_owned()), |(_, n, sum)| {
                let mean =
                    crate::exact::div_round(*sum, Decimal::from(*n as u64), places, m.new.mode)
                        .unwrap_or_default();
                (n.to_string(), grouped(mean, places, m.new.mode))
            })
    };
    for s in starts {
        let (on, om) = cell(&bo, s, m.old.money_places);
        let (nn, nm) = cell(&bn, s, m.new.money_places);
        let _ = writeln!(
            h,
            "<tr><td>{s} – {}</td><td class=\"n\">{on}</td><td class=\"n\">{om}</td><td class=\"n\">{nn}</td><td class=\"n\">{nm}</td></tr>",
            s + d(10)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</details>");
}
