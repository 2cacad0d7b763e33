//! Real-database tests on PostgreSQL (run with `ROSTER_TEST_DATABASE=postgres`; server from
//! `ROSTER_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432): a fresh database
//! made and filled by the sqlx store (`store::legacy`), then the native driver's answers
//! compared with the sqlx store's on the same database.
//!
//! Both stores are blocking and wait on the runtime (`Handle::block_on`), so the tests run
//! on a multi-thread runtime and call them inside `block_in_place`, as the core calls them
//! on blocking threads.

mod reads;
mod timing;
mod writes;

pub(super) use crate::store::read_cases::{record, UserSpec};
use std::fmt::Debug;

use super::PostgresStore;
use crate::core::ids;
use crate::core::model::{Account, Group, Project};
use crate::core::storage::{AccessKeyRow, ReadTx, Storage, UserRecord, WriteTx};
use crate::core::Error;
use crate::store::Db;

/// Whether these tests run (they need a PostgreSQL server).
pub(super) fn selected() -> bool {
    std::env::var("ROSTER_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

fn server() -> String {
    std::env::var("ROSTER_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Runs `sql` on the server's `postgres` database, on a thread and runtime of its own (so
/// that it also works from `Drop`).
fn admin(sql: String) {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                use sqlx::Connection;
                sqlx::any::install_default_drivers();
                let mut c = sqlx::AnyConnection::connect(&format!("{}/postgres", server()))
                    .await
                    .expect("PostgreSQL for the tests");
                sqlx::raw_sql(&sql).execute(&mut c).await.expect(&sql);
            })
    })
    .join()
    .unwrap();
}

/// A throwaway database with two accounts, `a` and `b`, and both stores on it: `legacy`
/// (the sqlx store, which fills it) and `native`.
pub(super) struct Fixture {
    name: String,
    pub legacy: Db,
    pub native: PostgresStore,
    pub a: String,
    pub b: String,
    pub project_a: String,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        admin(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

impl Fixture {
    pub async fn new() -> Fixture {
        let name = format!("roster_unit_{}", ids::new_id());
        admin(format!("CREATE DATABASE {name}"));
        let url = format!("{}/{name}", server());
        let legacy = Db::connect(&url, &Default::default()).await.unwrap();
        legacy.migrate().await.unwrap();
        let native = PostgresStore::open(&url, &Default::default()).unwrap();
        let mut f = Fixture {
            name,
            legacy,
            native,
            a: String::new(),
            b: String::new(),
            project_a: String::new(),
        };
        f.a = f.account("alpha");
        f.b = f.account("beta");
        let a = f.a.clone();
        f.project_a = f.project(&a, "p-alpha");
        f
    }

    /// Runs `f` in one write transaction of the sqlx store, committed.
    pub fn legacy_write<T>(&self, f: impl FnOnce(&mut dyn WriteTx) -> Result<T, Error>) -> T {
        write(&self.legacy, f)
    }

    /// Runs `f` in one write transaction of the native store, committed.
    pub fn native_write<T>(&self, f: impl FnOnce(&mut dyn WriteTx) -> Result<T, Error>) -> T {
        write(&self.native, f)
    }

    /// `f` read through both stores (a read transaction each): the native answer, which
    /// must show as the sqlx store's does.
    pub fn same<T: Debug>(&self, what: &str, f: impl Fn(&mut dyn ReadTx) -> Result<T, Error>) -> T {
        let today = read(&self.legacy, &f);
        let ours = read(&self.native, &f);
        assert_eq!(format!("{ours:?}"), format!("{today:?}"), "{what}");
        ours
    }

    fn account(&self, name: &str) -> String {
        let a = Account {
            id: ids::new_id(),
            name: name.into(),
            created_at: 1_700_000_000_000,
        };
        self.legacy_write(|tx| tx.insert_account(&a));
        a.id
    }

    fn project(&self, account_id: &str, name: &str) -> String {
        let p = Project {
            id: ids::new_id(),
            account_id: account_id.into(),
            name: name.into(),
            created_at: 1_700_000_000_001,
        };
        self.legacy_write(|tx| tx.insert_project(&p));
        p.id
    }

    /// Inserts users through the sqlx store; returns their ids.
    pub fn users(&self, account_id: &str, users: &[UserSpec<'_>]) -> Vec<String> {
        let records: Vec<UserRecord> = users
            .iter()
            .enumerate()
            .map(|(i, u)| record(account_id, i as i64, u))
            .collect();
        for chunk in records.chunks(500) {
            self.legacy_write(|tx| tx.insert_users(chunk));
        }
        records.into_iter().map(|r| r.id).collect()
    }

    /// Inserts a group through the sqlx store under `parent` (of the same account).
    pub fn group(
        &self,
        account_id: &str,
        id: Option<&str>,
        name: &str,
        parent: Option<&Group>,
    ) -> Group {
        let g = group(account_id, id, name, parent);
        self.legacy_write(|tx| {
            tx.insert_groups(std::slice::from_ref(&g))?;
            Ok(tx.group(account_id, &g.id)?.unwrap())
        })
    }

    pub fn add(&self, account_id: &str, group_id: &str, users: &[String]) {
        let mut users = users.to_vec();
        users.sort();
        self.legacy_write(|tx| tx.add_members(account_id, group_id, &users, 5));
    }

    pub fn access_key(&self, account_id: &str, user_id: &str, key: &str, active: bool) {
        let k = AccessKeyRow {
            access_key: key.into(),
            account_id: account_id.into(),
            user_id: user_id.into(),
            secret_sealed: format!("sealed-{key}"),
            active,
        };
        self.legacy_write(|tx| tx.insert_access_key(&k, 7));
    }
}

/// Runs `f` in a committed write transaction of `store`.
pub(super) fn write<T>(
    store: &dyn Storage,
    f: impl FnOnce(&mut dyn WriteTx) -> Result<T, Error>,
) -> T {
    tokio::task::block_in_place(|| {
        let mut tx = store.write().unwrap();
        let out = f(&mut *tx).unwrap();
        tx.commit().unwrap();
        out
    })
}

/// Runs `f` in a read transaction of `store`.
pub(super) fn read<T>(store: &dyn Storage, f: impl Fn(&mut dyn ReadTx) -> Result<T, Error>) -> T {
    tokio::task::block_in_place(|| {
        let mut tx = store.read().unwrap();
        let out = f(&mut *tx).unwrap();
        tx.finish().unwrap();
        out
    })
}

/// A group as the core makes one, under `parent`.
pub(super) fn group(
    account_id: &str,
    id: Option<&str>,
    name: &str,
    parent: Option<&Group>,
) -> Group {
    let id = id.map_or_else(ids::new_id, str::to_string);
    let (path, depth) = match parent {
        Some(p) => (format!("{}/{id}", p.path), p.depth + 1),
        None => (id.clone(), 1),
    };
    Group {
        seq: 0,
        id,
        account_id: account_id.into(),
        name: name.into(),
        description: format!("about {name}"),
        platform_type: if name.len().is_multiple_of(2) {
            "LOCAL"
        } else {
            "AD"
        }
        .into(),
        domain: "corp".into(),
        parent_id: parent.map(|p| p.id.clone()),
        path,
        depth,
        user_quantity: 0,
        created_by: "admin".into(),
        updated_by: "admin".into(),
        created_at: 1_700_000_100_000,
        updated_at: 1_700_000_100_000,
        parent: None,
    }
}
