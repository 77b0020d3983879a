//! The one place where errors become HTTP statuses.
//!
//! 4xx bodies say what to fix; 5xx bodies are generic and the detail goes to the log.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The path names no layer or tile that exists (e.g. `/tiles/roads.json`, z > 22).
    #[error("{0}")]
    NotFound(String),
    /// A query parameter is malformed (e.g. `res=11`, a bbox with 3 numbers).
    #[error("{0}")]
    BadRequest(String),
    /// No valid session cookie or API token: log in, or send `Authorization: Bearer`.
    #[error("{0}")]
    Unauthorized(String),
    /// Logged in, but the role or the state of the account does not allow this;
    /// `code` is a stable word the viewer acts on (`must_change_password`, `csrf`).
    #[error("{message}")]
    Forbidden {
        message: String,
        code: Option<&'static str>,
    },
    /// The name is taken (a user name).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts: try again after `retry_after` seconds.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// The account is locked after too many wrong passwords.
    #[error("{message}")]
    Locked { message: String, retry_after: u64 },
    /// The body is understood but its content is refused (an import's bad rows).
    #[error("{0}")]
    Unprocessable(serde_json::Value),
    /// The work took longer than the server allows and was undone (an import
    /// rolled back): nothing changed.
    #[error("{0}")]
    Timeout(String),
    /// The body is larger than the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// The store is busy with a write that takes a while (an import) and this
    /// request needs to write too (a visit, an audit row): try again after
    /// `retry_after` seconds. Nothing was changed or served.
    #[error("{message}")]
    Busy { message: String, retry_after: u64 },
    /// A bug or a failed background task; details are logged, not returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// 503: the store is taken by a long write; retry shortly.
    #[must_use]
    pub fn busy() -> Self {
        ApiError::Busy {
            message: "the store is busy with an import; nothing was changed or served, \
                      try again in a few seconds"
                .into(),
            retry_after: 5,
        }
    }

    /// 403 with a message and no code.
    #[must_use]
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            message: message.into(),
            code: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut retry = None;
        let (status, body) = match self {
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, json!({ "error": m })),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, json!({ "error": m })),
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, json!({ "error": m })),
            ApiError::Forbidden { message, code } => (
                StatusCode::FORBIDDEN,
                json!({ "error": message, "code": code }),
            ),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, json!({ "error": m })),
            ApiError::TooManyRequests {
                message,
                retry_after,
            } => {
                retry = Some(retry_after);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({ "error": message, "retry_after": retry_after }),
                )
            }
            ApiError::Locked {
                message,
                retry_after,
            } => {
                retry = Some(retry_after);
                (
                    StatusCode::LOCKED,
                    json!({ "error": message, "retry_after": retry_after }),
                )
            }
            ApiError::Busy {
                message,
                retry_after,
            } => {
                retry = Some(retry_after);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({ "error": message, "retry_after": retry_after }),
                )
            }
            ApiError::Unprocessable(v) => (StatusCode::UNPROCESSABLE_ENTITY, v),
            ApiError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, json!({ "error": m })),
            ApiError::Timeout(m) => (StatusCode::REQUEST_TIMEOUT, json!({ "error": m })),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "internal error; see the server log" }),
                )
            }
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(s) = retry.and_then(|s| HeaderValue::from_str(&s.max(1).to_string()).ok()) {
            resp.headers_mut().insert(header::RETRY_AFTER, s);
        }
        resp
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as E;
        match e {
            _ if e.is_busy() => ApiError::busy(),
            E::Database { .. } | E::Store(_) => ApiError::Internal(e.to_string()),
            E::UnknownUser(_) => ApiError::NotFound(e.to_string()),
            E::UserExists(_) => ApiError::Conflict(e.to_string()),
            E::BadUsername(_) | E::WeakPassword(_) | E::NoTeam | E::Refused(_) => {
                ApiError::BadRequest(e.to_string())
            }
        }
    }
}

/// An unknown team or village: 422 with the message in Bahasa Indonesia (`error`),
/// in English (`message`), a `code` and the closest known team (`suggestion`); a
/// team added twice: 409.
impl From<crate::teams::registry::ScopeError> for ApiError {
    fn from(e: crate::teams::registry::ScopeError) -> Self {
        if let crate::teams::registry::ScopeError::Exists(_) = e {
            return ApiError::Conflict(e.pesan());
        }
        ApiError::Unprocessable(json!({
            "error": e.pesan(),
            "message": e.to_string(),
            "code": e.code(),
            "suggestion": e.suggestion(),
        }))
    }
}

