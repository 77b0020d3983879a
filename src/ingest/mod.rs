//! Reading and validating the layers a city imports, so that what reaches the store
//! is plausible, located in the city, and free of source ids.
//!
//! A data manager exports children from e-PPGBM, households from a sanitation
//! survey, facilities from a list and village boundaries from a GIS. Each file is
//! read through one seam ([`source`]: CSV or GeoJSON today, GDAL later), every record
//! is validated field by field ([`validate`]), child and household ids are replaced
//! by keyed pseudonyms ([`PseudonymKey`]), and the good rows go to the store in one
//! transaction. An import is all-or-nothing unless the user asks to skip invalid
//! rows, in which case the bad ones go to a rejects file beside the input.

mod columns;
mod coords;
pub mod crs;
mod csv;
mod error;
mod fields;
mod geojson;
mod key;
mod rejects;
mod shape;
pub mod source;
pub mod validate;

pub use error::{FEATURE, IngestError, LINE, MAX_REJECTS_SHOWN, Reject};
pub use key::PseudonymKey;

use crate::model::LayerKind;
use crate::store::Store;
use chrono::NaiveDate;
use columns::ColumnMap;
use coords::Coordinates;
use source::{Format, Item};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tracing::info;
use validate::{Context, Validator};

/// Report progress every this many records.
const PROGRESS_EVERY: usize = 50_000;
/// Offset of the easternmost Indonesian time zone (WIT, UTC+9): "today" is the
/// latest date anywhere in the country, so no valid measurement is "in the future".
const WIT_OFFSET_SECS: i64 = 9 * 3600;

/// How an import treats bad rows and the layer already stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Write the good rows and put the bad ones in a rejects file, instead of
    /// writing nothing.
    pub skip_invalid: bool,
    /// Where the rejects file goes; default `<input stem>.rejects.csv` beside the input.
    pub rejects_path: Option<PathBuf>,
    /// Replace the whole layer instead of adding to it.
    pub replace: bool,
    /// Source CRS (e.g. `EPSG:32751`), overriding what the file declares; needed for
    /// CSV files in projected coordinates (x/y columns).
    pub crs: Option<String>,
    /// The layer to read from a file with several (GeoPackage, KML, XLSX sheets).
    pub layer: Option<String>,
    /// Explicit column mapping, `(field, column)`: `--map lat=LINTANG_GPS`.
    pub map: Vec<(String, String)>,
    /// Dry run: read and validate everything, report the mapping and every problem,
    /// write nothing.
    pub check: bool,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub kind: LayerKind,
    pub path: PathBuf,
    /// Records read from the file.
    pub read: usize,
    /// Rows written to the store.
    pub written: usize,
    /// Records rejected (each may have several rejected fields).
    pub rejected: usize,
    /// The rejects file, when rows were rejected under `skip_invalid`.
    pub rejects_file: Option<PathBuf>,
}

/// Imports one layer file into the store.
///
/// Steps: detect the format from the extension; load the villages' extent (points
/// need villages first) and the ids already stored; read and validate every record;
/// if any is rejected, stop with [`IngestError::Rejected`] (or, with `skip_invalid`,
/// write the rejects file); write the good rows in one transaction, which bumps the
/// store's revision.
///
/// # Example
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sigap::ingest::{ImportOptions, PseudonymKey, import_file};
/// use std::path::Path;
/// let mut store = sigap::store::Store::open(Path::new("kendari.gpkg"))?;
/// let key = PseudonymKey::load_or_create(Path::new("kendari.key"))?;
/// let opts = ImportOptions::default();
/// let kind = sigap::model::LayerKind::Villages;
/// import_file(&mut store, kind, Path::new("desa.geojson"), &key, &opts)?;
/// # Ok(()) }
/// ```
pub fn import_file(
    store: &mut Store,
    kind: LayerKind,
    path: &Path,
    key: &PseudonymKey,
    opts: &ImportOptions,
) -> Result<ImportSummary, IngestError> {
    import_at(store, kind, path, key, opts, today())
}

