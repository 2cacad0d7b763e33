//! The system-defined roles and policies that cover Roster's services, as `GET /v3/roles`
//! lists them beside the account's custom policies. Their names, display names and
//! documents follow the cloud's own (`te_admin` is "Tenant Administrator": everything but
//! IAM; `te_guest` "Tenant Guest": reading everything but IAM; `secu_admin` "Security
//! Administrator": IAM), plus per-service FullAccess / ReadOnlyAccess policies.

use std::sync::{Arc, OnceLock};

use super::document::{Document, Version};

/// Where a role's grants count (the cloud's role `type`): `AX` on the domain (global
/// services: IAM, Quick BI), `XA` on projects (Workspace), `AA` on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleType {
    AX,
    XA,
    AA,
}

impl RoleType {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleType::AX => "AX",
            RoleType::XA => "XA",
            RoleType::AA => "AA",
        }
    }

    /// `AX`, `XA` or `AA`; anything else is `None`.
    pub fn parse(s: &str) -> Option<RoleType> {
        match s {
            "AX" => Some(RoleType::AX),
            "XA" => Some(RoleType::XA),
            "AA" => Some(RoleType::AA),
            _ => None,
        }
    }
}

/// A system role: fixed id and name, a Version 1.1 document.
#[derive(Debug, Clone, Copy)]
pub struct SystemRole {
    /// 32 hex characters, the same on every Roster.
    pub id: &'static str,
    /// The cloud's name (`te_admin`) or, for a policy, its display name without spaces.
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    /// The service the role belongs to, as the cloud's `catalog` (`BASE`, `IAM`, ...).
    pub catalog: &'static str,
    pub role_type: RoleType,
    /// `role` for the classic roles, `fine_grained` for system policies (the cloud's
    /// `flag`).
    pub flag: &'static str,
    pub document: &'static str,
}

/// Every system role.
pub const SYSTEM_ROLES: &[SystemRole] = &[
    // Keystone's default roles (keystone-manage bootstrap makes them; tempest and the
    // openstack CLI assign them by name), with the meaning Keystone's default policies
    // give them in a domain or project: `admin` everything, `member` everything but
    // identity administration, `reader` reading everything but identity
    SystemRole {
        id: "6e5a4f3e2d1c4b0a9f8e7d6c5b4a3f21",
        name: "admin",
        display_name: "admin",
        description: "Keystone's administrator role: every action in its scope",
        catalog: "BASE",
        role_type: RoleType::AA,
        flag: "role",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["*:*:*"]}]}"#,
    },
    SystemRole {
        id: "9fe2ff9ee4384b1894a90878d3e92bab",
        name: "member",
        display_name: "member",
        description: "Keystone's member role: every action in its scope but IAM",
        catalog: "BASE",
        role_type: RoleType::AA,
        flag: "role",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["*:*:*"]},{"Effect":"Deny","Action":["iam:*:*"]}]}"#,
    },
    SystemRole {
        id: "b7c3a1d2e4f5061728394a5b6c7d8e9f",
        name: "reader",
        display_name: "reader",
        description: "Keystone's reader role: reading everything in its scope but IAM",
        catalog: "BASE",
        role_type: RoleType::AA,
        flag: "role",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["*:*:get*","*:*:list*","*:*:query*","*:*:check*"]},{"Effect":"Deny","Action":["iam:*:*"]}]}"#,
    },
    SystemRole {
        id: "c305d35dbaf773e13a9ad872e9d23761",
        name: "te_admin",
        display_name: "Tenant Administrator",
        description: "Tenant Administrator (Exclude IAM)",
        catalog: "BASE",
        role_type: RoleType::AA,
        flag: "role",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["*:*:*"]},{"Effect":"Deny","Action":["iam:*:*"]}]}"#,
    },
    SystemRole {
        id: "6ded804b633bc2e9f2c117d79d7f420b",
        name: "te_guest",
        display_name: "Tenant Guest",
        description: "Tenant Guest (Exclude IAM)",
        catalog: "BASE",
        role_type: RoleType::AA,
        flag: "role",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["*:*:get*","*:*:list*","*:*:query*","*:*:check*"]},{"Effect":"Deny","Action":["iam:*:*"]}]}"#,
    },
    SystemRole {
        id: "019bce8c1bf7887a0f41ade423f2e3d0",
        name: "secu_admin",
        display_name: "Security Administrator",
        description: "Full permissions for Identity and Access Management",
        catalog: "IAM",
        role_type: RoleType::AX,
        flag: "role",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["iam:*:*","sts:*:*"]}]}"#,
    },
    SystemRole {
        id: "cc393507a3b96b0e6afbf29ca29fce36",
        name: "iam_fullaccess",
        display_name: "IAM FullAccess",
        description: "All permissions for Identity and Access Management and STS",
        catalog: "IAM",
        role_type: RoleType::AX,
        flag: "fine_grained",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["iam:*:*","sts:*:*"]}]}"#,
    },
    SystemRole {
        id: "cc9ee5704b8b4176b189630bd2f1e0f3",
        name: "iam_readonly",
        display_name: "IAM ReadOnlyAccess",
        description: "Read-only permissions for Identity and Access Management",
        catalog: "IAM",
        role_type: RoleType::AX,
        flag: "fine_grained",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["iam:*:get*","iam:*:list*","iam:*:check*"]}]}"#,
    },
    SystemRole {
        id: "11cca0717d4cc8723101eead1e99df3f",
        name: "workspace_fullaccess",
        display_name: "Workspace FullAccess",
        description: "All permissions for Workspace users, user groups, exports and imports",
        catalog: "Workspace",
        role_type: RoleType::XA,
        flag: "fine_grained",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["workspace:*:*"]}]}"#,
    },
    SystemRole {
        id: "1ed41e9232fa86020e36324bdd00dbff",
        name: "workspace_readonly",
        display_name: "Workspace ReadOnlyAccess",
        description: "Read-only permissions for Workspace users and user groups",
        catalog: "Workspace",
        role_type: RoleType::XA,
        flag: "fine_grained",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["workspace:*:get*","workspace:*:list*"]}]}"#,
    },
    SystemRole {
        id: "8594cf1596f244ca0175fd0803666128",
        name: "quickbi_fullaccess",
        display_name: "QuickBI FullAccess",
        description: "All permissions for Quick BI users, user groups and organization roles",
        catalog: "QuickBI",
        role_type: RoleType::AX,
        flag: "fine_grained",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["quickbi:*:*"]}]}"#,
    },
    SystemRole {
        id: "336ce0ceaf3a05bb8b414ff107867c47",
        name: "quickbi_readonly",
        display_name: "QuickBI ReadOnlyAccess",
        description: "Read-only permissions for Quick BI users, user groups and organization roles",
        catalog: "QuickBI",
        role_type: RoleType::AX,
        flag: "fine_grained",
        document: r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["quickbi:*:get*","quickbi:*:list*","quickbi:*:query*","quickbi:*:check*"]}]}"#,
    },
];

