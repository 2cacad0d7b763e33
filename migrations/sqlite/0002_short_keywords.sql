-- Nothing to do on SQLite: short keywords are served by the FTS5 vocabulary (see
-- src/store/search.rs). This file keeps the migration versions of both backends aligned.
SELECT 1;
