-- Nothing to do on PostgreSQL. On SQLite, migration 0011 gives every account its own range
-- of users.seq / user_groups.seq (seq = accounts.number << 40 | position) so that a keyword
-- search counts its matches in the shared FTS5 index alone. PostgreSQL's seqs stay identity
-- columns (its pg_trgm indexes are not keyed by seq). This file keeps the migration
-- versions of both backends aligned.
SELECT 1;
