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
use super::{json, lists, Base, Who};
use crate::core::model::{ActiveType, NameCondition, NewUser, User, UserFilter, UserPatch};
use crate::core::policy::UserOptions;
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
        .route("/v3/users/{user_id}/password", post(change_password))
}

type Res = Result<Response, KsError>;

/// `GET /v3/users`: Keystone's filters `domain_id` (only the caller's; another is a 403),
/// `name` (exact, case-insensitive as names are unique that way), `enabled`,
/// `password_expires_at`, and the federation filters `idp_id`, `protocol_id`, `unique_id`
/// (no user of the directory is federated: a value matches no one).
async fn list(State(s): State<AppState>, who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    who.allow(&s, "iam:users:listUsers").await?;
    let p = Params::parse(q.as_deref());
    let federated = ["idp_id", "protocol_id", "unique_id"]
        .iter()
        .any(|f| p.text(f).is_some());
    let (filter, none) = user_filter(
        &who,
        &p,
        &[
            "domain_id",
            "enabled",
            "name",
            "password_expires_at",
            "idp_id",
            "protocol_id",
            "unique_id",
        ],
    )?;
    let accounts = lists::accounts_listed(&s, &who, &p).await?;
    user_list(
        &s,
        &who,
        accounts,
        &b,
        "/v3/users",
        q.as_deref(),
        filter,
        none || federated,
    )
    .await
}

/// The user filters of `/v3/users` and `/v3/groups/{id}/users` (`domain_id`, `enabled`,
/// `name`, `password_expires_at`): the filter, and whether it matches no one.
pub(super) fn user_filter(
    who: &Who,
    p: &Params,
    filters: &[&str],
) -> Result<(UserFilter, bool), Error> {
    who.own_domain(p.get("domain_id"))?;
    lists::refuse_inexact(p, filters, true)?;
    let filter = UserFilter {
        names: p.text("name").into_iter().collect(),
        name_conditions: NameCondition::keystone(|k| p.text(k)),
        disabled: lists::enabled(p)?.map(|e| !e),
        password_expires: lists::password_expires_at(p)?,
        ..Default::default()
    };
    Ok((filter, false))
}

/// A user list: the page asked for (`page`/`per_page`, of the aimed account), else the
/// whole list of `accounts` streamed (cut at `list_limit`). `none`: the filters match no
/// one (the group, if any, must still exist).
#[allow(clippy::too_many_arguments)]
pub(super) async fn user_list(
    s: &AppState,
    who: &Who,
    accounts: Vec<String>,
    b: &Base,
    path: &str,
    q: Option<&str>,
    filter: UserFilter,
    none: bool,
) -> Res {
    let p = Params::parse(q);
    let paging = Paging::from(&p)?;
    if paging.asked {
        let mut page = paging.core();
        if none {
            page.limit = 0;
        }
        let mut listing = s.dir.list_users(&who.account_id, &filter, page).await?;
        if none {
            listing.total = 0;
        }
        return Ok(Json(json!({
            "users": listing.items.iter().map(|u| views::user(&b.0, u)).collect::<Vec<_>>(),
            "links": paging.links(&b.0, path, q, listing.total),
        }))
        .into_response());
    }
    let (dir, base) = (s.dir.clone(), b.0.clone());
    let accounts = std::sync::Arc::new(accounts);
    Ok(lists::stream(
        "users",
        views::whole_links(&b.0, path, q),
        s.iam.settings.list_limit,
        |u: &User| u.seq,
        move |u| views::user(&base, u),
        move |after, n| {
            let (dir, accounts, filter) = (dir.clone(), accounts.clone(), filter.clone());
            // LIMIT 0 still checks that the group exists
            let n = if none { 0 } else { n };
            async move {
                lists::merged(
                    &accounts,
                    after,
                    n,
                    |u: &User| u.seq,
                    |a, after, n| {
                        let (dir, filter) = (dir.clone(), filter.clone());
                        async move { dir.users_after(&a, &filter, after, n).await }
                    },
                )
                .await
            }
        },
    )
    .await?)
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
    /// Keystone's: a project of the domain, or null / "" for none.
    #[serde(default, deserialize_with = "nullable")]
    default_project_id: Option<String>,
    /// Keystone's user options (`core::policy::UserOptions`).
    options: Option<serde_json::Value>,
}

/// A field that may be `null` (read as empty).
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?.unwrap_or_default()))
}

/// `options` as the core reads them.
fn options(v: &Option<serde_json::Value>) -> Result<Option<UserOptions>, Error> {
    v.as_ref().map(UserOptions::parse).transpose()
}

