//! The first problem geo's `Validation` finds in a village boundary, in about
//! O(n log n) time instead of O(n²).
//!
//! geo 0.33 tests every pair of a ring's segments for a self-intersection, so a
//! village of 100,000 vertices takes a minute to check and one of a million does not
//! finish an import. The answer must stay geo's (the import refuses or repairs on it,
//! and the message names geo's problem), so this module asks the same questions in
//! the same order and returns geo's own [`InvalidMultiPolygon`]; only the way each
//! question is answered changes:
//!
//! - too few points: the same count of distinct consecutive points;
//! - self-intersection: one sweep over all segments ([`Contacts`]) with geo's
//!   segment predicate;
//! - a hole outside the exterior, holes inside each other, parts overlapping: when
//!   the sweep found that the two rings (or the two parts' rings) never meet, one
//!   containment test of a single vertex decides it, since rings that do not meet
//!   are nested or apart; when they meet, geo's `relate` answers, as in geo.
//!
//! That containment test walks the enclosing ring once, so a polygon with h holes
//! costs O(h·n) more; villages have a handful of holes, not thousands.
//!
//! Coordinates that are not finite go to geo's `Validation` itself (the sweep needs
//! an order); `read` refuses them earlier, so that path is only for completeness.
//!
//! # Units
//! Any planar coordinates (WGS84 degrees for boundaries).

