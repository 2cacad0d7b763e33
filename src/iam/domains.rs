//! Keystone's domains (= Roster accounts) and the operator's reach over them, as the
//! Keystone API reference has them: `GET|POST /v3/domains`, `GET|PATCH|DELETE
//! /v3/domains/{id}`, and the system role assignments `GET /v3/system/users/{id}/roles`,
//! `GET|HEAD|PUT|DELETE /v3/system/users/{id}/roles/{role_id}`.
//!
//! The operator (a user holding the system role `admin`: `core::directory::domains`)
//! lists, creates, updates, disables and deletes every domain; anyone else sees only its
//! own (Keystone's `token.domain.id:%(target.domain.id)s` rules). [`target`] aims an
//! operator's request at the account it addresses, so that every other route of the face
//! serves the operator in any account with its usual account-scoped checks.

use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::KsError;
use super::views::{self, Paging};
use super::{json, lists, Base, Who};
use crate::core::directory::DomainPatch;
use crate::core::keystone::DomainRow;
use crate::core::{Entity, Error};
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/domains", get(list).post(create))
        .route(
            "/v3/domains/{domain_id}",
            get(show).patch(update).delete(delete),
        )
        .route("/v3/system/users/{user_id}/roles", get(system_roles))
        .route(
            "/v3/system/users/{user_id}/roles/{role_id}",
            get(check_system_role)
                .head(check_system_role)
                .put(grant_system_role)
                .delete(revoke_system_role),
        )
}

type Res = Result<Response, KsError>;

/// A domain as Keystone shows it.
pub fn view(base: &str, d: &DomainRow) -> Value {
    json!({
        "id": d.id,
        "name": d.name,
        "description": d.description,
        "enabled": d.enabled,
        "tags": [],
        "options": {},
        "links": { "self": format!("{base}/v3/domains/{}", d.id) },
    })
}

fn operator_only(who: &Who) -> Result<(), Error> {
    if who.operator {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "you are not authorized to perform the requested action: it needs the operator (system scope)".into(),
        ))
    }
}

/// `GET /v3/domains` with Keystone's filters `name` and `enabled`: every domain for the
/// operator, the caller's own for anyone else (`iam:domains:listDomains`).
async fn list(State(s): State<AppState>, who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    who.allow(&s, "iam:domains:listDomains").await?;
    let p = Params::parse(q.as_deref());
    let paging = Paging::from(&p)?;
    lists::refuse_inexact(&p, &["name", "enabled"], false)?;
    let enabled = lists::enabled(&p)?;
    let name = p.text("name");
    let all = if who.operator {
        s.dir.domains().await?
    } else {
        vec![s.dir.domain(&who.home_account_id).await?]
    };
    let matching: Vec<&DomainRow> = all
        .iter()
        .filter(|d| name.as_ref().is_none_or(|n| *n == d.name))
        .filter(|d| enabled.is_none_or(|e| e == d.enabled))
        .collect();
    let total = matching.len() as i64;
    let body = if paging.asked {
        let start = ((paging.page - 1) * paging.per_page).min(total) as usize;
        let end = (start + paging.per_page as usize).min(matching.len());
        json!({
            "domains": matching[start..end].iter().map(|d| view(&b.0, d)).collect::<Vec<_>>(),
            "links": paging.links(&b.0, "/v3/domains", q.as_deref(), total),
        })
    } else {
        let limit = s.iam.settings.list_limit.unwrap_or(i64::MAX).min(total) as usize;
        let mut body = json!({
            "domains": matching[..limit].iter().map(|d| view(&b.0, d)).collect::<Vec<_>>(),
            "links": views::whole_links(&b.0, "/v3/domains", q.as_deref()),
        });
        if limit < matching.len() {
            body["truncated"] = json!(true);
        }
        body
    };
    Ok(Json(body).into_response())
}

/// `GET /v3/domains/{id}`: any user reads its own domain (Keystone's rule); the operator
/// reads every domain; another domain is as unknown as none (404).
async fn show(State(s): State<AppState>, who: Who, b: Base, Path(id): Path<String>) -> Res {
    if !who.operator && id != who.home_account_id {
        return Err(Error::NotFound(Entity::Account, id).into());
    }
    let d = s.dir.domain(&id).await?;
    Ok(Json(json!({ "domain": view(&b.0, &d) })).into_response())
}

#[derive(Deserialize)]
struct DomainBody {
    domain: DomainFields,
}

/// Keystone's domain fields; `tags` and `options` are accepted empty only (Roster keeps
/// neither for a domain), an explicit `id` is refused (Keystone lets only its own
/// bootstrap choose one).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainFields {
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    tags: Option<Vec<String>>,
    options: Option<serde_json::Map<String, Value>>,
    id: Option<String>,
}

impl DomainFields {
    fn check(&self) -> Result<(), Error> {
        if self.tags.as_ref().is_some_and(|t| !t.is_empty()) {
            return Err(Error::invalid("tags: a domain keeps no tags here"));
        }
        if self.options.as_ref().is_some_and(|o| !o.is_empty()) {
            return Err(Error::invalid("options: a domain keeps no options here"));
        }
        Ok(())
    }
}

