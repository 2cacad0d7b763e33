//! The schema migrations: the SQL files under `migrations/sqlite` and `migrations/postgres`,
//! compiled in, applied in version order, each once, each in a transaction with its record.
//!
//! The history is sqlx's: the table `_sqlx_migrations` (version, description, installed_on,
//! success, checksum, execution_time) with its DDL per backend and the SHA-384 of each
//! file as checksum, as `sqlx::migrate!` kept it before (issue 13 left sqlx). So a database
//! migrated by sqlx, with any prefix of the migrations applied, carries on from where it
//! is, and the previous binary still accepts a database this runner migrated up to 0011
//! (PostgreSQL's 0012 changes column types the previous binary cannot bind; README,
//! "Upgrading to migration 0012"). Both backends number their migrations alike (SQLite's
//! 0012 does nothing); the tests hold each history to sqlx's up to 0011. No crate was
//! taken for this: refinery (the well-kept one whose versions fit rusqlite 0.32 and
//! tokio-postgres 0.7) keeps a history of its own (`refinery_schema_history`, SipHash
//! checksums, `V1__name.sql` file names), so it would need a bridge translating sqlx's
//! history on first start and would break a rollback to the previous binary; and it takes
//! no lock, so two nodes starting against one PostgreSQL would still need the advisory
//! lock below around it. What it would run is the same 60 lines.
//!
//! As sqlx did: on PostgreSQL the run holds a session advisory lock, with sqlx's key
//! (`0x3d32ad9e * crc32(database name)`, so that a node of the previous version starting
//! at the same time waits too); a migration recorded as failed (`success = false`), one
//! applied that this build does not know, or one whose file changed since it was applied
//! stops the run with an error. On SQLite each migration's transaction takes the write lock
//! up front (BEGIN IMMEDIATE) and checks again that the version is still missing, so two
//! processes starting on one file do not apply one migration twice.

use sha2::{Digest, Sha384};

use super::raw::{Conn, Value};
use super::Backend;
use crate::core::Error;

/// One migration file.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    /// The file name's rest with `_` as spaces, as sqlx recorded it ("short keywords").
    pub description: &'static str,
    pub sql: &'static str,
}

macro_rules! files {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$((
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/", $dir, "/", $name)),
        )),*]
    };
}

// every file of each directory, in order (a test checks that none is missing); 0014 is
// reserved for another change: a gap is allowed (the runner applies every known migration
// the database lacks, in version order, whatever the numbers between them)
const SQLITE: &[(&str, &str)] = files!("sqlite":
    "0001_directory.sql",
    "0002_short_keywords.sql",
    "0003_export_tasks.sql",
    "0004_iam.sql",
    "0005_quickbi.sql",
    "0006_login_failures_window.sql",
    "0007_password_changed_at.sql",
    "0008_text_folding.sql",
    "0009_integrity.sql",
    "0010_export_file_name_fold.sql",
    "0011_seq_ranges.sql",
    "0012_typed_columns.sql",
    "0013_group_names_covering.sql",
    "0014_access_key_details.sql",
    "0015_authorization.sql",
    "0016_domains.sql",
    "0017_keystone_credentials.sql",
    "0018_security_policies.sql",
    "0019_keystone_projects_roles.sql",
    "0020_catalog.sql",
    "0021_application_credentials.sql",
);
const POSTGRES: &[(&str, &str)] = files!("postgres":
    "0001_directory.sql",
    "0002_short_keywords.sql",
    "0003_export_tasks.sql",
    "0004_iam.sql",
    "0005_quickbi.sql",
    "0006_login_failures_window.sql",
    "0007_password_changed_at.sql",
    "0008_text_folding.sql",
    "0009_integrity.sql",
    "0010_export_file_name_fold.sql",
    "0011_seq_ranges.sql",
    "0012_typed_columns.sql",
    "0013_group_names_covering.sql",
    "0014_access_key_details.sql",
    "0015_authorization.sql",
    "0016_domains.sql",
    "0017_keystone_credentials.sql",
    "0018_security_policies.sql",
    "0019_keystone_projects_roles.sql",
    "0020_catalog.sql",
    "0021_application_credentials.sql",
);

