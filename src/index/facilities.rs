//! Nearest facility of a kind: one R-tree per kind in a local metric frame.
//!
//! Distances in a city are short, so points are indexed in an equirectangular frame
//! centred on the facilities' mean latitude (metres), where rstar's Euclidean nearest
//! neighbour is nearly the great-circle one. Candidates are then re-ranked by
//! haversine distance until no closer one can exist, so the answer is exact.

use crate::model::{Facility, FacilityKind};
use geo::{Distance, Haversine, Point};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use std::collections::HashMap;

/// Mean Earth radius in metres, as used by geo's haversine.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

type Entry = GeomWithData<[f64; 2], usize>;

/// Nearest-facility queries per kind.
///
/// Steps: project each facility to the local frame; bulk-load one R-tree per kind;
/// for a query, walk neighbours in projected distance order and keep the best
/// haversine distance until projected distances exceed it by the frame's error bound.
pub struct FacilityIndex<'a> {
    facilities: &'a [Facility],
    cos_lat0: f64,
    trees: HashMap<FacilityKind, RTree<Entry>>,
}

impl<'a> FacilityIndex<'a> {
    #[must_use]
    pub fn new(facilities: &'a [Facility]) -> Self {
        let lat0 = if facilities.is_empty() {
            0.0
        } else {
            facilities.iter().map(|f| f.location.y()).sum::<f64>() / facilities.len() as f64
        };
        let cos_lat0 = lat0.to_radians().cos();
        let mut by_kind: HashMap<FacilityKind, Vec<Entry>> = HashMap::new();
        for (i, f) in facilities.iter().enumerate() {
            by_kind
                .entry(f.kind)
                .or_default()
                .push(GeomWithData::new(project(f.location, cos_lat0), i));
        }
        let trees = by_kind
            .into_iter()
            .map(|(k, v)| (k, RTree::bulk_load(v)))
            .collect();
        Self {
            facilities,
            cos_lat0,
            trees,
        }
    }

    /// The nearest facility of `kind` to `p` and the great-circle distance to it in km,
    /// or `None` when there is no facility of that kind.
    ///
    /// # Units
    /// `p` is WGS84 degrees (x = lon, y = lat); the distance is kilometres (haversine).
    #[must_use]
    pub fn nearest(&self, kind: FacilityKind, p: Point<f64>) -> Option<(&'a Facility, f64)> {
        let tree = self.trees.get(&kind)?;
        let q = project(p, self.cos_lat0);
        let mut best: Option<(usize, f64)> = None;
        for (e, d2) in tree.nearest_neighbor_iter_with_distance_2(q) {
            let projected = d2.sqrt();
            if let Some((_, best_m)) = best {
                // The local frame errs by well under 2% within a city; stop once no
                // farther candidate can beat the best great-circle distance.
                if projected * 0.98 > best_m {
                    break;
                }
            }
            let m = Haversine.distance(p, self.facilities[e.data].location);
            if best.is_none_or(|(_, b)| m < b) {
                best = Some((e.data, m));
            }
        }
        best.map(|(i, m)| (&self.facilities[i], m / 1000.0))
    }
}

/// # Units
/// In: WGS84 degrees. Out: metres in an equirectangular frame scaled by `cos_lat0`.
fn project(p: Point<f64>, cos_lat0: f64) -> [f64; 2] {
    [
        p.x().to_radians() * EARTH_RADIUS_M * cos_lat0,
        p.y().to_radians() * EARTH_RADIUS_M,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(state: &mut u64) -> f64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn agrees_with_linear_scan() {
        let mut s = 42_u64;
        let facilities: Vec<Facility> = (0..300)
            .map(|i| Facility {
                id: format!("F{i}"),
                name: format!("F{i}"),
                kind: FacilityKind::ALL[i % 3],
                location: Point::new(122.4 + rng(&mut s) * 0.3, -4.1 + rng(&mut s) * 0.25),
            })
            .collect();
        let index = FacilityIndex::new(&facilities);
        for _ in 0..3_000 {
            let p = Point::new(122.3 + rng(&mut s) * 0.5, -4.2 + rng(&mut s) * 0.45);
            for kind in FacilityKind::ALL {
                let (f, km) = index.nearest(kind, p).expect("facilities exist");
                let scan = facilities
                    .iter()
                    .filter(|f| f.kind == kind)
                    .map(|f| Haversine.distance(p, f.location) / 1000.0)
                    .fold(f64::INFINITY, f64::min);
                assert!((km - scan).abs() < 1e-9, "{p:?} {kind}: {km} vs {scan}");
                assert_eq!(f.kind, kind);
            }
        }
    }

    #[test]
    fn none_without_that_kind() {
        let index = FacilityIndex::new(&[]);
        assert!(
            index
                .nearest(FacilityKind::Puskesmas, Point::new(0.0, 0.0))
                .is_none()
        );
    }
}
