//! Writing an export's workbook: rows are read from the database in bounded batches on the
//! async side and written on a blocking thread, so reading and zipping overlap and memory
//! holds at most a few batches whatever the number of rows.

use std::path::Path;

use tokio::sync::mpsc;

use crate::core::exports::{ExportedUser, GroupNames, Spec, TaskSpec};
use crate::core::model::{Group, GroupFilter};
use crate::core::{Directory, Error};
use crate::excel::{GroupSheet, UserSheet};

/// Rows read per query.
const BATCH: i64 = 2000;
/// Batches in flight between the reader and the writer.
const IN_FLIGHT: usize = 4;

enum Batch {
    Users(Vec<ExportedUser>),
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
                for u in &batch {
                    sheet.push(u)?;
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
    let read = read_rows(dir, account_id, &spec.spec, tx, progress).await;
    let written = writer
        .await
        .map_err(|e| Error::Internal(format!("workbook writer: {e}")))?;
    // a read error explains a short file; a writer error explains a closed channel
    read?;
    written
}

async fn read_rows(
    dir: &Directory,
    account_id: &str,
    spec: &Spec,
    tx: mpsc::Sender<Batch>,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(), Error> {
    let mut after = 0i64;
    let mut n = 0u64;
    let mut names = GroupNames::default();
    loop {
        let (batch, last, len) = match spec {
            Spec::Users { filter } | Spec::GroupUsers { filter, .. } => {
                let mut filter = filter.clone();
                if let Spec::GroupUsers { group_id, .. } = spec {
                    filter.group_id = Some(group_id.clone());
                }
                let rows = dir
                    .scan_users(account_id, &filter, after, BATCH, &mut names)
                    .await?;
                let last = rows.last().map(|u| u.seq);
                let len = rows.len();
                (Batch::Users(rows), last, len)
            }
            Spec::Groups { name, group_ids } => {
                let filter = GroupFilter {
                    keyword: name.clone(),
                    ids: group_ids.clone(),
                    ..GroupFilter::default()
                };
                let rows = dir.scan_groups(account_id, &filter, after, BATCH).await?;
                let last = rows.last().map(|g| g.seq);
                let len = rows.len();
                (Batch::Groups(rows), last, len)
            }
        };
        let Some(last) = last else { return Ok(()) };
        after = last;
        n += len as u64;
        if tx.send(batch).await.is_err() {
            return Ok(()); // the writer stopped: its error is the one to report
        }
        progress(n);
        if (len as i64) < BATCH {
            return Ok(());
        }
    }
}
