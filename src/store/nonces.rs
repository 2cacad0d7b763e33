//! SQL for the nonces of signed requests (`acs_nonces`, migration 0005).

use sqlx::AnyConnection;

/// Records `nonce` for `access_key` until `expires_at`; false when it is already recorded
/// (a replay). One statement, so two nodes racing with the same nonce cannot both win.
pub async fn claim(
    conn: &mut AnyConnection,
    access_key: &str,
    nonce: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO acs_nonces (access_key, nonce, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(access_key)
    .bind(nonce)
    .bind(expires_at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Forgets the nonces whose requests are out of the clock window anyway.
pub async fn purge(conn: &mut AnyConnection, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM acs_nonces WHERE expires_at < $1")
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected())
}
