//! Hearing another server's changes at once: a session that LISTENs on the store's
//! notification channels.
//!
//! Why: a server learns of an import made through another server, or of a session
//! ended by `sigap user disable` on another machine, from the notifications that
//! [`super::bump_revision`] and the credential triggers queue at commit. Polling the
//! revision still backs this up, since a notification sent while no session listened
//! (a restart, a dropped connection) is not sent again.
//!
//! Steps: [`Listener::open`] connects with the async client (the blocking `postgres`
//! facade cannot wait for a message without a statement) and LISTENs;
//! [`Listener::next`] waits for the next notification and answers `None` once the
//! connection has ended, when the caller opens a new one and re-reads what it may have
//! missed; [`follow`] does that loop for a server.

use super::{AUTH_CHANNEL, REVISION_CHANNEL, pg_error};
use crate::store::StoreError;
use std::future::{Future, poll_fn};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

/// What a notification told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// An import committed this revision.
    Revision(u64),
    /// The credential generation moved to this value: a session, token or account
    /// changed.
    Auth(u64),
}

/// A session listening on [`REVISION_CHANNEL`] and [`AUTH_CHANNEL`].
pub struct Listener {
    /// Kept so the session stays open: dropping the client ends the connection.
    _client: tokio_postgres::Client,
    heard: mpsc::UnboundedReceiver<Heard>,
    db: String,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl Listener {
    /// Connects to the database at `url` as [`super::PgStore::connect`] does and
    /// listens on both channels. Must be called inside a Tokio runtime: the
    /// connection is driven by a task of its own.
    pub async fn open(url: &str) -> Result<Listener, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(pg_error("(connection string not understood)"))?;
        let db = super::display_name(&postgres::Config::from(config.clone()));
        config
            .keepalives(true)
            .keepalives_idle(super::KEEPALIVES_IDLE)
            .connect_timeout(super::CONNECT_TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("sigap listener");
        }
        let (client, mut connection) = config.connect(NoTls).await.map_err(pg_error(&db))?;
        let (tell, heard) = mpsc::unbounded_channel();
        let name = db.clone();
        // Polling for messages is what drives the connection: the statements below
        // are answered through this task too.
        tokio::spawn(async move {
            while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
                match message {
                    Ok(AsyncMessage::Notification(n)) => {
                        let Ok(value) = n.payload().parse::<u64>() else {
                            tracing::warn!(db = %name, channel = n.channel(), payload = n.payload(), "notification not understood");
                            continue;
                        };
                        let heard = match n.channel() {
                            REVISION_CHANNEL => Heard::Revision(value),
                            AUTH_CHANNEL => Heard::Auth(value),
                            _ => continue,
                        };
                        if tell.send(heard).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(db = %name, error = %super::describe(&e), "listening session ended");
                        break;
                    }
                }
            }
        });
        client
            .batch_execute(&format!("LISTEN {REVISION_CHANNEL}; LISTEN {AUTH_CHANNEL}"))
            .await
            .map_err(pg_error(&db))?;
        Ok(Listener {
            _client: client,
            heard,
            db,
        })
    }

    /// The next notification; `None` once the connection has ended (the server
    /// restarted, the network dropped, the session was terminated).
    pub async fn next(&mut self) -> Option<Heard> {
        self.heard.recv().await
    }

    /// The database, server and user (no password).
    #[must_use]
    pub fn db(&self) -> &str {
        &self.db
    }
}

/// How long [`follow`] waits before the first reconnection, doubled after each failure.
const RECONNECT_FIRST: Duration = Duration::from_millis(250);
/// The longest wait between reconnections.
const RECONNECT_MOST: Duration = Duration::from_secs(30);

