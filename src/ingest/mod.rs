//! Reading and validating the layers a city imports, so that what reaches the store
//! is plausible, located in the city, and free of source ids.
//!
//! A data manager exports children from e-PPGBM, households from a sanitation
//! survey, facilities from a list and village boundaries from a GIS. Each file is
//! read through one seam ([`source`]: CSV and GeoJSON natively, Shapefile, GeoPackage,
//! KML, `FlatGeobuf` and spreadsheets through [`gdal`]), brought to WGS84 from the
//! file's CRS or `--crs` (`coords`, through PROJ), every record
//! is validated field by field ([`validate`]), child and household ids are replaced
//! by keyed pseudonyms ([`PseudonymKey`]), names and addresses are sealed
//! ([`identity`]), and the good rows go to the store in batches inside one transaction. An import is all-or-nothing unless the user asks to skip invalid
//! rows, in which case the bad ones go to a rejects file beside the input.
//!
//! Two repairs are made rather than refused, and reported: village boundaries with
//! open rings or small self-intersections are closed or rebuilt ([`boundary`]), and
//! the villages layer is surveyed for overlaps and gaps ([`topology`]); a child with
//! no coordinates but a known village code is placed inside its village and flagged
//! ([`placement`]), so the analysis counts it by code, never by its point.

pub mod archive;
mod assignments;
mod boundary;
mod columns;
mod coords;
pub mod crs;
mod csv;
mod error;
mod fields;
pub use fields::age_months;
pub mod gdal;
mod geojson;
pub mod haz;
pub mod identity;
pub mod interventions;
mod key;
pub mod measure_targets;
mod placement;
pub mod population;
mod progress;
mod rejects;
pub mod rotate;
mod shape;
pub mod source;
mod table;
pub mod topology;
pub mod validate;
mod writer_periods;
pub mod zscores;

pub use assignments::{read_assignments, small_csv};
pub use columns::{Ambiguity, By, ColumnReport, Mapped};
pub use error::{FEATURE, IngestError, LINE, MAX_REJECTS_SHOWN, ROW, Reject};
pub use identity::{Identity, IdentityKey};
pub use key::PseudonymKey;
pub use topology::Topology;
pub use validate::Notes;

use crate::model::{AuditRow, LayerKind};
use crate::store::{self, ImportTarget, LayerSink};
use chrono::NaiveDate;
use columns::ColumnMap;
use coords::Coordinates;
use source::{Format, Item};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::{info, warn};
use validate::{Context, Validator};

/// Point layers go to the store this many rows at a time (inside the one
/// transaction of the import), so a million households never sit in memory at once.
const WRITE_BATCH: usize = 10_000;
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
    /// Replace the whole layer instead of adding to it; for children, replace only
    /// the periods the file brings (every other period is kept).
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
    /// Children only: the measurement period of every row, overriding a `period`
    /// column and the measurement month (`--period 2026-02`).
    pub period: Option<crate::model::Period>,
    /// Lets the caller (a server answering an upload) stop the import and write its
    /// audit row in the import's own transaction.
    pub gate: Gate,
    /// The key children's and households' identifying fields (name, parent, address,
    /// RT/RW, posyandu, phone) are sealed with ([`identity`]); without one those
    /// columns are read, checked and dropped, never stored.
    pub identity: Option<IdentityKey>,
}

/// A caller's hold on a running import: [`Gate::cancel`] stops it at the next batch
/// or before the commit (nothing is written), and its audit row is appended in the
/// import's own transaction (the server's record of an upload: the import and its
/// record are committed together or not at all). The default gate never cancels and
/// adds nothing.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    cancelled: Arc<AtomicBool>,
    /// Appended with `records` set to the number of records read.
    pub audit: Option<AuditRow>,
}

impl Gate {
    /// A gate that appends `audit` in the import's transaction before it commits.
    #[must_use]
    pub fn with_audit(audit: AuditRow) -> Self {
        Self {
            audit: Some(audit),
            ..Self::default()
        }
    }

    /// Asks the import to stop; it rolls back unless it has already committed.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether [`Gate::cancel`] was called.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    fn check(&self, path: &Path) -> Result<(), IngestError> {
        if self.is_cancelled() {
            return Err(IngestError::Cancelled {
                path: path.to_path_buf(),
            });
        }
        Ok(())
    }
}

/// Gates are handles, not options: any two compare equal.
impl PartialEq for Gate {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Gate {}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
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
    /// Children placed at their village, boundaries repaired, codes that disagree.
    pub notes: Notes,
    /// Villages only: overlaps and gaps between the villages of the layer as it is
    /// after this import.
    pub topology: Option<Topology>,
    /// The column mapping chosen (`None` for a file with neither a header nor a
    /// record).
    pub columns: Option<ColumnReport>,
    /// `check` only: every rejected field, as an import would have reported it.
    pub problems: Vec<Reject>,
}

