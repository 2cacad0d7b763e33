//! Writing an export's workbook: rows are read from the database in bounded batches on the
//! async side and written on a blocking thread, so reading and zipping overlap and memory
//! holds at most a few batches whatever the number of rows.

use std::path::Path;

use tokio::sync::mpsc;

use crate::core::directory::ExportReader;
use crate::core::exports::{GroupNames, Spec, TaskSpec, UserBatch};
use crate::core::model::{Group, GroupFilter, UserFilter};
use crate::core::{Directory, Error};
use crate::excel::{GroupSheet, UserSheet};

/// Rows read per query.
const BATCH: i64 = 2000;
/// Batches in flight between the reader and the writer.
const IN_FLIGHT: usize = 2;

enum Batch {
    Users(UserBatch),
    Groups(Vec<Group>),
}

/// Writes the workbook of `spec` for `account_id` to `path`; returns the number of data rows.
/// `progress` gets the number of rows read so far.
pub async fn write_workbook(
    dir: &Directory,
    account_id: &str,
    spec: &TaskSpec,
    path: &Path,
    tmpdir: Option<&Path>,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<u64, Error> {
    let (tx, mut rx) = mpsc::channel::<Batch>(IN_FLIGHT);
    let lang = spec.language;
    let users = !matches!(spec.spec, Spec::Groups { .. });
    let (path, tmp) = (path.to_owned(), tmpdir.map(Path::to_owned));
    let writer = tokio::task::spawn_blocking(move || -> Result<u64, Error> {
        if users {
            let mut sheet = UserSheet::new(lang, tmp.as_deref())?;
            while let Some(Batch::Users(batch)) = rx.blocking_recv() {
                for u in batch.rows() {
                    sheet.push(&u)?;
                }
            }
            sheet.save(&path)
        } else {
            let mut sheet = GroupSheet::new(lang, tmp.as_deref())?;
            while let Some(Batch::Groups(batch)) = rx.blocking_recv() {
                for g in &batch {
                    sheet.push(g)?;
                }
            }
            sheet.save(&path)
        }
    });
    let read = async {
        let reader = dir.export_reader(account_id).await?;
        read_rows(&reader, &spec.spec, tx, progress).await
    }
    .await;
    let written = writer
        .await
        .map_err(|e| Error::Internal(format!("workbook writer: {e}")))?;
    // a read error explains a short file; a writer error explains a closed channel
    read?;
    written
}

async fn read_rows(
    dir: &ExportReader<'_>,
    spec: &Spec,
    tx: mpsc::Sender<Batch>,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(), Error> {
    match spec {
        Spec::Users { filter } | Spec::GroupUsers { filter, .. } => {
            let mut filter = filter.clone();
            if let Spec::GroupUsers { group_id, .. } = spec {
                filter.group_id = Some(group_id.clone());
            }
            read_users(dir, &filter, tx, progress).await
        }
        Spec::Groups { name, group_ids } => {
            let filter = GroupFilter {
                keyword: name.clone(),
                ids: group_ids.clone(),
                ..GroupFilter::default()
            };
            let mut after = 0i64;
            let mut n = 0u64;
            loop {
                let rows = dir.scan_groups(&filter, after, BATCH).await?;
                let Some(last) = rows.last().map(|g| g.seq) else {
                    return Ok(());
                };
                let len = rows.len();
                after = last;
                n += len as u64;
                if tx.send(Batch::Groups(rows)).await.is_err() {
                    return Ok(()); // the writer stopped: its error is the one to report
                }
                progress(n);
                if (len as i64) < BATCH {
                    return Ok(());
                }
            }
        }
    }
}

/// Users in three overlapping stages: the database builds batch k+1 (on its connection's
/// thread) while batch k is parsed and named here and batch k-1 is written.
async fn read_users(
    dir: &ExportReader<'_>,
    filter: &UserFilter,
    tx: mpsc::Sender<Batch>,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(), Error> {
    let (raw_tx, mut raw_rx) = mpsc::channel(1);
    let fetch = async move {
        let mut after = 0i64;
        loop {
            let batch = dir.scan_users(filter, after, BATCH).await?;
            let (last, rows) = (batch.last, batch.rows);
            let Some(last) = last else {
                return Ok::<_, Error>(());
            };
            if raw_tx.send(batch).await.is_err() {
                return Ok(()); // the next stage stopped: its error is the one to report
            }
            if rows < BATCH {
                return Ok(());
            }
            after = last;
        }
    };
    let parse = async move {
        let mut names = GroupNames::default();
        let mut n = 0u64;
        while let Some(batch) = raw_rx.recv().await {
            let rows = dir.users_of_batch(batch, &mut names).await?;
            n += rows.len() as u64;
            if tx.send(Batch::Users(rows)).await.is_err() {
                return Ok(()); // the writer stopped: its error is the one to report
            }
            progress(n);
        }
        Ok::<_, Error>(())
    };
    let (fetched, parsed) = tokio::join!(fetch, parse);
    fetched.and(parsed)
}
