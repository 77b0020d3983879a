//! The public side, without a login and never taking a `Caller`:
//! `GET /public/api/summary`, `GET /public/api/villages[?period=]`,
//! `GET /public/api/hexes?res=5..8[&period=]`, `GET /public/api/coverage[?period=]`
//! (the programmes' reach, [`crate::public::coverage`]), and the embed pages
//! `GET /embed` and `GET /embed/snippet` (files in `web/`).
//!
//! Everything here comes from [`crate::public::PublicView`]: counts of villages and
//! cells with small counts suppressed, never a record. Each count field `f` is
//! published as `f` (the number, or null when hidden) and `f_text` (the number, "<k"
//! for a hidden small count, "*" for a count hidden to protect another). Rates only
//! where both counts are published and the denominator is at least
//! `[public] min_denominator`. Requests are limited per client address.

use crate::http::auth::client_ip;
use crate::http::error::ApiError;
use crate::http::state::{AppState, Bucket, TileKind};
use crate::public::{MAX_PUBLIC_RES, PublicView, Published, Row, Shown, row_fields};
use crate::snapshot::Snapshot;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// How often a client over the rate limit is logged.
const LOG_EVERY: std::time::Duration = std::time::Duration::from_mins(1);

/// Browsers and proxies may keep public answers this long.
const PUBLIC_CACHE: &str = "public, max-age=300";

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/public/api/summary", get(summary))
        .route("/public/api/villages", get(villages))
        .route("/public/api/hexes", get(hexes))
        .route("/public/api/coverage", get(coverage))
        .route("/public/tiles/{file}", get(tilejson))
        .route("/public/tiles/{layer}/{z}/{x}/{file}", get(tile))
        .route("/embed", get(embed))
        .route("/embed/snippet", get(snippet))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit,
        ))
}

/// A token bucket per client address: `[public] rate_per_minute` requests a minute,
/// bursts up to that many; beyond it 429 with Retry-After.
async fn rate_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let per_minute = f64::from(state.0.config.public.rate_per_minute);
    if per_minute > 0.0
        && let Some(ip) = client_ip(&state, req.extensions(), req.headers())
    {
        let mut buckets = state
            .0
            .public_buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 100_000 {
            buckets.clear();
        }
        let now = Instant::now();
        let b = buckets.entry(ip).or_insert(Bucket {
            tokens: per_minute,
            refilled: now,
            logged: None,
            refused: 0,
        });
        b.tokens = (b.tokens + now.duration_since(b.refilled).as_secs_f64() * per_minute / 60.0)
            .min(per_minute);
        b.refilled = now;
        if b.tokens < 1.0 {
            let wait = ((1.0 - b.tokens) * 60.0 / per_minute).ceil().max(1.0) as u64;
            b.refused += 1;
            // One line a minute per address: a client hammering the map must not
            // fill the disk with the log of its refusals.
            if b.logged.is_none_or(|t| now.duration_since(t) >= LOG_EVERY) {
                tracing::warn!(address = %ip, refused = b.refused, "public rate limit");
                b.logged = Some(now);
                b.refused = 0;
            }
            return Err(ApiError::TooManyRequests {
                message: format!("too many requests; try again in {wait} s"),
                retry_after: wait,
            });
        }
        b.tokens -= 1.0;
    }
    Ok(next.run(req).await)
}

async fn embed(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    super::web::file(&state, "web/embed.html", &headers).await
}

async fn snippet(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    super::web::file(&state, "web/snippet.html", &headers).await
}

#[derive(Deserialize)]
struct PublicQuery {
    period: Option<String>,
    res: Option<u8>,
}

/// The snapshot, the public figures of the period asked for, and that period as JSON:
/// one snapshot, so the figures and the villages they are zipped with agree.
fn view(
    state: &AppState,
    period: Option<&str>,
) -> Result<(Arc<Snapshot>, Arc<PublicView>, Value), ApiError> {
    let snapshot = state.snapshot();
    let p = snapshot.resolve_period(period)?;
    let k = u64::from(state.0.config.public.k);
    let v = snapshot.public_view(p, k);
    Ok((
        snapshot,
        v,
        p.map_or(Value::Null, |p| Value::from(p.to_string())),
    ))
}

/// The published fields of one area, with the rates allowed.
fn row_json(row: &Row, k: u64, min_den: u64, out: &mut Map<String, Value>) {
    for (name, v) in row_fields(row, k, min_den) {
        let v = match v {
            Published::Count(n) => Value::from(n),
            Published::Text(t) => Value::from(t),
            Published::Rate(r) => Value::from(r),
            Published::Null => Value::Null,
        };
        out.insert(name, v);
    }
}

fn cached(v: Value) -> Response {
    let mut r = Json(v).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_CACHE),
    );
    r
}

