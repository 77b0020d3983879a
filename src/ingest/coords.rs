//! Coordinates to WGS84: the step between column mapping and validation.
//!
//! Everything sigap stores is WGS84 longitude/latitude, but files come in UTM metres
//! (Kendari: EPSG:32751), DGN95 or degrees. The source CRS is `--crs` if given, else
//! what the file declares (a `.prj`, a GeoPackage's SRS, a GeoJSON `crs` member),
//! else WGS84 for `lat`/`lon` columns. A record's position is its geometry, else its
//! `x`/`y` fields (easting/northing columns, which need a CRS), else its `lon`/`lat`
//! fields; [`Coordinates::apply`] rewrites it in WGS84 (geometry positions in place,
//! `x`/`y` as new `lon`/`lat` fields with 9 decimals, about 0.1 mm).
//!
//! A wrong CRS does not fail one row, it fails them all, and the per-row message
//! ("outside the villages' extent") would hide the cause. So the first positions are
//! checked: if none of the first [`SAMPLE`] lands where the city can be (the stored
//! villages' extent grown by [`PLAUSIBLE_MARGIN_DEG`], or Indonesia when importing
//! villages), the import stops with [`IngestError::Crs`], saying what the numbers
//! look like (metres declared as degrees, the wrong UTM hemisphere) and which
//! `--crs` would put them in place.

use super::IngestError;
use super::crs::Reprojector;
use super::fields::{self, Decimal};
use super::source::{RawGeometry, Record};
use super::validate::FieldError;
use geo::Rect;
use std::path::{Path, PathBuf};

/// How many of the first positions are checked before the CRS is trusted.
pub const SAMPLE: usize = 8;
/// How far outside the villages' extent (degrees, about 55 km) a position may land
/// and still count as "in the city" for the CRS check; single stray points are left
/// to validation.
pub const PLAUSIBLE_MARGIN_DEG: f64 = 0.5;
/// Indonesia's bounding box (Sabang to Merauke, Miangas to Rote) grown by a degree:
/// where villages can be when none is stored yet.
///
/// # Units
/// WGS84 degrees: `(min lon, min lat, max lon, max lat)`.
pub const INDONESIA: (f64, f64, f64, f64) = (94.0, -12.0, 142.0, 7.5);
/// UTM zones that cover Indonesia (46 to 54), for suggestions.
const UTM_ZONES: std::ops::RangeInclusive<u32> = 46..=54;

/// Brings a record's position into WGS84 `lat`/`lon` fields (or geometry).
pub struct Coordinates {
    path: PathBuf,
    /// `"line"`, `"feature"` or `"row"`, for messages.
    unit: &'static str,
    /// The source CRS and where it came from, for messages.
    source: Option<Source>,
    reprojector: Option<Reprojector>,
    /// Where the city can be.
    ///
    /// # Units
    /// WGS84 degrees.
    region: Rect<f64>,
    region_name: &'static str,
    check: Check,
}

struct Source {
    crs: String,
    /// `"--crs"` or `"the file"`.
    from: &'static str,
}

enum Check {
    /// Positions seen so far, none of which landed in the region.
    Pending(Vec<Miss>),
    Done,
}

/// A position that did not land in the region.
struct Miss {
    at: u64,
    /// As read, in the source CRS.
    x: f64,
    y: f64,
    /// Where it landed in WGS84 (`None`: PROJ could not transform it).
    landed: Option<(f64, f64)>,
}

/// Which fields a position was read from.
#[derive(Clone, Copy)]
enum Origin {
    Geometry,
    Xy,
    LonLat,
}