use super::contacts::Contacts;
use geo::algorithm::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
use geo::algorithm::validation::{GeometryIndex, InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::dimensions::Dimensions;
use geo::{
    BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon, PreparedGeometry, Rect,
    Relate, Validation,
};

/// The first problem geo's `Validation` would report for `shape`, or `None` when it
/// is valid.
///
/// # Units
/// Any planar coordinates (WGS84 degrees for boundaries).
///
/// # Example
/// ```ignore
/// let bow_tie = wkt!(MULTIPOLYGON(((0. 0., 2. 2., 2. 0., 0. 2., 0. 0.))));
/// assert_eq!(
///     first_problem(&bow_tie).map(|p| p.to_string()).as_deref(),
///     Some("polygon at index 0 is invalid: exterior ring has a self-intersection")
/// );
/// ```
#[must_use]
pub fn first_problem(shape: &MultiPolygon<f64>) -> Option<InvalidMultiPolygon> {
    let finite = |c: &Coord<f64>| c.x.is_finite() && c.y.is_finite();
    if !shape
        .iter()
        .all(|p| rings(p).all(|r| r.0.iter().all(finite)))
    {
        return shape.check_validation().err();
    }
    let contacts = Contacts::find(shape);
    let own: Vec<Option<InvalidPolygon>> = shape
        .iter()
        .enumerate()
        .map(|(i, p)| polygon_problem(p, i, &contacts))
        .collect();
    let boxes: Vec<Option<Rect<f64>>> = shape.iter().map(BoundingRect::bounding_rect).collect();
    for (i, p) in shape.iter().enumerate() {
        if let Some(problem) = own[i].clone() {
            return Some(InvalidMultiPolygon::InvalidPolygon(
                GeometryIndex(i),
                problem,
            ));
        }
        for (j, q) in shape.iter().enumerate().skip(i + 1) {
            let (Some(a), Some(b)) = (boxes[i], boxes[j]) else {
                continue;
            };
            if !a.intersects(&b) {
                continue;
            }
            let (overlap, on_line) = if own[j].is_none() && !contacts.polygons_touch(i, j) {
                (
                    covers(p, first(q.exterior())) || covers(q, first(p.exterior())),
                    false,
                )
            } else {
                let m = p.relate(q);
                (
                    m.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional,
                    m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional,
                )
            };
            if overlap {
                return Some(InvalidMultiPolygon::ElementsOverlaps(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
            if on_line {
                return Some(InvalidMultiPolygon::ElementsTouchOnALine(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
        }
    }
    None
}

/// The exterior, then the holes.
fn rings(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

fn role(ring: usize) -> RingRole {
    ring.checked_sub(1)
        .map_or(RingRole::Exterior, RingRole::Interior)
}

/// A vertex of `ring`, which is not empty here (empty rings and polygons are passed
/// over before).
fn first(ring: &LineString<f64>) -> Coord<f64> {
    ring.0.first().copied().unwrap_or(Coord { x: 0.0, y: 0.0 })
}

/// Whether `c`, which is on none of `p`'s rings, is inside `p` (inside its exterior
/// and in none of its holes).
fn covers(p: &Polygon<f64>, c: Coord<f64>) -> bool {
    inside(c, p.exterior()) && !p.interiors().iter().any(|h| inside(c, h))
}

fn inside(c: Coord<f64>, ring: &LineString<f64>) -> bool {
    coord_pos_relative_to_ring(c, ring) == CoordPos::Inside
}

/// Whether two rings that do not meet, with boxes `boxes`, enclose one another.
fn nested(
    a: &LineString<f64>,
    b: &LineString<f64>,
    boxes: (Option<Rect<f64>>, Option<Rect<f64>>),
) -> bool {
    match boxes {
        (Some(ra), Some(rb)) if ra.intersects(&rb) => inside(first(a), b) || inside(first(b), a),
        _ => false,
    }
}

/// The first problem of polygon number `index` on its own, in geo's order: each
/// ring's point count and self-intersection, then each hole against the exterior
/// and against the later holes.
fn polygon_problem(p: &Polygon<f64>, index: usize, contacts: &Contacts) -> Option<InvalidPolygon> {
    if p.exterior().0.is_empty() {
        return None;
    }
    for (r, ring) in rings(p).enumerate().filter(|(_, r)| !r.0.is_empty()) {
        let distinct = 1 + ring.0.windows(2).filter(|w| w[0] != w[1]).count();
        if distinct < 4 {
            return Some(InvalidPolygon::TooFewPointsInRing(role(r)));
        }
        if contacts.crossed(index, r) {
            return Some(InvalidPolygon::SelfIntersection(role(r)));
        }
    }
    let mut prepared_exterior = None;
    let holes = p.interiors();
    let boxes: Vec<Option<Rect<f64>>> = holes.iter().map(BoundingRect::bounding_rect).collect();
    for (h, hole) in holes.iter().enumerate().filter(|(_, h)| !h.0.is_empty()) {
        let this = RingRole::Interior(h);
        let hole_polygon = || Polygon::new(hole.clone(), vec![]);
        if contacts.rings_touch(index, 0, h + 1) {
            let e = prepared_exterior.get_or_insert_with(|| {
                PreparedGeometry::from(Polygon::new(p.exterior().clone(), vec![]))
            });
            let m = e.relate(&PreparedGeometry::from(hole_polygon()));
            if !m.is_contains() {
                return Some(InvalidPolygon::InteriorRingNotContainedInExteriorRing(this));
            }
            if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Some(InvalidPolygon::IntersectingRingsOnALine(
                    RingRole::Exterior,
                    this,
                ));
            }
        } else if !inside(first(hole), p.exterior()) {
            return Some(InvalidPolygon::InteriorRingNotContainedInExteriorRing(this));
        }
        for (k, other) in holes
            .iter()
            .enumerate()
            .skip(h + 1)
            .filter(|(_, o)| !o.0.is_empty())
        {
            let that = RingRole::Interior(k);
            if contacts.rings_touch(index, h + 1, k + 1) {
                let m = hole_polygon().relate(&Polygon::new(other.clone(), vec![]));
                if m.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                    return Some(InvalidPolygon::IntersectingRingsOnAnArea(this, that));
                }
                if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                    return Some(InvalidPolygon::IntersectingRingsOnALine(this, that));
                }
            } else if nested(hole, other, (boxes[h], boxes[k])) {
                return Some(InvalidPolygon::IntersectingRingsOnAnArea(this, that));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
