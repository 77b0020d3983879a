//! Where the rings of a MultiPolygon meet, found with one sweep over their segments.
//!
//! geo's `Validation` looks for a ring's self-intersection by testing every pair of
//! its segments, which takes minutes on a finely digitised village of a million
//! vertices. Two segments can only meet if their x-ranges overlap, so sorting the
//! segments by their left end and comparing each with the segments that start before
//! it ends finds every meeting pair while comparing only neighbours: a vertical line
//! crosses a boundary a few times, so a segment overlaps a few others in x, and the
//! sweep costs O(n log n) plus the number of pairs overlapping in x. (That number is
//! large only for a boundary running back and forth across the same band of
//! longitudes many times, like a comb with long teeth; no proper Bentley–Ottmann
//! status tree is kept for that case.)
//!
//! Each candidate pair is judged with geo's own predicate (`Intersects` on two
//! `Line`s, robust orientation tests), so nothing is approximated: two segments of
//! one ring are a self-intersection when they meet and neither ends where the other
//! starts (the rule of geo's `linestring_has_self_intersection`); two segments of
//! different rings meeting anywhere put the two rings in contact. geo's own sweep
//! (`sweep::Intersections`) computes the intersection point of every pair overlapping
//! in x; comparing y-ranges first and stopping at the first contact of a pair of rings
//! is cheaper, and the verdict is geo's predicate itself.
//!
//! # Units
//! Any planar coordinates (WGS84 degrees here), finite: nothing is measured, only
//! compared.

use geo::{Intersects, Line, MultiPolygon};
use std::collections::HashSet;

/// Where the rings of a MultiPolygon meet. Rings are named by their polygon's
/// position and their position in it (0 the exterior, 1.. the holes).
#[derive(Debug, Clone)]
pub struct Contacts {
    /// Per ring, in polygon order, exterior first: whether it meets itself.
    crossed: Vec<bool>,
    /// Pairs of rings (by number, lower first) that touch or cross.
    touching: HashSet<(usize, usize)>,
    /// Pairs of polygons (lower first) with rings that touch or cross.
    polygons: HashSet<(usize, usize)>,
    /// Per polygon, the number of its exterior ring.
    first: Vec<usize>,
}

/// One segment of a ring and the ring's number.
struct Segment {
    line: Line<f64>,
    ring: usize,
}

impl Segment {
    fn left(&self) -> f64 {
        self.line.start.x.min(self.line.end.x)
    }

    fn right(&self) -> f64 {
        self.line.start.x.max(self.line.end.x)
    }

    fn overlaps_in_y(&self, other: &Segment) -> bool {
        let (a, b) = (&self.line, &other.line);
        a.start.y.min(a.end.y) <= b.start.y.max(b.end.y)
            && b.start.y.min(b.end.y) <= a.start.y.max(a.end.y)
    }
}

/// Whether two segments share a point, asked both ways as geo's validation does.
fn meet(a: &Line<f64>, b: &Line<f64>) -> bool {
    a.intersects(b) || b.intersects(a)
}

impl Contacts {
    /// Sweeps every segment of `shape` once.
    ///
    /// # Units
    /// Any planar coordinates; they must be finite (a NaN breaks the sort order).
    #[must_use]
    pub fn find(shape: &MultiPolygon<f64>) -> Self {
        let mut first = Vec::with_capacity(shape.0.len());
        let mut segments = Vec::new();
        let mut rings = 0;
        for polygon in shape {
            first.push(rings);
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                segments.extend(ring.lines().map(|line| Segment { line, ring: rings }));
                rings += 1;
            }
        }
        segments.sort_unstable_by(|a, b| a.left().total_cmp(&b.left()));
        let mut crossed = vec![false; rings];
        let mut touching = HashSet::new();
        for (k, a) in segments.iter().enumerate() {
            let right = a.right();
            for b in &segments[k + 1..] {
                if b.left() > right {
                    break;
                }
                if !a.overlaps_in_y(b) {
                    continue;
                }
                let (l, m) = (&a.line, &b.line);
                if a.ring == b.ring {
                    if !crossed[a.ring] && l.start != m.end && l.end != m.start && meet(l, m) {
                        crossed[a.ring] = true;
                    }
                } else {
                    let pair = (a.ring.min(b.ring), a.ring.max(b.ring));
                    if !touching.contains(&pair) && meet(l, m) {
                        touching.insert(pair);
                    }
                }
            }
        }
        let polygon_of = |ring: usize| first.partition_point(|&f| f <= ring) - 1;
        let polygons = touching
            .iter()
            .map(|&(a, b)| (polygon_of(a), polygon_of(b)))
            .filter(|(a, b)| a != b)
            .collect();
        Self {
            crossed,
            touching,
            polygons,
            first,
        }
    }

    /// Whether ring `ring` of polygon `polygon` meets itself other than where
    /// consecutive segments join.
    #[must_use]
    pub fn crossed(&self, polygon: usize, ring: usize) -> bool {
        self.crossed[self.first[polygon] + ring]
    }

    /// Whether rings `a` and `b` of polygon `polygon` share a point.
    #[must_use]
    pub fn rings_touch(&self, polygon: usize, a: usize, b: usize) -> bool {
        let (a, b) = (self.first[polygon] + a, self.first[polygon] + b);
        self.touching.contains(&(a.min(b), a.max(b)))
    }

    /// Whether any ring of polygon `a` shares a point with any ring of polygon `b`.
    #[must_use]
    pub fn polygons_touch(&self, a: usize, b: usize) -> bool {
        self.polygons.contains(&(a.min(b), a.max(b)))
    }
}
