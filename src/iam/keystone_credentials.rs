//! Keystone's credentials on the IAM face, as the Keystone API reference has them (and
//! tempest's `credentials_client` and python-keystoneclient's `credentials` and `ec2`
//! managers call them): `GET|POST /v3/credentials` (filters `user_id`, `type`),
//! `GET|PATCH|DELETE /v3/credentials/{credential_id}`, and
//! `GET|POST /v3/users/{user_id}/credentials/OS-EC2`,
//! `GET|DELETE /v3/users/{user_id}/credentials/OS-EC2/{access}`.
//!
//! One store, three views (`core::directory::keystone_credentials`): an `ec2` credential
//! is an access key pair of its user, the same key `/v3.0/OS-CREDENTIAL` shows and that
//! signs requests; its blob is the JSON text `{"access": ..., "secret": ...}` and its id
//! the SHA-256 of the access. Other types are opaque blobs.
//!
//! Who may: a user for its own credentials (Keystone's owner rules), anyone else whose
//! policies allow the action: the `iam:credentials:*` actions of OS-CREDENTIAL, for all
//! three views alike (a credential is one thing whatever the view); writes to the root
//! user's credentials are the root user's alone. A list without `user_id` shows a caller
//! without `iam:credentials:listCredentials` its own credentials only (as Keystone filters
//! what a non-admin may see). Another domain's credentials answer as ids that exist
//! nowhere.
//!
//! Errors are Keystone's: a third access key of a user, or the hundredth other credential,
//! is Keystone's 403 `CredentialLimitExceeded`; an ec2 access taken is 409; a blob that is
//! not an ec2 blob where one is needed is 400 ("Invalid blob in credential"); OS-EC2's
//! unknown access is Keystone's 401 "EC2 access key not found.".

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::error::KsError;
use super::{json, Base, Who};
use crate::core::directory::keystone_credentials::{
    is_ec2, BlobPatch, Credential, CredentialBody, CredentialFilter, CredentialPatch,
};
use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/credentials", get(list).post(create))
        .route(
            "/v3/credentials/{credential_id}",
            get(show).patch(update).delete(delete),
        )
        .route(
            "/v3/users/{user_id}/credentials/OS-EC2",
            get(ec2_list).post(ec2_create),
        )
        .route(
            "/v3/users/{user_id}/credentials/OS-EC2/{access}",
            get(ec2_show).delete(ec2_delete),
        )
}

type Res = Result<Response, KsError>;

const CREATE: &str = "iam:credentials:createCredential";
const LIST: &str = "iam:credentials:listCredentials";
const GET: &str = "iam:credentials:getCredential";
const UPDATE: &str = "iam:credentials:updateCredential";
const DELETE: &str = "iam:credentials:deleteCredential";

/// Keystone answers a credential limit with 403 (`CredentialLimitExceeded`).
fn limit_as_keystone(e: Error) -> Error {
    match e {
        Error::Limit(m) => Error::Forbidden(m),
        e => e,
    }
}

/// The blob as Keystone shows it: an ec2 credential's is `{"access", "secret"}` as JSON
/// text (without `secret` when it is not shown again), another's as it was given.
fn blob_text(c: &Credential) -> String {
    match &c.body {
        CredentialBody::Ec2 { access, secret } => {
            let mut m = Map::new();
            m.insert("access".into(), json!(access));
            if let Some(s) = secret {
                m.insert("secret".into(), json!(s));
            }
            Value::Object(m).to_string()
        }
        CredentialBody::Blob { blob, .. } => blob.clone(),
    }
}

/// `{"id", "user_id", "project_id", "type", "blob", "links"}`.
fn view(base: &str, c: &Credential) -> Value {
    json!({
        "id": c.id,
        "user_id": c.user_id,
        "project_id": c.project_id,
        "type": c.kind(),
        "blob": blob_text(c),
        "links": { "self": format!("{base}/v3/credentials/{}", c.id) },
    })
}

