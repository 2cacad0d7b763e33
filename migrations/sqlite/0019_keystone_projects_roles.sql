-- Keystone's projects, roles and user role assignments (issue 15): what /v3/projects and
-- /v3/roles keep beyond Huawei's model. Keep column names and meanings identical to
-- migrations/postgres/0019_keystone_projects_roles.sql. (0016 to 0018 are other changes' numbers.)
--
-- The store keeps beneath these tables what no constraint here says: deleting a project
-- deletes its tags and every grant on it (to groups and users); deleting a user its user
-- role assignments; deleting a Keystone role its assignments and inference rules (in the
-- transaction of the deletion).

-- A project's description, whether it is enabled, and its parent project (NULL: the
-- domain is its parent, as Keystone's parent_id = domain_id).
ALTER TABLE projects ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));
ALTER TABLE projects ADD COLUMN parent_id TEXT;

-- Keystone's project tags: at most 80 per project, each at most 255 characters, no '/' or
-- ','; unique per project, case-sensitive.
CREATE TABLE project_tags (
    project_id TEXT NOT NULL REFERENCES projects(id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (project_id, tag)
) WITHOUT ROWID;

-- A role made through Keystone's /v3/roles: a name to assign (Keystone's roles carry no
-- permission of their own in Roster; the system roles do). domain_id NULL: a global role,
-- seen by every domain; else a domain-specific role of that account.
CREATE TABLE keystone_roles (
    id          TEXT PRIMARY KEY,
    domain_id   TEXT REFERENCES accounts(id),
    name        TEXT NOT NULL,
    -- name folded to lower case: unique per domain (global roles: among global roles)
    name_fold   TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX keystone_roles_name ON keystone_roles (COALESCE(domain_id, ''), name_fold);

-- Keystone's implied roles: holding prior_role_id implies implied_role_id.
CREATE TABLE implied_roles (
    prior_role_id   TEXT NOT NULL,
    implied_role_id TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (prior_role_id, implied_role_id)
) WITHOUT ROWID;

-- A role assigned to a user (role_assignments has the groups'), with the same scopes.
-- role_id is a system role's id, a custom role's or a Keystone role's.
CREATE TABLE user_role_assignments (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    user_id    TEXT NOT NULL,
    role_id    TEXT NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('domain', 'project', 'all_projects')),
    scope_id   TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id, role_id, scope_kind, scope_id),
    CHECK ((scope_kind = 'project') = (scope_id <> ''))
) WITHOUT ROWID;
CREATE INDEX user_role_assignments_role ON user_role_assignments (account_id, role_id);
CREATE INDEX user_role_assignments_scope ON user_role_assignments (scope_id);
