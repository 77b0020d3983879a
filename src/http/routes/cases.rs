//! Case-level data for those allowed: `GET /api/cases/children[?period=&format=csv]`
//! and `GET /api/cases/households[?format=csv]`, GeoJSON by default, and the same
//! records as point tiles, `GET /tiles/cases/{children|households}/{z}/{x}/{y}.mvt`
//! (from zoom 12).
//!
//! The server filters by the caller's scope (admin and planner: all; field officer:
//! their team's children in their villages, the households of their villages;
//! viewer: 403), and every answer is written to the audit log with the number of
//! records it carried. Never cached by anyone but the caller's browser (tiles for a
//! minute, the rest not at all).

use crate::auth::{Caller, Scope};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::index::cases::{CaseChild, CaseHousehold};
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

/// A flat JSON object as tile properties (nulls left out).
fn prop_values(v: Value) -> Vec<(String, crate::tiles::mvt::PropValue)> {
    use crate::tiles::mvt::PropValue;
    let Value::Object(map) = v else {
        return Vec::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| {
            let p = match v {
                Value::String(s) => PropValue::String(s),
                Value::Bool(b) => PropValue::Bool(b),
                Value::Number(n) => n.as_i64().map_or_else(
                    || PropValue::Double(n.as_f64().unwrap_or(0.0)),
                    PropValue::Int,
                ),
                _ => return None,
            };
            Some((k, p))
        })
        .collect()
}

/// Case points are served from this zoom (streets): below it a point tile would
/// carry a whole district.
const MIN_CASE_ZOOM: u8 = 12;

/// `GET /tiles/cases/{children|households}/{z}/{x}/{y}.mvt[?period=]`: the caller's
/// records in the tile as points (layer named as the path), audited like the JSON.
/// The tile is built on the render threads; its audit row (with the period, the
/// tile and the number of records) is written before it is answered.
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
    let children = match layer.as_str() {
        "children" => true,
        "households" => false,
        other => {
            return Err(ApiError::NotFound(format!(
                "no case layer {other}; try children or households"
            )));
        }
    };
    let (bytes, n) = state
        .render(move || case_tile(&snapshot.cases, &scope, period, children, coord))
        .await?;
    if n > 0 {
        let what = if children {
            let p = period.map_or_else(|| "-".to_owned(), |p| p.to_string());
            format!("children {p} tile {z}/{x}/{}", coord.y)
        } else {
            format!("households tile {z}/{x}/{}", coord.y)
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

/// The encoded point tile of `scope`'s children of `period` (or households) and how
/// many records it carries; empty below [`MIN_CASE_ZOOM`].
fn case_tile(
    cases: &crate::index::cases::Cases,
    scope: &Scope,
    period: Option<crate::model::Period>,
    children: bool,
    coord: crate::model::TileCoord,
) -> (Vec<u8>, usize) {
    use crate::tiles::mercator::{lonlat_to_world, tile_world_bounds};
    use crate::tiles::mvt::{TileFeature, TileLayer, encode_tile};
    let bounds = tile_world_bounds(coord);
    let inside = |lon: f64, lat: f64| {
        let w = lonlat_to_world(lon, lat);
        (bounds.min().x..bounds.max().x).contains(&w.x)
            && (bounds.min().y..bounds.max().y).contains(&w.y)
    };
    let points: Vec<(f64, f64, Value)> = if coord.z < MIN_CASE_ZOOM {
        Vec::new()
    } else if children {
        cases
            .children_for(scope, period)
            .into_iter()
            .filter(|c| inside(c.child.location.x(), c.child.location.y()))
            .map(|c| (c.child.location.x(), c.child.location.y(), child_props(c)))
            .collect()
    } else {
        cases
            .households_for(scope)
            .into_iter()
            .filter(|h| inside(h.household.location.x(), h.household.location.y()))
            .map(|h| {
                let p = h.household.location;
                (p.x(), p.y(), household_props(h))
            })
            .collect()
    };
    let features: Vec<TileFeature> = points
        .into_iter()
        .map(|(lon, lat, p)| TileFeature {
            id: None,
            geometry: geo::Geometry::Point(geo::Point(lonlat_to_world(lon, lat))),
            properties: prop_values(p),
        })
        .collect();
    let name = if children { "children" } else { "households" };
    let bytes = encode_tile(
        coord,
        &[TileLayer {
            name,
            features: features.iter().collect(),
        }],
    );
    (bytes, features.len())
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

fn status(c: &CaseChild) -> &'static str {
    let ch = &c.child;
    if ch.is_flagged() {
        "flagged"
    } else if ch.is_severely_stunted() {
        "severely_stunted"
    } else if ch.is_stunted() {
        "stunted"
    } else {
        "normal"
    }
}

fn child_props(c: &CaseChild) -> Value {
    let ch = &c.child;
    json!({
        "pseudonym": ch.id,
        "sex": ch.sex.code(),
        "birth_date": ch.birth_date.to_string(),
        "measure_date": ch.measure_date.to_string(),
        "height_cm": ch.height_cm,
        "haz": ch.haz,
        "status": status(c),
        "village": c.village,
        "team": c.team,
        "period": ch.period.to_string(),
        // Placed inside its village for lack of coordinates: the point is not the home.
        "approximate": ch.placed_by_village.is_some(),
    })
}

fn household_props(h: &CaseHousehold) -> Value {
    let hh = &h.household;
    json!({
        "pseudonym": hh.id,
        "has_latrine": hh.has_latrine,
        "safe_water": hh.safe_water,
        "improved_sanitation": hh.improved_sanitation,
        "unfit_housing": hh.unfit_housing,
        "four_t": hh.four_t,
        "target_groups": hh.targets.map(|t| t.iter().map(crate::model::TargetGroup::key).collect::<Vec<_>>()),
        "village": h.village,
    })
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
