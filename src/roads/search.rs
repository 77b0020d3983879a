//! Snapping points to the road and shortest travel times (Dijkstra).
//!
//! A point joins the network at the nearest point of the nearest segment open to the
//! mode (measured in a local metric frame), walking the gap off-road at
//! `offroad_kmh`. From there it may drive to either end of the segment the segment's
//! one-way rules allow, for the matching fraction of the segment's time. A trip is
//! off-road walk + road + off-road walk; two points on the same segment may also go
//! straight along it.

use super::Roads;
use super::graph::{Edge, ModeGraph};
use super::profile::Mode;
use rstar::PointDistance;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where a point meets the road network of one mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Snap {
    /// The segment (index into the network's segments).
    pub segment: u32,
    /// Position along it, 0 at node `a`, 1 at node `b`.
    pub t: f64,
    /// The node when the point is at one (`t` 0 or 1).
    pub node: Option<u32>,
    /// `[lon, lat]` of the road point.
    pub point: [f64; 2],
    /// Metres from the point to the road point.
    pub offroad_m: f64,
}

/// A trip between two points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trip {
    pub mode: Mode,
    /// Seconds, off-road walking included.
    pub secs: f64,
    /// Metres, off-road walking included.
    pub metres: f64,
    /// Metres walked off-road at both ends.
    pub offroad_m: f64,
    /// `[lon, lat]` from the origin to the destination along the roads.
    pub path: Vec<[f64; 2]>,
}

/// A point this close to a node (metres) is at the node.
const AT_NODE_M: f64 = 0.01;

/// A node label of the priority queue, ordered by time (smallest first).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Label(f64, u32);

impl Eq for Label {}
impl Ord for Label {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}
impl PartialOrd for Label {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A node reached at the start: `(node, seconds, metres)`.
type Seed = (u32, f64, f64);

/// Ends a search early: called with the time of the node about to be settled.
type Stop<'a> = &'a dyn Fn(f64, &Tree) -> bool;

/// Shortest times from seeds over `graph`'s forward (or reverse) edges.
pub(super) struct Tree {
    pub(super) secs: Vec<f64>,
    pub(super) metres: Vec<f64>,
    /// The edge each node was reached by (`u32::MAX` for seeds and unreached).
    parent: Vec<(u32, u32)>,
}

impl Tree {
    fn grow(
        graph: &ModeGraph,
        n: usize,
        seeds: &[Seed],
        reverse: bool,
        stop: Option<Stop>,
    ) -> Tree {
        let adj = if reverse {
            &graph.reverse
        } else {
            &graph.forward
        };
        let mut tree = Tree {
            secs: vec![f64::INFINITY; n],
            metres: vec![f64::INFINITY; n],
            parent: vec![(u32::MAX, u32::MAX); n],
        };
        let mut heap = BinaryHeap::new();
        for &(v, s, m) in seeds {
            if s < tree.secs[v as usize] {
                tree.secs[v as usize] = s;
                tree.metres[v as usize] = m;
                heap.push(Label(s, v));
            }
        }
        while let Some(Label(s, v)) = heap.pop() {
            if s > tree.secs[v as usize] {
                continue;
            }
            if let Some(stop) = stop
                && stop(s, &tree)
            {
                break;
            }
            let m = tree.metres[v as usize];
            for &Edge {
                to,
                secs,
                metres,
                segment,
            } in adj.out(v)
            {
                let ns = s + secs;
                if ns < tree.secs[to as usize] {
                    tree.secs[to as usize] = ns;
                    tree.metres[to as usize] = m + metres;
                    tree.parent[to as usize] = (v, segment);
                    heap.push(Label(ns, to));
                }
            }
        }
        tree
    }

