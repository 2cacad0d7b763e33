//! User groups, their tree and their members.

use serde_json::{json, Value};

use super::error::QbError;
use super::params::Params;
use super::views::{self, ROOT};
use super::{Answer, Ctx};
use crate::core::model::{
    Group, GroupFilter, GroupPatch, NewGroup, Page, ParentFilter, UserFilter,
};
use crate::http::stream::{json_array, Frame};

type Res = Result<Value, QbError>;

/// `-1` is the top of the tree.
fn parent(id: String) -> Option<String> {
    (id != ROOT).then_some(id)
}

pub async fn create(c: &Ctx, p: &Params) -> Res {
    let parent_id = parent(p.req("ParentUserGroupId")?);
    let g = c
        .state
        .dir
        .create_group(
            &c.account_id,
            NewGroup {
                id: p.opt("UserGroupId"),
                name: p.req("UserGroupName")?,
                description: p.opt("UserGroupDescription").unwrap_or_default(),
                parent_id,
                created_by: c.user_id.clone(),
                ..Default::default()
            },
        )
        .await?;
    Ok(json!(g.id))
}

pub async fn update(c: &Ctx, p: &Params) -> Res {
    c.state
        .dir
        .update_group(
            &c.account_id,
            &p.req("UserGroupId")?,
            GroupPatch {
                name: p.opt("UserGroupName"),
                description: p.opt("UserGroupDescription"),
                updated_by: c.user_id.clone(),
            },
        )
        .await?;
    Ok(json!(true))
}

/// Deletes the group with its subgroups.
pub async fn delete(c: &Ctx, p: &Params) -> Res {
    c.state
        .dir
        .delete_groups(&c.account_id, &[p.req("UserGroupId")?])
        .await?;
    Ok(json!(true))
}

/// GetUserGroupInfo: every group whose name contains `Keyword`, streamed whole.
pub async fn by_keyword(c: &Ctx, p: &Params) -> Result<Answer, QbError> {
    let filter = GroupFilter {
        keyword: Some(p.req("Keyword")?),
        ..Default::default()
    };
    stream_groups(c, filter, views::group_lower).await
}

/// An unpaged listing of groups, whole: the SDK models have no paging, so nothing may be
/// left out; streamed (`http::stream`) so memory is bounded by a page.
async fn stream_groups(
    c: &Ctx,
    filter: GroupFilter,
    render: fn(&Group) -> Value,
) -> Result<Answer, QbError> {
    let (dir, account) = (c.state.dir.clone(), c.account_id.clone());
    Ok(Answer::Response(
        json_array(
            frame(c),
            None,
            |g: &Group| g.seq,
            render,
            move |after, n| {
                let (dir, account, filter) = (dir.clone(), account.clone(), filter.clone());
                async move { dir.groups_after(&account, &filter, after, n).await }
            },
        )
        .await?,
    ))
}

/// The envelope of a streamed `Result` array.
fn frame(c: &Ctx) -> Frame {
    Frame {
        head: format!(
            "{{\"RequestId\":{},\"Success\":true,\"Result\":[",
            json!(c.request_id)
        ),
        end: "]}",
        end_cut: "]}",
    }
}

/// The groups found, and the ids that name none of the caller's groups.
pub async fn by_ids(c: &Ctx, p: &Params) -> Res {
    let ids = p.req_list("UserGroupIds")?;
    let filter = GroupFilter {
        ids: ids.clone(),
        ..GroupFilter::default()
    };
    // one query for all of them, in the order asked
    let listed = c
        .state
        .dir
        // bounded by the ids named (a list parameter holds at most MAX_LIST)
        .list_groups(&c.account_id, &filter, Page::ALL)
        .await?;
    let mut found = Vec::new();
    let mut failed = Vec::new();
    for id in ids {
        match listed.items.iter().find(|g| g.id == id) {
            Some(g) => found.push(views::group_lower(g)),
            None => failed.push(id),
        }
    }
    Ok(json!({ "UserGroupModels": found, "FailedUserGroupIds": failed }))
}

/// QueryUserGroupListByParentId: the direct subgroups (of the top with `-1`), whole.
pub async fn by_parent(c: &Ctx, p: &Params) -> Result<Answer, QbError> {
    let filter = match parent(p.req("ParentUserGroupId")?) {
        None => ParentFilter::Root,
        Some(id) => {
            c.state.dir.group(&c.account_id, &id).await?;
            ParentFilter::Group(id)
        }
    };
    let filter = GroupFilter {
        parent: Some(filter),
        ..Default::default()
    };
    stream_groups(c, filter, views::group_upper).await
}

