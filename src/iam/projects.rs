//! Projects on the IAM face, as the Keystone API reference and `huaweicloudsdkiam` have
//! them: `GET|POST /v3/projects`, `GET|PATCH|DELETE /v3/projects/{id}`, the tags
//! (`/v3/projects/{id}/tags[/{tag}]`), `GET /v3/users/{id}/projects`, `GET /v3/auth/projects`
//! (the caller's own), and Huawei's `/v3-ext/projects/{id}` (status `normal` / `suspended`
//! = enabled / disabled). A project made here is a Workspace tenant at once
//! (`/v2/{project_id}/...`).

use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::KsError;
use super::views::Paging;
use super::{json, Base, Who};
use crate::core::directory::ProjectInput;
use crate::core::model::Project;
use crate::core::{Entity, Error};
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/projects", get(list).post(create))
        .route("/v3/auth/projects", get(list))
        .route(
            "/v3/projects/{project_id}",
            get(show).patch(update).delete(delete),
        )
        .route(
            "/v3/projects/{project_id}/tags",
            get(tags).put(replace_tags).delete(clear_tags),
        )
        .route(
            "/v3/projects/{project_id}/tags/{tag}",
            get(has_tag).head(has_tag).put(add_tag).delete(remove_tag),
        )
        .route("/v3/users/{user_id}/projects", get(of_user))
        .route(
            "/v3-ext/projects/{project_id}",
            get(show_ext).put(update_ext),
        )
}

type Res = Result<Response, KsError>;

/// A project as Keystone shows it (`parent_id` is the domain's id for a top project).
pub fn view(base: &str, p: &Project) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "domain_id": p.account_id,
        "parent_id": p.parent_id.as_ref().map_or(p.account_id.as_str(), |x| x.as_str()),
        "is_domain": false,
        "enabled": p.enabled,
        "description": p.description,
        "tags": p.tags,
        "options": {},
        "links": { "self": format!("{base}/v3/projects/{}", p.id), "previous": null, "next": null },
    })
}

/// The caller's account's project `id`; another account's is as unknown as none.
async fn own(s: &AppState, who: &Who, id: &str) -> Result<Project, Error> {
    match s.dir.project(id).await {
        Ok(p) if p.account_id.as_str() == who.account_id => Ok(p),
        Ok(_) => Err(Error::NotFound(Entity::Project, id.to_string())),
        Err(e) => Err(e),
    }
}

/// Keystone's project list filters: `domain_id`, `name`, `parent_id`, `enabled`,
/// `is_domain`, `tags` (all of), `tags-any`, `not-tags`, `not-tags-any` (comma lists).
fn matches(p: &Params, who: &Who, pr: &Project) -> Result<bool, Error> {
    let list = |k: &str| -> Option<Vec<String>> {
        p.get(k).map(|v| v.split(',').map(str::to_string).collect())
    };
    let has = |t: &String| pr.tags.contains(t);
    let ok = p
        .get("domain_id")
        .is_none_or(|d| d.is_empty() || d == who.account_id)
        && p.text("name").is_none_or(|n| n == pr.name)
        && p.get("parent_id").is_none_or(|x| {
            x.is_empty() || x == pr.parent_id.as_ref().map_or(pr.account_id.as_str(), |y| y.as_str())
        })
        && super::lists::enabled(p)?.is_none_or(|e| e == pr.enabled)
        // is_domain=true asks for domains acting as projects: there are none
        && p.bool("is_domain")? != Some(true)
        && list("tags").is_none_or(|ts| ts.iter().all(has))
        && list("tags-any").is_none_or(|ts| ts.iter().any(has))
        && list("not-tags").is_none_or(|ts| !ts.iter().all(has))
        && list("not-tags-any").is_none_or(|ts| !ts.iter().any(has));
    Ok(ok)
}