    /// Nodes from a seed to `v` (seed first).
    fn nodes_to(&self, v: u32) -> Vec<u32> {
        let mut out = vec![v];
        let mut at = v;
        while let Some(&(p, _)) = self.parent.get(at as usize).filter(|p| p.0 != u32::MAX) {
            out.push(p);
            at = p;
        }
        out.reverse();
        out
    }
}

/// A point snapped exactly onto a node is at that node, whatever the direction of
/// the segment the snap happened to pick among the node's segments.
fn at_node(snap: &Snap, out: &mut Vec<Seed>) {
    if let Some(node) = snap.node {
        out.push((node, 0.0, 0.0));
    }
}

impl Roads {
    /// The nearest road point open to `mode`, or `None` when the mode has no road.
    #[must_use]
    pub fn snap(&self, mode: Mode, lonlat: [f64; 2]) -> Option<Snap> {
        let graph = self.graph(mode);
        let here = graph.frame.to_local(lonlat);
        let line = graph.snap.nearest_neighbor(here)?;
        let (start, end) = (line.geom().from, line.geom().to);
        let dir = [end[0] - start[0], end[1] - start[1]];
        let len = dir[0].hypot(dir[1]);
        // Metres from `start` to the foot of the perpendicular, on the segment.
        let along = if len > 0.0 {
            (((here[0] - start[0]) * dir[0] + (here[1] - start[1]) * dir[1]) / len).clamp(0.0, len)
        } else {
            0.0
        };
        let seg = &self.network.segments[line.data as usize];
        // Within a centimetre of a node is at the node (coordinates read by other
        // software differ in the last bits), with the node's exact position.
        let (t, node, point) = if along < AT_NODE_M {
            (0.0, Some(seg.a), self.network.nodes[seg.a as usize])
        } else if len - along < AT_NODE_M {
            (1.0, Some(seg.b), self.network.nodes[seg.b as usize])
        } else {
            let t = along / len;
            let p = [start[0] + t * dir[0], start[1] + t * dir[1]];
            (t, None, graph.frame.to_lonlat(p))
        };
        Some(Snap {
            segment: line.data,
            t,
            node,
            point,
            offroad_m: line.geom().distance_2(&here).sqrt(),
        })
    }

    fn offroad_secs(&self, metres: f64) -> f64 {
        metres / (self.speeds.offroad_kmh / 3.6)
    }

    /// The ends of the segment at `snap` a trip can use: leaving (`arriving` false),
    /// the nodes it reaches first; arriving, the nodes it comes from; each with the
    /// time and metres between the node and the road point (off-road walk not
    /// included).
    fn ends(&self, g: &ModeGraph, snap: &Snap, arriving: bool) -> Vec<Seed> {
        let i = snap.segment as usize;
        let s = &self.network.segments[i];
        let (secs, metres) = (self.length(i) / g.speed[i], self.length(i));
        let (ab, ba) = g.segment_open(i);
        // Leaving, a->b takes the trip to b; arriving, a->b brings it from a.
        let (with, against) = if arriving { (s.a, s.b) } else { (s.b, s.a) };
        let (share_with, share_against) = if arriving {
            (snap.t, 1.0 - snap.t)
        } else {
            (1.0 - snap.t, snap.t)
        };
        let mut out = Vec::with_capacity(3);
        if ab {
            out.push((with, share_with * secs, share_with * metres));
        }
        if ba {
            out.push((against, share_against * secs, share_against * metres));
        }
        at_node(snap, &mut out);
        out
    }

    /// Straight along one segment from `from` to `to`, when both lie on it and its
    /// direction allows: `(seconds, metres)`.
    fn along(&self, g: &ModeGraph, from: &Snap, to: &Snap) -> Option<(f64, f64)> {
        if from.segment != to.segment {
            return None;
        }
        let i = from.segment as usize;
        let (ab, ba) = g.segment_open(i);
        let dt = to.t - from.t;
        ((dt >= 0.0 && ab) || (dt <= 0.0 && ba)).then(|| {
            let m = dt.abs() * self.length(i);
            (m / g.speed[i], m)
        })
    }

    /// The fastest trip from `from` to `to` (`[lon, lat]`), or `None` when the mode
    /// has no road.
    #[must_use]
    pub fn trip(&self, mode: Mode, from: [f64; 2], to: [f64; 2]) -> Option<Trip> {
        let g = self.graph(mode);
        let (o, d) = (self.snap(mode, from)?, self.snap(mode, to)?);
        let offroad = o.offroad_m + d.offroad_m;
        let ends = self.ends(g, &d, true);
        // Best arrival through the network, found when the queue passes it.
        let best = std::cell::Cell::new(f64::INFINITY);
        let stop = |s: f64, tree: &Tree| {
            for &(v, es, _) in &ends {
                let total = tree.secs[v as usize] + es;
                if total < best.get() {
                    best.set(total);
                }
            }
            s >= best.get()
        };
        let tree = Tree::grow(
            g,
            self.network.nodes.len(),
            &self.ends(g, &o, false),
            false,
            Some(&stop),
        );
        let via = ends
            .iter()
            .map(|&(v, es, em)| {
                (
                    tree.secs[v as usize] + es,
                    tree.metres[v as usize] + em,
                    Some(v),
                )
            })
            .chain(self.along(g, &o, &d).map(|(s, m)| (s, m, None)))
            .filter(|x| x.0.is_finite())
            .min_by(|x, y| x.0.total_cmp(&y.0))?;
        let mut path = vec![from, o.point];
        if let Some(v) = via.2 {
            path.extend(
                tree.nodes_to(v)
                    .iter()
                    .map(|n| self.network.nodes[*n as usize]),
            );
        }
        path.extend([d.point, to]);
        path.dedup();
        Some(Trip {
            mode,
            secs: via.0 + self.offroad_secs(offroad),
            metres: via.1 + offroad,
            offroad_m: offroad,
            path,
        })
    }

