//! Case-level data for those allowed: `GET /api/cases/children[?period=&format=csv]`
//! and `GET /api/cases/households[?format=csv]`, GeoJSON by default, and the same
//! records as point tiles, `GET /tiles/cases/{children|households}/{z}/{x}/{y}.mvt`
//! (from zoom 12, drawn by [`crate::tiles::cases`]).
//!
//! The server filters by the caller's scope (admin and planner: all; field officer:
//! their team's children in their villages, the households of their villages;
//! viewer: 403), and every answer is written to the audit log with the number of
//! records it carried. Never cached by anyone but the caller's browser (tiles for a
//! minute, the rest not at all).

use crate::auth::{Caller, Scope};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::tiles::cases::{CaseLayer, case_tile, child_props, household_props};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/cases/children", get(children))
        .route("/api/cases/households", get(households))
        .route("/tiles/cases/{layer}/{z}/{x}/{file}", get(tile))
}

/// `GET /tiles/cases/{children|households}/{z}/{x}/{y}.mvt[?period=]`: the caller's
/// records in the tile as points (layer named as the path, from zoom
/// [`crate::tiles::cases::MIN_CASE_ZOOM`]), audited like the JSON. The tile is built
/// on the render threads ([`case_tile`]); its audit row (with the period, the tile
/// and the number of records) is written before it is answered.
async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path((layer, z, x, file)): axum::extract::Path<(String, u8, u32, String)>,
    Query(query): Query<CasesQuery>,
) -> Result<Response, ApiError> {
    let scope = scope_of(&caller)?;
    let coord = super::tiles::tile_coord(z, x, &file)?;
    let snapshot = state.snapshot();
    let period = snapshot.resolve_period(query.period.as_deref())?;
    let layer: CaseLayer = layer.parse()?;
    let (bytes, n) = state
        .render(move || case_tile(&snapshot.cases, &scope, period, layer, coord))
        .await?;
    if n > 0 {
        let what = match layer {
            CaseLayer::Children => {
                let p = period.map_or_else(|| "-".to_owned(), |p| p.to_string());
                format!("children {p} tile {z}/{x}/{}", coord.y)
            }
            CaseLayer::Households => format!("households tile {z}/{x}/{}", coord.y),
        };
        state.audit(&caller, "read", &what, n).await?;
    }
    // Kept a minute by the caller's own browser (never a shared cache), for this
    // session only (Vary): the map draws a zoom-14 tile again at every zoom level
    // past 14 and would read it (and audit it) again each time.
    let mut resp = super::tiles::mvt_response(bytes, "private, max-age=60");
    resp.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Authorization"),
    );
    Ok(resp)
}

#[derive(Deserialize)]
struct CasesQuery {
    period: Option<String>,
    format: Option<String>,
}

fn scope_of(caller: &Caller) -> Result<Scope, ApiError> {
    match caller.scope() {
        Scope::Nothing => Err(ApiError::forbidden(
            "this account may see aggregates only (case-level data need the planner or \
             admin role, or a field officer's team)",
        )),
        s => Ok(s),
    }
}

/// `geojson` (default) or `csv`; anything else is a 400.
fn csv_wanted(format: Option<&str>) -> Result<bool, ApiError> {
    match format.unwrap_or("geojson") {
        "geojson" | "json" => Ok(false),
        "csv" => Ok(true),
        other => Err(ApiError::BadRequest(format!(
            "format={other}: use geojson or csv"
        ))),
    }
}

/// # Units
/// `lon`, `lat`: WGS84 degrees, written with 6 decimals (about 0.1 m).
#[expect(clippy::needless_pass_by_value, reason = "moved into the feature")]
fn feature(lon: f64, lat: f64, props: Value) -> Value {
    let r = |x: f64| (x * 1e6).round() / 1e6;
    json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [r(lon), r(lat)] },
        "properties": props,
    })
}

/// A CSV of flat JSON objects with `lon`, `lat` first.
fn csv_of(rows: Vec<(f64, f64, Value)>) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Option<Vec<String>> = None;
    for (lon, lat, props) in rows {
        let Value::Object(map) = props else { continue };
        if header.is_none() {
            let mut h = vec!["lon".to_owned(), "lat".to_owned()];
            h.extend(map.keys().cloned());
            w.write_record(&h)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            header = Some(h);
        }
        let mut rec = vec![format!("{lon:.6}"), format!("{lat:.6}")];
        rec.extend(map.values().map(|v| {
            match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            }
        }));
        w.write_record(&rec)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Writes the read (or, as CSV, the export) of `rows` to the audit log as `what` and
/// answers with them.
async fn answer(
    state: &AppState,
    caller: &Caller,
    csv: bool,
    (name, what): (&str, &str),
    rows: Vec<(f64, f64, Value)>,
) -> Result<Response, ApiError> {
    let (action, format) = if csv {
        ("export", "csv")
    } else {
        ("read", "geojson")
    };
    state
        .audit(caller, action, &format!("{what} {format}"), rows.len())
        .await?;
    let mut resp = if csv {
        let mut r = csv_of(rows)?.into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        r
    } else {
        let features: Vec<Value> = rows
            .into_iter()
            .map(|(lon, lat, p)| feature(lon, lat, p))
            .collect();
        Json(json!({ "type": "FeatureCollection", "features": features })).into_response()
    };
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

async fn children(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CasesQuery>,
) -> Result<Response, ApiError> {
    let scope = scope_of(&caller)?;
    let csv = csv_wanted(q.format.as_deref())?;
    let snapshot = state.snapshot();
    let period = snapshot.resolve_period(q.period.as_deref())?;
    let rows: Vec<(f64, f64, Value)> = snapshot
        .cases
        .children_for(&scope, period)
        .into_iter()
        .map(|c| (c.child.location.x(), c.child.location.y(), child_props(c)))
        .collect();
    let what = format!(
        "children {}",
        period.map_or_else(|| "-".to_owned(), |p| p.to_string())
    );
    answer(&state, &caller, csv, ("children", &what), rows).await
}

async fn households(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CasesQuery>,
) -> Result<Response, ApiError> {
    let scope = scope_of(&caller)?;
    let csv = csv_wanted(q.format.as_deref())?;
    let snapshot = state.snapshot();
    let rows: Vec<(f64, f64, Value)> = snapshot
        .cases
        .households_for(&scope)
        .into_iter()
        .map(|h| {
            (
                h.household.location.x(),
                h.household.location.y(),
                household_props(h),
            )
        })
        .collect();
    answer(&state, &caller, csv, ("households", "households"), rows).await
}