/// `GET /v3/projects` needs `iam:projects:listProjects` (as the cloud: an SDK that looks a
/// project id up by region name needs it); `GET /v3/auth/projects` is the caller's own
/// list and needs nothing. A whole list unless `page`/`per_page` are given (an account has
/// at most `MAX_PROJECTS`).
async fn list(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    path: MatchedPath,
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
    let mut all = Vec::new();
    // `/v3/auth/projects` is the caller's own; `/v3/projects` of the operator is every
    // domain's unless it names one
    let accounts = if path.as_str() == "/v3/projects" {
        super::lists::accounts_listed(&s, &who, &p).await?
    } else {
        vec![who.account_id.clone()]
    };
    for a in &accounts {
        all.extend(s.dir.projects_of(a).await?);
    }
    let mut matching = Vec::new();
    for pr in &all {
        if matches(&p, &who, pr)? {
            matching.push(pr);
        }
    }
    Ok(Json(page_of(
        &s,
        &b,
        path.as_str(),
        q.as_deref(),
        &paging,
        &matching,
    ))
    .into_response())
}

fn page_of(
    s: &AppState,
    b: &Base,
    path: &str,
    q: Option<&str>,
    paging: &Paging,
    matching: &[&Project],
) -> Value {
    let total = matching.len() as i64;
    if !paging.asked {
        // the whole list, as Keystone: cut only by list_limit, and then said so
        let limit = s.iam.settings.list_limit.unwrap_or(i64::MAX).min(total) as usize;
        let mut body = json!({
            "projects": matching[..limit].iter().map(|pr| view(&b.0, pr)).collect::<Vec<_>>(),
            "links": super::views::whole_links(&b.0, path, q),
        });
        if limit < matching.len() {
            body["truncated"] = json!(true);
        }
        return body;
    }
    let start = ((paging.page - 1) * paging.per_page).min(total) as usize;
    let end = (start + paging.per_page as usize).min(matching.len());
    json!({
        "projects": matching[start..end].iter().map(|pr| view(&b.0, pr)).collect::<Vec<_>>(),
        "links": paging.links(&b.0, path, q, total),
    })
}

#[derive(Deserialize)]
struct ProjectBody {
    project: ProjectFields,
}

/// Keystone's project fields; `is_domain` true (a domain acting as a project) is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFields {
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    domain_id: Option<String>,
    #[serde(default, deserialize_with = "some")]
    parent_id: Option<Option<String>>,
    is_domain: Option<bool>,
    tags: Option<Vec<String>>,
    #[allow(dead_code)]
    options: Option<serde_json::Map<String, Value>>,
}

/// A field given as `null` is `Some(None)`, absent is `None`.
pub(super) fn some<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

impl ProjectFields {
    fn input(self, who: &Who) -> Result<ProjectInput, Error> {
        who.own_domain(self.domain_id.as_deref())?;
        if self.is_domain == Some(true) {
            return Err(Error::invalid(
                "is_domain: a domain is made through /v3/domains, not as a project",
            ));
        }
        Ok(ProjectInput {
            name: self.name,
            description: self.description,
            enabled: self.enabled,
            parent_id: self.parent_id,
            tags: self.tags,
        })
    }
}

async fn create(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.allow(&s, "iam:projects:createProject").await?;
    let r: ProjectBody = json(&body)?;
    let input = r.project.input(&who)?;
    let p = s.dir.create_project(&who.account_id, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "project": view(&b.0, &p) })),
    )
        .into_response())
}

/// A user reads a project it holds a role on, else it needs `iam:projects:getProject`.
async fn show(State(s): State<AppState>, who: Who, b: Base, Path(id): Path<String>) -> Res {
    let p = own(&s, &who, &id).await?;
    // an operator reading another domain's project is no user there
    let mine = if who.account_id == who.home_account_id {
        s.dir
            .projects_of_user(&who.account_id, &who.user_id)
            .await?
    } else {
        Vec::new()
    };
    if !mine.iter().any(|x| x.id == p.id) {
        who.allow(&s, "iam:projects:getProject").await?;
    }
    Ok(Json(json!({ "project": view(&b.0, &p) })).into_response())
}

async fn update(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:projects:updateProject").await?;
    let r: ProjectBody = json(&body)?;
    if r.project
        .domain_id
        .as_deref()
        .is_some_and(|d| d != who.account_id)
    {
        return Err(Error::invalid("a project's domain_id cannot change").into());
    }
    let input = r.project.input(&who)?;
    own(&s, &who, &id).await?;
    let p = s.dir.update_project(&who.account_id, &id, input).await?;
    Ok(Json(json!({ "project": view(&b.0, &p) })).into_response())
}

