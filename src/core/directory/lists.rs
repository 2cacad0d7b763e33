//! Lists read by keyset, one page at a time: what a face needs to answer a list of any
//! length (a million users) while holding one page. Each call is one short read
//! transaction, so a list walked this way is not one snapshot: rows created while it is
//! walked may appear (they sort last), rows deleted before their page is read do not.

use super::Directory;
use crate::core::error::Error;
use crate::core::model::AccountId;
use crate::core::model::{Group, GroupFilter, User, UserFilter};

impl Directory {
    /// Up to `limit` users of the account passing `filter` whose sequence number is above
    /// `after`, in creation order (`User::seq` ascending): pass the last one's `seq` to get
    /// the next page; fewer than `limit` means the list has ended.
    ///
    /// Errors: a `filter.group_id` naming no group of the account is `NotFound(Group)`, on
    /// every page (a group deleted while its members are walked ends the walk with it); a
    /// malformed keyword or name is `Invalid`.
    pub async fn users_after(
        &self,
        account_id: &str,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<User>, Error> {
        super::users::check_user_filter(filter)?;
        let (account_id, filter) = (AccountId::from(account_id), filter.clone());
        self.reading(move |tx| {
            if let Some(gid) = &filter.group_id {
                super::groups::must_get(tx, &account_id, gid)?;
            }
            tx.users_after(&account_id, &filter, after, limit)
        })
        .await
    }

    /// Up to `limit` groups of the account passing `filter` whose sequence number is above
    /// `after`, in creation order (`Group::seq` ascending), with their parents; as
    /// [`Directory::users_after`].
    ///
    /// Errors: a `filter.member` naming no user of the account is `NotFound(User)`, on
    /// every page; a malformed keyword or name is `Invalid`.
    pub async fn groups_after(
        &self,
        account_id: &str,
        filter: &GroupFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Group>, Error> {
        super::groups::check_group_filter(filter)?;
        let (account_id, filter) = (AccountId::from(account_id), filter.clone());
        self.reading(move |tx| {
            if let Some(uid) = &filter.member {
                super::groups::must_have_user(tx, &account_id, uid)?;
            }
            tx.groups_after(&account_id, &filter, after, limit)
        })
        .await
    }
}
