//! Data steps: changes of stored data that SQL cannot make because they need Rust. They run
//! in `Db::migrate` after the schema migrations, each once: a step is recorded in
//! `data_steps` (migration 0008) when it has finished. A step is idempotent (it computes the
//! same values again), so a node that dies half-way, or two nodes starting at once, do no
//! harm: the step simply runs (again) to its end.
//!
//! **fold-v2** (issue 12): folding went from `to_lowercase` to [`fold`] (NFC of
//! Unicode full case folding), and the nick name got a folded column. The step walks every
//! user and group in batches of [`BATCH`] rows (one write transaction each), puts names,
//! descriptions and nick names in NFC and recomputes `name_fold`, `description_fold` and
//! `alias_name_fold`; rows whose values do not change are not written. On SQLite the users'
//! FTS5 index is emptied before and rebuilt from the folded columns after (in one
//! statement: row by row through the triggers was ten times slower), so searches during
//! the step (only `roster migrate` beside a running server could see them) miss users.
//!
//! Legacy rows are kept readable, never refused or deleted:
//! - a name that breaks today's rules (a control character, white space at an end) is kept
//!   as it is and reported in the log (`warn`, with account, id and the name's escape form);
//! - two names of one account that were different under the old folding but are equal under
//!   the new one (`Café` typed two ways, `STRASSE` and `Straße`): the row that already holds
//!   the folded value, or the one refolded first, keeps it; the other keeps its stored name
//!   and gets the folded value `fold(name) + U+0001 + seq` (U+0001 can be neither typed into
//!   a name nor searched for, so no new name or exact lookup ever equals it, while keyword
//!   searches still find the row). It is reported in the log; it remains reachable by id
//!   and by keyword, and an administrator can rename it.

use std::collections::HashSet;

use super::common::fold;
use super::raw::{Conn, Value};
use super::Backend;
use crate::core::{ids, validate, Error};

/// The step that recomputes every folded column with today's `search::fold`.
pub const FOLD_V2: &str = "fold-v2";

/// Rows read and written per transaction. Large: on SQLite each commit flushes a new FTS5
/// segment and merges segments, which cost more than the rows themselves at 1,000 rows a
/// transaction (100,000 users: 44 s at 1,000, see BENCHMARKS.md).
pub const BATCH: i64 = 10_000;

/// Rows per UPDATE statement.
const UPDATE_ROWS: usize = 1_000;

/// Most legacy names reported one by one in the log (the rest are counted).
const MAX_REPORTED: u64 = 100;

/// What the fold-v2 step did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefoldReport {
    /// Rows written (their stored text or folded columns changed).
    pub users_changed: u64,
    pub groups_changed: u64,
    /// Rows whose new folded name was already another row's (see the module's documentation).
    pub collisions: u64,
    /// Rows whose name breaks today's name rules (kept as they are).
    pub illegal_names: u64,
}

/// The step that fills `export_tasks.file_name_fold` (migration 0010) of older tasks.
pub const FILE_NAME_FOLD: &str = "export-file-name-fold";

async fn is_done(conn: &mut Conn, step: &str) -> Result<bool, Error> {
    let done = conn
        .query_opt("SELECT 1 FROM data_steps WHERE name = $1", &[step.into()])
        .await?;
    Ok(done.is_some())
}

async fn record(conn: &mut Conn, step: &str) -> Result<(), Error> {
    conn.write(async |c: &mut Conn| {
        c.execute(
            "INSERT INTO data_steps (name, applied_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
            &[step.into(), ids::now_ms().into()],
        )
        .await
    })
    .await?;
    Ok(())
}

