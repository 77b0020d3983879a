//! The JSON API: `GET /health`, `GET /api/villages`, `GET /api/config` (and
//! `GET /api/hexes` in [`super::hexes`]).
//!
//! `/api/villages` and `/api/hexes` take `?period=YYYY-MM` (default: the latest
//! measurement period) and `?compare=YYYY-MM` (each area gets a `change` object, see
//! [`super::periods::change_json`]).
//!
//! Both also take what-if weights, `?w.<factor>=<number>` (e.g. `?w.latrine=0.4`, see
//! [`crate::risk::weights`]): scores are re-weighted from the stored normalised values
//! and the answer's `weights` says which were used.
//!
//! Aggregates only: no endpoint here returns an individual child or household.

use super::periods::{PeriodQuery, change_json};
use super::targets::weights_param;
use crate::analysis::{AreaStats, VillageStats};
use crate::config::Weights;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::risk::Factor;
use crate::tiles::mvt::PropValue;
use crate::tiles::source::area_properties;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/villages", get(villages))
        .route("/api/config", get(config))
}

/// What answers without a login: `/health`, for monitoring (city totals only).
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Value> {
    let s = state.snapshot();
    let t = &s.analysis.totals;
    Json(json!({
        "status": "ok",
        "demo": state.0.demo,
        "revision": s.revision,
        "villages": s.analysis.villages.len(),
        "children": t.children,
        "households": t.households,
        "facilities": s.analysis.facilities.len(),
        // `children` is the default period's; every period is in /api/periods.
        "period": s.default_period,
        "periods": s.periods(),
    }))
}

fn prop_json(v: PropValue) -> Value {
    match v {
        PropValue::String(s) => Value::String(s),
        PropValue::Int(i) => Value::from(i),
        PropValue::Double(d) => Value::from(d),
        PropValue::Float(f) => Value::from(f64::from(f)),
        PropValue::Bool(b) => Value::Bool(b),
    }
}

/// Flat properties plus the factor breakdown of one area, scored with `weights`.
pub(super) fn area_json(
    stats: &AreaStats,
    mut head: Map<String, Value>,
    weights: &Weights,
) -> Map<String, Value> {
    for (k, v) in area_properties(stats) {
        head.insert(k.into_owned(), prop_json(v));
    }
    // Keluarga berisiko stunting: total, per target group, per criterion (replaces
    // the tiles' single count).
    head.insert(
        "families_at_risk".into(),
        json!(stats.counts.families_at_risk),
    );
    let risk = stats.risk.reweighted(weights);
    head.insert("risk".into(), Value::from(risk.score));
    let factors: Vec<Value> = risk
        .factors
        .iter()
        .map(|f| f.to_json(risk.access))
        .collect();
    head.insert("factors".into(), Value::Array(factors));
    head
}

pub(super) fn village_json(rank: usize, v: &VillageStats, weights: &Weights) -> Value {
    let mut head = Map::new();
    head.insert("rank".into(), Value::from(rank));
    head.insert("code".into(), Value::from(v.village.code.clone()));
    head.insert("name".into(), Value::from(v.village.name.clone()));
    head.insert("district".into(), Value::from(v.village.district.clone()));
    head.insert("centre".into(), json!([v.centre.x(), v.centre.y()]));
    Value::Object(area_json(&v.stats, head, weights))
}

async fn villages(
    State(state): State<AppState>,
    Query(pq): Query<PeriodQuery>,
    Query(all): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let weights = weights_param(&state.0.config, &all)?;
    let s = state.snapshot();
    let (period, change) = pq.resolve(&s)?;
    let analysis = s.view(period).0;
    // Changes are per village in the villages' stored order.
    let order: std::collections::HashMap<&str, usize> = analysis
        .villages
        .iter()
        .enumerate()
        .map(|(i, v)| (v.village.code.as_str(), i))
        .collect();
    let mut ranked: Vec<(f64, &VillageStats)> = analysis
        .villages
        .iter()
        .map(|v| (v.stats.risk.reweighted(&weights).score, v))
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.village.code.cmp(&b.1.village.code))
    });
    let list: Vec<Value> = ranked
        .into_iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let mut j = village_json(i + 1, v, &weights);
            if let (Some(c), Some(k)) = (&change, order.get(v.village.code.as_str())) {
                j["change"] = change_json(&c.village(*k), c.base, &v.stats.counts);
            }
            j
        })
        .collect();
    Ok(Json(json!({
        "revision": s.revision,
        "period": period,
        "compare": change.as_ref().map(|c| c.base),
        "weights": weights,
        "normalisation": state.0.config.normalisation.method,
        "villages": list,
        "totals": analysis.totals,
        "outside": analysis.outside,
        // The population raster's total, the part in no village, and the part in no
        // cell; null without one.
        "population": analysis.population,
    })))
}

async fn config(State(state): State<AppState>) -> Json<Value> {
    let c = &state.0.config;
    let access = state.snapshot().analysis.access;
    let factors: Vec<Value> = Factor::ALL
        .iter()
        .map(|f| json!({ "factor": f.key(), "label": f.label_id(access), "unit": f.unit(access) }))
        .collect();
    Json(json!({
        "weights": c.weights,
        "normalisation": c.normalisation,
        "spatial": c.spatial,
        "weight_names": crate::risk::weights::ALIASES
            .iter()
            .map(|(f, names)| json!({ "factor": f.key(), "names": names }))
            .collect::<Vec<_>>(),
        "factors": factors,
        "access": { "unit": access.unit(), "mode": c.roads.access_mode },
    }))
}
