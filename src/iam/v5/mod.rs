//! IAM v5 and STS v5 on the IAM face: the v5 access keys of a user
//! (`/v5/users/{user_id}/access-keys...`, [`access_keys`]) and `GET /v5/caller-identity`
//! ([`caller`]), as `huaweicloudsdkiam` v5 and `huaweicloudsdksts` call them (AK/SK signed
//! with `GlobalCredentials` and `X-Domain-Id`, or with `X-Auth-Token`). Authentication is
//! the IAM face's (`iam::identify` gives the `Who`); errors are v5's body ([`error`]).

pub mod access_keys;
pub mod caller;
pub mod error;
pub mod policies;
pub mod security;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use serde_json::{json, Value};

use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;
use error::{invalid_marker, V5Error};

/// The v5 routes, merged into the IAM face's router (inside its authentication).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(access_keys::router())
        .merge(caller::router())
        .merge(policies::router())
        .merge(security::router())
        .route_layer(middleware::from_fn(with_request_id))
}

/// Most items on one page of a v5 list, and the page when none is asked (the API
/// reference's range).
pub const MAX_LIMIT: usize = 200;
pub const DEFAULT_LIMIT: usize = 100;

/// One page of `items` after `marker` (an item's key), at most `limit` long, with
/// `page_info`. Errors: a `limit` out of range, a `marker` that names no item.
pub fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    p: &Params,
) -> Result<(Vec<T>, Value), V5Error> {
    let limit = match p.get("limit").filter(|l| !l.is_empty()) {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                V5Error::from(Error::invalid(format!(
                    "limit must be an integer from 1 to {MAX_LIMIT}"
                )))
            })?,
    };
    let start = match p.get("marker") {
        None | Some("") => 0,
        Some(m) => {
            items
                .iter()
                .position(|i| key(i) == m)
                .ok_or_else(invalid_marker)?
                + 1
        }
    };
    let total = items.len();
    let shown: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = (start + shown.len() < total)
        .then(|| shown.last().map(&key))
        .flatten();
    let info = json!({"next_marker": next, "current_count": shown.len()});
    Ok((shown, info))
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
