//! Access keys of every user (IAM `OS-CREDENTIAL` and the v5 access keys): create, list,
//! show, update, delete, and the record of their last use. Who may do it is the face's
//! check (the domain administrator for any user of its account, a user for its own keys);
//! the rules that hold for every face are here: at most [`MAX_KEYS_PER_USER`] keys per
//! user, counted inside the write transaction that holds the user's row, and the secret
//! sealed with the master key, bound to its access key, and shown only once.

use super::Directory;
use crate::core::error::{Entity, Error};
use crate::core::model::AccountId;
use crate::core::storage::{AccessKeyInfo, AccessKeyPatch, AccessKeyRow, RowLock};
use crate::core::{ids, validate};

/// Most access keys one user may have, active or not: two, as Huawei Cloud IAM allows
/// ("each user can have a maximum of two access keys"; a third create is refused with
/// `akSkNumExceed`), so a key can be rotated without a gap.
pub const MAX_KEYS_PER_USER: usize = 2;

/// A key just made: its record and its secret, which is shown in this answer only.
#[derive(Debug, Clone)]
pub struct NewAccessKey {
    pub info: AccessKeyInfo,
    pub secret: String,
}

/// How often a key's last use is written, at most, per node (and, through the
/// `not_before` condition of the update, about as often over all nodes): Unix ms.
pub const LAST_USED_GRANULARITY_MS: i64 = 60_000;

fn description(d: &mut String) -> Result<(), Error> {
    validate::normalize(d);
    validate::description(d)
}

impl Directory {
    /// Makes an access key for the account's user `user_id`: 404 if there is no such user,
    /// [`Error::Limit`] if it has [`MAX_KEYS_PER_USER`] keys already. One transaction that
    /// holds the user's row (`RowLock::NoKeyUpdate`) while it counts and inserts, so two
    /// creates at once cannot both pass the count.
    pub async fn create_access_key(
        &self,
        account_id: &str,
        user_id: &str,
        mut desc: String,
    ) -> Result<NewAccessKey, Error> {
        description(&mut desc)?;
        let account_id = AccountId::from(account_id);
        let user_id = user_id.to_string();
        let secret = ids::new_secret_key();
        for _ in 0..3 {
            let access_key = ids::new_access_key();
            let row = AccessKeyRow {
                access_key: access_key.clone(),
                account_id: account_id.clone(),
                user_id: user_id.as_str().into(),
                secret_sealed: self.master_key.seal(&secret, &access_key),
                active: true,
                is_root: false,
                description: desc.clone(),
            };
            let (a, u) = (account_id.clone(), user_id.clone());
            let done = self
                .writing(move |tx| {
                    if tx
                        .lock_users(&a, std::slice::from_ref(&u), RowLock::NoKeyUpdate)?
                        .is_empty()
                    {
                        return Err(Error::NotFound(Entity::User, u.clone()));
                    }
                    if tx.access_keys_of(&a, &u)?.len() >= MAX_KEYS_PER_USER {
                        return Err(Error::Limit(format!(
                            "akSkNumExceed: user {u} has {MAX_KEYS_PER_USER} access keys \
                             already, the most a user may have; delete one first"
                        )));
                    }
                    let now = ids::now_ms();
                    tx.insert_access_key(&row, now)?;
                    Ok(now)
                })
                .await;
            match done {
                Ok(now) => {
                    return Ok(NewAccessKey {
                        info: AccessKeyInfo {
                            access_key,
                            account_id,
                            user_id: user_id.into(),
                            active: true,
                            description: desc,
                            created_at: now,
                            last_used_at: 0,
                        },
                        secret,
                    })
                }
                // an access key made twice (36^20 of them): try another
                Err(Error::Unique(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Internal("could not pick a free access key".into()))
    }

    /// The keys of the account's user `user_id`, oldest first: 404 if there is no such user.
    pub async fn access_keys_of(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<AccessKeyInfo>, Error> {
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| {
            if tx.user(&account_id, &user_id)?.is_none() {
                return Err(Error::NotFound(Entity::User, user_id.clone()));
            }
            tx.access_keys_of(&account_id, &user_id)
        })
        .await
    }

    /// The account's key `access_key`: 404 if the account has no such key (another
    /// account's key answers the same).
    pub async fn access_key_info(
        &self,
        account_id: &str,
        access_key: &str,
    ) -> Result<AccessKeyInfo, Error> {
        let (account_id, access_key) = (AccountId::from(account_id), access_key.to_string());
        self.reading(move |tx| {
            tx.access_key_info(&account_id, &access_key)?
                .ok_or_else(|| Error::NotFound(Entity::AccessKey, access_key.clone()))
        })
        .await
    }

    /// Changes a key's status and/or description (one transaction); returns the key as it
    /// now is. A key disabled here stops working on this node at once (`keys_changed`).
    pub async fn update_access_key(
        &self,
        account_id: &str,
        access_key: &str,
        mut patch: AccessKeyPatch,
    ) -> Result<AccessKeyInfo, Error> {
        if let Some(d) = patch.description.as_mut() {
            description(d)?;
        }
        let (account_id, access_key) = (AccountId::from(account_id), access_key.to_string());
        let out = self
            .writing(move |tx| {
                if !tx.update_access_key(&account_id, &access_key, &patch)? {
                    return Err(Error::NotFound(Entity::AccessKey, access_key.clone()));
                }
                tx.access_key_info(&account_id, &access_key)?
                    .ok_or_else(|| Error::NotFound(Entity::AccessKey, access_key.clone()))
            })
            .await;
        self.keys_changed();
        out
    }

    /// Deletes the account's key: 404 if there is none.
    pub async fn delete_access_key(&self, account_id: &str, access_key: &str) -> Result<(), Error> {
        let (account_id, access_key) = (AccountId::from(account_id), access_key.to_string());
        let out = self
            .writing(move |tx| {
                if tx.delete_access_key(&account_id, &access_key)? {
                    Ok(())
                } else {
                    Err(Error::NotFound(Entity::AccessKey, access_key.clone()))
                }
            })
            .await;
        self.keys_changed();
        out
    }

    /// Records that `access_key` signed a request now (unless a use within the last
    /// [`LAST_USED_GRANULARITY_MS`] is recorded). The request path calls it at most once
    /// per key and granule per node (`http::cache::Caches::note_use`), off the request.
    pub async fn touch_access_key(&self, access_key: &str) -> Result<(), Error> {
        let access_key = access_key.to_string();
        self.writing(move |tx| {
            let now = ids::now_ms();
            tx.touch_access_key(&access_key, now, now - LAST_USED_GRANULARITY_MS)
        })
        .await
    }
}
