//! Groups, their hierarchy and memberships: the SQL of `store::groups` and
//! `store::memberships` on tokio-postgres.

use std::collections::HashSet;

use tokio_postgres::Row;

use super::accounts::{self, Counted};
use super::search;
use super::sql::{execute, filtered_total, one, opt, rows, Sql};
use super::users::lock_rows;
use super::Client;
use crate::core::model::{Group, GroupFilter, Listing, Page, ParentFilter, Word};
use crate::core::storage::RowLock;
use crate::core::Error;
use crate::store::common::{fold, Field};
use crate::store::common::{key, public_id};

/// A group's columns (read by `group`) and its parent's (`PARENT_FIELDS` of
/// `store::groups`), over `user_groups g LEFT JOIN user_groups p`.
macro_rules! cols {
    () => {
        "g.seq, g.id, g.account_id, g.name, g.description, g.platform_type, g.domain, \
         g.parent_id, g.path, g.depth, g.user_quantity, g.created_by, g.updated_by, \
         g.created_at, g.updated_at, \
         p.id, p.account_id, p.name, p.description, p.platform_type, p.domain, p.created_at"
    };
}
const COLS: &str = cols!();

/// `SELECT COLS FROM user_groups g LEFT JOIN user_groups p ON p.id = g.parent_id`.
macro_rules! select_with_parent {
    () => {
        concat!(
            "SELECT ",
            cols!(),
            " FROM user_groups g LEFT JOIN user_groups p ON p.id = g.parent_id"
        )
    };
}

/// A group with its parent (the fields a listing shows of it), from a row selected with
/// `COLS`.
fn group(r: &Row) -> Result<Group, Error> {
    let parent = match r.try_get::<_, Option<String>>(15)? {
        Some(id) => Some(Box::new(Group {
            seq: 0,
            id: public_id(&id).into(),
            account_id: r.try_get(16)?,
            name: r.try_get(17)?,
            description: r.try_get(18)?,
            platform_type: r.try_get(19)?,
            domain: r.try_get(20)?,
            parent_id: None,
            path: String::new(),
            depth: 0,
            user_quantity: 0,
            created_by: String::new(),
            updated_by: String::new(),
            created_at: r.try_get(21)?,
            updated_at: 0,
            parent: None,
        })),
        None => None,
    };
    Ok(Group {
        seq: r.try_get(0)?,
        id: public_id(&r.try_get::<_, String>(1)?).into(),
        account_id: r.try_get(2)?,
        name: r.try_get(3)?,
        description: r.try_get(4)?,
        platform_type: r.try_get(5)?,
        domain: r.try_get(6)?,
        parent_id: r
            .try_get::<_, Option<String>>(7)?
            .map(|p| public_id(&p).into()),
        path: r.try_get(8)?,
        depth: r.try_get(9)?,
        user_quantity: r.try_get(10)?,
        created_by: r.try_get(11)?,
        updated_by: r.try_get(12)?,
        created_at: r.try_get(13)?,
        updated_at: r.try_get(14)?,
        parent,
    })
}

fn groups(rows: &[Row]) -> Result<Vec<Group>, Error> {
    rows.iter().map(group).collect()
}

fn keys(account_id: &str, ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| key(account_id, id)).collect()
}

