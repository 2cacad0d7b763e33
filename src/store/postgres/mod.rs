//! The native PostgreSQL driver: [`Storage`] on tokio-postgres connections in a
//! deadpool-postgres pool.
//!
//! The answers are the SQLite driver's: same rows, same order, same totals, and the row
//! locks of ARCHITECTURE.md ("user_quantity is exact"); ids, folding and group keys go
//! through the same functions (`store::common::fold`, `store::common::key` /
//! `public_id`). What differs is how the statements reach the server: each is prepared
//! once per connection with its arguments' types (`sql.rs`), lists travel as one array
//! (`= ANY($n)`, bulk inserts through `unnest`), and columns are read by index.
//!
//! `core::storage` is blocking; tokio-postgres is not. Calls arrive on the runtime's
//! blocking threads (`Directory::reading` / `writing`) and wait for their statements with
//! `Handle::block_on`, while each connection's I/O task runs on the runtime that opened
//! the store.
//!
//! The schema is not made here: `Db::migrate` creates and migrates the database first.

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

use std::cell::Cell;
use std::future::Future;
use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use tokio::runtime::Handle;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use super::PoolSettings;
use crate::core::Error;

/// A pooled connection with its prepared-statement cache.
pub(crate) type Client = deadpool_postgres::Client;

/// A PostgreSQL database behind a pool of connections.
pub struct PostgresStore {
    pool: Pool,
    rt: Handle,
}

impl PostgresStore {
    /// A pool of up to `settings.max_connections` connections to the (migrated) database at
    /// `url` (`postgres://...`, without TLS). Connections are made when first needed, on the
    /// runtime this is called on, which must outlive the store; a unit of work waits at most
    /// `settings.acquire_timeout` for one.
    ///
    /// Errors: `Error::Invalid` for a URL tokio-postgres cannot read.
    pub fn open(url: &str, settings: &PoolSettings) -> Result<PostgresStore, Error> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| Error::Invalid(format!("bad database URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            // a server that does not answer must not hold a unit of work forever
            config.connect_timeout(settings.acquire_timeout);
        }
        // Fast: a returned connection is only checked for being open; every transaction
        // ends (commit or rollback) before its connection goes back
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.max_connections.max(1) as usize)
            .wait_timeout(Some(settings.acquire_timeout))
            .create_timeout(Some(settings.acquire_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| Error::Internal(format!("the connection pool: {e}")))?;
        Ok(PostgresStore {
            pool,
            rt: Handle::current(),
        })
    }

    /// Opens a read transaction (what `Storage::read` boxes): one snapshot for all its
    /// reads (REPEATABLE READ; read-only, so it never fails to serialize).
    ///
    /// The BEGIN is not sent here: it goes out with the transaction's first statement, in
    /// one write to the server (tokio-postgres pipelines requests polled together), so a
    /// read of one statement waits for one round trip, not two. Safe for a read only: had
    /// the BEGIN failed, that statement ran alone, read-only, and the BEGIN's error is
    /// returned (a write must never run outside its transaction, so `begin_write` waits).
    pub fn begin_read(&self) -> Result<PgRead, Error> {
        let client = self.rt.block_on(self.pool.get()).map_err(pool_error)?;
        Ok(PgTx {
            client: Some(client),
            rt: self.rt.clone(),
            unbegun: Cell::new(true),
        })
    }

    /// Opens a write transaction (what `Storage::write` boxes): READ COMMITTED, with the
    /// row locks of `RowLock` taken by the writes themselves.
    pub fn begin_write(&self) -> Result<PgWrite, Error> {
        self.begin("BEGIN")
    }

    fn begin<const WRITE: bool>(&self, begin: &str) -> Result<PgTx<WRITE>, Error> {
        let client = self.rt.block_on(async {
            let client = self.pool.get().await.map_err(pool_error)?;
            client.batch_execute(begin).await?;
            Ok::<_, Error>(client)
        })?;
        Ok(PgTx {
            client: Some(client),
            rt: self.rt.clone(),
            unbegun: Cell::new(false),
        })
    }
}

/// The BEGIN of every read transaction (see `begin_read`).
const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// One transaction on a pooled connection: a read (`WRITE = false`) or a write. Dropped
/// before it ends, it is rolled back (on the runtime, before the connection goes back to
/// the pool).
pub struct PgTx<const WRITE: bool> {
    /// None once the transaction ended.
    client: Option<Client>,
    rt: Handle,
    /// A read whose BEGIN is still to be sent, with its first statement (`begin_read`).
    unbegun: Cell<bool>,
}