impl Coordinates {
    /// Chooses the source CRS: `crs` (`--crs`) if given, else `declared` (the
    /// file's), else none (positions are taken as WGS84 degrees).
    ///
    /// # Units
    /// `extent`: the stored villages' extent, WGS84 degrees; `None` for villages.
    pub fn new(
        path: &Path,
        unit: &'static str,
        crs: Option<&str>,
        declared: Option<&str>,
        extent: Option<Rect<f64>>,
    ) -> Result<Self, IngestError> {
        let source = match (crs, declared) {
            (Some(c), _) => Some(Source {
                crs: c.trim().to_string(),
                from: "--crs",
            }),
            (None, Some(d)) => Some(Source {
                crs: d.trim().to_string(),
                from: "the file",
            }),
            (None, None) => None,
        };
        let reprojector = match &source {
            Some(s) => Some(Reprojector::to_wgs84(&s.crs).map_err(|e| IngestError::Crs {
                path: path.to_path_buf(),
                reason: format!(
                    "the CRS given by {} cannot be used ({e}); pass --crs EPSG:NNNN \
                     (e.g. EPSG:32751 for UTM zone 51S, Kendari)",
                    s.from
                ),
            })?),
            None => None,
        };
        let m = PLAUSIBLE_MARGIN_DEG;
        let (region, region_name) = if let Some(e) = extent {
            let grown = Rect::new(
                (e.min().x - m, e.min().y - m),
                (e.max().x + m, e.max().y + m),
            );
            (grown, "the stored villages")
        } else {
            let (x0, y0, x1, y1) = INDONESIA;
            (Rect::new((x0, y0), (x1, y1)), "Indonesia")
        };
        Ok(Self {
            path: path.to_path_buf(),
            unit,
            source,
            reprojector,
            region,
            region_name,
            check: Check::Pending(Vec::new()),
        })
    }

    /// Rewrites the record's position in WGS84.
    ///
    /// `Err` stops the whole import (the CRS cannot be right); `Ok(Err)` rejects this
    /// record only (a position PROJ cannot transform, x/y that are not numbers).
    pub fn apply(&mut self, record: &mut Record) -> Result<Result<(), FieldError>, IngestError> {
        let (origin, x, y) = match first_position(record) {
            Ok(Some(found)) => found,
            Ok(None) => return Ok(Ok(())),
            Err(e) => return Ok(Err(e)),
        };
        if matches!(origin, Origin::Xy) && self.reprojector.is_none() {
            return Err(self.refuse_missing_crs(record.at, x, y));
        }
        let landed = self.transform(x, y);
        if let Check::Pending(misses) = &mut self.check {
            let in_region =
                |p: (f64, f64)| contains(self.region, p) || contains(self.region, (p.1, p.0));
            if landed.as_ref().is_ok_and(|&p| in_region(p)) {
                self.check = Check::Done;
            } else {
                misses.push(Miss {
                    at: record.at,
                    x,
                    y,
                    landed: landed.as_ref().ok().copied(),
                });
                if misses.len() >= SAMPLE {
                    return Err(self.refuse());
                }
            }
        }
        let Some(reprojector) = self.reprojector.as_ref().filter(|r| !r.is_identity()) else {
            if matches!(origin, Origin::Xy) {
                // x/y declared as WGS84: they are lon/lat as written.
                set_lon_lat(record, x, y);
            }
            return Ok(Ok(()));
        };
        Ok(match origin {
            Origin::Geometry => record
                .geometry
                .as_mut()
                .map_or(Ok(()), |g| reproject_geometry(reprojector, g)),
            Origin::Xy | Origin::LonLat => match landed {
                Ok((lon, lat)) => {
                    set_lon_lat(record, lon, lat);
                    Ok(())
                }
                Err(reason) => Err(FieldError {
                    field: origin.field().into(),
                    reason,
                }),
            },
        })
    }

    /// Ends the check: stops the import if every position seen missed the region.
    pub fn finish(&self) -> Result<(), IngestError> {
        match &self.check {
            Check::Pending(misses) if !misses.is_empty() => Err(self.refuse()),
            _ => Ok(()),
        }
    }

