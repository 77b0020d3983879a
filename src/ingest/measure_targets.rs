//! Reading a measurement-target file: how many children under five each village
//! should have measured, for every round or for one.
//!
//! A CSV or a spreadsheet (`.xlsx`, `.ods`) with a village code column (`kode_desa`,
//! `village_code`, `kode_kelurahan`, `kode`), a target column (`sasaran`,
//! `sasaran_balita`, `target`, `jumlah_sasaran`) and optionally a round
//! (`periode`, `period`: `YYYY-MM`; empty: every round). Dinkes keeps these figures
//! (the *sasaran balita* of each puskesmas, from Pusdatin's projections), often more
//! trusted than a raster's. Every bad row is named (file, line or row, column,
//! reason) and nothing is written unless every row is good; an unknown village code
//! names the closest stored one.

use super::IngestError;
use super::fields::{self, Decimal};
use super::source::Record;
use crate::model::{AuditRow, MeasureTarget, Period};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The columns read, each with the names it may have (lower case).
const VILLAGE: &[&str] = &[
    "kode_desa",
    "village_code",
    "kode_kelurahan",
    "kode",
    "code",
];
const TARGET: &[&str] = &[
    "sasaran",
    "sasaran_balita",
    "target",
    "jumlah_sasaran",
    "balita",
];
const PERIOD: &[&str] = &["periode", "period"];

/// Most children a village's target may hold: ten times the largest kelurahan's
/// under-fives; more is a typo (a population, not a target).
pub const MAX_TARGET: f64 = 100_000.0;

/// Every target of `path`, all or none: the rows, or every bad row named.
/// `villages` are the stored codes.
pub fn read_measure_targets<S: std::hash::BuildHasher>(
    path: &Path,
    villages: &HashSet<String, S>,
) -> Result<Vec<MeasureTarget>, IngestError> {
    let mut sorted: Vec<&str> = villages.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, Option<Period>), u64> = HashMap::new();
    super::table::read_rows(
        path,
        "measurement targets",
        check_columns,
        |record, decimal, unit| {
            let t = parse_row(record, villages, &sorted, decimal)?;
            let k = (t.code.clone(), t.period);
            if let Some(first) = seen.get(&k) {
                let field = column(record, VILLAGE).unwrap_or(VILLAGE[0]).to_owned();
                return Err((
                    field,
                    format!(
                        "village {} has a target for this round on {unit} {first} too",
                        t.code
                    ),
                ));
            }
            seen.insert(k, record.at);
            rows.push(t);
            Ok(())
        },
    )?;
    Ok(rows)
}

/// What an import of measurement targets wrote (or, checked only, would write).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetsRead {
    /// Rows of the file (one target each).
    pub rows: usize,
    /// Villages with a target.
    pub villages: usize,
    /// Rows for one round only.
    pub per_round: usize,
    /// Children under five of the targets for every round.
    pub every_round: f64,
}

impl TargetsRead {
    /// The counts of `rows`.
    #[must_use]
    pub fn of(rows: &[MeasureTarget]) -> Self {
        let villages: HashSet<&str> = rows.iter().map(|t| t.code.as_str()).collect();
        Self {
            rows: rows.len(),
            villages: villages.len(),
            per_round: rows.iter().filter(|t| t.period.is_some()).count(),
            every_round: rows
                .iter()
                .filter(|t| t.period.is_none())
                .map(|t| t.target)
                .sum(),
        }
    }
}

/// Reads the targets of `path` against the store's villages and replaces the stored
/// targets with them, all or nothing, in one transaction with `audit` (the audit row
/// of an upload, its records set to the number of rows); `source` names the file. Returns the
/// counts and the new store revision. The CLI and `POST /api/import/measure-targets`
/// both call this.
pub fn import_measure_targets(
    store: &mut crate::store::AnyStore,
    path: &Path,
    source: &str,
    audit: Option<&AuditRow>,
) -> Result<(TargetsRead, u64), IngestError> {
    let rows = read_measure_targets(path, &store.village_codes()?)?;
    let read = TargetsRead::of(&rows);
    let audit = audit.map(|a| a.with_records(rows.len()));
    let revision = store.write_measure_targets_with(&rows, source, audit.as_ref())?;
    Ok((read, revision))
}

