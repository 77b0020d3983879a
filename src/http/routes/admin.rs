//! Admin only: accounts and the audit log.
//! `GET|POST /api/admin/users`, `POST /api/admin/users/{name}/disable`,
//! `POST /api/admin/users/{name}/enable`, `POST /api/admin/users/{name}/password`,
//! `GET /api/admin/tokens`, `GET /api/admin/audit?limit=&before=&action=`,
//! `GET|POST /api/admin/teams` (the known teams and villages an account is made from).

use crate::auth::{Accounts, Caller, NewUser, Role};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::teams::registry::{check_scope, new_team_name};
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
        .route("/api/admin/teams", get(teams).post(add_team))
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
    let known = known_teams(&state).await?;
    let villages: Vec<String> = state
        .snapshot()
        .analysis
        .villages
        .iter()
        .map(|v| v.village.code.clone())
        .collect();
    let (team, villages) = check_scope(body.team.as_deref(), &body.villages, &known, &villages)?;
    let user = NewUser {
        username: body.username.trim().to_ascii_lowercase(),
        role,
        team,
        villages,
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

/// The store's teams (none without a store).
async fn known_teams(state: &AppState) -> Result<Vec<String>, ApiError> {
    Ok(state
        .read_store(crate::store::AnyStore::teams)
        .await?
        .unwrap_or_default())
}

/// The known teams (with their assigned children and field officers) and villages,
/// for the admin page's lists.
async fn teams(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    admin(&caller)?;
    let known = known_teams(&state).await?;
    let users = state.accounts(Accounts::users).await?;
    let snapshot = state.snapshot();
    // Children (each once, whatever the rounds it was measured in) per team.
    let mut seen = std::collections::HashSet::new();
    let mut children: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for c in snapshot.cases.children_for(&crate::auth::Scope::All, None) {
        if let Some(t) = &c.team
            && seen.insert(c.child.id.as_str())
        {
            *children.entry(t.as_str()).or_default() += 1;
        }
    }
    let teams: Vec<Value> = known
        .iter()
        .map(|t| {
            json!({
                "name": t,
                "children": children.get(t.as_str()).copied().unwrap_or(0),
                "field_officers": users.iter().filter(|u| u.team.as_deref() == Some(t.as_str())).count(),
            })
        })
        .collect();
    let villages: Vec<Value> = snapshot
        .analysis
        .villages
        .iter()
        .map(|v| json!({"code": v.village.code, "name": v.village.name, "district": v.village.district}))
        .collect();
    Ok(Json(json!({ "teams": teams, "villages": villages })))
}

#[derive(Deserialize)]
struct TeamBody {
    name: String,
}

async fn add_team(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TeamBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    admin(&caller)?;
    let known = known_teams(&state).await?;
    let name = new_team_name(&body.name, &known)?;
    let n = name.clone();
    state
        .write_store(move |s| s.add_team(&n))
        .await?
        .ok_or_else(|| ApiError::Conflict("this server has no store to add teams to".into()))?;
    state.audit(&caller, "team_add", &name, 1).await?;
    Ok((StatusCode::CREATED, Json(json!({ "name": name }))))
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
