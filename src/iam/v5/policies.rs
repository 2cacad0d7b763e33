//! IAM v5 identity policies, as `huaweicloudsdkiam.v5` calls them:
//!
//! - `POST|GET /v5/policies`, `GET|PUT|DELETE /v5/policies/{policy_id}`;
//! - `POST|GET /v5/policies/{policy_id}/versions`, `GET|DELETE .../versions/{version_id}`,
//!   `POST .../versions/{version_id}/set-default`;
//! - `POST /v5/policies/{policy_id}/attach-user|detach-user|attach-group|detach-group`,
//!   `GET /v5/policies/{policy_id}/attached-entities`,
//!   `GET /v5/users/{user_id}/attached-policies`, `GET /v5/groups/{group_id}/attached-policies`;
//! - `POST /v5/decode-authorization-message` (STS): opens the encoded message of a denial
//!   of the caller's account.
//!
//! Shapes are the SDK models' (`Policy`, `PolicyVersion`, `AttachedPolicy`, `PageInfo`):
//! times ISO 8601 UTC with milliseconds, documents as JSON text, `urn`
//! `iam::{account_id}:policy:{policy_name}`. Lists page with `limit` (1-200, default 100)
//! and `marker` (the `next_marker` of the page before).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::V5Error;
use super::page;
use crate::core::authz::store::{AttachmentRow, IdentityPolicyRow, PolicyVersionRow, Principal};
use crate::core::directory::policies::{self, IdentityPolicy};
use crate::core::ids::iso_ms;
use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;
use crate::iam::{json, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v5/policies", get(list).post(create))
        .route(
            "/v5/policies/{policy_id}",
            get(show).put(update).delete(delete),
        )
        .route(
            "/v5/policies/{policy_id}/versions",
            get(versions).post(create_version),
        )
        .route(
            "/v5/policies/{policy_id}/versions/{version_id}",
            get(version).delete(delete_version),
        )
        .route(
            "/v5/policies/{policy_id}/versions/{version_id}/set-default",
            post(set_default),
        )
        .route("/v5/policies/{policy_id}/attach-user", post(attach_user))
        .route("/v5/policies/{policy_id}/detach-user", post(detach_user))
        .route("/v5/policies/{policy_id}/attach-group", post(attach_group))
        .route("/v5/policies/{policy_id}/detach-group", post(detach_group))
        .route("/v5/policies/{policy_id}/attached-entities", get(entities))
        .route("/v5/users/{user_id}/attached-policies", get(of_user))
        .route("/v5/groups/{group_id}/attached-policies", get(of_group))
        .route("/v5/decode-authorization-message", post(decode))
}

type Res = Result<Response, V5Error>;

fn urn(p: &IdentityPolicyRow) -> String {
    format!("iam::{}:policy:{}", p.account_id, p.name)
}

fn policy_view(p: &IdentityPolicy) -> Value {
    json!({
        "policy_type": "custom",
        "policy_name": p.row.name,
        "policy_id": p.row.id,
        "urn": urn(&p.row),
        "path": p.row.path,
        "default_version_id": p.row.default_version_id,
        "attachment_count": p.attachment_count,
        "description": p.row.description,
        "created_at": iso_ms(p.row.created_at),
        "updated_at": iso_ms(p.row.updated_at),
    })
}

fn version_view(v: &PolicyVersionRow, default: &str) -> Value {
    json!({
        "document": v.document,
        "version_id": v.version_id,
        "is_default": v.version_id == default,
        "created_at": iso_ms(v.created_at),
    })
}

#[derive(Deserialize)]
struct CreateBody {
    policy_name: String,
    #[serde(default)]
    path: String,
    policy_document: String,
    #[serde(default)]
    description: String,
}

async fn create(State(s): State<AppState>, who: Who, body: Bytes) -> Res {
    who.allow(&s, "iam:policies:createV5").await?;
    let b: CreateBody = json(&body)?;
    let p = s
        .dir
        .create_identity_policy(
            &who.account_id,
            &b.policy_name,
            &b.path,
            &b.description,
            &b.policy_document,
        )
        .await?;
    Ok(Json(json!({ "policy": policy_view(&p) })).into_response())
}