/// Fails when the file has no village or target column, naming the names it may have.
fn check_columns(path: &Path, columns: &[String]) -> Result<(), IngestError> {
    let lower: Vec<String> = columns.iter().map(|c| c.trim().to_lowercase()).collect();
    for (what, names) in [("village code", VILLAGE), ("target", TARGET)] {
        if !lower.iter().any(|c| names.contains(&c.as_str())) {
            return Err(IngestError::Format {
                path: path.to_owned(),
                reason: format!(
                    "no {what} column; name one of: {} (the file has: {})",
                    names.join(", "),
                    columns.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// The column of `names` the record has, as the file writes it.
fn column<'r>(record: &'r Record, names: &[&str]) -> Option<&'r str> {
    names.iter().find_map(|n| {
        record
            .fields
            .keys()
            .find(|k| k.trim().eq_ignore_ascii_case(n))
            .map(String::as_str)
    })
}

/// The text of the first of `names` present, trimmed (empty when absent).
fn text<'r>(record: &'r Record, names: &[&str]) -> (&'r str, String) {
    match column(record, names) {
        Some(k) => (k, record.fields[k].trim().to_owned()),
        None => ("", String::new()),
    }
}

fn parse_row<S: std::hash::BuildHasher>(
    record: &Record,
    villages: &HashSet<String, S>,
    sorted: &[&str],
    decimal: Decimal,
) -> Result<MeasureTarget, (String, String)> {
    let name = |k: &str, names: &[&str]| if k.is_empty() { names[0] } else { k }.to_owned();
    let (k, code_text) = text(record, VILLAGE);
    if code_text.is_empty() {
        return Err((name(k, VILLAGE), "empty village code".into()));
    }
    let code = fields::village_code(&code_text).map_err(|e| (name(k, VILLAGE), e))?;
    if !villages.contains(&code) {
        let hint = closest(&code, sorted)
            .map(|c| format!("; did you mean {c}?"))
            .unwrap_or_default();
        return Err((
            name(k, VILLAGE),
            format!("no village {code_text} in the store{hint}"),
        ));
    }
    let (k, target_text) = text(record, TARGET);
    if target_text.is_empty() {
        return Err((name(k, TARGET), "empty target".into()));
    }
    let target = fields::number(&target_text, decimal).map_err(|e| (name(k, TARGET), e))?;
    if target < 0.0 {
        return Err((name(k, TARGET), format!("negative target `{target_text}`")));
    }
    if target > MAX_TARGET {
        return Err((
            name(k, TARGET),
            format!(
                "target `{target_text}` is more than {MAX_TARGET} children under five; \
                 is it the village's whole population?"
            ),
        ));
    }
    let (k, period_text) = text(record, PERIOD);
    let period = if period_text.is_empty() {
        None
    } else {
        Some(
            period_text
                .parse::<Period>()
                .map_err(|e| (name(k, PERIOD), e.to_string()))?,
        )
    };
    Ok(MeasureTarget {
        code,
        period,
        target,
    })
}

/// The stored code closest to `code` (edit distance at most 2), for a typo.
fn closest<'a>(code: &str, sorted: &[&'a str]) -> Option<&'a str> {
    sorted
        .iter()
        .map(|c| (super::interventions::edit_distance(code, c), *c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Removes its file when dropped.
    struct Scratch(std::path::PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn write(name: &str, text: &str) -> (Scratch, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "sigap-measure-{}-{}-{name}",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).expect("write");
        (Scratch(path.clone()), path)
    }

    fn known() -> HashSet<String> {
        ["7471011001", "7471011002", "7471021001"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    #[test]
    fn reads_targets_for_every_round_and_for_one() {
        let (_d, path) = write(
            "sasaran.csv",
            "kode_desa;sasaran;periode\n74.71.01.1001;120,5;\n7471011002;80;2026-08\n7471011002;75;\n",
        );
        let rows = read_measure_targets(&path, &known()).expect("good file");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].code, "7471011001");
        assert!((rows[0].target - 120.5).abs() < 1e-12);
        assert_eq!(rows[1].period, Some("2026-08".parse().expect("period")));
        let of = crate::model::measure_targets_of(&rows, Some("2026-08".parse().expect("p")));
        assert_eq!(of.get("7471011002"), Some(&80.0));
        let of = crate::model::measure_targets_of(&rows, Some("2026-02".parse().expect("p")));
        assert_eq!(of.get("7471011002"), Some(&75.0));
    }

    #[test]
    fn every_bad_row_is_named_with_the_closest_code() {
        let (_d, path) = write(
            "sasaran.csv",
            "kode_desa,sasaran,periode\n7471011003,10,\n7471011001,-4,\n7471011001,x,\n\
             123,5,\n7471021001,5,2026-13\n7471011002,5,\n7471011002,6,\n",
        );
        let e = read_measure_targets(&path, &known()).expect_err("bad rows");
        let IngestError::Rejected { rejects, .. } = &e else {
            panic!("{e}");
        };
        let lines: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(
            lines,
            [
                (2, "kode_desa"),
                (3, "sasaran"),
                (4, "sasaran"),
                (5, "kode_desa"),
                (6, "periode"),
                (8, "kode_desa")
            ]
        );
        assert!(
            rejects[0].reason.contains("did you mean 7471011001"),
            "{}",
            rejects[0].reason
        );
        assert!(rejects[1].reason.contains("negative"));
        assert!(
            rejects[5].reason.contains("line 7"),
            "{}",
            rejects[5].reason
        );
        let (_d, path) = write("x.csv", "kode_desa,jumlah\n7471011001,3\n");
        let e = read_measure_targets(&path, &known()).expect_err("no target column");
        assert!(e.to_string().contains("no target column"), "{e}");
    }
}
