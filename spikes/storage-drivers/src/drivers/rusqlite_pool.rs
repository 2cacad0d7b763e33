//! (b1) rusqlite with an r2d2 pool: `prepare_cached`, columns read by index, the whole call
//! (read transaction for page and total, then the group names) in one
//! `tokio::task::spawn_blocking` on one pooled connection.
//!
//! `Bare` runs the same statements on the same pool but only steps the rows (no column is
//! read, nothing is built): what SQLite itself costs, plus one spawn_blocking hop.

use std::sync::Arc;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{params_from_iter, OpenFlags, Row, ToSql};

use super::{Driver, Result, Target};
use crate::model::{groups_listing, users_listing, GroupRow, Output, UserRow};
use crate::sql::{Dialect, Query, Statements, COUNTS, PAGE_LIMIT, PAGE_OFFSET};

struct Inner {
    pool: Pool<SqliteConnectionManager>,
    sql: Statements,
    account: String,
}

#[derive(Clone)]
pub struct Rusqlite {
    inner: Arc<Inner>,
    bare: bool,
}

impl Rusqlite {
    pub fn connect(target: &Target, pool_size: u32, bare: bool) -> Result<Rusqlite> {
        let Target::Sqlite { path, account } = target else {
            unreachable!()
        };
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| c.execute_batch(super::SQLITE_PRAGMAS));
        let pool = Pool::builder().max_size(pool_size).build(manager)?;
        Ok(Rusqlite {
            inner: Arc::new(Inner {
                pool,
                sql: Statements::new(Dialect::Sqlite),
                account: account.clone(),
            }),
            bare,
        })
    }
}

impl Driver for Rusqlite {
    fn name(&self) -> &'static str {
        if self.bare {
            "SQLite engine only (rusqlite, rows stepped)"
        } else {
            "rusqlite + r2d2"
        }
    }

    async fn call(&self, q: Query) -> Result<Output> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            if this.bare {
                this.inner.bare(q)
            } else {
                this.inner.call(q)
            }
        })
        .await?
    }
}

fn group_row(r: &Row<'_>, search: bool) -> rusqlite::Result<GroupRow> {
    Ok(GroupRow {
        g_seq: r.get(0)?,
        g_id: r.get(1)?,
        g_account_id: r.get(2)?,
        g_name: r.get(3)?,
        g_description: r.get(4)?,
        g_platform_type: r.get(5)?,
        g_domain: r.get(6)?,
        g_parent_id: r.get(7)?,
        g_path: r.get(8)?,
        g_depth: r.get(9)?,
        g_user_quantity: r.get(10)?,
        g_created_by: r.get(11)?,
        g_updated_by: r.get(12)?,
        g_created_at: r.get(13)?,
        g_updated_at: r.get(14)?,
        p_id: r.get(15)?,
        p_account_id: r.get(16)?,
        p_name: r.get(17)?,
        p_description: r.get(18)?,
        p_platform_type: r.get(19)?,
        p_domain: r.get(20)?,
        p_created_at: r.get(21)?,
        total: if search { r.get(22)? } else { 0 },
    })
}

fn user_row(r: &Row<'_>, search: bool) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        account_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        email: r.get(5)?,
        phone: r.get(6)?,
        alias_name: r.get(7)?,
        active_type: r.get(8)?,
        platform_type: r.get(9)?,
        domain: r.get(10)?,
        enterprise_project_id: r.get(11)?,
        user_info_map: r.get(12)?,
        account_expires: r.get(13)?,
        password_hash: r.get(14)?,
        enable_change_password: r.get(15)?,
        next_login_change_password: r.get(16)?,
        password_never_expired: r.get(17)?,
        locked: r.get(18)?,
        disabled: r.get(19)?,
        is_root: r.get(20)?,
        created_at: r.get(21)?,
        updated_at: r.get(22)?,
        password_changed_at: r.get(23)?,
        tokens_valid_after: r.get(24)?,
        total: if search { r.get(25)? } else { 0 },
    })
}

/// The page's arguments: account, keyword (searches), limit, offset.
fn page_args<'a>(account: &'a String, keyword: &'a Option<&'a str>) -> Vec<&'a dyn ToSql> {
    let mut args: Vec<&dyn ToSql> = vec![account];
    if let Some(kw) = keyword {
        args.push(kw);
    }
    args.push(&PAGE_LIMIT);
    args.push(&PAGE_OFFSET);
    args
}

impl Inner {
    fn call(&self, q: Query) -> Result<Output> {
        let (text, keyword) = self.sql.page(q);
        let search = keyword.is_some();
        let mut conn = self.pool.get()?;
        let tx = conn.transaction()?;
        let kept = |tx: &rusqlite::Transaction<'_>| -> rusqlite::Result<Option<i64>> {
            if search {
                return Ok(None);
            }
            let col = if q.is_groups() { 1 } else { 0 };
            tx.prepare_cached(COUNTS)?
                .query_row([self.account.as_str()], |r| r.get(col))
                .map(Some)
        };
        if q.is_groups() {
            let rows = {
                let mut st = tx.prepare_cached(text)?;
                let rows = st
                    .query_map(params_from_iter(page_args(&self.account, &keyword)), |r| {
                        group_row(r, search)
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            };
            let total = kept(&tx)?;
            tx.commit()?;
            return Ok(Output::Groups(groups_listing(rows, total)));
        }
        let rows = {
            let mut st = tx.prepare_cached(text)?;
            let rows = st
                .query_map(params_from_iter(page_args(&self.account, &keyword)), |r| {
                    user_row(r, search)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        let total = kept(&tx)?;
        tx.commit()?;
        let mut names = Vec::new();
        if !rows.is_empty() {
            let mut st = conn.prepare_cached(&self.sql.group_names(rows.len()))?;
            names = st
                .query_map(params_from_iter(rows.iter().map(|r| r.id.as_str())), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
        }
        Ok(Output::Users(users_listing(rows, total, names)))
    }

    /// The same statements, rows stepped and not read (the user ids for the group names
    /// are the only columns read).
    fn bare(&self, q: Query) -> Result<Output> {
        let (text, keyword) = self.sql.page(q);
        let mut conn = self.pool.get()?;
        let tx = conn.transaction()?;
        let mut n = 0u64;
        let mut ids: Vec<String> = Vec::new();
        {
            let mut st = tx.prepare_cached(text)?;
            let mut rows = st.query(params_from_iter(page_args(&self.account, &keyword)))?;
            while let Some(r) = rows.next()? {
                n += 1;
                if !q.is_groups() {
                    ids.push(r.get(1)?);
                }
            }
        }
        if keyword.is_none() {
            let mut st = tx.prepare_cached(COUNTS)?;
            let mut rows = st.query([self.account.as_str()])?;
            while rows.next()?.is_some() {
                n += 1;
            }
        }
        tx.commit()?;
        if !ids.is_empty() {
            let mut st = conn.prepare_cached(&self.sql.group_names(ids.len()))?;
            let mut rows = st.query(params_from_iter(ids.iter()))?;
            while rows.next()?.is_some() {
                n += 1;
            }
        }
        Ok(Output::Rows(n))
    }
}
