//! `POST /api/import/{layer}?filename=F[&period=YYYY-MM][&replace=true]`: the request
//! body is the file, imported all or nothing as `sigap import` does, into the store
//! the server was started with (`--db`). Admin and planner only; audited.
//!
//! Bad rows are a 422 listing each one (line, field, reason) and the store is left
//! as it was; the answer to a good import comes after the snapshot is rebuilt, so
//! the next request sees the new data.

use crate::auth::Caller;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::ingest::{ImportOptions, IngestError, PseudonymKey};
use crate::model::LayerKind;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/import/{layer}", post(import))
        .layer(DefaultBodyLimit::max(
            state.0.config.server.max_upload_bytes,
        ))
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
            "no layer {layer}; import villages, children, households or facilities"
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
    let kind = kind_of(&layer)?;
    let ext = extension(q.filename.as_deref().unwrap_or(""))?;
    let period = q
        .period
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(format!("period: {e}")))?;
    let key_path = state.import_key().ok_or_else(|| {
        ApiError::Conflict(
            "this server has no store file to import into (the demo city lives in memory); \
             start it with --db"
                .into(),
        )
    })?;
    let st = state.clone();
    let records = body.len();
    let result = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let dir = std::env::temp_dir().join(format!(
            "sigap-upload-{}-{}",
            std::process::id(),
            crate::auth::secret::new_secret()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| ApiError::Internal(e.to_string()))?;
        let path = dir.join(format!("{}.{ext}", kind.as_str()));
        let outcome = (|| {
            std::fs::write(&path, &body).map_err(|e| ApiError::Internal(e.to_string()))?;
            let key = PseudonymKey::load_or_create(&key_path)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let store = st.0.store.as_ref().ok_or_else(|| {
                ApiError::Conflict("this server has no store to import into".into())
            })?;
            let mut store = store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let opts = ImportOptions {
                replace: q.replace,
                period,
                ..ImportOptions::default()
            };
            let summary = crate::ingest::import_file(&mut store, kind, &path, &key, &opts)
                .map_err(|e| ingest_error(&e))?;
            Ok(json!({
                "layer": kind.as_str(),
                "read": summary.read,
                "revision": store.revision().map_err(|e| ApiError::Internal(e.to_string()))?,
            }))
        })();
        let _ = std::fs::remove_dir_all(&dir);
        outcome
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    match result {
        Ok(v) => {
            let rows = v["read"].as_u64().unwrap_or(0) as usize;
            state.audit(&caller, "import", kind.as_str(), rows);
            let st = state.clone();
            tokio::task::spawn_blocking(move || crate::http::refresh(&st))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(Json(v))
        }
        Err(e) => {
            tracing::warn!(
                user = caller.user_id,
                layer = kind.as_str(),
                bytes = records,
                "import refused"
            );
            Err(e)
        }
    }
}

/// An import's failure as the uploader should see it: bad rows listed (the temporary
/// file's path left out), other input problems as 422 with the reason.
fn ingest_error(e: &IngestError) -> ApiError {
    match e {
        IngestError::Rejected { rejects, .. } => ApiError::Unprocessable(json!({
            "error": format!("{} rows rejected; nothing was written", rejects.len()),
            "rejects": rejects.iter().take(1000).map(|r| json!({
                "line": r.line, "unit": r.unit, "field": r.field, "reason": r.reason,
            })).collect::<Vec<_>>(),
        })),
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
            ApiError::Unprocessable(json!({ "error": msg }))
        }
    }
}
