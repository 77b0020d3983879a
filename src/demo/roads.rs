//! The demo city's roads, written as `roads.osm.pbf` so the demo goes through the
//! same import as a real OpenStreetMap extract.
//!
//! A plausible small-city network, not Kendari's real one:
//! - a street grid (about 300 m, jittered) over the land inside the outline, with
//!   some links missing so blocks are irregular; residential streets, unpaved tracks
//!   in the six sanitation pockets and far from any village centre, footpaths
//!   (walking only) where a street link was dropped, and alternating one-way streets
//!   in the old town (Kendari Barat);
//! - main roads straight from each kelurahan centre to its natural neighbours (the
//!   Gabriel graph of the centres, never across the bay): primary on the shortest
//!   tree joining all centres, secondary between kecamatan, tertiary within one,
//!   joined to the grid every few hundred metres;
//! - each kelurahan centre (and so each puskesmas beside it) on that network;
//! - believable street names (`name=*`) drawn from a stream of their own, so naming
//!   never moves a node: main roads after national heroes and Kendari's own roads,
//!   grid streets after flowers, birds and trees, one name per grid line and village.

use super::city::City;
use super::geometry::{P, dist, inside_convex};
use super::households::POCKETS;
use super::rng::Rng;
use crate::roads::osm_write::{OsmNode, OsmWay};

/// Grid spacing and jitter (metres).
const GRID_M: f64 = 300.0;
const JITTER_M: f64 = 50.0;
/// Share of grid links left out; of those, the share kept as footpaths.
const DROP_SHARE: f64 = 0.10;
const FOOTPATH_SHARE: f64 = 0.4;
/// A grid street farther than this from every centre (metres) is a track.
const TRACK_BEYOND_M: f64 = 2_500.0;
/// Main roads get a node every this many metres, joined to the nearest grid node
/// when it is this close; a kelurahan centre is always joined to its nearest.
const MAIN_STEP_M: f64 = 300.0;
const JOIN_M: f64 = 200.0;
const CENTRE_JOIN_M: f64 = 1_000.0;
/// The kecamatan whose grid streets alternate one-way.
const ONE_WAY_DISTRICT: &str = "Kendari Barat";

/// Nodes and ways of the demo network.
pub(crate) struct DemoRoads {
    pub(crate) nodes: Vec<OsmNode>,
    pub(crate) ways: Vec<OsmWay>,
}

struct Builder<'c> {
    city: &'c City,
    points: Vec<P>,
    ways: Vec<OsmWay>,
    names: super::names::StreetNames,
}

