//! Export tasks and their files on tokio-postgres.

use tokio_postgres::Row;

use super::sql::{execute, opt, rows, Sql};
use super::Client;
use crate::core::exports::{ExportTask, TaskFilter, TaskKind, TaskStatus};
use crate::core::model::{Listing, Page};
use crate::core::Error;
use crate::store::common::sort_column;

/// The columns `task` reads, by index.
macro_rules! cols {
    () => {
        "id, account_id, project_id, kind, spec, file_name, status, fail_reason, error_code, \
         created_at, end_time, is_download, attempts, row_count, file_size, expires_at"
    };
}
const COLS: &str = cols!();

/// A stored word that no longer names anything: the row is refused, not guessed at.
fn word<T>(r: &Row, i: usize, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, Error> {
    let s: String = r.try_get(i)?;
    parse(&s).ok_or_else(|| {
        Error::Internal(format!(
            "stored export task {column} {s:?} is not one this version knows"
        ))
    })
}

fn task(r: &Row) -> Result<ExportTask, Error> {
    Ok(ExportTask {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        project_id: r.try_get(2)?,
        kind: word(r, 3, "kind", TaskKind::parse)?,
        spec: r.try_get(4)?,
        file_name: r.try_get(5)?,
        status: word(r, 6, "status", TaskStatus::parse)?,
        fail_reason: r.try_get(7)?,
        error_code: r.try_get(8)?,
        created_at: r.try_get(9)?,
        end_time: r.try_get(10)?,
        is_download: r.try_get(11)?,
        attempts: r.try_get(12)?,
        row_count: r.try_get(13)?,
        file_size: r.try_get(14)?,
        expires_at: r.try_get(15)?,
    })
}

pub(super) async fn insert(c: &Client, t: &ExportTask) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO export_tasks (id, account_id, project_id, kind, spec, file_name, status, \
         created_at, file_name_fold) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            (&t.id).into(),
            (&t.account_id).into(),
            (&t.project_id).into(),
            t.kind.as_str().into(),
            (&t.spec).into(),
            (&t.file_name).into(),
            t.status.as_str().into(),
            t.created_at.into(),
            crate::store::common::fold(&t.file_name).into(),
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn get(
    c: &Client,
    project_id: &str,
    id: &str,
) -> Result<Option<ExportTask>, Error> {
    opt(
        c,
        concat!(
            "SELECT ",
            cols!(),
            " FROM export_tasks WHERE project_id = $1 AND id = $2"
        ),
        &[project_id.into(), id.into()],
    )
    .await?
    .as_ref()
    .map(task)
    .transpose()
}

/// `%text%` for LIKE with `\` escaping `\`, `%` and `_`.
fn contains_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for ch in s.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// A page of the project's tasks, in `f.sort` order (NULL end times last, then by id).
pub(super) async fn list(
    c: &Client,
    project_id: &str,
    f: &TaskFilter,
    page: Page,
) -> Result<Listing<ExportTask>, Error> {
    let sort_column = sort_column(f.sort);
    let mut sql = Sql::new(" FROM export_tasks WHERE project_id = ");
    sql.bind(project_id);
    if let Some(name) = f.file_name.as_deref().filter(|s| !s.is_empty()) {
        sql.push(" AND file_name_fold LIKE ")
            .bind(contains_pattern(&crate::store::common::fold(name)))
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
    let total: i64 = count.one(c).await?.try_get(0)?;
    let dir = if f.ascending { "ASC" } else { "DESC" };
    let mut select = sql.with_text(format!("SELECT {COLS}{}", sql.text));
    select
        .push(&format!(
            " ORDER BY {sort_column} IS NULL, {sort_column} {dir}, id {dir} LIMIT "
        ))
        .bind(page.limit)
        .push(" OFFSET ")
        .bind(page.offset);
    let items = select
        .rows(c)
        .await?
        .iter()
        .map(task)
        .collect::<Result<_, _>>()?;
    Ok(Listing { total, items })
}

/// Tasks that lost their worker too often end as FAIL instead of being taken up forever.
pub(super) async fn give_up_abandoned(
    c: &Client,
    now: i64,
    max_attempts: i64,
) -> Result<u64, Error> {
    execute(
        c,
        "UPDATE export_tasks SET status = $1, end_time = $2, error_code = 'interrupted', \
         fail_reason = 'the export was interrupted ' || attempts || ' times (server stopped or \
         restarted while writing it); create the export again' \
         WHERE status = $3 AND lease_until < $2 AND attempts >= $4",
        &[
            TaskStatus::Fail.as_str().into(),
            now.into(),
            TaskStatus::Creating.as_str().into(),
            max_attempts.into(),
        ],
    )
    .await
}

/// Claims the oldest task nobody holds: a lease for `owner` until `until`. Concurrent
/// claimers skip each other's locked rows (`FOR UPDATE SKIP LOCKED`).
pub(super) async fn claim(
    c: &Client,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<Option<ExportTask>, Error> {
    opt(
        c,
        concat!(
            "UPDATE export_tasks SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM export_tasks WHERE status = $3 AND lease_until < $4 \
             ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ",
            cols!()
        ),
        &[
            owner.into(),
            until.into(),
            TaskStatus::Creating.as_str().into(),
            now.into(),
        ],
    )
    .await?
    .as_ref()
    .map(task)
    .transpose()
}

/// Extends `owner`'s lease; false when the task is no longer its own.
pub(super) async fn renew(c: &Client, id: &str, owner: &str, until: i64) -> Result<bool, Error> {
    Ok(execute(
        c,
        "UPDATE export_tasks SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = $4",
        &[
            until.into(),
            id.into(),
            owner.into(),
            TaskStatus::Creating.as_str().into(),
        ],
    )
    .await?
        == 1)
}

/// Marks `owner`'s task finished; false (and nothing written) when it is no longer its own.
pub(super) async fn finish(
    c: &Client,
    id: &str,
    owner: &str,
    now: i64,
    rows: i64,
    size: i64,
    expires_at: i64,
) -> Result<bool, Error> {
    Ok(execute(
        c,
        "UPDATE export_tasks SET status = $1, end_time = $2, row_count = $3, file_size = $4, \
         expires_at = $5, lease_until = 0 WHERE id = $6 AND lease_owner = $7 AND status = $8",
        &[
            TaskStatus::Success.as_str().into(),
            now.into(),
            rows.into(),
            size.into(),
            expires_at.into(),
            id.into(),
            owner.into(),
            TaskStatus::Creating.as_str().into(),
        ],
    )
    .await?
        == 1)
}

/// Marks `owner`'s task FAIL with the kind of error that ended it.
pub(super) async fn fail(
    c: &Client,
    id: &str,
    owner: &str,
    now: i64,
    code: &str,
    reason: &str,
) -> Result<bool, Error> {
    Ok(execute(
        c,
        "UPDATE export_tasks SET status = $1, end_time = $2, error_code = $3, fail_reason = $4, \
         lease_until = 0 WHERE id = $5 AND lease_owner = $6 AND status = $7",
        &[
            TaskStatus::Fail.as_str().into(),
            now.into(),
            code.into(),
            reason.into(),
            id.into(),
            owner.into(),
            TaskStatus::Creating.as_str().into(),
        ],
    )
    .await?
        == 1)
}

pub(super) async fn insert_chunk(c: &Client, id: &str, seq: i64, data: &[u8]) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO export_chunks (task_id, seq, data) VALUES ($1, $2, $3)",
        &[id.into(), seq.into(), data.into()],
    )
    .await?;
    Ok(())
}

pub(super) async fn chunk(c: &Client, id: &str, seq: i64) -> Result<Option<Vec<u8>>, Error> {
    match opt(
        c,
        "SELECT data FROM export_chunks WHERE task_id = $1 AND seq = $2",
        &[id.into(), seq.into()],
    )
    .await?
    {
        Some(r) => Ok(Some(r.try_get(0)?)),
        None => Ok(None),
    }
}

pub(super) async fn mark_downloaded(c: &Client, id: &str) -> Result<(), Error> {
    execute(
        c,
        "UPDATE export_tasks SET is_download = TRUE WHERE id = $1",
        &[id.into()],
    )
    .await?;
    Ok(())
}

/// The project's task ids among `ids`.
pub(super) async fn existing_ids(
    c: &Client,
    project_id: &str,
    ids: &[String],
) -> Result<Vec<String>, Error> {
    rows(
        c,
        "SELECT id FROM export_tasks WHERE project_id = $1 AND id = ANY($2)",
        &[project_id.into(), ids.into()],
    )
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect()
}

/// Deletes the project's tasks among `ids` with their files; returns how many there were.
pub(super) async fn delete_many(
    c: &Client,
    project_id: &str,
    ids: &[String],
) -> Result<u64, Error> {
    execute(
        c,
        "DELETE FROM export_chunks WHERE task_id IN \
         (SELECT id FROM export_tasks WHERE project_id = $1 AND id = ANY($2))",
        &[project_id.into(), ids.into()],
    )
    .await?;
    execute(
        c,
        "DELETE FROM export_tasks WHERE project_id = $1 AND id = ANY($2)",
        &[project_id.into(), ids.into()],
    )
    .await
}

/// Finished files past their time: the file goes, the task stays listed as EXPIRED.
pub(super) async fn expire(c: &Client, now: i64) -> Result<u64, Error> {
    execute(
        c,
        "DELETE FROM export_chunks WHERE task_id IN \
         (SELECT id FROM export_tasks WHERE status = $1 AND expires_at <= $2)",
        &[TaskStatus::Success.as_str().into(), now.into()],
    )
    .await?;
    execute(
        c,
        "UPDATE export_tasks SET status = $1, file_size = 0 WHERE status = $2 AND expires_at <= $3",
        &[
            TaskStatus::Expired.as_str().into(),
            TaskStatus::Success.as_str().into(),
            now.into(),
        ],
    )
    .await
}
