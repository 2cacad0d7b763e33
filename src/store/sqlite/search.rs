//! Substring search on SQLite, as `store::search` does it: contentless FTS5 trigram tables
//! over the folded columns. A keyword of three or more characters is one phrase (with the
//! trigram tokenizer exactly a substring match); a shorter one is expanded through the
//! `fts5vocab` table into the indexed trigrams it starts (every indexed value ends in two
//! U+0001, so every one- or two-character substring starts a trigram); above
//! `MAX_EXPANSION` trigrams the keyword is so common that a scan (`instr`) is as good.
//!
//! The FTS tables are shared by all accounts, but each account's rows hold one range of
//! rowids (`seq = accounts.number << POSITION_BITS | position`, migration 0011). So a
//! search whose only conditions are the account and keywords ([`IndexSearch`]) is one
//! MATCH of the keywords' conjunction with `rowid BETWEEN` the account's range: its total
//! is `count(*)` over the index alone and its page the index's rowids (`ORDER BY rowid
//! LIMIT .. OFFSET ..`), and only the page's rows are read from the table. On 1,000,000
//! users, `alice` (26,999 matches): 3.2 ms for count and page instead of 33-48 ms for the
//! general path, which joins every match to its row for the account and the window count
//! (BENCHMARKS.md, "Counting in the index"). Any other condition, or a keyword that is a
//! scan, takes the general path (`push_contains` into the table's `WHERE`).

use rusqlite::Connection;

use super::sql::Sql;
use crate::core::model::{Listing, NameCondition, NameOp, Page};
use crate::store::common::fold;

/// What is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    GroupName,
    UserName,
    UserDescription,
    /// The nick name (`alias_name`; Quick BI's NickName).
    UserAlias,
}

impl Field {
    fn fts_table(self) -> &'static str {
        match self {
            Field::GroupName => "user_groups_fts",
            Field::UserName | Field::UserDescription | Field::UserAlias => "users_fts",
        }
    }
    fn vocab_query(self, columns: usize) -> &'static str {
        // one fixed text per table and column count, so each is prepared once
        match (self.fts_table(), columns) {
            ("user_groups_fts", _) => {
                "SELECT DISTINCT term FROM user_groups_fts_vocab WHERE term >= ? AND term < ? \
                 AND col IN (?) LIMIT 513"
            }
            (_, 1) => {
                "SELECT DISTINCT term FROM users_fts_vocab WHERE term >= ? AND term < ? \
                 AND col IN (?) LIMIT 513"
            }
            (_, 2) => {
                "SELECT DISTINCT term FROM users_fts_vocab WHERE term >= ? AND term < ? \
                 AND col IN (?, ?) LIMIT 513"
            }
            _ => {
                "SELECT DISTINCT term FROM users_fts_vocab WHERE term >= ? AND term < ? \
                 AND col IN (?, ?, ?) LIMIT 513"
            }
        }
    }
    /// The FTS5 column, which is also the name of the table's text column.
    fn fts_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name",
            Field::UserDescription => "description",
            Field::UserAlias => "alias_name",
        }
    }
    fn fold_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name_fold",
            Field::UserDescription => "description_fold",
            Field::UserAlias => "alias_name_fold",
        }
    }
}

/// Trigrams of a short keyword above which it is searched by a scan (`store::search`'s).
const MAX_EXPANSION: usize = 512;
// the vocabulary queries read one term more than MAX_EXPANSION (`LIMIT 513`)
const _: () = assert!(MAX_EXPANSION + 1 == 513);

fn fts_phrase(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(&s.replace('"', "\"\""));
    out.push('"');
}

/// How a keyword is searched (`contains`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Contains {
    /// The rows whose rowid (= seq) an FTS5 `MATCH` of this expression gives, in the
    /// field's table (a column filter, then one phrase or an OR of the short keyword's
    /// trigrams).
    Match(String),
    /// No row: a short keyword that starts no indexed trigram.
    Nothing,
    /// Too common for the index (`MAX_EXPANSION`): the row's folded columns are scanned
    /// for the folded keyword (`instr`).
    Scan(String),
}

