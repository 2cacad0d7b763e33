//! Organization members as Quick BI sees them: a directory user plus the attributes only
//! Quick BI has (user type, organization roles, Copilot modules), kept beside the user in
//! `quickbi_members`. The account is the organization; its users are its members.

use super::Directory;
use crate::core::error::{Entity, Error};
use crate::core::model::AccountId;
use crate::core::model::{ActiveType, Listing, Page, PlatformType, User, UserId};
use crate::core::storage::{MemberRow, RoleHolder, UserRecord};
use crate::core::{ids, validate};

pub const ROLE_ADMIN: i64 = 111_111_111;
pub const ROLE_AUTH_ADMIN: i64 = 111_111_112;
pub const ROLE_USER: i64 = 111_111_113;

pub const USER_TYPE_DEVELOPER: i64 = 1;
pub const USER_TYPE_VISITOR: i64 = 2;
pub const USER_TYPE_ANALYST: i64 = 3;

/// Most roles one member may hold (Quick BI's rule).
pub const MAX_ROLES: usize = 3;

/// The Copilot modules a member may be given quota of.
pub const COPILOT_MODULES: [&str; 4] = ["qreport", "qExploreNum", "smartQAskNum", "smartQDevNum"];

/// A built-in organization role of Quick BI: fixed data, the same in every organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgRole {
    pub id: i64,
    pub name: &'static str,
    pub auth_keys: &'static [&'static str],
}

pub const ORG_ROLES: [OrgRole; 3] = [
    OrgRole {
        id: ROLE_ADMIN,
        name: "组织管理员",
        auth_keys: &[
            "quick_monitor",
            "subscription",
            "offline_download",
            "resource_package",
            "organization_ask",
            "developer_openapi",
            "data_service",
            "admin_authorize3rd",
            "component_manage",
            "template_open",
            "enterprise_safety",
        ],
    },
    OrgRole {
        id: ROLE_AUTH_ADMIN,
        name: "权限管理员",
        auth_keys: &["organization_ask", "enterprise_safety"],
    },
    OrgRole {
        id: ROLE_USER,
        name: "普通用户",
        auth_keys: &["quick_monitor", "subscription", "offline_download"],
    },
];

pub fn org_role(id: i64) -> Option<&'static OrgRole> {
    ORG_ROLES.iter().find(|r| r.id == id)
}

/// A member: the user and its Quick BI attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgMember {
    pub user: User,
    pub user_type: i64,
    pub role_ids: Vec<i64>,
    pub copilot_modules: Vec<String>,
    pub aliyun_account_id: String,
}

impl OrgMember {
    pub fn is_admin(&self) -> bool {
        self.role_ids.contains(&ROLE_ADMIN)
    }
    pub fn is_auth_admin(&self) -> bool {
        self.role_ids.contains(&ROLE_AUTH_ADMIN)
    }
}

/// The attributes of a user Quick BI never wrote (made by another face, or the account's
/// root user): the root user is the organization's administrator and a developer, any other
/// user a common user and a visitor (the least it can be).
fn default_role(is_root: bool) -> i64 {
    if is_root {
        ROLE_ADMIN
    } else {
        ROLE_USER
    }
}

fn member_of(user: User, row: Option<MemberRow>) -> OrgMember {
    match row {
        Some(r) => OrgMember {
            user,
            user_type: r.user_type,
            role_ids: r.role_ids,
            copilot_modules: r.copilot_modules,
            aliyun_account_id: r.aliyun_account_id,
        },
        None => OrgMember {
            user_type: if user.is_root {
                USER_TYPE_DEVELOPER
            } else {
                USER_TYPE_VISITOR
            },
            role_ids: vec![default_role(user.is_root)],
            copilot_modules: Vec::new(),
            aliyun_account_id: String::new(),
            user,
        },
    }
}

/// A new member. `role_ids` must name 1 to `MAX_ROLES` built-in roles.
#[derive(Debug, Clone, Default)]
pub struct NewOrgMember {
    pub name: String,
    pub nick_name: String,
    pub user_type: i64,
    pub role_ids: Vec<i64>,
    pub copilot_modules: Vec<String>,
    pub aliyun_account_id: String,
}

