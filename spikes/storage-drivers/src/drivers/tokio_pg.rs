//! (b2, async) tokio-postgres with a deadpool-postgres pool; deadpool keeps a
//! prepared-statement cache per connection (`prepare_cached`). One connection per call.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::pg_rows::{group_row, name_pair, page_args, user_row};
use super::{Driver, Result, Target};
use crate::model::{groups_listing, users_listing, Output};
use crate::sql::{Dialect, Query, Statements, COUNTS};

pub struct TokioPg {
    pool: Pool,
    sql: Statements,
    account: String,
}

impl TokioPg {
    pub fn connect(target: &Target, pool_size: u32) -> Result<TokioPg> {
        let Target::Postgres { url, account } = target else {
            unreachable!()
        };
        let mut config = tokio_postgres::Config::from_str(url)?;
        config.options("-c default_transaction_read_only=on");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // `Fast`: no round trip to check a connection when it is handed out
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size as usize)
            .build()?;
        Ok(TokioPg {
            pool,
            sql: Statements::new(Dialect::Postgres),
            account: account.clone(),
        })
    }
}

impl Driver for TokioPg {
    fn name(&self) -> &'static str {
        "tokio-postgres + deadpool"
    }

    async fn call(&self, q: Query) -> Result<Output> {
        let (text, keyword) = self.sql.page(q);
        let search = keyword.is_some();
        let mut client = self.pool.get().await?;
        let page = client.prepare_cached(text).await?;
        let counts = client.prepare_cached(COUNTS).await?;
        let tx = client.transaction().await?;
        let rows = tx.query(&page, &page_args(&self.account, &keyword)).await?;
        let total: Option<i64> = if search {
            None
        } else {
            let r = tx.query_one(&counts, &[&self.account]).await?;
            Some(r.try_get(if q.is_groups() { 1 } else { 0 })?)
        };
        tx.commit().await?;
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
            let st = client
                .prepare_cached(&self.sql.group_names(rows.len()))
                .await?;
            let ids: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                rows.iter().map(|r| &r.id as _).collect();
            names = client
                .query(&st, &ids)
                .await?
                .iter()
                .map(name_pair)
                .collect::<Result<_, _>>()?;
        }
        Ok(Output::Users(users_listing(rows, total, names)))
    }
}
