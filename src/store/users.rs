//! SQL for users.

use std::collections::{BTreeMap, HashMap};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::query::Sql;
use super::search::{self, Field};
use super::{accounts, flag, Backend, RowLock};
use crate::core::exports::{UserBatch, UserSpans};
use crate::core::model::{Listing, Page, User, UserFilter};

const COLS: &str = "u.seq, u.id, u.account_id, u.name, u.description, u.email, u.phone, \
    u.alias_name, u.active_type, u.platform_type, u.domain, u.enterprise_project_id, \
    u.user_info_map, u.account_expires, u.password_hash, u.enable_change_password, \
    u.next_login_change_password, u.password_never_expired, u.locked, u.disabled, u.is_root, \
    u.created_at, u.updated_at, u.password_changed_at, u.tokens_valid_after";

fn from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
    let b = |c: &str| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(c)? != 0) };
    Ok(User {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        alias_name: r.try_get("alias_name")?,
        active_type: r.try_get("active_type")?,
        platform_type: r.try_get("platform_type")?,
        domain: r.try_get("domain")?,
        enterprise_project_id: r.try_get("enterprise_project_id")?,
        user_info_map: r.try_get("user_info_map")?,
        account_expires: r.try_get("account_expires")?,
        has_password: r.try_get::<Option<String>, _>("password_hash")?.is_some(),
        enable_change_password: b("enable_change_password")?,
        next_login_change_password: b("next_login_change_password")?,
        password_never_expired: b("password_never_expired")?,
        locked: b("locked")?,
        disabled: b("disabled")?,
        is_root: b("is_root")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        password_changed_at: r.try_get("password_changed_at")?,
        tokens_valid_after: r.try_get("tokens_valid_after")?,
    })
}

pub use crate::core::storage::UserRecord;

const INSERT_COLS: &str = "id, account_id, name, name_fold, description, description_fold, \
    email, phone, alias_name, alias_name_fold, active_type, platform_type, domain, enterprise_project_id, \
    user_info_map, account_expires, password_hash, enable_change_password, \
    next_login_change_password, password_never_expired, locked, disabled, is_root, \
    created_at, updated_at";

/// `(seq?, values of INSERT_COLS)`: `seq` on SQLite only (`accounts::next_seq`).
fn push_values(sql: &mut Sql, seq: Option<i64>, u: &UserRecord) {
    sql.push("(");
    if let Some(seq) = seq {
        sql.bind(seq).push(", ");
    }
    sql.bind(&u.id)
        .push(", ")
        .bind(&u.account_id)
        .push(", ")
        .bind(&u.name)
        .push(", ")
        .bind(search::fold(&u.name))
        .push(", ")
        .bind(&u.description)
        .push(", ")
        .bind(search::fold(&u.description))
        .push(", ")
        .bind(&u.email)
        .push(", ")
        .bind(&u.phone)
        .push(", ")
        .bind(&u.alias_name)
        .push(", ")
        .bind(search::fold(&u.alias_name))
        .push(", ")
        .bind(&u.active_type)
        .push(", ")
        .bind(&u.platform_type)
        .push(", ")
        .bind(&u.domain)
        .push(", ")
        .bind(&u.enterprise_project_id)
        .push(", ")
        .bind(&u.user_info_map)
        .push(", ")
        .bind(u.account_expires)
        .push(", ")
        .bind(u.password_hash.clone())
        .push(", ")
        .bind(flag(u.enable_change_password))
        .push(", ")
        .bind(flag(u.next_login_change_password))
        .push(", ")
        .bind(flag(u.password_never_expired))
        .push(", ")
        .bind(flag(u.locked))
        .push(", ")
        .bind(flag(u.disabled))
        .push(", ")
        .bind(flag(u.is_root))
        .push(", ")
        .bind(u.created_at)
        .push(", ")
        .bind(u.created_at)
        .push(")");
}

