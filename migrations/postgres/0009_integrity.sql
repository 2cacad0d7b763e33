-- Unix ms of the last time the user was made inactive (disabled, locked, expired by an
-- update) or active again; 0 = never. An IAM token issued before it is refused, even after
-- the user is enabled again: Keystone revokes a user's tokens when it is disabled.
ALTER TABLE users ADD COLUMN tokens_valid_after BIGINT NOT NULL DEFAULT 0;

-- Group ids are unique per account: a chosen id is stored as '{id}.{account_id}' (made ids,
-- 32 lower-case hex digits, stay as they are); see src/store/groups.rs `key`. Existing chosen
-- ids move to that form, with the memberships and children that name them (the foreign keys
-- are not deferrable: dropped and made again around the change).
ALTER TABLE memberships DROP CONSTRAINT memberships_group_id_fkey;
ALTER TABLE user_groups DROP CONSTRAINT user_groups_parent_id_fkey;
UPDATE memberships m SET group_id = m.group_id || '.' || g.account_id
  FROM user_groups g WHERE g.id = m.group_id AND g.id !~ '^[0-9a-f]{32}$';
UPDATE user_groups SET parent_id = parent_id || '.' || account_id
 WHERE parent_id !~ '^[0-9a-f]{32}$';
UPDATE user_groups SET id = id || '.' || account_id WHERE id !~ '^[0-9a-f]{32}$';
ALTER TABLE memberships ADD CONSTRAINT memberships_group_id_fkey
  FOREIGN KEY (group_id) REFERENCES user_groups(id);
ALTER TABLE user_groups ADD CONSTRAINT user_groups_parent_id_fkey
  FOREIGN KEY (parent_id) REFERENCES user_groups(id);
