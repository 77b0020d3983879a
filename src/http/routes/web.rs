//! The viewer: `/` serves `web/index.html`, `/web/*` the rest of `web/`, and
//! `/vendor/maplibre-gl/*` MapLibre GL JS as installed from npm, so the viewer needs
//! no internet, and `/vendor/pmtiles/*` the `pmtiles` script (npm), which the pages
//! load only to read a PMTiles archive named by `[basemap] url`. The files come from [`crate::assets`]: compiled into the binary, or
//! from disk with `sigap serve --web-dir`.
//!
//! File names carry no content hash, so browsers keep them but ask again each time
//! (`Cache-Control: no-cache`); the `ETag` makes that question a 304 without a body.

use crate::assets::{PMTILES_PREFIX, VENDOR_PREFIX, WEB_PREFIX};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// How browsers may keep the viewer's files: revalidate with the `ETag` every time.
const CACHE: &str = "no-cache";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/web/{*path}", get(web_file))
        .route("/vendor/maplibre-gl/{*path}", get(vendor_file))
        .route("/vendor/pmtiles/{*path}", get(pmtiles_file))
}

async fn index(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    file(&state, "web/index.html", &headers).await
}

async fn web_file(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    file(&state, &format!("{WEB_PREFIX}{path}"), &headers).await
}

async fn vendor_file(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    file(&state, &format!("{VENDOR_PREFIX}{path}"), &headers).await
}

async fn pmtiles_file(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    file(&state, &format!("{PMTILES_PREFIX}{path}"), &headers).await
}

/// The file at `path` (as [`crate::assets`] names it), 304 when the client's copy is
/// current, 404 when there is none.
pub async fn file(state: &AppState, path: &str, headers: &HeaderMap) -> Result<Response, ApiError> {
    let web = state.0.web.clone();
    let owned = path.to_owned();
    let found = tokio::task::spawn_blocking(move || web.get(&owned))
        .await
        .map_err(|e| ApiError::Internal(format!("reading {path}: {e}")))?
        .map_err(|e| ApiError::Internal(format!("reading {path}: {e}")))?;
    let Some(asset) = found else {
        return Err(ApiError::NotFound(format!(
            "tidak ada berkas /{path} (no such file)"
        )));
    };
    let etag = HeaderValue::from_str(&asset.etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let common = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
    ];
    let current = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == asset.etag || t.trim() == "*")
        });
    if current {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        asset.bytes,
    )
        .into_response())
}
