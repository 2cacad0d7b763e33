//! An account's security policies: its password policy and its login policy (Huawei IAM's
//! `/v3.0/OS-SECURITYPOLICY/domains/{id}/password-policy|login-policy` and `/v5/password-policy|
//! login-policy`; Keystone's `[security_compliance]` options, per account). The rules here
//! take a policy; an account that never set one has the default: the fixed rules Roster had
//! before (8 to 32 characters, three kinds of characters, not the user name) and the server's
//! login limits (`LoginLimits`: failures per user within a window).
//!
//! Units are the wire's (Huawei IAM API reference, "Security Settings"): minutes for
//! `minimum_password_age`, `period_with_login_failures`, `lockout_duration` and
//! `session_timeout`; days for `password_validity_period` and `account_validity_period`.

use super::directory::LoginLimits;
use super::model::AccountId;
use super::Error;

/// The longest password any policy allows (Huawei's `maximum_password_length`, read-only).
pub const MAXIMUM_PASSWORD_LENGTH: i64 = 32;
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

/// A password policy. `Default` is the rule Roster always had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// 6 to 32.
    pub minimum_password_length: i64,
    /// How many of the four kinds (lower case, upper case, digits, special characters) a
    /// password holds at least: 2 to 4.
    pub password_char_combination: i64,
    /// The password must not contain the user name or the name reversed.
    pub password_not_username_or_invert: bool,
    /// Most times one character may appear in a row; 0: any (0 to 32).
    pub maximum_consecutive_identical_chars: i64,
    /// Minutes a password must be kept before its user may change it again; 0 to 1440.
    pub minimum_password_age: i64,
    /// A new password must differ from this many most recent ones, the current one
    /// included (Keystone's `unique_last_password_count`); 0 to 10, 0 or 1: no history.
    pub number_of_recent_passwords_disallowed: i64,
    /// Days a password is valid; 0 (no expiry) to 180.
    pub password_validity_period: i64,
    /// Whether users may change their own password (`POST /v3/users/{id}/password`).
    pub allow_user_to_change_password: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            minimum_password_length: 8,
            password_char_combination: 3,
            password_not_username_or_invert: true,
            maximum_consecutive_identical_chars: 0,
            minimum_password_age: 0,
            number_of_recent_passwords_disallowed: 0,
            password_validity_period: 0,
            allow_user_to_change_password: true,
        }
    }
}

/// A partial update of a password policy: `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct PasswordPolicyPatch {
    pub minimum_password_length: Option<i64>,
    pub password_char_combination: Option<i64>,
    pub password_not_username_or_invert: Option<bool>,
    pub maximum_consecutive_identical_chars: Option<i64>,
    pub minimum_password_age: Option<i64>,
    pub number_of_recent_passwords_disallowed: Option<i64>,
    pub password_validity_period: Option<i64>,
    pub allow_user_to_change_password: Option<bool>,
}

fn range(field: &str, v: i64, lo: i64, hi: i64) -> Result<(), Error> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{field} must be between {lo} and {hi}, not {v}"
        )))
    }
}