    /// `(x, y)` in WGS84 `(lon, lat)`, or why not.
    fn transform(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        match &self.reprojector {
            Some(r) => r.transform(x, y).map_err(|e| e.to_string()),
            None => Ok((x, y)),
        }
    }

    fn crs_label(&self) -> String {
        match &self.source {
            Some(s) => format!("{} (from {})", short(&s.crs), s.from),
            None => "WGS84 degrees (no CRS declared)".into(),
        }
    }

    /// Why the sampled positions cannot be in the source CRS, and what to try.
    fn refuse(&self) -> IngestError {
        let Check::Pending(misses) = &self.check else {
            return IngestError::Crs {
                path: self.path.clone(),
                reason: "coordinate check failed".into(),
            };
        };
        let first = &misses[0];
        let (x, y) = (first.x, first.y);
        let degrees = self.source_in_degrees();
        let metric_values = x.abs() > 180.0 || y.abs() > 90.0;
        let what = if degrees && metric_values {
            "look like metres (UTM?) declared as degrees".to_string()
        } else if !degrees && !metric_values {
            "look like degrees declared as metres".to_string()
        } else {
            match first.landed {
                Some((lon, lat)) if contains(self.region, (lon, -lat)) => format!(
                    "land at lat {lat:.4}, lon {lon:.4}: the mirror image of {} across the \
                     equator (a northern UTM zone used for a city south of it?)",
                    self.region_name
                ),
                Some((lon, lat)) => format!(
                    "land at lat {lat:.4}, lon {lon:.4}, far from {}",
                    self.region_name
                ),
                None => "cannot be transformed to WGS84".to_string(),
            }
        };
        let n = misses.len();
        let reason = format!(
            "coordinates cannot be in {}: {n} of the first positions, like ({x}, {y}) at \
             {} {}, {what}; {}",
            self.crs_label(),
            self.unit,
            first.at,
            self.suggestion(misses)
        );
        IngestError::Crs {
            path: self.path.clone(),
            reason,
        }
    }

    fn refuse_missing_crs(&self, at: u64, x: f64, y: f64) -> IngestError {
        let miss = Miss {
            at,
            x,
            y,
            landed: None,
        };
        IngestError::Crs {
            path: self.path.clone(),
            reason: format!(
                "x/y columns (like ({x}, {y}) at {} {at}) need a coordinate reference \
                 system and the file declares none; {}",
                self.unit,
                self.suggestion(std::slice::from_ref(&miss))
            ),
        }
    }

    /// Whether the source CRS counts in degrees (WGS84 assumed when none is given).
    fn source_in_degrees(&self) -> bool {
        match (&self.source, &self.reprojector) {
            (None, _) => true,
            (Some(_), Some(r)) if r.is_identity() => true,
            (Some(s), _) => ::gdal::spatial_ref::SpatialRef::from_definition(&s.crs)
                .is_ok_and(|srs| srs.is_geographic()),
        }
    }

    /// `try --crs EPSG:NNNN` with the first CRS that puts the sampled positions in
    /// the region: the other hemisphere of a declared UTM zone, WGS84, then the UTM
    /// zones over Indonesia.
    fn suggestion(&self, misses: &[Miss]) -> String {
        let mut candidates = Vec::new();
        if let Some((zone, north)) = self.source.as_ref().and_then(|s| utm_zone(&s.crs)) {
            candidates.push(utm_code(zone, !north));
        }
        candidates.push("EPSG:4326".to_string());
        for south in [true, false] {
            for zone in UTM_ZONES {
                candidates.push(utm_code(zone, !south));
            }
        }
        let current = self.source.as_ref().map(|s| short(&s.crs));
        let fits: Vec<String> = candidates
            .into_iter()
            .filter(|c| Some(c.as_str()) != current.as_deref())
            .filter(|c| self.fits(c, misses))
            .collect();
        match fits.as_slice() {
            [] => "check the file's CRS and give the right one with --crs EPSG:NNNN \
                   (Kendari, UTM zone 51S: --crs EPSG:32751)"
                .into(),
            [one] => format!("try --crs {one}"),
            [first, ..]
                if first == "EPSG:4326"
                    || utm_zone(first).is_some_and(|(z, _)| {
                        self.source
                            .as_ref()
                            .and_then(|s| utm_zone(&s.crs))
                            .is_some_and(|(d, _)| d == z)
                    }) =>
            {
                format!("try --crs {first}")
            }
            several => format!(
                "try --crs with your city's UTM zone, one of {} (Kendari: EPSG:32751)",
                several.join(", ")
            ),
        }
    }

