//! Discovery: `/v3/auth/domains` (what the SDK calls when it is given only a region;
//! projects are in projects.rs), and Keystone's version document at `/v3` (what keystoneauth1 reads).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::error::KsError;
use super::{Base, Who};
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/v3/auth/domains", get(domains))
}

pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/v3", get(version))
        .route("/v3/", get(version))
}

type Res = Result<Response, KsError>;

/// The domains the caller may scope to: its own.
async fn domains(State(s): State<AppState>, who: Who, b: Base) -> Res {
    let d = s.dir.domain(&who.home_account_id).await?;
    Ok(Json(json!({
        "domains": [super::domains::view(&b.0, &d)],
        "links": { "self": format!("{}/v3/auth/domains", b.0), "previous": null, "next": null },
    }))
    .into_response())
}

/// The v3 version document, as Keystone describes its API version.
fn v3(base: &str) -> serde_json::Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{ "rel": "self", "href": format!("{base}/v3/") }],
        "media-types": [{
            "base": "application/json",
            "type": "application/vnd.openstack.identity-v3+json",
        }],
    })
}

async fn version(b: Base) -> Response {
    Json(json!({ "version": v3(&b.0) })).into_response()
}

/// Keystone's version list, as `GET /` answers it: 300 Multiple Choices with
/// `{"versions": {"values": [v3]}}`, so that clients given an `auth_url` without `/v3`
/// (keystoneauth1's discovery, the openstack CLI) find the v3 API. Served on `/` beside
/// Quick BI's RPC (`quickbi::handle` hands over a `GET /` that names no action).
pub fn version_list(base: &str) -> Response {
    (
        axum::http::StatusCode::MULTIPLE_CHOICES,
        Json(json!({ "versions": { "values": [v3(base)] } })),
    )
        .into_response()
}
