//! One configuration for the risk model and the server, read from `sigap.toml`.
//!
//! Planners tune the risk score by editing weights, not code, so the factors, their
//! normalisation caps and their weights live in a small TOML file. Every value has a
//! named default here; the shipped `sigap.toml` repeats them (a test keeps the two in
//! step) so the file documents itself.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Default weight of smoothed-later, raw-for-now stunting prevalence.
pub const DEFAULT_W_PREVALENCE: f64 = 0.40;
/// Default weight of the share of households without a latrine.
pub const DEFAULT_W_NO_LATRINE: f64 = 0.20;
/// Default weight of the share of households without safe drinking water.
pub const DEFAULT_W_NO_SAFE_WATER: f64 = 0.15;
/// Default weight of the share of households without improved sanitation.
pub const DEFAULT_W_NO_SANITATION: f64 = 0.10;
/// Default weight of the distance to the nearest puskesmas.
pub const DEFAULT_W_PUSKESMAS_KM: f64 = 0.15;
/// Prevalence at which the prevalence factor saturates at 1 (WHO "very high": 30%).
pub const DEFAULT_PREVALENCE_CAP: f64 = 0.30;
/// Distance in km at which the distance factor saturates at 1.
pub const DEFAULT_DISTANCE_CAP_KM: f64 = 10.0;
/// Tiles kept in the in-memory cache before it is emptied.
pub const DEFAULT_TILE_CACHE_ENTRIES: usize = 50_000;

/// Weights of the risk factors. They need not sum to 1: the score divides by their sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub prevalence: f64,
    pub no_latrine: f64,
    pub no_safe_water: f64,
    pub no_sanitation: f64,
    pub puskesmas_km: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            prevalence: DEFAULT_W_PREVALENCE,
            no_latrine: DEFAULT_W_NO_LATRINE,
            no_safe_water: DEFAULT_W_NO_SAFE_WATER,
            no_sanitation: DEFAULT_W_NO_SANITATION,
            puskesmas_km: DEFAULT_W_PUSKESMAS_KM,
        }
    }
}

/// Caps used to bring raw factor values into 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Normalisation {
    /// Prevalence (0..1) at or above which the factor is 1.
    pub prevalence_cap: f64,
    /// Distance (km) at or above which the factor is 1.
    pub distance_cap_km: f64,
}

impl Default for Normalisation {
    fn default() -> Self {
        Self {
            prevalence_cap: DEFAULT_PREVALENCE_CAP,
            distance_cap_km: DEFAULT_DISTANCE_CAP_KM,
        }
    }
}

/// Server settings that are not per-request.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub tile_cache_entries: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            tile_cache_entries: DEFAULT_TILE_CACHE_ENTRIES,
        }
    }
}

/// Everything configurable, as read from `sigap.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub weights: Weights,
    pub normalisation: Normalisation,
    pub server: ServerSettings,
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read: check the path given to `--config`.
    #[error("cannot read config {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or names an unknown key: compare with the shipped `sigap.toml`.
    #[error("invalid config {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    /// A weight or cap is negative, not finite, or all weights are zero.
    #[error("invalid config {path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

impl Config {
    /// Reads and validates a config file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses and validates config text; `path` is only used in messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        config.validate().map_err(|reason| ConfigError::Invalid {
            path: path.to_owned(),
            reason,
        })?;
        Ok(config)
    }

    /// Checks that weights and caps are usable.
    pub fn validate(&self) -> Result<(), String> {
        let w = &self.weights;
        let all = [
            ("prevalence", w.prevalence),
            ("no_latrine", w.no_latrine),
            ("no_safe_water", w.no_safe_water),
            ("no_sanitation", w.no_sanitation),
            ("puskesmas_km", w.puskesmas_km),
        ];
        for (name, v) in all {
            if !v.is_finite() || v < 0.0 {
                return Err(format!("weight {name} = {v} must be a finite number >= 0"));
            }
        }
        if all.iter().map(|(_, v)| v).sum::<f64>() <= 0.0 {
            return Err("at least one weight must be > 0".into());
        }
        let n = &self.normalisation;
        if !(n.prevalence_cap > 0.0 && n.prevalence_cap <= 1.0) {
            return Err(format!(
                "normalisation.prevalence_cap = {} must be in (0, 1]",
                n.prevalence_cap
            ));
        }
        if !(n.distance_cap_km.is_finite() && n.distance_cap_km > 0.0) {
            return Err(format!(
                "normalisation.distance_cap_km = {} must be > 0",
                n.distance_cap_km
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_equals_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sigap.toml");
        let c = Config::from_file(&path).expect("shipped sigap.toml parses");
        assert_eq!(c, Config::default());
    }

    #[test]
    fn rejects_negative_weight_and_unknown_key() {
        let p = Path::new("x.toml");
        let e = Config::from_toml("[weights]\nprevalence = -1\n", p).expect_err("negative");
        assert!(e.to_string().contains("prevalence"), "{e}");
        assert!(Config::from_toml("[weights]\nlatrine = 1\n", p).is_err());
        let c = Config::from_toml("[weights]\nno_latrine = 0.5\n", p).expect("partial file");
        assert!((c.weights.no_latrine - 0.5).abs() < f64::EPSILON);
        assert!((c.weights.prevalence - DEFAULT_W_PREVALENCE).abs() < f64::EPSILON);
    }
}
