//! `--replace` for children: the periods a file brings replace the stored rows of
//! those periods, and only those (importing August never wipes February).

use crate::model::Period;
use crate::store::{LayerRows, LayerSink, StoreError};
use std::collections::BTreeSet;

/// The periods whose stored children this import has deleted so far.
pub(super) struct Replaced {
    /// Whether the import replaces periods at all (children with `--replace`).
    active: bool,
    done: BTreeSet<Period>,
}

impl Replaced {
    pub(super) fn new(active: bool) -> Self {
        Self {
            active,
            done: BTreeSet::new(),
        }
    }

    /// Before `rows` are written: deletes the stored children of each period that
    /// appears in them for the first time. Earlier batches held none of that
    /// period, so nothing this import wrote is deleted.
    pub(super) fn clear_before(
        &mut self,
        writer: &mut impl LayerSink,
        rows: &LayerRows,
    ) -> Result<(), StoreError> {
        let LayerRows::Children(children) = rows else {
            return Ok(());
        };
        if !self.active {
            return Ok(());
        }
        for c in children {
            if self.done.insert(c.period) {
                writer.delete_period(c.period)?;
            }
        }
        Ok(())
    }
}
