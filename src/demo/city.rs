//! The synthetic city's ground: an outline, one Voronoi cell per real kelurahan
//! centre, and a rough mask of Kendari Bay where nobody lives.
//!
//! Official kelurahan boundaries are not open data we can ship, but their centre
//! points are. Voronoi cells of the centres give every kelurahan the land closest to
//! it, which is how a planner would sketch boundaries by hand, and they tile the city
//! exactly, which the import checks rely on.

use super::DemoError;
use super::geometry::{self, Frame, P};
use super::places::{self, Place};
use super::rng::Rng;
use geo::{LineString, Polygon};

/// Reference point of the local metric frame (WGS84 degrees), central Kendari.
const FRAME_ORIGIN: [f64; 2] = [122.55, -3.99];
/// The outline is the convex hull of the centres pushed outward by this (metres).
const OUTLINE_BUFFER_M: f64 = 2_000.0;
/// Points per circle when buffering the centres.
const OUTLINE_CIRCLE_POINTS: u32 = 32;
/// Sampled points keep at least this distance (metres) from their cell's border, so
/// rounding coordinates for output never moves a point into a neighbour.
const BORDER_MARGIN_M: f64 = 3.0;
/// Polygon vertices are written with this many decimals of a degree (about 1 cm).
const VERTEX_DECIMALS: i32 = 7;
/// Kendari Bay (Teluk Kendari) approximated by an ellipse: centre and semi-axes in
/// degrees. It lies between the old town and Kendari Barat to the north and Poasia
/// and Abeli to the south; no kelurahan centre falls inside it.
const BAY_CENTRE: [f64; 2] = [122.562, -3.9745];
const BAY_SEMI_AXES_DEG: [f64; 2] = [0.024, 0.009];

/// One kelurahan of the synthetic city.
///
/// # Units
/// `centre` and `cell` are local metres (see [`Frame`]); `polygon` is WGS84 (lon, lat).
#[derive(Debug, Clone)]
pub(crate) struct Village {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) district: String,
    pub(crate) centre: P,
    /// Convex, counter-clockwise, open ring.
    pub(crate) cell: Vec<P>,
    pub(crate) area_m2: f64,
    /// The cell as written: closed, counter-clockwise, vertices rounded.
    pub(crate) polygon: Polygon<f64>,
}

/// The outline and the villages that tile it.
#[derive(Debug, Clone)]
pub(crate) struct City {
    pub(crate) frame: Frame,
    pub(crate) villages: Vec<Village>,
    /// Convex, counter-clockwise, open ring in local metres.
    pub(crate) outline: Vec<P>,
    bay_centre: P,
    bay_axes: P,
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    // Adding 0.0 turns a negative zero into a positive one.
    (x * k).round() / k + 0.0
}

impl City {
    /// Builds the city from the embedded Kendari tables.
    pub(crate) fn build() -> Result<Self, DemoError> {
        let frame = Frame::new(FRAME_ORIGIN[0], FRAME_ORIGIN[1]);
        let places: Vec<Place> = places::kendari(&frame)?;
        let centres: Vec<P> = places.iter().map(|p| frame.to_local(p.lonlat)).collect();
        let mut buffered = Vec::with_capacity(centres.len() * OUTLINE_CIRCLE_POINTS as usize);
        for c in &centres {
            for k in 0..OUTLINE_CIRCLE_POINTS {
                let a = std::f64::consts::TAU * f64::from(k) / f64::from(OUTLINE_CIRCLE_POINTS);
                buffered.push([
                    c[0] + OUTLINE_BUFFER_M * a.cos(),
                    c[1] + OUTLINE_BUFFER_M * a.sin(),
                ]);
            }
        }
        let outline = geometry::convex_hull(&buffered);
        let cells = geometry::voronoi_cells(&centres, &outline);
        let bay_centre = frame.to_local(BAY_CENTRE);
        let bay_axes = {
            let corner = frame.to_local([
                BAY_CENTRE[0] + BAY_SEMI_AXES_DEG[0],
                BAY_CENTRE[1] + BAY_SEMI_AXES_DEG[1],
            ]);
            [corner[0] - bay_centre[0], corner[1] - bay_centre[1]]
        };
        let mut city = Self {
            frame,
            villages: Vec::with_capacity(places.len()),
            outline,
            bay_centre,
            bay_axes,
        };
        for ((place, centre), cell) in places.into_iter().zip(centres).zip(cells) {
            let fail = |reason: &str| DemoError::Geometry {
                code: place.code.clone(),
                reason: reason.to_owned(),
            };
            if cell.len() < 3 {
                return Err(fail("empty Voronoi cell (duplicate centre?)"));
            }
            if !geometry::inside_convex(&cell, centre, BORDER_MARGIN_M) {
                return Err(fail("centre is not inside its own cell"));
            }
            if !city.on_land(centre) {
                return Err(fail("centre falls in the bay mask"));
            }
            if place.placed {
                let [lon, lat] = place.lonlat;
                tracing::info!(code = %place.code, name = %place.name, lon, lat, "demo: kelurahan without a source centre placed");
            }
            let polygon = city.polygon(&cell);
            city.villages.push(Village {
                code: place.code,
                name: place.name,
                district: place.district,
                centre,
                area_m2: geometry::ring_area(&cell),
                cell,
                polygon,
            });
        }
        Ok(city)
    }

