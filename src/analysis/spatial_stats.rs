//! Smoothing and hot spots for one set of areas in one call: what `sigap stats` runs.
//!
//! The PySAL cross-check (`tests/python/test_pysal.py`) and analysts with their own
//! counts give the events and bases per area with either the neighbour lists or H3 cells
//! (then the neighbours are the cells within `k` steps); they get back the raw and
//! smoothed rates, Gi* and the hot-spot classes.
//!
//! Steps: check the lengths; build or check the neighbour lists; global and spatial
//! Empirical Bayes; Gi* on the globally smoothed rates (or on given `values`);
//! Benjamini-Hochberg and classification.
//!
//! Gi* runs on the *globally* smoothed prevalence by default: the raw rate of a small area
//! is noise, and the spatially smoothed one already borrows from the neighbours Gi* sums,
//! which would count them twice.

use crate::index::neighbours::cell_neighbours;
use crate::model::Counts;
use crate::risk::hotspot::{HotSpot, classify, getis_ord_gi_star};
use crate::risk::smoothing::{global_empirical_bayes, raw_rate, spatial_empirical_bayes};
use h3o::CellIndex;
use serde::{Deserialize, Serialize};

/// Default minimum of children measured for an area to be called hot or cold
/// (`[spatial] min_children` in the config).
pub const DEFAULT_MIN_BASE: f64 = crate::config::DEFAULT_MIN_CHILDREN as f64;

/// Default grid distance of the H3 neighbours the served cells are smoothed and
/// tested over (`[spatial] k` in the config).
pub const CELL_K: u32 = crate::config::DEFAULT_SPATIAL_K;

/// Smoothed prevalence and hot-spot statistic of one area among its peers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaSpatial {
    /// Spatial Empirical Bayes prevalence (the area and its neighbours).
    pub prevalence_smoothed: f64,
    /// Global Empirical Bayes prevalence (towards the city rate); Gi* runs on it.
    pub prevalence_global: f64,
    pub gi_z: f64,
    /// One-sided, as esda's `p_norm`.
    pub gi_p: f64,
    /// Benjamini-Hochberg adjusted two-sided p-value.
    pub gi_q: f64,
    pub hotspot: HotSpot,
}

/// Smoothing and Gi* over the areas with at least one child measured (the others
/// get `None`: they have no rate to smooth and are left out of the statistic).
///
/// `neighbours` are over all areas, as from [`crate::index::neighbours`].
#[must_use]
pub fn per_area(counts: &[Counts], neighbours: &[Vec<usize>]) -> Vec<Option<AreaSpatial>> {
    per_area_with(counts, neighbours, DEFAULT_MIN_BASE)
}

/// [`per_area`] with areas of fewer than `min_base` children never hot or cold.
#[must_use]
pub fn per_area_with(
    counts: &[Counts],
    neighbours: &[Vec<usize>],
    min_base: f64,
) -> Vec<Option<AreaSpatial>> {
    let kept: Vec<usize> = (0..counts.len())
        .filter(|&i| counts[i].children > 0)
        .collect();
    let mut position = vec![None; counts.len()];
    for (k, &i) in kept.iter().enumerate() {
        position[i] = Some(k);
    }
    let hood: Vec<Vec<usize>> = kept
        .iter()
        .map(|&i| neighbours[i].iter().filter_map(|&j| position[j]).collect())
        .collect();
    let events: Vec<f64> = kept.iter().map(|&i| f64::from(counts[i].stunted)).collect();
    let bases: Vec<f64> = kept
        .iter()
        .map(|&i| f64::from(counts[i].children))
        .collect();
    let mut out = vec![None; counts.len()];
    if kept.is_empty() {
        return out;
    }
    let global = global_empirical_bayes(&events, &bases);
    let spatial = spatial_empirical_bayes(&events, &bases, &hood);
    let gi = getis_ord_gi_star(&global, &hood);
    let (q, classes) = classify(&gi, &bases, min_base);
    for (k, &i) in kept.iter().enumerate() {
        out[i] = Some(AreaSpatial {
            prevalence_smoothed: spatial[k],
            prevalence_global: global[k],
            gi_z: gi[k].z,
            gi_p: gi[k].p,
            gi_q: q[k],
            hotspot: classes[k],
        });
    }
    out
}

/// Counts per area and how the areas neighbour each other.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsInput {
    /// Events per area (stunted children).
    pub events: Vec<f64>,
    /// Base per area (children measured).
    pub bases: Vec<f64>,
    /// Neighbour lists by position; or give `cells`.
    #[serde(default)]
    pub neighbours: Option<Vec<Vec<usize>>>,
    /// H3 cell ids (hex strings), one per area; neighbours within `k` steps.
    #[serde(default)]
    pub cells: Option<Vec<String>>,
    /// Grid distance for `cells` (default 1).
    #[serde(default = "default_k")]
    pub k: u32,
    /// Values for Gi* (default: the globally smoothed rates).
    #[serde(default)]
    pub values: Option<Vec<f64>>,
    /// Fewer children measured than this: never hot or cold (default 5).
    #[serde(default = "default_min_base")]
    pub min_base: f64,
}

fn default_k() -> u32 {
    1
}

fn default_min_base() -> f64 {
    DEFAULT_MIN_BASE
}

