//! Measurement coverage and the two numbers: how many of each village's children
//! under five were measured in a round, and what the register's prevalence says
//! beside the survey's.
//!
//! The survey (SSGI) is the official prevalence; the posyandu register (e-PPGBM)
//! usually shows far less, mostly because not every child is measured and those
//! measured are not spread like the children. So each village's measured children
//! are held against a target (children under five: an imported figure, else the
//! population raster's sum), villages below `[measurement] min_coverage` are flagged,
//! and beside the register's prevalence (stunted / measured, all villages together)
//! stand the survey's figure, the gap in percentage points and a coverage-weighted
//! estimate: each village's register prevalence weighted by its target instead of
//! by its measured children (post-stratified to the target population), over the
//! villages with both a target and a child measured.
//!
//! Pure: counts and targets in, figures out.

use crate::config::{DEFAULT_SURVEY_SOURCE, MeasurementSettings, SurveySettings};
use serde::Serialize;

/// One village's inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VillageIn<'a> {
    pub code: &'a str,
    /// Children measured with a plausible height-for-age in the round.
    pub measured: u32,
    /// Of them, stunted (haz < -2).
    pub stunted: u32,
    /// The population raster's sum (`None` without a raster or village sums).
    pub population: Option<f64>,
    /// A target imported for the village (and round), which wins over the raster.
    pub imported: Option<f64>,
}

/// Where a village's target came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// `sigap import measure-targets`.
    Imported,
    /// The population raster (times `under_five_share` when it counts everyone).
    Population,
}

/// One village's measurement coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VillageMeasurement {
    pub code: String,
    pub measured: u32,
    pub stunted: u32,
    /// Children under five to measure; `None` without an imported target or population.
    pub target: Option<f64>,
    pub target_source: Option<TargetSource>,
    /// `measured / target`, `None` where the target is unknown or 0. Above 1 where
    /// the target undercounts or children come from outside.
    pub coverage: Option<f64>,
    /// Coverage below `min_coverage`.
    pub below: bool,
    /// `stunted / measured`, `None` with no child measured.
    pub prevalence: Option<f64>,
}

/// The city's figures: coverage overall and the two numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Children measured and stunted in every village.
    pub measured: u32,
    pub stunted: u32,
    /// The targets added up (villages with a target), and the children measured there.
    pub target: f64,
    pub measured_in_target: u32,
    /// `measured_in_target / target`; `None` without any target.
    pub coverage: Option<f64>,
    /// Villages flagged below `min_coverage`, and villages without a target.
    pub below: usize,
    pub no_target: usize,
    pub min_coverage: f64,
    /// Register prevalence: `stunted / measured` over every village (share 0..1).
    pub register: Option<f64>,
    /// The survey's prevalence as a share 0..1, its year and name; `None` unset.
    pub survey: Option<f64>,
    pub survey_year: Option<u16>,
    pub survey_source: Option<String>,
    /// `survey − register` in percentage points (positive: the survey finds more).
    pub gap_points: Option<f64>,
    /// `Σ target·prevalence / Σ target` over villages with a target > 0 and a child
    /// measured (share 0..1).
    pub weighted: Option<f64>,
    /// The target those villages hold, and the target left out (villages with a
    /// target and no child measured: nothing to weight).
    pub weighted_target: f64,
    pub unweighted_target: f64,
}

/// Every village's coverage and the city's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub villages: Vec<VillageMeasurement>,
    pub summary: Summary,
}

/// One village's figures: the imported target wins, else the raster's sum times
/// `settings.under_five_per_unit()`.
#[must_use]
pub fn village(v: &VillageIn<'_>, settings: &MeasurementSettings) -> VillageMeasurement {
    let (target, target_source) = match (v.imported, v.population) {
        (Some(t), _) => (Some(t), Some(TargetSource::Imported)),
        (None, Some(p)) => (
            Some(p * settings.under_five_per_unit()),
            Some(TargetSource::Population),
        ),
        (None, None) => (None, None),
    };
    let coverage = target
        .filter(|t| *t > 0.0)
        .map(|t| f64::from(v.measured) / t);
    VillageMeasurement {
        code: v.code.to_owned(),
        measured: v.measured,
        stunted: v.stunted,
        target,
        target_source,
        coverage,
        below: coverage.is_some_and(|c| c < settings.min_coverage),
        prevalence: (v.measured > 0).then(|| f64::from(v.stunted) / f64::from(v.measured)),
    }
}

