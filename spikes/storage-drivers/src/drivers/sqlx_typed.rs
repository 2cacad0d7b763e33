//! (a1) sqlx `SqlitePool` and (a2) sqlx `PgPool`: the same SQL, typed rows
//! (`query_as` into `#[derive(FromRow)]` structs), one connection per call (read
//! transaction for page and total, then the group names after the commit).
//!
//! The two drivers are one body over two concrete pools (a macro: sqlx's generic
//! `Database` bounds would hide the code that is measured).

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Acquire, PgPool, SqlitePool};

use super::{Driver, Result, Target};
use crate::model::{groups_listing, users_listing, GroupRow, Output, UserRow};
use crate::sql::{Dialect, Query, Statements, PAGE_LIMIT, PAGE_OFFSET};

macro_rules! typed_driver {
    ($name:ident, $pool:ty, $label:literal) => {
        pub struct $name {
            pool: $pool,
            sql: Statements,
            account: String,
        }

        impl Driver for $name {
            fn name(&self) -> &'static str {
                $label
            }

            async fn call(&self, q: Query) -> Result<Output> {
                let (text, keyword) = self.sql.page(q);
                let mut conn = self.pool.acquire().await?;
                let mut tx = conn.begin().await?;
                let kept = |counts: (i64, i64)| if q.is_groups() { counts.1 } else { counts.0 };
                macro_rules! page {
                    ($row:ty) => {{
                        let mut query = sqlx::query_as::<_, $row>(text).bind(self.account.as_str());
                        if let Some(kw) = keyword {
                            query = query.bind(kw);
                        }
                        let rows = query
                            .bind(PAGE_LIMIT)
                            .bind(PAGE_OFFSET)
                            .fetch_all(&mut *tx)
                            .await?;
                        let total = if q.is_search() {
                            None
                        } else {
                            let counts: (i64, i64) = sqlx::query_as(crate::sql::COUNTS)
                                .bind(self.account.as_str())
                                .fetch_one(&mut *tx)
                                .await?;
                            Some(kept(counts))
                        };
                        (rows, total)
                    }};
                }
                if q.is_groups() {
                    let (rows, total) = page!(GroupRow);
                    tx.commit().await?;
                    return Ok(Output::Groups(groups_listing(rows, total)));
                }
                let (rows, total) = page!(UserRow);
                tx.commit().await?;
                let mut names = Vec::new();
                if !rows.is_empty() {
                    let text = self.sql.group_names(rows.len());
                    let mut query = sqlx::query_as::<_, (String, String)>(&text);
                    for r in &rows {
                        query = query.bind(r.id.as_str());
                    }
                    names = query.fetch_all(&mut *conn).await?;
                }
                Ok(Output::Users(users_listing(rows, total, names)))
            }
        }
    };
}

typed_driver!(SqlxSqlite, SqlitePool, "sqlx SqlitePool");
typed_driver!(SqlxPg, PgPool, "sqlx PgPool");

impl SqlxSqlite {
    pub async fn connect(target: &Target, pool_size: u32) -> Result<SqlxSqlite> {
        let Target::Sqlite { path, account } = target else {
            unreachable!()
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .pragma("mmap_size", super::SQLITE_MMAP_BYTES.to_string())
            .pragma("cache_size", format!("-{}", super::SQLITE_CACHE_KIB))
            .pragma("temp_store", "MEMORY")
            .pragma("busy_timeout", "10000");
        let pool = SqlitePoolOptions::new()
            .max_connections(pool_size)
            .connect_with(options)
            .await?;
        Ok(SqlxSqlite {
            pool,
            sql: Statements::new(Dialect::Sqlite),
            account: account.clone(),
        })
    }
}

impl SqlxPg {
    pub async fn connect(target: &Target, pool_size: u32) -> Result<SqlxPg> {
        let Target::Postgres { url, account } = target else {
            unreachable!()
        };
        let options =
            PgConnectOptions::from_str(url)?.options([("default_transaction_read_only", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(pool_size)
            .connect_with(options)
            .await?;
        Ok(SqlxPg {
            pool,
            sql: Statements::new(Dialect::Postgres),
            account: account.clone(),
        })
    }
}
