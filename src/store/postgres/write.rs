//! `WriteTx` and `Storage`: each write method is one function of the subject modules on
//! the write transaction's connection. Writers run beside each other (READ COMMITTED):
//! what they read to change it they hold with row locks (`RowLock`, `user_for_update`),
//! taken in the order of ARCHITECTURE.md ("user_quantity is exact").

use super::{accounts, exports, groups, state, users, PgTx, PostgresStore};
use crate::core::exports::ExportTask;
use crate::core::model::{Account, AccountId, Group, Project, User};
use crate::core::storage::{
    AccessKeyPatch, AccessKeyRow, MemberRow, ReadTx, RowLock, Storage, TokenKeyRow, UserRecord,
    WriteTx,
};
use crate::core::Error;

impl Storage for PostgresStore {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, Error> {
        Ok(Box::new(self.begin_read()?))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>, Error> {
        Ok(Box::new(self.begin_write()?))
    }

    fn max_concurrency(&self) -> usize {
        self.pool.status().max_size.max(1)
    }

    fn in_lock_order(&self, account_id: &str, mut group_ids: Vec<String>) -> Vec<String> {
        group_ids.sort_by_cached_key(|id| crate::store::common::key(account_id, id));
        group_ids
    }
}

impl WriteTx for PgTx<true> {
    fn commit(self: Box<Self>) -> Result<(), Error> {
        self.end("COMMIT")
    }

    fn insert_account(&mut self, a: &Account) -> Result<(), Error> {
        self.run(accounts::insert(self.c(), a))
    }

    fn insert_project(&mut self, p: &Project) -> Result<(), Error> {
        self.run(accounts::insert_project(self.c(), p))
    }

    fn insert_access_key(&mut self, k: &AccessKeyRow, now: i64) -> Result<(), Error> {
        self.run(accounts::insert_access_key(self.c(), k, now))
    }

    fn update_access_key(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
        patch: &AccessKeyPatch,
    ) -> Result<bool, Error> {
        self.run(accounts::update_access_key(
            self.c(),
            account_id,
            access_key,
            patch,
        ))
    }

