//! `GET /api/villages/{code}/profile?period=YYYY-MM[&w.<factor>=x]`: everything the
//! printable one-page village profile (`/web/profile.html`) shows, in one answer: the
//! village's figures and factors as `/api/villages` gives them, where it stands among
//! the villages and why ([`crate::risk::targets::Standing`]), its change since the
//! previous measurement period, the place, the last measurement day and the
//! convergence programmes' coverage in the village ([`crate::risk::coverage`]).
//!
//! Staff only, like `/api/villages`; aggregates only, never a child.

use super::api::village_json;
use super::periods::change_json;
use super::targets::{attach_gaps, coverage_gaps, target_areas, weights_param};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::model::Period;
use crate::risk::targets::{DEFAULT_TOP, Targets};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use geo::BoundingRect;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/villages/{code}/profile", get(profile))
}

async fn profile(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(all): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let weights = weights_param(&state.0.config, &all)?;
    let s = state.snapshot();
    let period = s.resolve_period(all.get("period").map(String::as_str))?;
    let analysis = s.view(period).0;
    let index = analysis
        .villages
        .iter()
        .position(|v| v.village.code == code)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "tidak ada desa/kelurahan dengan kode {code} (no such village)"
            ))
        })?;
    let v = &analysis.villages[index];
    let gaps = coverage_gaps(&s, period);
    let (mut areas, _) = target_areas(analysis);
    attach_gaps(&mut areas, &gaps);
    let standing = Targets::new(&areas, &weights, DEFAULT_TOP).standing(index);
    // The round before this one, and this village's change since it.
    let previous = period.and_then(|p| s.periods().into_iter().filter(|q| *q < p).max());
    let change = match previous {
        Some(base) => {
            let c = s.change(period, &base.to_string())?;
            Some(change_json(&c.village(index), base, &v.stats.counts))
        }
        None => None,
    };
    let bounds = v
        .village
        .boundary
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let mut village = village_json(standing.as_ref().map_or(0, |x| x.rank), v, &weights);
    village["bounds"] = json!(bounds);
    Ok(Json(json!({
        "revision": s.revision,
        "place": state.place(),
        "period": period,
        "previous": previous,
        "measured_until": s.cases.measured_until(period).map(|d| d.to_string()),
        "weights": weights,
        "configured_weights": weights == state.0.config.weights,
        "village": village,
        "standing": standing,
        "change": change,
        "coverage": coverage_json(&s, period, &code),
        // The rembuk's decisions in force for this round (or carried from the last).
        "rembuk": super::rembuk::in_force(&state, period).await?.get(&code).cloned(),
    })))
}

/// The village's coverage per programme that had a target or a delivery in the
/// round: name, target, reached and share (`null` with no target).
fn coverage_json(s: &crate::snapshot::Snapshot, period: Option<Period>, code: &str) -> Value {
    let cov = s.coverage(period);
    let Some(reaches) = cov.villages.get(code) else {
        return json!([]);
    };
    let rows: Vec<Value> = s
        .programmes()
        .iter()
        .filter_map(|p| reaches.get(&p.code).map(|r| (p, r)))
        .filter(|(_, r)| r.target > 0 || r.deliveries > 0)
        .map(|(p, r)| {
            json!({
                "code": p.code,
                "name": p.name,
                "need": p.need(),
                "target": r.target,
                "reached": r.reached,
                "share": r.share(),
                "deliveries": r.deliveries,
            })
        })
        .collect();
    json!(rows)
}
