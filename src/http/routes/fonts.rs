//! `GET /fonts/{fontstack}/{range}.pbf`: the glyph ranges map labels are drawn from.
//!
//! MapLibre fetches the style's `glyphs` URL with the fontstack (comma-joined,
//! URL-encoded) and a range of 256 code points. The first font of the stack sigap
//! has answers; an unknown stack gets DejaVu Sans Book, so labels always show.
//! Public (the embed labels too), no login.
//!
//! A range is made on first request on the blocking pool and kept for the life of
//! the process: the fonts are built into the binary, so the answer never changes
//! (at most 2 fonts x 256 ranges; a Latin range is ~100 kB, most are nearly empty).

use crate::http::error::ApiError;
use crate::http::routes::tiles::tile_response;
use crate::http::state::{AppState, EncodedTile};
use crate::tiles::glyphs::{Font, GlyphRange, encode_range};
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// MIME type of glyph PBFs (plain protobuf).
pub const GLYPH_CONTENT_TYPE: &str = "application/x-protobuf";
/// The glyphs change only with the binary: browsers and proxies keep them a week,
/// then revalidate with the `ETag`.
const CACHE_CONTROL: &str = "public, max-age=604800";

type Cache = Mutex<HashMap<(Font, GlyphRange), Arc<EncodedTile>>>;

/// Ranges made so far, plain and gzipped.
static RANGES: LazyLock<Cache> = LazyLock::new(Cache::default);

pub fn routes() -> Router<AppState> {
    Router::new().route("/fonts/{fontstack}/{file}", get(glyphs))
}

async fn glyphs(
    Path((fontstack, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let range: GlyphRange = file
        .strip_suffix(".pbf")
        .ok_or_else(|| ApiError::NotFound(format!("no glyph file {file}; ranges end in .pbf")))?
        .parse()?;
    let font = Font::from_stack(&fontstack);
    let cached = RANGES
        .lock()
        .map_err(|_| ApiError::Internal("glyph cache poisoned".into()))?
        .get(&(font, range))
        .cloned();
    let encoded = if let Some(e) = cached {
        e
    } else {
        // Two first requests may both encode; the second insert is harmless.
        let raw = tokio::task::spawn_blocking(move || encode_range(font, range))
            .await
            .map_err(|e| ApiError::Internal(format!("glyph task: {e}")))??;
        let e = Arc::new(EncodedTile::new(raw));
        RANGES
            .lock()
            .map_err(|_| ApiError::Internal("glyph cache poisoned".into()))?
            .insert((font, range), Arc::clone(&e));
        e
    };
    let mut resp = tile_response(&encoded, &headers, CACHE_CONTROL);
    // The tiles' answer with the glyphs' type (a 304 carries none).
    if resp.status() == StatusCode::OK {
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(GLYPH_CONTENT_TYPE),
        );
    }
    Ok(resp)
}
