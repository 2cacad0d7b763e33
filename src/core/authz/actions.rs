//! Every operation of every face, by action name: the names policies allow and deny.
//!
//! Names follow the cloud's `service:resourceType:operation` form. Where a cloud publishes a
//! name it is used as published: Workspace's `workspace:userGroups:export` (access level
//! List, resource type `userGroup`, from the ExportUserGroups API page), the IAM actions of
//! "Permissions and Supported Actions" (`iam:users:listUsers`, `iam:permissions:*`,
//! `iam:roles:*`, `iam:credentials:*`), STS's `sts::decodeAuthorizationMessage`. The rest
//! are named in the same style (Quick BI's as `quickbi:{resource}:{ApiName in camelCase}`).
//! README.md lists them all with the routes they guard (a test keeps it true).

/// The cloud's access levels of actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    List,
    Read,
    Write,
    PermissionManagement,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::List => "list",
            Level::Read => "read",
            Level::Write => "write",
            Level::PermissionManagement => "permission_management",
        }
    }
}

/// One action: its name, access level, and the resource type whose URN a request names
/// (`None`: the action is not resource-scoped; only `Resource: "*"` covers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    pub name: &'static str,
    pub level: Level,
    pub resource_type: Option<&'static str>,
}

const fn a(name: &'static str, level: Level, resource_type: Option<&'static str>) -> Action {
    Action {
        name,
        level,
        resource_type,
    }
}

use Level::*;

const GROUP: Option<&str> = Some("userGroup");
const USER: Option<&str> = Some("user");

