//! `GET /api/targets?top=N[&format=csv|xlsx|geojson][&columns=id|en|key][&period=YYYY-MM][&w.<factor>=x]`:
//! the priority villages (lokus) ranked by risk, each with its reason in Bahasa
//! Indonesia and its rank range when the weights move by ±20% (see
//! [`crate::risk::targets`]). JSON by default; the formats are downloads named by
//! period and weights, with Indonesian column names and rounded values (`columns=en`
//! English, `columns=key` the JSON's keys and every digit; see [`crate::export`]).
//!
//! Aggregates only: villages' counts, never a child.

use super::periods::PeriodQuery;
use crate::analysis::Analysis;
use crate::config::{Config, Weights};
use crate::export::{About, Columns, Format, export};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::model::Period;
use crate::risk::targets::{DEFAULT_TOP, TargetArea, Targets};
use crate::risk::weights::from_query;
use crate::snapshot::Snapshot;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use geo::MultiPolygon;
use std::collections::HashMap;

/// Most villages one request may ask for.
pub const MAX_TOP: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/targets", get(targets))
}

/// The configured weights with the request's `w.<factor>` overrides.
pub fn weights_param<S: std::hash::BuildHasher>(
    config: &Config,
    query: &HashMap<String, String, S>,
) -> Result<Weights, ApiError> {
    from_query(&config.weights, query).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// What the programmes left unreached in each village in `period`, by village code,
/// for the end of its reason ([`crate::risk::coverage::gap_phrase`]).
#[must_use]
pub fn coverage_gaps(s: &Snapshot, period: Option<Period>) -> HashMap<String, String> {
    crate::risk::coverage::gap_phrases(s.programmes(), &s.coverage(period))
}

/// Sets each area's coverage phrase from `gaps` (see [`coverage_gaps`]).
pub fn attach_gaps<'a, H: std::hash::BuildHasher>(
    areas: &mut [TargetArea<'a>],
    gaps: &'a HashMap<String, String, H>,
) {
    for a in areas {
        a.coverage = gaps.get(a.code).map(String::as_str);
    }
}

/// The villages of an analysis as the ranking sees them, and their boundaries.
#[must_use]
pub fn target_areas(analysis: &Analysis) -> (Vec<TargetArea<'_>>, Vec<&MultiPolygon<f64>>) {
    analysis
        .villages
        .iter()
        .map(|v| {
            (
                TargetArea {
                    code: &v.village.code,
                    name: &v.village.name,
                    district: &v.village.district,
                    counts: v.stats.counts,
                    risk: v.stats.risk,
                    coverage: None,
                },
                &v.village.boundary,
            )
        })
        .unzip()
}

async fn targets(
    State(state): State<AppState>,
    Query(all): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let weights = weights_param(&state.0.config, &all)?;
    let top = match all.get("top") {
        None => DEFAULT_TOP,
        Some(t) => t
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_TOP).contains(n))
            .ok_or_else(|| ApiError::BadRequest(format!("top must be 1..{MAX_TOP}, not {t}")))?,
    };
    let format = match all.get("format").map(String::as_str) {
        None | Some("json" | "") => None,
        Some(f) => Some(Format::parse(f).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "format must be json, csv, xlsx or geojson, not {f}"
            ))
        })?),
    };
    let pq = PeriodQuery {
        period: all.get("period").cloned(),
        compare: None,
    };
    let s = state.snapshot();
    let (period, _) = pq.resolve(&s)?;
    let analysis = s.view(period).0;
    let gaps = coverage_gaps(&s, period);
    let (mut areas, boundaries) = target_areas(analysis);
    attach_gaps(&mut areas, &gaps);
    let t = Targets::new(&areas, &weights, top);
    let Some(format) = format else {
        let mut body = t.to_json();
        body["period"] = serde_json::json!(period);
        body["revision"] = serde_json::json!(s.revision);
        body["normalisation"] = serde_json::json!(state.0.config.normalisation.method);
        return Ok(Json(body).into_response());
    };
    let columns = match all.get("columns") {
        None => Columns::default(),
        Some(c) => Columns::parse(c).ok_or_else(|| {
            ApiError::BadRequest(format!("columns must be id, en or key, not {c}"))
        })?,
    };
    let about = About {
        city: state.place(),
        period,
        revision: s.revision,
        weights,
        configured_weights: weights == state.0.config.weights,
        normalisation: serde_json::to_value(state.0.config.normalisation.method)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        made: About::now(),
    };
    let bytes = export(&t, format, &boundaries, &about, columns)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let name = about.file_name(format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
