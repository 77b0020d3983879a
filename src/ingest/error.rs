//! What can go wrong reading a layer, phrased so the user can fix the file.

use crate::model::LayerKind;
use crate::store::StoreError;
use std::fmt;
use std::path::PathBuf;

/// How many rejects [`IngestError::Rejected`] prints before "and N more".
pub const MAX_REJECTS_SHOWN: usize = 50;

/// One field of one record that failed validation.
///
/// `line` is the physical line where a CSV record starts (the header is line 1), or
/// the 1-based feature number in a GeoJSON file; `unit` says which (`"line"` or
/// `"feature"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub path: PathBuf,
    pub line: u64,
    pub unit: &'static str,
    pub field: String,
    pub reason: String,
}

/// Unit of a CSV reject: the physical line.
pub const LINE: &str = "line";
/// Unit of a GeoJSON or GDAL reject: the 1-based feature number.
pub const FEATURE: &str = "feature";
/// Unit of a spreadsheet reject (XLSX, ODS): the sheet's row number (header = row 1).
pub const ROW: &str = "row";

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let (line, field, reason) = (self.line, &self.field, &self.reason);
        if self.unit == LINE {
            write!(f, "{path}:{line}: field `{field}`: {reason}")
        } else {
            write!(f, "{path}: {} {line}: field `{field}`: {reason}", self.unit)
        }
    }
}

/// An import that did not happen, or happened only in part (see each variant).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input (or the rejects file, or the key file) could not be read or written.
    ///
    /// Likely cause: a wrong path or missing permissions. Fix: check the path.
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a layer sigap can read: unknown extension, not CSV or JSON,
    /// a required column missing, not a FeatureCollection, not WGS84.
    ///
    /// Nothing was written. Fix: the reason names the column or member to add.
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    /// The caller stopped the import (an upload that ran past the server's import
    /// timeout, or whose client went away). Nothing was written.
    #[error("{path}: the import was stopped before it was committed; nothing was written")]
    Cancelled { path: PathBuf },
    /// Some rows failed validation and `--skip-invalid` was not given.
    ///
    /// Nothing was written. Fix the listed rows, or pass `--skip-invalid` to import the
    /// good rows and get the bad ones in a rejects file.
    #[error("{}", display_rejected(path, rejects))]
    Rejected { path: PathBuf, rejects: Vec<Reject> },
    /// Points were imported before any village boundary.
    ///
    /// Points are checked against the villages' extent, so villages come first.
    #[error(
        "cannot import {kind} from {path}: the store has no villages yet; \
         import villages first (sigap import --db FILE villages VILLAGES.geojson)"
    )]
    NoVillages { path: PathBuf, kind: LayerKind },
    /// The pseudonym key file exists but does not hold a key.
    ///
    /// Likely cause: the file was edited or truncated. Fix: restore it from backup;
    /// a new key gives every child and household new pseudonyms, so re-imports would
    /// no longer match earlier ones.
    #[error("pseudonym key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    /// The store refused the write (see [`StoreError`]); nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// GDAL cannot read the file, or stopped reading it part way.
    ///
    /// Likely cause: the file is truncated (an interrupted copy or download), damaged,
    /// or not what its extension says (a `.gpkg` that is not a GeoPackage). Nothing was
    /// written. Fix: export or copy the file again; `ogrinfo FILE` shows what GDAL sees.
    #[error("{path}: cannot be read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    /// The file has several layers (GeoPackage tables, KML folders, spreadsheet
    /// sheets) and none was chosen, or the one named with `--layer` is not there.
    ///
    /// Nothing was written. Fix: pass `--layer NAME` with one of the listed names
    /// (`sigap layers FILE` lists them with their fields).
    #[error(
        "{path}: {reason}; its layers: {}; choose one with --layer NAME",
        display_layers(layers)
    )]
    Layer {
        path: PathBuf,
        reason: String,
        /// Every layer of the file with its feature count.
        layers: Vec<(String, u64)>,
    },
    /// The chosen layer has no features.
    ///
    /// Likely cause: the wrong layer or sheet, or an export that wrote only the
    /// header. Nothing was written. Fix: check the file with `sigap layers FILE`.
    #[error("{path}: layer `{layer}` has no features; nothing to import")]
    EmptyLayer { path: PathBuf, layer: String },
    /// The coordinates cannot be in the CRS the file declares (or `--crs` gives), or
    /// the CRS is unknown or missing where one is needed.
    ///
    /// Likely cause: metres declared as degrees, a northern UTM zone for a city south
    /// of the equator, x/y columns without `--crs`. Nothing was written. Fix: the
    /// reason suggests the `--crs EPSG:NNNN` to pass.
    #[error("{path}: {reason}")]
    Crs { path: PathBuf, reason: String },
}

fn display_layers(layers: &[(String, u64)]) -> String {
    let named: Vec<String> = layers
        .iter()
        .map(|(name, n)| format!("`{name}` ({n} features)"))
        .collect();
    named.join(", ")
}

fn display_rejected(path: &std::path::Path, rejects: &[Reject]) -> String {
    let mut rows: Vec<u64> = rejects.iter().map(|r| r.line).collect();
    rows.dedup();
    let noun = match (rejects.first().map(|r| r.unit), rows.len()) {
        (Some(FEATURE), 1) => "feature",
        (Some(FEATURE), _) => "features",
        (_, 1) => "row",
        _ => "rows",
    };
    let mut out = format!(
        "{} {noun} rejected in {}; nothing was written",
        rows.len(),
        path.display()
    );
    for reject in rejects.iter().take(MAX_REJECTS_SHOWN) {
        out.push('\n');
        out.push_str(&reject.to_string());
    }
    if rejects.len() > MAX_REJECTS_SHOWN {
        let more = rejects.len() - MAX_REJECTS_SHOWN;
        out.push_str("\n... and ");
        out.push_str(&more.to_string());
        out.push_str(" more; pass --skip-invalid to write them all to a rejects file");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(line: u64) -> Reject {
        Reject {
            path: "kids.csv".into(),
            line,
            unit: LINE,
            field: "haz".into(),
            reason: "bad".into(),
        }
    }

    #[test]
    fn rejected_display_lists_and_caps() {
        let err = IngestError::Rejected {
            path: "kids.csv".into(),
            rejects: (2..62).map(reject).collect(),
        };
        let text = err.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "60 rows rejected in kids.csv; nothing was written"
        );
        assert_eq!(lines[1], "kids.csv:2: field `haz`: bad");
        assert_eq!(lines.len(), 1 + MAX_REJECTS_SHOWN + 1);
        assert!(lines[51].starts_with("... and 10 more"), "{}", lines[51]);
    }

    #[test]
    fn feature_rejects_say_feature() {
        let r = Reject {
            unit: FEATURE,
            ..reject(3)
        };
        assert_eq!(r.to_string(), "kids.csv: feature 3: field `haz`: bad");
    }
}
