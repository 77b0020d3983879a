//! The shared store: sigap's tables in a PostgreSQL/PostGIS database, so that several
//! servers and CLIs work on one city's data at once.
//!
//! Why: one SQLite file serves one machine; a city that runs two servers needs their
//! sessions, throttles, audit log and layers in one place, and each server must learn
//! that another one imported. This module is the foundation (design note
//! `docs/design/postgres.md`, slice 2); nothing calls it from the CLI or the server yet.
//!
//! [`PgStore`] steps: [`PgStore::init`] applies `schema.sql` as the owner (once per
//! database, idempotent), [`PgStore::connect`] opens a session as the service role,
//! [`PgStore::check_service_role`] refuses a role that could rewrite the audit log,
//! [`PgStore::in_transaction`] writes under the store-wide write lock (the meaning of
//! SQLite's `BEGIN IMMEDIATE`, across every server), and [`bump_revision`] moves the
//! revision and tells listeners at commit with `NOTIFY sigap_revision`.
//!
//! The store's small tables (population, teams and assignments, roads, the ledger,
//! targets, visits, plans, case audits, rembuk) have the same methods as on SQLite,
//! running the same SQL (`tables.rs`, `records.rs`, through [`super::sql`]).
//! The four layers (`writer.rs`, `layers.rs`): [`PgStore::layer_writer`] copies an
//! import in with binary COPY under the write lock and commits it with one revision
//! (optionally with its audit row), [`PgStore::load_revision`] reads the revision and
//! a whole `Dataset` (the layers and the small tables) in one snapshot, equal to what
//! the GeoPackage store reads for the same rows. `sigap import` writes the layers
//! through `store::ImportTarget`.
//!
//! The schema belongs to the NOLOGIN role [`OWNER_ROLE`]; the service logs in as its
//! own role, granted SELECT and INSERT only on the append-only tables (`sigap_audit`,
//! `sigap_case_audits`, `sigap_rembuk`).

mod audit;
mod layers;
#[cfg(test)]
mod layers_tests;
mod listen;
mod records;
mod role;
mod tables;
#[cfg(test)]
mod tables_tests;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
mod types;
mod writer;

pub use layers::Layers;
pub use listen::{Heard, Listener, follow};
pub use role::RoleError;
pub use writer::PgLayerWriter;

use super::StoreError;
use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Transaction};
use std::path::PathBuf;
use std::time::Duration;

/// The version of the schema this build writes and reads (`sigap_meta.schema_version`).
pub const SCHEMA_VERSION: u32 = 1;
/// The schema's DDL and grants, applied by [`PgStore::init`].
const SCHEMA: &str = include_str!("schema.sql");
/// The NOLOGIN role that owns schema `sigap` and every table in it.
pub const OWNER_ROLE: &str = "sigap_owner";
/// Channel of the notification sent at the commit of each new revision; the payload
/// is the revision.
pub const REVISION_CHANNEL: &str = "sigap_revision";
/// Channel of the notification sent when the credential generation moves; the payload
/// is the generation.
pub const AUTH_CHANNEL: &str = "sigap_auth";
/// Advisory lock key of the store-wide write lock (`"sigap"` in ASCII, then 1).
pub const WRITE_LOCK: i64 = 0x7369_6761_7000_0001;
/// Advisory lock key held while the schema is applied.
const INIT_LOCK: i64 = 0x7369_6761_7000_0002;
/// How long a statement waits for a lock (another writer) before failing with
/// SQLSTATE 55P03, as SQLite's busy timeout does.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle seconds before TCP keepalives probe the server: a server host that vanished
/// without closing the socket is noticed instead of waited for.
const KEEPALIVES_IDLE: Duration = Duration::from_secs(30);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A session on the PostgreSQL store.
pub struct PgStore {
    client: Client,
    /// The database, server and user, never the password: errors and logs name it.
    db: String,
    /// The connection string as given, to open more sessions on the same database
    /// ([`PgStore::session`]); never shown (it may hold a password).
    url: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// The error of a failed call on the database named `db`.
pub(crate) fn pg_error(db: &str) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |source| StoreError::Postgres {
        db: db.to_owned(),
        source,
    }
}

/// Whether `error` means "another writer holds the lock, try again later" rather than a
/// fault: a lock wait past `lock_timeout` (55P03), a cancelled statement (57014), a
/// deadlock (40P01) or a serialisation failure (40001).
#[must_use]
pub fn is_busy(error: &postgres::Error) -> bool {
    error.code().is_some_and(|code| {
        [
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::QUERY_CANCELED,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::T_R_SERIALIZATION_FAILURE,
        ]
        .contains(code)
    })
}

/// What went wrong, for people: the server's message with its SQLSTATE, or the
/// client's error with its cause (`postgres::Error` alone says only "db error").
#[must_use]
pub fn describe(error: &postgres::Error) -> String {
    match (error.as_db_error(), std::error::Error::source(error)) {
        (Some(db), _) => format!("SQLSTATE {}: {db}", db.code().code()),
        (None, Some(cause)) => format!("{error}: {cause}"),
        (None, None) => error.to_string(),
    }
}

