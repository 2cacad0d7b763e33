//! Storage: one connection pool over SQLite or PostgreSQL through sqlx's `Any` driver
//! (`Db`: migrations, data steps, the seed command's bulk loads, and the sqlx store of
//! `legacy`), and the native driver of each backend that `Db::open` hands the core
//! (`sqlite/`: rusqlite; `postgres/`: tokio-postgres), which run the same SQL.
//!
//! Every sqlx query in this module tree is written once, with `$N` placeholders that both
//! backends accept, and binds only portable types (`i64`, `String`, `Option<_>`): flags are
//! stored as integers, times as Unix milliseconds. The backends differ in SQL only in
//! substring search (`search.rs`), in the export claim's `FOR UPDATE SKIP LOCKED`
//! (`exports.rs`), and in the schema files under `migrations/`. (The bundled SQLite is 3.46:
//! `string_agg` and aggregate `ORDER BY` exist on both.)

pub mod accounts;
pub mod credentials;
mod error;
pub use error::is_unique_violation;
pub mod exports;
pub mod groups;
pub mod iam;
pub mod legacy;
pub mod memberships;
pub mod nonces;
pub mod org_members;
pub mod postgres;
pub mod query;
#[cfg(test)]
mod read_cases;
pub mod refold;
pub mod search;
pub mod sqlite;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Transaction};

use crate::core::Error;

pub type Tx = Transaction<'static, Any>;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pool settings; the defaults suit one node on a small machine.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// Bytes of the SQLite file mapped into memory (reads without copies; the mapped pages
    /// count in the process's RSS). 0 turns mapping off.
    pub sqlite_mmap_bytes: u64,
    /// SQLite's page cache per connection, in KiB.
    pub sqlite_cache_kib: u64,
    /// How long SQLite waits for the write lock before giving up.
    pub busy_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(10),
            sqlite_mmap_bytes: 4 << 30,
            sqlite_cache_kib: 32 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects to `url` (`sqlite://PATH` or `postgres://...`). A SQLite file is created if
    /// missing and put in WAL mode.
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Db, Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::Invalid(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
            )));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| Error::Invalid(format!("bad database URL: {e}")))?;
        if backend == Backend::Sqlite {
            let file = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                .map_err(|e| Error::Invalid(format!("bad database URL: {e}")))?;
            owner_only(file.get_filename())
                .map_err(|e| Error::Internal(format!("the database file: {e}")))?;
        }
        let busy_ms = settings.busy_timeout.as_millis() as i64;
        let mmap = settings.sqlite_mmap_bytes;
        let cache_kib = settings.sqlite_cache_kib;
        let mut pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout);
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the single writer; the busy timeout makes writers
            // queue instead of failing; foreign keys are off by default in SQLite. Reads go
            // through a shared memory map (no read syscalls, one copy of hot pages for all
            // connections) with a 32 MiB page cache per connection on top.
            // leaked once per pool: after_connect needs SQL that outlives every connection
            let pragmas: &'static str = Box::leak(
                format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; \
                     PRAGMA mmap_size = {mmap}; PRAGMA cache_size = -{cache_kib}; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_ms};"
                )
                .into_boxed_str(),
            );
            pool = pool.after_connect(move |conn, _meta| Box::pin(apply_pragmas(conn, pragmas)));
        }
        let pool = pool.connect_with(options).await.map_err(Error::from)?;
        Ok(Db { pool, backend })
    }

    /// Connects to `url`, applies pending migrations (see `migrate`), and returns the
    /// directory's storage on this backend with the descriptions of what was applied,
    /// through the backend's native driver: SQLite through `sqlite::SqliteStore`
    /// (rusqlite), PostgreSQL through `postgres::PostgresStore` (tokio-postgres). The
    /// PostgreSQL store's connections run on the runtime this is called on.
    pub async fn open(
        url: &str,
        settings: &PoolSettings,
    ) -> Result<
        (
            std::sync::Arc<dyn crate::core::storage::Storage>,
            Vec<String>,
        ),
        Error,
    > {
        let db = Db::connect(url, settings).await?;
        let applied = db.migrate().await?;
        match db.backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                };
                let path = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|e| Error::Invalid(format!("bad database URL: {e}")))?
                    .get_filename()
                    .to_owned();
                // the sqlx pool only migrated: every unit of work goes through rusqlite
                db.pool.close().await;
                let store = sqlite::SqliteStore::open(&path, settings)?;
                Ok((std::sync::Arc::new(store), applied))
            }
            Backend::Postgres => {
                // the sqlx pool only migrated: every unit of work goes through tokio-postgres
                db.pool.close().await;
                let store = postgres::PostgresStore::open(url, settings)?;
                Ok((std::sync::Arc::new(store), applied))
            }
        }
    }

    /// The URL of the embedded database in `data_dir`, creating the directory.
    pub fn sqlite_url_for(data_dir: &Path) -> std::io::Result<String> {
        private_dir(data_dir)?;
        Ok(format!("sqlite://{}", data_dir.join("roster.db").display()))
    }

    /// Applies pending migrations, then pending data steps (`refold`); returns the
    /// descriptions of those applied now.
    pub async fn migrate(&self) -> Result<Vec<String>, Error> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let mut conn = self.pool.acquire().await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
        migrator
            .run(&mut *conn)
            .await
            .map_err(|e| Error::Internal(format!("migration failed: {e}")))?;
        drop(conn);
        let mut done: Vec<String> = migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| format!("{} {}", m.version, m.description))
            .collect();
        // data steps that need Rust (src/store/refold.rs), each once, after the schema
        done.extend(refold::run_pending(self).await?);
        Ok(done)
    }

    /// Starts a write transaction. SQLite takes the write lock up front (BEGIN IMMEDIATE) so a
    /// transaction never fails half-way on lock upgrade; PostgreSQL uses row locks.
    pub async fn write(&self) -> Result<Tx, Error> {
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Ok(self.pool.begin_with(begin).await?)
    }

    /// Starts a read transaction: a consistent snapshot for a count and a page. On
    /// PostgreSQL that needs REPEATABLE READ (its default, READ COMMITTED, gives every
    /// statement a snapshot of its own, so a count and the page read after it could
    /// disagree); a read-only one never fails to serialize. SQLite's read transaction is a
    /// snapshot already (WAL).
    pub async fn read(&self) -> Result<Tx, Error> {
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        };
        Ok(self.pool.begin_with(begin).await?)
    }
}

