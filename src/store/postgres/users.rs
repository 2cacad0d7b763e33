//! Users: the SQL of `store::users` on tokio-postgres.

use std::collections::{BTreeMap, HashMap};

use tokio_postgres::Row;

use super::accounts::{self, Counted};
use super::search;
use super::sql::{execute, filtered_total, opt, rows, Sql};
use super::Client;
use crate::core::exports::UserBatch;
use crate::core::model::{Given, Listing, Page, User, UserFilter, Word};
use crate::core::storage::{RowLock, UserRecord, UsersWithGroups};
use crate::core::Error;
use crate::store::common::key;
use crate::store::common::{fold, Field};

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

/// A user from a row selected with `COLS` first.
fn user(r: &Row) -> Result<User, Error> {
    Ok(User {
        seq: r.try_get(0)?,
        id: r.try_get(1)?,
        account_id: r.try_get(2)?,
        name: r.try_get(3)?,
        description: r.try_get(4)?,
        email: r.try_get(5)?,
        phone: r.try_get(6)?,
        alias_name: r.try_get(7)?,
        active_type: r.try_get(8)?,
        platform_type: r.try_get(9)?,
        domain: r.try_get(10)?,
        enterprise_project_id: r.try_get(11)?,
        user_info_map: r.try_get(12)?,
        account_expires: r.try_get(13)?,
        has_password: r.try_get(14)?,
        enable_change_password: r.try_get(15)?,
        next_login_change_password: r.try_get(16)?,
        password_never_expired: r.try_get(17)?,
        locked: r.try_get(18)?,
        disabled: r.try_get(19)?,
        is_root: r.try_get(20)?,
        created_at: r.try_get(21)?,
        updated_at: r.try_get(22)?,
        password_changed_at: r.try_get(23)?,
        tokens_valid_after: r.try_get(24)?,
        password_expires_at: r.try_get(25)?,
        last_login_at: r.try_get(26)?,
        default_project_id: r.try_get(27)?,
        options: r.try_get(28)?,
    })
}

fn users(rows: &[Row]) -> Result<Vec<User>, Error> {
    rows.iter().map(user).collect()
}

/// Inserts users in one statement whatever their number: one array per column, unnested
/// into rows in their order (so identity seqs follow it), and counts them in their
/// accounts.
pub(super) async fn insert_many(c: &Client, list: &[UserRecord]) -> Result<(), Error> {
    if list.is_empty() {
        return Ok(());
    }
    let texts = |f: fn(&UserRecord) -> &str| -> Vec<&str> { list.iter().map(f).collect() };
    let folds =
        |f: fn(&UserRecord) -> &str| -> Vec<String> { list.iter().map(|u| fold(f(u))).collect() };
    let ints = |f: fn(&UserRecord) -> i64| -> Vec<i64> { list.iter().map(f).collect() };
    let bools = |f: fn(&UserRecord) -> bool| -> Vec<bool> { list.iter().map(f).collect() };
    let mut sql = Sql::new(
        "INSERT INTO users (id, account_id, name, name_fold, description, description_fold, \
         email, phone, alias_name, alias_name_fold, active_type, platform_type, domain, \
         enterprise_project_id, user_info_map, account_expires, password_hash, \
         enable_change_password, next_login_change_password, password_never_expired, locked, \
         disabled, is_root, created_at, updated_at, password_expires_at, default_project_id, \
         options) \
         SELECT id, account_id, name, name_fold, description, description_fold, email, phone, \
         alias_name, alias_name_fold, active_type, platform_type, domain, \
         enterprise_project_id, user_info_map, account_expires, password_hash, \
         enable_change_password, next_login_change_password, password_never_expired, locked, \
         disabled, is_root, created_at, created_at, password_expires_at, default_project_id, \
         options FROM unnest(",
    );
    sql.bind(texts(|u| &u.id))
        .push(", ")
        .bind(texts(|u| &u.account_id))
        .push(", ")
        .bind(texts(|u| &u.name))
        .push(", ")
        .bind(folds(|u| &u.name))
        .push(", ")
        .bind(texts(|u| &u.description))
        .push(", ")
        .bind(folds(|u| &u.description))
        .push(", ")
        .bind(texts(|u| &u.email))
        .push(", ")
        .bind(texts(|u| &u.phone))
        .push(", ")
        .bind(texts(|u| &u.alias_name))
        .push(", ")
        .bind(folds(|u| &u.alias_name))
        .push(", ")
        .bind(texts(|u| u.active_type.as_str()))
        .push(", ")
        .bind(texts(|u| u.platform_type.as_str()))
        .push(", ")
        .bind(texts(|u| &u.domain))
        .push(", ")
        .bind(texts(|u| &u.enterprise_project_id))
        .push(", ")
        .bind(texts(|u| &u.user_info_map))
        .push(", ")
        .bind(ints(|u| u.account_expires))
        .push(", ")
        .bind(
            list.iter()
                .map(|u| u.password_hash.as_deref())
                .collect::<Vec<_>>(),
        )
        .push(", ")
        .bind(bools(|u| u.enable_change_password))
        .push(", ")
        .bind(bools(|u| u.next_login_change_password))
        .push(", ")
        .bind(bools(|u| u.password_never_expired))
        .push(", ")
        .bind(bools(|u| u.locked))
        .push(", ")
        .bind(bools(|u| u.disabled))
        .push(", ")
        .bind(bools(|u| u.is_root))
        .push(", ")
        .bind(ints(|u| u.created_at))
        .push(", ")
        .bind(ints(|u| u.password_expires_at))
        .push(", ")
        .bind(texts(|u| &u.default_project_id))
        .push(", ")
        .bind(texts(|u| &u.options))
        .push(
            ") AS t(id, account_id, name, name_fold, description, description_fold, email, \
             phone, alias_name, alias_name_fold, active_type, platform_type, domain, \
             enterprise_project_id, user_info_map, account_expires, password_hash, \
             enable_change_password, next_login_change_password, password_never_expired, \
             locked, disabled, is_root, created_at, password_expires_at, default_project_id, \
             options)",
        );
    sql.execute(c).await?;
    for (account, n) in
        crate::store::common::per_account(list.iter().map(|u| u.account_id.as_str()))
    {
        accounts::adjust_counts(c, account, n, 0).await?;
    }
    Ok(())
}

