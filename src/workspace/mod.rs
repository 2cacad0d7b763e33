//! The Huawei Cloud Workspace face: `/v2/{project_id}/...` users and user groups, as
//! `huaweicloudsdkworkspace` calls and parses them. Translates wire to core and back only.

mod actions;
pub mod error;
mod exports;
mod groups;
mod users;
mod views;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::future::BoxFuture;

use crate::auth::tokens::Scope;
use crate::core::authz::actions::Level;
use crate::core::directory::RequestScope;
use crate::core::model::ProjectId;
use crate::core::Error;
use crate::http::auth::{huawei_aksk_gated, huawei_token_gated, Caller};
use crate::http::AppState;
use error::WsError;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(groups::router())
        .merge(exports::router())
        .merge(users::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
        // `authenticate` reads every body within its limit (413 WKS.0005 beyond it); axum's
        // own 2 MiB default would answer in plain text instead
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}

async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let import = req.uri().path().ends_with(exports::IMPORT_PATH_SUFFIX);
    let limit = if import {
        exports::import_body_limit(&state)
    } else {
        state.max_body_bytes
    };
    // an import holds one of the node's import permits from before its upload is read
    // until its answer is made (`jobs::Exports::imports`)
    let gate = import.then_some(&state.exports.imports);
    let token = req
        .headers()
        .get("x-auth-token")
        .map(|v| v.to_str().map(|t| t.trim().to_string()));
    let authenticated = match token {
        Some(Ok(t)) => huawei_token_gated(&state, req, &t, limit, gate, Some(admit)).await,
        Some(Err(_)) => Err(Error::Unauthenticated(
            "the X-Auth-Token header is malformed".into(),
        )),
        None => huawei_aksk_gated(&state, req, limit, gate, Some(admit)).await,
    };
    match authenticated {
        Ok((_, req, _permit)) => next.run(req).await,
        // an oversized workbook is bad input of the import (400), like every refused file
        Err(Error::TooLarge(_)) if import => WsError(Error::invalid(format!(
            "the file is larger than the {} bytes an import accepts",
            state.exports.import_max_bytes
        )))
        .into_response(),
        Err(e) => WsError(e).into_response(),
    }
}

/// The account a request acts on, once admitted (`admit`): the project in the path
/// belongs to the caller's account, and the caller's policies allow the route's action.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub account_id: String,
    pub project_id: String,
    pub caller: Caller,
    pub source_ip: Option<std::net::IpAddr>,
}

/// Longest id of a path or a batch that is authorized: longer ones are refused before any
/// pattern is matched against them (every id Roster makes or accepts is at most 64).
const MAX_ID_CHARS: usize = 128;

impl Tenant {
    fn request<'a>(
        &'a self,
        action: &'static crate::core::authz::actions::Action,
        resource: Option<String>,
    ) -> crate::auth::authz::Request<'a> {
        crate::auth::authz::Request {
            account_id: &self.account_id,
            user_id: &self.caller.user_id,
            action,
            resource,
            scope: RequestScope::Project(ProjectId::from(&self.project_id)),
            source_ip: self.source_ip,
            secure_transport: false,
            self_service: false,
            only_roles: self.caller.only_roles.as_deref().map(|r| r.as_slice()),
        }
    }

    /// Authorizes `action` on each of `ids` (a batch route's body, `actions::IN_BODY`):
    /// a Deny of any one refuses the whole batch.
    pub async fn authorize_each(
        &self,
        state: &AppState,
        action: &str,
        ids: &[String],
    ) -> Result<(), Error> {
        let action = crate::core::authz::actions::find(action)
            .ok_or_else(|| Error::Internal(format!("{action} is not an action")))?;
        let kind = action.resource_type.unwrap_or("*");
        for id in ids {
            if id.len() > MAX_ID_CHARS {
                return Err(Error::invalid(format!(
                    "an id is longer than {MAX_ID_CHARS} characters"
                )));
            }
            let urn = crate::core::authz::actions::urn("workspace", &self.account_id, kind, id);
            state
                .authz
                .authorize(&state.dir, &self.request(action, Some(urn)))
                .await?;
            if kind == "user" {
                self.guard_user(state, id).await?;
            }
        }
        Ok(())
    }

    /// Changing who is in `group_ids` needs IAM's permission too when they carry grants
    /// or identity policies (`auth::authz::guard_groups`).
    pub async fn guard_groups(&self, state: &AppState, group_ids: &[String]) -> Result<(), Error> {
        crate::auth::authz::guard_groups(
            &state.authz,
            &state.dir,
            &self.account_id,
            &self.caller.user_id,
            group_ids,
            self.source_ip,
            self.caller.only_roles.as_deref().map(|r| r.as_slice()),
        )
        .await
    }

    /// Another user is changed here only if it is not the root user, and, when it holds
    /// permissions, with IAM's permission too (`auth::authz::guard_user`).
    pub async fn guard_user(&self, state: &AppState, user_id: &str) -> Result<(), Error> {
        crate::auth::authz::guard_user(
            &state.authz,
            &state.dir,
            &self.account_id,
            &self.caller.user_id,
            user_id,
            self.source_ip,
            self.caller.only_roles.as_deref().map(|r| r.as_slice()),
        )
        .await
    }
}

