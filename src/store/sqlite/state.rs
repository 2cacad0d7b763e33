//! Quick BI attributes, IAM state and signature nonces on rusqlite.

use std::collections::HashMap;

use rusqlite::Connection;

use super::search::{self, Field};
use super::sql::Sql;
use crate::core::model::{Listing, Page};
use crate::core::storage::{MemberRow, RoleHolder, TokenKeyRow};

/// `,1,2,` (role ids wrapped in commas, as stored) as `[1, 2]`.
fn unwrap_ids(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|x| x.parse().ok()).collect()
}

/// The attribute rows of those of `user_ids` that have one.
pub(super) fn org_members(
    conn: &Connection,
    user_ids: &[String],
) -> rusqlite::Result<HashMap<String, MemberRow>> {
    let mut out = HashMap::new();
    for chunk in user_ids.chunks(500) {
        let mut sql = Sql::new(
            "SELECT user_id, account_id, user_type, role_ids, copilot_modules, aliyun_account_id \
             FROM quickbi_members WHERE user_id IN (",
        );
        sql.bind_list(chunk).push(")");
        sql.each(conn, |r| {
            let row = MemberRow {
                user_id: r.get(0)?,
                account_id: r.get(1)?,
                user_type: r.get(2)?,
                role_ids: unwrap_ids(r.get_ref(3)?.as_str()?),
                copilot_modules: r
                    .get_ref(4)?
                    .as_str()?
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
                aliyun_account_id: r.get(5)?,
            };
            out.insert(row.user_id.to_string(), row);
            Ok(())
        })?;
    }
    Ok(out)
}

/// Users of the account holding `role_id` (listed in their row, or their default when they
/// have none), optionally with `keyword` in the nick name, in creation order.
#[allow(clippy::too_many_arguments)]
pub(super) fn role_holders(
    conn: &Connection,
    account_id: &str,
    role_id: i64,
    root_default: i64,
    default: i64,
    keyword: Option<&str>,
    page: Page,
) -> rusqlite::Result<Listing<RoleHolder>> {
    let mut filter = Sql::new(
        " FROM users u LEFT JOIN quickbi_members m ON m.user_id = u.id WHERE u.account_id = ",
    );
    filter
        .bind(account_id)
        .push(" AND (m.role_ids LIKE ")
        .bind(format!("%,{role_id},%"))
        .push(" OR (m.user_id IS NULL AND ((u.is_root = 1 AND ")
        .bind(root_default)
        .push(" = ")
        .bind(role_id)
        .push(") OR (u.is_root = 0 AND ")
        .bind(default)
        .push(" = ")
        .bind(role_id)
        .push("))))");
    if let Some(kw) = keyword.filter(|k| !k.is_empty()) {
        // expanded once for the count and the page (the same snapshot answers both alike)
        search::push_contains(&mut filter, conn, "u", &[Field::UserAlias], kw)?;
    }
    let count = filter.with_text(format!("SELECT count(*){}", filter.text));
    let total = count.collect(conn, |r| r.get::<_, i64>(0))?[0];
    let mut rows = filter.with_text(format!("SELECT u.id, u.name, u.alias_name{}", filter.text));
    rows.push(" ORDER BY u.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let items = rows.collect(conn, |r| {
        Ok(RoleHolder {
            user_id: r.get(0)?,
            name: r.get(1)?,
            alias_name: r.get(2)?,
        })
    })?;
    Ok(Listing { total, items })
}