pub(super) async fn get(c: &Client, account_id: &str, id: &str) -> Result<Option<User>, Error> {
    opt(
        c,
        concat!(
            "SELECT ",
            cols!(),
            " FROM users u WHERE u.account_id = $1 AND u.id = $2"
        ),
        &[account_id.into(), id.into()],
    )
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

/// The user, locked until the transaction ends (`FOR UPDATE`): every read-modify-write of
/// a user reads through here, so two updates cannot both start from the same copy.
pub(super) async fn get_for_update(
    c: &Client,
    account_id: &str,
    id: &str,
) -> Result<Option<User>, Error> {
    opt(
        c,
        concat!(
            "SELECT ",
            cols!(),
            " FROM users u WHERE u.account_id = $1 AND u.id = $2 FOR UPDATE"
        ),
        &[account_id.into(), id.into()],
    )
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

pub(super) async fn get_by_name(
    c: &Client,
    account_id: &str,
    name: &str,
) -> Result<Option<User>, Error> {
    opt(
        c,
        concat!(
            "SELECT ",
            cols!(),
            " FROM users u WHERE u.account_id = $1 AND u.name_fold = $2"
        ),
        &[account_id.into(), fold(name).into()],
    )
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

/// The clause ending a `SELECT` that takes `lock`.
pub(super) fn lock_clause(lock: RowLock) -> &'static str {
    match lock {
        RowLock::KeyShare => " FOR KEY SHARE",
        RowLock::NoKeyUpdate => " FOR NO KEY UPDATE",
        RowLock::Update => " FOR UPDATE",
    }
}

/// Locks the rows of `table` (`users` or `user_groups`) of the account among `ids` (stored
/// keys), in id order; returns the ids of those that exist (a row deleted by a transaction
/// this one waited for is not among them: PostgreSQL skips it after the wait).
pub(super) async fn lock_rows(
    c: &Client,
    table: &str,
    account_id: &str,
    ids: &[String],
    lock: RowLock,
) -> Result<Vec<String>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // "C" is byte order, the order of Rust's sort, in which writers then update the rows
    // they locked (the database's collation may differ)
    let sql = format!(
        "SELECT id FROM {table} WHERE account_id = $1 AND id = ANY($2) ORDER BY id COLLATE \"C\"{}",
        lock_clause(lock)
    );
    rows(c, &sql, &[account_id.into(), ids.into()])
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}

/// `FROM users u WHERE ...`: the account's users that pass `f`.
fn matching<'a>(account_id: &'a str, f: &'a UserFilter) -> Sql<'a> {
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
            search::push_contains(&mut sql, "u", fields, kw);
        }
    }
    for cond in &f.name_conditions {
        search::push_name_condition(&mut sql, "u", Field::UserName, cond);
    }
    if !f.names.is_empty() {
        let folded: Vec<String> = f.names.iter().map(|n| fold(n)).collect();
        sql.push(" AND u.name_fold = ANY(").bind(folded).push(")");
    }
    // a word the filter names that names no value matches no row, as text
    for (col, val) in [
        ("active_type", f.active_type.as_ref().map(Given::as_str)),
        ("enterprise_project_id", f.enterprise_project_id.as_deref()),
        ("domain", f.domain.as_deref()),
        ("platform_type", f.platform_type.as_ref().map(Given::as_str)),
    ] {
        if let Some(v) = val {
            sql.push(&format!(" AND u.{col} = ")).bind(v);
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
    sql
}

/// A page of the account's users passing `f`, with their number: the page's keys first
/// (over the (account_id, seq) index), then the rows. The total is the kept counter when
/// unfiltered (a scalar subquery of the page's statement), told by a short page when it can
/// be, and counted apart otherwise (a count alone may use the trigram index; `count(*) OVER
/// ()` made the planner walk the account).
pub(super) async fn list(
    c: &Client,
    account_id: &str,
    f: &UserFilter,
    page: Page,
) -> Result<Listing<User>, Error> {
    Ok(listed(c, account_id, f, page, false).await?.0)
}

/// `list` with the names of each user's groups in group creation order (users without
/// groups left out), as an array column of the page's statement: an unfiltered page is one
/// statement (so one snapshot and one round trip), where `list` then `group_names` were two
/// and the count a third.
pub(super) async fn list_with_groups(
    c: &Client,
    account_id: &str,
    f: &UserFilter,
    page: Page,
) -> Result<UsersWithGroups, Error> {
    listed(c, account_id, f, page, true).await
}

async fn listed(
    c: &Client,
    account_id: &str,
    f: &UserFilter,
    page: Page,
    with_groups: bool,
) -> Result<UsersWithGroups, Error> {
    let sql = matching(account_id, f);
    let mut select = sql.with_text(format!("SELECT u.seq {}", sql.text));
    select
        .push(" ORDER BY u.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    // column 25: the group names (or NULL); 26: the kept count when unfiltered ($1 is the
    // account in `matching`)
    let names = if with_groups {
        "ARRAY(SELECT g.name FROM memberships m JOIN user_groups g ON g.id = m.group_id \
         WHERE m.user_id = u.id ORDER BY g.seq)"
    } else {
        "NULL::text[]"
    };
    let kept = if f.is_empty() {
        ", (SELECT user_count FROM accounts WHERE id = $1)"
    } else {
        ""
    };
    let select = select.with_text(format!(
        "SELECT {COLS}, {names}{kept} FROM ({}) page JOIN users u ON u.seq = page.seq \
         ORDER BY u.seq",
        select.text
    ));
    let rows = select.rows(c).await?;
    let total = match rows.first() {
        Some(r) if f.is_empty() => r.try_get(30)?,
        _ if f.is_empty() => accounts::counts(c, account_id).await?.0,
        _ => {
            filtered_total(c, page, rows.len(), || {
                sql.with_text(format!("SELECT count(*) {}", sql.text))
            })
            .await?
        }
    };
    let mut names: HashMap<String, Vec<String>> = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let u = user(r)?;
        if with_groups {
            let of_user: Vec<String> = r.try_get(29)?;
            if !of_user.is_empty() {
                names.insert(u.id.to_string(), of_user);
            }
        }
        items.push(u);
    }
    Ok((Listing { total, items }, names))
}

/// The next `limit` users passing `f` after sequence number `after`, in creation order.
pub(super) async fn scan(
    c: &Client,
    account_id: &str,
    f: &UserFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<User>, Error> {
    let sql = matching(account_id, f);
    let mut select = sql.with_text(format!("SELECT {COLS} {}", sql.text));
    select
        .push(" AND u.seq > ")
        .bind(after)
        .push(" ORDER BY u.seq LIMIT ")
        .bind(limit);
    users(&select.rows(c).await?)
}

/// Names of the groups of each user, in group creation order.
pub(super) async fn group_names(
    c: &Client,
    user_ids: &[String],
) -> Result<HashMap<String, Vec<String>>, Error> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(out);
    }
    for r in rows(
        c,
        "SELECT m.user_id, g.name FROM memberships m JOIN user_groups g ON g.id = m.group_id \
         WHERE m.user_id = ANY($1) ORDER BY g.seq",
        &[user_ids.into()],
    )
    .await?
    {
        out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(out)
}

/// Which of `names` (compared folded) are taken in the account; folded.
pub(super) async fn taken_names(
    c: &Client,
    account_id: &str,
    names: &[String],
) -> Result<Vec<String>, Error> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let folded: Vec<String> = names.iter().map(|n| fold(n)).collect();
    rows(
        c,
        "SELECT name_fold FROM users WHERE account_id = $1 AND name_fold = ANY($2)",
        &[account_id.into(), folded.into()],
    )
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect()
}

