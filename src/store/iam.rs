//! SQL for the IAM face's own state: token keys, revoked tokens and failed-login counters
//! (migration 0004). Shared by both backends like the rest of `store`.

use sqlx::{AnyConnection, Row};

pub use crate::core::storage::TokenKeyRow;

/// Every token key, the newest (the primary) first.
pub async fn token_keys(conn: &mut AnyConnection) -> Result<Vec<TokenKeyRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, key_sealed, created_at FROM token_keys ORDER BY created_at DESC, id DESC",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenKeyRow {
                id: r.try_get("id")?,
                key_sealed: r.try_get("key_sealed")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub async fn insert_token_key(
    conn: &mut AnyConnection,
    k: &TokenKeyRow,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO token_keys (id, key_sealed, created_at) VALUES ($1, $2, $3)")
        .bind(&k.id)
        .bind(&k.key_sealed)
        .bind(k.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_token_key(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM token_keys WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a revocation; revoking twice is not an error.
pub async fn revoke(
    conn: &mut AnyConnection,
    token_id: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO revoked_tokens (token_id, expires_at, revoked_at) VALUES ($1, $2, $3) \
         ON CONFLICT (token_id) DO NOTHING",
    )
    .bind(token_id)
    .bind(expires_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// (token id, expires_at) of the unexpired tokens revoked at or after `since` (Unix ms;
/// 0 for all).
pub async fn revoked_since(
    conn: &mut AnyConnection,
    now: i64,
    since: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT token_id, expires_at FROM revoked_tokens WHERE expires_at > $1 AND revoked_at >= $2",
    )
    .bind(now)
    .bind(since)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("token_id")?, r.try_get("expires_at")?)))
        .collect()
}

/// Drops revocations of tokens that have expired anyway.
pub async fn purge_revoked(conn: &mut AnyConnection, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// (window_start, failures) of a subject, if it has a row.
pub async fn login_failures(
    conn: &mut AnyConnection,
    subject: &str,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query("SELECT window_start, failures FROM login_failures WHERE subject = $1")
        .bind(subject)
        .fetch_optional(conn)
        .await?
        .map(|r| Ok((r.try_get("window_start")?, r.try_get("failures")?)))
        .transpose()
}

/// Counts one failure of `subject`: a window that started at or before `stale_before` is
/// over, and the count starts again at 1 in a new window starting `now`.
pub async fn add_login_failure(
    conn: &mut AnyConnection,
    subject: &str,
    now: i64,
    stale_before: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_failures (subject, window_start, failures) VALUES ($1, $2, 1) \
         ON CONFLICT (subject) DO UPDATE SET \
           failures = CASE WHEN login_failures.window_start <= $3 THEN 1 \
                           ELSE login_failures.failures + 1 END, \
           window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 \
                               ELSE login_failures.window_start END",
    )
    .bind(subject)
    .bind(now)
    .bind(stale_before)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear_login_failures(
    conn: &mut AnyConnection,
    subject: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE subject = $1")
        .bind(subject)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops counters whose window is over.
pub async fn purge_login_failures(
    conn: &mut AnyConnection,
    stale_before: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
            .bind(stale_before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// The account of a user, found by id alone (a token request may name only the user id).
pub async fn account_of_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT account_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}