/// The four kinds of characters a password is made of, and how many of them it holds.
fn kinds(password: &str) -> usize {
    [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

impl PasswordPolicy {
    /// The policy with `p`'s values, checked against the ranges of the Huawei API
    /// reference. Errors: `Invalid` naming the field.
    pub fn patched(&self, p: &PasswordPolicyPatch) -> Result<PasswordPolicy, Error> {
        let mut n = self.clone();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = p.$f { n.$f = v; } )* };
        }
        set!(
            minimum_password_length,
            password_char_combination,
            password_not_username_or_invert,
            maximum_consecutive_identical_chars,
            minimum_password_age,
            number_of_recent_passwords_disallowed,
            password_validity_period,
            allow_user_to_change_password
        );
        range(
            "minimum_password_length",
            n.minimum_password_length,
            6,
            MAXIMUM_PASSWORD_LENGTH,
        )?;
        range(
            "password_char_combination",
            n.password_char_combination,
            2,
            4,
        )?;
        range(
            "maximum_consecutive_identical_chars",
            n.maximum_consecutive_identical_chars,
            0,
            32,
        )?;
        range("minimum_password_age", n.minimum_password_age, 0, 1440)?;
        range(
            "number_of_recent_passwords_disallowed",
            n.number_of_recent_passwords_disallowed,
            0,
            10,
        )?;
        range(
            "password_validity_period",
            n.password_validity_period,
            0,
            180,
        )?;
        Ok(n)
    }

    /// Checks a new password of the user `user_name` against the policy (length, kinds,
    /// characters in a row, the user name). History and age are the operation's (they need
    /// the stored hashes). Errors: `InvalidPassword` saying which rule.
    pub fn check(&self, password: &str, user_name: &str) -> Result<(), Error> {
        let n = password.chars().count() as i64;
        if n < self.minimum_password_length || n > MAXIMUM_PASSWORD_LENGTH {
            return Err(Error::InvalidPassword(format!(
                "password must have {} to {MAXIMUM_PASSWORD_LENGTH} characters",
                self.minimum_password_length
            )));
        }
        if (kinds(password) as i64) < self.password_char_combination {
            return Err(Error::InvalidPassword(format!(
                "password must contain at least {} of: lower-case letters, upper-case letters, digits, special characters",
                word(self.password_char_combination)
            )));
        }
        let max = self.maximum_consecutive_identical_chars;
        if max > 0 {
            let mut run = 0;
            let mut last = None;
            for c in password.chars() {
                run = if Some(c) == last { run + 1 } else { 1 };
                last = Some(c);
                if run > max {
                    return Err(Error::InvalidPassword(format!(
                        "password must not repeat a character more than {max} times in a row"
                    )));
                }
            }
        }
        if self.password_not_username_or_invert {
            let lower = password.to_lowercase();
            let name = user_name.to_lowercase();
            let reversed: String = name.chars().rev().collect();
            if !name.is_empty() && (lower.contains(&name) || lower.contains(&reversed)) {
                return Err(Error::InvalidPassword(
                    "password must not contain the user name or its reverse".into(),
                ));
            }
        }
        Ok(())
    }

    /// Huawei's `password_requirements`: the rules in words.
    pub fn requirements(&self) -> String {
        let mut s = format!(
            "{} to {MAXIMUM_PASSWORD_LENGTH} characters, with at least {} of: lower-case letters, upper-case letters, digits, special characters",
            self.minimum_password_length,
            word(self.password_char_combination)
        );
        if self.password_not_username_or_invert {
            s.push_str("; not containing the user name or its reverse");
        }
        if self.maximum_consecutive_identical_chars > 0 {
            s.push_str(&format!(
                "; no character more than {} times in a row",
                self.maximum_consecutive_identical_chars
            ));
        }
        s
    }

    /// When a password set at `now` expires (Unix ms); 0: never.
    pub fn expires_at(&self, now: i64) -> i64 {
        if self.password_validity_period == 0 {
            0
        } else {
            now + self.password_validity_period * DAY_MS
        }
    }

    /// How many previous passwords (besides the current one) the history keeps.
    pub fn history_kept(&self) -> usize {
        (self.number_of_recent_passwords_disallowed - 1).max(0) as usize
    }

    /// The minimum age in ms.
    pub fn minimum_age_ms(&self) -> i64 {
        self.minimum_password_age * MINUTE_MS
    }
}

fn word(n: i64) -> &'static str {
    match n {
        2 => "two",
        3 => "three",
        4 => "four",
        _ => "one",
    }
}

