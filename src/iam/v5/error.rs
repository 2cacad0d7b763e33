//! IAM v5's (and STS v5's) error body, as the v5 API reference documents it and
//! `huaweicloudsdkcore`'s exception handler reads it (`error_code` and `error_msg` at the
//! top level): `{"error_code": "...", "error_msg": "...", "request_id": "<X-Request-Id>"}`.
//!
//! Codes: the reference's `PAP5.0001` for a denial (403) and `PAP5.0010` for a bad `marker`;
//! the others are Roster's, in the same family (listed in README.md): 400 `PAP5.0007` bad
//! parameter, `PAP5.0003` a quota used up (a third access key), 401 `APIGW.0301` (the gateway's
//! code for bad credentials, as on the Workspace face), 404 `PAP5.0004`, 409 `PAP5.0033`, 413
//! `PAP5.0007`, 500 `PAP5.0500`, 503 `PAP5.0503`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::core::Error;

/// An error of a v5 route. Rendered by [`render`] with the request's id; as a response
/// (from a handler) it is carried in the response's extensions and rendered by
/// `v5::with_request_id`, which knows the id.
#[derive(Debug)]
pub struct V5Error {
    pub error: Error,
    /// A code other than the error kind's (`code`).
    pub code: Option<&'static str>,
}

impl From<Error> for V5Error {
    fn from(error: Error) -> Self {
        V5Error { error, code: None }
    }
}

/// An invalid `marker` of a list (the reference's code).
pub fn invalid_marker() -> V5Error {
    V5Error {
        error: Error::Invalid("invalid marker".into()),
        code: Some("PAP5.0010"),
    }
}

/// The code of a core error on v5.
pub fn code(e: &Error) -> &'static str {
    match e {
        Error::Invalid(_)
        | Error::InvalidName(_)
        | Error::InvalidPassword(_)
        | Error::Hierarchy(_)
        | Error::TooLarge(_) => "PAP5.0007",
        Error::Limit(_) => "PAP5.0003",
        Error::Unauthenticated(_) => "APIGW.0301",
        Error::Forbidden(_) | Error::Denied { .. } => "PAP5.0001",
        Error::NotFound(..) => "PAP5.0004",
        Error::Duplicate(..) | Error::Conflict(_) | Error::Unique(_) => "PAP5.0033",
        Error::Internal(_) => "PAP5.0500",
        Error::Unavailable(_) | Error::Contention(_) => "PAP5.0503",
    }
}

/// The v5 error response of `e` (with `code`, else its kind's) for the request `request_id`.
pub fn render(e: &Error, code_: Option<&str>, request_id: &str) -> Response {
    match e {
        Error::Internal(detail) => tracing::error!(%detail, "internal error"),
        Error::Unavailable(detail) | Error::Contention(detail) => {
            tracing::warn!(%detail, "database unavailable or contended")
        }
        _ => {}
    }
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = json!({
        "error_code": code_.unwrap_or(code(e)),
        "error_msg": e.to_string(),
        "request_id": request_id,
    });
    if let Error::Denied { encoded, .. } = e {
        body["encoded_authorization_message"] = json!(encoded);
    }
    let mut resp = (status, Json(body)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// Carried in a response's extensions until `v5::with_request_id` renders it.
#[derive(Clone)]
pub(super) struct Pending(pub std::sync::Arc<V5Error>);

impl IntoResponse for V5Error {
    fn into_response(self) -> Response {
        let mut resp = StatusCode::from_u16(self.error.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response();
        resp.extensions_mut()
            .insert(Pending(std::sync::Arc::new(self)));
        resp
    }
}