/// Inserts groups (parents before children) in one statement whatever their number (one
/// array per column, unnested in order), and counts them in their accounts.
pub(super) async fn insert_many(c: &Client, list: &[Group]) -> Result<(), Error> {
    if list.is_empty() {
        return Ok(());
    }
    let texts = |f: fn(&Group) -> &str| -> Vec<&str> { list.iter().map(f).collect() };
    let ints = |f: fn(&Group) -> i64| -> Vec<i64> { list.iter().map(f).collect() };
    let mut sql = Sql::new(
        "INSERT INTO user_groups (id, account_id, name, name_fold, description, platform_type, \
         domain, parent_id, path, depth, user_quantity, created_by, updated_by, created_at, \
         updated_at) SELECT * FROM unnest(",
    );
    sql.bind(
        list.iter()
            .map(|g| key(&g.account_id, &g.id))
            .collect::<Vec<_>>(),
    )
    .push(", ")
    .bind(texts(|g| &g.account_id))
    .push(", ")
    .bind(texts(|g| &g.name))
    .push(", ")
    .bind(list.iter().map(|g| fold(&g.name)).collect::<Vec<_>>())
    .push(", ")
    .bind(texts(|g| &g.description))
    .push(", ")
    .bind(texts(|g| g.platform_type.as_str()))
    .push(", ")
    .bind(texts(|g| &g.domain))
    .push(", ")
    .bind(super::sql::Arg::OptTexts(
        list.iter()
            .map(|g| g.parent_id.as_deref().map(|p| key(&g.account_id, p).into()))
            .collect(),
    ))
    .push(", ")
    .bind(texts(|g| &g.path))
    .push(", ")
    .bind(ints(|g| g.depth))
    .push(", ")
    .bind(ints(|g| g.user_quantity))
    .push(", ")
    .bind(texts(|g| &g.created_by))
    .push(", ")
    .bind(texts(|g| &g.updated_by))
    .push(", ")
    .bind(ints(|g| g.created_at))
    .push(", ")
    .bind(ints(|g| g.updated_at))
    .push(")");
    sql.execute(c).await?;
    for (account, n) in
        crate::store::common::per_account(list.iter().map(|g| g.account_id.as_str()))
    {
        accounts::adjust_counts(c, account, 0, n).await?;
    }
    Ok(())
}

pub(super) async fn get(c: &Client, account_id: &str, id: &str) -> Result<Option<Group>, Error> {
    opt(
        c,
        concat!(
            select_with_parent!(),
            " WHERE g.account_id = $1 AND g.id = $2"
        ),
        &[account_id.into(), key(account_id, id).into()],
    )
    .await?
    .as_ref()
    .map(group)
    .transpose()
}

pub(super) async fn get_by_name(
    c: &Client,
    account_id: &str,
    name: &str,
) -> Result<Option<Group>, Error> {
    opt(
        c,
        concat!(
            select_with_parent!(),
            " WHERE g.account_id = $1 AND g.name_fold = $2"
        ),
        &[account_id.into(), fold(name).into()],
    )
    .await?
    .as_ref()
    .map(group)
    .transpose()
}

/// Whether the account has a group with this id (ids are unique per account: see `key`).
pub(super) async fn id_taken(c: &Client, account_id: &str, id: &str) -> Result<bool, Error> {
    Ok(opt(
        c,
        "SELECT 1 FROM user_groups WHERE id = $1",
        &[key(account_id, id).into()],
    )
    .await?
    .is_some())
}

/// Locks the account's groups among `ids` (public ids or keys) in key order; returns those
/// of `ids` that exist, as given.
pub(super) async fn lock(
    c: &Client,
    account_id: &str,
    ids: &[String],
    lock: RowLock,
) -> Result<Vec<String>, Error> {
    let found: HashSet<String> =
        lock_rows(c, "user_groups", account_id, &keys(account_id, ids), lock)
            .await?
            .into_iter()
            .collect();
    Ok(ids
        .iter()
        .filter(|id| found.contains(&key(account_id, id)))
        .cloned()
        .collect())
}

