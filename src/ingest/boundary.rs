//! Village boundaries as planners' GIS files give them: rings left open, rings that
//! cross themselves, parts that overlap. Each is closed, repaired or refused here,
//! so that what reaches the store is a valid MultiPolygon.
//!
//! A boundary digitised by hand often has a small twist where the pen went back
//! over a corner (a bow-tie), or a ring whose last point was never written. Both are
//! harmless to fix: closing a ring adds the edge everybody reads into it, and a
//! small twist is undone by the even-odd rule every GIS draws it with. A repair that
//! changes the area by more than [`MAX_REPAIR_CHANGE`] is not a repair but a guess,
//! so the feature is refused with the reason and the planner fixes it in a GIS.
//!
//! Steps of [`read`]: read the rings (closing open ones, refusing rings with fewer
//! than 4 positions and coordinates that are not finite degrees); check the
//! MultiPolygon by geo's `Validation` rules ([`validity::first_problem`]: geo's
//! answer without its quadratic self-intersection test); if invalid, rebuild each
//! part from its rings under the even-odd rule and union the parts (`i_overlay`
//! through geo's `BooleanOps`); accept the result if it is valid and its area is
//! within [`MAX_REPAIR_CHANGE`] of the rings' area.
//!
//! # Units
//! Coordinates are WGS84 degrees (`x = lon`, `y = lat`); areas are square metres in
//! a local equirectangular frame ([`Frame`]), exact to well under 0.1% over a city.

mod contacts;
mod validity;

use super::shape::describe;
use super::source::RawGeometry;
use geo::algorithm::bool_ops::{FillRule, OpType};
use geo::orient::{Direction, Orient};
use geo::{
    Area, BooleanOps, BoundingRect, Coord, LineString, MapCoords, MultiPolygon, Polygon, Rect,
    unary_union,
};

/// The largest share by which repairing a boundary may change its area.
pub const MAX_REPAIR_CHANGE: f64 = 0.01;
/// Square metres in a hectare.
pub const M2_PER_HA: f64 = 10_000.0;

/// A village boundary ready to store, and what was done to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// A valid MultiPolygon.
    ///
    /// # Units
    /// WGS84 degrees.
    pub shape: MultiPolygon<f64>,
    /// What was changed (rings closed, polygon repaired), for the import summary;
    /// `None` when the boundary was stored as written.
    pub repair: Option<String>,
}

