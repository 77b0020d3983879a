//! `POST /api/import/{layer}?filename=F[&period=YYYY-MM][&replace=true]`: the request
//! body is the file, imported all or nothing as `sigap import` does, into the store
//! the server was started with (`--db`). Admin and planner only; audited. The layer
//! `measure-targets` takes the villages' measurement targets ([`targets`]).
//!
//! Bad rows are a 422 listing each one (line, field, reason) and the store is left
//! as it was; the answer to a good import comes after the snapshot is rebuilt, so
//! the next request sees the new data.

use crate::auth::{AuditRow, Caller};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::ingest::{Gate, ImportOptions, IngestError, PseudonymKey};
use crate::model::LayerKind;
use crate::store::Db;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

mod targets;
mod upload;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/import/{layer}", post(import))
        .layer(DefaultBodyLimit::max(
            state.0.config.server.max_upload_bytes,
        ))
}

/// Removes the upload folders that servers killed mid-import left for the store
/// `db` (pseudonym key at `key`); returns how many.
#[must_use]
pub fn remove_stale_uploads(db: &Db, key: Option<&std::path::Path>) -> usize {
    uploads(db, key).remove_stale()
}

/// Where uploads for the store `db` wait while they are imported: beside the store
/// file, or, for a database server, beside the pseudonym key file (a folder as
/// private as the key; the shared temporary folder only when there is no key, and
/// then nothing can be imported anyway).
fn uploads(db: &Db, key: Option<&std::path::Path>) -> upload::Uploads {
    match (db, key) {
        (Db::File(path), _) => upload::Uploads::beside(path),
        (Db::Postgres(_), Some(key)) => upload::Uploads::beside(key),
        (Db::Postgres(_), None) => upload::Uploads::beside(&std::env::temp_dir().join("sigap")),
    }
}

#[derive(Deserialize)]
struct ImportQuery {
    filename: Option<String>,
    period: Option<String>,
    #[serde(default)]
    replace: bool,
}

fn kind_of(layer: &str) -> Result<LayerKind, ApiError> {
    [
        LayerKind::Villages,
        LayerKind::Children,
        LayerKind::Households,
        LayerKind::Facilities,
    ]
    .into_iter()
    .find(|k| k.as_str() == layer)
    .ok_or_else(|| {
        ApiError::NotFound(format!(
            "no layer {layer}; import villages, children, households, facilities or \
             measure-targets"
        ))
    })
}

/// The file name's extension, checked: it picks the reader.
fn extension(name: &str) -> Result<String, ApiError> {
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()) && e.len() <= 8)
        .ok_or_else(|| {
            ApiError::BadRequest(
                "give ?filename= with the file's extension (e.g. children.csv, desa.gpkg)".into(),
            )
        })?;
    Ok(ext)
}

/// Refuses a zip-based file (XLSX, a zipped shapefile...) that would unpack to more
/// than `limit` bytes, before anything is written.
fn refuse_zip_bomb(filename: &str, ext: &str, body: &[u8], limit: u64) -> Result<(), ApiError> {
    if crate::ingest::archive::is_zip_format(ext) {
        let unpacked = crate::ingest::archive::unpacked_size(body)
            .map_err(|e| ApiError::Unprocessable(json!({ "error": format!("{filename}: {e}") })))?;
        if unpacked > limit {
            return Err(ApiError::TooLarge(format!(
                "{filename} unpacks to {} MiB, more than the {} MiB this server takes \
                 ([server] max_unpacked_bytes); split it or export it as CSV",
                unpacked >> 20,
                limit >> 20
            )));
        }
    }
    Ok(())
}

