//! The Alibaba Cloud Quick BI face: the OpenAPI 2022-01-01 as
//! `alibabacloud_quickbi_public20220101` calls it. Every call is a request to `/` naming its
//! action (`x-acs-action` under ACS3, `Action` under the RPC signature); this module checks
//! the signature, the time window and the nonce, then hands the parameters to the action.
//! The organization is the caller's account; members are its users, user groups its groups.

pub mod error;
mod groups;
mod params;
mod users;
mod views;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::auth::acs::{self, RawRequest, Scheme};
use crate::core::authz::actions::{self, Action, Level};
use crate::core::directory::ResolvedKey;
use crate::core::directory::{org_members, RequestScope};
use crate::core::{ids, Error};
use crate::http::auth::{read_body, record_use, resolve_key};
use crate::http::AppState;
use error::QbError;
use params::Params;

/// The one API version served.
pub const VERSION: &str = "2022-01-01";

pub fn router(state: AppState) -> Router {
    Router::new().route("/", any(handle)).with_state(state)
}

/// Who calls, on which organization.
pub struct Ctx {
    pub state: AppState,
    pub account_id: String,
    pub user_id: String,
    /// The caller's address, for `g:SourceIp` conditions.
    pub source_ip: Option<std::net::IpAddr>,
    /// The request's id, for the envelope of a streamed answer.
    pub request_id: String,
}

/// What an action answers: its `Result` (put in the envelope by `handle`), or a whole
/// response already made (an unpaged listing streamed with its envelope, see
/// `groups::stream`).
pub enum Answer {
    Result(Value),
    Response(Response),
}

async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let request_id = req
        .headers()
        .get(crate::http::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(ids::new_id);
    if is_version_discovery(&req) {
        let (parts, _) = req.into_parts();
        return crate::iam::meta::version_list(&crate::iam::base_url(&state, &parts));
    }
    match serve(state, req, &request_id).await {
        Ok(Answer::Result(result)) => Json(json!({
            "RequestId": request_id,
            "Success": true,
            "Result": result,
        }))
        .into_response(),
        Ok(Answer::Response(r)) => r,
        Err(e) => e.render(&request_id),
    }
}

/// A `GET /` (or `HEAD /`) that is no Quick BI call: unsigned, with no `x-acs-action`
/// header and no `Action` in its query. Keystone's version discovery answers it.
fn is_version_discovery(req: &Request) -> bool {
    let h = req.headers();
    matches!(*req.method(), http::Method::GET | http::Method::HEAD)
        && !h.contains_key(http::header::AUTHORIZATION)
        && !h.contains_key("x-acs-action")
        && !form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .any(|(k, _)| k == "Action" || k == "Signature" || k == "AccessKeyId")
}

async fn serve(state: AppState, req: Request, request_id: &str) -> Result<Answer, QbError> {
    let (parts, body) = req.into_parts();
    let body = read_body(body, state.max_body_bytes).await?;
    let raw = RawRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    };
    let (scheme, key) = authenticate(&state, &raw).await?;
    let p = Params(acs::params(&raw));
    // Only what the signature covers decides the route: under ACS3 the x-acs-* headers
    // (their signing is enforced), under RPC the query (the headers are not signed).
    let header = |n: &str| {
        parts
            .headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (action, version) = match scheme {
        Scheme::Acs3 => (header("x-acs-action"), header("x-acs-version")),
        Scheme::RpcV1 => (p.opt("Action"), p.opt("Version")),
    };
    let version = version.ok_or_else(|| QbError::new("MissingVersion", "Version is missing"))?;
    if version != VERSION {
        return Err(QbError::new(
            "InvalidVersion",
            format!(
                "Specified parameter Version {version:?} is not valid: only {VERSION} is served."
            ),
        ));
    }
    let action = action.ok_or_else(|| QbError::new("MissingAction", "Action is missing"))?;
    // every served action passes the authorization check (`authorize`) before it runs
    let def = actions::quickbi(&action).ok_or_else(|| unknown_action(&action))?;
    let source_ip = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let c = Ctx {
        source_ip,
        state,
        account_id: key.account_id,
        user_id: key.user_id,
        request_id: request_id.to_string(),
    };
    authorize(&c, def, &p).await?;
    dispatch(&c, &action, &p).await
}

fn unknown_action(action: &str) -> QbError {
    QbError::new(
        "InvalidAction.NotFound",
        format!("Specified api {action:?} is not found in version {VERSION}."),
    )
}