/// Every token key, the newest (the primary) first.
pub(super) fn token_keys(conn: &Connection) -> rusqlite::Result<Vec<TokenKeyRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, key_sealed, created_at FROM token_keys ORDER BY created_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(TokenKeyRow {
            id: r.get(0)?,
            key_sealed: r.get(1)?,
            created_at: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// (token id, expires_at) of tokens unexpired at `now` revoked at or after `since`.
pub(super) fn revoked_since(
    conn: &Connection,
    now: i64,
    since: i64,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT token_id, expires_at FROM revoked_tokens WHERE expires_at > ? AND revoked_at >= ?",
    )?;
    let rows = stmt.query_map([now, since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// (window start, failures) of a login subject, if it has a row.
pub(super) fn login_failures(
    conn: &Connection,
    subject: &str,
) -> rusqlite::Result<Option<(i64, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT window_start, failures FROM login_failures WHERE subject = ?")?;
    let mut rows = stmt.query([subject])?;
    rows.next()?.map(|r| Ok((r.get(0)?, r.get(1)?))).transpose()
}

// writes

/// `[1, 2]` as `,1,2,`: one role is then matched with `LIKE '%,id,%'`.
fn wrap(ids: &[i64]) -> String {
    let inner: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(",{},", inner.join(","))
}

/// Inserts or replaces the row of `m.user_id`.
pub(super) fn upsert_org_member(
    conn: &Connection,
    m: &MemberRow,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO quickbi_members (user_id, account_id, user_type, role_ids, copilot_modules, \
         aliyun_account_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (user_id) DO UPDATE SET user_type = excluded.user_type, \
         role_ids = excluded.role_ids, copilot_modules = excluded.copilot_modules, \
         aliyun_account_id = excluded.aliyun_account_id, updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![
        m.user_id,
        m.account_id,
        m.user_type,
        wrap(&m.role_ids),
        m.copilot_modules.join(","),
        m.aliyun_account_id,
        now,
        now
    ])?;
    Ok(())
}

pub(super) fn insert_token_key(conn: &Connection, k: &TokenKeyRow) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO token_keys (id, key_sealed, created_at) VALUES (?, ?, ?)")?
        .execute(rusqlite::params![k.id, k.key_sealed, k.created_at])?;
    Ok(())
}

/// Runs a one-statement write; the number of rows it changed.
fn change(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> rusqlite::Result<u64> {
    Ok(conn.prepare_cached(sql)?.execute(args)? as u64)
}

pub(super) fn delete_token_key(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    change(conn, "DELETE FROM token_keys WHERE id = ?", [id])?;
    Ok(())
}

/// Records a revocation; revoking twice is not an error.
pub(super) fn revoke(
    conn: &Connection,
    token_id: &str,
    expires_at: i64,
    now: i64,
) -> rusqlite::Result<()> {
    change(
        conn,
        "INSERT INTO revoked_tokens (token_id, expires_at, revoked_at) VALUES (?, ?, ?) \
         ON CONFLICT (token_id) DO NOTHING",
        rusqlite::params![token_id, expires_at, now],
    )?;
    Ok(())
}

pub(super) fn purge_revoked(conn: &Connection, now: i64) -> rusqlite::Result<u64> {
    change(
        conn,
        "DELETE FROM revoked_tokens WHERE expires_at <= ?",
        [now],
    )
}

/// Counts one failure of `subject`: a window that started at or before `stale_before` is
/// over, and the count starts again at 1 in a window starting `now`.
pub(super) fn add_login_failure(
    conn: &Connection,
    subject: &str,
    now: i64,
    stale_before: i64,
) -> rusqlite::Result<()> {
    change(
        conn,
        "INSERT INTO login_failures (subject, window_start, failures) VALUES (?, ?, 1) \
         ON CONFLICT (subject) DO UPDATE SET \
           failures = CASE WHEN login_failures.window_start <= ? THEN 1 \
                           ELSE login_failures.failures + 1 END, \
           window_start = CASE WHEN login_failures.window_start <= ? THEN excluded.window_start \
                               ELSE login_failures.window_start END",
        rusqlite::params![subject, now, stale_before, stale_before],
    )?;
    Ok(())
}

pub(super) fn clear_login_failures(conn: &Connection, subject: &str) -> rusqlite::Result<()> {
    change(
        conn,
        "DELETE FROM login_failures WHERE subject = ?",
        [subject],
    )?;
    Ok(())
}

pub(super) fn purge_login_failures(conn: &Connection, stale_before: i64) -> rusqlite::Result<u64> {
    change(
        conn,
        "DELETE FROM login_failures WHERE window_start <= ?1 AND locked_until <= ?1",
        [stale_before],
    )
}

/// Records a nonce until `expires_at`; false when it was recorded before (a replay).
pub(super) fn claim_nonce(
    conn: &Connection,
    access_key: &str,
    nonce: &str,
    expires_at: i64,
) -> rusqlite::Result<bool> {
    let n = change(
        conn,
        "INSERT INTO acs_nonces (access_key, nonce, expires_at) VALUES (?, ?, ?) \
         ON CONFLICT DO NOTHING",
        rusqlite::params![access_key, nonce, expires_at],
    )?;
    Ok(n == 1)
}

/// Forgets nonces expired before `now`.
pub(super) fn purge_nonces(conn: &Connection, now: i64) -> rusqlite::Result<u64> {
    change(conn, "DELETE FROM acs_nonces WHERE expires_at < ?", [now])
}
