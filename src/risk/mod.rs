//! Pure scoring: turns counts, smoothed rates and distances into an explainable risk score.
//!
//! A planner must be able to say *why* a hexagon or a village is red, so the score is
//! a weighted mean of a few factors, each brought into 0..1 by a documented rule and
//! returned with its contribution. No I/O and no requests here: the same inputs always
//! give the same score.
//!
//! # The factors
//! | factor | raw value | unknown when |
//! |---|---|---|
//! | `prevalence` | spatial Empirical Bayes smoothed stunted / measured children | no child measured |
//! | `stunted` | stunted children | no child measured |
//! | `no_latrine` | households without latrine / households | no household |
//! | `no_safe_water` | households without safe water / households | no household |
//! | `no_sanitation` | households without improved sanitation / households | no household |
//! | `puskesmas` | minutes to the nearest puskesmas over the roads ([`Access::Minutes`]), or straight-line km without a road network ([`Access::Km`]) | no puskesmas |
//!
//! # Normalisation ([`normalise`])
//! Scoring sees a whole set of areas of one kind (all villages, or all cells of one
//! resolution), because the default normalisation is relative:
//! - `percentile` (default): among the areas of the set where the factor is known,
//!   `normalised = (areas with a strictly lower value) / (n − 1)`, i.e.
//!   `(scipy.stats.rankdata(v, method="min") − 1) / (n − 1)`; 0 when n = 1.
//! - `cap`: `value / cap` at most 1 for prevalence, stunted and access (minutes or
//!   km); the three shares as they are.
//!
//! An unknown factor is left out of its ranking and gets `normalised = 0`, value `None`
//! (`"missing": true` in the API): a village with no child measured is never ranked
//! on prevalence.
//!
//! `score = Σ weight·normalised / Σ weight`, so it lies in 0..1 and the contributions
//! (`weight·normalised / Σ weight`) add up to it. The normalised values are kept, so
//! other weights re-score an area without recomputing anything ([`RiskScore::reweighted`]).

use crate::config::{Config, Weights};
use crate::model::Counts;
use serde::Serialize;

pub mod audit;
pub mod coverage;
pub mod hotspot;
pub mod measurement;
pub mod normalise;
pub mod plan;
pub mod plausibility;
pub mod reason;
pub mod review;
pub mod smoothing;
pub mod stability;
pub mod targets;
pub mod weights;
pub mod zscore;

/// The factors of the risk score, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Prevalence,
    Stunted,
    NoLatrine,
    NoSafeWater,
    NoSanitation,
    /// Access to the nearest puskesmas: travel time, or straight-line km without
    /// roads (see [`Access`]).
    Puskesmas,
}

/// How the `puskesmas` factor measures access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Straight-line km from the area's centre (no road network imported).
    #[default]
    Km,
    /// Minutes over the roads by the configured mode, walking to the road included.
    Minutes,
}

impl Access {
    /// Unit of the factor's value.
    #[must_use]
    pub fn unit(self) -> &'static str {
        match self {
            Self::Km => "km",
            Self::Minutes => "minutes",
        }
    }

    /// Bahasa Indonesia label of the factor.
    #[must_use]
    pub fn label_id(self) -> &'static str {
        match self {
            Self::Km => "Jarak ke puskesmas (km)",
            Self::Minutes => "Waktu tempuh ke puskesmas (menit)",
        }
    }
}

/// Number of factors.
pub const FACTORS: usize = 6;

impl Factor {
    pub const ALL: [Factor; FACTORS] = [
        Self::Prevalence,
        Self::Stunted,
        Self::NoLatrine,
        Self::NoSafeWater,
        Self::NoSanitation,
        Self::Puskesmas,
    ];

