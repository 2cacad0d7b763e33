//! Security policies (`core::policy`): the account's password and login policies, a user's
//! own password change (`POST /v3/users/{id}/password`), and the lockout of a user after
//! repeated login failures. Each operation is one transaction.

use super::users::password_set_in;
use super::{Directory, LoginLimits};
use crate::core::error::{Entity, Error};
use crate::core::model::{AccountId, User};
use crate::core::policy::*;
use crate::core::{ids, password};

/// A login subject whose failures are counted: `user:<id>` (or the name a login gave) or
/// `addr:<ip>`. A user subject is locked out for `lockout_ms` once it reaches
/// `lock_after` failures within `window_ms`; an address subject is only counted (the
/// caller refuses it for a while with `login_blocked`).
#[derive(Debug, Clone)]
pub struct FailureSubject {
    pub subject: String,
    pub window_ms: i64,
    /// (failures, lockout ms): when to lock the subject out, and for how long.
    pub lock: Option<(i64, i64)>,
}

/// The longest window of failures any login policy counts (`period_with_login_failures`
/// is 60 minutes at most): rows older than this (and the server's own window) go.
const MAX_WINDOW_MS: i64 = 60 * 60_000;

impl Directory {
    /// The account's password policy: its own, else the default.
    pub async fn password_policy(&self, account_id: &str) -> Result<PasswordPolicy, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| Ok(tx.password_policy(&account_id)?.unwrap_or_default()))
            .await
    }

    /// Changes the fields `patch` gives (each within its range) and returns the policy.
    pub async fn update_password_policy(
        &self,
        account_id: &str,
        patch: PasswordPolicyPatch,
    ) -> Result<PasswordPolicy, Error> {
        let account_id = AccountId::from(account_id);
        self.writing(move |tx| {
            let current = tx.password_policy(&account_id)?.unwrap_or_default();
            let new = current.patched(&patch)?;
            tx.put_password_policy(&account_id, &new, ids::now_ms())?;
            Ok(new)
        })
        .await
    }

    /// The account's login policy: its own, else the default made of the server's limits
    /// and token lifetime.
    pub async fn login_policy(
        &self,
        account_id: &str,
        limits: LoginLimits,
        token_ttl_ms: i64,
    ) -> Result<LoginPolicy, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| {
            Ok(tx
                .login_policy(&account_id)?
                .unwrap_or_else(|| LoginPolicy::default_for(&limits, token_ttl_ms)))
        })
        .await
    }

    /// Changes the fields `patch` gives (each within its range) and returns the policy,
    /// now the account's own (the fields not given keep what was shown).
    pub async fn update_login_policy(
        &self,
        account_id: &str,
        patch: LoginPolicyPatch,
        limits: LoginLimits,
        token_ttl_ms: i64,
    ) -> Result<LoginPolicy, Error> {
        let account_id = AccountId::from(account_id);
        self.writing(move |tx| {
            let current = tx
                .login_policy(&account_id)?
                .unwrap_or_else(|| LoginPolicy::default_for(&limits, token_ttl_ms));
            let new = current.patched(&patch)?;
            tx.put_login_policy(&account_id, &new, ids::now_ms())?;
            Ok(new)
        })
        .await
    }

    /// A user changes its own password (Keystone's `POST /v3/users/{id}/password`): the
    /// original password must be right (else `Unauthenticated`, which the caller counts as a
    /// failed login), the policy must let users change their passwords, and so must the user
    /// (`enable_change_password`, its `lock_password` option off), the current password must be older than the
    /// policy's minimum age, and the new one must pass the policy's rules and differ from
    /// the most recent ones it keeps (else `InvalidPassword`, 400, Keystone's messages).
    pub async fn change_own_password(
        &self,
        account_id: &str,
        user_id: &str,
        original: &str,
        new: &str,
    ) -> Result<User, Error> {
        let u = self.user(account_id, user_id).await?;
        if !self.verify_password(&u, original).await? {
            return Err(Error::Unauthenticated(
                "error when changing user password: the original password is wrong".into(),
            ));
        }
        let policy = self.password_policy(account_id).await?;
        if !policy.allow_user_to_change_password
            || !u.enable_change_password
            || UserOptions::from_stored(&u.options).flag("lock_password")
        {
            return Err(Error::InvalidPassword(
                "you cannot change your password at this time due to password policy disallowing password changes; please contact your administrator to reset your password".into(),
            ));
        }
        let now = ids::now_ms();
        let set_at = if u.password_changed_at > 0 {
            u.password_changed_at
        } else {
            u.created_at
        };
        if policy.minimum_age_ms() > 0 && now - set_at < policy.minimum_age_ms() {
            let left = (set_at + policy.minimum_age_ms() - now + 59_999) / 60_000;
            return Err(Error::InvalidPassword(format!(
                "you cannot change your password at this time due to the minimum password age: once you change your password, it must be used for {} minute(s) before it can be changed; please try again in {left} minute(s) or contact your administrator to reset your password",
                policy.minimum_password_age
            )));
        }
        policy.check(new, &u.name)?;
        let recent = policy.number_of_recent_passwords_disallowed;
        if recent > 0 {
            let id = u.id.clone();
            let (current, history) = self
                .reading(move |tx| Ok((tx.password_hash(&id)?, tx.password_history(&id)?)))
                .await?;
            let kept = policy.history_kept();
            let hashes = current.into_iter().chain(history.into_iter().take(kept));
            for h in hashes {
                if password::verify(new.to_string(), h).await {
                    return Err(Error::InvalidPassword(format!(
                        "the new password cannot be identical to a previous password: the total number which includes the new password must be unique is {recent}"
                    )));
                }
            }
        }
        let hash = Some(Some(password::hash(new.to_string()).await?));
        let (account_id, id) = (u.account_id.clone(), u.id.to_string());
        let out = self
            .writing(move |tx| {
                let mut u = tx
                    .user_for_update(&account_id, &id)?
                    .ok_or_else(|| Error::NotFound(Entity::User, id.clone()))?;
                u.updated_at = ids::now_ms();
                u.has_password = true;
                u.next_login_change_password = false;
                password_set_in(tx, &mut u, &hash)?;
                tx.update_user(&mut u, hash.clone())?;
                Ok(u)
            })
            .await;
        self.keys_changed();
        out
    }

    /// Until when (Unix ms) a login subject is locked out, if it is now.
    pub async fn locked_out(&self, subject: &str) -> Result<Option<i64>, Error> {
        let subject = subject.to_string();
        self.reading(move |tx| {
            let until = tx.login_locked_until(&subject)?;
            Ok((until > ids::now_ms()).then_some(until))
        })
        .await
    }

    /// Counts a failed login against each subject (one transaction); a user subject that
    /// reaches its policy's number of failures is locked out. `limits`: the server's window
    /// (rows older than it and than any policy's window go).
    pub async fn record_login_failure(
        &self,
        subjects: &[FailureSubject],
        limits: LoginLimits,
    ) -> Result<(), Error> {
        let subjects = subjects.to_vec();
        self.writing(move |tx| {
            let now = ids::now_ms();
            tx.purge_login_failures(now - limits.window_ms.max(MAX_WINDOW_MS))?;
            for s in &subjects {
                tx.add_login_failure(&s.subject, now, now - s.window_ms)?;
                if let Some((after, lockout_ms)) = s.lock {
                    if let Some((_, failures)) = tx.login_failures(&s.subject)? {
                        if failures >= after {
                            tx.lock_login(&s.subject, now + lockout_ms)?;
                        }
                    }
                }
            }
            Ok(())
        })
        .await
    }

    /// A password login of `user_id` succeeded: its failures are forgotten and the login
    /// recorded (one transaction).
    pub async fn login_succeeded(&self, subject: &str, user_id: &str) -> Result<(), Error> {
        let (subject, user_id) = (subject.to_string(), user_id.to_string());
        self.writing(move |tx| {
            tx.clear_login_failures(&subject)?;
            tx.set_last_login(&user_id, ids::now_ms())
        })
        .await
    }

    /// Forgets a subject's failures (a password check succeeded).
    pub async fn clear_login_failures(&self, subject: &str) -> Result<(), Error> {
        let subject = subject.to_string();
        self.writing(move |tx| tx.clear_login_failures(&subject))
            .await
    }
}
