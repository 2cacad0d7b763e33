//! The storage boundary: what the core needs from a database, defined here so that the
//! core knows nothing of SQL or of any driver (as lldap's backend handler traits). `store`
//! implements it once per backend; the core holds only an `Arc<dyn Storage>`.
//!
//! A unit of work is one transaction: the core opens it with [`Storage::read`] or
//! [`Storage::write`], calls the transaction's methods, and ends it with `commit` (a
//! transaction dropped without `commit` is rolled back, so an error anywhere changes
//! nothing). Every call here is **blocking**: the core runs units of work on the blocking
//! thread pool (`Directory::reading` / `Directory::writing`), never on the async threads,
//! so a driver may do its I/O synchronously (SQLite is a library call; no per-row hand-off
//! between threads).
//!
//! What the store guarantees beneath these methods (the core relies on it, and never does
//! it itself): folded search columns are written with every name and description
//! ([`crate::core::text::fold`]); the accounts' kept user and group counts change with every
//! insert and delete; a group's `user_quantity` changes by the memberships really inserted
//! or deleted; group ids are unique per account (a chosen id never names another account's
//! group); a unique constraint broken by a write is [`Error::Unique`]; a lost transaction
//! conflict is [`Error::Contention`] (the transaction was rolled back whole and may run
//! again); an unreachable database is [`Error::Unavailable`].

use std::collections::HashMap;

use crate::core::error::Error;
use crate::core::exports::{ExportTask, TaskFilter, UserBatch};
use crate::core::model::{
    Account, AccountId, ActiveType, Group, GroupFilter, Listing, Page, PlatformType, Project, User,
    UserFilter, UserId,
};

/// A page of users with the names of each one's groups: user id -> group names in group
/// creation order (users without groups are left out). What user lists show.
pub type UsersWithGroups = (Listing<User>, HashMap<String, Vec<String>>);

/// A user row as the core writes it; the store derives the folded columns.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    pub email: String,
    pub phone: String,
    pub alias_name: String,
    pub active_type: ActiveType,
    pub platform_type: PlatformType,
    pub domain: String,
    pub enterprise_project_id: String,
    pub user_info_map: String,
    /// Unix ms; 0 = never.
    pub account_expires: i64,
    /// The argon2id PHC string; None = no password (activation pending).
    pub password_hash: Option<String>,
    pub enable_change_password: bool,
    pub next_login_change_password: bool,
    pub password_never_expired: bool,
    pub locked: bool,
    pub disabled: bool,
    pub is_root: bool,
    /// Unix ms; also the first `updated_at`.
    pub created_at: i64,
    /// Unix ms when the password expires; 0: never.
    pub password_expires_at: i64,
    /// Keystone's `default_project_id`; empty: none.
    pub default_project_id: String,
    /// Keystone's user options, a JSON object.
    pub options: String,
}

/// An access key as stored: the secret sealed with the master key (`auth::sealing`).
#[derive(Debug, Clone)]
pub struct AccessKeyRow {
    pub access_key: String,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub secret_sealed: String,
    /// On write: the key's own status (`active` / `inactive`). On read: the key is active
    /// and its user neither disabled nor locked.
    pub active: bool,
    /// On read: the key's user is the account's root user (ignored on write).
    pub is_root: bool,
    /// What the owner says the key is for (at most 255 characters; empty = none).
    pub description: String,
}

/// An access key as its owner manages it (IAM `OS-CREDENTIAL` and v5 access keys): no
/// secret. Times are Unix ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyInfo {
    pub access_key: String,
    pub account_id: AccountId,
    pub user_id: UserId,
    /// The key's own status: `active` (true) or `inactive`; the user's state aside.
    pub active: bool,
    pub description: String,
    pub created_at: i64,
    /// The last request the key signed, as recorded (at most a minute late); 0 = never.
    pub last_used_at: i64,
}

/// What an update of an access key changes: each `Some` field is written.
#[derive(Debug, Clone, Default)]
pub struct AccessKeyPatch {
    pub active: Option<bool>,
    pub description: Option<String>,
}

/// An IAM token key as stored (sealed with the master key, bound to `token-key:<id>`).
#[derive(Debug, Clone)]
pub struct TokenKeyRow {
    pub id: String,
    pub key_sealed: String,
    /// Unix ms.
    pub created_at: i64,
}

