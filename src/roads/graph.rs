//! One travel mode's graph: directed edges over the segments open to it, cut to the
//! largest strongly connected component, as forward and reverse adjacency arrays,
//! with an R-tree of its segments for snapping.
//!
//! Why strongly connected: a point snapped to a piece of road that cannot be left
//! (an island of residential streets cut off at the extract's edge, a one-way stub)
//! would have no route. Keeping the largest component, and reporting what was cut,
//! guarantees every snapped point reaches every other.

use super::RoadNetwork;
use super::profile::{Mode, Speeds};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};
use serde::Serialize;

/// A directed edge of the adjacency arrays.
#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
    pub(super) to: u32,
    pub(super) secs: f64,
    pub(super) metres: f64,
    pub(super) segment: u32,
}

/// Compressed adjacency: the edges leaving node `v` are `edges[offsets[v]..offsets[v+1]]`.
#[derive(Debug, Default)]
pub(super) struct Adjacency {
    offsets: Vec<u32>,
    edges: Vec<Edge>,
}

impl Adjacency {
    fn build(nodes: usize, mut list: Vec<(u32, Edge)>) -> Adjacency {
        list.sort_by_key(|(from, e)| (*from, e.to, e.segment));
        let mut offsets = vec![0u32; nodes + 1];
        for (from, _) in &list {
            offsets[*from as usize + 1] += 1;
        }
        for i in 0..nodes {
            offsets[i + 1] += offsets[i];
        }
        Adjacency {
            offsets,
            edges: list.into_iter().map(|(_, e)| e).collect(),
        }
    }

    pub(super) fn out(&self, v: u32) -> &[Edge] {
        let v = v as usize;
        &self.edges[self.offsets[v] as usize..self.offsets[v + 1] as usize]
    }
}

/// A segment in a local metric frame, for nearest-segment queries.
pub(super) type SnapLine = GeomWithData<Line<[f64; 2]>, u32>;

/// An equirectangular frame around the network (metres east and north).
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    lon0: f64,
    lat0: f64,
    mx: f64,
    my: f64,
}

impl Frame {
    fn around(nodes: &[[f64; 2]]) -> Frame {
        let n = nodes.len().max(1) as f64;
        let lon0 = nodes.iter().map(|p| p[0]).sum::<f64>() / n;
        let lat0 = nodes.iter().map(|p| p[1]).sum::<f64>() / n;
        Frame {
            lon0,
            lat0,
            mx: 111_320.0 * lat0.to_radians().cos(),
            my: 110_574.0,
        }
    }

    pub(super) fn to_local(self, [lon, lat]: [f64; 2]) -> [f64; 2] {
        [(lon - self.lon0) * self.mx, (lat - self.lat0) * self.my]
    }

    pub(super) fn to_lonlat(self, [x, y]: [f64; 2]) -> [f64; 2] {
        [self.lon0 + x / self.mx, self.lat0 + y / self.my]
    }
}

/// What cutting to the largest component did, for one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ComponentReport {
    pub mode: Mode,
    /// Nodes touched by a segment open to the mode.
    pub nodes: usize,
    /// Nodes in the largest strongly connected component.
    pub kept_nodes: usize,
    /// Directed edges kept.
    pub kept_edges: usize,
    /// Strongly connected components other than the largest (cut off).
    pub other_components: usize,
}

/// One mode's graph; see the module doc.
#[derive(Debug)]
pub struct ModeGraph {
    pub(super) forward: Adjacency,
    pub(super) reverse: Adjacency,
    /// Per segment: bit 0 open a to b, bit 1 open b to a, within the component.
    open: Vec<u8>,
    pub(super) frame: Frame,
    pub(super) snap: RTree<SnapLine>,
    /// m/s per segment (0 when closed).
    pub(super) speed: Vec<f64>,
    pub report: ComponentReport,
}

