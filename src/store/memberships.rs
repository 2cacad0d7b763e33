//! SQL for memberships. Every change adjusts `user_groups.user_quantity` by the number of rows
//! it really inserted or deleted, in the same transaction, so the count stays exact under
//! concurrency (the row update is atomic on both backends).

use sqlx::AnyConnection;

use super::groups::key;
use super::query::Sql;

/// Adds users to the account's group `group_id` (a public id or a key: see `groups::key`)
/// in one statement; returns how many were not members before. Callers pass ids sorted, so
/// concurrent changes lock rows in the same order.
pub async fn add(
    conn: &mut AnyConnection,
    account_id: &str,
    group_id: &str,
    user_ids: &[String],
    now: i64,
) -> Result<i64, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let group_id = &key(account_id, group_id);
    let mut sql = Sql::on(
        &*conn,
        "INSERT INTO memberships (group_id, user_id, created_at) VALUES ",
    );
    for (i, uid) in user_ids.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(group_id)
            .push(", ")
            .bind(uid)
            .push(", ")
            .bind(now)
            .push(")");
    }
    sql.push(" ON CONFLICT DO NOTHING");
    let added = sql.query().execute(&mut *conn).await?.rows_affected() as i64;
    adjust(conn, group_id, added).await?;
    Ok(added)
}

/// Removes users from the account's group `group_id` in one statement; returns how many
/// were members.
pub async fn remove(
    conn: &mut AnyConnection,
    account_id: &str,
    group_id: &str,
    user_ids: &[String],
) -> Result<i64, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let group_id = &key(account_id, group_id);
    let mut sql = Sql::on(&*conn, "DELETE FROM memberships WHERE group_id = ");
    sql.bind(group_id)
        .push(" AND user_id IN (")
        .bind_list(user_ids)
        .push(")");
    let removed = sql.query().execute(&mut *conn).await?.rows_affected() as i64;
    adjust(conn, group_id, -removed).await?;
    Ok(removed)
}

async fn adjust(conn: &mut AnyConnection, group_id: &str, delta: i64) -> Result<(), sqlx::Error> {
    if delta != 0 {
        sqlx::query("UPDATE user_groups SET user_quantity = user_quantity + $1 WHERE id = $2")
            .bind(delta)
            .bind(group_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn is_member(
    conn: &mut AnyConnection,
    account_id: &str,
    group_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM memberships WHERE group_id = $1 AND user_id = $2")
            .bind(key(account_id, group_id))
            .bind(user_id)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

/// Bulk loading (`roster seed`): inserts `(group key, user id)` pairs in 2,000-row
/// statements, skipping those already there; `user_quantity` is left to `recount`.
pub async fn load(
    conn: &mut AnyConnection,
    pairs: &[(&str, &str)],
    now: i64,
) -> Result<(), sqlx::Error> {
    for batch in pairs.chunks(2000) {
        let mut sql = Sql::on(
            &*conn,
            "INSERT INTO memberships (group_id, user_id, created_at) VALUES ",
        );
        for (i, (g, u)) in batch.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*g)
                .push(", ")
                .bind(*u)
                .push(", ")
                .bind(now)
                .push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets every group's `user_quantity` of the account to its number of members.
pub async fn recount(conn: &mut AnyConnection, account_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_groups SET user_quantity = \
         (SELECT count(*) FROM memberships m WHERE m.group_id = user_groups.id) WHERE account_id = $1",
    )
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}
