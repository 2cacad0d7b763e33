//! Export tasks and their files on rusqlite.

use rusqlite::{Connection, Row};

use super::sql::Sql;
use crate::core::exports::{ExportTask, FailureKind, TaskFilter, TaskKind, TaskStatus};
use crate::core::model::{Listing, Page};
use crate::store::common::fold;

macro_rules! cols {
    () => {
        "id, account_id, project_id, kind, spec, file_name, status, fail_reason, error_code, \
         created_at, end_time, is_download, attempts, row_count, file_size, expires_at"
    };
}
const COLS: &str = cols!();

/// A stored word that no longer names anything: the row is refused, not guessed at.
fn unknown_word(i: usize, what: &str, word: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        format!("stored export task {what} {word:?} is not one this version knows").into(),
    )
}

fn task(r: &Row<'_>) -> rusqlite::Result<ExportTask> {
    let kind = r.get_ref(3)?.as_str()?;
    let status = r.get_ref(6)?.as_str()?;
    Ok(ExportTask {
        id: r.get(0)?,
        account_id: r.get(1)?,
        project_id: r.get(2)?,
        kind: TaskKind::parse(kind).ok_or_else(|| unknown_word(3, "kind", kind))?,
        spec: r.get(4)?,
        file_name: r.get(5)?,
        status: TaskStatus::parse(status).ok_or_else(|| unknown_word(6, "status", status))?,
        fail_reason: r.get(7)?,
        error_code: r.get(8)?,
        created_at: r.get(9)?,
        end_time: r.get(10)?,
        is_download: r.get(11)?,
        attempts: r.get(12)?,
        row_count: r.get(13)?,
        file_size: r.get(14)?,
        expires_at: r.get(15)?,
    })
}

pub(super) fn get(
    conn: &Connection,
    project_id: &str,
    id: &str,
) -> rusqlite::Result<Option<ExportTask>> {
    const SQL: &str = concat!(
        "SELECT ",
        cols!(),
        " FROM export_tasks WHERE project_id = ? AND id = ?"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let mut rows = stmt.query([project_id, id])?;
    rows.next()?.map(task).transpose()
}

/// `LIKE` text matching `s` literally, with `\` as the escape character.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A page of the project's tasks with their number, in `f.sort` order.
pub(super) fn list(
    conn: &Connection,
    project_id: &str,
    f: &TaskFilter,
    page: Page,
) -> rusqlite::Result<Listing<ExportTask>> {
    let sort_column = crate::store::common::sort_column(f.sort);
    let mut sql = Sql::new(" FROM export_tasks WHERE project_id = ");
    sql.bind(project_id);
    if let Some(name) = f.file_name.as_deref().filter(|s| !s.is_empty()) {
        // folded by the one function of every keyword, like the stored column
        sql.push(" AND file_name_fold LIKE ")
            .bind(escape_like(&fold(name)))
            .push(" ESCAPE '\\'");
    }
    if let Some(id) = &f.task_id {
        sql.push(" AND id = ").bind(id);
    }
    if let Some(s) = f.status {
        sql.push(" AND status = ").bind(s.as_str());
    }
    if let Some(d) = f.is_download {
        sql.push(" AND is_download = ").bind(d);
    }
    let count = sql.with_text(format!("SELECT count(*){}", sql.text));
    let total = count.collect(conn, |r| r.get::<_, i64>(0))?[0];
    let dir = if f.ascending { "ASC" } else { "DESC" };
    let mut select = sql.with_text(format!("SELECT {COLS}{}", sql.text));
    // NULL end times (unfinished tasks) sort last either way; id breaks ties stably
    select
        .push(&format!(
            " ORDER BY {sort_column} IS NULL, {sort_column} {dir}, id {dir} LIMIT "
        ))
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    Ok(Listing {
        total,
        items: select.collect(conn, task)?,
    })
}

/// Piece `seq` of a task's file.
pub(super) fn chunk(
    conn: &Connection,
    task_id: &str,
    seq: i64,
) -> rusqlite::Result<Option<Vec<u8>>> {
    let mut stmt =
        conn.prepare_cached("SELECT data FROM export_chunks WHERE task_id = ? AND seq = ?")?;
    let mut rows = stmt.query(rusqlite::params![task_id, seq])?;
    rows.next()?.map(|r| r.get(0)).transpose()
}

/// The project's task ids among `ids`.
pub(super) fn existing_ids(
    conn: &Connection,
    project_id: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        let mut sql = Sql::new("SELECT id FROM export_tasks WHERE project_id = ");
        sql.bind(project_id)
            .push(" AND id IN (")
            .bind_list(chunk)
            .push(")");
        sql.each(conn, |r| {
            out.push(r.get(0)?);
            Ok(())
        })?;
    }
    Ok(out)
}

// writes

pub(super) fn insert(conn: &Connection, t: &ExportTask) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO export_tasks (id, account_id, project_id, kind, spec, file_name, status, \
         created_at, file_name_fold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(rusqlite::params![
        t.id,
        t.account_id,
        t.project_id,
        t.kind.as_str(),
        t.spec,
        t.file_name,
        t.status.as_str(),
        t.created_at,
        fold(&t.file_name)
    ])?;
    Ok(())
}