impl PgStore {
    /// Opens a session on the database at `url` (a `postgres://` URL or
    /// `key=value` pairs) with search path `sigap, public`, a lock timeout of 10 s and
    /// TCP keepalives. Nothing is created or checked: see [`PgStore::init`] and
    /// [`PgStore::schema_version`].
    ///
    /// # Example
    /// ```no_run
    /// # fn main() -> Result<(), sigap::store::StoreError> {
    /// let mut store = sigap::store::pg::PgStore::connect("postgres://sigap_app@db.kota/sigap")?;
    /// println!("revision {}", store.revision()?);
    /// # Ok(()) }
    /// ```
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        // The string may hold a password: an error names it only vaguely.
        let mut config: Config = url
            .parse()
            .map_err(pg_error("(connection string not understood)"))?;
        let db = display_name(&config);
        config
            .keepalives(true)
            .keepalives_idle(KEEPALIVES_IDLE)
            .connect_timeout(CONNECT_TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("sigap");
        }
        let mut client = config.connect(NoTls).map_err(pg_error(&db))?;
        client
            .batch_execute(&format!(
                "SET search_path = sigap, public; SET lock_timeout = '{}s'",
                LOCK_TIMEOUT.as_secs()
            ))
            .map_err(pg_error(&db))?;
        Ok(PgStore {
            client,
            db,
            url: url.to_owned(),
        })
    }

    /// Creates or completes schema `sigap` in the database at `owner_url` and grants
    /// `app_role` what the service needs, in one transaction. Running it again is
    /// harmless; a database whose schema is newer than this build is refused
    /// ([`StoreError::SchemaTooNew`]) and left alone.
    ///
    /// Both roles must exist (`CREATE ROLE sigap_owner NOLOGIN; CREATE ROLE sigap_app
    /// LOGIN`, by an administrator). The role in `owner_url` must be a superuser or a
    /// member of [`OWNER_ROLE`] with CREATE on the database; the tables are made as
    /// [`OWNER_ROLE`]. The PostGIS extension is created if missing (which needs a
    /// superuser).
    pub fn init(owner_url: &str, app_role: &str) -> Result<(), StoreError> {
        let PgStore { mut client, db, .. } = Self::connect(owner_url)?;
        let err = pg_error(&db);
        let mut tx = client.transaction().map_err(&err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK])
            .map_err(&err)?;
        // A second init would log "extension postgis already exists, skipping" and
        // the like for every object: notices, not news to the administrator.
        tx.batch_execute(&format!(
            "SET LOCAL client_min_messages = warning;
             CREATE EXTENSION IF NOT EXISTS postgis;
             CREATE SCHEMA IF NOT EXISTS sigap AUTHORIZATION {OWNER_ROLE}"
        ))
        .map_err(&err)?;
        let exists: bool = tx
            .query_one("SELECT to_regclass('sigap.sigap_meta') IS NOT NULL", &[])
            .and_then(|row| row.try_get(0))
            .map_err(&err)?;
        let found: Option<String> = if exists {
            tx.query_opt(
                "SELECT value FROM sigap.sigap_meta WHERE key = 'schema_version'",
                &[],
            )
            .and_then(|row| row.map(|r| r.try_get(0)).transpose())
            .map_err(&err)?
        } else {
            None
        };
        if let Some(found) = found {
            let found = parse_version(&found, &db)?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    path: PathBuf::from(&db),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
        }
        tx.execute(
            "SELECT set_config('sigap.app_role', $1, true)",
            &[&app_role],
        )
        .map_err(&err)?;
        tx.batch_execute(&format!("SET LOCAL ROLE {OWNER_ROLE}"))
            .map_err(&err)?;
        tx.batch_execute(SCHEMA).map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Opens a session as [`PgStore::connect`] does, on a database whose schema
    /// [`PgStore::init`] made and this build reads.
    ///
    /// # Errors
    /// [`StoreError::NotSigapStore`] when the database has no sigap schema (with the
    /// command that makes it), [`StoreError::SchemaTooNew`] when a newer sigap wrote
    /// it, or the connection's error.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        let mut store = Self::connect(url)?;
        match store.schema_version() {
            Ok(found) if found > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
                path: PathBuf::from(&store.db),
                found,
                supported: SCHEMA_VERSION,
            }),
            Ok(_) => Ok(store),
            Err(StoreError::Postgres { source, .. })
                if source.code() == Some(&SqlState::UNDEFINED_TABLE) =>
            {
                Err(StoreError::NotSigapStore {
                    path: PathBuf::from(&store.db),
                    reason: "it has no sigap schema; make it once with \
                             `sigap db init --db postgres://OWNER@HOST/DATABASE`"
                        .into(),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The session's client and the database's name, for code that runs its own
    /// statements (the accounts).
    #[must_use]
    pub fn into_parts(self) -> (Client, String) {
        (self.client, self.db)
    }

    /// Another session on the same database, as [`PgStore::open`] makes it.
    ///
    /// # Errors
    /// As [`PgStore::open`].
    pub fn session(&self) -> Result<PgStore, StoreError> {
        Self::open(&self.url)
    }

    /// Whether the session is gone (the server restarted, the network dropped it):
    /// every call would fail, so open another with [`PgStore::session`].
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// The connection string this store was opened with. It may hold a password:
    /// pass it on to another connection, never show it.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database, server and user this store talks to (no password).
    #[must_use]
    pub fn db(&self) -> &str {
        &self.db
    }

    /// The schema version recorded in `sigap_meta`.
    pub fn schema_version(&mut self) -> Result<u32, StoreError> {
        let value: String = self
            .client
            .query_one(
                "SELECT value FROM sigap_meta WHERE key = 'schema_version'",
                &[],
            )
            .and_then(|row| row.try_get(0))
            .map_err(pg_error(&self.db))?;
        parse_version(&value, &self.db)
    }

    /// The revision of the last committed import.
    pub fn revision(&mut self) -> Result<u64, StoreError> {
        let revision: i64 = self
            .client
            .query_one(
                "SELECT value::bigint FROM sigap_meta WHERE key = 'revision'",
                &[],
            )
            .and_then(|row| row.try_get(0))
            .map_err(pg_error(&self.db))?;
        Ok(revision as u64)
    }

    /// Runs `write` in one transaction that first takes the store-wide write lock
    /// ([`WRITE_LOCK`]), then commits. One writer at a time across every server and
    /// CLI, as SQLite's `BEGIN IMMEDIATE` gives on one file; a second writer waits up
    /// to the lock timeout and then fails with an error for which [`is_busy`] is true.
    /// On any error (or a panic) the transaction rolls back and nothing changes.
    pub fn in_transaction<T>(
        &mut self,
        write: impl FnOnce(&mut Transaction<'_>, &str) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = write_transaction(&mut self.client, &self.db)?;
        let out = write(&mut tx, &self.db)?;
        tx.commit().map_err(pg_error(&self.db))?;
        Ok(out)
    }

    /// Runs `write` under the write lock, bumps the revision in the same transaction
    /// and commits; returns the new revision. On any error nothing changes and no
    /// notification is sent.
    pub fn write_revision(
        &mut self,
        write: impl FnOnce(&mut Transaction<'_>) -> Result<(), postgres::Error>,
    ) -> Result<u64, StoreError> {
        self.in_transaction(|tx, db| {
            write(tx).map_err(pg_error(db))?;
            bump_revision(tx, db)
        })
    }
}

/// A transaction on `client` holding the store-wide write lock ([`WRITE_LOCK`]),
/// for [`PgStore::in_transaction`] and for writes whose errors are not a
/// [`StoreError`] (a key rotation's); it rolls back when dropped uncommitted.
pub(super) fn write_transaction<'c>(
    client: &'c mut Client,
    db: &str,
) -> Result<Transaction<'c>, StoreError> {
    let err = pg_error(db);
    let mut tx = client.transaction().map_err(&err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
        .map_err(&err)?;
    Ok(tx)
}

/// Adds one to the revision inside `tx` (which holds the write lock: see
/// [`PgStore::in_transaction`]) and queues `NOTIFY sigap_revision, '<revision>'`, which
/// PostgreSQL delivers at COMMIT and drops on ROLLBACK, so a listener never hears of a
/// revision it cannot read. Returns the new revision.
pub fn bump_revision(tx: &mut Transaction<'_>, db: &str) -> Result<u64, StoreError> {
    let err = pg_error(db);
    let revision: i64 = tx
        .query_one(
            "UPDATE sigap_meta SET value = (value::bigint + 1)::text
             WHERE key = 'revision' RETURNING value::bigint",
            &[],
        )
        .and_then(|row| row.try_get(0))
        .map_err(&err)?;
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&REVISION_CHANNEL, &revision.to_string()],
    )
    .map_err(&err)?;
    Ok(revision as u64)
}

/// `value` of `sigap_meta.schema_version` as a number.
fn parse_version(value: &str, db: &str) -> Result<u32, StoreError> {
    value.parse().map_err(|_| StoreError::Corrupt {
        path: PathBuf::from(db),
        table: "sigap_meta",
        fid: 0,
        reason: format!("schema_version `{value}` is not a whole number"),
    })
}

/// `dbname on host:port as user`, from a parsed connection string: what errors and
/// logs show of a database. The password is never part of it.
fn display_name(config: &Config) -> String {
    let user = config.get_user().unwrap_or("(default user)");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(name)) => name.clone(),
        Some(postgres::config::Host::Unix(dir)) => dir.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let dbname = config.get_dbname().unwrap_or(user);
    format!("{dbname} on {host}:{port} as {user}")
}
