//! Whether a visit's measurement can be trusted: the WHO flags on its own z-scores,
//! and a comparison with the child's last measurement.
//!
//! A field officer measures on a doorstep, with a tape or a portable board; a
//! misread (86.5 cm for 76.5), a swapped child or a mistyped digit turns a severely
//! stunted child into a recovered one. So a visit measurement is checked before it is
//! stored, and each failed check has a stable code the form shows:
//!
//! | code | rule |
//! |---|---|
//! | `who_flag_haz` | the new HAZ is below -6 or above +6 (WHO anthro flag) |
//! | `who_flag_waz` | the new WAZ is below -6 or above +5 (WHO anthro flag) |
//! | `who_flag_whz` | the new WHZ is below -5 or above +5 (WHO anthro flag) |
//! | `height_shrank` | the length/height is more than [`SHRINK_TOLERANCE_CM`] below the last one (plus the WHO 0.7 cm when the recommended position changed from lying to standing in between) |
//! | `haz_jump` | the HAZ differs from the last one by more than [`HAZ_JUMP_BASE`] + [`HAZ_JUMP_PER_YEAR`] × years elapsed |
//!
//! The tolerances: two trained measurers of the same child differ by up to about
//! 1 cm (WHO MGRS technical error of measurement, 0.5-0.7 cm, times two); 1.5 cm
//! also absorbs a tape's slack. A HAZ moves by about 0.3 per centimetre at two
//! years, so 1.0 covers two measurement errors at once; catch-up growth in a treated
//! stunted child rarely gains more than about 1 HAZ in a year, hence the allowance
//! per year. The case that prompted the rule (HAZ -3.50, then -0.36 a few weeks
//! later, a gain of about 10 cm) fails it by a factor of three.
//!
//! A failed check is not a refusal for ever: the officer measures again or confirms
//! with a reason. A confirmed measurement is stored with its codes and counts in no
//! recovery figure until a later measurement that passes the checks against it
//! follows ([`counts_as_progress`]).

use crate::model::Sex;
use crate::risk::zscore::{self, Measurement, Position, STANDING_FROM_DAYS};
use chrono::NaiveDate;
use serde::Serialize;

/// How much shorter than the last measurement a child may be measured, in cm.
pub const SHRINK_TOLERANCE_CM: f64 = 1.5;
/// Largest HAZ change between two measurements on consecutive days.
pub const HAZ_JUMP_BASE: f64 = 1.0;
/// Added to [`HAZ_JUMP_BASE`] per 365.25 days between the measurements.
pub const HAZ_JUMP_PER_YEAR: f64 = 1.0;

/// A child's earlier measurement a new one is compared with.
///
/// # Units
/// `height_cm` centimetres (as measured), `haz` a z-score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Previous {
    #[serde(serialize_with = "iso_date")]
    pub date: NaiveDate,
    pub height_cm: f64,
    pub haz: f64,
    /// `round` (a weighing round) or `visit`.
    pub source: &'static str,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes a reference"
)]
fn iso_date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// One failed check, with its code, a sentence in Bahasa Indonesia and one in
/// English.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub code: &'static str,
    pub pesan: String,
    pub message: String,
}

/// A new measurement and what it is checked against.
///
/// # Units
/// `height_cm` centimetres, `weight_kg` kilograms.
#[derive(Debug, Clone)]
pub struct NewMeasurement {
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub date: NaiveDate,
    pub height_cm: Option<f64>,
    pub weight_kg: Option<f64>,
}

/// The checks' verdict and the new z-scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub scores: zscore::ZScores,
    pub failed: Vec<Check>,
}

fn one_decimal(x: f64) -> String {
    format!("{x:.1}").replace('.', ",")
}

fn two_decimals(x: f64) -> String {
    format!("{x:.2}").replace('.', ",")
}

/// Runs every check on `m` against `last` (the latest trusted measurement before or on
/// `m.date`, if any).
#[must_use]
pub fn check(m: &NewMeasurement, last: Option<&Previous>) -> Verdict {
    let age = (m.date - m.birth_date).num_days();
    let scores = zscore::compute(&Measurement {
        sex: m.sex,
        age_days: Some(age),
        height_cm: m.height_cm,
        weight_kg: m.weight_kg,
        position: None,
    });
    let mut failed = who_flags(&scores);
    if let (Some(h), Some(last)) = (m.height_cm, last) {
        failed.extend(against_last(m.birth_date, m.date, h, scores.haz, last));
    }
    Verdict { scores, failed }
}