impl ModeGraph {
    pub(super) fn build(
        network: &RoadNetwork,
        lengths: &[f64],
        speeds: &Speeds,
        mode: Mode,
    ) -> ModeGraph {
        let n = network.nodes.len();
        let speed: Vec<f64> = network
            .segments
            .iter()
            .map(|s| speeds.kmh(s.class, mode) / 3.6)
            .collect();
        // Every directed edge the tags and speeds allow.
        let mut all = Vec::new();
        let mut touched = vec![false; n];
        for (i, s) in network.segments.iter().enumerate() {
            if speed[i] <= 0.0 {
                continue;
            }
            let (ab, ba) = s.open(mode);
            let edge = |to: u32| Edge {
                to,
                secs: lengths[i] / speed[i],
                metres: lengths[i],
                segment: i as u32,
            };
            if ab {
                all.push((s.a, edge(s.b)));
            }
            if ba {
                all.push((s.b, edge(s.a)));
            }
            if ab || ba {
                touched[s.a as usize] = true;
                touched[s.b as usize] = true;
            }
        }
        let full = Adjacency::build(n, all);
        let (component, count) = strongly_connected(&full, n);
        // The largest component among touched nodes.
        let mut sizes = vec![0usize; count];
        for v in (0..n).filter(|&v| touched[v]) {
            sizes[component[v] as usize] += 1;
        }
        let largest = sizes
            .iter()
            .enumerate()
            .max_by_key(|(i, s)| (**s, std::cmp::Reverse(*i)))
            .map(|(i, _)| i as u32);
        let inside = |v: u32| Some(component[v as usize]) == largest && touched[v as usize];

        let mut forward = Vec::new();
        let mut reverse = Vec::new();
        let mut open = vec![0u8; network.segments.len()];
        for v in 0..n as u32 {
            if !inside(v) {
                continue;
            }
            for e in full.out(v) {
                if inside(e.to) {
                    forward.push((v, *e));
                    reverse.push((e.to, Edge { to: v, ..*e }));
                    let s = &network.segments[e.segment as usize];
                    open[e.segment as usize] |= if s.a == v { 1 } else { 2 };
                }
            }
        }
        let frame = Frame::around(&network.nodes);
        let lines = network
            .segments
            .iter()
            .enumerate()
            .filter(|(i, _)| open[*i] != 0)
            .map(|(i, s)| {
                let a = frame.to_local(network.nodes[s.a as usize]);
                let b = frame.to_local(network.nodes[s.b as usize]);
                SnapLine::new(Line::new(a, b), i as u32)
            })
            .collect();
        let report = ComponentReport {
            mode,
            nodes: touched.iter().filter(|t| **t).count(),
            kept_nodes: largest.map_or(0, |c| sizes[c as usize]),
            kept_edges: forward.len(),
            other_components: sizes.iter().filter(|s| **s > 0).count().saturating_sub(1),
        };
        ModeGraph {
            forward: Adjacency::build(n, forward),
            reverse: Adjacency::build(n, reverse),
            open,
            frame,
            snap: RTree::bulk_load(lines),
            speed,
            report,
        }
    }

    /// Whether segment `i` is open `(a to b, b to a)` inside the component.
    #[must_use]
    pub fn segment_open(&self, i: usize) -> (bool, bool) {
        let o = self.open.get(i).copied().unwrap_or(0);
        (o & 1 == 1, o & 2 == 2)
    }
}

/// Strongly connected components (Tarjan's algorithm, iterative): the component of
/// each node and the number of components.
fn strongly_connected(adj: &Adjacency, n: usize) -> (Vec<u32>, usize) {
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut next_index = 0u32;
    let mut count = 0usize;
    // (node, position in its edge list)
    let mut call: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        call.push((root, 0));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            let edges = adj.out(v);
            if *pos < edges.len() {
                let w = edges[*pos].to;
                *pos += 1;
                if index[w as usize] == NONE {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, 0));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    component[w as usize] = count as u32;
                    if w == v {
                        break;
                    }
                }
                count += 1;
            }
        }
    }
    (component, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adjacency(n: usize, edges: &[(u32, u32)]) -> Adjacency {
        Adjacency::build(
            n,
            edges
                .iter()
                .map(|&(a, b)| {
                    (
                        a,
                        Edge {
                            to: b,
                            secs: 1.0,
                            metres: 1.0,
                            segment: 0,
                        },
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn tarjan_finds_cycles_and_singletons() {
        // 0 -> 1 -> 2 -> 0 is one component; 2 -> 3 leaves it; 4 <-> 5 another.
        let adj = adjacency(6, &[(0, 1), (1, 2), (2, 0), (2, 3), (4, 5), (5, 4)]);
        let (c, count) = strongly_connected(&adj, 6);
        assert_eq!(count, 3);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert_ne!(c[3], c[0]);
        assert_eq!(c[4], c[5]);
        assert_ne!(c[4], c[0]);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000u32;
        let mut edges: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        edges.push((n - 1, 0));
        let (c, count) = strongly_connected(&adjacency(n as usize, &edges), n as usize);
        assert_eq!(count, 1);
        assert!(c.iter().all(|x| *x == c[0]));
    }
}