/// Fills the folded file name of export tasks that have none (made before migration 0010),
/// 1,000 a transaction; returns how many. Idempotent.
pub async fn fold_file_names(conn: &mut Conn) -> Result<u64, Error> {
    let mut n = 0;
    loop {
        let done = conn
            .write(async |c: &mut Conn| {
                let rows = c
                    .query(
                        "SELECT id, file_name FROM export_tasks WHERE file_name_fold IS NULL \
                         ORDER BY id LIMIT 1000",
                        &[],
                    )
                    .await?;
                for r in &rows {
                    c.execute(
                        "UPDATE export_tasks SET file_name_fold = $1 WHERE id = $2",
                        &[fold(&r[1].text()).into(), r[0].clone()],
                    )
                    .await?;
                }
                Ok(rows.len() as u64)
            })
            .await?;
        if done == 0 {
            return Ok(n);
        }
        n += done;
    }
}

/// The step that fills `access_keys.credential_id` (migration 0017) of older keys: Keystone's
/// id of the key as an ec2 credential, the SHA-256 of its access key.
pub const EC2_CREDENTIAL_IDS: &str = "ec2-credential-ids";

/// Gives every access key without a credential id its id
/// (`core::keystone_credentials::ec2_credential_id`), 1,000 a transaction; returns how
/// many. Idempotent.
pub async fn fill_credential_ids(conn: &mut Conn) -> Result<u64, Error> {
    let mut n = 0;
    loop {
        let done = conn
            .write(async |c: &mut Conn| {
                let rows = c
                    .query(
                        "SELECT access_key FROM access_keys WHERE credential_id IS NULL \
                         ORDER BY access_key LIMIT 1000",
                        &[],
                    )
                    .await?;
                for r in &rows {
                    let id = crate::core::keystone_credentials::ec2_credential_id(&r[0].text());
                    c.execute(
                        "UPDATE access_keys SET credential_id = $1 WHERE access_key = $2",
                        &[id.into(), r[0].clone()],
                    )
                    .await?;
                }
                Ok(rows.len() as u64)
            })
            .await?;
        if done == 0 {
            return Ok(n);
        }
        n += done;
    }
}

/// Runs the data steps not yet recorded; returns a description of each step run now.
pub async fn run_pending(conn: &mut Conn) -> Result<Vec<String>, Error> {
    let mut ran = Vec::new();
    if !is_done(conn, EC2_CREDENTIAL_IDS).await? {
        let n = fill_credential_ids(conn).await?;
        record(conn, EC2_CREDENTIAL_IDS).await?;
        ran.push(format!("data step {EC2_CREDENTIAL_IDS} ({n} access keys)"));
    }
    if !is_done(conn, FILE_NAME_FOLD).await? {
        let n = fold_file_names(conn).await?;
        record(conn, FILE_NAME_FOLD).await?;
        ran.push(format!("data step {FILE_NAME_FOLD} ({n} export tasks)"));
    }
    if is_done(conn, FOLD_V2).await? {
        return Ok(ran);
    }
    let r = refold(conn).await?;
    record(conn, FOLD_V2).await?;
    tracing::info!(
        users = r.users_changed,
        groups = r.groups_changed,
        collisions = r.collisions,
        illegal_names = r.illegal_names,
        "data step {FOLD_V2} done"
    );
    ran.push(format!(
        "data step {FOLD_V2} (refolded {} users and {} groups; {} name collisions and {} \
         names breaking today's rules kept and logged)",
        r.users_changed, r.groups_changed, r.collisions, r.illegal_names
    ));
    Ok(ran)
}

