//! Directory operations. Each public method is one unit of work: it validates its input,
//! then reads and writes in a single transaction, so bad input changes nothing and a crash
//! loses nothing half-done.

mod accounts;
mod groups;
mod users;

use std::sync::Arc;

use crate::auth::sealing::MasterKey;
use crate::store::Db;

pub use accounts::ResolvedKey;

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
