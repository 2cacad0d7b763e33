//! IAM v5 access keys of a user, as `huaweicloudsdkiam.v5` calls them:
//!
//! - `POST /v5/users/{user_id}/access-keys` (`create_access_key_v5`): 201 `{"access_key":
//!   {user_id, access_key_id, secret_access_key, status, created_at}}`, the secret only here;
//! - `GET /v5/users/{user_id}/access-keys?limit=&marker=` (`list_access_keys_v5`):
//!   `{"access_keys": [{user_id, access_key_id, status, created_at}], "page_info":
//!   {"next_marker", "current_count"}}`, oldest first; `limit` 1–200 (default 100, as the
//!   reference), `marker` the `next_marker` of the page before (the last key on it);
//! - `PUT /v5/users/{user_id}/access-keys/{access_key_id}` `{"status": "active"|"inactive"}`
//!   (`update_access_key_v5`): `{"access_key": {...}}`;
//! - `DELETE /v5/users/{user_id}/access-keys/{access_key_id}` (`delete_access_key_v5`): 204;
//! - `GET /v5/users/{user_id}/access-keys/{access_key_id}/last-used`
//!   (`show_access_key_last_used_v5`): `{"access_key_last_used": {"last_used_at"}}`, null
//!   until the key signs a request; recorded at most `http::cache::LAST_USE_EVERY` late.
//!
//! Times are ISO 8601 UTC with milliseconds (`2023-09-20T08:28:53.313Z`; the SDK reads them
//! as `datetime`). Who may: the domain administrator for any user of its domain, a user for
//! its own keys. A user or key of another domain, or a key that is not the path's user's,
//! is 404 (`PAP5.0004`), exactly as one that exists nowhere. Limits as on `OS-CREDENTIAL`:
//! two keys per user (the third is 400 `PAP5.0003`).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::V5Error;
use crate::core::ids::iso_ms;
use crate::core::storage::{AccessKeyInfo, AccessKeyPatch};
use crate::core::{Entity, Error};
use crate::http::params::Params;
use crate::http::AppState;
use crate::iam::credentials::parse_status;
use crate::iam::{json, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v5/users/{user_id}/access-keys", get(list).post(create))
        .route(
            "/v5/users/{user_id}/access-keys/{access_key_id}",
            put(update).delete(delete),
        )
        .route(
            "/v5/users/{user_id}/access-keys/{access_key_id}/last-used",
            get(last_used),
        )
}

type Res = Result<Response, V5Error>;

fn metadata(k: &AccessKeyInfo) -> Value {
    json!({
        "user_id": k.user_id,
        "access_key_id": k.access_key,
        "status": if k.active { "active" } else { "inactive" },
        "created_at": iso_ms(k.created_at),
    })
}

/// `user_id`'s key `access_key_id` in the caller's domain, if the caller may manage it.
async fn managed(
    s: &AppState,
    who: &Who,
    user_id: &str,
    ak: &str,
    action: &str,
) -> Result<AccessKeyInfo, Error> {
    who.allow_or_self(s, action, user_id).await?;
    // a write to the root user's keys is the root user's alone
    if crate::core::authz::actions::find(action)
        .is_some_and(|a| a.level == crate::core::authz::actions::Level::Write)
    {
        who.guard_root(s, user_id).await?;
    }
    match s.dir.access_key_info(&who.account_id, ak).await {
        Ok(k) if *k.user_id == *user_id => Ok(k),
        Ok(_) | Err(Error::NotFound(..)) => Err(Error::NotFound(Entity::AccessKey, ak.into())),
        Err(e) => Err(e),
    }
}

async fn create(State(s): State<AppState>, who: Who, Path(user_id): Path<String>) -> Res {
    who.allow_or_self(&s, "iam:users:createAccessKeyV5", &user_id)
        .await?;
    who.guard_root(&s, &user_id).await?;
    let k = s
        .dir
        .create_access_key(&who.account_id, &user_id, String::new())
        .await?;
    let mut v = metadata(&k.info);
    v["secret_access_key"] = json!(k.secret);
    Ok((StatusCode::CREATED, Json(json!({ "access_key": v }))).into_response())
}

async fn list(
    State(s): State<AppState>,
    who: Who,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow_or_self(&s, "iam:users:listAccessKeysV5", &user_id)
        .await?;
    let p = Params::parse(q.as_deref());
    let keys = s.dir.access_keys_of(&who.account_id, &user_id).await?;
    let (page, info) = super::page(keys, |k| k.access_key.clone(), &p)?;
    Ok(Json(json!({
        "access_keys": page.iter().map(metadata).collect::<Vec<_>>(),
        "page_info": info,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct UpdateBody {
    status: String,
}

/// A key made inactive is refused (401) at once on this node, within
/// `http::cache::KEY_TTL` on the others.
async fn update(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, ak)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let b: UpdateBody = json(&body)?;
    let patch = AccessKeyPatch {
        active: Some(parse_status(&b.status)?),
        description: None,
    };
    managed(&s, &who, &user_id, &ak, "iam:users:updateAccessKeyV5").await?;
    let k = s.dir.update_access_key(&who.account_id, &ak, patch).await?;
    Ok(Json(json!({ "access_key": metadata(&k) })).into_response())
}

async fn delete(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, ak)): Path<(String, String)>,
) -> Res {
    managed(&s, &who, &user_id, &ak, "iam:users:deleteAccessKeyV5").await?;
    s.dir.delete_access_key(&who.account_id, &ak).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn last_used(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, ak)): Path<(String, String)>,
) -> Res {
    let k = managed(&s, &who, &user_id, &ak, "iam:users:showAccessKeyLastUsedV5").await?;
    let at = (k.last_used_at > 0).then(|| iso_ms(k.last_used_at));
    Ok(Json(json!({ "access_key_last_used": { "last_used_at": at } })).into_response())
}
