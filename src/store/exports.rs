//! SQL for export tasks and their workbooks (kept in `export_chunks`, so any node serves them).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::query::Sql;
use super::{flag, Backend};
use crate::core::exports::{ExportTask, TaskFilter, TaskKind, TaskSort, TaskStatus};
use crate::core::model::{Listing, Page};

const COLS: &str = "id, account_id, project_id, kind, spec, file_name, status, fail_reason, \
    error_code, created_at, end_time, is_download, attempts, row_count, file_size, expires_at";

/// A stored word that no longer names anything: the row is refused, not guessed at.
fn word<T>(r: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    let s: String = r.try_get(column)?;
    parse(&s).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("stored export task {column} {s:?} is not one this version knows").into(),
    })
}

fn from_row(r: &AnyRow) -> Result<ExportTask, sqlx::Error> {
    Ok(ExportTask {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        project_id: r.try_get("project_id")?,
        kind: word(r, "kind", TaskKind::parse)?,
        spec: r.try_get("spec")?,
        file_name: r.try_get("file_name")?,
        status: word(r, "status", TaskStatus::parse)?,
        fail_reason: r.try_get("fail_reason")?,
        error_code: r.try_get("error_code")?,
        created_at: r.try_get("created_at")?,
        end_time: r.try_get("end_time")?,
        is_download: r.try_get::<i64, _>("is_download")? != 0,
        attempts: r.try_get("attempts")?,
        row_count: r.try_get("row_count")?,
        file_size: r.try_get("file_size")?,
        expires_at: r.try_get("expires_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, t: &ExportTask) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO export_tasks (id, account_id, project_id, kind, spec, file_name, status, \
         created_at, file_name_fold) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&t.id)
    .bind(&t.account_id)
    .bind(&t.project_id)
    .bind(t.kind.as_str())
    .bind(&t.spec)
    .bind(&t.file_name)
    .bind(t.status.as_str())
    .bind(t.created_at)
    .bind(super::search::fold(&t.file_name))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    project_id: &str,
    id: &str,
) -> Result<Option<ExportTask>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM export_tasks WHERE project_id = $1 AND id = $2"
    ))
    .bind(project_id)
    .bind(id)
    .fetch_optional(conn)
    .await?
    .map(|r| from_row(&r))
    .transpose()
}

/// The column a task listing sorts by (the same on both backends).
pub(crate) fn sort_column(sort: TaskSort) -> &'static str {
    match sort {
        TaskSort::CreateTime => "created_at",
        TaskSort::EndTime => "end_time",
        TaskSort::FileName => "file_name",
        TaskSort::Status => "status",
    }
}

/// A page of the project's tasks, in `f.sort` order.
pub async fn list(
    conn: &mut AnyConnection,
    project_id: &str,
    f: &TaskFilter,
    page: Page,
) -> Result<Listing<ExportTask>, sqlx::Error> {
    let sort_column = sort_column(f.sort);
    let mut sql = Sql::on(&*conn, " FROM export_tasks WHERE project_id = ");
    sql.bind(project_id);
    if let Some(name) = f.file_name.as_deref().filter(|s| !s.is_empty()) {
        // folded by the one function of every keyword (`search::fold`), on both backends
        let pattern = format!("%{}%", escape_like(&super::search::fold(name)));
        sql.push(" AND file_name_fold LIKE ")
            .bind(pattern)
            .push(" ESCAPE '\\'");
    }
    if let Some(id) = &f.task_id {
        sql.push(" AND id = ").bind(id);
    }
    if let Some(s) = f.status {
        sql.push(" AND status = ").bind(s.as_str());
    }
    if let Some(d) = f.is_download {
        sql.push(" AND is_download = ").bind(flag(d));
    }
    let count = sql.with_text(format!("SELECT count(*) AS n{}", sql.text));
    let total: i64 = count.query().fetch_one(&mut *conn).await?.try_get("n")?;
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
    let rows = select.query().fetch_all(&mut *conn).await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Listing { total, items })
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Tasks that lost their worker too often end as FAIL instead of being taken up forever.
pub async fn give_up_abandoned(
    conn: &mut AnyConnection,
    now: i64,
    max_attempts: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE export_tasks SET status = $1, end_time = $2, error_code = 'interrupted', \
         fail_reason = 'the export was interrupted ' || attempts || ' times (server stopped or \
         restarted while writing it); create the export again' \
         WHERE status = $3 AND lease_until < $2 AND attempts >= $4",
    )
    .bind(TaskStatus::Fail.as_str())
    .bind(now)
    .bind(TaskStatus::Creating.as_str())
    .bind(max_attempts)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Claims the oldest task nobody holds: a lease for `owner` until `until`. On PostgreSQL