/// A login policy. An account without one has [`LoginPolicy::default_for`] the server's
/// limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failed logins within `period_with_login_failures` that lock the user out: 3 to 10.
    pub login_failed_times: i64,
    /// Minutes: 15 to 60.
    pub period_with_login_failures: i64,
    /// Minutes the user stays locked out: 15 to 1440 (v3 says 30 at most; v5 1440).
    pub lockout_duration: i64,
    /// Days without a login after which a user (not the account's root user) gets no
    /// token; 0 (off) to 240. Huawei's v5 names it `user_validity_period`.
    pub account_validity_period: i64,
    /// Minutes a token lives at most: 15 to 1440.
    pub session_timeout: i64,
    /// Whether the console shows the last login (kept for the console; no API shows it).
    pub show_recent_login_info: bool,
    /// A message for the login page: at most 64 characters of single-line text, none of
    /// `@#%&<>\$^*`.
    pub custom_info_for_login: String,
    /// Whether this is the account's own policy (false: the server's defaults).
    pub stored: bool,
    /// The exact lengths the defaults come from (the server's settings are in seconds):
    /// `None` for a stored policy, whose minutes are exact.
    pub exact: Option<ExactLimits>,
}

/// The server's limits in ms, behind a default login policy (whose wire values are
/// rounded up to minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactLimits {
    pub window_ms: i64,
    pub token_ttl_ms: i64,
}

/// A partial update of a login policy: `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct LoginPolicyPatch {
    pub login_failed_times: Option<i64>,
    pub period_with_login_failures: Option<i64>,
    pub lockout_duration: Option<i64>,
    pub account_validity_period: Option<i64>,
    pub session_timeout: Option<i64>,
    pub show_recent_login_info: Option<bool>,
    pub custom_info_for_login: Option<String>,
}

fn minutes_up(ms: i64) -> i64 {
    (ms + MINUTE_MS - 1) / MINUTE_MS
}

impl LoginPolicy {
    /// The default policy: the server's per-user limit of failed logins and its window
    /// (which is also how long a user stays locked out), tokens of the server's lifetime.
    pub fn default_for(limits: &LoginLimits, token_ttl_ms: i64) -> LoginPolicy {
        LoginPolicy {
            login_failed_times: limits.max_per_user,
            period_with_login_failures: minutes_up(limits.window_ms),
            lockout_duration: minutes_up(limits.window_ms),
            account_validity_period: 0,
            session_timeout: minutes_up(token_ttl_ms),
            show_recent_login_info: false,
            custom_info_for_login: String::new(),
            stored: false,
            exact: Some(ExactLimits {
                window_ms: limits.window_ms,
                token_ttl_ms,
            }),
        }
    }

    /// The policy with `p`'s values, each checked against its range in the Huawei API
    /// reference; the result is a stored policy (the minutes of a default one are kept as
    /// they are shown). Errors: `Invalid` naming the field.
    pub fn patched(&self, p: &LoginPolicyPatch) -> Result<LoginPolicy, Error> {
        let mut n = self.clone();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = &p.$f { n.$f = v.clone(); } )* };
        }
        set!(
            login_failed_times,
            period_with_login_failures,
            lockout_duration,
            account_validity_period,
            session_timeout,
            show_recent_login_info,
            custom_info_for_login
        );
        n.stored = true;
        n.exact = None;
        // only the values given are held to the ranges: one left as it was may be a
        // default of the server's (a window of seconds is a minute here)
        let given = [
            ("login_failed_times", p.login_failed_times, 3, 10),
            (
                "period_with_login_failures",
                p.period_with_login_failures,
                15,
                60,
            ),
            ("lockout_duration", p.lockout_duration, 15, 1440),
            ("account_validity_period", p.account_validity_period, 0, 240),
            ("session_timeout", p.session_timeout, 15, 1440),
        ];
        for (field, v, lo, hi) in given {
            if let Some(v) = v {
                range(field, v, lo, hi)?;
            }
        }
        super::validate::normalize(&mut n.custom_info_for_login);
        super::validate::text("custom_info_for_login", &n.custom_info_for_login, 64)?;
        if let Some(c) = n
            .custom_info_for_login
            .chars()
            .find(|c| "@#%&<>\\$^*".contains(*c))
        {
            return Err(Error::invalid(format!(
                "custom_info_for_login must not contain {c}"
            )));
        }
        Ok(n)
    }

    /// Failures within `window_ms` that lock a user out.
    pub fn window_ms(&self) -> i64 {
        match self.exact {
            Some(e) => e.window_ms,
            None => self.period_with_login_failures * MINUTE_MS,
        }
    }

    /// How long a locked-out user stays so.
    pub fn lockout_ms(&self) -> i64 {
        match self.exact {
            Some(e) => e.window_ms,
            None => self.lockout_duration * MINUTE_MS,
        }
    }

    /// The longest life of a token.
    pub fn session_ms(&self) -> i64 {
        match self.exact {
            Some(e) => e.token_ttl_ms,
            None => self.session_timeout * MINUTE_MS,
        }
    }

    /// The inactivity after which a user gets no token; `None`: off.
    pub fn validity_ms(&self) -> Option<i64> {
        (self.account_validity_period > 0).then(|| self.account_validity_period * DAY_MS)
    }
}