    /// Whether most of the sampled positions land in the region from `crs`.
    fn fits(&self, crs: &str, misses: &[Miss]) -> bool {
        let Ok(r) = Reprojector::to_wgs84(crs) else {
            return false;
        };
        let inside = misses
            .iter()
            .filter(|m| {
                r.transform(m.x, m.y)
                    .is_ok_and(|p| contains(self.region, p))
            })
            .count();
        inside * 2 > misses.len()
    }
}

impl Origin {
    fn field(self) -> &'static str {
        match self {
            Self::Geometry => "geometry",
            Self::Xy => "x/y",
            Self::LonLat => "lat/lon",
        }
    }
}

/// The record's first position as read: from its geometry, its `x`/`y` fields or its
/// `lon`/`lat` fields. `Ok(None)` when it has none readable (validation says why).
fn first_position(record: &Record) -> Result<Option<(Origin, f64, f64)>, FieldError> {
    if let Some(g) = &record.geometry {
        return Ok(first_vertex(g).map(|(x, y)| (Origin::Geometry, x, y)));
    }
    let (x, y) = (record.get("x"), record.get("y"));
    if !x.is_empty() || !y.is_empty() {
        let parse = |field: &str, text: &str| {
            if text.is_empty() {
                return Err(FieldError {
                    field: field.into(),
                    reason: "empty; a value is required".into(),
                });
            }
            fields::number(text, Decimal::DotOrComma).map_err(|reason| FieldError {
                field: field.into(),
                reason,
            })
        };
        return Ok(Some((Origin::Xy, parse("x", x)?, parse("y", y)?)));
    }
    let number = |t: &str| fields::number(t, Decimal::DotOrComma).ok();
    Ok(number(record.get("lon"))
        .zip(number(record.get("lat")))
        .map(|(lon, lat)| (Origin::LonLat, lon, lat)))
}

fn first_vertex(g: &RawGeometry) -> Option<(f64, f64)> {
    let pos = |p: &Vec<f64>| match p.as_slice() {
        [x, y, ..] => Some((*x, *y)),
        _ => None,
    };
    match g {
        RawGeometry::Point(p) => pos(p),
        RawGeometry::Polygon(rings) => rings.first()?.first().and_then(pos),
        RawGeometry::MultiPolygon(parts) => parts.first()?.first()?.first().and_then(pos),
        RawGeometry::Other(_) | RawGeometry::Missing | RawGeometry::Invalid(_) => None,
    }
}

/// Rewrites every position of `g` in WGS84, keeping any third ordinate.
fn reproject_geometry(r: &Reprojector, g: &mut RawGeometry) -> Result<(), FieldError> {
    let one = |p: &mut Vec<f64>| -> Result<(), FieldError> {
        if let [x, y, ..] = p.as_mut_slice() {
            let (lon, lat) = r.transform(*x, *y).map_err(|e| FieldError {
                field: "geometry".into(),
                reason: e.to_string(),
            })?;
            (*x, *y) = (lon, lat);
        }
        Ok(())
    };
    match g {
        RawGeometry::Point(p) => one(p),
        RawGeometry::Polygon(rings) => rings.iter_mut().flatten().try_for_each(one),
        RawGeometry::MultiPolygon(parts) => parts.iter_mut().flatten().flatten().try_for_each(one),
        RawGeometry::Other(_) | RawGeometry::Missing | RawGeometry::Invalid(_) => Ok(()),
    }
}

