//! Parsing one field's text into a value, with a reason a data manager can act on.
//!
//! Each parser takes trimmed, non-empty text (emptiness is checked by the caller)
//! and returns the value or the reason, quoting the text it could not read. The
//! forms accepted are the ones Indonesian spreadsheets produce: `31/12/2024` and
//! spreadsheet date numbers, decimal commas (`-3,9672`) in files whose columns are not
//! separated by commas, L/P for sex, Y/T (ya/tidak) for yes/no.

use crate::model::Sex;
use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use std::ops::RangeInclusive;

/// Which decimal separators a file's numbers may use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Decimal {
    /// A dot, or a single comma in a number without a dot (`3,97`): spreadsheets set
    /// to Indonesian write decimal commas, and separate columns with `;` or tabs.
    #[default]
    DotOrComma,
    /// A dot only: in a comma-separated file a comma inside a (quoted) number is a
    /// thousands separator or a mistake, so it is refused rather than guessed.
    Dot,
}

/// A decimal number written with a dot, or with a decimal comma where `decimal`
/// allows it. Thousands separators are refused: `1.234,5` is not read as 1234.5.
pub fn number(text: &str, decimal: Decimal) -> Result<f64, String> {
    let finite = |t: &str| t.parse::<f64>().ok().filter(|v| v.is_finite());
    if let Some(v) = finite(text) {
        return Ok(v);
    }
    let commas = text.matches(',').count();
    if commas == 1 && !text.contains('.') {
        return match decimal {
            Decimal::DotOrComma => finite(&text.replacen(',', ".", 1))
                .ok_or_else(|| format!("`{text}` is not a number")),
            Decimal::Dot => Err(format!(
                "`{text}` is not a number (this file separates columns with commas, \
                 so use a dot as the decimal separator)"
            )),
        };
    }
    if commas > 0 && text.bytes().any(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{text}` is not a number (write it without thousands separators and with \
             one decimal separator, e.g. 1234.5)"
        ));
    }
    Err(format!("`{text}` is not a number"))
}

/// Spreadsheet date numbers sigap accepts in date fields (1954-10-03..2119-01-11):
/// wide enough for any birth or measurement date, narrow enough that a stray count
/// or code is not read as a date.
pub const DATE_SERIALS: RangeInclusive<u64> = 20_000..=80_000;

/// Day 0 of spreadsheet date numbers (Excel's 1900 system, which other spreadsheets follow):
/// 1899-12-30, so that serial 60 absorbs Excel's phantom 1900-02-29 and every later
/// serial counts days from here; 45657 is 2024-12-31.
const SERIAL_EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");

const DATE_FORMS: &str =
    "expected DD/MM/YYYY, YYYY-MM-DD, DD-MM-YYYY, DD.MM.YYYY or a spreadsheet date number";

/// A calendar date: `31/12/2024`, `2024-12-31`, `31-12-2024`, `31.12.2024` (`/`, `-`
/// or `.` between day, month and a four-digit year, the year first or last; a time
/// of day after the date is ignored), or a spreadsheet date number in
/// [`DATE_SERIALS`] (`45657`, `45657.5`).
pub fn date(text: &str) -> Result<NaiveDate, String> {
    let fail = |why: &str| format!("`{text}` is not a date ({why})");
    if let Some(serial) = serial(text) {
        return if DATE_SERIALS.contains(&serial) {
            SERIAL_EPOCH
                .checked_add_days(Days::new(serial))
                .ok_or_else(|| fail(DATE_FORMS))
        } else {
            let (lo, hi) = (DATE_SERIALS.start(), DATE_SERIALS.end());
            Err(fail(&format!(
                "a spreadsheet date number must be within {lo}..{hi}; {DATE_FORMS}"
            )))
        };
    }
    let day = match text.split_once([' ', 'T']) {
        Some((day, time)) if is_time(time) => day,
        Some(_) => return Err(fail(DATE_FORMS)),
        None => text,
    };
    let Some(sep) = day.chars().find(|c| !c.is_ascii_digit()) else {
        return Err(fail(DATE_FORMS));
    };
    let parts: Vec<&str> = day.split(sep).collect();
    let digits = |p: &&str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    if !matches!(sep, '/' | '-' | '.') || parts.len() != 3 || !parts.iter().all(digits) {
        return Err(fail(DATE_FORMS));
    }
    let n = |p: &str| p.parse::<u32>().unwrap_or(0);
    let (y, m, d, day_first) = match (parts[0].len(), parts[2].len()) {
        (4, 1 | 2) => (parts[0], n(parts[1]), n(parts[2]), false),
        (1 | 2, 4) => (parts[2], n(parts[1]), n(parts[0]), true),
        _ => {
            return Err(fail(&format!(
                "the year must have four digits; {DATE_FORMS}"
            )));
        }
    };
    let year = y.parse::<i32>().unwrap_or(0);
    NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| {
        if day_first && m > 12 && d <= 12 {
            fail(&format!(
                "there is no month {m}: sigap reads day/month/year, \
                 and this looks like month/day/year"
            ))
        } else {
            fail("no such day")
        }
    })
}

/// The whole days of a spreadsheet date number (`45657`, `45657.5`, `45657,5`), or
/// `None` if the text is not one.
fn serial(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(whole) && digits(fraction) {
        whole.parse().ok()
    } else {
        None
    }
}

/// A time of day as spreadsheets and GDAL append it: `00:00`, `00:00:00`,
/// `00:00:00.000`, optionally `Z`.
fn is_time(text: &str) -> bool {
    let t = text.trim().trim_end_matches('Z');
    NaiveTime::parse_from_str(t, "%H:%M:%S%.f").is_ok()
        || NaiveTime::parse_from_str(t, "%H:%M").is_ok()
}

/// Lowercase, with runs of spaces, `-` and `_` squeezed to one space.
fn words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Yes/no in Bahasa Indonesia or English: ya/tidak, Y/T (T is *tidak*), ada/tidak
/// ada, punya/tidak punya, memiliki/tidak memiliki, layak/tidak layak, yes/no, y/n,
/// true/false, 1/0.
pub fn boolean(text: &str) -> Result<bool, String> {
    match words(text).as_str() {
        "ya" | "y" | "ada" | "punya" | "memiliki" | "layak" | "yes" | "true" | "1" => Ok(true),
        "tidak" | "tdk" | "t" | "tidak ada" | "tidak punya" | "tidak memiliki" | "tidak layak"
        | "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!(
            "`{text}` is not a yes/no value (use ya/tidak, Y/T, ada/tidak ada, \
             yes/no, true/false or 1/0; T means tidak)"
        )),
    }
}

/// Sex as L/P (laki-laki/perempuan, also Lk/Pr, pria/wanita), M/F (male/female),
/// or the 1/2 coding of Indonesian statistics (1 laki-laki, 2 perempuan), any case.
pub fn sex(text: &str) -> Result<Sex, String> {
    match words(text).replace(' ', "").as_str() {
        "l" | "lk" | "lakilaki" | "laki" | "pria" | "m" | "male" | "1" => Ok(Sex::Male),
        "p" | "pr" | "perempuan" | "wanita" | "f" | "female" | "2" => Ok(Sex::Female),
        _ => Err(format!(
            "`{text}` is not a sex (use L/P, laki-laki/perempuan, M/F, male/female \
             or 1/2)"
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
    fn numbers_with_dots_and_decimal_commas() {
        use Decimal::{Dot, DotOrComma};
        assert_eq!(number("-3.5", Dot), Ok(-3.5));
        assert_eq!(number("1e2", Dot), Ok(100.0));
        assert_eq!(number("3,97", DotOrComma), Ok(3.97));
        assert_eq!(number("-3,9672", DotOrComma), Ok(-3.9672));
        assert_eq!(number("122,5231", DotOrComma), number("122.5231", Dot));
        for t in ["NaN", "inf", "abc", "1,2,3", "1.234,5", "1,234.5", ","] {
            assert!(number(t, DotOrComma).is_err(), "{t}");
        }
        assert!(
            number("85,5", Dot)
                .expect_err("comma")
                .contains("use a dot as the decimal separator")
        );
        assert!(
            number("1.234,5", DotOrComma)
                .expect_err("thousands")
                .contains("without thousands separators")
        );
        assert_eq!(
            number("abc", DotOrComma),
            Err("`abc` is not a number".into())
        );
    }

    #[test]
    fn every_date_form_gives_the_same_day() {
        for t in [
            "31/12/2024",
            "2024-12-31",
            "31-12-2024",
            "31.12.2024",
            "2024/12/31",
            "45657",
            "45657.0",
            "45657,75",
            "2024-12-31 00:00:00",
            "2024-12-31T00:00:00Z",
            "31/12/2024 13:45",
        ] {
            assert_eq!(date(t), Ok(d(2024, 12, 31)), "{t}");
        }
        assert_eq!(date("5/8/2024"), Ok(d(2024, 8, 5)), "day first");
        assert_eq!(date("2024-8-5"), Ok(d(2024, 8, 5)));
    }

    #[test]
    fn spreadsheet_serials_count_from_1899_12_30() {
        // Reference points from Excel's documentation and LibreOffice: 1 January 2025
        // is 45658, 1 January 2000 is 36526.
        assert_eq!(date("45657"), Ok(d(2024, 12, 31)));
        assert_eq!(date("45658"), Ok(d(2025, 1, 1)));
        assert_eq!(date("36526"), Ok(d(2000, 1, 1)));
        assert_eq!(date("20000"), Ok(d(1954, 10, 3)));
        assert_eq!(date("80000"), Ok(d(2119, 1, 11)));
        for t in ["19999", "80001", "2024", "7471011005"] {
            assert!(date(t).expect_err(t).contains("within 20000..80000"), "{t}");
        }
    }

    #[test]
    fn bad_dates_say_why() {
        assert!(
            date("2023-02-30")
                .expect_err("no such day")
                .contains("`2023-02-30` is not a date (no such day)")
        );
        assert!(
            date("12/31/2024")
                .expect_err("US order")
                .contains("looks like month/day/year")
        );
        assert!(
            date("31/12/24")
                .expect_err("short year")
                .contains("four digits")
        );
        for t in [
            "08-15-2024",
            "2024-12",
            "31/12-2024",
            "31 Des 2024",
            "2024-12-31 later",
        ] {
            assert!(date(t).is_err(), "{t}");
        }
    }

    #[test]
    fn booleans_and_sexes() {
        for t in ["true", "1", "Ya", "y", "YES", "ada", "Punya", "layak"] {
            assert_eq!(boolean(t), Ok(true), "{t}");
        }
        for t in [
            "false",
            "0",
            "tidak",
            "N",
            "no",
            "T",
            "Tidak Ada",
            "tidak  punya",
        ] {
            assert_eq!(boolean(t), Ok(false), "{t}");
        }
        for t in ["maybe", "f", "2"] {
            assert!(boolean(t).is_err(), "{t}");
        }
        for t in [
            "M",
            "l",
            "Laki-Laki",
            "laki laki",
            "male",
            "LK",
            "1",
            "Pria",
        ] {
            assert_eq!(sex(t), Ok(Sex::Male), "{t}");
        }
        for t in ["f", "P", "Perempuan", "FEMALE", "Pr", "2", "wanita"] {
            assert_eq!(sex(t), Ok(Sex::Female), "{t}");
        }
        for t in ["x", "3", "0"] {
            assert!(sex(t).is_err(), "{t}");
        }
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