/// A `default_project_id` must name a project of the caller's domain (empty: none).
async fn check_default_project(s: &AppState, who: &Who, id: Option<&str>) -> Result<(), Error> {
    let Some(id) = id.filter(|id| !id.is_empty()) else {
        return Ok(());
    };
    match s.dir.project(id).await {
        Ok(p) if p.account_id == who.account_id => Ok(()),
        Ok(_) | Err(Error::NotFound(..)) => Err(Error::invalid(format!(
            "default_project_id {id} is not a project of the domain"
        ))),
        Err(e) => Err(e),
    }
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
            active_type: self.password.as_ref().map(|_| ActiveType::Admin.into()),
            password: self.password,
            next_login_change_password: self.pwd_status,
            disabled: !self.enabled.unwrap_or(true),
            options: options(&self.options)?,
            default_project_id: self.default_project_id.unwrap_or_default(),
            ..Default::default()
        })
    }
}

async fn create_user(
    s: &AppState,
    who: &Who,
    body: &Bytes,
) -> Result<(crate::core::model::User, String), Error> {
    who.allow(s, "iam:users:createUser").await?;
    let r: UserBody = json(body)?;
    who.own_domain(r.user.domain_id.as_deref())?;
    check_default_project(s, who, r.user.default_project_id.as_deref()).await?;
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
    who.allow_or_self(&s, "iam:users:getUser", &id).await?;
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
    who.allow(&s, "iam:users:updateUser").await?;
    who.guard_root(&s, &id).await?;
    let r: UserBody = json(&body)?;
    let o = r.user;
    if let Some(d) = o.domain_id.as_deref() {
        if d != who.account_id {
            return Err(Error::invalid("a user cannot move to another domain").into());
        }
    }
    check_default_project(&s, &who, o.default_project_id.as_deref()).await?;
    let patch = UserPatch {
        options: options(&o.options)?,
        default_project_id: o.default_project_id,
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
    who.allow(&s, "iam:users:deleteUser").await?;
    who.guard_root(&s, &id).await?;
    s.dir
        .delete_users(&who.account_id, std::slice::from_ref(&id))
        .await?;
    s.iam.forget_user(&who.account_id, &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChangeBody {
    user: PasswordChange,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    password: String,
    original_password: String,
}

/// `POST /v3/users/{user_id}/password`: a user changes its own password (Keystone API
/// reference, "Change password for user"). No token is needed: the original password
/// authenticates, and a wrong one counts as a failed login (an address's limit: 429; a
/// locked-out user: 401). A wrong original password or an unknown user: 401; a new password
/// the account's password policy refuses (rules, history, minimum age, self-service off or
/// the user's `lock_password`): 400. Answers 204; the user's tokens stop working.
async fn change_password(
    State(s): State<AppState>,
    peer: super::tokens::Peer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Response> {
    let ks = |e: Error| KsError(e).into_response();
    let r: PasswordChangeBody = json(&body).map_err(ks)?;
    let unknown = || {
        ks(Error::Unauthenticated(
            "error when changing user password: wrong user or password".into(),
        ))
    };
    // an id no user can have is an unknown user at once (no unchecked text to the store)
    let account = if crate::core::ids::is_hex_id(&id) {
        s.dir.account_of_user(&id).await.map_err(ks)?
    } else {
        None
    };
    let user = match &account {
        Some(a) => Some(s.dir.user(a, &id).await.map_err(ks)?),
        None => None,
    };
    let policy = match &account {
        Some(a) => super::security::login_policy(&s, a).await.map_err(ks)?,
        None => super::security::server_login_policy(&s),
    };
    let opts = user
        .as_ref()
        .map(|u| UserOptions::from_stored(&u.options))
        .unwrap_or_default();
    let subject = match &user {
        Some(u) => format!("user:{}", u.id),
        None => "user:?".to_string(),
    };
    let guard = super::tokens::Guard::new(&s, peer.subject(), &subject, &policy, &opts);
    guard.admit(&s).await?;
    let (Some(account), Some(user)) = (account, user) else {
        // as slow as a real check, so timing does not tell which users exist
        crate::core::password::verify_nothing(&r.user.original_password)
            .await
            .map_err(ks)?;
        guard.failed(&s).await?;
        return Err(unknown());
    };
    // Keystone authenticates the change: a disabled, locked or expired user makes none
    if user.disabled || user.locked || user.expired_at(crate::core::ids::now_ms()) {
        return Err(ks(Error::Unauthenticated(format!(
            "the user {id} is disabled or locked"
        ))));
    }
    match s
        .dir
        .change_own_password(&account, &id, &r.user.original_password, &r.user.password)
        .await
    {
        Ok(_) => {}
        Err(Error::Unauthenticated(_)) => {
            guard.failed(&s).await?;
            return Err(unknown());
        }
        Err(e) => return Err(ks(e)),
    }
    s.dir.clear_login_failures(&subject).await.map_err(ks)?;
    s.iam.forget_user(&account, &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
