//! Where a record is: a point checked against the villages' extent (with swapped
//! coordinates spotted), or a village boundary checked ring by ring.
//!
//! # Units
//! Everything here is WGS84 degrees, `x = lon`, `y = lat`.

use super::source::RawGeometry;
use geo::{Coord, LineString, MultiPolygon, Point, Polygon, Rect};

/// How far (degrees) outside the villages' bounding box a point may lie.
pub const EXTENT_MARGIN_DEG: f64 = 0.01;

/// Which coordinate a location problem is about.
#[derive(Clone, Copy)]
pub enum Which {
    Lat = 0,
    Lon = 1,
    Both = 2,
}

/// Checks a point against the ranges and the villages' extent, spotting swaps.
///
/// # Units
/// WGS84 degrees.
pub fn place(lon: f64, lat: f64, extent: Option<Rect<f64>>) -> Result<Point<f64>, (Which, String)> {
    let inside = |x: f64, y: f64| {
        extent.is_none_or(|e| {
            (e.min().x..=e.max().x).contains(&x) && (e.min().y..=e.max().y).contains(&y)
        })
    };
    if inside(lon, lat) && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
        return Ok(Point::new(lon, lat));
    }
    if extent.is_some() && inside(lat, lon) {
        return Err((
            Which::Both,
            format!(
                "latitude and longitude look swapped (lat {lat}, lon {lon}; swapped, the \
                 point falls inside the villages' extent)"
            ),
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err((Which::Lat, format!("latitude {lat} is outside -90..90")));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err((Which::Lon, format!("longitude {lon} is outside -180..180")));
    }
    match extent {
        Some(e) => Err((
            Which::Both,
            format!(
                "point (lat {lat}, lon {lon}) is outside the villages' extent \
                 (lat {:.4}..{:.4}, lon {:.4}..{:.4}, grown by {EXTENT_MARGIN_DEG}°); \
                 check the coordinates or import the missing villages",
                e.min().y,
                e.max().y,
                e.min().x,
                e.max().x
            ),
        )),
        None => Ok(Point::new(lon, lat)),
    }
}

pub fn describe(g: &RawGeometry) -> String {
    match g {
        RawGeometry::Point(_) => "a Point".into(),
        RawGeometry::Polygon(_) => "a Polygon".into(),
        RawGeometry::MultiPolygon(_) => "a MultiPolygon".into(),
        RawGeometry::Other(t) => format!("a {t}"),
        RawGeometry::Missing => "no geometry".into(),
        RawGeometry::Invalid(e) => format!("invalid geometry ({e})"),
    }
}

/// A village boundary from a Polygon or MultiPolygon with closed, valid rings.
pub fn boundary(geometry: Option<&RawGeometry>) -> Result<MultiPolygon<f64>, String> {
    match geometry {
        Some(RawGeometry::Polygon(rings)) => Ok(MultiPolygon(vec![polygon(rings, "")?])),
        Some(RawGeometry::MultiPolygon(parts)) if parts.is_empty() => {
            Err("an empty MultiPolygon; a boundary is required".into())
        }
        Some(RawGeometry::MultiPolygon(parts)) => parts
            .iter()
            .enumerate()
            .map(|(i, rings)| polygon(rings, &format!("polygon {}, ", i + 1)))
            .collect::<Result<Vec<_>, _>>()
            .map(MultiPolygon),
        Some(other) => Err(format!(
            "{}; a Polygon or MultiPolygon is required",
            describe(other)
        )),
        None => Err("no geometry; a Polygon or MultiPolygon is required".into()),
    }
}

fn polygon(rings: &[Vec<Vec<f64>>], part: &str) -> Result<Polygon<f64>, String> {
    if rings.is_empty() {
        return Err(format!("{part}polygon has no rings"));
    }
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let at = format!("{part}ring {}", r + 1);
        if ring.len() < 4 {
            return Err(format!(
                "{at} has {} points; a ring needs at least 4 (the last repeating the first)",
                ring.len()
            ));
        }
        let mut coords = Vec::with_capacity(ring.len());
        for (p, pos) in ring.iter().enumerate() {
            let &[x, y, ..] = pos.as_slice() else {
                return Err(format!(
                    "{at}, point {}: {pos:?} has fewer than 2 numbers",
                    p + 1
                ));
            };
            if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
                return Err(format!(
                    "{at}, point {}: ({x}, {y}) is not a longitude, latitude in degrees",
                    p + 1
                ));
            }
            coords.push(Coord { x, y });
        }
        if coords.first() != coords.last() {
            return Err(format!(
                "{at} is not closed: its first point {:?} differs from its last {:?}",
                ring[0],
                ring[ring.len() - 1]
            ));
        }
        out.push(LineString(coords));
    }
    let mut rings = out.into_iter();
    let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
    Ok(Polygon::new(exterior, rings.collect()))
}

/// Grows the villages' bounding box by [`EXTENT_MARGIN_DEG`] on every side.
#[must_use]
pub fn grow(extent: Rect<f64>) -> Rect<f64> {
    let m = EXTENT_MARGIN_DEG;
    Rect::new(
        (extent.min().x - m, extent.min().y - m),
        (extent.max().x + m, extent.max().y + m),
    )
}
