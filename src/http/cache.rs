//! Small in-memory caches on the request path. Each node keeps its own; nothing here is
//! needed for correctness across nodes beyond the bounds written on each.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::core::directory::ResolvedKey;

/// Entries before a cache is emptied and starts over (a crude bound, enough for key ids).
const MAX_ENTRIES: usize = 10_000;

/// How long a resolved access key is trusted without reading the database again: a key or
/// user disabled (or a key deleted) stops working on every node within this time.
pub const KEY_TTL: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct Caches {
    keys: Mutex<HashMap<String, (ResolvedKey, Instant)>>,
    /// project id -> account id: a project never changes account, so this never goes stale.
    projects: Mutex<HashMap<String, String>>,
}

impl Caches {
    pub fn key(&self, access_key: &str) -> Option<ResolvedKey> {
        let keys = self.keys.lock().expect("cache lock");
        keys.get(access_key)
            .filter(|(_, at)| at.elapsed() < KEY_TTL)
            .map(|(k, _)| k.clone())
    }

    pub fn put_key(&self, key: ResolvedKey) {
        let mut keys = self.keys.lock().expect("cache lock");
        if keys.len() >= MAX_ENTRIES {
            keys.clear();
        }
        keys.insert(key.access_key.clone(), (key, Instant::now()));
    }

    pub fn project_account(&self, project_id: &str) -> Option<String> {
        self.projects
            .lock()
            .expect("cache lock")
            .get(project_id)
            .cloned()
    }

    pub fn put_project(&self, project_id: &str, account_id: &str) {
        let mut projects = self.projects.lock().expect("cache lock");
        if projects.len() >= MAX_ENTRIES {
            projects.clear();
        }
        projects.insert(project_id.to_string(), account_id.to_string());
    }
}
