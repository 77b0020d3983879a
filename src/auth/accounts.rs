//! [`Accounts`]: users, sessions, API tokens and the audit log in SQLite.
//!
//! Steps of a request: the server hashes the presented session id or token and asks
//! [`Accounts::cached`] (memory only, on the request's own thread: the hot path of
//! staff tiles), then on a miss [`Accounts::session`] or [`Accounts::token`] on a
//! blocking thread, which read the tables. The cache is keyed by the SHA-256 of the
//! credential (the secret itself is not kept) and trusted only while
//!
//! - the entry is younger than [`CACHE_TTL`] and, for a session, not past its expiry;
//! - the credential generation (`sigap_auth_generation`, moved by SQLite triggers on
//!   every change to users, sessions and tokens, by any process) was read less than
//!   [`CHECK_EVERY`] ago and has not moved: so a change made by the CLI on the same
//!   store is seen within that bound;
//! - no change went through this process since (logout, revoke, disable, password:
//!   each empties the cache before it returns, so the next request is refused).
//!
//! Logins go through [`Accounts::login`], which applies the [`Policy`] per account
//! and per address.

use super::password;
use super::secret;
use super::throttle::{Policy, Verdict};
use super::{Caller, Credential, Role};
pub use crate::model::AuditRow;
use crate::store::sql::{Lite, Pg, Row, SqlConn, SqlError, params};
use rusqlite::Connection;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a verified session or token is trusted without asking the tables (it is
/// also how often a token in use writes its `last_used`).
pub const CACHE_TTL: Duration = Duration::from_secs(10);
/// How long the cache trusts its last read of the credential generation: a change
/// made by another process (the CLI) takes effect within this.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How long a change waits for another writer (an import) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What can go wrong with accounts.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The database cannot be opened or a statement failed.
    #[error("accounts in {db}: {source}")]
    Database { db: String, source: SqlError },
    #[error("no user `{0}`")]
    UnknownUser(String),
    #[error("user `{0}` exists already")]
    UserExists(String),
    /// Names are what people type on a phone: 2-64 of a-z, 0-9, `.`, `_`, `-`.
    #[error("user name `{0}`: use 2 to 64 of a-z, 0-9, '.', '_', '-'")]
    BadUsername(String),
    #[error("{0}")]
    WeakPassword(String),
    /// A field officer sees only their team's children: without a team they see none.
    #[error("a field officer needs --team (the OPD or TPK team whose children they visit)")]
    NoTeam,
    #[error("the one who is logged in cannot be changed this way: {0}")]
    Refused(String),
    /// The store could not be opened (a PostgreSQL database without the schema).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl AuthError {
    /// Whether the database gave up waiting for another writer (retry shortly).
    #[must_use]
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Database { source, .. } => source.is_busy(),
            Self::Store(e) => e.is_busy(),
            _ => false,
        }
    }
}

/// An account as the server and the admin page see it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    #[serde(skip)]
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub team: Option<String>,
    pub villages: Vec<String>,
    #[serde(rename = "must_change_password")]
    pub must_change: bool,
    pub disabled: bool,
    /// Locked after too many wrong passwords, until this UTC time (RFC 3339).
    pub locked_until: Option<String>,
    pub created_at: String,
}

impl Account {
    /// The caller this account makes with `credential`.
    #[must_use]
    pub fn caller(&self, credential: Credential) -> Caller {
        Caller {
            user_id: self.id,
            username: self.username.clone(),
            role: self.role,
            team: self.team.clone(),
            villages: self.villages.clone(),
            credential,
            address: None,
        }
    }
}

/// A new account's fields.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub team: Option<String>,
    pub villages: Vec<String>,
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum Login {
    /// A new session: its id (for the cookie) and CSRF token.
    Ok {
        account: Account,
        session: String,
        csrf: String,
    },
    Wrong,
    /// Too many failures: try again in this many seconds.
    Wait(u64),
    /// Locked until this time (seconds since the epoch).
    Locked(i64),
    Disabled,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub created_at: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}

/// One line of the audit log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub role: String,
    pub action: String,
    pub what: String,
    pub records: i64,
    pub address: Option<String>,
}

/// A verified credential in the cache.
#[derive(Clone)]
struct Cached {
    account: Account,
    credential: Credential,
    until: Instant,
}