/// The checks of a measurement against the child's last one (`height_shrank`,
/// `haz_jump`), on a height measured on `date` with its HAZ (`None` when it has
/// none): the part of [`check`] that needs history, for measurements whose HAZ is
/// already known (a round's stored rows, see [`crate::risk::audit`]).
///
/// # Units
/// `height_cm` centimetres, `haz` a z-score.
#[must_use]
pub fn against_last(
    birth_date: NaiveDate,
    date: NaiveDate,
    h: f64,
    haz: Option<f64>,
    last: &Previous,
) -> Vec<Check> {
    let age = (date - birth_date).num_days();
    let mut failed = Vec::new();
    let last_age = (last.date - birth_date).num_days();
    let switched = Position::for_age(last_age) == Position::Lying && age >= STANDING_FROM_DAYS;
    let allowed = SHRINK_TOLERANCE_CM
        + if switched {
            zscore::POSITION_CORRECTION_CM
        } else {
            0.0
        };
    if h < last.height_cm - allowed {
        failed.push(Check {
            code: "height_shrank",
            pesan: format!(
                "Tinggi {} cm lebih pendek {} cm dari pengukuran {} ({} cm): anak tidak menyusut. Ukur ulang.",
                one_decimal(h),
                one_decimal(last.height_cm - h),
                last.date,
                one_decimal(last.height_cm)
            ),
            message: format!(
                "{h:.1} cm is {:.1} cm shorter than on {} ({:.1} cm): children do not shrink. Measure again.",
                last.height_cm - h,
                last.date,
                last.height_cm
            ),
        });
    }
    if let Some(z) = haz {
        let years = (date - last.date).num_days().max(0) as f64 / 365.25;
        let limit = HAZ_JUMP_BASE + HAZ_JUMP_PER_YEAR * years;
        if (z - last.haz).abs() > limit {
            failed.push(Check {
                code: "haz_jump",
                pesan: format!(
                    "HAZ berubah dari {} ({}) menjadi {} dalam {} hari ({} {}); perubahan lebih dari {} dalam waktu itu tidak masuk akal. Ukur ulang.",
                    two_decimals(last.haz),
                    last.date,
                    two_decimals(z),
                    (date - last.date).num_days(),
                    if z > last.haz { "naik" } else { "turun" },
                    two_decimals((z - last.haz).abs()),
                    two_decimals(limit)
                ),
                message: format!(
                    "HAZ went from {:.2} ({}) to {z:.2} in {} days (a change of {:.2}); more than {limit:.2} in that time is implausible. Measure again.",
                    last.haz,
                    last.date,
                    (date - last.date).num_days(),
                    (z - last.haz).abs()
                ),
            });
        }
    }
    failed
}

fn who_flags(s: &zscore::ZScores) -> Vec<Check> {
    let f = s.flags();
    let mut out = Vec::new();
    let mut flag = |on: Option<bool>, code, name, z: Option<f64>, lo: f64, hi: f64| {
        if on == Some(true) {
            let z = z.unwrap_or(f64::NAN);
            out.push(Check {
                code,
                pesan: format!(
                    "{name} {} di luar batas WHO ({lo} sampai +{hi}): kemungkinan salah ukur atau salah ketik. Ukur ulang.",
                    two_decimals(z)
                ),
                message: format!(
                    "{name} {z:.2} is outside WHO's limits ({lo} to +{hi}): most likely a misreading or a typo. Measure again."
                ),
            });
        }
    };
    flag(f.haz, "who_flag_haz", "HAZ", s.haz, -6.0, 6.0);
    flag(f.waz, "who_flag_waz", "WAZ", s.waz, -6.0, 5.0);
    flag(f.whz, "who_flag_whz", "WHZ", s.whz, -5.0, 5.0);
    out
}

/// What the checks let through on `date`, for the form's hint: the height at the
/// last HAZ (the child kept its place on the growth curve) and the range the checks
/// accept, rounded to millimetres.
///
/// # Units
/// Centimetres, as measured in the position WHO recommends at that age.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expected {
    #[serde(serialize_with = "iso_date")]
    pub date: NaiveDate,
    pub height_cm: f64,
    pub min_cm: f64,
    pub max_cm: f64,
}

/// [`Expected`] of a child of `sex` born on `birth_date`, measured last as `last`;
/// `None` past five years.
#[must_use]
pub fn expected(
    sex: Sex,
    birth_date: NaiveDate,
    date: NaiveDate,
    last: &Previous,
) -> Option<Expected> {
    let age = (date - birth_date).num_days();
    let lms = zscore::lhfa(sex, age)?;
    // The inverse of the LMS formula (HAZ is not restricted beyond ±3).
    let at = |z: f64| lms.m * (1.0 + lms.l * lms.s * z).powf(1.0 / lms.l);
    let years = (date - last.date).num_days().max(0) as f64 / 365.25;
    let limit = HAZ_JUMP_BASE + HAZ_JUMP_PER_YEAR * years;
    let last_age = (last.date - birth_date).num_days();
    let switched = Position::for_age(last_age) == Position::Lying && age >= STANDING_FROM_DAYS;
    let shrink = SHRINK_TOLERANCE_CM
        + if switched {
            zscore::POSITION_CORRECTION_CM
        } else {
            0.0
        };
    let mm = |x: f64| (x * 10.0).round() / 10.0;
    // A millimetre inside each bound, so a rounded value passes.
    let min = (at(last.haz - limit) + 0.1).max(last.height_cm - shrink + 0.1);
    Some(Expected {
        date,
        height_cm: mm(at(last.haz).max(min)),
        min_cm: mm(min),
        max_cm: mm(at(last.haz + limit) - 0.1),
    })
}