/// A read transaction.
pub type PgRead = PgTx<false>;
/// A write transaction.
pub type PgWrite = PgTx<true>;

impl<const WRITE: bool> PgTx<WRITE> {
    fn c(&self) -> &Client {
        self.client
            .as_ref()
            .expect("a transaction is used after it ended")
    }

    /// Waits for one call of the subject modules on this thread (a blocking one).
    fn run<T>(&self, call: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if !self.unbegun.replace(false) {
            return self.rt.block_on(call);
        }
        // polled first, the BEGIN is queued first: the server runs it before the statement
        let (begun, result) = self.rt.block_on(futures_util::future::join(
            self.c().batch_execute(BEGIN_READ),
            call,
        ));
        begun?;
        result
    }

    /// Ends a read transaction without waiting for the server: the reads are done and a
    /// read-only transaction has nothing to keep, so it is rolled back by `Drop` on the
    /// runtime (its connection goes back to the pool after that) while the caller goes on.
    fn end_read(self: Box<Self>) -> Result<(), Error> {
        drop(self);
        Ok(())
    }

    /// Ends the transaction with `sql` (COMMIT or ROLLBACK). On error the connection is
    /// rolled back by `Drop` (a failed COMMIT has ended the transaction already).
    fn end(mut self: Box<Self>, sql: &str) -> Result<(), Error> {
        let client = self.client.take().expect("a transaction ends once");
        match self.rt.block_on(client.batch_execute(sql)) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.client = Some(client);
                Err(e.into())
            }
        }
    }
}

impl<const WRITE: bool> Drop for PgTx<WRITE> {
    fn drop(&mut self) {
        if self.unbegun.get() {
            return; // no transaction was opened: the connection goes back as it is
        }
        if let Some(client) = self.client.take() {
            // a drop may happen on any thread, async ones too, where blocking is not
            // allowed: the rollback runs as a task, and the connection returns to the pool
            // only after it
            let mut unfinished = Unfinished(Some(client));
            self.rt.spawn(async move {
                if let Some(c) = &unfinished.0 {
                    if c.batch_execute("ROLLBACK").await.is_ok() {
                        drop(unfinished.0.take());
                    }
                }
            });
        }
    }
}

/// A connection whose transaction may still be open: dropped while it holds one (its
/// rollback failed, or never ran because the runtime stopped), the connection is closed
/// instead of going back to the pool, where the next unit of work would begin inside it.
struct Unfinished(Option<Client>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(deadpool_postgres::Object::take(client));
        }
    }
}

/// What a failure to get a connection means: the database is unreachable or every
/// connection is busy (try again later).
fn pool_error(e: PoolError) -> Error {
    match e {
        PoolError::Backend(e) => e.into(),
        e => Error::Unavailable(format!("no database connection: {e}")),
    }
}

/// The one mapping of tokio-postgres's errors to the core's: a unique violation is
/// `Unique`; a lost transaction conflict (serialization failure, deadlock, or a foreign key
/// whose row a concurrent deletion removed between the write's check and its insert: the
/// writes lock what they reference first (`RowLock`), so this is a race they did not
/// foresee; run again, the check then answers 404) `Contention`; a lost connection or the
/// server's connection, resource and shutdown classes (08, 53, 57P) `Unavailable`;
/// anything else `Internal`.
pub(crate) fn error(e: tokio_postgres::Error) -> Error {
    // tokio-postgres shows a server error as "db error"; the server's words say what it was
    let text = match e.as_db_error() {
        Some(db) => format!("{db} ({})", db.code().code()),
        None => e.to_string(),
    };
    let Some(code) = e.code() else {
        let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        return if e.is_closed() || io {
            Error::Unavailable(text)
        } else {
            Error::Internal(text)
        };
    };
    let c = code.code();
    if *code == SqlState::UNIQUE_VIOLATION {
        Error::Unique(text)
    } else if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::FOREIGN_KEY_VIOLATION
    {
        Error::Contention(text)
    } else if c.starts_with("08") || c.starts_with("53") || c.starts_with("57P") {
        Error::Unavailable(text)
    } else {
        Error::Internal(text)
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        error(e)
    }
}
