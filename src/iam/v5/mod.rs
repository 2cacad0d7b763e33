//! IAM v5 and STS v5 on the IAM face: the v5 access keys of a user
//! (`/v5/users/{user_id}/access-keys...`, [`access_keys`]) and `GET /v5/caller-identity`
//! ([`caller`]), as `huaweicloudsdkiam` v5 and `huaweicloudsdksts` call them (AK/SK signed
//! with `GlobalCredentials` and `X-Domain-Id`, or with `X-Auth-Token`). Authentication is
//! the IAM face's (`iam::identify` gives the `Who`); errors are v5's body ([`error`]).

pub mod access_keys;
pub mod caller;
pub mod error;
pub mod policies;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use crate::http::AppState;

/// The v5 routes, merged into the IAM face's router (inside its authentication).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(access_keys::router())
        .merge(caller::router())
        .merge(policies::router())
        .route_layer(middleware::from_fn(with_request_id))
}

/// Whether `path` is a v5 route's (its errors are v5's body, also when authentication
/// refuses the request).
pub fn is_v5_path(path: &str) -> bool {
    path.starts_with("/v5/")
}

/// The request's id as `http::REQUEST_ID` set it (the outermost layer).
pub fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get(crate::http::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Renders a handler's [`error::V5Error`] with the request's id in the body.
async fn with_request_id(req: Request, next: Next) -> Response {
    let id = request_id(req.headers());
    let resp = next.run(req).await;
    match resp.extensions().get::<error::Pending>() {
        Some(p) => error::render(&p.0.error, p.0.code, &id),
        None => resp,
    }
}
