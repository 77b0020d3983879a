//! The priority-village table as downloads: CSV, XLSX and GeoJSON bytes, with
//! column names and rounding for people ([`sheet`]), and how the table was made in
//! the XLSX's "keterangan" sheet and the GeoJSON's `metadata` member.
//!
//! No files are touched: CSV and GeoJSON are written to memory, XLSX by GDAL's XLSX
//! driver into a `/vsimem/` file that is read back and removed (GDAL is already linked
//! for imports, so no spreadsheet crate is added; GDAL writes a plain sheet with the
//! header in the first row, without styling).

pub mod sheet;

pub use sheet::{About, Columns};

use crate::risk::targets::{Cell, Targets};
use gdal::DriverManager;
use gdal::vector::{Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType};
use geo::MultiPolygon;
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// GDAL could not write the spreadsheet (is its XLSX driver built in?).
    #[error("writing XLSX with GDAL: {0}")]
    Xlsx(#[from] gdal::errors::GdalError),
    #[error("writing CSV: {0}")]
    Io(#[from] std::io::Error),
}

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    GeoJson,
}

impl Format {
    /// `csv`, `xlsx` or `geojson`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            "geojson" => Some(Self::GeoJson),
            _ => None,
        }
    }

    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::GeoJson => "geojson",
        }
    }

    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::GeoJson => "application/geo+json",
        }
    }
}

/// The table in `format` with `columns`' names; `boundaries` (one per area given to
/// [`Targets::new`]) are only used by GeoJSON; `about` goes into the XLSX's
/// "keterangan" sheet and the GeoJSON's `metadata`.
pub fn export(
    t: &Targets<'_>,
    format: Format,
    boundaries: &[&MultiPolygon<f64>],
    about: &About,
    columns: Columns,
) -> Result<Vec<u8>, ExportError> {
    let table = sheet::table(t, columns);
    let notes = about.rows(columns, t.list.len());
    match format {
        Format::Csv => csv_bytes(&table),
        Format::Xlsx => xlsx("prioritas", &table, &notes, columns),
        Format::GeoJson => Ok(geojson_bytes(t, &table, boundaries, &notes)),
    }
}

/// A table: header and rows.
pub type Table = (Vec<String>, Vec<Vec<Cell>>);

fn csv_bytes((header, rows): &Table) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Int(i) => i.to_string(),
            Cell::Num(Some(x)) => x.to_string(),
            Cell::Num(None) => String::new(),
            Cell::Text(s) => s.clone(),
        }))?;
    }
    w.flush()?;
    w.into_inner().map_err(|e| ExportError::Io(e.into_error()))
}

fn cell_json(c: &Cell) -> Value {
    match c {
        Cell::Int(i) => Value::from(*i),
        Cell::Num(x) => x.map_or(Value::Null, Value::from),
        Cell::Text(s) => Value::from(s.clone()),
    }
}

fn ring(r: &geo::LineString<f64>) -> Value {
    Value::Array(r.0.iter().map(|c| json!([c.x, c.y])).collect())
}

fn geojson_bytes(
    t: &Targets<'_>,
    (header, rows): &Table,
    boundaries: &[&MultiPolygon<f64>],
    notes: &[(String, String)],
) -> Vec<u8> {
    let features: Vec<Value> = t
        .list
        .iter()
        .zip(rows)
        .map(|(target, row)| {
            let props: Map<String, Value> = header
                .iter()
                .zip(row)
                .map(|(h, c)| (h.clone(), cell_json(c)))
                .collect();
            let geometry = boundaries.get(target.index).map_or(Value::Null, |mp| {
                let polys: Vec<Value> =
                    mp.0.iter()
                        .map(|p| {
                            let mut rings = vec![ring(p.exterior())];
                            rings.extend(p.interiors().iter().map(ring));
                            Value::Array(rings)
                        })
                        .collect();
                json!({ "type": "MultiPolygon", "coordinates": polys })
            });
            json!({ "type": "Feature", "geometry": geometry, "properties": props })
        })
        .collect();
    let metadata: Map<String, Value> = notes
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    let fc = json!({ "type": "FeatureCollection", "metadata": metadata, "features": features });
    fc.to_string().into_bytes()
}

static XLSX_SEQ: AtomicU64 = AtomicU64::new(0);

/// `table` as an XLSX workbook: the table on the sheet `sheet`, then `notes` on a
/// "keterangan" sheet ("about" with English `columns`). A column's type is its first
/// row's cell's.
pub fn xlsx(
    sheet: &str,
    table: &Table,
    notes: &[(String, String)],
    columns: Columns,
) -> Result<Vec<u8>, ExportError> {
    xlsx_sheets(&[(sheet, table)], notes, columns)
}

/// [`xlsx`] with several tables, one sheet each, in order.
pub fn xlsx_sheets(
    sheets: &[(&str, &Table)],
    notes: &[(String, String)],
    columns: Columns,
) -> Result<Vec<u8>, ExportError> {
    let path = format!(
        "/vsimem/sigap-{}-{}-{}.xlsx",
        sheets.first().map_or("sheet", |s| s.0),
        std::process::id(),
        XLSX_SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let write = || -> Result<(), gdal::errors::GdalError> {
        let driver = DriverManager::get_driver_by_name("XLSX")?;
        let mut ds = driver.create_vector_only(&path)?;
        for (sheet, (header, rows)) in sheets {
            let layer = ds.create_layer(LayerOptions {
                name: sheet,
                ty: gdal::vector::OGRwkbGeometryType::wkbNone,
                ..LayerOptions::default()
            })?;
            let first = rows.first();
            for (k, name) in header.iter().enumerate() {
                let ty = match first.map(|r| &r[k]) {
                    Some(Cell::Int(_)) => OGRFieldType::OFTInteger64,
                    Some(Cell::Text(_)) | None => OGRFieldType::OFTString,
                    Some(Cell::Num(_)) => OGRFieldType::OFTReal,
                };
                FieldDefn::new(name, ty)?.add_to_layer(&layer)?;
            }
            for row in rows {
                let mut f = Feature::new(layer.defn())?;
                for (k, c) in row.iter().enumerate() {
                    match c {
                        Cell::Int(i) => f.set_field_integer64(k, *i)?,
                        Cell::Num(Some(x)) => f.set_field_double(k, *x)?,
                        Cell::Num(None) => f.set_field_null(k)?,
                        Cell::Text(s) => f.set_field_string(k, s)?,
                    }
                }
                f.create(&layer)?;
            }
        }
        // How the table was made, on a sheet of its own.
        let about = ds.create_layer(LayerOptions {
            name: if columns == Columns::En {
                "about"
            } else {
                "keterangan"
            },
            ty: gdal::vector::OGRwkbGeometryType::wkbNone,
            ..LayerOptions::default()
        })?;
        let (what, value) = if columns == Columns::En {
            ("item", "value")
        } else {
            ("keterangan", "nilai")
        };
        FieldDefn::new(what, OGRFieldType::OFTString)?.add_to_layer(&about)?;
        FieldDefn::new(value, OGRFieldType::OFTString)?.add_to_layer(&about)?;
        for (k, v) in notes {
            let mut f = Feature::new(about.defn())?;
            f.set_field_string(0, k)?;
            f.set_field_string(1, v)?;
            f.create(&about)?;
        }
        Ok(())
    };
    let written = write();
    let bytes = written.and_then(|()| gdal::vsi::get_vsi_mem_file_bytes_owned(&path));
    let _ = gdal::vsi::unlink_mem_file(&path);
    Ok(bytes?)
}