/// Each village's coverage and the city's two numbers (see the module doc).
#[must_use]
pub fn compute(
    villages: &[VillageIn<'_>],
    settings: &MeasurementSettings,
    survey: &SurveySettings,
) -> Measurement {
    let rows: Vec<VillageMeasurement> = villages.iter().map(|v| village(v, settings)).collect();
    let measured: u32 = rows.iter().map(|r| r.measured).sum();
    let stunted: u32 = rows.iter().map(|r| r.stunted).sum();
    let with_target = || rows.iter().filter(|r| r.target.is_some_and(|t| t > 0.0));
    let target: f64 = with_target().filter_map(|r| r.target).sum();
    let measured_in_target: u32 = with_target().map(|r| r.measured).sum();
    let (mut weighted_sum, mut weighted_target, mut unweighted_target) = (0.0, 0.0, 0.0);
    for r in with_target() {
        let t = r.target.unwrap_or_default();
        match r.prevalence {
            Some(p) => {
                weighted_sum += t * p;
                weighted_target += t;
            }
            None => unweighted_target += t,
        }
    }
    let register = (measured > 0).then(|| f64::from(stunted) / f64::from(measured));
    let survey_share = survey.prevalence_percent.map(|p| p / 100.0);
    let summary = Summary {
        measured,
        stunted,
        target,
        measured_in_target,
        coverage: (target > 0.0).then(|| f64::from(measured_in_target) / target),
        below: rows.iter().filter(|r| r.below).count(),
        no_target: rows.iter().filter(|r| r.coverage.is_none()).count(),
        min_coverage: settings.min_coverage,
        register,
        survey: survey_share,
        survey_year: survey.year,
        survey_source: survey_share.map(|_| {
            survey
                .source
                .clone()
                .unwrap_or_else(|| DEFAULT_SURVEY_SOURCE.to_owned())
        }),
        gap_points: survey_share.zip(register).map(|(s, r)| (s - r) * 100.0),
        weighted: (weighted_target > 0.0).then(|| weighted_sum / weighted_target),
        weighted_target,
        unweighted_target,
    };
    Measurement {
        villages: rows,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RasterCounts;

    fn v(
        code: &str,
        measured: u32,
        stunted: u32,
        population: Option<f64>,
        imported: Option<f64>,
    ) -> VillageIn<'_> {
        VillageIn {
            code,
            measured,
            stunted,
            population,
            imported,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn coverage_per_village_flags_those_below_the_threshold() {
        let settings = MeasurementSettings::default();
        let at = village(&v("a", 80, 8, Some(100.0), None), &settings);
        assert!(close(at.coverage, 0.8) && !at.below, "{at:?}");
        assert_eq!(at.target_source, Some(TargetSource::Population));
        let under = village(&v("b", 79, 8, Some(100.0), None), &settings);
        assert!(under.below);
        // An imported target wins over the raster.
        let imported = village(&v("c", 30, 3, Some(100.0), Some(40.0)), &settings);
        assert!(close(imported.coverage, 0.75) && imported.below);
        assert_eq!(imported.target_source, Some(TargetSource::Imported));
        // No target, or a target of 0: no coverage, never flagged.
        for x in [v("d", 5, 1, None, None), v("e", 5, 1, Some(0.0), None)] {
            let none = village(&x, &settings);
            assert_eq!((none.coverage, none.below), (None, false), "{none:?}");
        }
        // Nobody measured against a target: coverage 0, flagged, no prevalence.
        let empty = village(&v("f", 0, 0, Some(12.0), None), &settings);
        assert!(close(empty.coverage, 0.0) && empty.below && empty.prevalence.is_none());
    }

    #[test]
    fn a_raster_of_people_is_scaled_to_children_under_five() {
        let s = MeasurementSettings {
            raster: RasterCounts::People,
            under_five_share: 0.1,
            ..MeasurementSettings::default()
        };
        let a = village(&v("a", 45, 0, Some(500.0), None), &s);
        assert!(close(a.target, 50.0) && close(a.coverage, 0.9));
        // An imported target is children already: not scaled.
        let b = village(&v("b", 45, 0, Some(500.0), Some(90.0)), &s);
        assert!(close(b.target, 90.0));
    }

    #[test]
    fn the_two_numbers_and_the_weighted_estimate() {
        // Village a: well measured, little stunting; b: a third measured, much
        // stunting. The register leans on a; weighting by the targets does not.
        let villages = [
            v("a", 90, 9, Some(100.0), None),   // 10%, target 100
            v("b", 100, 30, Some(300.0), None), // 30%, target 300
            v("c", 0, 0, Some(50.0), None),     // target, nobody measured
            v("d", 10, 5, None, None),          // measured, no target
        ];
        let survey = SurveySettings {
            prevalence_percent: Some(28.0),
            year: Some(2024),
            source: None,
        };
        let m = compute(&villages, &MeasurementSettings::default(), &survey);
        let s = &m.summary;
        assert_eq!((s.measured, s.stunted), (200, 44));
        assert!(close(s.register, 0.22));
        assert!(close(s.survey, 0.28));
        assert!(close(s.gap_points, 6.0), "{:?}", s.gap_points);
        // (100·0.10 + 300·0.30) / 400 = 0.25; c's 50 has no one to weight.
        assert!(close(s.weighted, 0.25), "{:?}", s.weighted);
        assert!((s.weighted_target - 400.0).abs() < 1e-12);
        assert!((s.unweighted_target - 50.0).abs() < 1e-12);
        assert!((s.target - 450.0).abs() < 1e-12);
        assert_eq!(s.measured_in_target, 190);
        assert!(close(s.coverage, 190.0 / 450.0));
        // b (1/3) and c (0) are below 0.8; d has no target.
        assert_eq!((s.below, s.no_target), (2, 1));
        assert_eq!(s.survey_source.as_deref(), Some("SSGI"));
        assert_eq!(s.survey_year, Some(2024));
    }

    #[test]
    fn without_survey_or_children_the_numbers_are_absent() {
        let m = compute(
            &[v("a", 0, 0, None, None)],
            &MeasurementSettings::default(),
            &SurveySettings::default(),
        );
        let s = &m.summary;
        assert_eq!(
            (s.register, s.survey, s.gap_points, s.weighted, s.coverage),
            (None, None, None, None, None)
        );
        assert!(s.survey_source.is_none());
    }
}
