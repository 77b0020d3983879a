//! Where a record is: a point checked against the villages' extent (with swapped
//! coordinates spotted). Village boundaries are read in [`super::boundary`].
//!
//! # Units
//! Everything here is WGS84 degrees, `x = lon`, `y = lat`.

use super::source::RawGeometry;
use geo::{Point, Rect};

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

/// Grows the villages' bounding box by [`EXTENT_MARGIN_DEG`] on every side.
#[must_use]
pub fn grow(extent: Rect<f64>) -> Rect<f64> {
    let m = EXTENT_MARGIN_DEG;
    Rect::new(
        (extent.min().x - m, extent.min().y - m),
        (extent.max().x + m, extent.max().y + m),
    )
}
