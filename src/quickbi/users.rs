//! Organization members (users) and organization roles.

use serde_json::{json, Value};

use super::error::QbError;
use super::params::Params;
use super::{views, Ctx};
use crate::core::directory::org_members::{
    apply_role_flags, org_role, NewOrgMember, OrgMemberPatch, ORG_ROLES,
};
use crate::core::model::{Page, UserFilter};
use crate::core::{Entity, Error};

type Res = Result<Value, QbError>;

/// Quick BI's paging: PageNum from 1 (default 1), PageSize 1..=1000 (default 10).
fn page(p: &Params) -> Result<(i64, i64, Page), QbError> {
    let num = p.int("PageNum", 1, i32::MAX as i64)?.unwrap_or(1);
    let size = p.int("PageSize", 1, 1000)?.unwrap_or(10);
    Ok((
        num,
        size,
        Page {
            limit: size,
            offset: (num - 1) * size,
        },
    ))
}

pub async fn add(c: &Ctx, p: &Params) -> Res {
    let nick_name = p.req("NickName")?;
    let user_type = p.req_int("UserType", i64::MIN, i64::MAX)?;
    let name = p.req("AccountName")?;
    let role_ids = match p.int_list("RoleIds")? {
        Some(r) => r,
        None => {
            let mut roles = Vec::new();
            apply_role_flags(&mut roles, p.bool("AdminUser")?, p.bool("AuthAdminUser")?);
            roles
        }
    };
    let m = c
        .state
        .dir
        .add_org_member(
            &c.account_id,
            NewOrgMember {
                name,
                nick_name,
                user_type,
                role_ids,
                copilot_modules: p.list("CopilotModules")?.unwrap_or_default(),
                aliyun_account_id: p.opt("AccountId").unwrap_or_default(),
            },
        )
        .await?;
    Ok(views::added_user(&m))
}

pub async fn update(c: &Ctx, p: &Params) -> Res {
    let user_id = p.req("UserId")?;
    let role_ids = p.int_list("RoleIds")?;
    let user_type = p.int("UserType", i64::MIN, i64::MAX)?;
    c.state
        .dir
        .update_org_member(
            &c.account_id,
            &user_id,
            OrgMemberPatch {
                nick_name: p.opt("NickName"),
                user_type,
                role_ids,
                copilot_modules: p.list("CopilotModules")?,
                disabled: p.bool("IsDeleted")?,
                // the flags change only their own role; the others stay
                admin: p.bool("AdminUser")?,
                auth_admin: p.bool("AuthAdminUser")?,
            },
        )
        .await?;
    Ok(json!(true))
}

/// Quick BI hands the deleted member's works to TransferUserId; Roster keeps no works, so
/// it only checks that the receiver is another member.
pub async fn delete(c: &Ctx, p: &Params) -> Res {
    let user_id = p.req("UserId")?;
    if let Some(to) = p.opt("TransferUserId") {
        if to == user_id {
            return Err(QbError::new(
                "Invalid.Parameter",
                "TransferUserId must name another member than UserId",
            ));
        }
        c.state.dir.user(&c.account_id, &to).await?;
    }
    c.state.dir.delete_users(&c.account_id, &[user_id]).await?;
    Ok(json!(true))
}

pub async fn info_by_id(c: &Ctx, p: &Params) -> Res {
    let m = c
        .state
        .dir
        .org_member(&c.account_id, &p.req("UserId")?)
        .await?;
    Ok(views::user_info(&m))
}

/// `Account` is the member's account name; a RAM user is also found by
/// `ParentAccountName:Account`, the form Quick BI gives RAM users' names.
pub async fn info_by_account(c: &Ctx, p: &Params) -> Res {
    let account = p.req("Account")?;
    let dir = &c.state.dir;
    let m = match (
        dir.org_member_by_name(&c.account_id, &account).await,
        p.opt("ParentAccountName"),
    ) {
        (Err(Error::NotFound(..)), Some(parent)) => {
            dir.org_member_by_name(&c.account_id, &format!("{parent}:{account}"))
                .await?
        }
        (r, _) => r?,
    };
    Ok(views::user_info(&m))
}

pub async fn list(c: &Ctx, p: &Params) -> Res {
    let (num, size, page) = page(p)?;
    // the reference: "组织成员用户名或昵称的关键字" (user name or nick name)
    let filter = UserFilter {
        name_or_alias_contains: p.opt("Keyword"),
        ..Default::default()
    };
    let listing = c.state.dir.list_users(&c.account_id, &filter, page).await?;
    let members = c.state.dir.org_members_of(listing.items).await?;
    let data = members.iter().map(views::listed_user).collect();
    Ok(views::paged(data, num, size, listing.total))
}

/// Whether the user is a member of the caller's organization: an unknown id is `false`.
pub async fn check_member(c: &Ctx, p: &Params) -> Res {
    match c.state.dir.user(&c.account_id, &p.req("UserId")?).await {
        Ok(_) => Ok(json!(true)),
        Err(Error::NotFound(Entity::User, _)) => Ok(json!(false)),
        Err(e) => Err(e.into()),
    }
}

pub fn roles() -> Res {
    Ok(Value::Array(ORG_ROLES.iter().map(views::role).collect()))
}

fn role_id(p: &Params) -> Result<i64, QbError> {
    let id = p.req_int("RoleId", i64::MIN, i64::MAX)?;
    if org_role(id).is_none() {
        return Err(QbError::new(
            "Application.Object.NotExist",
            format!("organization role {id} does not exist"),
        ));
    }
    Ok(id)
}

pub fn role_config(p: &Params) -> Res {
    let id = role_id(p)?;
    Ok(views::role(org_role(id).expect("checked")))
}

/// The members holding a role; `Keyword` is a substring of the nick name (the reference:
/// "组织成员昵称的关键字").
pub async fn role_users(c: &Ctx, p: &Params) -> Res {
    let id = role_id(p)?;
    let (num, size, page) = page(p)?;
    let keyword = p.opt("Keyword");
    let listing = c
        .state
        .dir
        .org_role_holders(&c.account_id, id, keyword.as_deref(), page)
        .await?;
    let data = listing
        .items
        .iter()
        .map(|h| json!({ "UserId": h.user_id, "NickName": h.alias_name }))
        .collect();
    Ok(views::paged(data, num, size, listing.total))
}
