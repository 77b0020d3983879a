//! The rembuk stunting's decisions per village ([`crate::store::RembukDecisions`]):
//! `GET /api/rembuk?period=P` (any signed-in account) gives every village's decisions
//! in force for round P, those of P's rembuk or, where it decided nothing on the
//! village yet, of the rembuk before, so the agreed actions are carried into the
//! next round's view; `POST /api/rembuk` (planners and admins) records a village's
//! decisions for a round, replacing the ones shown (the history stays).
//!
//! No child: villages, actions and who leads them.

use crate::auth::Caller;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::model::Period;
use crate::store::{RembukAction, RembukDecisions};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// Longest action text, and longest name of who leads it.
pub const MAX_ACTION_CHARS: usize = 300;
pub const MAX_LEAD_CHARS: usize = 100;
/// Most actions agreed for one village at one rembuk.
pub const MAX_ACTIONS: usize = 20;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/rembuk", get(decisions).post(record))
}

#[derive(Debug, Default, Deserialize)]
struct RembukQuery {
    period: Option<String>,
}

/// The decisions in force for round `period` (resolved), by village code.
pub async fn in_force(state: &AppState, period: Option<Period>) -> Result<Value, ApiError> {
    let shown = state
        .read_store(move |s| s.rembuk(period))
        .await?
        .unwrap_or_default();
    Ok(json!(shown))
}

async fn decisions(
    State(state): State<AppState>,
    Query(q): Query<RembukQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = state.snapshot().resolve_period(q.period.as_deref())?;
    Ok(Json(json!({
        "period": period,
        "villages": in_force(&state, period).await?,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionIn {
    action: String,
    lead: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    village: String,
    period: String,
    priority: bool,
    #[serde(default)]
    actions: Vec<ActionIn>,
}

/// The actions trimmed, each checked: an action needs a lead, texts have limits.
fn checked(actions: Vec<ActionIn>) -> Result<Vec<RembukAction>, ApiError> {
    if actions.len() > MAX_ACTIONS {
        return Err(ApiError::BadRequest(format!(
            "Terlalu banyak aksi: paling banyak {MAX_ACTIONS} per desa/kelurahan."
        )));
    }
    actions
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let (action, lead) = (a.action.trim().to_owned(), a.lead.trim().to_owned());
            let n = i + 1;
            if action.is_empty() {
                return Err(ApiError::BadRequest(format!("Aksi ke-{n}: isinya kosong.")));
            }
            if lead.is_empty() {
                return Err(ApiError::BadRequest(format!(
                    "Aksi ke-{n} ({action}): siapa penanggung jawabnya (OPD, puskesmas, mitra)?"
                )));
            }
            if action.chars().count() > MAX_ACTION_CHARS || lead.chars().count() > MAX_LEAD_CHARS {
                return Err(ApiError::BadRequest(format!(
                    "Aksi ke-{n}: paling banyak {MAX_ACTION_CHARS} karakter untuk aksi dan \
                     {MAX_LEAD_CHARS} untuk penanggung jawab."
                )));
            }
            Ok(RembukAction { action, lead })
        })
        .collect()
}

async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Json(d): Json<RecordIn>,
) -> Result<Response, ApiError> {
    if !caller.may_import() {
        return Err(ApiError::forbidden(
            "hanya perencana dan admin yang mencatat keputusan rembuk \
             (only planners and admins record the rembuk's decisions)",
        ));
    }
    let snapshot = state.snapshot();
    let period = snapshot
        .resolve_period(Some(&d.period))?
        .ok_or_else(|| ApiError::BadRequest("belum ada data anak".into()))?;
    let village = snapshot
        .analysis
        .villages
        .iter()
        .find(|v| v.village.code == d.village.trim())
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "tidak ada desa/kelurahan dengan kode {} (no such village)",
                d.village
            ))
        })?;
    let row = RembukDecisions {
        village: village.village.code.clone(),
        period: period.to_string(),
        priority: d.priority,
        actions: checked(d.actions)?,
        username: caller.username.clone(),
        at: String::new(),
    };
    let what = format!(
        "{period} {} {}: {} aksi",
        row.village,
        if row.priority {
            "prioritas"
        } else {
            "bukan prioritas"
        },
        row.actions.len()
    );
    let count = row.actions.len();
    let stored = state
        .write_store(move |s| s.record_rembuk(&row))
        .await?
        .ok_or_else(|| ApiError::Conflict("server ini tidak punya penyimpanan data".into()))?;
    state.audit(&caller, "rembuk", &what, count).await?;
    Ok((StatusCode::CREATED, Json(json!({ "decisions": stored }))).into_response())
}