/// concurrent claimers skip each other's locked rows (`FOR UPDATE SKIP LOCKED`); on SQLite
/// the write transaction is the lock.
pub async fn claim(
    conn: &mut AnyConnection,
    backend: Backend,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<Option<ExportTask>, sqlx::Error> {
    let skip = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    sqlx::query(&format!(
        "UPDATE export_tasks SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM export_tasks WHERE status = $3 AND lease_until < $4 \
         ORDER BY created_at, id LIMIT 1{skip}) RETURNING {COLS}"
    ))
    .bind(owner)
    .bind(until)
    .bind(TaskStatus::Creating.as_str())
    .bind(now)
    .fetch_optional(conn)
    .await?
    .map(|r| from_row(&r))
    .transpose()
}

/// Extends `owner`'s lease; false when the task is no longer its own (deleted, or taken up
/// by another node after the lease ran out).
pub async fn renew(
    conn: &mut AnyConnection,
    id: &str,
    owner: &str,
    until: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE export_tasks SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = $4",
    )
    .bind(until)
    .bind(id)
    .bind(owner)
    .bind(TaskStatus::Creating.as_str())
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Marks `owner`'s task finished; false (and nothing written) when it is no longer its own.
pub async fn finish(
    conn: &mut AnyConnection,
    id: &str,
    owner: &str,
    now: i64,
    rows: i64,
    size: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE export_tasks SET status = $1, end_time = $2, row_count = $3, file_size = $4, \
         expires_at = $5, lease_until = 0 WHERE id = $6 AND lease_owner = $7 AND status = $8",
    )
    .bind(TaskStatus::Success.as_str())
    .bind(now)
    .bind(rows)
    .bind(size)
    .bind(expires_at)
    .bind(id)
    .bind(owner)
    .bind(TaskStatus::Creating.as_str())
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn insert_chunk(
    conn: &mut AnyConnection,
    id: &str,
    seq: i64,
    data: Vec<u8>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO export_chunks (task_id, seq, data) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(seq)
        .bind(data)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn chunk(
    conn: &mut AnyConnection,
    id: &str,
    seq: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT data FROM export_chunks WHERE task_id = $1 AND seq = $2")
        .bind(id)
        .bind(seq)
        .fetch_optional(conn)
        .await
}

/// Marks a task FAIL (a worker's error); `owner` None for any task still CREATING.
pub async fn fail(
    conn: &mut AnyConnection,
    id: &str,
    owner: &str,
    now: i64,
    code: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE export_tasks SET status = $1, end_time = $2, error_code = $3, fail_reason = $4, \
         lease_until = 0 WHERE id = $5 AND lease_owner = $6 AND status = $7",
    )
    .bind(TaskStatus::Fail.as_str())
    .bind(now)
    .bind(code)
    .bind(reason)
    .bind(id)
    .bind(owner)
    .bind(TaskStatus::Creating.as_str())
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn mark_downloaded(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE export_tasks SET is_download = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The project's task ids among `ids`.
pub async fn existing_ids(
    conn: &mut AnyConnection,
    project_id: &str,
    ids: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let mut sql = Sql::on(&*conn, "SELECT id FROM export_tasks WHERE project_id = ");
    sql.bind(project_id)
        .push(" AND id IN (")
        .bind_list(ids)
        .push(")");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// Deletes the project's tasks among `ids` with their files; returns how many there were.
pub async fn delete_many(
    conn: &mut AnyConnection,
    project_id: &str,
    ids: &[String],
) -> Result<u64, sqlx::Error> {
    let mut chunks = Sql::on(
        &*conn,
        "DELETE FROM export_chunks WHERE task_id IN (SELECT id FROM export_tasks WHERE project_id = ",
    );
    chunks
        .bind(project_id)
        .push(" AND id IN (")
        .bind_list(ids)
        .push("))");
    chunks.query().execute(&mut *conn).await?;
    let mut tasks = Sql::on(&*conn, "DELETE FROM export_tasks WHERE project_id = ");
    tasks
        .bind(project_id)
        .push(" AND id IN (")
        .bind_list(ids)
        .push(")");
    Ok(tasks.query().execute(&mut *conn).await?.rows_affected())
}

/// Finished files past their time: the file goes, the task stays listed as EXPIRED.
pub async fn expire(conn: &mut AnyConnection, now: i64) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM export_chunks WHERE task_id IN \
         (SELECT id FROM export_tasks WHERE status = $1 AND expires_at <= $2)",
    )
    .bind(TaskStatus::Success.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query(
        "UPDATE export_tasks SET status = $1, file_size = 0 WHERE status = $2 AND expires_at <= $3",
    )
    .bind(TaskStatus::Expired.as_str())
    .bind(TaskStatus::Success.as_str())
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}