/// ` WHERE ...` over `user_groups g`: the account's groups that pass `f`.
fn matching<'a>(account_id: &'a str, f: &'a GroupFilter) -> Sql<'a> {
    let mut sql = Sql::new(" WHERE g.account_id = ");
    sql.bind(account_id);
    if let Some(kw) = f.keyword.as_deref().filter(|s| !s.is_empty()) {
        search::push_contains(&mut sql, "g", &[Field::GroupName], kw);
    }
    if let Some(name) = &f.name {
        sql.push(" AND g.name_fold = ").bind(fold(name));
    }
    for cond in &f.name_conditions {
        search::push_name_condition(&mut sql, "g", Field::GroupName, cond);
    }
    if !f.platform_types.is_empty() {
        sql.push(" AND g.platform_type = ANY(")
            .bind(
                f.platform_types
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>(),
            )
            .push(")");
    }
    if let Some(d) = &f.domain {
        sql.push(" AND g.domain = ").bind(d);
    }
    if !f.ids.is_empty() {
        sql.push(" AND g.id = ANY(")
            .bind(keys(account_id, &f.ids))
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
    sql
}

/// A page of the account's groups passing `f` (with parents), with their number (counted
/// as `users::list` counts).
pub(super) async fn list(
    c: &Client,
    account_id: &str,
    f: &GroupFilter,
    page: Page,
) -> Result<Listing<Group>, Error> {
    let sql = matching(account_id, f);
    let mut select = sql.with_text(format!("SELECT g.seq FROM user_groups g{}", sql.text));
    select
        .push(" ORDER BY g.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    // unfiltered, the kept count is column 22 of the page's statement (one statement, one
    // round trip; `$1` is the account in `matching`)
    let kept = if f.is_empty() {
        ", (SELECT group_count FROM accounts WHERE id = $1)"
    } else {
        ""
    };
    let select = select.with_text(format!(
        "SELECT {COLS}{kept} FROM ({}) page JOIN user_groups g ON g.seq = page.seq \
         LEFT JOIN user_groups p ON p.id = g.parent_id ORDER BY g.seq",
        select.text
    ));
    let rows = select.rows(c).await?;
    let total = match rows.first() {
        Some(r) if f.is_empty() => r.try_get(22)?,
        _ if f.is_empty() => accounts::counts(c, account_id).await?.1,
        _ => {
            filtered_total(c, page, rows.len(), || {
                sql.with_text(format!("SELECT count(*) FROM user_groups g{}", sql.text))
            })
            .await?
        }
    };
    Ok(Listing {
        total,
        items: groups(&rows)?,
    })
}

/// The next `limit` groups (with parents) passing `f` after sequence number `after`.
pub(super) async fn scan(
    c: &Client,
    account_id: &str,
    f: &GroupFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<Group>, Error> {
    let sql = matching(account_id, f);
    let mut select = sql.with_text(format!("{}{}", select_with_parent!(), sql.text));
    select
        .push(" AND g.seq > ")
        .bind(after)
        .push(" ORDER BY g.seq LIMIT ")
        .bind(limit);
    groups(&select.rows(c).await?)
}

/// A page of the groups a user is a direct member of, in group creation order.
pub(super) async fn of_user(
    c: &Client,
    user_id: &str,
    page: Page,
) -> Result<Listing<Group>, Error> {
    let total: i64 = one(
        c,
        "SELECT count(*) FROM memberships WHERE user_id = $1",
        &[user_id.into()],
    )
    .await?
    .try_get(0)?;
    let rows = rows(
        c,
        concat!(
            select_with_parent!(),
            " WHERE g.id IN (SELECT group_id FROM memberships WHERE user_id = $1) \
             ORDER BY g.seq LIMIT $2 OFFSET $3"
        ),
        &[user_id.into(), page.limit.into(), page.offset.into()],
    )
    .await?;
    Ok(Listing {
        total,
        items: groups(&rows)?,
    })
}

pub(super) async fn is_member(
    c: &Client,
    account_id: &str,
    group_id: &str,
    user_id: &str,
) -> Result<bool, Error> {
    Ok(opt(
        c,
        "SELECT 1 FROM memberships WHERE group_id = $1 AND user_id = $2",
        &[key(account_id, group_id).into(), user_id.into()],
    )
    .await?
    .is_some())
}

/// `(name_fold, key)` of the account's groups whose folded name is among `folded`.
pub(super) async fn ids_by_folded_names(
    c: &Client,
    account_id: &str,
    folded: &[String],
) -> Result<Vec<(String, String)>, Error> {
    if folded.is_empty() {
        return Ok(Vec::new());
    }
    rows(
        c,
        "SELECT name_fold, id FROM user_groups WHERE account_id = $1 AND name_fold = ANY($2)",
        &[account_id.into(), folded.into()],
    )
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, public_id(&r.try_get::<_, String>(1)?))))
    .collect()
}