/// Reads a village boundary from a Polygon or MultiPolygon, closing open rings and
/// repairing invalid polygons; the error says why the feature cannot be used.
///
/// # Units
/// WGS84 degrees in and out.
///
/// # Example
/// ```ignore
/// // A bow-tie with a small second lobe is repaired into two triangles.
/// let b = read(Some(&RawGeometry::Polygon(rings)))?;
/// assert!(b.repair.is_some());
/// ```
pub fn read(geometry: Option<&RawGeometry>) -> Result<Boundary, String> {
    let mut closed = Vec::new();
    let shape = match geometry {
        Some(RawGeometry::Polygon(rings)) => MultiPolygon(vec![polygon(rings, "", &mut closed)?]),
        Some(RawGeometry::MultiPolygon(parts)) if parts.is_empty() => {
            return Err("an empty MultiPolygon; a boundary is required".into());
        }
        Some(RawGeometry::MultiPolygon(parts)) => MultiPolygon(
            parts
                .iter()
                .enumerate()
                .map(|(i, rings)| polygon(rings, &format!("polygon {}, ", i + 1), &mut closed))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(other) => {
            return Err(format!(
                "{}; a Polygon or MultiPolygon is required",
                describe(other)
            ));
        }
        None => return Err("no geometry; a Polygon or MultiPolygon is required".into()),
    };
    let closed = (!closed.is_empty()).then(|| format!("closed {}", closed.join(", ")));
    let Some(problem) = validity::first_problem(&shape) else {
        return Ok(Boundary {
            shape,
            repair: closed,
        });
    };
    let problem = problem.to_string();
    let before = ring_area_m2(&shape);
    let repaired = repair(&shape);
    let after = area_m2(&repaired);
    if repaired.0.is_empty() || after <= 0.0 {
        return Err(format!("{problem}; the boundary encloses no area"));
    }
    if (after - before).abs() > MAX_REPAIR_CHANGE * before {
        return Err(format!(
            "{problem}; repairing it would change the area from {} to {} (more than {}%); \
             fix the boundary in a GIS",
            ha(before),
            ha(after),
            MAX_REPAIR_CHANGE * 100.0
        ));
    }
    if let Some(left) = validity::first_problem(&repaired) {
        return Err(format!("{problem}; the repair is still invalid ({left})"));
    }
    let what = format!(
        "{}{problem}: repaired into {} polygon(s), area {} (rings: {})",
        closed.map(|c| format!("{c}; ")).unwrap_or_default(),
        repaired.0.len(),
        ha(after),
        ha(before)
    );
    Ok(Boundary {
        shape: repaired,
        repair: Some(what),
    })
}

/// One polygon from its rings: positions checked, open rings closed (noted in
/// `closed` by their name), too-short rings refused.
fn polygon(
    rings: &[Vec<Vec<f64>>],
    part: &str,
    closed: &mut Vec<String>,
) -> Result<Polygon<f64>, String> {
    if rings.is_empty() {
        return Err(format!("{part}polygon has no rings"));
    }
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let at = format!("{part}ring {}", r + 1);
        let mut coords = Vec::with_capacity(ring.len() + 1);
        for (p, pos) in ring.iter().enumerate() {
            let &[x, y, ..] = pos.as_slice() else {
                return Err(format!(
                    "{at}, point {}: {pos:?} has fewer than 2 numbers",
                    p + 1
                ));
            };
            if !x.is_finite() || !y.is_finite() {
                return Err(format!(
                    "{at}, point {}: ({x}, {y}) is not a finite number",
                    p + 1
                ));
            }
            if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
                return Err(format!(
                    "{at}, point {}: ({x}, {y}) is not a longitude, latitude in degrees",
                    p + 1
                ));
            }
            coords.push(Coord { x, y });
        }
        let open = coords.first() != coords.last();
        if coords.len() < 4 - usize::from(open) {
            return Err(format!(
                "{at} has {} points; a ring needs at least 4 (the last repeating the first)",
                ring.len()
            ));
        }
        if open {
            coords.push(coords[0]);
            closed.push(at);
        }
        out.push(LineString(coords));
    }
    let mut rings = out.into_iter();
    let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
    Ok(Polygon::new(exterior, rings.collect()))
}

/// Rebuilds an invalid boundary: each part from its rings under the even-odd rule
/// (a twist becomes two lobes, a hole stays a hole), then the union of the parts
/// (overlapping or edge-sharing parts merge).
///
/// # Units
/// WGS84 degrees in and out.
fn repair(shape: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let empty = MultiPolygon::<f64>::empty();
    let parts: Vec<MultiPolygon<f64>> = shape
        .iter()
        .map(|p| {
            p.boolean_op_with_fill_rule(&empty, OpType::Union, FillRule::EvenOdd)
                .orient(Direction::Default)
        })
        .collect();
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or(empty);
    }
    unary_union(&parts)
}

/// A local equirectangular frame: metres east and north of an origin, longitude
/// scaled by the cosine of the origin's latitude.
///
/// # Units
/// [`Frame::metres`] takes WGS84 degrees and returns metres.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    origin: Coord<f64>,
    /// Metres per degree of longitude at the origin's latitude.
    mx: f64,
    /// Metres per degree of latitude.
    my: f64,
}

impl Frame {
    /// A frame centred on `rect`'s centre.
    #[must_use]
    pub fn around(rect: Rect<f64>) -> Self {
        let origin = rect.center();
        Self {
            origin,
            mx: 111_320.0 * origin.y.to_radians().cos(),
            my: 110_574.0,
        }
    }

    #[must_use]
    pub fn metres(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.origin.x) * self.mx,
            y: (c.y - self.origin.y) * self.my,
        }
    }
}

/// The area of a valid MultiPolygon, in a frame centred on it.
///
/// # Units
/// WGS84 degrees in, square metres out.
#[must_use]
pub fn area_m2(shape: &MultiPolygon<f64>) -> f64 {
    ring_area_m2(shape)
}