/// `POST /v3/domains` (the operator): an account as `roster account create` makes it, with
/// its first project `default` and a root user whose password nobody is told (the
/// operator administers it, or gives its users passwords).
async fn create(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.allow(&s, "iam:domains:createDomain").await?;
    operator_only(&who)?;
    let r: DomainBody = json(&body)?;
    r.domain.check()?;
    if r.domain.id.is_some() {
        return Err(Error::invalid("id: a domain's id is made by the server").into());
    }
    let name = r
        .domain
        .name
        .ok_or_else(|| Error::invalid("name is required"))?;
    let creds = s
        .dir
        .create_account_with(
            &name,
            "default",
            r.domain.description.as_deref().unwrap_or(""),
            r.domain.enabled.unwrap_or(true),
        )
        .await?;
    let d = s.dir.domain(&creds.domain_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "domain": view(&b.0, &d) })),
    )
        .into_response())
}

/// `PATCH /v3/domains/{id}` (the operator): name, description, enabled. Disabling refuses
/// the domain's users their tokens, issued and to come.
async fn update(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:domains:updateDomain").await?;
    operator_only(&who)?;
    let r: DomainBody = json(&body)?;
    r.domain.check()?;
    if r.domain.id.as_deref().is_some_and(|x| x != id) {
        return Err(Error::invalid("id: a domain's id cannot change").into());
    }
    let d = s
        .dir
        .update_domain(
            &id,
            DomainPatch {
                name: r.domain.name,
                description: r.domain.description,
                enabled: r.domain.enabled,
            },
        )
        .await?;
    // this node sees the change at once; the others within state::USER_TTL
    s.iam.forget_users();
    Ok(Json(json!({ "domain": view(&b.0, &d) })).into_response())
}

