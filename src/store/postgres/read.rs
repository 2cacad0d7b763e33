//! `ReadTx` for both kinds of transaction: each method is one function of the subject
//! modules on the transaction's connection, waited for on the calling (blocking) thread.

use std::collections::HashMap;

use super::{accounts, exports, groups, state, users, PgTx};
use crate::core::exports::{ExportTask, TaskFilter, UserBatch};
use crate::core::model::{
    Account, AccountId, Group, GroupFilter, Listing, Page, Project, User, UserFilter,
};
use crate::core::storage::{
    AccessKeyInfo, AccessKeyRow, MemberRow, ReadTx, RoleHolder, TokenKeyRow, UsersWithGroups,
};
use crate::core::Error;

impl<const WRITE: bool> ReadTx for PgTx<WRITE> {
    /// Ends a read transaction (rolled back on the runtime without waiting: `end_read`). A
    /// write transaction ended here keeps nothing (it is rolled back: writes are kept only
    /// by `commit`).
    fn finish(self: Box<Self>) -> Result<(), Error> {
        if WRITE {
            self.end("ROLLBACK")
        } else {
            self.end_read()
        }
    }

    fn account(&mut self, id: &str) -> Result<Option<Account>, Error> {
        self.run(accounts::get(self.c(), id))
    }

    fn account_by_name(&mut self, name: &str) -> Result<Option<Account>, Error> {
        self.run(accounts::get_by_name(self.c(), name))
    }

    fn account_count(&mut self) -> Result<i64, Error> {
        self.run(accounts::count(self.c()))
    }

    fn project(&mut self, id: &str) -> Result<Option<Project>, Error> {
        self.run(accounts::get_project(self.c(), id))
    }

    fn projects_of(&mut self, account_id: &AccountId) -> Result<Vec<Project>, Error> {
        self.run(accounts::projects_of(self.c(), account_id))
    }

    fn access_key(&mut self, access_key: &str) -> Result<Option<AccessKeyRow>, Error> {
        self.run(accounts::access_key(self.c(), access_key))
    }

    fn access_key_info(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<Option<AccessKeyInfo>, Error> {
        self.run(accounts::access_key_info(self.c(), account_id, access_key))
    }

    fn access_keys_of(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
    ) -> Result<Vec<AccessKeyInfo>, Error> {
        self.run(accounts::access_keys_of(self.c(), account_id, user_id))
    }

    fn user(&mut self, account_id: &AccountId, id: &str) -> Result<Option<User>, Error> {
        self.run(users::get(self.c(), account_id, id))
    }

    fn user_by_name(&mut self, account_id: &AccountId, name: &str) -> Result<Option<User>, Error> {
        self.run(users::get_by_name(self.c(), account_id, name))
    }

    fn account_of_user(&mut self, user_id: &str) -> Result<Option<String>, Error> {
        self.run(users::account_of_user(self.c(), user_id))
    }

    fn password_hash(&mut self, user_id: &str) -> Result<Option<String>, Error> {
        self.run(users::password_hash(self.c(), user_id))
    }

    fn list_users(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listing<User>, Error> {
        self.run(users::list(self.c(), account_id, filter, page))
    }

    fn list_users_with_groups(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<UsersWithGroups, Error> {
        self.run(users::list_with_groups(self.c(), account_id, filter, page))
    }

    fn users_after(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<User>, Error> {
        self.run(users::scan(self.c(), account_id, filter, after, limit))
    }

    fn group_names_of(
        &mut self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<String>>, Error> {
        self.run(users::group_names(self.c(), user_ids))
    }

    fn taken_user_names(
        &mut self,
        account_id: &AccountId,
        names: &[String],
    ) -> Result<Vec<String>, Error> {
        self.run(users::taken_names(self.c(), account_id, names))
    }

    fn user_count(&mut self, account_id: &AccountId) -> Result<i64, Error> {
        Ok(self.run(accounts::counts(self.c(), account_id))?.0)
    }

    fn export_users(
        &mut self,
        account_id: &AccountId,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<UserBatch, Error> {
        self.run(users::export_batch(
            self.c(),
            account_id,
            filter,
            after,
            limit,
        ))
    }

    fn group(&mut self, account_id: &AccountId, id: &str) -> Result<Option<Group>, Error> {
        self.run(groups::get(self.c(), account_id, id))
    }

    fn group_by_name(
        &mut self,
        account_id: &AccountId,
        name: &str,
    ) -> Result<Option<Group>, Error> {
        self.run(groups::get_by_name(self.c(), account_id, name))
    }

    fn group_id_taken(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        self.run(groups::id_taken(self.c(), account_id, id))
    }

    fn list_groups(
        &mut self,
        account_id: &AccountId,
        filter: &GroupFilter,
        page: Page,
    ) -> Result<Listing<Group>, Error> {
        self.run(groups::list(self.c(), account_id, filter, page))
    }

    fn groups_after(
        &mut self,
        account_id: &AccountId,
        filter: &GroupFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Group>, Error> {
        self.run(groups::scan(self.c(), account_id, filter, after, limit))
    }

    fn groups_of_user(&mut self, user_id: &str, page: Page) -> Result<Listing<Group>, Error> {
        self.run(groups::of_user(self.c(), user_id, page))
    }

    fn is_member(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, Error> {
        self.run(groups::is_member(self.c(), account_id, group_id, user_id))
    }

    fn group_ids_by_folded_names(
        &mut self,
        account_id: &AccountId,
        folded: &[String],
    ) -> Result<Vec<(String, String)>, Error> {
        self.run(groups::ids_by_folded_names(self.c(), account_id, folded))
    }

    fn group_names_by_ids(
        &mut self,
        account_id: &AccountId,
        ids: &[&str],
    ) -> Result<Vec<(String, i64, String)>, Error> {
        self.run(groups::names_by_ids(self.c(), account_id, ids))
    }

    fn export_task(&mut self, project_id: &str, id: &str) -> Result<Option<ExportTask>, Error> {
        self.run(exports::get(self.c(), project_id, id))
    }

    fn list_export_tasks(
        &mut self,
        project_id: &str,
        filter: &TaskFilter,
        page: Page,
    ) -> Result<Listing<ExportTask>, Error> {
        self.run(exports::list(self.c(), project_id, filter, page))
    }

    fn export_chunk(&mut self, task_id: &str, seq: i64) -> Result<Option<Vec<u8>>, Error> {
        self.run(exports::chunk(self.c(), task_id, seq))
    }

    fn export_task_ids(&mut self, project_id: &str, ids: &[String]) -> Result<Vec<String>, Error> {
        self.run(exports::existing_ids(self.c(), project_id, ids))
    }

    fn org_members(&mut self, user_ids: &[String]) -> Result<HashMap<String, MemberRow>, Error> {
        self.run(state::org_members(self.c(), user_ids))
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
        self.run(state::role_holders(
            self.c(),
            account_id,
            role_id,
            root_default,
            default,
            keyword,
            page,
        ))
    }

    fn token_keys(&mut self) -> Result<Vec<TokenKeyRow>, Error> {
        self.run(state::token_keys(self.c()))
    }

    fn revoked_since(&mut self, now: i64, since: i64) -> Result<Vec<(String, i64)>, Error> {
        self.run(state::revoked_since(self.c(), now, since))
    }

    fn login_failures(&mut self, subject: &str) -> Result<Option<(i64, i64)>, Error> {
        self.run(state::login_failures(self.c(), subject))
    }
}
