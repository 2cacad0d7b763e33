//! Keystone's application credentials on the IAM face, as the Keystone API reference has
//! them (and tempest's `application_credentials_client` and python-keystoneclient's
//! `application_credentials` manager call them):
//! `GET|POST /v3/users/{user_id}/application_credentials` (filter `name`) and
//! `GET|DELETE /v3/users/{user_id}/application_credentials/{application_credential_id}`.
//! The `application_credential` auth method is in `iam::tokens`.
//!
//! Who may: a user makes its own, for the project of its token (or of a signed request's
//! `X-Project-Id`), delegating roles it holds there (`core::directory::application_credentials`);
//! nobody makes one for another user. A user lists, reads and deletes its own; anyone else
//! whose policies allow the action (`iam:applicationCredentials:*`; the domain
//! administrator) too, but the root user's are deleted by the root user alone. A token made
//! with a restricted application credential (`unrestricted` false, the default) can neither
//! make nor delete application credentials (Keystone's rule, 403). Another domain's users
//! answer as users that exist nowhere.
//!
//! The secret is in the answer to the creation only. Access rules are not served: a
//! non-empty `access_rules` is refused (400).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::error::KsError;
use super::{json, Base, Who};
use crate::core::directory::application_credentials::{
    ApplicationCredential, NewApplicationCredential, RoleRef,
};
use crate::core::{Entity, Error};
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v3/users/{user_id}/application_credentials",
            get(list).post(create),
        )
        .route(
            "/v3/users/{user_id}/application_credentials/{application_credential_id}",
            get(show).delete(delete),
        )
}

type Res = Result<Response, KsError>;

const CREATE: &str = "iam:applicationCredentials:createApplicationCredential";
const LIST: &str = "iam:applicationCredentials:listApplicationCredentials";
const GET: &str = "iam:applicationCredentials:getApplicationCredential";
const DELETE: &str = "iam:applicationCredentials:deleteApplicationCredential";

/// Keystone's time format for application credentials (`expires_at`, unix microseconds):
/// microseconds, no zone (UTC), as Python's `isoformat()` of the time given.
fn time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

/// An `expires_at` as clients send it: ISO 8601, with a zone or without (then UTC); unix
/// microseconds.
fn parse_time(s: &str) -> Result<i64, Error> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_micros());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), f) {
            return Ok(t.and_utc().timestamp_micros());
        }
    }
    Err(Error::invalid(format!(
        "Invalid input for field 'expires_at': {} is not an ISO 8601 time",
        crate::core::text::quoted(s)
    )))
}

/// `{"id", "name", "description", "user_id", "project_id", "roles", "unrestricted",
/// "expires_at", "access_rules", "links"}`.
fn view(base: &str, c: &ApplicationCredential) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "user_id": c.user_id,
        "project_id": c.project_id,
        "roles": c.roles.iter().map(|(id, name)| json!({
            "id": id, "name": name, "domain_id": null,
        })).collect::<Vec<_>>(),
        "unrestricted": c.unrestricted,
        "expires_at": c.expires_at.map(time),
        "system": null,
        "access_rules": [],
        "links": {
            "self": format!(
                "{base}/v3/users/{}/application_credentials/{}",
                c.user_id, c.id
            ),
        },
    })
}

/// A token made with a restricted application credential may not do this (Keystone:
/// "Using method 'application_credential' is not allowed for managing additional
/// application credentials").
fn refuse_restricted(who: &Who) -> Result<(), Error> {
    match &who.app {
        Some(a) if !a.unrestricted => Err(Error::Forbidden(
            "Using method 'application_credential' is not allowed for managing additional \
             application credentials: the token's application credential is restricted"
                .into(),
        )),
        _ => Ok(()),
    }
}

fn string(m: &Map<String, Value>, k: &str) -> Result<Option<String>, Error> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::invalid(format!(
            "Invalid input for field '{k}': a string is required"
        ))),
    }
}