/// Stops the import when the request is dropped (the client went away): a drop
/// guard, so an import nobody waits for rolls back instead of committing unseen.
struct CancelOnDrop(Gate);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Path(layer): Path<String>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if !caller.may_import() {
        return Err(ApiError::forbidden("only an admin or a planner may import"));
    }
    // `None`: measurement targets, a table rather than a layer.
    let kind = if layer == targets::LAYER {
        None
    } else {
        Some(kind_of(&layer)?)
    };
    let filename = q.filename.clone().unwrap_or_default();
    let ext = extension(&filename)?;
    let period = q
        .period
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(format!("period: {e}")))?;
    refuse_zip_bomb(
        &filename,
        &ext,
        &body,
        state.0.config.server.max_unpacked_bytes,
    )?;
    let Some(kind) = kind else {
        targets::refuse_options(period.is_some(), q.replace)?;
        return targets::import(state, caller, filename, ext, body).await;
    };
    let (Some(key_path), Some(db)) = (state.import_key(), state.db()) else {
        return Err(ApiError::Conflict(
            "this server has no store file to import into (the demo city lives in memory); \
             start it with --db"
                .into(),
        ));
    };
    // The import and its audit row are one transaction: committed together, or
    // (a refused file, a timeout, a client gone) neither.
    let audit = AuditRow::of(&caller, "import", kind.as_str(), 0);
    let gate = Gate::with_audit(audit);
    let _cancel_if_dropped = CancelOnDrop(gate.clone());
    let opts = ImportOptions {
        replace: q.replace,
        period,
        gate: gate.clone(),
        // Names and addresses sealed with the key `serve` loaded beside the pseudonym key.
        identity: state.identity_key(),
        ..ImportOptions::default()
    };
    let uploads = uploads(&db, Some(&key_path));
    let name = filename.clone();
    let bytes = body.len();
    let mut task = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let file = uploads
            .write(kind.as_str(), &ext, &body)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        drop(body);
        let key = PseudonymKey::load_or_create(&key_path)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        // Its own connection: the server's lookups never wait behind an import.
        let refused = |e: IngestError| ingest_error(&e, file.path(), &name);
        let mut store = crate::store::AnyStore::open(&db)?;
        let summary = crate::ingest::import_file(&mut store, kind, file.path(), &key, &opts)
            .map_err(refused)?;
        let (read, revision) = (summary.read, store.revision()?);
        Ok(json!({
            "layer": kind.as_str(),
            "read": read,
            "revision": revision,
        }))
    });
    let deadline = Duration::from_secs(state.0.config.server.import_timeout_seconds);
    let result = if let Ok(done) = tokio::time::timeout(deadline, &mut task).await {
        done
    } else {
        // Stop it, then wait for what it came to: it may have committed already.
        gate.cancel();
        task.await
    }
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    finish_import(&state, &caller, kind.as_str(), bytes, result).await
}

/// The end of every upload: a committed import is answered once the snapshot is
/// rebuilt (the next request sees it); a refused one is logged and answered as is.
async fn finish_import(
    state: &AppState,
    caller: &Caller,
    layer: &str,
    bytes: usize,
    result: Result<Value, ApiError>,
) -> Result<Json<Value>, ApiError> {
    match result {
        Ok(v) => {
            let st = state.clone();
            tokio::task::spawn_blocking(move || crate::http::refresh(&st))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))??;
            Ok(Json(v))
        }
        Err(e) => {
            tracing::warn!(user = caller.user_id, layer, bytes, "import refused");
            Err(e)
        }
    }
}

/// Longest text of a field name or reason echoed back in a 422 (a 50 MB bad field
/// is not sent back whole).
const MAX_ECHO: usize = 200;

fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_ECHO {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MAX_ECHO).collect();
    out.push('…');
    out
}

/// An import's failure as the uploader should see it: bad rows listed (the temporary
/// file's path replaced by the uploaded file's name), other input problems as 422.
fn ingest_error(e: &IngestError, tmp: &std::path::Path, filename: &str) -> ApiError {
    let hide = |msg: &str| {
        let tmp_text = tmp.display().to_string();
        let dir_text = tmp
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let msg = msg.replace(&tmp_text, filename);
        if dir_text.is_empty() {
            msg
        } else {
            msg.replace(&dir_text, "(upload)")
        }
    };
    match e {
        IngestError::Rejected { rejects, .. } => {
            let lines: std::collections::BTreeSet<u64> = rejects.iter().map(|r| r.line).collect();
            ApiError::Unprocessable(json!({
                "error": format!("{} rows rejected; nothing was written", lines.len()),
                "rejects": rejects.iter().take(1000).map(|r| json!({
                    "line": r.line, "unit": r.unit, "field": clip(&r.field),
                    "reason": clip(&hide(&r.reason)),
                })).collect::<Vec<_>>(),
            }))
        }
        IngestError::Cancelled { .. } => ApiError::Timeout(
            "the import took longer than this server allows ([server] import_timeout_seconds) \
             and was rolled back; nothing was written"
                .into(),
        ),
        IngestError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidData => {
            ApiError::Unprocessable(json!({
                "error": format!("{filename}: the file is not UTF-8 text ({})", clip(&source.to_string()))
            }))
        }
        IngestError::Store(store) if store.is_busy() => ApiError::busy(),
        IngestError::Io { .. } | IngestError::Key { .. } | IngestError::Store(_) => {
            ApiError::Internal(e.to_string())
        }
        other => {
            // Messages name the temporary file; the uploader knows it by its own name.
            let msg = other.to_string();
            let msg = msg
                .split_once(": ")
                .map_or(msg.as_str(), |(_, rest)| rest)
                .to_owned();
            ApiError::Unprocessable(json!({ "error": clip(&hide(&msg)) }))
        }
    }
}
