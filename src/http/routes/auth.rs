//! Logging in and out, the caller's own account and API tokens:
//! `POST /api/login`, `POST /api/logout`, `GET /api/me`, `POST /api/account/password`,
//! `GET|POST /api/tokens`, `DELETE /api/tokens/{id}`.
//!
//! Login is the only one without a `Caller`. Wrong passwords are slowed and then
//! lock the account ([`crate::auth::throttle`]); every failure and lock is written to
//! the audit log and logged with the user name and address, never the password.

use crate::auth::{Account, Caller, Credential, Login};
use crate::http::auth::{SESSION_COOKIE, client_ip, cookie};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// `POST /api/login` and `GET /api/me` (which answers `{"user": null}` without a
/// login, so the viewer can ask without an error in the browser console).
pub fn login_routes() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/me", get(me))
}

/// The routes that need a `Caller`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/logout", post(logout))
        .route("/api/account/password", post(change_password))
        .route("/api/tokens", get(tokens).post(create_token))
        .route("/api/tokens/{id}", delete(revoke_token))
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

/// The JSON of an account and, for a session, its CSRF token.
#[must_use]
pub fn account_json(account: &Account, csrf: Option<&str>) -> Value {
    json!({ "user": account, "csrf": csrf })
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.0.config.auth.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("sigap_session=; Max-Age=0; Path=/"))
}

async fn login(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let address = client_ip(req.extensions());
    let bytes = axum::body::to_bytes(req.into_body(), state.0.config.server.max_body_bytes)
        .await
        .map_err(|_| ApiError::TooLarge("the login body is too large".into()))?;
    let body: LoginBody = serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::BadRequest("send JSON {\"username\": ..., \"password\": ...}".into())
    })?;
    let username = body.username.trim().to_ascii_lowercase();
    let auth = state.0.config.auth.clone();
    let lifetime = i64::from(auth.session_hours) * 3600;
    let st = state.clone();
    let name = username.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        st.0.accounts.login(
            &name,
            &body.password,
            address,
            &auth.account_policy(),
            &auth.address_policy(),
            lifetime,
        )
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let accounts = &state.0.accounts;
    let known = accounts.user(&username)?;
    let who = known.as_ref().map(|a| (a.username.as_str(), a.id, a.role));
    let logged = if known.is_some() {
        username.as_str()
    } else {
        "(unknown user)"
    };
    let audit = |action: &str, what: &str| {
        if let Err(e) = accounts.audit(who, logged, action, what, 0, address) {
            tracing::error!(error = %e, "audit log not written");
        }
    };
    match outcome {
        Login::Ok {
            account,
            session,
            csrf,
        } => {
            audit("login", "session");
            tracing::info!(user = account.id, "login");
            let mut resp = Json(account_json(&account, Some(&csrf))).into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&state, &session, lifetime),
            );
            Ok(resp)
        }
        Login::Wrong | Login::Disabled => {
            audit("login_failed", "wrong user name or password");
            tracing::warn!(user = logged, address = ?address, "login failed");
            Err(ApiError::Unauthorized("wrong user name or password".into()))
        }
        Login::Wait(s) => {
            audit("login_throttled", "too many wrong passwords; asked to wait");
            tracing::warn!(user = logged, address = ?address, wait_s = s, "login slowed");
            Err(ApiError::TooManyRequests {
                message: format!("too many wrong passwords; try again in {s} s"),
                retry_after: s,
            })
        }
        Login::Locked(until) => {
            audit("locked", "account locked after too many wrong passwords");
            tracing::warn!(user = logged, address = ?address, "account locked");
            let wait = (until - crate::auth::now()).max(1) as u64;
            Err(ApiError::Locked {
                message: format!(
                    "account locked after too many wrong passwords; try again in {} min or ask an admin",
                    wait.div_ceil(60)
                ),
                retry_after: wait,
            })
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        state.0.accounts.logout(session)?;
    }
    state.audit(&caller, "logout", "session", 0);
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(resp)
}

async fn me(
    State(state): State<AppState>,
    caller: Option<Caller>,
) -> Result<Json<Value>, ApiError> {
    let Some(caller) = caller else {
        return Ok(Json(json!({ "user": null, "csrf": null })));
    };
    let account = state
        .0
        .accounts
        .user(&caller.username)?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
    let csrf = match &caller.credential {
        Credential::Session { csrf } => Some(csrf.as_str()),
        Credential::Token { .. } => None,
    };
    Ok(Json(account_json(&account, csrf)))
}

#[derive(Deserialize)]
struct PasswordBody {
    current: String,
    new: String,
}

async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    let st = state.clone();
    let id = caller.user_id;
    let ok = tokio::task::spawn_blocking(move || {
        st.0.accounts.change_password(id, &body.current, &body.new)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    if !ok {
        return Err(ApiError::forbidden("the current password is wrong"));
    }
    state.audit(&caller, "passwd", "own password", 0);
    Ok(StatusCode::NO_CONTENT)
}

async fn tokens(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let list = state.0.accounts.tokens(Some(caller.user_id))?;
    Ok(Json(json!({ "tokens": list })))
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TokenBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name = body.name.trim();
    let name = if name.is_empty() { "token" } else { name };
    if name.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "a token name has at most 100 characters".into(),
        ));
    }
    let (id, token) = state.0.accounts.create_token(caller.user_id, name)?;
    state.audit(&caller, "token_add", &format!("token {id} ({name})"), 0);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": name, "token": token })),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    // An admin may revoke anybody's token, others only their own.
    let owner = (!caller.is_admin()).then_some(caller.user_id);
    if !state.0.accounts.revoke_token(id, owner)? {
        return Err(ApiError::NotFound(format!("no token {id} of yours")));
    }
    state.audit(&caller, "token_revoke", &format!("token {id}"), 0);
    Ok(StatusCode::NO_CONTENT)
}
