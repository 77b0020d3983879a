//! The demo's population raster: children under five per 100 m pixel, in UTM 51S.
//!
//! Real cities get this layer as a GeoTIFF (WorldPop, or the statistics office), often
//! in a projected CRS. The demo writes one the same way, from its own households
//! (people × the under-five share), in EPSG:32751, so that importing it exercises the
//! raster path, PROJ and the population denominators end to end.

use super::DemoError;
use super::households::Household;
use gdal::DriverManager;
use gdal::raster::Buffer;
use gdal::spatial_ref::SpatialRef;
use proj::Proj;
use std::path::Path;

/// The raster's CRS: UTM zone 51 south, Kendari's.
pub const EPSG: u32 = 32_751;
/// Pixel edge in metres.
pub const PIXEL_M: f64 = 100.0;
/// Share of people who are under five (Indonesia: about 9%).
pub const UNDER_FIVE_SHARE: f64 = 0.09;
/// Written for pixels without a household: skipped on import, not counted as zero.
pub const NODATA: f64 = -1.0;

/// Writes `population.tif`; returns the children under five it holds.
pub(crate) fn write(path: &Path, households: &[Household]) -> Result<f64, DemoError> {
    let err = |reason: String| DemoError::Geometry {
        code: "population.tif".into(),
        reason,
    };
    let to_utm = Proj::new_known_crs("EPSG:4326", &format!("EPSG:{EPSG}"), None)
        .map_err(|e| err(format!("PROJ: {e}")))?;
    let mut points = Vec::with_capacity(households.len());
    for h in households {
        let (x, y) = to_utm
            .convert((h.lonlat[0], h.lonlat[1]))
            .map_err(|e| err(format!("PROJ: {e}")))?;
        points.push((x, y, f64::from(h.people) * UNDER_FIVE_SHARE));
    }
    // Snap the grid to whole kilometres around the households, one pixel of margin.
    let min_x = (points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min) / 1000.0).floor()
        * 1000.0
        - PIXEL_M;
    let max_y = (points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max) / 1000.0).ceil()
        * 1000.0
        + PIXEL_M;
    let max_x = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max) + PIXEL_M;
    let min_y = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min) - PIXEL_M;
    let width = ((max_x - min_x) / PIXEL_M).ceil() as usize;
    let height = ((max_y - min_y) / PIXEL_M).ceil() as usize;
    let mut data = vec![0.0_f64; width * height];
    for (x, y, v) in &points {
        let col = ((x - min_x) / PIXEL_M) as usize;
        let row = ((max_y - y) / PIXEL_M) as usize;
        data[row.min(height - 1) * width + col.min(width - 1)] += v;
    }
    let total: f64 = data.iter().sum();
    for v in &mut data {
        if *v == 0.0 {
            *v = NODATA;
        } else {
            // Two decimals keep the file small and byte-stable.
            *v = (*v * 100.0).round() / 100.0;
        }
    }
    let gdal_err = |e: gdal::errors::GdalError| err(format!("GDAL: {e}"));
    let driver = DriverManager::get_driver_by_name("GTiff").map_err(gdal_err)?;
    let mut ds = driver
        .create_with_band_type::<f64, _>(path, width, height, 1)
        .map_err(gdal_err)?;
    ds.set_geo_transform(&[min_x, PIXEL_M, 0.0, max_y, 0.0, -PIXEL_M])
        .map_err(gdal_err)?;
    ds.set_spatial_ref(&SpatialRef::from_epsg(EPSG).map_err(gdal_err)?)
        .map_err(gdal_err)?;
    let mut band = ds.rasterband(1).map_err(gdal_err)?;
    band.set_no_data_value(Some(NODATA)).map_err(gdal_err)?;
    let mut buf = Buffer::new((width, height), data);
    band.write((0, 0), (width, height), &mut buf)
        .map_err(gdal_err)?;
    Ok(total)
}