/// Creates `dir` (and its parents) if missing; a directory it creates is owner-only (0700).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Makes the SQLite file at `path` (and its `-wal`/`-shm`, if present) readable and
/// writable by its owner only, creating the database file so if it is missing: it holds
/// personal data, password hashes and exported workbooks. SQLite creates the `-wal` and
/// `-shm` files with the database file's permissions, so they follow. Files of an older
/// version (0644) are tightened too.
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let name = path.as_os_str();
    if name.is_empty() || name == ":memory:" {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

async fn apply_pragmas(
    conn: &mut sqlx::AnyConnection,
    pragmas: &'static str,
) -> Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, pragmas).await?;
    Ok(())
}

pub use crate::core::storage::RowLock;

impl RowLock {
    /// The clause ending a `SELECT` on this connection's backend ("" on SQLite).
    pub fn clause(self, conn: &sqlx::AnyConnection) -> &'static str {
        if conn.backend_name() != "PostgreSQL" {
            return "";
        }
        match self {
            RowLock::KeyShare => " FOR KEY SHARE",
            RowLock::NoKeyUpdate => " FOR NO KEY UPDATE",
            RowLock::Update => " FOR UPDATE",
        }
    }
}

/// Locks the rows of `table` (`users` or `user_groups`) of the account among `ids`, in id
/// order; returns the ids of those that exist (a row deleted by a transaction this one
/// waited for is not among them: PostgreSQL skips it after the wait).
async fn lock_rows(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    account_id: &str,
    ids: &[String],
    lock: RowLock,
) -> Result<Vec<String>, sqlx::Error> {
    use sqlx::Row;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let clause = lock.clause(conn);
    // PostgreSQL sorts text by the database's collation; "C" is byte order, the order of
    // Rust's sort, in which writers then update the rows they locked
    let order = if clause.is_empty() {
        ""
    } else {
        " COLLATE \"C\""
    };
    let mut sql = query::Sql::on(
        &*conn,
        &format!("SELECT id FROM {table} WHERE account_id = "),
    );
    sql.bind(account_id)
        .push(" AND id IN (")
        .bind_list(ids)
        .push(&format!(") ORDER BY id{order}{clause}"));
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

pub fn flag(b: bool) -> i64 {
    b as i64
}
