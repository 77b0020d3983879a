//! `POST /api/deliveries/campaign`: a planner records one campaign (eggs to every
//! baduta family of a village on one day) as one delivery per recipient
//! ([`crate::ledger::campaign`]), all or nothing, idempotent, audited.
//!
//! Planners and admins only; a cookie session sends the CSRF header like every
//! other write. The answer comes as soon as the deliveries are committed; when
//! something was added the snapshot is rebuilt after it, off the request, and the
//! answer's `revision` is the one `/api/coverage` shows once the figures count the
//! campaign (the campaign page polls for it). A campaign entered again adds nothing
//! and rebuilds nothing.

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::ledger::{CampaignIn, campaign};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/deliveries/campaign", post(enter_campaign))
}

async fn enter_campaign(
    State(state): State<AppState>,
    caller: crate::auth::Caller,
    Json(input): Json<CampaignIn>,
) -> Result<Response, ApiError> {
    if !caller.may_import() {
        return Err(ApiError::forbidden(
            "hanya perencana dan admin yang dapat mencatat kampanye \
             (only planners and admins enter campaigns)",
        ));
    }
    let snapshot = state.snapshot();
    let villages: Vec<_> = snapshot
        .analysis
        .villages
        .iter()
        .map(|v| &v.village)
        .collect();
    let c = campaign(
        &input,
        &snapshot.cases,
        &villages,
        snapshot.programmes(),
        &snapshot.periods(),
        crate::ingest::today(),
    )?;
    let rows = c.deliveries.clone();
    let written = state
        .write_store(move |s| s.add_deliveries(&rows))
        .await?
        .ok_or_else(|| ApiError::Conflict("server ini tidak punya penyimpanan data".into()))?;
    state
        .audit(
            &caller,
            "campaign",
            &format!(
                "{} {} {} {}: {} added, {} already present",
                c.programme.code,
                c.village.0,
                input.date.trim(),
                c.group.map_or("-", |g| g.key()),
                written.added,
                written.present
            ),
            written.added,
        )
        .await?;
    if written.added > 0 {
        state.rebuild_in_background("a campaign");
    }
    let status = if written.added > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({
            "programme": c.programme.code,
            "programme_name": c.programme.name,
            "village": c.village.0,
            "village_name": c.village.1,
            "group": c.group.map(crate::model::TargetGroup::key),
            "period": c.period,
            "recipients": c.deliveries.len(),
            "who": c.who,
            "added": written.added,
            "present": written.present,
            "revision": written.revision,
            "message": c.sentence(c.deliveries.len(), &input),
        })),
    )
        .into_response())
}
