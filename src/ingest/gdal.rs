//! GIS files through GDAL: Shapefile, GeoPackage, KML/KMZ, `FlatGeobuf`, and XLSX/ODS
//! sheets, read feature by feature into the same [`Record`]s as the CSV and GeoJSON
//! readers.
//!
//! Planners get village boundaries from a GIS office and children from spreadsheets;
//! GDAL (the system library, Debian 12: 3.6.2) already knows every such format, its
//! encodings (a Shapefile's `.cpg` or DBF code page) and its CRS (a `.prj`, a
//! GeoPackage's `gpkg_spatial_ref_sys`). This reader only picks the layer, turns each
//! attribute into text and each geometry into a [`RawGeometry`] in the layer's own
//! CRS; `coords` reprojects, [`super::validate`] judges.
//!
//! Steps of [`open`]: open the file with the drivers of its format only (a `.gpkg`
//! that is not a GeoPackage fails here with GDAL's reason), choose the layer (refuse
//! to guess between several), refuse an empty one, read the CRS, then stream the
//! features. A read error part way through (a truncated file) stops the import:
//! GDAL reports it through its error handler, which this module routes to
//! [`tracing`] and remembers per thread.

use super::IngestError;
use super::source::{Item, RawGeometry, Record};
use ::gdal::errors::CplErrType;
use ::gdal::spatial_ref::SpatialRef;
use ::gdal::vector::{
    Feature, FieldValue, Geometry, LayerAccess, OGRwkbGeometryType, OwnedFeatureIterator,
    geometry_type_flatten, geometry_type_to_name,
};
use ::gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How a GDAL layer numbers its records in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// 1-based position in the layer (Shapefile FIDs start at 0, GeoPackage's at
    /// whatever the table holds; the position is what a user can count).
    Feature,
    /// The spreadsheet row: GDAL's XLSX and ODS drivers use it as the FID.
    Row,
}

/// One layer of a file, as `sigap layers` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    pub name: String,
    /// GDAL's name for the geometry type (`Point`, `Multi Polygon`, `None`).
    pub geometry: String,
    pub features: u64,
    /// `EPSG:NNNN` when GDAL can identify it, a WKT name otherwise, `None` for none.
    pub crs: Option<String>,
    /// Field names (as written) and GDAL type names.
    pub fields: Vec<(String, String)>,
}

impl fmt::Display for LayerInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let crs = self.crs.as_deref().unwrap_or("none");
        let crs = crs.lines().next().unwrap_or(crs);
        writeln!(
            f,
            "{}: {} features, geometry {}, CRS {crs}",
            self.name, self.features, self.geometry
        )?;
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(name, ty)| format!("{name} ({ty})"))
            .collect();
        write!(f, "  fields: {}", fields.join(", "))
    }
}

/// A layer opened for reading, with what the import needs to know about it.
pub struct Opened {
    pub source: GdalSource,
    /// The layer's CRS as an authority code (`EPSG:32751`) or WKT; `None` when the
    /// layer has none (spreadsheets).
    pub crs: Option<String>,
    pub features: u64,
    pub has_geometry: bool,
}

/// The features of one GDAL layer, read one at a time.
pub struct GdalSource {
    path: PathBuf,
    layer: String,
    features: OwnedFeatureIterator,
    /// Field index and name (trimmed, as written).
    fields: Vec<(usize, String)>,
    /// Whether the header has been yielded.
    header_sent: bool,
    has_geometry: bool,
    numbering: Numbering,
    /// Records yielded so far, of the `expected` the layer counts.
    read: u64,
    expected: u64,
    done: bool,
}

/// Opens `path` with one of `drivers` and chooses its layer.
pub fn open(
    path: &Path,
    drivers: &[&str],
    numbering: Numbering,
    layer: Option<&str>,
) -> Result<Opened, IngestError> {
    let dataset = open_dataset(path, Some(drivers))?;
    let index = choose_layer(path, &dataset, layer)?;
    let layer = dataset
        .into_layer(index)
        .map_err(|e| unreadable(path, &e))?;
    let name = layer.name();
    let features = layer.feature_count();
    if features == 0 {
        return Err(IngestError::EmptyLayer {
            path: path.to_path_buf(),
            layer: name,
        });
    }
    let crs = layer.spatial_ref().map(|s| crs_name(&s));
    if crs.is_none()
        && let Some(prj) = sibling_prj(path)
    {
        return Err(IngestError::Format {
            path: path.to_path_buf(),
            reason: format!(
                "{} is beside it but GDAL cannot read a coordinate reference system from \
                 it; fix or remove the .prj (then give --crs if the coordinates are not \
                 degrees)",
                prj.display()
            ),
        });
    }
    let has_geometry = layer.defn().geom_fields().count() > 0;
    let fields = layer
        .defn()
        .fields()
        .enumerate()
        .map(|(i, f)| (i, f.name().trim().to_string()))
        .collect();
    Ok(Opened {
        source: GdalSource {
            path: path.to_path_buf(),
            layer: name,
            features: layer.owned_features(),
            fields,
            header_sent: false,
            has_geometry,
            numbering,
            read: 0,
            expected: features,
            done: false,
        },
        crs,
        features,
        has_geometry,
    })
}

