//! Directory records as the Quick BI SDK models them. The SDK silently drops a Result whose
//! field has the wrong JSON type, so every field here has exactly its model's type.

use serde_json::{json, Value};

use crate::core::directory::org_members::{OrgMember, OrgRole};
use crate::core::model::Group;

/// The parent id Quick BI uses for the top of the tree.
pub const ROOT: &str = "-1";

/// `yyyy-MM-dd HH:mm:ss` (UTC).
pub fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn parent_of(g: &Group) -> &str {
    g.parent_id.as_deref().unwrap_or(ROOT)
}

/// The `Usergroup*` spelling: GetUserGroupInfo, ListByUserGroupId, ListUserGroupsByUserId.
pub fn group_lower(g: &Group) -> Value {
    json!({
        "UsergroupId": g.id,
        "UsergroupName": g.name,
        "UsergroupDesc": g.description,
        "ParentUsergroupId": parent_of(g),
        "IdentifiedPath": g.path,
        "CreateTime": time(g.created_at),
        "ModifiedTime": time(g.updated_at),
        "CreateUser": g.created_by,
        "ModifyUser": g.updated_by,
    })
}

/// The `UserGroup*` spelling: QueryUserGroupListByParentId.
pub fn group_upper(g: &Group) -> Value {
    json!({
        "UserGroupId": g.id,
        "UserGroupName": g.name,
        "UserGroupDescription": g.description,
        "ParentUserGroupId": parent_of(g),
        "IdentifiedPath": g.path,
        "CreateTime": time(g.created_at),
        "ModifiedTime": time(g.updated_at),
        "CreateUser": g.created_by,
        "ModifyUser": g.updated_by,
    })
}

/// AddUser's Result.
pub fn added_user(m: &OrgMember) -> Value {
    json!({
        "UserId": m.user.id,
        "AccountName": m.user.name,
        "NickName": m.user.alias_name,
        "UserType": m.user_type,
        "AdminUser": m.is_admin(),
        "AuthAdminUser": m.is_auth_admin(),
        "RoleIdList": m.role_ids,
        "CopilotModules": m.copilot_modules,
    })
}

/// QueryUserInfoByUserId / QueryUserInfoByAccount's Result.
pub fn user_info(m: &OrgMember) -> Value {
    let mut v = added_user(m);
    v["AccountId"] = json!(m.aliyun_account_id);
    v["Email"] = json!(m.user.email);
    v["Phone"] = json!(m.user.phone);
    v["IsDeleted"] = json!(m.user.disabled);
    v
}

/// An item of QueryUserList. Roster records no sign-ins, so LastLoginTime is left out.
pub fn listed_user(m: &OrgMember) -> Value {
    let mut v = added_user(m);
    v["AccountId"] = json!(m.aliyun_account_id);
    v["IsDeleted"] = json!(m.user.disabled);
    v["JoinedDate"] = json!(m.user.created_at);
    v
}

pub fn role(r: &OrgRole) -> Value {
    json!({
        "RoleId": r.id,
        "RoleName": r.name,
        "IsSystemRole": true,
        "AuthConfigList": r.auth_keys.iter().map(|k| json!({ "AuthKey": k })).collect::<Vec<_>>(),
    })
}

/// `{Data, PageNum, PageSize, TotalNum, TotalPages}` of the paged listings.
pub fn paged(data: Vec<Value>, page_num: i64, page_size: i64, total: i64) -> Value {
    json!({
        "Data": data,
        "PageNum": page_num,
        "PageSize": page_size,
        "TotalNum": total,
        "TotalPages": (total + page_size - 1) / page_size,
    })
}
