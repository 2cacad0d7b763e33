//! The Huawei Cloud Workspace face: `/v2/{project_id}/...` users and user groups, as
//! `huaweicloudsdkworkspace` calls and parses them. Translates wire to core and back only.

pub mod error;
mod exports;
mod groups;
mod users;
mod views;

use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::auth::authz;
use crate::core::Error;
use crate::http::auth::{huawei_aksk_gated, Caller};
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
    // every Workspace operation passes the one authorization check, named by its route,
    // before its handler runs and before an unsigned upload is read (until grants exist:
    // the root user only)
    let action = authz::workspace_action(req.method().as_str(), req.uri().path());
    match huawei_aksk_gated(&state, req, limit, gate, Some(action)).await {
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

/// The account a request acts on: the project in the path must belong to the caller's
/// account. An unknown project and another account's project get the same 403, so the
/// answer reveals nothing about other accounts.
pub struct Tenant {
    pub account_id: String,
    pub project_id: String,
    pub caller: Caller,
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = WsError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WsError> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Error::Unauthenticated("the request is not authenticated".into()))?;
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
                Err(Error::NotFound(..)) => return Err(denied().into()),
                Err(e) => return Err(e.into()),
            },
        };
        if account_id != caller.account_id {
            return Err(denied().into());
        }
        Ok(Tenant {
            account_id,
            project_id,
            caller,
        })
    }
}

pub use crate::http::json;
pub use exports::IMPORT_PATH_SUFFIX;
