//! Users: the SQL of `store::users` on rusqlite.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};

use super::accounts;
use super::search::{self, Field, IndexSearch};
use super::sql::Sql;
use crate::core::exports::{Span, UserBatch, UserSpans};
use crate::core::model::{Given, Listing, NameOp, Page, User, UserFilter};
use crate::core::storage::UserRecord;
use crate::store::common::fold;
use crate::store::common::key;

/// The columns `user` reads, by index (a macro, so that fixed statements are literals).
macro_rules! cols {
    () => {
        "u.seq, u.id, u.account_id, u.name, u.description, u.email, u.phone, u.alias_name, \
         u.active_type, u.platform_type, u.domain, u.enterprise_project_id, u.user_info_map, \
         u.account_expires, u.password_hash IS NOT NULL, u.enable_change_password, \
         u.next_login_change_password, u.password_never_expired, u.locked, u.disabled, \
         u.is_root, u.created_at, u.updated_at, u.password_changed_at, u.tokens_valid_after, \
         u.password_expires_at, u.last_login_at, u.default_project_id, u.options"
    };
}
const COLS: &str = cols!();
/// Columns of `COLS`: a column after them is at this index.
const NCOLS: usize = 29;

/// Most values in one list of a lookup (the lookups split longer lists).
const CHUNK: usize = 1000;

/// A user from a row selected with `COLS` first.
fn user(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        seq: r.get(0)?,
        id: r.get(1)?,
        account_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        email: r.get(5)?,
        phone: r.get(6)?,
        alias_name: r.get(7)?,
        active_type: r.get(8)?,
        platform_type: r.get(9)?,
        domain: r.get(10)?,
        enterprise_project_id: r.get(11)?,
        user_info_map: r.get(12)?,
        account_expires: r.get(13)?,
        has_password: r.get(14)?,
        enable_change_password: r.get(15)?,
        next_login_change_password: r.get(16)?,
        password_never_expired: r.get(17)?,
        locked: r.get(18)?,
        disabled: r.get(19)?,
        is_root: r.get(20)?,
        created_at: r.get(21)?,
        updated_at: r.get(22)?,
        password_changed_at: r.get(23)?,
        tokens_valid_after: r.get(24)?,
        password_expires_at: r.get(25)?,
        last_login_at: r.get(26)?,
        default_project_id: r.get(27)?,
        options: r.get(28)?,
    })
}

fn one(conn: &Connection, sql: &str, a: &str, b: &str) -> rusqlite::Result<Option<User>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([a, b])?;
    rows.next()?.map(user).transpose()
}

pub(super) fn get(conn: &Connection, account_id: &str, id: &str) -> rusqlite::Result<Option<User>> {
    const SQL: &str = concat!(
        "SELECT ",
        cols!(),
        " FROM users u WHERE u.account_id = ? AND u.id = ?"
    );
    one(conn, SQL, account_id, id)
}

/// The user whose folded name is the folded `name`.
pub(super) fn get_by_name(
    conn: &Connection,
    account_id: &str,
    name: &str,
) -> rusqlite::Result<Option<User>> {
    const SQL: &str = concat!(
        "SELECT ",
        cols!(),
        " FROM users u WHERE u.account_id = ? AND u.name_fold = ?"
    );
    one(conn, SQL, account_id, &fold(name))
}

pub(super) fn password_hash(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    let mut stmt = conn.prepare_cached("SELECT password_hash FROM users WHERE id = ?")?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(r) => r.get(0),
        None => Ok(None),
    }
}

pub(super) fn account_of_user(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    let mut stmt = conn.prepare_cached("SELECT account_id FROM users WHERE id = ?")?;
    let mut rows = stmt.query([id])?;
    rows.next()?.map(|r| r.get(0)).transpose()
}