/// All actions, by service.
pub const ACTIONS: &[Action] = &[
    // Huawei Cloud Workspace
    a("workspace:userGroups:list", List, None),
    a("workspace:userGroups:create", Write, None),
    a("workspace:userGroups:update", Write, GROUP),
    a("workspace:userGroups:delete", Write, GROUP),
    a("workspace:userGroups:listUsers", List, GROUP),
    a("workspace:userGroups:manageUsers", Write, GROUP),
    a("workspace:userGroups:export", List, GROUP),
    a("workspace:users:list", List, None),
    a("workspace:users:create", Write, None),
    a("workspace:users:get", Read, USER),
    a("workspace:users:update", Write, USER),
    a("workspace:users:delete", Write, USER),
    a("workspace:users:operate", Write, USER),
    a("workspace:users:resetRandomPassword", Write, USER),
    a("workspace:users:export", List, None),
    a("workspace:users:import", Write, None),
    a("workspace:users:getImportTemplate", Read, None),
    a("workspace:exportTasks:list", List, None),
    a("workspace:exportTasks:download", Read, None),
    a("workspace:exportTasks:delete", Write, None),
    // Huawei Cloud IAM (Keystone v3 and the v3.0 / v5 extensions)
    a("iam:users:listUsers", List, None),
    a("iam:users:getUser", Read, None),
    a("iam:users:createUser", Write, None),
    a("iam:users:updateUser", Write, None),
    a("iam:users:deleteUser", Write, None),
    a("iam:users:listGroupsForUser", List, None),
    a("iam:groups:listGroups", List, None),
    a("iam:groups:getGroup", Read, None),
    a("iam:groups:createGroup", Write, None),
    a("iam:groups:updateGroup", Write, None),
    a("iam:groups:deleteGroup", Write, None),
    a("iam:users:listUsersForGroup", List, None),
    a("iam:permissions:addUserToGroup", Write, None),
    a("iam:permissions:removeUserFromGroup", Write, None),
    a("iam:permissions:checkUserInGroup", Read, None),
    a("iam:domains:listDomains", List, None),
    a("iam:domains:createDomain", Write, None),
    a("iam:domains:updateDomain", Write, None),
    a("iam:domains:deleteDomain", Write, None),
    a("iam:permissions:listSystemRolesForUser", List, None),
    a("iam:permissions:checkSystemRoleForUser", Read, None),
    a(
        "iam:permissions:grantSystemRoleToUser",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:revokeSystemRoleFromUser",
        PermissionManagement,
        None,
    ),
    a("iam:projects:listProjects", List, None),
    a("iam:projects:getProject", Read, None),
    a("iam:projects:createProject", Write, None),
    a("iam:projects:updateProject", Write, None),
    a("iam:projects:deleteProject", Write, None),
    a("iam:projects:listProjectsForUser", List, None),
    a("iam:roles:listRoleInferences", List, None),
    a("iam:roles:createRoleInference", Write, None),
    a("iam:roles:deleteRoleInference", Write, None),
    a(
        "iam:permissions:grantRoleToUserOnDomain",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:grantRoleToUserOnProject",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:grantRoleToUserOnAllProjects",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:revokeRoleFromUserOnDomain",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:revokeRoleFromUserOnProject",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:revokeRoleFromUserOnAllProjects",
        PermissionManagement,
        None,
    ),
    a("iam:permissions:checkRoleForUserOnDomain", Read, None),
    a("iam:permissions:checkRoleForUserOnProject", Read, None),
    a("iam:permissions:checkRoleForUserOnAllProjects", Read, None),
    a("iam:permissions:listRolesForUserOnDomain", List, None),
    a("iam:permissions:listRolesForUserOnProject", List, None),
    a("iam:roles:listRoles", List, None),
    a("iam:roles:getRole", Read, None),
    a("iam:roles:createRole", Write, None),
    a("iam:roles:updateRole", Write, None),
    a("iam:roles:deleteRole", Write, None),
    a(
        "iam:permissions:grantRoleToGroupOnDomain",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:grantRoleToGroupOnProject",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:grantRoleToGroupOnAllProjects",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:revokeRoleFromGroupOnDomain",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:revokeRoleFromGroupOnProject",
        PermissionManagement,
        None,
    ),
    a(
        "iam:permissions:revokeRoleFromGroupOnAllProjects",
        PermissionManagement,
        None,
    ),
    a("iam:permissions:checkRoleForGroupOnDomain", Read, None),
    a("iam:permissions:checkRoleForGroupOnProject", Read, None),
    a("iam:permissions:checkRoleForGroupOnAllProjects", Read, None),
    a("iam:permissions:listRolesForGroupOnDomain", List, None),
    a("iam:permissions:listRolesForGroupOnProject", List, None),
    a("iam:permissions:listRoleAssignments", List, None),
    a("iam:credentials:createCredential", Write, None),
    a("iam:credentials:listCredentials", List, None),
    a("iam:credentials:getCredential", Read, None),
    a("iam:credentials:updateCredential", Write, None),
    a("iam:credentials:deleteCredential", Write, None),
    a("iam:securitypolicies:getPasswordPolicy", Read, None),
    a("iam:securitypolicies:updatePasswordPolicy", Write, None),
    a("iam:securitypolicies:getLoginPolicy", Read, None),
    a("iam:securitypolicies:updateLoginPolicy", Write, None),
    a("iam:securitypolicies:getPasswordPolicyV5", Read, None),
    a("iam:securitypolicies:updatePasswordPolicyV5", Write, None),
    a("iam:securitypolicies:getLoginPolicyV5", Read, None),
    a("iam:securitypolicies:updateLoginPolicyV5", Write, None),
    a(
        "iam:applicationCredentials:createApplicationCredential",
        Write,
        None,
    ),
    a(
        "iam:applicationCredentials:listApplicationCredentials",
        List,
        None,
    ),
    a(
        "iam:applicationCredentials:getApplicationCredential",
        Read,
        None,
    ),
    a(
        "iam:applicationCredentials:deleteApplicationCredential",
        Write,
        None,
    ),
    a("iam:users:createAccessKeyV5", Write, None),
    a("iam:users:listAccessKeysV5", List, None),
    a("iam:users:updateAccessKeyV5", Write, None),
    a("iam:users:deleteAccessKeyV5", Write, None),
    a("iam:users:showAccessKeyLastUsedV5", Read, None),
    a("iam:users:listAttachedPoliciesV5", List, None),
    a("iam:groups:listAttachedPoliciesV5", List, None),
    a("iam:policies:createV5", Write, None),
    a("iam:policies:listV5", List, None),
    a("iam:policies:getV5", Read, None),
    a("iam:policies:updateV5", Write, None),
    a("iam:policies:deleteV5", Write, None),
    a("iam:policies:createVersionV5", Write, None),
    a("iam:policies:listVersionsV5", List, None),
    a("iam:policies:getVersionV5", Read, None),
    a("iam:policies:deleteVersionV5", Write, None),
    a("iam:policies:setDefaultVersionV5", Write, None),
    a("iam:policies:attachToUserV5", PermissionManagement, None),
    a("iam:policies:detachFromUserV5", PermissionManagement, None),
    a("iam:policies:attachToGroupV5", PermissionManagement, None),
    a("iam:policies:detachFromGroupV5", PermissionManagement, None),
    a("iam:policies:listEntitiesV5", List, None),
    a("sts::decodeAuthorizationMessage", Read, None),
    // Alibaba Cloud Quick BI
    a("quickbi:users:addUser", Write, None),
    a("quickbi:users:updateUser", Write, None),
    a("quickbi:users:deleteUser", Write, None),
    a("quickbi:users:queryUserInfoByUserId", Read, None),
    a("quickbi:users:queryUserInfoByAccount", Read, None),
    a("quickbi:users:queryUserList", List, None),
    a("quickbi:users:checkOrganizationMember", Read, None),
    a(
        "quickbi:organizationRoles:listOrganizationRoles",
        List,
        None,
    ),
    a(
        "quickbi:organizationRoles:listOrganizationRoleUsers",
        List,
        None,
    ),
    a(
        "quickbi:organizationRoles:queryOrganizationRoleConfig",
        Read,
        None,
    ),
    a("quickbi:userGroups:getUserGroupInfo", List, None),
    a(
        "quickbi:userGroups:queryUserGroupListByParentId",
        List,
        None,
    ),
    a("quickbi:userGroups:queryUserGroupMember", List, None),
    a("quickbi:userGroups:listUserGroupsByUserId", List, None),
    a("quickbi:userGroups:listByUserGroupId", Read, None),
    a("quickbi:userGroups:createUserGroup", Write, None),
    a("quickbi:userGroups:updateUserGroup", Write, None),
    a("quickbi:userGroups:deleteUserGroup", Write, None),
    a("quickbi:userGroups:transferUsergroup", Write, None),
    a("quickbi:userGroups:addUserGroupMember", Write, None),
    a("quickbi:userGroups:addUserGroupMembers", Write, None),
    a("quickbi:userGroups:deleteUserGroupMember", Write, None),
    a("quickbi:userGroups:deleteUserGroupMembers", Write, None),
    a("quickbi:userGroups:withdrawAllUserGroups", Write, None),
];

