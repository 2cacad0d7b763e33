-- Security policies (issue 15): an account's password policy and login policy (Huawei IAM's
-- /v3.0/OS-SECURITYPOLICY and /v5 password-policy / login-policy), the password history
-- they need, a password's expiry and the Keystone attributes of users, and the lockout of a
-- user after repeated login failures. Keep column names and meanings identical to
-- migrations/sqlite/0018_security_policies.sql (flags are BOOLEAN here, 0/1 INTEGERs there).
--
-- An account without a row in password_policies (login_policies) has the default policy
-- (`core::policy`): today's fixed password rules and the server's login limits.

CREATE TABLE password_policies (
    account_id                            TEXT PRIMARY KEY REFERENCES accounts(id),
    minimum_password_length               BIGINT NOT NULL,
    password_char_combination             BIGINT NOT NULL,
    password_not_username_or_invert       BOOLEAN NOT NULL,
    -- 0: no limit
    maximum_consecutive_identical_chars   BIGINT NOT NULL,
    -- minutes; 0: none
    minimum_password_age                  BIGINT NOT NULL,
    -- the new password must differ from this many most recent ones (the current one
    -- included); 0: no history
    number_of_recent_passwords_disallowed BIGINT NOT NULL,
    -- days; 0: passwords do not expire
    password_validity_period              BIGINT NOT NULL,
    allow_user_to_change_password         BOOLEAN NOT NULL,
    updated_at                            BIGINT NOT NULL
);

CREATE TABLE login_policies (
    account_id                 TEXT PRIMARY KEY REFERENCES accounts(id),
    -- failures within period_with_login_failures minutes that lock the user for
    -- lockout_duration minutes
    login_failed_times         BIGINT NOT NULL,
    period_with_login_failures BIGINT NOT NULL,
    lockout_duration           BIGINT NOT NULL,
    -- days without a login after which a user (not the root user) gets no token; 0: off
    account_validity_period    BIGINT NOT NULL,
    -- minutes: the longest life of a token
    session_timeout            BIGINT NOT NULL,
    show_recent_login_info     BOOLEAN NOT NULL,
    custom_info_for_login      TEXT NOT NULL DEFAULT '',
    updated_at                 BIGINT NOT NULL
);

-- The hashes of a user's previous passwords (not the current one, which is
-- users.password_hash), the newest kept as the password policy's history needs.
CREATE TABLE password_history (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- Unix ms when it stopped being the user's password
    replaced_at   BIGINT NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, replaced_at)
);

-- Unix ms when the user's password expires (0: never), set when the password is set.
ALTER TABLE users ADD COLUMN password_expires_at BIGINT NOT NULL DEFAULT 0;
-- Unix ms of the user's last password login (0: none): the login policy's
-- account_validity_period counts from it (or from the user's creation).
ALTER TABLE users ADD COLUMN last_login_at BIGINT NOT NULL DEFAULT 0;
-- Keystone's default_project_id ('' = none) and the user's options (a JSON object of
-- Keystone's user options: ignore_lockout_failure_attempts, lock_password, ...).
ALTER TABLE users ADD COLUMN default_project_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN options TEXT NOT NULL DEFAULT '{}';

-- A user locked out by its login failures until this Unix ms (0: not locked); only rows of
-- 'user:<id>' subjects are ever locked.
ALTER TABLE login_failures ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
