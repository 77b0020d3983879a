//! `POST /api/import/measure-targets?filename=F`: a planner's file of measurement
//! targets (the *sasaran balita* per village from Dinkes, CSV, XLSX or ODS), read
//! and written by [`crate::ingest::measure_targets::import_measure_targets`] as
//! `sigap import measure-targets` does: all or nothing, replacing the previous
//! targets. Bad rows are a 422 naming each one; a good file is answered after the
//! snapshot is rebuilt, so the next `/api/measurement` shows the new targets.
//!
//! A store (`--db`, a file or PostgreSQL) is written through its own connection with the audit row
//! in the same transaction, as the layer imports are. The demo city's store lives in
//! memory: it is written through the server's connection and audited after.

use super::{ingest_error, upload::Uploads};
use crate::auth::{AuditRow, Caller};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::AnyStore;
use axum::Json;
use axum::body::Bytes;
use serde_json::{Value, json};

/// The layer name in the path.
pub const LAYER: &str = "measure-targets";

/// Refuses `?period=` and `?replace=`, which a targets file does not take.
pub fn refuse_options(period: bool, replace: bool) -> Result<(), ApiError> {
    if period || replace {
        return Err(ApiError::BadRequest(
            "measure-targets take no ?period= or ?replace=: the file's periode column names \
             the round, and a new file always replaces the targets"
                .into(),
        ));
    }
    Ok(())
}

/// Imports `body` (the file called `filename`, extension `ext`); the caller's role
/// is checked already.
pub async fn import(
    state: AppState,
    caller: Caller,
    filename: String,
    ext: String,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let bytes = body.len();
    let result = if let Some(db) = state.db() {
        let audit = AuditRow::of(&caller, "import", LAYER, 0);
        let uploads = super::uploads(&db, state.import_key().as_deref());
        tokio::task::spawn_blocking(move || {
            let mut store = AnyStore::open(&db)?;
            write(&mut store, &uploads, &filename, &ext, &body, Some(&audit))
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    } else {
        let uploads = Uploads::beside(&std::env::temp_dir().join("sigap-demo"));
        let written = state
            .write_store(move |store| Ok(write(store, &uploads, &filename, &ext, &body, None)))
            .await?
            .ok_or_else(|| ApiError::Conflict("this server has no store to import into".into()))?;
        if let Ok(v) = &written {
            let rows = v["read"].as_u64().unwrap_or_default();
            state
                .audit(
                    &caller,
                    "import",
                    LAYER,
                    usize::try_from(rows).unwrap_or(usize::MAX),
                )
                .await?;
        }
        written
    };
    super::finish_import(&state, &caller, LAYER, bytes, result).await
}

/// Writes the upload to a private file and imports it into `store` with `audit` in
/// the transaction; the answer's body, or the refusal as the uploader should see it.
fn write(
    store: &mut AnyStore,
    uploads: &Uploads,
    filename: &str,
    ext: &str,
    body: &[u8],
    audit: Option<&AuditRow>,
) -> Result<Value, ApiError> {
    let file = uploads
        .write(LAYER, ext, body)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let (read, revision) =
        crate::ingest::measure_targets::import_measure_targets(store, file.path(), filename, audit)
            .map_err(|e| ingest_error(&e, file.path(), filename))?;
    Ok(json!({
        "layer": LAYER,
        "read": read.rows,
        "villages": read.villages,
        "per_round": read.per_round,
        "every_round": read.every_round,
        "revision": revision,
    }))
}