/// The fold-v2 step itself (see the module's documentation); safe to run any number of times.
pub async fn refold(conn: &mut Conn) -> Result<RefoldReport, Error> {
    let mut report = RefoldReport::default();
    let sqlite = conn.backend() == Backend::Sqlite;
    // SQLite: the users' FTS5 index is emptied first and rebuilt in one statement at the
    // end. Re-indexing row by row through the update trigger (a delete and an insert in a
    // contentless_delete table) took 0.2 to 0.5 ms a row, ten times the rest of the step.
    if sqlite {
        conn.write(async |c: &mut Conn| {
            c.execute(
                "INSERT INTO users_fts (users_fts) VALUES ('delete-all')",
                &[],
            )
            .await
        })
        .await?;
    }
    for table in [Table::Users, Table::Groups] {
        let mut after = 0i64;
        loop {
            let (last, n) = conn
                .write(async |c: &mut Conn| refold_batch(c, table, after, &mut report).await)
                .await?;
            match last {
                Some(last) if n == BATCH => after = last,
                _ => break,
            }
        }
    }
    if sqlite {
        conn.write(async |c: &mut Conn| {
            c.execute(
                "INSERT INTO users_fts (users_fts) VALUES ('delete-all')",
                &[],
            )
            .await?;
            c.execute(
                "INSERT INTO users_fts (rowid, name, description, alias_name) \
                 SELECT seq, name_fold || char(1, 1), description_fold || char(1, 1), \
                 alias_name_fold || char(1, 1) FROM users",
                &[],
            )
            .await
        })
        .await?;
    }
    Ok(report)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Users,
    Groups,
}

/// One stored row's text as read.
struct Stored {
    seq: i64,
    id: String,
    account_id: String,
    name: String,
    name_fold: String,
    description: String,
    description_fold: Option<String>,
    alias_name: Option<String>,
    alias_name_fold: Option<String>,
}

/// Refolds the rows after `after` (at most `BATCH`) and writes the changed ones, `UPDATE_ROWS`
/// a statement; returns the last seq read and how many rows were read.
async fn refold_batch(
    conn: &mut Conn,
    table: Table,
    after: i64,
    report: &mut RefoldReport,
) -> Result<(Option<i64>, i64), Error> {
    let users = table == Table::Users;
    let select = if users {
        "SELECT seq, id, account_id, name, name_fold, description, description_fold, \
         alias_name, alias_name_fold FROM users WHERE seq > $1 ORDER BY seq LIMIT $2"
    } else {
        "SELECT seq, id, account_id, name, name_fold, description FROM user_groups \
         WHERE seq > $1 ORDER BY seq LIMIT $2"
    };
    let rows = conn.query(select, &[after.into(), BATCH.into()]).await?;
    let n = rows.len() as i64;
    let mut last = None;
    // folded names given to rows of this batch (not written yet): a second row of the batch
    // folding to the same name is a collision too
    let mut claimed: HashSet<(String, String)> = HashSet::new();
    let mut changed: Vec<Refolded> = Vec::new();
    for r in rows {
        let opt = |i: usize| -> Option<String> {
            // users' columns; NULL reads as None
            users.then(|| r[i].as_str().map(str::to_string)).flatten()
        };
        let s = Stored {
            seq: r[0].int(),
            id: r[1].text(),
            account_id: r[2].text(),
            name: r[3].text(),
            name_fold: r[4].text(),
            description: r[5].text(),
            description_fold: opt(6),
            alias_name: opt(7),
            alias_name_fold: opt(8),
        };
        last = Some(s.seq);
        if let Some(row) = refold_row(conn, table, s, &mut claimed, report).await? {
            changed.push(row);
        }
    }
    if changed.is_empty() {
        return Ok((last, n));
    }
    // one UPDATE .. FROM (VALUES ..) for the batch (SQLite 3.33+ and PostgreSQL): a
    // statement per row made the step take minutes per million rows
    let (tbl, sets) = if users {
        (
            "users",
            "name = v.column2, name_fold = v.column3, description = v.column4, \
             description_fold = v.column5, alias_name = v.column6, alias_name_fold = v.column7",
        )
    } else {
        (
            "user_groups",
            "name = v.column2, name_fold = v.column3, description = v.column4",
        )
    };
    // at most 7 values a row: chunks of `UPDATE_ROWS` stay under SQLite's 32,766 parameters
    for chunk in changed.chunks(UPDATE_ROWS) {
        let mut sql = format!("UPDATE {tbl} SET {sets} FROM (VALUES ");
        let mut params: Vec<Value> = Vec::new();
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            let mut values = vec![
                row.seq.into(),
                row.name.clone().into(),
                row.name_fold.clone().into(),
                row.description.clone().into(),
            ];
            if users {
                values.extend([
                    row.description_fold.clone().into(),
                    row.alias_name.clone().into(),
                    row.alias_name_fold.clone().into(),
                ]);
            }
            for (k, v) in values.into_iter().enumerate() {
                params.push(v);
                if k > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", params.len()));
                // PostgreSQL would take an untyped parameter of a VALUES list as text
                if k == 0 && conn.backend() == Backend::Postgres {
                    sql.push_str("::bigint");
                }
            }
            sql.push(')');
        }
        sql.push_str(&format!(") AS v WHERE {tbl}.seq = v.column1"));
        conn.execute(&sql, &params).await?;
    }
    let k = changed.len() as u64;
    if users {
        report.users_changed += k;
    } else {
        report.groups_changed += k;
    }
    Ok((last, n))
}