/// The Quick BI attributes of a user (`quickbi_members`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub user_id: UserId,
    pub account_id: AccountId,
    pub user_type: i64,
    pub role_ids: Vec<i64>,
    pub copilot_modules: Vec<String>,
    pub aliyun_account_id: String,
}

/// A user holding an organization role: what ListOrganizationRoleUsers shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHolder {
    pub user_id: UserId,
    pub name: String,
    pub alias_name: String,
}

/// How a write holds rows it read until it commits (PostgreSQL row locks; SQLite's single
/// writer holds the whole database already). Writers lock in one order: users, then the
/// account row, then groups, each set in stored-key order, so they cannot deadlock
/// (ARCHITECTURE.md, "user_quantity is exact").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    /// The row stays (a membership write keeps its user and groups from being deleted
    /// until it commits); other such writers go on at once. PostgreSQL `FOR KEY SHARE`.
    KeyShare,
    /// The row's counters are about to change. PostgreSQL `FOR NO KEY UPDATE`.
    NoKeyUpdate,
    /// The row is about to be deleted: waits for every writer holding it. `FOR UPDATE`.
    Update,
}

/// A database the directory lives in.
pub trait Storage: Send + Sync + 'static {
    /// Opens a read transaction: one consistent snapshot for everything read through it.
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, Error>;
    /// Opens a write transaction. On SQLite it holds the database's one write lock from the
    /// start (`BEGIN IMMEDIATE`), so it never fails half-way on lock upgrade.
    fn write(&self) -> Result<Box<dyn WriteTx + '_>, Error>;
    /// How many units of work may usefully run at once (the connection pool's size): the
    /// core never has more in flight, so no blocking thread waits on the pool.
    fn max_concurrency(&self) -> usize;
    /// Group ids in the order in which the store locks and updates their rows (stored-key
    /// order): writers that touch several groups go through them in this order.
    fn in_lock_order(&self, account_id: &str, group_ids: Vec<String>) -> Vec<String>;
}