/// Moves a group with its subtree; a move under itself or its own descendant is refused.
pub async fn transfer(c: &Ctx, p: &Params) -> Res {
    let id = p.req("UserGroupId")?;
    let to = parent(p.req("ParentUserGroupId")?);
    c.state
        .dir
        .move_group(&c.account_id, &id, to.as_deref(), &c.user_id)
        .await?;
    Ok(json!(true))
}

pub async fn add_member(c: &Ctx, p: &Params) -> Res {
    let group = p.req("UserGroupId")?;
    let users = p.req_list("UserIdList")?;
    c.state
        .dir
        .add_members(&c.account_id, &group, &users)
        .await?;
    Ok(json!(true))
}

pub async fn add_to_groups(c: &Ctx, p: &Params) -> Res {
    let user = p.req("UserId")?;
    let groups = p.req_list("UserGroupIds")?;
    c.state
        .dir
        .add_user_to_groups(&c.account_id, &user, &groups)
        .await?;
    Ok(json!(true))
}

pub async fn remove_member(c: &Ctx, p: &Params) -> Res {
    let group = p.req("UserGroupId")?;
    let user = p.req("UserId")?;
    c.state
        .dir
        .remove_members(&c.account_id, &group, &[user])
        .await?;
    Ok(json!(true))
}

pub async fn remove_from_groups(c: &Ctx, p: &Params) -> Res {
    let user = p.req("UserId")?;
    let groups = p.req_list("UserGroupIds")?;
    c.state
        .dir
        .remove_user_from_groups(&c.account_id, &user, &groups)
        .await?;
    Ok(json!(true))
}

/// QueryUserGroupMember: the group's direct subgroups (IsUserGroup true), then its direct
/// members, whole and streamed; `Keyword` is a substring of the subgroup's name, or of the
/// member's user name or nick name (the reference: "用户组成员用户名或昵称的关键字").
pub async fn members(c: &Ctx, p: &Params) -> Result<Answer, QbError> {
    let gid = p.req("UserGroupId")?;
    let keyword = p.opt("Keyword");
    let group = c.state.dir.group(&c.account_id, &gid).await?;
    let subgroups = GroupFilter {
        keyword: keyword.clone(),
        parent: Some(ParentFilter::Group(gid.clone())),
        ..Default::default()
    };
    let users = UserFilter {
        name_or_alias_contains: keyword,
        group_id: Some(gid.clone()),
        ..Default::default()
    };
    let (dir, account) = (c.state.dir.clone(), c.account_id.clone());
    let item = move |id: &str, is_group: bool, name: &str| {
        json!({
            "Id": id,
            "IsUserGroup": is_group,
            "Name": name,
            "ParentUserGroupId": group.id,
            "ParentUserGroupName": group.name,
        })
    };
    // One keyset walk over two kinds: a subgroup's key is its seq (>= 1), a member's is
    // -(seq + 1); so `after` >= 0 means "subgroups after it", < 0 "members after -after-1".
    let fetch = move |after: i64, n: i64| {
        let (dir, account) = (dir.clone(), account.clone());
        let (subgroups, users, item) = (subgroups.clone(), users.clone(), item.clone());
        async move {
            let mut rows: Vec<(i64, Value)> = Vec::new();
            let mut user_after = -after - 1;
            if after >= 0 {
                let gs = dir.groups_after(&account, &subgroups, after, n).await?;
                rows.extend(gs.iter().map(|g| (g.seq, item(&g.id, true, &g.name))));
                if rows.len() as i64 == n {
                    return Ok(rows);
                }
                user_after = 0;
            }
            let us = dir
                .users_after(&account, &users, user_after, n - rows.len() as i64)
                .await?;
            rows.extend(us.iter().map(|u| {
                let name = if u.alias_name.is_empty() {
                    &u.name
                } else {
                    &u.alias_name
                };
                (-(u.seq + 1), item(&u.id, false, name))
            }));
            Ok::<_, crate::core::Error>(rows)
        }
    };
    Ok(Answer::Response(
        json_array(
            frame(c),
            None,
            |r: &(i64, Value)| r.0,
            |r| r.1.clone(),
            fetch,
        )
        .await?,
    ))
}

/// ListUserGroupsByUserId: the user's groups, whole.
pub async fn of_user(c: &Ctx, p: &Params) -> Result<Answer, QbError> {
    let filter = GroupFilter {
        member: Some(p.req("UserId")?),
        ..Default::default()
    };
    stream_groups(c, filter, views::group_lower).await
}

pub async fn withdraw_all(c: &Ctx, p: &Params) -> Res {
    c.state
        .dir
        .remove_user_from_all_groups(&c.account_id, &p.req("UserId")?)
        .await?;
    Ok(json!(true))
}
