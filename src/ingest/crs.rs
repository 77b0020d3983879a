//! Coordinate reference systems: bring any source CRS to WGS84 through PROJ.
//!
//! Planners' files come in UTM (Kendari: EPSG:32751), the national DGN95 system or
//! plain degrees. Everything sigap stores is WGS84 longitude/latitude, so every
//! reader hands its coordinates to a [`Reprojector`] built from the CRS the file
//! declares (or `--crs`). PROJ is linked from the system (Debian 12: PROJ 9.1.1)
//! through the `proj` crate.

use proj::Proj;

/// WGS84 as PROJ names it.
pub const WGS84: &str = "EPSG:4326";

/// Why a CRS cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    /// PROJ does not know the CRS: check the spelling (`EPSG:32751`), or give `--crs`.
    #[error("unknown coordinate reference system {crs:?}: {reason}")]
    Unknown { crs: String, reason: String },
    /// A coordinate could not be transformed (outside the CRS's domain).
    #[error("cannot transform ({x}, {y}) from {crs}: {reason}")]
    Transform {
        crs: String,
        x: f64,
        y: f64,
        reason: String,
    },
}

/// Transforms coordinates from one source CRS to WGS84 (lon, lat).
///
/// Steps: ask PROJ for a CRS-to-CRS operation, normalised to traditional GIS axis
/// order (x = easting or longitude, y = northing or latitude, on both sides), then
/// transform point by point.
pub struct Reprojector {
    crs: String,
    /// `None` when the source already is WGS84 (no work to do).
    proj: Option<Proj>,
}

impl Reprojector {
    /// A reprojector from `crs` (`EPSG:NNNN`, a PROJ string or WKT) to WGS84.
    pub fn to_wgs84(crs: &str) -> Result<Self, CrsError> {
        let crs = crs.trim();
        let is_wgs84 = matches!(
            crs.to_ascii_uppercase().as_str(),
            "EPSG:4326" | "OGC:CRS84" | "CRS84" | "WGS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
        );
        if is_wgs84 {
            return Ok(Self {
                crs: crs.to_owned(),
                proj: None,
            });
        }
        let proj = Proj::new_known_crs(crs, WGS84, None).map_err(|e| CrsError::Unknown {
            crs: crs.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            crs: crs.to_owned(),
            proj: Some(proj),
        })
    }

    /// The source CRS as given.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.crs
    }

    /// Whether the source is WGS84 already.
    #[must_use]
    pub fn is_identity(&self) -> bool {
        self.proj.is_none()
    }

    /// Transforms one coordinate.
    ///
    /// # Units
    /// In: the source CRS's units in (x, y) = (easting/longitude, northing/latitude)
    /// order. Out: WGS84 degrees (lon, lat).
    pub fn transform(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        let Some(p) = &self.proj else {
            return Ok((x, y));
        };
        let (lon, lat) = p.convert((x, y)).map_err(|e| CrsError::Transform {
            crs: self.crs.clone(),
            x,
            y,
            reason: e.to_string(),
        })?;
        if lon.is_finite() && lat.is_finite() {
            Ok((lon, lat))
        } else {
            Err(CrsError::Transform {
                crs: self.crs.clone(),
                x,
                y,
                reason: "PROJ returned no finite result".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_51s_to_wgs84() {
        let r = Reprojector::to_wgs84("EPSG:32751").expect("known");
        // The central meridian of zone 51 is 123°E; false easting 500 km, false
        // northing 10,000 km in the south.
        let (lon, lat) = r.transform(500_000.0, 10_000_000.0).expect("transform");
        assert!(
            (lon - 123.0).abs() < 1e-9 && lat.abs() < 1e-9,
            "{lon} {lat}"
        );
        // Kendari's centre, about 122.51°E 3.97°S, lies west of the meridian.
        let (lon, lat) = r.transform(445_600.0, 9_561_000.0).expect("transform");
        assert!(
            (122.4..122.6).contains(&lon) && (-4.1..-3.8).contains(&lat),
            "{lon} {lat}"
        );
    }

    #[test]
    fn wgs84_is_identity_and_unknown_is_an_error() {
        let r = Reprojector::to_wgs84("EPSG:4326").expect("wgs84");
        assert!(r.is_identity());
        assert_eq!(r.transform(122.5, -3.9).expect("id"), (122.5, -3.9));
        let e = Reprojector::to_wgs84("EPSG:999999").err().expect("unknown");
        assert!(e.to_string().contains("EPSG:999999"));
    }
}
