//! Settings of the measurement coverage and the survey figure: how many of a
//! village's children under five the posyandu measured, against what target
//! (`[measurement]`), and the regency's survey prevalence (SSGI) shown beside the
//! register's (`[survey]`).
//!
//! Regions are asked why the register (e-PPGBM) shows far less stunting than the
//! survey; the first answer is usually that not every child was measured, so the
//! coverage per village and a figure weighted to the target population sit beside
//! the two prevalences ([`crate::risk::measurement`]).

use serde::{Deserialize, Serialize};

/// Coverage below which a village is flagged: 80% of its children under five measured.
pub const DEFAULT_MIN_COVERAGE: f64 = 0.8;
/// Share of all people who are under five when the population raster counts
/// everyone: about 9% in Indonesia (the age structure of Sensus Penduduk 2020, the
/// same share the demo's raster is made with). Replace it with BPS's figure for the
/// regency where known.
pub const DEFAULT_UNDER_FIVE_SHARE: f64 = 0.09;

/// What the imported population raster counts per pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RasterCounts {
    /// Children under five (WorldPop's age groups 0-4 summed, or the demo's raster):
    /// a village's target is its sum.
    #[default]
    UnderFive,
    /// Everyone: a village's target is its sum times `under_five_share`.
    People,
}

/// `[measurement]`: the target a village's measurements are held against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeasurementSettings {
    /// Villages with measured / target below this (0..1] are flagged.
    pub min_coverage: f64,
    /// What the population raster counts; a target imported with `sigap import
    /// measure-targets` is used as it is, whatever this says.
    pub raster: RasterCounts,
    /// Share of people under five, used when `raster = "people"`.
    pub under_five_share: f64,
}

impl Default for MeasurementSettings {
    fn default() -> Self {
        Self {
            min_coverage: DEFAULT_MIN_COVERAGE,
            raster: RasterCounts::default(),
            under_five_share: DEFAULT_UNDER_FIVE_SHARE,
        }
    }
}

impl MeasurementSettings {
    /// Children under five per unit of the population raster's sums.
    #[must_use]
    pub fn under_five_per_unit(&self) -> f64 {
        match self.raster {
            RasterCounts::UnderFive => 1.0,
            RasterCounts::People => self.under_five_share,
        }
    }

    /// Checks the threshold and the share are in (0, 1].
    pub fn validate(&self) -> Result<(), String> {
        if !(self.min_coverage > 0.0 && self.min_coverage <= 1.0) {
            return Err(format!(
                "measurement.min_coverage = {} must be in (0, 1] (0.8: 80% of the target measured)",
                self.min_coverage
            ));
        }
        if !(self.under_five_share > 0.0 && self.under_five_share <= 1.0) {
            return Err(format!(
                "measurement.under_five_share = {} must be in (0, 1] (about 0.09 in Indonesia)",
                self.under_five_share
            ));
        }
        Ok(())
    }
}

/// `[survey]`: the regency's stunting prevalence from the national survey (SSGI, or
/// SKI since 2023), the official figure the register is compared with. Unset: the
/// register's figures are shown alone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurveySettings {
    /// Prevalence in percent, as the survey publishes it (e.g. 20.8).
    pub prevalence_percent: Option<f64>,
    /// The survey's year.
    pub year: Option<u16>,
    /// The survey's name; default `SSGI`.
    pub source: Option<String>,
}

/// The survey's name when `[survey] source` is unset.
pub const DEFAULT_SURVEY_SOURCE: &str = "SSGI";

impl SurveySettings {
    /// Checks the prevalence is a percentage and the year plausible.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(p) = self.prevalence_percent
            && !(p.is_finite() && (0.0..=100.0).contains(&p))
        {
            return Err(format!(
                "survey.prevalence_percent = {p} must be a percentage 0..100 (e.g. 20.8)"
            ));
        }
        if let Some(y) = self.year
            && !(2000..=2100).contains(&y)
        {
            return Err(format!("survey.year = {y} must be a year like 2024"));
        }
        if self.prevalence_percent.is_none() && (self.year.is_some() || self.source.is_some()) {
            return Err(
                "survey: year or source without prevalence_percent; give the survey's prevalence"
                    .into(),
            );
        }
        Ok(())
    }
}
