//! The native SQLite driver: [`Storage`] on rusqlite connections in an r2d2 pool.
//!
//! Every call is blocking (a library call into the bundled SQLite, no hand-off between
//! threads per row), as `core::storage` expects. Every statement goes through the
//! connection's prepared-statement cache, with anonymous `?` placeholders (SQLite resolves
//! `$N` by a linear scan per parameter). The answers are those of the PostgreSQL driver:
//! same rows, same order, same totals; ids, folding and group keys go through the same
//! functions (`store::common::fold`, `store::common::key` / `public_id`).
//!
//! The schema is not made here: `Db::migrate` creates and migrates the file first.

mod accounts;
mod application_credentials;
mod authz;
mod catalog;
mod credentials;
mod domains;
mod exports;
mod groups;
mod keystone;
mod read;
mod search;
mod security;
mod sql;
mod state;
mod users;
mod write;

#[cfg(test)]
mod tests;

use std::path::Path;

use r2d2::PooledConnection;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{ErrorCode, OpenFlags};

use super::PoolSettings;
use crate::core::Error;

/// Statements each connection keeps prepared: the fixed queries plus the shapes of the
/// dynamic ones (filter combinations, list lengths rounded up to powers of two).
const STATEMENT_CACHE: usize = 256;

type Manager = SqliteConnectionManager;

/// A SQLite database file behind a pool of connections, each set up like `Db::connect`'s.
pub struct SqliteStore {
    pool: r2d2::Pool<Manager>,
}

impl SqliteStore {
    /// Opens a pool of `settings.max_connections` connections on the existing database file
    /// at `path` (made and migrated before by `Db::migrate`: a missing file is an error, not
    /// a new empty database). Waits at most `settings.acquire_timeout` for a connection.
    ///
    /// Errors: `Error::Unavailable` when the file cannot be opened or set up.
    pub fn open(path: &Path, settings: &PoolSettings) -> Result<SqliteStore, Error> {
        // the same setup as `Db::connect`'s connection (`store::sqlite_pragmas`)
        let pragmas = super::sqlite_pragmas(settings);
        // no SQLITE_OPEN_CREATE: the file is made owner-only (and migrated) by `Db`; the
        // connection is used by one thread at a time, so SQLite's own mutex is not needed
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let manager = SqliteConnectionManager::file(path)
            .with_flags(flags)
            .with_init(move |c| {
                c.execute_batch(&pragmas)?;
                c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                Ok(())
            });
        let pool = r2d2::Pool::builder()
            .max_size(settings.max_connections.max(1))
            .connection_timeout(settings.acquire_timeout)
            .build(manager)
            .map_err(|e| Error::Unavailable(format!("the database {}: {e}", path.display())))?;
        Ok(SqliteStore { pool })
    }

    fn connection(&self) -> Result<PooledConnection<Manager>, Error> {
        // r2d2 reports only a timeout (carrying the last connection error, if any): every
        // connection busy, or the file unreachable
        self.pool
            .get()
            .map_err(|e| Error::Unavailable(format!("no database connection: {e}")))
    }
}

impl SqliteStore {
    /// Opens a read transaction (what `Storage::read` boxes).
    pub fn begin_read(&self) -> Result<SqliteRead, Error> {
        SqliteTx::begin(self.connection()?)
    }
}

/// One transaction on a pooled connection: a read (`WRITE = false`, `BEGIN`: deferred, the
/// snapshot starts at the first read) or a write (`BEGIN IMMEDIATE`: the database's one
/// write lock from the start). Dropped before it ends, it is rolled back.
pub struct SqliteTx<const WRITE: bool> {
    conn: PooledConnection<Manager>,
    open: bool,
}

/// A read transaction.
pub type SqliteRead = SqliteTx<false>;
/// A write transaction.
pub type SqliteWrite = SqliteTx<true>;

impl<const WRITE: bool> SqliteTx<WRITE> {
    fn begin(conn: PooledConnection<Manager>) -> Result<Self, Error> {
        if !conn.is_autocommit() {
            // a transaction left open by a failed ROLLBACK: never start inside it
            conn.execute_batch("ROLLBACK")?;
        }
        let begin = if WRITE { "BEGIN IMMEDIATE" } else { "BEGIN" };
        conn.prepare_cached(begin)?.execute([])?;
        Ok(SqliteTx { conn, open: true })
    }

    /// Ends the transaction with `sql` (COMMIT or ROLLBACK). On error `self` drops still
    /// open, which rolls back.
    fn end(mut self: Box<Self>, sql: &str) -> Result<(), Error> {
        self.conn.prepare_cached(sql)?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl<const WRITE: bool> Drop for SqliteTx<WRITE> {
    fn drop(&mut self) {
        // SQLite may have rolled back already (after some errors): then this fails harmlessly
        if self.open && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The one mapping of rusqlite's errors to the core's: a broken UNIQUE or PRIMARY KEY
/// constraint is `Unique`, a database busy or locked past the busy timeout `Unavailable`
/// (try again later), anything else `Internal`.
pub(crate) fn error(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            Error::Unique(e.to_string())
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            Error::Unavailable(e.to_string())
        }
        _ => Error::Internal(e.to_string()),
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        error(e)
    }
}