/// Admits an authenticated caller to a Workspace route, before anything of an unsigned
/// upload is read: the path's project must be the caller's account's (an unknown project and
/// another account's get the same 403, so the answer reveals nothing about other accounts),
/// a token must be scoped to that project (Workspace is a project-level service), and the
/// route's action (`actions::ROUTES`) must be allowed in the project's scope. Leaves the
/// [`Tenant`] in the request's extensions.
fn admit<'a>(
    state: &'a AppState,
    parts: &'a mut Parts,
    caller: &'a Caller,
) -> BoxFuture<'a, Result<(), Error>> {
    Box::pin(async move {
        let tenant = tenant_of(state, parts, caller).await?;
        parts.extensions.insert(tenant);
        Ok(())
    })
}

async fn tenant_of(state: &AppState, parts: &mut Parts, caller: &Caller) -> Result<Tenant, Error> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| Error::invalid("bad path"))?;
    let project_id = params
        .iter()
        .find(|(k, _)| *k == "project_id")
        .map(|(_, v)| v.to_string())
        .ok_or_else(|| Error::invalid("the path has no project id"))?;
    let denied = || {
        Error::Forbidden(format!(
            "the credentials used have no access to project {project_id}"
        ))
    };
    let account_id = match state.caches.project_account(&project_id) {
        Some(a) => a,
        None => match state.dir.project(&project_id).await {
            Ok(p) => {
                state.caches.put_project(&p.id, &p.account_id);
                p.account_id.into_string()
            }
            Err(Error::NotFound(..)) => return Err(denied()),
            Err(e) => return Err(e),
        },
    };
    if account_id != caller.account_id {
        return Err(denied());
    }
    match &caller.token_scope {
        None => {}
        Some(Scope::Project(p)) if *p == project_id => {}
        Some(Scope::Project(p)) => {
            return Err(Error::Forbidden(format!(
                "the token is scoped to project {p}, not to project {project_id}"
            )))
        }
        Some(_) => {
            return Err(Error::Forbidden(format!(
                "the token is not scoped to a project: get a token scoped to project {project_id}"
            )))
        }
    }
    let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str());
    let (action, param) = route
        .and_then(|r| actions::of_route(parts.method.as_str(), r))
        .ok_or_else(|| {
            Error::Internal(format!("{} {route:?} has no action: refused", parts.method))
        })?;
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let tenant = Tenant {
        account_id,
        project_id,
        caller: caller.clone(),
        source_ip,
    };
    if param == Some(actions::IN_BODY) {
        // the handler authorizes each id of its body (`Tenant::authorize_each`)
        return Ok(tenant);
    }
    let named = param.and_then(|p| params.iter().find(|(k, _)| *k == p).map(|(_, v)| v));
    if named.is_some_and(|id| id.len() > MAX_ID_CHARS) {
        return Err(Error::invalid(format!(
            "an id of the path is longer than {MAX_ID_CHARS} characters"
        )));
    }
    let resource = action.resource_type.map(|t| {
        crate::core::authz::actions::urn("workspace", &tenant.account_id, t, named.unwrap_or("*"))
    });
    state
        .authz
        .authorize(&state.dir, &tenant.request(action, resource))
        .await?;
    // a write to another user: never the root user, and one holding permissions only
    // with IAM's permission too
    if let (Some("user"), Level::Write, Some(id)) = (action.resource_type, action.level, named) {
        tenant.guard_user(state, id).await?;
    }
    Ok(tenant)
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = WsError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WsError> {
        parts
            .extensions
            .get::<Tenant>()
            .cloned()
            .ok_or_else(|| Error::Unauthenticated("the request is not authenticated".into()).into())
    }
}

pub use crate::http::json;
pub use exports::IMPORT_PATH_SUFFIX;