    /// The name used in the config file, the API and tile attributes (`n_<key>`).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Prevalence => "prevalence",
            Self::Stunted => "stunted",
            Self::NoLatrine => "no_latrine",
            Self::NoSafeWater => "no_safe_water",
            Self::NoSanitation => "no_sanitation",
            Self::Puskesmas => "puskesmas",
        }
    }

    /// Position in [`Factor::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Unit of the raw value: `share` (0..1), `children`, or for access `km` or
    /// `minutes`.
    #[must_use]
    pub fn unit(self, access: Access) -> &'static str {
        match self {
            Self::Stunted => "children",
            Self::Puskesmas => access.unit(),
            _ => "share",
        }
    }

    /// Bahasa Indonesia label.
    #[must_use]
    pub fn label_id(self, access: Access) -> &'static str {
        match self {
            Self::Prevalence => "Prevalensi stunting (dihaluskan)",
            Self::Stunted => "Jumlah anak stunting",
            Self::NoLatrine => "Rumah tangga tanpa jamban",
            Self::NoSafeWater => "Rumah tangga tanpa air minum layak",
            Self::NoSanitation => "Rumah tangga tanpa sanitasi layak",
            Self::Puskesmas => access.label_id(),
        }
    }
}

/// One factor's part in a score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FactorScore {
    pub factor: Factor,
    /// Raw value (see [`Factor::unit`]); `None` when unknown for this area.
    pub value: Option<f64>,
    /// The value brought into 0..1 among its set; 0 when unknown.
    pub normalised: f64,
    /// The weight used.
    pub weight: f64,
    /// `weight · normalised / Σ weights`: this factor's share of the score.
    pub contribution: f64,
}

impl FactorScore {
    /// The factor as the API and the exports show it: key, Bahasa label, unit, value
    /// (null when unknown), `missing`, normalised value, weight and contribution.
    #[must_use]
    pub fn to_json(&self, access: Access) -> serde_json::Value {
        serde_json::json!({
            "factor": self.factor.key(),
            "label": self.factor.label_id(access),
            "unit": self.factor.unit(access),
            "value": self.value,
            "missing": self.value.is_none(),
            "normalised": self.normalised,
            "weight": self.weight,
            "contribution": self.contribution,
        })
    }
}

/// A risk score with its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskScore {
    /// In 0..1; the sum of the contributions.
    pub score: f64,
    pub factors: [FactorScore; FACTORS],
    /// What the `puskesmas` factor's value measures.
    pub access: Access,
}

impl Default for RiskScore {
    fn default() -> Self {
        Self {
            score: 0.0,
            access: Access::Km,
            factors: Factor::ALL.map(|factor| FactorScore {
                factor,
                value: None,
                normalised: 0.0,
                weight: 0.0,
                contribution: 0.0,
            }),
        }
    }
}

impl RiskScore {
    /// The entry for one factor.
    #[must_use]
    pub fn factor(&self, f: Factor) -> &FactorScore {
        &self.factors[f.index()]
    }

    /// The normalised values in [`Factor::ALL`] order.
    #[must_use]
    pub fn normalised(&self) -> [f64; FACTORS] {
        self.factors.map(|f| f.normalised)
    }

    /// The same area scored with other weights (same values, same normalisation).
    #[must_use]
    pub fn reweighted(&self, weights: &Weights) -> RiskScore {
        let values = self.factors.map(|f| f.value);
        combine(values, self.normalised(), weights, self.access)
    }
}

/// `Σ w·n / Σ w`, summed in [`Factor::ALL`] order (callers re-deriving it get the same bits).
#[must_use]
pub fn weighted_score(normalised: &[f64; FACTORS], weights: &[f64; FACTORS]) -> f64 {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mut s = 0.0;
    for (w, n) in weights.iter().zip(normalised) {
        s += w * n;
    }
    s / total
}

