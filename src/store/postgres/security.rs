//! The security policies (`core::policy`) on tokio-postgres (migration 0018):
//! `password_policies`, `login_policies`, `password_history`, `login_failures.locked_until`,
//! `users.last_login_at`.

use tokio_postgres::Row;

use super::sql::{execute, opt, rows};
use super::PgTx;
use crate::core::model::AccountId;
use crate::core::policy::*;
use crate::core::Error;

fn password_policy(r: &Row) -> Result<PasswordPolicy, Error> {
    Ok(PasswordPolicy {
        minimum_password_length: r.try_get(0)?,
        password_char_combination: r.try_get(1)?,
        password_not_username_or_invert: r.try_get(2)?,
        maximum_consecutive_identical_chars: r.try_get(3)?,
        minimum_password_age: r.try_get(4)?,
        number_of_recent_passwords_disallowed: r.try_get(5)?,
        password_validity_period: r.try_get(6)?,
        allow_user_to_change_password: r.try_get(7)?,
    })
}

fn login_policy(r: &Row) -> Result<LoginPolicy, Error> {
    Ok(LoginPolicy {
        login_failed_times: r.try_get(0)?,
        period_with_login_failures: r.try_get(1)?,
        lockout_duration: r.try_get(2)?,
        account_validity_period: r.try_get(3)?,
        session_timeout: r.try_get(4)?,
        show_recent_login_info: r.try_get(5)?,
        custom_info_for_login: r.try_get(6)?,
        stored: true,
        exact: None,
    })
}

impl<const WRITE: bool> SecurityRead for PgTx<WRITE> {
    fn password_policy(&mut self, account_id: &AccountId) -> Result<Option<PasswordPolicy>, Error> {
        self.run(async {
            opt(
                self.c(),
                "SELECT minimum_password_length, password_char_combination, \
                 password_not_username_or_invert, maximum_consecutive_identical_chars, \
                 minimum_password_age, number_of_recent_passwords_disallowed, \
                 password_validity_period, allow_user_to_change_password \
                 FROM password_policies WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?
            .as_ref()
            .map(password_policy)
            .transpose()
        })
    }

    fn login_policy(&mut self, account_id: &AccountId) -> Result<Option<LoginPolicy>, Error> {
        self.run(async {
            opt(
                self.c(),
                "SELECT login_failed_times, period_with_login_failures, lockout_duration, \
                 account_validity_period, session_timeout, show_recent_login_info, \
                 custom_info_for_login FROM login_policies WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?
            .as_ref()
            .map(login_policy)
            .transpose()
        })
    }

    fn password_history(&mut self, user_id: &str) -> Result<Vec<String>, Error> {
        self.run(async {
            rows(
                self.c(),
                "SELECT password_hash FROM password_history WHERE user_id = $1 \
                 ORDER BY replaced_at DESC",
                &[user_id.into()],
            )
            .await?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
        })
    }

    fn login_locked_until(&mut self, subject: &str) -> Result<i64, Error> {
        self.run(async {
            Ok(
                match opt(
                    self.c(),
                    "SELECT locked_until FROM login_failures WHERE subject = $1",
                    &[subject.into()],
                )
                .await?
                {
                    Some(r) => r.try_get(0)?,
                    None => 0,
                },
            )
        })
    }
}

impl SecurityWrite for PgTx<true> {
    fn put_password_policy(
        &mut self,
        account_id: &AccountId,
        p: &PasswordPolicy,
        now: i64,
    ) -> Result<(), Error> {
        self.run(async {
            execute(
                self.c(),
                "INSERT INTO password_policies (account_id, minimum_password_length, \
                 password_char_combination, password_not_username_or_invert, \
                 maximum_consecutive_identical_chars, minimum_password_age, \
                 number_of_recent_passwords_disallowed, password_validity_period, \
                 allow_user_to_change_password, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
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
                &[
                    account_id.into(),
                    p.minimum_password_length.into(),
                    p.password_char_combination.into(),
                    p.password_not_username_or_invert.into(),
                    p.maximum_consecutive_identical_chars.into(),
                    p.minimum_password_age.into(),
                    p.number_of_recent_passwords_disallowed.into(),
                    p.password_validity_period.into(),
                    p.allow_user_to_change_password.into(),
                    now.into(),
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn put_login_policy(
        &mut self,
        account_id: &AccountId,
        p: &LoginPolicy,
        now: i64,
    ) -> Result<(), Error> {
        self.run(async {
            execute(
                self.c(),
                "INSERT INTO login_policies (account_id, login_failed_times, \
                 period_with_login_failures, lockout_duration, account_validity_period, \
                 session_timeout, show_recent_login_info, custom_info_for_login, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (account_id) DO UPDATE SET \
                 login_failed_times = excluded.login_failed_times, \
                 period_with_login_failures = excluded.period_with_login_failures, \
                 lockout_duration = excluded.lockout_duration, \
                 account_validity_period = excluded.account_validity_period, \
                 session_timeout = excluded.session_timeout, \
                 show_recent_login_info = excluded.show_recent_login_info, \
                 custom_info_for_login = excluded.custom_info_for_login, \
                 updated_at = excluded.updated_at",
                &[
                    account_id.into(),
                    p.login_failed_times.into(),
                    p.period_with_login_failures.into(),
                    p.lockout_duration.into(),
                    p.account_validity_period.into(),
                    p.session_timeout.into(),
                    p.show_recent_login_info.into(),
                    (&p.custom_info_for_login).into(),
                    now.into(),
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn push_password_history(
        &mut self,
        user_id: &str,
        hash: Option<&str>,
        replaced_at: i64,
        keep: usize,
    ) -> Result<(), Error> {
        self.run(async {
            let c = self.c();
            if let (Some(h), true) = (hash, keep > 0) {
                execute(
                    c,
                    "INSERT INTO password_history (user_id, replaced_at, password_hash) \
                     VALUES ($1, $2, $3) ON CONFLICT (user_id, replaced_at) \
                     DO UPDATE SET password_hash = excluded.password_hash",
                    &[user_id.into(), replaced_at.into(), h.into()],
                )
                .await?;
            }
            execute(
                c,
                "DELETE FROM password_history WHERE user_id = $1 AND replaced_at NOT IN \
                 (SELECT replaced_at FROM password_history WHERE user_id = $1 \
                  ORDER BY replaced_at DESC LIMIT $2)",
                &[user_id.into(), (keep as i64).into()],
            )
            .await?;
            Ok(())
        })
    }

    fn lock_login(&mut self, subject: &str, until: i64) -> Result<(), Error> {
        self.run(async {
            execute(
                self.c(),
                "UPDATE login_failures SET locked_until = $1, failures = 0 WHERE subject = $2",
                &[until.into(), subject.into()],
            )
            .await?;
            Ok(())
        })
    }

    fn set_last_login(&mut self, user_id: &str, at: i64) -> Result<(), Error> {
        self.run(async {
            execute(
                self.c(),
                "UPDATE users SET last_login_at = $1 WHERE id = $2",
                &[at.into(), user_id.into()],
            )
            .await?;
            Ok(())
        })
    }
}