/// `DELETE /v3/domains/{id}` (the operator): only a disabled domain (Keystone: 403
/// otherwise), with everything in it.
async fn delete(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:domains:deleteDomain").await?;
    operator_only(&who)?;
    s.dir.delete_domain(&id).await?;
    s.iam.forget_users();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The account of the user `user_id` (any account: these routes are the operator's).
async fn account_of(s: &AppState, user_id: &str) -> Result<String, Error> {
    s.dir
        .account_of_user(user_id)
        .await?
        .ok_or_else(|| Error::NotFound(Entity::User, user_id.to_string()))
}

/// `GET /v3/system/users/{id}/roles` (the operator, or a user reading its own).
async fn system_roles(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(user_id): Path<String>,
) -> Res {
    who.allow(&s, "iam:permissions:listSystemRolesForUser")
        .await?;
    if user_id != who.user_id {
        operator_only(&who)?;
    }
    let account = account_of(&s, &user_id).await?;
    let held = s.dir.system_roles_of(&user_id).await?;
    let mut roles: Vec<Value> = Vec::new();
    for id in &held {
        match s.dir.role(&account, id).await {
            Ok(r) => roles.push(super::roles::view(&b.0, &r)),
            // a role deleted meanwhile
            Err(Error::NotFound(..)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(json!({
        "roles": roles,
        "links": views::whole_links(&b.0, &format!("/v3/system/users/{user_id}/roles"), None),
    }))
    .into_response())
}

/// `GET|HEAD /v3/system/users/{id}/roles/{role_id}`: 204 when held, else 404.
async fn check_system_role(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, role_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:permissions:checkSystemRoleForUser")
        .await?;
    if user_id != who.user_id {
        operator_only(&who)?;
    }
    account_of(&s, &user_id).await?;
    let held = s.dir.system_roles_of(&user_id).await?;
    if held.contains(&role_id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Error::NotFound(Entity::Grant, format!("{user_id}/{role_id}")).into())
    }
}

/// `PUT /v3/system/users/{id}/roles/{role_id}` (the operator): makes another operator when
/// the role is `admin`.
async fn grant_system_role(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, role_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:permissions:grantSystemRoleToUser")
        .await?;
    operator_only(&who)?;
    let account = account_of(&s, &user_id).await?;
    s.dir
        .grant_system_role(&account, &user_id, &role_id)
        .await?;
    s.iam.forget_user(&account, &user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /v3/system/users/{id}/roles/{role_id}` (the operator).
async fn revoke_system_role(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, role_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:permissions:revokeSystemRoleFromUser")
        .await?;
    operator_only(&who)?;
    let account = account_of(&s, &user_id).await?;
    s.dir.revoke_system_role(&user_id, &role_id).await?;
    s.iam.forget_user(&account, &user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Where an operator's request goes (see [`target`]).
pub enum Target {
    /// Its own account (nothing in the request names another).
    Own,
    /// The account the request addresses.
    Account(String),
    /// The answer, at once: an empty list filtered by an unknown `domain_id`.
    Answer(Response),
}

/// The lists whose `domain_id` filter may name an unknown domain and then match nothing
/// (Keystone filters by the column: an empty list, not a 404), by their body key.
const FILTERED_LISTS: [&str; 4] = ["users", "groups", "projects", "roles"];

/// The account an operator's request addresses, in this order: the owner of the entity its
/// path names (`/v3/{domains,projects,users,groups,roles}/{id}/...`, `/v3/OS-INHERIT/domains/
/// {id}/...`, `/v3-ext/projects/{id}`, `/v5/users/{id}/...`), else the query's
/// `domain_id` (or a role assignment list's `scope.domain.id`, `scope.project.id`,
/// `user.id`, `group.id`), else the `domain_id` of a create or update body (`{"user":
/// {"domain_id": ...}}`), or the account of its `user_id` (`{"credential": {"user_id":
/// ...}}`). An unknown
/// domain named in a path or a body is a 404 (Keystone: "could not find domain"); an
/// unknown entity id leaves the request in the operator's account, whose handler answers
/// the 404. `/v3/domains` and `/v3/domains/{id}` themselves and `/v3/auth/...` are not
/// aimed: their handlers know the operator.
pub async fn target(
    s: &AppState,
    method: &Method,
    uri: &http::Uri,
    base: &str,
    body: &Bytes,
) -> Result<Target, Error> {
    let path = uri.path();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let rest: &[&str] = match segs.as_slice() {
        ["v3", "OS-INHERIT", rest @ ..] => rest,
        ["v3" | "v3-ext" | "v3.0" | "v5", rest @ ..] => rest,
        _ => return Ok(Target::Own),
    };
    let p = Params::parse(uri.query());
    let owner = match rest {
        ["domains", d, _, ..] => {
            s.dir.domain(d).await?;
            Some(d.to_string())
        }
        ["projects", p, ..] => project_owner(s, p).await?,
        ["users", u, ..] => s.dir.account_of_user(u).await?,
        ["groups", g, ..] => group_owner(s, g, &p).await?,
        // a domain's own role (`/v3/roles/{id}`, `/v3/roles/{id}/implies/...`)
        ["roles", r, ..] => s.dir.domain_of_role(r).await?,
        ["auth" | "domains" | "system", ..] => return Ok(Target::Own),
        _ => None,
    };
    if let Some(a) = owner {
        return Ok(Target::Account(a));
    }
    if let Some(d) = p.text("domain_id").filter(|d| !d.is_empty()) {
        return match s.dir.domain(&d).await {
            Ok(_) => Ok(Target::Account(d)),
            Err(Error::NotFound(..)) if method == Method::GET => match rest {
                [coll] if FILTERED_LISTS.contains(coll) => Ok(Target::Answer(
                    Json(json!({
                        *coll: [],
                        "links": views::whole_links(base, path, uri.query()),
                    }))
                    .into_response(),
                )),
                _ => Err(Error::NotFound(Entity::Account, d)),
            },
            Err(e) => Err(e),
        };
    }
    if rest == ["role_assignments"] {
        if let Some(d) = p.text("scope.domain.id") {
            return Ok(Target::Account(d));
        }
        let by_id = if let Some(x) = p.text("scope.project.id") {
            project_owner(s, &x).await?
        } else if let Some(u) = p.text("user.id") {
            s.dir.account_of_user(&u).await?
        } else if let Some(g) = p.text("group.id") {
            group_owner(s, &g, &p).await?
        } else {
            None
        };
        return Ok(by_id.map_or(Target::Own, Target::Account));
    }
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) && !body.is_empty() {
        let v: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            // the handler answers a malformed body
            Err(_) => return Ok(Target::Own),
        };
        // Keystone's bodies are one object under the resource's name
        let inner = v
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.values().next());
        let field = |k: &str| {
            inner
                .and_then(|i| i.get(k))
                .and_then(Value::as_str)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
        };
        if let Some(d) = field("domain_id") {
            s.dir.domain(&d).await?;
            return Ok(Target::Account(d));
        }
        // a key made for a user (`{"credential": {"user_id": ...}}`) goes to its account
        if let Some(u) = field("user_id") {
            if let Some(a) = s.dir.account_of_user(&u).await? {
                return Ok(Target::Account(a));
            }
        }
    }
    Ok(Target::Own)
}

/// The account of project `id` (cached: a project never changes account).
async fn project_owner(s: &AppState, id: &str) -> Result<Option<String>, Error> {
    if let Some(a) = s.caches.project_account(id) {
        return Ok(Some(a));
    }
    match s.dir.project(id).await {
        Ok(p) => {
            s.caches.put_project(&p.id, &p.account_id);
            Ok(Some(p.account_id.into_string()))
        }
        Err(Error::NotFound(..)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The account of group `id`; a chosen id held by several accounts needs the query's
/// `domain_id` to say which (409 without it: acting on a guess would touch another
/// domain's group).
async fn group_owner(s: &AppState, id: &str, p: &Params) -> Result<Option<String>, Error> {
    let mut found = s.dir.accounts_of_group(id).await?;
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => match p.text("domain_id") {
            Some(d) if found.contains(&d) => Ok(Some(d)),
            _ => Err(Error::Conflict(format!(
                "group {id} is in several domains: name the domain with ?domain_id="
            ))),
        },
    }
}
