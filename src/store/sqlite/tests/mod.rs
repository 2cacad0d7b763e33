//! Real-database tests: a fresh SQLite file made and filled by today's sqlx code, then the
//! native driver's answers compared with today's functions'.

mod ranges;
mod reads;
mod writes;

use crate::store::read_cases::record;
pub(super) use crate::store::read_cases::UserSpec;
use std::path::PathBuf;

use sqlx::pool::PoolConnection;
use sqlx::Any;

use super::SqliteStore;
use crate::core::exports::ExportTask;
use crate::core::ids;
use crate::core::model::{Account, Group, Project};
use crate::store::{self, credentials, Db};

/// A database in a temporary directory with two accounts, `a` and `b`.
pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub db: Db,
    pub a: String,
    pub b: String,
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
        let mut f = Fixture {
            _dir: dir,
            path,
            db,
            a: String::new(),
            b: String::new(),
            project_a: String::new(),
        };
        f.a = f.account("alpha").await;
        f.b = f.account("beta").await;
        f.project_a = f.project(&f.a.clone(), "p-alpha").await;
        f
    }

    pub async fn conn(&self) -> PoolConnection<Any> {
        self.db.pool.acquire().await.unwrap()
    }

    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.path, &Default::default()).unwrap()
    }

    async fn account(&self, name: &str) -> String {
        let a = Account {
            id: ids::new_id(),
            name: name.into(),
            created_at: 1_700_000_000_000,
        };
        store::accounts::insert(&mut *self.conn().await, &a)
            .await
            .unwrap();
        a.id
    }

    async fn project(&self, account_id: &str, name: &str) -> String {
        let p = Project {
            id: ids::new_id(),
            account_id: account_id.into(),
            name: name.into(),
            created_at: 1_700_000_000_001,
        };
        store::accounts::insert_project(&mut *self.conn().await, &p)
            .await
            .unwrap();
        p.id
    }

    /// Inserts users (today's code) and returns their ids.
    pub async fn users(&self, account_id: &str, users: &[UserSpec<'_>]) -> Vec<String> {
        let records: Vec<store::users::UserRecord> = users
            .iter()
            .enumerate()
            .map(|(i, u)| record(account_id, i as i64, u))
            .collect();
        let mut conn = self.conn().await;
        for chunk in records.chunks(500) {
            store::users::insert_many(&mut conn, chunk).await.unwrap();
        }
        records.into_iter().map(|r| r.id).collect()
    }

    /// Inserts a group (today's code) under `parent` (a group of the same account).
    pub async fn group(
        &self,
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
        let g = Group {
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
        };
        let mut conn = self.conn().await;
        store::groups::insert(&mut conn, &g).await.unwrap();
        store::groups::get(&mut conn, account_id, &g.id)
            .await
            .unwrap()
            .unwrap()
    }

    pub async fn add(&self, account_id: &str, group_id: &str, users: &[String]) {
        let mut users = users.to_vec();
        users.sort();
        store::memberships::add(&mut *self.conn().await, account_id, group_id, &users, 5)
            .await
            .unwrap();
    }

    pub async fn access_key(&self, account_id: &str, user_id: &str, key: &str, active: bool) {
        let k = credentials::AccessKeyRow {
            access_key: key.into(),
            account_id: account_id.into(),
            user_id: user_id.into(),
            secret_sealed: format!("sealed-{key}"),
            active,
        };
        credentials::insert(&mut *self.conn().await, &k, 7)
            .await
            .unwrap();
    }

    pub async fn export_task(&self, id: &str, file_name: &str, created_at: i64) {
        let t = ExportTask {
            id: id.into(),
            account_id: self.a.clone(),
            project_id: self.project_a.clone(),
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
        store::exports::insert(&mut *self.conn().await, &t)
            .await
            .unwrap();
    }
}
