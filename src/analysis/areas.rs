//! The join: children and households into villages and H3 cells, with distance to
//! the nearest puskesmas and a risk score for every area.
//!
//! This is what the server serves and the command line prints. It is recomputed
//! whenever the store changes; it owns copies of what it needs, so a snapshot can be
//! shared between request handlers while a newer one is built.

use super::spatial_stats::{AreaSpatial, per_area_with};
use crate::config::Config;
use crate::config::Spatial;
use crate::index::facilities::FacilityIndex;
use crate::index::hex::{RESOLUTIONS, aggregate, aggregate_by, cell_of};
use crate::index::neighbours::{cell_neighbours, village_neighbours};
use crate::index::villages::VillageIndex;
use crate::model::{
    Child, Counts, Facility, FacilityKind, PUBLIC_RESOLUTIONS, PointCells, PopulationTotals,
    Village,
};
use crate::risk::{self, Access, RiskScore};
use crate::roads::Roads;
use crate::store::Dataset;
use geo::{BoundingRect, Centroid, CoordsIter, InteriorPoint, MultiPolygon, Point, Rect};
use h3o::{CellIndex, LatLng, Resolution};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Figures for one area (cell or village).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaStats {
    pub counts: Counts,
    /// Population from the imported raster (e.g. children under five, fractional:
    /// pixels are split by area); `None` without a raster or where it has no data.
    pub population: Option<f64>,
    /// Straight-line km from the area's centre to the nearest puskesmas.
    pub puskesmas_km: Option<f64>,
    /// Minutes from the area's centre to the nearest puskesmas over the roads
    /// (`[roads] access_mode`, off-road walking included); `None` without roads.
    pub puskesmas_minutes: Option<f64>,
    /// Scored among the areas of its kind (villages, or cells of one resolution): see
    /// [`crate::risk`]; set by the scoring pass once smoothing is known.
    pub risk: RiskScore,
    /// Smoothed prevalence and Gi* among the areas of its kind (villages, or cells of
    /// its resolution over their k-ring, `[spatial] k`); `None` with no child measured.
    pub spatial: Option<AreaSpatial>,
}

impl AreaStats {
    /// Children measured per head of population (`None` without population or when
    /// it is 0). Above 1 where the raster undercounts or children come from outside.
    #[must_use]
    pub fn coverage(&self) -> Option<f64> {
        self.population
            .filter(|p| *p > 0.0)
            .map(|p| f64::from(self.counts.children) / p)
    }
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
/// its village (exact, borders to the smallest code; a child placed by its village
/// code to that village); count per village and per H3 cell at resolutions 5-10 (a
/// placed child only where its whole village lies in one cell); measure each area's
/// distance to the nearest puskesmas; attach the population raster's sums (cells with
/// population and no one measured are listed too); smooth; then score each set of
/// areas of one kind together (percentile normalisation needs them all).
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
    /// Per resolution, in [`RESOLUTIONS`] order: children placed by village code
    /// (no coordinates) left out of the cells because their village spans several
    /// cells at that resolution (or is not stored).
    pub unplaced_in_hexes: [u32; RESOLUTIONS.len()],
    /// How the population raster's total divides, `None` without one.
    pub population: Option<PopulationTotals>,
    /// Extent of villages, facilities and points.
    pub bounds: Option<Rect<f64>>,
    /// What the `puskesmas` risk factor measures: minutes with roads, else km.
    pub access: Access,
    /// The road network with the configured speeds, `None` without one.
    pub roads: Option<Arc<Roads>>,
}

impl Analysis {
    /// Each village's name by its code.
    #[must_use]
    pub fn village_names(&self) -> HashMap<&str, &str> {
        self.villages
            .iter()
            .map(|v| (v.village.code.as_str(), v.village.name.as_str()))
            .collect()
    }

    /// [`Analysis::bounds`] as `[west, south, east, north]` (WGS84 degrees), the order
    /// TileJSON and the viewers use.
    #[must_use]
    pub fn bounds_array(&self) -> Option<[f64; 4]> {
        self.bounds
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
    }

