//! Groups, their hierarchy and memberships: the SQL of `store::groups` and
//! `store::memberships` on rusqlite. Rows carry stored keys; every group read gives public
//! ids (`public_id`), every id given is mapped to its key (`key`).

use std::collections::HashSet;

use rusqlite::{Connection, Row};

use super::accounts;
use super::search::{self, Field, IndexSearch};
use super::sql::Sql;
use crate::core::model::{Group, GroupFilter, Listing, NameOp, Page, ParentFilter};
use crate::store::common::fold;
use crate::store::common::{key, public_id};

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
            id: public_id(id).into(),
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
        id: public_id(r.get_ref(1)?.as_str()?).into(),
        account_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        platform_type: r.get(5)?,
        domain: r.get(6)?,
        parent_id: r.get_ref(7)?.as_str_or_null()?.map(|p| public_id(p).into()),
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

pub(super) fn get(
    conn: &Connection,
    account_id: &str,
    id: &str,
) -> rusqlite::Result<Option<Group>> {
    const SQL: &str = concat!(
        select_with_parent!(),
        " WHERE g.account_id = ? AND g.id = ?"
    );
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

/// The keywords of `f` (the keyword and the case-insensitive `contains` name conditions,
/// each an FTS5 MATCH) when they are all it asks, else `None`: then the index alone
/// answers it (`IndexSearch`). Every field is named, so a new one cannot be forgotten.
fn keywords_only(f: &GroupFilter) -> Option<Vec<(&'static [Field], &str)>> {
    let GroupFilter {
        keyword,
        name,
        name_conditions,
        platform_types,
        domain,
        parent,
        ids,
        member,
    } = f;
    if name.is_some()
        || !platform_types.is_empty()
        || domain.is_some()
        || parent.is_some()
        || !ids.is_empty()
        || member.is_some()
    {
        return None;
    }
    const NAME: &[Field] = &[Field::GroupName];
    let mut out = Vec::new();
    if let Some(kw) = keyword.as_deref().filter(|s| !s.is_empty()) {
        out.push((NAME, kw));
    }
    for c in name_conditions.iter().filter(|c| !c.value.is_empty()) {
        if c.op != NameOp::Contains || c.case_sensitive {
            return None;
        }
        out.push((NAME, c.value.as_str()));
    }
    (!out.is_empty()).then_some(out)
}

/// The index search for `f` on the account, when `f` has only keywords and none is too
/// common for the index.
pub(super) fn index_search(
    conn: &Connection,
    account_id: &str,
    f: &GroupFilter,
) -> rusqlite::Result<Option<IndexSearch>> {
    match keywords_only(f) {
        Some(keywords) => IndexSearch::plan(conn, account_id, &keywords),
        None => Ok(None),
    }
}

/// The groups (with parents) whose seqs `keys` selects (`SELECT .. AS seq`, ordered and
/// limited), of the account only, in creation order.
///
/// `CROSS JOIN` keeps the page the outer loop (each row then one rowid lookup) and the
/// unary `+` keeps the tenancy check out of the index choice: with `g.account_id = ?`
/// alone the planner walked the account's `(account_id, seq)` index (every group of the
/// account) against the page (100,000 groups, `keyword=Sales`: 4.2 ms instead of 1.0 ms).
fn by_keys(conn: &Connection, account_id: &str, keys: &Sql<'_>) -> rusqlite::Result<Vec<Group>> {
    let mut select = keys.with_text(format!(
        "SELECT {COLS} FROM ({}) page CROSS JOIN user_groups g ON g.seq = page.seq \
         LEFT JOIN user_groups p ON p.id = g.parent_id WHERE +g.account_id = ",
        keys.text
    ));
    select
        .bind(account_id.to_string())
        .push(" ORDER BY page.seq");
    select.collect(conn, with_parent)
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
    if let Some(index) = index_search(conn, account_id, f)? {
        if index.is_nothing() {
            return Ok(Vec::new());
        }
        let mut keys = index.keys(after);
        keys.push(" ORDER BY rowid LIMIT ").bind(limit);
        return by_keys(conn, account_id, &keys);
    }
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
///
/// A filter of keywords only is answered by the FTS5 index (`IndexSearch`): the page's
/// seqs and the total come from the index's rowids in the account's range, and only the
/// page's rows are read. Any other filter joins the matches to the table.
pub(super) fn list(
    conn: &Connection,
    account_id: &str,
    f: &GroupFilter,
    page: Page,
) -> rusqlite::Result<Listing<Group>> {
    if f.is_empty() {
        return in_range(conn, account_id, page);
    }
    if let Some(index) = index_search(conn, account_id, f)? {
        return search::list_in_index(conn, &index, page, |keys| by_keys(conn, account_id, keys));
    }
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

/// A page of all the account's groups with their parents: a walk of the table's b-tree over
/// the account's rowid range (seq ranges, migration 0011; see `users::in_range`).
fn in_range(conn: &Connection, account_id: &str, page: Page) -> rusqlite::Result<Listing<Group>> {
    const SQL: &str = concat!(
        select_with_parent!(),
        " WHERE g.seq BETWEEN ? AND ? AND +g.account_id = ? ORDER BY g.seq LIMIT ? OFFSET ?"
    );
    accounts::page_in_range(conn, account_id, page, SQL, |e| e.groups, with_parent)
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
    let rows = stmt.query_map(
        rusqlite::params![user_id, page.limit, page.offset],
        with_parent,
    )?;
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

// writes

/// Inserts groups (parents before children: the parent reference is checked per row),
/// each with a seq in its account's range (`accounts::next_seqs`), and counts them in
/// their accounts.
pub(super) fn insert_many(conn: &Connection, groups: &[Group]) -> rusqlite::Result<()> {
    if groups.is_empty() {
        return Ok(());
    }
    let seqs = accounts::next_seqs(
        conn,
        accounts::Rows::Groups,
        groups.iter().map(|g| g.account_id.as_str()),
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO user_groups (seq, id, account_id, name, name_fold, description, \
         platform_type, domain, parent_id, path, depth, user_quantity, created_by, updated_by, \
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    for (g, seq) in groups.iter().zip(seqs) {
        stmt.execute(rusqlite::params![
            seq,
            key(&g.account_id, &g.id),
            g.account_id,
            g.name,
            fold(&g.name),
            g.description,
            g.platform_type,
            g.domain,
            g.parent_id.as_deref().map(|p| key(&g.account_id, p)),
            g.path,
            g.depth,
            g.user_quantity,
            g.created_by,
            g.updated_by,
            g.created_at,
            g.updated_at,
        ])?;
    }
    for (account, n) in accounts::per_account(groups.iter().map(|g| g.account_id.as_str())) {
        accounts::adjust_counts(conn, account, 0, n)?;
    }
    Ok(())
}

/// Writes the group's name, description, `updated_by` and `updated_at` back; `name_fold`
/// changes only with the name.
pub(super) fn update_fields(conn: &Connection, g: &Group) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE user_groups SET name = ?, name_fold = CASE WHEN name = ? THEN name_fold ELSE ? END, \
         description = ?, updated_by = ?, updated_at = ? WHERE id = ?",
    )?
    .execute(rusqlite::params![
        g.name,
        g.name,
        fold(&g.name),
        g.description,
        g.updated_by,
        g.updated_at,
        key(&g.account_id, &g.id)
    ])?;
    Ok(())
}

/// Bumps the account's `hierarchy_version` (on SQLite the write transaction already
/// serialises every writer; the bump keeps the version meaningful to other backends).
pub(super) fn lock_hierarchy(conn: &Connection, account_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET hierarchy_version = hierarchy_version + 1 WHERE id = ?",
    )?
    .execute([account_id])?;
    Ok(())
}

// `path = ?` or a `path/` prefix: the subtree rooted at the group with that path; SQLite's
// substr counts characters, hence the lengths in characters

/// The greatest depth in the subtree whose root has path `path` (0 when none).
pub(super) fn subtree_max_depth(
    conn: &Connection,
    account_id: &str,
    path: &str,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COALESCE(max(depth), 0) FROM user_groups WHERE account_id = ? \
         AND (path = ? OR substr(path, 1, ?) = ?)",
    )?
    .query_row(
        rusqlite::params![
            account_id,
            path,
            path.chars().count() as i64 + 1,
            format!("{path}/")
        ],
        |r| r.get(0),
    )
}

/// Public ids of the subtree rooted at the group with path `path`, deepest first.
pub(super) fn subtree_ids(
    conn: &Connection,
    account_id: &str,
    path: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM user_groups WHERE account_id = ? \
         AND (path = ? OR substr(path, 1, ?) = ?) ORDER BY depth DESC, seq",
    )?;
    let mut rows = stmt.query(rusqlite::params![
        account_id,
        path,
        path.chars().count() as i64 + 1,
        format!("{path}/")
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(public_id(r.get_ref(0)?.as_str()?));
    }
    Ok(out)
}

/// Re-roots the subtree at `old_path` to `new_path`, shifting depths by `depth_delta`, and
/// sets the moved group's parent.
#[allow(clippy::too_many_arguments)]
pub(super) fn move_subtree(
    conn: &Connection,
    account_id: &str,
    group_id: &str,
    new_parent: Option<&str>,
    old_path: &str,
    new_path: &str,
    depth_delta: i64,
    by: &str,
    now: i64,
) -> rusqlite::Result<()> {
    let after = old_path.chars().count() as i64 + 1;
    conn.prepare_cached(
        "UPDATE user_groups SET path = ? || substr(path, ?), depth = depth + ? \
         WHERE account_id = ? AND (path = ? OR substr(path, 1, ?) = ?)",
    )?
    .execute(rusqlite::params![
        new_path,
        after,
        depth_delta,
        account_id,
        old_path,
        after,
        format!("{old_path}/")
    ])?;
    conn.prepare_cached(
        "UPDATE user_groups SET parent_id = ?, updated_at = ?, updated_by = ? WHERE id = ?",
    )?
    .execute(rusqlite::params![
        new_parent.map(|p| key(account_id, p)),
        now,
        by,
        key(account_id, group_id)
    ])?;
    Ok(())
}

/// Deletes the account's groups among `ids` (whole subtrees: a parent's children are among
/// them) with their memberships, grants and policy attachments, and takes them off the
/// account's counter.
pub(super) fn delete_many(
    conn: &Connection,
    account_id: &str,
    ids: &[String],
) -> rusqlite::Result<()> {
    // only the account's own groups: another account's id deletes nothing
    let keys: Vec<String> = existing(conn, account_id, ids)?
        .iter()
        .map(|id| key(account_id, id))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    accounts::adjust_counts(conn, account_id, 0, -(keys.len() as i64))?;
    if keys.len() > CHUNK {
        // children and parents may go in different statements: check the parent reference
        // at COMMIT, when all are gone (the pragma ends with the transaction)
        conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    }
    // their grants and policy attachments, then memberships, then the groups
    super::authz::forget_groups(conn, account_id, &keys)?;
    for sql in [
        "DELETE FROM memberships WHERE group_id IN (",
        "DELETE FROM user_groups WHERE id IN (",
    ] {
        for chunk in keys.chunks(CHUNK) {
            let mut del = Sql::new(sql);
            del.bind_list(chunk).push(")");
            del.execute(conn)?;
        }
    }
    Ok(())
}

/// Adds users to the account's group (one cached insert per user, skipping members);
/// returns how many were not members, by which `user_quantity` goes up.
pub(super) fn add_members(
    conn: &Connection,
    account_id: &str,
    group_id: &str,
    user_ids: &[String],
    now: i64,
) -> rusqlite::Result<i64> {
    let group = key(account_id, group_id);
    let mut stmt = conn.prepare_cached(
        "INSERT INTO memberships (group_id, user_id, created_at) VALUES (?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )?;
    let mut added = 0i64;
    for user in user_ids {
        added += stmt.execute(rusqlite::params![group, user, now])? as i64;
    }
    adjust_quantity(conn, &group, added)?;
    Ok(added)
}

/// Removes users from the account's group; returns how many were members.
pub(super) fn remove_members(
    conn: &Connection,
    account_id: &str,
    group_id: &str,
    user_ids: &[String],
) -> rusqlite::Result<i64> {
    let group = key(account_id, group_id);
    let mut removed = 0i64;
    for chunk in user_ids.chunks(CHUNK) {
        let mut del = Sql::new("DELETE FROM memberships WHERE group_id = ");
        del.bind(group.as_str())
            .push(" AND user_id IN (")
            .bind_list(chunk)
            .push(")");
        removed += del.execute(conn)? as i64;
    }
    adjust_quantity(conn, &group, -removed)?;
    Ok(removed)
}

fn adjust_quantity(conn: &Connection, group_key: &str, delta: i64) -> rusqlite::Result<()> {
    if delta != 0 {
        conn.prepare_cached(
            "UPDATE user_groups SET user_quantity = user_quantity + ? WHERE id = ?",
        )?
        .execute(rusqlite::params![delta, group_key])?;
    }
    Ok(())
}

/// Bulk loading: inserts `(group key, user id)` pairs, skipping those already there,
/// without touching `user_quantity` (see `recount`).
pub(super) fn load(conn: &Connection, pairs: &[(&str, &str)], now: i64) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO memberships (group_id, user_id, created_at) VALUES (?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )?;
    for (group, user) in pairs {
        stmt.execute(rusqlite::params![group, user, now])?;
    }
    Ok(())
}

/// Sets every group's `user_quantity` of the account to its number of members.
pub(super) fn recount(conn: &Connection, account_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE user_groups SET user_quantity = \
         (SELECT count(*) FROM memberships m WHERE m.group_id = user_groups.id) \
         WHERE account_id = ?",
    )?
    .execute([account_id])?;
    Ok(())
}