impl Builder<'_> {
    fn node(&mut self, p: P) -> i64 {
        self.points.push(p);
        self.points.len() as i64
    }

    fn way(&mut self, refs: Vec<i64>, tags: &[(&str, &str)]) {
        let id = self.ways.len() as i64 + 1;
        self.ways.push(OsmWay {
            id,
            refs,
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        });
    }

    /// Whether the straight line a-b stays on land.
    fn on_land(&self, a: P, b: P) -> bool {
        let steps = (dist(a, b) / 50.0).ceil().max(1.0) as usize;
        (0..=steps).all(|i| {
            let t = i as f64 / steps as f64;
            self.city
                .on_land([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
        })
    }

    /// The village whose centre is nearest (its Voronoi cell).
    fn village_at(&self, p: P) -> usize {
        let v = &self.city.villages;
        (0..v.len())
            .min_by(|&i, &j| dist(v[i].centre, p).total_cmp(&dist(v[j].centre, p)))
            .unwrap_or(0)
    }
}

/// The middle of two local points.
fn midpoint(a: P, z: P) -> P {
    [f64::midpoint(a[0], z[0]), f64::midpoint(a[1], z[1])]
}

/// The root of `x` in a union-find forest (with path halving).
fn root(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Builds the network; the same seed gives the same roads. `names` draws the street
/// names only, so the network itself does not depend on it.
pub(crate) fn generate(city: &City, rng: &mut Rng, names: Rng) -> DemoRoads {
    let mut builder = Builder {
        city,
        points: Vec::new(),
        ways: Vec::new(),
        names: super::names::StreetNames::new(names),
    };
    let grid = street_grid(&mut builder, rng);
    main_roads(&mut builder, &grid);
    let nodes = builder
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| OsmNode {
            id: i as i64 + 1,
            lonlat: city.frame.to_lonlat(*p),
        })
        .collect();
    DemoRoads {
        nodes,
        ways: builder.ways,
    }
}

/// The jittered street grid; returns its node ids.
fn street_grid(b: &mut Builder, rng: &mut Rng) -> Vec<i64> {
    let city = b.city;
    let pockets: Vec<usize> = POCKETS
        .iter()
        .filter_map(|(code, _)| city.villages.iter().position(|v| v.code == *code))
        .collect();
    let [lo, hi] = super::geometry::bbox(&city.outline);
    let cols = ((hi[0] - lo[0]) / GRID_M).ceil() as usize + 1;
    let rows = ((hi[1] - lo[1]) / GRID_M).ceil() as usize + 1;
    let mut grid: Vec<Option<i64>> = vec![None; cols * rows];
    for r in 0..rows {
        for c in 0..cols {
            let p = [
                lo[0] + c as f64 * GRID_M + rng.uniform(-JITTER_M, JITTER_M),
                lo[1] + r as f64 * GRID_M + rng.uniform(-JITTER_M, JITTER_M),
            ];
            if inside_convex(&city.outline, p, 0.0) && city.on_land(p) {
                grid[r * cols + c] = Some(b.node(p));
            }
        }
    }
    for r in 0..rows {
        for c in 0..cols {
            let Some(from) = grid[r * cols + c] else {
                continue;
            };
            for (dr, dc, horizontal) in [(0, 1, true), (1, 0, false)] {
                let (r2, c2) = (r + dr, c + dc);
                if r2 >= rows || c2 >= cols {
                    continue;
                }
                let Some(to) = grid[r2 * cols + c2] else {
                    continue;
                };
                let (pa, pz) = (b.points[from as usize - 1], b.points[to as usize - 1]);
                if !b.on_land(pa, pz) {
                    continue;
                }
                let mid = midpoint(pa, pz);
                let village_index = b.village_at(mid);
                let village = &city.villages[village_index];
                if rng.chance(DROP_SHARE) {
                    if rng.chance(FOOTPATH_SHARE) {
                        b.way(vec![from, to], &[("highway", "footway")]);
                    }
                    continue;
                }
                let far = dist(village.centre, mid) > TRACK_BEYOND_M;
                let pocket = pockets
                    .iter()
                    .any(|i| city.villages[*i].code == village.code);
                let class = if far || pocket {
                    "track"
                } else {
                    "residential"
                };
                let line = if horizontal { r } else { c };
                let name = b.names.local(horizontal, line, village_index);
                if class == "residential" && horizontal && village.district == ONE_WAY_DISTRICT {
                    // Alternate rows run east and west.
                    let refs = if r % 2 == 0 {
                        vec![from, to]
                    } else {
                        vec![to, from]
                    };
                    b.way(
                        refs,
                        &[("highway", class), ("oneway", "yes"), ("name", &name)],
                    );
                } else if class == "residential" {
                    b.way(vec![from, to], &[("highway", class), ("name", &name)]);
                } else {
                    b.way(vec![from, to], &[("highway", class)]);
                }
            }
        }
    }
    grid.into_iter().flatten().collect()
}

/// Main roads between natural neighbours (Gabriel graph of the centres), classed
/// by the shortest tree joining them and by kecamatan, joined to the grid.
fn main_roads(b: &mut Builder, grid: &[i64]) {
    let villages = &b.city.villages;
    let count = villages.len();
    let mut pairs = Vec::new();
    for i in 0..count {
        for j in i + 1..count {
            let (from, to) = (villages[i].centre, villages[j].centre);
            let mid = midpoint(from, to);
            let radius = dist(from, to) / 2.0;
            let gabriel =
                (0..count).all(|k| k == i || k == j || dist(villages[k].centre, mid) >= radius);
            if gabriel && b.on_land(from, to) {
                pairs.push((dist(from, to), i, j));
            }
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Kruskal: the shortest tree over the pairs is the primary network.
    let mut parent: Vec<usize> = (0..count).collect();
    let centres: Vec<i64> = villages.iter().map(|v| b.node(v.centre)).collect();
    for &(len, i, j) in &pairs {
        let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
        let class = if ri != rj {
            parent[ri] = rj;
            "primary"
        } else if villages[i].district == villages[j].district {
            "tertiary"
        } else {
            "secondary"
        };
        let steps = (len / MAIN_STEP_M).ceil().max(1.0) as usize;
        let (from, to) = (villages[i].centre, villages[j].centre);
        let mut refs = vec![centres[i]];
        for step in 1..steps {
            let share = step as f64 / steps as f64;
            let p = [
                from[0] + share * (to[0] - from[0]),
                from[1] + share * (to[1] - from[1]),
            ];
            let id = b.node(p);
            refs.push(id);
            join(b, grid, id, p, JOIN_M);
        }
        refs.push(centres[j]);
        let name = b.names.main(class, i, j);
        b.way(refs, &[("highway", class), ("name", &name)]);
    }
    for (i, village) in villages.iter().enumerate() {
        join(b, grid, centres[i], village.centre, CENTRE_JOIN_M);
    }
}

/// A residential link from node `id` at `p` to the nearest grid node, when within
/// `max_m` metres.
fn join(b: &mut Builder, grid: &[i64], id: i64, p: P, max_m: f64) {
    let nearest = grid
        .iter()
        .map(|g| (*g, dist(b.points[*g as usize - 1], p)))
        .min_by(|x, y| x.1.total_cmp(&y.1));
    if let Some((g, d)) = nearest
        && d <= max_m
        && b.on_land(p, b.points[g as usize - 1])
    {
        b.way(vec![id, g], &[("highway", "residential")]);
    }
}
