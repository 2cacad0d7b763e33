//! User groups, their tree and their members.

use serde_json::{json, Value};

use super::error::QbError;
use super::params::Params;
use super::views::{self, ROOT};
use super::Ctx;
use crate::core::model::{GroupFilter, GroupPatch, NewGroup, Page, ParentFilter, UserFilter};

type Res = Result<Value, QbError>;

/// Most rows one unpaged listing returns (Quick BI's listings of groups have no paging).
const MAX_ROWS: i64 = 1000;
const UNPAGED: Page = Page {
    limit: MAX_ROWS,
    offset: 0,
};

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

pub async fn by_keyword(c: &Ctx, p: &Params) -> Res {
    let filter = GroupFilter {
        keyword: Some(p.req("Keyword")?),
        ..Default::default()
    };
    let listing = c
        .state
        .dir
        .list_groups(&c.account_id, &filter, UNPAGED)
        .await?;
    Ok(Value::Array(
        listing.items.iter().map(views::group_lower).collect(),
    ))
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
        .list_groups(&c.account_id, &filter, UNPAGED)
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

pub async fn by_parent(c: &Ctx, p: &Params) -> Res {
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
    let listing = c
        .state
        .dir
        .list_groups(&c.account_id, &filter, UNPAGED)
        .await?;
    Ok(Value::Array(
        listing.items.iter().map(views::group_upper).collect(),
    ))
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

/// The group's direct subgroups (IsUserGroup true), then its direct members; `Keyword` is a
/// substring of the subgroup's name, or of the member's user name or nick name (the
/// reference: "用户组成员用户名或昵称的关键字").
pub async fn members(c: &Ctx, p: &Params) -> Res {
    let gid = p.req("UserGroupId")?;
    let keyword = p.opt("Keyword");
    let dir = &c.state.dir;
    let group = dir.group(&c.account_id, &gid).await?;
    let subgroups = dir
        .list_groups(
            &c.account_id,
            &GroupFilter {
                keyword: keyword.clone(),
                parent: Some(ParentFilter::Group(gid.clone())),
                ..Default::default()
            },
            UNPAGED,
        )
        .await?;
    let users = dir
        .list_users(
            &c.account_id,
            &UserFilter {
                name_or_alias_contains: keyword,
                group_id: Some(gid.clone()),
                ..Default::default()
            },
            UNPAGED,
        )
        .await?;
    let item = |id: &str, is_group: bool, name: &str| {
        json!({
            "Id": id,
            "IsUserGroup": is_group,
            "Name": name,
            "ParentUserGroupId": group.id,
            "ParentUserGroupName": group.name,
        })
    };
    let mut out: Vec<Value> = subgroups
        .items
        .iter()
        .map(|g| item(&g.id, true, &g.name))
        .collect();
    out.extend(users.items.iter().map(|u| {
        let name = if u.alias_name.is_empty() {
            &u.name
        } else {
            &u.alias_name
        };
        item(&u.id, false, name)
    }));
    Ok(Value::Array(out))
}

pub async fn of_user(c: &Ctx, p: &Params) -> Res {
    let listing = c
        .state
        .dir
        .groups_of_user(&c.account_id, &p.req("UserId")?, UNPAGED)
        .await?;
    Ok(Value::Array(
        listing.items.iter().map(views::group_lower).collect(),
    ))
}

pub async fn withdraw_all(c: &Ctx, p: &Params) -> Res {
    c.state
        .dir
        .remove_user_from_all_groups(&c.account_id, &p.req("UserId")?)
        .await?;
    Ok(json!(true))
}
