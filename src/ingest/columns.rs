//! Column mapping: which source column feeds which sigap field.
//!
//! Exports name their columns in many ways: e-PPGBM writes `NIK`, `JK`, `Tgl Lahir`,
//! `ZS TB/U`; BIG's boundary layers `KDEPUM` and `WADMKD`; a field survey `Lintang`
//! and `Bujur`. The mapping is decided once per file, from its header (or, for a
//! format without one, its first record's properties): each field takes the column
//! whose [normalised](normalize) name comes first in the field's list in
//! [`aliases`], `--map FIELD=COLUMN` overrides, and a required field with no column
//! stops the import before any row is checked, naming the columns found.
//! [`ColumnMap::apply`] then renames each record's fields to sigap's names; columns
//! no field reads are dropped there.

pub(super) mod aliases;

use super::source::Record;
use super::validate::FieldError;
use crate::model::LayerKind;
use aliases::{Field, Need};
use std::fmt;

/// How a field got its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The column is named like the field, or like one of its recognised aliases.
    Name,
    /// `--map FIELD=COLUMN`.
    Map,
}

/// One field and the column that feeds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub field: &'static str,
    /// The column as the file names it.
    pub column: String,
    pub by: By,
}

/// A field that more than one column could feed, and the choice made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    pub field: &'static str,
    pub chosen: String,
    /// The other candidates, best first; they are ignored.
    pub others: Vec<String>,
}

/// The mapping chosen for one file, for `--check` and the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnReport {
    /// Field ← column, in the layer's field order.
    pub mapped: Vec<Mapped>,
    /// Columns no field reads, in file order.
    pub ignored: Vec<String>,
    pub ambiguous: Vec<Ambiguity>,
}

/// Which source column feeds each sigap field of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    picks: Vec<Pick>,
    report: ColumnReport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pick {
    field: &'static str,
    /// The record's key for the column.
    key: String,
    /// The column feeds more than one field (only through `--map`), so it is copied.
    shared: bool,
    /// The field is required (or a position): text that was not UTF-8 fails it.
    /// Optional fields are left to their own parser, or carried as they are.
    strict: bool,
}

impl ColumnMap {
    /// Decides the mapping of a file with these `columns` (its header, in file order)
    /// from the recognised names and the user's `--map` pairs (`(field, column)`).
    ///
    /// `has_geometry` says whether records carry a geometry; without one, points
    /// need `lat` and `lon` columns (or `x` and `y`; or, for children, a village code).
    ///
    /// # Errors
    /// The reason, for [`super::IngestError::Format`]: a `--map` naming an unknown
    /// field or a column not in the file; a required field with no column (listing
    /// the columns found and the `--map` that would fix it); a column the mapping
    /// uses that appears twice.
    pub fn resolve(
        kind: LayerKind,
        columns: &[String],
        has_geometry: bool,
        user: &[(String, String)],
    ) -> Result<Self, String> {
        let spec = aliases::fields(kind);
        let normal: Vec<String> = columns.iter().map(|c| normalize(c)).collect();
        let mut chosen: Vec<(usize, usize, By)> = Vec::new(); // (field, column, by)
        for (field, column) in user {
            let Some(f) = spec.iter().position(|f| f.name == field.trim()) else {
                let known: Vec<&str> = spec.iter().map(|f| f.name).collect();
                return Err(format!(
                    "--map {field}={column}: {kind} have no field `{field}`; their fields \
                     are {}",
                    known.join(", ")
                ));
            };
            let Some(i) = find(columns, &normal, column) else {
                return Err(format!(
                    "--map {field}={column}: there is no column `{column}`; columns found: {}",
                    list(columns)
                ));
            };
            if chosen.iter().any(|c| c.0 == f) {
                return Err(format!("--map {field}=...: given twice"));
            }
            chosen.push((f, i, By::Map));
        }
        let mut ambiguous = Vec::new();
        for (f, field) in spec.iter().enumerate() {
            if chosen.iter().any(|c| c.0 == f) {
                continue;
            }
            let mut candidates: Vec<(usize, usize)> = normal
                .iter()
                .enumerate()
                .filter(|&(i, n)| !n.is_empty() && !chosen.iter().any(|c| c.1 == i))
                .filter_map(|(i, n)| aliases::rank(field, n).map(|r| (r, i)))
                .collect();
            candidates.sort_unstable();
            let Some(&(_, i)) = candidates.first() else {
                continue;
            };
            chosen.push((f, i, By::Name));
            if candidates.len() > 1 {
                ambiguous.push(Ambiguity {
                    field: field.name,
                    chosen: columns[i].clone(),
                    others: candidates[1..]
                        .iter()
                        .map(|&(_, j)| columns[j].clone())
                        .collect(),
                });
            }
        }
        chosen.sort_unstable_by_key(|c| (c.0, c.1));
        let has = |name: &str| chosen.iter().any(|c| spec[c.0].name == name);
        missing(kind, spec, columns, has_geometry, &has)?;
        duplicates(columns, &chosen)?;
        let picks = chosen
            .iter()
            .map(|&(f, i, _)| Pick {
                field: spec[f].name,
                key: columns[i].clone(),
                shared: chosen.iter().filter(|c| c.1 == i).count() > 1,
                strict: spec[f].need != Need::Optional,
            })
            .collect();
        let report = ColumnReport {
            mapped: chosen
                .iter()
                .map(|&(f, i, by)| Mapped {
                    field: spec[f].name,
                    column: columns[i].clone(),
                    by,
                })
                .collect(),
            ignored: (0..columns.len())
                .filter(|&i| !normal[i].is_empty() && !chosen.iter().any(|c| c.1 == i))
                .map(|i| columns[i].clone())
                .collect(),
            ambiguous,
        };
        Ok(Self { picks, report })
    }

