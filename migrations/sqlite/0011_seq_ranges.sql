-- Each account gets its own range of sequence numbers (issue 13, "count in the index").
--
-- users.seq and user_groups.seq are the rowids of the tables and of their contentless FTS5
-- indexes (users_fts, user_groups_fts), which all accounts share. A keyword search had to
-- join every match back to its row only to learn its account. From here on
--
--     seq = accounts.number << 40 | position        (position 1 .. 2^40 - 1)
--
-- so one account's rows are the rowids number << 40 .. (number + 1) << 40 - 1, and a search
-- of one account counts and pages its matches in the FTS index alone (FTS5 honours rowid
-- range constraints): src/store/sqlite/search.rs. Positions are allocated by the store at
-- insert, max(seq) of the account + 1 over the (account_id, seq) index, so they follow
-- creation order within an account (src/store/sqlite/users.rs, groups.rs; the sqlx store
-- on SQLite: src/store/users.rs, groups.rs). 2^23 - 1 accounts and 2^40 - 1 rows of each
-- kind per account fit in a signed 64-bit seq.
--
-- PostgreSQL keeps its identity seqs (it has no FTS5 index to range over); its migration
-- 0011 only keeps the version numbers of both directories aligned.

-- 1. Account numbers: existing accounts in creation order, new ones max + 1 (trigger, so
--    that every insert path, sqlx or native, gets one without naming the column).
ALTER TABLE accounts ADD COLUMN number INTEGER;
UPDATE accounts SET number = n.k
  FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS k FROM accounts) AS n
 WHERE accounts.id = n.id;
CREATE UNIQUE INDEX accounts_number ON accounts (number);
CREATE TRIGGER accounts_number_ins AFTER INSERT ON accounts WHEN new.number IS NULL BEGIN
    UPDATE accounts SET number = (SELECT coalesce(max(number), 0) + 1 FROM accounts)
     WHERE id = new.id;
END;
CREATE TRIGGER accounts_number_fixed BEFORE UPDATE OF number ON accounts
WHEN old.number IS NOT NULL AND new.number IS NOT old.number BEGIN
    SELECT RAISE(ABORT, 'accounts.number never changes: it is the high part of its rows'' seq');
END;

-- 2. Renumber the rows of each account in their creation (old seq) order. The new values
--    are all >= 2^40, above every old one (rowids assigned by SQLite from 1), so the
--    in-place update never meets a value still in use. The FTS triggers fire on the folded
--    columns only, not on seq: the indexes are rebuilt below.
UPDATE users SET seq = r.new_seq
  FROM (SELECT u.seq AS old_seq,
               (a.number << 40)
                 + row_number() OVER (PARTITION BY u.account_id ORDER BY u.seq) AS new_seq
          FROM users u JOIN accounts a ON a.id = u.account_id) AS r
 WHERE users.seq = r.old_seq;
UPDATE user_groups SET seq = r.new_seq
  FROM (SELECT g.seq AS old_seq,
               (a.number << 40)
                 + row_number() OVER (PARTITION BY g.account_id ORDER BY g.seq) AS new_seq
          FROM user_groups g JOIN accounts a ON a.id = g.account_id) AS r
 WHERE user_groups.seq = r.old_seq;

-- 3. The contentless FTS5 indexes, rebuilt under the new rowids ('delete-all' is the only
--    way to empty a contentless table), each one b-tree segment after 'optimize'.
INSERT INTO users_fts (users_fts) VALUES ('delete-all');
INSERT INTO users_fts (rowid, name, description, alias_name)
SELECT seq, name_fold || char(1, 1), description_fold || char(1, 1), alias_name_fold || char(1, 1)
  FROM users;
INSERT INTO users_fts (users_fts) VALUES ('optimize');
INSERT INTO user_groups_fts (user_groups_fts) VALUES ('delete-all');
INSERT INTO user_groups_fts (rowid, name) SELECT seq, name_fold || char(1, 1) FROM user_groups;
INSERT INTO user_groups_fts (user_groups_fts) VALUES ('optimize');

-- 4. The invariant, enforced: a row is inserted only inside its account's range, and keeps
--    its seq and account for life (the FTS triggers key on seq; a search trusts the range).
--    One primary-key lookup of the account per inserted row.
CREATE TRIGGER users_seq_in_range BEFORE INSERT ON users
WHEN NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = new.account_id
                  AND new.seq > (a.number << 40) AND new.seq < ((a.number + 1) << 40)) BEGIN
    SELECT RAISE(ABORT, 'users.seq outside its account''s range (seq = accounts.number << 40 | position)');
END;
CREATE TRIGGER users_seq_fixed BEFORE UPDATE OF seq, account_id ON users
WHEN new.seq IS NOT old.seq OR new.account_id IS NOT old.account_id BEGIN
    SELECT RAISE(ABORT, 'users.seq and users.account_id never change');
END;
CREATE TRIGGER user_groups_seq_in_range BEFORE INSERT ON user_groups
WHEN NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = new.account_id
                  AND new.seq > (a.number << 40) AND new.seq < ((a.number + 1) << 40)) BEGIN
    SELECT RAISE(ABORT, 'user_groups.seq outside its account''s range (seq = accounts.number << 40 | position)');
END;
CREATE TRIGGER user_groups_seq_fixed BEFORE UPDATE OF seq, account_id ON user_groups
WHEN new.seq IS NOT old.seq OR new.account_id IS NOT old.account_id BEGIN
    SELECT RAISE(ABORT, 'user_groups.seq and user_groups.account_id never change');
END;