/// A row's new text, to be written.
struct Refolded {
    seq: i64,
    name: String,
    name_fold: String,
    description: String,
    description_fold: String,
    alias_name: String,
    alias_name_fold: String,
}

/// The row's new text, or `None` when nothing changes.
async fn refold_row(
    conn: &mut Conn,
    table: Table,
    s: Stored,
    claimed: &mut HashSet<(String, String)>,
    report: &mut RefoldReport,
) -> Result<Option<Refolded>, Error> {
    let (tbl, what) = match table {
        Table::Users => ("users", "user"),
        Table::Groups => ("user_groups", "group"),
    };
    let legal = match table {
        Table::Users => validate::user_name(&validate::nfc(&s.name)),
        Table::Groups => validate::group_name(&validate::nfc(&s.name)),
    };
    if legal.is_err() {
        report.illegal_names += 1;
        if report.illegal_names <= MAX_REPORTED {
            tracing::warn!(
                account = %s.account_id, id = %s.id, name = ?s.name,
                "a stored {what} name breaks today's name rules; kept as it is"
            );
        }
    }
    let mut name = validate::nfc(&s.name).into_owned();
    let mut name_fold = fold(&name);
    if name_fold != s.name_fold {
        let key = (s.account_id.clone(), name_fold.clone());
        let holder = conn
            .query_opt(
                &format!(
                    "SELECT seq FROM {tbl} WHERE account_id = $1 AND name_fold = $2 AND seq <> $3"
                ),
                &[(&s.account_id).into(), (&name_fold).into(), s.seq.into()],
            )
            .await?;
        if holder.is_some() || claimed.contains(&key) {
            report.collisions += 1;
            tracing::warn!(
                account = %s.account_id, id = %s.id, name = ?s.name,
                "a stored {what} name equals another one of the account under Unicode \
                 folding; kept, reachable by id and keyword, rename it to make it unique"
            );
            name = s.name.clone();
            name_fold = format!("{}\u{1}{}", fold(&name), s.seq);
        } else {
            claimed.insert(key);
        }
    }
    let description = validate::nfc(&s.description).into_owned();
    let description_fold = fold(&description);
    let alias_name = validate::nfc(s.alias_name.as_deref().unwrap_or_default()).into_owned();
    let alias_name_fold = fold(&alias_name);
    let mut changed = name != s.name || name_fold != s.name_fold || description != s.description;
    if table == Table::Users {
        changed = changed
            || Some(&description_fold) != s.description_fold.as_ref()
            || Some(&alias_name) != s.alias_name.as_ref()
            || Some(&alias_name_fold) != s.alias_name_fold.as_ref();
    }
    Ok(changed.then_some(Refolded {
        seq: s.seq,
        name,
        name_fold,
        description,
        description_fold,
        alias_name,
        alias_name_fold,
    }))
}
