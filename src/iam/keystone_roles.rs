//! Keystone's own role API beside Huawei's (roles.rs), as the Keystone API reference has
//! it and tempest and the openstack CLI call it:
//! - `POST /v3/roles`, `PATCH|DELETE /v3/roles/{role_id}` (Keystone roles: names to
//!   assign; system roles and custom policies are not changed here);
//! - implied roles: `PUT|GET|HEAD|DELETE /v3/roles/{prior}/implies/{implied}`,
//!   `GET /v3/roles/{prior}/implies`, `GET /v3/role_inferences`;
//! - grants of roles to users: `PUT|HEAD|DELETE /v3/{domains|projects}/{id}/users/{user_id}/
//!   roles/{role_id}`, `GET .../roles`, and the OS-INHERIT `inherited_to_projects` forms.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::KsError;
use super::{json, Base, Who};
use crate::core::directory::Role;
use crate::core::directory::{operator_role_id, OPERATOR_ACCOUNT};
use crate::core::keystone::UserGrantFilter;
use crate::core::Error;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/role_inferences", get(list_inferences))
        .route("/v3/roles/{prior}/implies", get(implies_of))
        .route(
            "/v3/roles/{prior}/implies/{implied}",
            put(imply).get(show_inference).head(check_inference).delete(unimply),
        )
        .route(
            "/v3/domains/{domain_id}/users/{user_id}/roles",
            get(list_domain),
        )
        .route(
            "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}",
            put(grant_domain).head(check_domain).delete(revoke_domain),
        )
        .route(
            "/v3/projects/{project_id}/users/{user_id}/roles",
            get(list_project),
        )
        .route(
            "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
            put(grant_project).head(check_project).delete(revoke_project),
        )
        .route(
            "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects",
            get(list_inherited),
        )
        .route(
            "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
            put(grant_inherited).head(check_inherited).delete(revoke_inherited),
        )
}

type Res = Result<Response, KsError>;

#[derive(Deserialize)]
struct RoleBody {
    role: RoleFields,
}

/// Keystone's role fields (`options` is accepted and kept empty: Roster knows none).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFields {
    name: Option<String>,
    domain_id: Option<String>,
    description: Option<String>,
    #[allow(dead_code)]
    options: Option<serde_json::Map<String, Value>>,
}

/// `POST /v3/roles`: a Keystone role, global or (with `domain_id`) the caller's domain's.
pub async fn create(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.allow(&s, "iam:roles:createRole").await?;
    let r: RoleBody = json(&body)?;
    let name = r
        .role
        .name
        .ok_or_else(|| Error::invalid("role.name is required"))?;
    let domain = r.role.domain_id.filter(|d| !d.is_empty());
    who.own_domain(domain.as_deref())?;
    let row = s
        .dir
        .create_keystone_role(
            &who.account_id,
            domain.as_deref(),
            &name,
            r.role.description.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "role": super::roles::view(&b.0, &Role::Keystone(row)) })),
    )
        .into_response())
}

/// `PATCH /v3/roles/{role_id}`: name and description of a Keystone role.
pub async fn update(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:roles:updateRole").await?;
    let r: RoleBody = json(&body)?;
    if r.role.domain_id.is_some() {
        return Err(Error::invalid("a role's domain_id cannot change").into());
    }
    let row = s
        .dir
        .update_keystone_role(&who.account_id, &id, r.role.name, r.role.description)
        .await?;
    Ok(Json(json!({ "role": super::roles::view(&b.0, &Role::Keystone(row)) })).into_response())
}

/// `DELETE /v3/roles/{role_id}`: a Keystone role with its assignments.
pub async fn delete(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:roles:deleteRole").await?;
    s.dir.delete_keystone_role(&who.account_id, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn role_ref(base: &str, r: &Role) -> Value {
    json!({
        "id": r.id(),
        "name": r.name(),
        "links": {"self": format!("{base}/v3/roles/{}", r.id())},
    })
}

async fn imply(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path((p, i)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:roles:createRoleInference").await?;
    let (prior, implied) = s.dir.imply_role(&who.account_id, &p, &i).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"role_inference": {
            "prior_role": role_ref(&b.0, &prior),
            "implies": role_ref(&b.0, &implied),
        }, "links": {"self": format!("{}/v3/roles/{p}/implies/{i}", b.0)}})),
    )
        .into_response())
}

