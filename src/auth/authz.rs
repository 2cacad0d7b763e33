//! Enforcement: one decision per request, from what the caller holds (`core::authz`), with
//! a per-node cache of holdings, and the sealed explanation of a denial.
//!
//! - The account's root user holds every permission (nothing is read for it).
//! - Anyone else: the grants of its groups (and their ancestors) that count in the
//!   request's scope, and the identity policies attached to it and to those groups
//!   (`Holdings::in_scope`); an explicit Deny wins, no Allow denies.
//! - Holdings are cached per (account, user) for at most [`HOLDINGS_TTL`]; a grant, role or
//!   policy change made through this node drops them at once (`Directory::authz_epoch`),
//!   one made through another node counts here within the TTL. Concurrent misses of one
//!   caller are answered by one read (moka's `try_get_with`).
//! - A denial is `Error::Denied`: a message naming the action (what the caller asked for,
//!   nothing more) and the explanation (who, which action on which resource, in which scope,
//!   and why: no Allow, or which Deny statement of which policy) sealed with the master key
//!   and bound to the account, so only STS's decode-authorization-message of that account
//!   opens it ([`open_denial`]).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::core::authz::actions::Action;
use crate::core::authz::{decide, decide_allowing, Ask, Context, Decision, Source};
use crate::core::directory::{Holdings, RequestScope};
use crate::core::{ids, Directory, Error};

/// How long a node keeps what a caller holds: the bound on how late a change made through
/// another node counts here.
pub const HOLDINGS_TTL: Duration = Duration::from_secs(5);

/// Callers whose holdings one node keeps at once.
const HOLDINGS_CAPACITY: u64 = 10_000;

/// What a request asks for.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub account_id: &'a str,
    pub user_id: &'a str,
    pub action: &'static Action,
    /// The URN of the resource acted on, for actions with a resource type.
    pub resource: Option<String>,
    pub scope: RequestScope,
    pub source_ip: Option<IpAddr>,
    pub secure_transport: bool,
    /// The caller acts on itself (its own record, groups, keys): allowed without an Allow,
    /// but an explicit Deny still refuses it.
    pub self_service: bool,
    /// The caller came with a token made with an application credential: only the grants
    /// of these roles count (the credential's, with the roles they imply), and no identity
    /// policy; the root user holds every permission only if they include Keystone's
    /// `admin`. `None`: everything the caller holds counts.
    pub only_roles: Option<&'a [String]>,
}

/// The per-node decision point: holdings cache and sealing.
#[derive(Clone)]
pub struct Authorizer {
    cache: moka::future::Cache<(String, String), Arc<Holdings>>,
}

impl Default for Authorizer {
    fn default() -> Self {
        Authorizer {
            cache: moka::future::Cache::builder()
                .max_capacity(HOLDINGS_CAPACITY)
                .time_to_live(HOLDINGS_TTL)
                .build(),
        }
    }
}

/// The principal URN of a user, as STS's caller identity gives it.
pub fn principal_urn(account_id: &str, user_name: &str) -> String {
    format!("iam::{account_id}:user:{user_name}")
}

fn binding(account_id: &str) -> String {
    format!("authorization-message:{account_id}")
}

fn source_json(s: &Source) -> Value {
    match s {
        Source::Role {
            role_id,
            role_name,
            group_id,
            scope,
        } => json!({
            "type": "role",
            "role_id": role_id,
            "role_name": role_name,
            "group_id": group_id,
            "scope": scope,
        }),
        Source::IdentityPolicy {
            policy_id,
            policy_name,
            version_id,
            principal,
        } => json!({
            "type": "identity_policy",
            "policy_id": policy_id,
            "policy_name": policy_name,
            "version_id": version_id,
            "attached_to": principal,
        }),
    }
}

