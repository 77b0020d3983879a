//! The seam between file formats and validation: every reader yields [`Record`]s.
//!
//! A reader only turns bytes into named text fields (and a geometry when the format
//! carries one); it judges nothing. Validation then sees the same shape whatever the
//! format. CSV and GeoJSON have their own readers (exact line numbers, no GDAL in the
//! way); Shapefile, GeoPackage, KML/KMZ, `FlatGeobuf` and spreadsheets go through
//! [`super::gdal`]. A reader also says which CRS the file declares; positions stay in
//! it until `coords` brings them to WGS84.

use super::error::{FEATURE, LINE, ROW};
use super::gdal::Numbering;
use super::{IngestError, csv, gdal, geojson};
use crate::model::LayerKind;
use std::collections::HashMap;
use std::path::Path;

/// One record as read, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// CSV: the physical line where the record starts (header = 1).
    /// GeoJSON and GDAL layers: the 1-based feature number. Spreadsheets: the row.
    pub at: u64,
    /// Column or property name (trimmed) to its text, as written; the column
    /// mapping (`columns`) then renames them to sigap's field names.
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
/// The source's CRS as read, each position `[x, y, ...]` (easting/longitude first);
/// WGS84 degrees `[lon, lat, ...]` once `coords` has run.
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

/// What a reader yields: a record, or a record it could not read at all, after
/// the column names when the format has a header row.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// The column names in file order (the keys records will use), yielded once
    /// before any record by readers that know them up front (CSV), so the column
    /// mapping can name them in order and check them even in a file with no rows.
    Header {
        columns: Vec<String>,
        /// Whether a comma in a number may be a decimal comma (`-3,9672`): false
        /// where commas separate the columns.
        decimal_comma: bool,
    },
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
    /// `.shp` with its `.dbf`, `.shx`, `.prj` and `.cpg` beside it.
    Shapefile,
    GeoPackage,
    /// `.kml` or `.kmz`.
    Kml,
    FlatGeobuf,
    /// A spreadsheet, one layer per sheet: `.xlsx`.
    Xlsx,
    /// A spreadsheet, one layer per sheet: `.ods`.
    Ods,
}

impl Format {
    /// The format of `path` from its extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, IngestError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("geojson" | "json") => Ok(Self::GeoJson),
            Some("shp") => Ok(Self::Shapefile),
            Some("gpkg") => Ok(Self::GeoPackage),
            Some("kml" | "kmz") => Ok(Self::Kml),
            Some("fgb") => Ok(Self::FlatGeobuf),
            Some("xlsx") => Ok(Self::Xlsx),
            Some("ods") => Ok(Self::Ods),
            _ => Err(IngestError::Format {
                path: path.to_path_buf(),
                reason: "cannot tell the format from the extension: expected .csv, .geojson, \
                         .json, .shp, .gpkg, .kml, .kmz, .fgb, .xlsx or .ods"
                    .into(),
            }),
        }
    }

    /// What a record number means in this format: `"line"`, `"feature"` or `"row"`.
    #[must_use]
    pub fn unit(self) -> &'static str {
        match self {
            Self::Csv => LINE,
            Self::Xlsx | Self::Ods => ROW,
            Self::GeoJson | Self::Shapefile | Self::GeoPackage | Self::Kml | Self::FlatGeobuf => {
                FEATURE
            }
        }
    }

    /// The GDAL drivers allowed to open this format (only these: a `.gpkg` that is
    /// not a GeoPackage is refused rather than read as something else).
    #[must_use]
    pub fn drivers(self) -> &'static [&'static str] {
        match self {
            Self::Csv => &["CSV"],
            Self::GeoJson => &["GeoJSON"],
            Self::Shapefile => &["ESRI Shapefile"],
            Self::GeoPackage => &["GPKG"],
            Self::Kml => &["LIBKML", "KML"],
            Self::FlatGeobuf => &["FlatGeobuf"],
            Self::Xlsx => &["XLSX"],
            Self::Ods => &["ODS"],
        }
    }
}

/// An opened layer: its records, and what the file says about them.
pub struct Source {
    pub records: Box<dyn Iterator<Item = Result<Item, IngestError>>>,
    /// The CRS the file declares (`EPSG:NNNN` or WKT); `None` when it declares none
    /// (CSV, spreadsheets) or is WGS84 by definition (plain GeoJSON).
    pub crs: Option<String>,
    /// How many records to expect, when the format knows before reading.
    pub len: Option<u64>,
}

/// Opens `path` for layer `kind`: checks the format fits the layer (the columns are
/// checked by the column mapping). `layer` chooses among a file's layers
/// (GDAL formats; ignored by CSV and GeoJSON, which have one).
pub fn open(
    format: Format,
    kind: LayerKind,
    path: &Path,
    layer: Option<&str>,
) -> Result<Source, IngestError> {
    let needs_boundaries = || IngestError::Format {
        path: path.to_path_buf(),
        reason: "villages need boundary polygons: give a GeoJSON FeatureCollection \
                 (.geojson), a Shapefile, a GeoPackage or a KML file with properties \
                 code, name, district"
            .into(),
    };
    match (format, kind) {
        (Format::Csv | Format::Xlsx | Format::Ods, LayerKind::Villages) => Err(needs_boundaries()),
        (Format::Csv, _) => Ok(Source {
            records: Box::new(csv::CsvSource::open(path)?),
            crs: None,
            len: None,
        }),
        (Format::GeoJson, _) => {
            let source = geojson::GeoJsonSource::open(path)?;
            Ok(Source {
                crs: source.crs().map(str::to_string),
                len: Some(source.remaining() as u64),
                records: Box::new(source),
            })
        }
        (gdal_format, _) => {
            let numbering = if gdal_format.unit() == ROW {
                Numbering::Row
            } else {
                Numbering::Feature
            };
            let opened = gdal::open(path, gdal_format.drivers(), numbering, layer)?;
            if kind == LayerKind::Villages && !opened.has_geometry {
                return Err(needs_boundaries());
            }
            Ok(Source {
                records: Box::new(opened.source),
                crs: opened.crs,
                len: Some(opened.features),
            })
        }
    }
}
