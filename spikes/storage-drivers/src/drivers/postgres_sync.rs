//! (b2) the sync `postgres` crate with r2d2 (`r2d2_postgres`), a prepared-statement cache
//! per connection, the whole call in one `tokio::task::spawn_blocking` on one connection.
//! (`postgres::Client` drives its tokio-postgres connection on a runtime of its own, on
//! the blocking thread.)

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use postgres::{Client, NoTls, Statement};
use r2d2::{ManageConnection, Pool};
use r2d2_postgres::PostgresConnectionManager;

use super::pg_rows::{group_row, name_pair, page_args, user_row};
use super::{Driver, Result, Target};
use crate::model::{groups_listing, users_listing, Output};
use crate::sql::{Dialect, Query, Statements, COUNTS};

/// A pooled client and the statements prepared on it, by SQL text.
pub struct CachedClient {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl CachedClient {
    fn prepare(&mut self, sql: &str) -> Result<Statement> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

/// `r2d2_postgres`'s manager, with a statement cache on every connection it makes.
pub struct CachingManager(PostgresConnectionManager<NoTls>);

impl ManageConnection for CachingManager {
    type Connection = CachedClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<CachedClient, postgres::Error> {
        Ok(CachedClient {
            client: self.0.connect()?,
            statements: HashMap::new(),
        })
    }
    fn is_valid(&self, conn: &mut CachedClient) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }
    fn has_broken(&self, conn: &mut CachedClient) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}

struct Inner {
    pool: Pool<CachingManager>,
    sql: Statements,
    account: String,
}

#[derive(Clone)]
pub struct PostgresSync(Arc<Inner>);

impl PostgresSync {
    /// Connects off the async threads: `postgres::Client` blocks (and so does dropping it:
    /// the harness drops every driver in spawn_blocking).
    pub async fn connect(target: &Target, pool_size: u32) -> Result<PostgresSync> {
        let target = target.clone();
        tokio::task::spawn_blocking(move || Self::connect_blocking(&target, pool_size)).await?
    }

    fn connect_blocking(target: &Target, pool_size: u32) -> Result<PostgresSync> {
        let Target::Postgres { url, account } = target else {
            unreachable!()
        };
        let mut config = postgres::Config::from_str(url)?;
        config.options("-c default_transaction_read_only=on");
        let manager = CachingManager(PostgresConnectionManager::new(config, NoTls));
        let pool = Pool::builder().max_size(pool_size).build(manager)?;
        Ok(PostgresSync(Arc::new(Inner {
            pool,
            sql: Statements::new(Dialect::Postgres),
            account: account.clone(),
        })))
    }
}

impl Driver for PostgresSync {
    fn name(&self) -> &'static str {
        "postgres + r2d2 (sync)"
    }

    async fn call(&self, q: Query) -> Result<Output> {
        let this = self.0.clone();
        tokio::task::spawn_blocking(move || this.call(q)).await?
    }
}

impl Inner {
    fn call(&self, q: Query) -> Result<Output> {
        let (text, keyword) = self.sql.page(q);
        let search = keyword.is_some();
        let mut conn = self.pool.get()?;
        let page = conn.prepare(text)?;
        let counts = conn.prepare(COUNTS)?;
        let mut tx = conn.client.transaction()?;
        let rows = tx.query(&page, &page_args(&self.account, &keyword))?;
        let total: Option<i64> = if search {
            None
        } else {
            let r = tx.query_one(&counts, &[&self.account])?;
            Some(r.try_get(if q.is_groups() { 1 } else { 0 })?)
        };
        tx.commit()?;
        if q.is_groups() {
            let rows = rows
                .iter()
                .map(|r| group_row(r, search))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Output::Groups(groups_listing(rows, total)));
        }
        let rows = rows
            .iter()
            .map(|r| user_row(r, search))
            .collect::<Result<Vec<_>, _>>()?;
        let mut names = Vec::new();
        if !rows.is_empty() {
            let st = conn.prepare(&self.sql.group_names(rows.len()))?;
            let ids: Vec<&(dyn postgres::types::ToSql + Sync)> =
                rows.iter().map(|r| &r.id as _).collect();
            names = conn
                .client
                .query(&st, &ids)?
                .iter()
                .map(name_pair)
                .collect::<Result<_, _>>()?;
        }
        Ok(Output::Users(users_listing(rows, total, names)))
    }
}
