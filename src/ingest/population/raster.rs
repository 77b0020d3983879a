//! A population raster as GDAL reads it: georeference, CRS, one band, rows in blocks.
//!
//! Any raster GDAL opens will do (GeoTIFF from WorldPop or the statistics office,
//! ESRI ASCII grids, ...). Pixel values are read as `f64` a block of rows at a time,
//! so memory stays bounded whatever the raster's size; the band's scale and offset
//! are applied and its nodata value (or NaN) marks pixels to skip. Pixel corners are
//! brought to WGS84 through PROJ ([`Reprojector`]).

use super::PopulationError;
use super::split::Footprint;
use crate::ingest::crs::Reprojector;
use ::gdal::spatial_ref::SpatialRef;
use ::gdal::{Dataset, DatasetOptions, GdalOpenFlags, GeoTransform};
use geo::{Coord, Rect};
use std::path::{Path, PathBuf};

/// About how many pixels one block of rows holds (8 MiB of `f64`).
const CHUNK_PIXELS: usize = 1 << 20;

/// One band of an open raster, with its pixel grid placed in WGS84.
///
/// Steps: open with GDAL (raster drivers only), read the geotransform and the CRS
/// (or take `--crs`), check the coordinates can be in that CRS, then hand out rows
/// of values and lines of pixel corners in WGS84.
pub struct Raster {
    path: PathBuf,
    dataset: Dataset,
    band: usize,
    geo_transform: GeoTransform,
    crs: String,
    reprojector: Reprojector,
    nodata: Option<f64>,
    scale: f64,
    offset: f64,
    width: usize,
    height: usize,
}

impl Raster {
    /// Opens band `band` (from 1) of `path`; `crs` overrides the CRS the file declares.
    pub fn open(path: &Path, band: usize, crs: Option<&str>) -> Result<Self, PopulationError> {
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_RASTER | GdalOpenFlags::GDAL_OF_READONLY,
            ..DatasetOptions::default()
        };
        let dataset = Dataset::open_ex(path, options).map_err(|e| PopulationError::NotRaster {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let count = dataset.raster_count();
        if count == 0 {
            return Err(PopulationError::NotRaster {
                path: path.to_path_buf(),
                reason: "it has no raster bands".into(),
            });
        }
        if band == 0 || band > count {
            return Err(PopulationError::NoBand {
                path: path.to_path_buf(),
                band,
                count,
            });
        }
        let no_georeference = || PopulationError::NoGeoreference {
            path: path.to_path_buf(),
        };
        let gt = dataset.geo_transform().map_err(|_| no_georeference())?;
        let det = gt[1] * gt[5] - gt[2] * gt[4];
        if !(det.is_finite() && det != 0.0 && gt.iter().all(|v| v.is_finite())) {
            return Err(no_georeference());
        }
        let crs = match crs {
            Some(c) => c.trim().to_owned(),
            None => declared_crs(&dataset).ok_or_else(|| PopulationError::NoCrs {
                path: path.to_path_buf(),
            })?,
        };
        let reprojector = Reprojector::to_wgs84(&crs).map_err(|source| PopulationError::Crs {
            path: path.to_path_buf(),
            source,
        })?;
        let (width, height) = dataset.raster_size();
        let b = dataset
            .rasterband(band)
            .map_err(|e| PopulationError::NotRaster {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        let (nodata, scale, offset) = (b.no_data_value(), b.scale(), b.offset());
        let raster = Self {
            path: path.to_path_buf(),
            band,
            geo_transform: gt,
            crs,
            reprojector,
            nodata,
            scale: scale.unwrap_or(1.0),
            offset: offset.unwrap_or(0.0),
            width,
            height,
            dataset,
        };
        raster.check_degrees()?;
        Ok(raster)
    }

    /// The CRS the pixel grid is in, as given to PROJ (`EPSG:NNNN` or WKT).
    #[must_use]
    pub fn crs(&self) -> &str {
        &self.crs
    }

    /// The file the raster was read from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `(width, height)` in pixels.
    #[must_use]
    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// Refuses a geographic CRS for coordinates that cannot be degrees.
    fn check_degrees(&self) -> Result<(), PopulationError> {
        let geographic = SpatialRef::from_definition(&self.crs).is_ok_and(|s| s.is_geographic());
        if !geographic {
            return Ok(());
        }
        let (w, h) = (self.width as f64, self.height as f64);
        let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)].map(|(c, r)| self.grid(c, r));
        let degrees = corners
            .iter()
            .all(|(x, y)| (-180.0..=360.0).contains(x) && (-90.0..=90.0).contains(y));
        if degrees {
            return Ok(());
        }
        let (xs, ys): (Vec<f64>, Vec<f64>) = corners.into_iter().unzip();
        let range = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{lo}..{hi}")
        };
        Err(PopulationError::Misplaced {
            path: self.path.clone(),
            reason: format!(
                "its pixel coordinates (x {}, y {}) cannot be degrees, but its CRS {} is \
                 geographic; the raster is probably in metres (UTM?): pass --crs EPSG:NNNN",
                range(&xs),
                range(&ys),
                short(&self.crs)
            ),
        })
    }

