//! `/v3/groups...`: list, create, show, update, delete, members, membership checks, and
//! `/v3/users/{user_id}/groups`. Every change goes through the directory's operations.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use super::error::KsError;
use super::views::{self, Paging};
use super::{json, lists, Base, Who};
use crate::core::model::{Group, GroupFilter, GroupPatch, NameCondition, NewGroup};
use crate::core::{Entity, Error};
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/groups", get(list).post(create))
        .route(
            "/v3/groups/{group_id}",
            get(show).patch(update).delete(delete),
        )
        .route("/v3/groups/{group_id}/users", get(members))
        .route(
            "/v3/groups/{group_id}/users/{user_id}",
            put(add_member).head(check_member).delete(remove_member),
        )
        .route("/v3/users/{user_id}/groups", get(groups_of_user))
}

type Res = Result<Response, KsError>;

/// `GET /v3/groups`: Keystone's filters `domain_id` (only the caller's; another is a 403)
/// and `name` (exact, case-insensitive as names are unique that way).
async fn list(State(s): State<AppState>, who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    who.allow(&s, "iam:groups:listGroups").await?;
    let p = Params::parse(q.as_deref());
    who.own_domain(p.get("domain_id"))?;
    lists::refuse_inexact(&p, &["domain_id", "name"], true)?;
    let filter = GroupFilter {
        name: p.text("name"),
        name_conditions: NameCondition::keystone(|k| p.text(k)),
        ..Default::default()
    };
    let accounts = lists::accounts_listed(&s, &who, &p).await?;
    group_list(&s, &who, accounts, &b, "/v3/groups", q.as_deref(), filter).await
}

/// A group list: the page asked for (`page`/`per_page`, of the aimed account), else the
/// whole list of `accounts` streamed (cut at `list_limit`).
async fn group_list(
    s: &AppState,
    who: &Who,
    accounts: Vec<String>,
    b: &Base,
    path: &str,
    q: Option<&str>,
    filter: GroupFilter,
) -> Res {
    let p = Params::parse(q);
    let paging = Paging::from(&p)?;
    if paging.asked {
        let listing = s
            .dir
            .list_groups(&who.account_id, &filter, paging.core())
            .await?;
        return Ok(Json(json!({
            "groups": listing.items.iter().map(|g| views::group(&b.0, g)).collect::<Vec<_>>(),
            "links": paging.links(&b.0, path, q, listing.total),
        }))
        .into_response());
    }
    let (dir, base) = (s.dir.clone(), b.0.clone());
    let accounts = std::sync::Arc::new(accounts);
    Ok(lists::stream(
        "groups",
        views::whole_links(&b.0, path, q),
        s.iam.settings.list_limit,
        |g: &Group| g.seq,
        move |g| views::group(&base, g),
        move |after, n| {
            let (dir, accounts, filter) = (dir.clone(), accounts.clone(), filter.clone());
            async move {
                lists::merged(
                    &accounts,
                    after,
                    n,
                    |g: &Group| g.seq,
                    |a, after, n| {
                        let (dir, filter) = (dir.clone(), filter.clone());
                        async move { dir.groups_after(&a, &filter, after, n).await }
                    },
                )
                .await
            }
        },
    )
    .await?)
}

/// KeystoneCreateGroupOption / KeystoneUpdateGroupOption.
#[derive(Deserialize)]
struct GroupOption {
    name: Option<String>,
    description: Option<String>,
    domain_id: Option<String>,
}

#[derive(Deserialize)]
struct GroupBody {
    group: GroupOption,
}

async fn create(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.allow(&s, "iam:groups:createGroup").await?;
    let r: GroupBody = json(&body)?;
    who.own_domain(r.group.domain_id.as_deref())?;
    let name = r
        .group
        .name
        .ok_or_else(|| Error::invalid("group.name is required"))?;
    let g = s
        .dir
        .create_group(
            &who.account_id,
            NewGroup {
                name,
                description: r.group.description.unwrap_or_default(),
                created_by: who.user_id.clone(),
                ..Default::default()
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "group": views::group(&b.0, &g) })),
    )
        .into_response())
}

