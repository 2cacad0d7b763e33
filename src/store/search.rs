//! Case-insensitive substring search, index-backed on both backends. This is the one place
//! where the SQL of the two backends differs.
//!
//! Both compare the folded column (`*_fold`, [`fold`], written by the store on every insert
//! and update) with the keyword folded by the same function, so both give the same matches;
//! `%` and `_` are ordinary characters.
//!
//! - SQLite: contentless FTS5 trigram tables (`*_fts`). A keyword of three or more
//!   characters is a phrase query, which with the trigram tokenizer is exactly a substring
//!   match. A shorter keyword matches no trigram by itself, so it is expanded through the
//!   `fts5vocab` table into the indexed trigrams that start with it (every indexed value ends
//!   in two U+0001 characters, so every one- or two-character substring starts some trigram).
//!   Above `MAX_EXPANSION` trigrams the keyword is so common that a scan is as good.
//! - PostgreSQL: `LIKE '%kw%'` on the folded column, served by a pg_trgm GIN index for
//!   keywords of three or more characters; a shorter keyword is looked up in a GIN index
//!   over `roster_short_grams(column)` (every 1- and 2-character substring; migration 0002).

use sqlx::AnyConnection;

use super::query::Sql;
use super::Backend;
use crate::core::model::{NameCondition, NameOp};

/// What is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
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
    /// The text column searched (also the FTS5 column's name on SQLite).
    pub(crate) fn fts_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name",
            Field::UserDescription => "description",
            Field::UserAlias => "alias_name",
        }
    }
    /// The folded column searched.
    pub(crate) fn fold_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name_fold",
            Field::UserDescription => "description_fold",
            Field::UserAlias => "alias_name_fold",
        }
    }
}

const MAX_EXPANSION: usize = 512;

pub use crate::core::text::fold;

fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Appends ` AND (<alias>.<f1> contains <keyword> OR <alias>.<f2> contains ...)` to `sql`:
/// the row matches when any of `fields` (all of one table, at least one) contains the
/// folded keyword. `conn` is used on SQLite to expand short keywords; run it on the
/// connection (transaction) of the main query.
pub async fn push_contains(
    sql: &mut Sql,
    conn: &mut AnyConnection,
    backend: Backend,
    alias: &str,
    fields: &[Field],
    keyword: &str,
) -> Result<(), sqlx::Error> {
    let kw = fold(keyword);
    let Some(first) = fields.first() else {
        return Ok(());
    };
    debug_assert!(fields.iter().all(|f| f.fts_table() == first.fts_table()));
    match backend {
        Backend::Postgres => {
            let short = kw.chars().count() < 3;
            let escaped = format!(
                "%{}%",
                kw.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            sql.push(" AND (");
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                if short {
                    sql.push(&format!(
                        "roster_short_grams({alias}.{}) @> ARRAY[CAST(",
                        field.fold_column()
                    ))
                    .bind(kw.clone())
                    .push(" AS TEXT)]");
                } else {
                    sql.push(&format!("{alias}.{} LIKE ", field.fold_column()))
                        .bind(escaped.clone())
                        .push(" ESCAPE '\\'");
                }
            }
            sql.push(")");
        }
        Backend::Sqlite => {
            let table = first.fts_table();
            let columns: Vec<&str> = fields.iter().map(|f| f.fts_column()).collect();
            let colspec = format!("{{{}}}", columns.join(" "));
            let expr = if kw.chars().count() >= 3 {
                format!("{colspec} : {}", fts_phrase(&kw))
            } else {
                let marks: Vec<String> =
                    (0..columns.len()).map(|i| format!("${}", i + 3)).collect();
                let text = format!(
                    "SELECT DISTINCT term FROM {table}_vocab WHERE term >= $1 AND term < $2 \
                     AND col IN ({}) LIMIT {}",
                    marks.join(", "),
                    MAX_EXPANSION + 1
                );
                let mut q = sqlx::query_scalar(&text)
                    .bind(kw.as_str())
                    .bind(format!("{kw}\u{10FFFF}"));
                for c in &columns {
                    q = q.bind(*c);
                }
                let terms: Vec<String> = q.fetch_all(&mut *conn).await?;
                if terms.is_empty() {
                    sql.push(" AND 1 = 0");
                    return Ok(());
                }
                if terms.len() > MAX_EXPANSION {
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
                let alternatives: Vec<String> = terms.iter().map(|t| fts_phrase(t)).collect();
                format!("{colspec} : ({})", alternatives.join(" OR "))
            };
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
/// then the comparison itself on the row's name (case-sensitive) or folded name.
pub async fn push_name_condition(
    sql: &mut Sql,
    conn: &mut AnyConnection,
    backend: Backend,
    alias: &str,
    field: Field,
    cond: &NameCondition,
) -> Result<(), sqlx::Error> {
    if cond.value.is_empty() {
        return Ok(());
    }
    push_contains(sql, conn, backend, alias, &[field], &cond.value).await?;
    // the FTS5 column names are those of the table's text columns
    let (column, value) = if cond.case_sensitive {
        (field.fts_column(), nfc(&cond.value).into_owned())
    } else {
        (field.fold_column(), fold(&cond.value))
    };
    let n = value.chars().count() as i64;
    let col = format!("{alias}.{column}");
    match (cond.op, cond.case_sensitive) {
        (NameOp::Contains, false) => {}
        (NameOp::Contains, true) => {
            let find = match backend {
                Backend::Sqlite => "instr",
                Backend::Postgres => "strpos",
            };
            sql.push(&format!(" AND {find}({col}, "))
                .bind(value)
                .push(") > 0");
        }
        (NameOp::StartsWith, _) => {
            sql.push(&format!(" AND substr({col}, 1, CAST("))
                .bind(n)
                .push(" AS INTEGER)) = ")
                .bind(value);
        }
        (NameOp::EndsWith, _) => {
            sql.push(&format!(" AND length({col}) >= "))
                .bind(n)
                .push(&format!(" AND substr({col}, CAST(length({col}) - "))
                .bind(n)
                .push(" + 1 AS INTEGER)) = ")
                .bind(value);
        }
    }
    Ok(())
}

fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    crate::core::validate::nfc(s)
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_is_context_free_full_and_canonical() {
        // the group: every spelling of its part folds to the same text
        let stored = fold("ΚΑΣΑ-x");
        for kw in ["ΑΣ", "ΚΑΣ", "ας", "ασ", "Ας"] {
            assert!(stored.contains(&fold(kw)), "{kw}");
        }
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), fold("straße"));
        assert_eq!(fold("Cafe\u{301}"), fold("Caf\u{e9}"));
        assert_eq!(fold("Cafe\u{301}"), "caf\u{e9}");
        assert_eq!(fold("研发一部"), "研发一部");
    }
}