/// Inserts users in one statement. 25 values a row: callers keep batches to at most 1,000
/// rows (SQLite allows 32,766 parameters, PostgreSQL 65,535).
pub async fn insert_many(
    conn: &mut AnyConnection,
    users: &[UserRecord],
) -> Result<(), sqlx::Error> {
    if users.is_empty() {
        return Ok(());
    }
    // on SQLite each row's seq is allocated in its account's range (migration 0011)
    let mut next: Vec<(&str, i64)> = Vec::new();
    let sqlite = conn.backend_name() == "SQLite";
    let mut seqs = Vec::with_capacity(users.len());
    for u in users {
        if !sqlite {
            seqs.push(None);
            continue;
        }
        let seq = match next.iter_mut().find(|(a, _)| *a == u.account_id) {
            Some((_, s)) => {
                *s += 1;
                *s
            }
            None => {
                let s = accounts::next_seq(conn, "users", &u.account_id).await?;
                next.push((&u.account_id, s));
                s
            }
        };
        seqs.push(Some(seq));
    }
    let mut sql = Sql::on(
        &*conn,
        &format!(
            "INSERT INTO users ({}{INSERT_COLS}) VALUES ",
            if sqlite { "seq, " } else { "" }
        ),
    );
    for (i, (u, seq)) in users.iter().zip(seqs).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        push_values(&mut sql, seq, u);
    }
    sql.query().execute(&mut *conn).await?;
    for (account, n) in accounts::per_account(users.iter().map(|u| u.account_id.as_str())) {
        accounts::adjust_counts(conn, account, n, 0).await?;
    }
    Ok(())
}

/// The user, locked until the transaction ends: every read-modify-write of a user (and of
/// its Quick BI attributes) reads through here, so two concurrent updates cannot both start
/// from the same copy and lose one. PostgreSQL takes a row lock (`FOR UPDATE`); on SQLite
/// the write transaction (`BEGIN IMMEDIATE`) already holds the database.
pub async fn get_for_update(
    conn: &mut AnyConnection,
    account_id: &str,
    id: &str,
) -> Result<Option<User>, sqlx::Error> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    sqlx::query(&format!(
        "SELECT {COLS} FROM users u WHERE u.account_id = $1 AND u.id = $2{lock}"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(conn)
    .await?
    .map(|r| from_row(&r))
    .transpose()
}

/// Locks the account's users among `ids` in id order (see `RowLock`); returns the ids of
/// those that exist. Every membership write locks its users (`KeyShare`) before anything
/// else, and a deletion locks them (`Update`), so the two never interleave.
pub async fn lock(
    conn: &mut AnyConnection,
    account_id: &str,
    ids: &[String],
    lock: RowLock,
) -> Result<Vec<String>, sqlx::Error> {
    super::lock_rows(conn, "users", account_id, ids, lock).await
}

pub async fn get(
    conn: &mut AnyConnection,
    account_id: &str,
    id: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM users u WHERE u.account_id = $1 AND u.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(conn)
    .await?
    .map(|r| from_row(&r))
    .transpose()
}

pub async fn get_by_name(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM users u WHERE u.account_id = $1 AND u.name_fold = $2"
    ))
    .bind(account_id)
    .bind(search::fold(name))
    .fetch_optional(conn)
    .await?
    .map(|r| from_row(&r))
    .transpose()
}

