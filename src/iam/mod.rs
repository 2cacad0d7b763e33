//! The Huawei Cloud IAM face, which is OpenStack Keystone v3: tokens, users, groups and
//! membership on the same directory the Workspace face serves, as `huaweicloudsdkiam` and
//! Keystone clients call them. Keystone domain = Roster account, Keystone project = Roster
//! project. Translates wire to core and back only; see ARCHITECTURE.md.

mod application_credentials;
mod catalog;
pub mod credentials;
mod domains;
pub mod error;
mod groups;
mod keystone_credentials;
mod keystone_roles;
mod lists;
pub mod meta;
mod projects;
mod roles;
pub mod security;
pub mod state;
mod tokens;
mod users;
pub mod v5;
mod views;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use bytes::Bytes;

use crate::core::Error;
use crate::http::auth::huawei_aksk;
use crate::http::AppState;
use error::KsError;

pub use state::{IamSettings, IamState};

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(tokens::router())
        .merge(groups::router())
        .merge(users::router())
        .merge(meta::router())
        .merge(domains::router())
        .merge(projects::router())
        .merge(catalog::router())
        .merge(roles::router())
        .merge(security::router())
        .merge(keystone_roles::router())
        .merge(credentials::router())
        .merge(keystone_credentials::router())
        .merge(application_credentials::router())
        .merge(v5::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
        // `authenticate` bounds the body by `max_body_bytes`; axum's own 2 MiB default would
        // answer in plain text instead
        .layer(axum::extract::DefaultBodyLimit::disable())
        // version discovery is public, as in Keystone
        .merge(meta::public_router())
        .with_state(state)
}

/// Who calls an IAM route: from a token (`X-Auth-Token`) or an AK/SK signature.
#[derive(Debug, Clone)]
pub struct Who {
    pub account_id: String,
    pub user_id: String,
    /// The account's root user: the domain's administrator.
    pub admin: bool,
    /// The caller's address, for `g:SourceIp` conditions.
    pub source_ip: Option<std::net::IpAddr>,
    /// The operator (system role `admin`, Keystone's cloud administrator): administers
    /// every account. For an operator `account_id` is the account the request addresses
    /// (an entity's owner, a `domain_id` of the query or the body: `operator::target`),
    /// else its own, and `admin` is true.
    pub operator: bool,
    /// The caller's own account (`account_id` unless an operator addresses another).
    pub home_account_id: String,
    /// The project of the caller's token, or of a signed request's `X-Project-Id`.
    pub project_id: Option<String>,
    /// What the application credential of the caller's token delegates: only its roles
    /// count (`auth::authz::Request::only_roles`); `None` for any other caller.
    pub app: Option<std::sync::Arc<crate::core::directory::application_credentials::InForce>>,
}

