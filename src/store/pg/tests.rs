//! The PostgreSQL store against a real server (a throwaway cluster: `testing.rs`).

use super::testing::{ADMIN_ROLE, APP_ROLE, Cluster, SUPERUSER};
use super::{AUTH_CHANNEL, PgStore, REVISION_CHANNEL, RoleError, SCHEMA_VERSION, is_busy};
use crate::auth::AuditRow;
use crate::store::StoreError;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};
use std::sync::Arc;
use std::time::Duration;

/// How long a listener waits for a notification that must not come.
pub(super) const QUIET: Duration = Duration::from_millis(300);
/// How long a listener waits for a notification that must come.
pub(super) const PROMPT: Duration = Duration::from_secs(5);

/// A test's own database, initialised with the app role; keeps the cluster up.
pub(super) struct Db {
    cluster: Arc<Cluster>,
    name: String,
}

impl Db {
    /// `None` when the test is skipped (no PostgreSQL here and `CI` unset).
    pub(super) fn new(test: &str) -> Option<Db> {
        let cluster = Cluster::shared()?;
        let name = cluster.database(test);
        let db = Db { cluster, name };
        PgStore::init(&db.url(SUPERUSER), APP_ROLE).expect("init");
        Some(db)
    }

    pub(super) fn url(&self, user: &str) -> String {
        self.cluster.url(user, &self.name)
    }

    /// A store session as `user`.
    pub(super) fn store(&self, user: &str) -> PgStore {
        PgStore::connect(&self.url(user)).expect("connect")
    }

    /// A plain client as `user` with the store's search path.
    pub(super) fn client(&self, user: &str) -> Client {
        let mut client = Client::connect(&self.url(user), NoTls).expect("connect");
        client
            .batch_execute("SET search_path = sigap, public")
            .expect("search path");
        client
    }
}

/// The server's message for a failed statement (`None` if it succeeded).
fn refusal(result: Result<u64, postgres::Error>) -> Option<String> {
    result.err().map(|e| {
        e.as_db_error()
            .map_or_else(|| e.to_string(), |db| db.message().to_owned())
    })
}

pub(super) fn row(action: &str) -> AuditRow {
    AuditRow {
        user_id: Some(7),
        username: "bidan.sari".to_owned(),
        role: "planner",
        action: action.to_owned(),
        what: "children".to_owned(),
        records: 12,
        address: Some("10.0.0.9".parse().expect("address")),
    }
}

#[test]
fn init_twice_is_harmless_and_a_newer_schema_is_refused() {
    let Some(db) = Db::new("init_twice") else {
        return;
    };
    PgStore::init(&db.url(SUPERUSER), APP_ROLE).expect("second init");
    let mut store = db.store(APP_ROLE);
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.revision().expect("revision"), 0);
    let meta: i64 = db
        .client(SUPERUSER)
        .query_one("SELECT count(*) FROM sigap_meta", &[])
        .expect("meta rows")
        .get(0);
    assert_eq!(meta, 2, "schema_version and revision, once each");

    db.client(SUPERUSER)
        .batch_execute("UPDATE sigap_meta SET value = '99' WHERE key = 'schema_version'")
        .expect("pretend a newer sigap wrote it");
    match PgStore::init(&db.url(SUPERUSER), APP_ROLE) {
        Err(StoreError::SchemaTooNew { found: 99, .. }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn audit_log_is_append_only_for_the_service_role() {
    let Some(db) = Db::new("audit_append_only") else {
        return;
    };
    let mut app = db.store(APP_ROLE);
    app.check_service_role().expect("the app role may serve");
    app.audit(&row("read")).expect("insert as the app role");
    let entries = app.audit_entries(10, None, Some("read")).expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "read");
    assert_eq!(entries[0].address.as_deref(), Some("10.0.0.9"));
    // The SQLite form of the time: 2026-12-07T07:00:00.123Z.
    let at = entries[0].at.as_bytes();
    assert!(
        at.len() == 24 && at[10] == b'T' && at[23] == b'Z',
        "{}",
        entries[0].at
    );

    let mut client = db.client(APP_ROLE);
    for sql in [
        "UPDATE sigap_audit SET what = 'nothing'",
        "DELETE FROM sigap_audit",
        "TRUNCATE sigap_audit",
    ] {
        // Refused by the grants, before the triggers are reached.
        assert_eq!(
            refusal(client.execute(sql, &[])).as_deref(),
            Some("permission denied for table sigap_audit"),
            "{sql} as {APP_ROLE}"
        );
    }
    // A superuser passes the grants but not the triggers.
    let refused = db
        .client(SUPERUSER)
        .execute("DELETE FROM sigap_audit", &[])
        .expect_err("the triggers refuse even a superuser");
    let message = refused.as_db_error().map(postgres::error::DbError::message);
    assert_eq!(message, Some("sigap_audit is append-only"));
    assert_eq!(refused.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE));
    assert_eq!(app.audit_entries(10, None, None).expect("entries").len(), 1);

    for user in [SUPERUSER, ADMIN_ROLE] {
        match db.store(user).check_service_role() {
            Err(RoleError::AuditWritable { role, .. }) => assert_eq!(role, user),
            other => panic!("{user} must be refused, got {other:?}"),
        }
    }
}

