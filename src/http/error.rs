//! The one place where errors become HTTP statuses.
//!
//! 4xx bodies say what to fix; 5xx bodies are generic and the detail goes to the log.

use axum::Json;
use axum::http::StatusCode;
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
    /// A bug or a failed background task; details are logged, not returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; see the server log".to_owned(),
                )
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}