/// `FROM users u WHERE ...`: the account's users that pass `f`.
async fn matching(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    f: &UserFilter,
) -> Result<Sql, sqlx::Error> {
    let mut sql = Sql::on(&*conn, "FROM users u WHERE u.account_id = ");
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
            search::push_contains(&mut sql, conn, backend, "u", fields, kw).await?;
        }
    }
    for cond in &f.name_conditions {
        search::push_name_condition(&mut sql, conn, backend, "u", Field::UserName, cond).await?;
    }
    if !f.names.is_empty() {
        let folded: Vec<String> = f.names.iter().map(|n| search::fold(n)).collect();
        sql.push(" AND u.name_fold IN (")
            .bind_list(&folded)
            .push(")");
    }
    for (col, val) in [
        ("active_type", &f.active_type),
        ("enterprise_project_id", &f.enterprise_project_id),
        ("domain", &f.domain),
        ("platform_type", &f.platform_type),
    ] {
        if let Some(v) = val {
            sql.push(&format!(" AND u.{col} = ")).bind(v);
        }
    }
    if let Some(d) = f.disabled {
        sql.push(" AND u.disabled = ").bind(flag(d));
    }
    if let Some(g) = &f.group_id {
        sql.push(" AND u.id IN (SELECT m.user_id FROM memberships m WHERE m.group_id = ")
            .bind(super::groups::key(account_id, g))
            .push(")");
    }
    if let Some(g) = &f.group_name {
        sql.push(
            " AND u.id IN (SELECT m.user_id FROM memberships m JOIN user_groups g ON g.id = m.group_id \
             WHERE g.account_id = u.account_id AND g.name_fold = ",
        )
        .bind(search::fold(g))
        .push(")");
    }
    Ok(sql)
}

pub async fn list(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    f: &UserFilter,
    page: Page,
) -> Result<Listing<User>, sqlx::Error> {
    let sql = matching(conn, backend, account_id, f).await?;
    // The page's keys first, over the covering (account_id, seq) index, then the rows. An
    // unfiltered total is the account's kept counter.
    let filtered = !f.is_empty();
    // PostgreSQL counts apart from the page (unless a short page tells the total): with
    // `count(*) OVER ()` its planner walked the (account_id, seq) index and tested the
    // filter on every row of the account (973,002 of 1M for `alice`); a count alone may use
    // the trigram index, and the page may stop after `limit` matches (the plans at 1M are
    // not measured yet). SQLite (this store serves it only in tests) keeps the one query.
    let window = filtered && backend == Backend::Sqlite;
    let mut select = sql.with_text(format!(
        "SELECT u.seq{} {}",
        if window {
            ", count(*) OVER () AS total"
        } else {
            ""
        },
        sql.text
    ));
    select
        .push(" ORDER BY u.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let select = select.with_text(format!(
        "SELECT {COLS}{} FROM ({}) page JOIN users u ON u.seq = page.seq ORDER BY u.seq",
        if window { ", page.total AS total" } else { "" },
        select.text
    ));
    let rows = select.query().fetch_all(&mut *conn).await?;
    let total: i64 = match (rows.first(), page.total_if_last(rows.len())) {
        (Some(r), _) if window => r.try_get("total")?,
        (_, Some(total)) if filtered => total,
        _ if filtered => {
            // a full page, or an empty one past the start, says nothing of the total: count
            let count = sql.with_text(format!("SELECT count(*) AS n {}", sql.text));
            count.query().fetch_one(&mut *conn).await?.try_get("n")?
        }
        _ => accounts::counts(conn, account_id).await?.0,
    };
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Listing { total, items })
}