/// `(key, seq, name)` of the account's groups among `ids` (public ids or keys).
pub(super) async fn names_by_ids(
    c: &Client,
    account_id: &str,
    ids: &[&str],
) -> Result<Vec<(String, i64, String)>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = ids.iter().map(|id| key(account_id, id)).collect();
    // SQLite's statement's `account_id || ''` steers SQLite's planner; PostgreSQL looks the
    // ids up in their unique index either way and tests the account on the rows found
    rows(
        c,
        "SELECT id, seq, name FROM user_groups WHERE account_id = $1 AND id = ANY($2)",
        &[account_id.into(), ids.into()],
    )
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
    .collect()
}

/// Writes the group's name and description back (`name_fold` changes only with the name).
pub(super) async fn update_fields(c: &Client, g: &Group) -> Result<(), Error> {
    execute(
        c,
        "UPDATE user_groups SET name = $1, \
         name_fold = CASE WHEN name = $2 THEN name_fold ELSE $3 END, description = $4, \
         updated_by = $5, updated_at = $6 WHERE id = $7",
        &[
            (&g.name).into(),
            (&g.name).into(),
            fold(&g.name).into(),
            (&g.description).into(),
            (&g.updated_by).into(),
            g.updated_at.into(),
            key(&g.account_id, &g.id).into(),
        ],
    )
    .await?;
    Ok(())
}

/// Serialises hierarchy changes of one account: the account row stays locked until the
/// transaction ends, so two moves cannot both pass the cycle check.
pub(super) async fn lock_hierarchy(c: &Client, account_id: &str) -> Result<(), Error> {
    execute(
        c,
        "UPDATE accounts SET hierarchy_version = hierarchy_version + 1 WHERE id = $1",
        &[account_id.into()],
    )
    .await?;
    Ok(())
}

// Positions are bound as i64 (BIGINT); PostgreSQL's substr takes INTEGER, hence the casts.

/// The greatest depth in the subtree whose root has path `path`.
pub(super) async fn subtree_max_depth(
    c: &Client,
    account_id: &str,
    path: &str,
) -> Result<i64, Error> {
    Ok(one(
        c,
        "SELECT COALESCE(max(depth), 0) FROM user_groups WHERE account_id = $1 \
         AND (path = $2 OR substr(path, 1, CAST($3 AS INTEGER)) = $4)",
        &[
            account_id.into(),
            path.into(),
            (path.chars().count() as i64 + 1).into(),
            format!("{path}/").into(),
        ],
    )
    .await?
    .try_get(0)?)
}

/// Stored keys of the subtree rooted at the group with path `path`, deepest first.
pub(super) async fn subtree_ids(
    c: &Client,
    account_id: &str,
    path: &str,
) -> Result<Vec<String>, Error> {
    rows(
        c,
        "SELECT id FROM user_groups WHERE account_id = $1 \
         AND (path = $2 OR substr(path, 1, CAST($3 AS INTEGER)) = $4) ORDER BY depth DESC, seq",
        &[
            account_id.into(),
            path.into(),
            (path.chars().count() as i64 + 1).into(),
            format!("{path}/").into(),
        ],
    )
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect()
}

/// Re-roots the subtree at `old_path` to `new_path`, shifting depths by `depth_delta`, and
/// sets the moved group's parent.
#[allow(clippy::too_many_arguments)]
pub(super) async fn move_subtree(
    c: &Client,
    account_id: &str,
    group_id: &str,
    new_parent: Option<&str>,
    old_path: &str,
    new_path: &str,
    depth_delta: i64,
    by: &str,
    now: i64,
) -> Result<(), Error> {
    let old_len = old_path.chars().count() as i64;
    execute(
        c,
        "UPDATE user_groups SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3 \
         WHERE account_id = $4 AND (path = $5 OR substr(path, 1, CAST($6 AS INTEGER)) = $7)",
        &[
            new_path.into(),
            (old_len + 1).into(),
            depth_delta.into(),
            account_id.into(),
            old_path.into(),
            (old_len + 1).into(),
            format!("{old_path}/").into(),
        ],
    )
    .await?;
    execute(
        c,
        "UPDATE user_groups SET parent_id = $1, updated_at = $2, updated_by = $3 WHERE id = $4",
        &[
            new_parent.map(|p| key(account_id, p)).into(),
            now.into(),
            by.into(),
            key(account_id, group_id).into(),
        ],
    )
    .await?;
    Ok(())
}