/// `FROM users u WHERE ...`: the account's users that pass `f` (`store::users::matching`).
fn matching<'a>(
    conn: &Connection,
    account_id: &'a str,
    f: &'a UserFilter,
) -> rusqlite::Result<Sql<'a>> {
    let mut sql = Sql::new("FROM users u WHERE u.account_id = ");
    sql.bind(account_id);
    for (kw, fields) in [
        (&f.name_contains, &[Field::UserName][..]),
        (&f.alias_contains, &[Field::UserAlias][..]),
        (
            &f.name_or_alias_contains,
            &[Field::UserName, Field::UserAlias][..],
        ),
        (&f.description_contains, &[Field::UserDescription][..]),
    ] {
        if let Some(kw) = kw.as_deref().filter(|s| !s.is_empty()) {
            search::push_contains(&mut sql, conn, "u", fields, kw)?;
        }
    }
    for cond in &f.name_conditions {
        search::push_name_condition(&mut sql, conn, "u", Field::UserName, cond)?;
    }
    if !f.names.is_empty() {
        sql.push(" AND u.name_fold IN (")
            .bind_list(f.names.iter().map(|n| fold(n)))
            .push(")");
    }
    // a word the filter names that names no value matches no row, as text
    for (col, val) in [
        (
            " AND u.active_type = ",
            f.active_type.as_ref().map(Given::as_str),
        ),
        (
            " AND u.enterprise_project_id = ",
            f.enterprise_project_id.as_deref(),
        ),
        (" AND u.domain = ", f.domain.as_deref()),
        (
            " AND u.platform_type = ",
            f.platform_type.as_ref().map(Given::as_str),
        ),
    ] {
        if let Some(v) = val {
            sql.push(col).bind(v);
        }
    }
    if let Some(d) = f.disabled {
        sql.push(" AND u.disabled = ").bind(d);
    }
    if let Some(c) = &f.password_expires {
        sql.push(" AND u.password_expires_at <> 0 AND NOT u.password_never_expired")
            .push(&format!(" AND u.password_expires_at {} ", c.op.sql()))
            .bind(c.at);
    }
    if let Some(g) = &f.group_id {
        sql.push(" AND u.id IN (SELECT m.user_id FROM memberships m WHERE m.group_id = ")
            .bind(key(account_id, g))
            .push(")");
    }
    if let Some(g) = &f.group_name {
        sql.push(
            " AND u.id IN (SELECT m.user_id FROM memberships m JOIN user_groups g ON g.id = m.group_id \
             WHERE g.account_id = u.account_id AND g.name_fold = ",
        )
        .bind(fold(g))
        .push(")");
    }
    Ok(sql)
}