/// The next `limit` users passing `f` after sequence number `after`, in creation order: one
/// page of a list read by keyset (`seq > after`), so a caller walks a list of any length
/// holding one page at a time.
pub async fn scan(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    f: &UserFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<User>, sqlx::Error> {
    let sql = matching(conn, backend, account_id, f).await?;
    let mut select = sql.with_text(format!("SELECT {COLS} {}", sql.text));
    select
        .push(" AND u.seq > ")
        .bind(after)
        .push(" ORDER BY u.seq LIMIT ")
        .bind(limit);
    let rows = select.query().fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// Names of the groups of each user, in group creation order.
pub async fn group_names(
    conn: &mut AnyConnection,
    user_ids: &[String],
) -> Result<HashMap<String, Vec<String>>, sqlx::Error> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::on(
        &*conn,
        "SELECT m.user_id, g.name FROM memberships m JOIN user_groups g ON g.id = m.group_id \
         WHERE m.user_id IN (",
    );
    sql.bind_list(user_ids).push(") ORDER BY g.seq");
    for r in sql.query().fetch_all(conn).await? {
        out.entry(r.try_get("user_id")?)
            .or_default()
            .push(r.try_get("name")?);
    }
    Ok(out)
}

/// Writes every field of `u` back (the caller read it in the same transaction) and sets
/// `u.tokens_valid_after` to what the row now holds.
pub async fn update(
    conn: &mut AnyConnection,
    u: &mut User,
    password_hash: Option<Option<String>>,
) -> Result<(), sqlx::Error> {
    // name_fold only changes with the name: a legacy row whose folded name was made unique
    // by the fold-v2 step (`store::refold`) keeps it through updates of its other fields
    let mut sql = Sql::on(&*conn, "UPDATE users SET name = ");
    sql.bind(&u.name)
        .push(", name_fold = CASE WHEN name = ")
        .bind(&u.name)
        .push(" THEN name_fold ELSE ")
        .bind(search::fold(&u.name))
        .push(" END, description = ")
        .bind(&u.description)
        .push(", description_fold = ")
        .bind(search::fold(&u.description))
        .push(", email = ")
        .bind(&u.email)
        .push(", phone = ")
        .bind(&u.phone)
        .push(", alias_name = ")
        .bind(&u.alias_name)
        .push(", alias_name_fold = ")
        .bind(search::fold(&u.alias_name))
        .push(", active_type = ")
        .bind(&u.active_type)
        .push(", user_info_map = ")
        .bind(&u.user_info_map)
        .push(", account_expires = ")
        .bind(u.account_expires)
        .push(", enable_change_password = ")
        .bind(flag(u.enable_change_password))
        .push(", next_login_change_password = ")
        .bind(flag(u.next_login_change_password))
        .push(", password_never_expired = ")
        .bind(flag(u.password_never_expired))
        .push(", locked = ")
        .bind(flag(u.locked))
        .push(", disabled = ")
        .bind(flag(u.disabled))
        .push(", updated_at = ")
        .bind(u.updated_at);
    // An update that finds the user inactive or leaves it so (the old row's values on the
    // right of SET) ends the tokens issued before it: disabling or locking a user, and
    // enabling it again, never brings an earlier token back (see `iam::state`)
    let now = u.updated_at;
    let inactive = u.disabled || u.locked || u.expired_at(now);
    sql.push(", tokens_valid_after = CASE WHEN ")
        .bind(flag(inactive))
        .push(
            " = 1 OR disabled <> 0 OR locked <> 0 OR (account_expires <> 0 AND account_expires <= ",
        )
        .bind(now)
        .push(") THEN ")
        .bind(now)
        .push(" ELSE tokens_valid_after END");
    if let Some(hash) = password_hash {
        // a new password ends the tokens issued before it (see `iam::state`)
        sql.push(", password_hash = ")
            .bind(hash)
            .push(", password_changed_at = ")
            .bind(u.updated_at);
    }
    sql.push(" WHERE id = ")
        .bind(&u.id)
        .push(" RETURNING tokens_valid_after");
    u.tokens_valid_after = sql
        .query()
        .fetch_one(conn)
        .await?
        .try_get("tokens_valid_after")?;
    Ok(())
}

pub async fn password_hash(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

/// Deletes users of the account with their memberships and keys. Every group's
/// `user_quantity` goes down by the memberships this statement really deleted (`RETURNING`),
/// so the count is exact by construction. The caller holds the users
/// (`lock(.., RowLock::Update)`): no membership of theirs can come or go meanwhile (every
/// membership write locks its users first). Their groups are locked here, in id order,
/// before any membership row, as group deletion does, so the two cannot deadlock.
pub async fn delete_many(
    conn: &mut AnyConnection,
    account_id: &str,
    ids: &[String],
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    accounts::count_out(conn, accounts::Counted::Users, ids).await?;
    let mut sql = Sql::on(
        &*conn,
        "SELECT DISTINCT group_id FROM memberships WHERE user_id IN (",
    );
    sql.bind_list(ids).push(")");
    let mut groups: Vec<String> = sql
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("group_id"))
        .collect::<Result<_, _>>()?;
    groups.sort();
    super::groups::lock(conn, account_id, &groups, RowLock::NoKeyUpdate).await?;
    let mut del = Sql::on(&*conn, "DELETE FROM memberships WHERE user_id IN (");
    del.bind_list(ids).push(") RETURNING group_id");
    // group -> memberships deleted, then the groups by that number: one UPDATE per distinct
    // number (deleting one user: one UPDATE for all its groups)
    let mut removed: BTreeMap<String, i64> = BTreeMap::new();
    for r in del.query().fetch_all(&mut *conn).await? {
        *removed.entry(r.try_get("group_id")?).or_default() += 1;
    }
    let mut by_count: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (g, n) in removed {
        by_count.entry(n).or_default().push(g);
    }
    for (n, groups) in by_count {
        for chunk in groups.chunks(1000) {
            let mut upd = Sql::on(
                &*conn,
                "UPDATE user_groups SET user_quantity = user_quantity - ",
            );
            upd.bind(n)
                .push(" WHERE id IN (")
                .bind_list(chunk)
                .push(")");
            upd.query().execute(&mut *conn).await?;
        }
    }
    for table in ["access_keys", "users"] {
        let col = if table == "users" { "id" } else { "user_id" };
        let mut del = Sql::on(&*conn, &format!("DELETE FROM {table} WHERE {col} IN ("));
        del.bind_list(ids).push(")");
        del.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which of `names` (compared case-insensitively) are taken in the account; folded.
pub async fn taken_names(
    conn: &mut AnyConnection,
    account_id: &str,
    names: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let folded: Vec<String> = names.iter().map(|n| search::fold(n)).collect();
    let mut sql = Sql::on(&*conn, "SELECT name_fold FROM users WHERE account_id = ");
    sql.bind(account_id)
        .push(" AND name_fold IN (")
        .bind_list(&folded)
        .push(")");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(|r| r.try_get("name_fold")).collect()
}

/// Separators of `scan_export`'s one-value batches. Every field a user can type (name,
/// e-mail, phone, description: `PREFIXED`) is written as its length in bytes, `:`, and the
/// text, and read back by that length, so the format holds whatever those fields contain
/// (a separator typed into an e-mail once failed every export of its account). The other
/// fields are numbers, hex ids and status words, which hold no control character.
const RECORD: char = '\u{1e}';
const FIELD: char = '\u{1f}';
const ITEM: char = crate::core::exports::GROUP_ID_SEPARATOR;
const EXPORT_FIELDS: usize = 12;
/// The separators, for the native PostgreSQL driver's copy of `scan_export`'s statement.
pub(crate) const EXPORT_RECORD: char = RECORD;
pub(crate) const EXPORT_FIELD: char = FIELD;
pub(crate) const EXPORT_ITEM: char = ITEM;
/// The fields written with a length prefix (indexes in the record).
const PREFIXED: [usize; 4] = [2, 3, 4, 5];

/// The next `limit` users passing `f` after `after`, each with the ids of its groups, for an
/// export, unparsed (see `parse_export`) (`groups` holds ids here; the caller turns them into names from a cache, which
/// spares a group lookup per membership). The whole batch comes back as ONE text value built
/// by the database (`string_agg` of `||`, the same SQL on both backends): handing rows
/// over one by one costs more than the rows themselves (sqlx moves each row between
/// threads), and splitting on separators costs less than building and parsing JSON.
pub async fn scan_export(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    f: &UserFilter,
    after: i64,
    limit: i64,
) -> Result<ExportBatch, sqlx::Error> {
    let sql = matching(conn, backend, account_id, f).await?;
    let fields = "u.seq, u.id, u.name, u.email, u.phone, u.description, u.account_expires, \
                  u.active_type, u.locked, u.disabled, u.created_at";
    let mut inner = sql.with_text(format!("SELECT {fields} {}", sql.text));
    inner
        .push(" AND u.seq > ")
        .bind(after)
        .push(" ORDER BY u.seq LIMIT ")
        .bind(limit);
    // the separators come in as parameters of a one-row subquery placed after the page, so
    // that placeholders stay in text order on PostgreSQL. `||`, not concat_ws: SQLite's
    // concat_ws drops empty strings, which would shift the fields.
    // octet_length: both backends (SQLite since 3.43) count the UTF-8 bytes of the text
    let record = fields
        .split(", ")
        .enumerate()
        .map(|(i, c)| {
            let c = c.trim();
            if PREFIXED.contains(&i) {
                format!("octet_length({c}) || ':' || {c}")
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" || sep.f || ");
    let mut outer = inner.with_text(format!(
        "SELECT string_agg({record} || sep.f || coalesce((SELECT string_agg(m.group_id, \
         sep.i) FROM memberships m WHERE m.user_id = u.id), ''), sep.r) AS batch, \
         max(u.seq) AS last, count(*) AS n FROM ({}) u, (SELECT ",
        inner.text
    ));
    outer
        .bind(FIELD.to_string())
        .push(" AS f, ")
        .bind(ITEM.to_string())
        .push(" AS i, ")
        .bind(RECORD.to_string())
        .push(" AS r) sep");
    let row = outer.query().fetch_one(&mut *conn).await?;
    Ok(ExportBatch {
        text: row.try_get("batch")?,
        last: row.try_get("last")?,
        rows: row.try_get("n")?,
    })
}

/// One batch of `scan_export` as the database built it: parsing it (`parse_export`) can run
/// while the next batch is read.
#[derive(Debug)]
pub struct ExportBatch {
    pub text: Option<String>,
    /// The highest `seq` in the batch: where the next one starts.
    pub last: Option<i64>,
    pub rows: i64,
}

/// The users of a batch, in creation order, parsed in place: each field is a span of the
/// batch's text (`group_names` is left for the caller, who knows the names).
pub fn parse_export(batch: ExportBatch) -> Result<UserBatch, sqlx::Error> {
    let Some(text) = batch.text else {
        return Ok(UserBatch::default());
    };
    let bad = |what: &str| sqlx::Error::Decode(format!("export batch: {what}").into());
    let int = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| bad("a number field is not a number"))
    };
    let b = text.as_bytes();
    let (field_sep, record_sep) = (FIELD as u8, RECORD as u8);
    let mut users = Vec::with_capacity(batch.rows.max(0) as usize);
    let mut spans = [(0u32, 0u32); EXPORT_FIELDS];
    let mut pos = 0usize;
    while pos < b.len() {
        for (i, span) in spans.iter_mut().enumerate() {
            let last = i == EXPORT_FIELDS - 1;
            let (from, to) = if PREFIXED.contains(&i) {
                let colon = b[pos..]
                    .iter()
                    .position(|&c| c == b':')
                    .ok_or_else(|| bad("a text field has no length"))?;
                let len: usize = text[pos..pos + colon]
                    .parse()
                    .map_err(|_| bad("a text field's length is not a number"))?;
                let from = pos + colon + 1;
                let to = from
                    .checked_add(len)
                    .filter(|&t| t <= b.len() && text.is_char_boundary(t))
                    .ok_or_else(|| bad("a text field is cut short"))?;
                (from, to)
            } else {
                let len = b[pos..]
                    .iter()
                    .position(|&c| c == field_sep || c == record_sep);
                (pos, len.map_or(b.len(), |l| pos + l))
            };
            *span = (from as u32, to as u32);
            pos = to;
            match b.get(pos) {
                Some(&c) if !last && c == field_sep => pos += 1,
                Some(&c) if last && c == record_sep => pos += 1,
                None if last => {}
                None => {
                    return Err(bad(&format!(
                        "a record has {} fields, not {EXPORT_FIELDS}",
                        i + 1
                    )))
                }
                Some(_) => return Err(bad("a field does not end where the next one starts")),
            }
        }
        let f = |i: usize| crate::core::exports::at(&text, spans[i]);
        users.push(UserSpans {
            seq: int(f(0))?,
            text: [spans[1], spans[2], spans[3], spans[4], spans[5], spans[7]],
            account_expires: int(f(6))?,
            locked: int(f(8))? != 0,
            disabled: int(f(9))? != 0,
            created_at: int(f(10))?,
            group_ids: spans[11],
            group_names: (0, 0),
        });
    }
    // aggregate order is not guaranteed: restore creation order
    if !users.is_sorted_by_key(|u| u.seq) {
        users.sort_unstable_by_key(|u| u.seq);
    }
    Ok(UserBatch {
        text,
        users,
        names: String::new(),
    })
}

pub use crate::core::exports::split_group_ids;

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, name: &str, description: &str, groups: &[&str]) -> String {
        let p = |s: &str| format!("{}:{s}", s.len());
        let fields = [
            seq.to_string(),
            format!("id{seq}"),
            p(name),
            p(""),
            p("138"),
            p(description),
            "0".into(),
            "USER_ACTIVATE".into(),
            "1".into(),
            "0".into(),
            "1700000000000".into(),
            groups.join(&ITEM.to_string()),
        ];
        fields.join(&FIELD.to_string())
    }

    #[test]
    fn parses_in_place_and_restores_creation_order() {
        let text = [
            record(7, "王小明", "二号", &["g1", "g2"]),
            record(3, "alice", "", &[]),
            // every separator, and text that looks like a length prefix, inside text fields
            record(5, "a\u{1e}b", "x\u{1f}12:y\u{1d}\u{1e}", &["g3"]),
        ]
        .join(&RECORD.to_string());
        let batch = parse_export(ExportBatch {
            text: Some(text),
            last: Some(7),
            rows: 2,
        })
        .unwrap();
        assert_eq!(batch.last_seq(), Some(7));
        let rows: Vec<_> = batch.rows().collect();
        assert_eq!(
            (rows[0].id, rows[0].name, rows[0].description),
            ("id3", "alice", "")
        );
        assert_eq!(
            (rows[1].name, rows[1].description),
            ("a\u{1e}b", "x\u{1f}12:y\u{1d}\u{1e}")
        );
        assert_eq!((rows[2].name, rows[2].description), ("王小明", "二号"));
        assert_eq!((rows[2].email, rows[2].phone), ("", "138"));
        assert!(rows[2].locked && !rows[2].disabled);
        assert_eq!(rows[2].created_at, 1_700_000_000_000);
        let ids: Vec<&str> = split_group_ids(batch.group_ids(&batch.users[2])).collect();
        assert_eq!(ids, ["g1", "g2"]);
        let ids: Vec<&str> = split_group_ids(batch.group_ids(&batch.users[1])).collect();
        assert_eq!(ids, ["g3"]);
        assert_eq!(split_group_ids(batch.group_ids(&batch.users[0])).count(), 0);
    }

    #[test]
    fn a_damaged_batch_is_an_error() {
        for text in [
            "1\u{1f}only three\u{1f}fields".to_string(),
            format!("{}{FIELD}extra", record(1, "a", "", &[])),
            record(1, "a", "", &[]).replacen('1', "x", 1),
            record(1, "abc", "", &[]).replace("3:abc", "9:abc"),
            record(1, "组", "", &[]).replace("3:组", "2:组"),
        ] {
            let r = parse_export(ExportBatch {
                text: Some(text.clone()),
                last: Some(1),
                rows: 1,
            });
            assert!(r.is_err(), "{text:?}");
        }
        let empty = parse_export(ExportBatch {
            text: None,
            last: None,
            rows: 0,
        })
        .unwrap();
        assert!(empty.is_empty());
    }
}
