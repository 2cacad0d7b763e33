//! The drivers under test. Each runs the four calls' SQL (`crate::sql`) and returns the
//! decoded page (`crate::model`); the harness serializes it.

use std::future::Future;
use std::path::PathBuf;

pub mod any;
pub mod pg_rows;
pub mod postgres_sync;
pub mod rusqlite_pool;
pub mod sqlx_typed;
pub mod tokio_pg;

use crate::model::Output;
use crate::sql::Query;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A seeded database and the account whose data is listed.
#[derive(Debug, Clone)]
pub enum Target {
    Sqlite { path: PathBuf, account: String },
    Postgres { url: String, account: String },
}

impl Target {
    pub fn account(&self) -> &str {
        match self {
            Target::Sqlite { account, .. } | Target::Postgres { account, .. } => account,
        }
    }
}

pub trait Driver: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// One API call's reads: page, total, (users) group names; decoded into the model.
    fn call(&self, q: Query) -> impl Future<Output = Result<Output>> + Send;
}

/// The project's per-connection SQLite settings (src/store/mod.rs `PoolSettings` defaults),
/// less those that write (`journal_mode`, `synchronous`, `foreign_keys`: the file is opened
/// read-only and is already in WAL mode).
pub const SQLITE_MMAP_BYTES: u64 = 4 << 30;
pub const SQLITE_CACHE_KIB: u64 = 32 * 1024;
pub const SQLITE_PRAGMAS: &str = "PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -32768; \
     PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 10000;";

/// Every PostgreSQL session of the spike refuses writes.
pub const PG_READ_ONLY: &str = "SET default_transaction_read_only = on";