/// Reads, inside a read or a write transaction. Lists take a filter and a page; lookups of
/// many things take them all at once (one query, not one per item).
pub trait ReadTx:
    crate::core::authz::store::AuthzRead
    + crate::core::keystone::KeystoneRead
    + crate::core::catalog::CatalogRead
    + crate::core::keystone_credentials::CredentialRead
    + crate::core::policy::SecurityRead
    + crate::core::application_credentials::AppCredRead
{
    /// Ends a read transaction (a write transaction's reads end with its `commit`).
    fn finish(self: Box<Self>) -> Result<(), Error>;

    // accounts, projects, keys
    fn account(&mut self, id: &str) -> Result<Option<Account>, Error>;
    fn account_by_name(&mut self, name: &str) -> Result<Option<Account>, Error>;
    fn account_count(&mut self) -> Result<i64, Error>;
    fn project(&mut self, id: &str) -> Result<Option<Project>, Error>;
    /// The account's projects, oldest first.
    fn projects_of(&mut self, account_id: &AccountId) -> Result<Vec<Project>, Error>;
    fn access_key(&mut self, access_key: &str) -> Result<Option<AccessKeyRow>, Error>;
    /// The account's access key `access_key` (another account's key is `None`).
    fn access_key_info(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<Option<AccessKeyInfo>, Error>;
    /// The access keys of the account's user `user_id`, oldest first (then by key).
    fn access_keys_of(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
    ) -> Result<Vec<AccessKeyInfo>, Error>;

    // users
    fn user(&mut self, account_id: &AccountId, id: &str) -> Result<Option<User>, Error>;
    /// The user whose folded name is the folded `name`.
    fn user_by_name(&mut self, account_id: &AccountId, name: &str) -> Result<Option<User>, Error>;
    /// The account of a user found by id alone (a token request may name only the user).
    fn account_of_user(&mut self, user_id: &str) -> Result<Option<String>, Error>;
    fn password_hash(&mut self, user_id: &str) -> Result<Option<String>, Error>;
    /// A page of the account's users passing `filter`, in creation order, with the number
    /// of all that pass it.
    fn list_users(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listing<User>, Error>;
    /// Up to `limit` users passing `filter` with `seq` above `after`, in creation order.
    fn users_after(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<User>, Error>;
    /// `list_users` and the `group_names_of` its users, in one call: what user lists show.
    /// A backend may answer both with one statement (PostgreSQL: one statement is one
    /// snapshot and one round trip); the default makes the two calls.
    fn list_users_with_groups(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<UsersWithGroups, Error> {
        let listing = self.list_users(account_id, filter, page)?;
        let ids: Vec<String> = listing.items.iter().map(|u| u.id.to_string()).collect();
        let names = self.group_names_of(&ids)?;
        Ok((listing, names))
    }
    /// The names of each user's groups, in group creation order (users without groups are
    /// left out).
    fn group_names_of(
        &mut self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<String>>, Error>;
    /// The folded names among `names` (compared folded) that users of the account hold.
    fn taken_user_names(
        &mut self,
        account_id: &AccountId,
        names: &[String],
    ) -> Result<Vec<String>, Error>;
    /// The account's number of users (all of them; the kept counter).
    fn user_count(&mut self, account_id: &AccountId) -> Result<i64, Error>;
    /// An export's next batch: up to `limit` users passing `filter` with `seq` above
    /// `after`, with their group ids (names are filled by the core).
    fn export_users(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<UserBatch, Error>;

    // groups
    fn group(&mut self, account_id: &AccountId, id: &str) -> Result<Option<Group>, Error>;
    fn group_by_name(&mut self, account_id: &AccountId, name: &str)
        -> Result<Option<Group>, Error>;
    /// Whether the account has a group with this id.
    fn group_id_taken(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error>;
    /// A page of the account's groups passing `filter` (each with its parent), in creation
    /// order, with the number of all that pass it.
    fn list_groups(
        &mut self,
        account_id: &AccountId,
        filter: &GroupFilter,
        page: Page,
    ) -> Result<Listing<Group>, Error>;
    /// Up to `limit` groups (with parents) passing `filter` with `seq` above `after`.
    fn groups_after(
        &mut self,
        account_id: &AccountId,
        filter: &GroupFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Group>, Error>;
    /// A page of the groups the user is a direct member of, in group creation order.
    fn groups_of_user(&mut self, user_id: &str, page: Page) -> Result<Listing<Group>, Error>;
    fn is_member(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, Error>;
    /// `(folded name, id)` of the account's groups whose folded name is among `folded`.
    fn group_ids_by_folded_names(
        &mut self,
        account_id: &AccountId,
        folded: &[String],
    ) -> Result<Vec<(String, String)>, Error>;
    /// `(id, seq, name)` of the account's groups among `ids` (ids as `export_users` gives
    /// them).
    fn group_names_by_ids(
        &mut self,
        account_id: &AccountId,
        ids: &[&str],
    ) -> Result<Vec<(String, i64, String)>, Error>;

    // export tasks
    fn export_task(&mut self, project_id: &str, id: &str) -> Result<Option<ExportTask>, Error>;
    /// A page of the project's tasks, in `filter.sort` order (then by id), with their number.
    fn list_export_tasks(
        &mut self,
        project_id: &str,
        filter: &TaskFilter,
        page: Page,
    ) -> Result<Listing<ExportTask>, Error>;
    /// Piece `seq` (from 0) of a task's file.
    fn export_chunk(&mut self, task_id: &str, seq: i64) -> Result<Option<Vec<u8>>, Error>;
    /// The project's task ids among `ids`.
    fn export_task_ids(&mut self, project_id: &str, ids: &[String]) -> Result<Vec<String>, Error>;

    // Quick BI attributes
    /// The attribute rows of those of `user_ids` that have one.
    fn org_members(&mut self, user_ids: &[String]) -> Result<HashMap<String, MemberRow>, Error>;
    /// Users of the account holding `role_id` (their row lists it, or they have no row and
    /// it is their default: `root_default` for the root user, `default` for the others),
    /// optionally with `keyword` in the nick name; in creation order.
    #[allow(clippy::too_many_arguments)]
    fn role_holders(
        &mut self,
        account_id: &AccountId,
        role_id: i64,
        root_default: i64,
        default: i64,
        keyword: Option<&str>,
        page: Page,
    ) -> Result<Listing<RoleHolder>, Error>;

    // IAM state
    /// Every token key, the newest (the primary) first.
    fn token_keys(&mut self) -> Result<Vec<TokenKeyRow>, Error>;
    /// (token id, expires_at) of tokens unexpired at `now` revoked at or after `since`.
    fn revoked_since(&mut self, now: i64, since: i64) -> Result<Vec<(String, i64)>, Error>;
    /// (window start, failures) of a login subject, if it has a row.
    fn login_failures(&mut self, subject: &str) -> Result<Option<(i64, i64)>, Error>;
}

/// A write transaction: its reads see its own writes; nothing is visible to others before
/// `commit`, and nothing is kept without it.
pub trait WriteTx:
    ReadTx
    + crate::core::authz::store::AuthzWrite
    + crate::core::keystone::KeystoneWrite
    + crate::core::catalog::CatalogWrite
    + crate::core::keystone_credentials::CredentialWrite
    + crate::core::policy::SecurityWrite
    + crate::core::application_credentials::AppCredWrite
{
    fn commit(self: Box<Self>) -> Result<(), Error>;

    // accounts, projects, keys
    fn insert_account(&mut self, a: &Account) -> Result<(), Error>;
    fn insert_project(&mut self, p: &Project) -> Result<(), Error>;
    fn insert_access_key(&mut self, k: &AccessKeyRow, now: i64) -> Result<(), Error>;
    /// Writes the patch's fields to the account's key; false when there is no such key.
    fn update_access_key(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
        patch: &AccessKeyPatch,
    ) -> Result<bool, Error>;
    /// Deletes the account's key; false when there is no such key.
    fn delete_access_key(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<bool, Error>;
    /// Records that the key signed a request at `now`, unless a use at or after
    /// `not_before` is recorded already (so nodes write it at most about once a minute).
    fn touch_access_key(
        &mut self,
        access_key: &str,
        now: i64,
        not_before: i64,
    ) -> Result<(), Error>;

    // users
    /// Inserts users (at most 1,000 at a time) and counts them in their accounts.
    fn insert_users(&mut self, users: &[UserRecord]) -> Result<(), Error>;
    /// The user, held until the transaction ends (every read-modify-write of a user reads
    /// through here, so two updates cannot both start from the same copy).
    fn user_for_update(&mut self, account_id: &AccountId, id: &str) -> Result<Option<User>, Error>;
    /// Holds the account's users among `ids` (sorted) in id order; returns those that exist.
    fn lock_users(
        &mut self,
        account_id: &AccountId,
        ids: &[String],
        lock: RowLock,
    ) -> Result<Vec<String>, Error>;
    /// Writes every field of `u` back; `password_hash` Some replaces the password (and sets
    /// `password_changed_at`). Sets `u.tokens_valid_after` to what the row now holds: an
    /// update that finds or leaves the user disabled, locked or expired moves it to
    /// `u.updated_at`.
    fn update_user(
        &mut self,
        u: &mut User,
        password_hash: Option<Option<String>>,
    ) -> Result<(), Error>;
    /// Deletes users (held with `RowLock::Update`) with their memberships (lowering each
    /// group's `user_quantity` by what was really removed), keys and Quick BI attributes.
    fn delete_users(&mut self, account_id: &AccountId, ids: &[String]) -> Result<(), Error>;

    // groups
    /// Inserts groups (parents before children) and counts them in their accounts.
    fn insert_groups(&mut self, groups: &[Group]) -> Result<(), Error>;
    /// Writes the group's name, description, `updated_by` and `updated_at` back.
    fn update_group(&mut self, g: &Group) -> Result<(), Error>;
    /// Serialises hierarchy changes of one account until the transaction ends.
    fn lock_hierarchy(&mut self, account_id: &AccountId) -> Result<(), Error>;
    /// Holds the account's groups among `ids`; returns those of `ids` that exist.
    fn lock_groups(
        &mut self,
        account_id: &AccountId,
        ids: &[String],
        lock: RowLock,
    ) -> Result<Vec<String>, Error>;
    /// The greatest depth in the subtree whose root has path `path`.
    fn subtree_max_depth(&mut self, account_id: &AccountId, path: &str) -> Result<i64, Error>;
    /// Ids of the subtree rooted at the group with path `path`, deepest first.
    fn subtree_ids(&mut self, account_id: &AccountId, path: &str) -> Result<Vec<String>, Error>;
    /// Re-roots the subtree at `old_path` to `new_path`, shifting depths by `depth_delta`,
    /// and sets the moved group's parent.
    #[allow(clippy::too_many_arguments)]
    fn move_subtree(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        new_parent: Option<&str>,
        old_path: &str,
        new_path: &str,
        depth_delta: i64,
        by: &str,
        now: i64,
    ) -> Result<(), Error>;
    /// Deletes whole subtrees (a parent's children are among `ids`, which are held with
    /// `RowLock::Update`) with their memberships.
    fn delete_groups(&mut self, account_id: &AccountId, ids: &[String]) -> Result<(), Error>;

    // memberships
    /// Adds users (sorted ids) to the group; returns how many were not members.
    fn add_members(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_ids: &[String],
        now: i64,
    ) -> Result<i64, Error>;
    /// Removes users from the group; returns how many were members.
    fn remove_members(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error>;
    /// Bulk loading (`roster seed`): inserts `(group id, user id)` pairs, sorted, skipping
    /// those already there, without touching `user_quantity` (see `recount_members`).
    fn load_memberships(&mut self, pairs: &[(&str, &str)], now: i64) -> Result<(), Error>;
    /// Sets every group's `user_quantity` of the account to its number of members.
    fn recount_members(&mut self, account_id: &AccountId) -> Result<(), Error>;

    // export tasks
    fn insert_export_task(&mut self, t: &ExportTask) -> Result<(), Error>;
    /// Tasks interrupted `max_attempts` times whose lease ran out end as FAIL.
    fn give_up_abandoned_exports(&mut self, now: i64, max_attempts: i64) -> Result<u64, Error>;
    /// Claims the oldest task nobody holds: a lease for `owner` until `until`.
    fn claim_export(
        &mut self,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<ExportTask>, Error>;
    /// Extends `owner`'s lease; false when the task is no longer its own.
    fn renew_export(&mut self, id: &str, owner: &str, until: i64) -> Result<bool, Error>;
    fn insert_export_chunk(&mut self, task_id: &str, seq: i64, data: &[u8]) -> Result<(), Error>;
    /// Marks `owner`'s task SUCCESS; false (nothing written) when it is no longer its own.
    #[allow(clippy::too_many_arguments)]
    fn finish_export(
        &mut self,
        id: &str,
        owner: &str,
        now: i64,
        rows: i64,
        size: i64,
        expires_at: i64,
    ) -> Result<bool, Error>;
    /// Marks `owner`'s task FAIL with the kind of error that ended it.
    fn fail_export(
        &mut self,
        id: &str,
        owner: &str,
        now: i64,
        code: &str,
        reason: &str,
    ) -> Result<bool, Error>;
    fn mark_export_downloaded(&mut self, id: &str) -> Result<(), Error>;
    /// Deletes the project's tasks among `ids` with their files; returns how many.
    fn delete_export_tasks(&mut self, project_id: &str, ids: &[String]) -> Result<u64, Error>;
    /// Files of finished tasks past their time go; the tasks stay as EXPIRED.
    fn expire_exports(&mut self, now: i64) -> Result<u64, Error>;

    // Quick BI attributes
    fn upsert_org_member(&mut self, m: &MemberRow, now: i64) -> Result<(), Error>;

    // IAM state
    fn insert_token_key(&mut self, k: &TokenKeyRow) -> Result<(), Error>;
    fn delete_token_key(&mut self, id: &str) -> Result<(), Error>;
    /// Records a revocation; revoking twice is not an error.
    fn revoke_token(&mut self, token_id: &str, expires_at: i64, now: i64) -> Result<(), Error>;
    /// Drops revocations of tokens expired at `now`.
    fn purge_revoked(&mut self, now: i64) -> Result<u64, Error>;
    /// Counts one failure: a window that started at or before `stale_before` starts again.
    fn add_login_failure(
        &mut self,
        subject: &str,
        now: i64,
        stale_before: i64,
    ) -> Result<(), Error>;
    fn clear_login_failures(&mut self, subject: &str) -> Result<(), Error>;
    /// Deletes the rows whose window started at or before `stale_before` and whose lockout
    /// (if any) ended by then.
    fn purge_login_failures(&mut self, stale_before: i64) -> Result<u64, Error>;

    // signature nonces
    /// Records a nonce until `expires_at`; false when it was recorded before (a replay).
    fn claim_nonce(
        &mut self,
        access_key: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, Error>;
    /// Forgets nonces expired before `now`.
    fn purge_nonces(&mut self, now: i64) -> Result<u64, Error>;
}