impl Authorizer {
    /// What the caller holds, from the cache when it is fresh.
    pub async fn holdings(
        &self,
        dir: &Directory,
        account_id: &str,
        user_id: &str,
    ) -> Result<Arc<Holdings>, Error> {
        let key = (account_id.to_string(), user_id.to_string());
        let epoch = dir.authz_epoch();
        if let Some(h) = self.cache.get(&key).await {
            if h.epoch == epoch {
                return Ok(h);
            }
            self.cache.invalidate(&key).await;
        }
        let h = self
            .cache
            .try_get_with(key.clone(), async {
                dir.holdings(account_id, user_id).await.map(Arc::new)
            })
            .await
            .map_err(|e| match &*e {
                Error::NotFound(..) => {
                    Error::Unauthenticated("the caller's user no longer exists".into())
                }
                Error::Unavailable(d) => Error::Unavailable(d.clone()),
                Error::Contention(d) => Error::Contention(d.clone()),
                other => Error::Internal(other.to_string()),
            })?;
        // a read that began before a change this node made may have been joined: read again
        if h.epoch != dir.authz_epoch() {
            self.cache.invalidate(&key).await;
            let fresh = Arc::new(
                dir.holdings(account_id, user_id)
                    .await
                    .map_err(|e| match e {
                        Error::NotFound(..) => {
                            Error::Unauthenticated("the caller's user no longer exists".into())
                        }
                        e => e,
                    })?,
            );
            return Ok(fresh);
        }
        Ok(h)
    }

    /// Allows the request or refuses it with `Error::Denied`.
    pub async fn authorize(&self, dir: &Directory, req: &Request<'_>) -> Result<(), Error> {
        let h = self.holdings(dir, req.account_id, req.user_id).await?;
        if root_passes(&h, req.only_roles) {
            return Ok(());
        }
        let project_id = match &req.scope {
            RequestScope::Project(p) => Some(p.as_str()),
            RequestScope::Domain => None,
        };
        let ctx = Context {
            user_id: req.user_id,
            user_name: &h.user_name,
            domain_id: req.account_id,
            domain_name: &h.domain_name,
            project_id,
            principal_urn: &h.principal_urn,
            is_root: false,
            source_ip: req.source_ip,
            secure_transport: req.secure_transport,
            now_ms: ids::now_ms(),
        };
        let ask = Ask {
            action: req.action.name,
            resource: req.resource.as_deref(),
            context: &ctx,
        };
        // a delegation narrows what allows (its roles only), never what denies
        let decision = match req.only_roles {
            None => decide(h.in_scope(&req.scope), &ask),
            Some(roles) => decide_allowing(
                h.in_scope(&req.scope),
                &ask,
                |source| matches!(source, Source::Role { role_id, .. } if roles.contains(role_id)),
            ),
        };
        if decision.allowed() || (req.self_service && decision == Decision::ImplicitDeny) {
            return Ok(());
        }
        let reason = match &decision {
            Decision::ExplicitDeny {
                source,
                statement,
                sid,
            } => json!({
                "decision": "explicit_deny",
                "statement": {"policy": source_json(source), "index": statement, "sid": sid},
            }),
            _ => json!({
                "decision": "implicit_deny",
                "why": "no statement of the caller's policies allows the action",
            }),
        };
        let message = format!("Policy doesn't allow {} to be performed.", req.action.name);
        Err(deny(dir, req, &h.user_name, reason, message))
    }
}

/// A non-root caller changing who is in `group_ids` (or where they sit, or deleting them)
/// when one of them or an ancestor holds grants or identity policies: such a change moves
/// permissions, so it needs IAM's `iam:permissions:addUserToGroup` (in the domain's scope)
/// besides the face's own action. Without this, Workspace or Quick BI rights would buy IAM
/// rights by joining an administrators' group.
pub async fn guard_groups(
    authz: &Authorizer,
    dir: &Directory,
    account_id: &str,
    user_id: &str,
    group_ids: &[String],
    source_ip: Option<IpAddr>,
    only_roles: Option<&[String]>,
) -> Result<(), Error> {
    if group_ids.is_empty() {
        return Ok(());
    }
    let h = authz.holdings(dir, account_id, user_id).await?;
    if root_passes(&h, only_roles) || !dir.groups_carry_permissions(account_id, group_ids).await? {
        return Ok(());
    }
    authorize_iam(
        authz,
        dir,
        account_id,
        user_id,
        "iam:permissions:addUserToGroup",
        source_ip,
        only_roles,
    )
    .await
}

