-- Roster directory schema, SQLite flavour. Keep column names and meanings identical to
-- migrations/postgres: the queries in src/store are shared by both backends.

CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    -- bumped by every hierarchy change; the UPDATE serialises group moves per account
    hierarchy_version INTEGER NOT NULL DEFAULT 0,
    -- exact numbers of users and groups, kept by src/store in the same transaction as every
    -- insert and delete: unfiltered listings need no count(*) scan
    user_count        INTEGER NOT NULL DEFAULT 0,
    group_count       INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);

CREATE TABLE projects (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE users (
    seq                        INTEGER PRIMARY KEY,
    id                         TEXT NOT NULL UNIQUE,
    account_id                 TEXT NOT NULL REFERENCES accounts(id),
    name                       TEXT NOT NULL,
    name_fold                  TEXT NOT NULL,
    description                TEXT NOT NULL DEFAULT '',
    description_fold           TEXT NOT NULL DEFAULT '',
    email                      TEXT NOT NULL DEFAULT '',
    phone                      TEXT NOT NULL DEFAULT '',
    alias_name                 TEXT NOT NULL DEFAULT '',
    active_type                TEXT NOT NULL,
    platform_type              TEXT NOT NULL DEFAULT 'LOCAL',
    domain                     TEXT NOT NULL DEFAULT '',
    enterprise_project_id      TEXT NOT NULL DEFAULT '0',
    user_info_map              TEXT NOT NULL DEFAULT '',
    account_expires            INTEGER NOT NULL DEFAULT 0,
    password_hash              TEXT,
    enable_change_password     INTEGER NOT NULL DEFAULT 1,
    next_login_change_password INTEGER NOT NULL DEFAULT 0,
    password_never_expired     INTEGER NOT NULL DEFAULT 0,
    locked                     INTEGER NOT NULL DEFAULT 0,
    disabled                   INTEGER NOT NULL DEFAULT 0,
    is_root                    INTEGER NOT NULL DEFAULT 0,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    UNIQUE (account_id, name_fold)
);
CREATE INDEX users_account_seq ON users (account_id, seq);

CREATE TABLE user_groups (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    name          TEXT NOT NULL,
    name_fold     TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    platform_type TEXT NOT NULL DEFAULT 'LOCAL',
    domain        TEXT NOT NULL DEFAULT '',
    parent_id     TEXT REFERENCES user_groups(id),
    -- ids from the root down to this group, joined by '/'; depth = number of ids
    path          TEXT NOT NULL,
    depth         INTEGER NOT NULL,
    user_quantity INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT NOT NULL DEFAULT '',
    updated_by    TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, name_fold)
);
CREATE INDEX user_groups_account_seq ON user_groups (account_id, seq);
CREATE INDEX user_groups_parent ON user_groups (parent_id);

CREATE TABLE memberships (
    group_id   TEXT NOT NULL REFERENCES user_groups(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE access_keys (
    access_key    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    -- AES-256-GCM under the server's master key, which never enters the database
    secret_sealed TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    created_at    INTEGER NOT NULL
);
CREATE INDEX access_keys_user ON access_keys (user_id);

-- Substring search: contentless FTS5 trigram indexes over the case-folded columns.
-- Two U+0001 characters are appended to every indexed value so that every substring of one
-- or two characters is the prefix of some indexed trigram (see src/store/search.rs).
CREATE VIRTUAL TABLE user_groups_fts USING fts5(
    name, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
CREATE VIRTUAL TABLE user_groups_fts_vocab USING fts5vocab(user_groups_fts, 'col');

CREATE TRIGGER user_groups_fts_ins AFTER INSERT ON user_groups BEGIN
    INSERT INTO user_groups_fts (rowid, name) VALUES (new.seq, new.name_fold || char(1, 1));
END;
CREATE TRIGGER user_groups_fts_del AFTER DELETE ON user_groups BEGIN
    DELETE FROM user_groups_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER user_groups_fts_upd AFTER UPDATE OF name_fold ON user_groups BEGIN
    DELETE FROM user_groups_fts WHERE rowid = old.seq;
    INSERT INTO user_groups_fts (rowid, name) VALUES (new.seq, new.name_fold || char(1, 1));
END;

CREATE VIRTUAL TABLE users_fts USING fts5(
    name, description, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
CREATE VIRTUAL TABLE users_fts_vocab USING fts5vocab(users_fts, 'col');

CREATE TRIGGER users_fts_ins AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, name, description)
    VALUES (new.seq, new.name_fold || char(1, 1), new.description_fold || char(1, 1));
END;
CREATE TRIGGER users_fts_del AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER users_fts_upd AFTER UPDATE OF name_fold, description_fold ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.seq;
    INSERT INTO users_fts (rowid, name, description)
    VALUES (new.seq, new.name_fold || char(1, 1), new.description_fold || char(1, 1));
END;
