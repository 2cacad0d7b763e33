//! `WriteTx` and `Storage`: each write method is one function of the subject modules on
//! the write transaction's connection. SQLite has one writer at a time (`BEGIN IMMEDIATE`
//! holds the database's write lock from the start), so the row locks of `RowLock` are only
//! lookups here.

use super::{accounts, exports, groups, state, users, SqliteStore, SqliteTx, SqliteWrite};
use crate::core::exports::ExportTask;
use crate::core::model::{Account, AccountId, Group, Project, User};
use crate::core::storage::{
    AccessKeyPatch, AccessKeyRow, MemberRow, ReadTx, RowLock, Storage, TokenKeyRow, UserRecord,
    WriteTx,
};
use crate::core::Error;

impl Storage for SqliteStore {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, Error> {
        Ok(Box::new(self.begin_read()?))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>, Error> {
        Ok(Box::new(self.begin_write()?))
    }

    fn max_concurrency(&self) -> usize {
        self.pool.max_size() as usize
    }

    fn in_lock_order(&self, account_id: &str, mut group_ids: Vec<String>) -> Vec<String> {
        group_ids.sort_by_cached_key(|id| crate::store::common::key(account_id, id));
        group_ids
    }
}

impl SqliteStore {
    /// Opens a write transaction (what `Storage::write` boxes). Waits up to the busy
    /// timeout for the write lock; `Error::Unavailable` after it.
    pub fn begin_write(&self) -> Result<SqliteWrite, Error> {
        SqliteTx::begin(self.connection()?)
    }
}

impl WriteTx for SqliteTx<true> {
    fn commit(self: Box<Self>) -> Result<(), Error> {
        self.end("COMMIT")
    }

    fn insert_account(&mut self, a: &Account) -> Result<(), Error> {
        Ok(accounts::insert(&self.conn, a)?)
    }

    fn insert_project(&mut self, p: &Project) -> Result<(), Error> {
        Ok(accounts::insert_project(&self.conn, p)?)
    }

    fn insert_access_key(&mut self, k: &AccessKeyRow, now: i64) -> Result<(), Error> {
        Ok(accounts::insert_access_key(&self.conn, k, now)?)
    }

    fn update_access_key(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
        patch: &AccessKeyPatch,
    ) -> Result<bool, Error> {
        Ok(accounts::update_access_key(
            &self.conn, account_id, access_key, patch,
        )?)
    }

    fn delete_access_key(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<bool, Error> {
        Ok(accounts::delete_access_key(
            &self.conn, account_id, access_key,
        )?)
    }

    fn touch_access_key(
        &mut self,
        access_key: &str,
        now: i64,
        not_before: i64,
    ) -> Result<(), Error> {
        Ok(accounts::touch_access_key(
            &self.conn, access_key, now, not_before,
        )?)
    }

    fn insert_users(&mut self, users: &[UserRecord]) -> Result<(), Error> {
        Ok(users::insert_many(&self.conn, users)?)
    }

    fn user_for_update(&mut self, account_id: &AccountId, id: &str) -> Result<Option<User>, Error> {
        // the write transaction holds the database: nobody else changes the row meanwhile
        Ok(users::get(&self.conn, account_id, id)?)
    }

    fn lock_users(
        &mut self,
        account_id: &AccountId,
        ids: &[String],
        _lock: RowLock,
    ) -> Result<Vec<String>, Error> {
        Ok(users::existing(&self.conn, account_id, ids)?)
    }

    fn update_user(
        &mut self,
        u: &mut User,
        password_hash: Option<Option<String>>,
    ) -> Result<(), Error> {
        Ok(users::update(&self.conn, u, password_hash)?)
    }

    fn delete_users(&mut self, account_id: &AccountId, ids: &[String]) -> Result<(), Error> {
        Ok(users::delete_many(&self.conn, account_id, ids)?)
    }

    fn insert_groups(&mut self, groups: &[Group]) -> Result<(), Error> {
        Ok(groups::insert_many(&self.conn, groups)?)
    }

    fn update_group(&mut self, g: &Group) -> Result<(), Error> {
        Ok(groups::update_fields(&self.conn, g)?)
    }

    fn lock_hierarchy(&mut self, account_id: &AccountId) -> Result<(), Error> {
        Ok(groups::lock_hierarchy(&self.conn, account_id)?)
    }

    fn lock_groups(
        &mut self,
        account_id: &AccountId,
        ids: &[String],
        _lock: RowLock,
    ) -> Result<Vec<String>, Error> {
        Ok(groups::existing(&self.conn, account_id, ids)?)
    }

    fn subtree_max_depth(&mut self, account_id: &AccountId, path: &str) -> Result<i64, Error> {
        Ok(groups::subtree_max_depth(&self.conn, account_id, path)?)
    }

    fn subtree_ids(&mut self, account_id: &AccountId, path: &str) -> Result<Vec<String>, Error> {
        Ok(groups::subtree_ids(&self.conn, account_id, path)?)
    }

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
    ) -> Result<(), Error> {
        Ok(groups::move_subtree(
            &self.conn,
            account_id,
            group_id,
            new_parent,
            old_path,
            new_path,
            depth_delta,
            by,
            now,
        )?)
    }