/// `GET /v5/policies`: `policy_type` (`custom`; `system` lists none: Roster's system
/// permissions are the roles of `/v3/roles`), `path_prefix`, `only_attached`, paging.
async fn list(State(s): State<AppState>, who: Who, RawQuery(q): RawQuery) -> Res {
    who.allow(&s, "iam:policies:listV5").await?;
    let p = Params::parse(q.as_deref());
    let only_attached = match p.get("only_attached") {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(Error::invalid("only_attached must be true or false").into()),
    };
    let system = match p.get("policy_type") {
        None | Some("custom") => false,
        Some("system") => true,
        Some(_) => return Err(Error::invalid("policy_type must be custom or system").into()),
    };
    let all = if system {
        vec![]
    } else {
        s.dir.identity_policies(&who.account_id).await?
    };
    let prefix = p.get("path_prefix").unwrap_or("");
    let picked: Vec<IdentityPolicy> = all
        .into_iter()
        .filter(|x| x.row.path.starts_with(prefix))
        .filter(|x| !only_attached || x.attachment_count > 0)
        .collect();
    let (shown, info) = page(picked, |x| x.row.id.clone(), &p)?;
    Ok(Json(json!({
        "policies": shown.iter().map(policy_view).collect::<Vec<_>>(),
        "page_info": info,
    }))
    .into_response())
}

async fn show(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:policies:getV5").await?;
    let p = s.dir.identity_policy(&who.account_id, &id).await?;
    Ok(Json(json!({ "policy": policy_view(&p) })).into_response())
}

#[derive(Deserialize)]
struct UpdateBody {
    description: String,
}

async fn update(State(s): State<AppState>, who: Who, Path(id): Path<String>, body: Bytes) -> Res {
    who.allow(&s, "iam:policies:updateV5").await?;
    let b: UpdateBody = json(&body)?;
    s.dir
        .update_identity_policy(&who.account_id, &id, &b.description)
        .await?;
    let p = s.dir.identity_policy(&who.account_id, &id).await?;
    Ok(Json(json!({ "policy": policy_view(&p) })).into_response())
}