/// OS-EC2's shape: `{"user_id", "tenant_id", "access", "secret", "trust_id": null, "links"}`.
fn ec2_view(base: &str, c: &Credential) -> Value {
    let (access, secret) = match &c.body {
        CredentialBody::Ec2 { access, secret } => (access.as_str(), secret.as_deref()),
        CredentialBody::Blob { .. } => ("", None),
    };
    json!({
        "user_id": c.user_id,
        "tenant_id": c.project_id,
        "access": access,
        "secret": secret,
        "trust_id": null,
        "links": {
            "self": format!("{base}/v3/users/{}/credentials/OS-EC2/{access}", c.user_id),
        },
    })
}

/// Keystone's ValidationError for a missing attribute, word for word.
fn expecting(attribute: &str, target: &str) -> Error {
    Error::invalid(format!(
        "Expecting to find {attribute} in {target}. The server could not comply with the \
         request since it is either malformed or otherwise incorrect. The client is assumed \
         to be in error."
    ))
}

/// An ec2 blob: JSON text of an object with string `access` and `secret` (Roster signs with
/// the secret, so it is required, as the access is by Keystone). `trust_id`, `app_cred_id`
/// and `access_token_id` may be null (Roster has no trusts, application credentials for
/// ec2, or OAuth1 tokens); any other key is refused rather than silently dropped.
pub fn ec2_blob(blob: &str) -> Result<(String, String), Error> {
    let v: Value =
        serde_json::from_str(blob).map_err(|_| Error::invalid("Invalid blob in credential"))?;
    let Value::Object(m) = v else {
        return Err(expecting("blob", "credential"));
    };
    if m.is_empty() {
        return Err(expecting("blob", "credential"));
    }
    let text = |k: &str| match m.get(k) {
        None | Some(Value::Null) => Err(expecting(k, "credential")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::invalid(format!(
            "Invalid input for field '{k}' of the blob: a string is required"
        ))),
    };
    let (access, secret) = (text("access")?, text("secret")?);
    for (k, v) in &m {
        match k.as_str() {
            "access" | "secret" => {}
            "trust_id" | "app_cred_id" | "access_token_id" if v.is_null() => {}
            "trust_id" | "app_cred_id" | "access_token_id" => {
                return Err(Error::invalid(format!(
                    "{k} in an ec2 blob is not supported (Roster has no trusts, application \
                     credentials or OAuth1 access tokens behind ec2 keys): it must be null"
                )))
            }
            _ => {
                return Err(Error::invalid(format!(
                    "an ec2 blob holds access and secret only, not {}",
                    crate::core::text::quoted(k)
                )))
            }
        }
    }
    Ok((access, secret))
}

/// The `credential` object of a request body.
fn credential_object(body: &Bytes) -> Result<Map<String, Value>, Error> {
    let v: Value = json(body)?;
    match v.get("credential") {
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(Error::invalid(
            "Invalid input for field 'credential': an object is required",
        )),
        None => Err(Error::invalid("'credential' is a required property")),
    }
}

/// A string field: `Ok(None)` when absent; null only where `nullable`.
fn string(m: &Map<String, Value>, k: &str, nullable: bool) -> Result<Option<String>, Error> {
    match m.get(k) {
        None => Ok(None),
        Some(Value::Null) if nullable => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::invalid(format!(
            "Invalid input for field '{k}': a string is required"
        ))),
    }
}

/// `POST /v3/credentials` `{"credential": {"user_id", "type", "blob", "project_id"}}`
/// (`project_id` required for `ec2`): 201 `{"credential": {...}}`. An ec2 credential is a
/// new access key of the user with the blob's access and secret (at most two keys a user).
async fn create(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    let m = credential_object(&body)?;
    let user_id =
        string(&m, "user_id", false)?.ok_or_else(|| expecting("user_id", "credential"))?;
    let kind = string(&m, "type", false)?.ok_or_else(|| expecting("type", "credential"))?;
    let blob = string(&m, "blob", false)?.ok_or_else(|| expecting("blob", "credential"))?;
    let project_id = string(&m, "project_id", true)?.filter(|p| !p.is_empty());
    who.allow_or_self(&s, CREATE, &user_id).await?;
    who.guard_root(&s, &user_id).await?;
    let c = if is_ec2(&kind) {
        let (access, secret) = ec2_blob(&blob)?;
        let project = project_id.ok_or_else(|| {
            Error::invalid("'project_id' is a required property of an ec2 credential")
        })?;
        s.dir
            .create_ec2_credential(&who.account_id, &user_id, &project, Some((access, secret)))
            .await
    } else {
        s.dir
            .create_blob_credential(&who.account_id, &user_id, project_id, kind, blob)
            .await
    }
    .map_err(limit_as_keystone)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "credential": view(&b.0, &c) })),
    )
        .into_response())
}

