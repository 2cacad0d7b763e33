//! The export worker: one per node. It claims a task with a lease (so that with several nodes
//! each task runs once), renews the lease while it writes, stores the workbook and the
//! SUCCESS status in one transaction, and expires old files. A node killed mid-task leaves a
//! lease that runs out; the task is then taken up again (by any node, this one after its
//! restart), or marked FAIL once it has been interrupted `max_attempts` times.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{export, Exports};
use crate::core::exports::{ExportTask, TaskSpec};
use crate::core::{ids, Directory, Error};

/// How often finished files past their time are looked for.
const EXPIRY_EVERY: Duration = Duration::from_secs(60);

pub fn spawn(dir: Directory, cfg: Arc<Exports>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // working directories left by a worker killed on this machine
        let tmp = cfg.tmpdir.clone();
        match tokio::task::spawn_blocking(move || super::workdir::sweep(tmp.as_deref())).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "abandoned export directories removed"),
            _ => {}
        }
        // each process is its own owner: a restarted node must not trust its old leases
        let owner = ids::new_id();
        let mut last_expiry: Option<Instant> = None;
        // a short keep (tests, demos) is honoured to within half of it
        let expiry_every = EXPIRY_EVERY
            .min(cfg.keep / 2)
            .max(Duration::from_millis(200));
        loop {
            if last_expiry.is_none_or(|t| t.elapsed() >= expiry_every) {
                match dir.expire_exports().await {
                    Ok(n) if n > 0 => tracing::info!(expired = n, "export files expired"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "expiring export files"),
                }
                last_expiry = Some(Instant::now());
            }
            let lease = cfg.lease.as_millis() as i64;
            match dir.claim_export(&owner, lease, cfg.max_attempts).await {
                Ok(Some(task)) => run(&dir, &cfg, &owner, task).await,
                Ok(None) => {
                    let idle = cfg.poll.min(expiry_every);
                    tokio::select! {
                        _ = cfg.wake.notified() => {}
                        _ = tokio::time::sleep(idle) => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming an export task");
                    tokio::time::sleep(cfg.poll).await;
                }
            }
        }
    })
}

async fn run(dir: &Directory, cfg: &Exports, owner: &str, task: ExportTask) {
    let started = Instant::now();
    tracing::info!(task = %task.id, kind = task.kind.as_str(), attempt = task.attempts, "export started");
    let lease = cfg.lease.as_millis() as i64;
    // Renews the lease; ends only when the task is no longer ours (deleted, or taken over
    // after our lease ran out while we were stalled).
    let heartbeat = async {
        loop {
            tokio::time::sleep(cfg.lease / 3).await;
            match dir.renew_export(&task.id, owner, lease).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => tracing::warn!(task = %task.id, error = %e, "renewing an export lease"),
            }
        }
    };
    let work = produce(dir, cfg, owner, &task);
    let outcome = tokio::select! {
        r = work => r,
        _ = heartbeat => {
            tracing::warn!(task = %task.id, "export abandoned: the task was deleted or taken over");
            return;
        }
    };
    match outcome {
        Ok(true) => tracing::info!(
            task = %task.id,
            ms = started.elapsed().as_millis() as u64,
            "export finished"
        ),
        Ok(false) => tracing::warn!(task = %task.id, "export finished but the task is gone"),
        Err(e) => {
            tracing::warn!(task = %task.id, error = %e, "export failed");
            let code = crate::core::exports::FailureKind::of(&e).as_str();
            if let Err(e2) = dir.fail_export(&task.id, owner, code, &e.to_string()).await {
                tracing::warn!(task = %task.id, error = %e2, "recording an export failure");
            }
        }
    }
}

/// Writes the task's workbook into a private temporary directory and stores it.
async fn produce(
    dir: &Directory,
    cfg: &Exports,
    owner: &str,
    task: &ExportTask,
) -> Result<bool, Error> {
    let spec: TaskSpec = serde_json::from_str(&task.spec)
        .map_err(|e| Error::Internal(format!("unreadable task spec: {e}")))?;
    let io = |e: std::io::Error| Error::Internal(format!("export temp files: {e}"));
    let work = super::workdir::WorkDir::new(cfg.tmpdir.as_deref()).map_err(io)?;
    let path = work.path().join("export.xlsx");
    let rows = export::write_workbook(
        dir,
        &task.account_id,
        &spec,
        &path,
        Some(work.path()),
        std::sync::Arc::new(|_| {}),
    )
    .await?;
    let keep = cfg.keep.as_millis() as i64;
    dir.finish_export(&task.id, owner, path, rows as i64, keep)
        .await
}
