//! SQL for access keys. The secret is stored sealed (see `auth::sealing`).

use sqlx::{AnyConnection, Row};

pub use crate::core::storage::AccessKeyRow;

pub async fn insert(
    conn: &mut AnyConnection,
    k: &AccessKeyRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO access_keys (access_key, account_id, user_id, secret_sealed, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&k.access_key)
    .bind(&k.account_id)
    .bind(&k.user_id)
    .bind(&k.secret_sealed)
    .bind(if k.active { "active" } else { "inactive" })
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    access_key: &str,
) -> Result<Option<AccessKeyRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT k.access_key, k.account_id, k.user_id, k.secret_sealed, k.status, u.disabled, u.locked \
         FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key = $1",
    )
    .bind(access_key)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let status: String = r.try_get("status")?;
        let disabled: i64 = r.try_get("disabled")?;
        let locked: i64 = r.try_get("locked")?;
        Ok(AccessKeyRow {
            access_key: r.try_get("access_key")?,
            account_id: r.try_get("account_id")?,
            user_id: r.try_get("user_id")?,
            secret_sealed: r.try_get("secret_sealed")?,
            active: status == "active" && disabled == 0 && locked == 0,
        })
    })
    .transpose()
}
