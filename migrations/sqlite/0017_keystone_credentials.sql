-- Keystone's credentials (issue 15): /v3/credentials and /v3/users/{id}/credentials/OS-EC2
-- are views of the same access keys as /v3.0/OS-CREDENTIAL (an ec2 credential IS an access
-- key pair), and other credential types are opaque blobs. Keep column names and meanings
-- identical to migrations/postgres/0017_keystone_credentials.sql.
--
-- The store keeps beneath these tables: every new access key gets credential_id =
-- lower-case hex SHA-256 of its access key (Keystone's id of an ec2 credential), kept when
-- a PATCH changes the key's access; keys made before this migration get theirs from the
-- data step `ec2-credential-ids` (src/store/refold.rs). Deleting a user deletes its
-- credentials; deleting a project leaves its credentials working without a project.

-- credential_id: Keystone's id of the key as an ec2 credential (unique).
-- project_id: the ec2 credential's project (Keystone's project_id / OS-EC2 tenant_id); NULL
-- for none (keys made through OS-CREDENTIAL or v5, and after the project's deletion).
-- secret_readable: 1 when the key was made or last given its secret through Keystone's
-- views, which show an ec2 secret again (Keystone's blob); 0 for OS-CREDENTIAL and v5 keys,
-- whose secret is shown once.
ALTER TABLE access_keys ADD COLUMN credential_id TEXT;
ALTER TABLE access_keys ADD COLUMN project_id TEXT REFERENCES projects(id) ON DELETE SET NULL;
ALTER TABLE access_keys ADD COLUMN secret_readable INTEGER NOT NULL DEFAULT 0
    CHECK (secret_readable IN (0, 1));
CREATE UNIQUE INDEX access_keys_credential ON access_keys (credential_id);
CREATE INDEX access_keys_account ON access_keys (account_id, created_at);
CREATE INDEX access_keys_project ON access_keys (project_id) WHERE project_id IS NOT NULL;

-- Credentials of any type but ec2 (cert, totp, any word): the blob is opaque text, sealed
-- with the master key (AES-256-GCM, bound to 'credential:' || id) as access key secrets are.
CREATE TABLE credentials (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    project_id  TEXT REFERENCES projects(id) ON DELETE SET NULL,
    type        TEXT NOT NULL,
    blob_sealed TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX credentials_user ON credentials (user_id, created_at);
CREATE INDEX credentials_account ON credentials (account_id, created_at);
CREATE INDEX credentials_project ON credentials (project_id) WHERE project_id IS NOT NULL;
