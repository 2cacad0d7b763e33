-- Unix ms of the last time the user was made inactive (disabled, locked, expired by an
-- update) or active again; 0 = never. An IAM token issued before it is refused, even after
-- the user is enabled again: Keystone revokes a user's tokens when it is disabled.
ALTER TABLE users ADD COLUMN tokens_valid_after INTEGER NOT NULL DEFAULT 0;

-- Group ids are unique per account: a chosen id is stored as '{id}.{account_id}' (made ids,
-- 32 lower-case hex digits, stay as they are); see src/store/groups.rs `key`. Existing chosen
-- ids move to that form, with the memberships and children that name them. The foreign keys
-- are checked at COMMIT, when all three agree.
PRAGMA defer_foreign_keys = ON;
UPDATE memberships
   SET group_id = group_id || '.' || (SELECT g.account_id FROM user_groups g WHERE g.id = memberships.group_id)
 WHERE NOT (length(group_id) = 32 AND group_id NOT GLOB '*[^0-9a-f]*');
UPDATE user_groups SET parent_id = parent_id || '.' || account_id
 WHERE parent_id IS NOT NULL AND NOT (length(parent_id) = 32 AND parent_id NOT GLOB '*[^0-9a-f]*');
UPDATE user_groups SET id = id || '.' || account_id
 WHERE NOT (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*');
