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
/// Unit of a GeoJSON reject: the 1-based feature number.
pub const FEATURE: &str = "feature";

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
