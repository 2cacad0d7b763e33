//! Real-database tests on PostgreSQL (run with `ROSTER_TEST_DATABASE=postgres`; server from
//! `ROSTER_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432): a fresh database
//! made by `Db::migrate`, and beside it a SQLite file (`mirror`) that every write of the
//! fixture also goes to. Lists and scans are held to the answers `read_cases::Model`
//! computes in Rust; every other read must answer as the SQLite driver's (whose reads are
//! held to the written values in `sqlite::tests`), seqs aside (PostgreSQL numbers rows with
//! one identity, SQLite in per-account ranges).
//!
//! The PostgreSQL store is blocking and waits on the runtime (`Handle::block_on`), so the
//! tests run on a multi-thread runtime and call it inside `block_in_place`, as the core
//! calls it on blocking threads.

mod authz;
mod reads;
mod timing;
mod writes;

use crate::core::model::AccountId;
pub(super) use crate::store::read_cases::{record, UserSpec};
use std::fmt::Debug;

use std::sync::Mutex;

use super::PostgresStore;
use crate::core::ids;
use crate::core::model::{Account, Group, Project};
use crate::core::storage::{AccessKeyRow, ReadTx, Storage, UserRecord, WriteTx};
use crate::core::Error;
use crate::store::sqlite::SqliteStore;
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
                let url = format!("{}/postgres", server());
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .expect("PostgreSQL for the tests");
                let io = tokio::spawn(connection);
                client.batch_execute(&sql).await.expect(&sql);
                drop(client);
                let _ = io.await;
            })
    })
    .join()
    .unwrap();
}

/// A throwaway database with two accounts, `a` and `b`, the native store on it, and the
/// SQLite `mirror` that every write of the fixture (`write`) goes to as well.
pub(super) struct Fixture {
    name: String,
    _dir: tempfile::TempDir,
    pub mirror: SqliteStore,
    pub native: PostgresStore,
    members: Mutex<Vec<(String, String, String)>>,
    pub a: AccountId,
    pub b: AccountId,
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
        let db = Db::connect(&url, &Default::default()).await.unwrap();
        db.migrate().await.unwrap();
        drop(db);
        let native = PostgresStore::open(&url, &Default::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = format!("sqlite://{}", dir.path().join("mirror.db").display());
        let db = Db::connect(&file, &Default::default()).await.unwrap();
        db.migrate().await.unwrap();
        drop(db);
        let mirror = SqliteStore::open(&dir.path().join("mirror.db"), &Default::default()).unwrap();
        let mut f = Fixture {
            name,
            _dir: dir,
            mirror,
            native,
            members: Mutex::new(Vec::new()),
            a: AccountId::default(),
            b: AccountId::default(),
            project_a: String::new(),
        };
        f.a = f.account("alpha");
        f.b = f.account("beta");
        let a = f.a.clone();
        f.project_a = f.project(&a, "p-alpha");
        f
    }

    /// Runs `f` in one committed write transaction of the mirror, then of the native
    /// store; returns the native store's answer.
    pub fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T, Error>) -> T {
        write(&self.mirror, &mut f);
        write(&self.native, f)
    }

    /// The memberships written through `add` in `account`: (group id, user id).
    pub fn members_of(&self, account: &str) -> Vec<(String, String)> {
        self.members
            .lock()
            .unwrap()
            .iter()
            .filter(|(a, _, _)| a == account)
            .map(|(_, g, u)| (g.clone(), u.clone()))
            .collect()
    }

    /// `f` read through both stores (a read transaction each): the native answer, which
    /// must show as the mirror's does (seqs aside: see the module's documentation).
    pub fn same<T: Debug>(&self, what: &str, f: impl Fn(&mut dyn ReadTx) -> Result<T, Error>) -> T {
        let mirror = read(&self.mirror, &f);
        let ours = read(&self.native, &f);
        assert_eq!(
            without_seqs(&format!("{ours:?}")),
            without_seqs(&format!("{mirror:?}")),
            "{what}"
        );
        ours
    }

    fn account(&self, name: &str) -> AccountId {
        let a = Account {
            id: ids::new_id().into(),
            name: name.into(),
            created_at: 1_700_000_000_000,
        };
        self.write(|tx| tx.insert_account(&a));
        a.id
    }

    fn project(&self, account_id: &AccountId, name: &str) -> String {
        let p = Project {
            id: ids::new_id().into(),
            account_id: account_id.into(),
            name: name.into(),
            created_at: 1_700_000_000_001,
            description: String::new(),
            enabled: true,
            parent_id: None,
            tags: Vec::new(),
        };
        self.write(|tx| tx.insert_project(&p));
        p.id.into()
    }

    /// Inserts users through both stores; returns their ids.
    pub fn users(&self, account_id: &AccountId, users: &[UserSpec<'_>]) -> Vec<String> {
        let records: Vec<UserRecord> = users
            .iter()
            .enumerate()
            .map(|(i, u)| record(account_id, i as i64, u))
            .collect();
        for chunk in records.chunks(500) {
            self.write(|tx| tx.insert_users(chunk));
        }
        records.into_iter().map(|r| r.id.into()).collect()
    }

    /// Inserts a group through both stores under `parent` (of the same account).
    pub fn group(
        &self,
        account_id: &AccountId,
        id: Option<&str>,
        name: &str,
        parent: Option<&Group>,
    ) -> Group {
        let g = group(account_id, id, name, parent);
        self.write(|tx| {
            tx.insert_groups(std::slice::from_ref(&g))?;
            Ok(tx.group(account_id, &g.id)?.unwrap())
        })
    }

    pub fn add(&self, account_id: &AccountId, group_id: &str, users: &[String]) {
        let mut users = users.to_vec();
        users.sort();
        self.write(|tx| tx.add_members(account_id, group_id, &users, 5));
        let mut m = self.members.lock().unwrap();
        for u in users {
            m.push((account_id.to_string(), group_id.into(), u));
        }
    }

    pub fn access_key(&self, account_id: &AccountId, user_id: &str, key: &str, active: bool) {
        let k = AccessKeyRow {
            access_key: key.into(),
            account_id: account_id.into(),
            user_id: user_id.into(),
            secret_sealed: format!("sealed-{key}"),
            active,
            is_root: false,
            description: format!("key {key}"),
        };
        self.write(|tx| tx.insert_access_key(&k, 7));
    }
}

/// `text` (a value's `Debug`) with every `seq: N` as `seq: _`.
fn without_seqs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("seq: ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        out.push('_');
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
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
    account_id: &AccountId,
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
        id: id.into(),
        account_id: account_id.into(),
        name: name.into(),
        description: format!("about {name}"),
        platform_type: if name.len().is_multiple_of(2) {
            crate::core::model::PlatformType::Local
        } else {
            crate::core::model::PlatformType::Ad
        },
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