/// The keywords of `f` (substrings of name, nick name, description, and the
/// case-insensitive `contains` name conditions, each an FTS5 MATCH) when they are all it
/// asks, else `None`: then the index alone answers it (`IndexSearch`). Every field is
/// named, so a new one cannot be forgotten.
fn keywords_only(f: &UserFilter) -> Option<Vec<(&'static [Field], &str)>> {
    let UserFilter {
        name_contains,
        alias_contains,
        name_or_alias_contains,
        names,
        name_conditions,
        description_contains,
        active_type,
        group_name,
        group_id,
        enterprise_project_id,
        disabled,
        domain,
        platform_type,
        password_expires,
    } = f;
    if !names.is_empty()
        || password_expires.is_some()
        || active_type.is_some()
        || group_name.is_some()
        || group_id.is_some()
        || enterprise_project_id.is_some()
        || disabled.is_some()
        || domain.is_some()
        || platform_type.is_some()
    {
        return None;
    }
    const NAME: &[Field] = &[Field::UserName];
    let mut out = Vec::new();
    for (kw, fields) in [
        (name_contains, NAME),
        (alias_contains, &[Field::UserAlias][..]),
        (
            name_or_alias_contains,
            &[Field::UserName, Field::UserAlias][..],
        ),
        (description_contains, &[Field::UserDescription][..]),
    ] {
        if let Some(kw) = kw.as_deref().filter(|s| !s.is_empty()) {
            out.push((fields, kw));
        }
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
    f: &UserFilter,
) -> rusqlite::Result<Option<IndexSearch>> {
    match keywords_only(f) {
        Some(keywords) => IndexSearch::plan(conn, account_id, &keywords),
        None => Ok(None),
    }
}

/// The users whose seqs `keys` selects (`SELECT .. AS seq`, ordered and limited), of the
/// account only, in creation order.
///
/// `CROSS JOIN` keeps the page the outer loop (each row then one rowid lookup) and the
/// unary `+` keeps the tenancy check out of the index choice: with `u.account_id = ?`
/// alone the planner walked the account's `(account_id, seq)` index (every user of the
/// account) against the page (1,000,000 users, `alice`: 39 ms instead of 3.2 ms).
fn by_keys(conn: &Connection, account_id: &str, keys: &Sql<'_>) -> rusqlite::Result<Vec<User>> {
    let mut select = keys.with_text(format!(
        "SELECT {COLS} FROM ({}) page CROSS JOIN users u ON u.seq = page.seq \
         WHERE +u.account_id = ",
        keys.text
    ));
    select
        .bind(account_id.to_string())
        .push(" ORDER BY page.seq");
    select.collect(conn, user)
}

/// A page of the account's users passing `f`, in creation order, with the number of all
/// that pass it (an unfiltered total is the account's kept counter).
///
/// A filter of keywords only is answered by the FTS5 index (`IndexSearch`): the page's
/// seqs and the total come from the index's rowids in the account's range, and only the
/// page's rows are read. Any other filter joins the matches to the table.
pub(super) fn list(
    conn: &Connection,
    account_id: &str,
    f: &UserFilter,
    page: Page,
) -> rusqlite::Result<Listing<User>> {
    if f.is_empty() {
        return in_range(conn, account_id, page);
    }
    if let Some(index) = index_search(conn, account_id, f)? {
        return search::list_in_index(conn, &index, page, |keys| by_keys(conn, account_id, keys));
    }
    let sql = matching(conn, account_id, f)?;
    // the page's keys first, over the covering (account_id, seq) index, then the rows; a
    // filtered total comes along with the page, so a search runs once
    let filtered = !f.is_empty();
    let mut keys = sql.with_text(format!(
        "SELECT u.seq{} {}",
        if filtered {
            ", count(*) OVER () AS total"
        } else {
            ""
        },
        sql.text
    ));
    keys.push(" ORDER BY u.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let select = keys.with_text(format!(
        "SELECT {COLS}{} FROM ({}) page JOIN users u ON u.seq = page.seq ORDER BY u.seq",
        if filtered { ", page.total" } else { "" },
        keys.text
    ));
    let mut total = None;
    let items = select.collect(conn, |r| {
        if filtered && total.is_none() {
            total = Some(r.get::<_, i64>(NCOLS)?);
        }
        user(r)
    })?;
    let total = match total {
        Some(t) => t,
        None if filtered => {
            // an empty page says nothing about the total: count
            let count = sql.with_text(format!("SELECT count(*) {}", sql.text));
            count.collect(conn, |r| r.get::<_, i64>(0))?[0]
        }
        None => accounts::counts(conn, account_id)?.0,
    };
    Ok(Listing { total, items })
}

/// A page of all the account's users. The account's rows are one range of rowids (seq =
/// `accounts.number << 40 | position`, migration 0011), so the page is a walk of the
/// table's own b-tree from the range's start: no index, no join, no sort (with the names
/// sorted in place, a fifth to a quarter less server CPU per users or groups page than the
/// keys-then-rows form on 1,000,000 users, BENCHMARKS.md). `+u.account_id`
/// is a guard, not an index choice: the range triggers already keep other accounts out.
fn in_range(conn: &Connection, account_id: &str, page: Page) -> rusqlite::Result<Listing<User>> {
    const SQL: &str = concat!(
        "SELECT ",
        cols!(),
        " FROM users u WHERE u.seq BETWEEN ? AND ? AND +u.account_id = ? \
         ORDER BY u.seq LIMIT ? OFFSET ?"
    );
    accounts::page_in_range(conn, account_id, page, SQL, |e| e.users, user)
}

