//! Huawei IAM's permanent access keys, `/v3.0/OS-CREDENTIAL/credentials`: create (the
//! secret is in this answer only), list, show, update (status, description), delete, as
//! `huaweicloudsdkiam` v3 calls them (`create_permanent_access_key` and the others). The
//! domain administrator manages the keys of any user of its domain; any user its own (the
//! cloud: "IAM users do not need to be authorized if they create a permanent access key
//! for themselves"). Another domain's keys and users answer 404, as ids that exist nowhere.
//! Errors are Keystone's; a third key is the cloud's 400 `akSkNumExceed`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::KsError;
use super::{json, Who};
use crate::core::storage::{AccessKeyInfo, AccessKeyPatch};
use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3.0/OS-CREDENTIAL/credentials", get(list).post(create))
        .route(
            "/v3.0/OS-CREDENTIAL/credentials/{access_key}",
            get(show).put(update).delete(delete),
        )
}

type Res = Result<Response, KsError>;

/// `create_time` / `last_use_time` as the cloud writes them: UTC with microseconds,
/// `2020-01-08T06:25:19.014028Z` (the API reference: `YYYY-MM-DDTHH:mm:ss.ssssssZ`).
pub fn micros(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn status(active: bool) -> &'static str {
    if active {
        "active"
    } else {
        "inactive"
    }
}

/// The SDK's `Credentials` / `UpdateCredentialResult` (no secret, no last use).
fn credential(k: &AccessKeyInfo) -> Value {
    json!({
        "user_id": k.user_id,
        "access": k.access_key,
        "status": status(k.active),
        "create_time": micros(k.created_at),
        "description": k.description,
    })
}

/// The cloud's message for a third key, exactly (the core's says more).
fn limit_as_cloud(e: Error) -> Error {
    match e {
        Error::Limit(_) => Error::Limit("akSkNumExceed".into()),
        e => e,
    }
}

#[derive(Deserialize)]
struct CreateBody {
    credential: CreateOption,
}

#[derive(Deserialize)]
struct CreateOption {
    user_id: String,
    #[serde(default)]
    description: Option<String>,
}

/// `POST /v3.0/OS-CREDENTIAL/credentials` `{"credential": {"user_id", "description"}}`:
/// 201 `{"credential": {create_time, access, secret, status, user_id, description}}`.
async fn create(State(s): State<AppState>, who: Who, body: Bytes) -> Res {
    let b: CreateBody = json(&body)?;
    let user_id = b.credential.user_id;
    who.allow_or_self(&s, "iam:credentials:createCredential", &user_id)
        .await?;
    who.guard_root(&s, &user_id).await?;
    let k = s
        .dir
        .create_access_key(
            &who.account_id,
            &user_id,
            b.credential.description.unwrap_or_default(),
        )
        .await
        .map_err(limit_as_cloud)?;
    let mut v = credential(&k.info);
    v["secret"] = json!(k.secret);
    Ok((StatusCode::CREATED, Json(json!({ "credential": v }))).into_response())
}

/// `GET /v3.0/OS-CREDENTIAL/credentials[?user_id=]`: the user's keys (without `user_id`,
/// the caller's own), oldest first: `{"credentials": [...]}`.
async fn list(State(s): State<AppState>, who: Who, RawQuery(q): RawQuery) -> Res {
    let p = Params::parse(q.as_deref());
    let user_id = p
        .text("user_id")
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| who.user_id.clone());
    who.allow_or_self(&s, "iam:credentials:listCredentials", &user_id)
        .await?;
    let keys = s.dir.access_keys_of(&who.account_id, &user_id).await?;
    Ok(Json(json!({
        "credentials": keys.iter().map(credential).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// The caller's domain's key `access_key`, if the caller may manage it: 404 for none
/// (another domain's included), 403 for another user's key to a non-administrator.
pub(super) async fn managed(
    s: &AppState,
    who: &Who,
    access_key: &str,
    action: &str,
) -> Result<AccessKeyInfo, Error> {
    let k = s.dir.access_key_info(&who.account_id, access_key).await?;
    who.allow_or_self(s, action, &k.user_id).await?;
    // a write to the root user's keys is the root user's alone
    if crate::core::authz::actions::find(action)
        .is_some_and(|a| a.level == crate::core::authz::actions::Level::Write)
    {
        who.guard_root(s, &k.user_id).await?;
    }
    Ok(k)
}

/// `GET /v3.0/OS-CREDENTIAL/credentials/{access_key}`: `{"credential": {user_id, access,
/// status, create_time, last_use_time, description}}` (`last_use_time` null until the key
/// signs a request; recorded at most a minute late).
async fn show(State(s): State<AppState>, who: Who, Path(ak): Path<String>) -> Res {
    let k = managed(&s, &who, &ak, "iam:credentials:getCredential").await?;
    let mut v = credential(&k);
    v["last_use_time"] = if k.last_used_at > 0 {
        json!(micros(k.last_used_at))
    } else {
        Value::Null
    };
    Ok(Json(json!({ "credential": v })).into_response())
}

#[derive(Deserialize)]
struct UpdateBody {
    credential: UpdateOption,
}

#[derive(Deserialize)]
struct UpdateOption {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// Reads a status word: `active` or `inactive`.
pub(super) fn parse_status(s: &str) -> Result<bool, Error> {
    match s {
        "active" => Ok(true),
        "inactive" => Ok(false),
        _ => Err(crate::core::validate::not_one_of(
            "status",
            &["active", "inactive"],
        )),
    }
}

/// `PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}` `{"credential": {status,
/// description}}` (at least one of them, as the SDK's model says): the key as it now is. A key made inactive is refused (401) at once on
/// this node, within `http::cache::KEY_TTL` on the others.
async fn update(State(s): State<AppState>, who: Who, Path(ak): Path<String>, body: Bytes) -> Res {
    let b: UpdateBody = json(&body)?;
    if b.credential.status.is_none() && b.credential.description.is_none() {
        return Err(Error::invalid("credential needs status or description (at least one)").into());
    }
    let patch = AccessKeyPatch {
        active: b
            .credential
            .status
            .as_deref()
            .map(parse_status)
            .transpose()?,
        description: b.credential.description,
    };
    managed(&s, &who, &ak, "iam:credentials:updateCredential").await?;
    let k = s.dir.update_access_key(&who.account_id, &ak, patch).await?;
    Ok(Json(json!({ "credential": credential(&k) })).into_response())
}

/// `DELETE /v3.0/OS-CREDENTIAL/credentials/{access_key}`: 204.
async fn delete(State(s): State<AppState>, who: Who, Path(ak): Path<String>) -> Res {
    managed(&s, &who, &ak, "iam:credentials:deleteCredential").await?;
    s.dir.delete_access_key(&who.account_id, &ak).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