pub(super) async fn account_of_user(c: &Client, user_id: &str) -> Result<Option<String>, Error> {
    match opt(
        c,
        "SELECT account_id FROM users WHERE id = $1",
        &[user_id.into()],
    )
    .await?
    {
        Some(r) => Ok(Some(r.try_get(0)?)),
        None => Ok(None),
    }
}

pub(super) async fn password_hash(c: &Client, user_id: &str) -> Result<Option<String>, Error> {
    match opt(
        c,
        "SELECT password_hash FROM users WHERE id = $1",
        &[user_id.into()],
    )
    .await?
    {
        Some(r) => Ok(r.try_get(0)?),
        None => Ok(None),
    }
}

/// Writes every field of `u` back (the caller read it in the same transaction) and sets
/// `u.tokens_valid_after` to what the row now holds (see `store::users::update`).
pub(super) async fn update(
    c: &Client,
    u: &mut User,
    password_hash: Option<Option<String>>,
) -> Result<(), Error> {
    // name_fold only changes with the name: a legacy row whose folded name was made unique
    // by the fold-v2 step (`store::refold`) keeps it through updates of its other fields
    let now = u.updated_at;
    let inactive = u.disabled || u.locked || u.expired_at(now);
    let mut sql = Sql::new("UPDATE users SET name = ");
    sql.bind(&u.name)
        .push(", name_fold = CASE WHEN name = ")
        .bind(&u.name)
        .push(" THEN name_fold ELSE ")
        .bind(fold(&u.name))
        .push(" END, description = ")
        .bind(&u.description)
        .push(", description_fold = ")
        .bind(fold(&u.description))
        .push(", email = ")
        .bind(&u.email)
        .push(", phone = ")
        .bind(&u.phone)
        .push(", alias_name = ")
        .bind(&u.alias_name)
        .push(", alias_name_fold = ")
        .bind(fold(&u.alias_name))
        .push(", active_type = ")
        .bind(u.active_type)
        .push(", user_info_map = ")
        .bind(&u.user_info_map)
        .push(", account_expires = ")
        .bind(u.account_expires)
        .push(", enable_change_password = ")
        .bind(u.enable_change_password)
        .push(", next_login_change_password = ")
        .bind(u.next_login_change_password)
        .push(", password_never_expired = ")
        .bind(u.password_never_expired)
        .push(", locked = ")
        .bind(u.locked)
        .push(", disabled = ")
        .bind(u.disabled)
        .push(", updated_at = ")
        .bind(u.updated_at)
        .push(", password_expires_at = ")
        .bind(u.password_expires_at)
        .push(", default_project_id = ")
        .bind(&u.default_project_id)
        .push(", options = ")
        .bind(&u.options);
    // An update that finds the user inactive or leaves it so (the old row's values on the
    // right of SET) ends the tokens issued before it
    sql.push(", tokens_valid_after = CASE WHEN ")
        .bind(inactive)
        .push(" OR disabled OR locked OR (account_expires <> 0 AND account_expires <= ")
        .bind(now)
        .push(") THEN ")
        .bind(now)
        .push(" ELSE tokens_valid_after END");
    if let Some(hash) = password_hash {
        // a new password ends the tokens issued before it
        sql.push(", password_hash = ")
            .bind(hash)
            .push(", password_changed_at = ")
            .bind(now);
    }
    sql.push(" WHERE id = ")
        .bind(&u.id)
        .push(" RETURNING tokens_valid_after");
    let tokens_valid_after = sql.one(c).await?.try_get(0)?;
    u.tokens_valid_after = tokens_valid_after;
    Ok(())
}