fn roles(v: Option<&Value>) -> Result<Option<Vec<RoleRef>>, Error> {
    let list = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(Error::invalid(
                "Invalid input for field 'roles': an array is required",
            ))
        }
    };
    if list.is_empty() {
        return Err(Error::invalid(
            "Invalid input for field 'roles': name at least one role, or leave it out to \
             delegate every role held on the project",
        ));
    }
    list.iter()
        .map(|r| {
            let Value::Object(m) = r else {
                return Err(Error::invalid(
                    "Invalid input for field 'roles': each role is an object with an id or a \
                     name",
                ));
            };
            if let Some(k) = m
                .keys()
                .find(|k| !["id", "name", "domain_id"].contains(&k.as_str()))
            {
                return Err(Error::invalid(format!(
                    "Additional properties are not allowed ({} was unexpected) in a role",
                    crate::core::text::quoted(k)
                )));
            }
            match (string(m, "id")?, string(m, "name")?) {
                (Some(id), _) => Ok(RoleRef::Id(id)),
                (None, Some(name)) => Ok(RoleRef::Name(name)),
                (None, None) => Err(Error::invalid(
                    "Invalid input for field 'roles': each role needs an id or a name",
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The body of a creation, checked as Keystone's schema does.
fn new_credential(body: &Bytes) -> Result<NewApplicationCredential, Error> {
    let v: Value = json(body)?;
    let m = match v.get("application_credential") {
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(Error::invalid(
                "Invalid input for field 'application_credential': an object is required",
            ))
        }
        None => {
            return Err(Error::invalid(
                "'application_credential' is a required property",
            ))
        }
    };
    const KNOWN: &[&str] = &[
        "name",
        "description",
        "secret",
        "expires_at",
        "roles",
        "unrestricted",
        "access_rules",
    ];
    if let Some(k) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(Error::invalid(format!(
            "Additional properties are not allowed ({} was unexpected)",
            crate::core::text::quoted(k)
        )));
    }
    match m.get("access_rules") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(_) => {
            return Err(Error::invalid(
                "access_rules are not supported: Roster's application credentials delegate \
                 roles only",
            ))
        }
    }
    let name = string(m, "name")?.ok_or_else(|| Error::invalid("'name' is a required property"))?;
    let unrestricted = match m.get("unrestricted") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(Error::invalid(
                "Invalid input for field 'unrestricted': a boolean is required",
            ))
        }
    };
    Ok(NewApplicationCredential {
        name,
        description: string(m, "description")?,
        secret: string(m, "secret")?,
        expires_at: string(m, "expires_at")?
            .map(|t| parse_time(&t))
            .transpose()?,
        roles: roles(m.get("roles"))?,
        unrestricted,
    })
}

/// Keystone answers the limit with 403 (`ApplicationCredentialLimitExceeded`).
fn limit_as_keystone(e: Error) -> Error {
    match e {
        Error::Limit(m) => Error::Forbidden(m),
        e => e,
    }
}

/// `POST /v3/users/{user_id}/application_credentials`
/// `{"application_credential": {name, description?, secret?, expires_at?, roles?,
/// unrestricted?}}`: 201 `{"application_credential": {..., "secret"}}`, for the project of
/// the caller's token.
async fn create(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Res {
    let new = new_credential(&body)?;
    if who.user_id != user_id {
        // Keystone: a user makes its own, from a token of its own
        s.dir.user(&who.account_id, &user_id).await?;
        return Err(Error::Forbidden(
            "you are not authorized to perform the requested action: a user creates its own \
             application credentials"
                .into(),
        )
        .into());
    }
    who.allow_or_self(&s, CREATE, &user_id).await?;
    refuse_restricted(&who)?;
    let project = who.project_id.clone().ok_or_else(|| {
        Error::Forbidden(
            "an application credential is made with a project-scoped token: its project is \
             the token's"
                .into(),
        )
    })?;
    let (c, secret) = s
        .dir
        .create_application_credential(&who.account_id, &user_id, &project, new)
        .await
        .map_err(limit_as_keystone)?;
    let mut v = view(&b.0, &c);
    v["secret"] = json!(secret);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "application_credential": v })),
    )
        .into_response())
}

/// `GET /v3/users/{user_id}/application_credentials[?name=]`:
/// `{"application_credentials": [...], "links"}`, oldest first.
async fn list(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    let p = Params::parse(q.as_deref());
    super::lists::refuse_inexact(&p, &["name"], false)?;
    who.allow_or_self(&s, LIST, &user_id).await?;
    let all = s
        .dir
        .application_credentials_of(&who.account_id, &user_id, p.text("name"))
        .await?;
    Ok(Json(json!({
        "application_credentials": all.iter().map(|c| view(&b.0, c)).collect::<Vec<_>>(),
        "links": {
            "self": format!("{}/v3/users/{user_id}/application_credentials", b.0),
            "previous": null,
            "next": null,
        },
    }))
    .into_response())
}

/// `GET /v3/users/{user_id}/application_credentials/{id}`:
/// `{"application_credential": {...}}` (no secret).
async fn show(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path((user_id, id)): Path<(String, String)>,
) -> Res {
    who.allow_or_self(&s, GET, &user_id).await?;
    let c = found(
        s.dir
            .application_credential(&who.account_id, &user_id, &id)
            .await,
        &s,
        &who,
        &user_id,
    )
    .await?;
    Ok(Json(json!({ "application_credential": view(&b.0, &c) })).into_response())
}

/// A 404 of the credential is the user's when there is no such user.
async fn found<T>(r: Result<T, Error>, s: &AppState, who: &Who, user_id: &str) -> Result<T, Error> {
    match r {
        Err(Error::NotFound(Entity::ApplicationCredential, id)) => {
            s.dir.user(&who.account_id, user_id).await?;
            Err(Error::NotFound(Entity::ApplicationCredential, id))
        }
        r => r,
    }
}

/// `DELETE /v3/users/{user_id}/application_credentials/{id}`: 204; the tokens made with
/// it are refused from then on.
async fn delete(
    State(s): State<AppState>,
    who: Who,
    Path((user_id, id)): Path<(String, String)>,
) -> Res {
    who.allow_or_self(&s, DELETE, &user_id).await?;
    refuse_restricted(&who)?;
    who.guard_root(&s, &user_id).await?;
    found(
        s.dir
            .delete_application_credential(&who.account_id, &user_id, &id)
            .await,
        &s,
        &who,
        &user_id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
