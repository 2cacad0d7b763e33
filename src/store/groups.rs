//! SQL for user groups and their hierarchy.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::query::Sql;
use super::search::{self, Field};
use super::{Backend, RowLock};
use crate::core::model::{Group, GroupFilter, Listing, Page, ParentFilter};

pub use crate::core::ids::is_generated;

/// The stored key (`user_groups.id`, `memberships.group_id`, `user_groups.parent_id`) of the
/// group with public id `id` in the account. Group ids are unique per account, not across
/// the directory: a made id is its own key (unique everywhere by construction), a chosen id
/// is stored as `{id}.{account_id}` ('.' is never in a chosen id), so two accounts may
/// choose the same id and neither can tell the other's exists. Idempotent: a stored key of
/// this account maps to itself; another account's key maps to a key of this account that
/// does not exist. Paths (`user_groups.path`) hold public ids: they are only ever compared
/// within one account.
pub fn key(account_id: &str, id: &str) -> String {
    if is_generated(id)
        || id
            .strip_suffix(account_id)
            .is_some_and(|rest| rest.ends_with('.'))
    {
        id.to_string()
    } else {
        format!("{id}.{account_id}")
    }
}

/// The public id of a stored key (see `key`).
pub fn public_id(key: &str) -> String {
    match key.rfind('.') {
        Some(i) => key[..i].to_string(),
        None => key.to_string(),
    }
}

fn keys(account_id: &str, ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| key(account_id, id)).collect()
}

const FIELDS: [&str; 15] = [
    "seq",
    "id",
    "account_id",
    "name",
    "description",
    "platform_type",
    "domain",
    "parent_id",
    "path",
    "depth",
    "user_quantity",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
];

/// What a listing shows of a group's parent: every row of a page carries it, and rows are
/// not free (sqlx hands each over between threads), so only the fields views need.
const PARENT_FIELDS: [&str; 7] = [
    "id",
    "account_id",
    "name",
    "description",
    "platform_type",
    "domain",
    "created_at",
];

