-- The Quick BI face (issue 6). Keep identical in meaning to migrations/sqlite/0005.

-- What a Quick BI organization keeps about a member beyond the directory user (the user is
-- the member; the account is the organization). A user without a row here has the defaults
-- of src/core/directory/org_members.rs.
CREATE TABLE quickbi_members (
    user_id           TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    -- 1 developer, 2 visitor, 3 analyst
    user_type         BIGINT NOT NULL,
    -- organization role ids wrapped in commas (',111111111,111111113,') so that one role is
    -- matched with LIKE '%,id,%'
    role_ids          TEXT NOT NULL,
    -- comma-separated Copilot module names
    copilot_modules   TEXT NOT NULL DEFAULT '',
    -- the Alibaba Cloud account id the caller gave (AddUser's AccountId), kept as given
    aliyun_account_id TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX quickbi_members_account ON quickbi_members (account_id);

-- Nonces of signed Alibaba requests already accepted, per access key, kept until the request's
-- time leaves the clock window (expires_at, Unix ms): a replay within the window is refused on
-- every node because the insert of its nonce conflicts here.
CREATE TABLE acs_nonces (
    access_key TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (access_key, nonce)
);
CREATE INDEX acs_nonces_expires ON acs_nonces (expires_at);
