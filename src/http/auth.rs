//! Authentication of HTTP requests: finds who calls, from an AK/SK signature. Faces wrap it
//! in a middleware that renders refusals in their own error format.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use http::request::Parts;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::AppState;
use crate::auth::sdk_hmac::{self, RawRequest};
use crate::core::directory::ResolvedKey;
use crate::core::Error;
use futures_util::future::BoxFuture;

/// Who is calling: put in the request's extensions once authenticated. The user is the
/// owner of the access key that signed (any user of the account may own keys).
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub user_id: String,
    /// The access key that signed the request; empty for a token.
    pub access_key: String,
    /// The scope of the IAM token the request came with (`X-Auth-Token`); `None` for a
    /// signed request.
    pub token_scope: Option<crate::auth::tokens::Scope>,
    /// The user is the account's root user.
    pub is_root: bool,
    /// The token was made with an application credential: only these roles count
    /// (`auth::authz::Request::only_roles`).
    pub only_roles: Option<Arc<Vec<String>>>,
}

/// A face's admission of an authenticated caller (`huawei_aksk_gated`): its checks on the
/// request's head, run before the body is read; it may leave what it found in the
/// request's extensions.
pub type Admit =
    for<'a> fn(&'a AppState, &'a mut Parts, &'a Caller) -> BoxFuture<'a, Result<(), Error>>;

/// Authenticates a request that carries an IAM token (`X-Auth-Token`, as seed 002 and
/// `IamCredentials` send it) instead of a signature: the token is checked as the IAM face
/// checks it (expiry, revocation, its user's state), then the body is read within `max_body`
/// bytes, after a permit of `gate` when one is given.
pub async fn huawei_token_gated(
    state: &AppState,
    req: Request,
    token: &str,
    max_body: usize,
    gate: Option<&Arc<Semaphore>>,
    admit: Option<Admit>,
) -> Result<(Caller, Request, Option<OwnedSemaphorePermit>), Error> {
    let (claims, user, app) = state.iam.check(&state.dir, token).await?;
    let (mut parts, body) = req.into_parts();
    let caller = Caller {
        account_id: claims.account_id,
        user_id: claims.user_id,
        access_key: String::new(),
        token_scope: Some(claims.scope),
        is_root: user.is_root,
        only_roles: app.map(|a| Arc::new(a.role_ids.clone())),
    };
    if let Some(admit) = admit {
        admit(state, &mut parts, &caller).await?;
    }
    let permit = take(gate).await?;
    let bytes = read_body(body, max_body).await?;
    parts.extensions.insert(caller.clone());
    Ok((
        caller,
        Request::from_parts(parts, Body::from(bytes)),
        permit,
    ))
}

/// The access key `access_key`: from this node's cache (see `cache::KEY_TTL` and the key
/// epoch), else from the database (then cached); `None` if there is no such key.
pub async fn resolve_key(state: &AppState, access_key: &str) -> Result<Option<ResolvedKey>, Error> {
    // the epoch is taken before the read: a write committed meanwhile bumps it, and the
    // entry cached below is then not used
    let epoch = state.dir.key_epoch();
    if let Some(k) = state.caches.key(access_key, epoch) {
        return Ok(Some(k));
    }
    let Some(k) = state.dir.resolve_access_key(access_key).await? else {
        return Ok(None);
    };
    state.caches.put_key(k.clone(), epoch);
    Ok(Some(k))
}

/// Records that `key` signed a request that passed, at most once per
/// `cache::LAST_USE_EVERY` per key on this node, on a task of its own: the request never
/// waits for it, and a failure to record is only logged.
pub fn record_use(state: &AppState, key: &ResolvedKey) {
    if !state.caches.note_use(&key.access_key) {
        return;
    }
    let (dir, access_key) = (state.dir.clone(), key.access_key.clone());
    tokio::spawn(async move {
        if let Err(e) = dir.touch_access_key(&access_key).await {
            tracing::warn!(%e, "could not record an access key's last use");
        }
    });
}

/// How long a client may take to send a body: a client that trickles one cannot hold a
/// share of the body budget or an import permit for longer.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Most bytes of an oversized body read and dropped before its 413 is sent. A server that
/// answers and closes while the client is still sending leaves unread bytes in its socket,
/// and the kernel then resets the connection: the client sees a broken pipe, not the 413
/// (what nginx's lingering close avoids). Dropping a bounded tail keeps the answer readable
/// for the usual oversized request; a larger one is cut off after this many bytes.
pub const DRAIN_MAX_BYTES: usize = 32 << 20;

