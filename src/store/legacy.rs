//! `core::storage` over the sqlx `Any` code of this module tree: the storage boundary's
//! first implementation, for both backends. `Db::open` now hands the core the native
//! drivers (`store::sqlite`, `store::postgres`); this one stays the reference their tests
//! compare with, and the store of code that opens a `Db` itself (BENCHMARKS.md, issue 13). Each call runs the async sqlx function to completion on
//! the calling (blocking) thread with `Handle::block_on`: the core only calls storage from
//! the blocking pool, where that is allowed.

use std::collections::HashMap;

use tokio::runtime::Handle;

use super::{accounts, credentials, exports, groups, iam, memberships, nonces, org_members};
use super::{users, Backend, Db, Tx};

use crate::core::error::Error;
use crate::core::exports::{ExportTask, TaskFilter, UserBatch};
use crate::core::model::{Account, Group, GroupFilter, Listing, Page, Project, User, UserFilter};
use crate::core::storage::*;

/// A transaction of the sqlx store (read or write: `Db::read` or `Db::write`). Dropped
/// without commit, sqlx rolls it back.
pub struct LegacyTx {
    tx: Tx,
    rt: Handle,
    backend: Backend,
}

/// The sqlx store behind the storage traits. Its calls must come from a thread of the
/// runtime's blocking pool (where the core runs every unit of work): they wait on the
/// runtime with `Handle::block_on`.
impl Storage for Db {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, Error> {
        let rt = Handle::current();
        let tx = rt.block_on(Db::read(self))?;
        Ok(Box::new(LegacyTx {
            tx,
            rt,
            backend: self.backend,
        }))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>, Error> {
        let rt = Handle::current();
        let tx = rt.block_on(Db::write(self))?;
        Ok(Box::new(LegacyTx {
            tx,
            rt,
            backend: self.backend,
        }))
    }

    fn max_concurrency(&self) -> usize {
        self.pool.options().get_max_connections().max(1) as usize
    }

    fn in_lock_order(&self, account_id: &str, mut ids: Vec<String>) -> Vec<String> {
        ids.sort_by_cached_key(|g| groups::key(account_id, g));
        ids
    }
}

/// Runs one sqlx call on the transaction and maps its error.
macro_rules! run {
    ($self:ident, $call:expr) => {{
        let rt = $self.rt.clone();
        rt.block_on(async { $call.await }).map_err(Error::from)
    }};
}

impl ReadTx for LegacyTx {
    fn finish(self: Box<Self>) -> Result<(), Error> {
        let LegacyTx { tx, rt, .. } = *self;
        rt.block_on(tx.commit()).map_err(Error::from)
    }

    fn account(&mut self, id: &str) -> Result<Option<Account>, Error> {
        run!(self, accounts::get(&mut self.tx, id))
    }
    fn account_by_name(&mut self, name: &str) -> Result<Option<Account>, Error> {
        run!(self, accounts::get_by_name(&mut self.tx, name))
    }
    fn account_count(&mut self) -> Result<i64, Error> {
        run!(self, accounts::count(&mut self.tx))
    }
    fn project(&mut self, id: &str) -> Result<Option<Project>, Error> {
        run!(self, accounts::get_project(&mut self.tx, id))
    }
    fn projects_of(&mut self, account_id: &str) -> Result<Vec<Project>, Error> {
        run!(self, accounts::projects_of(&mut self.tx, account_id))
    }
    fn access_key(&mut self, access_key: &str) -> Result<Option<AccessKeyRow>, Error> {
        run!(self, credentials::get(&mut self.tx, access_key))
    }

