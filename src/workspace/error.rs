//! The Workspace face's error format: `{"error_code": ..., "error_msg": ...}` with the status
//! of the core error. The codes are stable; README.md lists them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::core::{Entity, Error};

pub struct WsError(pub Error);

impl From<Error> for WsError {
    fn from(e: Error) -> Self {
        WsError(e)
    }
}

pub fn code(e: &Error) -> &'static str {
    match e {
        Error::Invalid(_) | Error::Limit(_) => "WKS.0001",
        Error::InvalidName(_) => "WKS.0002",
        Error::InvalidPassword(_) => "WKS.0003",
        Error::Hierarchy(_) => "WKS.0004",
        Error::TooLarge(_) => "WKS.0005",
        Error::NotFound(Entity::User, _) => "WKS.0101",
        Error::NotFound(Entity::Group, _) => "WKS.0102",
        Error::NotFound(..) => "WKS.0103",
        Error::Duplicate(Entity::User, _) => "WKS.0201",
        Error::Duplicate(Entity::Group, _) => "WKS.0202",
        Error::Duplicate(..) | Error::Conflict(_) | Error::Unique(_) => "WKS.0203",
        Error::Forbidden(_) => "WKS.0301",
        // a denial by the caller's policies: the body also carries the sealed explanation
        Error::Denied { .. } => "WKS.0302",
        Error::Unauthenticated(_) => "APIGW.0301",
        Error::Internal(_) => "WKS.0500",
        Error::Unavailable(_) | Error::Contention(_) => "WKS.0503",
    }
}

fn body(status: StatusCode, code: &str, msg: String) -> Response {
    (
        status,
        Json(json!({ "error_code": code, "error_msg": msg })),
    )
        .into_response()
}

impl IntoResponse for WsError {
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
            Error::Denied { message, encoded } => (
                status,
                Json(json!({
                    "error_code": code(&e),
                    "error_msg": message,
                    "encoded_authorization_message": encoded,
                })),
            )
                .into_response(),
            _ => body(status, code(&e), e.to_string()),
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
        }
        resp
    }
}

pub fn not_found_route() -> Response {
    body(
        StatusCode::NOT_FOUND,
        "APIGW.0101",
        "the API does not exist".into(),
    )
}

pub fn method_not_allowed() -> Response {
    body(
        StatusCode::METHOD_NOT_ALLOWED,
        "WKS.0405",
        "the method is not allowed for this resource".into(),
    )
}
