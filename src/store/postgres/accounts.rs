//! Accounts, projects, access keys and the kept counters on tokio-postgres.

use tokio_postgres::Row;

use super::sql::{execute, one, opt, rows};
use super::Client;
use crate::core::model::{Account, AccountId, Project};
use crate::core::storage::{AccessKeyInfo, AccessKeyPatch, AccessKeyRow};
use crate::core::Error;

fn account(r: &Row) -> Result<Account, Error> {
    Ok(Account {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        created_at: r.try_get(2)?,
    })
}

/// Columns of `project`.
const PROJECT_COLS: &str = "id, account_id, name, created_at, description, enabled, parent_id";

/// A project without its tags (`with_tags` adds them).
fn project(r: &Row) -> Result<Project, Error> {
    Ok(Project {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        name: r.try_get(2)?,
        created_at: r.try_get(3)?,
        description: r.try_get(4)?,
        enabled: r.try_get(5)?,
        parent_id: r.try_get(6)?,
        tags: Vec::new(),
    })
}

async fn with_tags(c: &Client, mut ps: Vec<Project>) -> Result<Vec<Project>, Error> {
    let ids: Vec<&str> = ps.iter().map(|p| p.id.as_str()).collect();
    let mut tags = super::keystone::tags_of(c, &ids).await?;
    for p in &mut ps {
        p.tags = tags.remove(p.id.as_str()).unwrap_or_default();
    }
    Ok(ps)
}

pub(super) async fn get(c: &Client, id: &str) -> Result<Option<Account>, Error> {
    opt(
        c,
        "SELECT id, name, created_at FROM accounts WHERE id = $1",
        &[id.into()],
    )
    .await?
    .as_ref()
    .map(account)
    .transpose()
}

pub(super) async fn get_by_name(c: &Client, name: &str) -> Result<Option<Account>, Error> {
    opt(
        c,
        "SELECT id, name, created_at FROM accounts WHERE name = $1",
        &[name.into()],
    )
    .await?
    .as_ref()
    .map(account)
    .transpose()
}

pub(super) async fn count(c: &Client) -> Result<i64, Error> {
    Ok(one(c, "SELECT count(*) FROM accounts", &[])
        .await?
        .try_get(0)?)
}

pub(super) async fn get_project(c: &Client, id: &str) -> Result<Option<Project>, Error> {
    let sql = format!("SELECT {PROJECT_COLS} FROM projects WHERE id = $1");
    let found = opt(c, &sql, &[id.into()])
        .await?
        .as_ref()
        .map(project)
        .transpose()?;
    Ok(with_tags(c, found.into_iter().collect()).await?.pop())
}

/// The account's projects, oldest first.
pub(super) async fn projects_of(c: &Client, account_id: &str) -> Result<Vec<Project>, Error> {
    let sql = format!(
        "SELECT {PROJECT_COLS} FROM projects WHERE account_id = $1 ORDER BY created_at, id"
    );
    let ps = rows(c, &sql, &[account_id.into()])
        .await?
        .iter()
        .map(project)
        .collect::<Result<Vec<_>, Error>>()?;
    with_tags(c, ps).await
}

/// The account's (users, groups): the kept counters. An unknown account is an error.
pub(super) async fn counts(c: &Client, account_id: &str) -> Result<(i64, i64), Error> {
    let r = one(
        c,
        "SELECT user_count, group_count FROM accounts WHERE id = $1",
        &[account_id.into()],
    )
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// Adds to the account's exact user and group numbers (same transaction as the change).
pub(super) async fn adjust_counts(
    c: &Client,
    account_id: &str,
    users: i64,
    groups: i64,
) -> Result<(), Error> {
    if users != 0 || groups != 0 {
        execute(
            c,
            "UPDATE accounts SET user_count = user_count + $1, group_count = group_count + $2 \
             WHERE id = $3",
            &[users.into(), groups.into(), account_id.into()],
        )
        .await?;
    }
    Ok(())
}

/// Which kept counter a table's rows count in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Counted {
    Users,
    Groups,
}

/// Takes the rows `ids` (stored keys) of `kind` off their accounts' counters; called just
/// before deleting them, in the same transaction.
pub(super) async fn count_out(c: &Client, kind: Counted, ids: &[String]) -> Result<(), Error> {
    let sql = match kind {
        Counted::Users => "SELECT account_id FROM users WHERE id = ANY($1)",
        Counted::Groups => "SELECT account_id FROM user_groups WHERE id = ANY($1)",
    };
    let owners: Vec<String> = rows(c, sql, &[ids.into()])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    for (account, n) in crate::store::common::per_account(owners.iter().map(String::as_str)) {
        match kind {
            Counted::Users => adjust_counts(c, account, -n, 0).await?,
            Counted::Groups => adjust_counts(c, account, 0, -n).await?,
        }
    }
    Ok(())
}

