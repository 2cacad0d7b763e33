//! Keystone's domains (accounts with a description and an enabled flag), the operator's
//! system roles, and the deletion of a whole account (`core::keystone`, migration 0016) on
//! rusqlite.

use rusqlite::{Connection, OptionalExtension, Row};

use crate::core::keystone::DomainRow;

const DOMAIN_COLS: &str = "id, name, description, enabled, tokens_valid_after, created_at";

fn domain(r: &Row<'_>) -> rusqlite::Result<DomainRow> {
    Ok(DomainRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        enabled: r.get(3)?,
        tokens_valid_after: r.get(4)?,
        created_at: r.get(5)?,
    })
}

pub(super) fn all(conn: &Connection) -> rusqlite::Result<Vec<DomainRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {DOMAIN_COLS} FROM accounts ORDER BY name"))?;
    let rows = stmt.query_map([], domain)?;
    rows.collect()
}

pub(super) fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<DomainRow>> {
    conn.prepare_cached(&format!("SELECT {DOMAIN_COLS} FROM accounts WHERE id = ?"))?
        .query_row([id], domain)
        .optional()
}

pub(super) fn system_roles_of(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT role_id FROM system_role_assignments WHERE user_id = ? ORDER BY role_id",
    )?;
    let rows = stmt.query_map([user_id], |r| r.get(0))?;
    rows.collect()
}

/// A made id is its own key; a chosen one is stored as `{id}.{account}` ('.' < '/').
pub(super) fn accounts_of_group(conn: &Connection, id: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT account_id FROM user_groups \
         WHERE id = ?1 OR (id > ?1 || '.' AND id < ?1 || '/') ORDER BY account_id",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    rows.collect()
}

pub(super) fn update(conn: &Connection, d: &DomainRow) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE accounts SET name = ?, description = ?, enabled = ?, tokens_valid_after = ? \
             WHERE id = ?",
        )?
        .execute(rusqlite::params![
            d.name,
            d.description,
            d.enabled,
            d.tokens_valid_after,
            d.id
        ])?;
    Ok(n > 0)
}

fn ids(conn: &Connection, sql: &str, account_id: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([account_id], |r| r.get(0))?;
    rows.collect()
}

/// Deletes the account and everything in it (`KeystoneWrite::delete_account`).
pub(super) fn delete_account(conn: &Connection, account_id: &str) -> rusqlite::Result<bool> {
    if get(conn, account_id)?.is_none() {
        return Ok(false);
    }
    // users and groups through their own deletions: counters, search indexes, memberships,
    // keys, grants and policy attachments go with them
    let users = ids(
        conn,
        "SELECT id FROM users WHERE account_id = ?",
        account_id,
    )?;
    super::users::delete_many(conn, account_id, &users)?;
    let groups = ids(
        conn,
        "SELECT id FROM user_groups WHERE account_id = ?",
        account_id,
    )?;
    super::groups::delete_many(conn, account_id, &groups)?;
    for sql in [
        "DELETE FROM project_tags WHERE project_id IN \
         (SELECT id FROM projects WHERE account_id = ?1)",
        "DELETE FROM role_assignments WHERE account_id = ?1",
        "DELETE FROM user_role_assignments WHERE account_id = ?1",
        "DELETE FROM system_role_assignments WHERE account_id = ?1",
        "DELETE FROM export_chunks WHERE task_id IN \
         (SELECT id FROM export_tasks WHERE account_id = ?1)",
        "DELETE FROM export_tasks WHERE account_id = ?1",
        "DELETE FROM policy_attachments WHERE account_id = ?1",
        "DELETE FROM identity_policy_versions WHERE policy_id IN \
         (SELECT id FROM identity_policies WHERE account_id = ?1)",
        "DELETE FROM identity_policies WHERE account_id = ?1",
        "DELETE FROM custom_roles WHERE account_id = ?1",
        "DELETE FROM implied_roles WHERE prior_role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = ?1) OR implied_role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = ?1)",
        "DELETE FROM role_assignments WHERE role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = ?1)",
        "DELETE FROM user_role_assignments WHERE role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = ?1)",
        "DELETE FROM keystone_roles WHERE domain_id = ?1",
        "DELETE FROM quickbi_members WHERE account_id = ?1",
        "DELETE FROM credentials WHERE account_id = ?1",
        "DELETE FROM password_policies WHERE account_id = ?1",
        "DELETE FROM login_policies WHERE account_id = ?1",
        "DELETE FROM access_keys WHERE account_id = ?1",
        "DELETE FROM projects WHERE account_id = ?1",
        "DELETE FROM accounts WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([account_id])?;
    }
    Ok(true)
}

pub(super) fn insert_system_role(
    conn: &Connection,
    account_id: &str,
    user_id: &str,
    role_id: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO system_role_assignments (account_id, user_id, role_id, created_at) \
             VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )?
        .execute(rusqlite::params![account_id, user_id, role_id, now])?;
    Ok(n > 0)
}

pub(super) fn delete_system_role(
    conn: &Connection,
    user_id: &str,
    role_id: &str,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM system_role_assignments WHERE user_id = ? AND role_id = ?")?
        .execute([user_id, role_id])?;
    Ok(n > 0)
}
