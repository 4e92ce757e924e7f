//! Evaluation periods: `2026-09` (month), `2026-Q3`, `2026-H2`, `2026` (year).

use chrono::NaiveDate;
use std::fmt;

/// A calendar month as `year * 12 + (month - 1)`, so months order and subtract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i32);

impl Month {
    pub fn new(year: i32, month: u32) -> Month {
        Month(year * 12 + month as i32 - 1)
    }
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }
    pub fn month(self) -> u32 {
        (self.0.rem_euclid(12) + 1) as u32
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).expect("valid month")
    }
    pub fn last_day(self) -> NaiveDate {
        Month(self.0 + 1)
            .first_day()
            .pred_opt()
            .expect("valid date")
    }
    /// Parses exactly `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return None;
        }
        let year: i32 = s[..4].parse().ok()?;
        let month: u32 = s[5..].parse().ok()?;
        (1..=12).contains(&month).then(|| Month::new(year, month))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Half,
    Year,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub label: String,
    pub kind: PeriodKind,
    pub first: Month,
    pub len: i32,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, String> {
        let bad = || {
            format!("invalid period '{s}': expected YYYY-MM (month), YYYY-Qn (quarter), YYYY-Hn (half) or YYYY (year)")
        };
        let year = |y: &str| -> Result<i32, String> {
            if y.len() == 4 && y.bytes().all(|c| c.is_ascii_digit()) {
                y.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        // Byte slicing below needs one byte per character.
        if !s.is_ascii() {
            return Err(bad());
        }
        let (kind, first, len) = if s.len() == 4 {
            (PeriodKind::Year, Month::new(year(s)?, 1), 12)
        } else if let Some(m) = Month::parse(s) {
            (PeriodKind::Month, m, 1)
        } else if s.len() == 7 && &s[4..6] == "-Q" {
            let q: u32 = s[6..].parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            (
                PeriodKind::Quarter,
                Month::new(year(&s[..4])?, 3 * q - 2),
                3,
            )
        } else if s.len() == 7 && &s[4..6] == "-H" {
            let h: u32 = s[6..].parse().map_err(|_| bad())?;
            if !(1..=2).contains(&h) {
                return Err(bad());
            }
            (PeriodKind::Half, Month::new(year(&s[..4])?, 6 * h - 5), 6)
        } else {
            return Err(bad());
        };
        Ok(Period {
            label: s.to_owned(),
            kind,
            first,
            len,
        })
    }

    /// The period of the same kind `k` periods later (negative: earlier).
    pub fn shifted(&self, k: i32) -> Period {
        let first = Month(self.first.0 + k * self.len);
        let (y, m) = (first.year(), first.month());
        let label = match self.kind {
            PeriodKind::Month => first.to_string(),
            PeriodKind::Quarter => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
            PeriodKind::Half => format!("{y:04}-H{}", (m - 1) / 6 + 1),
            PeriodKind::Year => format!("{y:04}"),
        };
        Period {
            label,
            kind: self.kind,
            first,
            len: self.len,
        }
    }

    /// The quarters of a year (or half), in order.
    pub fn quarters(&self) -> Vec<Period> {
        (0..self.len / 3)
            .map(|i| {
                let first = Month(self.first.0 + 3 * i);
                Period {
                    label: format!("{:04}-Q{}", first.year(), (first.month() - 1) / 3 + 1),
                    kind: PeriodKind::Quarter,
                    first,
                    len: 3,
                }
            })
            .collect()
    }

    pub fn months(&self) -> impl Iterator<Item = Month> + '_ {
        (0..self.len).map(|i| Month(self.first.0 + i))
    }
    pub fn last(&self) -> Month {
        Month(self.first.0 + self.len - 1)
    }
    pub fn contains(&self, m: Month) -> bool {
        m >= self.first && m <= self.last()
    }
    pub fn start(&self) -> NaiveDate {
        self.first.first_day()
    }
    /// Last day, inclusive.
    pub fn end(&self) -> NaiveDate {
        self.last().last_day()
    }
    pub fn days(&self) -> i64 {
        (self.end() - self.start()).num_days() + 1
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        for odd in ["2026\u{feff}", "2026-\u{feff}", "é026-Q1", "2026-Q\u{e9}"] {
            assert!(Period::parse(odd).is_err(), "{odd:?}");
        }
        let q = Period::parse("2026-Q3").unwrap();
        assert_eq!(q.kind, PeriodKind::Quarter);
        assert_eq!(
            q.months().map(|m| m.to_string()).collect::<Vec<_>>(),
            ["2026-07", "2026-08", "2026-09"]
        );
        assert_eq!(q.days(), 92);
        assert_eq!(Period::parse("2026-09").unwrap().days(), 30);
        assert_eq!(
            Period::parse("2026-H2").unwrap().first.to_string(),
            "2026-07"
        );
        assert_eq!(Period::parse("2026").unwrap().days(), 365);
        assert_eq!(Period::parse("2024-02").unwrap().days(), 29);
        for bad in [
            "2026-13", "2026-Q5", "2026-H3", "26-Q1", "2026-9", "", "2026Q3",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