/// The system role with this id.
pub fn find(id: &str) -> Option<&'static SystemRole> {
    SYSTEM_ROLES.iter().find(|r| r.id == id)
}

/// The parsed document of system role `i` of [`SYSTEM_ROLES`], parsed once.
pub fn document(role: &SystemRole) -> Arc<Document> {
    static PARSED: OnceLock<Vec<Arc<Document>>> = OnceLock::new();
    let all = PARSED.get_or_init(|| {
        SYSTEM_ROLES
            .iter()
            .map(|r| {
                Arc::new(
                    Document::parse(r.document, Version::V1_1)
                        .unwrap_or_else(|e| panic!("system role {}: {e}", r.name)),
                )
            })
            .collect()
    });
    let i = SYSTEM_ROLES
        .iter()
        .position(|r| r.id == role.id)
        .expect("a role of SYSTEM_ROLES");
    all[i].clone()
}

#[cfg(test)]
mod tests {
    use super::super::condition::Context;
    use super::super::eval::{decide, Ask, Held, Source};
    use super::*;

    fn allows(role: &str, action: &str) -> bool {
        let r = SYSTEM_ROLES.iter().find(|r| r.name == role).unwrap();
        let held = [Held {
            source: Source::Role {
                role_id: r.id.into(),
                role_name: r.name.into(),
                group_id: "g".into(),
                scope: "domain".into(),
            },
            document: document(r),
        }];
        let ctx = Context::default();
        decide(
            &held,
            &Ask {
                action,
                resource: None,
                context: &ctx,
            },
        )
        .allowed()
    }

    #[test]
    fn ids_are_unique_hex_and_documents_parse() {
        let mut ids = std::collections::HashSet::new();
        for r in SYSTEM_ROLES {
            assert_eq!(r.id.len(), 32, "{}", r.name);
            assert!(r.id.chars().all(|c| c.is_ascii_hexdigit()), "{}", r.name);
            assert!(ids.insert(r.id));
            let _ = document(r);
        }
    }

    #[test]
    fn the_roles_cover_what_their_names_say() {
        assert!(allows("te_admin", "workspace:userGroups:delete"));
        assert!(allows("te_admin", "quickbi:users:addUser"));
        assert!(!allows("te_admin", "iam:users:createUser"));
        assert!(allows("te_guest", "workspace:userGroups:list"));
        assert!(allows("te_guest", "quickbi:users:queryUserList"));
        assert!(!allows("te_guest", "workspace:userGroups:delete"));
        assert!(!allows("te_guest", "iam:users:listUsers"));
        assert!(allows(
            "secu_admin",
            "iam:permissions:grantRoleToGroupOnDomain"
        ));
        assert!(!allows("secu_admin", "workspace:users:list"));
        assert!(allows("iam_fullaccess", "iam:policies:attachToUserV5"));
        assert!(allows("iam_fullaccess", "sts::decodeAuthorizationMessage"));
        assert!(allows("iam_readonly", "iam:users:listUsers"));
        assert!(!allows("iam_readonly", "iam:users:createUser"));
        assert!(allows("workspace_readonly", "workspace:users:get"));
        assert!(!allows("workspace_readonly", "workspace:userGroups:export"));
        assert!(allows(
            "workspace_fullaccess",
            "workspace:userGroups:export"
        ));
        assert!(allows(
            "quickbi_readonly",
            "quickbi:userGroups:getUserGroupInfo"
        ));
        assert!(!allows(
            "quickbi_readonly",
            "quickbi:userGroups:createUserGroup"
        ));
    }
}
