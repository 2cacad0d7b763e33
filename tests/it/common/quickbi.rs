//! A Quick BI client for tests: RPC v1 (HMAC-SHA1) signed calls, as the Alibaba SDK sends
//! them with `signature_algorithm="v2"` (the signing code is the one tests/it/acs_vectors.rs
//! checks against the SDK's own vectors).

use roster::auth::acs::{self, pct, RawRequest};
use serde_json::Value;

use super::Creds;

pub struct QbReply {
    pub status: u16,
    pub body: Value,
}

impl QbReply {
    /// The error code (`Code`), empty on success.
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or("")
    }
}

/// Calls `action` with `params` on the server at `base`, signed with `who`'s key pair.
pub async fn call(base: &str, who: &Creds, action: &str, params: &[(&str, &str)]) -> QbReply {
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let nonce = roster::core::ids::new_id();
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in [
        ("Action", action),
        ("Format", "json"),
        ("Version", "2022-01-01"),
        ("Timestamp", date.as_str()),
        ("SignatureNonce", nonce.as_str()),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("AccessKeyId", who.access_key.as_str()),
    ] {
        pairs.push((k.into(), v.into()));
    }
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&");
    let empty = http::HeaderMap::new();
    let raw = RawRequest {
        method: "POST",
        path: "/",
        query: &query,
        headers: &empty,
        body: b"",
    };
    let sig = acs::rpc_signature(&raw, &who.secret_key);
    let resp = reqwest::Client::new()
        .post(format!("{base}/?{query}&Signature={}", pct(&sig)))
        .send()
        .await
        .expect("request sent");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    QbReply {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}
