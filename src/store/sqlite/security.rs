//! The security policies (`core::policy`) on rusqlite (migration 0018): `password_policies`,
//! `login_policies`, `password_history`, `login_failures.locked_until`, `users.last_login_at`.

use rusqlite::{OptionalExtension, Row};

use super::SqliteTx;
use crate::core::model::AccountId;
use crate::core::policy::*;
use crate::core::Error;

fn password_policy(r: &Row<'_>) -> rusqlite::Result<PasswordPolicy> {
    Ok(PasswordPolicy {
        minimum_password_length: r.get(0)?,
        password_char_combination: r.get(1)?,
        password_not_username_or_invert: r.get(2)?,
        maximum_consecutive_identical_chars: r.get(3)?,
        minimum_password_age: r.get(4)?,
        number_of_recent_passwords_disallowed: r.get(5)?,
        password_validity_period: r.get(6)?,
        allow_user_to_change_password: r.get(7)?,
    })
}

fn login_policy(r: &Row<'_>) -> rusqlite::Result<LoginPolicy> {
    Ok(LoginPolicy {
        login_failed_times: r.get(0)?,
        period_with_login_failures: r.get(1)?,
        lockout_duration: r.get(2)?,
        account_validity_period: r.get(3)?,
        session_timeout: r.get(4)?,
        show_recent_login_info: r.get(5)?,
        custom_info_for_login: r.get(6)?,
        stored: true,
        exact: None,
    })
}

impl<const WRITE: bool> SecurityRead for SqliteTx<WRITE> {
    fn password_policy(&mut self, account_id: &AccountId) -> Result<Option<PasswordPolicy>, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT minimum_password_length, password_char_combination, \
                 password_not_username_or_invert, maximum_consecutive_identical_chars, \
                 minimum_password_age, number_of_recent_passwords_disallowed, \
                 password_validity_period, allow_user_to_change_password \
                 FROM password_policies WHERE account_id = ?",
            )?
            .query_row([account_id], password_policy)
            .optional()?)
    }

    fn login_policy(&mut self, account_id: &AccountId) -> Result<Option<LoginPolicy>, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT login_failed_times, period_with_login_failures, lockout_duration, \
                 account_validity_period, session_timeout, show_recent_login_info, \
                 custom_info_for_login FROM login_policies WHERE account_id = ?",
            )?
            .query_row([account_id], login_policy)
            .optional()?)
    }

    fn password_history(&mut self, user_id: &str) -> Result<Vec<String>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT password_hash FROM password_history WHERE user_id = ? \
             ORDER BY replaced_at DESC",
        )?;
        let rows = stmt.query_map([user_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn login_locked_until(&mut self, subject: &str) -> Result<i64, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT locked_until FROM login_failures WHERE subject = ?")?
            .query_row([subject], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }
}

impl SecurityWrite for SqliteTx<true> {
    fn put_password_policy(
        &mut self,
        account_id: &AccountId,
        p: &PasswordPolicy,
        now: i64,
    ) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO password_policies (account_id, minimum_password_length, \
                 password_char_combination, password_not_username_or_invert, \
                 maximum_consecutive_identical_chars, minimum_password_age, \
                 number_of_recent_passwords_disallowed, password_validity_period, \
                 allow_user_to_change_password, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (account_id) DO UPDATE SET \
                 minimum_password_length = excluded.minimum_password_length, \
                 password_char_combination = excluded.password_char_combination, \
                 password_not_username_or_invert = excluded.password_not_username_or_invert, \
                 maximum_consecutive_identical_chars = excluded.maximum_consecutive_identical_chars, \
                 minimum_password_age = excluded.minimum_password_age, \
                 number_of_recent_passwords_disallowed = excluded.number_of_recent_passwords_disallowed, \
                 password_validity_period = excluded.password_validity_period, \
                 allow_user_to_change_password = excluded.allow_user_to_change_password, \
                 updated_at = excluded.updated_at",
            )?
            .execute(rusqlite::params![
                account_id,
                p.minimum_password_length,
                p.password_char_combination,
                p.password_not_username_or_invert,
                p.maximum_consecutive_identical_chars,
                p.minimum_password_age,
                p.number_of_recent_passwords_disallowed,
                p.password_validity_period,
                p.allow_user_to_change_password,
                now
            ])?;
        Ok(())
    }

    fn put_login_policy(
        &mut self,
        account_id: &AccountId,
        p: &LoginPolicy,
        now: i64,
    ) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO login_policies (account_id, login_failed_times, \
                 period_with_login_failures, lockout_duration, account_validity_period, \
                 session_timeout, show_recent_login_info, custom_info_for_login, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (account_id) DO UPDATE SET \
                 login_failed_times = excluded.login_failed_times, \
                 period_with_login_failures = excluded.period_with_login_failures, \
                 lockout_duration = excluded.lockout_duration, \
                 account_validity_period = excluded.account_validity_period, \
                 session_timeout = excluded.session_timeout, \
                 show_recent_login_info = excluded.show_recent_login_info, \
                 custom_info_for_login = excluded.custom_info_for_login, \
                 updated_at = excluded.updated_at",
            )?
            .execute(rusqlite::params![
                account_id,
                p.login_failed_times,
                p.period_with_login_failures,
                p.lockout_duration,
                p.account_validity_period,
                p.session_timeout,
                p.show_recent_login_info,
                p.custom_info_for_login,
                now
            ])?;
        Ok(())
    }

    fn push_password_history(
        &mut self,
        user_id: &str,
        hash: Option<&str>,
        replaced_at: i64,
        keep: usize,
    ) -> Result<(), Error> {
        if let (Some(h), true) = (hash, keep > 0) {
            self.conn
                .prepare_cached(
                    "INSERT INTO password_history (user_id, replaced_at, password_hash) \
                     VALUES (?, ?, ?) ON CONFLICT (user_id, replaced_at) \
                     DO UPDATE SET password_hash = excluded.password_hash",
                )?
                .execute(rusqlite::params![user_id, replaced_at, h])?;
        }
        self.conn
            .prepare_cached(
                "DELETE FROM password_history WHERE user_id = ?1 AND replaced_at NOT IN \
                 (SELECT replaced_at FROM password_history WHERE user_id = ?1 \
                  ORDER BY replaced_at DESC LIMIT ?2)",
            )?
            .execute(rusqlite::params![user_id, keep as i64])?;
        Ok(())
    }

    fn lock_login(&mut self, subject: &str, until: i64) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "UPDATE login_failures SET locked_until = ?, failures = 0 WHERE subject = ?",
            )?
            .execute(rusqlite::params![until, subject])?;
        Ok(())
    }

    fn set_last_login(&mut self, user_id: &str, at: i64) -> Result<(), Error> {
        self.conn
            .prepare_cached("UPDATE users SET last_login_at = ? WHERE id = ?")?
            .execute(rusqlite::params![at, user_id])?;
        Ok(())
    }
}
