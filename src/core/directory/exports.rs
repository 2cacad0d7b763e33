//! Export tasks (create, list, claim, finish, expire) and the batch reads exports walk with.

use tokio::io::AsyncReadExt;

use super::{check_batch, Directory};
use crate::core::error::{Entity, Error};
use crate::core::exports::*;
use crate::core::ids;
use crate::core::model::{Group, GroupFilter, Listing, Page, UserFilter};
use crate::store::{exports, groups, users};

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
            account_id: account_id.to_string(),
            project_id: project_id.to_string(),
            kind: spec.spec.kind().to_string(),
            spec: serde_json::to_string(&spec).map_err(|e| Error::Internal(e.to_string()))?,
            file_name,
            status: CREATING.to_string(),
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
        let mut tx = self.db.write().await?;
        exports::insert(&mut tx, &task).await?;
        tx.commit().await?;
        Ok(task)
    }

    pub async fn export_tasks(
        &self,
        project_id: &str,
        filter: &TaskFilter,
        page: Page,
    ) -> Result<Listing<ExportTask>, Error> {
        let column = filter.sort_column()?;
        if let Some(s) = &filter.status {
            crate::core::validate::one_of("status", s, &STATUSES)?;
        }
        for v in [&filter.file_name, &filter.task_id].into_iter().flatten() {
            crate::core::validate::keyword(v)?;
        }
        let mut tx = self.db.read().await?;
        let listing = exports::list(&mut tx, project_id, filter, column, page).await?;
        tx.commit().await?;
        Ok(listing)
    }

    /// A finished task's file, for download: the task (now marked downloaded) and its number
    /// of chunks. A task that is not SUCCESS has no file.
    pub async fn open_export_file(&self, project_id: &str, id: &str) -> Result<ExportTask, Error> {
        let mut tx = self.db.write().await?;
        let task = exports::get(&mut tx, project_id, id)
            .await?
            .ok_or_else(|| Error::NotFound(Entity::Task, id.to_string()))?;
        if task.status != SUCCESS {
            return Err(Error::Conflict(format!(
                "export task {id} has no file to download: its status is {}",
                task.status
            )));
        }
        exports::mark_downloaded(&mut tx, id).await?;
        tx.commit().await?;
        Ok(task)
    }

    /// Piece `seq` (from 0) of a finished task's file; None past the end.
    pub async fn export_chunk(&self, id: &str, seq: i64) -> Result<Option<Vec<u8>>, Error> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(exports::chunk(&mut conn, id, seq).await?)
    }

    /// Deletes tasks and their files. Ids that are not the project's tasks are an error and
    /// nothing is deleted. A task being written is deleted too; its worker notices at the end.
    pub async fn delete_exports(&self, project_id: &str, ids: &[String]) -> Result<(), Error> {
        let ids = check_batch("task_ids", ids)?;
        let mut tx = self.db.write().await?;
        let found = exports::existing_ids(&mut tx, project_id, &ids).await?;
        if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
            return Err(Error::NotFound(Entity::Task, missing.clone()));
        }
        exports::delete_many(&mut tx, project_id, &ids).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the oldest unclaimed task (or one whose worker's lease ran out) for `owner`.
    /// Tasks interrupted `max_attempts` times are marked FAIL first.
    pub async fn claim_export(
        &self,
        owner: &str,
        lease_ms: i64,
        max_attempts: i64,
    ) -> Result<Option<ExportTask>, Error> {
        let now = ids::now_ms();
        let mut tx = self.db.write().await?;
        exports::give_up_abandoned(&mut tx, now, max_attempts).await?;
        let task = exports::claim(&mut tx, self.db.backend, owner, now, now + lease_ms).await?;
        tx.commit().await?;
        Ok(task)
    }

    pub async fn renew_export(&self, id: &str, owner: &str, lease_ms: i64) -> Result<bool, Error> {
        let mut tx = self.db.write().await?;
        let mine = exports::renew(&mut tx, id, owner, ids::now_ms() + lease_ms).await?;
        tx.commit().await?;
        Ok(mine)
    }

    /// Stores a finished workbook (read from `file`) and marks the task SUCCESS, in one
    /// transaction; false (nothing stored) when the task is no longer `owner`'s.
    pub async fn finish_export(
        &self,
        id: &str,
        owner: &str,
        file: tokio::fs::File,
        rows: i64,
        keep_ms: i64,
    ) -> Result<bool, Error> {
        let now = ids::now_ms();
        let mut tx = self.db.write().await?;
        let mut size = 0i64;
        let mut seq = 0i64;
        let mut file = file;
        loop {
            let mut buf = Vec::with_capacity(CHUNK_BYTES);
            (&mut file)
                .take(CHUNK_BYTES as u64)
                .read_to_end(&mut buf)
                .await
                .map_err(|e| Error::Internal(format!("reading the finished workbook: {e}")))?;
            if buf.is_empty() {
                break;
            }
            size += buf.len() as i64;
            exports::insert_chunk(&mut tx, id, seq, buf).await?;
            seq += 1;
        }
        if !exports::finish(&mut tx, id, owner, now, rows, size, now + keep_ms).await? {
            return Ok(false); // dropped: rolled back
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn fail_export(
        &self,
        id: &str,
        owner: &str,
        code: &str,
        reason: &str,
    ) -> Result<bool, Error> {
        let mut tx = self.db.write().await?;
        let done = exports::fail(&mut tx, id, owner, ids::now_ms(), code, reason).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Removes the files of finished tasks past their expiry; returns how many expired.
    pub async fn expire_exports(&self) -> Result<u64, Error> {
        let mut tx = self.db.write().await?;
        let n = exports::expire(&mut tx, ids::now_ms()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The reads of one export, all through one connection (see `ExportReader`).
    pub async fn export_reader<'a>(
        &'a self,
        account_id: &'a str,
    ) -> Result<ExportReader<'a>, Error> {
        Ok(ExportReader {
            backend: self.db.backend,
            account_id,
            conn: tokio::sync::Mutex::new(self.db.pool.acquire().await?),
        })
    }
}

/// The reads of one export, through ONE pooled connection held from the first batch to the
/// last. Why one: the bundled SQLite is built with SQLITE_ENABLE_MEMORY_MANAGEMENT, so all
/// connections' page caches share one LRU, and two connections reading different parts of
/// the file (the batch scan and the group-name lookups) evicted each other's pages: with the
/// file mapping off (the one-pass commands), every miss is a read syscall, and a 1M-user
/// export read 2.3M pages of a 0.2M-page file; through one connection it reads 0.18M
/// (BENCHMARKS.md). The stages of an export share it in turn (a lookup waits for at most
/// one batch read).
pub struct ExportReader<'a> {
    backend: crate::store::Backend,
    account_id: &'a str,
    conn: tokio::sync::Mutex<sqlx::pool::PoolConnection<sqlx::Any>>,
}

impl ExportReader<'_> {
    /// The next batch of users passing `filter` after `after` (a `User::seq`), as the
    /// database built it; `users_of_batch` turns it into users. Two steps, so that an export
    /// reads the next batch while it parses this one.
    pub async fn scan_users(
        &self,
        filter: &UserFilter,
        after: i64,
        limit: i64,
    ) -> Result<users::ExportBatch, Error> {
        let mut conn = self.conn.lock().await;
        Ok(users::scan_export(
            &mut conn,
            self.backend,
            self.account_id,
            filter,
            after,
            limit,
        )
        .await?)
    }

    /// The users of a batch with their group names (in group creation order). `names` caches
    /// group names across the batches of one export.
    pub async fn users_of_batch(
        &self,
        batch: users::ExportBatch,
        names: &mut GroupNames,
    ) -> Result<UserBatch, Error> {
        let mut batch = users::parse_export(batch)?;
        let mut unknown: Vec<&str> = batch
            .users
            .iter()
            .flat_map(|u| users::split_group_ids(batch.group_ids(u)))
            .filter(|id| !names.0.contains_key(*id))
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            unknown.dedup();
            let mut conn = self.conn.lock().await;
            for chunk in unknown.chunks(super::MAX_BATCH) {
                for (id, seq, name) in
                    groups::names_by_ids(&mut conn, self.account_id, chunk).await?
                {
                    names.0.insert(id, (seq, name));
                }
            }
        }
        let mut joined = String::with_capacity(batch.users.len() * 16);
        let mut of_user: Vec<(i64, &str)> = Vec::new();
        let UserBatch { text, users, .. } = &mut batch;
        for u in users.iter_mut() {
            of_user.clear();
            for id in users::split_group_ids(at(text, u.group_ids)) {
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

    /// The next batch of groups (with parents) passing `filter` after `after`.
    pub async fn scan_groups(
        &self,
        filter: &GroupFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Group>, Error> {
        let mut conn = self.conn.lock().await;
        Ok(groups::scan(
            &mut conn,
            self.backend,
            self.account_id,
            filter,
            after,
            limit,
        )
        .await?)
    }
}
