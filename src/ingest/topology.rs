//! Whether a villages layer tiles the city: overlaps between villages and gaps
//! between them, each with its area.
//!
//! Village figures are only comparable when every home is counted in exactly one
//! village. Two boundaries that overlap count the homes in between twice (sigap
//! gives them to the smaller code, which hides the problem); a gap counts them in
//! none. Both usually come from boundaries digitised separately. They are reported
//! at import, not refused: the planner decides whether the official boundaries are
//! wrong or the file is.
//!
//! Steps of [`survey`]: index the boundaries' bounding boxes (rstar); intersect every
//! pair whose boxes meet (`i_overlay` through geo's `BooleanOps`) and keep overlaps
//! of at least [`MIN_OVERLAP_M2`]; union all boundaries and keep each hole of the
//! union of at least [`MIN_GAP_M2`] and smaller than the largest village (a larger
//! hole is a lake or another city, not a gap).
//!
//! # Units
//! Boundaries are WGS84 degrees; areas are square metres in a local frame
//! ([`super::boundary::Frame`]); a gap's position is WGS84 degrees.

use super::boundary::{area_m2, ha};
use crate::index::boxes::BoxIndex;
use crate::model::Village;
use geo::orient::{Direction, Orient};
use geo::{BooleanOps, BoundingRect, InteriorPoint, MultiPolygon, Point, Polygon, unary_union};
use rayon::prelude::*;
use std::fmt;

/// Overlaps smaller than this (square metres) are rounding along shared borders.
pub const MIN_OVERLAP_M2: f64 = 100.0;
/// Gaps smaller than this (square metres) are rounding along shared borders.
pub const MIN_GAP_M2: f64 = 100.0;

/// Two villages whose boundaries overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    /// The smaller Kemendagri code of the two.
    pub a: String,
    pub b: String,
    /// # Units
    /// Square metres.
    pub area_m2: f64,
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "villages {} and {} overlap by {}",
            self.a,
            self.b,
            ha(self.area_m2)
        )
    }
}

/// A hole in the union of all villages: land inside the city in no village.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// # Units
    /// Square metres.
    pub area_m2: f64,
    /// A point inside the gap.
    ///
    /// # Units
    /// WGS84 degrees (`x = lon`, `y = lat`).
    pub near: Point<f64>,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gap of {} near {:.5},{:.5}",
            ha(self.area_m2),
            self.near.x(),
            self.near.y()
        )
    }
}

/// What [`survey`] found; both lists empty when the villages tile the city.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Topology {
    /// By first code, then second.
    pub overlaps: Vec<Overlap>,
    /// Largest first.
    pub gaps: Vec<Gap>,
}

impl Topology {
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.overlaps.is_empty() && self.gaps.is_empty()
    }
}

/// Finds the overlaps and gaps between `villages` (valid boundaries).
///
/// # Units
/// WGS84 degrees in; see [`Overlap`] and [`Gap`] for what comes out.
#[must_use]
pub fn survey(villages: &[Village]) -> Topology {
    let shapes: Vec<MultiPolygon<f64>> = villages
        .iter()
        .map(|v| v.boundary.orient(Direction::Default))
        .collect();
    Topology {
        overlaps: overlaps(villages, &shapes),
        gaps: gaps(&shapes),
    }
}