/// `g.seq AS g_seq, g.id AS g_id, ...` for table alias `a`.
fn cols(a: &str) -> String {
    FIELDS
        .iter()
        .map(|f| format!("{a}.{f} AS {a}_{f}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn from_row(r: &AnyRow, a: &str) -> Result<Group, sqlx::Error> {
    let c = |f: &str| format!("{a}_{f}");
    Ok(Group {
        seq: r.try_get(c("seq").as_str())?,
        id: public_id(&r.try_get::<String, _>(c("id").as_str())?),
        account_id: r.try_get(c("account_id").as_str())?,
        name: r.try_get(c("name").as_str())?,
        description: r.try_get(c("description").as_str())?,
        platform_type: r.try_get(c("platform_type").as_str())?,
        domain: r.try_get(c("domain").as_str())?,
        parent_id: r
            .try_get::<Option<String>, _>(c("parent_id").as_str())?
            .map(|p| public_id(&p)),
        path: r.try_get(c("path").as_str())?,
        depth: r.try_get(c("depth").as_str())?,
        user_quantity: r.try_get(c("user_quantity").as_str())?,
        created_by: r.try_get(c("created_by").as_str())?,
        updated_by: r.try_get(c("updated_by").as_str())?,
        created_at: r.try_get(c("created_at").as_str())?,
        updated_at: r.try_get(c("updated_at").as_str())?,
        parent: None,
    })
}

fn parent_cols() -> String {
    PARENT_FIELDS
        .iter()
        .map(|f| format!("p.{f} AS p_{f}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A group with its parent, from a row selected with `cols("g")` and `parent_cols()`. The
/// parent carries the fields of `PARENT_FIELDS`; the others are left empty.
fn with_parent(r: &AnyRow) -> Result<Group, sqlx::Error> {
    let mut g = from_row(r, "g")?;
    if let Some(id) = r.try_get::<Option<String>, _>("p_id")? {
        g.parent = Some(Box::new(Group {
            seq: 0,
            id: public_id(&id),
            account_id: r.try_get("p_account_id")?,
            name: r.try_get("p_name")?,
            description: r.try_get("p_description")?,
            platform_type: r.try_get("p_platform_type")?,
            domain: r.try_get("p_domain")?,
            parent_id: None,
            path: String::new(),
            depth: 0,
            user_quantity: 0,
            created_by: String::new(),
            updated_by: String::new(),
            created_at: r.try_get("p_created_at")?,
            updated_at: 0,
            parent: None,
        }));
    }
    Ok(g)
}

fn select_with_parent() -> String {
    format!(
        "SELECT {}, {} FROM user_groups g LEFT JOIN user_groups p ON p.id = g.parent_id",
        cols("g"),
        parent_cols()
    )
}

/// Inserts groups in one statement (15 values a row; keep batches to a few hundred rows).
pub async fn insert_many(conn: &mut AnyConnection, groups: &[Group]) -> Result<(), sqlx::Error> {
    if groups.is_empty() {
        return Ok(());
    }
    // on SQLite each row's seq is allocated in its account's range (migration 0011)
    let sqlite = conn.backend_name() == "SQLite";
    let mut next: Vec<(&str, i64)> = Vec::new();
    let mut seqs = Vec::with_capacity(groups.len());
    for g in groups {
        if !sqlite {
            seqs.push(None);
            continue;
        }
        let seq = match next.iter_mut().find(|(a, _)| *a == g.account_id) {
            Some((_, s)) => {
                *s += 1;
                *s
            }
            None => {
                let s = super::accounts::next_seq(conn, "user_groups", &g.account_id).await?;
                next.push((&g.account_id, s));
                s
            }
        };
        seqs.push(Some(seq));
    }
    let mut sql = Sql::on(
        &*conn,
        &format!(
            "INSERT INTO user_groups ({}id, account_id, name, name_fold, description, \
             platform_type, domain, parent_id, path, depth, user_quantity, created_by, \
             updated_by, created_at, updated_at) VALUES ",
            if sqlite { "seq, " } else { "" }
        ),
    );
    for (i, (g, seq)) in groups.iter().zip(seqs).enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        if let Some(seq) = seq {
            sql.bind(seq).push(", ");
        }
        sql.bind(key(&g.account_id, &g.id))
            .push(", ")
            .bind(&g.account_id)
            .push(", ")
            .bind(&g.name)
            .push(", ")
            .bind(search::fold(&g.name))
            .push(", ")
            .bind(&g.description)
            .push(", ")
            .bind(&g.platform_type)
            .push(", ")
            .bind(&g.domain)
            .push(", ")
            .bind(g.parent_id.as_deref().map(|p| key(&g.account_id, p)))
            .push(", ")
            .bind(&g.path)
            .push(", ")
            .bind(g.depth)
            .push(", ")
            .bind(g.user_quantity)
            .push(", ")
            .bind(&g.created_by)
            .push(", ")
            .bind(&g.updated_by)
            .push(", ")
            .bind(g.created_at)
            .push(", ")
            .bind(g.updated_at)
            .push(")");
    }
    sql.query().execute(&mut *conn).await?;
    for (account, n) in super::accounts::per_account(groups.iter().map(|g| g.account_id.as_str())) {
        super::accounts::adjust_counts(conn, account, 0, n).await?;
    }
    Ok(())
}

pub async fn insert(conn: &mut AnyConnection, g: &Group) -> Result<(), sqlx::Error> {
    insert_many(conn, std::slice::from_ref(g)).await
}

pub async fn get(
    conn: &mut AnyConnection,
    account_id: &str,
    id: &str,
) -> Result<Option<Group>, sqlx::Error> {
    sqlx::query(&format!(
        "{} WHERE g.account_id = $1 AND g.id = $2",
        select_with_parent()
    ))
    .bind(account_id)
    .bind(key(account_id, id))
    .fetch_optional(conn)
    .await?
    .map(|r| with_parent(&r))
    .transpose()
}

/// Locks the account's groups among `ids` (public ids or keys: see `key`) in key order (see
/// `RowLock`); returns those of `ids` that exist, as given. Membership writes hold their groups with `KeyShare` (after their
/// users), so a deletion (`Update`) waits for them and they find a deleted group gone.
pub async fn lock(
    conn: &mut AnyConnection,
    account_id: &str,
    ids: &[String],
    lock: RowLock,
) -> Result<Vec<String>, sqlx::Error> {
    let found: std::collections::HashSet<String> = super::lock_rows(
        conn,
        "user_groups",
        account_id,
        &keys(account_id, ids),
        lock,
    )
    .await?
    .into_iter()
    .collect();
    Ok(ids
        .iter()
        .filter(|id| found.contains(&key(account_id, id)))
        .cloned()
        .collect())
}

/// Whether the account has a group with this id (ids are unique per account: see `key`).
pub async fn id_taken(
    conn: &mut AnyConnection,
    account_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM user_groups WHERE id = $1")
            .bind(key(account_id, id))
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

pub async fn get_by_name(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<Group>, sqlx::Error> {
    sqlx::query(&format!(
        "{} WHERE g.account_id = $1 AND g.name_fold = $2",
        select_with_parent()
    ))
    .bind(account_id)
    .bind(search::fold(name))
    .fetch_optional(conn)
    .await?
    .map(|r| with_parent(&r))
    .transpose()
}

/// ` WHERE ...` over `user_groups g`: the account's groups that pass `f`.
async fn matching(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    f: &GroupFilter,
) -> Result<Sql, sqlx::Error> {
    let mut sql = Sql::on(&*conn, " WHERE g.account_id = ");
    sql.bind(account_id);
    if let Some(kw) = f.keyword.as_deref().filter(|s| !s.is_empty()) {
        search::push_contains(&mut sql, conn, backend, "g", &[Field::GroupName], kw).await?;
    }
    if let Some(name) = &f.name {
        sql.push(" AND g.name_fold = ").bind(search::fold(name));
    }
    for cond in &f.name_conditions {
        search::push_name_condition(&mut sql, conn, backend, "g", Field::GroupName, cond).await?;
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
            .bind_list(&keys(account_id, &f.ids))
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

/// The next `limit` groups (with parents) passing `f` after sequence number `after`, in
/// creation order: exports walk every group this way, one bounded batch at a time.
pub async fn scan(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    f: &GroupFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<Group>, sqlx::Error> {
    let sql = matching(conn, backend, account_id, f).await?;
    let mut select = sql.with_text(format!("{}{}", select_with_parent(), sql.text));
    select
        .push(" AND g.seq > ")
        .bind(after)
        .push(" ORDER BY g.seq LIMIT ")
        .bind(limit);
    let rows = select.query().fetch_all(&mut *conn).await?;
    rows.iter().map(with_parent).collect()
}

pub async fn list(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    f: &GroupFilter,
    page: Page,
) -> Result<Listing<Group>, sqlx::Error> {
    let sql = matching(conn, backend, account_id, f).await?;
    // The page's keys first, over the covering (account_id, seq) index, then rows and
    // parents. An unfiltered total is the account's kept counter.
    let filtered = !f.is_empty();
    // PostgreSQL counts apart from the page (unless a short page tells the total): with
    // `count(*) OVER ()` its planner walked the (account_id, seq) index and tested the
    // filter on every row of the account (973,002 of 1M for `alice`); a count alone may use
    // the trigram index, and the page may stop after `limit` matches (the plans at 1M are
    // not measured yet). SQLite (this store serves it only in tests) keeps the one query.
    let window = filtered && backend == Backend::Sqlite;
    let mut select = sql.with_text(format!(
        "SELECT g.seq{} FROM user_groups g{}",
        if window {
            ", count(*) OVER () AS total"
        } else {
            ""
        },
        sql.text
    ));
    select
        .push(" ORDER BY g.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let select = select.with_text(format!(
        "SELECT {}, {}{} FROM ({}) page JOIN user_groups g ON g.seq = page.seq \
         LEFT JOIN user_groups p ON p.id = g.parent_id ORDER BY g.seq",
        cols("g"),
        parent_cols(),
        if window { ", page.total AS total" } else { "" },
        select.text
    ));
    let rows = select.query().fetch_all(&mut *conn).await?;
    let total: i64 = match (rows.first(), page.total_if_last(rows.len())) {
        (Some(r), _) if window => r.try_get("total")?,
        (_, Some(total)) if filtered => total,
        _ if filtered => {
            // a full page, or an empty one past the start, says nothing of the total: count
            let count = sql.with_text(format!(
                "SELECT count(*) AS n FROM user_groups g{}",
                sql.text
            ));
            count.query().fetch_one(&mut *conn).await?.try_get("n")?
        }
        _ => super::accounts::counts(conn, account_id).await?.1,
    };
    let items = rows.iter().map(with_parent).collect::<Result<_, _>>()?;
    Ok(Listing { total, items })
}

/// Groups of a user, in group creation order.
pub async fn of_user(
    conn: &mut AnyConnection,
    user_id: &str,
    page: Page,
) -> Result<Listing<Group>, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query(&format!(
        "{} WHERE g.id IN (SELECT group_id FROM memberships WHERE user_id = $1) \
         ORDER BY g.seq LIMIT $2 OFFSET $3",
        select_with_parent()
    ))
    .bind(user_id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows.iter().map(with_parent).collect::<Result<_, _>>()?;
    Ok(Listing { total, items })
}

/// Writes the group's name and description back. `name_fold` changes only with the name: a
/// legacy row whose folded name the fold-v2 step made unique (`store::refold`) keeps it.
pub async fn update_fields(conn: &mut AnyConnection, g: &Group) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_groups SET name = $1, \
         name_fold = CASE WHEN name = $2 THEN name_fold ELSE $3 END, description = $4, \
         updated_by = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&g.name)
    .bind(&g.name)
    .bind(search::fold(&g.name))
    .bind(&g.description)
    .bind(&g.updated_by)
    .bind(g.updated_at)
    .bind(key(&g.account_id, &g.id))
    .execute(conn)
    .await?;
    Ok(())
}

/// Serialises hierarchy changes of one account: the row lock (PostgreSQL) or the write lock
/// (SQLite) is held until the transaction ends, so two moves cannot both pass the cycle check.
pub async fn lock_hierarchy(conn: &mut AnyConnection, account_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET hierarchy_version = hierarchy_version + 1 WHERE id = $1")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

// Positions are bound as i64 (BIGINT); PostgreSQL's substr takes INTEGER, hence the casts.

/// The greatest depth in the subtree whose root has path `path`.
pub async fn subtree_max_depth(
    conn: &mut AnyConnection,
    account_id: &str,
    path: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(max(depth), 0) FROM user_groups WHERE account_id = $1 \
         AND (path = $2 OR substr(path, 1, CAST($3 AS INTEGER)) = $4)",
    )
    .bind(account_id)
    .bind(path)
    .bind(path.chars().count() as i64 + 1)
    .bind(format!("{path}/"))
    .fetch_one(conn)
    .await
}

/// Stored keys (see `key`) of the subtree rooted at the group with path `path`, deepest
/// first.
pub async fn subtree_ids(
    conn: &mut AnyConnection,
    account_id: &str,
    path: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM user_groups WHERE account_id = $1 \
         AND (path = $2 OR substr(path, 1, CAST($3 AS INTEGER)) = $4) ORDER BY depth DESC, seq",
    )
    .bind(account_id)
    .bind(path)
    .bind(path.chars().count() as i64 + 1)
    .bind(format!("{path}/"))
    .fetch_all(conn)
    .await
}

#[allow(clippy::too_many_arguments)]
/// Re-roots the subtree at `old_path` to `new_path`, shifting depths by `depth_delta`, and
/// sets the moved group's parent.
pub async fn move_subtree(
    conn: &mut AnyConnection,
    account_id: &str,
    group_id: &str,
    new_parent: Option<&str>,
    old_path: &str,
    new_path: &str,
    depth_delta: i64,
    by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let old_len = old_path.chars().count() as i64;
    sqlx::query(
        "UPDATE user_groups SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3 \
         WHERE account_id = $4 AND (path = $5 OR substr(path, 1, CAST($6 AS INTEGER)) = $7)",
    )
    .bind(new_path)
    .bind(old_len + 1)
    .bind(depth_delta)
    .bind(account_id)
    .bind(old_path)
    .bind(old_len + 1)
    .bind(format!("{old_path}/"))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE user_groups SET parent_id = $1, updated_at = $2, updated_by = $3 WHERE id = $4",
    )
    .bind(new_parent.map(|p| key(account_id, p)))
    .bind(now)
    .bind(by)
    .bind(key(account_id, group_id))
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes groups (whole subtrees: a parent's children must be among `ids`) with their
/// memberships. The caller holds the groups (`lock(.., RowLock::Update)`), so no membership
/// write is half-way through one of them.
pub async fn delete_many(conn: &mut AnyConnection, ids: &[String]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    super::accounts::count_out(conn, super::accounts::Counted::Groups, ids).await?;
    let mut del = Sql::on(&*conn, "DELETE FROM memberships WHERE group_id IN (");
    del.bind_list(ids).push(")");
    del.query().execute(&mut *conn).await?;
    // one statement: both backends check the parent reference at its end, when children
    // and parents are gone together
    let mut del = Sql::on(&*conn, "DELETE FROM user_groups WHERE id IN (");
    del.bind_list(ids).push(")");
    del.query().execute(&mut *conn).await?;
    Ok(())
}

/// `(key, seq, name)` of the account's groups among `ids` (public ids or keys: see `key`).
pub async fn names_by_ids(
    conn: &mut AnyConnection,
    account_id: &str,
    ids: &[&str],
) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // `account_id || ''` keeps the tenancy check out of the planner's index choice: given
    // the (account_id, ...) index, SQLite scanned every group of the account per call
    let mut sql = Sql::on(
        &*conn,
        "SELECT id, seq, name FROM user_groups WHERE account_id || '' = ",
    );
    let ids: Vec<String> = ids.iter().map(|id| key(account_id, id)).collect();
    sql.bind(account_id)
        .push(" AND id IN (")
        .bind_list(&ids)
        .push(")");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("seq")?, r.try_get("name")?)))
        .collect()
}

/// `(name_fold, key)` of the account's groups whose folded name is among `folded`.
pub async fn ids_by_folded_names(
    conn: &mut AnyConnection,
    account_id: &str,
    folded: &[String],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if folded.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::on(
        &*conn,
        "SELECT name_fold, id FROM user_groups WHERE account_id = ",
    );
    sql.bind(account_id)
        .push(" AND name_fold IN (")
        .bind_list(folded)
        .push(")");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name_fold")?, r.try_get("id")?)))
        .collect()
}