/// `action` (an IAM action) for `user_id` in the domain's scope.
async fn authorize_iam(
    authz: &Authorizer,
    dir: &Directory,
    account_id: &str,
    user_id: &str,
    action: &str,
    source_ip: Option<IpAddr>,
    only_roles: Option<&[String]>,
) -> Result<(), Error> {
    let action = crate::core::authz::actions::find(action)
        .ok_or_else(|| Error::Internal(format!("{action} is not an action")))?;
    authz
        .authorize(
            dir,
            &Request {
                account_id,
                user_id,
                action,
                resource: None,
                scope: RequestScope::Domain,
                source_ip,
                secure_transport: false,
                self_service: false,
                only_roles,
            },
        )
        .await
}

/// The root user passes every check, unless its token's application credential does not
/// delegate Keystone's `admin` (`Request::only_roles`).
fn root_passes(h: &Holdings, only_roles: Option<&[String]>) -> bool {
    h.is_root
        && only_roles.is_none_or(crate::core::directory::application_credentials::delegates_admin)
}

/// A caller acting on another user who is the account's root user or an operator (its
/// password, state, keys, the user itself): the root user is changed only by itself, an
/// operator only by itself or another operator, whatever the caller's policies or the
/// account's root say (an operator's powers reach every account; a user manager of the
/// operators' account must not be able to take them over).
pub async fn guard_root(
    authz: &Authorizer,
    dir: &Directory,
    account_id: &str,
    caller_id: &str,
    target_user_id: &str,
) -> Result<(), Error> {
    if caller_id == target_user_id {
        return Ok(());
    }
    if dir.standing(account_id, target_user_id).await?.operator
        && !dir.standing(account_id, caller_id).await?.operator
    {
        return Err(Error::Forbidden(
            "an operator can be changed only by itself or another operator".into(),
        ));
    }
    let h = authz.holdings(dir, account_id, caller_id).await?;
    if !h.is_root && dir.is_root_user(account_id, target_user_id).await? {
        return Err(Error::Forbidden(
            "the account's root user can be changed only by itself".into(),
        ));
    }
    Ok(())
}

/// A non-root caller changing another user (its record, password, state) through a face
/// that is not IAM: never the root user (`guard_root`), and a user who holds grants or
/// identity policies only with IAM's `iam:users:updateUser` too, since taking over such a
/// user takes over its permissions. A user changing itself passes.
pub async fn guard_user(
    authz: &Authorizer,
    dir: &Directory,
    account_id: &str,
    caller_id: &str,
    target_user_id: &str,
    source_ip: Option<IpAddr>,
    only_roles: Option<&[String]>,
) -> Result<(), Error> {
    if caller_id == target_user_id {
        return Ok(());
    }
    guard_root(authz, dir, account_id, caller_id, target_user_id).await?;
    let h = authz.holdings(dir, account_id, caller_id).await?;
    if root_passes(&h, only_roles)
        || !dir
            .user_carries_permissions(account_id, target_user_id)
            .await?
    {
        return Ok(());
    }
    authorize_iam(
        authz,
        dir,
        account_id,
        caller_id,
        "iam:users:updateUser",
        source_ip,
        only_roles,
    )
    .await
}

/// The denial of `req` for `reason` (a JSON object: `decision` and what made it), with
/// `message` for the caller (it names the action); the explanation is sealed to the account.
pub fn deny(
    dir: &Directory,
    req: &Request<'_>,
    user_name: &str,
    reason: Value,
    message: String,
) -> Error {
    let now = ids::now_ms();
    let explanation = json!({
        "principal": {
            "account_id": req.account_id,
            "user_id": req.user_id,
            "user_name": user_name,
            "urn": principal_urn(req.account_id, user_name),
        },
        "action": req.action.name,
        "resource": req.resource,
        "scope": req.scope.describe(),
        "time": ids::iso_ms(now),
        "reason": reason,
    });
    let encoded = dir
        .master_key
        .seal(&explanation.to_string(), &binding(req.account_id));
    Error::Denied { message, encoded }
}

/// Opens an encoded authorization message of `account_id`'s callers: the explanation as
/// JSON text. Errors: `Invalid` for a message that is not one (or another account's).
pub fn open_denial(dir: &Directory, account_id: &str, encoded: &str) -> Result<String, Error> {
    dir.master_key
        .open(encoded.trim(), &binding(account_id))
        .map_err(|_| {
            Error::invalid(
                "encoded_message is not an encoded authorization message of this account",
            )
        })
}
