//! Where imported data lives: one SQLite file laid out as a GeoPackage 1.3.
//!
//! A planner can open the store in QGIS or `ogrinfo` and see four layers (villages,
//! children, households, facilities) in WGS84, while sigap reads and writes it with
//! nothing but SQLite. Children and households are stored under pseudonyms only;
//! `ingest` replaces source ids before anything reaches this module.
//!
//! [`Store`] steps: open (create the GeoPackage tables if the file is new, check it
//! is ours otherwise), write one layer per transaction and bump the revision in the
//! same transaction, load everything back as a [`Dataset`].
//! The file runs in WAL mode with `synchronous=FULL`, so a process killed
//! mid-import leaves the store exactly as before or after that import.

mod any;
mod assignments;
mod audit;
mod case_audits;
mod dataset;
mod db;
mod deliveries;
mod error;
mod geometry;
mod identities;
mod layers;
mod measure_targets;
mod periods;
pub mod pg;
mod plans;
mod population;
mod rembuk;
mod roads;
mod schema;
pub mod sql;
mod target;
mod teams;
mod visits;
mod writer;

pub use any::AnyStore;
pub(crate) use audit::{audit_entries, insert_audit};
pub use case_audits::CaseAudit;
pub use dataset::Dataset;
pub use db::Db;
pub use deliveries::DeliveriesWritten;
pub use error::StoreError;
pub(crate) use error::sqlite_busy;
pub use geometry::SRS_WGS84;
pub use layers::LayerRows;
pub use plans::SavedPlan;
pub use population::PopulationSource;
pub use rembuk::{Action as RembukAction, Decisions as RembukDecisions};
pub use roads::StoredRoads;
pub use target::{ImportTarget, LayerSink, LedgerKeys, PopulationTarget, RotationTarget};
pub use visits::Visit;
pub use writer::LayerWriter;

use crate::model::LayerKind;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The embedded store: a GeoPackage file (or an in-memory database in tests).
///
/// Steps of its life: [`Store::open`] creates or checks the file,
/// [`Store::write_layer`] adds or replaces one layer in one transaction and bumps
/// [`Store::revision`], [`Store::load`] reads every layer back.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The error of a failed SQLite call on the store at `path`.
pub(crate) fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// Triggers that refuse UPDATE and DELETE on `table` (`TABLE_no_update`,
/// `TABLE_no_delete`), with the message "`what` append-only".
fn append_only(table: &str, what: &str) -> String {
    format!(
        "CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{what} append-only'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{what} append-only'); END;"
    )
}

