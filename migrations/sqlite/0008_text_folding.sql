-- Text folding v2 (issue 12). Searched and compared text is now folded with Unicode full
-- case folding of the canonical (NFC) form (src/store/search.rs::fold) instead of
-- to_lowercase, and the nick name (alias_name) becomes searchable (Quick BI's Keyword
-- matches it). SQL cannot call the Rust function: after this file, the data step
-- 'fold-v2' (src/store/refold.rs, run by `Db::migrate`, recorded in data_steps) recomputes
-- every *_fold column and puts stored names and descriptions in NFC.

ALTER TABLE users ADD COLUMN alias_name_fold TEXT NOT NULL DEFAULT '';

-- The users' FTS5 table gets the nick name: contentless tables cannot add a column, so it
-- is made again, empty: the data step fills it from the recomputed folded columns.
DROP TRIGGER users_fts_ins;
DROP TRIGGER users_fts_del;
DROP TRIGGER users_fts_upd;
DROP TABLE users_fts_vocab;
DROP TABLE users_fts;

CREATE VIRTUAL TABLE users_fts USING fts5(
    name, description, alias_name, content='', contentless_delete=1,
    tokenize='trigram case_sensitive 1');
CREATE VIRTUAL TABLE users_fts_vocab USING fts5vocab(users_fts, 'col');

CREATE TRIGGER users_fts_ins AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, name, description, alias_name)
    VALUES (new.seq, new.name_fold || char(1, 1), new.description_fold || char(1, 1),
            new.alias_name_fold || char(1, 1));
END;
CREATE TRIGGER users_fts_del AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER users_fts_upd AFTER UPDATE OF name_fold, description_fold, alias_name_fold
ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.seq;
    INSERT INTO users_fts (rowid, name, description, alias_name)
    VALUES (new.seq, new.name_fold || char(1, 1), new.description_fold || char(1, 1),
            new.alias_name_fold || char(1, 1));
END;

-- Data steps run in Rust after the migrations, once each (src/store/refold.rs).
CREATE TABLE data_steps (
    name       TEXT PRIMARY KEY,
    applied_at INTEGER NOT NULL
);
