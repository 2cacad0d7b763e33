//! Keystone's domains (accounts with a description and an enabled flag), the operator's
//! system roles, and the deletion of a whole account (`core::keystone`, migration 0016) on
//! tokio-postgres.

use tokio_postgres::Row;

use super::sql::{execute, opt, rows};
use super::Client;
use crate::core::keystone::DomainRow;
use crate::core::Error;

const DOMAIN_COLS: &str = "id, name, description, enabled, tokens_valid_after, created_at";

fn domain(r: &Row) -> Result<DomainRow, Error> {
    Ok(DomainRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        description: r.try_get(2)?,
        enabled: r.try_get(3)?,
        tokens_valid_after: r.try_get(4)?,
        created_at: r.try_get(5)?,
    })
}

pub(super) async fn all(c: &Client) -> Result<Vec<DomainRow>, Error> {
    let sql = format!("SELECT {DOMAIN_COLS} FROM accounts ORDER BY name COLLATE \"C\"");
    rows(c, &sql, &[]).await?.iter().map(domain).collect()
}

pub(super) async fn get(c: &Client, id: &str) -> Result<Option<DomainRow>, Error> {
    let sql = format!("SELECT {DOMAIN_COLS} FROM accounts WHERE id = $1");
    opt(c, &sql, &[id.into()])
        .await?
        .as_ref()
        .map(domain)
        .transpose()
}

pub(super) async fn system_roles_of(c: &Client, user_id: &str) -> Result<Vec<String>, Error> {
    rows(
        c,
        "SELECT role_id FROM system_role_assignments WHERE user_id = $1 ORDER BY role_id",
        &[user_id.into()],
    )
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect()
}

/// A made id is its own key; a chosen one is stored as `{id}.{account}`.
pub(super) async fn accounts_of_group(c: &Client, id: &str) -> Result<Vec<String>, Error> {
    rows(
        c,
        "SELECT DISTINCT account_id FROM user_groups \
         WHERE id = $1 OR starts_with(id, $1 || '.') ORDER BY account_id",
        &[id.into()],
    )
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect()
}

pub(super) async fn update(c: &Client, d: &DomainRow) -> Result<bool, Error> {
    let n = execute(
        c,
        "UPDATE accounts SET name = $1, description = $2, enabled = $3, \
         tokens_valid_after = $4 WHERE id = $5",
        &[
            (&d.name).into(),
            (&d.description).into(),
            d.enabled.into(),
            d.tokens_valid_after.into(),
            (&d.id).into(),
        ],
    )
    .await?;
    Ok(n > 0)
}

async fn ids(c: &Client, sql: &str, account_id: &str) -> Result<Vec<String>, Error> {
    rows(c, sql, &[account_id.into()])
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}

/// Deletes the account and everything in it (`KeystoneWrite::delete_account`).
pub(super) async fn delete_account(c: &Client, account_id: &str) -> Result<bool, Error> {
    // the account's row first, locked: concurrent writers of the account wait for the end
    if opt(
        c,
        "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
        &[account_id.into()],
    )
    .await?
    .is_none()
    {
        return Ok(false);
    }
    // users and groups through their own deletions: counters, memberships, keys, grants
    // and policy attachments go with them
    let users = ids(c, "SELECT id FROM users WHERE account_id = $1", account_id).await?;
    super::users::delete_many(c, account_id, &users).await?;
    let groups = ids(
        c,
        "SELECT id FROM user_groups WHERE account_id = $1",
        account_id,
    )
    .await?;
    super::groups::delete_many(c, account_id, &groups).await?;
    for sql in [
        "DELETE FROM project_tags WHERE project_id IN \
         (SELECT id FROM projects WHERE account_id = $1)",
        "DELETE FROM role_assignments WHERE account_id = $1",
        "DELETE FROM user_role_assignments WHERE account_id = $1",
        "DELETE FROM system_role_assignments WHERE account_id = $1",
        "DELETE FROM export_chunks WHERE task_id IN \
         (SELECT id FROM export_tasks WHERE account_id = $1)",
        "DELETE FROM export_tasks WHERE account_id = $1",
        "DELETE FROM policy_attachments WHERE account_id = $1",
        "DELETE FROM identity_policy_versions WHERE policy_id IN \
         (SELECT id FROM identity_policies WHERE account_id = $1)",
        "DELETE FROM identity_policies WHERE account_id = $1",
        "DELETE FROM custom_roles WHERE account_id = $1",
        "DELETE FROM implied_roles WHERE prior_role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = $1) OR implied_role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = $1)",
        "DELETE FROM role_assignments WHERE role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = $1)",
        "DELETE FROM user_role_assignments WHERE role_id IN \
         (SELECT id FROM keystone_roles WHERE domain_id = $1)",
        "DELETE FROM keystone_roles WHERE domain_id = $1",
        "DELETE FROM quickbi_members WHERE account_id = $1",
        "DELETE FROM credentials WHERE account_id = $1",
        "DELETE FROM password_policies WHERE account_id = $1",
        "DELETE FROM login_policies WHERE account_id = $1",
        "DELETE FROM access_keys WHERE account_id = $1",
        "DELETE FROM projects WHERE account_id = $1",
        "DELETE FROM accounts WHERE id = $1",
    ] {
        execute(c, sql, &[account_id.into()]).await?;
    }
    Ok(true)
}

pub(super) async fn insert_system_role(
    c: &Client,
    account_id: &str,
    user_id: &str,
    role_id: &str,
    now: i64,
) -> Result<bool, Error> {
    let n = execute(
        c,
        "INSERT INTO system_role_assignments (account_id, user_id, role_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        &[
            account_id.into(),
            user_id.into(),
            role_id.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(n > 0)
}

pub(super) async fn delete_system_role(
    c: &Client,
    user_id: &str,
    role_id: &str,
) -> Result<bool, Error> {
    let n = execute(
        c,
        "DELETE FROM system_role_assignments WHERE user_id = $1 AND role_id = $2",
        &[user_id.into(), role_id.into()],
    )
    .await?;
    Ok(n > 0)
}
