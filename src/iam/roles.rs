//! Roles and grants on the IAM face, as `huaweicloudsdkiam` calls them:
//! - `GET /v3/roles[/{role_id}]`: system roles and the account's custom policies
//!   (`keystone_list_permissions`, `keystone_show_permission`), Huawei's filters;
//! - `/v3.0/OS-ROLE/roles[/{role_id}]`: custom policies (create, list, show, update, delete);
//! - grants of roles to groups on the domain, a project, or all projects
//!   (`PUT|HEAD|DELETE /v3/{domains|projects}/{id}/groups/{group_id}/roles/{role_id}`,
//!   `GET .../roles`, `/v3/OS-INHERIT/domains/{id}/groups/{group_id}/roles/{role_id}/
//!   inherited_to_projects`);
//! - `GET /v3/role_assignments` (Keystone's filters) and `/v3.0/OS-PERMISSION/role-assignments`
//!   (the cloud's).
//!
//! Times (`created_time`, `updated_time`) are Unix ms as strings, as the cloud writes them.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::KsError;
use super::{json, Base, Who};
use crate::core::authz::store::{GrantFilter, GrantRow, GrantScope};
use crate::core::authz::RoleType;
use crate::core::directory::{CustomRoleInput, Role};
use crate::core::keystone::UserGrantFilter;
use crate::core::model::ProjectId;
use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/roles", get(list).post(super::keystone_roles::create))
        .route(
            "/v3/roles/{role_id}",
            get(show)
                .patch(super::keystone_roles::update)
                .delete(super::keystone_roles::delete),
        )
        .route("/v3.0/OS-ROLE/roles", get(list_custom).post(create_custom))
        .route(
            "/v3.0/OS-ROLE/roles/{role_id}",
            get(show_custom)
                .patch(update_custom)
                .delete(delete_custom),
        )
        .route(
            "/v3/domains/{domain_id}/groups/{group_id}/roles",
            get(list_domain_grants),
        )
        .route(
            "/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}",
            put(grant_domain).head(check_domain).delete(revoke_domain),
        )
        .route(
            "/v3/projects/{project_id}/groups/{group_id}/roles",
            get(list_project_grants),
        )
        .route(
            "/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}",
            put(grant_project).head(check_project).delete(revoke_project),
        )
        .route(
            "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects",
            get(list_inherited_grants),
        )
        .route(
            "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
            put(grant_inherited).head(check_inherited).delete(revoke_inherited),
        )
        .route("/v3/role_assignments", get(role_assignments))
        .route("/v3.0/OS-PERMISSION/role-assignments", get(os_role_assignments))
}

type Res = Result<Response, KsError>;

/// A role as the SDK's `RoleResult` / `ServicePolicyRoleResult` models have it.
pub(super) fn view(base: &str, r: &Role) -> Value {
    let policy: Value = serde_json::from_str(r.policy()).unwrap_or(Value::Null);
    match r {
        Role::System(s) => json!({
            "id": s.id,
            "name": s.name,
            "display_name": s.display_name,
            "description": s.description,
            "description_cn": s.description,
            "catalog": s.catalog,
            "type": s.role_type.as_str(),
            "flag": s.flag,
            "domain_id": null,
            "policy": policy,
            "links": {"self": format!("{base}/v3/roles/{}", s.id)},
            "created_time": "0",
            "updated_time": "0",
        }),
        Role::Custom(c) => json!({
            "id": c.id,
            "name": c.name,
            "display_name": c.display_name,
            "description": c.description,
            "description_cn": c.description_cn,
            "catalog": "CUSTOMED",
            "type": c.role_type,
            "flag": "fine_grained",
            "domain_id": c.account_id.as_str(),
            "policy": policy,
            "links": {"self": format!("{base}/v3/roles/{}", c.id)},
            "created_time": c.created_at.to_string(),
            "updated_time": c.updated_at.to_string(),
        }),
        Role::Keystone(k) => keystone_view(base, k),
    }
}

