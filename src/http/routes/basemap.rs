//! `GET /basemap/style.json` (a MapLibre style) and `GET /basemap/{z}/{x}/{y}.mvt`:
//! the basemap, public like the embed (streets, water, land use, villages; never a
//! child or a household), so browsers and shared caches may keep it.
//!
//! URLs in the style are paths (`/basemap/...`, `/fonts/...`) unless
//! `[server] public_url` is set; the request's Host never goes into a cached answer.
//! With `[basemap] url`, the style draws that raster or PMTiles archive instead of
//! sigap's own fills (see [`crate::basemap::style`]).
//! Labels are in the style once the glyph endpoint is ([`GLYPHS_SERVED`]).

use crate::basemap::style::{GLYPHS_SERVED, StyleUrls, style};
use crate::http::error::ApiError;
use crate::http::state::{AppState, TileKind};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

/// Browsers and proxies may keep basemap answers this long.
const BASEMAP_CACHE: &str = "public, max-age=3600";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/basemap/style.json", get(style_json))
        .route("/basemap/{z}/{x}/{file}", get(tile))
}

async fn style_json(State(state): State<AppState>) -> Response {
    let config = &state.0.config;
    let base = config
        .server
        .public_url
        .as_deref()
        .map_or("", |u| u.trim_end_matches('/'));
    let tiles = format!("{base}/basemap/{{z}}/{{x}}/{{y}}.mvt");
    let glyphs = format!("{base}/fonts/{{fontstack}}/{{range}}.pbf");
    let attribution = if state.0.demo {
        "peta dasar demo sintetis (synthetic demo basemap)"
    } else {
        "© OpenStreetMap contributors"
    };
    let urls = StyleUrls {
        tiles: &tiles,
        glyphs: &glyphs,
        // Checked when the configuration was read.
        external: config.basemap.external().ok().flatten(),
        attribution,
    };
    let body = style(&urls, GLYPHS_SERVED);
    let mut r = Json(body).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(BASEMAP_CACHE),
    );
    r
}

async fn tile(
    State(state): State<AppState>,
    Path((z, x, file)): Path<(u8, u32, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let coord = super::tiles::tile_coord(z, x, &file)?;
    let snapshot = state.snapshot();
    let basemap = Arc::clone(&snapshot.basemap);
    let key = (snapshot.revision, None, TileKind::Basemap, coord);
    let tile = state.tile(key, move || basemap.render(coord)).await?;
    Ok(super::tiles::tile_response(&tile, &headers, BASEMAP_CACHE))
}