    fn delete_groups(&mut self, account_id: &AccountId, ids: &[String]) -> Result<(), Error> {
        Ok(groups::delete_many(&self.conn, account_id, ids)?)
    }

    fn add_members(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_ids: &[String],
        now: i64,
    ) -> Result<i64, Error> {
        Ok(groups::add_members(
            &self.conn, account_id, group_id, user_ids, now,
        )?)
    }

    fn remove_members(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error> {
        Ok(groups::remove_members(
            &self.conn, account_id, group_id, user_ids,
        )?)
    }

    fn load_memberships(&mut self, pairs: &[(&str, &str)], now: i64) -> Result<(), Error> {
        Ok(groups::load(&self.conn, pairs, now)?)
    }

    fn recount_members(&mut self, account_id: &AccountId) -> Result<(), Error> {
        Ok(groups::recount(&self.conn, account_id)?)
    }

    fn insert_export_task(&mut self, t: &ExportTask) -> Result<(), Error> {
        Ok(exports::insert(&self.conn, t)?)
    }

    fn give_up_abandoned_exports(&mut self, now: i64, max_attempts: i64) -> Result<u64, Error> {
        Ok(exports::give_up_abandoned(&self.conn, now, max_attempts)?)
    }

    fn claim_export(
        &mut self,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<ExportTask>, Error> {
        Ok(exports::claim(&self.conn, owner, now, until)?)
    }

    fn renew_export(&mut self, id: &str, owner: &str, until: i64) -> Result<bool, Error> {
        Ok(exports::renew(&self.conn, id, owner, until)?)
    }

    fn insert_export_chunk(&mut self, task_id: &str, seq: i64, data: &[u8]) -> Result<(), Error> {
        Ok(exports::insert_chunk(&self.conn, task_id, seq, data)?)
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
        Ok(exports::finish(
            &self.conn, id, owner, now, rows, size, expires_at,
        )?)
    }

    fn fail_export(
        &mut self,
        id: &str,
        owner: &str,
        now: i64,
        code: &str,
        reason: &str,
    ) -> Result<bool, Error> {
        Ok(exports::fail(&self.conn, id, owner, now, code, reason)?)
    }

    fn mark_export_downloaded(&mut self, id: &str) -> Result<(), Error> {
        Ok(exports::mark_downloaded(&self.conn, id)?)
    }

    fn delete_export_tasks(&mut self, project_id: &str, ids: &[String]) -> Result<u64, Error> {
        Ok(exports::delete_many(&self.conn, project_id, ids)?)
    }

    fn expire_exports(&mut self, now: i64) -> Result<u64, Error> {
        Ok(exports::expire(&self.conn, now)?)
    }

    fn upsert_org_member(&mut self, m: &MemberRow, now: i64) -> Result<(), Error> {
        Ok(state::upsert_org_member(&self.conn, m, now)?)
    }

    fn insert_token_key(&mut self, k: &TokenKeyRow) -> Result<(), Error> {
        Ok(state::insert_token_key(&self.conn, k)?)
    }

    fn delete_token_key(&mut self, id: &str) -> Result<(), Error> {
        Ok(state::delete_token_key(&self.conn, id)?)
    }

    fn revoke_token(&mut self, token_id: &str, expires_at: i64, now: i64) -> Result<(), Error> {
        Ok(state::revoke(&self.conn, token_id, expires_at, now)?)
    }

    fn purge_revoked(&mut self, now: i64) -> Result<u64, Error> {
        Ok(state::purge_revoked(&self.conn, now)?)
    }

    fn add_login_failure(
        &mut self,
        subject: &str,
        now: i64,
        stale_before: i64,
    ) -> Result<(), Error> {
        Ok(state::add_login_failure(
            &self.conn,
            subject,
            now,
            stale_before,
        )?)
    }

    fn clear_login_failures(&mut self, subject: &str) -> Result<(), Error> {
        Ok(state::clear_login_failures(&self.conn, subject)?)
    }

    fn purge_login_failures(&mut self, stale_before: i64) -> Result<u64, Error> {
        Ok(state::purge_login_failures(&self.conn, stale_before)?)
    }

    fn claim_nonce(
        &mut self,
        access_key: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, Error> {
        Ok(state::claim_nonce(
            &self.conn, access_key, nonce, expires_at,
        )?)
    }

    fn purge_nonces(&mut self, now: i64) -> Result<u64, Error> {
        Ok(state::purge_nonces(&self.conn, now)?)
    }
}
