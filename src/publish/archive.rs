//! Which tiles go into an archive: every tile of the zoom range over an extent, made
//! on every core, the empty ones left out.

use crate::model::TileCoord;
use crate::tiles::mercator::tile_world_size;
use crate::tiles::pmtiles::{ArchiveInfo, ArchiveStats, write_archive};
use geo::Rect;
use rayon::prelude::*;
use std::path::Path;

use super::PublishError;

/// Tiles of zoom `z` over `extent` grown by one tile each side (a feature near a
/// tile's edge lands in its neighbour's buffer too).
///
/// # Units
/// `extent` in world coordinates (`0..=1`, `y` southwards).
fn tiles_over(extent: Rect<f64>, z: u8) -> impl Iterator<Item = TileCoord> {
    let n = 1i64 << z;
    let size = tile_world_size(z);
    let cell = |v: f64| ((v / size).floor() as i64).clamp(0, n - 1);
    let (x0, x1) = (
        (cell(extent.min().x) - 1).max(0),
        (cell(extent.max().x) + 1).min(n - 1),
    );
    let (y0, y1) = (
        (cell(extent.min().y) - 1).max(0),
        (cell(extent.max().y) + 1).min(n - 1),
    );
    (x0..=x1)
        .flat_map(move |x| (y0..=y1).filter_map(move |y| TileCoord::new(z, x as u32, y as u32)))
}

/// Renders every tile of `zooms` over `extent` with `render` and writes the
/// non-empty ones to `path` as one PMTiles archive; logs each zoom.
///
/// # Units
/// `extent` in world coordinates; `info` bounds in WGS84 degrees.
pub fn write_tiles(
    path: &Path,
    extent: Option<Rect<f64>>,
    info: &ArchiveInfo,
    render: impl Fn(TileCoord) -> Vec<u8> + Sync,
) -> Result<ArchiveStats, PublishError> {
    let mut tiles = Vec::new();
    if let Some(extent) = extent {
        for z in info.min_zoom..=info.max_zoom {
            let coords: Vec<TileCoord> = tiles_over(extent, z).collect();
            let before = tiles.len();
            tiles.par_extend(
                coords
                    .par_iter()
                    .map(|&c| (c, render(c)))
                    .filter(|(_, b)| !b.is_empty()),
            );
            tracing::debug!(
                archive = %path.display(),
                z,
                looked_at = coords.len(),
                tiles = tiles.len() - before,
                "zoom rendered"
            );
        }
    }
    let file = std::fs::File::create(path).map_err(|e| PublishError::io(path, e))?;
    // Written in 1 MiB pieces: a city's archive is a few megabytes, and the default
    // 8 KiB buffer made hundreds of write calls per archive.
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let stats = write_archive(tiles, info, &mut out).map_err(|e| PublishError::Archive {
        path: path.to_path_buf(),
        source: e,
    })?;
    tracing::info!(
        archive = %path.display(),
        tiles = stats.addressed,
        distinct = stats.contents,
        bytes = stats.bytes,
        "archive written"
    );
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::mercator::lonlat_to_world;

    #[test]
    fn tiles_over_cover_the_extent_and_a_tile_around_it() {
        let a = lonlat_to_world(122.45, -3.95);
        let b = lonlat_to_world(122.65, -4.10);
        let extent = Rect::new(a, b);
        let z0: Vec<_> = tiles_over(extent, 0).collect();
        assert_eq!(z0, vec![TileCoord::new(0, 0, 0).expect("tile")]);
        let z12: Vec<_> = tiles_over(extent, 12).collect();
        // 0.2 degrees of longitude is ~2.3 tiles at z12: 3-4 columns, plus one each side.
        let xs: std::collections::BTreeSet<u32> = z12.iter().map(|c| c.x).collect();
        assert!((5..=6).contains(&xs.len()), "{xs:?}");
        let inside = TileCoord::new(12, 3442, 2093).expect("tile");
        assert!(z12.contains(&inside));
    }
}
