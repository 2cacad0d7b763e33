//! Groups, their hierarchy and memberships: the SQL of `store::groups` and
//! `store::memberships` on rusqlite. Rows carry stored keys; every group read gives public
//! ids (`public_id`), every id given is mapped to its key (`key`).

use std::collections::HashSet;

use rusqlite::{Connection, Row};

use super::accounts;
use super::search::{self, Field};
use super::sql::Sql;
use crate::core::model::{Group, GroupFilter, Listing, Page, ParentFilter};
use crate::store::groups::{key, public_id};
use crate::store::search::fold;

/// Most values in one list of a statement (longer lists are split).
const CHUNK: usize = 1000;

/// A group's columns (`g`), then what a listing shows of its parent (`p`), by index.
macro_rules! cols {
    () => {
        "g.seq, g.id, g.account_id, g.name, g.description, g.platform_type, g.domain, \
         g.parent_id, g.path, g.depth, g.user_quantity, g.created_by, g.updated_by, \
         g.created_at, g.updated_at, \
         p.id, p.account_id, p.name, p.description, p.platform_type, p.domain, p.created_at"
    };
}
const COLS: &str = cols!();
/// Columns of `COLS`: a column after them is at this index.
const NCOLS: usize = 22;

macro_rules! select_with_parent {
    () => {
        concat!(
            "SELECT ",
            cols!(),
            " FROM user_groups g LEFT JOIN user_groups p ON p.id = g.parent_id"
        )
    };
}

/// A group with its parent from a row selected with `COLS` first. The parent carries the
/// fields a listing shows (`store::groups::PARENT_FIELDS`); the others are left empty.
fn with_parent(r: &Row<'_>) -> rusqlite::Result<Group> {
    let parent = match r.get_ref(15)?.as_str_or_null()? {
        None => None,
        Some(id) => Some(Box::new(Group {
            seq: 0,
            id: public_id(id),
            account_id: r.get(16)?,
            name: r.get(17)?,
            description: r.get(18)?,
            platform_type: r.get(19)?,
            domain: r.get(20)?,
            parent_id: None,
            path: String::new(),
            depth: 0,
            user_quantity: 0,
            created_by: String::new(),
            updated_by: String::new(),
            created_at: r.get(21)?,
            updated_at: 0,
            parent: None,
        })),
    };
    Ok(Group {
        seq: r.get(0)?,
        id: public_id(r.get_ref(1)?.as_str()?),
        account_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        platform_type: r.get(5)?,
        domain: r.get(6)?,
        parent_id: r.get_ref(7)?.as_str_or_null()?.map(public_id),
        path: r.get(8)?,
        depth: r.get(9)?,
        user_quantity: r.get(10)?,
        created_by: r.get(11)?,
        updated_by: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        parent,
    })
}

fn one(conn: &Connection, sql: &str, a: &str, b: &str) -> rusqlite::Result<Option<Group>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([a, b])?;
    rows.next()?.map(with_parent).transpose()
}

pub(super) fn get(conn: &Connection, account_id: &str, id: &str) -> rusqlite::Result<Option<Group>> {
    const SQL: &str = concat!(select_with_parent!(), " WHERE g.account_id = ? AND g.id = ?");
    one(conn, SQL, account_id, &key(account_id, id))
}

pub(super) fn get_by_name(
    conn: &Connection,
    account_id: &str,
    name: &str,
) -> rusqlite::Result<Option<Group>> {
    const SQL: &str = concat!(
        select_with_parent!(),
        " WHERE g.account_id = ? AND g.name_fold = ?"
    );
    one(conn, SQL, account_id, &fold(name))
}

/// Whether the account has a group with this id (its key is unique across accounts).
pub(super) fn id_taken(conn: &Connection, account_id: &str, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM user_groups WHERE id = ?")?
        .exists([key(account_id, id)])
}

/// ` WHERE ...` over `user_groups g`: the account's groups that pass `f`
/// (`store::groups::matching`).
fn matching<'a>(
    conn: &Connection,
    account_id: &'a str,
    f: &'a GroupFilter,
) -> rusqlite::Result<Sql<'a>> {
    let mut sql = Sql::new(" WHERE g.account_id = ");
    sql.bind(account_id);
    if let Some(kw) = f.keyword.as_deref().filter(|s| !s.is_empty()) {
        search::push_contains(&mut sql, conn, "g", &[Field::GroupName], kw)?;
    }
    if let Some(name) = &f.name {
        sql.push(" AND g.name_fold = ").bind(fold(name));
    }
    for cond in &f.name_conditions {
        search::push_name_condition(&mut sql, conn, "g", Field::GroupName, cond)?;
    }
    if !f.platform_types.is_empty() {
        sql.push(" AND g.platform_type IN (")
            .bind_list(&f.platform_types)
            .push(")");
    }
    if let Some(d) = &f.domain {
        sql.push(" AND g.domain = ").bind(d);
    }
    if !f.ids.is_empty() {
        sql.push(" AND g.id IN (")
            .bind_list(f.ids.iter().map(|id| key(account_id, id)))
            .push(")");
    }
    if let Some(user_id) = &f.member {
        sql.push(" AND g.id IN (SELECT m.group_id FROM memberships m WHERE m.user_id = ")
            .bind(user_id)
            .push(")");
    }
    match &f.parent {
        Some(ParentFilter::Root) => {
            sql.push(" AND g.parent_id IS NULL");
        }
        Some(ParentFilter::Group(p)) => {
            sql.push(" AND g.parent_id = ").bind(key(account_id, p));
        }
        None => {}
    }
    Ok(sql)
}

