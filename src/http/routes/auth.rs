//! Logging in and out, the caller's own account and API tokens:
//! `POST /api/login`, `POST /api/logout`, `GET /api/me`, `POST /api/account/password`,
//! `GET|POST /api/tokens`, `DELETE /api/tokens/{id}`.
//!
//! Login is the only one without a `Caller`. Wrong passwords are slowed and then
//! lock the account ([`crate::auth::throttle`]); every failure and lock is written to
//! the audit log and logged with the user name and address, never the password.

use crate::auth::{Account, Caller, Credential, Login};
use crate::http::auth::{SESSION_COOKIE, client_ip, cookie, over_https};
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

/// The session cookie; `Secure` when configured or when the browser came over HTTPS
/// ([`over_https`]).
fn session_cookie(state: &AppState, https: bool, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.0.config.auth.secure_cookies || https {
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
    let address = client_ip(&state, req.extensions(), req.headers());
    let https = over_https(&state, req.extensions(), req.headers());
    let bytes = axum::body::to_bytes(req.into_body(), state.0.config.server.max_body_bytes)
        .await
        .map_err(|_| ApiError::TooLarge("the login body is too large".into()))?;
    let body: LoginBody = serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::BadRequest("send JSON {\"username\": ..., \"password\": ...}".into())
    })?;
    let username = body.username.trim().to_ascii_lowercase();
    let auth = state.0.config.auth.clone();
    let lifetime = i64::from(auth.session_hours) * 3600;
    let name = username.clone();
    let (outcome, known) = state
        .accounts(move |a| {
            let outcome = a.login(
                &name,
                &body.password,
                address,
                &auth.account_policy(),
                &auth.address_policy(),
                lifetime,
            )?;
            Ok((outcome, a.user(&name)?))
        })
        .await?;
    let logged = if known.is_some() {
        username.clone()
    } else {
        "(unknown user)".to_owned()
    };
    let audit = |action: &'static str, what: &'static str| {
        let (known, logged) = (known.clone(), logged.clone());
        state.accounts(move |a| {
            let who = known.as_ref().map(|k| (k.username.as_str(), k.id, k.role));
            a.audit(who, &logged, action, what, 0, address)
        })
    };
    // A login is answered only once its audit row is written.
    match outcome {
        Login::Ok {
            account,
            session,
            csrf,
        } => {
            audit("login", "session").await?;
            tracing::info!(user = account.id, "login");
            let mut resp = Json(account_json(&account, Some(&csrf))).into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&state, https, &session, lifetime),
            );
            Ok(resp)
        }
        Login::Wrong | Login::Disabled => {
            audit("login_failed", "wrong user name or password").await?;
            tracing::warn!(user = logged, address = ?address, "login failed");
            Err(ApiError::Unauthorized("wrong user name or password".into()))
        }
        Login::Wait(s) => {
            audit("login_throttled", "too many wrong passwords; asked to wait").await?;
            tracing::warn!(user = logged, address = ?address, wait_s = s, "login slowed");
            Err(ApiError::TooManyRequests {
                message: format!("too many wrong passwords; try again in {s} s"),
                retry_after: s,
            })
        }
        Login::Locked(until) => {
            audit("locked", "account locked after too many wrong passwords").await?;
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
    extensions: axum::http::Extensions,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let https = over_https(&state, &extensions, &headers);
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        let session = session.to_owned();
        state.accounts(move |a| a.logout(&session)).await?;
    }
    state.audit(&caller, "logout", "session", 0).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, https, "", 0));
    Ok(resp)
}

async fn me(
    State(state): State<AppState>,
    caller: Option<Caller>,
) -> Result<Json<Value>, ApiError> {
    let Some(caller) = caller else {
        return Ok(Json(json!({ "user": null, "csrf": null })));
    };
    let name = caller.username.clone();
    let account = state
        .accounts(move |a| a.user(&name))
        .await?
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
    headers: HeaderMap,
    Json(body): Json<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    let id = caller.user_id;
    // This session stays open; every other one of the account ends.
    let keep = cookie(&headers, SESSION_COOKIE).map(str::to_owned);
    let ok = state
        .accounts(move |a| a.change_password(id, &body.current, &body.new, keep.as_deref()))
        .await?;
    if !ok {
        return Err(ApiError::forbidden("the current password is wrong"));
    }
    state.audit(&caller, "passwd", "own password", 0).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn tokens(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let id = caller.user_id;
    let list = state.accounts(move |a| a.tokens(Some(id))).await?;
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
    let (user, owned) = (caller.user_id, name.to_owned());
    let (id, token) = state
        .accounts(move |a| a.create_token(user, &owned))
        .await?;
    state
        .audit(&caller, "token_add", &format!("token {id} ({name})"), 0)
        .await?;
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
    if !state.accounts(move |a| a.revoke_token(id, owner)).await? {
        return Err(ApiError::NotFound(format!("no token {id} of yours")));
    }
    state
        .audit(&caller, "token_revoke", &format!("token {id}"), 0)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
