//! What Keystone's projects, roles and user role assignments need from storage: the part of
//! the storage boundary (`core::storage`) for the `/v3/projects` and `/v3/roles` model
//! beyond Huawei's (migration 0019). `ReadTx` and `WriteTx` include these traits; `store`
//! implements them per backend (src/store/{sqlite,postgres}/keystone.rs).
//!
//! The store keeps, beneath these methods: deleting a project deletes its tags, every grant
//! on it (to groups and to users) and its export tasks, and leaves its credentials without a
//! project (`core::keystone_credentials`); deleting a user deletes its user
//! role assignments; deleting a Keystone role deletes its assignments (to groups and users,
//! in every account, and on the system) and the inference rules that name it.

use crate::core::authz::store::GrantScope;
use crate::core::model::{AccountId, Project, ProjectId, UserId};
use crate::core::Error;

/// A role made through Keystone's `POST /v3/roles`: a name to assign. Such a role carries
/// no permission of its own in Roster (the system roles and custom policies do), as a
/// Keystone role means only what the services' policies say of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoneRoleRow {
    /// 32 hex characters.
    pub id: String,
    /// `None`: a global role, seen by every domain; else a domain-specific role.
    pub domain_id: Option<AccountId>,
    /// Unique (case-insensitively) among the global roles, or within its domain.
    pub name: String,
    pub description: String,
    /// Unix ms.
    pub created_at: i64,
}

/// A role assigned to a user (Keystone's `/v3/projects/{p}/users/{u}/roles/{r}` and the
/// domain and OS-INHERIT forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrantRow {
    pub account_id: AccountId,
    pub user_id: UserId,
    /// A system role's, a custom role's or a Keystone role's id.
    pub role_id: String,
    pub scope: GrantScope,
    /// Unix ms.
    pub created_at: i64,
}

/// Which user grants to read; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct UserGrantFilter {
    pub user_id: Option<String>,
    pub role_id: Option<String>,
    pub scope: Option<GrantScope>,
}

/// A Keystone domain: a Roster account with the fields Keystone gives a domain
/// (migration 0016).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRow {
    pub id: AccountId,
    /// 1-64 of A-Z a-z 0-9 - _, unique.
    pub name: String,
    pub description: String,
    /// A disabled domain's users get no token (Keystone: 401).
    pub enabled: bool,
    /// Unix ms of the last disable: tokens issued before it are refused.
    pub tokens_valid_after: i64,
    /// Unix ms.
    pub created_at: i64,
}

/// Reads of Keystone's data.
pub trait KeystoneRead {
    /// Every domain (account), by name.
    fn domains(&mut self) -> Result<Vec<DomainRow>, Error>;
    fn domain(&mut self, id: &str) -> Result<Option<DomainRow>, Error>;
    /// The role ids `user_id` holds on the system (`system_role_assignments`), sorted.
    fn system_roles_of(&mut self, user_id: &str) -> Result<Vec<String>, Error>;
    /// The accounts with a group of public id `group_id` (a made id is in one account at
    /// most; a chosen id may be in several).
    fn accounts_of_group(&mut self, group_id: &str) -> Result<Vec<String>, Error>;
    /// The global Keystone roles and, when given, those of `domain`, by name.
    fn keystone_roles(&mut self, domain: Option<&AccountId>)
        -> Result<Vec<KeystoneRoleRow>, Error>;
    fn keystone_role(&mut self, id: &str) -> Result<Option<KeystoneRoleRow>, Error>;
    /// Every inference rule (prior role id, implied role id), by prior then implied.
    fn implied_roles(&mut self) -> Result<Vec<(String, String)>, Error>;
    /// The account's user grants passing `filter`, oldest first.
    fn user_grants(
        &mut self,
        account_id: &AccountId,
        filter: &UserGrantFilter,
    ) -> Result<Vec<UserGrantRow>, Error>;
}

/// Writes of Keystone's data, in the write transaction of the operation.
pub trait KeystoneWrite {
    /// Replaces name, description, enabled and tokens_valid_after of the domain `d.id`;
    /// false when there is none. Errors: `Unique` when the name is taken.
    fn update_domain(&mut self, d: &DomainRow) -> Result<bool, Error>;
    /// Deletes the account and every row that names it: its users (their memberships,
    /// keys, grants, system roles), groups, projects (tags, grants), custom roles, identity
    /// policies and their versions and attachments, Keystone roles of the domain, Quick BI
    /// members and export tasks. False when there is no such account.
    fn delete_account(&mut self, id: &AccountId) -> Result<bool, Error>;
    /// Records a system role of the account's user; false when it was there already.
    fn insert_system_role(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        role_id: &str,
        now: i64,
    ) -> Result<bool, Error>;
    /// False when the user had no such system role.
    fn delete_system_role(&mut self, user_id: &str, role_id: &str) -> Result<bool, Error>;
    /// Replaces name, description, enabled, parent and tags of the account's project
    /// `p.id`; false when there is none. Errors: `Unique` when the name is taken.
    fn update_project(&mut self, p: &Project) -> Result<bool, Error>;
    /// Deletes the project with what hangs on it (see the module's doc); false when the
    /// account has no such project.
    fn delete_project(&mut self, account_id: &AccountId, id: &ProjectId) -> Result<bool, Error>;
    /// Errors: `Unique` when the name is taken.
    fn insert_keystone_role(&mut self, r: &KeystoneRoleRow) -> Result<(), Error>;
    /// Replaces name and description. Errors: `Unique` when the name is taken.
    fn update_keystone_role(&mut self, r: &KeystoneRoleRow) -> Result<(), Error>;
    /// Deletes the role, its assignments and its inference rules; false when none.
    fn delete_keystone_role(&mut self, id: &str) -> Result<bool, Error>;
    /// Records a rule; false when it was there already.
    fn insert_implied_role(&mut self, prior: &str, implied: &str, now: i64) -> Result<bool, Error>;
    /// False when there was no such rule.
    fn delete_implied_role(&mut self, prior: &str, implied: &str) -> Result<bool, Error>;
    /// Records a user grant; false when it was there already.
    fn insert_user_grant(&mut self, g: &UserGrantRow) -> Result<bool, Error>;
    /// False when there was no such grant.
    fn delete_user_grant(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        role_id: &str,
        scope: &GrantScope,
    ) -> Result<bool, Error>;
}