/// Tasks that lost their worker `max_attempts` times and whose lease ran out end as FAIL.
pub(super) fn give_up_abandoned(
    conn: &Connection,
    now: i64,
    max_attempts: i64,
) -> rusqlite::Result<u64> {
    let n = conn
        .prepare_cached(
            "UPDATE export_tasks SET status = ?, end_time = ?, error_code = ?, \
             fail_reason = 'the export was interrupted ' || attempts || ' times (server stopped or \
             restarted while writing it); create the export again' \
             WHERE status = ? AND lease_until < ? AND attempts >= ?",
        )?
        .execute(rusqlite::params![
            TaskStatus::Fail.as_str(),
            now,
            FailureKind::Interrupted.as_str(),
            TaskStatus::Creating.as_str(),
            now,
            max_attempts
        ])?;
    Ok(n as u64)
}

/// Claims the oldest task nobody holds (the write transaction is the lock on SQLite).
pub(super) fn claim(
    conn: &Connection,
    owner: &str,
    now: i64,
    until: i64,
) -> rusqlite::Result<Option<ExportTask>> {
    const SQL: &str = concat!(
        "UPDATE export_tasks SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM export_tasks WHERE status = ? AND lease_until < ? \
         ORDER BY created_at, id LIMIT 1) RETURNING ",
        cols!()
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let mut rows = stmt.query(rusqlite::params![
        owner,
        until,
        TaskStatus::Creating.as_str(),
        now
    ])?;
    rows.next()?.map(task).transpose()
}

/// Extends `owner`'s lease; false when the task is no longer its own.
pub(super) fn renew(
    conn: &Connection,
    id: &str,
    owner: &str,
    until: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE export_tasks SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = ?",
        )?
        .execute(rusqlite::params![until, id, owner, TaskStatus::Creating.as_str()])?;
    Ok(n == 1)
}

pub(super) fn insert_chunk(
    conn: &Connection,
    id: &str,
    seq: i64,
    data: &[u8],
) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO export_chunks (task_id, seq, data) VALUES (?, ?, ?)")?
        .execute(rusqlite::params![id, seq, data])?;
    Ok(())
}

/// Marks `owner`'s task SUCCESS; false (nothing written) when it is no longer its own.
#[allow(clippy::too_many_arguments)]
pub(super) fn finish(
    conn: &Connection,
    id: &str,
    owner: &str,
    now: i64,
    rows: i64,
    size: i64,
    expires_at: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE export_tasks SET status = ?, end_time = ?, row_count = ?, file_size = ?, \
             expires_at = ?, lease_until = 0 WHERE id = ? AND lease_owner = ? AND status = ?",
        )?
        .execute(rusqlite::params![
            TaskStatus::Success.as_str(),
            now,
            rows,
            size,
            expires_at,
            id,
            owner,
            TaskStatus::Creating.as_str()
        ])?;
    Ok(n == 1)
}

/// Marks `owner`'s task FAIL with the kind of error that ended it.
pub(super) fn fail(
    conn: &Connection,
    id: &str,
    owner: &str,
    now: i64,
    code: &str,
    reason: &str,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE export_tasks SET status = ?, end_time = ?, error_code = ?, fail_reason = ?, \
             lease_until = 0 WHERE id = ? AND lease_owner = ? AND status = ?",
        )?
        .execute(rusqlite::params![
            TaskStatus::Fail.as_str(),
            now,
            code,
            reason,
            id,
            owner,
            TaskStatus::Creating.as_str()
        ])?;
    Ok(n == 1)
}

pub(super) fn mark_downloaded(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE export_tasks SET is_download = 1 WHERE id = ?")?
        .execute([id])?;
    Ok(())
}

/// Deletes the project's tasks among `ids` with their files; returns how many there were.
pub(super) fn delete_many(
    conn: &Connection,
    project_id: &str,
    ids: &[String],
) -> rusqlite::Result<u64> {
    let mut deleted = 0u64;
    for chunk in ids.chunks(1000) {
        let mut chunks = Sql::new(
            "DELETE FROM export_chunks WHERE task_id IN \
             (SELECT id FROM export_tasks WHERE project_id = ",
        );
        chunks
            .bind(project_id)
            .push(" AND id IN (")
            .bind_list(chunk)
            .push("))");
        chunks.execute(conn)?;
        let mut tasks = Sql::new("DELETE FROM export_tasks WHERE project_id = ");
        tasks
            .bind(project_id)
            .push(" AND id IN (")
            .bind_list(chunk)
            .push(")");
        deleted += tasks.execute(conn)? as u64;
    }
    Ok(deleted)
}

/// Files of finished tasks past their time go; the tasks stay, EXPIRED.
pub(super) fn expire(conn: &Connection, now: i64) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "DELETE FROM export_chunks WHERE task_id IN \
         (SELECT id FROM export_tasks WHERE status = ? AND expires_at <= ?)",
    )?
    .execute(rusqlite::params![TaskStatus::Success.as_str(), now])?;
    let n = conn
        .prepare_cached(
            "UPDATE export_tasks SET status = ?, file_size = 0 WHERE status = ? AND expires_at <= ?",
        )?
        .execute(rusqlite::params![TaskStatus::Expired.as_str(), TaskStatus::Success.as_str(), now])?;
    Ok(n as u64)
}