/// Listens on the database at `url` for as long as the process runs, calling
/// `heard` for each notification. After every (re)connection `heard` is called with
/// `None` first: notifications sent while nobody listened are lost, so the caller
/// reads the current state then. A failed connection is retried with a growing
/// pause (250 ms, doubled, at most 30 s).
pub async fn follow<F, Fut>(url: String, mut heard: F)
where
    F: FnMut(Option<Heard>) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut pause = RECONNECT_FIRST;
    loop {
        match Listener::open(&url).await {
            Ok(mut listener) => {
                tracing::info!(
                    db = listener.db(),
                    "listening for changes made by other servers"
                );
                pause = RECONNECT_FIRST;
                heard(None).await;
                while let Some(h) = listener.next().await {
                    heard(Some(h)).await;
                }
                tracing::warn!(
                    db = listener.db(),
                    "stopped hearing other servers' changes; reconnecting"
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = pause.as_millis(), "cannot listen for other servers' changes");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(RECONNECT_MOST);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{APP_ROLE, Cluster, SUPERUSER};
    use super::super::{PgStore, StoreError};
    use super::{Heard, Listener, follow};
    use crate::auth::{Accounts, NewUser, Role};
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::mpsc;

    /// How long to wait for a notification that must not come.
    const QUIET: Duration = Duration::from_millis(300);
    /// How long to wait for one that must come.
    const PROMPT: Duration = Duration::from_secs(5);

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// A fresh initialised database on the shared cluster; `None` when skipped.
    fn database(test: &str) -> Option<(Arc<Cluster>, String)> {
        let cluster = Cluster::shared()?;
        let name = cluster.database(test);
        PgStore::init(&cluster.url(SUPERUSER, &name), APP_ROLE).expect("init");
        Some((cluster, name))
    }

    /// The next thing heard within `wait`; `Err` when nothing came.
    fn within<T>(
        rt: &tokio::runtime::Runtime,
        wait: Duration,
        next: impl std::future::Future<Output = Option<T>>,
    ) -> Result<Option<T>, tokio::time::error::Elapsed> {
        // The timer must be made inside the runtime.
        rt.block_on(async { tokio::time::timeout(wait, next).await })
    }

    #[test]
    fn a_listener_hears_committed_revisions_and_credential_changes_only() {
        let Some((cluster, name)) = database("listen") else {
            return;
        };
        let url = cluster.url(APP_ROLE, &name);
        let rt = runtime();
        let mut listener = rt.block_on(Listener::open(&url)).expect("listen");
        let mut store = PgStore::connect(&url).expect("connect");

        store.write_revision(|_| Ok(())).expect("write");
        assert_eq!(
            within(&rt, PROMPT, listener.next()).expect("heard in time"),
            Some(Heard::Revision(1))
        );

        // A write that fails rolls back, and so does its notification.
        let failed = store.in_transaction(|tx, db| {
            super::super::bump_revision(tx, db)?;
            Err::<(), _>(StoreError::Corrupt {
                path: db.into(),
                table: "villages",
                fid: 1,
                reason: "on purpose".into(),
            })
        });
        assert!(failed.is_err());
        assert!(
            within(&rt, QUIET, listener.next()).is_err(),
            "a rolled-back revision was announced"
        );

        let accounts = Accounts::open_postgres(&url).expect("accounts");
        let new = NewUser {
            username: "sri".into(),
            role: Role::Planner,
            team: None,
            villages: Vec::new(),
        };
        accounts.add_user(&new, None).expect("add user");
        accounts.set_disabled("sri", true).expect("disable");
        let heard = within(&rt, PROMPT, listener.next()).expect("heard in time");
        assert!(matches!(heard, Some(Heard::Auth(_))), "{heard:?}");

        store.write_revision(|_| Ok(())).expect("write");
        let mut last = None;
        while let Ok(Some(h)) = within(&rt, PROMPT, listener.next()) {
            if let Heard::Revision(r) = h {
                last = Some(r);
                break;
            }
        }
        assert_eq!(
            last,
            Some(2),
            "the failed write must not have used up a revision"
        );
    }

    #[test]
    fn follow_hears_again_after_its_session_is_terminated() {
        let Some((cluster, name)) = database("follow") else {
            return;
        };
        let url = cluster.url(APP_ROLE, &name);
        let rt = runtime();
        let (tell, mut heard) = mpsc::unbounded_channel();
        rt.spawn(follow(url.clone(), move |h| {
            let _ = tell.send(h);
            async {}
        }));
        assert_eq!(
            within(&rt, PROMPT, heard.recv()).expect("connected"),
            Some(None),
            "follow tells its caller to read the state first"
        );

        let terminated: i64 = cluster
            .superuser(&name)
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE application_name = 'sigap listener' AND datname = $1",
                &[&name],
            )
            .and_then(|row| row.try_get(0))
            .expect("terminate");
        assert_eq!(terminated, 1);
        assert_eq!(
            within(&rt, PROMPT, heard.recv()).expect("reconnected"),
            Some(None),
            "after a reconnection the caller reads the state again"
        );

        PgStore::connect(&url)
            .expect("connect")
            .write_revision(|_| Ok(()))
            .expect("write");
        assert_eq!(
            within(&rt, PROMPT, heard.recv()).expect("heard in time"),
            Some(Some(Heard::Revision(1)))
        );
    }
}
