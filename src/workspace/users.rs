//! `/v2/{project_id}/users...`: list, create, batch-create, detail, update, delete,
//! batch-delete, LOCK/UNLOCK/RESET_PWD, random password.

use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::WsError;
use super::groups::{page, Listed};
use super::{json, views, Tenant};
use crate::core::model::{Given, NewUser, UserFilter, UserPatch};
use crate::core::{ids, validate, Error};
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/{project_id}/users", get(list).post(create))
        .route("/v2/{project_id}/users/batch-create", post(batch_create))
        .route("/v2/{project_id}/users/batch-delete", post(batch_delete))
        .route(
            "/v2/{project_id}/users/{user_id}",
            get(detail).put(update).delete(delete),
        )
        .route("/v2/{project_id}/users/{user_id}/actions", post(actions))
        .route(
            "/v2/{project_id}/users/{user_id}/random-password",
            get(random_password),
        )
}

type Res = Result<Json<Value>, WsError>;

/// The user filters shared by the user list and the list of a group's users (ListUsers'
/// and ListUsersOfGroup's request models); see [`matches_no_one`] for the desktop flags.
pub fn user_filter(p: &Params) -> Result<UserFilter, Error> {
    matches_no_one(p)?;
    Ok(UserFilter {
        name_contains: p.text("user_name"),
        names: p.list("user_names")?,
        description_contains: p.text("description"),
        active_type: p.text("active_type").map(Given::parse),
        group_name: p.text("group_name"),
        enterprise_project_id: p.text("enterprise_project_id"),
        disabled: p.bool("disabled")?,
        domain: p.text("domain"),
        platform_type: p.text("platform_type").map(Given::parse),
        group_id: None,
        ..UserFilter::default()
    })
}

/// Whether ListUsers' desktop flags match no one: `share_space_subscription=true` or
/// `share_space_desktops=true` ask for users with a shared-space subscription or desktops,
/// and Roster's users have neither (they show `false` and 0); `is_query_total_desktops`
/// only asks for the desktop count in the answer (always 0). Not booleans: a 400.
pub fn matches_no_one(p: &Params) -> Result<bool, Error> {
    p.bool("is_query_total_desktops")?;
    Ok(p.bool("share_space_subscription")? == Some(true)
        || p.bool("share_space_desktops")? == Some(true))
}

/// A filtered listing, or an empty one when the filters match no one (still checking, with
/// a zero-row read, that a group named by the filter exists).
pub async fn list_users(
    s: &AppState,
    account_id: &str,
    filter: &UserFilter,
    none: bool,
    mut page: crate::core::model::Page,
) -> Result<crate::core::model::Listing<crate::core::model::User>, Error> {
    if none {
        page.limit = 0;
    }
    let mut listing = s.dir.list_users(account_id, filter, page).await?;
    if none {
        listing.total = 0;
    }
    Ok(listing)
}

async fn list(State(s): State<AppState>, t: Tenant, RawQuery(q): RawQuery) -> Listed {
    let p = Params::parse(q.as_deref());
    let (filter, none) = (user_filter(&p)?, matches_no_one(&p)?);
    let mut page = page(&p)?;
    if none {
        page.limit = 0; // still checks, with a zero-row read, what the filter names
    }
    // the page and its users' group names in one read (one unit of work, not two)
    let (mut listing, names) = s
        .dir
        .list_users_with_groups(&t.account_id, &filter, page)
        .await?;
    if none {
        listing.total = 0;
    }
    Ok(Json(views::user_list(&listing, &names)).into_response())
}

/// CreateUserRequest of the SDK.
#[derive(Deserialize)]
struct CreateReq {
    user_name: String,
    user_email: Option<String>,
    account_expires: Option<String>,
    active_type: Option<String>,
    user_phone: Option<String>,
    password: Option<String>,
    enable_change_password: Option<bool>,
    next_login_change_password: Option<bool>,
    password_never_expired: Option<bool>,
    group_ids: Option<Vec<String>>,
    description: Option<String>,
    alias_name: Option<String>,
    enterprise_project_id: Option<String>,
    user_info_map: Option<String>,
    domain: Option<String>,
}

/// "0" or empty for never, Unix milliseconds, or an ISO 8601 time.
fn account_expires(v: Option<&str>) -> Result<Option<i64>, Error> {
    match v.map(str::trim) {
        None => Ok(None),
        Some("") | Some("0") => Ok(Some(0)),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .or_else(|| ids::parse_time_ms(s))
            .map(Some)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "account_expires must be 0 or a time like 2030-01-01T00:00:00.000Z, not {s:?}"
                ))
            }),
    }
}