/// Imports one layer file into the store.
///
/// Steps: detect the format from the extension; load the villages' extent (points
/// need villages first) and the ids already stored; read and validate every record;
/// if any is rejected, stop with [`IngestError::Rejected`] (or, with `skip_invalid`,
/// write the rejects file); write the good rows in one transaction, which bumps the
/// store's revision. Before a record is validated its columns are mapped to sigap's
/// fields (recognised Indonesian and English headers, `--map`); a required field
/// with no column stops the import with [`IngestError::Format`]. With `check`, stop
/// after validating: the summary holds the mapping and every problem, and nothing
/// (no rows, no rejects file) is written.
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
    store: &mut impl ImportTarget,
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
fn import_at<S: ImportTarget>(
    store: &mut S,
    kind: LayerKind,
    path: &Path,
    key: &PseudonymKey,
    opts: &ImportOptions,
    today: NaiveDate,
) -> Result<ImportSummary, IngestError> {
    let format = Format::from_path(path)?;
    // GDAL reads GeoPackages with Debian's SQLite, the store is written with
    // rusqlite's own: two SQLite libraries on one file in one process would drop
    // each other's locks.
    if store_file_is(store, path) {
        return Err(IngestError::Format {
            path: path.to_path_buf(),
            reason: "this is the store being imported into; import from another file".into(),
        });
    }
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
    } else if kind == LayerKind::Children {
        let keys = store.child_keys()?;
        keys.iter()
            .map(|(id, p)| validate::child_key(id, *p))
            .collect()
    } else {
        store.ids(kind)?
    };
    // Children are replaced period by period as the file's periods appear.
    let replace_all = opts.replace && kind != LayerKind::Children;
    let mut periods = writer_periods::Replaced::new(kind == LayerKind::Children && opts.replace);
    let villages = match kind {
        LayerKind::Children => placement::VillagePlaces::new(store.villages()?),
        _ => placement::VillagePlaces::default(),
    };
    let unit = format.unit();
    // The stored villages, for the survey of overlaps and gaps, read before the
    // writer takes the store.
    let stored_villages = if kind == LayerKind::Villages && !opts.replace {
        store.villages()?
    } else {
        Vec::new()
    };
    let source = source::open(format, kind, path, opts.layer.as_deref())?;
    let records = source.records;
    info!(%kind, path = %path.display(), "import started");
    let progress = progress::Progress::start(kind, source.len);
    // One transaction from the first batch to the commit: all or nothing. A dry run
    // (--check) opens none.
    let mut writer = if opts.check {
        None
    } else {
        Some(store.layer_writer(kind, replace_all)?)
    };
    let mut validator = Validator::new(Context {
        kind,
        extent,
        stored_ids,
        today,
        key,
        unit,
        villages,
        period: opts.period,
        identity: opts.identity.as_ref(),
    });
    let mut rejects: Vec<(Reject, String)> = Vec::new();
    let (mut read, mut rejected) = (0, 0);
    // Each record: map its columns to sigap's fields, bring its position to WGS84,
    // validate it.
    let mut columns: Option<ColumnMap> = None;
    let mut header: Option<Vec<String>> = None;
    let unmappable = |reason| IngestError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let mut coordinates = Coordinates::new(
        path,
        unit,
        opts.crs.as_deref(),
        source.crs.as_deref(),
        extent,
    )?;
    for item in records {
        let (at, errors, raw) = match item? {
            Item::Header {
                columns: names,
                decimal_comma,
            } => {
                validator.set_decimal_comma(decimal_comma);
                header = Some(names);
                continue;
            }
            Item::Record(mut record) => {
                let map = match &columns {
                    Some(m) => m,
                    None => columns.insert(
                        ColumnMap::for_file(kind, header.as_deref(), Some(&record), &opts.map)
                            .map_err(unmappable)?,
                    ),
                };
                let mut errors = map.apply(&mut record);
                if errors.is_empty() {
                    errors = match coordinates.apply(&mut record)? {
                        Ok(()) => validator.check(&record),
                        Err(e) => vec![e],
                    };
                }
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
        read += 1;
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
        // Villages are few and surveyed together: they are written at the end. Once a
        // row is rejected (without --skip-invalid) nothing will be written: the rows
        // are dropped rather than kept.
        if kind != LayerKind::Villages && validator.pending_rows() >= WRITE_BATCH {
            opts.gate.check(path)?;
            let batch = validator.take_rows();
            let sealed = validator.take_identities();
            if let Some(w) = writer.as_mut()
                && (rejected == 0 || opts.skip_invalid)
            {
                periods.clear_before(w, &batch)?;
                w.write(&batch)?;
                w.write_identities(&sealed)?;
            }
        }
        progress.tick(read as u64, rejected as u64);
    }
    drop(progress);
    coordinates.finish()?;
    // A file with a header and no rows still needs its columns (a --replace with
    // the wrong file must not empty the layer).
    if columns.is_none() && header.is_some() {
        columns = Some(
            ColumnMap::for_file(kind, header.as_deref(), None, &opts.map).map_err(unmappable)?,
        );
    }
    // A file without a single record (an empty FeatureCollection, a CSV with only
    // its header) is refused: with --replace it would empty the layer.
    if read == 0 {
        return Err(IngestError::EmptyLayer {
            path: path.to_path_buf(),
            layer: kind.as_str().to_owned(),
        });
    }
    let columns = columns.map(ColumnMap::into_report);
    let notes = validator.notes().clone();
    let sealed = validator.take_identities();
    let rows = validator.finish();
    let Some(mut writer) = writer else {
        let topology = survey(stored_villages, &rows);
        info!(%kind, read, rejected, "check finished; nothing written");
        return Ok(ImportSummary {
            kind,
            path: path.to_path_buf(),
            read,
            written: 0,
            rejected,
            rejects_file: None,
            notes,
            topology,
            columns,
            problems: rejects.into_iter().map(|(r, _)| r).collect(),
        });
    };
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
    let topology = survey(stored_villages, &rows);
    report(kind, &notes, topology.as_ref());
    periods.clear_before(&mut writer, &rows)?;
    writer.write(&rows)?;
    writer.write_identities(&sealed)?;
    // A file whose every record was rejected writes nothing (a --replace must not
    // empty the layer because of it; dropping the writer rolls its DELETE back).
    let written = writer.written();
    if written == 0 {
        drop(writer);
    } else {
        opts.gate.check(path)?;
        let audit = opts.gate.audit.as_ref().map(|a| a.with_records(read));
        let revision = writer.commit_with_audit(audit.as_ref())?;
        info!(%kind, revision, "store revision bumped");
    }
    info!(%kind, read, written, rejected, rejects_file = ?rejects_file, "import finished");
    Ok(ImportSummary {
        kind,
        path: path.to_path_buf(),
        read,
        written,
        rejected,
        rejects_file,
        notes,
        topology,
        columns,
        problems: Vec::new(),
    })
}

/// Villages only: the overlaps and gaps of the layer as it will be after writing
/// `rows` (the villages stored before, empty when replacing, plus these).
fn survey(stored: Vec<crate::model::Village>, rows: &store::LayerRows) -> Option<Topology> {
    let store::LayerRows::Villages(new) = rows else {
        return None;
    };
    let mut all = stored;
    all.extend(new.iter().cloned());
    Some(topology::survey(&all))
}

/// Logs what validation changed and what the villages' survey found.
fn report(kind: LayerKind, notes: &Notes, topology: Option<&Topology>) {
    for (code, what) in &notes.repairs {
        warn!(%kind, code, "village boundary repaired: {what}");
    }
    if notes.identities > 0 {
        info!(%kind, records = notes.identities, "identifying fields sealed with the identity key");
    }
    if notes.identities_dropped > 0 {
        warn!(%kind, records = notes.identities_dropped, "identifying fields (names, addresses) dropped: no identity key given");
    }
    if notes.placed_by_village > 0 {
        info!(%kind, placed = notes.placed_by_village, "children without coordinates placed at their village");
    }
    if notes.haz_disagreements > 0 {
        warn!(%kind, children = notes.haz_disagreements, first = ?notes.haz_disagreement_lines, "children whose supplied haz differs from the computed WHO z-score by more than 0.1 (kept as supplied)");
    }
    if notes.haz_computed > 0 {
        info!(%kind, children = notes.haz_computed, "children without a supplied haz: computed from sex, age and height (WHO 2006)");
    }
    if notes.haz_flagged > 0 {
        warn!(%kind, children = notes.haz_flagged, first = ?notes.haz_flagged_lines, "children with an implausible haz (WHO flag, beyond ±6): stored, left out of every rate");
    }
    if notes.family_unknown > 0 {
        info!(%kind, households = notes.family_unknown, "households lacking a family field (target groups, unfit_housing, four_t): not counted at risk on what is unknown");
    }
    if notes.village_mismatches > 0 {
        warn!(%kind, children = notes.village_mismatches, "children whose coordinates are not in the village their village_code names (kept as measured)");
    }
    for overlap in topology.iter().flat_map(|t| &t.overlaps) {
        warn!(a = %overlap.a, b = %overlap.b, area_m2 = overlap.area_m2, "{overlap}");
    }
    for gap in topology.iter().flat_map(|t| &t.gaps) {
        warn!(area_m2 = gap.area_m2, "{gap}");
    }
}

/// Whether `path` is the store's own file.
fn store_file_is(store: &impl ImportTarget, path: &Path) -> bool {
    let Some(file) = store.file() else {
        return false;
    };
    match (std::fs::canonicalize(file), std::fs::canonicalize(path)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Today's date in UTC+9 (WIT), from the system clock.
#[must_use]
pub fn today() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs + WIT_OFFSET_SECS, 0)
        .map_or(NaiveDate::MAX, |t| t.date_naive())
}

#[cfg(test)]
mod tests;
