//! Case-insensitive substring search on PostgreSQL (SQLite's is `sqlite/search.rs`). The
//! folded column (`*_fold`) is compared with the keyword folded by the same function
//! (`store::common::fold`): `LIKE '%kw%'` (pg_trgm GIN index) for keywords of three or
//! more characters, `roster_short_grams(column) @> ARRAY[kw]` (the GIN index of migration
//! 0002) for shorter ones; `%` and `_` are ordinary characters.

use super::sql::Sql;
use crate::core::model::{NameCondition, NameOp};
use crate::store::common::{fold, Field};

/// Appends ` AND (<alias>.<f1> contains <keyword> OR <alias>.<f2> contains ...)`: the row
/// matches when any of `fields` contains the folded keyword.
pub(super) fn push_contains(sql: &mut Sql<'_>, alias: &str, fields: &[Field], keyword: &str) {
    let kw = fold(keyword);
    if fields.is_empty() {
        return;
    }
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

/// Appends ` AND <alias>.<field> <op> <value>` for a Keystone string comparison: the folded
/// substring search of `push_contains` (index-backed; every comparison implies it), then
/// the comparison itself on the row's name (case-sensitive) or folded name.
pub(super) fn push_name_condition(
    sql: &mut Sql<'_>,
    alias: &str,
    field: Field,
    cond: &NameCondition,
) {
    if cond.value.is_empty() {
        return;
    }
    push_contains(sql, alias, &[field], &cond.value);
    let (column, value) = if cond.case_sensitive {
        (
            field.fts_column(),
            crate::core::validate::nfc(&cond.value).into_owned(),
        )
    } else {
        (field.fold_column(), fold(&cond.value))
    };
    let n = value.chars().count() as i64;
    let col = format!("{alias}.{column}");
    match (cond.op, cond.case_sensitive) {
        (NameOp::Contains, false) => {}
        (NameOp::Contains, true) => {
            sql.push(&format!(" AND strpos({col}, "))
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
}
