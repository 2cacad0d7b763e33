//! Small in-memory caches on the request path. Each node keeps its own; nothing here is
//! needed for correctness across nodes beyond the bounds written on each.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::core::directory::ResolvedKey;

/// Entries before a cache is emptied and starts over (a crude bound, enough for key ids).
const MAX_ENTRIES: usize = 10_000;

/// How long a resolved access key is trusted without reading the database again: a key or
/// user disabled (or a key or user deleted) through another node stops working on every
/// node within this time. Through this node it stops at once: such writes bump the
/// directory's key epoch (`Directory::key_epoch`), and an entry cached under an older epoch
/// is not used.
pub const KEY_TTL: Duration = Duration::from_secs(5);

/// A key's last use is written at most once per this interval per node (and the write
/// itself is skipped when another node recorded one within it): `last_used_at` may be up to
/// this much (plus the time to write) behind the real last use.
pub const LAST_USE_EVERY: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Caches {
    /// access key -> (the key, when it was read, the key epoch it was read under)
    keys: Mutex<HashMap<String, (ResolvedKey, Instant, u64)>>,
    /// access key -> when this node last wrote the key's last use
    uses: Mutex<HashMap<String, Instant>>,
    /// project id -> account id: a project never changes account, so this never goes stale.
    projects: Mutex<HashMap<String, String>>,
}

impl Caches {
    /// The key as read at most [`KEY_TTL`] ago, under the current `epoch`
    /// (`Directory::key_epoch`).
    pub fn key(&self, access_key: &str, epoch: u64) -> Option<ResolvedKey> {
        let keys = self.keys.lock().expect("cache lock");
        keys.get(access_key)
            .filter(|(_, at, e)| *e == epoch && at.elapsed() < KEY_TTL)
            .map(|(k, _, _)| k.clone())
    }

    /// Caches `key`, read under `epoch` (the epoch taken before the read).
    pub fn put_key(&self, key: ResolvedKey, epoch: u64) {
        let mut keys = self.keys.lock().expect("cache lock");
        if keys.len() >= MAX_ENTRIES {
            keys.clear();
        }
        keys.insert(key.access_key.clone(), (key, Instant::now(), epoch));
    }

    /// Whether the caller should record a use of `access_key` now: true at most once per
    /// [`LAST_USE_EVERY`] per key on this node.
    pub fn note_use(&self, access_key: &str) -> bool {
        let mut uses = self.uses.lock().expect("cache lock");
        match uses.get(access_key) {
            Some(at) if at.elapsed() < LAST_USE_EVERY => false,
            _ => {
                if uses.len() >= MAX_ENTRIES {
                    uses.clear();
                }
                uses.insert(access_key.to_string(), Instant::now());
                true
            }
        }
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
