//! Column mapping: which source column feeds which sigap field.
//!
//! (Being written: Indonesian headers, `--map FIELD=COLUMN`. Today the mapping is the
//! identity: a column named like the field feeds it.)

use super::IngestError;
use super::source::Record;
use crate::model::LayerKind;

/// Source column name (trimmed, lowercase) for each canonical field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// `(field, column)` pairs where the two differ.
    renames: Vec<(String, String)>,
}

impl ColumnMap {
    /// Decides the mapping from the first record's columns and the user's `--map`.
    #[allow(
        clippy::unnecessary_wraps,
        clippy::unused_self,
        reason = "placeholder until the mapping is written"
    )]
    pub fn resolve(
        _kind: LayerKind,
        _first: &Record,
        user: &[(String, String)],
    ) -> Result<Self, IngestError> {
        Ok(Self {
            renames: user
                .iter()
                .map(|(f, c)| (f.to_ascii_lowercase(), c.trim().to_ascii_lowercase()))
                .collect(),
        })
    }

    /// Renames the record's fields to sigap's field names.
    pub fn apply(&self, record: &mut Record) {
        for (field, column) in &self.renames {
            if let Some(v) = record.fields.remove(column) {
                record.fields.insert(field.clone(), v);
            }
        }
    }
}
