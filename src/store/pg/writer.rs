//! Writing a layer on PostgreSQL in batches inside one transaction, as
//! `store/writer.rs` does on SQLite: the import is all or nothing, the revision moves
//! once at commit, and readers keep seeing the previous revision meanwhile.
//!
//! Rows travel by binary `COPY ... FROM STDIN` (one round trip per batch instead of
//! one INSERT per row), geometries as EWKB ([`Geometry`]); the households get the H3
//! cells SQLite's writer stores.

use super::types::{Date, Geometry};
use super::{PgStore, WRITE_LOCK, bump_revision, pg_error};
use crate::model::{AuditRow, LayerKind, Period};
use crate::store::StoreError;
use crate::store::layers::{LayerRows, cells_as_stored, table};
use geo::Point;
use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use std::collections::HashMap;

/// One layer being written on PostgreSQL; see [`PgStore::layer_writer`].
///
/// Steps: [`PgStore::layer_writer`] opens the transaction, takes the write lock (and
/// deletes the old rows when replacing), [`PgLayerWriter::write`] copies each batch
/// in, [`PgLayerWriter::commit`] bumps the revision and commits. Dropping the writer
/// rolls everything back.
pub struct PgLayerWriter<'s> {
    tx: Transaction<'s>,
    db: &'s str,
    kind: LayerKind,
    replace: bool,
    written: usize,
}

impl PgStore {
    /// Starts writing layer `kind` in one transaction holding the store-wide write
    /// lock ([`WRITE_LOCK`]); with `replace`, its old rows (and, for households,
    /// their sealed identities) are deleted, visible only on commit.
    ///
    /// Another writer waits for the lock (up to the lock timeout); readers keep
    /// seeing the previous revision. The rows are deleted with DELETE, not TRUNCATE,
    /// whose exclusive lock would stop every reader until the import commits.
    pub fn layer_writer(
        &mut self,
        kind: LayerKind,
        replace: bool,
    ) -> Result<PgLayerWriter<'_>, StoreError> {
        let PgStore { client, db, .. } = self;
        let err = pg_error(db);
        let mut tx = client.transaction().map_err(&err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .map_err(&err)?;
        if replace {
            tx.execute(&format!("DELETE FROM {}", table(kind)), &[])
                .map_err(&err)?;
            // As on SQLite: children keep their identities across periods, a
            // replaced household layer drops them.
            if kind == LayerKind::Households {
                tx.execute(
                    "DELETE FROM sigap_identities WHERE layer = $1",
                    &[&kind.as_str()],
                )
                .map_err(&err)?;
            }
        }
        Ok(PgLayerWriter {
            tx,
            db,
            kind,
            replace,
            written: 0,
        })
    }

    /// Writes `rows` into their layer in ONE transaction and bumps the revision in
    /// it; see `Store::write_layer`. Returns the new revision.
    pub fn write_layer(&mut self, rows: &LayerRows, replace: bool) -> Result<u64, StoreError> {
        let mut writer = self.layer_writer(rows.kind(), replace)?;
        writer.write(rows)?;
        writer.commit()
    }
}

