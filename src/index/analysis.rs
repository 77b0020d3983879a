//! The join: children and households into villages and H3 cells, with distance to
//! the nearest puskesmas and a risk score for every area.
//!
//! This is what the server serves and the command line prints. It is recomputed
//! whenever the store changes; it owns copies of what it needs, so a snapshot can be
//! shared between request handlers while a newer one is built.

use super::facilities::FacilityIndex;
use super::hex::{RESOLUTIONS, aggregate};
use super::villages::VillageIndex;
use crate::config::Config;
use crate::model::{Counts, Dataset, Facility, FacilityKind, Village};
use crate::risk::{self, RiskScore};
use geo::{BoundingRect, Centroid, Point, Rect};
use h3o::{CellIndex, LatLng, Resolution};
use rayon::prelude::*;

/// Figures for one area (cell or village).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaStats {
    pub counts: Counts,
    /// Straight-line km from the area's centre to the nearest puskesmas.
    pub puskesmas_km: Option<f64>,
    pub risk: RiskScore,
}

/// One H3 cell with its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct HexStats {
    pub cell: CellIndex,
    pub stats: AreaStats,
}

/// One village with its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageStats {
    pub village: Village,
    /// Mean position of the village's households (its population-weighted centre),
    /// or the boundary's centroid when it has none.
    pub centre: Point<f64>,
    pub stats: AreaStats,
}

/// Every aggregate sigap serves, computed from one dataset.
///
/// Steps: index villages (R-tree) and facilities; assign each child and household to
/// its village (exact, borders to the smallest code); count per village and per H3
/// cell at resolutions 5-10; measure each area's distance to the nearest puskesmas;
/// score each area.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub villages: Vec<VillageStats>,
    /// Cells per resolution, in [`RESOLUTIONS`] order, each list sorted by cell id.
    pub hexes: Vec<(Resolution, Vec<HexStats>)>,
    pub facilities: Vec<Facility>,
    /// Children and households that fall in no village.
    pub outside: Counts,
    /// Everything counted, inside villages or not.
    pub totals: Counts,
    /// Extent of villages, facilities and points.
    pub bounds: Option<Rect<f64>>,
}

impl Analysis {
    /// Computes every aggregate.
    #[must_use]
    pub fn compute(data: &Dataset, config: &Config) -> Self {
        let village_index = VillageIndex::new(&data.villages);
        let facility_index = FacilityIndex::new(&data.facilities);
        let score = |counts: Counts, centre: Point<f64>| -> AreaStats {
            let puskesmas_km = facility_index
                .nearest(FacilityKind::Puskesmas, centre)
                .map(|(_, km)| km);
            AreaStats {
                counts,
                puskesmas_km,
                risk: risk::score(&counts, puskesmas_km, config),
            }
        };

        let child_village: Vec<Option<usize>> = data
            .children
            .par_iter()
            .map(|c| village_index.locate(c.location))
            .collect();
        let household_village: Vec<Option<usize>> = data
            .households
            .par_iter()
            .map(|h| village_index.locate(h.location))
            .collect();

        let n = data.villages.len();
        let mut counts = vec![Counts::default(); n];
        let mut sums = vec![(0.0_f64, 0.0_f64); n];
        let mut outside = Counts::default();
        let mut totals = Counts::default();
        for (c, v) in data.children.iter().zip(&child_village) {
            totals.add_child(c);
            match v {
                Some(i) => counts[*i].add_child(c),
                None => outside.add_child(c),
            }
        }
        for (h, v) in data.households.iter().zip(&household_village) {
            totals.add_household(h);
            match v {
                Some(i) => {
                    counts[*i].add_household(h);
                    sums[*i].0 += h.location.x();
                    sums[*i].1 += h.location.y();
                }
                None => outside.add_household(h),
            }
        }
        let villages = data
            .villages
            .iter()
            .zip(counts)
            .zip(sums)
            .map(|((v, c), (sx, sy))| {
                let centre = if c.households > 0 {
                    Point::new(sx / f64::from(c.households), sy / f64::from(c.households))
                } else {
                    v.boundary.centroid().unwrap_or(Point::new(0.0, 0.0))
                };
                VillageStats {
                    village: v.clone(),
                    centre,
                    stats: score(c, centre),
                }
            })
            .collect();

        let hexes = RESOLUTIONS
            .iter()
            .map(|&res| {
                let mut cells = aggregate(&data.children, res, |c| c.location, Counts::add_child);
                let households =
                    aggregate(&data.households, res, |h| h.location, Counts::add_household);
                for (cell, c) in households {
                    cells.entry(cell).or_default().merge(&c);
                }
                let mut list: Vec<HexStats> = cells
                    .into_par_iter()
                    .map(|(cell, c)| {
                        let ll = LatLng::from(cell);
                        HexStats {
                            cell,
                            stats: score(c, Point::new(ll.lng(), ll.lat())),
                        }
                    })
                    .collect();
                list.sort_unstable_by_key(|h| h.cell);
                (res, list)
            })
            .collect();

        Self {
            villages,
            hexes,
            facilities: data.facilities.clone(),
            outside,
            totals,
            bounds: bounds(data),
        }
    }

    /// The cells at one resolution (empty when the resolution is not aggregated).
    #[must_use]
    pub fn hexes_at(&self, res: Resolution) -> &[HexStats] {
        self.hexes
            .iter()
            .find(|(r, _)| *r == res)
            .map_or(&[], |(_, v)| v.as_slice())
    }

    /// Villages ordered by risk, highest first (ties by code).
    #[must_use]
    pub fn villages_by_risk(&self) -> Vec<&VillageStats> {
        let mut v: Vec<&VillageStats> = self.villages.iter().collect();
        v.sort_by(|a, b| {
            b.stats
                .risk
                .score
                .total_cmp(&a.stats.risk.score)
                .then_with(|| a.village.code.cmp(&b.village.code))
        });
        v
    }
}

fn bounds(data: &Dataset) -> Option<Rect<f64>> {
    let mut rects: Vec<Rect<f64>> = data
        .villages
        .iter()
        .filter_map(|v| v.boundary.bounding_rect())
        .collect();
    let points = data
        .facilities
        .iter()
        .map(|f| f.location)
        .chain(data.children.iter().map(|c| c.location))
        .chain(data.households.iter().map(|h| h.location));
    rects.extend(points.map(|p| Rect::new(p.0, p.0)));
    rects.into_iter().reduce(|a, b| {
        Rect::new(
            (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
            (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
        )
    })
}