    /// Travel to the nearest of `targets` (e.g. every puskesmas): one search
    /// backwards from all of them, then any number of [`Catchment::from`] queries.
    #[must_use]
    pub fn catchment(&self, mode: Mode, targets: &[[f64; 2]]) -> Catchment<'_> {
        let g = self.graph(mode);
        let snaps: Vec<Snap> = targets.iter().filter_map(|t| self.snap(mode, *t)).collect();
        let seeds: Vec<Seed> = snaps
            .iter()
            .flat_map(|s| {
                let walk = self.offroad_secs(s.offroad_m);
                self.ends(g, s, true)
                    .into_iter()
                    .map(move |(v, es, em)| (v, es + walk, em + s.offroad_m))
            })
            .collect();
        let tree = Tree::grow(g, self.network.nodes.len(), &seeds, true, None);
        Catchment {
            roads: self,
            mode,
            snaps,
            tree,
        }
    }

    /// Every trip from `from`: one search, then any number of [`Reach::to`] queries.
    /// `None` when the mode has no road.
    #[must_use]
    pub fn reach(&self, mode: Mode, from: [f64; 2]) -> Option<Reach<'_>> {
        let g = self.graph(mode);
        let origin = self.snap(mode, from)?;
        let tree = Tree::grow(
            g,
            self.network.nodes.len(),
            &self.ends(g, &origin, false),
            false,
            None,
        );
        Some(Reach {
            roads: self,
            mode,
            origin,
            tree,
        })
    }

    /// A travel-time matrix between `points` (seconds; `INFINITY` when unreachable,
    /// 0 on the diagonal), one search per row.
    #[must_use]
    pub fn matrix(&self, mode: Mode, points: &[[f64; 2]]) -> Vec<Vec<f64>> {
        let snaps: Vec<Option<Snap>> = points.iter().map(|p| self.snap(mode, *p)).collect();
        points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let Some(reach) = self.reach(mode, *p) else {
                    return vec![f64::INFINITY; points.len()];
                };
                snaps
                    .iter()
                    .enumerate()
                    .map(|(j, d)| match d {
                        _ if i == j => 0.0,
                        Some(d) => reach.to(d),
                        None => f64::INFINITY,
                    })
                    .collect()
            })
            .collect()
    }
}

/// Shortest times to the nearest of a set of targets; see [`Roads::catchment`].
pub struct Catchment<'r> {
    roads: &'r Roads,
    mode: Mode,
    snaps: Vec<Snap>,
    tree: Tree,
}

impl Catchment<'_> {
    /// Seconds and metres from `point` to the nearest target, off-road walking at
    /// both ends included; `None` without a road or a target.
    #[must_use]
    pub fn from(&self, point: [f64; 2]) -> Option<(f64, f64)> {
        let roads = self.roads;
        let g = roads.graph(self.mode);
        let o = roads.snap(self.mode, point)?;
        let network = roads.ends(g, &o, false).into_iter().map(|(v, s, m)| {
            (
                s + self.tree.secs[v as usize],
                m + self.tree.metres[v as usize],
            )
        });
        let direct = self.snaps.iter().filter_map(|t| {
            roads
                .along(g, &o, t)
                .map(|(s, m)| (s + roads.offroad_secs(t.offroad_m), m + t.offroad_m))
        });
        network
            .chain(direct)
            .filter(|x| x.0.is_finite())
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(s, m)| (s + roads.offroad_secs(o.offroad_m), m + o.offroad_m))
    }
}

/// Shortest times from one point; see [`Roads::reach`].
pub struct Reach<'r> {
    roads: &'r Roads,
    mode: Mode,
    origin: Snap,
    tree: Tree,
}

impl Reach<'_> {
    /// Seconds to `dest` (a [`Roads::snap`] of the same mode), off-road walking at
    /// both ends included; `INFINITY` when unreachable.
    #[must_use]
    pub fn to(&self, dest: &Snap) -> f64 {
        let roads = self.roads;
        let g = roads.graph(self.mode);
        let network = roads
            .ends(g, dest, true)
            .into_iter()
            .map(|(v, es, _)| self.tree.secs[v as usize] + es);
        let direct = roads.along(g, &self.origin, dest).map(|x| x.0);
        network.chain(direct).fold(f64::INFINITY, f64::min)
            + roads.offroad_secs(self.origin.offroad_m + dest.offroad_m)
    }
}