/// A partial update: `None` leaves the attribute as it is.
#[derive(Debug, Clone, Default)]
pub struct OrgMemberPatch {
    pub nick_name: Option<String>,
    pub user_type: Option<i64>,
    pub role_ids: Option<Vec<i64>>,
    pub copilot_modules: Option<Vec<String>>,
    /// Quick BI's IsDeleted: the member is kept but cannot sign in (the user is disabled).
    pub disabled: Option<bool>,
    /// The deprecated AdminUser / AuthAdminUser flags: each grants or takes away its own role
    /// and leaves the member's other roles; ignored when `role_ids` is given. Merged inside
    /// the update's transaction, so two concurrent flag changes both hold.
    pub admin: Option<bool>,
    pub auth_admin: Option<bool>,
}

/// Applies the deprecated AdminUser / AuthAdminUser flags to `roles`: each grants or takes
/// away its own role and leaves the others; a member left with no role is a plain user.
/// AddUser starts from no roles, UpdateUser from the member's.
pub fn apply_role_flags(roles: &mut Vec<i64>, admin: Option<bool>, auth_admin: Option<bool>) {
    for (flag, role) in [(admin, ROLE_ADMIN), (auth_admin, ROLE_AUTH_ADMIN)] {
        match flag {
            Some(true) if !roles.contains(&role) => roles.push(role),
            Some(false) => roles.retain(|r| *r != role),
            _ => {}
        }
    }
    if roles.is_empty() {
        roles.push(ROLE_USER);
    }
}

fn check_user_type(t: i64) -> Result<(), Error> {
    if (USER_TYPE_DEVELOPER..=USER_TYPE_ANALYST).contains(&t) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "UserType must be 1 (developer), 2 (visitor) or 3 (analyst), not {t}"
        )))
    }
}

fn check_roles(ids: &mut Vec<i64>) -> Result<(), Error> {
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_ROLES {
        return Err(Error::invalid(format!(
            "a member holds 1 to {MAX_ROLES} organization roles"
        )));
    }
    if let Some(bad) = ids.iter().find(|id| org_role(**id).is_none()) {
        return Err(Error::invalid(format!(
            "{bad} is not an organization role id"
        )));
    }
    Ok(())
}

fn check_modules(modules: &mut Vec<String>) -> Result<(), Error> {
    modules.sort();
    modules.dedup();
    for m in modules.iter() {
        validate::one_of("CopilotModules", m, &COPILOT_MODULES)?;
    }
    Ok(())
}

impl Directory {
    /// Adds a member: a new directory user (no password: Quick BI members sign in through
    /// Alibaba Cloud) and its attributes, in one transaction.
    pub async fn add_org_member(
        &self,
        account_id: &str,
        mut m: NewOrgMember,
    ) -> Result<OrgMember, Error> {
        for s in [&mut m.name, &mut m.nick_name, &mut m.aliyun_account_id] {
            validate::normalize(s);
        }
        validate::user_name(&m.name)?;
        validate::text("nick name", &m.nick_name, 64)?;
        validate::text("AccountId", &m.aliyun_account_id, 64)?;
        check_user_type(m.user_type)?;
        check_roles(&mut m.role_ids)?;
        check_modules(&mut m.copilot_modules)?;
        let now = ids::now_ms();
        let record = UserRecord {
            id: UserId::generate(),
            account_id: account_id.into(),
            name: m.name.clone(),
            description: String::new(),
            email: String::new(),
            phone: String::new(),
            alias_name: m.nick_name,
            active_type: ActiveType::User,
            platform_type: PlatformType::Local,
            domain: String::new(),
            enterprise_project_id: "0".into(),
            user_info_map: String::new(),
            account_expires: 0,
            password_hash: None,
            enable_change_password: true,
            next_login_change_password: false,
            password_never_expired: false,
            locked: false,
            disabled: false,
            is_root: false,
            created_at: now,
            password_expires_at: 0,
            default_project_id: String::new(),
            options: "{}".into(),
        };
        let row = MemberRow {
            user_id: record.id.clone(),
            account_id: account_id.into(),
            user_type: m.user_type,
            role_ids: m.role_ids,
            copilot_modules: m.copilot_modules,
            aliyun_account_id: m.aliyun_account_id,
        };
        let account_id = AccountId::from(account_id);
        let name = m.name.clone();
        let kept = row.clone();
        let user = self
            .writing(move |tx| {
                if tx.user_by_name(&account_id, &name)?.is_some() {
                    return Err(Error::Duplicate(Entity::User, name.clone()));
                }
                tx.insert_users(std::slice::from_ref(&record))
                    .map_err(super::users::name_taken(&name))?;
                tx.upsert_org_member(&row, now)?;
                tx.user(&account_id, &record.id)?
                    .ok_or_else(|| Error::Internal("member vanished after insert".into()))
            })
            .await?;
        Ok(member_of(user, Some(kept)))
    }