/// [`import_file`] with "today" given, so tests do not depend on the clock.
#[expect(
    clippy::too_many_lines,
    reason = "one import, step by step; being split as formats are added"
)]
fn import_at(
    store: &mut Store,
    kind: LayerKind,
    path: &Path,
    key: &PseudonymKey,
    opts: &ImportOptions,
    today: NaiveDate,
) -> Result<ImportSummary, IngestError> {
    let format = Format::from_path(path)?;
    let extent = match kind {
        LayerKind::Villages => None,
        _ => Some(shape::grow(store.village_extent()?.ok_or_else(|| {
            IngestError::NoVillages {
                path: path.to_path_buf(),
                kind,
            }
        })?)),
    };
    let stored_ids = if opts.replace {
        HashSet::new()
    } else {
        store.ids(kind)?
    };
    let unit = format.unit();
    let records = source::open(format, kind, path)?;
    info!(%kind, path = %path.display(), "import started");
    let mut validator = Validator::new(Context {
        kind,
        extent,
        stored_ids,
        today,
        key,
        unit,
    });
    let mut rejects: Vec<(Reject, String)> = Vec::new();
    let (mut read, mut rejected) = (0, 0);
    // Each record: map its columns to sigap's fields, bring its position to WGS84,
    // validate it.
    let mut columns: Option<ColumnMap> = None;
    let coordinates = Coordinates::new(kind, opts.crs.as_deref(), None)?;
    for item in records {
        read += 1;
        let (at, errors, raw) = match item? {
            Item::Record(mut record) => {
                let map = match &columns {
                    Some(m) => m,
                    None => columns.insert(ColumnMap::resolve(kind, &record, &opts.map)?),
                };
                map.apply(&mut record);
                let errors = match coordinates.apply(&mut record) {
                    Ok(()) => validator.check(&record),
                    Err(e) => vec![e],
                };
                (record.at, errors, record.raw)
            }
            Item::Broken { at, reason, raw } => {
                let field = validate::FieldError {
                    field: "(record)".into(),
                    reason,
                };
                (at, vec![field], raw)
            }
        };
        if !errors.is_empty() {
            rejected += 1;
            for e in errors {
                let reject = Reject {
                    path: path.to_path_buf(),
                    line: at,
                    unit,
                    field: e.field,
                    reason: e.reason,
                };
                rejects.push((reject, raw.clone()));
            }
        }
        if read % PROGRESS_EVERY == 0 {
            info!(%kind, read, rejected, "reading");
        }
    }
    let rows = validator.finish();
    if rejected > 0 && !opts.skip_invalid {
        info!(%kind, read, rejected, "import refused: rows rejected, nothing written");
        return Err(IngestError::Rejected {
            path: path.to_path_buf(),
            rejects: rejects.into_iter().map(|(r, _)| r).collect(),
        });
    }
    let rejects_file = if rejected > 0 {
        let file = opts
            .rejects_path
            .clone()
            .unwrap_or_else(|| rejects::default_path(path));
        rejects::write(&file, &rejects)?;
        Some(file)
    } else {
        None
    };
    // A file whose every record was rejected writes nothing (a --replace must not
    // empty the layer because of it); an empty file is a deliberate, valid import.
    let written = if rows.is_empty() && rejected > 0 {
        0
    } else {
        let revision = store.write_layer(&rows, opts.replace)?;
        info!(%kind, revision, "store revision bumped");
        rows.len()
    };
    info!(%kind, read, written, rejected, rejects_file = ?rejects_file, "import finished");
    Ok(ImportSummary {
        kind,
        path: path.to_path_buf(),
        read,
        written,
        rejected,
        rejects_file,
    })
}

/// Today's date in UTC+9 (WIT), from the system clock.
fn today() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs + WIT_OFFSET_SECS, 0)
        .map_or(NaiveDate::MAX, |t| t.date_naive())
}

#[cfg(test)]
mod tests;
