//! What can go wrong with the store file, with the path so the user knows which file.

use super::sql::SqlError;
use std::path::{Path, PathBuf};

/// An error opening, reading or writing the store.
///
/// Every variant names the store file. A failed write never leaves half an import:
/// the transaction is rolled back and the file is as it was.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created as SQLite.
    ///
    /// Likely cause: the folder does not exist, no write permission, or the file is not
    /// an SQLite database. Fix: check the `--db` path and its folder's permissions.
    #[error("cannot open the store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The file is an SQLite database, but not a sigap store.
    ///
    /// Likely cause: `--db` points at another application's database or at a
    /// GeoPackage made by another tool. Fix: give a new file name (sigap creates it)
    /// or the path of an existing sigap store.
    #[error("{path} is not a sigap store: {reason}")]
    NotSigapStore { path: PathBuf, reason: String },
    /// The store was written by a newer sigap with a schema this one does not know.
    ///
    /// Fix: upgrade sigap, or import into a new store file.
    #[error("the store {path} has schema version {found}; this sigap reads up to {supported}")]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// A query or a write failed; a write was rolled back and changed nothing.
    ///
    /// Likely cause: the disk is full, another process held the file locked longer than
    /// the busy timeout, or the file is damaged. Fix: free space, retry when the other
    /// import is done, or run `sqlite3 FILE 'PRAGMA integrity_check'`.
    #[error("store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value could not be read back.
    ///
    /// Likely cause: the table was edited by hand (for example in QGIS) with a value
    /// sigap does not accept. Fix: re-import that layer with `--replace`.
    #[error("store {path}: table {table}, fid {fid}: {reason}")]
    Corrupt {
        path: PathBuf,
        table: &'static str,
        fid: i64,
        reason: String,
    },
    /// A connection, query or write on a PostgreSQL store failed; a write was rolled
    /// back and changed nothing. `db` names the database without its password.
    ///
    /// Likely cause: the server is down or refuses the role, the schema was never
    /// initialised, the role lacks a grant, or another writer held the write lock
    /// longer than the lock timeout (SQLSTATE 55P03). Fix: check the connection string
    /// and the server's log, run the schema init as the owner, or retry when the
    /// other import is done.
    #[error("database {db}: {}", super::pg::describe(source))]
    Postgres {
        db: String,
        #[source]
        source: postgres::Error,
    },
}

impl StoreError {
    /// The error of a statement of the shared SQL ([`super::sql`]) on the store at
    /// `place` (a file, or a PostgreSQL database's display name): the database's own
    /// error as [`StoreError::Sqlite`] or [`StoreError::Postgres`], a value sigap cannot
    /// read as [`StoreError::Corrupt`] (naming `table` when the statement did not).
    #[must_use]
    pub(crate) fn of_sql(place: &Path, table: &'static str, e: SqlError) -> StoreError {
        match e {
            SqlError::Sqlite(source) => StoreError::Sqlite {
                path: place.to_owned(),
                source,
            },
            SqlError::Postgres(source) => StoreError::Postgres {
                db: place.display().to_string(),
                source,
            },
            SqlError::Corrupt { table, fid, reason } => StoreError::Corrupt {
                path: place.to_owned(),
                table,
                fid,
                reason,
            },
            e @ SqlError::Type { .. } => StoreError::Corrupt {
                path: place.to_owned(),
                table,
                fid: 0,
                reason: e.to_string(),
            },
        }
    }

    /// Whether the store gave up waiting for another writer: nothing was changed,
    /// and the same request can succeed shortly (the server answers 503).
    #[must_use]
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Sqlite { source, .. } => sqlite_busy(source),
            Self::Postgres { source, .. } => super::pg::is_busy(source),
            _ => false,
        }
    }
}

/// Whether SQLite gave up waiting for another writer (`SQLITE_BUSY`, `SQLITE_LOCKED`).
#[must_use]
pub(crate) fn sqlite_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
