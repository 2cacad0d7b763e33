-- Text folding v2 (issue 12). Searched and compared text is now folded with Unicode full
-- case folding of the canonical (NFC) form (src/store/search.rs::fold) instead of
-- to_lowercase, and the nick name (alias_name) becomes searchable (Quick BI's Keyword
-- matches it). SQL cannot call the Rust function: after this file, the data step
-- 'fold-v2' (src/store/refold.rs, run by `Db::migrate`, recorded in data_steps) recomputes
-- every *_fold column and puts stored names and descriptions in NFC.

ALTER TABLE users ADD COLUMN alias_name_fold TEXT NOT NULL DEFAULT '';

-- the same two indexes as the other searched columns (0001, 0002)
CREATE INDEX users_alias_name_trgm ON users USING gin (alias_name_fold gin_trgm_ops);
CREATE INDEX users_alias_name_grams ON users USING gin (roster_short_grams(alias_name_fold));

-- Data steps run in Rust after the migrations, once each (src/store/refold.rs).
CREATE TABLE data_steps (
    name       TEXT PRIMARY KEY,
    applied_at BIGINT NOT NULL
);