/// Deletes users of the account with their memberships, keys and policy attachments (see
/// `store::users::delete_many`): every group's `user_quantity` goes down by the memberships
/// the `DELETE .. RETURNING` really removed; the groups are locked first, in key order.
pub(super) async fn delete_many(c: &Client, account_id: &str, ids: &[String]) -> Result<(), Error> {
    if ids.is_empty() {
        return Ok(());
    }
    accounts::count_out(c, Counted::Users, ids).await?;
    let mut groups: Vec<String> = rows(
        c,
        "SELECT DISTINCT group_id FROM memberships WHERE user_id = ANY($1)",
        &[ids.into()],
    )
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    groups.sort();
    lock_rows(c, "user_groups", account_id, &groups, RowLock::NoKeyUpdate).await?;
    // group -> memberships deleted, then the groups by that number: one UPDATE per distinct
    // number (deleting one user: one UPDATE for all its groups)
    let mut removed: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows(
        c,
        "DELETE FROM memberships WHERE user_id = ANY($1) RETURNING group_id",
        &[ids.into()],
    )
    .await?
    {
        *removed.entry(r.try_get(0)?).or_default() += 1;
    }
    let mut by_count: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (g, n) in removed {
        by_count.entry(n).or_default().push(g);
    }
    for (n, groups) in by_count {
        execute(
            c,
            "UPDATE user_groups SET user_quantity = user_quantity - $1 WHERE id = ANY($2)",
            &[n.into(), groups.into()],
        )
        .await?;
    }
    execute(
        c,
        "DELETE FROM access_keys WHERE user_id = ANY($1)",
        &[ids.into()],
    )
    .await?;
    execute(
        c,
        "DELETE FROM credentials WHERE user_id = ANY($1)",
        &[ids.into()],
    )
    .await?;
    execute(
        c,
        "DELETE FROM application_credentials WHERE user_id = ANY($1)",
        &[ids.into()],
    )
    .await?;
    super::authz::forget_users(c, account_id, ids).await?;
    execute(c, "DELETE FROM users WHERE id = ANY($1)", &[ids.into()]).await?;
    Ok(())
}