/// A Keystone role as Keystone's API reference shows it.
fn keystone_view(base: &str, k: &crate::core::keystone::KeystoneRoleRow) -> Value {
    json!({
        "id": k.id,
        "name": k.name,
        "domain_id": k.domain_id.as_ref().map(|d| d.as_str()),
        "description": k.description,
        "options": {},
        "links": {"self": format!("{base}/v3/roles/{}", k.id)},
    })
}

/// `page` and `per_page` (1 to 300), given together or not at all, as the cloud has them.
fn paging(p: &Params) -> Result<Option<(usize, usize)>, Error> {
    let num = |k: &str, max: usize| -> Result<Option<usize>, Error> {
        match p.get(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .map(Some)
                .ok_or_else(|| Error::invalid(format!("{k} must be an integer from 1 to {max}"))),
        }
    };
    match (num("page", usize::MAX)?, num("per_page", 300)?) {
        (Some(page), Some(per)) => Ok(Some((page, per))),
        (None, None) => Ok(None),
        _ => Err(Error::invalid("page and per_page must be given together")),
    }
}

fn listing(base: &str, path: &str, roles: Vec<&Role>, p: &Params) -> Result<Value, Error> {
    let total = roles.len();
    let shown: Vec<Value> = match paging(p)? {
        Some((page, per)) => roles
            .into_iter()
            .skip((page - 1).saturating_mul(per))
            .take(per)
            .map(|r| view(base, r))
            .collect(),
        None => roles.into_iter().map(|r| view(base, r)).collect(),
    };
    Ok(json!({
        "links": {"self": format!("{base}{path}"), "previous": null, "next": null},
        "roles": shown,
        "total_number": total,
    }))
}

/// `GET /v3/roles`: `name`, `display_name` (exact), `type` (`domain`: roles granted on the
/// domain, AX and AA; `project`: XA and AA), `catalog`, `permission_type` (`role` or
/// `policy`), `domain_id` (the caller's: only its custom policies), `page` + `per_page`.
async fn list(State(s): State<AppState>, who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    who.allow(&s, "iam:roles:listRoles").await?;
    let p = Params::parse(q.as_deref());
    who.own_domain(p.get("domain_id"))?;
    let kind = p.get("type");
    if let Some(k) = kind {
        if !matches!(k, "domain" | "project") {
            return Err(Error::invalid("type must be \"domain\" or \"project\"").into());
        }
    }
    if let Some(pt) = p.get("permission_type") {
        if !matches!(pt, "role" | "policy") {
            return Err(Error::invalid("permission_type must be \"role\" or \"policy\"").into());
        }
    }
    let roles = s.dir.roles(&who.account_id).await?;
    let picked: Vec<&Role> = roles
        .iter()
        .filter(|r| p.get("name").is_none_or(|n| r.name() == n))
        .filter(|r| p.get("display_name").is_none_or(|n| r.display_name() == n))
        .filter(|r| {
            p.get("domain_id").is_none()
                || matches!(r, Role::Custom(_))
                || matches!(r, Role::Keystone(k) if k.domain_id.is_some())
        })
        .filter(|r| match kind {
            Some("domain") => r.role_type() != RoleType::XA,
            Some("project") => r.role_type() != RoleType::AX,
            _ => true,
        })
        .filter(|r| {
            p.get("catalog").is_none_or(|c| match r {
                Role::System(s) => s.catalog == c,
                Role::Custom(_) => c == "CUSTOMED",
                Role::Keystone(_) => false,
            })
        })
        .filter(|r| match p.get("permission_type") {
            Some("role") => matches!(r, Role::System(s) if s.flag == "role"),
            Some("policy") => !matches!(r, Role::System(s) if s.flag == "role"),
            _ => true,
        })
        .collect();
    Ok(Json(listing(&b.0, "/v3/roles", picked, &p)?).into_response())
}