/// The migrations of `backend`, in version order.
pub fn all(backend: Backend) -> Vec<Migration> {
    let files = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    files
        .iter()
        .map(|(name, sql)| {
            let (version, rest) = name.split_once('_').expect("NNNN_name.sql");
            let description = rest.strip_suffix(".sql").expect("NNNN_name.sql");
            Migration {
                version: version.parse().expect("NNNN_name.sql"),
                description: leak_spaced(description),
                sql,
            }
        })
        .collect()
}

/// `s` with `_` as spaces, kept for the process (a few short names, made once a run).
fn leak_spaced(s: &'static str) -> &'static str {
    if !s.contains('_') {
        return s;
    }
    Box::leak(s.replace('_', " ").into_boxed_str())
}

/// sqlx's checksum of a migration: the SHA-384 of its file.
pub fn checksum(sql: &str) -> Vec<u8> {
    Sha384::digest(sql.as_bytes()).to_vec()
}

/// sqlx's advisory lock key for the database named `database`.
fn lock_id(database: &str) -> i64 {
    0x3d32ad9e * i64::from(crc32fast::hash(database.as_bytes()))
}

/// sqlx's history table, as `sqlx::migrate!` made it on each backend.
fn history_ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);"
        }
        Backend::Postgres => {
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);"
        }
    }
}

/// Applies the migrations up to `target` (all when `None`) that the database lacks;
/// returns "VERSION description" of each applied now.
pub async fn run(conn: &mut Conn, target: Option<i64>) -> Result<Vec<String>, Error> {
    let backend = conn.backend();
    let lock = match backend {
        Backend::Postgres => {
            let db = conn
                .query_opt("SELECT current_database()::text", &[])
                .await?
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let id = lock_id(&db);
            // waits for a node migrating at the same time (this version or sqlx's)
            conn.execute("SELECT pg_advisory_lock($1)", &[id.into()])
                .await?;
            Some(id)
        }
        Backend::Sqlite => None,
    };
    let out = apply(conn, backend, target).await;
    if let Some(id) = lock {
        let unlocked = conn
            .execute("SELECT pg_advisory_unlock($1)", &[id.into()])
            .await;
        if out.is_ok() {
            unlocked?;
        }
    }
    out
}

