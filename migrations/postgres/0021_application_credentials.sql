-- Keystone's application credentials (issue 15): /v3/users/{id}/application_credentials and
-- the `application_credential` auth method. Keep column names and meanings identical to
-- migrations/sqlite/0021_application_credentials.sql.
--
-- project_id: the project the credential's tokens are scoped to (the project of the token
-- that made it). secret_hash: argon2id PHC string of the secret (shown once, at creation).
-- role_ids: JSON array of the ids of the roles the credential delegates (a subset of what
-- its user held on the project when it was made). expires_at: unix microseconds
-- (Keystone keeps microseconds: an expiry is shown back as given), NULL for never.
-- The store keeps beneath this table: deleting a user deletes its application credentials,
-- deleting a project deletes those of the project.
CREATE TABLE application_credentials (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    project_id   TEXT NOT NULL REFERENCES projects(id),
    name         TEXT NOT NULL,
    description  TEXT,
    secret_hash  TEXT NOT NULL,
    role_ids     TEXT NOT NULL,
    unrestricted BOOLEAN NOT NULL,
    expires_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX application_credentials_name ON application_credentials (user_id, name);
CREATE INDEX application_credentials_project ON application_credentials (project_id);
