//! `/v3/auth/tokens`: issue (password, token and application_credential methods), validate,
//! revoke.
//!
//! Failed logins are counted in the database, per user and per source address, so the limits
//! hold across nodes: an address that used up the server's `LoginLimits` gets 429 for a
//! while; a user that reaches its account's login policy's number of failures is locked out
//! for its lockout duration (401, as Keystone's security compliance: even the right password
//! gets no token then). A disabled, locked, expired or long inactive user, or one whose
//! password expired, gets no token, and any error of identity or password is the same 401.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{KsError, TooManyAttempts};
use super::state::UserState;
use super::{json, peer, Base, Who};
use crate::auth::tokens::{new_token_id, Claims, Scope};
use crate::core::directory::application_credentials::InForce;
use crate::core::directory::{FailureSubject, LoginLimits};
use crate::core::model::{Account, Project, User};
use crate::core::policy::{LoginPolicy, UserOptions};
use crate::core::{ids, password, validate, Entity, Error};
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/v3/auth/tokens", get(validate).post(issue).delete(revoke))
}

const SUBJECT_TOKEN: &str = "x-subject-token";

#[derive(Deserialize)]
struct AuthBody {
    auth: Auth,
}

#[derive(Deserialize)]
struct Auth {
    identity: Identity,
    scope: Option<ScopeReq>,
}

#[derive(Deserialize)]
struct Identity {
    methods: Vec<String>,
    password: Option<PasswordMethod>,
    token: Option<TokenMethod>,
    application_credential: Option<AppCredMethod>,
}

/// Keystone's `application_credential` method: `{id, secret}` or
/// `{name, secret, user: {id} | {name, domain}}`.
#[derive(Deserialize)]
struct AppCredMethod {
    id: Option<String>,
    name: Option<String>,
    secret: String,
    user: Option<AppCredUser>,
}

#[derive(Deserialize)]
struct AppCredUser {
    id: Option<String>,
    name: Option<String>,
    domain: Option<Ref>,
}

/// Keystone's `token` method: `{"id": a valid token of the user}`.
#[derive(Deserialize)]
struct TokenMethod {
    id: String,
}

#[derive(Deserialize)]
struct PasswordMethod {
    user: PasswordUser,
}

#[derive(Deserialize)]
struct PasswordUser {
    id: Option<String>,
    name: Option<String>,
    password: String,
    domain: Option<Ref>,
}

