//! Keystone's error format: `{"error": {"code": 404, "message": "...", "title": "Not Found"}}`
//! with the status of the core error. The SDK reads `code` and `message` from the nested
//! object; keystoneauth1 and keystoneclient read `message` and the status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::core::Error;

pub struct KsError(pub Error);

impl From<Error> for KsError {
    fn from(e: Error) -> Self {
        KsError(e)
    }
}

/// Too many failed logins: 429 with `Retry-After` (the SDK's urllib3 honours it).
pub struct TooManyAttempts(pub i64);

fn title(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

pub fn body(status: StatusCode, msg: String) -> Response {
    (
        status,
        Json(json!({ "error": {
            "code": status.as_u16(),
            "message": msg,
            "title": title(status),
        }})),
    )
        .into_response()
}

impl IntoResponse for KsError {
    fn into_response(self) -> Response {
        let e = self.0;
        match &e {
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            Error::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            Error::Contention(detail) => {
                tracing::warn!(%detail, "transaction conflict after retries")
            }
            _ => {}
        }
        let status =
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match &e {
            // Keystone's body, and beside it the sealed explanation where the Huawei SDK
            // reads it (`encoded_authorization_message` at the top level)
            Error::Denied { message, encoded } => (
                status,
                Json(json!({
                    "error": {"code": 403, "message": message, "title": title(status)},
                    "encoded_authorization_message": encoded,
                })),
            )
                .into_response(),
            _ => body(status, e.to_string()),
        };
        if status == StatusCode::UNAUTHORIZED {
            // as Keystone does: tells clients which scheme to use
            resp.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Keystone uri=\"/v3\""),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
        }
        resp
    }
}

impl IntoResponse for TooManyAttempts {
    fn into_response(self) -> Response {
        let mut resp = body(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many failed logins; try again in {} seconds", self.0),
        );
        if let Ok(v) = http::HeaderValue::from_str(&self.0.to_string()) {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        resp
    }
}

pub fn not_found_route() -> Response {
    body(
        StatusCode::NOT_FOUND,
        "the resource could not be found".into(),
    )
}

pub fn method_not_allowed() -> Response {
    body(
        StatusCode::METHOD_NOT_ALLOWED,
        "the method is not allowed for this resource".into(),
    )
}
