//! `GET /api/measurement`: measurement coverage in one weighing round, per village
//! and for the city, and the two numbers: the register's prevalence beside the
//! survey's (`[survey]`), their gap and a coverage-weighted estimate
//! ([`crate::risk::measurement`]).
//!
//! Aggregates only (counts per village), for any signed-in account; computed with
//! the snapshot, so a request only serialises.

use crate::config::RasterCounts;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::risk::measurement::Measurement;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/measurement", get(measurement_of_round))
}

#[derive(Debug, Default, Deserialize)]
struct MeasurementQuery {
    /// The weighing round (default: the latest).
    period: Option<String>,
}

/// A village's row: its coverage with its name and kecamatan.
#[derive(Debug, Serialize)]
struct VillageRow<'a> {
    name: &'a str,
    district: &'a str,
    #[serde(flatten)]
    figures: &'a crate::risk::measurement::VillageMeasurement,
}

/// How targets are made, for the page to say.
#[derive(Debug, Serialize)]
struct Settings {
    min_coverage: f64,
    /// What the population raster counts (`under_five` or `people`).
    raster: RasterCounts,
    /// The share of people under five applied to a raster of `people`.
    under_five_share: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    period: Option<crate::model::Period>,
    revision: u64,
    settings: Settings,
    summary: &'a crate::risk::measurement::Summary,
    villages: Vec<VillageRow<'a>>,
}

async fn measurement_of_round(
    State(state): State<AppState>,
    Query(q): Query<MeasurementQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let s = state.snapshot();
    let period = s.resolve_period(q.period.as_deref())?;
    let m: Arc<Measurement> = s
        .measurement(period)
        .ok_or_else(|| ApiError::NotFound("no measurement figures in this snapshot".into()))?;
    let analysis = s.view(period).0;
    let settings = &state.0.config.measurement;
    let body = Body {
        period,
        revision: s.revision,
        settings: Settings {
            min_coverage: settings.min_coverage,
            raster: settings.raster,
            under_five_share: (settings.raster == RasterCounts::People)
                .then_some(settings.under_five_share),
        },
        summary: &m.summary,
        // The measurement rows follow the analysis' villages, one for one.
        villages: analysis
            .villages
            .iter()
            .zip(&m.villages)
            .map(|(v, figures)| VillageRow {
                name: &v.village.name,
                district: &v.village.district,
                figures,
            })
            .collect(),
    };
    serde_json::to_value(body)
        .map(Json)
        .map_err(|e| ApiError::Internal(format!("measurement body: {e}")))
}
