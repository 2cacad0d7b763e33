-- Typed columns (the storage redesign's last part): the 0/1 flag columns become BOOLEAN,
-- PostgreSQL's own type for them; each keeps its default (0 -> FALSE, 1 -> TRUE) and every
-- value its meaning (`col <> 0`: any non-zero integer was read as true). The table is
-- rewritten once per ALTER TABLE, under an ACCESS EXCLUSIVE lock, so the statement takes as
-- long as a copy of `users`; nodes of the release before bind integers to these columns and
-- must be stopped before a node of this release starts (README, "Upgrading to migration
-- 0012"). PostgreSQL only: SQLite has no boolean type (its flags stay 0/1 INTEGERs, which
-- rusqlite reads as bool already), so its history ends at 0011 (the runner keeps one
-- history per backend, `store::migrations`).
--
-- The Unix-millisecond BIGINT time columns are kept, not made timestamptz:
-- * unsound for `users.account_expires`: a client chooses it (Workspace takes any positive
--   Unix ms) and both backends store any i64 today, while timestamptz ends in 294276 AD
--   (i64 ms reach 292 million years): a far-off expiry accepted now would fail the cast
--   here, or need a new limit on PostgreSQL alone, or be clamped, each a change of what
--   the API answers;
-- * 0 does not mean one thing: `account_expires`, `password_changed_at`,
--   `tokens_valid_after` and `lease_until` use 0 as "never" / "none" / "free", and every
--   statement comparing them (`account_expires <> 0 AND account_expires <= $now`,
--   `lease_until < $now`, the SQLite mirror the tests compare with) would change with it;
-- * cost on the hot reads: the core keeps Unix ms, so each listed row would convert every
--   time column (five per user) on the way out, and the export batches, which the database
--   builds as text, would format each with extract(epoch ...) * 1000.
-- None of that buys a query anything: times are compared and ordered as integers alike.
ALTER TABLE users
    ALTER COLUMN enable_change_password DROP DEFAULT,
    ALTER COLUMN enable_change_password TYPE BOOLEAN USING enable_change_password <> 0,
    ALTER COLUMN enable_change_password SET DEFAULT TRUE,
    ALTER COLUMN next_login_change_password DROP DEFAULT,
    ALTER COLUMN next_login_change_password TYPE BOOLEAN USING next_login_change_password <> 0,
    ALTER COLUMN next_login_change_password SET DEFAULT FALSE,
    ALTER COLUMN password_never_expired DROP DEFAULT,
    ALTER COLUMN password_never_expired TYPE BOOLEAN USING password_never_expired <> 0,
    ALTER COLUMN password_never_expired SET DEFAULT FALSE,
    ALTER COLUMN locked DROP DEFAULT,
    ALTER COLUMN locked TYPE BOOLEAN USING locked <> 0,
    ALTER COLUMN locked SET DEFAULT FALSE,
    ALTER COLUMN disabled DROP DEFAULT,
    ALTER COLUMN disabled TYPE BOOLEAN USING disabled <> 0,
    ALTER COLUMN disabled SET DEFAULT FALSE,
    ALTER COLUMN is_root DROP DEFAULT,
    ALTER COLUMN is_root TYPE BOOLEAN USING is_root <> 0,
    ALTER COLUMN is_root SET DEFAULT FALSE;

ALTER TABLE export_tasks
    ALTER COLUMN is_download DROP DEFAULT,
    ALTER COLUMN is_download TYPE BOOLEAN USING is_download <> 0,
    ALTER COLUMN is_download SET DEFAULT FALSE;
