//! Periods and dates, written from the docs (month `2026-09`, quarter
//! `2026-Q3`, half `2026-H2`, year `2026`), with a plain civil-day count.

use std::fmt;

/// A date as (year, month, day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub y: i32,
    pub m: u32,
    pub d: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().split('-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        if it.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > month_days(y, m) {
            return None;
        }
        Some(Date { y, m, d })
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn day_number(self) -> i64 {
        let (y, m, d) = (self.y as i64, self.m as i64, self.d as i64);
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn month_days(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub y: i32,
    pub m: u32,
}

impl Month {
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        let m: u32 = m.parse().ok()?;
        if !(1..=12).contains(&m) || y.len() != 4 {
            return None;
        }
        Some(Month {
            y: y.parse().ok()?,
            m,
        })
    }

    /// Months since year 0, for arithmetic.
    pub fn index(self) -> i64 {
        self.y as i64 * 12 + self.m as i64 - 1
    }

    pub fn from_index(i: i64) -> Month {
        Month {
            y: i.div_euclid(12) as i32,
            m: (i.rem_euclid(12) + 1) as u32,
        }
    }

    pub fn first(self) -> Date {
        Date {
            y: self.y,
            m: self.m,
            d: 1,
        }
    }

    pub fn last(self) -> Date {
        Date {
            y: self.y,
            m: self.m,
            d: month_days(self.y, self.m),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.y, self.m)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Month,
    Quarter,
    Half,
    Year,
}

impl Kind {
    pub fn months(self) -> i64 {
        match self {
            Kind::Month => 1,
            Kind::Quarter => 3,
            Kind::Half => 6,
            Kind::Year => 12,
        }
    }
}

/// An evaluation period: `len` months starting at `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: Kind,
    pub start: Month,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        if s.len() == 4 {
            let y = s.parse().ok()?;
            return Some(Period {
                kind: Kind::Year,
                start: Month { y, m: 1 },
            });
        }
        let (y, rest) = s.split_once('-')?;
        let y: i32 = y.parse().ok()?;
        let (kind, m) = if let Some(q) = rest.strip_prefix('Q') {
            let q: u32 = q.parse().ok()?;
            (Kind::Quarter, (1..=4).contains(&q).then(|| 3 * q - 2)?)
        } else if let Some(h) = rest.strip_prefix('H') {
            let h: u32 = h.parse().ok()?;
            (Kind::Half, (1..=2).contains(&h).then(|| 6 * h - 5)?)
        } else {
            (Kind::Month, Month::parse(s)?.m)
        };
        Some(Period {
            kind,
            start: Month { y, m },
        })
    }

    /// The one-month period of `m`.
    pub fn of_month(m: Month) -> Period {
        Period {
            kind: Kind::Month,
            start: m,
        }
    }

    pub fn months(self) -> Vec<Month> {
        let i = self.start.index();
        (0..self.kind.months())
            .map(|k| Month::from_index(i + k))
            .collect()
    }

    pub fn last_month(self) -> Month {
        Month::from_index(self.start.index() + self.kind.months() - 1)
    }

    pub fn start_date(self) -> Date {
        self.start.first()
    }

    pub fn end_date(self) -> Date {
        self.last_month().last()
    }

    pub fn days(self) -> i64 {
        self.end_date().day_number() - self.start_date().day_number() + 1
    }

    pub fn contains(self, m: Month) -> bool {
        let (a, i) = (self.start.index(), m.index());
        i >= a && i < a + self.kind.months()
    }

    /// The period of the same length `k` periods before this one.
    pub fn back(self, k: i64) -> Period {
        Period {
            kind: self.kind,
            start: Month::from_index(self.start.index() - k * self.kind.months()),
        }
    }

    /// The four quarters of a year.
    pub fn quarters(self) -> Vec<Period> {
        (0..4)
            .map(|q| Period {
                kind: Kind::Quarter,
                start: Month::from_index(self.start.index() + 3 * q),
            })
            .collect()
    }

    pub fn label(self) -> String {
        let y = self.start.y;
        match self.kind {
            Kind::Month => format!("{}", self.start),
            Kind::Quarter => format!("{y:04}-Q{}", self.start.m.div_ceil(3)),
            Kind::Half => format!("{y:04}-H{}", self.start.m.div_ceil(6)),
            Kind::Year => format!("{y:04}"),
        }
    }
}

/// Days of `[from, to]` ∩ `[a, b]`, inclusive, or 0.
pub fn overlap_days(from: Date, to: Option<Date>, a: Date, b: Date) -> i64 {
    let lo = from.day_number().max(a.day_number());
    let hi = to.map_or(b.day_number(), |t| t.day_number().min(b.day_number()));
    (hi - lo + 1).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let q = Period::parse("2026-Q3").unwrap();
        assert_eq!(q.days(), 92);
        assert_eq!(q.label(), "2026-Q3");
        assert_eq!(q.back(4).label(), "2025-Q3");
        assert_eq!(Period::parse("2024").unwrap().days(), 366);
        assert_eq!(Period::parse("2026-H1").unwrap().days(), 181);
        assert_eq!(Period::parse("2026-02").unwrap().days(), 28);
        assert_eq!(Period::parse("2026-02").unwrap().back(2).label(), "2025-12");
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(
            overlap_days(d("2026-08-17"), None, d("2026-07-01"), d("2026-09-30")),
            45
        );
    }
}