#[test]
fn revision_is_announced_at_commit_only() {
    let Some(db) = Db::new("revision_notify") else {
        return;
    };
    let mut store = db.store(APP_ROLE);
    let mut listener = db.client(APP_ROLE);
    listener
        .batch_execute(&format!("LISTEN {REVISION_CHANNEL}"))
        .expect("LISTEN");

    let revision = store
        .in_transaction(|tx, db| {
            let revision = super::bump_revision(tx, db)?;
            let early = listener
                .notifications()
                .timeout_iter(QUIET)
                .next()
                .expect("read notifications");
            assert!(early.is_none(), "notified before COMMIT: {early:?}");
            Ok(revision)
        })
        .expect("commit");
    assert_eq!(revision, 1);
    let heard = listener
        .notifications()
        .timeout_iter(PROMPT)
        .next()
        .expect("read notifications")
        .expect("notified after COMMIT");
    assert_eq!((heard.channel(), heard.payload()), (REVISION_CHANNEL, "1"));
    assert_eq!(store.revision().expect("revision"), 1);

    let rolled_back = store.in_transaction(|tx, db| {
        super::bump_revision(tx, db)?;
        Err::<(), _>(StoreError::Corrupt {
            path: db.into(),
            table: "villages",
            fid: 1,
            reason: "a rejected row".to_owned(),
        })
    });
    assert!(rolled_back.is_err());
    let late = listener
        .notifications()
        .timeout_iter(QUIET)
        .next()
        .expect("read notifications");
    assert!(late.is_none(), "notified after ROLLBACK: {late:?}");
    assert_eq!(store.revision().expect("revision"), 1);

    assert_eq!(store.write_revision(|_| Ok(())).expect("write"), 2);
    assert_eq!(store.revision().expect("revision"), 2);
}

#[test]
fn a_second_writer_is_busy_while_the_first_holds_the_write_lock() {
    let Some(db) = Db::new("write_lock") else {
        return;
    };
    let mut first = db.store(APP_ROLE);
    let mut second = db.store(APP_ROLE);
    second
        .client
        .batch_execute("SET lock_timeout = '200ms'")
        .expect("short lock timeout");
    first
        .in_transaction(|_, _| {
            match second.in_transaction(|_, _| Ok(())) {
                Err(StoreError::Postgres { source, .. }) => {
                    assert!(is_busy(&source), "not busy: {}", super::describe(&source));
                }
                other => panic!("the second writer got in: {other:?}"),
            }
            Ok(())
        })
        .expect("first writer");
    second
        .in_transaction(|_, _| Ok(()))
        .expect("the lock is free after the first commits");
}

#[test]
fn auth_generation_moves_when_a_session_ends_not_when_one_starts() {
    let Some(db) = Db::new("auth_generation") else {
        return;
    };
    let mut app = db.client(APP_ROLE);
    let mut listener = db.client(APP_ROLE);
    listener
        .batch_execute(&format!("LISTEN {AUTH_CHANNEL}"))
        .expect("LISTEN");
    let generation = || -> i64 {
        db.client(APP_ROLE)
            .query_one("SELECT n FROM sigap_auth_generation WHERE id = 1", &[])
            .expect("generation")
            .get(0)
    };
    let start = generation();
    let user: i64 = app
        .query_one(
            "INSERT INTO sigap_users (username, role, password_hash)
             VALUES ('bidan.sari', 'planner', 'x') RETURNING id",
            &[],
        )
        .expect("user")
        .get(0);
    // A login: sweep expired sessions (none), add one. Nothing a cache holds changes.
    app.execute("DELETE FROM sigap_sessions WHERE expires <= 0", &[])
        .expect("sweep");
    app.execute(
        "INSERT INTO sigap_sessions (id_hash, user_id, csrf, created, expires)
         VALUES ('h1', $1, 'c', 1, 2000000000)",
        &[&user],
    )
    .expect("session");
    assert_eq!(generation(), start, "a login moved the generation");

    app.execute("DELETE FROM sigap_sessions WHERE id_hash = 'h1'", &[])
        .expect("logout");
    assert_eq!(generation(), start + 1, "a logout must move the generation");
    let heard = listener
        .notifications()
        .timeout_iter(PROMPT)
        .next()
        .expect("read notifications")
        .expect("notified of the logout");
    assert_eq!(heard.channel(), AUTH_CHANNEL);
    assert_eq!(heard.payload(), (start + 1).to_string());

    app.execute(
        "INSERT INTO sigap_tokens (user_id, name, hash) VALUES ($1, 'qgis', 't1')",
        &[&user],
    )
    .expect("token");
    app.execute("UPDATE sigap_tokens SET last_used = 'now'", &[])
        .expect("touch");
    assert_eq!(
        generation(),
        start + 1,
        "a token's use moved the generation"
    );
    app.execute("UPDATE sigap_tokens SET revoked = true", &[])
        .expect("revoke");
    assert_eq!(generation(), start + 2, "a revoke must move the generation");
    app.execute("UPDATE sigap_users SET failures = failures + 1", &[])
        .expect("failed login");
    assert_eq!(
        generation(),
        start + 2,
        "a failed login moved the generation"
    );
    app.execute("UPDATE sigap_users SET disabled = true", &[])
        .expect("disable");
    assert_eq!(
        generation(),
        start + 3,
        "disabling must move the generation"
    );
}
