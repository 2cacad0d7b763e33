//! One user's memberships in several groups at once (Quick BI's AddUserGroupMembers,
//! DeleteUserGroupMembers, WithdrawAllUserGroups): all groups or none, in one transaction.

use super::{check_batch, Directory};
use crate::core::error::{Entity, Error};
use crate::core::ids;
use crate::core::model::AccountId;
use crate::core::model::Page;
use crate::core::storage::{RowLock, WriteTx};

/// Holds the user until the transaction ends (before any group: see `RowLock`), so its
/// deletion cannot interleave with this write.
fn must_have_user(
    tx: &mut dyn WriteTx,
    account_id: &AccountId,
    user_id: &str,
) -> Result<(), Error> {
    let one = [user_id.to_string()];
    if tx
        .lock_users(account_id, &one, RowLock::KeyShare)?
        .is_empty()
    {
        return Err(Error::NotFound(Entity::User, user_id.into()));
    }
    Ok(())
}

impl Directory {
    /// Puts a user in every one of `group_ids`; returns in how many it was not yet.
    pub async fn add_user_to_groups(
        &self,
        account_id: &str,
        user_id: &str,
        group_ids: &[String],
    ) -> Result<i64, Error> {
        self.user_groups(&AccountId::from(account_id), user_id, group_ids, true)
            .await
    }

    /// Takes a user out of every one of `group_ids`; returns of how many it was a member.
    pub async fn remove_user_from_groups(
        &self,
        account_id: &str,
        user_id: &str,
        group_ids: &[String],
    ) -> Result<i64, Error> {
        self.user_groups(&AccountId::from(account_id), user_id, group_ids, false)
            .await
    }

    async fn user_groups(
        &self,
        account_id: &AccountId,
        user_id: &str,
        group_ids: &[String],
        add: bool,
    ) -> Result<i64, Error> {
        let group_ids = check_batch("group ids", group_ids)?;
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        let store = self.store().clone();
        self.writing(move |tx| {
            must_have_user(tx, &account_id, &user_id)?;
            let found = tx.lock_groups(&account_id, &group_ids, RowLock::KeyShare)?;
            if let Some(missing) = group_ids.iter().find(|g| !found.contains(g)) {
                return Err(Error::NotFound(Entity::Group, missing.clone()));
            }
            let one = [user_id.clone()];
            let now = ids::now_ms();
            let mut changed = 0;
            // each group's user_quantity is updated in the order groups were locked
            for gid in &store.in_lock_order(&account_id, group_ids.clone()) {
                changed += if add {
                    tx.add_members(&account_id, gid, &one, now)?
                } else {
                    tx.remove_members(&account_id, gid, &one)?
                };
            }
            Ok(changed)
        })
        .await
        .inspect(|_| self.authz_changed())
    }

    /// Takes a user out of all its groups; returns how many those were.
    pub async fn remove_user_from_all_groups(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<i64, Error> {
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        let store = self.store().clone();
        self.writing(move |tx| {
            must_have_user(tx, &account_id, &user_id)?;
            let mut gids: Vec<String> = tx
                .groups_of_user(&user_id, Page::ALL)?
                .items
                .into_iter()
                .map(|g| g.id.into_string())
                .collect();
            gids.sort();
            // a group deleted meanwhile took its memberships with it
            let gids = tx.lock_groups(&account_id, &gids, RowLock::KeyShare)?;
            let one = [user_id.clone()];
            let mut changed = 0;
            for gid in &store.in_lock_order(&account_id, gids) {
                changed += tx.remove_members(&account_id, gid, &one)?;
            }
            Ok(changed)
        })
        .await
        .inspect(|_| self.authz_changed())
    }
}
