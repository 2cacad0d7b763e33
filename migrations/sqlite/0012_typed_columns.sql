-- Nothing to do on SQLite. On PostgreSQL, migration 0012 turns the 0/1 flag columns into
-- BOOLEAN; SQLite has no boolean type (its flags stay INTEGER 0/1, which rusqlite reads as
-- bool). This file keeps the migration versions of both backends aligned.
SELECT 1;