    /// A WGS84 polygon from an open counter-clockwise ring in local metres; vertices
    /// are rounded to `VERTEX_DECIMALS`, so equal vertices stay equal.
    fn polygon(&self, ring: &[P]) -> Polygon<f64> {
        let mut coords: Vec<[f64; 2]> = ring
            .iter()
            .map(|&p| {
                let [lon, lat] = self.frame.to_lonlat(p);
                [
                    round_to(lon, VERTEX_DECIMALS),
                    round_to(lat, VERTEX_DECIMALS),
                ]
            })
            .collect();
        geometry::dedup_ring(&mut coords);
        // LineString::from closes the ring.
        Polygon::new(LineString::from(coords), vec![])
    }

    /// The city outline as a WGS84 polygon (counter-clockwise, closed).
    pub(crate) fn outline_polygon(&self) -> Polygon<f64> {
        self.polygon(&self.outline)
    }

    /// Whether a local point is outside the bay mask.
    pub(crate) fn on_land(&self, p: P) -> bool {
        let u = (p[0] - self.bay_centre[0]) / self.bay_axes[0];
        let v = (p[1] - self.bay_centre[1]) / self.bay_axes[1];
        u * u + v * v > 1.0
    }

    /// A shore inside the bay mask: an open counter-clockwise ring of `points`
    /// vertices in local metres, at the share `reach(angle)` (clamped to 0..=1) of the
    /// mask's radius in each direction. Inside the mask, so no home is in the water.
    pub(crate) fn bay_ring(&self, points: u32, reach: impl Fn(f64) -> f64) -> Vec<P> {
        (0..points)
            .map(|k| {
                let a = std::f64::consts::TAU * f64::from(k) / f64::from(points);
                let r = reach(a).clamp(0.0, 1.0);
                [
                    self.bay_centre[0] + r * self.bay_axes[0] * a.cos(),
                    self.bay_centre[1] + r * self.bay_axes[1] * a.sin(),
                ]
            })
            .collect()
    }

    /// Whether a local point is inside village `v`, clear of its border, and on land.
    pub(crate) fn habitable(&self, v: usize, p: P) -> bool {
        geometry::inside_convex(&self.villages[v].cell, p, BORDER_MARGIN_M) && self.on_land(p)
    }

    /// A random habitable point of village `v`: with probability `uniform_share`
    /// uniform over the cell, otherwise normal around the centre with standard
    /// deviation `sigma_m` (metres). Falls back to the centre after many rejections.
    pub(crate) fn sample_in(&self, rng: &mut Rng, v: usize, sigma_m: f64, uniform_share: f64) -> P {
        let village = &self.villages[v];
        let [lo, hi] = geometry::bbox(&village.cell);
        for _ in 0..10_000 {
            let p = if rng.chance(uniform_share) {
                [rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1])]
            } else {
                [
                    village.centre[0] + sigma_m * rng.normal(),
                    village.centre[1] + sigma_m * rng.normal(),
                ]
            };
            if self.habitable(v, p) {
                return p;
            }
        }
        village.centre
    }

    /// The spread (metres) of homes around a village centre: half the radius of a disc
    /// of the cell's area, between 250 m and 1.2 km.
    pub(crate) fn spread_m(&self, v: usize) -> f64 {
        (0.5 * (self.villages[v].area_m2 / std::f64::consts::PI).sqrt()).clamp(250.0, 1_200.0)
    }

    /// WGS84 `[lon, lat]` of a local point, rounded to 6 decimals (about 11 cm) as
    /// written to the CSV files.
    pub(crate) fn lonlat6(&self, p: P) -> [f64; 2] {
        let [lon, lat] = self.frame.to_lonlat(p);
        [round_to(lon, 6), round_to(lat, 6)]
    }

    /// The index of the village with this Kemendagri code.
    pub(crate) fn village_index(&self, code: &str) -> Result<usize, DemoError> {
        self.villages
            .iter()
            .position(|v| v.code == code)
            .ok_or_else(|| DemoError::Geometry {
                code: code.to_owned(),
                reason: "no such kelurahan in the embedded table".into(),
            })
    }
}
