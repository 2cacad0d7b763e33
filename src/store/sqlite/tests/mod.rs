//! Real-database tests: a fresh SQLite file made by `Db::migrate` and filled through the
//! native store's writes, then every read held to the answers computed in Rust from what was
//! written (`read_cases::Model`) or to values written out here.

mod authz;
mod ranges;
mod reads;
mod writes;

use crate::core::model::AccountId;
use crate::store::read_cases::record;
pub(super) use crate::store::read_cases::UserSpec;
use std::path::PathBuf;
use std::sync::Mutex;

use super::SqliteStore;
use crate::core::exports::ExportTask;
use crate::core::ids;
use crate::core::model::{Account, Group, Project};
use crate::core::storage::{AccessKeyRow, Storage, UserRecord, WriteTx};
use crate::core::Error;
use crate::store::Db;

/// A database in a temporary directory with two accounts, `a` and `b`.
pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    /// The store the fixture writes through.
    writer: SqliteStore,
    members: Mutex<Vec<(String, String, String)>>,
    pub a: AccountId,
    pub b: AccountId,
    pub project_a: String,
}

impl Fixture {
    pub async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.db");
        let db = Db::connect(&format!("sqlite://{}", path.display()), &Default::default())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        drop(db);
        let store = SqliteStore::open(&path, &Default::default()).unwrap();
        let mut f = Fixture {
            _dir: dir,
            path,
            writer: store,
            members: Mutex::new(Vec::new()),
            a: AccountId::default(),
            b: AccountId::default(),
            project_a: String::new(),
        };
        f.a = f.account("alpha").await;
        f.b = f.account("beta").await;
        f.project_a = f.project(&f.a.clone(), "p-alpha").await;
        f
    }

    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.path, &Default::default()).unwrap()
    }

    /// Runs `f` in one committed write transaction.
    pub fn write<T>(&self, f: impl FnOnce(&mut dyn WriteTx) -> Result<T, Error>) -> T {
        let mut tx = self.writer.write().unwrap();
        let out = f(&mut *tx).unwrap();
        tx.commit().unwrap();
        out
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

    async fn account(&self, name: &str) -> AccountId {
        let a = Account {
            id: ids::new_id().into(),
            name: name.into(),
            created_at: 1_700_000_000_000,
        };
        self.write(|tx| tx.insert_account(&a));
        a.id
    }

    async fn project(&self, account_id: &AccountId, name: &str) -> String {
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

    /// Inserts users and returns their records.
    pub async fn records(&self, account_id: &AccountId, users: &[UserSpec<'_>]) -> Vec<UserRecord> {
        let records: Vec<UserRecord> = users
            .iter()
            .enumerate()
            .map(|(i, u)| record(account_id, i as i64, u))
            .collect();
        for chunk in records.chunks(500) {
            self.write(|tx| tx.insert_users(chunk));
        }
        records
    }

    /// Inserts users and returns their ids.
    pub async fn users(&self, account_id: &AccountId, users: &[UserSpec<'_>]) -> Vec<String> {
        let records = self.records(account_id, users).await;
        records.into_iter().map(|r| r.id.into()).collect()
    }

    /// Inserts a group under `parent` (a group of the same account).
    pub async fn group(
        &self,
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
        let g = Group {
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
        };
        self.write(|tx| {
            tx.insert_groups(std::slice::from_ref(&g))?;
            Ok(tx.group(account_id, &g.id)?.unwrap())
        })
    }

    pub async fn add(&self, account_id: &AccountId, group_id: &str, users: &[String]) {
        let mut users = users.to_vec();
        users.sort();
        self.write(|tx| tx.add_members(account_id, group_id, &users, 5));
        let mut m = self.members.lock().unwrap();
        for u in users {
            m.push((account_id.to_string(), group_id.into(), u));
        }
    }

    pub async fn access_key(&self, account_id: &AccountId, user_id: &str, key: &str, active: bool) {
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

    pub async fn export_task(&self, id: &str, file_name: &str, created_at: i64) {
        let t = ExportTask {
            id: id.into(),
            account_id: self.a.clone(),
            project_id: self.project_a.clone().into(),
            kind: crate::core::exports::TaskKind::Users,
            spec: "{}".into(),
            file_name: file_name.into(),
            status: crate::core::exports::TaskStatus::Creating,
            fail_reason: None,
            error_code: None,
            created_at,
            end_time: None,
            is_download: false,
            attempts: 0,
            row_count: 0,
            file_size: 0,
            expires_at: None,
        };
        self.write(|tx| tx.insert_export_task(&t));
    }
}