/// Verified credentials by the SHA-256 of the secret, and what they are valid for.
#[derive(Default)]
struct Cache {
    entries: HashMap<String, Cached>,
    /// `sigap_auth_generation` when last read, and when that was.
    generation: Option<i64>,
    checked: Option<Instant>,
    /// Moves at every change made here and whenever the entries are emptied, so a
    /// lookup that read the tables before a change does not cache what it read.
    epoch: u64,
}

/// The two connections of [`Accounts`].
#[expect(
    clippy::large_enum_variant,
    reason = "one per process; boxing would only add an indirection to every lookup"
)]
enum Conns {
    Sqlite {
        conn: Mutex<Connection>,
        /// Lookups; `None` for an in-memory database (one connection is the database).
        read: Option<Mutex<Connection>>,
    },
    Postgres {
        conn: Mutex<postgres::Client>,
        read: Mutex<postgres::Client>,
        /// The connection string, to reopen a session that is gone (never shown).
        url: String,
    },
}

/// Opens a new session in place of `client` when its session is gone (the database
/// restarted, the network dropped it): the call that met the closed session failed,
/// the next one works again instead of every call failing until the server restarts.
fn revive(client: &mut postgres::Client, url: &str) {
    if !client.is_closed() {
        return;
    }
    match crate::store::pg::PgStore::open(url) {
        Ok(store) => {
            tracing::warn!(
                db = store.db(),
                "accounts' database session lost; opened another"
            );
            *client = store.into_parts().0;
        }
        Err(e) => {
            tracing::warn!(error = %e, "accounts' database session lost; cannot reopen it yet");
        }
    }
}

/// Failures in a row of a client address or of a user name no account has (so
/// that it is slowed and locked exactly like a real account's and answers do not
/// tell names apart): (count, last failure, locked until).
type UnknownFailures = (u32, i64, Option<i64>);
/// `sigap_throttle` kinds: failures per client address, and per unknown user name.
const BY_ADDRESS: &str = "addr";
const BY_NAME: &str = "name";
/// Seconds after its last failure that an unlocked throttle row is forgotten.
const THROTTLE_MEMORY: i64 = 24 * 3600;
/// Forgets throttle rows whose last failure is before `?1` and that are not locked at
/// `?2`; run at every failure, through the index on `last_failure`.
const THROTTLE_SWEEP: &str = "DELETE FROM sigap_throttle
     WHERE last_failure < ?1 AND coalesce(locked_until, 0) < ?2";

/// Accounts, sessions, tokens and the audit log, in the store's database: an SQLite
/// file or a PostgreSQL database shared by several servers.
///
/// Two connections: one for lookups, one for changes. A reader never waits for a
/// writer (SQLite in WAL mode, PostgreSQL always), so checking a session stays quick
/// while an import (in this process or another) holds the write lock; only changes
/// wait.
pub struct Accounts {
    conns: Conns,
    /// The database as errors name it (a path, or a URL without its password).
    db: String,
    cache: Mutex<Cache>,
}

impl AuditRow {
    /// The row `caller` leaves for `action` on `what` (`records` of them).
    #[must_use]
    pub fn of(caller: &Caller, action: &str, what: &str, records: usize) -> Self {
        Self {
            user_id: Some(caller.user_id),
            username: caller.username.clone(),
            role: caller.role.as_str(),
            action: action.to_owned(),
            what: what.to_owned(),
            records,
            address: caller.address,
        }
    }
}

/// Seconds since the epoch, now.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn valid_username(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// id, password hash, disabled, failures, last failure, locked until.
type LoginRow = (i64, String, bool, u32, i64, Option<i64>);

const ACCOUNT_COLUMNS: &str =
    "id, username, role, team, villages, must_change, disabled, locked_until, created_at";

fn account_row(r: &Row) -> Result<Account, SqlError> {
    let role: String = r.get(2)?;
    let villages: String = r.get(4)?;
    let locked: Option<i64> = r.get(7)?;
    Ok(Account {
        id: r.get(0)?,
        username: r.get(1)?,
        role: role.parse().unwrap_or(Role::Viewer),
        team: r.get(3)?,
        villages: villages
            .split(',')
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        must_change: r.get(5)?,
        disabled: r.get(6)?,
        locked_until: locked.filter(|&t| t > now()).map(rfc3339),
        created_at: r.get(8)?,
    })
}