    /// The villages' extent as `[west, south, east, north]` (WGS84 degrees): the only
    /// bounds a public answer may carry. [`Analysis::bounds`] also spans every child
    /// and household point, so an import with one point just outside the villages
    /// would publish that home's position.
    #[must_use]
    pub fn village_bounds_array(&self) -> Option<[f64; 4]> {
        self.villages
            .iter()
            .filter_map(|v| v.village.boundary.bounding_rect())
            .reduce(|a, b| {
                Rect::new(
                    (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                    (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
                )
            })
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
    }

    /// Computes every aggregate.
    #[must_use]
    pub fn compute(data: &Dataset, config: &Config) -> Self {
        let homes = VillageIndex::new(&data.villages).locate_households(&data.households);
        Self::compute_with_roads(data, config, road_graphs(data, config), &homes, None)
    }

    /// [`Analysis::compute`] with road graphs already built from `data`'s network
    /// (e.g. once for every period of a snapshot) and the village of each of `data`'s
    /// households already found (`homes`, from [`VillageIndex::locate_households`]).
    ///
    /// `household_cells`, when given, are the cells of each of `data`'s households
    /// at the public resolutions ([`crate::model::point_cells`], found once for the
    /// case records too): the households are counted in them at those resolutions
    /// instead of being located again.
    #[must_use]
    pub fn compute_with_roads(
        data: &Dataset,
        config: &Config,
        roads: Option<Arc<Roads>>,
        homes: &[Option<usize>],
        household_cells: Option<&[PointCells]>,
    ) -> Self {
        Self::compute_parts(data, config, roads, Hexes::Count(household_cells), homes)
    }

    /// The villages' figures alone (counts, population, access, smoothing, risk
    /// score and rank inputs), exactly as [`Analysis::compute_with_roads`] makes
    /// them, with no H3 cells (`hexes` empty): what the public map needs (its
    /// priority classes), without the cells' aggregation and hot spots.
    #[must_use]
    pub fn compute_villages(
        data: &Dataset,
        config: &Config,
        roads: Option<Arc<Roads>>,
        homes: &[Option<usize>],
    ) -> Self {
        Self::compute_parts(data, config, roads, Hexes::Skip, homes)
    }

    fn compute_parts(
        data: &Dataset,
        config: &Config,
        roads: Option<Arc<Roads>>,
        hexes: Hexes<'_>,
        household_village: &[Option<usize>],
    ) -> Self {
        debug_assert_eq!(household_village.len(), data.households.len());
        let village_index = VillageIndex::new(&data.villages);
        let facility_index = FacilityIndex::new(&data.facilities);
        let population = data.population.as_ref();
        let puskesmas: Vec<[f64; 2]> = data
            .facilities
            .iter()
            .filter(|f| f.kind == FacilityKind::Puskesmas)
            .map(|f| [f.location.x(), f.location.y()])
            .collect();
        let catchment = roads
            .as_ref()
            .filter(|_| !puskesmas.is_empty())
            .map(|r| r.catchment(config.roads.access_mode, &puskesmas));
        let access = if catchment.is_some() {
            Access::Minutes
        } else {
            Access::Km
        };
        let area = |counts: Counts, centre: Point<f64>| -> AreaStats {
            let puskesmas_km = facility_index
                .nearest(FacilityKind::Puskesmas, centre)
                .map(|(_, km)| km);
            let puskesmas_minutes = catchment
                .as_ref()
                .and_then(|c| c.from([centre.x(), centre.y()]))
                .map(|(secs, _)| secs / 60.0);
            AreaStats {
                counts,
                population: None,
                puskesmas_km,
                puskesmas_minutes,
                risk: RiskScore::default(),
                spatial: None,
            }
        };

        let child_village = child_villages(data, &village_index);

        let VillageCounts {
            counts,
            sums,
            outside,
            totals,
        } = VillageCounts::new(data, &child_village, household_village);
        let mut villages: Vec<VillageStats> = data
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
                    stats: AreaStats {
                        population: population.and_then(|p| p.village(&v.code)),
                        ..area(c, centre)
                    },
                }
            })
            .collect();