/// An export's next batch: `store::users::scan_export`'s one text value built by the
/// database, parsed in place by `store::users::parse_export`.
pub(super) async fn export_batch(
    c: &Client,
    account_id: &str,
    f: &UserFilter,
    after: i64,
    limit: i64,
) -> Result<UserBatch, Error> {
    const FIELDS: &str = "u.seq, u.id, u.name, u.email, u.phone, u.description, \
                          u.account_expires, u.active_type, u.locked, u.disabled, u.created_at";
    // the fields written with a length prefix (`store::users::PREFIXED`)
    const RECORD: &str = "u.seq || sep.f || u.id || sep.f || octet_length(u.name) || ':' || \
        u.name || sep.f || octet_length(u.email) || ':' || u.email || sep.f || \
        octet_length(u.phone) || ':' || u.phone || sep.f || octet_length(u.description) || \
        ':' || u.description || sep.f || u.account_expires || sep.f || u.active_type || \
        sep.f || u.locked::int || sep.f || u.disabled::int || sep.f || u.created_at";
    let sql = matching(account_id, f);
    let mut inner = sql.with_text(format!("SELECT {FIELDS} {}", sql.text));
    inner
        .push(" AND u.seq > ")
        .bind(after)
        .push(" ORDER BY u.seq LIMIT ")
        .bind(limit);
    let mut outer = inner.with_text(format!(
        "SELECT string_agg({RECORD} || sep.f || coalesce((SELECT string_agg(m.group_id, \
         sep.i) FROM memberships m WHERE m.user_id = u.id), ''), sep.r), max(u.seq), count(*) \
         FROM ({}) u, (SELECT ",
        inner.text
    ));
    outer
        .bind(crate::store::common::EXPORT_FIELD.to_string())
        .push(" AS f, ")
        .bind(crate::store::common::EXPORT_ITEM.to_string())
        .push(" AS i, ")
        .bind(crate::store::common::EXPORT_RECORD.to_string())
        .push(" AS r) sep");
    let row = outer.one(c).await?;
    let batch = crate::store::common::ExportBatch {
        text: row.try_get(0)?,
        last: row.try_get(1)?,
        rows: row.try_get(2)?,
    };
    crate::store::common::parse_export(batch)
}
