//! The Quick BI face's errors as the Alibaba SDK reads them: `{"RequestId", "Code", "Message",
//! "HostId", "Recommend"}` at HTTP 400 for the caller's mistakes (the SDK raises
//! ClientException with `.code`), 500/503 only for faults of ours (ServerException). A 200
//! with `Success:false` would raise nothing, so errors never use it. README.md lists the codes.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::auth::acs::Refused;
use crate::core::Error;

#[derive(Debug)]
pub struct QbError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Alibaba's `AccessDeniedDetail` of a denial by the caller's policies.
    pub denied: Option<serde_json::Value>,
}

impl QbError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        QbError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            denied: None,
        }
    }

    /// A required parameter is absent or empty.
    pub fn missing(name: &str) -> Self {
        QbError::new(
            "System.Param.Empty",
            format!("You must specify the {name} parameter."),
        )
    }

    /// A parameter is present but not of its type (not an integer, not a boolean).
    pub fn malformed(name: &str, why: &str) -> Self {
        QbError::new(
            "Invalid.Parameter.Error",
            format!("The parameter is invalid: {name} {why}."),
        )
    }

    pub fn render(self, request_id: &str) -> Response {
        let mut body = json!({
            "RequestId": request_id,
            "Code": self.code,
            "Message": self.message,
            "HostId": "roster",
            "Recommend": "",
        });
        if let Some(d) = self.denied {
            body["AccessDeniedDetail"] = d;
        }
        let mut resp = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert("x-acs-retry-after", HeaderValue::from_static("1000"));
            resp.headers_mut()
                .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

impl From<Refused> for QbError {
    fn from(r: Refused) -> Self {
        QbError::new(r.code, r.message)
    }
}

impl From<Error> for QbError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::Invalid(_)
            | Error::InvalidName(_)
            | Error::InvalidPassword(_)
            | Error::Hierarchy(_)
            | Error::Limit(_)
            | Error::TooLarge(_) => "Invalid.Parameter",
            Error::NotFound(..) => "Application.Object.NotExist",
            Error::Duplicate(..) | Error::Conflict(_) | Error::Unique(_) => "Object.Already.Exists",
            Error::Forbidden(_) => "Access.Forbidden",
            Error::Denied { message, encoded } => {
                return QbError {
                    status: StatusCode::FORBIDDEN,
                    code: "NoPermission",
                    message: message.clone(),
                    denied: Some(json!({ "EncodedDiagnosticMessage": encoded })),
                }
            }
            Error::Unauthenticated(_) => "IncompleteSignature",
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                return QbError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "Internal.System.Error",
                    message: "An internal system error occurred.".into(),
                    denied: None,
                };
            }
            Error::Unavailable(detail) | Error::Contention(detail) => {
                tracing::warn!(%detail, "database unavailable or contended");
                return QbError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: "ServiceUnavailable",
                    message: e.to_string(),
                    denied: None,
                };
            }
        };
        QbError::new(code, e.to_string())
    }
}