/// The action named `name` (exactly as in [`ACTIONS`]).
pub fn find(name: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// The Quick BI action of an API name (`AddUser` -> `quickbi:users:addUser`).
pub fn quickbi(api: &str) -> Option<&'static Action> {
    let mut chars = api.chars();
    let first = chars.next()?;
    let camel: String = first.to_lowercase().chain(chars).collect();
    ACTIONS
        .iter()
        .filter(|a| a.name.starts_with("quickbi:"))
        .find(|a| a.name.rsplit(':').next() == Some(camel.as_str()))
}

/// The URN of a resource of `service` (`workspace`, `iam`) in `account_id`:
/// `service::account:type:id` (the region part is empty: the directory has no regions).
pub fn urn(service: &str, account_id: &str, resource_type: &str, id: &str) -> String {
    format!("{service}::{account_id}:{resource_type}:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for a in ACTIONS {
            assert!(seen.insert(a.name.to_ascii_lowercase()), "{} twice", a.name);
            assert_eq!(a.name.split(':').count(), 3, "{}", a.name);
        }
        assert_eq!(quickbi("AddUser").unwrap().name, "quickbi:users:addUser");
        assert_eq!(
            quickbi("GetUserGroupInfo").unwrap().name,
            "quickbi:userGroups:getUserGroupInfo"
        );
        assert!(quickbi("Nope").is_none());
    }

    #[test]
    fn the_readme_lists_every_action() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        for a in ACTIONS {
            assert!(
                readme.contains(&format!("`{}`", a.name)),
                "README.md does not list {}",
                a.name
            );
        }
    }
}
