//! Where chart labels go so that none overlaps another, whatever the number
//! of bars: the score axis shows every k-th bin bound, and band threshold
//! labels that would collide stack in rows above the plot. Positions are
//! computed here (decimal, estimated text widths) so a test can check the
//! boxes rather than a browser.

use rust_decimal::Decimal;

/// The 12px chart font: a Latin character or digit is at most about 7px
/// wide, a CJK one 12px (a full em).
pub(super) fn text_width(s: &str) -> Decimal {
    s.chars()
        .map(|c| if c.is_ascii() { 7 } else { 12 })
        .sum::<i64>()
        .into()
}

/// Space kept between two labels.
const GAP: i64 = 4;

/// Height of one row of labels.
pub(super) const ROW: i64 = 14;

/// A label centred at `x` on row `row` (0 nearest the plot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Label {
    pub x: Decimal,
    pub row: usize,
    pub text: String,
}

impl Label {
    /// Left and right edge of the label's box.
    pub fn span(&self) -> (Decimal, Decimal) {
        let half = text_width(&self.text) / Decimal::TWO;
        (self.x - half, self.x + half)
    }
}

fn apart(a: &Label, b: &Label) -> bool {
    let ((a0, a1), (b0, b1)) = (a.span(), b.span());
    a.row != b.row || a1 + Decimal::from(GAP) <= b0 || b1 + Decimal::from(GAP) <= a0
}

/// Every k-th of `labels` (ordered left to right, one row), the smallest k
/// at which no two shown overlap; the first is always shown.
pub(super) fn thinned(labels: Vec<Label>) -> Vec<Label> {
    let n = labels.len();
    let step = (1..=n.max(1))
        .find(|&k| {
            let shown: Vec<&Label> = labels.iter().step_by(k).collect();
            shown.windows(2).all(|w| apart(w[0], w[1]))
        })
        .unwrap_or(1);
    labels.into_iter().step_by(step).collect()
}

/// Labels (ordered left to right) each put on the lowest row where it
/// overlaps none placed before; returns them and the number of rows.
pub(super) fn stacked(labels: Vec<Label>) -> (Vec<Label>, usize) {
    let mut placed: Vec<Label> = Vec::with_capacity(labels.len());
    for mut l in labels {
        l.row = (0..)
            .find(|&r| {
                let probe = Label {
                    row: r,
                    ..l.clone()
                };
                placed.iter().all(|p| apart(p, &probe))
            })
            .unwrap_or(0);
        placed.push(l);
    }
    let rows = placed.iter().map(|l| l.row + 1).max().unwrap_or(1);
    (placed, rows)
}

/// No two labels' boxes overlap (used by tests).
#[cfg(test)]
pub(super) fn none_overlap(labels: &[Label]) -> bool {
    labels
        .iter()
        .enumerate()
        .all(|(i, a)| labels[i + 1..].iter().all(|b| apart(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: i64, text: &str) -> Label {
        Label {
            x: x.into(),
            row: 0,
            text: text.into(),
        }
    }

    #[test]
    fn roomy_labels_are_all_shown() {
        let labels: Vec<Label> = (0..16).map(|i| at(50 + 55 * i, "100")).collect();
        assert_eq!(thinned(labels).len(), 16);
    }

    #[test]
    fn crowded_labels_are_thinned_to_every_kth() {
        // 101 bounds 8.2px apart, each "1000" 28px wide: every 4th fits
        // (32.8px ≥ 28 + 4), every 3rd (24.6px) does not.
        let labels: Vec<Label> = (0..=100)
            .map(|i| Label {
                x: Decimal::from(50) + Decimal::new(82, 1) * Decimal::from(i),
                row: 0,
                text: (i * 10).to_string(),
            })
            .collect();
        let shown = thinned(labels);
        assert_eq!(shown.len(), 26);
        assert_eq!(shown[1].text, "40");
        assert!(none_overlap(&shown));
    }

    #[test]
    fn colliding_labels_stack_in_rows() {
        let (placed, rows) = stacked(vec![
            at(100, "A ≥ 90"),
            at(110, "B ≥ 95"),
            at(300, "C ≥ 100"),
        ]);
        assert_eq!(rows, 2);
        assert_eq!(placed.iter().map(|l| l.row).collect::<Vec<_>>(), [0, 1, 0]);
        assert!(none_overlap(&placed));
    }

    #[test]
    fn chinese_text_is_wider_than_digits() {
        assert_eq!(text_width("90"), Decimal::from(14));
        assert_eq!(text_width("优秀"), Decimal::from(24));
    }
}
