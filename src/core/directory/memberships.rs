//! One user's memberships in several groups at once (Quick BI's AddUserGroupMembers,
//! DeleteUserGroupMembers, WithdrawAllUserGroups): all groups or none, in one transaction.

use super::{check_batch, Directory};
use crate::core::error::{Entity, Error};
use crate::core::ids;
use crate::core::model::Page;
use crate::store::{groups, memberships, users, RowLock, Tx};

/// Holds the user until the transaction ends (before any group: see `store::RowLock`), so
/// its deletion cannot interleave with this write.
async fn must_have_user(tx: &mut Tx, account_id: &str, user_id: &str) -> Result<(), Error> {
    let one = [user_id.to_string()];
    if users::lock(tx, account_id, &one, RowLock::KeyShare)
        .await?
        .is_empty()
    {
        return Err(Error::NotFound(Entity::User, user_id.into()));
    }
    Ok(())
}

/// Group ids in the order of their stored keys, the order in which `groups::lock` took them:
/// each group's `user_quantity` is then updated in that order too, by every writer.
pub(super) fn in_key_order(account_id: &str, mut ids: Vec<String>) -> Vec<String> {
    ids.sort_by_cached_key(|g| groups::key(account_id, g));
    ids
}

impl Directory {
    /// Puts a user in every one of `group_ids`; returns in how many it was not yet.
    pub async fn add_user_to_groups(
        &self,
        account_id: &str,
        user_id: &str,
        group_ids: &[String],
    ) -> Result<i64, Error> {
        retry_conflicts!(
            self.user_groups_once(account_id, user_id, group_ids, true)
                .await
        )
    }

    /// Takes a user out of every one of `group_ids`; returns of how many it was a member.
    pub async fn remove_user_from_groups(
        &self,
        account_id: &str,
        user_id: &str,
        group_ids: &[String],
    ) -> Result<i64, Error> {
        retry_conflicts!(
            self.user_groups_once(account_id, user_id, group_ids, false)
                .await
        )
    }

    async fn user_groups_once(
        &self,
        account_id: &str,
        user_id: &str,
        group_ids: &[String],
        add: bool,
    ) -> Result<i64, Error> {
        let group_ids = check_batch("group ids", group_ids)?;
        let mut tx = self.db.write().await?;
        must_have_user(&mut tx, account_id, user_id).await?;
        let found = groups::lock(&mut tx, account_id, &group_ids, RowLock::KeyShare).await?;
        if let Some(missing) = group_ids.iter().find(|g| !found.contains(g)) {
            return Err(Error::NotFound(Entity::Group, missing.clone()));
        }
        let one = [user_id.to_string()];
        let now = ids::now_ms();
        let mut changed = 0;
        for gid in &in_key_order(account_id, group_ids) {
            changed += if add {
                memberships::add(&mut tx, account_id, gid, &one, now).await?
            } else {
                memberships::remove(&mut tx, account_id, gid, &one).await?
            };
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Takes a user out of all its groups; returns how many those were.
    pub async fn remove_user_from_all_groups(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<i64, Error> {
        retry_conflicts!(self.withdraw_once(account_id, user_id).await)
    }

    async fn withdraw_once(&self, account_id: &str, user_id: &str) -> Result<i64, Error> {
        let mut tx = self.db.write().await?;
        must_have_user(&mut tx, account_id, user_id).await?;
        let mut gids: Vec<String> = groups::of_user(&mut tx, user_id, Page::ALL)
            .await?
            .items
            .into_iter()
            .map(|g| g.id)
            .collect();
        gids.sort();
        // a group deleted meanwhile took its memberships with it
        let gids = groups::lock(&mut tx, account_id, &gids, RowLock::KeyShare).await?;
        let one = [user_id.to_string()];
        let mut changed = 0;
        for gid in &in_key_order(account_id, gids) {
            changed += memberships::remove(&mut tx, account_id, gid, &one).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