/// What the security policies need from storage (migration 0018): part of `ReadTx`.
pub trait SecurityRead {
    /// The account's own password policy; `None`: it has the default.
    fn password_policy(&mut self, account_id: &AccountId) -> Result<Option<PasswordPolicy>, Error>;
    /// The account's own login policy (`stored`, no `exact`); `None`: the default.
    fn login_policy(&mut self, account_id: &AccountId) -> Result<Option<LoginPolicy>, Error>;
    /// Hashes of the user's previous passwords, the most recently replaced first.
    fn password_history(&mut self, user_id: &str) -> Result<Vec<String>, Error>;
    /// Until when (Unix ms) a login subject is locked out; 0: it is not.
    fn login_locked_until(&mut self, subject: &str) -> Result<i64, Error>;
}

/// Writes of the security policies, in the operation's transaction: part of `WriteTx`.
pub trait SecurityWrite {
    /// Inserts or replaces the account's password policy.
    fn put_password_policy(
        &mut self,
        account_id: &AccountId,
        p: &PasswordPolicy,
        now: i64,
    ) -> Result<(), Error>;
    /// Inserts or replaces the account's login policy.
    fn put_login_policy(
        &mut self,
        account_id: &AccountId,
        p: &LoginPolicy,
        now: i64,
    ) -> Result<(), Error>;
    /// Records `hash` as a previous password of the user (replaced at `replaced_at`) and
    /// keeps only the `keep` most recent ones (0: none).
    fn push_password_history(
        &mut self,
        user_id: &str,
        hash: Option<&str>,
        replaced_at: i64,
        keep: usize,
    ) -> Result<(), Error>;
    /// Locks a login subject (which has a failure row) out until `until`; its count of
    /// failures starts again from 0.
    fn lock_login(&mut self, subject: &str, until: i64) -> Result<(), Error>;
    /// Records a password login of the user at `at`.
    fn set_last_login(&mut self, user_id: &str, at: i64) -> Result<(), Error>;
}

/// Keystone's user options (Keystone API reference, "User options"), as a JSON object of
/// the options set. Values are checked by name; a `null` in an update removes the option.
/// Roster honours `ignore_password_expiry`, `ignore_lockout_failure_attempts`,
/// `ignore_user_inactivity`, `ignore_change_password_upon_first_use` and `lock_password`
/// (no self-service change); the multi-factor options are kept and shown (Roster serves
/// the password method only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserOptions(pub serde_json::Map<String, serde_json::Value>);

const BOOL_OPTIONS: &[&str] = &[
    "ignore_change_password_upon_first_use",
    "ignore_password_expiry",
    "ignore_lockout_failure_attempts",
    "lock_password",
    "ignore_user_inactivity",
    "multi_factor_auth_enabled",
];

impl UserOptions {
    /// Options as a client sent them (`options` of a Keystone user). Errors: `Invalid` for
    /// an option Keystone does not know or a value of the wrong type.
    pub fn parse(v: &serde_json::Value) -> Result<UserOptions, Error> {
        let obj = v
            .as_object()
            .ok_or_else(|| Error::invalid("options must be an object"))?;
        for (k, v) in obj {
            let ok = if BOOL_OPTIONS.contains(&k.as_str()) {
                v.is_boolean() || v.is_null()
            } else if k == "multi_factor_auth_rules" {
                v.is_null()
                    || v.as_array().is_some_and(|rules| {
                        rules.iter().all(|r| {
                            r.as_array()
                                .is_some_and(|m| !m.is_empty() && m.iter().all(|x| x.is_string()))
                        })
                    })
            } else {
                return Err(Error::invalid(format!("{k} is not a user option")));
            };
            if !ok {
                return Err(Error::invalid(format!(
                    "options.{k} has a value of the wrong type"
                )));
            }
        }
        Ok(UserOptions(obj.clone()))
    }

