//! Helpers of the IAM tests: plain and token requests, SDK-style AK/SK signing with any
//! extra headers, password logins, Keystone error checks.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use roster::auth::sdk_hmac;
use serde_json::{json, Value};

use super::{Creds, TestDb};

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

pub async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Resp {
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.expect("request sent");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.unwrap();
    Resp {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

pub fn password_auth(domain: &str, user: &str, password: &str, scope: Value) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": scope,
    }})
}

/// Logs in as the account's root user, scoped to its project; returns (token, body).
pub async fn login(url: &str, c: &Creds) -> (String, Value) {
    let r = send(
        "POST",
        &format!("{url}/v3/auth/tokens"),
        &[],
        Some(&password_auth(
            &c.domain_name,
            &c.user_name,
            &c.password,
            json!({"project": {"id": c.project_id}}),
        )),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.headers["x-subject-token"].to_str().unwrap().to_string();
    (token, r.body)
}

pub async fn with_token(method: &str, url: &str, token: &str, body: Option<&Value>) -> Resp {
    send(method, url, &[("x-auth-token", token)], body).await
}

/// An AK/SK-signed request with the given extra headers (X-Domain-Id or X-Project-Id).
pub async fn signed(
    method: &str,
    base: &str,
    path: &str,
    c: &Creds,
    extra: &[(&str, &str)],
    body: Option<&Value>,
) -> Resp {
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("host", base.trim_start_matches("http://").parse().unwrap());
    headers.insert(
        "x-sdk-date",
        chrono::Utc::now()
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
            .parse()
            .unwrap(),
    );
    for (k, v) in extra {
        headers.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let raw = sdk_hmac::RawRequest {
        method,
        path: p,
        query: q,
        headers: &headers,
        body: &bytes,
    };
    let auth = sdk_hmac::authorization_for(&raw, &c.access_key, &c.secret_key).unwrap();
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("authorization", auth);
    for (k, v) in headers.iter() {
        if k != "host" {
            req = req.header(k.as_str(), v.to_str().unwrap());
        }
    }
    let r = req.body(bytes).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
    }
}

pub fn assert_keystone_error(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error"]["code"], status, "{}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(r.body["error"]["title"].is_string(), "{}", r.body);
    assert!(r.headers.contains_key("x-request-id"));
}

/// Polls `check` until it is true; the caches have bounds of a few seconds, and this waits
/// up to 30 s for them (generous on a loaded machine: not a timing assertion).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub fn config_file(db: &TestDb, text: &str) -> String {
    let p = db.data_dir().join("roster.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// A caller with a token, for calls on one server.
pub struct Caller {
    pub url: String,
    pub token: String,
}

impl Caller {
    /// `method` on `path` (below the server's URL) with the token and an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        with_token(
            method,
            &format!("{}{path}", self.url),
            &self.token,
            body.as_ref(),
        )
        .await
    }
}
