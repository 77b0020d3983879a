//! The seam between file formats and validation: every reader yields [`Record`]s.
//!
//! A reader only turns bytes into named text fields (and a geometry when the format
//! carries one); it judges nothing. Validation then sees the same shape whatever the
//! format, so a GDAL-based reader (Shapefile, GeoPackage, XLSX) can be added later as
//! one more file and one more [`Format`] variant.

use super::error::{FEATURE, LINE};
use super::{IngestError, csv, geojson};
use crate::model::LayerKind;
use std::collections::HashMap;
use std::path::Path;

/// One record as read, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// CSV: the physical line where the record starts (header = 1).
    /// GeoJSON: the 1-based feature number.
    pub at: u64,
    /// Column or property name (trimmed, lowercase) to its text, as written.
    pub fields: HashMap<String, String>,
    /// The geometry, for formats that carry one; `None` for CSV.
    pub geometry: Option<RawGeometry>,
    /// The record as written in the source, for the rejects file.
    pub raw: String,
}

impl Record {
    /// The field's text, trimmed; `""` when the column or property is absent.
    #[must_use]
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }
}

/// A geometry as the source wrote it; positions keep every ordinate given.
///
/// # Units
/// WGS84 degrees, each position `[lon, lat, ...]`.
#[derive(Debug, Clone, PartialEq)]
pub enum RawGeometry {
    Point(Vec<f64>),
    Polygon(Vec<Vec<Vec<f64>>>),
    MultiPolygon(Vec<Vec<Vec<Vec<f64>>>>),
    /// A valid geometry of a type sigap does not take here, by its GeoJSON name.
    Other(&'static str),
    /// `geometry` is null or absent.
    Missing,
    /// The geometry could not be parsed; the reason says why.
    Invalid(String),
}

/// What a reader yields: a record, or a record it could not read at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Record(Record),
    /// A record the reader could not split into fields (e.g. invalid UTF-8).
    Broken {
        at: u64,
        reason: String,
        raw: String,
    },
}

/// The file formats sigap reads, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    GeoJson,
}

impl Format {
    /// `.csv` is CSV; `.geojson` and `.json` are GeoJSON (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, IngestError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("geojson" | "json") => Ok(Self::GeoJson),
            _ => Err(IngestError::Format {
                path: path.to_path_buf(),
                reason: "cannot tell the format: expected a .csv, .geojson or .json file".into(),
            }),
        }
    }

    /// What a record number means in this format: `"line"` or `"feature"`.
    #[must_use]
    pub fn unit(self) -> &'static str {
        match self {
            Self::Csv => LINE,
            Self::GeoJson => FEATURE,
        }
    }
}

/// The CSV columns a layer needs (points as `lat`, `lon`).
#[must_use]
pub fn csv_columns(kind: LayerKind) -> &'static [&'static str] {
    match kind {
        LayerKind::Villages => &["code", "name", "district"],
        LayerKind::Children => &[
            "id",
            "lat",
            "lon",
            "sex",
            "birth_date",
            "measure_date",
            "height_cm",
            "haz",
        ],
        LayerKind::Households => &[
            "id",
            "lat",
            "lon",
            "has_latrine",
            "safe_water",
            "improved_sanitation",
        ],
        LayerKind::Facilities => &["id", "name", "kind", "lat", "lon"],
    }
}

/// Opens `path` for layer `kind`: checks the format fits the layer and, for CSV,
/// that every required column is there.
pub fn open(
    format: Format,
    kind: LayerKind,
    path: &Path,
) -> Result<Box<dyn Iterator<Item = Result<Item, IngestError>>>, IngestError> {
    match (format, kind) {
        (Format::Csv, LayerKind::Villages) => Err(IngestError::Format {
            path: path.to_path_buf(),
            reason: "villages need boundary polygons: give a GeoJSON FeatureCollection \
                     (.geojson) with properties code, name, district"
                .into(),
        }),
        (Format::Csv, _) => Ok(Box::new(csv::CsvSource::open(path, csv_columns(kind))?)),
        (Format::GeoJson, _) => Ok(Box::new(geojson::GeoJsonSource::open(path)?)),
    }
}
