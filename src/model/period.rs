//! A measurement period: the month a weighing round belongs to, `YYYY-MM`.
//!
//! Posyandu weigh every child twice a year in the rounds of February and August
//! (bulan penimbangan); a round that runs over into the next month still belongs to
//! its own period, so the period is data (a column or `--period`), and the
//! measurement date's month is only the fallback.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A measurement period, `YYYY-MM` (years 1900..=2999, months 01..=12).
///
/// Ordered by time; shown and parsed as `2026-08`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: u16,
    month: u8,
}

/// Why text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a period (write the year and month as YYYY-MM, e.g. 2026-08)")]
pub struct PeriodError {
    pub text: String,
}

impl Period {
    /// The period of year `year`, month `month` (1-12); `None` outside 1900..=2999
    /// or 1..=12.
    #[must_use]
    pub fn new(year: u16, month: u8) -> Option<Self> {
        ((1900..=2999).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    /// The period a date falls in (its calendar month).
    ///
    /// # Panics
    /// Never for dates sigap accepts (years 1900..=2999); a date outside them is
    /// clamped to the nearest end.
    #[must_use]
    pub fn of_date(date: NaiveDate) -> Self {
        let year = u16::try_from(date.year().clamp(1900, 2999)).unwrap_or(1900);
        Self {
            year,
            month: u8::try_from(date.month()).unwrap_or(1),
        }
    }

    #[must_use]
    pub fn year(self) -> u16 {
        self.year
    }

    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    /// Parses `YYYY-MM` (also `YYYY/MM` and `YYYY-M`), surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = || PeriodError { text: s.to_owned() };
        let (y, m) = s.trim().split_once(['-', '/']).ok_or_else(fail)?;
        let digits = |t: &str, max: usize| {
            !t.is_empty() && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit())
        };
        if y.len() != 4 || !digits(y, 4) || !digits(m, 2) {
            return Err(fail());
        }
        let (year, month) = (
            y.parse().map_err(|_| fail())?,
            m.parse().map_err(|_| fail())?,
        );
        Self::new(year, month).ok_or_else(fail)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_year_month() {
        let p: Period = "2026-08".parse().expect("period");
        assert_eq!((p.year(), p.month()), (2026, 8));
        assert_eq!(p.to_string(), "2026-08");
        assert_eq!(
            " 2026/2 ".parse::<Period>().expect("slash").to_string(),
            "2026-02"
        );
        for bad in [
            "2026",
            "2026-13",
            "2026-00",
            "26-08",
            "2026-08-01",
            "Agustus",
            "",
            "2026-",
        ] {
            let e = bad.parse::<Period>().expect_err(bad);
            assert!(e.to_string().contains("YYYY-MM"), "{bad}: {e}");
        }
    }

    #[test]
    fn orders_by_time_and_follows_dates() {
        let feb: Period = "2026-02".parse().expect("feb");
        let aug: Period = "2026-08".parse().expect("aug");
        let dec: Period = "2025-12".parse().expect("dec");
        assert!(dec < feb && feb < aug);
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        assert_eq!(Period::of_date(d).to_string(), "2026-03");
    }

    #[test]
    fn serialises_as_text() {
        let p: Period = "2026-02".parse().expect("period");
        assert_eq!(serde_json::to_string(&p).expect("json"), "\"2026-02\"");
        let back: Period = serde_json::from_str("\"2026-02\"").expect("back");
        assert_eq!(back, p);
        assert!(serde_json::from_str::<Period>("\"2026-2x\"").is_err());
    }
}
