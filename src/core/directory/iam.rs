//! State kept for the IAM (Keystone v3) face beside the directory: the token key set, token
//! revocations and failed-login counters. Each write is one statement or one transaction.

use rand::RngCore;

use super::Directory;
use crate::core::error::Error;
use crate::core::ids;
use crate::core::storage::TokenKeyRow;

/// An opened token key: its id (named in every token it seals) and its 256-bit secret.
#[derive(Clone)]
pub struct TokenKey {
    pub id: String,
    pub secret: [u8; 32],
    pub created_at: i64,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// The server's limits on failed logins: after `max_per_addr` failures from one source
/// address within `window_ms`, further attempts from it are refused until the window is over
/// (429). `max_per_user` failures of one user within `window_ms` lock the user out for
/// `window_ms` (401, as Keystone): the default login policy of an account that has none of
/// its own (`core::policy::LoginPolicy::default_for`).
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub max_per_user: i64,
    pub max_per_addr: i64,
    pub window_ms: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            max_per_user: 5,
            max_per_addr: 20,
            window_ms: 5 * 60 * 1000,
        }
    }
}

/// A key id: 8 hex characters, random (ids of keys made at once on two nodes do not collide
/// in practice, and a collision is refused by the primary key and retried).
fn new_key_id() -> String {
    let mut b = [0u8; 4];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl Directory {
    fn open_token_key(&self, row: &TokenKeyRow) -> Result<TokenKey, Error> {
        let hex_secret = self
            .master_key
            .open(&row.key_sealed, &format!("token-key:{}", row.id))?;
        let secret = hex::decode(hex_secret)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| Error::Internal(format!("token key {} is malformed", row.id)))?;
        Ok(TokenKey {
            id: row.id.clone(),
            secret,
            created_at: row.created_at,
        })
    }

    /// Every token key, the primary (newest) first; makes the first one if there is none.
    pub async fn token_keys(&self) -> Result<Vec<TokenKey>, Error> {
        let mut rows = self.reading(|tx| tx.token_keys()).await?;
        if rows.is_empty() {
            self.add_token_key().await?;
            rows = self.reading(|tx| tx.token_keys()).await?;
        }
        rows.iter().map(|r| self.open_token_key(r)).collect()
    }

    /// Adds a new primary token key; the others keep validating the tokens they sealed.
    pub async fn add_token_key(&self) -> Result<TokenKey, Error> {
        for _ in 0..3 {
            let mut secret = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut secret);
            let id = new_key_id();
            let row = TokenKeyRow {
                key_sealed: self
                    .master_key
                    .seal(&hex::encode(secret), &format!("token-key:{id}")),
                id: id.clone(),
                created_at: ids::now_ms(),
            };
            let created_at = row.created_at;
            match self.writing(move |tx| tx.insert_token_key(&row)).await {
                Ok(()) => {
                    return Ok(TokenKey {
                        id,
                        secret,
                        created_at,
                    })
                }
                Err(Error::Unique(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Internal("could not pick a free token key id".into()))
    }

    /// `roster keys rotate`: a new primary key, and the keys that stopped being primary more
    /// than `max_token_life_ms` ago are deleted (no unexpired token can name them). Returns
    /// the new key and the ids deleted.
    pub async fn rotate_token_keys(
        &self,
        max_token_life_ms: i64,
    ) -> Result<(TokenKey, Vec<String>), Error> {
        let before = self.reading(|tx| tx.token_keys()).await?;
        let new = self.add_token_key().await?;
        let now = ids::now_ms();
        let mut deleted = Vec::new();
        // `before` is newest first: key i stopped being primary when key i-1 was made
        for pair in before.windows(2) {
            let (newer, older) = (&pair[0], &pair[1]);
            if newer.created_at + max_token_life_ms < now {
                let id = older.id.clone();
                self.writing(move |tx| tx.delete_token_key(&id)).await?;
                deleted.push(older.id.clone());
            }
        }
        Ok((new, deleted))
    }

    pub async fn revoke_token(&self, token_id: &str, expires_at: i64) -> Result<(), Error> {
        let token_id = token_id.to_string();
        self.writing(move |tx| {
            let now = ids::now_ms();
            // expired revocations are dropped here, on the (rare) write, not on every read
            tx.purge_revoked(now)?;
            tx.revoke_token(&token_id, expires_at, now)
        })
        .await
    }

    /// (id, expires_at) of the unexpired tokens revoked at or after `since` (Unix ms by
    /// the revoking node's clock; 0 for all).
    pub async fn revoked_tokens_since(&self, since: i64) -> Result<Vec<(String, i64)>, Error> {
        self.reading(move |tx| tx.revoked_since(ids::now_ms(), since))
            .await
    }

    /// Whether any of `subjects` has used up its failures in the current window: if so, the
    /// seconds until the window is over.
    pub async fn login_blocked(
        &self,
        subjects: &[(String, i64)],
        limits: LoginLimits,
    ) -> Result<Option<i64>, Error> {
        let subjects = subjects.to_vec();
        self.reading(move |tx| {
            let now = ids::now_ms();
            let mut wait = None;
            for (subject, max) in &subjects {
                if let Some((start, failures)) = tx.login_failures(subject)? {
                    let ends = start + limits.window_ms;
                    if ends > now && failures >= *max {
                        let secs = (ends - now + 999) / 1000;
                        wait = Some(wait.map_or(secs, |w: i64| w.max(secs)));
                    }
                }
            }
            Ok(wait)
        })
        .await
    }

    /// The account a user id belongs to, if the user exists.
    pub async fn account_of_user(&self, user_id: &str) -> Result<Option<String>, Error> {
        let user_id = user_id.to_string();
        self.reading(move |tx| tx.account_of_user(&user_id)).await
    }
}