#[derive(Deserialize, Default)]
struct Ref {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct ProjectRef {
    id: Option<String>,
    name: Option<String>,
    domain: Option<Ref>,
}

#[derive(Deserialize)]
struct ScopeReq {
    project: Option<ProjectRef>,
    domain: Option<Ref>,
    /// Keystone's `{"system": {"all": true}}`: for the operator only.
    system: Option<SystemRef>,
}

#[derive(Deserialize)]
struct SystemRef {
    #[serde(default)]
    all: bool,
}

/// The client's address, when the server records it (it does in `roster serve`). Behind a
/// trusted proxy, the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub(super) struct Peer(Option<IpAddr>);

impl Peer {
    /// The address's login subject (`addr:<ip>`), when the address is known.
    pub(super) fn subject(&self) -> Option<String> {
        self.0.map(|a| format!("addr:{a}"))
    }
}

impl FromRequestParts<AppState> for Peer {
    type Rejection = KsError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, KsError> {
        let direct = peer(parts).map(|a| a.ip());
        let trusted = &s.iam.settings.trusted_proxies;
        let Some(ip) = direct.filter(|ip| trusted.contains(ip)) else {
            return Ok(Peer(direct));
        };
        let forwarded: Vec<IpAddr> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        let client = forwarded.into_iter().rev().find(|a| !trusted.contains(a));
        Ok(Peer(Some(client.unwrap_or(ip))))
    }
}

fn denied() -> Error {
    Error::Unauthenticated(
        "the request you have made requires authentication: wrong user name, domain or password"
            .into(),
    )
}

/// The domain named by `r` (by id or by name); unknown is a 401, as the password would be.
async fn domain_of(s: &AppState, r: &Ref) -> Result<Account, Error> {
    let found = match (&r.id, &r.name) {
        (Some(id), _) => s.dir.account(id).await,
        (None, Some(name)) => s.dir.account_by_name(name).await,
        (None, None) => return Err(Error::invalid("a domain needs an id or a name")),
    };
    match found {
        Ok(a) => Ok(a),
        Err(Error::NotFound(..)) => Err(denied()),
        Err(e) => Err(e),
    }
}

async fn issue(
    State(s): State<AppState>,
    Peer(addr): Peer,
    b: Base,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Response, Response> {
    let ks = |e: Error| KsError(e).into_response();
    let r: AuthBody = json(&body).map_err(ks)?;
    if r.auth
        .identity
        .methods
        .iter()
        .any(|m| m == "application_credential")
    {
        return issue_app_cred(&s, addr, &b.0, q.as_deref(), r.auth).await;
    }
    if r.auth.identity.methods.iter().any(|m| m == "token") {
        return rescope(&s, &b, q.as_deref(), r).await.map_err(ks);
    }
    if !r.auth.identity.methods.iter().any(|m| m == "password") {
        return Err(ks(Error::invalid(
            "identity.methods must include \"password\", \"token\" or \"application_credential\"",
        )));
    }
    let pw = r
        .auth
        .identity
        .password
        .ok_or_else(|| ks(Error::invalid("identity.password is required")))?
        .user;
    let addr_subject = addr.map(|a| format!("addr:{a}"));
    // who is named: the user (by id, or by name in a domain)
    let (account_id, user_subject, user) = match (&pw.id, &pw.name) {
        (Some(id), _) => match s.dir.account_of_user(id).await.map_err(ks)? {
            Some(acc) => {
                let u = s.dir.user(&acc, id).await.map_err(ks)?;
                (Some(acc), format!("user:{id}"), Some(u))
            }
            None => (None, format!("user:{id}"), None),
        },
        (None, Some(name)) => {
            let dom = pw
                .domain
                .as_ref()
                .ok_or_else(|| ks(Error::invalid("a user named by name needs a domain")))?;
            match domain_of(&s, dom).await {
                Ok(acc) => {
                    let u = match s.dir.user_by_name(&acc.id, name).await {
                        Ok(u) => Some(u),
                        Err(Error::NotFound(..)) => None,
                        Err(e) => return Err(ks(e)),
                    };
                    let subject = match &u {
                        Some(u) => format!("user:{}", u.id),
                        None => format!("user:{}/{}", acc.id, crate::store::common::fold(name)),
                    };
                    (Some(acc.id.into_string()), subject, u)
                }
                Err(Error::Unauthenticated(_)) => (None, format!("user:?/{name}"), None),
                Err(e) => return Err(ks(e)),
            }
        }
        (None, None) => return Err(ks(Error::invalid("the user needs an id or a name"))),
    };
    let policy = match &account_id {
        Some(acc) => super::security::login_policy(&s, acc).await.map_err(ks)?,
        None => super::security::server_login_policy(&s),
    };
    let options = user
        .as_ref()
        .map(|u| UserOptions::from_stored(&u.options))
        .unwrap_or_default();
    let guard = Guard::new(&s, addr_subject, &user_subject, &policy, &options);
    guard.admit(&s).await?;
    let ok = match &user {
        Some(u) => s.dir.verify_password(u, &pw.password).await.map_err(ks)?,
        None => {
            // as slow as a real check, so timing does not tell which names exist
            password::verify_nothing(&pw.password).await.map_err(ks)?;
            false
        }
    };
    let (Some(account_id), Some(user), true) = (account_id, user, ok) else {
        guard.failed(&s).await?;
        return Err(ks(denied()));
    };
    let now = ids::now_ms();
    if user.disabled || user.locked || user.expired_at(now) {
        return Err(ks(Error::Unauthenticated(format!(
            "the user {} is disabled or locked",
            user.id
        ))));
    }
    let state = user_state(&s, &account_id, &user).await.map_err(ks)?;
    if password_expired(&user, &options, now) {
        // Keystone's PasswordExpired: the user changes it with POST /v3/users/{id}/password
        return Err(ks(Error::Unauthenticated(format!(
            "The password is expired and needs to be changed for user: {}.",
            user.id
        ))));
    }
    if let Some(validity) = policy.validity_ms() {
        let last = user.last_login_at.max(user.created_at);
        if !user.is_root && !options.flag("ignore_user_inactivity") && last + validity <= now {
            return Err(ks(Error::Unauthenticated(format!(
                "the user {} has not logged in for {} days and is disabled (the login policy's account_validity_period)",
                user.id, policy.account_validity_period
            ))));
        }
    }
    s.dir
        .login_succeeded(&user_subject, &user.id)
        .await
        .map_err(ks)?;
    let account = s.dir.account(&account_id).await.map_err(ks)?;
    let scope = resolve_scope(&s, &account, &user, r.auth.scope, state.system)
        .await
        .map_err(ks)?;
    let claims = Claims {
        user_id: user.id.to_string(),
        account_id: account.id.to_string(),
        scope: scope.claim(),
        methods: vec!["password".into()],
        issued_at: now,
        // the login policy's session_timeout bounds the server's token lifetime
        expires_at: now + s.iam.settings.token_ttl_ms().min(policy.session_ms()),
        token_id: new_token_id(),
        application_credential: None,
    };
    let roles = scope_roles(&s, &user, &scope, state.operator)
        .await
        .map_err(ks)?;
    let minted = Minted {
        claims: &claims,
        user: &user,
        account: &account,
        scope: &scope,
        roles: &roles,
        app: None,
    };
    respond(&s, &b.0, q.as_deref(), minted).await.map_err(ks)
}

/// What this node knows of the user's state (`IamState::user`, cached): a disabled
/// domain's users get no token (Keystone's rule).
async fn user_state(s: &AppState, account_id: &str, user: &User) -> Result<UserState, Error> {
    let state = s
        .iam
        .user(&s.dir, account_id, &user.id)
        .await?
        .ok_or_else(|| Error::Unauthenticated(format!("the user {} no longer exists", user.id)))?;
    if !state.domain_enabled {
        return Err(Error::Unauthenticated(format!(
            "the domain {account_id} of user {} is disabled",
            user.id
        )));
    }
    Ok(state)
}

/// A token about to be sealed, with what its body shows.
struct Minted<'a> {
    claims: &'a Claims,
    user: &'a User,
    account: &'a Account,
    scope: &'a Resolved,
    roles: &'a [(String, String)],
    app: Option<&'a InForce>,
}

/// Seals the claims and answers 201 with the token's body (its catalog unless
/// `nocatalog`) and its `X-Subject-Token`: the end of every sign-in method.
async fn respond(
    s: &AppState,
    base: &str,
    q: Option<&str>,
    m: Minted<'_>,
) -> Result<Response, Error> {
    let token = s.iam.issue(&s.dir, m.claims).await?;
    let catalog = scope_catalog(s, base, m.scope, q).await?;
    let body = token_body(
        m.claims,
        m.user,
        m.account,
        m.scope,
        m.roles,
        catalog.as_ref(),
        m.app,
    );
    issued(&token, body)
}

/// Keystone's `token` method: a valid token (unscoped or scoped: Keystone's default
/// `allow_rescope_scoped_token`) gets a new token of its user in the scope asked (the
/// default project when none is), expiring when the original does; the scope rules are a
/// password's. A token it does not take (malformed, expired, revoked, of a user whose
/// password changed since) is a 404, as Keystone's TokenNotFound.
async fn rescope(s: &AppState, b: &Base, q: Option<&str>, r: AuthBody) -> Result<Response, Error> {
    let id = r
        .auth
        .identity
        .token
        .ok_or_else(|| Error::invalid("identity.token is required"))?
        .id;
    // Keystone answers a token it will not take here with 404 (TokenNotFound)
    let (old, state) = match s.iam.check(&s.dir, &id).await {
        // Keystone: a token made with an application credential is not rescoped
        Ok((_, _, Some(_))) => {
            return Err(Error::Forbidden(
                "a token made with an application credential cannot be rescoped".into(),
            ))
        }
        Ok((c, u, None)) => (c, u),
        Err(Error::Unauthenticated(why)) => return Err(Error::NotFound(Entity::Token, why)),
        Err(e) => return Err(e),
    };
    let user = s.dir.user(&old.account_id, &old.user_id).await?;
    let account = s.dir.account(&old.account_id).await?;
    let scope = resolve_scope(s, &account, &user, r.auth.scope, state.system).await?;
    let mut methods = vec!["token".to_string()];
    methods.extend(old.methods.iter().filter(|m| *m != "token").cloned());
    let claims = Claims {
        user_id: old.user_id.clone(),
        account_id: old.account_id.clone(),
        scope: scope.claim(),
        methods,
        issued_at: ids::now_ms(),
        expires_at: old.expires_at,
        token_id: new_token_id(),
        application_credential: None,
    };
    let roles = scope_roles(s, &user, &scope, state.operator).await?;
    let minted = Minted {
        claims: &claims,
        user: &user,
        account: &account,
        scope: &scope,
        roles: &roles,
        app: None,
    };
    respond(s, &b.0, q, minted).await
}

/// Whether the user's password has expired (its policy's validity period is over), unless
/// the password never expires for this user.
fn password_expired(u: &User, options: &UserOptions, now: i64) -> bool {
    u.password_expires_at != 0
        && u.password_expires_at <= now
        && !u.password_never_expired
        && !options.flag("ignore_password_expiry")
}

/// The limits on one password check (a login, a password change): the address's failures
/// (429 when used up, the server's limits) and the user's lockout (401, Keystone's
/// AccountLocked, by the account's login policy; the user's
/// `ignore_lockout_failure_attempts` option takes it out of the lockout).
pub(super) struct Guard {
    addr: Option<String>,
    user: FailureSubject,
    limits: LoginLimits,
}

impl Guard {
    pub(super) fn new(
        s: &AppState,
        addr: Option<String>,
        user_subject: &str,
        policy: &LoginPolicy,
        options: &UserOptions,
    ) -> Guard {
        let lock = (!options.flag("ignore_lockout_failure_attempts"))
            .then_some((policy.login_failed_times, policy.lockout_ms()));
        Guard {
            addr,
            user: FailureSubject {
                subject: user_subject.to_string(),
                window_ms: policy.window_ms(),
                lock,
            },
            limits: s.iam.settings.login_limits,
        }
    }