/// Reads the whole body, refusing more than `max` bytes (413, after draining at most
/// [`DRAIN_MAX_BYTES`] more) or taking longer than [`BODY_READ_TIMEOUT`] (400). Memory
/// held: at most `max` bytes.
pub async fn read_body(mut body: Body, max: usize) -> Result<Bytes, Error> {
    let deadline = tokio::time::Instant::now() + BODY_READ_TIMEOUT;
    // the body is lent, so that what `Limited` leaves of an oversized one can be drained
    let read = http_body_util::Limited::new(&mut body, max).collect();
    match tokio::time::timeout_at(deadline, read).await {
        Err(_) => Err(Error::invalid(format!(
            "the request body did not arrive within {} s",
            BODY_READ_TIMEOUT.as_secs()
        ))),
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            drain(&mut body, deadline).await;
            Err(Error::TooLarge(format!(
                "the request body is larger than {max} bytes"
            )))
        }
        Ok(Err(e)) => Err(Error::invalid(format!("cannot read the request body: {e}"))),
    }
}

/// Reads and drops the rest of an oversized body, at most [`DRAIN_MAX_BYTES`] of it and
/// until `deadline`; a client that stops sending or resets ends it early.
async fn drain(body: &mut Body, deadline: tokio::time::Instant) {
    let mut dropped = 0;
    while dropped <= DRAIN_MAX_BYTES {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => dropped += frame.data_ref().map_or(0, |d| d.len()),
            _ => break,
        }
    }
}

/// Verifies the SDK-HMAC-SHA256 signature of `req`, reading at most `max_body` bytes of
/// body; returns the caller and the request with its body buffered (handlers read it again).
pub async fn huawei_aksk(
    state: &AppState,
    req: Request,
    max_body: usize,
) -> Result<(Caller, Request), Error> {
    let (caller, req, _) = huawei_aksk_gated(state, req, max_body, None, None).await?;
    Ok((caller, req))
}

/// [`huawei_aksk`] with a gate on buffering the body: when `gate` is given, a permit is
/// taken from it (waiting at most [`GATE_WAIT`], then a 503) before the body is read, and
/// returned for the caller to hold while it works on the body. An upload whose body is
/// unsigned ([`sdk_hmac::is_unsigned_upload`]) is authenticated before anything of its body
/// is read or any permit taken, so only a known caller can make the server buffer an upload.
/// With `admit`, the face admits the caller (its tenancy and authorization checks) as soon
/// as the caller is known: for an unsigned upload, before its body is read.
pub async fn huawei_aksk_gated(
    state: &AppState,
    req: Request,
    max_body: usize,
    gate: Option<&Arc<Semaphore>>,
    admit: Option<Admit>,
) -> Result<(Caller, Request, Option<OwnedSemaphorePermit>), Error> {
    let unauth = |m: &str| Error::Unauthenticated(m.to_string());
    let (mut parts, body) = req.into_parts();
    let mut body = Some(body);
    let header = match parts.headers.get(http::header::AUTHORIZATION) {
        None => {
            return Err(unauth(
                "the request is not signed: the Authorization header is missing",
            ))
        }
        Some(v) => v
            .to_str()
            .map_err(|_| unauth("the Authorization header is malformed"))?,
    };
    let auth = sdk_hmac::parse_authorization(header).map_err(|e| unauth(&e.0))?;
    let unsigned = sdk_hmac::is_unsigned_upload(&parts.headers);
    let mut permit = None;
    let mut bytes = Bytes::new();
    if !unsigned {
        permit = take(gate).await?;
        bytes = read_body(body.take().unwrap_or_default(), max_body).await?;
    }
    let key = resolve_key(state, &auth.access_key)
        .await?
        .ok_or_else(|| unauth("the access key does not exist"))?;
    let raw = RawRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &bytes,
    };
    sdk_hmac::verify(&raw, &auth, &key.secret, chrono::Utc::now()).map_err(|e| unauth(&e.0))?;
    if !key.active {
        return Err(unauth("the access key or its user is disabled or locked"));
    }
    record_use(state, &key);
    let caller = Caller {
        account_id: key.account_id,
        user_id: key.user_id,
        access_key: key.access_key,
        token_scope: None,
        is_root: key.is_root,
        only_roles: None,
    };
    if let Some(admit) = admit {
        admit(state, &mut parts, &caller).await?;
    }
    if let Some(body) = body {
        permit = take(gate).await?;
        bytes = read_body(body, max_body).await?;
    }
    parts.extensions.insert(caller.clone());
    Ok((
        caller,
        Request::from_parts(parts, Body::from(bytes)),
        permit,
    ))
}

/// How long a request waits for a gate's permit before it is answered 503.
pub const GATE_WAIT: Duration = Duration::from_secs(30);

async fn take(gate: Option<&Arc<Semaphore>>) -> Result<Option<OwnedSemaphorePermit>, Error> {
    let Some(gate) = gate else {
        return Ok(None);
    };
    match tokio::time::timeout(GATE_WAIT, gate.clone().acquire_owned()).await {
        Ok(Ok(p)) => Ok(Some(p)),
        _ => Err(Error::Unavailable(
            "too many imports are running; try again in a minute".into(),
        )),
    }
}
