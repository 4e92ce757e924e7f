//! The SVG charts of `report.html`: payout bars by department, the score
//! histogram with its band thresholds, and rating bars by department.
//! Geometry is decimal, so the page is byte-identical between runs.

use super::labels::{stacked, text_width, thinned, Label, ROW};
use super::t;
use crate::engine::RunResult;
use crate::output::display::{esc, money};
use crate::output::Totals;
use crate::policy::{Language, LoadedPolicy, RatingBand};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::fmt::Write;

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

pub(super) fn band_colour(i: usize) -> &'static str {
    BAND_COLOURS[i.min(BAND_COLOURS.len() - 1)]
}

/// Payout bars: label width, bar width, value width, row height.
const PAYOUT_BARS: (i64, i64, i64, i64) = (150, 600, 130, 30);

/// Opens the payout section: performance and project bonus per department,
/// stacked, scaled to the largest department total.
pub(super) fn payout_bars(
    h: &mut String,
    lp: &LoadedPolicy,
    depts: &[(String, &Totals)],
    lang: Language,
) {
    let (label_w, bar_w, value_w, row) = PAYOUT_BARS;
    let width = label_w + bar_w + value_w;
    let height = 36 + row * depts.len() as i64;
    let max = depts.iter().map(|(_, x)| x.total).max().unwrap_or_default();
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
        payout_row(h, lp, 12 + row * i as i64, (name, x), max, lang);
    }
    let _ = writeln!(h, "</svg>");
}

