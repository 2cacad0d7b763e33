//! Accounts, projects, access keys and the kept counters on rusqlite.

use rusqlite::{Connection, Row};

use crate::core::model::AccountId;
use crate::core::model::{Account, Listing, Page, Project};
use crate::core::storage::{AccessKeyInfo, AccessKeyPatch, AccessKeyRow};

fn account(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
    })
}

/// Columns of `project`.
const PROJECT_COLS: &str = "id, account_id, name, created_at, description, enabled, parent_id";

/// A project without its tags (`with_tags` adds them).
fn project(r: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        created_at: r.get(3)?,
        description: r.get(4)?,
        enabled: r.get(5)?,
        parent_id: r.get(6)?,
        tags: Vec::new(),
    })
}

fn with_tags(conn: &Connection, mut ps: Vec<Project>) -> rusqlite::Result<Vec<Project>> {
    let ids: Vec<&str> = ps.iter().map(|p| p.id.as_str()).collect();
    let mut tags = super::keystone::tags_of(conn, &ids)?;
    for p in &mut ps {
        p.tags = tags.remove(p.id.as_str()).unwrap_or_default();
    }
    Ok(ps)
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
    let sql = format!("SELECT {PROJECT_COLS} FROM projects WHERE id = ?");
    let found = optional(conn, &sql, id, project)?;
    Ok(with_tags(conn, found.into_iter().collect())?.pop())
}

/// The account's projects, oldest first.
pub(super) fn projects_of(conn: &Connection, account_id: &str) -> rusqlite::Result<Vec<Project>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PROJECT_COLS} FROM projects WHERE account_id = ? ORDER BY created_at, id"
    ))?;
    let rows = stmt
        .query_map([account_id], project)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    with_tags(conn, rows)
}

/// The account's (users, groups): the kept counters. An unknown account is an error.
pub(super) fn counts(conn: &Connection, account_id: &str) -> rusqlite::Result<(i64, i64)> {
    conn.prepare_cached("SELECT user_count, group_count FROM accounts WHERE id = ?")?
        .query_row([account_id], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// What an unfiltered page needs of its account, read in one lookup: its seq range
/// (migration 0011; `None` for an account without a number) and its kept counters.
pub(super) struct Extent {
    pub range: Option<(i64, i64)>,
    pub users: i64,
    pub groups: i64,
}

/// A page of all the account's rows of one table, by `sql` (`... WHERE <t>.seq BETWEEN ? AND
/// ? AND +<t>.account_id = ? ORDER BY <t>.seq LIMIT ? OFFSET ?`), read with `row`, and
/// the total `total` picks from the account's counters: the walk of the table's b-tree
/// over the account's seq range that `sqlite::users::in_range` describes.
pub(super) fn page_in_range<T>(
    conn: &Connection,
    account_id: &str,
    page: Page,
    sql: &str,
    total: fn(&Extent) -> i64,
    row: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Listing<T>> {
    // the range and the total in one lookup of the account
    let extent = extent(conn, account_id)?;
    let Some((lo, hi)) = extent.range else {
        return Ok(Listing {
            total: total(&extent),
            items: Vec::new(),
        });
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        rusqlite::params![lo, hi, account_id, page.limit, page.offset],
        row,
    )?;
    Ok(Listing {
        total: total(&extent),
        items: rows.collect::<rusqlite::Result<_>>()?,
    })
}

/// The account's [`Extent`]. An unknown account is an error, as in `counts`.
pub(super) fn extent(conn: &Connection, account_id: &str) -> rusqlite::Result<Extent> {
    conn.prepare_cached("SELECT number, user_count, group_count FROM accounts WHERE id = ?")?
        .query_row([account_id], |r| {
            let number: Option<i64> = r.get(0)?;
            Ok(Extent {
                range: number.map(super::search::seq_range),
                users: r.get(1)?,
                groups: r.get(2)?,
            })
        })
}

/// An access key with its user's state: active when the key is, its user is neither
/// disabled nor locked, and its domain is enabled (on every face).
pub(super) fn access_key(
    conn: &Connection,
    access_key: &str,
) -> rusqlite::Result<Option<AccessKeyRow>> {
    optional(
        conn,
        "SELECT k.access_key, k.account_id, k.user_id, k.secret_sealed, \
         k.status = 'active' AND u.disabled = 0 AND u.locked = 0 AND a.enabled = 1, u.is_root, \
         k.description FROM access_keys k JOIN users u ON u.id = k.user_id \
         JOIN accounts a ON a.id = k.account_id WHERE k.access_key = ?",
        access_key,
        |r| {
            Ok(AccessKeyRow {
                access_key: r.get(0)?,
                account_id: r.get(1)?,
                user_id: r.get(2)?,
                secret_sealed: r.get(3)?,
                active: r.get(4)?,
                is_root: r.get(5)?,
                description: r.get(6)?,
            })
        },
    )
}

const KEY_INFO: &str = "SELECT access_key, account_id, user_id, status = 'active', description, \
     created_at, last_used_at FROM access_keys";

fn key_info(r: &Row<'_>) -> rusqlite::Result<AccessKeyInfo> {
    Ok(AccessKeyInfo {
        access_key: r.get(0)?,
        account_id: r.get(1)?,
        user_id: r.get(2)?,
        active: r.get(3)?,
        description: r.get(4)?,
        created_at: r.get(5)?,
        last_used_at: r.get(6)?,
    })
}

/// The account's key (another account's key is not found).
pub(super) fn access_key_info(
    conn: &Connection,
    account_id: &AccountId,
    access_key: &str,
) -> rusqlite::Result<Option<AccessKeyInfo>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{KEY_INFO} WHERE access_key = ? AND account_id = ?"
    ))?;
    let mut rows = stmt.query(rusqlite::params![access_key, account_id])?;
    rows.next()?.map(key_info).transpose()
}