    fn delete_access_key(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<bool, Error> {
        self.run(accounts::delete_access_key(
            self.c(),
            account_id,
            access_key,
        ))
    }

    fn touch_access_key(
        &mut self,
        access_key: &str,
        now: i64,
        not_before: i64,
    ) -> Result<(), Error> {
        self.run(accounts::touch_access_key(
            self.c(),
            access_key,
            now,
            not_before,
        ))
    }

    fn insert_users(&mut self, users: &[UserRecord]) -> Result<(), Error> {
        self.run(users::insert_many(self.c(), users))
    }

    fn user_for_update(&mut self, account_id: &AccountId, id: &str) -> Result<Option<User>, Error> {
        self.run(users::get_for_update(self.c(), account_id, id))
    }

    fn lock_users(
        &mut self,
        account_id: &AccountId,
        ids: &[String],
        lock: RowLock,
    ) -> Result<Vec<String>, Error> {
        self.run(users::lock_rows(self.c(), "users", account_id, ids, lock))
    }

    fn update_user(
        &mut self,
        u: &mut User,
        password_hash: Option<Option<String>>,
    ) -> Result<(), Error> {
        self.run(users::update(self.c(), u, password_hash))
    }

    fn delete_users(&mut self, account_id: &AccountId, ids: &[String]) -> Result<(), Error> {
        self.run(users::delete_many(self.c(), account_id, ids))
    }

    fn insert_groups(&mut self, groups: &[Group]) -> Result<(), Error> {
        self.run(groups::insert_many(self.c(), groups))
    }

    fn update_group(&mut self, g: &Group) -> Result<(), Error> {
        self.run(groups::update_fields(self.c(), g))
    }

    fn lock_hierarchy(&mut self, account_id: &AccountId) -> Result<(), Error> {
        self.run(groups::lock_hierarchy(self.c(), account_id))
    }

    fn lock_groups(
        &mut self,
        account_id: &AccountId,
        ids: &[String],
        lock: RowLock,
    ) -> Result<Vec<String>, Error> {
        self.run(groups::lock(self.c(), account_id, ids, lock))
    }

    fn subtree_max_depth(&mut self, account_id: &AccountId, path: &str) -> Result<i64, Error> {
        self.run(groups::subtree_max_depth(self.c(), account_id, path))
    }

    fn subtree_ids(&mut self, account_id: &AccountId, path: &str) -> Result<Vec<String>, Error> {
        self.run(groups::subtree_ids(self.c(), account_id, path))
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
        self.run(groups::move_subtree(
            self.c(),
            account_id,
            group_id,
            new_parent,
            old_path,
            new_path,
            depth_delta,
            by,
            now,
        ))
    }

    fn delete_groups(&mut self, account_id: &AccountId, ids: &[String]) -> Result<(), Error> {
        self.run(groups::delete_many(self.c(), account_id, ids))
    }

    fn add_members(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_ids: &[String],
        now: i64,
    ) -> Result<i64, Error> {
        self.run(groups::add_members(
            self.c(),
            account_id,
            group_id,
            user_ids,
            now,
        ))
    }

    fn remove_members(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error> {
        self.run(groups::remove_members(
            self.c(),
            account_id,
            group_id,
            user_ids,
        ))
    }

    fn load_memberships(&mut self, pairs: &[(&str, &str)], now: i64) -> Result<(), Error> {
        self.run(groups::load(self.c(), pairs, now))
    }

    fn recount_members(&mut self, account_id: &AccountId) -> Result<(), Error> {
        self.run(groups::recount(self.c(), account_id))
    }

    fn insert_export_task(&mut self, t: &ExportTask) -> Result<(), Error> {
        self.run(exports::insert(self.c(), t))
    }

    fn give_up_abandoned_exports(&mut self, now: i64, max_attempts: i64) -> Result<u64, Error> {
        self.run(exports::give_up_abandoned(self.c(), now, max_attempts))
    }

    fn claim_export(
        &mut self,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<ExportTask>, Error> {
        self.run(exports::claim(self.c(), owner, now, until))
    }

    fn renew_export(&mut self, id: &str, owner: &str, until: i64) -> Result<bool, Error> {
        self.run(exports::renew(self.c(), id, owner, until))
    }

    fn insert_export_chunk(&mut self, task_id: &str, seq: i64, data: &[u8]) -> Result<(), Error> {
        self.run(exports::insert_chunk(self.c(), task_id, seq, data))
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
        self.run(exports::finish(
            self.c(),
            id,
            owner,
            now,
            rows,
            size,
            expires_at,
        ))
    }

    fn fail_export(
        &mut self,
        id: &str,
        owner: &str,
        now: i64,
        code: &str,
        reason: &str,
    ) -> Result<bool, Error> {
        self.run(exports::fail(self.c(), id, owner, now, code, reason))
    }

    fn mark_export_downloaded(&mut self, id: &str) -> Result<(), Error> {
        self.run(exports::mark_downloaded(self.c(), id))
    }

    fn delete_export_tasks(&mut self, project_id: &str, ids: &[String]) -> Result<u64, Error> {
        self.run(exports::delete_many(self.c(), project_id, ids))
    }

    fn expire_exports(&mut self, now: i64) -> Result<u64, Error> {
        self.run(exports::expire(self.c(), now))
    }

    fn upsert_org_member(&mut self, m: &MemberRow, now: i64) -> Result<(), Error> {
        self.run(state::upsert_org_member(self.c(), m, now))
    }

    fn insert_token_key(&mut self, k: &TokenKeyRow) -> Result<(), Error> {
        self.run(state::insert_token_key(self.c(), k))
    }

    fn delete_token_key(&mut self, id: &str) -> Result<(), Error> {
        self.run(state::delete_token_key(self.c(), id))
    }

    fn revoke_token(&mut self, token_id: &str, expires_at: i64, now: i64) -> Result<(), Error> {
        self.run(state::revoke(self.c(), token_id, expires_at, now))
    }

    fn purge_revoked(&mut self, now: i64) -> Result<u64, Error> {
        self.run(state::purge_revoked(self.c(), now))
    }

    fn add_login_failure(
        &mut self,
        subject: &str,
        now: i64,
        stale_before: i64,
    ) -> Result<(), Error> {
        self.run(state::add_login_failure(
            self.c(),
            subject,
            now,
            stale_before,
        ))
    }

    fn clear_login_failures(&mut self, subject: &str) -> Result<(), Error> {
        self.run(state::clear_login_failures(self.c(), subject))
    }

    fn purge_login_failures(&mut self, stale_before: i64) -> Result<u64, Error> {
        self.run(state::purge_login_failures(self.c(), stale_before))
    }

    fn claim_nonce(
        &mut self,
        access_key: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, Error> {
        self.run(state::claim_nonce(self.c(), access_key, nonce, expires_at))
    }

    fn purge_nonces(&mut self, now: i64) -> Result<u64, Error> {
        self.run(state::purge_nonces(self.c(), now))
    }
}
