//! A child's height-for-age z-score at import: the supplied `haz`, or one computed
//! from the measurements when the file has none.
//!
//! e-PPGBM exports carry `ZS TB/U`; posyandu registers and survey files often carry
//! only sex, dates and length/height. Either way every stored child has a haz:
//! - a supplied value is kept as supplied and compared with the WHO 2006 z-score
//!   computed from sex, age in days and height (with the lying/standing rule and the
//!   optional `measured` column); a difference over [`HAZ_TOLERANCE`] is noted;
//! - an empty or missing `haz` is computed the same way;
//! - a value beyond ±[`HAZ_FLAG`] (the WHO flag for implausible HAZ) is kept and
//!   noted with its line: the child is stored, listed in the import report and left
//!   out of every rate ([`crate::model::Counts::add_child`]).

use super::zscores::HAZ_TOLERANCE;
use crate::model::{HAZ_FLAG, Sex};
use crate::risk::zscore::{self, Measurement, Position};
use chrono::NaiveDate;

/// What the inputs of a child's z-score are, each `None` when missing or invalid.
#[derive(Debug, Clone, Copy)]
pub struct HazInputs {
    pub sex: Option<Sex>,
    pub birth: Option<NaiveDate>,
    pub measured_on: Option<NaiveDate>,
    /// # Units
    /// Centimetres, length or height as measured.
    pub height_cm: Option<f64>,
    pub position: Option<Position>,
}

/// How a child's haz was obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Haz {
    /// From the file; `computed` is the WHO z-score where it could be computed.
    Supplied { value: f64, computed: Option<f64> },
    /// Computed from sex, age and height (the file had none).
    Computed(f64),
}

impl Haz {
    /// The z-score stored for the child.
    #[must_use]
    pub fn value(self) -> f64 {
        match self {
            Self::Supplied { value, .. } | Self::Computed(value) => value,
        }
    }

    /// Whether a supplied value differs from the computed one by more than
    /// [`HAZ_TOLERANCE`].
    #[must_use]
    pub fn disagrees(self) -> bool {
        matches!(self, Self::Supplied { value, computed: Some(z) } if (z - value).abs() > HAZ_TOLERANCE)
    }

    /// Whether the value is implausible by the WHO flag (beyond ±[`HAZ_FLAG`]).
    #[must_use]
    pub fn flagged(self) -> bool {
        !(-HAZ_FLAG..=HAZ_FLAG).contains(&self.value())
    }
}

/// The WHO 2006 height-for-age z-score of the inputs, `None` when one is missing,
/// the measurement precedes the birth, or age or height is outside the tables.
#[must_use]
pub fn computed(inputs: &HazInputs) -> Option<f64> {
    let (sex, birth, on, height) = (
        inputs.sex?,
        inputs.birth?,
        inputs.measured_on?,
        inputs.height_cm?,
    );
    if on < birth {
        return None;
    }
    zscore::compute(&Measurement {
        sex,
        age_days: Some((on - birth).num_days()),
        height_cm: Some(height),
        weight_kg: None,
        position: inputs.position,
    })
    .haz
}

/// Why a child has no haz: the file gave none and none can be computed.
#[must_use]
pub fn missing_reason(inputs: &HazInputs) -> Option<&'static str> {
    let complete = inputs.sex.is_some()
        && inputs.birth.is_some()
        && inputs.measured_on.is_some()
        && inputs.height_cm.is_some();
    // With an input missing or invalid, that field's own error says what to fix.
    (complete && computed(inputs).is_none()).then_some(
        "empty, and no WHO z-score can be computed from sex, age and height \
         (age beyond 1826 days or height outside the WHO table for that age)",
    )
}

/// The child's haz from an optional supplied value and the measurements.
#[must_use]
pub fn resolve(supplied: Option<f64>, inputs: &HazInputs) -> Option<Haz> {
    let computed = computed(inputs);
    match supplied {
        Some(value) => Some(Haz::Supplied { value, computed }),
        None => computed.map(Haz::Computed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(height: f64) -> HazInputs {
        HazInputs {
            sex: Some(Sex::Female),
            birth: NaiveDate::from_ymd_opt(2024, 1, 1),
            measured_on: NaiveDate::from_ymd_opt(2025, 7, 1),
            height_cm: Some(height),
            position: None,
        }
    }

    #[test]
    fn computes_when_missing_and_compares_when_supplied() {
        let z = computed(&inputs(76.0)).expect("in the table");
        assert_eq!(resolve(None, &inputs(76.0)), Some(Haz::Computed(z)));
        let near = resolve(Some(z + 0.05), &inputs(76.0)).expect("supplied");
        assert!(!near.disagrees());
        let far = resolve(Some(z + 0.5), &inputs(76.0)).expect("supplied");
        assert!(far.disagrees());
        // 18 months, 76 cm: well below the median (about 80.7 cm), not implausible.
        assert!(z < -1.0 && z > -3.0, "{z}");
    }

    #[test]
    fn flags_beyond_six_and_explains_what_cannot_be_computed() {
        assert!(
            Haz::Supplied {
                value: 7.5,
                computed: None
            }
            .flagged()
        );
        assert!(
            !Haz::Supplied {
                value: -6.0,
                computed: None
            }
            .flagged()
        );
        // 45 cm at 18 months is far beyond -6 SD: computed, then flagged.
        assert!(resolve(None, &inputs(45.0)).expect("computed").flagged());
        let mut old = inputs(100.0);
        old.birth = NaiveDate::from_ymd_opt(2019, 1, 1);
        assert!(missing_reason(&old).is_some());
        let mut no_height = inputs(80.0);
        no_height.height_cm = None;
        assert_eq!(missing_reason(&no_height), None);
        assert_eq!(resolve(None, &no_height), None);
    }
}