    /// [`ColumnMap::resolve`] for a file with this `header` (when its reader gives
    /// one) whose first record is `first` (`None` for a file with no records). A
    /// format without a header row (GeoJSON) is mapped from its first record's
    /// properties, sorted by name.
    pub fn for_file(
        kind: LayerKind,
        header: Option<&[String]>,
        first: Option<&Record>,
        user: &[(String, String)],
    ) -> Result<Self, String> {
        let has_geometry = first.is_some_and(|r| r.geometry.is_some());
        if let Some(header) = header {
            return Self::resolve(kind, header, has_geometry, user);
        }
        let mut names: Vec<String> = first
            .map(|r| r.fields.keys().cloned().collect())
            .unwrap_or_default();
        names.sort_unstable();
        Self::resolve(kind, &names, has_geometry, user)
    }

    /// Renames the record's fields to sigap's field names and drops the columns no
    /// field reads. A required field whose text was not valid UTF-8 (the reader put
    /// U+FFFD where the bad bytes were) fails.
    pub fn apply(&self, record: &mut Record) -> Vec<FieldError> {
        let mut source = std::mem::take(&mut record.fields);
        let mut errors = Vec::new();
        for pick in &self.picks {
            let value = if pick.shared {
                source.get(&pick.key).cloned()
            } else {
                source.remove(&pick.key)
            };
            let Some(value) = value else { continue };
            if pick.strict && value.contains(char::REPLACEMENT_CHARACTER) {
                errors.push(FieldError {
                    field: pick.field.to_string(),
                    reason: format!(
                        "column `{}` is not UTF-8 text; save the file as UTF-8",
                        pick.key
                    ),
                });
            }
            record.fields.insert(pick.field.to_string(), value);
        }
        errors
    }

    #[must_use]
    pub fn into_report(self) -> ColumnReport {
        self.report
    }
}

/// A header as sigap compares it: lowercase, `/` and `'` dropped (`TB/U` is `tbu`),
/// every run of other characters that are not letters or digits turned into one
/// `_`, none at either end. `" Tgl. Lahir "`, `"TGL_LAHIR"` and `"tgl-lahir"` are
/// all `tgl_lahir`.
#[must_use]
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else if !matches!(c, '/' | '\'' | '\u{2019}') {
            gap = true;
        }
    }
    out
}

