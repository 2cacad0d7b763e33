//! Export tasks (create, list, claim, finish, expire) and the batch reads exports walk with.

use crate::core::model::AccountId;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{check_batch, Directory};
use crate::core::error::{Entity, Error};
use crate::core::exports::*;
use crate::core::ids;
use crate::core::model::{Group, GroupFilter, Listing, Page, UserFilter};
use crate::core::storage::ReadTx;

/// What an export reads: users passing a filter, or groups passing one.
#[derive(Debug, Clone)]
pub enum ExportRows {
    Users(UserFilter),
    Groups(GroupFilter),
}

/// One batch of an export's rows, in creation order.
pub enum ExportBatch {
    /// Users with the names of their groups filled in.
    Users(UserBatch),
    /// Groups with their parents.
    Groups(Vec<Group>),
}

/// Bytes per stored piece of a workbook: bounded memory when storing and serving files.
pub const CHUNK_BYTES: usize = 1 << 20;

impl Directory {
    /// Records a task for the worker; checks what it names exists now.
    pub async fn create_export(
        &self,
        account_id: &str,
        project_id: &str,
        spec: TaskSpec,
        file_name: String,
    ) -> Result<ExportTask, Error> {
        // what the worker will query must be text a row could hold: a NUL in a keyword made
        // the task FAIL on PostgreSQL, long after the caller was told it was accepted
        match &spec.spec {
            Spec::Users { filter } | Spec::GroupUsers { filter, .. } => {
                super::users::check_user_filter(filter)?
            }
            Spec::Groups { name, group_ids } => {
                super::groups::check_group_filter(&crate::core::model::GroupFilter {
                    keyword: name.clone(),
                    ids: group_ids.clone(),
                    ..Default::default()
                })?
            }
        }
        crate::core::validate::text("file name", &file_name, 255)?;
        if let Spec::GroupUsers { group_id, .. } = &spec.spec {
            self.group(account_id, group_id).await?;
        }
        if let Spec::Groups { group_ids, .. } = &spec.spec {
            if group_ids.len() > super::MAX_BATCH {
                return Err(Error::invalid(format!(
                    "group_ids must list at most {} ids",
                    super::MAX_BATCH
                )));
            }
        }
        let task = ExportTask {
            id: ids::new_id(),
            account_id: account_id.into(),
            project_id: project_id.into(),
            kind: spec.spec.kind(),
            spec: serde_json::to_string(&spec).map_err(|e| Error::Internal(e.to_string()))?,
            file_name,
            status: TaskStatus::Creating,
            fail_reason: None,
            error_code: None,
            created_at: ids::now_ms(),
            end_time: None,
            is_download: false,
            attempts: 0,
            row_count: 0,
            file_size: 0,
            expires_at: None,
        };
        let t = task.clone();
        self.writing(move |tx| tx.insert_export_task(&t)).await?;
        Ok(task)
    }

    pub async fn export_tasks(
        &self,
        project_id: &str,
        filter: &TaskFilter,
        page: Page,
    ) -> Result<Listing<ExportTask>, Error> {
        for v in [&filter.file_name, &filter.task_id].into_iter().flatten() {
            crate::core::validate::keyword(v)?;
        }
        let (project_id, filter) = (project_id.to_string(), filter.clone());
        self.reading(move |tx| tx.list_export_tasks(&project_id, &filter, page))
            .await
    }

    /// A finished task's file, for download: the task (now marked downloaded) and its number
    /// of chunks. A task that is not SUCCESS has no file.
    pub async fn open_export_file(&self, project_id: &str, id: &str) -> Result<ExportTask, Error> {
        let (project_id, id) = (project_id.to_string(), id.to_string());
        self.writing(move |tx| {
            let task = tx
                .export_task(&project_id, &id)?
                .ok_or_else(|| Error::NotFound(Entity::Task, id.clone()))?;
            if task.status != TaskStatus::Success {
                return Err(Error::Conflict(format!(
                    "export task {id} has no file to download: its status is {}",
                    task.status.as_str()
                )));
            }
            tx.mark_export_downloaded(&id)?;
            Ok(task)
        })
        .await
    }