/// Up to `limit` users passing `f` with `seq` above `after`, in creation order.
pub(super) fn scan(
    conn: &Connection,
    account_id: &str,
    f: &UserFilter,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<User>> {
    if let Some(index) = index_search(conn, account_id, f)? {
        if index.is_nothing() {
            return Ok(Vec::new());
        }
        let mut keys = index.keys(after);
        keys.push(" ORDER BY rowid LIMIT ").bind(limit);
        return by_keys(conn, account_id, &keys);
    }
    let sql = matching(conn, account_id, f)?;
    let mut select = sql.with_text(format!("SELECT {COLS} {}", sql.text));
    select
        .push(" AND u.seq > ")
        .bind(after)
        .push(" ORDER BY u.seq LIMIT ")
        .bind(limit);
    select.collect(conn, user)
}

/// The names of each user's groups, in group creation order (users without groups are
/// left out).
pub(super) fn group_names(
    conn: &Connection,
    user_ids: &[String],
) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    // (seq, name) per user, put in group creation order here: each user's few names sort
    // in place, where an ORDER BY copied every row through SQLite's sorter
    let mut out: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for chunk in user_ids.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT m.user_id, g.seq, g.name FROM memberships m \
             JOIN user_groups g INDEXED BY user_groups_id_names ON g.id = m.group_id \
             WHERE m.user_id IN (",
        );
        sql.bind_list(chunk).push(")");
        sql.each(conn, |r| {
            let named = (r.get(1)?, r.get(2)?);
            let uid = r.get_ref(0)?.as_str()?;
            match out.get_mut(uid) {
                Some(names) => names.push(named),
                None => {
                    out.insert(uid.to_string(), vec![named]);
                }
            }
            Ok(())
        })?;
    }
    Ok(out
        .into_iter()
        .map(|(uid, mut names)| {
            names.sort_unstable_by_key(|(seq, _)| *seq);
            (uid, names.into_iter().map(|(_, name)| name).collect())
        })
        .collect())
}

/// The folded names among `names` (compared folded) that users of the account hold.
pub(super) fn taken_names(
    conn: &Connection,
    account_id: &str,
    names: &[String],
) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in names.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT name_fold FROM users WHERE account_id = ");
        sql.bind(account_id)
            .push(" AND name_fold IN (")
            .bind_list(chunk.iter().map(|n| fold(n)))
            .push(")");
        sql.each(conn, |r| {
            out.push(r.get(0)?);
            Ok(())
        })?;
    }
    Ok(out)
}

/// What `store::users::split_group_ids` splits a user's group ids on.
pub(super) const GROUP_ID_SEPARATOR: char = '\u{1d}';

/// An export's next batch: up to `limit` users passing `f` with `seq` above `after`, each
/// with the stored keys of its groups (joined by `GROUP_ID_SEPARATOR`). The batch's text
/// holds each user's fields one after the other; its spans say where (no separators
/// between fields: the spans delimit them, whatever the text holds).
pub(super) fn export_batch(
    conn: &Connection,
    account_id: &str,
    f: &UserFilter,
    after: i64,
    limit: i64,
) -> rusqlite::Result<UserBatch> {
    let sql = matching(conn, account_id, f)?;
    let mut select = sql.with_text(format!(
        "SELECT u.seq, u.id, u.name, u.email, u.phone, u.description, u.account_expires, \
         u.active_type, u.locked, u.disabled, u.created_at, \
         (SELECT group_concat(m.group_id, char({})) FROM memberships m WHERE m.user_id = u.id) \
         {}",
        GROUP_ID_SEPARATOR as u32, sql.text
    ));
    select
        .push(" AND u.seq > ")
        .bind(after)
        .push(" ORDER BY u.seq LIMIT ")
        .bind(limit);
    let rows = limit.clamp(0, 4096) as usize;
    let mut text = String::with_capacity(rows * 128);
    let mut users = Vec::with_capacity(rows);
    select.each(conn, |r| {
        let mut span = |i: usize| -> rusqlite::Result<Span> {
            let s = match r.get_ref(i)? {
                ValueRef::Null => "",
                v => v.as_str()?,
            };
            let from = offset(text.len(), i)?;
            text.push_str(s);
            Ok((from, offset(text.len(), i)?))
        };
        let spans = [span(1)?, span(2)?, span(3)?, span(4)?, span(5)?];
        let group_ids = span(11)?;
        users.push(UserSpans {
            seq: r.get(0)?,
            account_expires: r.get(6)?,
            active_type: r.get(7)?,
            created_at: r.get(10)?,
            locked: r.get(8)?,
            disabled: r.get(9)?,
            text: spans,
            group_ids,
            group_names: (0, 0),
        });
        Ok(())
    })?;
    Ok(UserBatch {
        text,
        users,
        names: String::new(),
    })
}

