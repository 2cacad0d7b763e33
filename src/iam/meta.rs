//! Discovery: `/v3/projects` and `/v3/auth/domains` (what the SDK calls when it is given
//! only a region), and Keystone's version document at `/v3` (what keystoneauth1 reads).

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::error::KsError;
use super::views::{self, Paging};
use super::{Base, Who};
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/projects", get(projects))
        .route("/v3/auth/projects", get(projects))
        .route("/v3/auth/domains", get(domains))
}

pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/v3", get(version))
        .route("/v3/", get(version))
}

type Res = Result<Response, KsError>;

/// The caller's account's projects; `name` filters by exact name. Another domain's
/// projects are never listed. `GET /v3/projects` needs `iam:projects:listProjects` (as the
/// cloud: an SDK that looks a project id up by region name needs it);
/// `GET /v3/auth/projects` is the caller's own list and needs nothing.
async fn projects(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    path: axum::extract::MatchedPath,
    RawQuery(q): RawQuery,
) -> Res {
    if path.as_str() == "/v3/projects" {
        who.allow(&s, "iam:projects:listProjects").await?;
    }
    let p = Params::parse(q.as_deref());
    let paging = Paging::from(&p)?;
    super::lists::refuse_inexact(
        &p,
        &["domain_id", "name", "parent_id", "enabled", "is_domain"],
        false,
    )?;
    let enabled = super::lists::enabled(&p)?;
    let is_domain = p.bool("is_domain")?;
    let other_domain =
        matches!(p.get("domain_id"), Some(d) if !d.is_empty() && d != who.account_id);
    let all = s.dir.projects_of(&who.account_id).await?;
    let name = p.text("name");
    let matching: Vec<_> = all
        .iter()
        .filter(|_| !other_domain)
        .filter(|pr| name.as_deref().is_none_or(|n| n == pr.name))
        .filter(|pr| {
            p.get("parent_id")
                .is_none_or(|x| x.is_empty() || x == pr.account_id)
        })
        // is_domain=true asks for domains acting as projects: there are none
        .filter(|_| is_domain != Some(true))
        .filter(|_| enabled != Some(false))
        .collect();
    let total = matching.len() as i64;
    let path = "/v3/projects";
    if !paging.asked {
        // the whole list, as Keystone: cut only by list_limit, and then said so (an account
        // has a handful of projects, read whole by projects_of)
        let limit = s.iam.settings.list_limit.unwrap_or(i64::MAX).min(total) as usize;
        let mut body = json!({
            "projects": matching[..limit].iter().map(|pr| views::project(&b.0, pr)).collect::<Vec<_>>(),
            "links": views::whole_links(&b.0, path, q.as_deref()),
        });
        if limit < matching.len() {
            body["truncated"] = json!(true);
        }
        return Ok(Json(body).into_response());
    }
    let start = ((paging.page - 1) * paging.per_page).min(total) as usize;
    let end = (start + paging.per_page as usize).min(matching.len());
    Ok(Json(json!({
        "projects": matching[start..end].iter().map(|pr| views::project(&b.0, pr)).collect::<Vec<_>>(),
        "links": paging.links(&b.0, path, q.as_deref(), total),
    }))
    .into_response())
}

/// The domains the caller may scope to: its own.
async fn domains(State(s): State<AppState>, who: Who, b: Base) -> Res {
    let a = s.dir.account(&who.account_id).await?;
    Ok(Json(json!({
        "domains": [views::domain(&b.0, &a)],
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