    /// Piece `seq` (from 0) of a finished task's file; None past the end.
    pub async fn export_chunk(&self, id: &str, seq: i64) -> Result<Option<Vec<u8>>, Error> {
        let id = id.to_string();
        self.reading(move |tx| tx.export_chunk(&id, seq)).await
    }

    /// Deletes tasks and their files. Ids that are not the project's tasks are an error and
    /// nothing is deleted. A task being written is deleted too; its worker notices at the end.
    pub async fn delete_exports(&self, project_id: &str, ids: &[String]) -> Result<(), Error> {
        let ids = check_batch("task_ids", ids)?;
        let project_id = project_id.to_string();
        self.writing(move |tx| {
            let found = tx.export_task_ids(&project_id, &ids)?;
            if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
                return Err(Error::NotFound(Entity::Task, missing.clone()));
            }
            tx.delete_export_tasks(&project_id, &ids)?;
            Ok(())
        })
        .await
    }

    /// Takes the oldest unclaimed task (or one whose worker's lease ran out) for `owner`.
    /// Tasks interrupted `max_attempts` times are marked FAIL first.
    pub async fn claim_export(
        &self,
        owner: &str,
        lease_ms: i64,
        max_attempts: i64,
    ) -> Result<Option<ExportTask>, Error> {
        let owner = owner.to_string();
        self.writing(move |tx| {
            let now = ids::now_ms();
            tx.give_up_abandoned_exports(now, max_attempts)?;
            tx.claim_export(&owner, now, now + lease_ms)
        })
        .await
    }

    pub async fn renew_export(&self, id: &str, owner: &str, lease_ms: i64) -> Result<bool, Error> {
        let (id, owner) = (id.to_string(), owner.to_string());
        self.writing(move |tx| tx.renew_export(&id, &owner, ids::now_ms() + lease_ms))
            .await
    }

    /// Stores a finished workbook (read from `file`) and marks the task SUCCESS, in one
    /// transaction; false (nothing stored) when the task is no longer `owner`'s.
    pub async fn finish_export(
        &self,
        id: &str,
        owner: &str,
        file: PathBuf,
        rows: i64,
        keep_ms: i64,
    ) -> Result<bool, Error> {
        let (id, owner) = (id.to_string(), owner.to_string());
        self.writing(move |tx| {
            let now = ids::now_ms();
            let io =
                |e: std::io::Error| Error::Internal(format!("reading the finished workbook: {e}"));
            let mut file = std::fs::File::open(&file).map_err(io)?;
            let mut size = 0i64;
            let mut seq = 0i64;
            let mut buf = Vec::with_capacity(CHUNK_BYTES);
            loop {
                buf.clear();
                (&mut file)
                    .take(CHUNK_BYTES as u64)
                    .read_to_end(&mut buf)
                    .map_err(io)?;
                if buf.is_empty() {
                    break;
                }
                size += buf.len() as i64;
                tx.insert_export_chunk(&id, seq, &buf)?;
                seq += 1;
            }
            // not ours any more: the chunks go with the rolled-back transaction
            if !tx.finish_export(&id, &owner, now, rows, size, now + keep_ms)? {
                return Err(Error::Conflict(NOT_OURS.into()));
            }
            Ok(())
        })
        .await
        .map(|()| true)
        .or_else(|e| match e {
            Error::Conflict(m) if m == NOT_OURS => Ok(false),
            e => Err(e),
        })
    }

    pub async fn fail_export(
        &self,
        id: &str,
        owner: &str,
        code: &str,
        reason: &str,
    ) -> Result<bool, Error> {
        let (id, owner) = (id.to_string(), owner.to_string());
        let (code, reason) = (code.to_string(), reason.to_string());
        self.writing(move |tx| tx.fail_export(&id, &owner, ids::now_ms(), &code, &reason))
            .await
    }

    /// Removes the files of finished tasks past their expiry; returns how many expired.
    pub async fn expire_exports(&self) -> Result<u64, Error> {
        self.writing(|tx| tx.expire_exports(ids::now_ms())).await
    }

    /// Reads an export's rows in batches of `batch`, all in ONE read transaction (one
    /// snapshot, one connection: the bundled SQLite shares one page-cache LRU among all
    /// connections, and two connections reading different parts of the file evict each
    /// other's pages; BENCHMARKS.md), and sends them to `out` until the rows end or `out`
    /// is closed. Users come with their group names (in group creation order); `progress`
    /// gets the number of rows read so far.
    pub async fn read_export(
        &self,
        account_id: &str,
        rows: ExportRows,
        batch: i64,
        out: mpsc::Sender<ExportBatch>,
        progress: Arc<dyn Fn(u64) + Send + Sync>,
    ) -> Result<(), Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| match rows {
            ExportRows::Users(filter) => {
                let mut names = GroupNames::default();
                let mut after = 0i64;
                let mut n = 0u64;
                loop {
                    let raw = tx.export_users(&account_id, &filter, after, batch)?;
                    let Some(last) = raw.last_seq() else {
                        return Ok(());
                    };
                    let len = raw.len() as i64;
                    let named = name_groups(tx, &account_id, raw, &mut names)?;
                    n += len as u64;
                    if out.blocking_send(ExportBatch::Users(named)).is_err() {
                        return Ok(()); // the writer stopped: its error is the one to report
                    }
                    progress(n);
                    if len < batch {
                        return Ok(());
                    }
                    after = last;
                }
            }
            ExportRows::Groups(filter) => {
                let mut after = 0i64;
                let mut n = 0u64;
                loop {
                    let rows = tx.groups_after(&account_id, &filter, after, batch)?;
                    let Some(last) = rows.last().map(|g| g.seq) else {
                        return Ok(());
                    };
                    let len = rows.len() as i64;
                    n += len as u64;
                    if out.blocking_send(ExportBatch::Groups(rows)).is_err() {
                        return Ok(());
                    }
                    progress(n);
                    if len < batch {
                        return Ok(());
                    }
                    after = last;
                }
            }
        })
        .await
    }
}

