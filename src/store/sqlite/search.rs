//! Substring search on SQLite, as `store::search` does it: contentless FTS5 trigram tables
//! over the folded columns. A keyword of three or more characters is one phrase (with the
//! trigram tokenizer exactly a substring match); a shorter one is expanded through the
//! `fts5vocab` table into the indexed trigrams it starts (every indexed value ends in two
//! U+0001, so every one- or two-character substring starts a trigram); above
//! `MAX_EXPANSION` trigrams the keyword is so common that a scan (`instr`) is as good.

use rusqlite::Connection;

use super::sql::Sql;
use crate::core::model::{NameCondition, NameOp};
use crate::store::search::fold;

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

/// Appends ` AND (<alias>.<f1> contains <keyword> OR ...)`: the row matches when any of
/// `fields` (all of one table, at least one) contains the folded keyword. Short keywords
/// are expanded with a query on `conn`: run it in the transaction of the main query.
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
    debug_assert!(fields.iter().all(|f| f.fts_table() == first.fts_table()));
    debug_assert!(fields.len() <= 3);
    let kw = fold(keyword);
    let table = first.fts_table();
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
    } else {
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
        if terms == 0 {
            sql.push(" AND 1 = 0");
            return Ok(());
        }
        if terms > MAX_EXPANSION {
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
            return Ok(());
        }
    }
    sql.push(&format!(
        " AND {alias}.seq IN (SELECT rowid FROM {table} WHERE {table} MATCH "
    ))
    .bind(expr)
    .push(")");
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
