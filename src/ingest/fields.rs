//! Parsing one field's text into a value, with a reason a data manager can act on.
//!
//! Each parser takes trimmed, non-empty text (emptiness is checked by the caller)
//! and returns the value or the reason, quoting the text it could not read.

use crate::model::Sex;
use chrono::{Datelike, NaiveDate};

/// A decimal number; a decimal comma gets a hint rather than a guess.
pub fn number(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ if text.contains(',') && !text.contains('.') => Err(format!(
            "`{text}` is not a number (use a dot as the decimal separator)"
        )),
        _ => Err(format!("`{text}` is not a number")),
    }
}

/// A calendar date written `YYYY-MM-DD` or `DD/MM/YYYY`.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| format!("`{text}` is not a date (expected YYYY-MM-DD or DD/MM/YYYY)"))
}

/// Yes/no in English or Bahasa Indonesia: true/false, 1/0, ya/tidak, y/n, yes/no.
pub fn boolean(text: &str) -> Result<bool, String> {
    match text.to_lowercase().as_str() {
        "true" | "1" | "ya" | "y" | "yes" => Ok(true),
        "false" | "0" | "tidak" | "n" | "no" => Ok(false),
        _ => Err(format!(
            "`{text}` is not a yes/no value (use true/false, 1/0, ya/tidak, y/n or yes/no)"
        )),
    }
}

/// Sex as M/F, L/P (laki-laki/perempuan) or male/female, any case.
pub fn sex(text: &str) -> Result<Sex, String> {
    match text.to_lowercase().as_str() {
        "m" | "male" | "l" | "laki-laki" | "laki laki" => Ok(Sex::Male),
        "f" | "female" | "p" | "perempuan" => Ok(Sex::Female),
        _ => Err(format!(
            "`{text}` is not a sex (use M/F, L/P, male/female or laki-laki/perempuan)"
        )),
    }
}

/// A Kemendagri village code: 10 digits, dots allowed (`74.71.01.1005`).
pub fn village_code(text: &str) -> Result<String, String> {
    let digits: String = text.chars().filter(|&c| c != '.').collect();
    if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(format!(
            "`{text}` is not a 10-digit Kemendagri village code \
             (like 7471011005 or 74.71.01.1005)"
        ))
    }
}

/// Completed months of age on `measured`, negative when measured before birth.
#[must_use]
pub fn age_months(born: NaiveDate, measured: NaiveDate) -> i32 {
    let mut months =
        (measured.year() - born.year()) * 12 + measured.month() as i32 - born.month() as i32;
    if measured.day() < born.day() && months > 0 {
        months -= 1;
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid")
    }

    #[test]
    fn numbers() {
        assert_eq!(number("-3.5"), Ok(-3.5));
        assert_eq!(number("1e2"), Ok(100.0));
        assert!(number("NaN").is_err());
        assert!(number("inf").is_err());
        assert!(
            number("85,5")
                .expect_err("comma")
                .contains("decimal separator")
        );
        assert_eq!(number("abc"), Err("`abc` is not a number".into()));
    }

    #[test]
    fn dates_in_both_forms() {
        assert_eq!(date("2024-08-15"), Ok(d(2024, 8, 15)));
        assert_eq!(date("15/08/2024"), Ok(d(2024, 8, 15)));
        assert!(
            date("2023-02-30")
                .expect_err("no such day")
                .contains("`2023-02-30`")
        );
        assert!(date("08-15-2024").is_err());
    }

    #[test]
    fn booleans_and_sexes() {
        for t in ["true", "1", "Ya", "y", "YES"] {
            assert_eq!(boolean(t), Ok(true), "{t}");
        }
        for t in ["false", "0", "tidak", "N", "no"] {
            assert_eq!(boolean(t), Ok(false), "{t}");
        }
        assert!(boolean("maybe").is_err());
        for t in ["M", "l", "Laki-Laki", "male"] {
            assert_eq!(sex(t), Ok(Sex::Male), "{t}");
        }
        for t in ["f", "P", "Perempuan", "FEMALE"] {
            assert_eq!(sex(t), Ok(Sex::Female), "{t}");
        }
        assert!(sex("x").is_err());
    }

    #[test]
    fn village_codes() {
        assert_eq!(village_code("74.71.01.1005"), Ok("7471011005".into()));
        assert_eq!(village_code("7471011005"), Ok("7471011005".into()));
        assert!(village_code("747101100").is_err());
        assert!(village_code("74710110a5").is_err());
    }

    #[test]
    fn ages_in_completed_months() {
        assert_eq!(age_months(d(2020, 1, 31), d(2020, 2, 29)), 0);
        assert_eq!(age_months(d(2020, 1, 15), d(2020, 2, 15)), 1);
        assert_eq!(age_months(d(2019, 8, 16), d(2024, 8, 15)), 59);
        assert_eq!(age_months(d(2019, 8, 15), d(2024, 8, 15)), 60);
        assert_eq!(age_months(d(2019, 7, 15), d(2024, 8, 15)), 61);
        assert!(age_months(d(2024, 8, 15), d(2024, 6, 1)) < 0);
    }
}
