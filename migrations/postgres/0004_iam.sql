-- The IAM (Keystone v3) face: token keys, revoked tokens, failed-login counters.
-- Keep column names and meanings identical to migrations/sqlite/0004_iam.sql.

-- Keys that encrypt and authenticate tokens. The newest row is the primary (it issues
-- tokens); every row validates tokens that name its id. The key material is sealed with the
-- master key (never in the database in the clear), bound to the key id.
CREATE TABLE token_keys (
    id         TEXT PRIMARY KEY,
    key_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Tokens revoked before they expire; rows past expires_at are useless and are deleted.
CREATE TABLE revoked_tokens (
    token_id   TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);
CREATE INDEX revoked_tokens_revoked ON revoked_tokens (revoked_at);

-- Failed password logins per subject ('user:<id>' or 'addr:<ip>') in the current window.
CREATE TABLE login_failures (
    subject      TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL
);
