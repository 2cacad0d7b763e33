//! Case-insensitive substring search, index-backed on both backends. This is the one place
//! where the SQL of the two backends differs.
//!
//! Both compare the case-folded column (`*_fold`, Rust's `to_lowercase`, written on every
//! insert and update) with the case-folded keyword, so both give the same matches; `%` and
//! `_` are ordinary characters.
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

/// What is searched.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    GroupName,
    UserName,
    UserDescription,
}

impl Field {
    fn fts_table(self) -> &'static str {
        match self {
            Field::GroupName => "user_groups_fts",
            Field::UserName | Field::UserDescription => "users_fts",
        }
    }
    fn fts_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name",
            Field::UserDescription => "description",
        }
    }
    fn fold_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name_fold",
            Field::UserDescription => "description_fold",
        }
    }
}

const MAX_EXPANSION: usize = 512;

pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Appends ` AND <alias>.<field> contains <keyword>` to `sql`. `conn` is used on SQLite to
/// expand short keywords; run it on the connection (transaction) of the main query.
pub async fn push_contains(
    sql: &mut Sql,
    conn: &mut AnyConnection,
    backend: Backend,
    alias: &str,
    field: Field,
    keyword: &str,
) -> Result<(), sqlx::Error> {
    let kw = fold(keyword);
    match backend {
        Backend::Postgres if kw.chars().count() < 3 => {
            sql.push(&format!(
                " AND roster_short_grams({alias}.{}) @> ARRAY[CAST(",
                field.fold_column()
            ))
            .bind(kw)
            .push(" AS TEXT)]");
        }
        Backend::Postgres => {
            let escaped = kw
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            sql.push(&format!(" AND {alias}.{} LIKE ", field.fold_column()))
                .bind(format!("%{escaped}%"))
                .push(" ESCAPE '\\'");
        }
        Backend::Sqlite => {
            let table = field.fts_table();
            let column = field.fts_column();
            let expr = if kw.chars().count() >= 3 {
                format!("{column} : {}", fts_phrase(&kw))
            } else {
                let terms: Vec<String> = sqlx::query_scalar(&format!(
                    "SELECT DISTINCT term FROM {table}_vocab WHERE col = $1 AND term >= $2 AND term < $3 LIMIT {}",
                    MAX_EXPANSION + 1
                ))
                .bind(column)
                .bind(kw.as_str())
                .bind(format!("{kw}\u{10FFFF}"))
                .fetch_all(&mut *conn)
                .await?;
                if terms.is_empty() {
                    sql.push(" AND 1 = 0");
                    return Ok(());
                }
                if terms.len() > MAX_EXPANSION {
                    sql.push(&format!(" AND instr({alias}.{}, ", field.fold_column()))
                        .bind(kw)
                        .push(") > 0");
                    return Ok(());
                }
                let alternatives: Vec<String> = terms.iter().map(|t| fts_phrase(t)).collect();
                format!("{column} : ({})", alternatives.join(" OR "))
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
