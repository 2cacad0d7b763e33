//! Writing an export's workbook: rows are read from the database in bounded batches on the
//! async side and written on a blocking thread, so reading and zipping overlap and memory
//! holds at most a few batches whatever the number of rows.

use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::core::directory::{ExportBatch, ExportRows};
use crate::core::exports::{Spec, TaskSpec};
use crate::core::model::GroupFilter;
use crate::core::{Directory, Error};
use crate::excel::{GroupSheet, UserSheet};

/// Rows read per query.
const BATCH: i64 = 2000;
/// Batches in flight between the reader and the writer.
const IN_FLIGHT: usize = 2;

/// Writes the workbook of `spec` for `account_id` to `path`; returns the number of data rows.
/// `progress` gets the number of rows read so far. The rows are read (and users' groups
/// named) on one blocking thread in one read transaction (`Directory::read_export`) while
/// another writes the sheet, so reading and zipping overlap and memory holds at most a few
/// batches whatever the number of rows.
pub async fn write_workbook(
    dir: &Directory,
    account_id: &str,
    spec: &TaskSpec,
    path: &Path,
    tmpdir: Option<&Path>,
    progress: Arc<dyn Fn(u64) + Send + Sync>,
) -> Result<u64, Error> {
    let (tx, mut rx) = mpsc::channel::<ExportBatch>(IN_FLIGHT);
    let lang = spec.language;
    let users = !matches!(spec.spec, Spec::Groups { .. });
    let (path, tmp) = (path.to_owned(), tmpdir.map(Path::to_owned));
    let writer = tokio::task::spawn_blocking(move || -> Result<u64, Error> {
        if users {
            let mut sheet = UserSheet::new(lang, tmp.as_deref())?;
            while let Some(ExportBatch::Users(batch)) = rx.blocking_recv() {
                for u in batch.rows() {
                    sheet.push(&u)?;
                }
            }
            sheet.save(&path)
        } else {
            let mut sheet = GroupSheet::new(lang, tmp.as_deref())?;
            while let Some(ExportBatch::Groups(batch)) = rx.blocking_recv() {
                for g in &batch {
                    sheet.push(g)?;
                }
            }
            sheet.save(&path)
        }
    });
    let rows = match &spec.spec {
        Spec::Users { filter } | Spec::GroupUsers { filter, .. } => {
            let mut filter = filter.clone();
            if let Spec::GroupUsers { group_id, .. } = &spec.spec {
                filter.group_id = Some(group_id.clone());
            }
            ExportRows::Users(filter)
        }
        Spec::Groups { name, group_ids } => ExportRows::Groups(GroupFilter {
            keyword: name.clone(),
            ids: group_ids.clone(),
            ..GroupFilter::default()
        }),
    };
    let read = dir.read_export(account_id, rows, BATCH, tx, progress).await;
    let written = writer
        .await
        .map_err(|e| Error::Internal(format!("workbook writer: {e}")))?;
    // a read error explains a short file; a writer error explains a closed channel
    read?;
    written
}
