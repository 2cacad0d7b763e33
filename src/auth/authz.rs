//! Authorization: may this principal perform this action? Today a stand-in that allows the
//! account's root user everything and every other user nothing on the Workspace and Quick
//! BI faces ("no Allow means deny": no grants or policies exist yet). The authorization
//! engine of issue 14 (roles, grants, identity policies) replaces [`authorize`] and the
//! action tables; the faces already call it once per operation with the operation's action
//! name. The IAM face keeps its own checks (`iam::Who::must_be_admin*`).

use crate::core::Error;

/// Who asks, as authorization sees it.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    pub account_id: &'a str,
    pub user_id: &'a str,
    /// The account's root user, which keeps every permission.
    pub is_root: bool,
}

/// Allows `action` (a name such as `workspace:userGroups:list`) to `who`, or refuses it
/// with [`Error::Forbidden`] (each face renders its own 403). Today only the root user is
/// allowed; the message names the action and says why, without anything of other accounts.
pub fn authorize(who: Principal<'_>, action: &str) -> Result<(), Error> {
    if who.is_root {
        return Ok(());
    }
    Err(Error::Forbidden(format!(
        "user {} is not authorized to perform {action}: no policy allows it",
        who.user_id
    )))
}

/// The route template of a Workspace request path after `/v2|v3/{project_id}`: the id in a
/// `users`, `groups` or `export-tasks` path is `{user_id}`, `{group_id}`, `{task_id}`
/// (`/v2/p1/groups/g7/users` is `/groups/{group_id}/users`).
fn workspace_route(path: &str) -> Option<String> {
    let mut segs = path.trim_start_matches('/').split('/');
    if !matches!(segs.next(), Some("v2" | "v3")) {
        return None;
    }
    segs.next()?;
    let segs: Vec<&str> = segs.collect();
    let mut out = String::new();
    for (i, seg) in segs.iter().enumerate() {
        out.push('/');
        let id = match (i, segs[0]) {
            (1, "users")
                if !matches!(
                    *seg,
                    "batch-create" | "batch-delete" | "export" | "template" | "desktop-users"
                ) =>
            {
                Some("{user_id}")
            }
            (1, "groups") if !matches!(*seg, "batch-delete" | "export") => Some("{group_id}"),
            (1, "export-tasks") if *seg != "batch-delete" => Some("{task_id}"),
            _ => None,
        };
        out.push_str(id.unwrap_or(seg));
    }
    Some(out)
}

/// The action name of a Workspace request (`method`, the request's path). The names of the
/// cloud where it publishes them (`workspace:userGroups:list`, `workspace:userGroups:export`),
/// else in the same style. An unknown route is `workspace:unknown` (allowed to no IAM user).
pub fn workspace_action(method: &str, path: &str) -> &'static str {
    let route = workspace_route(path).unwrap_or_default();
    match (method, route.as_str()) {
        ("GET", "/users") => "workspace:users:list",
        ("POST", "/users") => "workspace:users:create",
        ("POST", "/users/batch-create") => "workspace:users:create",
        ("POST", "/users/batch-delete") => "workspace:users:delete",
        ("GET", "/users/{user_id}") => "workspace:users:get",
        ("PUT", "/users/{user_id}") => "workspace:users:update",
        ("DELETE", "/users/{user_id}") => "workspace:users:delete",
        ("POST", "/users/{user_id}/actions") => "workspace:users:operate",
        ("GET", "/users/{user_id}/random-password") => "workspace:users:resetPassword",
        ("POST", "/users/export") => "workspace:users:export",
        ("GET", "/users/template/download") | ("GET", "/users/desktop-users/template") => {
            "workspace:users:getImportTemplate"
        }
        ("POST", "/users/desktop-users/action/import") => "workspace:users:import",
        ("GET", "/groups") => "workspace:userGroups:list",
        ("POST", "/groups") => "workspace:userGroups:create",
        ("POST", "/groups/batch-delete") => "workspace:userGroups:delete",
        ("PUT", "/groups/{group_id}") => "workspace:userGroups:update",
        ("DELETE", "/groups/{group_id}") => "workspace:userGroups:delete",
        ("GET", "/groups/{group_id}/users") => "workspace:userGroups:listUsers",
        ("POST", "/groups/{group_id}/actions") => "workspace:userGroups:operateUsers",
        ("GET", "/groups/export") | ("POST", "/groups/export") => "workspace:userGroups:export",
        ("GET", "/groups/{group_id}/users/export") => "workspace:userGroups:exportUsers",
        ("GET", "/export-tasks") => "workspace:exportTasks:list",
        ("GET", "/export-tasks/{task_id}/download") => "workspace:exportTasks:download",
        ("POST", "/export-tasks/batch-delete") => "workspace:exportTasks:delete",
        _ => "workspace:unknown",
    }
}

