-- Authorization (core::authz::store): custom roles, grants of roles to groups, identity
-- policies with their versions and attachments. Keep column names and meanings identical
-- to migrations/sqlite/0015_authorization.sql. (0014 is another change's number.)
--
-- The store keeps beneath these tables what no constraint here says: deleting a group
-- deletes its grants and attachments, deleting a user its attachments, deleting a custom
-- role its grants, deleting an identity policy its versions and attachments (in the
-- transaction of the deletion; src/store/{sqlite,postgres}/authz.rs and the deletions of
-- users and groups).

-- A custom policy of an account (/v3.0/OS-ROLE/roles). name is custom_{account}_{n}.
CREATE TABLE custom_roles (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    name           TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    description_cn TEXT NOT NULL DEFAULT '',
    -- AX or XA
    role_type      TEXT NOT NULL,
    -- the Version 1.1 document, compact JSON
    policy         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (account_id, name),
    UNIQUE (account_id, display_name)
);

-- A role granted to a group. group_id is the group's stored key (user_groups.id, see
-- src/store/common.rs `key`; no foreign key: its check on every group deletion would scan
-- this table, whose key leads with account_id); role_id a system role's id (no row
-- anywhere) or a custom role's. scope_id is the project's id for scope_kind 'project', ''
-- otherwise.
CREATE TABLE role_assignments (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    group_id   TEXT NOT NULL,
    role_id    TEXT NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('domain', 'project', 'all_projects')),
    scope_id   TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, group_id, role_id, scope_kind, scope_id),
    CHECK ((scope_kind = 'project') = (scope_id <> ''))
);
CREATE INDEX role_assignments_role ON role_assignments (account_id, role_id);

-- An identity policy (/v5/policies); its documents are its versions.
CREATE TABLE identity_policies (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id),
    name               TEXT NOT NULL,
    path               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    -- v1, v2, ...: the version that counts
    default_version_id TEXT NOT NULL,
    -- the number the next version gets (versions are never renumbered)
    next_version       BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE identity_policy_versions (
    policy_id  TEXT NOT NULL REFERENCES identity_policies(id),
    version_id TEXT NOT NULL,
    -- the Version 5.0 document, compact JSON
    document   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);

-- An identity policy attached to a user (principal_id: users.id) or a group (principal_id:
-- the group's stored key).
CREATE TABLE policy_attachments (
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    policy_id      TEXT NOT NULL REFERENCES identity_policies(id),
    principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'group')),
    principal_id   TEXT NOT NULL,
    attached_at    BIGINT NOT NULL,
    PRIMARY KEY (policy_id, principal_type, principal_id)
);
CREATE INDEX policy_attachments_principal
    ON policy_attachments (account_id, principal_type, principal_id);