impl Who {
    /// Refuses anyone but the operator, the cloud's administrator above the accounts.
    pub fn must_be_operator(&self) -> Result<(), Error> {
        if self.operator {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "you are not authorized to perform the requested action: it needs the operator (the cloud administrator)".into(),
            ))
        }
    }

    /// Refuses anyone but the domain's administrator.
    pub fn must_be_admin(&self) -> Result<(), Error> {
        if self.admin {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "you are not authorized to perform the requested action: it needs the domain administrator".into(),
            ))
        }
    }

    /// The domain administrator, or the user `user_id` acting on itself.
    pub fn must_be_admin_or(&self, user_id: &str) -> Result<(), Error> {
        if self.user_id == user_id {
            Ok(())
        } else {
            self.must_be_admin()
        }
    }

    /// The caller's policies must allow `action` (an action name of
    /// `core::authz::actions`) in the domain's scope: IAM is a global service. The root
    /// user always passes.
    pub async fn allow(&self, s: &AppState, action: &str) -> Result<(), Error> {
        self.decide(s, action, false).await
    }

    async fn decide(&self, s: &AppState, action: &str, self_service: bool) -> Result<(), Error> {
        if self.admin {
            return Ok(());
        }
        let action = crate::core::authz::actions::find(action)
            .ok_or_else(|| Error::Internal(format!("{action} is not an action")))?;
        let request = crate::auth::authz::Request {
            account_id: &self.account_id,
            user_id: &self.user_id,
            action,
            resource: None,
            scope: crate::core::directory::RequestScope::Domain,
            source_ip: self.source_ip,
            secure_transport: false,
            self_service,
            only_roles: self.app.as_ref().map(|a| a.role_ids.as_slice()),
        };
        s.authz.authorize(&s.dir, &request).await
    }

    /// [`Who::allow`], except that a user acting on itself (`user_id`) needs no Allow (it
    /// reads its own record and groups and manages its own keys, as Keystone's owner rules
    /// and the cloud allow); an explicit Deny of its policies still refuses it.
    pub async fn allow_or_self(
        &self,
        s: &AppState,
        action: &str,
        user_id: &str,
    ) -> Result<(), Error> {
        if self.user_id == user_id {
            self.decide(s, action, true).await
        } else {
            self.allow(s, action).await
        }
    }

    /// Refuses a change to the account's root user (its password, state, keys) by anyone
    /// but itself, whatever the caller's policies say (`auth::authz::guard_root`).
    pub async fn guard_root(&self, s: &AppState, user_id: &str) -> Result<(), Error> {
        // the operator passes; the account's root passes the root check there, not the
        // operators' one
        if self.operator {
            return Ok(());
        }
        crate::auth::authz::guard_root(&s.authz, &s.dir, &self.account_id, &self.user_id, user_id)
            .await
    }

    /// A `domain_id` named in a request must be the caller's own.
    pub fn own_domain(&self, domain_id: Option<&str>) -> Result<(), Error> {
        match domain_id {
            Some(d) if !d.is_empty() && d != self.account_id => Err(Error::Forbidden(format!(
                "you are not authorized for domain {d}"
            ))),
            _ => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Who {
    type Rejection = KsError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, KsError> {
        parts
            .extensions
            .get::<Who>()
            .cloned()
            .ok_or_else(|| Error::Unauthenticated("the request is not authenticated".into()).into())
    }
}

fn header<'a>(req: &'a Request, name: &str) -> Result<Option<&'a str>, Error> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| Error::Unauthenticated(format!("the {name} header is malformed"))),
    }
}

async fn authenticate(State(s): State<AppState>, req: Request, next: Next) -> Response {
    // a refusal on a v5 route is in v5's error body, else in Keystone's
    let v5 = v5::is_v5_path(req.uri().path()).then(|| v5::request_id(req.headers()));
    let refuse = |e: Error| match &v5 {
        Some(id) => v5::error::render(&e, None, id),
        None => KsError(e).into_response(),
    };
    // every body is read here, within `max_body_bytes`, so that an oversized one gets a
    // Keystone error (the handlers' own extractors have no limit: see `router`)
    let (parts, body) = req.into_parts();
    let (req, body) = match crate::http::auth::read_body(body, s.max_body_bytes).await {
        Ok(bytes) => (
            Request::from_parts(parts, axum::body::Body::from(bytes.clone())),
            bytes,
        ),
        Err(e) => return refuse(e),
    };
    // issuing a token is how a client authenticates in the first place
    if req.method() == http::Method::POST && req.uri().path() == "/v3/auth/tokens" {
        return next.run(req).await;
    }
    // a user changing its own password authenticates with the original one (Keystone's
    // change-password API needs no token: an expired password gets none)
    if req.method() == http::Method::POST && is_password_change(req.uri().path()) {
        return next.run(req).await;
    }
    match identify(&s, req, body).await {
        Ok(Identified::Go(req)) => next.run(req).await,
        Ok(Identified::Answer(resp)) => resp,
        Err(e) => refuse(e),
    }
}