async fn show(State(s): State<AppState>, who: Who, b: Base, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:groups:getGroup").await?;
    let g = s.dir.group(&who.account_id, &id).await?;
    Ok(Json(json!({ "group": views::group(&b.0, &g) })).into_response())
}

async fn update(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:groups:updateGroup").await?;
    let r: GroupBody = json(&body)?;
    if let Some(d) = r.group.domain_id.as_deref() {
        if d != who.account_id {
            return Err(Error::invalid("a group cannot move to another domain").into());
        }
    }
    let g = s
        .dir
        .update_group(
            &who.account_id,
            &id,
            GroupPatch {
                name: r.group.name,
                description: r.group.description,
                updated_by: who.user_id.clone(),
            },
        )
        .await?;
    Ok(Json(json!({ "group": views::group(&b.0, &g) })).into_response())
}

async fn delete(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.allow(&s, "iam:groups:deleteGroup").await?;
    s.dir.delete_groups(&who.account_id, &[id]).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v3/groups/{group_id}/users`: the group's direct members, with Keystone's filters
/// of this route (`domain_id`, `enabled`, `name`, `password_expires_at`) as on `/v3/users`.
async fn members(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow(&s, "iam:users:listUsersForGroup").await?;
    let p = Params::parse(q.as_deref());
    let (mut filter, none) = super::users::user_filter(
        &who,
        &p,
        &["domain_id", "enabled", "name", "password_expires_at"],
    )?;
    filter.group_id = Some(id.clone());
    let path = format!("/v3/groups/{id}/users");
    let accounts = vec![who.account_id.clone()];
    super::users::user_list(&s, &who, accounts, &b, &path, q.as_deref(), filter, none).await
}

async fn add_member(
    State(s): State<AppState>,
    who: Who,
    Path((group_id, user_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:permissions:addUserToGroup").await?;
    s.dir
        .add_members(&who.account_id, &group_id, &[user_id])
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn check_member(
    State(s): State<AppState>,
    who: Who,
    Path((group_id, user_id)): Path<(String, String)>,
) -> Res {
    who.allow_or_self(&s, "iam:permissions:checkUserInGroup", &user_id)
        .await?;
    if s.dir
        .is_member(&who.account_id, &group_id, &user_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_member(&user_id, &group_id).into())
    }
}

fn not_member(user_id: &str, group_id: &str) -> Error {
    Error::NotFound(Entity::User, format!("{user_id} in group {group_id}"))
}

async fn remove_member(
    State(s): State<AppState>,
    who: Who,
    Path((group_id, user_id)): Path<(String, String)>,
) -> Res {
    who.allow(&s, "iam:permissions:removeUserFromGroup").await?;
    let removed = s
        .dir
        .remove_members(&who.account_id, &group_id, std::slice::from_ref(&user_id))
        .await?;
    if removed == 0 {
        return Err(not_member(&user_id, &group_id).into());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v3/users/{user_id}/groups`: the user's groups, with Keystone's filter of this
/// route (`name`).
async fn groups_of_user(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    who.allow_or_self(&s, "iam:users:listGroupsForUser", &user_id)
        .await?;
    let p = Params::parse(q.as_deref());
    lists::refuse_inexact(&p, &["name"], true)?;
    let filter = GroupFilter {
        name: p.text("name"),
        name_conditions: NameCondition::keystone(|k| p.text(k)),
        member: Some(user_id.clone()),
        ..Default::default()
    };
    let path = format!("/v3/users/{user_id}/groups");
    let accounts = vec![who.account_id.clone()];
    group_list(&s, &who, accounts, &b, &path, q.as_deref(), filter).await
}