/// `GET /v3/credentials[?user_id=&type=]`: `{"credentials": [...], "links"}`, oldest first,
/// cut by `list_limit` (then `"truncated": true`). Without `user_id`, a caller whose
/// policies do not allow `iam:credentials:listCredentials` sees its own.
async fn list(State(s): State<AppState>, who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    let p = Params::parse(q.as_deref());
    super::lists::refuse_inexact(&p, &["user_id", "type"], false)?;
    let user = match p.text("user_id").filter(|u| !u.is_empty()) {
        Some(u) => {
            who.allow_or_self(&s, LIST, &u).await?;
            Some(u)
        }
        None => match who.allow(&s, LIST).await {
            Ok(()) => None,
            Err(Error::Denied { .. }) => {
                who.allow_or_self(&s, LIST, &who.user_id).await?;
                Some(who.user_id.clone())
            }
            Err(e) => return Err(e.into()),
        },
    };
    let filter = CredentialFilter {
        user_id: user,
        kind: p.text("type").filter(|t| !t.is_empty()),
    };
    let limit = s.iam.settings.list_limit;
    let (all, cut) = s.dir.credentials(&who.account_id, filter, limit).await?;
    let mut body = json!({
        "credentials": all.iter().map(|c| view(&b.0, c)).collect::<Vec<_>>(),
        "links": { "self": format!("{}/v3/credentials", b.0), "previous": null, "next": null },
    });
    if cut {
        body["truncated"] = json!(true);
    }
    Ok(Json(body).into_response())
}

/// The caller's domain's credential `id`, if the caller may do `action` on it (and, for a
/// write, it is not the root user's, or the caller is the root user).
async fn managed(s: &AppState, who: &Who, id: &str, action: &str) -> Result<Credential, Error> {
    let c = s.dir.credential(&who.account_id, id).await?;
    who.allow_or_self(s, action, &c.user_id).await?;
    if action != GET {
        who.guard_root(s, &c.user_id).await?;
    }
    Ok(c)
}

/// `GET /v3/credentials/{credential_id}`: `{"credential": {...}}`.
async fn show(State(s): State<AppState>, who: Who, b: Base, Path(id): Path<String>) -> Res {
    let c = managed(&s, &who, &id, GET).await?;
    Ok(Json(json!({ "credential": view(&b.0, &c) })).into_response())
}

/// `PATCH /v3/credentials/{credential_id}` `{"credential": {type, blob, project_id}}` (at
/// least one property): the credential as it now is; its id stays (an ec2 blob with a new
/// access gives the key that access and secret: the old access stops signing). The user
/// and an id in the body must be the credential's own; ec2 and other types do not turn
/// into each other (400).
async fn update(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    let m = credential_object(&body)?;
    if m.is_empty() {
        return Err(Error::invalid("credential needs at least one property to change").into());
    }
    let current = managed(&s, &who, &id, UPDATE).await?;
    if let Some(i) = string(&m, "id", false)? {
        if i != current.id {
            return Err(Error::invalid("Cannot change ID").into());
        }
    }
    if let Some(u) = string(&m, "user_id", false)? {
        if u != current.user_id.as_str() {
            return Err(Error::invalid(
                "user_id of a credential cannot change: create one for the other user",
            )
            .into());
        }
    }
    let kind = string(&m, "type", false)?;
    let effective = kind.clone().unwrap_or_else(|| current.kind().to_string());
    let blob = match string(&m, "blob", false)? {
        None => None,
        Some(text) if is_ec2(&effective) => {
            let (access, secret) = ec2_blob(&text)?;
            Some(BlobPatch::Ec2 { access, secret })
        }
        Some(text) => Some(BlobPatch::Opaque(text)),
    };
    let project_id = match m.get("project_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(p)) if p.is_empty() => Some(None),
        Some(Value::String(p)) => Some(Some(p.clone())),
        Some(_) => {
            return Err(Error::invalid(
                "Invalid input for field 'project_id': a string is required",
            )
            .into())
        }
    };
    let patch = CredentialPatch {
        kind,
        blob,
        project_id,
    };
    let c = s.dir.update_credential(&who.account_id, &id, patch).await?;
    Ok(Json(json!({ "credential": view(&b.0, &c) })).into_response())
}