/// The keys of the account's user, oldest first (then by key).
pub(super) fn access_keys_of(
    conn: &Connection,
    account_id: &AccountId,
    user_id: &str,
) -> rusqlite::Result<Vec<AccessKeyInfo>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{KEY_INFO} WHERE user_id = ? AND account_id = ? ORDER BY created_at, access_key"
    ))?;
    let rows = stmt.query_map(rusqlite::params![user_id, account_id], key_info)?;
    rows.collect()
}

/// Writes the patch's fields; false when the account has no such key.
pub(super) fn update_access_key(
    conn: &Connection,
    account_id: &AccountId,
    access_key: &str,
    patch: &AccessKeyPatch,
) -> rusqlite::Result<bool> {
    let status = patch.active.map(|a| if a { "active" } else { "inactive" });
    let n = conn
        .prepare_cached(
            "UPDATE access_keys SET status = coalesce(?, status), \
             description = coalesce(?, description) WHERE access_key = ? AND account_id = ?",
        )?
        .execute(rusqlite::params![
            status,
            patch.description,
            access_key,
            account_id
        ])?;
    Ok(n == 1)
}

pub(super) fn delete_access_key(
    conn: &Connection,
    account_id: &AccountId,
    access_key: &str,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM access_keys WHERE access_key = ? AND account_id = ?")?
        .execute(rusqlite::params![access_key, account_id])?;
    Ok(n == 1)
}

pub(super) fn touch_access_key(
    conn: &Connection,
    access_key: &str,
    now: i64,
    not_before: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE access_keys SET last_used_at = ? WHERE access_key = ? AND last_used_at < ?",
    )?
    .execute(rusqlite::params![now, access_key, not_before])?;
    Ok(())
}

// writes

pub(super) fn insert(conn: &Connection, a: &Account) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)")?
        .execute(rusqlite::params![a.id, a.name, a.created_at])?;
    Ok(())
}

pub(super) fn insert_project(conn: &Connection, p: &Project) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO projects (id, account_id, name, created_at, description, enabled, \
         parent_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(rusqlite::params![
        p.id,
        p.account_id,
        p.name,
        p.created_at,
        p.description,
        p.enabled,
        p.parent_id
    ])?;
    super::keystone::insert_tags(conn, p)
}

pub(super) fn insert_access_key(
    conn: &Connection,
    k: &AccessKeyRow,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO access_keys (access_key, account_id, user_id, secret_sealed, status, \
         created_at, description, credential_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(rusqlite::params![
        k.access_key,
        k.account_id,
        k.user_id,
        k.secret_sealed,
        if k.active { "active" } else { "inactive" },
        now,
        k.description,
        crate::core::keystone_credentials::ec2_credential_id(&k.access_key)
    ])?;
    Ok(())
}

/// Adds to the account's kept user and group numbers (in the transaction of the change).
pub(super) fn adjust_counts(
    conn: &Connection,
    account_id: &str,
    users: i64,
    groups: i64,
) -> rusqlite::Result<()> {
    if users != 0 || groups != 0 {
        conn.prepare_cached(
            "UPDATE accounts SET user_count = user_count + ?, group_count = group_count + ? \
             WHERE id = ?",
        )?
        .execute(rusqlite::params![users, groups, account_id])?;
    }
    Ok(())
}

/// Where new rows go: `users` or `user_groups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rows {
    Users,
    Groups,
}

/// Allocates the seqs of new rows of the accounts in `accounts` (one per row, in order):
/// each account's rows continue from its greatest seq (the last entry of the
/// `(account_id, seq)` index), or from the start of its range,
/// `accounts.number << 40 | 1` (migration 0011), so an account's seqs stay in its range
/// and in creation order. An account without a number (none such) gets 0s, which the
/// table's range trigger refuses.
pub(super) fn next_seqs<'a>(
    conn: &Connection,
    rows: Rows,
    accounts: impl Iterator<Item = &'a str>,
) -> rusqlite::Result<Vec<i64>> {
    let last = match rows {
        Rows::Users => "SELECT max(seq) FROM users WHERE account_id = ?",
        Rows::Groups => "SELECT max(seq) FROM user_groups WHERE account_id = ?",
    };
    let mut next: Vec<(&str, i64)> = Vec::new();
    let mut out = Vec::new();
    for a in accounts {
        let seq = match next.iter_mut().find(|(x, _)| *x == a) {
            Some((_, s)) => {
                *s += 1;
                *s
            }
            None => {
                let s = match super::search::account_number(conn, a)? {
                    None => 0,
                    Some(number) => {
                        let max: Option<i64> =
                            conn.prepare_cached(last)?.query_row([a], |r| r.get(0))?;
                        max.unwrap_or(super::search::seq_range(number).0 - 1) + 1
                    }
                };
                next.push((a, s));
                s
            }
        };
        out.push(seq);
    }
    Ok(out)
}

/// How many of the items belong to each account, in the order accounts first appear.
pub(super) fn per_account<'a>(accounts: impl Iterator<Item = &'a str>) -> Vec<(&'a str, i64)> {
    let mut out: Vec<(&str, i64)> = Vec::new();
    for a in accounts {
        match out.iter_mut().find(|(x, _)| *x == a) {
            Some((_, n)) => *n += 1,
            None => out.push((a, 1)),
        }
    }
    out
}
