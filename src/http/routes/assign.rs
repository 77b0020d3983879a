//! `POST /api/admin/assign`: the admin page's "Pembagian anak" (what `sigap assign`
//! does), for admins and planners. The body is a teams CSV (as text) and options; the
//! answer is the plan per team; with `apply` the assignments are written (audited) and
//! the field officers' scope follows at the next snapshot.

use crate::auth::{Caller, Scope};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::teams::parse_teams;
use crate::teams::share::share;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::Path;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/admin/assign", post(assign_children))
}

#[derive(Deserialize)]
struct AssignIn {
    /// The teams file's text: team, share or capacity, optional lat, lon.
    teams_csv: String,
    #[serde(default)]
    reassign: bool,
    #[serde(default)]
    apply: bool,
    period: Option<String>,
}

async fn assign_children(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<AssignIn>,
) -> Result<Json<Value>, ApiError> {
    if !caller.may_import() {
        return Err(ApiError::forbidden(
            "sharing children among teams is for admins and planners",
        ));
    }
    let teams = parse_teams(&body.teams_csv, Path::new("teams.csv"))?;
    let snapshot = state.snapshot();
    let period = snapshot.resolve_period(body.period.as_deref())?;
    let roads = snapshot.analysis.roads.clone();
    let mode = state.0.config.roads.access_mode;
    let reassign = body.reassign;
    let sharing = tokio::task::spawn_blocking(move || {
        let children = snapshot
            .cases
            .children_for(&Scope::All, period)
            .into_iter()
            .map(|c| (&c.child, c.team.as_deref()));
        share(children, period, teams, reassign, roads.as_deref(), mode)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let mut written = 0;
    if body.apply {
        let rows = sharing.assignments();
        written = rows.len();
        let names = sharing.team_names();
        state
            .write_store(move |s| s.write_shared(&rows, &names, reassign))
            .await?
            .ok_or_else(|| ApiError::Conflict("this server has no store to write to".into()))?;
        state
            .audit(
                &caller,
                "assign",
                &format!("{} teams", sharing.teams.len()),
                written,
            )
            .await?;
    }
    Ok(Json(json!({
        "period": period.map(|p| p.to_string()),
        "children": sharing.children.len(),
        "kept": sharing.kept(),
        "unit": if sharing.plan.by_road { "minutes" } else { "km" },
        "rounds": sharing.plan.rounds,
        "teams": sharing.summary(),
        "written": written,
    })))
}