        let hood = village_neighbours(&data.villages);
        smooth_and_score(
            villages.iter_mut().map(|v| &mut v.stats),
            &hood,
            config,
            access,
        );

        let (hexes, unplaced_in_hexes) = if let Hexes::Count(household_cells) = hexes {
            let children = ChildCells::new(data, &child_village);
            hex_sets(data, config, &children, household_cells, &area, access)
        } else {
            (Vec::new(), [0; RESOLUTIONS.len()])
        };

        Self {
            villages,
            hexes,
            facilities: data.facilities.clone(),
            outside,
            totals,
            unplaced_in_hexes,
            population: population.map(|p| p.totals),
            bounds: bounds(data),
            access,
            roads,
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

    /// Children placed by village code left out of the cells at `res` (0 when the
    /// resolution is not aggregated).
    #[must_use]
    pub fn unplaced_at(&self, res: Resolution) -> u32 {
        RESOLUTIONS
            .iter()
            .position(|r| *r == res)
            .map_or(0, |k| self.unplaced_in_hexes[k])
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
        .chain(
            data.children
                .iter()
                .filter(|c| c.has_measured_location())
                .map(|c| c.location),
        )
        .chain(data.households.iter().map(|h| h.location));
    rects.extend(points.map(|p| Rect::new(p.0, p.0)));
    rects.into_iter().reduce(|a, b| {
        Rect::new(
            (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
            (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
        )
    })
}

/// Counts per village (and outside every village), with the sums of household
/// positions that make each village's population-weighted centre.
struct VillageCounts {
    counts: Vec<Counts>,
    /// Per village, the sums of its households' (lon, lat).
    sums: Vec<(f64, f64)>,
    outside: Counts,
    totals: Counts,
}

impl VillageCounts {
    fn new(
        data: &Dataset,
        child_village: &[Option<usize>],
        household_village: &[Option<usize>],
    ) -> Self {
        let n = data.villages.len();
        let mut out = Self {
            counts: vec![Counts::default(); n],
            sums: vec![(0.0_f64, 0.0_f64); n],
            outside: Counts::default(),
            totals: Counts::default(),
        };
        for (c, v) in data.children.iter().zip(child_village) {
            out.totals.add_child(c);
            match v {
                Some(i) => out.counts[*i].add_child(c),
                None => out.outside.add_child(c),
            }
        }
        for (h, v) in data.households.iter().zip(household_village) {
            out.totals.add_household(h);
            match v {
                Some(i) => {
                    out.counts[*i].add_household(h);
                    out.sums[*i].0 += h.location.x();
                    out.sums[*i].1 += h.location.y();
                }
                None => out.outside.add_household(h),
            }
        }
        out
    }
}

/// The village of each child: a placed child's by its code (its point is a stand-in,
/// never located), a measured child's by point-in-polygon.
fn child_villages(data: &Dataset, index: &VillageIndex<'_>) -> Vec<Option<usize>> {
    let by_code: HashMap<&str, usize> = data
        .villages
        .iter()
        .enumerate()
        .map(|(i, v)| (v.code.as_str(), i))
        .collect();
    data.children
        .par_iter()
        .map(|c| match &c.placed_by_village {
            Some(code) => by_code.get(code.as_str()).copied(),
            None => index.locate(c.location),
        })
        .collect()
}

/// Which H3 cells [`Analysis::compute_parts`] makes.
#[derive(Clone, Copy)]
enum Hexes<'a> {
    /// None: the villages' figures alone.
    Skip,
    /// Every resolution of [`RESOLUTIONS`], with the households' cells at the public
    /// resolutions when already found.
    Count(Option<&'a [PointCells]>),
}

/// Children ready to count per cell: measured ones by their point, placed ones by
/// the cell their whole village lies in at each resolution ([`RESOLUTIONS`] order;
/// `None` where it spans several cells or is not stored).
struct ChildCells<'d> {
    measured: Vec<&'d Child>,
    placed: Vec<(&'d Child, [Option<CellIndex>; RESOLUTIONS.len()])>,
}

impl<'d> ChildCells<'d> {
    fn new(data: &'d Dataset, child_village: &[Option<usize>]) -> Self {
        let mut whole: HashMap<usize, [Option<CellIndex>; RESOLUTIONS.len()]> = HashMap::new();
        let (measured, placed): (Vec<_>, Vec<_>) = data
            .children
            .iter()
            .zip(child_village)
            .partition(|(c, _)| c.has_measured_location());
        let placed = placed
            .into_iter()
            .map(|(c, v)| {
                let cells = v.map_or([None; RESOLUTIONS.len()], |i| {
                    *whole
                        .entry(i)
                        .or_insert_with(|| whole_village_cells(&data.villages[i].boundary))
                });
                (c, cells)
            })
            .collect();
        Self {
            measured: measured.into_iter().map(|(c, _)| c).collect(),
            placed,
        }
    }

    /// Children per cell at `res` (the `k`-th of [`RESOLUTIONS`]), and how many
    /// placed children were left out.
    fn count(&self, k: usize, res: Resolution) -> (HashMap<CellIndex, Counts>, u32) {
        let mut cells = aggregate(&self.measured, res, |c| c.location, |n, c| n.add_child(c));
        let mut left_out = 0;
        for (child, cell) in &self.placed {
            match cell[k] {
                Some(cell) => cells.entry(cell).or_default().add_child(child),
                None => left_out += 1,
            }
        }
        (cells, left_out)
    }
}

/// At each resolution, the one cell holding the whole boundary: the cell of its
/// interior point (where placed children are put) when every boundary vertex falls
/// in it too; `None` where the boundary spans several cells.
///
/// # Units
/// `boundary` is WGS84 degrees.
#[must_use]
pub fn whole_village_cells(boundary: &MultiPolygon<f64>) -> [Option<CellIndex>; RESOLUTIONS.len()] {
    let Some(inside) = boundary.interior_point() else {
        return [None; RESOLUTIONS.len()];
    };
    RESOLUTIONS.map(|res| {
        let cell = cell_of(inside, res)?;
        boundary
            .coords_iter()
            .all(|c| cell_of(Point(c), res) == Some(cell))
            .then_some(cell)
    })
}

/// Fills each area's smoothed prevalence and Gi* among `areas` (see [`per_area_with`]).
fn attach_spatial(areas: &mut [&mut AreaStats], neighbours: &[Vec<usize>], spatial: Spatial) {
    let counts: Vec<Counts> = areas.iter().map(|a| a.counts).collect();
    let min_base = f64::from(spatial.min_children);
    for (a, s) in areas
        .iter_mut()
        .zip(per_area_with(&counts, neighbours, min_base))
    {
        a.spatial = s;
    }
}

/// Smoothing and hot spots, then the scoring pass, over one set of areas of one kind.
/// Figures for every cell at every resolution of [`RESOLUTIONS`], scored per
/// resolution, and the placed children each resolution left out.
fn hex_sets(
    data: &Dataset,
    config: &Config,
    children: &ChildCells,
    household_cells: Option<&[PointCells]>,
    area: &(dyn Fn(Counts, Point<f64>) -> AreaStats + Sync),
    access: Access,
) -> (Vec<(Resolution, Vec<HexStats>)>, [u32; RESOLUTIONS.len()]) {
    let population = data.population.as_ref();
    // The resolutions side by side (each also on every core inside); the list keeps
    // RESOLUTIONS' order.
    let sets: Vec<(Resolution, Vec<HexStats>, u32)> = RESOLUTIONS
        .par_iter()
        .enumerate()
        .map(|(k, &res)| {
            let (mut cells, unplaced) = children.count(k, res);
            let public = PUBLIC_RESOLUTIONS.iter().position(|r| *r == res);
            let households = match household_cells.zip(public) {
                Some((found, j)) => {
                    debug_assert_eq!(found.len(), data.households.len());
                    aggregate_by(&data.households, |i, _| found[i][j], Counts::add_household)
                }
                None => aggregate(&data.households, res, |h| h.location, Counts::add_household),
            };
            for (cell, c) in households {
                cells.entry(cell).or_default().merge(&c);
            }
            // Cells where the raster has people but nobody was measured are shown
            // too: coverage 0 is what planners look for.
            let peopled = population.iter().flat_map(|p| p.cells_at(res));
            for (cell, _) in peopled.filter(|(_, v)| *v > 0.0) {
                cells.entry(cell).or_default();
            }
            let mut list: Vec<HexStats> = cells
                .into_par_iter()
                .map(|(cell, c)| {
                    let ll = LatLng::from(cell);
                    HexStats {
                        cell,
                        stats: AreaStats {
                            population: population.and_then(|p| p.cell(cell)),
                            ..area(c, Point::new(ll.lng(), ll.lat()))
                        },
                    }
                })
                .collect();
            list.sort_unstable_by_key(|h| h.cell);
            let cells: Vec<CellIndex> = list.iter().map(|h| h.cell).collect();
            let hood = cell_neighbours(&cells, config.spatial.k);
            smooth_and_score(list.iter_mut().map(|h| &mut h.stats), &hood, config, access);
            (res, list, unplaced)
        })
        .collect();
    let mut unplaced_in_hexes = [0; RESOLUTIONS.len()];
    let hexes = sets
        .into_iter()
        .enumerate()
        .map(|(k, (res, list, unplaced))| {
            unplaced_in_hexes[k] = unplaced;
            (res, list)
        })
        .collect();
    (hexes, unplaced_in_hexes)
}

fn smooth_and_score<'a>(
    areas: impl Iterator<Item = &'a mut AreaStats>,
    neighbours: &[Vec<usize>],
    config: &Config,
    access: Access,
) {
    let mut areas: Vec<&mut AreaStats> = areas.collect();
    attach_spatial(&mut areas, neighbours, config.spatial);
    attach_risk(&mut areas, config, access);
}

/// The scoring pass: scores `areas` (one kind) together from their counts, smoothed
/// prevalence and access to care ([`risk::score_set`]).
fn attach_risk(areas: &mut [&mut AreaStats], config: &Config, access: Access) {
    let values: Vec<_> = areas
        .iter()
        .map(|a| {
            risk::raw_values(
                &a.counts,
                a.spatial.map(|s| s.prevalence_smoothed),
                match access {
                    Access::Minutes => a.puskesmas_minutes,
                    Access::Km => a.puskesmas_km,
                },
            )
        })
        .collect();
    for (a, r) in areas
        .iter_mut()
        .zip(risk::score_set(&values, config, access))
    {
        a.risk = r;
    }
}

/// The dataset's road network with the configured speeds (`None` without one, or
/// when the speeds are invalid, which config validation already refuses).
#[must_use]
pub fn road_graphs(data: &Dataset, config: &Config) -> Option<Arc<Roads>> {
    let network = data.roads.as_ref()?;
    let speeds = config.roads.speeds().ok()?;
    Some(Arc::new(Roads::new((**network).clone(), speeds)))
}

/// [`road_graphs`] with only the graph of `[roads] access_mode` built (the one the
/// travel time to care uses; the others are built if ever asked for).
#[must_use]
pub fn access_road_graph(data: &Dataset, config: &Config) -> Option<Arc<Roads>> {
    let network = data.roads.as_ref()?;
    let speeds = config.roads.speeds().ok()?;
    Some(Arc::new(Roads::for_mode(
        (**network).clone(),
        speeds,
        config.roads.access_mode,
    )))
}
