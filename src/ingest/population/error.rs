//! What can go wrong importing a population raster, phrased so the user can fix it.

use super::super::crs::CrsError;
use crate::store::StoreError;
use std::path::PathBuf;

/// A population import that did not happen; in every case nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    /// GDAL could not open the file as a raster.
    ///
    /// Likely cause: a vector file, a damaged download, or a format this GDAL build
    /// lacks. Fix: give a GeoTIFF (or another raster `gdalinfo` can read).
    #[error(
        "{path} is not a raster GDAL can read ({reason}); give a GeoTIFF or another \
         raster that `gdalinfo` opens"
    )]
    NotRaster { path: PathBuf, reason: String },
    /// The raster has no geotransform, so its pixels are nowhere on Earth.
    ///
    /// Likely cause: a plain image (PNG, TIFF without GeoTIFF tags) or a lost world
    /// file. Fix: georeference it, e.g. `gdal_translate -a_ullr ULX ULY LRX LRY
    /// -a_srs EPSG:NNNN in.tif out.tif`.
    #[error(
        "{path} has no georeference (no geotransform or world file), so sigap cannot \
         tell where its pixels are; georeference it first, e.g. `gdal_translate -a_ullr \
         ULX ULY LRX LRY -a_srs EPSG:NNNN {path} georeferenced.tif`"
    )]
    NoGeoreference { path: PathBuf },
    /// The raster declares no coordinate reference system and none was given.
    ///
    /// Fix: pass `--crs`, e.g. `--crs EPSG:32751` for UTM 51S (Kendari).
    #[error(
        "{path} declares no coordinate reference system; pass --crs, e.g. --crs EPSG:32751 \
         (UTM 51S) or --crs EPSG:4326 (degrees)"
    )]
    NoCrs { path: PathBuf },
    /// The band asked for does not exist.
    #[error("{path} has {count} band(s); there is no band {band} (bands count from 1)")]
    NoBand {
        path: PathBuf,
        band: usize,
        count: usize,
    },
    /// PROJ does not know the CRS, or a pixel corner is outside its domain.
    ///
    /// Likely cause: a misspelt `--crs`, or a CRS that does not fit the coordinates.
    #[error("{path}: {source}; check the raster's CRS or pass --crs EPSG:NNNN")]
    Crs {
        path: PathBuf,
        #[source]
        source: CrsError,
    },
    /// The pixel coordinates cannot be in the declared CRS, or the raster does not
    /// reach the villages.
    ///
    /// Likely cause: metres declared as degrees, the wrong UTM zone or hemisphere,
    /// or a raster of another area. Fix: pass the right `--crs`, or a raster that
    /// covers the city.
    #[error("{path}: {reason}")]
    Misplaced { path: PathBuf, reason: String },
    /// GDAL failed while reading pixels (a truncated or damaged file).
    #[error("{path}: reading rows {rows} failed: {reason}")]
    Read {
        path: PathBuf,
        rows: String,
        reason: String,
    },
    /// A pixel holds a value no population count can have (infinite, or more
    /// people than [`super::MAX_PIXEL_VALUE`] on one pixel).
    ///
    /// Likely cause: a nodata value the file does not declare (3.4e38, the largest
    /// 32-bit float, is a common one). Fix: declare it, e.g. `gdal_translate
    /// -a_nodata 3.4028234663852886e38 in.tif out.tif`, or choose the right band.
    #[error(
        "{path}: pixel at row {row}, column {col} holds {value:e}, not a population \
         count; if it marks missing data, declare it as the nodata value (gdal_translate \
         -a_nodata VALUE), or check the band"
    )]
    Implausible {
        path: PathBuf,
        row: usize,
        col: usize,
        value: f64,
    },
    /// The store has no villages: population is summed into villages, so they come
    /// first.
    #[error(
        "cannot import population from {path}: the store has no villages yet; import \
         villages first (sigap import --db FILE villages VILLAGES.geojson)"
    )]
    NoVillages { path: PathBuf },
    /// The store refused the write (see [`StoreError`]).
    #[error(transparent)]
    Store(#[from] StoreError),
}
