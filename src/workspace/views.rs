//! Core records as the Workspace SDK models them (`UserGroupInfo`, `User`, `UserDetail`,
//! `UserInGroup` of `huaweicloudsdkworkspace`), as derived `Serialize` views that borrow
//! from the records: a listing is encoded straight from the rows, with no
//! `serde_json::Value` map built per row (that map building was a tenth of a page's CPU).
//! Field names and JSON types are the SDK models'; a field a model marks optional and that
//! Roster has no value for is left out, as the cloud does.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use crate::core::ids::{iso_ms, now_ms};
use crate::core::model::{Group, Listing, PlatformType, User, Word};

/// Unix ms on the wire as ISO 8601 UTC with milliseconds (`2023-02-15T02:27:05.000Z`).
struct IsoMs(i64);

impl Serialize for IsoMs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso_ms(self.0))
    }
}

/// `account_expires` on the wire of the user list: "0" for never, else the expiry time.
struct ExpiresText(i64);

impl Serialize for ExpiresText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 == 0 {
            s.serialize_str("0")
        } else {
            s.serialize_str(&iso_ms(self.0))
        }
    }
}

/// `UserGroupInfo`: a group as lists show it, with its parent when it has one.
#[derive(Serialize)]
pub struct GroupView<'a> {
    id: &'a str,
    name: &'a str,
    create_time: IsoMs,
    description: &'a str,
    user_quantity: i64,
    realm_id: &'a str,
    platform_type: &'a str,
    domain: &'a str,
    sid: &'a str,
    total_desktops: i64,
    /// Only for AD groups: `CN=<name>,<domain>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    group_dn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<ParentView<'a>>,
}

/// The parent as listings carry it (the parent columns of the drivers' group listings): no counts, no parent.
#[derive(Serialize)]
struct ParentView<'a> {
    id: &'a str,
    name: &'a str,
    create_time: IsoMs,
    description: &'a str,
    realm_id: &'a str,
    platform_type: &'a str,
    domain: &'a str,
    sid: &'a str,
}

pub fn group(g: &Group) -> GroupView<'_> {
    GroupView {
        id: &g.id,
        name: &g.name,
        create_time: IsoMs(g.created_at),
        description: &g.description,
        user_quantity: g.user_quantity,
        realm_id: &g.account_id,
        platform_type: g.platform_type.as_str(),
        domain: &g.domain,
        sid: &g.id,
        total_desktops: 0,
        group_dn: (g.platform_type == PlatformType::Ad)
            .then(|| format!("CN={},{}", g.name, g.domain)),
        parent: g.parent.as_deref().map(|p| ParentView {
            id: &p.id,
            name: &p.name,
            create_time: IsoMs(p.created_at),
            description: &p.description,
            realm_id: &p.account_id,
            platform_type: p.platform_type.as_str(),
            domain: &p.domain,
            sid: &p.id,
        }),
    }
}

/// `ListUserGroupsResponse`: `{"total_count", "user_groups": [UserGroupInfo]}`.
#[derive(Serialize)]
pub struct GroupList<'a> {
    total_count: i64,
    user_groups: Vec<GroupView<'a>>,
}

pub fn group_list(listing: &Listing<Group>) -> GroupList<'_> {
    GroupList {
        total_count: listing.total,
        user_groups: listing.items.iter().map(group).collect(),
    }
}

/// `User` of `ListUsersResponse`.
#[derive(Serialize)]
pub struct UserView<'a> {
    id: &'a str,
    sid: &'a str,
    user_name: &'a str,
    user_email: &'a str,
    user_phone: &'a str,
    total_desktops: i64,
    active_type: &'a str,
    is_pre_user: bool,
    account_expires: ExpiresText,
    password_never_expired: bool,
    account_expired: bool,
    enable_change_password: bool,
    next_login_change_password: bool,
    description: &'a str,
    locked: bool,
    disabled: bool,
    share_space_subscription: bool,
    share_space_desktops: i64,
    group_names: &'a [String],
    enterprise_project_id: &'a str,
    user_info_map: &'a str,
    domain: &'a str,
    certificate_status: bool,
}

/// `now` is Unix ms, the time `account_expired` is judged at.
pub fn user<'a>(u: &'a User, group_names: &'a [String], now: i64) -> UserView<'a> {
    UserView {
        id: &u.id,
        sid: &u.id,
        user_name: &u.name,
        user_email: &u.email,
        user_phone: &u.phone,
        total_desktops: 0,
        active_type: u.active_type.as_str(),
        is_pre_user: false,
        account_expires: ExpiresText(u.account_expires),
        password_never_expired: u.password_never_expired,
        account_expired: u.expired_at(now),
        enable_change_password: u.enable_change_password,
        next_login_change_password: u.next_login_change_password,
        description: &u.description,
        locked: u.locked,
        disabled: u.disabled,
        share_space_subscription: false,
        share_space_desktops: 0,
        group_names,
        enterprise_project_id: &u.enterprise_project_id,
        user_info_map: &u.user_info_map,
        domain: &u.domain,
        certificate_status: false,
    }
}

/// `ListUsersResponse`: `{"total_count", "users": [User]}`; `group_names` maps a user id
/// to the names of its groups (a user missing from it has none).
#[derive(Serialize)]
pub struct UserList<'a> {
    total_count: i64,
    users: Vec<UserView<'a>>,
}