impl CreateReq {
    fn into_new_user(self) -> Result<NewUser, Error> {
        validate::workspace_user_name(&self.user_name)?;
        Ok(NewUser {
            account_expires: account_expires(self.account_expires.as_deref())?.unwrap_or(0),
            name: self.user_name,
            description: self.description.unwrap_or_default(),
            email: self.user_email.unwrap_or_default(),
            phone: self.user_phone.unwrap_or_default(),
            alias_name: self.alias_name.unwrap_or_default(),
            active_type: self.active_type.map(Given::parse),
            platform_type: None,
            domain: self.domain.unwrap_or_default(),
            enterprise_project_id: self.enterprise_project_id.unwrap_or_default(),
            user_info_map: self.user_info_map.unwrap_or_default(),
            password: self.password,
            enable_change_password: self.enable_change_password,
            next_login_change_password: self.next_login_change_password,
            password_never_expired: self.password_never_expired,
            disabled: false,
            group_ids: self.group_ids.unwrap_or_default(),
            default_project_id: String::new(),
            options: None,
        })
    }
}

async fn create(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: CreateReq = json(&body)?;
    let new = r.into_new_user()?;
    t.guard_groups(&s, &new.group_ids).await?;
    let u = s.dir.create_user(&t.account_id, new).await?;
    Ok(Json(json!({ "id": u.id })))
}

#[derive(Deserialize)]
struct BatchCreateReq {
    users: Vec<CreateReq>,
}

const MAX_BATCH_CREATE: usize = 100;

async fn batch_create(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: BatchCreateReq = json(&body)?;
    if r.users.is_empty() || r.users.len() > MAX_BATCH_CREATE {
        return Err(
            Error::invalid(format!("users must list 1 to {MAX_BATCH_CREATE} users")).into(),
        );
    }
    let new = r
        .users
        .into_iter()
        .map(CreateReq::into_new_user)
        .collect::<Result<Vec<_>, _>>()?;
    let groups: Vec<String> = new.iter().flat_map(|u| u.group_ids.clone()).collect();
    t.guard_groups(&s, &groups).await?;
    s.dir.create_users(&t.account_id, new).await?;
    Ok(Json(json!({})))
}

async fn detail(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, user_id)): Path<(String, String)>,
) -> Res {
    let u = s.dir.user(&t.account_id, &user_id).await?;
    let names = s.dir.group_names_of(&[u.id.to_string()]).await?;
    let groups = names.get(u.id.as_str()).cloned().unwrap_or_default();
    Ok(Json(
        json!({ "user_detail": views::user_detail(&u, &groups) }),
    ))
}

/// EditUserReq of the SDK.
#[derive(Deserialize)]
struct EditReq {
    description: Option<String>,
    user_email: Option<String>,
    user_phone: Option<String>,
    active_type: Option<String>,
    account_expires: Option<String>,
    enable_change_password: Option<bool>,
    next_login_change_password: Option<bool>,
    password_never_expired: Option<bool>,
    disabled: Option<bool>,
    user_info_map: Option<String>,
}

async fn update(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let r: EditReq = json(&body)?;
    let patch = UserPatch {
        description: r.description,
        email: r.user_email,
        phone: r.user_phone,
        active_type: r.active_type.map(Given::parse),
        account_expires: account_expires(r.account_expires.as_deref())?,
        enable_change_password: r.enable_change_password,
        next_login_change_password: r.next_login_change_password,
        password_never_expired: r.password_never_expired,
        disabled: r.disabled,
        user_info_map: r.user_info_map,
        ..Default::default()
    };
    let u = s.dir.update_user(&t.account_id, &user_id, patch).await?;
    Ok(Json(json!({ "id": u.id })))
}

async fn delete(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, user_id)): Path<(String, String)>,
) -> Res {
    s.dir.delete_users(&t.account_id, &[user_id]).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct BatchDeleteReq {
    user_ids: Vec<String>,
}

async fn batch_delete(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: BatchDeleteReq = json(&body)?;
    t.authorize_each(&s, "workspace:users:delete", &r.user_ids)
        .await?;
    s.dir.delete_users(&t.account_id, &r.user_ids).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct OperateReq {
    op_type: String,
}

async fn actions(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let r: OperateReq = json(&body)?;
    match r.op_type.as_str() {
        "LOCK" => s.dir.set_locked(&t.account_id, &user_id, true).await?,
        "UNLOCK" => s.dir.set_locked(&t.account_id, &user_id, false).await?,
        "RESET_PWD" => s.dir.reset_password(&t.account_id, &user_id).await?,
        other => {
            return Err(Error::invalid(format!(
                "op_type must be LOCK, UNLOCK or RESET_PWD, not {other:?}"
            ))
            .into())
        }
    };
    Ok(Json(json!({})))
}

async fn random_password(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, user_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Res {
    let p = Params::parse(q.as_deref());
    if let Some(n) = p.text("notification_type") {
        validate::one_of("notification_type", &n, &["EMAIL", "SMS", "NONE"])?;
    }
    let password = s.dir.random_password(&t.account_id, &user_id).await?;
    Ok(Json(json!({ "password": password })))
}
