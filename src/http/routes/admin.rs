//! Admin only: accounts and the audit log.
//! `GET|POST /api/admin/users`, `POST /api/admin/users/{name}/disable`,
//! `POST /api/admin/users/{name}/enable`, `POST /api/admin/users/{name}/password`,
//! `GET /api/admin/tokens`, `GET /api/admin/audit?limit=&before=&action=`.

use crate::auth::{Caller, NewUser, Role};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// Most audit entries one request returns.
const MAX_AUDIT_PAGE: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/users", get(users).post(add_user))
        .route("/api/admin/users/{name}/disable", post(disable))
        .route("/api/admin/users/{name}/enable", post(enable))
        .route("/api/admin/users/{name}/password", post(reset_password))
        .route("/api/admin/tokens", get(tokens))
        .route("/api/admin/audit", get(audit))
}

fn admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden("only an admin may do this"))
    }
}

async fn users(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    admin(&caller)?;
    Ok(Json(json!({ "users": state.0.accounts.users()? })))
}

#[derive(Deserialize)]
struct UserBody {
    username: String,
    role: String,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    villages: Vec<String>,
}

async fn add_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<UserBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    admin(&caller)?;
    let role: Role = body.role.parse().map_err(ApiError::BadRequest)?;
    let user = NewUser {
        username: body.username.trim().to_ascii_lowercase(),
        role,
        team: body.team,
        villages: body
            .villages
            .iter()
            .map(|v| v.trim().replace('.', ""))
            .filter(|v| !v.is_empty())
            .collect(),
    };
    let st = state.clone();
    let u = user.clone();
    let password = tokio::task::spawn_blocking(move || st.0.accounts.add_user(&u, None))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    state.audit(
        &caller,
        "user_add",
        &format!("{} ({})", user.username, role),
        1,
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({ "username": user.username, "password": password })),
    ))
}

fn set_disabled(
    state: &AppState,
    caller: &Caller,
    name: &str,
    disabled: bool,
) -> Result<StatusCode, ApiError> {
    admin(caller)?;
    if disabled && name == caller.username {
        return Err(ApiError::BadRequest(
            "an admin cannot disable their own account".into(),
        ));
    }
    state.0.accounts.set_disabled(name, disabled)?;
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    state.audit(caller, action, name, 1);
    Ok(StatusCode::NO_CONTENT)
}

async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_disabled(&state, &caller, &name, true)
}

async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_disabled(&state, &caller, &name, false)
}

async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    admin(&caller)?;
    let st = state.clone();
    let n = name.clone();
    let password = tokio::task::spawn_blocking(move || st.0.accounts.set_password(&n, None))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    state.audit(&caller, "passwd", &format!("{name}: one-time password"), 1);
    Ok(Json(json!({ "username": name, "password": password })))
}

async fn tokens(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    admin(&caller)?;
    Ok(Json(json!({ "tokens": state.0.accounts.tokens(None)? })))
}

#[derive(Deserialize)]
struct AuditQuery {
    limit: Option<usize>,
    before: Option<i64>,
    action: Option<String>,
}

async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    admin(&caller)?;
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_AUDIT_PAGE);
    let action = q.action.as_deref().filter(|a| !a.is_empty());
    let entries = state.0.accounts.audit_entries(limit, q.before, action)?;
    Ok(Json(json!({ "entries": entries })))
}
