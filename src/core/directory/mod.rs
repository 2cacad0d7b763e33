//! Directory operations. Each public method is one unit of work: it validates its input,
//! then reads and writes in a single transaction, so bad input changes nothing and a crash
//! loses nothing half-done.

mod accounts;
mod authz;
pub use authz::{CustomRoleInput, Holdings, RequestScope, Role, MAX_CUSTOM_ROLES};
mod credentials;
mod domains;
mod exports;
pub use exports::{ExportBatch, ExportRows, CHUNK_BYTES};
mod catalog;
pub use catalog::{
    EndpointInput, Extra, PolicyBlobInput, RegionInput, RegionPatch, ServiceInput, INTERFACES,
};
mod groups;
mod iam;
mod keystone;
pub use keystone::{check_tag, check_tags, ProjectInput, TokenScope};
pub mod application_credentials;
mod imports;
pub mod keystone_credentials;
mod lists;
mod memberships;
mod nonces;
pub mod org_members;
pub mod policies;
mod security;
pub use security::FailureSubject;
mod users;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::auth::sealing::MasterKey;
use crate::core::storage::{ReadTx, Storage, WriteTx};
use crate::core::Error;

pub use accounts::ResolvedKey;
pub use credentials::{NewAccessKey, MAX_KEYS_PER_USER};
pub use domains::{operator_role_id, DomainPatch, OperatorCredentials, Standing, OPERATOR_ACCOUNT};
pub use iam::{LoginLimits, TokenKey};

/// Attempts of a write that loses transaction conflicts before the caller gets a 503.
pub(crate) const CONFLICT_ATTEMPTS: u32 = 4;

/// A short, growing, jittered pause that lets the winning transaction commit first.
pub(crate) async fn conflict_pause(attempt: u32) {
    let pause = 5u64 << attempt;
    let jitter = rand::random::<u64>() % pause;
    tokio::time::sleep(std::time::Duration::from_millis(pause + jitter)).await;
}

/// Most ids one call may name (batch deletes, membership changes).
pub const MAX_BATCH: usize = 1000;

/// Checks a list of ids given to one call: 1 to `MAX_BATCH` of them; returns them sorted and
/// without repeats (sorted, so concurrent writes lock rows in the same order).
pub(crate) fn check_batch(what: &str, ids: &[String]) -> Result<Vec<String>, crate::core::Error> {
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(crate::core::Error::invalid(format!(
            "{what} must list 1 to {MAX_BATCH} ids"
        )));
    }
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The hierarchy depth limit when none is configured: a group without parent is at depth 1.
pub const DEFAULT_MAX_DEPTH: i64 = 10;

/// The directory: every operation of every face, each one unit of work on `store`.
#[derive(Clone)]
pub struct Directory {
    store: Arc<dyn Storage>,
    /// At most `Storage::max_concurrency` units of work run at once: a request waits here,
    /// on the async side, instead of holding a blocking thread while it waits for a
    /// connection.
    gate: Arc<Semaphore>,
    pub master_key: Arc<MasterKey>,
    pub max_depth: i64,
    /// Grows with every authorization change made through this node (`authz.rs`), so
    /// that cached decisions made before it are dropped.
    authz_epoch: Arc<std::sync::atomic::AtomicU64>,
    /// Bumped after every write that can stop an access key from working (a key disabled
    /// or deleted, a user updated, locked, marked deleted or deleted): a node's key cache
    /// drops what it read before (`http::cache::Caches`), so such a change made through
    /// this node takes effect on it at once. Other nodes see it within their cache's TTL.
    key_epoch: Arc<AtomicU64>,
}

impl Directory {
    pub fn new(store: impl Storage, master_key: Arc<MasterKey>) -> Self {
        Directory::with_store(Arc::new(store), master_key)
    }

    pub fn with_store(store: Arc<dyn Storage>, master_key: Arc<MasterKey>) -> Self {
        let gate = Arc::new(Semaphore::new(store.max_concurrency().max(1)));
        Directory {
            store,
            gate,
            master_key,
            max_depth: DEFAULT_MAX_DEPTH,
            authz_epoch: Arc::default(),
            key_epoch: Arc::default(),
        }
    }

    /// The current key epoch (see the field): read it before resolving a key, and cache
    /// the answer under it.
    pub fn key_epoch(&self) -> u64 {
        self.key_epoch.load(Ordering::Acquire)
    }

    /// Marks every access key read before now as possibly stale (after the write's commit).
    pub(crate) fn keys_changed(&self) {
        self.key_epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The storage this directory lives in (the seed command loads it in bulk).
    pub fn store(&self) -> &Arc<dyn Storage> {
        &self.store
    }

    /// Runs `work` in one read transaction on the blocking pool.
    pub(crate) async fn reading<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn ReadTx) -> Result<T, Error> + Send + 'static,
    {
        let _permit = self.gate.acquire().await.map_err(closed)?;
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut tx = store.read()?;
            let out = work(&mut *tx)?;
            tx.finish()?;
            Ok(out)
        })
        .await
        .map_err(joined)?
    }

    /// Runs `work` in one write transaction on the blocking pool, again while it loses
    /// transaction conflicts (`Error::Contention`: the losing transaction was rolled back
    /// whole, so running it again is safe), at most `CONFLICT_ATTEMPTS` times.
    pub(crate) async fn writing<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: Fn(&mut dyn WriteTx) -> Result<T, Error> + Send + Sync + 'static,
    {
        let work = Arc::new(work);
        let mut attempt = 1u32;
        loop {
            let result = {
                let _permit = self.gate.acquire().await.map_err(closed)?;
                let (store, work) = (self.store.clone(), work.clone());
                tokio::task::spawn_blocking(move || {
                    let mut tx = store.write()?;
                    let out = work(&mut *tx)?;
                    tx.commit()?;
                    Ok(out)
                })
                .await
                .map_err(joined)?
            };
            match result {
                Err(Error::Contention(_)) if attempt < CONFLICT_ATTEMPTS => {
                    conflict_pause(attempt).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

fn closed(_: tokio::sync::AcquireError) -> Error {
    Error::Unavailable("the directory is shutting down".into())
}

fn joined(e: tokio::task::JoinError) -> Error {
    Error::Internal(format!("a storage task failed: {e}"))
}
