//! Private working directories of export tasks, and the sweep that removes those of dead
//! workers.
//!
//! A worker writes each workbook in a directory of its own (`roster-export-*` in the
//! configured temp dir) before storing it; a worker killed with kill -9 leaves it behind.
//! Each directory holds a `.lock` file locked (flock, exclusive) by its live worker for as
//! long as the directory is in use: the kernel drops the lock when the process dies, however
//! it dies. [`sweep`], run when a node starts its worker, removes every such directory whose
//! lock it can take, so directories of workers still running (other nodes on the same
//! machine) are left alone.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

const PREFIX: &str = "roster-export-";
const LOCK: &str = ".lock";
/// A directory without a lock file is older than any live worker's only after this long
/// (a worker locks its directory right after making it).
const UNLOCKED_GRACE: Duration = Duration::from_secs(60);

/// A worker's directory; its lock is held until it is dropped (then the directory goes).
pub struct WorkDir {
    // field order: the lock is released before the directory is removed
    _lock: File,
    dir: tempfile::TempDir,
}

impl WorkDir {
    /// Makes and locks a new working directory in `tmp` (the system's temp dir if None).
    pub fn new(tmp: Option<&Path>) -> io::Result<WorkDir> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(PREFIX);
        let dir = match tmp {
            Some(d) => builder.tempdir_in(d),
            None => builder.tempdir(),
        }?;
        let lock = File::create(dir.path().join(LOCK))?;
        lock.try_lock().map_err(io::Error::other)?;
        Ok(WorkDir { _lock: lock, dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes the working directories of dead workers in `tmp` (the system's temp dir if
/// None); returns how many it removed. Errors on single entries are logged and skipped.
pub fn sweep(tmp: Option<&Path>) -> usize {
    let root: PathBuf = tmp.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) || !is_abandoned(&path) {
            continue;
        }
        match std::fs::remove_dir_all(&path) {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::warn!(dir = %path.display(), error = %e, "removing an abandoned export directory")
            }
        }
    }
    removed
}

/// Whether no live worker holds `dir`.
fn is_abandoned(dir: &Path) -> bool {
    match File::open(dir.join(LOCK)) {
        // the lock is free: its worker is gone (the lock is dropped when `f` is)
        Ok(f) => f.try_lock().is_ok(),
        // no lock file: a worker between making the directory and locking it, or a
        // directory of an older version; old enough means abandoned
        Err(_) => std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() > UNLOCKED_GRACE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_removes_only_unlocked_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let live = WorkDir::new(Some(tmp.path())).unwrap();
        let dead = WorkDir::new(Some(tmp.path())).unwrap();
        let dead_path = dead.path().to_path_buf();
        // a killed worker: its directory stays, its lock goes with the process
        std::mem::forget(dead.dir);
        drop(dead._lock);
        assert!(dead_path.exists());
        let other = tmp.path().join("not-ours");
        std::fs::create_dir(&other).unwrap();
        assert_eq!(sweep(Some(tmp.path())), 1);
        assert!(!dead_path.exists());
        assert!(live.path().exists(), "a live worker's directory is kept");
        assert!(other.exists(), "other directories are not touched");
    }
}
