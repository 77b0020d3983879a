//! `Caller` as an axum extractor, and [`require_login`], the layer in front of every
//! staff route.
//!
//! A request proves who it is with the `sigap_session` cookie (browsers) or an
//! `Authorization: Bearer sgp_...` header (scripts). No credential, or a bad one, is
//! 401. A session whose one-time password has not been changed may only read
//! `/api/me`, change the password and log out (403 `must_change_password`). A
//! cookie-authenticated request that changes state must carry the session's CSRF
//! token in `X-CSRF-Token` (403 `csrf`); the cookie is also `SameSite=Strict`.

use crate::auth::{Caller, Credential, secret};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sigap_session";
/// The header carrying the CSRF token of a cookie session.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// What a session that must change its password may still call.
const WHILE_MUST_CHANGE: [&str; 3] = ["/api/me", "/api/account/password", "/api/logout"];

/// The client's address, when the server runs on a socket (not in-process tests):
/// the socket peer, or behind a trusted proxy the address it forwarded in
/// `X-Forwarded-For` or, without that header, `Forwarded`
/// ([`crate::proxy::client_address`]).
#[must_use]
pub fn client_ip(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let trusted = &state.0.config.server.trusted_proxies;
    let values = |name| headers.get_all(name).iter().filter_map(|v| v.to_str().ok());
    // X-Forwarded-For (nginx, most proxies); else the standard Forwarded header.
    if headers.contains_key("x-forwarded-for") || !headers.contains_key(header::FORWARDED) {
        return Some(crate::proxy::client_address(
            peer,
            values("x-forwarded-for"),
            trusted,
        ));
    }
    let nodes = crate::proxy::forwarded_nodes(values(header::FORWARDED.as_str()));
    Some(crate::proxy::client_address(
        peer,
        nodes.iter().map(String::as_str),
        trusted,
    ))
}

/// Whether the browser reached sigap over HTTPS: `[server] public_url` says so, or
/// a trusted proxy does (`X-Forwarded-Proto`).
#[must_use]
pub fn over_https(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> bool {
    let server = &state.0.config.server;
    if let Some(url) = &server.public_url {
        return url.starts_with("https://");
    }
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok());
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| crate::proxy::forwarded_https(c.0.ip(), proto, &server.trusted_proxies))
}

/// The value of cookie `name`.
#[must_use]
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn unauthorized() -> ApiError {
    ApiError::Unauthorized(
        "login required: sign in, or send Authorization: Bearer <API token>".into(),
    )
}

/// The account behind the request's credential; `Ok(None)` when it carries none.
/// A credential verified lately answers from memory on this thread
/// ([`crate::auth::Accounts::cached`]); otherwise the lookup runs on a blocking
/// thread, as it may touch the database.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    let presented = if let Some(token) = bearer(&parts.headers) {
        Some((false, token))
    } else {
        cookie(&parts.headers, SESSION_COOKIE).map(|s| (true, s))
    };
    let Some((is_session, presented)) = presented else {
        return Ok(None);
    };
    let found = if let Some(hit) = state.0.accounts.cached(is_session, presented) {
        hit
    } else {
        let presented = presented.to_owned();
        state
            .look_up(move |a| {
                if is_session {
                    a.session(&presented)
                } else {
                    a.token(&presented)
                }
            })
            .await?
            .ok_or_else(unauthorized)?
    };
    let (account, credential) = found;
    // The one-time password is what must change: a session opened with it is held
    // to changing it; an API token (made by an admin at the console) is not.
    let session = matches!(credential, Credential::Session { .. });
    if session && account.must_change && !WHILE_MUST_CHANGE.contains(&parts.uri.path()) {
        return Err(ApiError::Forbidden {
            message: "change the one-time password first (POST /api/account/password)".into(),
            code: Some("must_change_password"),
        });
    }
    if let Credential::Session { csrf } = &credential
        && !parts.method.is_safe()
    {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !secret::equal(sent, csrf) {
            return Err(ApiError::Forbidden {
                message: "missing or wrong X-CSRF-Token header (from /api/me)".into(),
                code: Some("csrf"),
            });
        }
    }
    let mut caller = account.caller(credential);
    caller.address = client_ip(state, &parts.extensions, &parts.headers);
    Ok(Some(caller))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let caller = authenticate(parts, state).await?.ok_or_else(unauthorized)?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

impl OptionalFromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(Some(c.clone()));
        }
        let caller = authenticate(parts, state).await?;
        if let Some(c) = &caller {
            parts.extensions.insert(c.clone());
        }
        Ok(caller)
    }
}

/// Lets the request through only with a valid credential (any role); the handler
/// finds the `Caller` in the request's extensions.
pub async fn require_login(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    <Caller as FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await?;
    Ok(next.run(Request::from_parts(parts, body)).await)
}