/// A position in a batch's text as a span bound (batches are far below 4 GiB).
fn offset(len: usize, column: usize) -> rusqlite::Result<u32> {
    u32::try_from(len).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(column, len as i64))
}

// writes

/// Inserts users (one cached statement per row: in-process SQLite needs no multi-row
/// statements), each with a seq in its account's range (`accounts::next_seqs`), and
/// counts them in their accounts.
pub(super) fn insert_many(conn: &Connection, users: &[UserRecord]) -> rusqlite::Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let seqs = accounts::next_seqs(
        conn,
        accounts::Rows::Users,
        users.iter().map(|u| u.account_id.as_str()),
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO users (seq, id, account_id, name, name_fold, description, \
         description_fold, email, phone, alias_name, alias_name_fold, active_type, \
         platform_type, domain, enterprise_project_id, user_info_map, account_expires, \
         password_hash, enable_change_password, next_login_change_password, \
         password_never_expired, locked, disabled, is_root, created_at, updated_at, \
         password_expires_at, default_project_id, options) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    for (u, seq) in users.iter().zip(seqs) {
        stmt.execute(rusqlite::params![
            seq,
            u.id,
            u.account_id,
            u.name,
            fold(&u.name),
            u.description,
            fold(&u.description),
            u.email,
            u.phone,
            u.alias_name,
            fold(&u.alias_name),
            u.active_type,
            u.platform_type,
            u.domain,
            u.enterprise_project_id,
            u.user_info_map,
            u.account_expires,
            u.password_hash,
            u.enable_change_password,
            u.next_login_change_password,
            u.password_never_expired,
            u.locked,
            u.disabled,
            u.is_root,
            u.created_at,
            u.created_at,
            u.password_expires_at,
            u.default_project_id,
            u.options,
        ])?;
    }
    for (account, n) in accounts::per_account(users.iter().map(|u| u.account_id.as_str())) {
        accounts::adjust_counts(conn, account, n, 0)?;
    }
    Ok(())
}

/// The account's users among `ids` that exist, in id order. SQLite's write transaction
/// already holds the whole database, so this takes no lock of its own.
pub(super) fn existing(
    conn: &Connection,
    account_id: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id FROM users WHERE account_id = ");
        sql.bind(account_id)
            .push(" AND id IN (")
            .bind_list(chunk)
            .push(") ORDER BY id");
        sql.each(conn, |r| {
            out.push(r.get(0)?);
            Ok(())
        })?;
    }
    // chunks of unsorted ids come back sorted per chunk only
    out.sort_unstable();
    Ok(out)
}

