//! Authentication of HTTP requests: finds who calls, from an AK/SK signature. Faces wrap it
//! in a middleware that renders refusals in their own error format.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use http_body_util::BodyExt;

use super::AppState;
use crate::auth::sdk_hmac::{self, RawRequest};
use crate::core::Error;

/// Who is calling: put in the request's extensions once authenticated.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub user_id: String,
    pub access_key: String,
}

/// Reads the whole body, refusing more than `max` bytes.
pub async fn read_body(body: Body, max: usize) -> Result<Bytes, Error> {
    match http_body_util::Limited::new(body, max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(Error::TooLarge(format!(
            "the request body is larger than {max} bytes"
        ))),
        Err(e) => Err(Error::invalid(format!("cannot read the request body: {e}"))),
    }
}

/// Verifies the SDK-HMAC-SHA256 signature of `req`, reading at most `max_body` bytes of
/// body; returns the caller and the request with its body buffered (handlers read it again).
pub async fn huawei_aksk(
    state: &AppState,
    req: Request,
    max_body: usize,
) -> Result<(Caller, Request), Error> {
    let unauth = |m: &str| Error::Unauthenticated(m.to_string());
    let (mut parts, body) = req.into_parts();
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
    let bytes = read_body(body, max_body).await?;
    let key = match state.caches.key(&auth.access_key) {
        Some(k) => k,
        None => {
            let k = state
                .dir
                .resolve_access_key(&auth.access_key)
                .await?
                .ok_or_else(|| unauth("the access key does not exist"))?;
            state.caches.put_key(k.clone());
            k
        }
    };
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
    let caller = Caller {
        account_id: key.account_id,
        user_id: key.user_id,
        access_key: key.access_key,
    };
    parts.extensions.insert(caller.clone());
    Ok((caller, Request::from_parts(parts, Body::from(bytes))))
}
