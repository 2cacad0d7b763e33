-- Keystone domains = Roster accounts, and the operator above them (issue 15). Keep column
-- names and meanings identical to migrations/sqlite/0016_domains.sql.
--
-- The store keeps beneath these tables what no constraint here says: deleting a user
-- deletes its system role assignments; deleting an account deletes every row that names it
-- (users, groups, memberships, projects, keys, grants, policies, roles, tasks), in the
-- transaction of the deletion.

-- A domain's description and whether it is enabled (Keystone's domain fields). A disabled
-- domain's users get no token; tokens issued before tokens_valid_after (Unix ms: the last
-- disable) are refused, as Keystone revokes a disabled domain's tokens.
ALTER TABLE accounts ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE accounts ADD COLUMN tokens_valid_after BIGINT NOT NULL DEFAULT 0;

-- A role a user holds on the system (Keystone's /v3/system/users/{u}/roles/{r}): a user
-- holding the admin role here is the operator, who administers every account.
CREATE TABLE system_role_assignments (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    user_id    TEXT NOT NULL,
    role_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX system_role_assignments_account ON system_role_assignments (account_id);