async fn show(State(s): State<AppState>, who: Who, b: Base, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:roles:getRole").await?;
    let r = s.dir.role(&who.account_id, &id).await?;
    Ok(Json(json!({ "role": view(&b.0, &r) })).into_response())
}

#[derive(Deserialize)]
struct RoleBody {
    role: RoleOption,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleOption {
    display_name: Option<String>,
    #[serde(rename = "type")]
    role_type: Option<String>,
    description: Option<String>,
    description_cn: Option<String>,
    policy: Option<Value>,
}

impl From<RoleOption> for CustomRoleInput {
    fn from(o: RoleOption) -> Self {
        CustomRoleInput {
            display_name: o.display_name,
            description: o.description,
            description_cn: o.description_cn,
            role_type: o.role_type,
            policy: o.policy,
        }
    }
}

async fn list_custom(State(s): State<AppState>, who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    who.allow(&s, "iam:roles:listRoles").await?;
    let p = Params::parse(q.as_deref());
    let roles = s.dir.roles(&who.account_id).await?;
    let custom: Vec<&Role> = roles
        .iter()
        .filter(|r| matches!(r, Role::Custom(_)))
        .collect();
    Ok(Json(listing(&b.0, "/v3.0/OS-ROLE/roles", custom, &p)?).into_response())
}

async fn create_custom(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.allow(&s, "iam:roles:createRole").await?;
    let r: RoleBody = json(&body)?;
    let row = s
        .dir
        .create_custom_role(&who.account_id, r.role.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "role": view(&b.0, &Role::Custom(row)) })),
    )
        .into_response())
}

/// A custom policy of the caller's account; a system role here is a 404, as the cloud's
/// `/v3.0/OS-ROLE` knows only custom policies.
async fn custom(s: &AppState, who: &Who, id: &str) -> Result<Role, Error> {
    match s.dir.role(&who.account_id, id).await? {
        r @ Role::Custom(_) => Ok(r),
        Role::System(_) | Role::Keystone(_) => {
            Err(Error::NotFound(crate::core::Entity::Role, id.to_string()))
        }
    }
}

async fn show_custom(State(s): State<AppState>, who: Who, b: Base, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:roles:getRole").await?;
    let r = custom(&s, &who, &id).await?;
    let grants = s
        .dir
        .grants(
            &who.account_id,
            GrantFilter {
                role_id: Some(id.clone()),
                ..GrantFilter::default()
            },
        )
        .await?;
    let mut v = view(&b.0, &r);
    // how many grants use it (the cloud's `references`)
    v["references"] = json!(grants.len());
    Ok(Json(json!({ "role": v })).into_response())
}

async fn update_custom(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:roles:updateRole").await?;
    let r: RoleBody = json(&body)?;
    custom(&s, &who, &id).await?;
    let row = s
        .dir
        .update_custom_role(&who.account_id, &id, r.role.into())
        .await?;
    Ok(Json(json!({ "role": view(&b.0, &Role::Custom(row)) })).into_response())
}

async fn delete_custom(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:roles:deleteRole").await?;
    custom(&s, &who, &id).await?;
    s.dir.delete_custom_role(&who.account_id, &id).await?;
    Ok(Json(json!({})).into_response())
}

/// What a grant route names: the scope (checked to be the caller's), the group, the role.
pub(super) async fn grant_scope(
    s: &AppState,
    who: &Who,
    kind: &str,
    scope_id: &str,
) -> Result<GrantScope, Error> {
    match kind {
        "project" => {
            // another account's project is answered as an unknown one
            match s.dir.project(scope_id).await {
                Ok(p) if p.account_id.as_str() == who.account_id => {
                    Ok(GrantScope::Project(ProjectId::from(scope_id)))
                }
                Ok(_) | Err(Error::NotFound(..)) => Err(Error::NotFound(
                    crate::core::Entity::Project,
                    scope_id.to_string(),
                )),
                Err(e) => Err(e),
            }
        }
        _ => {
            if scope_id != who.account_id {
                return Err(Error::NotFound(
                    crate::core::Entity::Account,
                    scope_id.to_string(),
                ));
            }
            Ok(if kind == "inherited" {
                GrantScope::AllProjects
            } else {
                GrantScope::Domain
            })
        }
    }
}