/// The column a `--map` names: the same text ignoring case and surrounding spaces,
/// else the same normalised name.
fn find(columns: &[String], normal: &[String], wanted: &str) -> Option<usize> {
    let wanted = wanted.trim().to_lowercase();
    columns
        .iter()
        .position(|c| c.trim().to_lowercase() == wanted)
        .or_else(|| {
            let n = normalize(&wanted);
            normal.iter().position(|c| !n.is_empty() && *c == n)
        })
}

fn list(columns: &[String]) -> String {
    let named: Vec<&str> = columns
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if named.is_empty() {
        "none".into()
    } else {
        named.join(", ")
    }
}

/// Fails if a field the layer needs has no column.
fn missing(
    kind: LayerKind,
    spec: &[Field],
    columns: &[String],
    has_geometry: bool,
    has: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let mut absent: Vec<&Field> = spec
        .iter()
        .filter(|f| f.need == Need::Required && !has(f.name))
        .collect();
    let mut position = false;
    let by_village = kind == LayerKind::Children && has("village_code");
    let placed = (has("lat") && has("lon")) || (has("x") && has("y")) || by_village;
    if !has_geometry && !placed {
        position = true;
        let projected = (has("x") || has("y")) && !has("lat") && !has("lon");
        let pair = if projected {
            ["x", "y"]
        } else {
            ["lat", "lon"]
        };
        absent.extend(
            spec.iter()
                .filter(|f| pair.contains(&f.name) && !has(f.name)),
        );
    }
    if absent.is_empty() {
        return Ok(());
    }
    let wanted: Vec<String> = absent
        .iter()
        .map(|f| format!("`{}` (recognised names: {})", f.name, f.aliases.join(", ")))
        .collect();
    let maps: Vec<String> = absent
        .iter()
        .map(|f| format!("--map {}=COLUMN", f.name))
        .collect();
    let (noun, holds) = if absent.len() == 1 {
        ("column", "it")
    } else {
        ("columns", "them")
    };
    let mut reason = format!(
        "missing required {noun} {}; columns found: {}; if a column holds {holds}, \
         pass {}",
        wanted.join(", "),
        list(columns),
        maps.join(" ")
    );
    if position {
        reason.push_str(
            "; a position may also come from x and y columns in the CRS given with \
             --crs EPSG:NNNN",
        );
        if kind == LayerKind::Children {
            reason
                .push_str(", or a village code column (kode_desa) for children placed by village");
        }
    }
    Err(reason)
}

/// Fails if a column the mapping reads appears more than once: a reader keeps only
/// one of the values.
fn duplicates(columns: &[String], chosen: &[(usize, usize, By)]) -> Result<(), String> {
    for &(_, i, _) in chosen {
        let at: Vec<String> = (0..columns.len())
            .filter(|&j| columns[j] == columns[i])
            .map(|j| (j + 1).to_string())
            .collect();
        if at.len() > 1 {
            return Err(format!(
                "column `{}` appears {} times (columns {}); rename all but one",
                columns[i],
                at.len(),
                at.join(", ")
            ));
        }
    }
    Ok(())
}

impl fmt::Display for ColumnReport {
    /// One `field ← column` line per mapped field, then the ignored columns and the
    /// choices made between candidates.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.mapped.iter().map(|m| m.field.len()).max().unwrap_or(0);
        writeln!(f, "columns (field ← column):")?;
        for m in &self.mapped {
            let by = if m.by == By::Map { "  (--map)" } else { "" };
            writeln!(f, "  {:width$} ← {}{by}", m.field, m.column)?;
        }
        if !self.ignored.is_empty() {
            writeln!(f, "ignored columns: {}", self.ignored.join(", "))?;
        }
        for a in &self.ambiguous {
            writeln!(
                f,
                "note: `{}` ← {} chosen over {} (pass --map {}=COLUMN to choose)",
                a.field,
                a.chosen,
                a.others.join(", "),
                a.field
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