/// Deletes whole subtrees (stored keys; a parent's children are among them) with their
/// memberships, grants and policy attachments. The caller holds the groups (`RowLock::Update`).
pub(super) async fn delete_many(c: &Client, account_id: &str, ids: &[String]) -> Result<(), Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids = keys(account_id, ids);
    accounts::count_out(c, Counted::Groups, &ids).await?;
    // their grants and policy attachments, then memberships, then the groups
    super::authz::forget_groups(c, account_id, &ids).await?;
    execute(
        c,
        "DELETE FROM memberships WHERE group_id = ANY($1)",
        &[(&ids[..]).into()],
    )
    .await?;
    // one statement: the parent reference is checked at its end, when children and
    // parents are gone together
    execute(
        c,
        "DELETE FROM user_groups WHERE id = ANY($1)",
        &[(&ids[..]).into()],
    )
    .await?;
    Ok(())
}

/// Adds users (sorted ids) to the account's group in one statement; returns how many were
/// not members before, by which `user_quantity` grows.
pub(super) async fn add_members(
    c: &Client,
    account_id: &str,
    group_id: &str,
    user_ids: &[String],
    now: i64,
) -> Result<i64, Error> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let group = key(account_id, group_id);
    let added = execute(
        c,
        "INSERT INTO memberships (group_id, user_id, created_at) \
         SELECT $1, u, $3 FROM unnest($2) AS u ON CONFLICT DO NOTHING",
        &[(&group).into(), user_ids.into(), now.into()],
    )
    .await? as i64;
    adjust(c, &group, added).await?;
    Ok(added)
}

/// Removes users from the account's group in one statement; returns how many were members.
pub(super) async fn remove_members(
    c: &Client,
    account_id: &str,
    group_id: &str,
    user_ids: &[String],
) -> Result<i64, Error> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let group = key(account_id, group_id);
    let removed = execute(
        c,
        "DELETE FROM memberships WHERE group_id = $1 AND user_id = ANY($2)",
        &[(&group).into(), user_ids.into()],
    )
    .await? as i64;
    adjust(c, &group, -removed).await?;
    Ok(removed)
}

async fn adjust(c: &Client, group: &str, delta: i64) -> Result<(), Error> {
    if delta != 0 {
        execute(
            c,
            "UPDATE user_groups SET user_quantity = user_quantity + $1 WHERE id = $2",
            &[delta.into(), group.into()],
        )
        .await?;
    }
    Ok(())
}

/// Bulk loading (`roster seed`): inserts `(group key, user id)` pairs, 2,000 a statement,
/// skipping those already there; `user_quantity` is left to `recount`.
pub(super) async fn load(c: &Client, pairs: &[(&str, &str)], now: i64) -> Result<(), Error> {
    for batch in pairs.chunks(2000) {
        let groups: Vec<&str> = batch.iter().map(|(g, _)| *g).collect();
        let users: Vec<&str> = batch.iter().map(|(_, u)| *u).collect();
        execute(
            c,
            "INSERT INTO memberships (group_id, user_id, created_at) \
             SELECT g, u, $3 FROM unnest($1, $2) AS t(g, u) ON CONFLICT DO NOTHING",
            &[groups.into(), users.into(), now.into()],
        )
        .await?;
    }
    Ok(())
}

/// Sets every group's `user_quantity` of the account to its number of members.
pub(super) async fn recount(c: &Client, account_id: &str) -> Result<(), Error> {
    execute(
        c,
        "UPDATE user_groups SET user_quantity = \
         (SELECT count(*) FROM memberships m WHERE m.group_id = user_groups.id) \
         WHERE account_id = $1",
        &[account_id.into()],
    )
    .await?;
    Ok(())
}