    /// A grid point (pixel corner) in the raster's CRS.
    ///
    /// # Units
    /// `col`, `row` in pixels from the top-left corner; out: the raster's CRS units.
    fn grid(&self, col: f64, row: f64) -> (f64, f64) {
        let g = &self.geo_transform;
        (
            g[0] + col * g[1] + row * g[2],
            g[3] + col * g[4] + row * g[5],
        )
    }

    /// A grid point in WGS84.
    ///
    /// # Units
    /// `col`, `row` in pixels; out: WGS84 degrees, `x = lon`, `y = lat`.
    fn corner(&self, col: usize, row: usize) -> Result<Coord<f64>, PopulationError> {
        let (x, y) = self.grid(col as f64, row as f64);
        let (lon, lat) =
            self.reprojector
                .transform(x, y)
                .map_err(|source| PopulationError::Crs {
                    path: self.path.clone(),
                    source,
                })?;
        if !(-90.0..=90.0).contains(&lat) {
            return Err(PopulationError::Misplaced {
                path: self.path.clone(),
                reason: format!("pixel corner ({x}, {y}) is at latitude {lat}; check --crs"),
            });
        }
        Ok(Coord { x: lon, y: lat })
    }

    /// The `width + 1` corners along grid line `row` (0 = the top edge), in WGS84.
    pub fn corner_line(&self, row: usize) -> Result<Vec<Coord<f64>>, PopulationError> {
        (0..=self.width).map(|col| self.corner(col, row)).collect()
    }

    /// The footprint of pixel `(col, row)` in WGS84.
    pub fn footprint(&self, col: usize, row: usize) -> Result<Footprint, PopulationError> {
        Ok(Footprint {
            corners: [
                self.corner(col, row)?,
                self.corner(col + 1, row)?,
                self.corner(col + 1, row + 1)?,
                self.corner(col, row + 1)?,
            ],
        })
    }

    /// The bounding box in WGS84 of the raster's outline (every corner along its
    /// four edges, so a reprojected outline's bulges are included).
    pub fn extent(&self) -> Result<Rect<f64>, PopulationError> {
        let (w, h) = (self.width, self.height);
        let edges = (0..=w)
            .flat_map(|c| [(c, 0), (c, h)])
            .chain((0..=h).flat_map(|r| [(0, r), (w, r)]));
        let mut rect: Option<Rect<f64>> = None;
        for (c, r) in edges {
            let p = self.corner(c, r)?;
            rect = Some(match rect {
                None => Rect::new(p, p),
                Some(b) => Rect::new(
                    (b.min().x.min(p.x), b.min().y.min(p.y)),
                    (b.max().x.max(p.x), b.max().y.max(p.y)),
                ),
            });
        }
        // GDAL opens no raster without pixels, so the outline has corners.
        Ok(rect.unwrap_or_else(|| Rect::new((0.0, 0.0), (0.0, 0.0))))
    }

