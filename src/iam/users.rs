//! `/v3/users...` and Huawei's `/v3.0/OS-USER/users`: list, create, show, update, delete.
//! IAM users are the directory's users; `enabled` is the inverse of the `disabled` flag.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use super::error::KsError;
use super::views::{self, Paging};
use super::{json, Base, Who};
use crate::core::model::{NameCondition, NewUser, UserFilter, UserPatch, ADMIN_ACTIVATE};
use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/users", get(list).post(create))
        .route(
            "/v3/users/{user_id}",
            get(show).patch(update).delete(delete),
        )
        .route("/v3.0/OS-USER/users", post(create_os_user))
}

type Res = Result<Response, KsError>;

async fn list(State(s): State<AppState>, who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    who.must_be_admin()?;
    let p = Params::parse(q.as_deref());
    who.own_domain(p.get("domain_id"))?;
    let paging = Paging::from(&p)?;
    let filter = UserFilter {
        names: p.text("name").into_iter().collect(),
        name_conditions: NameCondition::keystone(|k| p.text(k)),
        disabled: p.bool("enabled")?.map(|e| !e),
        ..Default::default()
    };
    // no password of the directory expires, so a password_expires_at filter matches no one
    let listing = if p.text("password_expires_at").is_some() {
        crate::core::model::Listing {
            total: 0,
            items: Vec::new(),
        }
    } else {
        s.dir
            .list_users(&who.account_id, &filter, paging.core())
            .await?
    };
    Ok(Json(json!({
        "users": listing.items.iter().map(|u| views::user(&b.0, u)).collect::<Vec<_>>(),
        "links": paging.links(&b.0, "/v3/users", q.as_deref(), listing.total),
    }))
    .into_response())
}

/// KeystoneCreateUserOption and Huawei's CreateUserOption (a superset).
#[derive(Deserialize, Default)]
struct UserOption {
    name: Option<String>,
    domain_id: Option<String>,
    password: Option<String>,
    enabled: Option<bool>,
    description: Option<String>,
    pwd_status: Option<bool>,
    email: Option<String>,
    phone: Option<String>,
    areacode: Option<String>,
}

#[derive(Deserialize)]
struct UserBody {
    user: UserOption,
}

impl UserOption {
    fn into_new_user(self) -> Result<NewUser, Error> {
        let name = self
            .name
            .ok_or_else(|| Error::invalid("user.name is required"))?;
        Ok(NewUser {
            name,
            description: self.description.unwrap_or_default(),
            email: self.email.unwrap_or_default(),
            phone: self.phone.unwrap_or_default(),
            // with a password the user can log in at once; without one it activates itself
            // through its e-mail or phone, as on the Workspace face
            active_type: self.password.as_ref().map(|_| ADMIN_ACTIVATE.to_string()),
            password: self.password,
            next_login_change_password: self.pwd_status,
            disabled: !self.enabled.unwrap_or(true),
            ..Default::default()
        })
    }
}

async fn create_user(
    s: &AppState,
    who: &Who,
    body: &Bytes,
) -> Result<(crate::core::model::User, String), Error> {
    who.must_be_admin()?;
    let r: UserBody = json(body)?;
    who.own_domain(r.user.domain_id.as_deref())?;
    let areacode = r.user.areacode.clone().unwrap_or_default();
    let u = s
        .dir
        .create_user(&who.account_id, r.user.into_new_user()?)
        .await?;
    Ok((u, areacode))
}

async fn create(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    let (u, _) = create_user(&s, &who, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "user": views::user(&b.0, &u) })),
    )
        .into_response())
}

async fn create_os_user(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    let (u, areacode) = create_user(&s, &who, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "user": views::os_user(&b.0, &u, &areacode) })),
    )
        .into_response())
}

async fn show(State(s): State<AppState>, who: Who, b: Base, Path(id): Path<String>) -> Res {
    who.must_be_admin_or(&id)?;
    let u = s.dir.user(&who.account_id, &id).await?;
    Ok(Json(json!({ "user": views::user(&b.0, &u) })).into_response())
}

async fn update(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.must_be_admin()?;
    let r: UserBody = json(&body)?;
    let o = r.user;
    if let Some(d) = o.domain_id.as_deref() {
        if d != who.account_id {
            return Err(Error::invalid("a user cannot move to another domain").into());
        }
    }
    let patch = UserPatch {
        name: o.name,
        description: o.description,
        email: o.email,
        phone: o.phone,
        disabled: o.enabled.map(|e| !e),
        next_login_change_password: o.pwd_status,
        password: o.password,
        ..Default::default()
    };
    let u = s.dir.update_user(&who.account_id, &id, patch).await?;
    // this node sees the change at once; the others within state::USER_TTL
    s.iam.forget_user(&who.account_id, &id);
    Ok(Json(json!({ "user": views::user(&b.0, &u) })).into_response())
}

async fn delete(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.must_be_admin()?;
    s.dir
        .delete_users(&who.account_id, std::slice::from_ref(&id))
        .await?;
    s.iam.forget_user(&who.account_id, &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
