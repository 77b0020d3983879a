//! The HTTP server: the only module that knows axum.
//!
//! [`app`] merges the route groups and applies tracing and timeouts once; tests drive
//! the returned `Router` in-process, the binary serves it on a socket with [`serve`].
//! When a store is attached, [`watch_store`] polls its revision and swaps in a fresh
//! snapshot (and an empty tile cache) after every import.

pub mod auth;
pub mod cores;
pub mod error;
pub mod headers;
pub mod routes;
pub mod state;

pub use crate::snapshot::Snapshot;
pub use auth::client_ip;
pub use error::ApiError;
pub use state::AppState;

use axum::Router;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Longest a request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How often an attached store is checked for new imports.
pub const STORE_POLL: Duration = Duration::from_secs(2);

/// The finished router.
pub fn app(state: AppState) -> Router {
    // Staff routes: every one needs a login (any role); each handler narrows further.
    let staff = Router::new()
        .merge(routes::api::routes())
        .merge(routes::hexes::routes())
        .merge(routes::periods::routes())
        .merge(routes::coverage::routes())
        .merge(routes::deliveries::routes())
        .merge(routes::measurement::routes())
        .merge(routes::review::routes())
        .merge(routes::profile::routes())
        .merge(routes::targets::routes())
        .merge(routes::tiles::routes())
        .merge(routes::auth::routes())
        .merge(routes::admin::routes())
        .merge(routes::cases::routes())
        .merge(routes::visitees::routes())
        .merge(routes::field::routes())
        .merge(routes::assign::routes())
        .merge(routes::audit::routes())
        .merge(routes::rembuk::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_login,
        ));
    // Every request but an import is cut at REQUEST_TIMEOUT. An import keeps its own
    // deadline: it stops the import and answers only once it knows whether the
    // import was rolled back (408) or had committed (200), never 408 for a change
    // that happened.
    let timed = Router::new()
        .merge(staff)
        .merge(routes::api::public_routes())
        .merge(routes::auth::login_routes())
        .merge(routes::public::routes(&state))
        .merge(routes::web::routes())
        .merge(routes::fonts::routes())
        .merge(routes::basemap::routes())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(compression());
    let imports = routes::import::routes(&state).route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_login,
    ));
    Router::new()
        .merge(timed)
        .merge(imports)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.0.config.server.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Brotli or gzip, as the client prefers, for pages, scripts and JSON (tiles come
/// gzipped from the cache and pass through). Quality 4, not the maximum: answers are
/// compressed as they stream, on every request.
fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
        .quality(tower_http::CompressionLevel::Precise(4))
}

/// Serves `app(state)` on `listener` until Ctrl-C or SIGTERM, on `[server]
/// http_threads` single-threaded runtimes ([`cores`]).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    if state.0.store.is_some() {
        tokio::spawn(watch_store(state.clone()));
    }
    if let Some(crate::store::Db::Postgres(url)) = state.db() {
        tokio::spawn(hear_other_servers(state.clone(), url));
    }
    let threads = cores::thread_count(state.0.config.server.http_threads);
    tracing::info!(threads, "HTTP runtimes");
    cores::serve(listener, app(state), threads, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// Polls the attached store and rebuilds the snapshot when its revision moves. On
/// PostgreSQL [`hear_other_servers`] usually gets there first; the poll stays as the
/// fallback for a notification lost with its session.
pub async fn watch_store(state: AppState) {
    let mut interval = tokio::time::interval(STORE_POLL);
    loop {
        interval.tick().await;
        refresh_logged(&state).await;
    }
}

/// Rebuilds the snapshot if the store moved, off the async workers, and logs what
/// came of it.
async fn refresh_logged(state: &AppState) {
    let st = state.clone();
    match tokio::task::spawn_blocking(move || refresh(&st)).await {
        Ok(Ok(Some(rev))) => tracing::info!(
            revision = rev,
            "data changed; snapshot rebuilt, tile cache emptied"
        ),
        Ok(Ok(None)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot refresh from the store"),
        Err(e) => tracing::error!(error = %e, "refresh task failed"),
    }
}

/// On a PostgreSQL store shared by several servers: hears at once what the others
/// (and the CLI) commit, rather than at the next poll. A new revision rebuilds the
/// snapshot and empties the tile cache; a credential change makes the next request
/// re-read the accounts (a session ended or a user disabled on another server is
/// refused here too). After every (re)connection the store is read again, since
/// what was committed while nobody listened was not heard.
async fn hear_other_servers(state: AppState, url: String) {
    use crate::store::pg::Heard;
    crate::store::pg::follow(url, move |heard| {
        let state = state.clone();
        async move {
            match heard {
                Some(Heard::Auth(_)) => state.0.accounts.recheck(),
                Some(Heard::Revision(_)) => refresh_logged(&state).await,
                None => {
                    state.0.accounts.recheck();
                    refresh_logged(&state).await;
                }
            }
        }
    })
    .await;
}

/// Rebuilds the snapshot if the store's revision differs; returns the new revision.
/// Reads through the read-only connection, so it never waits for an import. The
/// periods whose children and shared layers did not change keep the current
/// snapshot's analysis and tile sources ([`Snapshot::build_after`]).
pub fn refresh(state: &AppState) -> Result<Option<u64>, crate::store::StoreError> {
    let _one_at_a_time = state
        .0
        .rebuilding
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let previous = state.snapshot();
    let (revision, data) = {
        // No store (a server on a snapshot alone): nothing to follow.
        let Some(mut store) = state.0.reader() else {
            return Ok(None);
        };
        store.revive()?;
        if store.revision()? == previous.revision {
            return Ok(None);
        }
        store.load_revision()?
    };
    let next = Snapshot::build_after(&previous, revision, &data, &state.0.config);
    // The views the new snapshot shares with the current one stay alive with it;
    // the rest of the current one goes when its last request ends.
    drop(previous);
    state.replace_snapshot(next);
    Ok(Some(revision))
}
