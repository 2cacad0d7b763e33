-- When the user's password was last set (Unix ms; 0 = never changed since creation): an IAM
-- token issued before it is refused, as Keystone revokes a user's tokens on a password change.
ALTER TABLE users ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;