/// Ends every session of `username` (after a disable or a new password).
fn end_sessions(c: &mut dyn SqlConn, username: &str) -> Result<usize, SqlError> {
    c.execute(
        "DELETE FROM sigap_sessions WHERE user_id IN
         (SELECT id FROM sigap_users WHERE username = ?1)",
        params![username],
    )
}

impl Accounts {
    /// Opens (and if needed creates) the account tables in the SQLite file `path`,
    /// normally the store.
    pub fn open(path: &Path) -> Result<Self, AuthError> {
        let open = || {
            Connection::open(path).map_err(|e| AuthError::Database {
                db: path.display().to_string(),
                source: e.into(),
            })
        };
        let mut accounts = Self::setup(open()?, path)?;
        let read = open()?;
        read.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| accounts.sql(e.into()))?;
        if let Conns::Sqlite { read: r, .. } = &mut accounts.conns {
            *r = Some(Mutex::new(read));
        }
        Ok(accounts)
    }

    /// Accounts that live as long as the process (the demo city).
    pub fn open_in_memory() -> Result<Self, AuthError> {
        let path = Path::new(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| AuthError::Database {
            db: path.display().to_string(),
            source: e.into(),
        })?;
        Self::setup(conn, path)
    }

    /// Accounts in the PostgreSQL store at `url` (whose schema `sigap db init`
    /// made), shared by every server and command on it: two sessions, one for
    /// changes and one for lookups.
    ///
    /// # Errors
    /// The store's error: no such database, no sigap schema, a newer schema.
    pub fn open_postgres(url: &str) -> Result<Self, AuthError> {
        let (conn, db) = crate::store::pg::PgStore::open(url)?.into_parts();
        let (read, _) = crate::store::pg::PgStore::connect(url)?.into_parts();
        Ok(Self::with_conns(
            Conns::Postgres {
                conn: Mutex::new(conn),
                read: Mutex::new(read),
                url: url.to_owned(),
            },
            db,
        ))
    }

    fn with_conns(conns: Conns, db: String) -> Self {
        Self {
            conns,
            db,
            cache: Mutex::new(Cache::default()),
        }
    }

    fn setup(conn: Connection, path: &Path) -> Result<Self, AuthError> {
        let sql = |e: rusqlite::Error| AuthError::Database {
            db: path.display().to_string(),
            source: e.into(),
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        conn.execute_batch(super::schema::CREATE).map_err(sql)?;
        Ok(Self::with_conns(
            Conns::Sqlite {
                conn: Mutex::new(conn),
                read: None,
            },
            path.display().to_string(),
        ))
    }

    fn sql(&self, source: SqlError) -> AuthError {
        AuthError::Database {
            db: self.db.clone(),
            source,
        }
    }

    /// Runs a change on the write connection, all of it or none.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut dyn SqlConn) -> Result<T, SqlError>,
    ) -> Result<T, AuthError> {
        let run = || -> Result<T, SqlError> {
            match &self.conns {
                Conns::Sqlite { conn, .. } => {
                    let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
                    let tx =
                        conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let out = f(&mut Lite(&tx))?;
                    tx.commit()?;
                    Ok(out)
                }
                Conns::Postgres { conn, url, .. } => {
                    let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
                    revive(&mut conn, url);
                    let mut tx = conn.transaction()?;
                    let out = f(&mut Pg::new(&mut tx))?;
                    tx.commit()?;
                    Ok(out)
                }
            }
        };
        run().map_err(|e| self.sql(e))
    }

    /// Runs a lookup on the read connection (which never waits for a writer).
    fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn SqlConn) -> Result<T, SqlError>,
    ) -> Result<T, AuthError> {
        let out = match &self.conns {
            Conns::Sqlite { conn, read } => {
                let conn = read.as_ref().unwrap_or(conn);
                let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
                f(&mut Lite(&conn))
            }
            Conns::Postgres { read, url, .. } => {
                let mut conn = read.lock().unwrap_or_else(PoisonError::into_inner);
                revive(&mut conn, url);
                f(&mut Pg::new(&mut *conn))
            }
        };
        out.map_err(|e| self.sql(e))
    }

    /// Forgets every cached session and token (after any account change).
    fn forget(&self) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.entries.clear();
        cache.epoch += 1;
    }

    /// Adds an account. With `password` it is set as chosen; without, a one-time
    /// password is generated, returned, and must be changed at the first login.
    pub fn add_user(&self, user: &NewUser, password: Option<&str>) -> Result<String, AuthError> {
        if !valid_username(&user.username) {
            return Err(AuthError::BadUsername(user.username.clone()));
        }
        let team = user
            .team
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if user.role == Role::FieldOfficer && team.is_none() {
            return Err(AuthError::NoTeam);
        }
        if let Some(p) = password
            && let Some(why) = password::weakness(p, &user.username)
        {
            return Err(AuthError::WeakPassword(why));
        }
        let chosen = password.map(str::to_owned);
        let plain = chosen.clone().unwrap_or_else(secret::new_password);
        let hash = password::hash(&plain);
        let villages = user.villages.join(",");
        let inserted = self.with(|c| {
            c.execute(
                "INSERT INTO sigap_users
                 (username, role, team, villages, password_hash, must_change, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(username) DO NOTHING",
                params![
                    &user.username,
                    user.role.as_str(),
                    team,
                    villages,
                    hash,
                    chosen.is_none(),
                    rfc3339(now())
                ],
            )
        })?;
        if inserted == 0 {
            return Err(AuthError::UserExists(user.username.clone()));
        }
        Ok(plain)
    }

    /// Every account, by name.
    pub fn users(&self) -> Result<Vec<Account>, AuthError> {
        self.read(|c| {
            c.query(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM sigap_users ORDER BY username"),
                &[],
            )?
            .iter()
            .map(account_row)
            .collect()
        })
    }

    /// One account by name.
    pub fn user(&self, username: &str) -> Result<Option<Account>, AuthError> {
        self.read(|c| {
            c.query_opt(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM sigap_users WHERE username = ?1"),
                params![username],
            )?
            .as_ref()
            .map(account_row)
            .transpose()
        })
    }

    /// Whether any enabled admin exists.
    pub fn has_admin(&self) -> Result<bool, AuthError> {
        self.read(|c| {
            c.query_opt(
                "SELECT id FROM sigap_users WHERE role = 'admin' AND disabled = false LIMIT 1",
                &[],
            )
        })
        .map(|row| row.is_some())
    }

    /// Disables (or enables) an account; its sessions end at once.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), AuthError> {
        let n = self.with(|c| {
            let n = c.execute(
                "UPDATE sigap_users SET disabled = ?2 WHERE username = ?1",
                params![username, disabled],
            )?;
            end_sessions(c, username)?;
            Ok(n)
        })?;
        self.forget();
        if n == 0 {
            return Err(AuthError::UnknownUser(username.to_owned()));
        }
        Ok(())
    }

    /// Sets a password (chosen, or a generated one-time one that must be changed),
    /// unlocks the account, ends its sessions and revokes its API tokens (a reset is
    /// what an admin does when an account may be in other hands). Returns the
    /// password.
    pub fn set_password(
        &self,
        username: &str,
        password: Option<&str>,
    ) -> Result<String, AuthError> {
        if let Some(p) = password
            && let Some(why) = password::weakness(p, username)
        {
            return Err(AuthError::WeakPassword(why));
        }
        let plain = password.map_or_else(secret::new_password, str::to_owned);
        let hash = password::hash(&plain);
        let n = self.with(|c| {
            let n = c.execute(
                "UPDATE sigap_users SET password_hash = ?2, must_change = ?3, failures = 0,
                 locked_until = NULL WHERE username = ?1",
                params![username, hash, password.is_none()],
            )?;
            end_sessions(c, username)?;
            c.execute(
                "UPDATE sigap_tokens SET revoked = true WHERE user_id IN
                 (SELECT id FROM sigap_users WHERE username = ?1)",
                params![username],
            )?;
            Ok(n)
        })?;
        self.forget();
        if n == 0 {
            return Err(AuthError::UnknownUser(username.to_owned()));
        }
        Ok(plain)
    }

    /// A logged-in user changes their own password: `current` must match. Every
    /// other session of the account ends (a phone left logged in somewhere);
    /// `keep`, the session the change came from, stays open.
    pub fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
        keep: Option<&str>,
    ) -> Result<bool, AuthError> {
        let row: Option<(String, String)> = self.read(|c| {
            c.query_opt(
                "SELECT username, password_hash FROM sigap_users WHERE id = ?1",
                params![user_id],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
        })?;
        let Some((username, stored)) = row else {
            return Ok(false);
        };
        if !password::verify(current, &stored) {
            return Ok(false);
        }
        if current == new {
            return Err(AuthError::WeakPassword(
                "the new password must differ from the current one".into(),
            ));
        }
        if let Some(why) = password::weakness(new, &username) {
            return Err(AuthError::WeakPassword(why));
        }
        let hash = password::hash(new);
        let keep = keep.map(secret::digest);
        self.with(|c| {
            c.execute(
                "UPDATE sigap_users SET password_hash = ?2, must_change = false WHERE id = ?1",
                params![user_id, hash],
            )?;
            c.execute(
                "DELETE FROM sigap_sessions
                 WHERE user_id = ?1 AND id_hash IS DISTINCT FROM CAST(?2 AS TEXT)",
                params![user_id, keep],
            )
        })?;
        self.forget();
        Ok(true)
    }

    /// Checks a login under `policy` and opens a session of `lifetime` seconds.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        address: Option<IpAddr>,
        policy: &Policy,
        address_policy: &Policy,
        lifetime: i64,
    ) -> Result<Login, AuthError> {
        let t = now();
        let ip = address.map(|a| a.to_string());
        if let Some(ip) = &ip {
            let (n, last, _) = self.throttle(BY_ADDRESS, ip)?;
            if let Verdict::Wait(s) = address_policy.verdict(n, last, None, t) {
                return Ok(Login::Wait(s));
            }
        }
        let row: Option<LoginRow> = self.read(|c| {
            c.query_opt(
                "SELECT id, password_hash, disabled, failures, last_failure, locked_until
                 FROM sigap_users WHERE username = ?1",
                params![username],
            )?
            .map(|r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .transpose()
        })?;
        let Some((id, stored, disabled, failures, last, locked)) = row else {
            return self.unknown_login(username, password, ip.as_deref(), policy, t);
        };
        match policy.verdict(failures, last, locked, t) {
            Verdict::Allow => {}
            Verdict::Wait(s) => return Ok(Login::Wait(s)),
            Verdict::Locked(until) => return Ok(Login::Locked(until)),
        }
        if !password::verify(password, &stored) {
            self.address_failed(ip.as_deref(), t)?;
            // Counted in the database, in one statement: failures sent to several
            // servers at once add up, none is lost to another's write.
            let lock = self.with(|c| {
                let counted = c.query_opt(
                    "UPDATE sigap_users SET failures = failures + 1, last_failure = ?2
                     WHERE id = ?1 RETURNING failures",
                    params![id, t],
                )?;
                let n = counted.map_or(Ok(failures + 1), |r| r.get::<u32>(0))?;
                let lock = policy.locks(n).then(|| t + policy.lock_seconds as i64);
                if let Some(until) = lock {
                    c.execute(
                        "UPDATE sigap_users SET locked_until = ?2 WHERE id = ?1",
                        params![id, until],
                    )?;
                }
                Ok(lock)
            })?;
            return Ok(lock.map_or(Login::Wrong, Login::Locked));
        }
        if disabled {
            return Ok(Login::Disabled);
        }
        let (session, csrf) = (secret::new_secret(), secret::new_secret());
        let account = self.with(|c| {
            if let Some(ip) = &ip {
                c.execute(
                    "DELETE FROM sigap_throttle WHERE kind = ?1 AND key = ?2",
                    params![BY_ADDRESS, ip],
                )?;
            }
            c.execute(
                "UPDATE sigap_users SET failures = 0, locked_until = NULL WHERE id = ?1",
                params![id],
            )?;
            c.execute("DELETE FROM sigap_sessions WHERE expires <= ?1", params![t])?;
            c.execute(
                "INSERT INTO sigap_sessions (id_hash, user_id, csrf, created, expires)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![secret::digest(&session), id, &csrf, t, t + lifetime],
            )?;
            c.query_opt(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM sigap_users WHERE id = ?1"),
                params![id],
            )?
            .map(|row| account_row(&row))
            .transpose()
        })?;
        // Not reached: the session row just inserted references the account, so it
        // cannot have gone (accounts are disabled, never deleted).
        let Some(account) = account else {
            return Err(AuthError::UnknownUser(username.to_owned()));
        };
        Ok(Login::Ok {
            account,
            session,
            csrf,
        })
    }

    /// A login to a name without an account answers as a real account's would: as
    /// slow (a dummy hash check), and 401, 429 and 423 after as many tries, so
    /// neither the answer nor its timing tells which names exist.
    fn unknown_login(
        &self,
        username: &str,
        password: &str,
        ip: Option<&str>,
        policy: &Policy,
        t: i64,
    ) -> Result<Login, AuthError> {
        // Keyed by the name's SHA-256: a name nobody has is often someone's password
        // typed in the wrong field, and is not kept.
        let name = secret::digest(username);
        let (failures, last, locked) = self.throttle(BY_NAME, &name)?;
        match policy.verdict(failures, last, locked, t) {
            Verdict::Allow => {}
            Verdict::Wait(s) => return Ok(Login::Wait(s)),
            Verdict::Locked(until) => return Ok(Login::Locked(until)),
        }
        let _ = password::verify(password, password::dummy_hash());
        self.address_failed(ip, t)?;
        let lock = self.throttle_failed(BY_NAME, &name, t, Some(policy))?;
        Ok(lock.map_or(Login::Wrong, Login::Locked))
    }

    /// Failures in a row of a client address or an unknown name, shared by every
    /// process on the store: (count, last failure, locked until).
    fn throttle(&self, kind: &str, key: &str) -> Result<UnknownFailures, AuthError> {
        self.read(|c| {
            c.query_opt(
                "SELECT failures, last_failure, locked_until FROM sigap_throttle
                 WHERE kind = ?1 AND key = ?2",
                params![kind, key],
            )?
            .map_or(Ok((0, 0, None)), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        })
    }

    /// Counts a failure of `kind` `key` in one statement (so failures sent to
    /// several servers at once all count) and, under `policy`, locks it; returns
    /// the lock's end. Rows untouched for [`THROTTLE_MEMORY`] and not locked are
    /// forgotten first.
    fn throttle_failed(
        &self,
        kind: &str,
        key: &str,
        t: i64,
        policy: Option<&Policy>,
    ) -> Result<Option<i64>, AuthError> {
        self.with(|c| {
            c.execute(THROTTLE_SWEEP, params![t - THROTTLE_MEMORY, t])?;
            let counted = c.query_opt(
                "INSERT INTO sigap_throttle (kind, key, failures, last_failure)
                 VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (kind, key) DO UPDATE
                 SET failures = sigap_throttle.failures + 1, last_failure = ?3
                 RETURNING failures",
                params![kind, key, t],
            )?;
            let n = counted.map_or(Ok(1), |r| r.get::<u32>(0))?;
            let lock = policy
                .filter(|p| p.locks(n))
                .map(|p| t + p.lock_seconds as i64);
            if let Some(until) = lock {
                c.execute(
                    "UPDATE sigap_throttle SET locked_until = ?3 WHERE kind = ?1 AND key = ?2",
                    params![kind, key, until],
                )?;
            }
            Ok(lock)
        })
    }

    fn address_failed(&self, ip: Option<&str>, t: i64) -> Result<(), AuthError> {
        if let Some(ip) = ip {
            self.throttle_failed(BY_ADDRESS, ip, t, None)?;
        }
        Ok(())
    }

    /// The cache key of a session id or token: its kind and SHA-256, never the secret.
    fn key(kind: char, secret: &str) -> String {
        let mut key = String::with_capacity(65);
        key.push(kind);
        key.push_str(&secret::digest(secret));
        key
    }

    /// The account behind a session id (`session`) or an API token, from memory
    /// alone: `None` when it is not cached, or the cache must first be checked
    /// against the tables ([`Accounts::session`], [`Accounts::token`] do that). Never
    /// touches the database, so the server calls it on the request's own thread.
    #[must_use]
    pub fn cached(&self, session: bool, secret: &str) -> Option<(Account, Credential)> {
        let key = Self::key(if session { 's' } else { 't' }, secret);
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if cache
            .checked
            .is_none_or(|t| now.duration_since(t) >= CHECK_EVERY)
        {
            return None;
        }
        cache
            .entries
            .get(&key)
            .filter(|c| c.until > now)
            .map(|c| (c.account.clone(), c.credential.clone()))
    }

    /// Makes the next lookup read the credential generation again, whenever it was
    /// last read: another server announced a change (see
    /// [`crate::store::pg::Heard::Auth`]).
    pub fn recheck(&self) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .checked = None;
    }

    /// Reads the credential generation and empties the cache if it moved (another
    /// process changed an account, a session or a token); the epoch to remember
    /// what is read next under.
    fn check(&self) -> Result<u64, AuthError> {
        let generation = self.read(|c| {
            let row = c.query_opt("SELECT n FROM sigap_auth_generation WHERE id = 1", &[])?;
            row.map_or(Ok(0), |r| r.get::<i64>(0))
        })?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.generation != Some(generation) {
            cache.entries.clear();
            cache.epoch += 1;
            cache.generation = Some(generation);
        }
        cache.checked = Some(Instant::now());
        Ok(cache.epoch)
    }

    /// The cached entry for `key` right after a [`Accounts::check`].
    fn hit(&self, key: &str) -> Option<(Account, Credential)> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .entries
            .get(key)
            .filter(|c| c.until > Instant::now())
            .map(|c| (c.account.clone(), c.credential.clone()))
    }

    /// Caches a verified credential until `until` at the latest, unless something
    /// changed since `epoch` (then what was read may already be stale).
    fn remember(
        &self,
        epoch: u64,
        key: String,
        account: &Account,
        credential: &Credential,
        until: Instant,
    ) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.epoch != epoch {
            return;
        }
        if cache.entries.len() > 10_000 {
            cache.entries.clear();
        }
        cache.entries.insert(
            key,
            Cached {
                account: account.clone(),
                credential: credential.clone(),
                until: until.min(Instant::now() + CACHE_TTL),
            },
        );
    }

    /// The enabled account behind a session id, with the session's CSRF token.
    pub fn session(&self, session: &str) -> Result<Option<(Account, Credential)>, AuthError> {
        let key = Self::key('s', session);
        let epoch = self.check()?;
        if let Some(hit) = self.hit(&key) {
            return Ok(Some(hit));
        }
        let t = now();
        let found = self.read(|c| {
            c.query_opt(
                // The session table shares no column name with the account columns.
                &format!(
                    "SELECT {ACCOUNT_COLUMNS}, csrf, expires FROM sigap_users
                     JOIN sigap_sessions ON sigap_users.id = sigap_sessions.user_id
                     WHERE id_hash = ?1 AND expires > ?2 AND disabled = false"
                ),
                params![&key[1..], t],
            )?
            .map(|r| Ok((account_row(&r)?, r.get::<String>(9)?, r.get::<i64>(10)?)))
            .transpose()
        })?;
        Ok(found.map(|(account, csrf, expires)| {
            let credential = Credential::Session { csrf };
            // Not a moment past the session's end: the entry lapses with it.
            let end =
                std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(expires).unwrap_or(0));
            let left = end
                .duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO);
            self.remember(epoch, key, &account, &credential, Instant::now() + left);
            (account, credential)
        }))
    }

    /// Ends a session.
    pub fn logout(&self, session: &str) -> Result<(), AuthError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM sigap_sessions WHERE id_hash = ?1",
                params![secret::digest(session)],
            )
        })?;
        self.forget();
        Ok(())
    }

    /// A new API token for `user_id`: `(id, token)`; the token is not kept.
    pub fn create_token(&self, user_id: i64, name: &str) -> Result<(i64, String), AuthError> {
        let token = secret::new_token();
        let id = self.with(|c| {
            let row = c.query_opt(
                "INSERT INTO sigap_tokens (user_id, name, hash, created_at)
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![user_id, name, secret::digest(&token), rfc3339(now())],
            )?;
            row.map_or(Ok(0), |r| r.get::<i64>(0))
        })?;
        Ok((id, token))
    }

    /// Tokens of one user (or of everybody), newest first.
    pub fn tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>, AuthError> {
        self.read(|c| {
            c.query(
                "SELECT t.id, u.username, t.name, t.created_at, t.last_used, t.revoked
                 FROM sigap_tokens t JOIN sigap_users u ON u.id = t.user_id
                 WHERE CAST(?1 AS BIGINT) IS NULL OR t.user_id = ?1 ORDER BY t.id DESC",
                params![user_id],
            )?
            .iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    name: r.get(2)?,
                    created_at: r.get(3)?,
                    last_used: r.get(4)?,
                    revoked: r.get(5)?,
                })
            })
            .collect()
        })
    }

    /// Revokes a token (only `owner`'s when given); false if there is none such.
    pub fn revoke_token(&self, id: i64, owner: Option<i64>) -> Result<bool, AuthError> {
        let n = self.with(|c| {
            c.execute(
                "UPDATE sigap_tokens SET revoked = true
                 WHERE id = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR user_id = ?2)",
                params![id, owner],
            )
        })?;
        self.forget();
        Ok(n > 0)
    }

    /// The enabled account behind an API token.
    pub fn token(&self, token: &str) -> Result<Option<(Account, Credential)>, AuthError> {
        let key = Self::key('t', token);
        let epoch = self.check()?;
        if let Some(hit) = self.hit(&key) {
            return Ok(Some(hit));
        }
        let found = self.read(|c| {
            c.query_opt(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS}, token_id FROM sigap_users
                     JOIN (SELECT id AS token_id, user_id, hash, revoked FROM sigap_tokens) t
                       ON sigap_users.id = t.user_id
                     WHERE hash = ?1 AND revoked = false AND disabled = false"
                ),
                params![&key[1..]],
            )?
            .map(|r| Ok((account_row(&r)?, r.get::<i64>(9)?)))
            .transpose()
        })?;
        if let Some((_, id)) = &found {
            self.touch_token(*id);
        }
        Ok(found.map(|(account, id)| {
            let credential = Credential::Token { id };
            self.remember(
                epoch,
                key,
                &account,
                &credential,
                Instant::now() + CACHE_TTL,
            );
            (account, credential)
        }))
    }

    /// Notes when a token was last used, if the store can take the write at once:
    /// a token check never waits for an import's write lock (the time is only a
    /// hint for the owner; the next check writes it).
    fn touch_token(&self, id: i64) {
        const TOUCH: &str = "UPDATE sigap_tokens SET last_used = ?2 WHERE id = ?1";
        let at = rfc3339(now());
        let quick: Result<usize, SqlError> = match &self.conns {
            Conns::Sqlite { conn, .. } => {
                let Ok(conn) = conn.try_lock() else {
                    return;
                };
                let quick = conn
                    .busy_timeout(Duration::ZERO)
                    .map_err(SqlError::from)
                    .and_then(|()| Lite(&conn).execute(TOUCH, params![id, at]));
                let _ = conn.busy_timeout(BUSY_TIMEOUT);
                quick
            }
            Conns::Postgres { conn, .. } => {
                let Ok(mut conn) = conn.try_lock() else {
                    return;
                };
                // Not 0: PostgreSQL reads a lock timeout of 0 as "wait for ever".
                conn.transaction()
                    .map_err(SqlError::from)
                    .and_then(|mut tx| {
                        tx.batch_execute("SET LOCAL lock_timeout = '100ms'")?;
                        let n = Pg::new(&mut tx).execute(TOUCH, params![id, at])?;
                        tx.commit()?;
                        Ok(n)
                    })
            }
        };
        if let Err(e) = quick {
            tracing::debug!(token = id, error = %e, "token last_used not written (store busy)");
        }
    }

    /// Appends to the audit log.
    pub fn audit(
        &self,
        who: Option<(&str, i64, Role)>,
        username: &str,
        action: &str,
        what: &str,
        records: usize,
        address: Option<IpAddr>,
    ) -> Result<(), AuthError> {
        let row = AuditRow {
            user_id: who.map(|w| w.1),
            username: username.to_owned(),
            role: who.map_or("-", |w| w.2.as_str()),
            action: action.to_owned(),
            what: what.to_owned(),
            records,
            address,
        };
        self.with(|c| crate::store::insert_audit(c, &row))
    }

    /// Audit entries, newest first: at most `limit`, older than id `before`, of one
    /// `action` when given.
    pub fn audit_entries(
        &self,
        limit: usize,
        before: Option<i64>,
        action: Option<&str>,
    ) -> Result<Vec<AuditEntry>, AuthError> {
        self.read(|c| crate::store::audit_entries(c, limit, before, action))
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
