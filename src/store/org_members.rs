//! SQL for the Quick BI attributes of directory users (`quickbi_members`, migration 0005).
//! A user without a row has the defaults decided in `core::directory::org_members`.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::query::Sql;
use super::search::{self, Field};
use super::Backend;
use crate::core::model::{Listing, Page};

pub use crate::core::storage::MemberRow;

/// `[1, 2]` as `,1,2,`: one role is then matched with `LIKE '%,id,%'`.
fn wrap(ids: &[i64]) -> String {
    let inner: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(",{},", inner.join(","))
}

fn unwrap_ids(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|x| x.parse().ok()).collect()
}

/// Inserts or replaces the row of `m.user_id`.
pub async fn upsert(conn: &mut AnyConnection, m: &MemberRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quickbi_members (user_id, account_id, user_type, role_ids, copilot_modules, \
         aliyun_account_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (user_id) DO UPDATE SET user_type = excluded.user_type, \
         role_ids = excluded.role_ids, copilot_modules = excluded.copilot_modules, \
         aliyun_account_id = excluded.aliyun_account_id, updated_at = excluded.updated_at",
    )
    .bind(&m.user_id)
    .bind(&m.account_id)
    .bind(m.user_type)
    .bind(wrap(&m.role_ids))
    .bind(m.copilot_modules.join(","))
    .bind(&m.aliyun_account_id)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The rows of these users (those that have one), by user id.
pub async fn get_many(
    conn: &mut AnyConnection,
    user_ids: &[String],
) -> Result<HashMap<String, MemberRow>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in user_ids.chunks(500) {
        let mut sql = Sql::on(
            &*conn,
            "SELECT user_id, account_id, user_type, role_ids, copilot_modules, aliyun_account_id \
             FROM quickbi_members WHERE user_id IN (",
        );
        sql.bind_list(chunk).push(")");
        for r in sql.query().fetch_all(&mut *conn).await? {
            let modules: String = r.try_get("copilot_modules")?;
            let row = MemberRow {
                user_id: r.try_get("user_id")?,
                account_id: r.try_get("account_id")?,
                user_type: r.try_get("user_type")?,
                role_ids: unwrap_ids(&r.try_get::<String, _>("role_ids")?),
                copilot_modules: modules
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
                aliyun_account_id: r.try_get("aliyun_account_id")?,
            };
            out.insert(row.user_id.clone(), row);
        }
    }
    Ok(out)
}

pub use crate::core::storage::RoleHolder;

/// Users of the account holding `role_id`: those whose row lists it, and those without a row
/// whose default role (`root_default` for the root user, `default` for the others) it is.
/// `keyword` is a case-insensitive substring of the nick name (`alias_name`): what Quick BI's
/// reference says ListOrganizationRoleUsers' Keyword matches.
#[allow(clippy::too_many_arguments)]
pub async fn role_holders(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
    role_id: i64,
    root_default: i64,
    default: i64,
    keyword: Option<&str>,
    page: Page,
) -> Result<Listing<RoleHolder>, sqlx::Error> {
    let filter = |sql: &mut Sql| {
        sql.push(" WHERE u.account_id = ")
            .bind(account_id)
            .push(" AND (m.role_ids LIKE ")
            .bind(format!("%,{role_id},%"))
            .push(" OR (m.user_id IS NULL AND ((u.is_root = 1 AND ")
            .bind(root_default)
            .push(" = ")
            .bind(role_id)
            .push(") OR (u.is_root = 0 AND ")
            .bind(default)
            .push(" = ")
            .bind(role_id)
            .push("))))");
    };
    let from = "FROM users u LEFT JOIN quickbi_members m ON m.user_id = u.id";
    let mut count = Sql::on(&*conn, &format!("SELECT count(*) AS n {from}"));
    filter(&mut count);
    let mut rows = Sql::on(&*conn, &format!("SELECT u.id, u.name, u.alias_name {from}"));
    filter(&mut rows);
    if let Some(kw) = keyword.filter(|k| !k.is_empty()) {
        search::push_contains(&mut count, conn, backend, "u", &[Field::UserAlias], kw).await?;
        search::push_contains(&mut rows, conn, backend, "u", &[Field::UserAlias], kw).await?;
    }
    rows.push(" ORDER BY u.seq LIMIT ")
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let total: i64 = count.query().fetch_one(&mut *conn).await?.try_get("n")?;
    let items = rows
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(RoleHolder {
                user_id: r.try_get("id")?,
                name: r.try_get("name")?,
                alias_name: r.try_get("alias_name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Listing { total, items })
}
