//! Web Mercator in its normalised "world" form, the one space every tile shares.
//!
//! Tiles cut the Web Mercator square into `2^z × 2^z` pieces, so once a coordinate is
//! expressed as a fraction of that square, finding its tile and its position inside the
//! tile is a multiplication. We therefore project WGS84 degrees once, into world
//! coordinates with `x` in `0..1` eastwards from longitude −180° and `y` in `0..1`
//! southwards from latitude +85.0511°, and keep geometries in that space until the
//! encoder scales them to tile units. Metres never appear: nothing here needs them.

use crate::model::TileCoord;
use geo::{Coord, Geometry, MapCoords, Rect};
use std::f64::consts::PI;

/// The latitude where Web Mercator's square ends, `atan(sinh(π))` in degrees.
pub const MAX_LATITUDE: f64 = 85.051_128_78;

/// Projects a WGS84 position to normalised Web Mercator world coordinates.
///
/// Latitudes beyond ±[`MAX_LATITUDE`] are clamped onto the square's edge.
///
/// # Units
/// Takes WGS84 degrees (`lon`, `lat`). Returns world coordinates: `x` in `0..=1`
/// eastwards from −180°, `y` in `0..=1` southwards (y down) from +85.0511°.
///
/// # Example
/// ```
/// let c = sigap::tiles::mercator::lonlat_to_world(0.0, 0.0);
/// assert!((c.x - 0.5).abs() < 1e-12 && (c.y - 0.5).abs() < 1e-12);
/// ```
#[must_use]
pub fn lonlat_to_world(lon: f64, lat: f64) -> Coord<f64> {
    let phi = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    Coord {
        x: (lon + 180.0) / 360.0,
        y: 0.5 - (PI / 4.0 + phi / 2.0).tan().ln() / (2.0 * PI),
    }
}

/// The inverse of [`lonlat_to_world`].
///
/// # Units
/// Takes world coordinates (`x` eastwards, `y` southwards, both `0..=1` on the map).
/// Returns WGS84 degrees with `x = lon`, `y = lat`.
#[must_use]
pub fn world_to_lonlat(world: Coord<f64>) -> Coord<f64> {
    Coord {
        x: world.x * 360.0 - 180.0,
        y: (PI * (1.0 - 2.0 * world.y)).sinh().atan().to_degrees(),
    }
}

/// The square a tile covers.
///
/// # Units
/// Returns world coordinates; `min.y` is the tile's northern (top) edge because world
/// `y` grows southwards.
#[must_use]
pub fn tile_world_bounds(coord: TileCoord) -> Rect<f64> {
    let size = tile_world_size(coord.z);
    Rect::new(
        Coord {
            x: f64::from(coord.x) * size,
            y: f64::from(coord.y) * size,
        },
        Coord {
            x: f64::from(coord.x + 1) * size,
            y: f64::from(coord.y + 1) * size,
        },
    )
}

/// The longitude/latitude box a tile covers.
///
/// # Units
/// Returns WGS84 degrees with `x = lon`, `y = lat` (`min` is the south-west corner).
#[must_use]
pub fn tile_lonlat_bounds(coord: TileCoord) -> Rect<f64> {
    let world = tile_world_bounds(coord);
    Rect::new(world_to_lonlat(world.min()), world_to_lonlat(world.max()))
}

/// Projects every coordinate of a geometry to world coordinates.
///
/// # Units
/// Takes WGS84 degrees (`x = lon`, `y = lat`); returns world coordinates (y down).
/// Note that the y flip reverses the apparent winding of every ring.
#[must_use]
pub fn geometry_to_world(g: &Geometry<f64>) -> Geometry<f64> {
    g.map_coords(|c| lonlat_to_world(c.x, c.y))
}

