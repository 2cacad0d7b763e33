//! Background work: the export worker every node runs, and the workbook writer it shares
//! with the `roster export` command.

pub mod export;
pub mod workdir;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

/// Export settings of a node, and the bell that wakes its worker when a task is created here.
#[derive(Debug)]
pub struct Exports {
    /// How long a finished file is kept (then the task shows EXPIRED). Default 7 days.
    pub keep: Duration,
    /// A worker's claim on a task; renewed every third of it while the task runs. A task
    /// whose worker died is taken up again once its lease has run out.
    pub lease: Duration,
    /// How often an idle worker looks for tasks created on other nodes.
    pub poll: Duration,
    /// Interruptions after which a task is marked FAIL instead of being taken up again.
    pub max_attempts: i64,
    /// Where workbooks are written before they are stored (the system's temp dir if None).
    pub tmpdir: Option<PathBuf>,
    /// Largest workbook `import` accepts, in bytes.
    pub import_max_bytes: usize,
    /// Imports this node runs at once (permits); more wait up to
    /// `http::auth::GATE_WAIT`, then get a 503. Each import holds at most its upload plus
    /// the reader's bounded working set (README, "Limits"), so the node's import memory is
    /// bounded by this many times that.
    pub imports: Arc<Semaphore>,
    pub wake: Arc<Notify>,
}

pub const DEFAULT_KEEP: Duration = Duration::from_secs(7 * 24 * 3600);
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
pub const DEFAULT_IMPORT_MAX_BYTES: usize = 20 * 1024 * 1024;
pub const DEFAULT_IMPORT_CONCURRENCY: usize = 2;

impl Default for Exports {
    fn default() -> Self {
        Exports {
            keep: DEFAULT_KEEP,
            lease: DEFAULT_LEASE,
            poll: Duration::from_secs(1),
            max_attempts: 3,
            tmpdir: None,
            import_max_bytes: DEFAULT_IMPORT_MAX_BYTES,
            imports: Arc::new(Semaphore::new(DEFAULT_IMPORT_CONCURRENCY)),
            wake: Arc::default(),
        }
    }
}
