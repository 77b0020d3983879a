//! What the demo's OpenStreetMap extract holds besides roads, so a basemap drawn
//! from it looks like a city: Teluk Kendari as water, land use, and place names.
//!
//! - the bay: a shore with coves and points inside the city's bay mask (an ellipse
//!   no one lives in), as a closed way `natural=water`, `water=bay`,
//!   `name=Teluk Kendari`;
//! - the sea: `natural=water`, `water=sea`, `name=Laut Banda` beyond the city's
//!   eastern and south-eastern edge (outside the outline, so off every kelurahan),
//!   its coast a few hundred metres out with bays and capes. The bay does not open
//!   into it: the bay mask is at least 7 km from the edge, and every channel to the
//!   sea would cross dozens of the demo's homes;
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

/// Vertices of the bay's shore.
const BAY_POINTS: u32 = 128;
/// Directions of the sea seen from the city (degrees from east, counter-clockwise):
/// the outline's vertices facing this way get a coast beyond them.
const SEA_FACING_DEG: [f64; 2] = [-75.0, 55.0];
/// The coast's distance beyond the city outline (metres), and how far coves and
/// capes move it in or out.
const COAST_OFFSET_M: f64 = 1_000.0;
const COAST_WOBBLE_M: f64 = 700.0;
/// Longest stretch of coast between two vertices (metres).
const COAST_STEP_M: f64 = 400.0;
/// How far the sea reaches beyond its coast (metres).
const SEA_REACH_M: f64 = 20_000.0;
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

/// The bay's shore as a share of the mask's radius at angle `a` (radians): 0.84 to
/// 1.0, a few coves and points rather than an ellipse. Fixed (no random stream), so
/// the rest of the demo does not move.
fn bay_reach(a: f64) -> f64 {
    1.0 - 0.08
        - 0.04 * (3.0 * a + 0.4).sin()
        - 0.025 * (5.0 * a + 1.3).sin()
        - 0.015 * (9.0 * a + 2.1).sin()
}

/// `v` scaled to length 1.
fn unit(v: P) -> P {
    let length = v[0].hypot(v[1]).max(f64::MIN_POSITIVE);
    [v[0] / length, v[1] / length]
}

/// Whether a direction faces the sea ([`SEA_FACING_DEG`]).
fn faces_the_sea(v: P) -> bool {
    let deg = v[1].atan2(v[0]).to_degrees();
    (SEA_FACING_DEG[0]..=SEA_FACING_DEG[1]).contains(&deg)
}

/// The stretch of the convex counter-clockwise `outline` (local metres) that faces
/// the sea, as points no more than [`COAST_STEP_M`] apart, each with the outward
/// direction to push it along: the edge's normal inside an edge and at the ends, the
/// mean of the two edges' normals at a corner. Empty when no edge faces the sea.
fn seaward_edge(outline: &[P]) -> Vec<(P, P)> {
    let count = outline.len();
    // The outward normal of edge e (outline[e] -> outline[e + 1]) of a CCW ring.
    let normal = |e: usize| {
        let (from, to) = (outline[e], outline[(e + 1) % count]);
        unit([to[1] - from[1], from[0] - to[0]])
    };
    let before = |e: usize| (e + count - 1) % count;
    // The first edge of the facing arc: facing, after one that is not.
    let Some(start) =
        (0..count).find(|&e| faces_the_sea(normal(e)) && !faces_the_sea(normal(before(e))))
    else {
        return Vec::new();
    };
    let mut points: Vec<(P, P)> = Vec::new();
    let mut edge = start;
    while faces_the_sea(normal(edge)) {
        let (from, to) = (outline[edge], outline[(edge + 1) % count]);
        let corner = unit([
            normal(before(edge))[0] + normal(edge)[0],
            normal(before(edge))[1] + normal(edge)[1],
        ]);
        points.push((from, if edge == start { normal(edge) } else { corner }));
        let steps = (super::geometry::dist(from, to) / COAST_STEP_M)
            .ceil()
            .max(1.0);
        for step in 1..steps as u32 {
            let share = f64::from(step) / steps;
            let along = [
                from[0] + share * (to[0] - from[0]),
                from[1] + share * (to[1] - from[1]),
            ];
            points.push((along, normal(edge)));
        }
        edge = (edge + 1) % count;
        if edge == start {
            break;
        }
    }
    points.push((outline[edge], normal(before(edge))));
    points
}

/// The sea beyond the part of the convex counter-clockwise `outline` (local metres)
/// that faces [`SEA_FACING_DEG`]: an open ring whose coast stays outside the outline
/// (every coast vertex lies beyond the outline edge it follows, and the outline is
/// on the inner side of each of its edges). Empty when no edge faces the sea.
fn sea(outline: &[P]) -> Vec<P> {
    let edge = seaward_edge(outline);
    let (Some(&(_, first)), Some(&(_, last))) = (edge.first(), edge.last()) else {
        return Vec::new();
    };
    // Coves and capes along the coast, by the distance walked (km).
    let mut walked = 0.0;
    let mut ring: Vec<P> = Vec::with_capacity(edge.len() + 2);
    for (k, &(p, out)) in edge.iter().enumerate() {
        if k > 0 {
            walked += super::geometry::dist(edge[k - 1].0, p) / 1_000.0;
        }
        let wave = 0.5 * (walked * 0.9).sin()
            + 0.3 * (walked * 2.3 + 1.0).sin()
            + 0.2 * (walked * 5.1).sin();
        let off = COAST_OFFSET_M + COAST_WOBBLE_M * wave;
        ring.push([p[0] + off * out[0], p[1] + off * out[1]]);
    }
    let (south, north) = (ring[0], ring[ring.len() - 1]);
    ring.push([
        north[0] + SEA_REACH_M * last[0],
        north[1] + SEA_REACH_M * last[1],
    ]);
    ring.push([
        south[0] + SEA_REACH_M * first[0],
        south[1] + SEA_REACH_M * first[1],
    ]);
    ring
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
        &city.bay_ring(BAY_POINTS, bay_reach),
        &[
            ("natural", "water"),
            ("water", "bay"),
            ("name", "Teluk Kendari"),
        ],
    );
    b.area(
        &sea(&city.outline),
        &[
            ("natural", "water"),
            ("water", "sea"),
            ("name", "Laut Banda"),
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
