//! Admin only: accounts and the audit log.
//! `GET|POST /api/admin/users`, `POST /api/admin/users/{name}/disable`,
//! `POST /api/admin/users/{name}/enable`, `POST /api/admin/users/{name}/password`,
//! `GET /api/admin/tokens`, `GET /api/admin/audit?limit=&before=&action=`.

use crate::auth::{Accounts, Caller, NewUser, Role};
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
    let users = state.accounts(Accounts::users).await?;
    Ok(Json(json!({ "users": users })))
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
    let u = user.clone();
    let password = state.accounts(move |a| a.add_user(&u, None)).await?;
    state
        .audit(
            &caller,
            "user_add",
            &format!("{} ({})", user.username, role),
            1,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "username": user.username, "password": password })),
    ))
}

async fn set_disabled(
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
    let n = name.to_owned();
    state
        .accounts(move |a| a.set_disabled(&n, disabled))
        .await?;
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    state.audit(caller, action, name, 1).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_disabled(&state, &caller, &name, true).await
}

async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_disabled(&state, &caller, &name, false).await
}

async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    admin(&caller)?;
    let n = name.clone();
    let password = state.accounts(move |a| a.set_password(&n, None)).await?;
    state
        .audit(&caller, "passwd", &format!("{name}: one-time password"), 1)
        .await?;
    Ok(Json(json!({ "username": name, "password": password })))
}

async fn tokens(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    admin(&caller)?;
    let tokens = state.accounts(|a| a.tokens(None)).await?;
    Ok(Json(json!({ "tokens": tokens })))
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
    let action = q.action.filter(|a| !a.is_empty());
    let before = q.before;
    let entries = state
        .accounts(move |a| a.audit_entries(limit, before, action.as_deref()))
        .await?;
    Ok(Json(json!({ "entries": entries })))
}