    /// The members these users are (their attributes, or the defaults).
    pub async fn org_members_of(&self, users: Vec<User>) -> Result<Vec<OrgMember>, Error> {
        let ids: Vec<String> = users.iter().map(|u| u.id.to_string()).collect();
        let mut rows = self.reading(move |tx| tx.org_members(&ids)).await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let row = rows.remove(u.id.as_str());
                member_of(u, row)
            })
            .collect())
    }

    pub async fn org_member(&self, account_id: &str, user_id: &str) -> Result<OrgMember, Error> {
        let user = self.user(account_id, user_id).await?;
        Ok(self.org_members_of(vec![user]).await?.remove(0))
    }

    pub async fn org_member_by_name(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<OrgMember, Error> {
        let user = self.user_by_name(account_id, name).await?;
        Ok(self.org_members_of(vec![user]).await?.remove(0))
    }

    /// Changes a member's nick name, state and attributes, in one transaction. The root
    /// user cannot be disabled (the account would lose its owner).
    pub async fn update_org_member(
        &self,
        account_id: &str,
        user_id: &str,
        mut p: OrgMemberPatch,
    ) -> Result<OrgMember, Error> {
        if let Some(n) = p.nick_name.as_mut() {
            validate::normalize(n);
        }
        if let Some(n) = &p.nick_name {
            validate::text("nick name", n, 64)?;
        }
        if let Some(t) = p.user_type {
            check_user_type(t)?;
        }
        if let Some(r) = p.role_ids.as_mut() {
            check_roles(r)?;
        }
        if let Some(m) = p.copilot_modules.as_mut() {
            check_modules(m)?;
        }
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        let out = self
            .writing(move |tx| {
                let now = ids::now_ms();
                let p = p.clone();
                // locked as it is read: the roles merged below are the latest
                let mut user = tx
                    .user_for_update(&account_id, &user_id)?
                    .ok_or_else(|| Error::NotFound(Entity::User, user_id.clone()))?;
                let row = tx
                    .org_members(std::slice::from_ref(&user_id))?
                    .remove(&user_id);
                let mut m = member_of(user.clone(), row);
                if p.nick_name.is_some() || p.disabled.is_some() {
                    if p.disabled == Some(true) && user.is_root {
                        return Err(Error::Forbidden(format!(
                        "user {user_id} is the account's root user and cannot be marked deleted"
                    )));
                    }
                    if let Some(n) = p.nick_name {
                        user.alias_name = n;
                    }
                    if let Some(d) = p.disabled {
                        user.disabled = d;
                    }
                    user.updated_at = now;
                    tx.update_user(&mut user, None)?;
                }
                m.user_type = p.user_type.unwrap_or(m.user_type);
                match p.role_ids {
                    Some(roles) => m.role_ids = roles,
                    None => apply_role_flags(&mut m.role_ids, p.admin, p.auth_admin),
                }
                m.copilot_modules = p.copilot_modules.unwrap_or(m.copilot_modules);
                let row = MemberRow {
                    user_id: user.id.clone(),
                    account_id: account_id.clone(),
                    user_type: m.user_type,
                    role_ids: m.role_ids.clone(),
                    copilot_modules: m.copilot_modules.clone(),
                    aliyun_account_id: m.aliyun_account_id.clone(),
                };
                tx.upsert_org_member(&row, now)?;
                m.user = user;
                Ok(m)
            })
            .await;
        // IsDeleted disables the user: its keys stop working on this node at once
        self.keys_changed();
        out
    }

    /// Members holding a role, in creation order; `keyword` is a substring of the nick name.
    pub async fn org_role_holders(
        &self,
        account_id: &str,
        role_id: i64,
        keyword: Option<&str>,
        page: Page,
    ) -> Result<Listing<RoleHolder>, Error> {
        if org_role(role_id).is_none() {
            return Err(Error::invalid(format!(
                "{role_id} is not an organization role id"
            )));
        }
        if let Some(kw) = keyword {
            validate::keyword(kw)?;
        }
        let account_id = AccountId::from(account_id);
        let keyword = keyword.map(str::to_string);
        self.reading(move |tx| {
            tx.role_holders(
                &account_id,
                role_id,
                default_role(true),
                default_role(false),
                keyword.as_deref(),
                page,
            )
        })
        .await
    }
}
