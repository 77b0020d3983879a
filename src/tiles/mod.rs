//! Bytes for maps: turning layers of features into Mapbox Vector Tiles.
//!
//! A browser map asks for small square tiles by zoom and position and styles them
//! itself, so this module's only job is to cut the right shapes for one tile, make them
//! as small as the zoom allows, and write them in the format every map client reads.
//! It is pure: no I/O, no HTTP, no knowledge of where features come from.
//!
//! The steps, in order:
//! 1. **project** — WGS84 degrees to normalised Web Mercator world coordinates, once per
//!    feature ([`mercator`]);
//! 2. **select** — the caller picks the features whose bounds meet
//!    [`mercator::tile_world_bounds`] (an R-tree lookup lives in `index`);
//! 3. **clip** — scale to tile units and cut to the tile plus a [`BUFFER`] margin
//!    (`clip`: Sutherland–Hodgman for rings, Liang–Barsky for lines);
//! 4. **simplify** — round to the [`EXTENT`] grid, drop repeats, Douglas–Peucker
//!    (`simplify`);
//! 5. **fix winding** — exterior rings clockwise on screen, holes anticlockwise, as
//!    MVT 2.1 requires (`shape`);
//! 6. **encode** — geometry commands, a per-layer key/value dictionary and hand-written
//!    protobuf ([`mvt`], with `shape`, `table` and `pbf`).
//!
//! [`cases`] draws the case records a reader's scope may see as points, from the
//! streets' zoom ([`cases::MIN_CASE_ZOOM`]), and says how many it drew.
//!
//! [`pmtiles`] writes finished tiles into one PMTiles v3 archive for static hosting.
//!
//! Beside the tiles, [`glyphs`] makes the font ranges (SDF glyph PBFs) a map needs to
//! draw labels, from the DejaVu fonts built into the binary.

pub mod cases;
mod clip;
pub mod glyphs;
pub mod mercator;
pub mod mvt;
pub(crate) mod pbf;
pub mod pmtiles;
mod shape;
mod simplify;
pub mod source;
mod table;

#[cfg(test)]
pub(crate) mod decode;

pub use mercator::{
    geometry_to_world, lonlat_to_world, tile_lonlat_bounds, tile_world_bounds, world_to_lonlat,
};
pub use mvt::{BUFFER, EXTENT, PropValue, TileFeature, TileLayer, encode_tile};