/// Writes WGS84 `lon`/`lat` fields, with enough decimals to keep 0.1 mm.
///
/// # Units
/// WGS84 degrees.
fn set_lon_lat(record: &mut Record, lon: f64, lat: f64) {
    record.fields.insert("lon".into(), format!("{lon:.9}"));
    record.fields.insert("lat".into(), format!("{lat:.9}"));
}

/// # Units
/// `p` is `(lon, lat)` in WGS84 degrees, like `r`.
fn contains(r: Rect<f64>, p: (f64, f64)) -> bool {
    (r.min().x..=r.max().x).contains(&p.0) && (r.min().y..=r.max().y).contains(&p.1)
}

/// `(zone, north)` of a WGS84 UTM CRS named `EPSG:326zz` or `EPSG:327zz`.
fn utm_zone(crs: &str) -> Option<(u32, bool)> {
    let code: u32 = crs.trim().strip_prefix("EPSG:")?.parse().ok()?;
    match code {
        32601..=32660 => Some((code - 32600, true)),
        32701..=32760 => Some((code - 32700, false)),
        _ => None,
    }
}

fn utm_code(zone: u32, north: bool) -> String {
    format!("EPSG:{}", if north { 32600 } else { 32700 } + zone)
}

/// A CRS for messages: a code as it is, a WKT by its name.
fn short(crs: &str) -> String {
    if crs.len() < 40 {
        return crs.to_string();
    }
    crs.split('"')
        .nth(1)
        .map_or_else(|| crs.chars().take(40).collect(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{FEATURE, LINE};
    use std::collections::HashMap;

    fn unit(path: &Path) -> &'static str {
        if path.extension().is_some_and(|e| e == "csv") {
            LINE
        } else {
            FEATURE
        }
    }

    /// Kendari's villages' extent.
    fn kendari() -> Rect<f64> {
        Rect::new((122.45, -4.10), (122.65, -3.90))
    }

    fn point(at: u64, x: f64, y: f64) -> Record {
        Record {
            at,
            fields: HashMap::new(),
            geometry: Some(RawGeometry::Point(vec![x, y])),
            raw: String::new(),
        }
    }

    fn xy(at: u64, x: &str, y: &str) -> Record {
        Record {
            at,
            fields: [
                ("x".to_string(), x.to_string()),
                ("y".to_string(), y.to_string()),
            ]
            .into_iter()
            .collect(),
            geometry: None,
            raw: String::new(),
        }
    }

    /// Feeds `records` and returns the error that stopped them, if any.
    fn run(c: &mut Coordinates, records: &mut [Record]) -> Option<String> {
        for r in records.iter_mut() {
            if let Err(e) = c.apply(r) {
                return Some(e.to_string());
            }
        }
        c.finish().err().map(|e| e.to_string())
    }

    #[test]
    fn utm_51s_points_and_xy_become_wgs84() {
        let path = Path::new("anak.gpkg");
        let mut c = Coordinates::new(path, unit(path), None, Some("EPSG:32751"), Some(kendari()))
            .expect("crs");
        let mut records = [point(1, 445_600.0, 9_561_000.0), xy(2, "445600", "9561000")];
        assert_eq!(run(&mut c, &mut records), None);
        let Some(RawGeometry::Point(p)) = &records[0].geometry else {
            panic!("{:?}", records[0].geometry)
        };
        // From `echo 445600 9561000 | gdaltransform -s_srs EPSG:32751 -t_srs EPSG:4326
        // -output_xy`: 122.509957915651 -3.97156111906696.
        let (lon, lat) = (122.509_957_915_651, -3.971_561_119_066_96);
        assert!(
            (p[0] - lon).abs() < 1e-11 && (p[1] - lat).abs() < 1e-11,
            "{p:?}"
        );
        let lon: f64 = records[1].get("lon").parse().expect("lon");
        assert!((lon - p[0]).abs() < 1e-9, "{lon}");
        assert_eq!(
            records[1].get("lat").split('.').nth(1).map(str::len),
            Some(9)
        );
    }

    #[test]
    fn metres_declared_as_degrees_suggest_the_utm_zone() {
        let path = Path::new("rumah.gpkg");
        let mut c = Coordinates::new(path, unit(path), None, Some("EPSG:4326"), Some(kendari()))
            .expect("crs");
        let mut records: Vec<Record> = (0..3)
            .map(|i| point(i + 1, 445_600.0 + i as f64, 9_561_000.0))
            .collect();
        let e = run(&mut c, &mut records).expect("refused");
        assert!(
            e.starts_with("rumah.gpkg: coordinates cannot be in EPSG:4326"),
            "{e}"
        );
        assert!(
            e.contains("look like metres (UTM?) declared as degrees"),
            "{e}"
        );
        assert!(e.ends_with("try --crs EPSG:32751"), "{e}");
    }

    #[test]
    fn a_northern_zone_for_a_southern_city_suggests_the_southern_one() {
        let path = Path::new("anak.shp");
        let mut c = Coordinates::new(path, unit(path), None, Some("EPSG:32651"), Some(kendari()))
            .expect("crs");
        let mut records: Vec<Record> = (0..SAMPLE as u64)
            .map(|i| point(i + 1, 445_600.0, 9_561_000.0 + i as f64))
            .collect();
        let e = run(&mut c, &mut records).expect("refused");
        assert!(e.contains("far from the stored villages"), "{e}");
        assert!(e.ends_with("try --crs EPSG:32751"), "{e}");
        // Northings measured from the equator, as a northern zone writes them: the
        // points land in the mirror image of the city.
        let mut c = Coordinates::new(path, unit(path), None, Some("EPSG:32651"), Some(kendari()))
            .expect("crs");
        let mut mirrored = [point(1, 445_600.0, 438_900.0)];
        let e = run(&mut c, &mut mirrored).expect("refused");
        assert!(e.contains("mirror image"), "{e}");
    }

    #[test]
    fn xy_without_a_crs_is_refused_and_one_good_point_is_enough() {
        let path = Path::new("anak.csv");
        let mut c = Coordinates::new(path, unit(path), None, None, Some(kendari())).expect("none");
        let e = run(&mut c, &mut [xy(2, "445600", "9561000")]).expect("refused");
        assert!(
            e.contains("x/y columns (like (445600, 9561000) at line 2)"),
            "{e}"
        );
        assert!(e.ends_with("try --crs EPSG:32751"), "{e}");
        // A bad first position followed by a good one is a row problem, not a CRS one.
        let mut c = Coordinates::new(path, unit(path), Some("EPSG:32751"), None, Some(kendari()))
            .expect("crs");
        let mut records = [
            xy(2, "1", "2"),
            xy(3, "445600", "9561000"),
            xy(4, "abc", "1"),
        ];
        let results: Vec<_> = records
            .iter_mut()
            .map(|r| c.apply(r).expect("not fatal"))
            .collect();
        assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
        assert_eq!(
            results[2].as_ref().err().map(|e| e.field.as_str()),
            Some("x")
        );
        assert!(c.finish().is_ok());
    }

    #[test]
    fn wgs84_lat_lon_are_left_as_written() {
        let mut c =
            Coordinates::new(Path::new("a.csv"), LINE, None, None, Some(kendari())).expect("none");
        let mut r = xy(2, "", "");
        r.fields.clear();
        r.fields.insert("lat".into(), "-3.97".into());
        r.fields.insert("lon".into(), "122.51".into());
        assert!(c.apply(&mut r).expect("ok").is_ok());
        assert_eq!((r.get("lat"), r.get("lon")), ("-3.97", "122.51"));
        assert!(c.finish().is_ok());
    }
}
