//! SQL for accounts (domains, organizations) and their projects.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::query::Sql;

use crate::core::model::{Account, Project};

fn account(r: &AnyRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
    })
}

fn project(r: &AnyRow) -> Result<Project, sqlx::Error> {
    Ok(Project {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, a: &Account) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&a.id)
        .bind(&a.name)
        .bind(a.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// The seq of the next row of the account in `table` (`users` or `user_groups`) on SQLite:
/// one above the account's greatest (the last entry of the `(account_id, seq)` index), or
/// the first position of the account's range (`accounts.number << 40 | 1`, migration
/// 0011 of migrations/sqlite) when it has none. Further rows of one insert take the
/// following numbers. An account without a number (none such) gives 0, which the
/// table's range trigger refuses. PostgreSQL's seqs are identity columns: not called there.
pub async fn next_seq(
    conn: &mut AnyConnection,
    table: &str,
    account_id: &str,
) -> Result<i64, sqlx::Error> {
    debug_assert!(table == "users" || table == "user_groups");
    let number: Option<i64> = sqlx::query_scalar("SELECT number FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    let Some(number) = number else {
        return Ok(0);
    };
    let last: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT max(seq) FROM {table} WHERE account_id = $1"
    ))
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(last.unwrap_or(number << 40) + 1)
}

pub async fn insert_project(conn: &mut AnyConnection, p: &Project) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO projects (id, account_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&p.id)
        .bind(&p.account_id)
        .bind(&p.name)
        .bind(p.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(conn)
        .await
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query("SELECT id, name, created_at FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| account(&r))
        .transpose()
}

pub async fn get_by_name(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query("SELECT id, name, created_at FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?
        .map(|r| account(&r))
        .transpose()
}

pub async fn get_project(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<Project>, sqlx::Error> {
    sqlx::query("SELECT id, account_id, name, created_at FROM projects WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| project(&r))
        .transpose()
}

pub async fn projects_of(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Vec<Project>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, account_id, name, created_at FROM projects WHERE account_id = $1 ORDER BY created_at, id",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(project).collect()
}

/// Adds to the account's exact user and group numbers (same transaction as the change).
pub async fn adjust_counts(
    conn: &mut AnyConnection,
    account_id: &str,
    users: i64,
    groups: i64,
) -> Result<(), sqlx::Error> {
    if users != 0 || groups != 0 {
        sqlx::query(
            "UPDATE accounts SET user_count = user_count + $1, group_count = group_count + $2 WHERE id = $3",
        )
        .bind(users)
        .bind(groups)
        .bind(account_id)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// The account's (users, groups).
pub async fn counts(conn: &mut AnyConnection, account_id: &str) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query("SELECT user_count, group_count FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(conn)
        .await?;
    Ok((r.try_get("user_count")?, r.try_get("group_count")?))
}

/// How many of the items belong to each account.
pub fn per_account<'a>(accounts: impl Iterator<Item = &'a str>) -> Vec<(&'a str, i64)> {
    let mut out: Vec<(&str, i64)> = Vec::new();
    for a in accounts {
        match out.iter_mut().find(|(x, _)| *x == a) {
            Some((_, n)) => *n += 1,
            None => out.push((a, 1)),
        }
    }
    out
}

/// Which kept counter a table's rows count in.
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    Users,
    Groups,
}

/// Takes the rows `ids` of `kind` off their accounts' counters; call it just before
/// deleting them, in the same transaction.
pub async fn count_out(
    conn: &mut AnyConnection,
    kind: Counted,
    ids: &[String],
) -> Result<(), sqlx::Error> {
    let table = match kind {
        Counted::Users => "users",
        Counted::Groups => "user_groups",
    };
    let mut owners = Sql::on(
        &*conn,
        &format!("SELECT account_id FROM {table} WHERE id IN ("),
    );
    owners.bind_list(ids).push(")");
    let owners: Vec<String> = owners
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("account_id"))
        .collect::<Result<_, _>>()?;
    for (account, n) in per_account(owners.iter().map(String::as_str)) {
        match kind {
            Counted::Users => adjust_counts(conn, account, -n, 0).await?,
            Counted::Groups => adjust_counts(conn, account, 0, -n).await?,
        }
    }
    Ok(())
}