/// Up to `limit` groups (with parents) passing `f` with `seq` above `after`, in creation
/// order.
pub(super) fn scan(
    conn: &Connection,
    account_id: &str,
    f: &GroupFilter,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<Group>> {
    let sql = matching(conn, account_id, f)?;
    let mut select = sql.with_text(format!("{}{}", select_with_parent!(), sql.text));
    select
        .push(" AND g.seq > ")
        .bind(after)
        .push(" ORDER BY g.seq LIMIT ")
        .bind(limit);
    select.collect(conn, with_parent)
}

/// A page of the account's groups passing `f` (with parents), in creation order, with the
/// number of all that pass it (an unfiltered total is the account's kept counter).
pub(super) fn list(
    conn: &Connection,
    account_id: &str,
    f: &GroupFilter,
    page: Page,
) -> rusqlite::Result<Listing<Group>> {
    let sql = matching(conn, account_id, f)?;
    // the page's keys first, over the covering (account_id, seq) index, then rows and
    // parents; a filtered total comes along with the page, so a search runs once
    let filtered = !f.is_empty();
    let mut page_keys = sql.with_text(format!(
        "SELECT g.seq{} FROM user_groups g{}",
        if filtered {
            ", count(*) OVER () AS total"
        } else {
            ""
        },
        sql.text
    ));
    page_keys
        .push(" ORDER BY g.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let select = page_keys.with_text(format!(
        "SELECT {COLS}{} FROM ({}) page JOIN user_groups g ON g.seq = page.seq \
         LEFT JOIN user_groups p ON p.id = g.parent_id ORDER BY g.seq",
        if filtered { ", page.total" } else { "" },
        page_keys.text
    ));
    let mut total = None;
    let items = select.collect(conn, |r| {
        if filtered && total.is_none() {
            total = Some(r.get::<_, i64>(NCOLS)?);
        }
        with_parent(r)
    })?;
    let total = match total {
        Some(t) => t,
        None if filtered => {
            // an empty page says nothing about the total: count
            let count = sql.with_text(format!("SELECT count(*) FROM user_groups g{}", sql.text));
            count.collect(conn, |r| r.get::<_, i64>(0))?[0]
        }
        None => accounts::counts(conn, account_id)?.1,
    };
    Ok(Listing { total, items })
}

/// A page of the groups the user is a direct member of, in group creation order.
pub(super) fn of_user(
    conn: &Connection,
    user_id: &str,
    page: Page,
) -> rusqlite::Result<Listing<Group>> {
    let total = conn
        .prepare_cached("SELECT count(*) FROM memberships WHERE user_id = ?")?
        .query_row([user_id], |r| r.get(0))?;
    const SQL: &str = concat!(
        select_with_parent!(),
        " WHERE g.id IN (SELECT group_id FROM memberships WHERE user_id = ?) \
         ORDER BY g.seq LIMIT ? OFFSET ?"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let rows = stmt.query_map(rusqlite::params![user_id, page.limit, page.offset], with_parent)?;
    Ok(Listing {
        total,
        items: rows.collect::<rusqlite::Result<_>>()?,
    })
}

pub(super) fn is_member(
    conn: &Connection,
    account_id: &str,
    group_id: &str,
    user_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?")?
        .exists(rusqlite::params![key(account_id, group_id), user_id])
}

/// `(folded name, public id)` of the account's groups whose folded name is among `folded`.
pub(super) fn ids_by_folded_names(
    conn: &Connection,
    account_id: &str,
    folded: &[String],
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in folded.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT name_fold, id FROM user_groups WHERE account_id = ");
        sql.bind(account_id)
            .push(" AND name_fold IN (")
            .bind_list(chunk)
            .push(")");
        sql.each(conn, |r| {
            out.push((r.get(0)?, public_id(r.get_ref(1)?.as_str()?)));
            Ok(())
        })?;
    }
    Ok(out)
}

/// `(key, seq, name)` of the account's groups among `ids` (public ids or keys, as an
/// export batch gives them).
pub(super) fn names_by_ids(
    conn: &Connection,
    account_id: &str,
    ids: &[&str],
) -> rusqlite::Result<Vec<(String, i64, String)>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        // `account_id || ''` keeps the tenancy check out of the planner's index choice (as
        // in `store::groups::names_by_ids`: with the (account_id, ...) index SQLite scanned
        // every group of the account)
        let mut sql = Sql::new("SELECT id, seq, name FROM user_groups WHERE account_id || '' = ");
        sql.bind(account_id)
            .push(" AND id IN (")
            .bind_list(chunk.iter().map(|id| key(account_id, id)))
            .push(")");
        sql.each(conn, |r| {
            out.push((r.get(0)?, r.get(1)?, r.get(2)?));
            Ok(())
        })?;
    }
    Ok(out)
}

/// The account's groups among `ids` (public ids or keys) that exist, as given.
pub(super) fn existing(
    conn: &Connection,
    account_id: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<String>> {
    let mut found: HashSet<String> = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id FROM user_groups WHERE account_id = ");
        sql.bind(account_id)
            .push(" AND id IN (")
            .bind_list(chunk.iter().map(|id| key(account_id, id)))
            .push(")");
        sql.each(conn, |r| {
            found.insert(r.get(0)?);
            Ok(())
        })?;
    }
    Ok(ids
        .iter()
        .filter(|id| found.contains(&key(account_id, id)))
        .cloned()
        .collect())
}