/// The action name of a Quick BI action (`quickbi:` and the resource in the style of the
/// Huawei names); `None` for an action Quick BI does not serve here.
pub fn quickbi_action(action: &str) -> Option<&'static str> {
    Some(match action {
        "AddUser" => "quickbi:users:create",
        "UpdateUser" => "quickbi:users:update",
        "DeleteUser" => "quickbi:users:delete",
        "QueryUserInfoByUserId" | "QueryUserInfoByAccount" => "quickbi:users:get",
        "QueryUserList" => "quickbi:users:list",
        "CheckOrganizationMember" => "quickbi:users:check",
        "ListOrganizationRoles" | "QueryOrganizationRoleConfig" => "quickbi:roles:get",
        "ListOrganizationRoleUsers" => "quickbi:roles:listUsers",
        "CreateUserGroup" => "quickbi:userGroups:create",
        "UpdateUserGroup" | "TransferUsergroup" => "quickbi:userGroups:update",
        "DeleteUserGroup" => "quickbi:userGroups:delete",
        "GetUserGroupInfo" | "ListByUserGroupId" | "QueryUserGroupListByParentId" => {
            "quickbi:userGroups:get"
        }
        "QueryUserGroupMember" | "ListUserGroupsByUserId" => "quickbi:userGroups:listMembers",
        "AddUserGroupMember" | "AddUserGroupMembers" => "quickbi:userGroups:addMembers",
        "DeleteUserGroupMember" | "DeleteUserGroupMembers" | "WithdrawAllUserGroups" => {
            "quickbi:userGroups:removeMembers"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(is_root: bool) -> Principal<'static> {
        Principal {
            account_id: "a",
            user_id: "u",
            is_root,
        }
    }

    #[test]
    fn only_the_root_user_is_allowed_today() {
        assert!(authorize(who(true), "workspace:userGroups:list").is_ok());
        let e = authorize(who(false), "workspace:userGroups:list").unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)));
        assert!(e.to_string().contains("workspace:userGroups:list"));
    }

    #[test]
    fn every_served_route_and_action_has_a_name() {
        for (method, path, name) in [
            ("GET", "/v2/p1/groups", "workspace:userGroups:list"),
            ("GET", "/v2/p1/groups/export", "workspace:userGroups:export"),
            (
                "POST",
                "/v3/p1/groups/export",
                "workspace:userGroups:export",
            ),
            (
                "GET",
                "/v2/p1/groups/g7/users",
                "workspace:userGroups:listUsers",
            ),
            (
                "GET",
                "/v3/p1/groups/g7/users/export",
                "workspace:userGroups:exportUsers",
            ),
            ("POST", "/v3/p1/users/export", "workspace:users:export"),
            ("GET", "/v2/p1/users/u1", "workspace:users:get"),
            (
                "POST",
                "/v2/p1/users/batch-delete",
                "workspace:users:delete",
            ),
            (
                "POST",
                "/v2/p1/users/desktop-users/action/import",
                "workspace:users:import",
            ),
            (
                "GET",
                "/v2/p1/export-tasks/t1/download",
                "workspace:exportTasks:download",
            ),
            (
                "POST",
                "/v2/p1/export-tasks/batch-delete",
                "workspace:exportTasks:delete",
            ),
        ] {
            assert_eq!(workspace_action(method, path), name, "{method} {path}");
        }
        assert_eq!(workspace_action("GET", "/elsewhere"), "workspace:unknown");
        for a in [
            "AddUser",
            "QueryUserList",
            "GetUserGroupInfo",
            "WithdrawAllUserGroups",
            "QueryOrganizationRoleConfig",
        ] {
            assert!(quickbi_action(a).unwrap().starts_with("quickbi:"), "{a}");
        }
        assert_eq!(quickbi_action("DescribeNothing"), None);
    }
}