    /// Refuses the attempt before the password is checked: the address has used up its
    /// failures (429), or the user is locked out (401, even with the right password).
    pub(super) async fn admit(&self, s: &AppState) -> Result<(), Response> {
        let ks = |e: Error| KsError(e).into_response();
        if let Some(a) = &self.addr {
            let subjects = [(a.clone(), self.limits.max_per_addr)];
            if let Some(wait) = s
                .dir
                .login_blocked(&subjects, self.limits)
                .await
                .map_err(ks)?
            {
                return Err(TooManyAttempts(wait).into_response());
            }
        }
        if self.user.lock.is_some()
            && s.dir
                .locked_out(&self.user.subject)
                .await
                .map_err(ks)?
                .is_some()
        {
            let who = self
                .user
                .subject
                .strip_prefix("user:")
                .unwrap_or(&self.user.subject);
            return Err(ks(Error::Unauthenticated(format!(
                "The account is locked for user: {who}."
            ))));
        }
        Ok(())
    }

    /// Counts a failed check against the address and the user.
    pub(super) async fn failed(&self, s: &AppState) -> Result<(), Response> {
        let mut subjects = vec![self.user.clone()];
        if let Some(a) = &self.addr {
            subjects.push(FailureSubject {
                subject: a.clone(),
                window_ms: self.limits.window_ms,
                lock: None,
            });
        }
        s.dir
            .record_login_failure(&subjects, self.limits)
            .await
            .map_err(|e| KsError(e).into_response())
    }
}

/// 201 with the token's body and its `X-Subject-Token`.
fn issued(token: &str, body: Value) -> Result<Response, Error> {
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    resp.headers_mut().insert(
        SUBJECT_TOKEN,
        HeaderValue::from_str(token).map_err(|e| Error::Internal(e.to_string()))?,
    );
    Ok(resp)
}

fn app_cred_denied() -> Error {
    Error::Unauthenticated(
        "the request you have made requires authentication: invalid application credential".into(),
    )
}

/// The `application_credential` method (Keystone API reference, "Authenticating with an
/// Application Credential"): the credential by id, or by name of its user (by id, or by
/// name in a domain), and its secret. The token is scoped to the credential's project (a
/// scope asked for must be that project), lists the credential's roles the user still
/// holds there, carries `application_credential: {id, name, restricted}`, and counts only
/// those roles. An unknown credential, a wrong secret, an expired credential, or a
/// disabled user: 401. Failed attempts count as password logins do.
async fn issue_app_cred(
    s: &AppState,
    addr: Option<IpAddr>,
    base: &str,
    q: Option<&str>,
    auth: Auth,
) -> Result<Response, Response> {
    let ks = |e: Error| KsError(e).into_response();
    let m = auth.identity.application_credential.ok_or_else(|| {
        ks(Error::invalid(
            "identity.application_credential is required",
        ))
    })?;
    if auth.identity.methods.len() != 1 {
        return Err(ks(Error::invalid(
            "the application_credential method cannot be combined with another",
        )));
    }
    use crate::core::directory::application_credentials::Named;
    // which credential is named: Some(named) when its user (if named) exists
    // an id or name no credential can have is unknown at once (nothing unchecked reaches
    // the database, and the failure subject stays short)
    let (named, subject) = match (&m.id, &m.name) {
        (Some(id), _) if !ids::is_hex_id(id) => (None, "appcred:?".to_string()),
        (None, Some(name)) if validate::lookup_name("name", name).is_err() => {
            (None, "appcred:?".to_string())
        }
        (Some(id), _) => (Some(Named::Id(id.clone())), format!("appcred:{id}")),
        (None, Some(name)) => {
            let u = m.user.as_ref().ok_or_else(|| {
                ks(Error::invalid(
                    "an application credential named by name needs its user",
                ))
            })?;
            let found = match (&u.id, &u.name) {
                (Some(id), _) => s
                    .dir
                    .account_of_user(id)
                    .await
                    .map_err(ks)?
                    .map(|a| (a, id.clone())),
                (None, Some(uname)) => {
                    let dom = u
                        .domain
                        .as_ref()
                        .ok_or_else(|| ks(Error::invalid("a user named by name needs a domain")))?;
                    match domain_of(s, dom).await {
                        Ok(acc) => match s.dir.user_by_name(&acc.id, uname).await {
                            Ok(user) => Some((acc.id.into_string(), user.id.to_string())),
                            Err(Error::NotFound(..)) => None,
                            Err(e) => return Err(ks(e)),
                        },
                        Err(Error::Unauthenticated(_)) => None,
                        Err(e) => return Err(ks(e)),
                    }
                }
                (None, None) => return Err(ks(Error::invalid("the user needs an id or a name"))),
            };
            match found {
                Some((account_id, user_id)) => {
                    let subject = format!("appcred:{user_id}/{}", crate::store::common::fold(name));
                    (
                        Some(Named::Name {
                            account_id,
                            user_id,
                            name: name.clone(),
                        }),
                        subject,
                    )
                }
                None => (None, format!("appcred:?/{name}")),
            }
        }
        (None, None) => {
            return Err(ks(Error::invalid(
                "the application credential needs an id or a name",
            )))
        }
    };
    // failures count against the address and the credential, under the server's limits
    let policy = super::security::server_login_policy(s);
    let guard = Guard::new(
        s,
        addr.map(|a| format!("addr:{a}")),
        &subject,
        &policy,
        &UserOptions::default(),
    );
    guard.admit(s).await?;
    let found = match named {
        Some(n) => s
            .dir
            .verify_application_credential(n, &m.secret)
            .await
            .map_err(ks)?,
        None => {
            password::verify_nothing(&m.secret).await.map_err(ks)?;
            None
        }
    };
    let Some(cred) = found else {
        guard.failed(s).await?;
        return Err(ks(app_cred_denied()));
    };
    s.dir.clear_login_failures(&subject).await.map_err(ks)?;
    let now = ids::now_ms();
    if cred.expires_at.is_some_and(|e| e <= now * 1000) {
        return Err(ks(Error::Unauthenticated(format!(
            "the application credential {} has expired",
            cred.id
        ))));
    }
    let user = s
        .dir
        .user(&cred.account_id, &cred.user_id)
        .await
        .map_err(ks)?;
    if user.disabled || user.locked || user.expired_at(now) {
        return Err(ks(Error::Unauthenticated(format!(
            "the user {} is disabled or locked",
            user.id
        ))));
    }
    user_state(s, &cred.account_id, &user).await.map_err(ks)?;
    let account = s.dir.account(&cred.account_id).await.map_err(ks)?;
    if auth.scope.is_some() {
        match resolve_scope(s, &account, &user, auth.scope, false)
            .await
            .map_err(ks)?
        {
            Resolved::Project(p) if p.id == cred.project_id => {}
            Resolved::None => {}
            _ => {
                return Err(ks(Error::Unauthenticated(
                    "an application credential's token is scoped to the credential's project: it cannot request another scope"
                        .into(),
                )))
            }
        }
    }
    let project = match s.dir.project(&cred.project_id).await {
        Ok(p) if p.enabled => p,
        Ok(p) => {
            return Err(ks(Error::Unauthenticated(format!(
                "project {} is disabled",
                p.id
            ))))
        }
        Err(Error::NotFound(..)) => return Err(ks(app_cred_denied())),
        Err(e) => return Err(ks(e)),
    };
    let app = s
        .dir
        .application_credential_in_force(&account.id, &user.id, &cred.id)
        .await
        .map_err(ks)?;
    let claims = Claims {
        user_id: user.id.to_string(),
        account_id: account.id.to_string(),
        scope: Scope::Project(project.id.to_string()),
        methods: vec!["application_credential".into()],
        issued_at: now,
        expires_at: match cred.expires_at {
            // a token outlives its application credential no longer than Keystone's does
            Some(e) => (e / 1000).min(now + s.iam.settings.token_ttl_ms()),
            None => now + s.iam.settings.token_ttl_ms(),
        },
        token_id: new_token_id(),
        application_credential: Some(cred.id.clone()),
    };
    let scope = Resolved::Project(project);
    let minted = Minted {
        claims: &claims,
        user: &user,
        account: &account,
        scope: &scope,
        roles: &app.roles,
        app: Some(&app),
    };
    respond(s, base, q, minted).await.map_err(ks)
}

enum Resolved {
    Project(Project),
    Domain,
    /// The operator's system scope.
    System,
    None,
}

impl Resolved {
    /// The scope as the token's claims keep it.
    fn claim(&self) -> Scope {
        match self {
            Resolved::Project(p) => Scope::Project(p.id.to_string()),
            Resolved::Domain => Scope::Domain,
            Resolved::System => Scope::System,
            Resolved::None => Scope::Unscoped,
        }
    }
}

/// The scope asked for, which must be in the user's own account (else 401, as Keystone);
/// the system scope is for holders of a system role (`system`) only. None asked: the
/// user's default project when it has one still there and enabled (Keystone's rule), else
/// unscoped.
async fn resolve_scope(
    s: &AppState,
    account: &Account,
    user: &User,
    scope: Option<ScopeReq>,
    system: bool,
) -> Result<Resolved, Error> {
    let not_yours = |what: &str| {
        Error::Unauthenticated(format!("the user has no access to the {what} asked for"))
    };
    let Some(scope) = scope else {
        return default_scope(s, account, user).await;
    };
    if let Some(sys) = scope.system {
        if !sys.all {
            return Err(Error::invalid(
                "scope.system: only {\"all\": true} is served",
            ));
        }
        if !system {
            return Err(not_yours("system"));
        }
        return Ok(Resolved::System);
    }
    if let Some(p) = scope.project {
        if let Some(d) = &p.domain {
            if domain_of(s, d).await.map_err(|_| not_yours("domain"))?.id != account.id {
                return Err(not_yours("project"));
            }
        }
        let found = match (&p.id, &p.name) {
            (Some(id), _) => own_project(s, account, id).await?,
            (None, Some(name)) => s
                .dir
                .projects_of(&account.id)
                .await?
                .into_iter()
                .find(|x| &x.name == name),
            (None, None) => return Err(Error::invalid("a project needs an id or a name")),
        };
        return match found {
            // Keystone: a disabled project gets no scoped token (401)
            Some(p) if !p.enabled => Err(Error::Unauthenticated(format!(
                "project {} is disabled",
                p.id
            ))),
            Some(p) => Ok(Resolved::Project(p)),
            None => Err(not_yours("project")),
        };
    }
    if let Some(d) = scope.domain {
        if domain_of(s, &d).await.map_err(|_| not_yours("domain"))?.id != account.id {
            return Err(not_yours("domain"));
        }
        return Ok(Resolved::Domain);
    }
    Ok(Resolved::None)
}

/// A request without a scope gets the user's default project, when it has one that is
/// still there and enabled (Keystone's rule), else an unscoped token.
async fn default_scope(s: &AppState, account: &Account, user: &User) -> Result<Resolved, Error> {
    if user.default_project_id.is_empty() {
        return Ok(Resolved::None);
    }
    Ok(own_project(s, account, &user.default_project_id)
        .await?
        .filter(|p| p.enabled)
        .map_or(Resolved::None, Resolved::Project))
}

/// The account's project `id` (one read), if it has one.
async fn own_project(s: &AppState, account: &Account, id: &str) -> Result<Option<Project>, Error> {
    match s.dir.project(id).await {
        Ok(p) if p.account_id == account.id => Ok(Some(p)),
        Ok(_) | Err(Error::NotFound(..)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Keystone's time format for tokens: microseconds, `Z`.
fn keystone_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// The roles the user holds where the token is scoped (none when unscoped), as (id, name).
/// A system-scoped token lists the user's system roles; the operator's other tokens list
/// `admin` beside what it holds there.
async fn scope_roles(
    s: &AppState,
    user: &User,
    scope: &Resolved,
    operator: bool,
) -> Result<Vec<(String, String)>, Error> {
    use crate::core::directory::TokenScope;
    let scope = match scope {
        Resolved::Project(p) => TokenScope::Project(p.id.clone()),
        Resolved::Domain => TokenScope::Domain,
        Resolved::System => TokenScope::System,
        Resolved::None => return Ok(vec![]),
    };
    s.dir
        .roles_in_scope(&user.account_id, &user.id, scope, operator)
        .await
}

/// The catalog a scoped token carries unless `nocatalog` is asked; Roster's own faces are
/// in the region named like the project (Huawei's regions are projects), else `global`.
async fn scope_catalog(
    s: &AppState,
    base: &str,
    scope: &Resolved,
    q: Option<&str>,
) -> Result<Option<Value>, Error> {
    if Params::parse(q).get("nocatalog").is_some() {
        return Ok(None);
    }
    let region = match scope {
        Resolved::Project(p) => p.name.as_str(),
        Resolved::Domain | Resolved::System => "global",
        Resolved::None => return Ok(None),
    };
    Ok(Some(super::catalog::token_catalog(s, base, region).await?))
}

fn token_body(
    c: &Claims,
    user: &User,
    account: &Account,
    scope: &Resolved,
    roles: &[(String, String)],
    catalog: Option<&Value>,
    app: Option<&InForce>,
) -> Value {
    let domain = json!({ "id": account.id, "name": account.name });
    let mut t = json!({
        "methods": c.methods,
        "issued_at": keystone_time(c.issued_at),
        "expires_at": keystone_time(c.expires_at),
        "audit_ids": [c.token_id],
        "user": {
            "id": user.id,
            "name": user.name,
            "domain": domain,
            "password_expires_at": super::views::password_expires_at(user),
        },
    });
    match scope {
        Resolved::Project(p) => {
            t["project"] = json!({ "id": p.id, "name": p.name, "domain": domain });
        }
        Resolved::Domain => t["domain"] = domain.clone(),
        Resolved::System => t["system"] = json!({ "all": true }),
        Resolved::None => {}
    }
    if !matches!(scope, Resolved::None) {
        // what the user holds there (the root user: admin), as Keystone lists them
        t["roles"] = roles
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect();
        if let Some(catalog) = catalog {
            t["catalog"] = catalog.clone();
        }
    }
    if let Some(a) = app {
        t["application_credential"] = json!({
            "id": a.id,
            "name": a.name,
            "restricted": !a.unrestricted,
        });
    }
    json!({ "token": t })
}

fn subject(headers: &HeaderMap) -> Result<String, Error> {
    headers
        .get(SUBJECT_TOKEN)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid("the X-Subject-Token header is required"))
}

/// The subject token, checked, and allowed to the caller: its own, or any token of its
/// domain for the administrator. Another domain's token is as unknown as a bad one.
async fn subject_claims(
    s: &AppState,
    who: &Who,
    headers: &HeaderMap,
) -> Result<(Claims, UserState, Option<Arc<InForce>>), Error> {
    let token = subject(headers)?;
    let not_found = || Error::NotFound(Entity::Token, "in X-Subject-Token".into());
    let (claims, state, app) = match s.iam.check(&s.dir, &token).await {
        Ok(x) => x,
        Err(Error::Unauthenticated(_)) => return Err(not_found()),
        Err(e) => return Err(e),
    };
    if claims.account_id != who.account_id {
        return Err(not_found());
    }
    who.must_be_admin_or(&claims.user_id)?;
    Ok((claims, state, app))
}

async fn validate(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, KsError> {
    let (claims, state, app) = subject_claims(&s, &who, &headers).await?;
    let user = s.dir.user(&claims.account_id, &claims.user_id).await?;
    let account = s.dir.account(&claims.account_id).await?;
    let scope = match &claims.scope {
        Scope::Project(pid) => match s.dir.project(pid).await {
            Ok(p) => Resolved::Project(p),
            Err(Error::NotFound(..)) => {
                return Err(Error::NotFound(Entity::Project, pid.clone()).into())
            }
            Err(e) => return Err(e.into()),
        },
        Scope::Domain => Resolved::Domain,
        Scope::System => Resolved::System,
        Scope::Unscoped => Resolved::None,
    };
    let roles = match &app {
        Some(a) => a.roles.clone(),
        None => scope_roles(&s, &user, &scope, state.operator).await?,
    };
    let catalog = scope_catalog(&s, &b.0, &scope, q.as_deref()).await?;
    let body = token_body(
        &claims,
        &user,
        &account,
        &scope,
        &roles,
        catalog.as_ref(),
        app.as_deref(),
    );
    let mut resp = Json(body).into_response();
    if let Some(v) = headers.get(SUBJECT_TOKEN) {
        resp.headers_mut().insert(SUBJECT_TOKEN, v.clone());
    }
    Ok(resp)
}

async fn revoke(
    State(s): State<AppState>,
    who: Who,
    headers: HeaderMap,
) -> Result<Response, KsError> {
    let (claims, _, _) = subject_claims(&s, &who, &headers).await?;
    s.iam.revoke(&s.dir, &claims).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
