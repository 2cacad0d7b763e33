-- Background export tasks (Workspace export-tasks) and their finished workbooks. The workbook
-- is kept in the database, in chunks, so that every node can serve any task's file and a
-- backup of the database holds everything.

CREATE TABLE export_tasks (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    project_id  TEXT NOT NULL REFERENCES projects(id),
    -- users | groups | group_users, and the filters + language as JSON (core::exports::Spec)
    kind        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    -- CREATING | SUCCESS | FAIL | EXPIRED
    status      TEXT NOT NULL,
    fail_reason TEXT,
    error_code  TEXT,
    created_at  BIGINT NOT NULL,
    end_time    BIGINT,
    is_download BIGINT NOT NULL DEFAULT 0,
    -- the claim: a node works on a task only while lease_until is in the future and
    -- lease_owner is its own id; a task whose lease ran out is taken up again
    attempts    BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    row_count   BIGINT NOT NULL DEFAULT 0,
    file_size   BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT
);
CREATE INDEX export_tasks_project ON export_tasks (project_id, created_at);
CREATE INDEX export_tasks_pending ON export_tasks (status, lease_until);

CREATE TABLE export_chunks (
    task_id TEXT NOT NULL REFERENCES export_tasks(id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (task_id, seq)
);