/// `DELETE /v3/credentials/{credential_id}`: 204 (an ec2 credential's access key is gone
/// from every view and stops signing).
async fn delete(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    managed(&s, &who, &id, DELETE).await?;
    s.dir.delete_credential(&who.account_id, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Keystone's answer to an OS-EC2 access of another user: 401.
fn ec2_not_found() -> Error {
    Error::Unauthenticated("EC2 access key not found.".into())
}

/// `POST /v3/users/{user_id}/credentials/OS-EC2` `{"tenant_id": project_id}`: 201
/// `{"credential": {user_id, tenant_id, access, secret, trust_id, links}}`, a new access
/// key of the user (at most two a user).
async fn ec2_create(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Res {
    let v: Value = json(&body)?;
    let project = match v.get("tenant_id") {
        Some(Value::String(p)) if !p.is_empty() => p.clone(),
        _ => return Err(expecting("tenant_id", "the request body").into()),
    };
    who.allow_or_self(&s, CREATE, &user_id).await?;
    who.guard_root(&s, &user_id).await?;
    let c = s
        .dir
        .create_ec2_credential(&who.account_id, &user_id, &project, None)
        .await
        .map_err(limit_as_keystone)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "credential": ec2_view(&b.0, &c) })),
    )
        .into_response())
}

/// `GET /v3/users/{user_id}/credentials/OS-EC2`: the user's access keys, oldest first
/// (`secret` null for a key whose secret is not shown again).
async fn ec2_list(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(user_id): Path<String>,
) -> Res {
    who.allow_or_self(&s, LIST, &user_id).await?;
    let all = s.dir.ec2_credentials_of(&who.account_id, &user_id).await?;
    Ok(Json(json!({
        "credentials": all.iter().map(|c| ec2_view(&b.0, c)).collect::<Vec<_>>(),
        "links": {
            "self": format!("{}/v3/users/{user_id}/credentials/OS-EC2", b.0),
            "previous": null,
            "next": null,
        },
    }))
    .into_response())
}

/// The user's access key `access` as an ec2 credential, if the caller may do `action`.
async fn ec2_managed(
    s: &AppState,
    who: &Who,
    user_id: &str,
    access: &str,
    action: &str,
) -> Result<Credential, Error> {
    let c = match s.dir.ec2_credential(&who.account_id, access).await {
        Ok(c) if c.user_id.as_str() == user_id => c,
        // another user's: Keystone's 401; none at all: its CredentialNotFound, 404 (what
        // tempest's test_delete_ec2_credential expects after a delete)
        Ok(_) => return Err(ec2_not_found()),
        Err(e) => return Err(e),
    };
    who.allow_or_self(s, action, &c.user_id).await?;
    if action != GET {
        who.guard_root(s, &c.user_id).await?;
    }
    Ok(c)
}

/// `GET /v3/users/{user_id}/credentials/OS-EC2/{access}`: `{"credential": {...}}`.
async fn ec2_show(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path((user_id, access)): Path<(String, String)>,
) -> Res {
    let c = ec2_managed(&s, &who, &user_id, &access, GET).await?;
    Ok(Json(json!({ "credential": ec2_view(&b.0, &c) })).into_response())
}

/// `DELETE /v3/users/{user_id}/credentials/OS-EC2/{access}`: 204; the key is gone from
/// every view.
async fn ec2_delete(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, access)): Path<(String, String)>,
) -> Res {
    ec2_managed(&s, &who, &user_id, &access, DELETE).await?;
    s.dir.delete_access_key(&who.account_id, &access).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
