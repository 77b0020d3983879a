//! Writing a layer in batches inside one transaction, for imports too large to hold.
//!
//! A million households from a GeoPackage would take hundreds of megabytes as one
//! `Vec`; [`LayerWriter`] takes them a batch at a time while SQLite keeps the
//! uncommitted pages in its WAL, so memory stays bounded. The import is still all or
//! nothing: the revision is bumped and the rows become visible only in
//! [`LayerWriter::commit`]; dropping the writer (a rejected row, an error, a panic)
//! rolls every batch back.

use super::layers::{LayerRows, insert, table, union, update_contents};
use super::{Store, StoreError};
use crate::model::{AuditRow, LayerKind};
use geo::Rect;
use rusqlite::{Transaction, TransactionBehavior};
use std::path::PathBuf;

/// SQLite page cache while a layer is written, in KiB (`PRAGMA cache_size` takes
/// a negative number as KiB): enough for the unique index of a million pseudonyms.
const WRITE_CACHE_KIB: i64 = 32 * 1024;

/// One layer being written; see the module doc.
///
/// Steps: [`Store::layer_writer`] takes the write lock (and deletes the old rows when
/// replacing), [`LayerWriter::write`] inserts each batch, [`LayerWriter::commit`]
/// updates the layer's bounds, bumps the revision and commits.
pub struct LayerWriter<'s> {
    tx: Transaction<'s>,
    path: PathBuf,
    kind: LayerKind,
    replace: bool,
    /// Bounds of the rows written so far.
    ///
    /// # Units
    /// WGS84 degrees.
    bounds: Option<Rect<f64>>,
    written: usize,
}

impl Store {
    /// Starts writing layer `kind` in one transaction; with `replace`, its old rows
    /// are deleted (visible only on commit).
    ///
    /// Holds the store's write lock until committed or dropped: another import waits
    /// (up to the busy timeout), readers keep seeing the previous revision.
    pub fn layer_writer(
        &mut self,
        kind: LayerKind,
        replace: bool,
    ) -> Result<LayerWriter<'_>, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        // Random pseudonyms land all over the unique index: with SQLite's default
        // 2 MiB page cache, a million inserts spill and re-read pages constantly.
        self.conn
            .pragma_update(None, "cache_size", -WRITE_CACHE_KIB)
            .map_err(sql)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        if replace {
            tx.execute(&format!("DELETE FROM {}", table(kind)), [])
                .map_err(sql)?;
            // Children are replaced period by period and keep their identities (one
            // per child, not per period); a replaced household layer drops them.
            if kind == LayerKind::Households {
                tx.execute(
                    "DELETE FROM sigap_identities WHERE layer = ?1",
                    [kind.as_str()],
                )
                .map_err(sql)?;
            }
        }
        Ok(LayerWriter {
            tx,
            path,
            kind,
            replace,
            bounds: None,
            written: 0,
        })
    }
}

impl LayerWriter<'_> {
    /// Inserts one batch. An id already stored fails it (and, once the writer is
    /// dropped, the whole import).
    ///
    /// # Panics
    /// If `rows` belong to another layer than the writer's (a bug in the caller).
    pub fn write(&mut self, rows: &LayerRows) -> Result<(), StoreError> {
        assert_eq!(
            rows.kind(),
            self.kind,
            "rows written to another layer's writer"
        );
        insert(&self.tx, rows).map_err(|e| self.sql(e))?;
        self.bounds = match (self.bounds, rows.bounds()) {
            (Some(a), Some(b)) => Some(union(a, b)),
            (a, b) => a.or(b),
        };
        self.written += rows.len();
        Ok(())
    }

    /// Inserts (or replaces) the sealed identities of rows of this layer,
    /// `(pseudonym, sealed)`, in the same transaction as the rows.
    pub fn write_identities(&mut self, sealed: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        if sealed.is_empty() {
            return Ok(());
        }
        super::identities::write(&self.tx, self.kind.as_str(), sealed).map_err(|e| self.sql(e))
    }

    /// Deletes the stored children of `period` inside this writer's transaction, so
    /// an import can replace the periods it brings and keep every other one.
    ///
    /// # Panics
    /// If the writer is not writing children (a bug in the caller).
    pub fn delete_period(&mut self, period: crate::model::Period) -> Result<usize, StoreError> {
        assert_eq!(self.kind, LayerKind::Children, "periods are children's");
        let n = self
            .tx
            .execute(
                "DELETE FROM children WHERE period = ?1",
                [period.to_string()],
            )
            .map_err(|e| self.sql(e))?;
        tracing::debug!(%period, rows = n, "stored children of the period replaced");
        Ok(n)
    }

    /// Rows written so far (not yet committed).
    #[must_use]
    pub fn written(&self) -> usize {
        self.written
    }

    /// Updates the layer's bounds, bumps the revision and commits; returns the new
    /// revision.
    pub fn commit(self) -> Result<u64, StoreError> {
        self.commit_with_audit(None)
    }

    /// [`LayerWriter::commit`], appending `audit` to the audit log in the same
    /// transaction first: the rows and their record are committed together or not
    /// at all.
    pub fn commit_with_audit(self, audit: Option<&AuditRow>) -> Result<u64, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        };
        if let Some(row) = audit {
            super::insert_audit(&mut super::sql::Lite(&self.tx), row)
                .map_err(|e| self.sql(super::sql::into_sqlite(e)))?;
        }
        update_contents(&self.tx, table(self.kind), self.bounds, self.replace).map_err(sql)?;
        let revision = super::schema::bump_revision(&self.tx, &self.path)?;
        let (kind, rows, replace) = (self.kind, self.written, self.replace);
        self.tx.commit().map_err(sql)?;
        tracing::debug!(layer = %kind, rows, replace, revision, "layer written");
        Ok(revision)
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}
