//! `/v2/{project_id}/groups...`: list, create, update, delete, batch-delete, members.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::WsError;
use super::{json, users::user_filter, views, Tenant};
use crate::core::model::{Given, GroupFilter, GroupPatch, NewGroup, Page, PlatformType, Word};
use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/{project_id}/groups", get(list).post(create))
        .route("/v2/{project_id}/groups/batch-delete", post(batch_delete))
        .route(
            "/v2/{project_id}/groups/{group_id}",
            put(update).delete(delete),
        )
        .route("/v2/{project_id}/groups/{group_id}/users", get(list_users))
        .route("/v2/{project_id}/groups/{group_id}/actions", post(actions))
}

type Res = Result<Json<Value>, WsError>;
/// A listing, encoded from views that borrow the rows (`views`), so already a response.
pub(super) type Listed = Result<Response, WsError>;

/// The seed page's paging: limit 1..=100, absent or 0 meaning 100; offset from 0.
pub fn page(p: &Params) -> Result<Page, Error> {
    let limit = match p.int("limit", 0, 100)? {
        None | Some(0) => 100,
        Some(n) => n,
    };
    let offset = p.int("offset", 0, i32::MAX as i64)?.unwrap_or(0);
    Ok(Page { limit, offset })
}

async fn list(State(s): State<AppState>, t: Tenant, RawQuery(q): RawQuery) -> Listed {
    let p = Params::parse(q.as_deref());
    // each word must name a platform (`platform_type must be one of LOCAL, AD`)
    let platform_types = p
        .list("platform_type")?
        .iter()
        .map(|pt| PlatformType::parse(pt).ok_or_else(PlatformType::refusal))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = GroupFilter {
        keyword: p.text("keyword"),
        platform_types,
        domain: p.text("domain"),
        ..Default::default()
    };
    let listing = s.dir.list_groups(&t.account_id, &filter, page(&p)?).await?;
    Ok(Json(views::group_list(&listing)).into_response())
}

#[derive(Deserialize)]
struct CreateReq {
    group_name: String,
    platform_type: Option<String>,
    description: Option<String>,
}

async fn create(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: CreateReq = json(&body)?;
    let g = s
        .dir
        .create_group(
            &t.account_id,
            NewGroup {
                name: r.group_name,
                description: r.description.unwrap_or_default(),
                platform_type: r.platform_type.map(Given::parse),
                created_by: t.caller.user_id,
                ..Default::default()
            },
        )
        .await?;
    Ok(Json(json!({ "id": g.id })))
}

#[derive(Deserialize)]
struct EditReq {
    group_name: Option<String>,
    description: Option<String>,
}

async fn update(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, group_id)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let r: EditReq = json(&body)?;
    s.dir
        .update_group(
            &t.account_id,
            &group_id,
            GroupPatch {
                name: r.group_name,
                description: r.description,
                updated_by: t.caller.user_id,
            },
        )
        .await?;
    Ok(Json(json!({})))
}

async fn delete(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, group_id)): Path<(String, String)>,
) -> Res {
    t.guard_groups(&s, std::slice::from_ref(&group_id)).await?;
    s.dir.delete_groups(&t.account_id, &[group_id]).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct BatchDeleteReq {
    group_ids: Vec<String>,
}

async fn batch_delete(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: BatchDeleteReq = json(&body)?;
    t.authorize_each(&s, "workspace:userGroups:delete", &r.group_ids)
        .await?;
    t.guard_groups(&s, &r.group_ids).await?;
    s.dir.delete_groups(&t.account_id, &r.group_ids).await?;
    Ok(Json(json!({})))
}

async fn list_users(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, group_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Listed {
    let p = Params::parse(q.as_deref());
    let (mut filter, none) = (user_filter(&p)?, super::users::matches_no_one(&p)?);
    filter.group_id = Some(group_id);
    let listing = super::users::list_users(&s, &t.account_id, &filter, none, page(&p)?).await?;
    Ok(Json(views::user_in_group_list(&listing)).into_response())
}

#[derive(Deserialize)]
struct ActionsReq {
    user_ids: Vec<String>,
    op_type: String,
}

async fn actions(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, group_id)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let r: ActionsReq = json(&body)?;
    t.guard_groups(&s, std::slice::from_ref(&group_id)).await?;
    match r.op_type.as_str() {
        "ADD" => {
            s.dir
                .add_members(&t.account_id, &group_id, &r.user_ids)
                .await?
        }
        "DELETE" => {
            s.dir
                .remove_members(&t.account_id, &group_id, &r.user_ids)
                .await?
        }
        other => {
            return Err(
                Error::invalid(format!("op_type must be ADD or DELETE, not {other:?}")).into(),
            )
        }
    };
    Ok(Json(json!({})))
}
