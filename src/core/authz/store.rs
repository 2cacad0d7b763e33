//! What authorization needs from storage: the part of the storage boundary
//! (`core::storage`) that holds custom policies, grants of roles to groups, and identity
//! policies with their versions and attachments. `ReadTx` and `WriteTx` include these
//! traits, so a transaction of either kind offers them; `store` implements them per backend.
//!
//! The store keeps, beneath these methods: deleting a group deletes its grants and its
//! attachments; deleting a user deletes its attachments; deleting a custom role deletes its
//! grants; deleting an identity policy deletes its versions and attachments. Rows of one
//! account never name another's (the core checks ids before writing; the store scopes every
//! read by account).

use crate::core::model::{AccountId, GroupId, ProjectId, UserId};
use crate::core::Error;

/// A custom policy of an account (`/v3.0/OS-ROLE/roles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRoleRow {
    /// 32 hex characters.
    pub id: String,
    pub account_id: AccountId,
    /// `custom_{account_id}_{n}`, as the cloud names custom policies; unique per account.
    pub name: String,
    /// The name the caller chose; unique per account.
    pub display_name: String,
    pub description: String,
    pub description_cn: String,
    /// `AX` or `XA` (`core::authz::RoleType`).
    pub role_type: String,
    /// The Version 1.1 document as compact JSON text, checked by `Document::parse`.
    pub policy: String,
    /// Unix ms.
    pub created_at: i64,
    pub updated_at: i64,
}

/// Where a grant counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GrantScope {
    /// On the domain (the account): requests to global services.
    Domain,
    /// On one project: requests on that project.
    Project(ProjectId),
    /// On the domain, inherited to every project of it, present and future
    /// (`/v3/OS-INHERIT/.../inherited_to_projects`).
    AllProjects,
}

/// A role (system or custom) granted to a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub account_id: AccountId,
    pub group_id: GroupId,
    /// A system role's id or a custom role's id.
    pub role_id: String,
    pub scope: GrantScope,
    /// Unix ms.
    pub created_at: i64,
}

/// Which grants to read; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    pub group_ids: Option<Vec<String>>,
    pub role_id: Option<String>,
    pub scope: Option<GrantScope>,
}

/// An identity policy (`/v5/policies`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPolicyRow {
    /// 32 hex characters.
    pub id: String,
    pub account_id: AccountId,
    /// Unique per account.
    pub name: String,
    /// `/` or `seg/.../`, as the cloud's policy path.
    pub path: String,
    pub description: String,
    /// `v1`, `v2`, ...: the version that counts.
    pub default_version_id: String,
    /// The number the next version gets (versions are never renumbered).
    pub next_version: i64,
    /// Unix ms.
    pub created_at: i64,
    pub updated_at: i64,
}

/// One version of an identity policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRow {
    pub policy_id: String,
    /// `v{n}`.
    pub version_id: String,
    /// The Version 5.0 document as compact JSON text.
    pub document: String,
    /// Unix ms.
    pub created_at: i64,
}

/// Who an identity policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    User(UserId),
    Group(GroupId),
}

/// An attachment of an identity policy to a user or a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub account_id: AccountId,
    pub policy_id: String,
    pub principal: Principal,
    /// Unix ms.
    pub attached_at: i64,
}

/// An identity policy a principal holds, with the document of its default version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldPolicyRow {
    pub policy: IdentityPolicyRow,
    pub principal: Principal,
    pub document: String,
}

/// Reads of authorization data. Lists are whole (bounded by the limits the core keeps:
/// 200 custom roles, 200 identity policies per account, 5 versions per policy) and ordered
/// by creation (then id).
pub trait AuthzRead {
    /// The account's custom roles.
    fn custom_roles(&mut self, account_id: &AccountId) -> Result<Vec<CustomRoleRow>, Error>;
    fn custom_role(
        &mut self,
        account_id: &AccountId,
        id: &str,
    ) -> Result<Option<CustomRoleRow>, Error>;
    /// The account's grants that pass `filter`, oldest first.
    fn grants(
        &mut self,
        account_id: &AccountId,
        filter: &GrantFilter,
    ) -> Result<Vec<GrantRow>, Error>;
    /// The `path`s (ids from the root, `/`-joined) of the groups `user_id` is a direct
    /// member of, in the account.
    fn group_paths_of_user(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
    ) -> Result<Vec<String>, Error>;

    fn identity_policies(
        &mut self,
        account_id: &AccountId,
    ) -> Result<Vec<IdentityPolicyRow>, Error>;
    fn identity_policy(
        &mut self,
        account_id: &AccountId,
        id: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error>;
    fn identity_policy_by_name(
        &mut self,
        account_id: &AccountId,
        name: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error>;
    /// A policy's versions, oldest first.
    fn policy_versions(&mut self, policy_id: &str) -> Result<Vec<PolicyVersionRow>, Error>;
    /// The account's attachments of `policy_id` (when given) to `principal` (when given).
    fn attachments(
        &mut self,
        account_id: &AccountId,
        policy_id: Option<&str>,
        principal: Option<&Principal>,
    ) -> Result<Vec<AttachmentRow>, Error>;
    /// The policies attached to any of `principals`, each with its default version's
    /// document: one read for a decision.
    fn held_policies(
        &mut self,
        account_id: &AccountId,
        principals: &[Principal],
    ) -> Result<Vec<HeldPolicyRow>, Error>;
}

/// Writes of authorization data, in the write transaction of the operation.
pub trait AuthzWrite {
    /// Errors: `Unique` when the name or display name is taken.
    fn insert_custom_role(&mut self, r: &CustomRoleRow) -> Result<(), Error>;
    /// Replaces every field but `id`, `account_id`, `name` and `created_at`.
    fn update_custom_role(&mut self, r: &CustomRoleRow) -> Result<(), Error>;
    /// Deletes the role and its grants; false when it did not exist.
    fn delete_custom_role(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error>;
    /// Records a grant; false when it was there already (it is left as it was).
    fn insert_grant(&mut self, g: &GrantRow) -> Result<bool, Error>;
    /// Deletes the grant of `role_id` to `group_id` in `scope`; false when there was none.
    fn delete_grant(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        role_id: &str,
        scope: &GrantScope,
    ) -> Result<bool, Error>;

    /// Errors: `Unique` when the name is taken in the account.
    fn insert_identity_policy(&mut self, p: &IdentityPolicyRow) -> Result<(), Error>;
    /// Replaces `description`, `default_version_id`, `next_version`, `updated_at`.
    fn update_identity_policy(&mut self, p: &IdentityPolicyRow) -> Result<(), Error>;
    /// Deletes the policy with its versions and attachments; false when it did not exist.
    fn delete_identity_policy(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error>;
    fn insert_policy_version(&mut self, v: &PolicyVersionRow) -> Result<(), Error>;
    /// False when there was no such version.
    fn delete_policy_version(&mut self, policy_id: &str, version_id: &str) -> Result<bool, Error>;
    /// Records an attachment; false when it was there already.
    fn attach_policy(&mut self, a: &AttachmentRow) -> Result<bool, Error>;
    /// False when there was no such attachment.
    fn detach_policy(
        &mut self,
        account_id: &AccountId,
        policy_id: &str,
        principal: &Principal,
    ) -> Result<bool, Error>;
}
