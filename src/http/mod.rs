//! The HTTP server: one router made of every face's `router()`, request ids, graceful
//! shutdown. Faces own their routes and their error rendering; this module owns the rest.

pub mod auth;
pub mod cache;
pub mod params;
pub mod stream;
pub mod wire_ids;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderName, Request};
use axum::response::IntoResponse;
use axum::Router;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::core::Directory;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub dir: Directory,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    pub caches: Arc<cache::Caches>,
    /// Export settings and the bell of this node's export worker.
    pub exports: Arc<crate::jobs::Exports>,
    /// The IAM face's settings and caches (token keys, revocations, user states).
    pub iam: Arc<crate::iam::IamState>,
    /// Bytes of request bodies all requests together may hold buffered at once, in KiB
    /// permits (`BODY_BUDGET_BYTES`): a body is read only after its share is taken.
    pub body_budget: Arc<tokio::sync::Semaphore>,
    /// The decision point of every face (holdings cache, sealed denials).
    pub authz: crate::auth::authz::Authorizer,
}

/// All request bodies buffered at once on a node, in bytes. Each face reads a body whole
/// (the signature covers it) within `max_body_bytes`; without a total, N slow clients could
/// make the node hold N bodies. The import's upload is bounded by its own gate instead.
pub const BODY_BUDGET_BYTES: usize = 256 << 20;

impl AppState {
    pub fn new(dir: Directory, max_body_bytes: usize) -> Self {
        AppState {
            dir,
            max_body_bytes,
            caches: Arc::default(),
            exports: Arc::default(),
            iam: Arc::default(),
            body_budget: Arc::new(tokio::sync::Semaphore::new(BODY_BUDGET_BYTES >> 10)),
            authz: Default::default(),
        }
    }

    pub fn with_iam(mut self, settings: crate::iam::IamSettings) -> Self {
        self.iam = Arc::new(crate::iam::IamState::new(settings));
        self
    }
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids are 32 lower-case hex characters, like the clouds'.
#[derive(Clone, Copy, Default)]
struct HexRequestId;

impl MakeRequestId for HexRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        crate::core::ids::new_id().parse().ok().map(RequestId::new)
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::workspace::router(state.clone()))
        .merge(crate::iam::router(state.clone()))
        .merge(crate::quickbi::router(state.clone()))
        // unknown paths get the error format of the face whose prefix they carry
        .fallback(|uri: axum::http::Uri| async move {
            if is_keystone_path(uri.path()) {
                crate::iam::error::not_found_route()
            } else {
                crate::workspace::error::not_found_route().into_response()
            }
        })
        .method_not_allowed_fallback(|uri: axum::http::Uri| async move {
            if is_keystone_path(uri.path()) {
                crate::iam::error::method_not_allowed()
            } else {
                crate::workspace::error::method_not_allowed().into_response()
            }
        })
        .layer(axum::middleware::from_fn_with_state(state, body_budget))
        .layer(TraceLayer::new_for_http())
        // outermost: every response, errors from any layer included, carries the id
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, HexRequestId))
}

/// Takes the request's share of `AppState::body_budget` (its declared length, or
/// `max_body_bytes` if it declares none, in KiB) before anything reads its body, and holds
/// it until the answer is made. A request that cannot get its share within
/// `auth::GATE_WAIT` is answered 503 in its face's format. Requests without a body and the
/// import (gated by `jobs::Exports::imports`) pass straight through.
async fn body_budget(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::body::HttpBody;
    let path = req.uri().path();
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let len = match declared {
        Some(n) => n.min(state.max_body_bytes as u64) as usize,
        None if req.body().is_end_stream() => 0,
        None => state.max_body_bytes,
    };
    if len == 0 || path.ends_with(crate::workspace::IMPORT_PATH_SUFFIX) {
        return next.run(req).await;
    }
    let kib = (len >> 10) as u32 + 1;
    let wait = state.body_budget.clone().acquire_many_owned(kib);
    match tokio::time::timeout(auth::GATE_WAIT, wait).await {
        Ok(Ok(_permit)) => next.run(req).await,
        _ => {
            let busy = crate::core::Error::Unavailable(
                "the server is holding too many request bodies; try again".into(),
            );
            face_error(&req, busy)
        }
    }
}

/// `e` rendered in the format of the face that `req`'s path belongs to.
fn face_error(req: &axum::extract::Request, e: crate::core::Error) -> axum::response::Response {
    let path = req.uri().path();
    if is_keystone_path(path) {
        crate::iam::error::KsError(e).into_response()
    } else if path == "/" {
        let id = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        crate::quickbi::error::QbError::from(e).render(&id)
    } else {
        crate::workspace::error::WsError(e).into_response()
    }
}

/// `/v3/...` and `/v3.0/...` belong to the IAM (Keystone) face, except the Workspace face's
/// `/v3/{project_id}/...` export routes, which are matched before any fallback.
fn is_keystone_path(path: &str) -> bool {
    path == "/v3" || path.starts_with("/v3/") || path.starts_with("/v3.0/")
}

/// Serves until SIGINT or SIGTERM, then stops accepting and lets requests in flight finish.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    println!("listening on http://{addr}");
    // the peer address is recorded for the IAM face's per-address login limits
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Parses a JSON request body into `T`; any problem is a 400 that names it.
pub fn json<T: serde::de::DeserializeOwned>(body: &bytes::Bytes) -> Result<T, crate::core::Error> {
    if body.is_empty() {
        return Err(crate::core::Error::invalid(
            "the request body is empty; a JSON object is required",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| crate::core::Error::invalid(format!("invalid request body: {e}")))
}