/// Whether a stored measurement counts in recovery figures: it passed every check
/// (`checks` empty). A confirmed implausible one does not; the next measurement is
/// checked against it and counts if it passes.
#[must_use]
pub fn counts_as_progress(checks: &[String]) -> bool {
    checks.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    fn codes(v: &Verdict) -> Vec<&str> {
        v.failed.iter().map(|c| c.code).collect()
    }

    fn girl(date: &str, h: f64) -> NewMeasurement {
        NewMeasurement {
            sex: Sex::Female,
            birth_date: day("2024-06-01"),
            date: day(date),
            height_cm: Some(h),
            weight_kg: None,
        }
    }

    fn last(date: &str, h: f64) -> Previous {
        let m = girl(date, h);
        let haz = check(&m, None).scores.haz.expect("a haz");
        Previous {
            date: m.date,
            height_cm: h,
            haz,
            source: "round",
        }
    }

    #[test]
    fn a_plausible_measurement_passes() {
        let before = last("2026-08-10", 76.5);
        assert!(before.haz < -3.0, "{}", before.haz);
        let v = check(&girl("2026-09-01", 77.0), Some(&before));
        assert!(v.failed.is_empty(), "{:?}", v.failed);
    }

    #[test]
    fn ten_centimetres_in_three_weeks_is_a_jump() {
        let before = last("2026-08-10", 76.5);
        let v = check(&girl("2026-09-01", 86.5), Some(&before));
        assert_eq!(codes(&v), ["haz_jump"]);
        assert!(v.scores.haz.expect("a haz") > -1.0);
    }

    #[test]
    fn shrinking_beyond_the_tolerance_is_refused() {
        let before = last("2026-08-10", 80.0);
        assert!(
            check(&girl("2026-09-01", 78.6), Some(&before))
                .failed
                .is_empty()
        );
        assert_eq!(
            codes(&check(&girl("2026-09-01", 78.0), Some(&before))),
            ["height_shrank"]
        );
    }

    #[test]
    fn who_flags_without_history() {
        let v = check(&girl("2026-09-01", 55.0), None);
        assert_eq!(codes(&v), ["who_flag_haz"]);
        assert!(v.failed[0].pesan.contains("di luar batas WHO"));
    }

    #[test]
    fn the_expected_range_is_what_the_checks_accept() {
        for (when, h, today) in [
            ("2026-08-10", 76.5, "2026-09-01"),
            ("2024-08-10", 52.0, "2024-12-06"),
            ("2026-05-20", 84.0, "2026-06-10"),
        ] {
            let before = last(when, h);
            let e =
                expected(Sex::Female, day("2024-06-01"), day(today), &before).expect("under five");
            assert!(e.min_cm <= e.height_cm && e.height_cm <= e.max_cm, "{e:?}");
            for x in [e.min_cm, e.height_cm, e.max_cm] {
                assert!(
                    check(&girl(today, x), Some(&before)).failed.is_empty(),
                    "{x} {e:?}"
                );
            }
            assert!(
                !check(&girl(today, e.max_cm + 0.3), Some(&before))
                    .failed
                    .is_empty()
            );
            assert!(
                !check(&girl(today, e.min_cm - 0.3), Some(&before))
                    .failed
                    .is_empty()
            );
        }
    }

    #[test]
    fn a_weight_beyond_the_who_limits_is_flagged() {
        let heavy = NewMeasurement {
            weight_kg: Some(29.0),
            ..girl("2025-06-01", 74.0)
        };
        let v = check(&heavy, None);
        assert!(codes(&v).contains(&"who_flag_waz"), "{:?}", v.failed);
        assert!(codes(&v).contains(&"who_flag_whz"), "{:?}", v.failed);
        let plausible = NewMeasurement {
            weight_kg: Some(9.0),
            ..girl("2025-06-01", 74.0)
        };
        assert!(check(&plausible, None).failed.is_empty());
    }

    #[test]
    fn a_year_allows_more_change() {
        // About +1.5 HAZ: plausible over a year (limit 2.0), not over a month (1.08).
        let year = last("2025-09-01", 66.0);
        let v = check(&girl("2026-09-01", 78.5), Some(&year));
        let gain = v.scores.haz.expect("a haz") - year.haz;
        assert!((1.2..2.0).contains(&gain), "{gain}");
        assert!(v.failed.is_empty(), "{:?}", v.failed);
        let month = last("2026-08-01", 73.5);
        let v = check(&girl("2026-09-01", 78.5), Some(&month));
        assert_eq!(
            codes(&v),
            ["haz_jump"],
            "{} -> {:?}",
            month.haz,
            v.scores.haz
        );
    }
}