/// Every layer of a file GDAL can read, for `sigap layers`.
pub fn layers(path: &Path) -> Result<Vec<LayerInfo>, IngestError> {
    let dataset = open_dataset(path, None)?;
    Ok(dataset
        .layers()
        .map(|layer| {
            let geometry = layer
                .defn()
                .geom_fields()
                .next()
                .map_or_else(|| "None".into(), |g| geometry_type_to_name(g.field_type()));
            LayerInfo {
                name: layer.name(),
                geometry,
                features: layer.feature_count(),
                crs: layer.spatial_ref().map(|s| crs_name(&s)),
                fields: layer
                    .defn()
                    .fields()
                    .map(|f| {
                        let ty = ::gdal::vector::field_type_to_name(f.field_type());
                        (f.name(), ty)
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Opens a vector dataset read-only; spreadsheets always have a header row.
fn open_dataset(path: &Path, drivers: Option<&[&str]>) -> Result<Dataset, IngestError> {
    // Not found is an I/O error, not a format problem.
    std::fs::metadata(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    init_error_handler();
    // GDAL guesses whether a sheet's first row is a header, and guesses "no" when
    // every cell is text (a NIK column saved as text); sigap's sheets always have one.
    for option in ["OGR_XLSX_HEADERS", "OGR_ODS_HEADERS"] {
        ::gdal::config::set_thread_local_config_option(option, "FORCE")
            .map_err(|e| unreadable(path, &e))?;
    }
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR
            | GdalOpenFlags::GDAL_OF_READONLY
            | GdalOpenFlags::GDAL_OF_VERBOSE_ERROR,
        allowed_drivers: drivers,
        ..DatasetOptions::default()
    };
    take_failure();
    Dataset::open_ex(path, options).map_err(|e| {
        let detail = take_failure().unwrap_or_else(|| e.to_string());
        let what = drivers.map_or_else(|| "a GIS file".to_string(), |d| d.join(" or "));
        IngestError::Unreadable {
            path: path.to_path_buf(),
            reason: format!(
                "GDAL cannot open it as {what} ({detail}); is it damaged or truncated, \
                 or another format under this extension?"
            ),
        }
    })
}

/// The index of the layer to read: the one named, or the only one.
fn choose_layer(
    path: &Path,
    dataset: &Dataset,
    wanted: Option<&str>,
) -> Result<usize, IngestError> {
    let all: Vec<(String, u64)> = dataset
        .layers()
        .map(|l| (l.name(), l.feature_count()))
        .collect();
    let error = |reason: String| IngestError::Layer {
        path: path.to_path_buf(),
        reason,
        layers: all.clone(),
    };
    match (wanted, all.len()) {
        (_, 0) => Err(IngestError::Unreadable {
            path: path.to_path_buf(),
            reason: "the file has no vector layers".into(),
        }),
        (None, 1) => Ok(0),
        (None, n) => Err(error(format!("the file has {n} layers"))),
        (Some(name), _) => all
            .iter()
            .position(|(l, _)| l == name)
            .or_else(|| {
                let mut same = all
                    .iter()
                    .enumerate()
                    .filter(|(_, (l, _))| l.eq_ignore_ascii_case(name));
                match (same.next(), same.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            })
            .ok_or_else(|| error(format!("there is no layer `{name}`"))),
    }
}

/// A Shapefile's `.prj` (any case of the extension), when there is one.
fn sibling_prj(path: &Path) -> Option<PathBuf> {
    let is_shp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if !is_shp {
        return None;
    }
    ["prj", "PRJ", "Prj"]
        .iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.is_file())
}

/// A CRS as PROJ will take it: `EPSG:NNNN` when GDAL can identify it, else WKT.
fn crs_name(srs: &SpatialRef) -> String {
    let code = |s: &SpatialRef| match (s.auth_name(), s.auth_code()) {
        (Some(auth), Ok(code)) => Some(format!("{auth}:{code}")),
        _ => None,
    };
    if let Some(c) = code(srs) {
        return c;
    }
    // A Shapefile's .prj is ESRI WKT without codes; GDAL can often match it.
    if let Ok(mut copy) = srs.to_wkt().and_then(|w| SpatialRef::from_wkt(&w))
        && copy.auto_identify_epsg().is_ok()
        && let Some(c) = code(&copy)
    {
        return c;
    }
    srs.to_wkt().unwrap_or_default()
}

impl GdalSource {
    /// The layer being read.
    #[must_use]
    pub fn layer(&self) -> &str {
        &self.layer
    }
}

impl Iterator for GdalSource {
    type Item = Result<Item, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if !self.header_sent {
            self.header_sent = true;
            return Some(Ok(Item::Header {
                columns: self.fields.iter().map(|(_, name)| name.clone()).collect(),
                // No column separator to confuse with: `3,97` in a text cell is a
                // decimal comma.
                decimal_comma: true,
            }));
        }
        take_failure();
        let mut features = &mut self.features;
        let next = features.next();
        // A read error (a truncated page or record) is only in GDAL's message; the
        // feature may still come, incomplete, or the layer may end early.
        if let Some(detail) = take_failure() {
            self.done = true;
            let (read, expected) = (self.read, self.expected);
            return Some(Err(IngestError::Unreadable {
                path: self.path.clone(),
                reason: format!(
                    "reading stopped after {read} of {expected} features: {detail}; the \
                     file may be truncated or damaged"
                ),
            }));
        }
        // The layer's count is not a check: a Shapefile counts its deleted records.
        let Some(feature) = next else {
            self.done = true;
            return None;
        };
        self.read += 1;
        let at = match self.numbering {
            Numbering::Feature => self.read,
            Numbering::Row => feature.fid().unwrap_or(self.read),
        };
        let record = record(at, &feature, &self.fields, self.has_geometry);
        if let Some(detail) = take_failure() {
            self.done = true;
            return Some(Err(IngestError::Unreadable {
                path: self.path.clone(),
                reason: format!(
                    "feature {}: {detail}; the file may be truncated or damaged",
                    self.read
                ),
            }));
        }
        Some(Ok(Item::Record(record)))
    }
}

/// One feature as a record: every attribute as text, the geometry as written.
fn record(at: u64, feature: &Feature<'_>, names: &[(usize, String)], has_geometry: bool) -> Record {
    let mut fields = HashMap::with_capacity(names.len());
    let mut raw = Map::with_capacity(names.len() + 1);
    for (i, name) in names {
        let text = match feature.field(*i) {
            Ok(value) => text(value),
            // A type the bindings do not convert (binary, time): GDAL's own text.
            Err(_) => feature
                .field_as_string(*i)
                .ok()
                .flatten()
                .unwrap_or_default(),
        };
        raw.insert(name.clone(), Value::String(text.clone()));
        fields.insert(name.clone(), text);
    }
    let geometry = has_geometry.then(|| {
        feature
            .geometry()
            .map_or(RawGeometry::Missing, raw_geometry)
    });
    if let Some(g) = &geometry {
        raw.insert("geometry".into(), Value::String(wkt(g)));
    }
    Record {
        at,
        fields,
        geometry,
        raw: Value::Object(raw).to_string(),
    }
}

/// An attribute as text: numbers as Rust writes them (shortest exact form), dates
/// as `YYYY-MM-DD` (a spreadsheet date cell), lists joined with commas.
fn text(value: Option<FieldValue>) -> String {
    let join = |v: Vec<String>| v.join(",");
    match value {
        None => String::new(),
        Some(FieldValue::StringValue(s)) => s,
        Some(FieldValue::IntegerValue(n)) => n.to_string(),
        Some(FieldValue::Integer64Value(n)) => n.to_string(),
        Some(FieldValue::RealValue(x)) => x.to_string(),
        Some(FieldValue::DateValue(d)) => d.format("%Y-%m-%d").to_string(),
        Some(FieldValue::DateTimeValue(t)) => {
            if t.time() == chrono::NaiveTime::MIN {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }
        Some(FieldValue::StringListValue(v)) => v.join(","),
        Some(FieldValue::IntegerListValue(v)) => join(v.iter().map(ToString::to_string).collect()),
        Some(FieldValue::Integer64ListValue(v)) => {
            join(v.iter().map(ToString::to_string).collect())
        }
        Some(FieldValue::RealListValue(v)) => join(v.iter().map(ToString::to_string).collect()),
    }
}

/// A GDAL geometry as sigap's raw geometry, 2D, in the layer's CRS.
fn raw_geometry(g: &Geometry) -> RawGeometry {
    // The bindings hand a feature without geometry over as a geometry wrapping a
    // null pointer; GDAL answers "unknown type" for it (and complains, which is not
    // a read error). A real geometry always has a type.
    if g.geometry_type() == OGRwkbGeometryType::wkbUnknown {
        take_failure();
        return RawGeometry::Missing;
    }
    if g.is_empty() {
        return RawGeometry::Missing;
    }
    let ring = |r: &Geometry| {
        let mut points = Vec::with_capacity(r.point_count());
        r.get_points(&mut points);
        points
            .into_iter()
            .map(|(x, y, _)| vec![x, y])
            .collect::<Vec<_>>()
    };
    let polygon = |p: &Geometry| {
        (0..p.geometry_count())
            .map(|i| ring(&p.get_geometry(i)))
            .collect::<Vec<_>>()
    };
    match geometry_type_flatten(g.geometry_type()) {
        OGRwkbGeometryType::wkbPoint => {
            let (x, y, _) = g.get_point(0);
            RawGeometry::Point(vec![x, y])
        }
        OGRwkbGeometryType::wkbMultiPoint if g.geometry_count() == 1 => {
            let (x, y, _) = g.get_geometry(0).get_point(0);
            RawGeometry::Point(vec![x, y])
        }
        OGRwkbGeometryType::wkbPolygon => RawGeometry::Polygon(polygon(g)),
        OGRwkbGeometryType::wkbMultiPolygon => RawGeometry::MultiPolygon(
            (0..g.geometry_count())
                .map(|i| polygon(&g.get_geometry(i)))
                .collect(),
        ),
        OGRwkbGeometryType::wkbMultiPoint => RawGeometry::Other("MultiPoint"),
        OGRwkbGeometryType::wkbLineString => RawGeometry::Other("LineString"),
        OGRwkbGeometryType::wkbMultiLineString => RawGeometry::Other("MultiLineString"),
        OGRwkbGeometryType::wkbGeometryCollection => RawGeometry::Other("GeometryCollection"),
        _ => RawGeometry::Other("curved or other geometry"),
    }
}

/// A raw geometry as WKT, for the rejects file.
fn wkt(g: &RawGeometry) -> String {
    let pos = |p: &Vec<f64>| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ring =
        |r: &Vec<Vec<f64>>| format!("({})", r.iter().map(pos).collect::<Vec<_>>().join(", "));
    let polygon =
        |p: &Vec<Vec<Vec<f64>>>| format!("({})", p.iter().map(ring).collect::<Vec<_>>().join(", "));
    match g {
        RawGeometry::Point(p) => format!("POINT ({})", pos(p)),
        RawGeometry::Polygon(p) => format!("POLYGON {}", polygon(p)),
        RawGeometry::MultiPolygon(m) => format!(
            "MULTIPOLYGON ({})",
            m.iter().map(polygon).collect::<Vec<_>>().join(", ")
        ),
        RawGeometry::Other(name) => (*name).to_string(),
        RawGeometry::Missing => String::new(),
        RawGeometry::Invalid(reason) => reason.clone(),
    }
}

fn unreadable(path: &Path, e: &::gdal::errors::GdalError) -> IngestError {
    IngestError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

thread_local! {
    /// The last failure GDAL reported on this thread, until taken.
    static FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Takes the last failure GDAL reported on this thread.
fn take_failure() -> Option<String> {
    FAILURE.with(|f| f.borrow_mut().take())
}

/// Routes GDAL's messages to `tracing` instead of stderr, once per process, and
/// remembers failures so a reader can turn them into an [`IngestError`].
///
/// GDAL signals a failed read by ending the layer early; the failure is only in the
/// message, so the reader checks for one after every feature.
fn init_error_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        ::gdal::config::set_error_handler(|class, number, message| match class {
            CplErrType::Failure | CplErrType::Fatal => {
                tracing::debug!(target: "gdal", number, "{message}");
                // The first failure is the cause; later ones are consequences.
                FAILURE.with(|f| {
                    f.borrow_mut().get_or_insert_with(|| message.to_owned());
                });
            }
            CplErrType::Warning => tracing::warn!(target: "gdal", number, "{message}"),
            CplErrType::None | CplErrType::Debug => {
                tracing::trace!(target: "gdal", number, "{message}");
            }
        });
    });
}

#[cfg(test)]
mod tests;