/// How `fields` (all of one table, at least one) are searched for `keyword`: one FTS5
/// expression, nothing, or a scan. Short keywords are expanded with a query on `conn`: run
/// it in the transaction of the main query.
pub(super) fn contains(
    conn: &Connection,
    fields: &[Field],
    keyword: &str,
) -> rusqlite::Result<Contains> {
    let Some(first) = fields.first() else {
        return Ok(Contains::Nothing);
    };
    debug_assert!(fields.iter().all(|f| f.fts_table() == first.fts_table()));
    debug_assert!(fields.len() <= 3);
    let kw = fold(keyword);
    let mut expr = String::from("{");
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            expr.push(' ');
        }
        expr.push_str(f.fts_column());
    }
    expr.push_str("} : ");
    if kw.chars().count() >= 3 {
        fts_phrase(&mut expr, &kw);
        return Ok(Contains::Match(expr));
    }
    let mut stmt = conn.prepare_cached(first.vocab_query(fields.len()))?;
    let upper = format!("{kw}\u{10FFFF}");
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![&kw, &upper];
    let columns: Vec<&str> = fields.iter().map(|f| f.fts_column()).collect();
    for c in &columns {
        args.push(c);
    }
    let mut rows = stmt.query(args.as_slice())?;
    let mut terms = 0usize;
    expr.push('(');
    while let Some(r) = rows.next()? {
        if terms > 0 {
            expr.push_str(" OR ");
        }
        fts_phrase(&mut expr, r.get_ref(0)?.as_str()?);
        terms += 1;
    }
    expr.push(')');
    Ok(match terms {
        0 => Contains::Nothing,
        n if n > MAX_EXPANSION => Contains::Scan(kw),
        _ => Contains::Match(expr),
    })
}

/// Appends ` AND (<alias>.<f1> contains <keyword> OR ...)`: the row matches when any of
/// `fields` (all of one table, at least one) contains the folded keyword (see `contains`).
pub(super) fn push_contains(
    sql: &mut Sql<'_>,
    conn: &Connection,
    alias: &str,
    fields: &[Field],
    keyword: &str,
) -> rusqlite::Result<()> {
    let Some(first) = fields.first() else {
        return Ok(());
    };
    match contains(conn, fields, keyword)? {
        Contains::Nothing => {
            sql.push(" AND 1 = 0");
        }
        Contains::Scan(kw) => {
            sql.push(" AND (");
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push(&format!("instr({alias}.{}, ", field.fold_column()))
                    .bind(kw.clone())
                    .push(") > 0");
            }
            sql.push(")");
        }
        Contains::Match(expr) => {
            let table = first.fts_table();
            sql.push(&format!(
                " AND {alias}.seq IN (SELECT rowid FROM {table} WHERE {table} MATCH "
            ))
            .bind(expr)
            .push(")");
        }
    }
    Ok(())
}

/// Appends ` AND <alias>.<field> <op> <value>` for a Keystone string comparison: the
/// folded substring search of `push_contains` (index-backed; every comparison implies it),
/// then the comparison itself on the name (case-sensitive, NFC) or the folded name.
pub(super) fn push_name_condition(
    sql: &mut Sql<'_>,
    conn: &Connection,
    alias: &str,
    field: Field,
    cond: &NameCondition,
) -> rusqlite::Result<()> {
    if cond.value.is_empty() {
        return Ok(());
    }
    push_contains(sql, conn, alias, &[field], &cond.value)?;
    let (column, value) = if cond.case_sensitive {
        (
            field.fts_column(),
            crate::core::validate::nfc(&cond.value).into_owned(),
        )
    } else {
        (field.fold_column(), fold(&cond.value))
    };
    // SQLite's substr and length count characters of text
    let n = value.chars().count() as i64;
    let col = format!("{alias}.{column}");
    match (cond.op, cond.case_sensitive) {
        (NameOp::Contains, false) => {}
        (NameOp::Contains, true) => {
            sql.push(&format!(" AND instr({col}, "))
                .bind(value)
                .push(") > 0");
        }
        (NameOp::StartsWith, _) => {
            sql.push(&format!(" AND substr({col}, 1, "))
                .bind(n)
                .push(") = ")
                .bind(value);
        }
        (NameOp::EndsWith, _) => {
            sql.push(&format!(" AND length({col}) >= "))
                .bind(n)
                .push(&format!(" AND substr({col}, length({col}) - "))
                .bind(n)
                .push(" + 1) = ")
                .bind(value);
        }
    }
    Ok(())
}

/// Bits of the position in a seq: `seq = accounts.number << POSITION_BITS | position`
/// (migration 0011), so an account's rows in `users`, `user_groups` and their FTS5
/// indexes (rowid = seq) are one range of rowids.
pub(super) const POSITION_BITS: u32 = 40;

/// The account's rowid range (inclusive): positions 1 ..= 2^40 - 1 of its number.
pub(super) fn seq_range(number: i64) -> (i64, i64) {
    (
        (number << POSITION_BITS) + 1,
        ((number + 1) << POSITION_BITS) - 1,
    )
}