/// One department's bars at height `y`, with its total payout after them.
fn payout_row(
    h: &mut String,
    lp: &LoadedPolicy,
    y: i64,
    (name, x): (&str, &Totals),
    max: Decimal,
    lang: Language,
) {
    let sep = t(lang, "：", ": ");
    let (label_w, bar_w, _, _) = PAYOUT_BARS;
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
            "  <rect x=\"{label_w}\" y=\"{y}\" width=\"{}\" height=\"20\" fill=\"#3b6fb6\"><title>{}{sep}{}</title></rect>",
            px(b),
            esc(name),
            money(x.bonus, lp)
        );
    }
    if pb > Decimal::ZERO {
        let _ = writeln!(
            h,
            "  <rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"20\" fill=\"#f2b544\"><title>{}{sep}{}</title></rect>",
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

/// The score histogram: left margin, plot width, top margin (one more row
/// per further row of band threshold labels), plot height.
const SCORE_PLOT: (i64, i64, i64, i64) = (50, 820, 44, 200);

/// Final scores counted in bins of ten points from `lo` to `hi`.
pub(super) struct Histogram {
    pub lo: Decimal,
    pub hi: Decimal,
    pub counts: Vec<usize>,
    /// The largest bin count, at least 1.
    pub most: usize,
}

pub(super) fn histogram(run: &RunResult) -> Histogram {
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
    Histogram {
        lo,
        hi,
        counts,
        most,
    }
}

impl Histogram {
    fn bin_w(&self) -> Decimal {
        d(SCORE_PLOT.1) / Decimal::from(self.counts.len() as i64)
    }

    fn x_of(&self, score: Decimal) -> Decimal {
        d(SCORE_PLOT.0) + scale(score - self.lo, self.hi - self.lo, SCORE_PLOT.1)
    }

    /// The bin bounds under the axis, thinned so none overlaps another.
    pub(super) fn axis_labels(&self) -> Vec<Label> {
        let bins = self.counts.len() as i64;
        thinned(
            (0..=bins)
                .map(|i| Label {
                    x: d(SCORE_PLOT.0) + self.bin_w() * d(i),
                    row: 0,
                    text: (self.lo + d(10) * d(i)).to_string(),
                })
                .collect(),
        )
    }

    /// "band ≥ threshold" at each threshold inside the range, stacked in
    /// rows where they would collide; and the number of rows.
    pub(super) fn threshold_labels(&self, bands: &[RatingBand]) -> (Vec<Label>, usize) {
        let mut labels: Vec<Label> = (bands.iter())
            .filter_map(|b| Some((b, b.min_score?.0)))
            .filter(|&(_, m)| m > self.lo && m < self.hi)
            .map(|(b, m)| Label {
                x: self.x_of(m),
                row: 0,
                text: format!("{} ≥ {m}", b.band),
            })
            .collect();
        labels.sort_by_key(|l| l.x);
        stacked(labels)
    }
}

pub(super) fn score_distribution(
    h: &mut String,
    lp: &LoadedPolicy,
    run: &RunResult,
    lang: Language,
) {
    let hist = histogram(run);
    let (thresholds, rows) = hist.threshold_labels(&lp.policy.rating_bands);
    let (left, plot_w, top0, plot_h) = SCORE_PLOT;
    let top = top0 + ROW * (rows as i64 - 1);
    let (width, height) = (left + plot_w + 20, top + plot_h + 44);
    let title = t(lang, "综合得分分布", "Score distribution");
    let _ = writeln!(
        h,
        "<section>\n<h2>{title}</h2>\n<svg class=\"chart\" id=\"score-distribution\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{title}\">"
    );
    score_grid(h, hist.most, top);
    score_bins(h, &hist, top);
    for l in hist.axis_labels() {
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            px(l.x),
            top + plot_h + 16,
            l.text
        );
    }
    let _ = writeln!(
        h,
        "  <line class=\"axis\" x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        top + plot_h,
        left + plot_w,
        top + plot_h
    );
    band_thresholds(h, &thresholds, top);
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
    score_table(h, &hist, lang);
    let _ = writeln!(h, "</section>");
}

/// The histogram's numbers as a table, for screen readers and for bins too
/// narrow to carry their count.
fn score_table(h: &mut String, hist: &Histogram, lang: Language) {
    let _ = writeln!(
        h,
        "<details><summary>{}</summary>\n<table>\n<thead><tr><th>{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>",
        t(lang, "以表格查看", "As a table"),
        t(lang, "得分区间", "Score range"),
        t(lang, "人数", "Employees"),
    );
    for (i, n) in hist.counts.iter().enumerate() {
        let from = hist.lo + d(10) * d(i as i64);
        let _ = writeln!(
            h,
            "<tr><td>{from} – {}</td><td class=\"n\">{n}</td></tr>",
            from + d(10)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</details>");
}

/// The y grid: about four lines at whole counts.
fn score_grid(h: &mut String, most: usize, top: i64) {
    let (left, plot_w, _, plot_h) = SCORE_PLOT;
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
}

/// One bar per non-empty bin, with its count above it when the bar is wide
/// enough to hold the number (the table has every count).
fn score_bins(h: &mut String, hist: &Histogram, top: i64) {
    let (left, _, _, plot_h) = SCORE_PLOT;
    let (ten, lo, most) = (d(10), hist.lo, hist.most);
    let bin_w = hist.bin_w();
    for (i, &n) in hist.counts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let x = d(left) + bin_w * d(i as i64);
        let bh = scale(d(n as i64), d(most as i64), plot_h);
        let _ = writeln!(
            h,
            "  <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#3b6fb6\"><title>{}–{}: {n}</title></rect>",
            px(x + bin_w / d(20)),
            px(d(top + plot_h) - bh),
            px(bin_w * d(9) / d(10)),
            px(bh),
            lo + ten * d(i as i64),
            lo + ten * d(i as i64 + 1),
        );
        if text_width(&n.to_string()) + d(2) <= bin_w {
            let _ = writeln!(
                h,
                "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{n}</text>",
                px(x + bin_w / d(2)),
                px(d(top + plot_h) - bh - d(4)),
            );
        }
    }
}

/// A dashed line at each rating band threshold, then the labels over the
/// lines (with a white halo, as a line may pass a lower row's label).
fn band_thresholds(h: &mut String, labels: &[Label], top: i64) {
    let plot_h = SCORE_PLOT.3;
    // Above the tallest bar's count (at top - 4).
    let y = |l: &Label| top - 30 - ROW * l.row as i64;
    for l in labels {
        let _ = writeln!(
            h,
            "  <line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#8e3b46\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>",
            y(l) + 4,
            top + plot_h,
            x = px(l.x),
        );
    }
    for l in labels {
        let _ = writeln!(
            h,
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#8e3b46\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            px(l.x),
            y(l),
            esc(&l.text),
        );
    }
}

/// Rating bars: label width, bar width, row height.
const RATING_BARS: (i64, i64, i64) = (150, 640, 30);

pub(super) fn rating_distribution(
    h: &mut String,
    lp: &LoadedPolicy,
    depts: &[(String, &Totals)],
    lang: Language,
) {
    let bands = &lp.policy.rating_bands;
    let (label_w, bar_w, row) = RATING_BARS;
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
        rating_row(h, bands, 6 + row * i as i64, name, x);
    }
    let _ = writeln!(h, "</svg>\n</section>");
}

/// One department's people per band at height `y`, as shares of its
/// headcount, with the headcount after them.
fn rating_row(h: &mut String, bands: &[RatingBand], y: i64, name: &str, x: &Totals) {
    let (label_w, bar_w, _) = RATING_BARS;
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

#[cfg(test)]
mod tests {
    use super::super::labels::none_overlap;
    use super::*;
    use crate::decimal::Dec;

    fn wide(bins: usize) -> Histogram {
        Histogram {
            lo: Decimal::ZERO,
            hi: d(10 * bins as i64),
            counts: vec![3; bins],
            most: 3,
        }
    }

    #[test]
    fn the_usual_axis_shows_every_bound() {
        let labels = wide(15).axis_labels();
        assert_eq!(labels.len(), 16);
        assert_eq!(labels[15].text, "150");
        assert!(none_overlap(&labels));
    }

    #[test]
    fn axis_labels_never_overlap_at_any_number_of_bins() {
        for bins in [1, 15, 40, 100, 250, 1000] {
            let labels = wide(bins).axis_labels();
            assert!(none_overlap(&labels), "{bins} bins");
            assert!(labels.len() >= 2.min(bins + 1), "{bins} bins");
        }
        // 1000 bins of 0.82px: two four-digit labels (28px each, 4px apart)
        // need 32px, so every 41st bound (33.6px) is shown.
        let labels = wide(1000).axis_labels();
        assert_eq!(labels[1].text, "410");
        assert_eq!(labels.len(), 25);
    }

    #[test]
    fn close_thresholds_stack_instead_of_overlapping() {
        let band = |b: &str, m: i64| RatingBand {
            band: b.into(),
            min_score: Some(Dec(d(m))),
            name: None,
        };
        let bands = [
            band("S", 120),
            band("A", 101),
            band("B", 100),
            band("C", 99),
            band("D", 0),
        ];
        let (labels, rows) = wide(15).threshold_labels(&bands);
        assert_eq!(labels.len(), 4, "D ≥ 0 is the axis itself");
        assert_eq!(labels[0].text, "C ≥ 99");
        assert_eq!(rows, 3);
        assert!(none_overlap(&labels));
    }
}