/// `finish_export`'s marker for a task that is no longer the worker's own.
const NOT_OURS: &str = "the export task is no longer this worker's";

/// Fills in the group names of a batch's users (in group creation order). `names` caches
/// group names across the batches of one export, so each group is looked up once.
fn name_groups(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    mut batch: UserBatch,
    names: &mut GroupNames,
) -> Result<UserBatch, Error> {
    let mut unknown: Vec<&str> = batch
        .users
        .iter()
        .flat_map(|u| split_group_ids(batch.group_ids(u)))
        .filter(|id| !names.0.contains_key(*id))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        unknown.dedup();
        for chunk in unknown.chunks(super::MAX_BATCH) {
            for (id, seq, name) in tx.group_names_by_ids(account_id, chunk)? {
                names.0.insert(id, (seq, name));
            }
        }
    }
    let mut joined = String::with_capacity(batch.users.len() * 16);
    let mut of_user: Vec<(i64, &str)> = Vec::new();
    let UserBatch { text, users, .. } = &mut batch;
    for u in users.iter_mut() {
        of_user.clear();
        for id in split_group_ids(at(text, u.group_ids)) {
            if let Some((seq, name)) = names.0.get(id) {
                of_user.push((*seq, name));
            }
        }
        of_user.sort_unstable();
        let from = joined.len() as u32;
        for (i, (_, name)) in of_user.iter().enumerate() {
            if i > 0 {
                joined.push('\n');
            }
            joined.push_str(name);
        }
        u.group_names = (from, joined.len() as u32);
    }
    batch.names = joined;
    Ok(batch)
}