async fn summary(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, ApiError> {
    Ok(cached(summary_json(&state, q.period.as_deref())?))
}

/// The body of `GET /public/api/summary[?period=]` (also written by `sigap publish`).
pub fn summary_json(state: &AppState, period: Option<&str>) -> Result<Value, ApiError> {
    let (snapshot, v, period_json) = view(state, period)?;
    let mut totals = Map::new();
    row_json(
        &v.totals,
        v.k,
        u64::from(state.0.config.public.min_denominator),
        &mut totals,
    );
    let periods: Vec<String> = snapshot.periods().iter().map(ToString::to_string).collect();
    let b = snapshot.analysis.village_bounds_array();
    let measured = snapshot.resolve_period(period)?;
    Ok(json!({
        "k": v.k,
        "period": period_json,
        "periods": periods,
        "demo": state.0.demo,
        "bounds": b,
        "max_res": MAX_PUBLIC_RES,
        "totals": totals,
        // `[server] public_url` (or null): the embed snippet's iframe points there.
        "public_url": state.0.config.server.public_url,
        // The place (`[city] name`) and the last day children of the period were
        // measured, for the embed's title line.
        "place": state.place(),
        "measured_until": snapshot.cases.measured_until(measured).map(|d| d.to_string()),
    }))
}

async fn villages(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, ApiError> {
    Ok(cached(villages_json(&state, q.period.as_deref())?))
}

/// The body of `GET /public/api/villages[?period=]` (also written by `sigap publish`).
pub fn villages_json(state: &AppState, period: Option<&str>) -> Result<Value, ApiError> {
    let (snapshot, v, period) = view(state, period)?;
    let min_den = u64::from(state.0.config.public.min_denominator);
    let class = crate::public::priority_classes(&snapshot.analysis.villages);
    let features: Vec<Value> = snapshot
        .analysis
        .villages
        .iter()
        .zip(&v.villages)
        .enumerate()
        .map(|(i, (vs, row))| {
            let mut props = Map::new();
            props.insert("code".into(), Value::from(vs.village.code.clone()));
            props.insert("name".into(), Value::from(vs.village.name.clone()));
            props.insert("district".into(), Value::from(vs.village.district.clone()));
            props.insert("priority".into(), Value::from(class[i]));
            row_json(row, v.k, min_den, &mut props);
            let geometry = serde_json::to_value(geojson::Geometry::from(&vs.village.boundary))
                .unwrap_or(Value::Null);
            json!({ "type": "Feature", "geometry": geometry, "properties": props })
        })
        .collect();
    let mut outside = Map::new();
    row_json(&v.outside, v.k, min_den, &mut outside);
    Ok(json!({
        "type": "FeatureCollection",
        "k": v.k,
        "period": period,
        "outside": outside,
        "features": features,
    }))
}

async fn coverage(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, ApiError> {
    Ok(cached(coverage_json(&state, q.period.as_deref())?))
}

/// One area's published (reached, unreached) of a programme: each count and its
/// text, the target when both are shown, and the share reached when that target is
/// at least `min_den`.
fn pair_json(pair: &crate::public::coverage::Pair, k: u64, min_den: u64) -> Value {
    let count = |s: Shown| match s {
        Shown::Value(v) => (Value::from(v), v.to_string()),
        Shown::Small => (Value::Null, format!("<{k}")),
        Shown::Hidden => (Value::Null, "*".to_owned()),
    };
    let (reached, reached_text) = count(pair[0]);
    let (unreached, unreached_text) = count(pair[1]);
    let target = match pair {
        [Shown::Value(r), Shown::Value(u)] => Some(r + u),
        _ => None,
    };
    let share = match (pair[0], target) {
        (Shown::Value(r), Some(t)) if t >= min_den.max(1) => {
            Value::from((r as f64 / t as f64 * 1000.0).round() / 1000.0)
        }
        _ => Value::Null,
    };
    json!({
        "reached": reached,
        "reached_text": reached_text,
        "unreached": unreached,
        "unreached_text": unreached_text,
        "target": target,
        "share": share,
    })
}

/// The body of `GET /public/api/coverage[?period=]` (also written by `sigap publish`
/// as `coverage.json`): per programme (those reaching people), its published reach per
/// village, outside every village and for the city. Counts only, suppressed with the
/// public map's rules.
pub fn coverage_json(state: &AppState, period: Option<&str>) -> Result<Value, ApiError> {
    let (snapshot, v, period_json) = view(state, period)?;
    let p = snapshot.resolve_period(period)?;
    let min_den = u64::from(state.0.config.public.min_denominator);
    let codes: Vec<String> = snapshot
        .analysis
        .villages
        .iter()
        .map(|x| x.village.code.clone())
        .collect();
    let programmes = snapshot.programmes();
    let figures = crate::public::coverage::build(&snapshot.coverage(p), programmes, &v, &codes);
    let of = |pick: &dyn Fn(
        &crate::public::coverage::ProgrammeFigures,
    ) -> crate::public::coverage::Pair| {
        Value::Object(
            figures
                .iter()
                .map(|f| (f.code.clone(), pair_json(&pick(f), v.k, min_den)))
                .collect(),
        )
    };
    let villages: Vec<Value> = snapshot
        .analysis
        .villages
        .iter()
        .enumerate()
        .map(|(i, x)| {
            json!({
                "code": x.village.code,
                "name": x.village.name,
                "district": x.village.district,
                "programmes": of(&|f| f.villages[i]),
            })
        })
        .collect();
    let listed: Vec<Value> = programmes
        .iter()
        .filter(|p| figures.iter().any(|f| f.code == p.code))
        .map(|p| json!({ "code": p.code, "name": p.name, "kind": p.kind, "need": p.need() }))
        .collect();
    Ok(json!({
        "k": v.k,
        "period": period_json,
        "programmes": listed,
        "total": of(&|f| f.total),
        "outside": of(&|f| f.outside),
        "villages": villages,
    }))
}

async fn hexes(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, ApiError> {
    let res = q.res.unwrap_or(MAX_PUBLIC_RES);
    if !(5..=MAX_PUBLIC_RES).contains(&res) {
        return Err(ApiError::BadRequest(format!(
            "res={res}: the public map has H3 resolutions 5 to {MAX_PUBLIC_RES} (finer cells \
             would show too few children each)"
        )));
    }
    let (_, v, period) = view(&state, q.period.as_deref())?;
    let min_den = u64::from(state.0.config.public.min_denominator);
    let features: Vec<Value> = v
        .cells
        .get(&res)
        .map(|cells| {
            cells
                .iter()
                .map(|(cell, row)| {
                    let mut ring: Vec<[f64; 2]> = cell
                        .boundary()
                        .iter()
                        .map(|ll| [ll.lng(), ll.lat()])
                        .collect();
                    if let Some(first) = ring.first().copied() {
                        ring.push(first);
                    }
                    let mut props = Map::new();
                    props.insert("h3".into(), Value::from(cell.to_string()));
                    row_json(row, v.k, min_den, &mut props);
                    json!({
                        "type": "Feature",
                        "geometry": { "type": "Polygon", "coordinates": [ring] },
                        "properties": props,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(cached(json!({
        "type": "FeatureCollection",
        "k": v.k,
        "res": res,
        "period": period,
        "features": features,
    })))
}

async fn tilejson(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let layer = file
        .strip_suffix(".json")
        .filter(|l| ["villages", "hexes"].contains(l))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no public tileset {file}; try villages.json or hexes.json"
            ))
        })?;
    // Caches keep this answer for everyone: nothing from the request goes in it.
    let base = super::tiles::url_base(&state);
    let snapshot = state.snapshot();
    let b = snapshot
        .analysis
        .village_bounds_array()
        .unwrap_or(super::tiles::WORLD_BOUNDS);
    Ok(cached(json!({
        "tilejson": "3.0.0",
        "name": format!("sigap public {layer}"),
        "description": "aggregates only; counts below k shown as <k",
        "tiles": [format!("{base}/public/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": crate::public::tiles::MIN_ZOOM,
        "maxzoom": crate::public::tiles::MAX_ZOOM,
        "bounds": b,
        "vector_layers": [{ "id": layer, "fields": {} }],
    })))
}

async fn tile(
    State(state): State<AppState>,
    axum::extract::Path((layer, z, x, file)): axum::extract::Path<(String, u8, u32, String)>,
    Query(query): Query<PublicQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let coord = super::tiles::tile_coord(z, x, &file)?;
    let hexes = match layer.as_str() {
        "hexes" => true,
        "villages" => false,
        _ => {
            return Err(ApiError::NotFound(
                "no such public layer; try villages or hexes".into(),
            ));
        }
    };
    let snapshot = state.snapshot();
    let period = snapshot.resolve_period(query.period.as_deref())?;
    let (k, min_den) = (
        u64::from(state.0.config.public.k),
        u64::from(state.0.config.public.min_denominator),
    );
    let key = (snapshot.revision, period, TileKind::Public { hexes }, coord);
    let snap = Arc::clone(&snapshot);
    // Building another period's public figures takes seconds: inside the render.
    let tile = state
        .tile(key, move || {
            snap.public_tiles(period, k, min_den)
                .render(&layer, coord)
                .unwrap_or_default()
        })
        .await?;
    Ok(super::tiles::tile_response(&tile, &headers, PUBLIC_CACHE))
}