pub(super) async fn insert(c: &Client, a: &Account) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)",
        &[(&a.id).into(), (&a.name).into(), a.created_at.into()],
    )
    .await?;
    Ok(())
}

pub(super) async fn insert_project(c: &Client, p: &Project) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO projects (id, account_id, name, created_at, description, enabled, \
         parent_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            (&p.id).into(),
            (&p.account_id).into(),
            (&p.name).into(),
            p.created_at.into(),
            (&p.description).into(),
            p.enabled.into(),
            p.parent_id.as_ref().map(|x| x.as_str()).into(),
        ],
    )
    .await?;
    super::keystone::insert_tags(c, p).await
}

pub(super) async fn insert_access_key(c: &Client, k: &AccessKeyRow, now: i64) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO access_keys (access_key, account_id, user_id, secret_sealed, status, \
         created_at, description, credential_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            (&k.access_key).into(),
            (&k.account_id).into(),
            (&k.user_id).into(),
            (&k.secret_sealed).into(),
            if k.active { "active" } else { "inactive" }.into(),
            now.into(),
            (&k.description).into(),
            crate::core::keystone_credentials::ec2_credential_id(&k.access_key).into(),
        ],
    )
    .await?;
    Ok(())
}

/// The key with its state: active only while the key is, its user is neither disabled nor
/// locked, and its domain is enabled (on every face).
pub(super) async fn access_key(
    c: &Client,
    access_key: &str,
) -> Result<Option<AccessKeyRow>, Error> {
    let Some(r) = opt(
        c,
        "SELECT k.access_key, k.account_id, k.user_id, k.secret_sealed, \
         k.status = 'active' AND NOT u.disabled AND NOT u.locked AND a.enabled, u.is_root, \
         k.description FROM access_keys k JOIN users u ON u.id = k.user_id \
         JOIN accounts a ON a.id = k.account_id WHERE k.access_key = $1",
        &[access_key.into()],
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(AccessKeyRow {
        access_key: r.try_get(0)?,
        account_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        secret_sealed: r.try_get(3)?,
        active: r.try_get(4)?,
        is_root: r.try_get(5)?,
        description: r.try_get(6)?,
    }))
}

fn key_info(r: &Row) -> Result<AccessKeyInfo, Error> {
    Ok(AccessKeyInfo {
        access_key: r.try_get(0)?,
        account_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        active: r.try_get(3)?,
        description: r.try_get(4)?,
        created_at: r.try_get(5)?,
        last_used_at: r.try_get(6)?,
    })
}

/// The account's key (another account's key is not found).
pub(super) async fn access_key_info(
    c: &Client,
    account_id: &AccountId,
    access_key: &str,
) -> Result<Option<AccessKeyInfo>, Error> {
    opt(
        c,
        "SELECT access_key, account_id, user_id, status = 'active', description, created_at, \
         last_used_at FROM access_keys WHERE access_key = $1 AND account_id = $2",
        &[access_key.into(), account_id.into()],
    )
    .await?
    .as_ref()
    .map(key_info)
    .transpose()
}

/// The keys of the account's user, oldest first (then by key).
pub(super) async fn access_keys_of(
    c: &Client,
    account_id: &AccountId,
    user_id: &str,
) -> Result<Vec<AccessKeyInfo>, Error> {
    rows(
        c,
        "SELECT access_key, account_id, user_id, status = 'active', description, created_at, \
         last_used_at FROM access_keys WHERE user_id = $1 AND account_id = $2 \
         ORDER BY created_at, access_key",
        &[user_id.into(), account_id.into()],
    )
    .await?
    .iter()
    .map(key_info)
    .collect()
}

/// Writes the patch's fields; false when the account has no such key.
pub(super) async fn update_access_key(
    c: &Client,
    account_id: &AccountId,
    access_key: &str,
    patch: &AccessKeyPatch,
) -> Result<bool, Error> {
    let status = patch.active.map(|a| if a { "active" } else { "inactive" });
    let n = execute(
        c,
        "UPDATE access_keys SET status = coalesce($1, status), \
         description = coalesce($2, description) WHERE access_key = $3 AND account_id = $4",
        &[
            status.into(),
            patch.description.as_deref().into(),
            access_key.into(),
            account_id.into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

pub(super) async fn delete_access_key(
    c: &Client,
    account_id: &AccountId,
    access_key: &str,
) -> Result<bool, Error> {
    let n = execute(
        c,
        "DELETE FROM access_keys WHERE access_key = $1 AND account_id = $2",
        &[access_key.into(), account_id.into()],
    )
    .await?;
    Ok(n == 1)
}

pub(super) async fn touch_access_key(
    c: &Client,
    access_key: &str,
    now: i64,
    not_before: i64,
) -> Result<(), Error> {
    execute(
        c,
        "UPDATE access_keys SET last_used_at = $1 WHERE access_key = $2 AND last_used_at < $3",
        &[now.into(), access_key.into(), not_before.into()],
    )
    .await?;
    Ok(())
}