fn combine(
    values: [Option<f64>; FACTORS],
    normalised: [f64; FACTORS],
    weights: &Weights,
    access: Access,
) -> RiskScore {
    let w = weights.to_array();
    let total: f64 = w.iter().sum();
    let factors = Factor::ALL.map(|factor| {
        let i = factor.index();
        FactorScore {
            factor,
            value: values[i],
            normalised: normalised[i],
            weight: w[i],
            contribution: if total > 0.0 {
                w[i] * normalised[i] / total
            } else {
                0.0
            },
        }
    });
    RiskScore {
        score: weighted_score(&normalised, &w),
        factors,
        access,
    }
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// The raw factor values of one area, in [`Factor::ALL`] order (`None` = unknown).
///
/// `smoothed_prevalence` is the area's spatial Empirical Bayes prevalence; it is used
/// only when a child was measured.
///
/// # Units
/// `access` is minutes or kilometres, as the set's [`Access`] says (`None` when no
/// puskesmas exists).
#[must_use]
pub fn raw_values(
    counts: &Counts,
    smoothed_prevalence: Option<f64>,
    access: Option<f64>,
) -> [Option<f64>; FACTORS] {
    let measured = counts.children > 0;
    [
        smoothed_prevalence
            .filter(|_| measured)
            .or_else(|| share(counts.stunted, counts.children)),
        measured.then_some(f64::from(counts.stunted)),
        share(counts.no_latrine, counts.households),
        share(counts.no_safe_water, counts.households),
        share(counts.no_sanitation, counts.households),
        access.filter(|x| x.is_finite()),
    ]
}

/// Scores a set of areas of one kind (all villages, or all cells of one resolution):
/// normalises each factor among them ([`normalise::normalise`]) and weighs. `access`
/// says what the `puskesmas` values measure.
#[must_use]
pub fn score_set(
    values: &[[Option<f64>; FACTORS]],
    config: &Config,
    access: Access,
) -> Vec<RiskScore> {
    let normalised = normalise::normalise(values, &config.normalisation, access);
    values
        .iter()
        .zip(normalised)
        .map(|(v, n)| combine(*v, n, &config.weights, access))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NormalisationMethod;

    fn counts(children: u32, stunted: u32, households: u32, no_latrine: u32) -> Counts {
        Counts {
            children,
            stunted,
            households,
            no_latrine,
            ..Counts::default()
        }
    }

    #[test]
    fn contributions_sum_and_reweighting_is_exact() {
        let areas = [
            raw_values(&counts(10, 3, 10, 5), Some(0.25), Some(5.0)),
            raw_values(&counts(4, 0, 2, 2), Some(0.1), Some(1.0)),
            raw_values(&counts(0, 0, 0, 0), None, Some(9.0)),
        ];
        let cfg = Config::default();
        let scored = score_set(&areas, &cfg, Access::Km);
        for r in &scored {
            let sum: f64 = r.factors.iter().map(|f| f.contribution).sum();
            assert!((r.score - sum).abs() < 1e-12);
        }
        // The empty area is unknown on five factors, known and farthest on distance.
        let empty = &scored[2];
        assert_eq!(empty.factor(Factor::Prevalence).value, None);
        assert!(empty.factor(Factor::Prevalence).normalised.abs() < f64::EPSILON);
        assert!((empty.factor(Factor::Puskesmas).normalised - 1.0).abs() < 1e-12);
        let mut w = cfg.weights;
        w.no_latrine = 1.0;
        let again = scored[0].reweighted(&w);
        let want = weighted_score(&scored[0].normalised(), &w.to_array());
        assert!((again.score - want).abs() < 1e-15);
        assert!(again.score > scored[0].score || scored[0].normalised()[2] == 0.0);
    }

    #[test]
    fn cap_method_saturates() {
        let mut cfg = Config::default();
        cfg.normalisation.method = NormalisationMethod::Cap;
        let c = Counts {
            children: 40,
            stunted: 40,
            households: 2,
            no_latrine: 2,
            no_safe_water: 2,
            no_sanitation: 2,
            ..Counts::default()
        };
        let r = score_set(&[raw_values(&c, Some(1.0), Some(50.0))], &cfg, Access::Km);
        assert!((r[0].score - 1.0).abs() < 1e-12, "{r:?}");
        let p = raw_values(&counts(10, 1, 10, 8), Some(0.1), Some(1.0));
        let r = score_set(&[p], &cfg, Access::Km);
        assert!((r[0].factor(Factor::Prevalence).normalised - 0.1 / 0.3).abs() < 1e-12);
    }
}