/// Writes every field of `u` back and sets `u.tokens_valid_after` to what the row now
/// holds (`store::users::update`).
pub(super) fn update(
    conn: &Connection,
    u: &mut User,
    password_hash: Option<Option<String>>,
) -> rusqlite::Result<()> {
    // name_fold changes only with the name (a legacy row made unique by the fold-v2 step
    // keeps its value); the SET expressions read the old row, so an update that finds the
    // user inactive or leaves it so ends the tokens issued before it
    macro_rules! update {
        ($password:literal) => {
            concat!(
                "UPDATE users SET name = ?, name_fold = CASE WHEN name = ? THEN name_fold ELSE ? END, \
                 description = ?, description_fold = ?, email = ?, phone = ?, alias_name = ?, \
                 alias_name_fold = ?, active_type = ?, user_info_map = ?, account_expires = ?, \
                 enable_change_password = ?, next_login_change_password = ?, \
                 password_never_expired = ?, locked = ?, disabled = ?, updated_at = ?, \
                 password_expires_at = ?, default_project_id = ?, options = ?, \
                 tokens_valid_after = CASE WHEN ? = 1 OR disabled <> 0 OR locked <> 0 \
                 OR (account_expires <> 0 AND account_expires <= ?) THEN ? \
                 ELSE tokens_valid_after END",
                $password,
                " WHERE id = ? RETURNING tokens_valid_after"
            )
        };
    }
    let now = u.updated_at;
    let inactive = u.disabled || u.locked || u.expired_at(now);
    let (name_fold, description_fold, alias_fold) =
        (fold(&u.name), fold(&u.description), fold(&u.alias_name));
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![
        &u.name,
        &u.name,
        &name_fold,
        &u.description,
        &description_fold,
        &u.email,
        &u.phone,
        &u.alias_name,
        &alias_fold,
        &u.active_type,
        &u.user_info_map,
        &u.account_expires,
        &u.enable_change_password,
        &u.next_login_change_password,
        &u.password_never_expired,
        &u.locked,
        &u.disabled,
        &u.updated_at,
        &u.password_expires_at,
        &u.default_project_id,
        &u.options,
        &inactive,
        &now,
        &now,
    ];
    let sql = match &password_hash {
        Some(hash) => {
            // a new password ends the tokens issued before it
            args.push(hash);
            args.push(&u.updated_at);
            update!(", password_hash = ?, password_changed_at = ?")
        }
        None => update!(""),
    };
    args.push(&u.id);
    let valid_after = conn
        .prepare_cached(sql)?
        .query_row(args.as_slice(), |r| r.get(0))?;
    u.tokens_valid_after = valid_after;
    Ok(())
}

/// Deletes the account's users among `ids` with their memberships, keys and policy
/// attachments (their Quick BI rows go by `ON DELETE CASCADE`). Every group's `user_quantity` goes down by the
/// memberships really deleted (`RETURNING`), and the account's counter by the users.
pub(super) fn delete_many(
    conn: &Connection,
    account_id: &str,
    ids: &[String],
) -> rusqlite::Result<()> {
    // only the account's own users: an id of another account deletes nothing
    let ids = existing(conn, account_id, ids)?;
    if ids.is_empty() {
        return Ok(());
    }
    accounts::adjust_counts(conn, account_id, -(ids.len() as i64), 0)?;
    super::authz::forget_users(conn, account_id, &ids)?;
    let mut removed: std::collections::BTreeMap<String, i64> = Default::default();
    for chunk in ids.chunks(CHUNK) {
        let mut del = Sql::new("DELETE FROM memberships WHERE user_id IN (");
        del.bind_list(chunk).push(") RETURNING group_id");
        del.each(conn, |r| {
            let g = r.get_ref(0)?.as_str()?;
            match removed.get_mut(g) {
                Some(n) => *n += 1,
                None => {
                    removed.insert(g.to_string(), 1);
                }
            }
            Ok(())
        })?;
    }
    let mut lower = conn
        .prepare_cached("UPDATE user_groups SET user_quantity = user_quantity - ? WHERE id = ?")?;
    for (group, n) in &removed {
        lower.execute(rusqlite::params![n, group])?;
    }
    for chunk in ids.chunks(CHUNK) {
        for sql in [
            "DELETE FROM access_keys WHERE user_id IN (",
            "DELETE FROM credentials WHERE user_id IN (",
            "DELETE FROM application_credentials WHERE user_id IN (",
            "DELETE FROM users WHERE id IN (",
        ] {
            let mut del = Sql::new(sql);
            del.bind_list(chunk).push(")");
            del.execute(conn)?;
        }
    }
    Ok(())
}
