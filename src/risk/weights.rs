//! What-if weights: `w.<factor>=<number>` pairs from a request or the command line
//! replace the configured weights for one answer.
//!
//! Each factor is accepted by its key (`no_latrine`) or a short alias (`latrine`):
//! see [`ALIASES`].

use super::Factor;
use crate::config::Weights;

/// Accepted names per factor: the key first, then aliases.
pub const ALIASES: [(Factor, &[&str]); 6] = [
    (Factor::Prevalence, &["prevalence"]),
    (Factor::Stunted, &["stunted"]),
    (Factor::NoLatrine, &["no_latrine", "latrine"]),
    (
        Factor::NoSafeWater,
        &["no_safe_water", "water", "safe_water"],
    ),
    (Factor::NoSanitation, &["no_sanitation", "sanitation"]),
    (
        Factor::Puskesmas,
        &["puskesmas", "distance", "puskesmas_km"],
    ),
];

/// Why a what-if weight was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightError {
    /// The name is none of [`ALIASES`].
    #[error("unknown weight {name:?}; use one of: {allowed}")]
    UnknownFactor { name: String, allowed: String },
    /// The value is not a finite number >= 0.
    #[error("weight {name} = {value:?} must be a finite number >= 0")]
    BadNumber { name: String, value: String },
    /// Every weight ended up 0.
    #[error("at least one weight must be > 0")]
    AllZero,
}

/// Every accepted name, comma separated (for messages).
#[must_use]
pub fn allowed_names() -> String {
    ALIASES
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The factor a name (key or alias) stands for.
#[must_use]
pub fn factor_named(name: &str) -> Option<Factor> {
    let name = name.trim().to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&name.as_str()))
        .map(|(f, _)| *f)
}

/// `base` with each `(name, value)` pair applied, in order.
pub fn apply<'a>(
    base: &Weights,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Weights, WeightError> {
    let mut w = base.to_array();
    for (name, value) in pairs {
        let f = factor_named(name).ok_or_else(|| WeightError::UnknownFactor {
            name: name.to_owned(),
            allowed: allowed_names(),
        })?;
        let v: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| WeightError::BadNumber {
                name: name.to_owned(),
                value: value.to_owned(),
            })?;
        w[f.index()] = v;
    }
    if w.iter().sum::<f64>() <= 0.0 {
        return Err(WeightError::AllZero);
    }
    Ok(Weights::from_array(w))
}

/// `base` with the `w.<name>` entries of a query applied (other keys are ignored).
pub fn from_query<'a>(
    base: &Weights,
    query: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<Weights, WeightError> {
    let mut pairs: Vec<(&str, &str)> = query
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("w.").map(|name| (name, v.as_str())))
        .collect();
    pairs.sort_unstable();
    apply(base, pairs)
}

/// Parses `name=value` (the CLI's `--weight latrine=0.4`).
pub fn parse_pair(text: &str) -> Result<(String, String), WeightError> {
    match text.split_once('=') {
        Some((n, v)) => Ok((n.trim().to_owned(), v.trim().to_owned())),
        None => Err(WeightError::BadNumber {
            name: text.to_owned(),
            value: String::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_errors() {
        let base = Weights::default();
        let w = apply(&base, [("latrine", "0.4"), ("distance", "0")]).expect("valid");
        assert!((w.no_latrine - 0.4).abs() < 1e-15);
        assert!(w.puskesmas.abs() < 1e-15);
        assert!((w.prevalence - base.prevalence).abs() < 1e-15);
        let e = apply(&base, [("latrines", "1")]).expect_err("unknown");
        assert!(e.to_string().contains("no_latrine"), "{e}");
        assert!(matches!(
            apply(&base, [("water", "-1")]),
            Err(WeightError::BadNumber { .. })
        ));
        assert!(matches!(
            apply(&base, [("water", "abc")]),
            Err(WeightError::BadNumber { .. })
        ));
        let zero: Vec<(&str, &str)> = ALIASES.iter().map(|(_, n)| (n[0], "0")).collect();
        assert_eq!(apply(&base, zero), Err(WeightError::AllZero));
    }
}
