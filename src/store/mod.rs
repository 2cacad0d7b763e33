//! Storage: the native driver of each backend, which `Db::open` hands the core
//! (`sqlite/`: rusqlite; `postgres/`: tokio-postgres), and `Db`, one plain connection
//! (`raw`) that applies the schema migrations (`migrations`, the SQL files under
//! `migrations/`, with sqlx's history table) and the data steps that need Rust (`refold`)
//! before the stores open.
//!
//! Both drivers run the same SQL where the backends allow (flags are stored as integers,
//! times as Unix milliseconds) and share folding, group keys and the export batch format
//! (`common`). The backends differ in substring search (`sqlite/search.rs`,
//! `postgres/search.rs`), in the export claim's `FOR UPDATE SKIP LOCKED`, in the row locks
//! of PostgreSQL's writes, and in the schema files. (The bundled SQLite is 3.46:
//! `string_agg` and aggregate `ORDER BY` exist on both.)

#[cfg(test)]
mod authz_cases;
pub mod common;
pub mod migrations;
pub mod postgres;
pub mod raw;
#[cfg(test)]
mod read_cases;
pub mod refold;
pub mod sqlite;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::core::Error;

pub use raw::Value;

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

/// One connection to the database at a URL, for what runs before the stores open (and for
/// tools and tests that look at a database with SQL): `migrate`, `migrate_to`, `execute`,
/// `query`.
pub struct Db {
    pub backend: Backend,
    conn: tokio::sync::Mutex<raw::Conn>,
}

/// Where a database URL points.
enum Target {
    /// The SQLite file (created if missing when the URL allows it: `mode=rwc`, the default).
    Sqlite {
        path: PathBuf,
        create: bool,
    },
    Postgres(String),
}

/// Reads `url`: `sqlite://PATH[?mode=rw|rwc]` (also `sqlite:PATH`), `postgres://...`
/// or `postgresql://...`.
fn target(url: &str) -> Result<Target, Error> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut create = true;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("mode", "rwc")) => create = true,
                Some(("mode", "rw")) => create = false,
                _ => {
                    return Err(Error::Invalid(format!(
                        "bad database URL: unsupported SQLite option {pair:?}"
                    )))
                }
            }
        }
        let path = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|e| Error::Invalid(format!("bad database URL: {e}")))?;
        if path.is_empty() {
            return Err(Error::Invalid("bad database URL: no SQLite file".into()));
        }
        Ok(Target::Sqlite {
            path: PathBuf::from(path.as_ref()),
            create,
        })
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Target::Postgres(url.to_string()))
    } else {
        Err(Error::Invalid(format!(
            "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
        )))
    }
}

/// The pragmas of every SQLite connection (`Db`'s and `SqliteStore`'s): WAL lets readers
/// run beside the single writer; the busy timeout makes writers queue instead of failing;
/// foreign keys are off by default in SQLite. Reads go through a shared memory map (no
/// read syscalls, one copy of hot pages for all connections) with a page cache per
/// connection on top.
pub(crate) fn sqlite_pragmas(settings: &PoolSettings) -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; \
         PRAGMA mmap_size = {}; PRAGMA cache_size = -{}; PRAGMA foreign_keys = ON; \
         PRAGMA busy_timeout = {};",
        settings.sqlite_mmap_bytes,
        settings.sqlite_cache_kib,
        settings.busy_timeout.as_millis()
    )
}