    /// The longest pixel edge in metres among the pixels at the four corners and the
    /// centre of the raster: the `pixel_edge_m` of the subdivision rule.
    pub fn pixel_edge_m(&self) -> Result<f64, PopulationError> {
        let (w, h) = (self.width.saturating_sub(1), self.height.saturating_sub(1));
        let mut longest: f64 = 0.0;
        for (c, r) in [(0, 0), (w, 0), (w, h), (0, h), (w / 2, h / 2)] {
            longest = longest.max(self.footprint(c, r)?.longest_edge_m());
        }
        Ok(longest)
    }

    /// How many rows to read at once: about `CHUNK_PIXELS` (2^20), in whole rows of
    /// GDAL blocks (tiles, strips) up to four times that, so each block is decoded
    /// once; at least one row.
    #[must_use]
    pub fn rows_per_chunk(&self) -> usize {
        let rows = (CHUNK_PIXELS / self.width.max(1)).max(1);
        let block = self
            .dataset
            .rasterband(self.band)
            .map_or(1, |b| b.block_size().1.max(1));
        let rows = if block <= rows {
            rows - rows % block
        } else if block <= 4 * rows {
            block
        } else {
            rows
        };
        rows.min(self.height.max(1))
    }

    /// Rows `row0..row0 + rows`, row-major; `None` for nodata (or NaN), else the
    /// value with the band's scale and offset applied. GDAL's cached blocks are
    /// dropped afterwards: rows are read once, in order, and the cache would
    /// otherwise grow to `GDAL_CACHEMAX` (5% of RAM).
    pub fn read_rows(
        &mut self,
        row0: usize,
        rows: usize,
    ) -> Result<Vec<Option<f64>>, PopulationError> {
        let failed = |reason: String| PopulationError::Read {
            path: self.path.clone(),
            rows: format!("{}..{}", row0, row0 + rows),
            reason,
        };
        let band = self
            .dataset
            .rasterband(self.band)
            .map_err(|e| failed(e.to_string()))?;
        let mut buf = vec![0.0_f64; self.width * rows];
        let window = (0, isize::try_from(row0).map_err(|e| failed(e.to_string()))?);
        band.read_into_slice(
            window,
            (self.width, rows),
            (self.width, rows),
            &mut buf,
            None,
        )
        .map_err(|e| failed(e.to_string()))?;
        self.dataset
            .flush_cache()
            .map_err(|e| failed(e.to_string()))?;
        Ok(buf.into_iter().map(|raw| self.value(raw)).collect())
    }

    /// A raw pixel value with scale and offset applied; `None` for nodata or NaN.
    fn value(&self, raw: f64) -> Option<f64> {
        if raw.is_nan() || self.nodata == Some(raw) {
            return None;
        }
        Some(raw * self.scale + self.offset).filter(|v| !v.is_nan())
    }
}

/// The CRS a dataset declares: `AUTHORITY:CODE` when it has one, else its WKT.
fn declared_crs(dataset: &Dataset) -> Option<String> {
    let srs = dataset.spatial_ref().ok()?;
    if let (Some(name), Ok(code)) = (srs.auth_name(), srs.auth_code()) {
        return Some(format!("{name}:{code}"));
    }
    srs.to_wkt().ok().filter(|w| !w.trim().is_empty())
}

/// A CRS for messages: `EPSG:NNNN` as is, WKT cut to its first 60 characters.
#[must_use]
pub fn short(crs: &str) -> String {
    if crs.chars().count() <= 60 {
        crs.to_owned()
    } else {
        format!("{}...", crs.chars().take(60).collect::<String>())
    }
}