async fn delete(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:policies:deleteV5").await?;
    s.dir.delete_identity_policy(&who.account_id, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn versions(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow(&s, "iam:policies:listVersionsV5").await?;
    let p = Params::parse(q.as_deref());
    let (row, versions) = s.dir.policy_versions(&who.account_id, &id).await?;
    let (shown, info) = page(versions, |v| v.version_id.clone(), &p)?;
    Ok(Json(json!({
        "versions": shown
            .iter()
            .map(|v| version_view(v, &row.default_version_id))
            .collect::<Vec<_>>(),
        "page_info": info,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct VersionBody {
    policy_document: String,
    #[serde(default)]
    set_as_default: bool,
}

async fn create_version(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:policies:createVersionV5").await?;
    let b: VersionBody = json(&body)?;
    let (v, is_default) = s
        .dir
        .create_policy_version(&who.account_id, &id, &b.policy_document, b.set_as_default)
        .await?;
    let mut view = version_view(&v, "");
    view["is_default"] = json!(is_default);
    Ok(Json(json!({ "policy_version": view })).into_response())
}

async fn version(
    State(s): State<AppState>,
    who: Who,
    Path((id, version_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:policies:getVersionV5").await?;
    let (row, versions) = s.dir.policy_versions(&who.account_id, &id).await?;
    let v = versions
        .iter()
        .find(|v| v.version_id == version_id)
        .ok_or_else(|| {
            Error::NotFound(
                crate::core::Entity::Policy,
                format!("{id} version {version_id}"),
            )
        })?;
    Ok(Json(json!({ "policy_version": version_view(v, &row.default_version_id) })).into_response())
}

async fn delete_version(
    State(s): State<AppState>,
    who: Who,
    Path((id, version_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:policies:deleteVersionV5").await?;
    s.dir
        .delete_policy_version(&who.account_id, &id, &version_id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn set_default(
    State(s): State<AppState>,
    who: Who,
    Path((id, version_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:policies:setDefaultVersionV5").await?;
    s.dir
        .set_default_policy_version(&who.account_id, &id, &version_id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct UserBody {
    user_id: String,
}

#[derive(Deserialize)]
struct GroupBody {
    group_id: String,
}

async fn attach_user(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:policies:attachToUserV5").await?;
    let b: UserBody = json(&body)?;
    s.dir
        .attach_policy(&who.account_id, &id, policies::user(&b.user_id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn detach_user(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:policies:detachFromUserV5").await?;
    let b: UserBody = json(&body)?;
    s.dir
        .detach_policy(&who.account_id, &id, policies::user(&b.user_id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn attach_group(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:policies:attachToGroupV5").await?;
    let b: GroupBody = json(&body)?;
    s.dir
        .attach_policy(&who.account_id, &id, policies::group(&b.group_id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn detach_group(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:policies:detachFromGroupV5").await?;
    let b: GroupBody = json(&body)?;
    s.dir
        .detach_policy(&who.account_id, &id, policies::group(&b.group_id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn attachment_key(a: &(AttachmentRow, IdentityPolicyRow)) -> String {
    match &a.0.principal {
        Principal::User(u) => format!("user:{u}"),
        Principal::Group(g) => format!("group:{g}"),
    }
}

/// `GET /v5/policies/{policy_id}/attached-entities`: `entity_type` (`user`, `group`,
/// `agency`: none), paging.
async fn entities(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow(&s, "iam:policies:listEntitiesV5").await?;
    let p = Params::parse(q.as_deref());
    let kind = p.get("entity_type");
    if let Some(k) = kind {
        if !matches!(k, "user" | "group" | "agency") {
            return Err(Error::invalid("entity_type must be user, group or agency").into());
        }
    }
    let all = s.dir.attachments(&who.account_id, Some(&id), None).await?;
    let picked: Vec<_> = all
        .into_iter()
        .filter(|(a, _)| {
            matches!(
                (kind, &a.principal),
                (None, _)
                    | (Some("user"), Principal::User(_))
                    | (Some("group"), Principal::Group(_))
            )
        })
        .collect();
    let (shown, info) = page(picked, attachment_key, &p)?;
    let mut users = vec![];
    let mut groups = vec![];
    for (a, _) in &shown {
        match &a.principal {
            Principal::User(u) => {
                users.push(json!({"user_id": u.as_str(), "attached_at": iso_ms(a.attached_at)}))
            }
            Principal::Group(g) => {
                groups.push(json!({"group_id": g.as_str(), "attached_at": iso_ms(a.attached_at)}))
            }
        }
    }
    Ok(Json(json!({
        "policy_users": users,
        "policy_groups": groups,
        "policy_agencies": [],
        "page_info": info,
    }))
    .into_response())
}

async fn attached_to(s: &AppState, who: &Who, principal: Principal, q: Option<String>) -> Res {
    let p = Params::parse(q.as_deref());
    let all = s
        .dir
        .attachments(&who.account_id, None, Some(principal))
        .await?;
    let (shown, info) = page(all, |(_, p)| p.id.clone(), &p)?;
    Ok(Json(json!({
        "attached_policies": shown
            .iter()
            .map(|(a, p)| json!({
                "policy_name": p.name,
                "policy_id": p.id,
                "urn": urn(p),
                "attached_at": iso_ms(a.attached_at),
            }))
            .collect::<Vec<_>>(),
        "page_info": info,
    }))
    .into_response())
}

async fn of_user(
    State(s): State<AppState>,
    who: Who,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow_or_self(&s, "iam:users:listAttachedPoliciesV5", &user_id)
        .await?;
    attached_to(&s, &who, policies::user(&user_id), q).await
}

async fn of_group(
    State(s): State<AppState>,
    who: Who,
    Path(group_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow(&s, "iam:groups:listAttachedPoliciesV5").await?;
    attached_to(&s, &who, policies::group(&group_id), q).await
}

#[derive(Deserialize)]
struct DecodeBody {
    encoded_message: String,
}

/// STS `decode_authorization_message`: `{"encoded_message"}` -> `{"decoded_message"}`, the
/// explanation as JSON text (who was denied which action on which resource, in which scope,
/// and why). Needs `sts::decodeAuthorizationMessage`; opens only messages of the caller's
/// account (another's is a 400, as a malformed one).
async fn decode(State(s): State<AppState>, who: Who, body: Bytes) -> Res {
    who.allow(&s, "sts::decodeAuthorizationMessage").await?;
    let b: DecodeBody = json(&body)?;
    if b.encoded_message.len() > 16 * 1024 {
        return Err(Error::invalid("encoded_message is longer than 16384 characters").into());
    }
    let decoded = crate::auth::authz::open_denial(&s.dir, &who.account_id, &b.encoded_message)?;
    Ok(Json(json!({ "decoded_message": decoded })).into_response())
}