/// The side of one tile at zoom `z`.
///
/// # Units
/// World units (the whole map is 1).
#[must_use]
pub fn tile_world_size(z: u8) -> f64 {
    1.0 / f64::from(1u32 << z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, Polygon, polygon};

    fn tile(z: u8, x: u32, y: u32) -> TileCoord {
        TileCoord::new(z, x, y).expect("valid tile")
    }

    fn assert_close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} != {b} (tolerance {tol})");
    }

    #[test]
    fn origin_maps_to_centre_and_north_east_corner_to_one_zero() {
        let c = lonlat_to_world(0.0, 0.0);
        assert_close(c.x, 0.5, 1e-12);
        assert_close(c.y, 0.5, 1e-12);
        let ne = lonlat_to_world(180.0, 85.0511);
        assert_close(ne.x, 1.0, 1e-12);
        assert_close(ne.y, 0.0, 1e-6);
        let sw = lonlat_to_world(-180.0, -85.0511);
        assert_close(sw.x, 0.0, 1e-12);
        assert_close(sw.y, 1.0, 1e-6);
    }

    #[test]
    fn latitude_is_clamped_and_south_is_down() {
        assert_close(lonlat_to_world(10.0, 89.9).y, 0.0, 1e-9);
        assert_close(lonlat_to_world(10.0, -90.0).y, 1.0, 1e-9);
        // Kendari, south of the equator, lies below the centre line.
        assert!(lonlat_to_world(122.5, -3.97).y > 0.5);
    }

    #[test]
    fn known_latitude_matches_closed_form() {
        // OSM wiki: lat 45° -> y = (1 - ln(tan φ + sec φ)/π) / 2.
        let phi = 45f64.to_radians();
        let expected = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / PI) / 2.0;
        assert_close(lonlat_to_world(0.0, 45.0).y, expected, 1e-12);
    }

    #[test]
    fn world_to_lonlat_inverts_projection() {
        for (lon, lat) in [(122.51, -3.99), (-70.0, 60.0), (0.0, 0.0), (179.0, -80.0)] {
            let back = world_to_lonlat(lonlat_to_world(lon, lat));
            assert_close(back.x, lon, 1e-9);
            assert_close(back.y, lat, 1e-9);
        }
    }

    #[test]
    fn zoom_zero_covers_the_whole_mercator_world() {
        let b = tile_lonlat_bounds(tile(0, 0, 0));
        assert_close(b.min().x, -180.0, 1e-9);
        assert_close(b.max().x, 180.0, 1e-9);
        assert_close(b.min().y, -MAX_LATITUDE, 1e-6);
        assert_close(b.max().y, MAX_LATITUDE, 1e-6);
        let w = tile_world_bounds(tile(0, 0, 0));
        assert_eq!(
            (w.min().x, w.min().y, w.max().x, w.max().y),
            (0.0, 0.0, 1.0, 1.0)
        );
    }

    #[test]
    fn zoom_one_tile_one_zero_is_the_north_east_quarter() {
        let b = tile_lonlat_bounds(tile(1, 1, 0));
        assert_close(b.min().x, 0.0, 1e-9);
        assert_close(b.max().x, 180.0, 1e-9);
        assert_close(b.min().y, 0.0, 1e-9);
        assert_close(b.max().y, 85.0511, 1e-4);
    }

    #[test]
    fn deep_tile_has_expected_world_square() {
        // Slippy-map formula (OSM wiki), computed in Python: Kendari is in 14/13767/8372.
        let w = tile_world_bounds(tile(14, 13_767, 8_372));
        let size = 1.0 / 16_384.0;
        assert_close(w.min().x, 13_767.0 * size, 1e-15);
        assert_close(w.max().y - w.min().y, size, 1e-15);
        let k = lonlat_to_world(122.5126, -3.9722);
        assert!(k.x >= w.min().x && k.x < w.max().x, "{k:?} vs {w:?}");
        assert!(k.y >= w.min().y && k.y < w.max().y, "{k:?} vs {w:?}");
    }

    #[test]
    fn geometry_to_world_maps_every_coordinate() {
        let p: Polygon<f64> = polygon![(x: 0.0, y: 0.0), (x: 90.0, y: 0.0), (x: 90.0, y: 45.0)];
        let Geometry::Polygon(w) = geometry_to_world(&Geometry::Polygon(p)) else {
            panic!("kind changed");
        };
        let coords: Vec<_> = w.exterior().coords().copied().collect();
        assert_eq!(coords.len(), 4);
        assert_close(coords[1].x, 0.75, 1e-12);
        assert_close(coords[2].y, lonlat_to_world(0.0, 45.0).y, 1e-12);
        let Geometry::Point(q) = geometry_to_world(&Geometry::Point(Point::new(-180.0, 0.0)))
        else {
            panic!("kind changed");
        };
        assert_close(q.x(), 0.0, 1e-12);
    }
}
