//! Quick BI attributes, the IAM face's state and signature nonces on tokio-postgres.

use std::collections::HashMap;

use super::search;
use super::sql::{execute, opt, rows, Sql};
use super::Client;
use crate::core::model::{Listing, Page};
use crate::core::storage::{MemberRow, RoleHolder, TokenKeyRow};
use crate::core::Error;
use crate::store::common::Field;

/// `[1, 2]` as `,1,2,`: one role is then matched with `LIKE '%,id,%'`.
fn wrap(ids: &[i64]) -> String {
    let inner: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(",{},", inner.join(","))
}

/// Inserts or replaces the Quick BI row of `m.user_id`.
pub(super) async fn upsert_org_member(c: &Client, m: &MemberRow, now: i64) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO quickbi_members (user_id, account_id, user_type, role_ids, copilot_modules, \
         aliyun_account_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (user_id) DO UPDATE SET user_type = excluded.user_type, \
         role_ids = excluded.role_ids, copilot_modules = excluded.copilot_modules, \
         aliyun_account_id = excluded.aliyun_account_id, updated_at = excluded.updated_at",
        &[
            (&m.user_id).into(),
            (&m.account_id).into(),
            m.user_type.into(),
            wrap(&m.role_ids).into(),
            m.copilot_modules.join(",").into(),
            (&m.aliyun_account_id).into(),
            now.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// The rows of those of `user_ids` that have one, by user id.
pub(super) async fn org_members(
    c: &Client,
    user_ids: &[String],
) -> Result<HashMap<String, MemberRow>, Error> {
    let mut out = HashMap::new();
    if user_ids.is_empty() {
        return Ok(out);
    }
    for r in rows(
        c,
        "SELECT user_id, account_id, user_type, role_ids, copilot_modules, aliyun_account_id \
         FROM quickbi_members WHERE user_id = ANY($1)",
        &[user_ids.into()],
    )
    .await?
    {
        let roles: String = r.try_get(3)?;
        let modules: String = r.try_get(4)?;
        let row = MemberRow {
            user_id: r.try_get(0)?,
            account_id: r.try_get(1)?,
            user_type: r.try_get(2)?,
            role_ids: roles.split(',').filter_map(|x| x.parse().ok()).collect(),
            copilot_modules: modules
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
            aliyun_account_id: r.try_get(5)?,
        };
        out.insert(row.user_id.to_string(), row);
    }
    Ok(out)
}

/// Users of the account holding `role_id` (see `ReadTx::role_holders`), with
/// their number.
#[allow(clippy::too_many_arguments)]
pub(super) async fn role_holders(
    c: &Client,
    account_id: &str,
    role_id: i64,
    root_default: i64,
    default: i64,
    keyword: Option<&str>,
    page: Page,
) -> Result<Listing<RoleHolder>, Error> {
    let mut sql = Sql::new(" FROM users u LEFT JOIN quickbi_members m ON m.user_id = u.id");
    sql.push(" WHERE u.account_id = ")
        .bind(account_id)
        .push(" AND (m.role_ids LIKE ")
        .bind(format!("%,{role_id},%"))
        .push(" OR (m.user_id IS NULL AND ((u.is_root AND ")
        .bind(root_default)
        .push(" = ")
        .bind(role_id)
        .push(") OR (NOT u.is_root AND ")
        .bind(default)
        .push(" = ")
        .bind(role_id)
        .push("))))");
    if let Some(kw) = keyword.filter(|k| !k.is_empty()) {
        search::push_contains(&mut sql, "u", &[Field::UserAlias], kw);
    }
    let count = sql.with_text(format!("SELECT count(*){}", sql.text));
    let total: i64 = count.one(c).await?.try_get(0)?;
    let mut select = sql.with_text(format!("SELECT u.id, u.name, u.alias_name{}", sql.text));
    select
        .push(" ORDER BY u.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let items = select
        .rows(c)
        .await?
        .iter()
        .map(|r| {
            Ok(RoleHolder {
                user_id: r.try_get(0)?,
                name: r.try_get(1)?,
                alias_name: r.try_get(2)?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Listing { total, items })
}

/// Every token key, the newest (the primary) first.
pub(super) async fn token_keys(c: &Client) -> Result<Vec<TokenKeyRow>, Error> {
    rows(
        c,
        "SELECT id, key_sealed, created_at FROM token_keys ORDER BY created_at DESC, id DESC",
        &[],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(TokenKeyRow {
            id: r.try_get(0)?,
            key_sealed: r.try_get(1)?,
            created_at: r.try_get(2)?,
        })
    })
    .collect()
}

pub(super) async fn insert_token_key(c: &Client, k: &TokenKeyRow) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO token_keys (id, key_sealed, created_at) VALUES ($1, $2, $3)",
        &[(&k.id).into(), (&k.key_sealed).into(), k.created_at.into()],
    )
    .await?;
    Ok(())
}

pub(super) async fn delete_token_key(c: &Client, id: &str) -> Result<(), Error> {
    execute(c, "DELETE FROM token_keys WHERE id = $1", &[id.into()]).await?;
    Ok(())
}

/// Records a revocation; revoking twice is not an error.
pub(super) async fn revoke(
    c: &Client,
    token_id: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO revoked_tokens (token_id, expires_at, revoked_at) VALUES ($1, $2, $3) \
         ON CONFLICT (token_id) DO NOTHING",
        &[token_id.into(), expires_at.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// (token id, expires_at) of the unexpired tokens revoked at or after `since`.
pub(super) async fn revoked_since(
    c: &Client,
    now: i64,
    since: i64,
) -> Result<Vec<(String, i64)>, Error> {
    rows(
        c,
        "SELECT token_id, expires_at FROM revoked_tokens WHERE expires_at > $1 AND revoked_at >= $2",
        &[now.into(), since.into()],
    )
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect()
}

/// Drops revocations of tokens that have expired anyway.
pub(super) async fn purge_revoked(c: &Client, now: i64) -> Result<u64, Error> {
    execute(
        c,
        "DELETE FROM revoked_tokens WHERE expires_at <= $1",
        &[now.into()],
    )
    .await
}

/// (window_start, failures) of a subject, if it has a row.
pub(super) async fn login_failures(c: &Client, subject: &str) -> Result<Option<(i64, i64)>, Error> {
    match opt(
        c,
        "SELECT window_start, failures FROM login_failures WHERE subject = $1",
        &[subject.into()],
    )
    .await?
    {
        Some(r) => Ok(Some((r.try_get(0)?, r.try_get(1)?))),
        None => Ok(None),
    }
}

/// Counts one failure of `subject`: a window that started at or before `stale_before` is
/// over, and the count starts again at 1 in a new window starting `now`.
pub(super) async fn add_login_failure(
    c: &Client,
    subject: &str,
    now: i64,
    stale_before: i64,
) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO login_failures (subject, window_start, failures) VALUES ($1, $2, 1) \
         ON CONFLICT (subject) DO UPDATE SET \
           failures = CASE WHEN login_failures.window_start <= $3 THEN 1 \
                           ELSE login_failures.failures + 1 END, \
           window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 \
                               ELSE login_failures.window_start END",
        &[subject.into(), now.into(), stale_before.into()],
    )
    .await?;
    Ok(())
}

pub(super) async fn clear_login_failures(c: &Client, subject: &str) -> Result<(), Error> {
    execute(
        c,
        "DELETE FROM login_failures WHERE subject = $1",
        &[subject.into()],
    )
    .await?;
    Ok(())
}

/// Drops counters whose window is over.
pub(super) async fn purge_login_failures(c: &Client, stale_before: i64) -> Result<u64, Error> {
    execute(
        c,
        "DELETE FROM login_failures WHERE window_start <= $1 AND locked_until <= $1",
        &[stale_before.into()],
    )
    .await
}

/// Records `nonce` for `access_key` until `expires_at`; false when it is already recorded
/// (a replay). One statement, so two nodes racing with the same nonce cannot both win.
pub(super) async fn claim_nonce(
    c: &Client,
    access_key: &str,
    nonce: &str,
    expires_at: i64,
) -> Result<bool, Error> {
    Ok(execute(
        c,
        "INSERT INTO acs_nonces (access_key, nonce, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
        &[access_key.into(), nonce.into(), expires_at.into()],
    )
    .await?
        == 1)
}

/// Forgets the nonces whose requests are out of the clock window anyway.
pub(super) async fn purge_nonces(c: &Client, now: i64) -> Result<u64, Error> {
    execute(
        c,
        "DELETE FROM acs_nonces WHERE expires_at < $1",
        &[now.into()],
    )
    .await
}
