//! Export tasks and their files: the SQL of `store::exports` on rusqlite.

use rusqlite::{Connection, Row};

use super::sql::Sql;
use crate::core::exports::{ExportTask, TaskFilter};
use crate::core::model::{Listing, Page};
use crate::store::search::fold;

macro_rules! cols {
    () => {
        "id, account_id, project_id, kind, spec, file_name, status, fail_reason, error_code, \
         created_at, end_time, is_download, attempts, row_count, file_size, expires_at"
    };
}
const COLS: &str = cols!();

fn task(r: &Row<'_>) -> rusqlite::Result<ExportTask> {
    Ok(ExportTask {
        id: r.get(0)?,
        account_id: r.get(1)?,
        project_id: r.get(2)?,
        kind: r.get(3)?,
        spec: r.get(4)?,
        file_name: r.get(5)?,
        status: r.get(6)?,
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

/// A page of the project's tasks with their number. `sort_column` must be one of
/// `TaskFilter::sort_column`'s names (it goes into the SQL text; anything else is an error).
pub(super) fn list(
    conn: &Connection,
    project_id: &str,
    f: &TaskFilter,
    sort_column: &str,
    page: Page,
) -> rusqlite::Result<Listing<ExportTask>> {
    if !matches!(sort_column, "created_at" | "end_time" | "file_name" | "status") {
        return Err(rusqlite::Error::InvalidColumnName(sort_column.to_string()));
    }
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
    if let Some(s) = &f.status {
        sql.push(" AND status = ").bind(s);
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
pub(super) fn chunk(conn: &Connection, task_id: &str, seq: i64) -> rusqlite::Result<Option<Vec<u8>>> {
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