/// The rule `p` implies `i`, if there is one (the roles must exist: 404 otherwise).
async fn inference(
    s: &AppState,
    who: &Who,
    p: &str,
    i: &str,
) -> Result<Option<(Role, Role)>, Error> {
    s.dir.role(&who.account_id, p).await?;
    s.dir.role(&who.account_id, i).await?;
    Ok(s.dir
        .implied_roles(&who.account_id)
        .await?
        .into_iter()
        .find(|(a, b)| a.id() == p && b.id() == i))
}

async fn show_inference(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path((p, i)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:roles:listRoleInferences").await?;
    let (prior, implied) = inference(&s, &who, &p, &i)
        .await?
        .ok_or_else(|| Error::NotFound(crate::core::Entity::Grant, format!("{p} implies {i}")))?;
    Ok(Json(json!({"role_inference": {
        "prior_role": role_ref(&b.0, &prior),
        "implies": role_ref(&b.0, &implied),
    }, "links": {"self": format!("{}/v3/roles/{p}/implies/{i}", b.0)}}))
    .into_response())
}

async fn check_inference(
    State(s): State<AppState>,
    who: Who,
    Path((p, i)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:roles:listRoleInferences").await?;
    Ok(match inference(&s, &who, &p, &i).await? {
        Some(_) => StatusCode::NO_CONTENT,
        None => StatusCode::NOT_FOUND,
    }
    .into_response())
}

async fn unimply(State(s): State<AppState>, who: Who, Path((p, i)): Path<(String, String)>) -> Res {
    who.allow(&s, "iam:roles:deleteRoleInference").await?;
    s.dir.unimply_role(&who.account_id, &p, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The rules grouped by prior role, in the order read.
fn grouped(base: &str, rules: &[(Role, Role)]) -> Vec<Value> {
    let mut out: Vec<(String, Value, Vec<Value>)> = Vec::new();
    for (p, i) in rules {
        match out.iter_mut().find(|(id, _, _)| id == p.id()) {
            Some((_, _, implies)) => implies.push(role_ref(base, i)),
            None => out.push((
                p.id().to_string(),
                role_ref(base, p),
                vec![role_ref(base, i)],
            )),
        }
    }
    out.into_iter()
        .map(|(_, prior, implies)| json!({"prior_role": prior, "implies": implies}))
        .collect()
}

async fn implies_of(State(s): State<AppState>, who: Who, b: Base, Path(p): Path<String>) -> Res {
    who.allow(&s, "iam:roles:listRoleInferences").await?;
    let prior = s.dir.role(&who.account_id, &p).await?;
    let rules: Vec<(Role, Role)> = s
        .dir
        .implied_roles(&who.account_id)
        .await?
        .into_iter()
        .filter(|(a, _)| a.id() == p)
        .collect();
    let implies: Vec<Value> = rules.iter().map(|(_, i)| role_ref(&b.0, i)).collect();
    Ok(Json(json!({"role_inference": {
        "prior_role": role_ref(&b.0, &prior),
        "implies": implies,
    }, "links": {"self": format!("{}/v3/roles/{p}/implies", b.0)}}))
    .into_response())
}

async fn list_inferences(State(s): State<AppState>, who: Who, b: Base) -> Res {
    who.allow(&s, "iam:roles:listRoleInferences").await?;
    let rules = s.dir.implied_roles(&who.account_id).await?;
    Ok(Json(json!({
        "role_inferences": grouped(&b.0, &rules),
        "links": {"self": format!("{}/v3/role_inferences", b.0), "previous": null, "next": null},
    }))
    .into_response())
}

/// The action of a user grant operation (`grant`, `revoke`, `check`, `list`) in a scope.
fn action(op: &str, kind: &str) -> &'static str {
    match (op, kind) {
        ("grant", "domain") => "iam:permissions:grantRoleToUserOnDomain",
        ("grant", "project") => "iam:permissions:grantRoleToUserOnProject",
        ("grant", _) => "iam:permissions:grantRoleToUserOnAllProjects",
        ("revoke", "domain") => "iam:permissions:revokeRoleFromUserOnDomain",
        ("revoke", "project") => "iam:permissions:revokeRoleFromUserOnProject",
        ("revoke", _) => "iam:permissions:revokeRoleFromUserOnAllProjects",
        ("check", "domain") => "iam:permissions:checkRoleForUserOnDomain",
        ("check", "project") => "iam:permissions:checkRoleForUserOnProject",
        ("check", _) => "iam:permissions:checkRoleForUserOnAllProjects",
        (_, "project") => "iam:permissions:listRolesForUserOnProject",
        _ => "iam:permissions:listRolesForUserOnDomain",
    }
}

async fn change(
    s: &AppState,
    who: &Who,
    op: &str,
    kind: &str,
    ids: (String, String, String),
) -> Res {
    let (scope_id, user_id, role_id) = ids;
    who.allow(s, action(op, kind)).await?;
    let scope = super::roles::grant_scope(s, who, kind, &scope_id).await?;
    match op {
        "grant" => {
            // `admin` in the operators' account makes an operator (`Directory::standing`):
            // only an operator may hand that on
            if role_id == operator_role_id()
                && !who.operator
                && s.dir.account(&who.account_id).await?.name == OPERATOR_ACCOUNT
            {
                return Err(Error::Forbidden(format!(
                    "the admin role in the domain {OPERATOR_ACCOUNT} makes an operator: only an operator may grant it"
                ))
                .into());
            }
            s.dir
                .grant_user(&who.account_id, &user_id, &role_id, scope)
                .await?;
            // the admin role may make an operator (`Directory::standing`): this node sees
            // it at once, the others within state::USER_TTL
            s.iam.forget_user(&who.account_id, &user_id);
        }
        "revoke" => {
            s.dir
                .revoke_user(&who.account_id, &user_id, &role_id, scope)
                .await?;
            s.iam.forget_user(&who.account_id, &user_id);
        }
        _ => {
            s.dir.role(&who.account_id, &role_id).await?;
            let found = s
                .dir
                .user_grants(
                    &who.account_id,
                    UserGrantFilter {
                        user_id: Some(user_id),
                        role_id: Some(role_id),
                        scope: Some(scope),
                    },
                )
                .await?;
            if found.is_empty() {
                return Ok(StatusCode::NOT_FOUND.into_response());
            }
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn listed(
    s: &AppState,
    who: &Who,
    b: &Base,
    kind: &str,
    scope_id: String,
    user_id: String,
    path: String,
) -> Res {
    who.allow_or_self(s, action("list", kind), &user_id).await?;
    let scope = super::roles::grant_scope(s, who, kind, &scope_id).await?;
    let grants = s
        .dir
        .user_grants(
            &who.account_id,
            UserGrantFilter {
                user_id: Some(user_id),
                scope: Some(scope),
                ..UserGrantFilter::default()
            },
        )
        .await?;
    let roles: Vec<Value> = grants
        .iter()
        .map(|(_, r)| super::roles::view(&b.0, r))
        .collect();
    Ok(Json(json!({
        "links": {"self": format!("{}{path}", b.0), "previous": null, "next": null},
        "roles": roles,
    }))
    .into_response())
}

type Ids = Path<(String, String, String)>;
type Pair = Path<(String, String)>;

async fn grant_domain(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "grant", "domain", ids).await
}
async fn check_domain(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "check", "domain", ids).await
}
async fn revoke_domain(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "revoke", "domain", ids).await
}
async fn grant_project(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "grant", "project", ids).await
}
async fn check_project(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "check", "project", ids).await
}
async fn revoke_project(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "revoke", "project", ids).await
}
async fn grant_inherited(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "grant", "inherited", ids).await
}
async fn check_inherited(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "check", "inherited", ids).await
}
async fn revoke_inherited(State(s): State<AppState>, who: Who, Path(ids): Ids) -> Res {
    change(&s, &who, "revoke", "inherited", ids).await
}
async fn list_domain(State(s): State<AppState>, who: Who, b: Base, Path((d, u)): Pair) -> Res {
    let path = format!("/v3/domains/{d}/users/{u}/roles");
    listed(&s, &who, &b, "domain", d, u, path).await
}
async fn list_project(State(s): State<AppState>, who: Who, b: Base, Path((p, u)): Pair) -> Res {
    let path = format!("/v3/projects/{p}/users/{u}/roles");
    listed(&s, &who, &b, "project", p, u, path).await
}
async fn list_inherited(State(s): State<AppState>, who: Who, b: Base, Path((d, u)): Pair) -> Res {
    let path = format!("/v3/OS-INHERIT/domains/{d}/users/{u}/roles/inherited_to_projects");
    listed(&s, &who, &b, "inherited", d, u, path).await
}