pub fn user_list<'a>(
    listing: &'a Listing<User>,
    group_names: &'a HashMap<String, Vec<String>>,
) -> UserList<'a> {
    let now = now_ms();
    UserList {
        total_count: listing.total,
        users: listing
            .items
            .iter()
            .map(|u| {
                user(
                    u,
                    group_names.get(u.id.as_str()).map_or(&[], Vec::as_slice),
                    now,
                )
            })
            .collect(),
    }
}

/// `UserDetail` of `ShowUserResponse`.
#[derive(Serialize)]
pub struct UserDetailView<'a> {
    id: &'a str,
    user_name: &'a str,
    description: &'a str,
    user_email: &'a str,
    user_phone: &'a str,
    active_type: &'a str,
    object_sid: &'a str,
    sam_account_name: &'a str,
    user_principal_name: String,
    full_name: &'a str,
    distinguished_name: String,
    account_type: i64,
    when_created: IsoMs,
    /// Unix ms; 0 = never (the detail model's integer, unlike the list's text).
    account_expires: i64,
    is_pre_user: bool,
    user_expired: bool,
    locked: bool,
    enable_change_password: bool,
    password_never_expired: bool,
    next_login_change_password: bool,
    disabled: bool,
    group_names: &'a [String],
    share_space_subscription: bool,
    share_space_desktops: i64,
    total_desktops: i64,
}

pub fn user_detail<'a>(u: &'a User, group_names: &'a [String]) -> UserDetailView<'a> {
    let in_domain = !u.domain.is_empty();
    UserDetailView {
        id: &u.id,
        user_name: &u.name,
        description: &u.description,
        user_email: &u.email,
        user_phone: &u.phone,
        active_type: u.active_type.as_str(),
        object_sid: &u.id,
        sam_account_name: &u.name,
        user_principal_name: if in_domain {
            format!("{}@{}", u.name, u.domain)
        } else {
            u.name.clone()
        },
        full_name: &u.alias_name,
        distinguished_name: if in_domain {
            format!("CN={},{}", u.name, u.domain)
        } else {
            String::new()
        },
        account_type: 0,
        when_created: IsoMs(u.created_at),
        account_expires: u.account_expires,
        is_pre_user: false,
        user_expired: u.expired_at(now_ms()),
        locked: u.locked,
        enable_change_password: u.enable_change_password,
        password_never_expired: u.password_never_expired,
        next_login_change_password: u.next_login_change_password,
        disabled: u.disabled,
        group_names,
        share_space_subscription: false,
        share_space_desktops: 0,
        total_desktops: 0,
    }
}

/// `UserInGroup` of `ListUsersInGroupResponse`.
#[derive(Serialize)]
pub struct UserInGroupView<'a> {
    id: &'a str,
    user_name: &'a str,
    domain: &'a str,
    user_email: &'a str,
    user_phone: &'a str,
    total_desktops: i64,
    enterprise_project_id: &'a str,
    description: &'a str,
}

pub fn user_in_group(u: &User) -> UserInGroupView<'_> {
    UserInGroupView {
        id: &u.id,
        user_name: &u.name,
        domain: &u.domain,
        user_email: &u.email,
        user_phone: &u.phone,
        total_desktops: 0,
        enterprise_project_id: &u.enterprise_project_id,
        description: &u.description,
    }
}

/// `ListUsersInGroupResponse`: `{"total_count", "users": [UserInGroup]}`.
#[derive(Serialize)]
pub struct UserInGroupList<'a> {
    total_count: i64,
    users: Vec<UserInGroupView<'a>>,
}

pub fn user_in_group_list(listing: &Listing<User>) -> UserInGroupList<'_> {
    UserInGroupList {
        total_count: listing.total,
        users: listing.items.iter().map(user_in_group).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The views write what the `json!` maps they replaced wrote: same keys, same JSON types.
    #[test]
    fn group_view_shape() {
        let parent = Group {
            seq: 1,
            id: "p".into(),
            account_id: "acc".into(),
            name: "Parent".into(),
            description: String::new(),
            platform_type: PlatformType::Ad,
            domain: "corp.example".into(),
            parent_id: None,
            path: "p".into(),
            depth: 1,
            user_quantity: 3,
            created_by: String::new(),
            updated_by: String::new(),
            created_at: 1_676_428_025_000,
            updated_at: 0,
            parent: None,
        };
        let child = Group {
            id: "c".into(),
            name: "Child".into(),
            parent_id: Some("p".into()),
            parent: Some(Box::new(parent.clone())),
            ..parent.clone()
        };
        let v = serde_json::to_value(group(&child)).unwrap();
        assert_eq!(v["create_time"], "2023-02-15T02:27:05.000Z");
        assert_eq!(v["group_dn"], "CN=Child,corp.example");
        assert_eq!(v["parent"]["id"], "p");
        assert!(v["parent"].get("user_quantity").is_none());
        assert_eq!(v.as_object().unwrap().len(), 12);
        let v = serde_json::to_value(group(&Group {
            platform_type: PlatformType::Local,
            ..parent
        }))
        .unwrap();
        assert!(v.get("group_dn").is_none() && v.get("parent").is_none());
        assert_eq!(v["user_quantity"], 3);
    }
}