async fn delete(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:projects:deleteProject").await?;
    own(&s, &who, &id).await?;
    s.dir.delete_project(&who.account_id, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn tags(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:projects:getProject").await?;
    let p = own(&s, &who, &id).await?;
    Ok(Json(json!({ "tags": p.tags })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsBody {
    tags: Vec<String>,
}

async fn set_tags(s: &AppState, who: &Who, id: &str, tags: Vec<String>) -> Result<Project, Error> {
    who.allow(s, "iam:projects:updateProject").await?;
    own(s, who, id).await?;
    s.dir
        .update_project(
            &who.account_id,
            id,
            ProjectInput {
                tags: Some(tags),
                ..ProjectInput::default()
            },
        )
        .await
}

async fn replace_tags(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    let t: TagsBody = json(&body)?;
    let p = set_tags(&s, &who, &id, t.tags).await?;
    Ok(Json(json!({ "tags": p.tags })).into_response())
}

async fn clear_tags(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    set_tags(&s, &who, &id, vec![]).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn has_tag(
    State(s): State<AppState>,
    who: Who,
    Path((id, tag)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:projects:getProject").await?;
    let p = own(&s, &who, &id).await?;
    if p.tags.contains(&tag) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Error::NotFound(Entity::Project, format!("tag {tag} of project {id}")).into())
    }
}

async fn add_tag(
    State(s): State<AppState>,
    who: Who,
    Path((id, tag)): Path<(String, String)>,
) -> Res {
    crate::core::directory::check_tag(&tag)?;
    let mut tags = own(&s, &who, &id).await?.tags;
    if !tags.contains(&tag) {
        tags.push(tag);
    }
    set_tags(&s, &who, &id, tags).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn remove_tag(
    State(s): State<AppState>,
    who: Who,
    Path((id, tag)): Path<(String, String)>,
) -> Res {
    let mut tags = own(&s, &who, &id).await?.tags;
    if !tags.contains(&tag) {
        return Err(Error::NotFound(Entity::Project, format!("tag {tag} of project {id}")).into());
    }
    tags.retain(|t| *t != tag);
    set_tags(&s, &who, &id, tags).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The projects the user holds a role on; the user itself needs no permission.
async fn of_user(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow_or_self(&s, "iam:projects:listProjectsForUser", &user_id)
        .await?;
    let p = Params::parse(q.as_deref());
    let paging = Paging::from(&p)?;
    let all = s.dir.projects_of_user(&who.account_id, &user_id).await?;
    let mut matching = Vec::new();
    for pr in &all {
        if matches(&p, &who, pr)? {
            matching.push(pr);
        }
    }
    let path = format!("/v3/users/{user_id}/projects");
    Ok(Json(page_of(&s, &b, &path, q.as_deref(), &paging, &matching)).into_response())
}

/// Huawei's `ShowProjectDetailsAndStatus`: the project with `status`.
async fn show_ext(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:projects:getProject").await?;
    let p = own(&s, &who, &id).await?;
    Ok(Json(json!({ "project": {
        "id": p.id,
        "name": p.name,
        "domain_id": p.account_id,
        "parent_id": p.parent_id.as_ref().map_or(p.account_id.as_str(), |x| x.as_str()),
        "is_domain": false,
        "description": p.description,
        "enabled": p.enabled,
        "status": if p.enabled { "normal" } else { "suspended" },
    }}))
    .into_response())
}

#[derive(Deserialize)]
struct StatusBody {
    project: StatusField,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusField {
    status: String,
}

/// Huawei's `UpdateProjectStatus`: `normal` enables, `suspended` disables (204).
async fn update_ext(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:projects:updateProject").await?;
    let r: StatusBody = json(&body)?;
    let enabled = match r.project.status.as_str() {
        "normal" => true,
        "suspended" => false,
        _ => {
            return Err(
                crate::core::validate::not_one_of("status", &["normal", "suspended"]).into(),
            )
        }
    };
    own(&s, &who, &id).await?;
    s.dir
        .update_project(
            &who.account_id,
            &id,
            ProjectInput {
                enabled: Some(enabled),
                ..ProjectInput::default()
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
