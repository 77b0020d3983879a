//! `GET /tiles/{layer}.json` (TileJSON 3.0.0) and `GET /tiles/{layer}/{z}/{x}/{y}.mvt`.
//!
//! `?period=YYYY-MM` on a tile asks for that measurement period's figures (default:
//! the latest period, which TileJSON advertises); an unknown period is a 400.
//!
//! Tiles are encoded on first request (on the blocking pool), gzipped once, and
//! cached per store revision, so a cached tile costs a hash lookup and a copy of
//! `Bytes`. An empty tile is answered `204 No Content` (as martin does), with the
//! same caching headers as a full one.

use crate::auth::Caller;
use crate::http::error::ApiError;
use crate::http::state::{AppState, EncodedTile, TileKind};
use crate::model::TileCoord;
use crate::tiles::source::{
    HEX_CENTERS_MAX_ZOOM, MAX_ZOOM_ANNOUNCED, MIN_ZOOM, TileSet, vector_layers,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use h3o::Resolution;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// MIME type of Mapbox Vector Tiles.
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";
/// Staff tiles need a login: browsers may keep them, shared caches may not.
const CACHE_CONTROL: &str = "private, max-age=60";

/// TileJSON bounds of a store without data: the Web Mercator world.
pub const WORLD_BOUNDS: [f64; 4] = [-180.0, -85.0511, 180.0, 85.0511];

/// The tile of a `{z}/{x}/{y}.mvt` path; 404 for anything else.
pub fn tile_coord(z: u8, x: u32, file: &str) -> Result<TileCoord, ApiError> {
    let y: u32 = file
        .strip_suffix(".mvt")
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| ApiError::NotFound(format!("no tile {file}; tiles end in .mvt")))?;
    TileCoord::new(z, x, y).ok_or_else(|| ApiError::NotFound(format!("no tile {z}/{x}/{y}")))
}

/// An encoded tile as an answer: 204 when empty, the MVT type, `cache_control`.
#[must_use]
pub fn mvt_response(bytes: Vec<u8>, cache_control: &'static str) -> Response {
    let mut resp = if bytes.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        bytes.into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MVT_CONTENT_TYPE),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    resp
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tiles/{file}", get(tilejson))
        .route("/tiles/{layer}/{z}/{x}/{file}", get(tile))
}

/// The start of every URL sigap writes: `[server] public_url` without its trailing
/// slash, or nothing, so that URLs are paths (`/tiles/...`) that a browser resolves
/// against the address it used, `https://` behind a TLS proxy included. Nothing from
/// the request (Host, X-Forwarded-*) goes in: answers stay the same for everyone.
#[must_use]
pub fn url_base(state: &AppState) -> &str {
    state
        .0
        .config
        .server
        .public_url
        .as_deref()
        .map_or("", |u| u.trim_end_matches('/'))
}

async fn tilejson(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let set = file
        .strip_suffix(".json")
        .and_then(TileSet::parse)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no tileset {file}; try hexes.json, villages.json or facilities.json"
            ))
        })?;
    let base = url_base(&state);
    let snapshot = state.snapshot();
    let bounds = snapshot.analysis.bounds_array().unwrap_or(WORLD_BOUNDS);
    let center = [
        f64::midpoint(bounds[0], bounds[2]),
        f64::midpoint(bounds[1], bounds[3]),
        11.0,
    ];
    let layers: Vec<Value> = vector_layers(set)
        .into_iter()
        .map(|(id, fields)| {
            let fields: serde_json::Map<String, Value> = fields
                .iter()
                .map(|f| {
                    (
                        f.name.to_owned(),
                        Value::String(format!("{}: {}", f.kind, f.description)),
                    )
                })
                .collect();
            let maxzoom = if id == "hex_centers" {
                HEX_CENTERS_MAX_ZOOM
            } else {
                MAX_ZOOM_ANNOUNCED
            };
            json!({ "id": id, "fields": fields, "minzoom": MIN_ZOOM, "maxzoom": maxzoom })
        })
        .collect();
    Ok(Json(json!({
        "tilejson": "3.0.0",
        "name": format!("sigap {}", set.name()),
        "description": "sigap stunting risk layers (aggregates only)",
        "attribution": if state.0.demo { "sigap · data demo sintetis (synthetic demo data)" } else { "sigap" },
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", set.name())],
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM_ANNOUNCED,
        "bounds": bounds,
        "center": center,
        "vector_layers": layers,
        // The measurement period the tiles show without `?period=` (the latest);
        // null without children.
        "period": snapshot.default_period,
    })))
}

/// `?period=YYYY-MM` on a tile.
#[derive(Deserialize)]
struct TileQuery {
    period: Option<String>,
}

async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    Path((layer, z, x, file)): Path<(String, u8, u32, String)>,
    Query(query): Query<TileQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let set =
        TileSet::parse(&layer).ok_or_else(|| ApiError::NotFound(format!("no tileset {layer}")))?;
    let y: u32 = file
        .strip_suffix(".mvt")
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| {
            ApiError::NotFound(format!("tile path must end in {{y}}.mvt, not {file}"))
        })?;
    let coord = TileCoord::new(z, x, y)
        .ok_or_else(|| ApiError::NotFound(format!("no tile {z}/{x}/{y}")))?;
    let snapshot = state.snapshot();
    let period = snapshot.resolve_period(query.period.as_deref())?;
    // A viewer's hexagons stop at VIEWER_MAX_RES: cached apart from the others'.
    let finest = Resolution::try_from(caller.finest_res()).unwrap_or(Resolution::Eight);
    let kind = TileKind::Staff { set, finest };
    let snap = Arc::clone(&snapshot);
    let tile = state
        .tile((snapshot.revision, period, kind, coord), move || {
            snap.view(period).1.render_at_most(set, coord, finest)
        })
        .await?;
    Ok(tile_response(&tile, &headers, CACHE_CONTROL))
}

/// Builds the response for an encoded tile: 304 on a matching `If-None-Match`, 204
/// when empty, gzip when accepted.
pub fn tile_response(
    tile: &EncodedTile,
    headers: &HeaderMap,
    cache_control: &'static str,
) -> Response {
    let etag = HeaderValue::from_str(&tile.etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let common = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
        (header::VARY, HeaderValue::from_static("accept-encoding")),
    ];
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == tile.etag || t.trim() == "*")
        });
    if not_modified {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    if tile.raw.is_empty() {
        return (StatusCode::NO_CONTENT, common).into_response();
    }
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        });
    let ct = (
        header::CONTENT_TYPE,
        HeaderValue::from_static(MVT_CONTENT_TYPE),
    );
    if gzip {
        (
            StatusCode::OK,
            common,
            [
                ct,
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            ],
            tile.gzip.clone(),
        )
            .into_response()
    } else {
        (StatusCode::OK, common, [ct], tile.raw.clone()).into_response()
    }
}
