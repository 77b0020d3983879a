//! Reading a team assignment file: which OPD or TPK team visits which child.
//!
//! A CSV with a child id column (`id`, `nik`, `id_anak`, `child_id`) and a team column
//! (`team`, `tim`, `opd`). Ids are pseudonymised with the store's key like the
//! children's, and each must be a child in the store: a typo in an id would otherwise
//! leave a child without a team silently. Every bad row is named (file, line, field,
//! reason) and nothing is written unless every row is good.

use super::{IngestError, LINE, PseudonymKey, Reject};
use std::collections::HashSet;
use std::path::Path;

const ID_COLUMNS: [&str; 4] = ["id", "nik", "id_anak", "child_id"];
const TEAM_COLUMNS: [&str; 3] = ["team", "tim", "opd"];

/// A small CSV (`;`-separated when its header line has a `;`, else `,`; rows may be
/// short) and its header names: trimmed, lower-cased, without a byte-order mark.
pub fn small_csv(text: &[u8]) -> Result<(csv::Reader<&[u8]>, Vec<String>), csv::Error> {
    let header_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if header_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text);
    let header = rdr
        .headers()?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    Ok((rdr, header))
}

/// `(pseudonym, team)` of every row of `path`; `known` are the stored children's
/// pseudonyms.
pub fn read_assignments<S: std::hash::BuildHasher>(
    path: &Path,
    key: &PseudonymKey,
    known: &HashSet<String, S>,
) -> Result<Vec<(String, String)>, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let text = std::fs::read(path).map_err(io)?;
    let format = |reason: String| IngestError::Format {
        path: path.to_owned(),
        reason,
    };
    let (mut rdr, header) = small_csv(&text).map_err(|e| format(e.to_string()))?;
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let id_col = find(&ID_COLUMNS).ok_or_else(|| {
        format(format!(
            "no child id column; name one of: {}",
            ID_COLUMNS.join(", ")
        ))
    })?;
    let team_col = find(&TEAM_COLUMNS).ok_or_else(|| {
        format(format!(
            "no team column; name one of: {}",
            TEAM_COLUMNS.join(", ")
        ))
    })?;
    let (mut rows, mut rejects, mut seen) = (Vec::new(), Vec::new(), HashSet::new());
    for record in rdr.records() {
        let record = record.map_err(|e| format(e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        let reject = |field: &str, reason: String| Reject {
            path: path.to_owned(),
            line,
            unit: LINE,
            field: field.to_owned(),
            reason,
        };
        let id = record.get(id_col).unwrap_or("").trim();
        let team = record.get(team_col).unwrap_or("").trim();
        if id.is_empty() {
            rejects.push(reject(&header[id_col], "empty child id".into()));
            continue;
        }
        if team.is_empty() {
            rejects.push(reject(&header[team_col], "empty team".into()));
            continue;
        }
        let pseudonym = key.pseudonym(id);
        if !known.contains(&pseudonym) {
            rejects.push(reject(
                &header[id_col],
                "no child with this id in the store (import the children first)".into(),
            ));
        } else if !seen.insert(pseudonym.clone()) {
            rejects.push(reject(
                &header[id_col],
                "the same child appears twice".into(),
            ));
        } else {
            rows.push((pseudonym, team.to_owned()));
        }
    }
    if rejects.is_empty() {
        Ok(rows)
    } else {
        Err(IngestError::Rejected {
            path: path.to_owned(),
            rejects,
        })
    }
}