fn overlaps(villages: &[Village], shapes: &[MultiPolygon<f64>]) -> Vec<Overlap> {
    let boxes = BoxIndex::new(shapes);
    let mut found: Vec<Overlap> = (0..shapes.len())
        .into_par_iter()
        .filter_map(|i| shapes[i].bounding_rect().map(|r| (i, r)))
        .flat_map_iter(|(i, r)| {
            boxes
                .intersecting(r)
                .filter(move |&j| j > i)
                .filter_map(move |j| {
                    let area = area_m2(&shapes[i].intersection(&shapes[j]));
                    (area >= MIN_OVERLAP_M2).then(|| {
                        let (a, b) = (&villages[i].code, &villages[j].code);
                        let (a, b) = if a <= b { (a, b) } else { (b, a) };
                        Overlap {
                            a: a.clone(),
                            b: b.clone(),
                            area_m2: area,
                        }
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    found.sort_by(|x, y| x.a.cmp(&y.a).then_with(|| x.b.cmp(&y.b)));
    found
}

fn gaps(shapes: &[MultiPolygon<f64>]) -> Vec<Gap> {
    let largest = shapes.iter().map(area_m2).fold(0.0, f64::max);
    let union = unary_union(shapes);
    let mut found: Vec<Gap> = union
        .iter()
        .flat_map(|p| p.interiors().iter())
        .filter_map(|ring| {
            let hole = Polygon::new(ring.clone(), vec![]);
            let area = area_m2(&MultiPolygon(vec![hole.clone()]));
            if !(MIN_GAP_M2..largest).contains(&area) {
                return None;
            }
            Some(Gap {
                area_m2: area,
                near: hole.interior_point()?,
            })
        })
        .collect();
    found.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, GeodesicArea, LineString};

    /// A village from a ring of (x, y) in hundredths of a degree east of 122.5°E and
    /// north of 4°S.
    fn village(code: &str, ring: &[(f64, f64)]) -> Village {
        let coords: Vec<(f64, f64)> = ring
            .iter()
            .map(|&(x, y)| (122.5 + x / 100.0, -4.0 + y / 100.0))
            .collect();
        Village {
            code: code.into(),
            name: code.into(),
            district: "d".into(),
            boundary: MultiPolygon(vec![Polygon::new(LineString::from(coords), vec![])]),
        }
    }

    fn rect(code: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Village {
        village(code, &[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    }

    fn geodesic(v: &Village) -> f64 {
        v.boundary.geodesic_area_unsigned()
    }

    #[test]
    #[expect(clippy::many_single_char_names, reason = "villages a, b, c")]
    fn two_villages_overlapping_by_a_known_area() {
        // 2 x 2 squares overlapping in a 0.5 x 2 strip (0.005° x 0.02°), plus a third
        // village touching the second along an edge.
        let a = rect("7471011001", 0.0, 0.0, 2.0, 2.0);
        let b = rect("7471011002", 1.5, 0.0, 3.5, 2.0);
        let c = rect("7471011003", 3.5, 0.0, 5.0, 2.0);
        let strip = rect("x", 1.5, 0.0, 2.0, 2.0);
        let t = survey(&[b.clone(), a, c]);
        assert_eq!(t.overlaps.len(), 1, "{t:?}");
        let o = &t.overlaps[0];
        assert_eq!((o.a.as_str(), o.b.as_str()), ("7471011001", "7471011002"));
        let expected = geodesic(&strip);
        assert!(
            (o.area_m2 - expected).abs() < 0.01 * expected,
            "{} vs {expected}",
            o.area_m2
        );
        assert!(
            o.to_string()
                .starts_with("villages 7471011001 and 7471011002 overlap by 122."),
            "{o}"
        );
        assert!(t.gaps.is_empty(), "{t:?}");
    }

    #[test]
    fn a_known_gap_between_three_villages() {
        // A: the left column; B: the top right; C: an L around the bottom right. The
        // unit square (1..2, 1..2) is enclosed by all three and in none.
        let a = rect("7471011001", 0.0, 0.0, 1.0, 3.0);
        let b = rect("7471011002", 1.0, 2.0, 3.0, 3.0);
        let c = village(
            "7471011003",
            &[
                (1.0, 0.0),
                (3.0, 0.0),
                (3.0, 2.0),
                (2.0, 2.0),
                (2.0, 1.0),
                (1.0, 1.0),
                (1.0, 0.0),
            ],
        );
        let hole = rect("x", 1.0, 1.0, 2.0, 2.0);
        let t = survey(&[a, b, c]);
        assert!(t.overlaps.is_empty(), "{t:?}");
        assert_eq!(t.gaps.len(), 1, "{t:?}");
        let gap = &t.gaps[0];
        let expected = geodesic(&hole);
        assert!(
            (gap.area_m2 - expected).abs() < 0.01 * expected,
            "{} vs {expected}",
            gap.area_m2
        );
        assert!(hole.boundary.contains(&gap.near), "{gap}");
        assert!(gap.to_string().starts_with("gap of 122."), "{gap}");
    }

    #[test]
    fn open_bays_and_slivers_are_not_gaps() {
        // Two villages with a notch (2..3, 1..2) that opens to the outside.
        let a = rect("7471011001", 0.0, 0.0, 1.0, 3.0);
        let b = village(
            "7471011002",
            &[
                (1.0, 0.0),
                (3.0, 0.0),
                (3.0, 1.0),
                (2.0, 1.0),
                (2.0, 2.0),
                (3.0, 2.0),
                (3.0, 3.0),
                (1.0, 3.0),
                (1.0, 0.0),
            ],
        );
        assert!(survey(&[a.clone(), b]).is_clean());
        // A neighbour 1e-7° (about 1 cm) off the shared border overlaps by ~3 m².
        let c = rect("7471011003", 1.0 - 1e-5, 0.0, 2.0, 3.0);
        assert!(survey(&[a, c]).is_clean());
    }
}