async fn apply(
    conn: &mut Conn,
    backend: Backend,
    target: Option<i64>,
) -> Result<Vec<String>, Error> {
    let fail = |what: String| Error::Internal(format!("migration failed: {what}"));
    conn.batch(history_ddl(backend)).await?;
    if let Some(v) = conn
        .query_opt(
            "SELECT version FROM _sqlx_migrations WHERE success = false ORDER BY version LIMIT 1",
            &[],
        )
        .await?
    {
        return Err(fail(format!(
            "migration {} is partially applied; fix and remove its row from _sqlx_migrations",
            v.as_i64().unwrap_or_default()
        )));
    }
    let known = all(backend);
    let applied = conn
        .query(
            "SELECT version, checksum FROM _sqlx_migrations ORDER BY version",
            &[],
        )
        .await?;
    for row in &applied {
        let version = row[0].as_i64().unwrap_or_default();
        match known.iter().find(|m| m.version == version) {
            None => {
                return Err(fail(format!(
                    "migration {version} was applied before but is missing here (a newer \
                     Roster migrated this database)"
                )))
            }
            Some(m) if row[1].as_bytes() != Some(checksum(m.sql).as_slice()) => {
                return Err(fail(format!(
                    "migration {version} was applied before but has been modified since"
                )))
            }
            Some(_) => {}
        }
    }
    let mut done = Vec::new();
    for m in known {
        if target.is_some_and(|t| m.version > t) {
            break;
        }
        if applied.iter().any(|r| r[0].as_i64() == Some(m.version)) {
            continue;
        }
        let start = std::time::Instant::now();
        let ran = conn
            .write(async |c: &mut Conn| {
                // another process may have applied it meanwhile (SQLite: no lock above)
                let there = c
                    .query_opt(
                        "SELECT 1 FROM _sqlx_migrations WHERE version = $1",
                        &[m.version.into()],
                    )
                    .await?;
                if there.is_some() {
                    return Ok(false);
                }
                c.batch(m.sql).await?;
                c.execute(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
                     execution_time) VALUES ($1, $2, TRUE, $3, -1)",
                    &[
                        m.version.into(),
                        m.description.into(),
                        Value::Bytes(checksum(m.sql)),
                    ],
                )
                .await?;
                Ok(true)
            })
            .await
            .map_err(|e| fail(format!("{} {}: {e}", m.version, m.description)))?;
        if ran {
            // as sqlx: the time of the whole transaction, recorded after it
            let ns = start.elapsed().as_nanos() as i64;
            conn.execute(
                "UPDATE _sqlx_migrations SET execution_time = $1 WHERE version = $2",
                &[ns.into(), m.version.into()],
            )
            .await?;
            done.push(format!("{} {}", m.version, m.description));
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    /// The history sqlx 0.8 wrote on a fresh database of `backend` (made with the release
    /// before this runner; `tests/fixtures/sqlx_history_*.txt`): (version, description,
    /// checksum).
    fn sqlx_history(backend: Backend) -> Vec<(i64, String, Vec<u8>)> {
        let text = match backend {
            Backend::Sqlite => include_str!("../../tests/fixtures/sqlx_history_sqlite.txt"),
            Backend::Postgres => include_str!("../../tests/fixtures/sqlx_history_postgres.txt"),
        };
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let mut parts = l.split('|');
                let version = parts.next().unwrap().parse().unwrap();
                let description = parts.next().unwrap().to_string();
                let checksum = hex::decode(parts.next().unwrap()).unwrap();
                (version, description, checksum)
            })
            .collect()
    }

    #[test]
    fn versions_descriptions_and_checksums_are_sqlxs() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let ours: Vec<(i64, String, Vec<u8>)> = all(backend)
                .iter()
                .map(|m| (m.version, m.description.to_string(), checksum(m.sql)))
                .collect();
            // the migrations sqlx applied, then ours only (PostgreSQL's 0012 on)
            let sqlx = sqlx_history(backend);
            assert_eq!(ours[..sqlx.len()], sqlx[..], "{backend:?}");
        }
    }

    /// Leaves the database as sqlx left it after migrations `1..=n`: its table (as sqlx
    /// made it), the files run, and the rows it wrote.
    async fn sqlx_state(conn: &mut Conn, n: i64) {
        let backend = conn.backend();
        let ddl = match backend {
            Backend::Sqlite => {
                "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT \
                 NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success \
                 BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)"
            }
            Backend::Postgres => {
                "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT \
                 NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN \
                 NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)"
            }
        };
        conn.batch(ddl).await.unwrap();
        for (m, (version, description, sum)) in all(backend).iter().zip(sqlx_history(backend)) {
            if version > n {
                break;
            }
            conn.batch(m.sql).await.unwrap();
            conn.execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
                 execution_time) VALUES ($1, $2, TRUE, $3, 1234)",
                &[version.into(), description.into(), Value::Bytes(sum)],
            )
            .await
            .unwrap();
        }
    }

    /// (version, execution_time) of every recorded migration, all successful.
    async fn history(conn: &mut Conn) -> Vec<(i64, i64)> {
        conn.query(
            "SELECT version, execution_time FROM _sqlx_migrations WHERE success = TRUE \
             ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r[0].int(), r[1].int()))
        .collect()
    }

    /// For every prefix of the migrations sqlx applied, the runner applies only the rest
    /// (running a file again would fail: its CREATE TABLEs exist), leaves sqlx's rows as
    /// they were, and a second run applies nothing; a changed file, an unknown version
    /// and a failed migration stop it.
    async fn carries_on_from_sqlx(mut fresh: impl AsyncFnMut() -> Db) {
        let backend = fresh().await.backend;
        let last = all(backend).len() as i64;
        // every state sqlx could have left (it applied up to 0011; later ones are ours)
        let sqlx_last = sqlx_history(backend).len() as i64;
        for n in [0, 1, 2, 7, 8, 10, sqlx_last] {
            let db = fresh().await;
            let mut conn = db.conn.lock().await;
            sqlx_state(&mut conn, n).await;
            let done = run(&mut conn, None).await.unwrap();
            let want: Vec<String> = all(conn.backend())
                .iter()
                .filter(|m| m.version > n)
                .map(|m| format!("{} {}", m.version, m.description))
                .collect();
            assert_eq!(done, want, "after {n}");
            let h = history(&mut conn).await;
            assert_eq!(h.len() as i64, last, "after {n}");
            for (version, time) in h {
                // sqlx's rows untouched; ours timed
                assert_eq!(time == 1234, version <= n, "{version} after {n}");
            }
            assert!(run(&mut conn, None).await.unwrap().is_empty());
            // the schema is whole: the data steps run on it
            assert_eq!(
                crate::store::refold::run_pending(&mut conn)
                    .await
                    .unwrap()
                    .len(),
                3
            );
        }
        // a file changed since sqlx applied it
        let db = fresh().await;
        let mut conn = db.conn.lock().await;
        sqlx_state(&mut conn, 3).await;
        conn.execute(
            "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 2",
            &[Value::Bytes(vec![0; 48])],
        )
        .await
        .unwrap();
        let e = run(&mut conn, None).await.unwrap_err();
        assert!(
            format!("{e:?}").contains("migration 2 was applied before but has been modified"),
            "{e}"
        );
        // a migration of a newer release
        conn.execute(
            "UPDATE _sqlx_migrations SET version = 99 WHERE version = 2",
            &[],
        )
        .await
        .unwrap();
        let e = run(&mut conn, None).await.unwrap_err();
        assert!(format!("{e:?}").contains("migration 99"), "{e}");
        // a migration that failed half-way
        conn.execute(
            "UPDATE _sqlx_migrations SET success = FALSE WHERE version = 99",
            &[],
        )
        .await
        .unwrap();
        let e = run(&mut conn, None).await.unwrap_err();
        assert!(format!("{e:?}").contains("partially applied"), "{e}");
    }

    #[tokio::test]
    async fn a_sqlite_file_migrated_by_sqlx_carries_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut k = 0;
        carries_on_from_sqlx(async || {
            k += 1;
            let url = format!("sqlite://{}", dir.path().join(format!("{k}.db")).display());
            Db::connect(&url, &Default::default()).await.unwrap()
        })
        .await;
    }

    #[tokio::test]
    async fn migrate_to_stops_at_the_version_and_each_runs_in_a_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &Default::default()).await.unwrap();
        assert_eq!(
            db.migrate_to(2).await.unwrap(),
            ["1 directory", "2 short keywords"]
        );
        let mut conn = db.conn.lock().await;
        assert_eq!(history(&mut conn).await.len(), 2);
        // a migration that fails leaves neither its changes nor its row
        conn.batch("CREATE TABLE export_tasks (x INTEGER)")
            .await
            .unwrap();
        let e = run(&mut conn, Some(3)).await.unwrap_err();
        assert!(format!("{e:?}").contains("3 export tasks"), "{e}");
        assert_eq!(history(&mut conn).await.len(), 2);
        conn.batch("DROP TABLE export_tasks").await.unwrap();
        assert_eq!(run(&mut conn, Some(3)).await.unwrap(), ["3 export tasks"]);
    }

    #[test]
    fn two_processes_starting_on_one_sqlite_file_apply_each_migration_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap()
                        .block_on(async {
                            let db = Db::connect(&url, &Default::default()).await.unwrap();
                            db.migrate().await.unwrap()
                        })
                })
            })
            .collect();
        let mut applied: Vec<String> = runs
            .into_iter()
            .flat_map(|r| r.join().unwrap())
            .filter(|m| !m.starts_with("data step"))
            .collect();
        applied.sort_by_key(|m| m.split(' ').next().unwrap().parse::<i64>().unwrap());
        let want: Vec<String> = all(Backend::Sqlite)
            .iter()
            .map(|m| format!("{} {}", m.version, m.description))
            .collect();
        assert_eq!(applied, want);
    }

    fn postgres_selected() -> bool {
        std::env::var("ROSTER_TEST_DATABASE").is_ok_and(|v| v == "postgres")
    }

    fn pg_server() -> String {
        std::env::var("ROSTER_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
    }

    /// A fresh PostgreSQL database `roster_mig_*` (the test drops it when it passes).
    async fn pg_database() -> String {
        let admin = format!("{}/postgres", pg_server());
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL for the tests");
        let io = tokio::spawn(connection);
        let name = format!("roster_mig_{}", crate::core::ids::new_id());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        drop(client);
        let _ = io.await;
        format!("{}/{name}", pg_server())
    }

    async fn pg_drop(url: &str) {
        let name = url.rsplit('/').next().unwrap().to_string();
        let admin = format!("{}/postgres", pg_server());
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .unwrap();
        let io = tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .unwrap();
        drop(client);
        let _ = io.await;
    }

    #[tokio::test]
    async fn a_postgres_database_migrated_by_sqlx_carries_on() {
        if !postgres_selected() {
            return;
        }
        let mut urls = Vec::new();
        carries_on_from_sqlx(async || {
            let url = pg_database().await;
            urls.push(url.clone());
            Db::connect(&url, &Default::default()).await.unwrap()
        })
        .await;
        for url in urls {
            pg_drop(&url).await;
        }
    }

    /// Migration 0012 (PostgreSQL): the 0/1 flags become BOOLEAN, each value keeping its
    /// meaning (any non-zero integer is true) and each column its default.
    #[tokio::test]
    async fn postgres_flags_become_booleans_with_their_values_and_defaults() {
        if !postgres_selected() {
            return;
        }
        let url = pg_database().await;
        let db = Db::connect(&url, &Default::default()).await.unwrap();
        db.migrate_to(11).await.unwrap();
        let int = |rows: Vec<Vec<Value>>| rows[0][0].as_i64().unwrap();
        for sql in [
            "INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'acme', 0)",
            "INSERT INTO projects (id, account_id, name, created_at) VALUES ('p', 'acc', 'p', 0)",
            // every flag set (one with a value other than 1), then every flag clear
            "INSERT INTO users (id, account_id, name, name_fold, active_type, \
             enable_change_password, next_login_change_password, password_never_expired, \
             locked, disabled, is_root, created_at, updated_at) \
             VALUES ('on', 'acc', 'on', 'on', 'USER_ACTIVATE', 1, 1, 1, 2, 1, 1, 0, 0)",
            "INSERT INTO users (id, account_id, name, name_fold, active_type, \
             enable_change_password, next_login_change_password, password_never_expired, \
             locked, disabled, is_root, created_at, updated_at) \
             VALUES ('off', 'acc', 'off', 'off', 'USER_ACTIVATE', 0, 0, 0, 0, 0, 0, 0, 0)",
            "INSERT INTO export_tasks (id, account_id, project_id, kind, spec, file_name, \
             status, created_at, is_download) \
             VALUES ('t1', 'acc', 'p', 'users', '{}', 'f', 'SUCCESS', 0, 1)",
        ] {
            db.execute(sql, &[]).await.unwrap();
        }
        db.migrate().await.unwrap();
        let booleans = db
            .query(
                "SELECT count(*) FROM information_schema.columns WHERE data_type = 'boolean' \
                 AND table_schema = current_schema() AND table_name IN ('users', 'export_tasks')",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(int(booleans), 7);
        let all_on = "enable_change_password AND next_login_change_password AND \
                      password_never_expired AND locked AND disabled AND is_root";
        let all_off = "NOT (enable_change_password OR next_login_change_password OR \
                       password_never_expired OR locked OR disabled OR is_root)";
        for (id, condition) in [("on", all_on), ("off", all_off)] {
            let sql = format!("SELECT count(*) FROM users WHERE id = '{id}' AND {condition}");
            assert_eq!(int(db.query(&sql, &[]).await.unwrap()), 1, "{id}");
        }
        let sql = "SELECT count(*) FROM export_tasks WHERE id = 't1' AND is_download";
        assert_eq!(int(db.query(sql, &[]).await.unwrap()), 1);
        // the defaults: only enable_change_password starts true
        db.execute(
            "INSERT INTO users (id, account_id, name, name_fold, active_type, created_at, \
             updated_at) VALUES ('new', 'acc', 'new', 'new', 'USER_ACTIVATE', 0, 0)",
            &[],
        )
        .await
        .unwrap();
        let sql = "SELECT count(*) FROM users WHERE id = 'new' AND enable_change_password AND \
                   NOT (next_login_change_password OR password_never_expired OR locked OR \
                   disabled OR is_root)";
        assert_eq!(int(db.query(sql, &[]).await.unwrap()), 1);
        drop(db);
        pg_drop(&url).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_nodes_starting_on_one_postgres_apply_each_migration_once() {
        if !postgres_selected() {
            return;
        }
        let url = pg_database().await;
        let (one, two) = tokio::join!(
            async {
                Db::connect(&url, &Default::default())
                    .await
                    .unwrap()
                    .migrate()
                    .await
            },
            async {
                Db::connect(&url, &Default::default())
                    .await
                    .unwrap()
                    .migrate()
                    .await
            },
        );
        let mut applied: Vec<String> = one.unwrap();
        applied.extend(two.unwrap());
        applied.retain(|m| !m.starts_with("data step"));
        applied.sort_by_key(|m| m.split(' ').next().unwrap().parse::<i64>().unwrap());
        let want: Vec<String> = all(Backend::Postgres)
            .iter()
            .map(|m| format!("{} {}", m.version, m.description))
            .collect();
        assert_eq!(applied, want);
        pg_drop(&url).await;
    }

    #[test]
    fn every_file_is_compiled_in_with_sqlxs_version_and_description() {
        for (backend, dir) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dir);
            let mut files: Vec<String> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n.ends_with(".sql"))
                .collect();
            files.sort();
            let ms = all(backend);
            assert_eq!(
                ms.len(),
                files.len(),
                "{dir}: a file is not in migrations.rs"
            );
            for (m, f) in ms.iter().zip(&files) {
                assert_eq!(std::fs::read_to_string(path.join(f)).unwrap(), m.sql, "{f}");
            }
            // strictly increasing, and numbered alike on both backends; 0014 is reserved
            let versions: Vec<i64> = ms.iter().map(|m| m.version).collect();
            assert!(
                versions.windows(2).all(|w| w[0] < w[1]),
                "{dir}: {versions:?}"
            );
            let both: Vec<i64> = all(Backend::Sqlite).iter().map(|m| m.version).collect();
            assert_eq!(versions, both, "{dir}");
            assert_eq!(versions[..13], (1..=13).collect::<Vec<_>>()[..], "{dir}");
            assert_eq!(ms[1].description, "short keywords");
            assert_eq!(ms[0].description, "directory");
        }
    }

    #[test]
    fn the_lock_key_is_sqlxs() {
        // sqlx 0.8: 0x3d32ad9e * CRC-32/ISO-HDLC of the database name
        assert_eq!(crc32fast::hash(b"123456789"), 0xcbf43926);
        assert_eq!(
            lock_id("roster"),
            0x3d32ad9e * i64::from(crc32fast::hash(b"roster"))
        );
    }
}
