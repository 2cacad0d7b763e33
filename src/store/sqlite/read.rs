//! `ReadTx` for both kinds of transaction: each method is one function of the subject
//! modules on the transaction's connection.

use std::collections::HashMap;

use super::{accounts, exports, groups, state, users, SqliteTx};
use crate::core::exports::{ExportTask, TaskFilter, UserBatch};
use crate::core::model::{
    Account, AccountId, Group, GroupFilter, Listing, Page, Project, User, UserFilter,
};
use crate::core::storage::{
    AccessKeyInfo, AccessKeyRow, MemberRow, ReadTx, RoleHolder, TokenKeyRow,
};
use crate::core::Error;

impl<const WRITE: bool> ReadTx for SqliteTx<WRITE> {
    /// Commits a read transaction. A write transaction ended here keeps nothing (it is
    /// rolled back: writes are kept only by `commit`).
    fn finish(self: Box<Self>) -> Result<(), Error> {
        self.end(if WRITE { "ROLLBACK" } else { "COMMIT" })
    }

    fn account(&mut self, id: &str) -> Result<Option<Account>, Error> {
        Ok(accounts::get(&self.conn, id)?)
    }

    fn account_by_name(&mut self, name: &str) -> Result<Option<Account>, Error> {
        Ok(accounts::get_by_name(&self.conn, name)?)
    }

    fn account_count(&mut self) -> Result<i64, Error> {
        Ok(accounts::count(&self.conn)?)
    }

    fn project(&mut self, id: &str) -> Result<Option<Project>, Error> {
        Ok(accounts::get_project(&self.conn, id)?)
    }

    fn projects_of(&mut self, account_id: &AccountId) -> Result<Vec<Project>, Error> {
        Ok(accounts::projects_of(&self.conn, account_id)?)
    }

    fn access_key(&mut self, access_key: &str) -> Result<Option<AccessKeyRow>, Error> {
        Ok(accounts::access_key(&self.conn, access_key)?)
    }

    fn access_key_info(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<Option<AccessKeyInfo>, Error> {
        Ok(accounts::access_key_info(
            &self.conn, account_id, access_key,
        )?)
    }

    fn access_keys_of(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
    ) -> Result<Vec<AccessKeyInfo>, Error> {
        Ok(accounts::access_keys_of(&self.conn, account_id, user_id)?)
    }

    fn user(&mut self, account_id: &AccountId, id: &str) -> Result<Option<User>, Error> {
        Ok(users::get(&self.conn, account_id, id)?)
    }

    fn user_by_name(&mut self, account_id: &AccountId, name: &str) -> Result<Option<User>, Error> {
        Ok(users::get_by_name(&self.conn, account_id, name)?)
    }

    fn account_of_user(&mut self, user_id: &str) -> Result<Option<String>, Error> {
        Ok(users::account_of_user(&self.conn, user_id)?)
    }

    fn password_hash(&mut self, user_id: &str) -> Result<Option<String>, Error> {
        Ok(users::password_hash(&self.conn, user_id)?)
    }

    fn list_users(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listing<User>, Error> {
        Ok(users::list(&self.conn, account_id, filter, page)?)
    }

    fn users_after(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<User>, Error> {
        Ok(users::scan(&self.conn, account_id, filter, after, limit)?)
    }

    fn group_names_of(
        &mut self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<String>>, Error> {
        Ok(users::group_names(&self.conn, user_ids)?)
    }

    fn taken_user_names(
        &mut self,
        account_id: &AccountId,
        names: &[String],
    ) -> Result<Vec<String>, Error> {
        Ok(users::taken_names(&self.conn, account_id, names)?)
    }

    fn user_count(&mut self, account_id: &AccountId) -> Result<i64, Error> {
        Ok(accounts::counts(&self.conn, account_id)?.0)
    }

    fn export_users(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<UserBatch, Error> {
        Ok(users::export_batch(
            &self.conn, account_id, filter, after, limit,
        )?)
    }

    fn group(&mut self, account_id: &AccountId, id: &str) -> Result<Option<Group>, Error> {
        Ok(groups::get(&self.conn, account_id, id)?)
    }

    fn group_by_name(
        &mut self,
        account_id: &AccountId,
        name: &str,
    ) -> Result<Option<Group>, Error> {
        Ok(groups::get_by_name(&self.conn, account_id, name)?)
    }

    fn group_id_taken(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        Ok(groups::id_taken(&self.conn, account_id, id)?)
    }

    fn list_groups(
        &mut self,
        account_id: &AccountId,
        filter: &GroupFilter,
        page: Page,
    ) -> Result<Listing<Group>, Error> {
        Ok(groups::list(&self.conn, account_id, filter, page)?)
    }

    fn groups_after(
        &mut self,
        account_id: &AccountId,
        filter: &GroupFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Group>, Error> {
        Ok(groups::scan(&self.conn, account_id, filter, after, limit)?)
    }

    fn groups_of_user(&mut self, user_id: &str, page: Page) -> Result<Listing<Group>, Error> {
        Ok(groups::of_user(&self.conn, user_id, page)?)
    }

    fn is_member(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, Error> {
        Ok(groups::is_member(
            &self.conn, account_id, group_id, user_id,
        )?)
    }

    fn group_ids_by_folded_names(
        &mut self,
        account_id: &AccountId,
        folded: &[String],
    ) -> Result<Vec<(String, String)>, Error> {
        Ok(groups::ids_by_folded_names(&self.conn, account_id, folded)?)
    }

    fn group_names_by_ids(
        &mut self,
        account_id: &AccountId,
        ids: &[&str],
    ) -> Result<Vec<(String, i64, String)>, Error> {
        Ok(groups::names_by_ids(&self.conn, account_id, ids)?)
    }

    fn export_task(&mut self, project_id: &str, id: &str) -> Result<Option<ExportTask>, Error> {
        Ok(exports::get(&self.conn, project_id, id)?)
    }

    fn list_export_tasks(
        &mut self,
        project_id: &str,
        filter: &TaskFilter,
        page: Page,
    ) -> Result<Listing<ExportTask>, Error> {
        Ok(exports::list(&self.conn, project_id, filter, page)?)
    }

    fn export_chunk(&mut self, task_id: &str, seq: i64) -> Result<Option<Vec<u8>>, Error> {
        Ok(exports::chunk(&self.conn, task_id, seq)?)
    }

    fn export_task_ids(&mut self, project_id: &str, ids: &[String]) -> Result<Vec<String>, Error> {
        Ok(exports::existing_ids(&self.conn, project_id, ids)?)
    }

    fn org_members(&mut self, user_ids: &[String]) -> Result<HashMap<String, MemberRow>, Error> {
        Ok(state::org_members(&self.conn, user_ids)?)
    }

    fn role_holders(
        &mut self,
        account_id: &AccountId,
        role_id: i64,
        root_default: i64,
        default: i64,
        keyword: Option<&str>,
        page: Page,
    ) -> Result<Listing<RoleHolder>, Error> {
        Ok(state::role_holders(
            &self.conn,
            account_id,
            role_id,
            root_default,
            default,
            keyword,
            page,
        )?)
    }

    fn token_keys(&mut self) -> Result<Vec<TokenKeyRow>, Error> {
        Ok(state::token_keys(&self.conn)?)
    }

    fn revoked_since(&mut self, now: i64, since: i64) -> Result<Vec<(String, i64)>, Error> {
        Ok(state::revoked_since(&self.conn, now, since)?)
    }

    fn login_failures(&mut self, subject: &str) -> Result<Option<(i64, i64)>, Error> {
        Ok(state::login_failures(&self.conn, subject)?)
    }
}