/// The area the rings enclose as written: for each polygon the absolute shoelace
/// area of the exterior minus its holes' (a bow-tie's lobes cancel), summed.
///
/// # Units
/// WGS84 degrees in, square metres out.
fn ring_area_m2(shape: &MultiPolygon<f64>) -> f64 {
    let Some(rect) = shape.bounding_rect() else {
        return 0.0;
    };
    let frame = Frame::around(rect);
    shape
        .iter()
        .map(|p| p.map_coords(|c| frame.metres(c)).unsigned_area())
        .sum()
}

/// Square metres as hectares for messages: `12.34 ha`, or `0.0150 ha` below 1 ha.
#[must_use]
pub fn ha(m2: f64) -> String {
    let h = m2 / M2_PER_HA;
    if h.abs() < 1.0 {
        format!("{h:.4} ha")
    } else {
        format!("{h:.2} ha")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{GeodesicArea, Validation};

    fn raw(ring: &[[f64; 2]]) -> RawGeometry {
        RawGeometry::Polygon(vec![ring.iter().map(|p| p.to_vec()).collect()])
    }

    /// A bow-tie: lobes (0,0)-(1,0)-(0.5,0.5) below and a small one above the
    /// crossing, around Kendari. Scale `s` degrees.
    fn bow_tie(small: f64) -> RawGeometry {
        let (x, y, s) = (122.5, -3.97, 0.01);
        // Big lobe: left triangle with apex at the crossing (x + s, y); small lobe to
        // its right with width `small * s`.
        raw(&[
            [x, y - s],
            [x + s + small * s, y + small * s],
            [x + s + small * s, y - small * s],
            [x, y + s],
            [x, y - s],
        ])
    }

    #[test]
    fn valid_polygon_is_kept_as_written() {
        let g = raw(&[
            [122.5, -3.98],
            [122.52, -3.98],
            [122.52, -3.96],
            [122.5, -3.98],
        ]);
        let b = read(Some(&g)).expect("valid");
        assert_eq!(b.repair, None);
        let RawGeometry::Polygon(rings) = &g else {
            unreachable!()
        };
        let written: Vec<Coord<f64>> = rings[0]
            .iter()
            .map(|p| Coord { x: p[0], y: p[1] })
            .collect();
        assert_eq!(b.shape.0[0].exterior().0, written);
    }

    #[test]
    fn an_unclosed_ring_is_closed() {
        let g = raw(&[
            [122.5, -3.98],
            [122.52, -3.98],
            [122.52, -3.96],
            [122.5, -3.96],
        ]);
        let b = read(Some(&g)).expect("closed");
        let ring = &b.shape.0[0].exterior().0;
        assert_eq!(ring.len(), 5);
        assert_eq!(ring.first(), ring.last());
        assert_eq!(b.repair.as_deref(), Some("closed ring 1"));
        assert!(b.shape.is_valid());
        // Three corners left open still make a triangle.
        let g = raw(&[[122.5, -3.98], [122.52, -3.98], [122.52, -3.96]]);
        assert_eq!(
            read(Some(&g)).expect("triangle").shape.0[0]
                .exterior()
                .0
                .len(),
            4
        );
    }

    #[test]
    fn short_rings_and_bad_numbers_are_refused() {
        let g = raw(&[[122.5, -3.98], [122.52, -3.98], [122.5, -3.98]]);
        assert!(
            read(Some(&g))
                .expect_err("3")
                .contains("ring 1 has 3 points")
        );
        let g = raw(&[[122.5, -3.98], [122.52, -3.98]]);
        assert!(read(Some(&g)).expect_err("2").contains("has 2 points"));
        let g = raw(&[
            [122.5, -3.98],
            [f64::NAN, -3.98],
            [122.52, -3.96],
            [122.5, -3.98],
        ]);
        let e = read(Some(&g)).expect_err("nan");
        assert!(
            e.contains("point 2") && e.contains("not a finite number"),
            "{e}"
        );
        let g = raw(&[[122.5, -3.98], [f64::INFINITY, -3.98], [122.52, -3.96]]);
        assert!(
            read(Some(&g))
                .expect_err("inf")
                .contains("not a finite number")
        );
        let g = raw(&[
            [500_000.0, 9_560_000.0],
            [500_100.0, 9_560_000.0],
            [500_100.0, 9_560_100.0],
        ]);
        assert!(
            read(Some(&g))
                .expect_err("utm")
                .contains("not a longitude, latitude")
        );
    }

    #[test]
    #[expect(clippy::many_single_char_names, reason = "coordinates of a drawing")]
    fn a_small_twist_is_repaired_keeping_the_area() {
        let g = bow_tie(0.05);
        let b = read(Some(&g)).expect("repaired");
        assert!(b.shape.is_valid());
        assert_eq!(b.shape.0.len(), 2, "two lobes: {:?}", b.shape);
        let note = b.repair.expect("reported");
        assert!(note.contains("self-intersection"), "{note}");
        assert!(note.contains("repaired into 2 polygon(s)"), "{note}");
        // Against geographiclib's ellipsoidal area: the two lobes' triangles.
        let (x, y, s, k) = (122.5, -3.97, 0.01, 0.05);
        let big = Polygon::new(
            LineString::from(vec![(x, y - s), (x + s, y), (x, y + s), (x, y - s)]),
            vec![],
        );
        let small = Polygon::new(
            LineString::from(vec![
                (x + s, y),
                (x + s + k * s, y + k * s),
                (x + s + k * s, y - k * s),
                (x + s, y),
            ]),
            vec![],
        );
        // geographiclib takes counter-clockwise rings as the area they enclose.
        let expected = big.orient(Direction::Default).geodesic_area_unsigned()
            + small.orient(Direction::Default).geodesic_area_unsigned();
        let got = area_m2(&b.shape);
        assert!(
            (got - expected).abs() < 0.001 * expected,
            "{got} vs {expected}"
        );
    }

    #[test]
    fn a_symmetric_bow_tie_is_refused_with_the_reason() {
        // Lobes of equal size: the written rings enclose no net area, so any repair
        // is a guess.
        let e = read(Some(&bow_tie(1.0))).expect_err("refused");
        assert!(e.contains("self-intersection"), "{e}");
        assert!(e.contains("would change the area from 0.0000 ha"), "{e}");
        assert!(e.contains("fix the boundary in a GIS"), "{e}");
    }

    #[test]
    fn overlapping_parts_merge_when_the_overlap_is_small() {
        let sq = |x0: f64, size: f64| {
            vec![vec![
                vec![x0, -3.98],
                vec![x0 + size, -3.98],
                vec![x0 + size, -3.98 + size],
                vec![x0, -3.98 + size],
                vec![x0, -3.98],
            ]]
        };
        // Two 0.01° squares sharing an edge: one square of twice the area.
        let g = RawGeometry::MultiPolygon(vec![sq(122.50, 0.01), sq(122.51, 0.01)]);
        let b = read(Some(&g)).expect("merged");
        assert_eq!(b.shape.0.len(), 1);
        assert!(b.repair.expect("note").contains("touch on a line"));
        // Overlapping by half: a third of the rings' area would vanish.
        let g = RawGeometry::MultiPolygon(vec![sq(122.50, 0.01), sq(122.505, 0.01)]);
        let e = read(Some(&g)).expect_err("overlap");
        assert!(
            e.contains("overlap") && e.contains("would change the area"),
            "{e}"
        );
    }

    #[test]
    fn areas_agree_with_geographiclib() {
        let sq = Polygon::new(
            LineString::from(vec![
                (122.5, -4.0),
                (122.6, -4.0),
                (122.6, -3.9),
                (122.5, -3.9),
                (122.5, -4.0),
            ]),
            vec![],
        );
        let expected = sq.geodesic_area_unsigned();
        let got = area_m2(&MultiPolygon(vec![sq]));
        assert!(
            (got - expected).abs() < 0.001 * expected,
            "{got} vs {expected}"
        );
        assert_eq!(ha(1_234_567.0), "123.46 ha");
        assert_eq!(ha(150.0), "0.0150 ha");
    }
}