/// Per-area results, each vector in the input order.
#[derive(Debug, Clone, Serialize)]
pub struct StatsOutput {
    pub neighbours: Vec<Vec<usize>>,
    /// `events / bases`, `null` without children.
    pub raw: Vec<Option<f64>>,
    pub global_eb: Vec<f64>,
    pub spatial_eb: Vec<f64>,
    pub gi_z: Vec<f64>,
    /// One-sided, as esda's `p_norm`.
    pub gi_p: Vec<f64>,
    /// Benjamini-Hochberg adjusted two-sided p-values.
    pub gi_q: Vec<f64>,
    /// `hot_99`, `hot_95`, `hot_90`, `cold_*`, `none` or `too_few`.
    pub hotspot: Vec<&'static str>,
}

/// Why [`compute`] refused its input.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// A per-area list has the wrong length: give one entry per area.
    #[error("{field} has {got} entries, expected {expected} (one per area)")]
    Length {
        field: &'static str,
        got: usize,
        expected: usize,
    },
    /// Neither or both of `neighbours` and `cells` were given.
    #[error("give exactly one of `neighbours` and `cells`")]
    Neighbourhood,
    /// A neighbour list names an area that does not exist or the area itself.
    #[error("neighbours of area {area} name {neighbour}, not another area of 0..{count}")]
    Neighbour {
        area: usize,
        neighbour: usize,
        count: usize,
    },
    /// A cell id is not an H3 cell in hex form, e.g. `88618a4c1bfffff`.
    #[error("cell {0:?} is not an H3 cell id")]
    Cell(String),
    /// A count is negative or not a number, or an area has more events than base.
    #[error("area {0}: events and bases must be finite, non-negative, events ≤ bases")]
    Count(usize),
}

fn check_len(field: &'static str, got: usize, expected: usize) -> Result<(), StatsError> {
    if got == expected {
        Ok(())
    } else {
        Err(StatsError::Length {
            field,
            got,
            expected,
        })
    }
}

fn neighbourhood(input: &StatsInput, n: usize) -> Result<Vec<Vec<usize>>, StatsError> {
    match (&input.neighbours, &input.cells) {
        (Some(lists), None) => {
            check_len("neighbours", lists.len(), n)?;
            for (area, hood) in lists.iter().enumerate() {
                if let Some(&neighbour) = hood.iter().find(|&&j| j >= n || j == area) {
                    return Err(StatsError::Neighbour {
                        area,
                        neighbour,
                        count: n,
                    });
                }
            }
            Ok(lists.clone())
        }
        (None, Some(ids)) => {
            check_len("cells", ids.len(), n)?;
            let cells = ids
                .iter()
                .map(|s| {
                    s.parse::<CellIndex>()
                        .map_err(|_| StatsError::Cell(s.clone()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(cell_neighbours(&cells, input.k))
        }
        _ => Err(StatsError::Neighbourhood),
    }
}

/// Runs smoothing and hot spots on one set of areas.
pub fn compute(input: &StatsInput) -> Result<StatsOutput, StatsError> {
    let n = input.events.len();
    check_len("bases", input.bases.len(), n)?;
    for (i, (&e, &b)) in input.events.iter().zip(&input.bases).enumerate() {
        if !(e.is_finite() && b.is_finite() && e >= 0.0 && e <= b) {
            return Err(StatsError::Count(i));
        }
    }
    let neighbours = neighbourhood(input, n)?;
    let global_eb = global_empirical_bayes(&input.events, &input.bases);
    let spatial_eb = spatial_empirical_bayes(&input.events, &input.bases, &neighbours);
    let y = match &input.values {
        Some(v) => {
            check_len("values", v.len(), n)?;
            v.clone()
        }
        None => global_eb.clone(),
    };
    let gi = if y.is_empty() {
        Vec::new()
    } else {
        getis_ord_gi_star(&y, &neighbours)
    };
    let (gi_q, classes) = classify(&gi, &input.bases, input.min_base);
    Ok(StatsOutput {
        raw: input
            .events
            .iter()
            .zip(&input.bases)
            .map(|(&e, &b)| raw_rate(e, b))
            .collect(),
        global_eb,
        spatial_eb,
        gi_z: gi.iter().map(|g| g.z).collect(),
        gi_p: gi.iter().map(|g| g.p).collect(),
        gi_q,
        hotspot: classes.iter().map(|c| c.label()).collect(),
        neighbours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(neighbours: Vec<Vec<usize>>) -> StatsInput {
        StatsInput {
            events: vec![0.0, 10.0, 10.0],
            bases: vec![10.0, 10.0, 10.0],
            neighbours: Some(neighbours),
            cells: None,
            k: 1,
            values: None,
            min_base: DEFAULT_MIN_BASE,
        }
    }

    #[test]
    fn chain_runs_and_bad_lists_are_refused() {
        let out = compute(&input(vec![vec![1], vec![0, 2], vec![1]])).expect("valid");
        assert_eq!(out.hotspot.len(), 3);
        assert!((out.spatial_eb[0] - 0.1).abs() < 1e-12);
        assert!(matches!(
            compute(&input(vec![vec![1], vec![1], vec![]])),
            Err(StatsError::Neighbour { area: 1, .. })
        ));
        assert!(matches!(
            compute(&input(vec![vec![]])),
            Err(StatsError::Length { .. })
        ));
    }
}
