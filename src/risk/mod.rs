//! Pure scoring: turns counts and distances into an explainable risk score.
//!
//! A planner must be able to say *why* a hexagon or a village is red, so the score is
//! a weighted mean of a few factors, each brought into 0..1 by a documented rule and
//! returned with its contribution. No I/O and no requests here: the same inputs always
//! give the same score.
//!
//! # The factors
//! | factor | raw value | normalised |
//! |---|---|---|
//! | `prevalence` | stunted / children measured | value / `prevalence_cap`, at most 1; 0 with no children |
//! | `no_latrine` | households without latrine / households | the share itself; 0 with no households |
//! | `no_safe_water` | households without safe water / households | the share itself |
//! | `no_sanitation` | households without improved sanitation / households | the share itself |
//! | `puskesmas_km` | km to the nearest puskesmas | value / `distance_cap_km`, at most 1; 1 without any puskesmas |
//!
//! `score = Σ weight·normalised / Σ weight`, so it lies in 0..1 and the contributions
//! (`weight·normalised / Σ weight`) add up to it.

use crate::config::Config;
use crate::model::Counts;
use serde::Serialize;

pub mod families;
pub mod hotspot;
pub mod smoothing;
pub mod zscore;

/// The factors of the risk score, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Prevalence,
    NoLatrine,
    NoSafeWater,
    NoSanitation,
    PuskesmasKm,
}

impl Factor {
    pub const ALL: [Factor; 5] = [
        Self::Prevalence,
        Self::NoLatrine,
        Self::NoSafeWater,
        Self::NoSanitation,
        Self::PuskesmasKm,
    ];

    /// The name used in the config file, the API and tile attributes.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Prevalence => "prevalence",
            Self::NoLatrine => "no_latrine",
            Self::NoSafeWater => "no_safe_water",
            Self::NoSanitation => "no_sanitation",
            Self::PuskesmasKm => "puskesmas_km",
        }
    }

    /// Bahasa Indonesia label.
    #[must_use]
    pub fn label_id(self) -> &'static str {
        match self {
            Self::Prevalence => "Prevalensi stunting",
            Self::NoLatrine => "Rumah tangga tanpa jamban",
            Self::NoSafeWater => "Rumah tangga tanpa air minum layak",
            Self::NoSanitation => "Rumah tangga tanpa sanitasi layak",
            Self::PuskesmasKm => "Jarak ke puskesmas (km)",
        }
    }

    fn weight(self, config: &Config) -> f64 {
        let w = &config.weights;
        match self {
            Self::Prevalence => w.prevalence,
            Self::NoLatrine => w.no_latrine,
            Self::NoSafeWater => w.no_safe_water,
            Self::NoSanitation => w.no_sanitation,
            Self::PuskesmasKm => w.puskesmas_km,
        }
    }
}

/// One factor's part in a score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FactorScore {
    pub factor: Factor,
    /// Raw value: a share in 0..1, or km for `puskesmas_km`.
    pub value: f64,
    /// The value brought into 0..1.
    pub normalised: f64,
    /// The weight as configured.
    pub weight: f64,
    /// `weight · normalised / Σ weights`: this factor's share of the score.
    pub contribution: f64,
}

/// A risk score with its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskScore {
    /// In 0..1; the sum of the contributions.
    pub score: f64,
    pub factors: [FactorScore; 5],
}

impl RiskScore {
    /// The entry for one factor.
    #[must_use]
    pub fn factor(&self, f: Factor) -> &FactorScore {
        &self.factors[Factor::ALL.iter().position(|x| *x == f).unwrap_or(0)]
    }
}

fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

/// Scores one area from its counts and its distance to the nearest puskesmas.
///
/// # Units
/// `puskesmas_km` is kilometres (`None` when no puskesmas exists).
///
/// # Example
/// ```
/// use sigap::{config::Config, model::Counts, risk};
/// let counts = Counts { children: 10, stunted: 3, households: 10, no_latrine: 5, ..Counts::default() };
/// let r = risk::score(&counts, Some(5.0), &Config::default());
/// let sum: f64 = r.factors.iter().map(|f| f.contribution).sum();
/// assert!((r.score - sum).abs() < 1e-12);
/// ```
#[must_use]
pub fn score(counts: &Counts, puskesmas_km: Option<f64>, config: &Config) -> RiskScore {
    let n = &config.normalisation;
    let total_weight: f64 = Factor::ALL.iter().map(|f| f.weight(config)).sum();
    let factors = Factor::ALL.map(|factor| {
        let (value, normalised) = match factor {
            Factor::Prevalence => {
                let v = share(counts.stunted, counts.children);
                (v, (v / n.prevalence_cap).min(1.0))
            }
            Factor::NoLatrine => {
                let v = share(counts.no_latrine, counts.households);
                (v, v)
            }
            Factor::NoSafeWater => {
                let v = share(counts.no_safe_water, counts.households);
                (v, v)
            }
            Factor::NoSanitation => {
                let v = share(counts.no_sanitation, counts.households);
                (v, v)
            }
            Factor::PuskesmasKm => match puskesmas_km {
                Some(km) => (km, (km / n.distance_cap_km).min(1.0)),
                None => (f64::NAN, 1.0),
            },
        };
        let weight = factor.weight(config);
        FactorScore {
            factor,
            value,
            normalised,
            weight,
            contribution: if total_weight > 0.0 {
                weight * normalised / total_weight
            } else {
                0.0
            },
        }
    });
    let score = factors
        .iter()
        .map(|f| f.contribution)
        .sum::<f64>()
        .clamp(0.0, 1.0);
    RiskScore { score, factors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_and_explains() {
        let c = Counts {
            children: 4,
            stunted: 4,
            households: 2,
            no_latrine: 2,
            no_safe_water: 2,
            no_sanitation: 2,
            ..Counts::default()
        };
        let r = score(&c, Some(50.0), &Config::default());
        assert!((r.score - 1.0).abs() < 1e-12, "{r:?}");
        let empty = score(&Counts::default(), Some(0.0), &Config::default());
        assert!(empty.score.abs() < 1e-12);
    }

    #[test]
    fn weights_move_the_score() {
        let c = Counts {
            children: 10,
            stunted: 1,
            households: 10,
            no_latrine: 8,
            ..Counts::default()
        };
        let base = score(&c, Some(1.0), &Config::default());
        let mut cfg = Config::default();
        cfg.weights.no_latrine = 1.0;
        let more = score(&c, Some(1.0), &cfg);
        assert!(more.score > base.score);
        let p = base.factor(Factor::Prevalence);
        assert!((p.value - 0.1).abs() < 1e-12);
        assert!((p.normalised - 0.1 / 0.3).abs() < 1e-12);
    }
}
