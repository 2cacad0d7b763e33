//! Data steps: changes of stored data that SQL cannot make because they need Rust. They run
//! in `Db::migrate` after the schema migrations, each once: a step is recorded in
//! `data_steps` (migration 0008) when it has finished. A step is idempotent (it computes the
//! same values again), so a node that dies half-way, or two nodes starting at once, do no
//! harm: the step simply runs (again) to its end.
//!
//! **fold-v2** (issue 12): folding went from `to_lowercase` to [`search::fold`] (NFC of
//! Unicode full case folding), and the nick name got a folded column. The step walks every
//! user and group in batches of [`BATCH`] rows (one write transaction each), puts names,
//! descriptions and nick names in NFC and recomputes `name_fold`, `description_fold` and
//! `alias_name_fold`; rows whose values do not change are not written. On SQLite the update
//! triggers re-index the rows written.
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

use sqlx::{AnyConnection, Row};

use super::{search, Db};
use crate::core::{ids, validate, Error};

/// The step that recomputes every folded column with today's `search::fold`.
pub const FOLD_V2: &str = "fold-v2";

/// Rows read and written per transaction.
pub const BATCH: i64 = 1000;

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

/// Runs the data steps not yet recorded; returns a description of each step run now.
pub async fn run_pending(db: &Db) -> Result<Vec<String>, Error> {
    let mut conn = db.pool.acquire().await?;
    let done: Option<i64> = sqlx::query_scalar("SELECT 1 FROM data_steps WHERE name = $1")
        .bind(FOLD_V2)
        .fetch_optional(&mut *conn)
        .await?;
    drop(conn);
    if done.is_some() {
        return Ok(Vec::new());
    }
    let r = refold(db).await?;
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO data_steps (name, applied_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(FOLD_V2)
    .bind(ids::now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(
        users = r.users_changed,
        groups = r.groups_changed,
        collisions = r.collisions,
        illegal_names = r.illegal_names,
        "data step {FOLD_V2} done"
    );
    Ok(vec![format!(
        "data step {FOLD_V2} (refolded {} users and {} groups; {} name collisions and {} \
         names breaking today's rules kept and logged)",
        r.users_changed, r.groups_changed, r.collisions, r.illegal_names
    )])
}

/// The fold-v2 step itself (see the module's documentation); safe to run any number of times.
pub async fn refold(db: &Db) -> Result<RefoldReport, Error> {
    let mut report = RefoldReport::default();
    for table in [Table::Users, Table::Groups] {
        let mut after = 0i64;
        loop {
            let mut tx = db.write().await?;
            let (last, n) = refold_batch(&mut tx, table, after, &mut report).await?;
            tx.commit().await?;
            match last {
                Some(last) if n == BATCH => after = last,
                _ => break,
            }
        }
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

/// Refolds the rows after `after` (at most `BATCH`); returns the last seq read and how many.
async fn refold_batch(
    conn: &mut AnyConnection,
    table: Table,
    after: i64,
    report: &mut RefoldReport,
) -> Result<(Option<i64>, i64), Error> {
    let select = match table {
        Table::Users => {
            "SELECT seq, id, account_id, name, name_fold, description, description_fold, \
             alias_name, alias_name_fold FROM users WHERE seq > $1 ORDER BY seq LIMIT $2"
        }
        Table::Groups => {
            "SELECT seq, id, account_id, name, name_fold, description FROM user_groups \
             WHERE seq > $1 ORDER BY seq LIMIT $2"
        }
    };
    let rows = sqlx::query(select)
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await?;
    let n = rows.len() as i64;
    let mut last = None;
    for r in rows {
        let users = table == Table::Users;
        let s = Stored {
            seq: r.try_get("seq")?,
            id: r.try_get("id")?,
            account_id: r.try_get("account_id")?,
            name: r.try_get("name")?,
            name_fold: r.try_get("name_fold")?,
            description: r.try_get("description")?,
            description_fold: if users {
                Some(r.try_get("description_fold")?)
            } else {
                None
            },
            alias_name: if users {
                Some(r.try_get("alias_name")?)
            } else {
                None
            },
            alias_name_fold: if users {
                Some(r.try_get("alias_name_fold")?)
            } else {
                None
            },
        };
        last = Some(s.seq);
        refold_row(conn, table, s, report).await?;
    }
    Ok((last, n))
}

async fn refold_row(
    conn: &mut AnyConnection,
    table: Table,
    s: Stored,
    report: &mut RefoldReport,
) -> Result<(), Error> {
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
    let mut name_fold = search::fold(&name);
    if name_fold != s.name_fold {
        let holder: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT seq FROM {tbl} WHERE account_id = $1 AND name_fold = $2 AND seq <> $3"
        ))
        .bind(&s.account_id)
        .bind(&name_fold)
        .bind(s.seq)
        .fetch_optional(&mut *conn)
        .await?;
        if holder.is_some() {
            report.collisions += 1;
            tracing::warn!(
                account = %s.account_id, id = %s.id, name = ?s.name,
                "a stored {what} name equals another one of the account under Unicode \
                 folding; kept, reachable by id and keyword, rename it to make it unique"
            );
            name = s.name.clone();
            name_fold = format!("{}\u{1}{}", search::fold(&name), s.seq);
        }
    }
    let description = validate::nfc(&s.description).into_owned();
    let changed_common = name != s.name || name_fold != s.name_fold || description != s.description;
    match table {
        Table::Groups => {
            if changed_common {
                sqlx::query(
                    "UPDATE user_groups SET name = $1, name_fold = $2, description = $3 \
                     WHERE seq = $4",
                )
                .bind(&name)
                .bind(&name_fold)
                .bind(&description)
                .bind(s.seq)
                .execute(&mut *conn)
                .await?;
                report.groups_changed += 1;
            }
        }
        Table::Users => {
            let description_fold = search::fold(&description);
            let alias = validate::nfc(s.alias_name.as_deref().unwrap_or_default()).into_owned();
            let alias_fold = search::fold(&alias);
            let changed = changed_common
                || Some(&description_fold) != s.description_fold.as_ref()
                || Some(&alias) != s.alias_name.as_ref()
                || Some(&alias_fold) != s.alias_name_fold.as_ref();
            if changed {
                sqlx::query(
                    "UPDATE users SET name = $1, name_fold = $2, description = $3, \
                     description_fold = $4, alias_name = $5, alias_name_fold = $6 WHERE seq = $7",
                )
                .bind(&name)
                .bind(&name_fold)
                .bind(&description)
                .bind(&description_fold)
                .bind(&alias)
                .bind(&alias_fold)
                .bind(s.seq)
                .execute(&mut *conn)
                .await?;
                report.users_changed += 1;
            }
        }
    }
    Ok(())
}
