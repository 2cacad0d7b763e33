//! Directory operations. Each public method is one unit of work: it validates its input,
//! then reads and writes in a single transaction, so bad input changes nothing and a crash
//! loses nothing half-done.

/// Runs a write (an expression evaluating to `Result<_, Error>`, awaited inside) again
/// while it loses transaction conflicts (`Error::Contention`): the losing transaction was
/// rolled back whole, so running it again is safe. A macro rather than a generic function:
/// rustc cannot prove the handlers' futures `Send` through a generic loop over sqlx futures.
macro_rules! retry_conflicts {
    ($write:expr) => {{
        let mut attempt = 1u32;
        loop {
            match $write {
                Err($crate::core::Error::Contention(_))
                    if attempt < $crate::core::directory::CONFLICT_ATTEMPTS =>
                {
                    $crate::core::directory::conflict_pause(attempt).await;
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}

mod accounts;
mod exports;
pub use exports::ExportReader;
mod groups;
mod iam;
mod imports;
mod lists;
mod memberships;
mod nonces;
pub mod org_members;
mod users;

use std::sync::Arc;

use crate::auth::sealing::MasterKey;
use crate::store::Db;

pub use accounts::ResolvedKey;
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

#[derive(Clone)]
pub struct Directory {
    pub db: Db,
    pub master_key: Arc<MasterKey>,
    pub max_depth: i64,
}

impl Directory {
    pub fn new(db: Db, master_key: Arc<MasterKey>) -> Self {
        Directory {
            db,
            master_key,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::core::Error;

    #[tokio::test]
    async fn conflicts_are_retried_then_reported() {
        let mut calls = 0;
        let mut op = || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(Error::Contention("40P01".into()))
                } else {
                    Ok(n)
                }
            }
        };
        let r: Result<u32, Error> = retry_conflicts!(op().await);
        assert_eq!(r.unwrap(), 3);

        let mut calls = 0;
        let r: Result<(), Error> = retry_conflicts!({
            calls += 1;
            Err::<(), _>(Error::Contention("40001".into()))
        });
        assert!(matches!(r, Err(Error::Contention(_))));
        assert_eq!(calls, super::CONFLICT_ATTEMPTS);

        let mut calls = 0;
        let r: Result<(), Error> = retry_conflicts!({
            calls += 1;
            Err::<(), _>(Error::invalid("bad"))
        });
        assert!(matches!(r, Err(Error::Invalid(_))));
        assert_eq!(calls, 1, "other errors are not retried");
    }
}