impl From<crate::ledger::CampaignError> for ApiError {
    /// 422: the campaign names something unknown or impossible; the message (in
    /// Bahasa) says which and, for a typo, the closest name.
    fn from(e: crate::ledger::CampaignError) -> Self {
        ApiError::Unprocessable(json!({"error": e.to_string()}))
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_busy() {
            ApiError::busy()
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<crate::teams::TeamsError> for ApiError {
    /// 422 for a bad row of a teams file (listed as a problem), 400 for a file that
    /// cannot be used or counts that cannot be met.
    fn from(e: crate::teams::TeamsError) -> Self {
        match e {
            crate::teams::TeamsError::Row {
                line,
                field,
                reason,
                ..
            } => ApiError::Unprocessable(serde_json::json!({
                "error": "the teams were not read",
                "problems": [{"line": line, "field": field, "reason": reason}],
            })),
            other => ApiError::BadRequest(other.to_string()),
        }
    }
}

impl From<crate::teams::share::ShareError> for ApiError {
    /// 400: nobody to share in the round, or counts that cannot be met.
    fn from(e: crate::teams::share::ShareError) -> Self {
        match e {
            crate::teams::share::ShareError::Teams(t) => t.into(),
            other @ crate::teams::share::ShareError::NoStuntedChild { .. } => {
                ApiError::BadRequest(other.to_string())
            }
        }
    }
}

impl From<crate::routes::day::DayError> for ApiError {
    /// 400 for hours or a start to give, 409 when the roads have none for the mode.
    fn from(e: crate::routes::day::DayError) -> Self {
        use crate::routes::day::DayError as E;
        match e {
            E::Hours(_) | E::NoBase => ApiError::BadRequest(e.to_string()),
            E::NoRoad => ApiError::Conflict(e.to_string()),
        }
    }
}

impl From<crate::field::ScopeError> for ApiError {
    /// 403 for a team, a child or a role the account may not plan or record for,
    /// 400 for a planner who named no team, 404 for a child the account cannot read.
    fn from(e: crate::field::ScopeError) -> Self {
        use crate::field::ScopeError as E;
        match e {
            E::NotYourTeam(_) | E::NotForThisRole | E::NoPlans | E::NoVisits | E::NotYourChild => {
                ApiError::forbidden(e.to_string())
            }
            E::NameTheTeam => ApiError::BadRequest(e.to_string()),
            E::NoSuchChild => ApiError::NotFound(e.to_string()),
        }
    }
}

impl From<crate::field::OptionError> for ApiError {
    /// 400: the message names the option and what to send.
    fn from(e: crate::field::OptionError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

impl From<crate::field::PlanError> for ApiError {
    /// 400 for a period or an option, 409 without roads; a day's own errors as
    /// [`crate::routes::day::DayError`]'s.
    fn from(e: crate::field::PlanError) -> Self {
        use crate::field::PlanError as E;
        match e {
            E::Period(e) => e.into(),
            E::NoRoads => ApiError::Conflict(e.to_string()),
            E::Option(e) => e.into(),
            E::Day(e) => e.into(),
        }
    }
}

impl From<crate::field::UnreadablePlan> for ApiError {
    /// 500: a stored plan that does not read back is the server's fault; logged.
    fn from(e: crate::field::UnreadablePlan) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<crate::snapshot::PeriodError> for ApiError {
    /// 400: the query named a period the snapshot has no children of, or no period.
    fn from(e: crate::snapshot::PeriodError) -> Self {
        ApiError::BadRequest(e.0)
    }
}

impl From<crate::tiles::cases::UnknownCaseLayer> for ApiError {
    /// 404: the path names no case layer.
    fn from(e: crate::tiles::cases::UnknownCaseLayer) -> Self {
        ApiError::NotFound(e.to_string())
    }
}

impl From<crate::tiles::glyphs::GlyphError> for ApiError {
    fn from(e: crate::tiles::glyphs::GlyphError) -> Self {
        use crate::tiles::glyphs::GlyphError as E;
        match e {
            E::Range(_) => ApiError::NotFound(e.to_string()),
            E::Font { .. } => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::visits::VisitError> for ApiError {
    /// 422 listing every problem of a visit record (`problems`: `field`, `reason`);
    /// 422 `implausible_measurement` with the failed checks (code, Bahasa and
    /// English), the new HAZ, the measurement it was compared with, what was expected
    /// and how to confirm; 409 for a visit id that belongs to another record.
    fn from(e: crate::visits::VisitError) -> Self {
        use crate::visits::{CONFIRM_REASON, VisitError as E};
        let error = e.to_string();
        match e {
            E::Problems(problems) => {
                ApiError::Unprocessable(json!({"error": error, "problems": problems}))
            }
            E::Implausible(m) => ApiError::Unprocessable(json!({
                "error": error,
                "code": "implausible_measurement",
                "checks": m.checks,
                "haz": m.haz,
                "previous": m.previous,
                "expected": m.expected,
                "height_cm": m.height_cm,
                "weight_kg": m.weight_kg,
                "confirm_with": {
                    "confirm": true,
                    "confirm_reason": format!(
                        "{}-{} karakter",
                        CONFIRM_REASON.start(),
                        CONFIRM_REASON.end()
                    ),
                },
                "problems": m
                    .checks
                    .iter()
                    .map(|c| json!({"field": "height_cm", "code": c.code, "reason": c.pesan}))
                    .collect::<Vec<_>>(),
            })),
            E::IdTaken => ApiError::Conflict(error),
        }
    }
}