impl Db {
    /// Connects to `url` (`sqlite://PATH` or `postgres://...`). A SQLite file is created if
    /// missing (owner-only, see `owner_only`) and put in WAL mode. A PostgreSQL
    /// connection's I/O runs on the runtime this is called on.
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Db, Error> {
        let conn = match target(url)? {
            Target::Sqlite { path, create } => {
                owner_only(&path, create)
                    .map_err(|e| Error::Internal(format!("the database file: {e}")))?;
                let c = rusqlite::Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(|e| Error::Unavailable(format!("the database {}: {e}", path.display())))?;
                c.execute_batch(&sqlite_pragmas(settings))?;
                raw::Conn::Sqlite(c)
            }
            Target::Postgres(url) => {
                let mut config = tokio_postgres::Config::from_str(&url)
                    .map_err(|e| Error::Invalid(format!("bad database URL: {e}")))?;
                if config.get_connect_timeout().is_none() {
                    config.connect_timeout(settings.acquire_timeout);
                }
                let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!("the migration connection ended: {e}");
                    }
                });
                raw::Conn::Postgres(client)
            }
        };
        Ok(Db {
            backend: conn.backend(),
            conn: tokio::sync::Mutex::new(conn),
        })
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
        // the migration connection closes: every unit of work goes through the store
        drop(db);
        match target(url)? {
            Target::Sqlite { path, .. } => {
                let store = sqlite::SqliteStore::open(&path, settings)?;
                Ok((std::sync::Arc::new(store), applied))
            }
            Target::Postgres(url) => {
                let store = postgres::PostgresStore::open(&url, settings)?;
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
        let mut conn = self.conn.lock().await;
        let mut done = migrations::run(&mut conn, None).await?;
        // data steps that need Rust (src/store/refold.rs), each once, after the schema
        done.extend(refold::run_pending(&mut conn).await?);
        Ok(done)
    }

    /// Applies the pending migrations up to `version` only, no data step (the schema as a
    /// release before the next migration left it: for tests of what later ones do).
    pub async fn migrate_to(&self, version: i64) -> Result<Vec<String>, Error> {
        migrations::run(&mut *self.conn.lock().await, Some(version)).await
    }

    /// Runs one statement (`$N` placeholders); returns how many rows it changed.
    pub async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        self.conn.lock().await.execute(sql, params).await
    }

    /// Runs statements without parameters.
    pub async fn batch(&self, sql: &str) -> Result<(), Error> {
        self.conn.lock().await.batch(sql).await
    }

    /// Runs one query (`$N` placeholders); returns its rows.
    pub async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
        self.conn.lock().await.query(sql, params).await
    }

    /// The first column of the query's only (or first) row; panics without one (for tests
    /// and tools: counts and the like).
    pub async fn scalar(&self, sql: &str, params: &[Value]) -> Result<Value, Error> {
        self.conn
            .lock()
            .await
            .query_opt(sql, params)
            .await?
            .ok_or_else(|| Error::Internal(format!("no row: {sql}")))
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
/// writable by its owner only, creating the database file so if it is missing and `create`
/// is set: it holds
/// personal data, password hashes and exported workbooks. SQLite creates the `-wal` and
/// `-shm` files with the database file's permissions, so they follow. Files of an older
/// version (0644) are tightened too.
fn owner_only(path: &Path, create: bool) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let name = path.as_os_str();
    if name.is_empty() || name == ":memory:" {
        return Ok(());
    }
    if create {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
    }
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

pub use crate::core::storage::RowLock;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_read_as_before() {
        let sqlite = |url: &str| match target(url).unwrap() {
            Target::Sqlite { path, create } => (path.display().to_string(), create),
            Target::Postgres(_) => panic!("{url}"),
        };
        assert_eq!(
            sqlite("sqlite:///var/lib/r/roster.db"),
            ("/var/lib/r/roster.db".into(), true)
        );
        assert_eq!(
            sqlite("sqlite://rel/roster.db?mode=rwc"),
            ("rel/roster.db".into(), true)
        );
        assert_eq!(
            sqlite("sqlite:roster.db?mode=rw"),
            ("roster.db".into(), false)
        );
        assert_eq!(sqlite("sqlite:///a%20b/r.db"), ("/a b/r.db".into(), true));
        for url in [
            "postgres://u@h/db",
            "postgresql://u@h:5433/db?connect_timeout=2",
        ] {
            assert!(matches!(target(url).unwrap(), Target::Postgres(u) if u == url));
        }
        for url in [
            "mysql://u@h/db",
            "roster.db",
            "sqlite://",
            "sqlite://x.db?cache=shared",
        ] {
            assert!(matches!(target(url), Err(Error::Invalid(_))), "{url}");
        }
    }

    #[tokio::test]
    async fn a_sqlite_file_is_made_owner_only_unless_the_url_forbids_making_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let url = format!("sqlite://{}", path.display());
        assert!(Db::connect(&format!("{url}?mode=rw"), &Default::default())
            .await
            .is_err());
        assert!(!path.exists());
        let db = Db::connect(&url, &Default::default()).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let journal = db.scalar("PRAGMA journal_mode", &[]).await.unwrap();
        assert_eq!(journal.text(), "wal");
        let fk = db.scalar("PRAGMA foreign_keys", &[]).await.unwrap();
        assert_eq!(fk.int(), 1);
    }
}
