-- Unix ms of the last time the user was made inactive (disabled, locked, expired by an
-- update) or active again; 0 = never. An IAM token issued before it is refused, even after
-- the user is enabled again: Keystone revokes a user's tokens when it is disabled.
ALTER TABLE users ADD COLUMN tokens_valid_after BIGINT NOT NULL DEFAULT 0;
