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
    let resource = action.resource_type.map(|t| {
        let id = param
            .and_then(|p| params.iter().find(|(k, _)| *k == p))
            .map_or("*", |(_, v)| v);
        crate::core::authz::actions::urn("workspace", &account_id, t, id)
    });
    let request = crate::auth::authz::Request {
        account_id: &account_id,
        user_id: &caller.user_id,
        action,
        resource,
        scope: RequestScope::Project(ProjectId::from(&project_id)),
        source_ip: parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip()),
        secure_transport: false,
    };
    state.authz.authorize(&state.dir, &request).await?;
    Ok(Tenant {
        account_id,
        project_id,
        caller: caller.clone(),
    })
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
