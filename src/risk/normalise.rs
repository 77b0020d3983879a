//! Brings each factor's raw values into 0..1 among a set of areas of one kind.
//!
//! - [`NormalisationMethod::Percentile`]: among the areas where the factor is known,
//!   `(areas with a strictly lower value) / (n − 1)`, which is
//!   `(scipy.stats.rankdata(v, method="min") − 1) / (n − 1)`; 0 when n = 1. Ties share
//!   the lowest rank, so equal values get equal normalised values.
//! - [`NormalisationMethod::Cap`]: prevalence / `prevalence_cap`, stunted /
//!   `stunted_cap` and access / `travel_cap_minutes` (or km / `distance_cap_km`
//!   without roads), each at most 1; shares as they are.
//!
//! Unknown values (`None`) are left out of the ranking and get 0.

use super::{Access, FACTORS, Factor};
use crate::config::{Normalisation, NormalisationMethod};

/// Normalised values per area, in [`Factor::ALL`] order.
#[must_use]
pub fn normalise(
    values: &[[Option<f64>; FACTORS]],
    n: &Normalisation,
    access: Access,
) -> Vec<[f64; FACTORS]> {
    let mut out = vec![[0.0; FACTORS]; values.len()];
    for f in Factor::ALL {
        let i = f.index();
        let column: Vec<Option<f64>> = values.iter().map(|v| v[i]).collect();
        let normalised = match n.method {
            NormalisationMethod::Percentile => percentile(&column),
            NormalisationMethod::Cap => column
                .iter()
                .map(|v| v.map_or(0.0, |x| capped(f, x, n, access)))
                .collect(),
        };
        for (o, x) in out.iter_mut().zip(normalised) {
            o[i] = x;
        }
    }
    out
}

fn capped(f: Factor, x: f64, n: &Normalisation, access: Access) -> f64 {
    let cap = match (f, access) {
        (Factor::Prevalence, _) => n.prevalence_cap,
        (Factor::Stunted, _) => n.stunted_cap,
        (Factor::Puskesmas, Access::Km) => n.distance_cap_km,
        (Factor::Puskesmas, Access::Minutes) => n.travel_cap_minutes,
        (Factor::NoLatrine | Factor::NoSafeWater | Factor::NoSanitation, _) => 1.0,
    };
    (x / cap).clamp(0.0, 1.0)
}

/// Percentile rank of each known value among the known values; 0 for unknown ones.
#[must_use]
pub fn percentile(values: &[Option<f64>]) -> Vec<f64> {
    let mut known: Vec<f64> = values.iter().flatten().copied().collect();
    known.sort_by(f64::total_cmp);
    let n = known.len();
    values
        .iter()
        .map(|v| match v {
            Some(x) if n > 1 => {
                let lower = known.partition_point(|k| k.total_cmp(x).is_lt());
                lower as f64 / (n - 1) as f64
            }
            _ => 0.0,
        })
        .collect()
}

/// Competition rank from the top ("tertinggi ke-N"): 1 + the number of known values
/// strictly higher; `None` for unknown values.
#[must_use]
pub fn rank_from_top(values: &[Option<f64>]) -> Vec<Option<usize>> {
    let mut known: Vec<f64> = values.iter().flatten().copied().collect();
    known.sort_by(f64::total_cmp);
    values
        .iter()
        .map(|v| {
            v.map(|x| {
                let upto = known.partition_point(|k| k.total_cmp(&x).is_le());
                known.len() - upto + 1
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_rankdata_min() {
        // scipy.stats.rankdata([3, 1, 3, 2], method="min") = [3, 1, 3, 2] → (r-1)/3.
        let v = [Some(3.0), Some(1.0), None, Some(3.0), Some(2.0)];
        let p = percentile(&v);
        let want = [2.0 / 3.0, 0.0, 0.0, 2.0 / 3.0, 1.0 / 3.0];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{p:?}");
        }
        assert_eq!(percentile(&[Some(5.0), None]), vec![0.0, 0.0]);
        assert_eq!(
            rank_from_top(&v),
            vec![Some(1), Some(4), None, Some(1), Some(3)]
        );
    }
}