/// `/v3/users/{user_id}/password`.
fn is_password_change(path: &str) -> bool {
    path.strip_prefix("/v3/users/")
        .and_then(|rest| rest.strip_suffix("/password"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// What `identify` makes of a request: pass it on with its [`Who`], or answer it.
enum Identified {
    Go(Request),
    Answer(Response),
}

/// Puts the caller's [`Who`] on the request; an operator's is aimed at the account the
/// request addresses (`domains::target`), which may answer it at once (an empty list for
/// an unknown `domain_id`, as Keystone).
async fn identify(s: &AppState, req: Request, body: Bytes) -> Result<Identified, Error> {
    let (mut who, req) = caller(s, req).await?;
    if who.operator {
        let (method, uri, base) = (
            req.method().clone(),
            req.uri().clone(),
            base_url_of(s, &req),
        );
        match domains::target(s, &method, &uri, &base, &body).await? {
            domains::Target::Own => {}
            domains::Target::Account(a) => who.account_id = a,
            domains::Target::Answer(resp) => return Ok(Identified::Answer(resp)),
        }
    }
    let mut req = req;
    req.extensions_mut().insert(who);
    Ok(Identified::Go(req))
}

async fn caller(s: &AppState, req: Request) -> Result<(Who, Request), Error> {
    if let Some(token) = header(&req, "x-auth-token")?.map(str::to_string) {
        let (claims, user, app) = s.iam.check(&s.dir, &token).await?;
        let who = Who {
            home_account_id: claims.account_id.clone(),
            account_id: claims.account_id,
            user_id: claims.user_id,
            // a token made with an application credential without `admin` is the domain
            // administrator (or the operator) no more
            admin: (user.is_root || user.operator)
                && app.as_ref().is_none_or(|a| a.delegates_admin()),
            source_ip: source_ip(&req),
            operator: user.operator && app.as_ref().is_none_or(|a| a.delegates_admin()),
            project_id: match claims.scope {
                crate::auth::tokens::Scope::Project(p) => Some(p),
                _ => None,
            },
            app,
        };
        return Ok((who, req));
    }
    if req.headers().get(http::header::AUTHORIZATION).is_none() {
        return Err(Error::Unauthenticated(
            "the request you have made requires authentication: send X-Auth-Token or sign it with an access key".into(),
        ));
    }
    let domain = header(&req, "x-domain-id")?.map(str::to_string);
    let project = header(&req, "x-project-id")?.map(str::to_string);
    let (caller, req) = huawei_aksk(s, req, s.max_body_bytes).await?;
    if let Some(d) = domain.filter(|d| !d.is_empty()) {
        if d != caller.account_id {
            return Err(Error::Forbidden(format!(
                "the credentials used have no access to domain {d}"
            )));
        }
    }
    let project = project.filter(|p| !p.is_empty());
    if let Some(p) = &project {
        let account = match s.caches.project_account(p) {
            Some(a) => Some(a),
            None => match s.dir.project(p).await {
                Ok(pr) => {
                    s.caches.put_project(&pr.id, &pr.account_id);
                    Some(pr.account_id.into_string())
                }
                Err(Error::NotFound(..)) => None,
                Err(e) => return Err(e),
            },
        };
        if account.as_deref() != Some(caller.account_id.as_str()) {
            return Err(Error::Forbidden(format!(
                "the credentials used have no access to project {p}"
            )));
        }
    }
    let user = s
        .iam
        .user(&s.dir, &caller.account_id, &caller.user_id)
        .await?
        .ok_or_else(|| Error::Unauthenticated("the access key's user no longer exists".into()))?;
    if !user.domain_enabled {
        return Err(Error::Unauthenticated(
            "the access key's domain is disabled".into(),
        ));
    }
    let source_ip = source_ip(&req);
    let who = Who {
        home_account_id: caller.account_id.clone(),
        account_id: caller.account_id,
        user_id: caller.user_id,
        admin: user.is_root || user.operator,
        source_ip,
        operator: user.operator,
        project_id: project,
        app: None,
    };
    Ok((who, req))
}

fn source_ip(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The caller's source address, when the server records it.
pub fn peer(parts: &Parts) -> Option<SocketAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// The absolute base URL of this server as the client sees it: the configured public URL,
/// else `http://` and the request's Host.
pub struct Base(pub String);

impl FromRequestParts<AppState> for Base {
    type Rejection = KsError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, KsError> {
        Ok(Base(base_url(s, parts)))
    }
}

/// The absolute base URL of this server for a request's links (see [`Base`]).
pub fn base_url(s: &AppState, parts: &Parts) -> String {
    base_of(s, &parts.headers, &parts.uri)
}

/// [`base_url`] of a whole request.
pub fn base_url_of(s: &AppState, req: &Request) -> String {
    base_of(s, req.headers(), req.uri())
}

fn base_of(s: &AppState, headers: &http::HeaderMap, uri: &http::Uri) -> String {
    if let Some(u) = &s.iam.settings.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".into());
    format!("http://{host}")
}

pub use crate::http::json;
