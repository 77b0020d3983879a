//! `POST /api/admin/assign`: the admin page's "Pembagian anak" (what `sigap assign`
//! does), for admins and planners. The body is a teams CSV (as text) and options; the
//! answer is the plan per team; with `apply` the assignments are written (audited) and
//! the field officers' scope follows at the next snapshot.

use crate::auth::{Caller, Scope};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::teams::{Member, TeamsError, assign, parse_teams};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
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
    let teams = parse_teams(&body.teams_csv, Path::new("teams.csv")).map_err(|e| match e {
        TeamsError::Row {
            line,
            field,
            reason,
            ..
        } => ApiError::Unprocessable(json!({
            "error": "the teams were not read",
            "problems": [{"line": line, "field": field, "reason": reason}],
        })),
        other => ApiError::BadRequest(other.to_string()),
    })?;
    let snapshot = state.snapshot();
    let period = snapshot.resolve_period(body.period.as_deref())?;
    let index: HashMap<&str, usize> = teams
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let children: Vec<_> = snapshot
        .cases
        .children_for(&Scope::All, period)
        .into_iter()
        .filter(|c| c.child.is_stunted() && !c.child.is_flagged())
        .collect();
    if children.is_empty() {
        return Err(ApiError::BadRequest(
            "no stunted child in this period".into(),
        ));
    }
    let members: Vec<Member> = children
        .iter()
        .map(|c| Member {
            lonlat: [c.child.location.x(), c.child.location.y()],
            kept: if body.reassign {
                None
            } else {
                c.team.as_deref().and_then(|t| index.get(t).copied())
            },
        })
        .collect();
    let roads = snapshot.analysis.roads.clone();
    let mode = state.0.config.roads.access_mode;
    let (plan, members, teams) = tokio::task::spawn_blocking(move || {
        assign(&members, &teams, roads.as_deref(), mode).map(|p| (p, members, teams))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let summary = plan.summary(&teams, &members);
    let mut written = 0;
    if body.apply {
        let rows: Vec<(String, String)> = children
            .iter()
            .zip(&plan.team_of)
            .map(|(c, j)| (c.child.id.clone(), teams[*j].name.clone()))
            .collect();
        written = rows.len();
        let reassign = body.reassign;
        let names: Vec<String> = teams.iter().map(|t| t.name.clone()).collect();
        state
            .write_store(move |s| {
                // Every team of the file becomes a known team, even one given no child.
                for n in &names {
                    s.add_team(n)?;
                }
                s.write_assignments(&rows, reassign)
            })
            .await?
            .ok_or_else(|| ApiError::Conflict("this server has no store to write to".into()))?;
        state
            .audit(
                &caller,
                "assign",
                &format!("{} teams", teams.len()),
                written,
            )
            .await?;
    }
    Ok(Json(json!({
        "period": period.map(|p| p.to_string()),
        "children": children.len(),
        "kept": members.iter().filter(|m| m.kept.is_some()).count(),
        "unit": if plan.by_road { "minutes" } else { "km" },
        "rounds": plan.rounds,
        "teams": summary,
        "written": written,
    })))
}