    /// The stored form (a JSON object); a stored text that is not one reads as no option.
    pub fn from_stored(s: &str) -> UserOptions {
        match serde_json::from_str(s) {
            Ok(serde_json::Value::Object(m)) => UserOptions(m),
            _ => UserOptions::default(),
        }
    }

    pub fn to_stored(&self) -> String {
        serde_json::Value::Object(self.0.clone()).to_string()
    }

    /// These options over `self`'s: a `null` removes one.
    pub fn merged(&self, update: &UserOptions) -> UserOptions {
        let mut m = self.0.clone();
        for (k, v) in &update.0 {
            if v.is_null() {
                m.remove(k);
            } else {
                m.insert(k.clone(), v.clone());
            }
        }
        UserOptions(m)
    }

    /// Whether a boolean option is set to true.
    pub fn flag(&self, name: &str) -> bool {
        self.0.get(name).and_then(|v| v.as_bool()).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_old_rule() {
        let p = PasswordPolicy::default();
        assert!(p.check("Secret#2024", "alice").is_ok());
        assert!(p.check("short1A", "alice").is_err());
        assert!(p.check("alllowercase", "alice").is_err());
        assert!(p.check("Alice#2024xx", "alice").is_err());
        assert!(p.check("ecila#2024XX", "alice").is_err());
        assert!(p.check(&"Ab1#".repeat(9), "alice").is_err());
    }

    #[test]
    fn rules_follow_the_policy() {
        let p = PasswordPolicy::default()
            .patched(&PasswordPolicyPatch {
                minimum_password_length: Some(12),
                password_char_combination: Some(4),
                maximum_consecutive_identical_chars: Some(2),
                password_not_username_or_invert: Some(false),
                ..Default::default()
            })
            .unwrap();
        assert!(p.check("Secret#2024", "bob").is_err());
        assert!(p.check("Secret#20245", "bob").is_ok());
        assert!(p.check("Secret#202455", "bob").is_ok());
        assert!(p.check("Secret#2024555", "bob").is_err());
        assert!(p.check("Secretbob20245", "bob").is_err());
        assert!(p.check("Secret#bob2024", "bob").is_ok());
        for bad in [
            PasswordPolicyPatch {
                minimum_password_length: Some(5),
                ..Default::default()
            },
            PasswordPolicyPatch {
                password_char_combination: Some(1),
                ..Default::default()
            },
            PasswordPolicyPatch {
                number_of_recent_passwords_disallowed: Some(11),
                ..Default::default()
            },
        ] {
            assert!(PasswordPolicy::default().patched(&bad).is_err());
        }
    }

    #[test]
    fn login_defaults_are_the_server_limits() {
        let limits = LoginLimits {
            max_per_user: 2,
            max_per_addr: 20,
            window_ms: 3_000,
        };
        let d = LoginPolicy::default_for(&limits, 3_600_000);
        assert_eq!(
            (d.login_failed_times, d.lockout_duration, d.session_timeout),
            (2, 1, 60)
        );
        assert_eq!((d.window_ms(), d.lockout_ms()), (3_000, 3_000));
        let s = d
            .patched(&LoginPolicyPatch {
                login_failed_times: Some(3),
                period_with_login_failures: Some(15),
                lockout_duration: Some(20),
                session_timeout: Some(30),
                ..Default::default()
            })
            .unwrap();
        assert!(s.stored);
        assert_eq!((s.window_ms(), s.lockout_ms()), (900_000, 1_200_000));
        assert!(d
            .patched(&LoginPolicyPatch {
                custom_info_for_login: Some("a#b".into()),
                ..Default::default()
            })
            .is_err());
    }
}
