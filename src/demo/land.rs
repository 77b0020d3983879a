//! What the demo's OpenStreetMap extract holds besides roads, so a basemap drawn
//! from it looks like a city: Teluk Kendari as water, land use, and place names.
//!
//! - the bay: the city's bay mask (an ellipse no one lives in) as a closed way
//!   `natural=water`, `water=bay`, `name=Teluk Kendari`;
//! - land use per kelurahan: small (dense) kelurahan are `landuse=residential`
//!   across their cell; large ones are `landuse=farmland` or `landuse=forest`
//!   (from the random stream) with a residential core around their centre;
//! - places: `place=city` Kendari, and each kelurahan centre as `place=suburb`
//!   (small) or `place=village` (large), with its name.
//!
//! None of these ways carries `highway=*`, so the road graph ignores them.

use super::city::City;
use super::geometry::{P, inside_convex};
use super::rng::Rng;
use crate::roads::osm_write::{OsmNode, OsmPoint, OsmWay};

/// Vertices of the bay's ring.
const BAY_POINTS: u32 = 64;
/// A kelurahan larger than this (square metres) is rural: farmland or forest with
/// a residential core; smaller ones are residential throughout.
const RURAL_AREA_M2: f64 = 4.0e6;
/// Share of rural kelurahan that are forest rather than farmland.
const FOREST_SHARE: f64 = 0.35;
/// Land-use polygons are the cell shrunk towards the centre by this factor, so
/// kelurahan boundaries show between them.
const SHRINK: f64 = 0.97;
/// The residential core of a rural kelurahan: this many times its spread of homes.
const CORE_SPREAD: f64 = 1.6;
const CORE_POINTS: u32 = 24;

/// Nodes, points and ways to append after the roads (ids continue theirs).
pub(crate) struct DemoLand {
    pub(crate) nodes: Vec<OsmNode>,
    pub(crate) points: Vec<OsmPoint>,
    pub(crate) ways: Vec<OsmWay>,
}

struct Builder<'c> {
    city: &'c City,
    land: DemoLand,
    next_node: i64,
    next_way: i64,
}

impl Builder<'_> {
    /// A closed way around the open local ring `ring`.
    fn area(&mut self, ring: &[P], tags: &[(&str, &str)]) {
        let mut refs = Vec::with_capacity(ring.len() + 1);
        for p in ring {
            self.next_node += 1;
            self.land.nodes.push(OsmNode {
                id: self.next_node,
                lonlat: self.city.frame.to_lonlat(*p),
            });
            refs.push(self.next_node);
        }
        refs.push(refs[0]);
        self.next_way += 1;
        self.land.ways.push(OsmWay {
            id: self.next_way,
            refs,
            tags: owned(tags),
        });
    }

    fn place(&mut self, p: P, tags: &[(&str, &str)]) {
        self.next_node += 1;
        self.land.points.push(OsmPoint {
            id: self.next_node,
            lonlat: self.city.frame.to_lonlat(p),
            tags: owned(tags),
        });
    }
}

fn owned(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    tags.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `ring` scaled by `k` towards `centre` (local metres).
fn shrink(ring: &[P], centre: P, k: f64) -> Vec<P> {
    ring.iter()
        .map(|p| {
            [
                centre[0] + k * (p[0] - centre[0]),
                centre[1] + k * (p[1] - centre[1]),
            ]
        })
        .collect()
}

/// A disc of `radius` metres around `centre`, each vertex pulled in until it lies
/// inside the convex `cell`.
fn core(cell: &[P], centre: P, radius: f64) -> Vec<P> {
    (0..CORE_POINTS)
        .map(|k| {
            let a = std::f64::consts::TAU * f64::from(k) / f64::from(CORE_POINTS);
            let mut r = radius;
            let at = |r: f64| [centre[0] + r * a.cos(), centre[1] + r * a.sin()];
            while r > 1.0 && !inside_convex(cell, at(r), 10.0) {
                r *= 0.9;
            }
            at(r)
        })
        .collect()
}

/// The bay, land use and places; node and way ids start after `first_node` and
/// `first_way`.
pub(crate) fn generate(city: &City, rng: &mut Rng, first_node: i64, first_way: i64) -> DemoLand {
    let mut b = Builder {
        city,
        land: DemoLand {
            nodes: Vec::new(),
            points: Vec::new(),
            ways: Vec::new(),
        },
        next_node: first_node,
        next_way: first_way,
    };
    for (v, village) in city.villages.iter().enumerate() {
        let outer = shrink(&village.cell, village.centre, SHRINK);
        if village.area_m2 <= RURAL_AREA_M2 {
            b.area(&outer, &[("landuse", "residential")]);
            continue;
        }
        let class = if rng.chance(FOREST_SHARE) {
            "forest"
        } else {
            "farmland"
        };
        b.area(&outer, &[("landuse", class)]);
        let ring = core(&outer, village.centre, CORE_SPREAD * city.spread_m(v));
        b.area(&ring, &[("landuse", "residential")]);
    }
    b.area(
        &city.bay_ring(BAY_POINTS),
        &[
            ("natural", "water"),
            ("water", "bay"),
            ("name", "Teluk Kendari"),
        ],
    );
    let count = city.villages.len().max(1) as f64;
    let mean = city.villages.iter().fold([0.0, 0.0], |acc, v| {
        [acc[0] + v.centre[0] / count, acc[1] + v.centre[1] / count]
    });
    let kendari = city
        .villages
        .iter()
        .map(|v| v.centre)
        .filter(|c| city.on_land(*c))
        .min_by(|a, b| super::geometry::dist(*a, mean).total_cmp(&super::geometry::dist(*b, mean)))
        .unwrap_or(mean);
    b.place(kendari, &[("place", "city"), ("name", "Kendari")]);
    for village in &city.villages {
        let kind = if village.area_m2 <= RURAL_AREA_M2 {
            "suburb"
        } else {
            "village"
        };
        b.place(village.centre, &[("place", kind), ("name", &village.name)]);
    }
    b.land
}