/// Checks the signature, the clock and the nonce; returns the scheme and the key that
/// signed (whose it is).
async fn authenticate(
    state: &AppState,
    raw: &RawRequest<'_>,
) -> Result<(Scheme, ResolvedKey), QbError> {
    let claim = acs::claim(raw)?;
    let key = resolve_key(state, &claim.access_key)
        .await?
        .ok_or_else(|| {
            QbError::new(
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            )
        })?;
    acs::verify(raw, &claim, &key.secret, chrono::Utc::now())?;
    if !key.active {
        return Err(QbError::new(
            "InvalidAccessKeyId.Inactive",
            "Specified access key is disabled, or its user is disabled or locked.",
        ));
    }
    // Remembered until the request's time leaves the window: a replay later than that is
    // refused by the clock check already.
    let expires_at = claim.time.timestamp_millis() + acs::WINDOW_SECS * 1000;
    if !state
        .dir
        .claim_nonce(&key.access_key, &claim.nonce, expires_at)
        .await?
    {
        return Err(QbError::new(
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    record_use(state, &key);
    Ok((claim.scheme, key))
}

async fn dispatch(c: &Ctx, action: &str, p: &Params) -> Result<Answer, QbError> {
    // the unpaged listings stream their answer whole
    match action {
        "GetUserGroupInfo" => return groups::by_keyword(c, p).await,
        "QueryUserGroupListByParentId" => return groups::by_parent(c, p).await,
        "QueryUserGroupMember" => return groups::members(c, p).await,
        "ListUserGroupsByUserId" => return groups::of_user(c, p).await,
        _ => {}
    }
    let result = match action {
        "AddUser" => users::add(c, p).await,
        "UpdateUser" => users::update(c, p).await,
        "DeleteUser" => users::delete(c, p).await,
        "QueryUserInfoByUserId" => users::info_by_id(c, p).await,
        "QueryUserInfoByAccount" => users::info_by_account(c, p).await,
        "QueryUserList" => users::list(c, p).await,
        "CheckOrganizationMember" => users::check_member(c, p).await,
        "ListOrganizationRoles" => users::roles(),
        "ListOrganizationRoleUsers" => users::role_users(c, p).await,
        "QueryOrganizationRoleConfig" => users::role_config(p),
        "CreateUserGroup" => groups::create(c, p).await,
        "UpdateUserGroup" => groups::update(c, p).await,
        "DeleteUserGroup" => groups::delete(c, p).await,
        "ListByUserGroupId" => groups::by_ids(c, p).await,
        "TransferUsergroup" => groups::transfer(c, p).await,
        "AddUserGroupMember" => groups::add_member(c, p).await,
        "AddUserGroupMembers" => groups::add_to_groups(c, p).await,
        "DeleteUserGroupMember" => groups::remove_member(c, p).await,
        "DeleteUserGroupMembers" => groups::remove_from_groups(c, p).await,
        "WithdrawAllUserGroups" => groups::withdraw_all(c, p).await,
        _ => Err(unknown_action(action)),
    };
    result.map(Answer::Result)
}

/// The caller's policies must allow the action (in the domain's scope: Quick BI is a
/// global service), and on top of them its organization role: user writes need the
/// organization administrator, user group and membership writes the organization or the
/// permission administrator (Quick BI's division of its built-in roles). The root user
/// passes both.
async fn authorize(c: &Ctx, action: &'static Action, p: &Params) -> Result<(), Error> {
    let request = crate::auth::authz::Request {
        account_id: &c.account_id,
        user_id: &c.user_id,
        action,
        resource: None,
        scope: RequestScope::Domain,
        source_ip: c.source_ip,
        secure_transport: false,
        self_service: false,
        only_roles: None,
    };
    let s = &c.state;
    s.authz.authorize(&s.dir, &request).await?;
    if action.level == Level::List || action.level == Level::Read {
        return Ok(());
    }
    // membership and hierarchy changes of groups that carry permissions need IAM's too
    let groups = groups_changed(c, action, p).await?;
    crate::auth::authz::guard_groups(
        &s.authz,
        &s.dir,
        &c.account_id,
        &c.user_id,
        &groups,
        c.source_ip,
        None,
    )
    .await?;
    // another user's record: never the root user's, and a privileged one's with IAM's
    if let Some(target) = p
        .opt("UserId")
        .filter(|_| action.name.starts_with("quickbi:users:"))
    {
        crate::auth::authz::guard_user(
            &s.authz,
            &s.dir,
            &c.account_id,
            &c.user_id,
            &target,
            c.source_ip,
            None,
        )
        .await?;
    }
    let member = s.dir.org_member(&c.account_id, &c.user_id).await?;
    if member.user.is_root {
        return Ok(());
    }
    let needs: &[i64] = if action.name.starts_with("quickbi:users:") {
        &[org_members::ROLE_ADMIN]
    } else {
        &[org_members::ROLE_ADMIN, org_members::ROLE_AUTH_ADMIN]
    };
    if member.role_ids.iter().any(|r| needs.contains(r)) {
        return Ok(());
    }
    let roles: Vec<&str> = needs
        .iter()
        .filter_map(|r| org_members::org_role(*r).map(|r| r.name))
        .collect();
    Err(crate::auth::authz::deny(
        &s.dir,
        &request,
        &member.user.name,
        serde_json::json!({
            "decision": "organization_role",
            "why": format!("the action needs the organization role {}", roles.join(" or ")),
            "role_ids": member.role_ids,
        }),
        format!(
            "The caller's organization role does not allow {}: it needs {}.",
            action.name,
            roles.join(" or ")
        ),
    ))
}

/// The groups whose members or place a Quick BI write changes (for `guard_groups`): the
/// named group(s), a transfer's new parent, every group of a user withdrawn from all.
async fn groups_changed(c: &Ctx, action: &Action, p: &Params) -> Result<Vec<String>, Error> {
    let list = |name: &str| -> Vec<String> {
        p.opt(name)
            .map(|v| {
                v.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let api = action.name.rsplit(':').next().unwrap_or_default();
    Ok(match api {
        "deleteUserGroup" | "addUserGroupMember" | "deleteUserGroupMember" => list("UserGroupId"),
        "addUserGroupMembers" | "deleteUserGroupMembers" => list("UserGroupIds"),
        "transferUsergroup" => {
            let mut g = list("UserGroupId");
            g.extend(list("ParentUserGroupId").into_iter().filter(|x| x != "-1"));
            g
        }
        "withdrawAllUserGroups" => match p.opt("UserId") {
            Some(u) => match c.state.dir.group_ids_of_user(&c.account_id, &u).await {
                Ok(g) => g,
                Err(Error::NotFound(..)) => vec![],
                Err(e) => return Err(e),
            },
            None => vec![],
        },
        _ => vec![],
    })
}