    fn user(&mut self, account_id: &str, id: &str) -> Result<Option<User>, Error> {
        run!(self, users::get(&mut self.tx, account_id, id))
    }
    fn user_by_name(&mut self, account_id: &str, name: &str) -> Result<Option<User>, Error> {
        run!(self, users::get_by_name(&mut self.tx, account_id, name))
    }
    fn account_of_user(&mut self, user_id: &str) -> Result<Option<String>, Error> {
        run!(self, iam::account_of_user(&mut self.tx, user_id))
    }
    fn password_hash(&mut self, user_id: &str) -> Result<Option<String>, Error> {
        run!(self, users::password_hash(&mut self.tx, user_id))
    }
    fn list_users(
        &mut self,
        account_id: &str,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listing<User>, Error> {
        let backend = self.backend;
        run!(
            self,
            users::list(&mut self.tx, backend, account_id, filter, page)
        )
    }
    fn users_after(
        &mut self,
        account_id: &str,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<User>, Error> {
        let backend = self.backend;
        run!(
            self,
            users::scan(&mut self.tx, backend, account_id, filter, after, limit)
        )
    }
    fn group_names_of(
        &mut self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<String>>, Error> {
        run!(self, users::group_names(&mut self.tx, user_ids))
    }
    fn taken_user_names(
        &mut self,
        account_id: &str,
        names: &[String],
    ) -> Result<Vec<String>, Error> {
        run!(self, users::taken_names(&mut self.tx, account_id, names))
    }
    fn user_count(&mut self, account_id: &str) -> Result<i64, Error> {
        Ok(run!(self, accounts::counts(&mut self.tx, account_id))?.0)
    }
    fn export_users(
        &mut self,
        account_id: &str,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<UserBatch, Error> {
        let backend = self.backend;
        let batch = run!(
            self,
            users::scan_export(&mut self.tx, backend, account_id, filter, after, limit)
        )?;
        users::parse_export(batch).map_err(Error::from)
    }

    fn group(&mut self, account_id: &str, id: &str) -> Result<Option<Group>, Error> {
        run!(self, groups::get(&mut self.tx, account_id, id))
    }
    fn group_by_name(&mut self, account_id: &str, name: &str) -> Result<Option<Group>, Error> {
        run!(self, groups::get_by_name(&mut self.tx, account_id, name))
    }
    fn group_id_taken(&mut self, account_id: &str, id: &str) -> Result<bool, Error> {
        run!(self, groups::id_taken(&mut self.tx, account_id, id))
    }
    fn list_groups(
        &mut self,
        account_id: &str,
        filter: &GroupFilter,
        page: Page,
    ) -> Result<Listing<Group>, Error> {
        let backend = self.backend;
        run!(
            self,
            groups::list(&mut self.tx, backend, account_id, filter, page)
        )
    }
    fn groups_after(
        &mut self,
        account_id: &str,
        filter: &GroupFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Group>, Error> {
        let backend = self.backend;
        run!(
            self,
            groups::scan(&mut self.tx, backend, account_id, filter, after, limit)
        )
    }
    fn groups_of_user(&mut self, user_id: &str, page: Page) -> Result<Listing<Group>, Error> {
        run!(self, groups::of_user(&mut self.tx, user_id, page))
    }
    fn is_member(
        &mut self,
        account_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, Error> {
        run!(
            self,
            memberships::is_member(&mut self.tx, account_id, group_id, user_id)
        )
    }
    fn group_ids_by_folded_names(
        &mut self,
        account_id: &str,
        folded: &[String],
    ) -> Result<Vec<(String, String)>, Error> {
        run!(
            self,
            groups::ids_by_folded_names(&mut self.tx, account_id, folded)
        )
    }
    fn group_names_by_ids(
        &mut self,
        account_id: &str,
        ids: &[&str],
    ) -> Result<Vec<(String, i64, String)>, Error> {
        run!(self, groups::names_by_ids(&mut self.tx, account_id, ids))
    }

    fn export_task(&mut self, project_id: &str, id: &str) -> Result<Option<ExportTask>, Error> {
        run!(self, exports::get(&mut self.tx, project_id, id))
    }
    fn list_export_tasks(
        &mut self,
        project_id: &str,
        filter: &TaskFilter,
        page: Page,
    ) -> Result<Listing<ExportTask>, Error> {
        run!(self, exports::list(&mut self.tx, project_id, filter, page))
    }
    fn export_chunk(&mut self, task_id: &str, seq: i64) -> Result<Option<Vec<u8>>, Error> {
        run!(self, exports::chunk(&mut self.tx, task_id, seq))
    }
    fn export_task_ids(&mut self, project_id: &str, ids: &[String]) -> Result<Vec<String>, Error> {
        run!(self, exports::existing_ids(&mut self.tx, project_id, ids))
    }

    fn org_members(&mut self, user_ids: &[String]) -> Result<HashMap<String, MemberRow>, Error> {
        run!(self, org_members::get_many(&mut self.tx, user_ids))
    }
    fn role_holders(
        &mut self,
        account_id: &str,
        role_id: i64,
        root_default: i64,
        default: i64,
        keyword: Option<&str>,
        page: Page,
    ) -> Result<Listing<RoleHolder>, Error> {
        let backend = self.backend;
        run!(
            self,
            org_members::role_holders(
                &mut self.tx,
                backend,
                account_id,
                role_id,
                root_default,
                default,
                keyword,
                page,
            )
        )
    }

    fn token_keys(&mut self) -> Result<Vec<TokenKeyRow>, Error> {
        run!(self, iam::token_keys(&mut self.tx))
    }
    fn revoked_since(&mut self, now: i64, since: i64) -> Result<Vec<(String, i64)>, Error> {
        run!(self, iam::revoked_since(&mut self.tx, now, since))
    }
    fn login_failures(&mut self, subject: &str) -> Result<Option<(i64, i64)>, Error> {
        run!(self, iam::login_failures(&mut self.tx, subject))
    }
}

/// A unique violation of sqlx becomes the core's `Error::Unique`; the rest as `From` maps.
fn unique(e: sqlx::Error) -> Error {
    if crate::store::is_unique_violation(&e) {
        Error::Unique(e.to_string())
    } else {
        Error::from(e)
    }
}

/// As `run!`, with unique violations kept apart (`Error::Unique`).
macro_rules! run_unique {
    ($self:ident, $call:expr) => {{
        let rt = $self.rt.clone();
        rt.block_on(async { $call.await }).map_err(unique)
    }};
}

impl WriteTx for LegacyTx {
    fn commit(self: Box<Self>) -> Result<(), Error> {
        let LegacyTx { tx, rt, .. } = *self;
        rt.block_on(tx.commit()).map_err(Error::from)
    }

    fn insert_account(&mut self, a: &Account) -> Result<(), Error> {
        run_unique!(self, accounts::insert(&mut self.tx, a))
    }
    fn insert_project(&mut self, p: &Project) -> Result<(), Error> {
        run_unique!(self, accounts::insert_project(&mut self.tx, p))
    }
    fn insert_access_key(&mut self, k: &AccessKeyRow, now: i64) -> Result<(), Error> {
        run_unique!(self, credentials::insert(&mut self.tx, k, now))
    }

    fn insert_users(&mut self, rows: &[UserRecord]) -> Result<(), Error> {
        run_unique!(self, users::insert_many(&mut self.tx, rows))
    }
    fn user_for_update(&mut self, account_id: &str, id: &str) -> Result<Option<User>, Error> {
        run!(self, users::get_for_update(&mut self.tx, account_id, id))
    }
    fn lock_users(
        &mut self,
        account_id: &str,
        ids: &[String],
        lock: RowLock,
    ) -> Result<Vec<String>, Error> {
        run!(self, users::lock(&mut self.tx, account_id, ids, lock))
    }
    fn update_user(
        &mut self,
        u: &mut User,
        password_hash: Option<Option<String>>,
    ) -> Result<(), Error> {
        run_unique!(self, users::update(&mut self.tx, u, password_hash))
    }
    fn delete_users(&mut self, account_id: &str, ids: &[String]) -> Result<(), Error> {
        run!(self, users::delete_many(&mut self.tx, account_id, ids))
    }

    fn insert_groups(&mut self, rows: &[Group]) -> Result<(), Error> {
        run_unique!(self, groups::insert_many(&mut self.tx, rows))
    }
    fn update_group(&mut self, g: &Group) -> Result<(), Error> {
        run_unique!(self, groups::update_fields(&mut self.tx, g))
    }
    fn lock_hierarchy(&mut self, account_id: &str) -> Result<(), Error> {
        run!(self, groups::lock_hierarchy(&mut self.tx, account_id))
    }
    fn lock_groups(
        &mut self,
        account_id: &str,
        ids: &[String],
        lock: RowLock,
    ) -> Result<Vec<String>, Error> {
        run!(self, groups::lock(&mut self.tx, account_id, ids, lock))
    }
    fn subtree_max_depth(&mut self, account_id: &str, path: &str) -> Result<i64, Error> {
        run!(
            self,
            groups::subtree_max_depth(&mut self.tx, account_id, path)
        )
    }
    fn subtree_ids(&mut self, account_id: &str, path: &str) -> Result<Vec<String>, Error> {
        run!(self, groups::subtree_ids(&mut self.tx, account_id, path))
    }
    fn move_subtree(
        &mut self,
        account_id: &str,
        group_id: &str,
        new_parent: Option<&str>,
        old_path: &str,
        new_path: &str,
        depth_delta: i64,
        by: &str,
        now: i64,
    ) -> Result<(), Error> {
        run!(
            self,
            groups::move_subtree(
                &mut self.tx,
                account_id,
                group_id,
                new_parent,
                old_path,
                new_path,
                depth_delta,
                by,
                now,
            )
        )
    }
    fn delete_groups(&mut self, _account_id: &str, ids: &[String]) -> Result<(), Error> {
        run!(self, groups::delete_many(&mut self.tx, ids))
    }

    fn add_members(
        &mut self,
        account_id: &str,
        group_id: &str,
        user_ids: &[String],
        now: i64,
    ) -> Result<i64, Error> {
        run!(
            self,
            memberships::add(&mut self.tx, account_id, group_id, user_ids, now)
        )
    }
    fn remove_members(
        &mut self,
        account_id: &str,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error> {
        run!(
            self,
            memberships::remove(&mut self.tx, account_id, group_id, user_ids)
        )
    }
    fn load_memberships(&mut self, pairs: &[(&str, &str)], now: i64) -> Result<(), Error> {
        run!(self, memberships::load(&mut self.tx, pairs, now))
    }
    fn recount_members(&mut self, account_id: &str) -> Result<(), Error> {
        run!(self, memberships::recount(&mut self.tx, account_id))
    }

    fn insert_export_task(&mut self, t: &ExportTask) -> Result<(), Error> {
        run_unique!(self, exports::insert(&mut self.tx, t))
    }
    fn give_up_abandoned_exports(&mut self, now: i64, max_attempts: i64) -> Result<u64, Error> {
        run!(
            self,
            exports::give_up_abandoned(&mut self.tx, now, max_attempts)
        )
    }
    fn claim_export(
        &mut self,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<ExportTask>, Error> {
        let backend = self.backend;
        run!(
            self,
            exports::claim(&mut self.tx, backend, owner, now, until)
        )
    }
    fn renew_export(&mut self, id: &str, owner: &str, until: i64) -> Result<bool, Error> {
        run!(self, exports::renew(&mut self.tx, id, owner, until))
    }
    fn insert_export_chunk(&mut self, task_id: &str, seq: i64, data: &[u8]) -> Result<(), Error> {
        run!(
            self,
            exports::insert_chunk(&mut self.tx, task_id, seq, data.to_vec())
        )
    }
    fn finish_export(
        &mut self,
        id: &str,
        owner: &str,
        now: i64,
        rows: i64,
        size: i64,
        expires_at: i64,
    ) -> Result<bool, Error> {
        run!(
            self,
            exports::finish(&mut self.tx, id, owner, now, rows, size, expires_at)
        )
    }
    fn fail_export(
        &mut self,
        id: &str,
        owner: &str,
        now: i64,
        code: &str,
        reason: &str,
    ) -> Result<bool, Error> {
        run!(
            self,
            exports::fail(&mut self.tx, id, owner, now, code, reason)
        )
    }
    fn mark_export_downloaded(&mut self, id: &str) -> Result<(), Error> {
        run!(self, exports::mark_downloaded(&mut self.tx, id))
    }
    fn delete_export_tasks(&mut self, project_id: &str, ids: &[String]) -> Result<u64, Error> {
        run!(self, exports::delete_many(&mut self.tx, project_id, ids))
    }
    fn expire_exports(&mut self, now: i64) -> Result<u64, Error> {
        run!(self, exports::expire(&mut self.tx, now))
    }

    fn upsert_org_member(&mut self, m: &MemberRow, now: i64) -> Result<(), Error> {
        run!(self, org_members::upsert(&mut self.tx, m, now))
    }

    fn insert_token_key(&mut self, k: &TokenKeyRow) -> Result<(), Error> {
        run_unique!(self, iam::insert_token_key(&mut self.tx, k))
    }
    fn delete_token_key(&mut self, id: &str) -> Result<(), Error> {
        run!(self, iam::delete_token_key(&mut self.tx, id))
    }
    fn revoke_token(&mut self, token_id: &str, expires_at: i64, now: i64) -> Result<(), Error> {
        run!(self, iam::revoke(&mut self.tx, token_id, expires_at, now))
    }
    fn purge_revoked(&mut self, now: i64) -> Result<u64, Error> {
        run!(self, iam::purge_revoked(&mut self.tx, now))
    }
    fn add_login_failure(
        &mut self,
        subject: &str,
        now: i64,
        stale_before: i64,
    ) -> Result<(), Error> {
        run!(
            self,
            iam::add_login_failure(&mut self.tx, subject, now, stale_before)
        )
    }
    fn clear_login_failures(&mut self, subject: &str) -> Result<(), Error> {
        run!(self, iam::clear_login_failures(&mut self.tx, subject))
    }
    fn purge_login_failures(&mut self, stale_before: i64) -> Result<u64, Error> {
        run!(self, iam::purge_login_failures(&mut self.tx, stale_before))
    }

    fn claim_nonce(
        &mut self,
        access_key: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, Error> {
        run!(
            self,
            nonces::claim(&mut self.tx, access_key, nonce, expires_at)
        )
    }
    fn purge_nonces(&mut self, now: i64) -> Result<u64, Error> {
        run!(self, nonces::purge(&mut self.tx, now))
    }
}