/// The account's number (`accounts.number`), `None` for no such account.
pub(super) fn account_number(conn: &Connection, account_id: &str) -> rusqlite::Result<Option<i64>> {
    let mut stmt = conn.prepare_cached("SELECT number FROM accounts WHERE id = ?")?;
    let mut rows = stmt.query([account_id])?;
    match rows.next()? {
        Some(r) => r.get(0),
        None => Ok(None),
    }
}

/// A search the FTS5 index answers alone ("count in the index"): the account and keywords
/// (each a MATCH, all must hold) are the only conditions, so the matches are the index's
/// rowids in the account's range, counted and paged without reading a table row.
#[derive(Debug, Clone)]
pub(super) struct IndexSearch {
    table: &'static str,
    /// The MATCH expression; `None`: no row can match.
    expr: Option<String>,
    lo: i64,
    hi: i64,
}

impl IndexSearch {
    /// The index search of the account's rows for all of `keywords` (fields of one table
    /// and a keyword each, at least one), or `None` when one of them is a scan (too common
    /// for the index: `Contains::Scan`), which the general path must do.
    pub fn plan(
        conn: &Connection,
        account_id: &str,
        keywords: &[(&[Field], &str)],
    ) -> rusqlite::Result<Option<IndexSearch>> {
        let Some(table) = keywords
            .first()
            .and_then(|(fields, _)| fields.first())
            .map(|f| f.fts_table())
        else {
            return Ok(None);
        };
        let mut expr = Some(String::new());
        for (fields, keyword) in keywords {
            debug_assert!(fields.iter().all(|f| f.fts_table() == table));
            match contains(conn, fields, keyword)? {
                Contains::Scan(_) => return Ok(None),
                Contains::Nothing => expr = None,
                Contains::Match(m) => {
                    if let Some(e) = expr.as_mut() {
                        if !e.is_empty() {
                            e.push_str(" AND ");
                        }
                        e.push('(');
                        e.push_str(&m);
                        e.push(')');
                    }
                }
            }
        }
        let (lo, hi) = match account_number(conn, account_id)? {
            Some(n) => seq_range(n),
            None => {
                // no such account: no rows (an empty range)
                expr = None;
                (1, 0)
            }
        };
        Ok(Some(IndexSearch {
            table,
            expr,
            lo,
            hi,
        }))
    }

    /// Whether no row can match (the page is empty and the total 0 without a query).
    pub fn is_nothing(&self) -> bool {
        self.expr.is_none()
    }

    /// `<select> FROM <fts> WHERE <fts> MATCH ? AND rowid BETWEEN ? AND ?`: over the
    /// account's matches; `after` (a seq, 0 for none) starts after it.
    fn over(&self, select: &str, after: i64) -> Sql<'static> {
        let table = self.table;
        let mut sql = Sql::new(&format!("{select} FROM {table} WHERE {table} MATCH "));
        sql.bind(self.expr.clone().unwrap_or_default())
            .push(" AND rowid BETWEEN ")
            .bind(self.lo.max(after.saturating_add(1)))
            .push(" AND ")
            .bind(self.hi);
        sql
    }

    /// `SELECT rowid AS seq FROM <fts> WHERE ...`: the matching seqs of the account after
    /// `after` (0 for none), ascending (the index's own order: append `ORDER BY rowid`
    /// and a limit, no sort). Call only when `!is_nothing()`.
    pub fn keys(&self, after: i64) -> Sql<'static> {
        self.over("SELECT rowid AS seq", after)
    }

    /// The number of matches: a count over the index alone (no table row is read).
    pub fn count(&self, conn: &Connection) -> rusqlite::Result<i64> {
        if self.is_nothing() {
            return Ok(0);
        }
        Ok(self
            .over("SELECT count(*)", 0)
            .collect(conn, |r| r.get::<_, i64>(0))?[0])
    }
}

/// A page of an index search's matches with their total: the page's seqs from the index
/// (`ORDER BY rowid LIMIT .. OFFSET ..`, the index's order), their rows by `rows` (given
/// the keys' statement), and the total counted in the index. A page that ends the matches
/// (shorter than its limit, and not past the end) tells the total without the count.
pub(super) fn list_in_index<T>(
    conn: &Connection,
    index: &IndexSearch,
    page: Page,
    rows: impl FnOnce(&Sql<'_>) -> rusqlite::Result<Vec<T>>,
) -> rusqlite::Result<Listing<T>> {
    if index.is_nothing() {
        return Ok(Listing {
            total: 0,
            items: Vec::new(),
        });
    }
    let mut keys = index.keys(0);
    keys.push(" ORDER BY rowid LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let items = rows(&keys)?;
    let n = items.len() as i64;
    let total = if n < page.limit && (n > 0 || page.offset == 0) {
        page.offset + n
    } else {
        index.count(conn)?
    };
    Ok(Listing { total, items })
}
