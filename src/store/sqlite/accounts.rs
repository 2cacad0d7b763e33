//! Accounts, projects, access keys and the kept counters: the SQL of `store::accounts` and
//! `store::credentials` on rusqlite.

use rusqlite::{Connection, Row};

use crate::core::model::{Account, Project};
use crate::core::storage::AccessKeyRow;

fn account(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
    })
}

fn project(r: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn optional<T>(
    conn: &Connection,
    sql: &str,
    arg: &str,
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([arg])?;
    rows.next()?.map(f).transpose()
}

pub(super) fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Account>> {
    optional(
        conn,
        "SELECT id, name, created_at FROM accounts WHERE id = ?",
        id,
        account,
    )
}

pub(super) fn get_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<Account>> {
    optional(
        conn,
        "SELECT id, name, created_at FROM accounts WHERE name = ?",
        name,
        account,
    )
}

pub(super) fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM accounts")?
        .query_row([], |r| r.get(0))
}

pub(super) fn get_project(conn: &Connection, id: &str) -> rusqlite::Result<Option<Project>> {
    optional(
        conn,
        "SELECT id, account_id, name, created_at FROM projects WHERE id = ?",
        id,
        project,
    )
}

/// The account's projects, oldest first.
pub(super) fn projects_of(conn: &Connection, account_id: &str) -> rusqlite::Result<Vec<Project>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, account_id, name, created_at FROM projects WHERE account_id = ? \
         ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([account_id], project)?;
    rows.collect()
}

/// The account's (users, groups): the kept counters. An unknown account is an error, as in
/// `store::accounts::counts`.
pub(super) fn counts(conn: &Connection, account_id: &str) -> rusqlite::Result<(i64, i64)> {
    conn.prepare_cached("SELECT user_count, group_count FROM accounts WHERE id = ?")?
        .query_row([account_id], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// An access key with its user's state: active when the key is and its user is neither
/// disabled nor locked.
pub(super) fn access_key(
    conn: &Connection,
    access_key: &str,
) -> rusqlite::Result<Option<AccessKeyRow>> {
    optional(
        conn,
        "SELECT k.access_key, k.account_id, k.user_id, k.secret_sealed, \
         k.status = 'active' AND u.disabled = 0 AND u.locked = 0 \
         FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key = ?",
        access_key,
        |r| {
            Ok(AccessKeyRow {
                access_key: r.get(0)?,
                account_id: r.get(1)?,
                user_id: r.get(2)?,
                secret_sealed: r.get(3)?,
                active: r.get(4)?,
            })
        },
    )
}