impl Store {
    /// Opens the store at `path`, creating and initialising the GeoPackage if the
    /// file does not exist or is empty.
    ///
    /// # Example
    /// ```no_run
    /// # fn main() -> Result<(), sigap::store::StoreError> {
    /// let store = sigap::store::Store::open(std::path::Path::new("kendari.gpkg"))?;
    /// println!("revision {}", store.revision()?);
    /// # Ok(()) }
    /// ```
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // The first statement that reads the file: a non-SQLite file fails here.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(open_err)?;
        Self::setup(conn, path.to_path_buf())
    }

    /// A read-only connection to an existing store, for a server's lookups: in WAL
    /// mode it reads the last committed revision and never waits for a writer.
    /// Nothing is created or upgraded (open the store read-write once first).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.check_schema()?;
        Ok(store)
    }

    /// An empty store in memory, for tests and one-off runs.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        Self::setup(conn, path)
    }

    fn setup(conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        let mut store = Store { conn, path };
        store.sql(store.conn.pragma_update(None, "synchronous", "FULL"))?;
        store.sql(store.conn.pragma_update(None, "foreign_keys", true))?;
        store.initialise()?;
        store.check_schema()?;
        store.add_missing_columns()?;
        store.allow_one_row_per_period()?;
        store.sql(store.conn.execute_batch(assignments::CREATE))?;
        store.sql(store.conn.execute_batch(roads::CREATE))?;
        store.sql(store.conn.execute_batch(visits::CREATE))?;
        store.sql(visits::add_columns(&store.conn))?;
        store.sql(store.conn.execute_batch(teams::CREATE))?;
        store.sql(store.conn.execute_batch(identities::CREATE))?;
        store.sql(store.conn.execute_batch(plans::CREATE))?;
        store.sql(store.conn.execute_batch(deliveries::CREATE))?;
        store.sql(store.conn.execute_batch(case_audits::CREATE))?;
        store.sql(
            store
                .conn
                .execute_batch(&append_only("sigap_case_audits", "case audits are")),
        )?;
        store.sql(store.conn.execute_batch(measure_targets::CREATE))?;
        store.sql(store.conn.execute_batch(rembuk::CREATE))?;
        store.sql(
            store
                .conn
                .execute_batch(&append_only("sigap_rembuk", "rembuk decisions are")),
        )?;
        Ok(store)
    }

    /// Adds the columns of [`schema::ADDED_COLUMNS`] a store made by an earlier
    /// sigap lacks, in one transaction.
    fn add_missing_columns(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let has = |conn: &Connection, table: &str, column: &str| -> rusqlite::Result<bool> {
            conn.query_row(
                "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
                [table, column],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
        };
        let missing = |conn: &Connection| -> rusqlite::Result<bool> {
            for (table, column, _) in schema::ADDED_COLUMNS {
                if !has(conn, table, column)? {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        if !missing(&self.conn).map_err(sql)? {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        for (table, column, ddl) in schema::ADDED_COLUMNS {
            if !has(&tx, table, column).map_err(sql)? {
                tx.execute_batch(ddl).map_err(sql)?;
                tracing::info!(path = %path.display(), table, column, "store: column added");
                if *column == schema::HOUSEHOLD_CELLS_COLUMN {
                    let n = layers::fill_household_cells(&tx).map_err(sql)?;
                    tracing::info!(path = %path.display(), households = n, "store: households' H3 cells stored");
                }
            }
        }
        tx.commit().map_err(sql)
    }

    /// Runs `write` in one immediate transaction (the write lock taken at once) and
    /// commits; on any error nothing changes (the transaction rolls back when
    /// dropped). `write` gets the store's path for its errors ([`sqlite_error`]).
    pub(crate) fn in_transaction<T>(
        &mut self,
        write: impl FnOnce(&rusqlite::Transaction<'_>, &Path) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite_error(&path))?;
        let out = write(&tx, &path)?;
        tx.commit().map_err(sqlite_error(&path))?;
        Ok(out)
    }

    /// Runs `run` on the store's connection through the shared SQL ([`sql`]), outside
    /// any transaction (a read, or one statement); its errors name the store file (and
    /// `table` for a value it cannot read).
    fn run_sql<T>(
        &self,
        table: &'static str,
        run: impl FnOnce(&mut dyn sql::SqlConn) -> Result<T, sql::SqlError>,
    ) -> Result<T, StoreError> {
        run(&mut sql::Lite(&self.conn)).map_err(|e| StoreError::of_sql(&self.path, table, e))
    }

    /// Runs `write` through the shared SQL ([`sql`]) in one immediate transaction,
    /// bumps the revision in it and commits; returns the new revision. On any error
    /// nothing changes.
    fn write_sql_revision(
        &mut self,
        table: &'static str,
        write: impl FnOnce(&mut dyn sql::SqlConn) -> Result<(), sql::SqlError>,
    ) -> Result<u64, StoreError> {
        self.in_transaction(|tx, path| {
            write(&mut sql::Lite(tx)).map_err(|e| StoreError::of_sql(path, table, e))?;
            schema::bump_revision(tx, path)
        })
    }

    /// The file this store lives in (`:memory:` for an in-memory store).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the GeoPackage tables if the database has none, in one transaction.
    fn initialise(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let count_tables = "SELECT count(*) FROM sqlite_master";
        let tables: i64 = self
            .conn
            .query_row(count_tables, [], |r| r.get(0))
            .map_err(sql)?;
        if tables > 0 {
            return Ok(());
        }
        // Take the write lock, then look again: another process may have won the race.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let tables: i64 = tx.query_row(count_tables, [], |r| r.get(0)).map_err(sql)?;
        if tables == 0 {
            tx.execute_batch(schema::CREATE).map_err(sql)?;
            tx.pragma_update(None, "application_id", schema::APPLICATION_ID)
                .map_err(sql)?;
            tx.pragma_update(None, "user_version", schema::USER_VERSION)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
            tracing::info!(path = %path.display(), "created a new GeoPackage store");
        }
        Ok(())
    }

    /// Refuses files that are not a sigap GeoPackage or come from a newer sigap.
    fn check_schema(&self) -> Result<(), StoreError> {
        let app_id: i32 = self.sql(
            self.conn
                .pragma_query_value(None, "application_id", |r| r.get(0)),
        )?;
        if app_id != schema::APPLICATION_ID {
            return Err(self.not_ours(format!(
                "application_id is {app_id:#010x}, a GeoPackage has {:#010x} ('GPKG')",
                schema::APPLICATION_ID
            )));
        }
        let has_meta: i64 = self.sql(self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sigap_meta'",
            [],
            |r| r.get(0),
        ))?;
        if has_meta == 0 {
            return Err(self.not_ours("a GeoPackage without the sigap_meta table".into()));
        }
        let version: Option<String> = self.sql(
            self.conn
                .query_row(
                    "SELECT value FROM sigap_meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get(0),
                )
                .optional(),
        )?;
        let found = version
            .and_then(|v| v.parse::<u32>().ok())
            .ok_or_else(|| self.not_ours("sigap_meta has no valid schema_version".into()))?;
        if found > schema::SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path: self.path.clone(),
                found,
                supported: schema::SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    fn not_ours(&self, reason: String) -> StoreError {
        StoreError::NotSigapStore {
            path: self.path.clone(),
            reason,
        }
    }

    /// Attaches the store path to an SQLite result.
    fn sql<T>(&self, result: rusqlite::Result<T>) -> Result<T, StoreError> {
        result.map_err(|source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        })
    }

    /// A counter bumped by every successful import, in the import's transaction.
    ///
    /// Readers (the server's caches, ETags) compare it to know whether the data
    /// changed. A new store has revision 0.
    pub fn revision(&self) -> Result<u64, StoreError> {
        let value: String = self.sql(self.conn.query_row(
            "SELECT value FROM sigap_meta WHERE key = 'revision'",
            [],
            |r| r.get(0),
        ))?;
        value.parse().map_err(|_| StoreError::Corrupt {
            path: self.path.clone(),
            table: "sigap_meta",
            fid: 0,
            reason: format!("revision `{value}` is not a whole number"),
        })
    }

    /// How many rows each layer holds, in the order villages, children,
    /// households, facilities.
    pub fn counts(&self) -> Result<[(LayerKind, usize); 4], StoreError> {
        let count = |kind: LayerKind| -> Result<(LayerKind, usize), StoreError> {
            let sql = format!("SELECT count(*) FROM {}", layers::table(kind));
            let n: i64 = self.sql(self.conn.query_row(&sql, [], |r| r.get(0)))?;
            Ok((kind, n as usize))
        };
        Ok([
            count(LayerKind::Villages)?,
            count(LayerKind::Children)?,
            count(LayerKind::Households)?,
            count(LayerKind::Facilities)?,
        ])
    }
}

#[cfg(test)]
mod tests;