impl PgLayerWriter<'_> {
    /// Copies one batch in. An id already stored (or twice in the batch) fails it
    /// and, once the writer is dropped, the whole import.
    ///
    /// # Panics
    /// If `rows` belong to another layer than the writer's (a bug in the caller).
    pub fn write(&mut self, rows: &LayerRows) -> Result<(), StoreError> {
        assert_eq!(
            rows.kind(),
            self.kind,
            "rows written to another layer's writer"
        );
        copy_in(&mut self.tx, rows).map_err(pg_error(self.db))?;
        self.written += rows.len();
        Ok(())
    }

    /// Inserts (or replaces) the sealed identities of rows of this layer,
    /// `(pseudonym, sealed)`, in the same transaction as the rows; of a pseudonym
    /// given twice the last is kept, as SQLite's `INSERT OR REPLACE` does.
    pub fn write_identities(&mut self, sealed: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        if sealed.is_empty() {
            return Ok(());
        }
        // ON CONFLICT refuses to touch one row twice in a statement: keep the last.
        let last: HashMap<&str, &[u8]> = sealed
            .iter()
            .map(|(p, s)| (p.as_str(), s.as_slice()))
            .collect();
        let (pseudonyms, blobs): (Vec<&str>, Vec<&[u8]>) = last.into_iter().unzip();
        self.tx
            .execute(
                "INSERT INTO sigap_identities (layer, pseudonym, sealed)
                 SELECT $1, p, s FROM unnest($2::text[], $3::bytea[]) AS t (p, s)
                 ON CONFLICT (layer, pseudonym) DO UPDATE SET sealed = excluded.sealed",
                &[&self.kind.as_str(), &pseudonyms, &blobs],
            )
            .map_err(pg_error(self.db))?;
        Ok(())
    }

    /// Deletes the stored children of `period` inside this writer's transaction, so
    /// an import can replace the periods it brings and keep every other one.
    ///
    /// # Panics
    /// If the writer is not writing children (a bug in the caller).
    pub fn delete_period(&mut self, period: Period) -> Result<usize, StoreError> {
        assert_eq!(self.kind, LayerKind::Children, "periods are children's");
        let n = self
            .tx
            .execute(
                "DELETE FROM children WHERE period = $1",
                &[&period.to_string()],
            )
            .map_err(pg_error(self.db))?;
        tracing::debug!(%period, rows = n, "stored children of the period replaced");
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Rows written so far (not yet committed).
    #[must_use]
    pub fn written(&self) -> usize {
        self.written
    }

    /// Bumps the revision (the notification goes out at commit) and commits;
    /// returns the new revision.
    pub fn commit(self) -> Result<u64, StoreError> {
        self.commit_with_audit(None)
    }

    /// [`PgLayerWriter::commit`], appending `audit` to the audit log in the same
    /// transaction first: the rows and their record are committed together or not
    /// at all.
    pub fn commit_with_audit(mut self, audit: Option<&AuditRow>) -> Result<u64, StoreError> {
        if let Some(row) = audit {
            crate::store::insert_audit(&mut crate::store::sql::Pg::new(&mut self.tx), row)
                .map_err(|e| StoreError::of_sql(std::path::Path::new(self.db), "sigap_audit", e))?;
        }
        let revision = bump_revision(&mut self.tx, self.db)?;
        let (kind, rows, replace) = (self.kind, self.written, self.replace);
        self.tx.commit().map_err(pg_error(self.db))?;
        tracing::debug!(layer = %kind, rows, replace, revision, "layer written");
        Ok(revision)
    }
}

/// Copies `rows` into their table with binary COPY; the column types are the
/// table's own (PostGIS's `geometry` has no fixed OID).
fn copy_in(tx: &mut Transaction<'_>, rows: &LayerRows) -> Result<(), postgres::Error> {
    let (table, columns) = match rows {
        LayerRows::Villages(_) => ("villages", "geom, code, name, district"),
        LayerRows::Children(_) => (
            "children",
            "geom, pseudonym, sex, birth_date, measure_date, height_cm, haz, \
             placed_by_village, period",
        ),
        LayerRows::Households(_) => (
            "households",
            "geom, pseudonym, has_latrine, safe_water, improved_sanitation, unfit_housing, \
             four_t, target_groups, h3_5, h3_6, h3_7, h3_8",
        ),
        LayerRows::Facilities(_) => ("facilities", "geom, id, name, kind"),
    };
    let types: Vec<_> = tx
        .prepare(&format!("SELECT {columns} FROM {table}"))?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let sink = tx.copy_in(&format!(
        "COPY {table} ({columns}) FROM STDIN (FORMAT binary)"
    ))?;
    let mut w = BinaryCopyInWriter::new(sink, &types);
    match rows {
        LayerRows::Villages(rows) => {
            for v in rows {
                w.write(&[
                    &Geometry::MultiPolygon(&v.boundary),
                    &v.code,
                    &v.name,
                    &v.district,
                ])?;
            }
        }
        LayerRows::Children(rows) => {
            for c in rows {
                w.write(&[
                    &Geometry::Point(c.location),
                    &c.id,
                    &c.sex.code(),
                    &Date(c.birth_date),
                    &Date(c.measure_date),
                    &c.height_cm,
                    &c.haz,
                    &c.placed_by_village,
                    &c.period.to_string(),
                ])?;
            }
        }
        LayerRows::Households(rows) => {
            // The cells SQLite's writer stores, found the same way (every core).
            let points: Vec<Point<f64>> = rows.iter().map(|h| h.location).collect();
            for (h, [c5, c6, c7, c8]) in rows.iter().zip(cells_as_stored(&points)) {
                w.write(&[
                    &Geometry::Point(h.location),
                    &h.id,
                    &h.has_latrine,
                    &h.safe_water,
                    &h.improved_sanitation,
                    &h.unfit_housing,
                    &h.four_t,
                    &h.targets.map(|t| i64::from(t.bits())),
                    &c5,
                    &c6,
                    &c7,
                    &c8,
                ])?;
            }
        }
        LayerRows::Facilities(rows) => {
            for f in rows {
                w.write(&[
                    &Geometry::Point(f.location),
                    &f.id,
                    &f.name,
                    &f.kind.as_str(),
                ])?;
            }
        }
    }
    w.finish()?;
    Ok(())
}