/// The action of a grant operation (`grant`, `revoke`, `check`, `list`) in a scope kind.
fn grant_action(op: &str, kind: &str) -> &'static str {
    match (op, kind) {
        ("grant", "domain") => "iam:permissions:grantRoleToGroupOnDomain",
        ("grant", "project") => "iam:permissions:grantRoleToGroupOnProject",
        ("grant", _) => "iam:permissions:grantRoleToGroupOnAllProjects",
        ("revoke", "domain") => "iam:permissions:revokeRoleFromGroupOnDomain",
        ("revoke", "project") => "iam:permissions:revokeRoleFromGroupOnProject",
        ("revoke", _) => "iam:permissions:revokeRoleFromGroupOnAllProjects",
        ("check", "domain") => "iam:permissions:checkRoleForGroupOnDomain",
        ("check", "project") => "iam:permissions:checkRoleForGroupOnProject",
        ("check", _) => "iam:permissions:checkRoleForGroupOnAllProjects",
        (_, "project") => "iam:permissions:listRolesForGroupOnProject",
        _ => "iam:permissions:listRolesForGroupOnDomain",
    }
}

async fn change(
    s: &AppState,
    who: &Who,
    op: &str,
    kind: &str,
    ids: (String, String, String),
) -> Res {
    let (scope_id, group_id, role_id) = ids;
    who.allow(s, grant_action(op, kind)).await?;
    let scope = grant_scope(s, who, kind, &scope_id).await?;
    match op {
        "grant" => {
            s.dir
                .grant(&who.account_id, &group_id, &role_id, scope)
                .await?
        }
        "revoke" => {
            s.dir
                .revoke(&who.account_id, &group_id, &role_id, scope)
                .await?
        }
        _ => {
            if !s
                .dir
                .has_grant(&who.account_id, &group_id, &role_id, scope)
                .await?
            {
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
    group_id: String,
    path: String,
) -> Res {
    who.allow(s, grant_action("list", kind)).await?;
    let scope = grant_scope(s, who, kind, &scope_id).await?;
    let grants = s
        .dir
        .grants(
            &who.account_id,
            GrantFilter {
                group_ids: Some(vec![group_id]),
                scope: Some(scope),
                ..GrantFilter::default()
            },
        )
        .await?;
    let roles: Vec<Value> = grants.iter().map(|(_, r)| view(&b.0, r)).collect();
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
async fn list_domain_grants(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path((d, g)): Pair,
) -> Res {
    let path = format!("/v3/domains/{d}/groups/{g}/roles");
    listed(&s, &who, &b, "domain", d, g, path).await
}
async fn list_project_grants(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path((p, g)): Pair,
) -> Res {
    let path = format!("/v3/projects/{p}/groups/{g}/roles");
    listed(&s, &who, &b, "project", p, g, path).await
}
async fn list_inherited_grants(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path((d, g)): Pair,
) -> Res {
    let path = format!("/v3/OS-INHERIT/domains/{d}/groups/{g}/roles/inherited_to_projects");
    listed(&s, &who, &b, "inherited", d, g, path).await
}

fn assignment_scope(account_id: &str, scope: &GrantScope) -> Value {
    match scope {
        GrantScope::Project(p) => json!({"project": {"id": p.as_str()}}),
        _ => json!({"domain": {"id": account_id}}),
    }
}

/// `GET /v3/role_assignments`: Keystone's filters `group.id`, `role.id`,
/// `scope.domain.id`, `scope.project.id`, `scope.OS-INHERIT:inherited_to=projects`,
/// `user.id` (with `effective`: the grants of the user's groups, as Keystone expands
/// them; without it: none, since roles are granted to groups only), `include_names`.
async fn role_assignments(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow(&s, "iam:permissions:listRoleAssignments").await?;
    let p = Params::parse(q.as_deref());
    let effective = p.pairs().any(|(k, _)| k == "effective");
    let include_names = p
        .get("include_names")
        .is_some_and(|v| v != "false" && v != "0");
    let mut filter = GrantFilter {
        role_id: p.get("role.id").map(str::to_string),
        ..GrantFilter::default()
    };
    if let Some(g) = p.get("group.id") {
        filter.group_ids = Some(vec![g.to_string()]);
    }
    let user = p.get("user.id").map(str::to_string);
    let inherited = p.get("scope.OS-INHERIT:inherited_to") == Some("projects");
    let mut scope = None;
    if let Some(d) = p.get("scope.domain.id") {
        if d != who.account_id {
            return Ok(assignments_page(&b, vec![]));
        }
        scope = Some(if inherited {
            GrantScope::AllProjects
        } else {
            GrantScope::Domain
        });
    } else if let Some(pid) = p.get("scope.project.id") {
        scope = Some(GrantScope::Project(ProjectId::from(pid)));
    } else if inherited {
        scope = Some(GrantScope::AllProjects);
    }
    filter.scope = scope.clone();
    // the user's own grants (none when a group is asked for)
    let own = if filter.group_ids.is_none() {
        s.dir
            .user_grants(
                &who.account_id,
                UserGrantFilter {
                    user_id: user.clone(),
                    role_id: filter.role_id.clone(),
                    scope: scope.clone(),
                },
            )
            .await?
    } else {
        vec![]
    };
    // the groups' grants: with a user, only with `effective` (its groups' grants, as
    // Keystone expands them)
    let mut group_grants = vec![];
    let with_groups = match &user {
        Some(u) if effective => {
            let groups = s.dir.group_ids_of_user(&who.account_id, u).await?;
            filter.group_ids = Some(match filter.group_ids {
                Some(g) => g.into_iter().filter(|x| groups.contains(x)).collect(),
                None => groups,
            });
            true
        }
        Some(_) => false,
        None => true,
    };
    if with_groups && !matches!(filter.group_ids.as_ref(), Some(g) if g.is_empty()) {
        group_grants = s.dir.grants(&who.account_id, filter).await?;
    }
    let mut rows: Vec<Value> = group_grants
        .iter()
        .map(|(g, r)| {
            let mut a = json!({
                "role": {"id": g.role_id},
                "scope": assignment_scope(&who.account_id, &g.scope),
                "links": {"assignment": grant_link(&b.0, &who.account_id, "groups", g.group_id.as_str(), &g.role_id, &g.scope)},
            });
            match &user {
                Some(u) => {
                    a["user"] = json!({"id": u});
                    a["links"]["membership"] =
                        json!(format!("{}/v3/groups/{}/users/{u}", b.0, g.group_id));
                }
                None => a["group"] = json!({"id": g.group_id.as_str()}),
            }
            if g.scope == GrantScope::AllProjects {
                a["scope"]["OS-INHERIT:inherited_to"] = json!("projects");
            }
            if include_names {
                a["role"]["name"] = json!(r.name());
            }
            a
        })
        .collect();
    rows.extend(own.iter().map(|(g, r)| {
        let mut a = json!({
            "role": {"id": g.role_id},
            "scope": assignment_scope(&who.account_id, &g.scope),
            "user": {"id": g.user_id.as_str()},
            "links": {"assignment": grant_link(&b.0, &who.account_id, "users", g.user_id.as_str(), &g.role_id, &g.scope)},
        });
        if g.scope == GrantScope::AllProjects {
            a["scope"]["OS-INHERIT:inherited_to"] = json!("projects");
        }
        if include_names {
            a["role"]["name"] = json!(r.name());
        }
        a
    }));
    if effective {
        rows = with_implied(&s, &who, &b, rows, include_names).await?;
    }
    if include_names {
        with_names(&s, &who, &mut rows).await?;
    }
    Ok(assignments_page(&b, rows))
}

/// `include_names`: the names of the user or group, the project or domain of the scope,
/// each with its domain (`{id, name}`), as Keystone gives them (the openstack CLI's
/// `role assignment list --names` reads them). One lookup per distinct entity.
async fn with_names(s: &AppState, who: &Who, rows: &mut [Value]) -> Result<(), Error> {
    let account = s.dir.account(&who.account_id).await?;
    let domain = json!({"id": account.id, "name": account.name});
    let projects = s.dir.projects_of(&who.account_id).await?;
    let mut names: std::collections::HashMap<(bool, String), Option<String>> =
        std::collections::HashMap::new();
    for row in rows.iter_mut() {
        for (key, is_user) in [("user", true), ("group", false)] {
            let Some(id) = row[key]["id"].as_str().map(str::to_string) else {
                continue;
            };
            let k = (is_user, id.clone());
            let name = match names.get(&k) {
                Some(n) => n.clone(),
                None => {
                    let n = if is_user {
                        match s.dir.user(&who.account_id, &id).await {
                            Ok(u) => Some(u.name),
                            Err(Error::NotFound(..)) => None,
                            Err(e) => return Err(e),
                        }
                    } else {
                        match s.dir.group(&who.account_id, &id).await {
                            Ok(g) => Some(g.name),
                            Err(Error::NotFound(..)) => None,
                            Err(e) => return Err(e),
                        }
                    };
                    names.insert(k, n.clone());
                    n
                }
            };
            if let Some(n) = name {
                row[key]["name"] = json!(n);
                row[key]["domain"] = domain.clone();
            }
        }
        if let Some(pid) = row["scope"]["project"]["id"].as_str().map(str::to_string) {
            if let Some(p) = projects.iter().find(|p| p.id.as_str() == pid) {
                row["scope"]["project"]["name"] = json!(p.name);
                row["scope"]["project"]["domain"] = domain.clone();
            }
        }
        if row["scope"]["domain"]["id"].is_string() {
            row["scope"]["domain"]["name"] = json!(account.name);
        }
    }
    Ok(())
}

/// Keystone's effective assignments also list the roles an assigned role implies (all the
/// way down), each linked to its `prior_role`.
async fn with_implied(
    s: &AppState,
    who: &Who,
    b: &Base,
    rows: Vec<Value>,
    include_names: bool,
) -> Result<Vec<Value>, Error> {
    let rules = s.dir.implied_roles(&who.account_id).await?;
    if rules.is_empty() {
        return Ok(rows);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut todo = vec![row["role"]["id"].as_str().unwrap_or_default().to_string()];
        let mut seen = todo.clone();
        out.push(row.clone());
        while let Some(prior) = todo.pop() {
            for (p, implied) in &rules {
                if p.id() != prior || seen.iter().any(|x| x == implied.id()) {
                    continue;
                }
                seen.push(implied.id().to_string());
                todo.push(implied.id().to_string());
                let mut a = row.clone();
                a["role"] = json!({"id": implied.id()});
                if include_names {
                    a["role"]["name"] = json!(implied.name());
                }
                a["links"]["prior_role"] = json!(format!("{}/v3/roles/{prior}", b.0));
                out.push(a);
            }
        }
    }
    Ok(out)
}

/// The assignment's own URL; `actors` is `groups` or `users`.
fn grant_link(
    base: &str,
    account_id: &str,
    actors: &str,
    actor: &str,
    role_id: &str,
    scope: &GrantScope,
) -> String {
    match scope {
        GrantScope::Domain => {
            format!("{base}/v3/domains/{account_id}/{actors}/{actor}/roles/{role_id}")
        }
        GrantScope::Project(p) => {
            format!("{base}/v3/projects/{p}/{actors}/{actor}/roles/{role_id}")
        }
        GrantScope::AllProjects => format!(
            "{base}/v3/OS-INHERIT/domains/{account_id}/{actors}/{actor}/roles/{role_id}/inherited_to_projects"
        ),
    }
}

fn assignments_page(b: &Base, rows: Vec<Value>) -> Response {
    Json(json!({
        "role_assignments": rows,
        "links": {"self": format!("{}/v3/role_assignments", b.0), "previous": null, "next": null},
    }))
    .into_response()
}

/// `GET /v3.0/OS-PERMISSION/role-assignments` (`show_domain_role_assignments`):
/// `domain_id` (required, the caller's), `role_id`, `subject` (`group`; `user` and
/// `agency` have no grants here), `subject.group_id`, `scope` (`domain` or `project`),
/// `scope.project_id`, `scope.domain_id`, `is_inherited`, `page` + `per_page`.
async fn os_role_assignments(State(s): State<AppState>, who: Who, RawQuery(q): RawQuery) -> Res {
    who.allow(&s, "iam:permissions:listRoleAssignments").await?;
    let p = Params::parse(q.as_deref());
    let domain = p
        .get("domain_id")
        .ok_or_else(|| Error::invalid("domain_id is required"))?;
    if domain != who.account_id {
        return Err(Error::Forbidden(format!("you are not authorized for domain {domain}")).into());
    }
    let empty = || Json(json!({"role_assignments": [], "total_num": 0})).into_response();
    if matches!(p.get("subject"), Some("user" | "agency"))
        || p.get("subject.user_id").is_some()
        || p.get("subject.agency_id").is_some()
    {
        return Ok(empty());
    }
    let mut filter = GrantFilter {
        role_id: p.get("role_id").map(str::to_string),
        group_ids: p.get("subject.group_id").map(|g| vec![g.to_string()]),
        ..GrantFilter::default()
    };
    let inherited = match p.get("is_inherited") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(Error::invalid("is_inherited must be true or false").into()),
    };
    match (
        p.get("scope"),
        p.get("scope.project_id"),
        p.get("scope.domain_id"),
    ) {
        (Some("project"), Some(pid), _) | (None, Some(pid), _) => {
            filter.scope = Some(GrantScope::Project(ProjectId::from(pid)))
        }
        (Some("domain"), _, d) | (None, None, d @ Some(_)) => {
            if d.is_some_and(|d| d != who.account_id) {
                return Ok(empty());
            }
            filter.scope = Some(if inherited == Some(true) {
                GrantScope::AllProjects
            } else {
                GrantScope::Domain
            });
        }
        (Some("project"), None, _) | (None, None, None) => {}
        (Some(other), ..) => {
            return Err(Error::invalid(format!(
                "scope must be \"domain\" or \"project\", not {}",
                crate::core::text::quoted(other)
            ))
            .into())
        }
    }
    let grants = s.dir.grants(&who.account_id, filter).await?;
    let picked: Vec<&GrantRow> = grants
        .iter()
        .map(|(g, _)| g)
        .filter(|g| match (p.get("scope"), inherited) {
            (Some("project"), _) => matches!(g.scope, GrantScope::Project(_)),
            (_, Some(i)) => (g.scope == GrantScope::AllProjects) == i,
            _ => true,
        })
        .collect();
    let total = picked.len();
    let rows: Vec<Value> = match paging(&p)? {
        Some((page, per)) => picked
            .into_iter()
            .skip((page - 1).saturating_mul(per))
            .take(per)
            .collect(),
        None => picked,
    }
    .into_iter()
    .map(|g| {
        json!({
            "group": {"id": g.group_id.as_str()},
            "role": {"id": g.role_id},
            "scope": assignment_scope(&who.account_id, &g.scope),
            "is_inherited": g.scope == GrantScope::AllProjects,
        })
    })
    .collect();
    Ok(Json(json!({"role_assignments": rows, "total_num": total})).into_response())
}
