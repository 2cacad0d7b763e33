//! Test helpers: a real `roster` process on a random port with its own SQLite file, a
//! client that signs like the Huawei SDK, and a directory opened directly on a temp file.
#![allow(dead_code)]

pub mod e2e;
pub mod excel;
pub mod iam;
pub mod quickbi;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use roster::auth::sdk_hmac;
use roster::auth::sealing::MasterKey;
use roster::core::Directory;
use roster::store::{Db, PoolSettings};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_roster");

/// A throwaway database for one test: a SQLite file in a temp data dir by default, or, with
/// `ROSTER_TEST_DATABASE=postgres`, a fresh PostgreSQL database (server from
/// `ROSTER_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432) dropped afterwards.
/// The data dir exists either way (it holds the master key). Clones share it; it goes when
/// the last clone does.
#[derive(Clone)]
pub struct TestDb(Arc<TestDbInner>);

pub struct TestDbInner {
    pub dir: tempfile::TempDir,
    /// Set for PostgreSQL: (server URL without database, database name).
    pg: Option<(String, String)>,
}

/// Runs a future to completion on a thread of its own (usable from sync code and from
/// inside a tokio test alike).
fn block_on<M, F, T>(make: M) -> T
where
    M: FnOnce() -> F + Send + 'static,
    F: std::future::Future<Output = T>,
    T: Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(make())
    })
    .join()
    .unwrap()
}

async fn admin(base: &str, sql: String) {
    pg_batch(&format!("{base}/postgres"), &sql).await;
}

/// Runs `sql` (statements without parameters) on the PostgreSQL database at `url`.
pub async fn pg_batch(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL for the tests");
    let io = tokio::spawn(connection);
    client.batch_execute(sql).await.expect(sql);
    drop(client);
    let _ = io.await;
}

/// One plain connection to the test database (SQLite file or PostgreSQL), for SQL that
/// prepares or inspects it (`$N` placeholders on both).
pub async fn raw(db: &TestDb) -> roster::store::Db {
    roster::store::Db::connect(&db.url(), &Default::default())
        .await
        .unwrap()
}

impl TestDb {
    pub fn postgres_selected() -> bool {
        std::env::var("ROSTER_TEST_DATABASE").is_ok_and(|v| v == "postgres")
    }

    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let pg = Self::postgres_selected().then(|| {
            let base = std::env::var("ROSTER_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
            let name = format!("roster_test_{}", roster::core::ids::new_id());
            let (b, n) = (base.clone(), name.clone());
            block_on(move || async move { admin(&b, format!("CREATE DATABASE {n}")).await });
            (base, name)
        });
        TestDb(Arc::new(TestDbInner { dir, pg }))
    }

    pub fn data_dir(&self) -> &Path {
        self.0.dir.path()
    }

    pub fn url(&self) -> String {
        match &self.0.pg {
            Some((base, name)) => format!("{base}/{name}"),
            None => Db::sqlite_url_for(self.data_dir()).unwrap(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.0.pg.is_some()
    }

    /// `--data-dir DIR [--database-url URL]` for the CLI.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec![
            "--data-dir".to_string(),
            self.data_dir().to_str().unwrap().to_string(),
        ];
        if self.is_postgres() {
            a.push("--database-url".into());
            a.push(self.url());
        }
        a
    }
}

impl Drop for TestDbInner {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg.take() {
            block_on(move || async move {
                admin(
                    &base,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await
            });
        }
    }
}

/// What `roster account create --json` prints.
pub type Creds = roster::core::model::AccountCredentials;

/// Makes an operator (`roster operator create --json`: user_id, user_name, password,
/// domain_id, domain_name, project_id, project_name) in the `default` account, making that
/// account first if the database has none of that name. Returned with the same field names
/// as [`Creds`] (its keys empty).
pub fn create_operator(db: &TestDb, name: &str) -> Creds {
    let run = || {
        Command::new(BIN)
            .args(["operator", "create", "--name", name, "--json"])
            .args(db.args())
            .output()
            .expect("run roster operator create")
    };
    let mut out = run();
    if !out.status.success() {
        create_account(db, "default");
        out = run();
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("operator create prints JSON");
    v["access_key"] = "".into();
    v["secret_key"] = "".into();
    serde_json::from_value(v).expect("the operator's credentials")
}

pub fn create_account(db: &TestDb, name: &str) -> Creds {
    let out = Command::new(BIN)
        .args(["account", "create", name, "--json"])
        .args(db.args())
        .output()
        .expect("run roster account create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("account create prints JSON")
}

/// A running server; killed when dropped.
pub struct Server {
    pub url: String,
    pub child: Child,
    pub db: TestDb,
    /// The server's stderr (its log), printed if the test fails.
    pub log: std::path::PathBuf,
}

impl Server {
    /// Starts `roster serve` on a fresh database.
    pub fn start() -> Server {
        Server::start_on(&TestDb::new(), &[])
    }

    pub fn start_on(db: &TestDb, extra: &[&str]) -> Server {
        // the server's log, shown when the test fails (`Drop`)
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = db.data_dir().join(format!("server-{n}.log"));
        let log_file = std::fs::File::create(&log).expect("the server log");
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(db.args())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file.try_clone().expect("the server log")))
            .spawn()
            .expect("spawn roster serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server printed its address");
        Server {
            url,
            child,
            db: db.clone(),
            log,
        }
    }

    pub fn client(&self, c: &Creds) -> Client {
        Client::new(&self.url, &c.access_key, &c.secret_key, &c.project_id)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            // what the server said when the test failed (the last lines: a log can be long)
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(200)..];
            eprintln!(
                "--- the server's log ({}), last {} lines ---\n{}",
                self.log.display(),
                tail.len(),
                tail.join("\n")
            );
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    /// The body's bytes (workbooks).
    pub raw: bytes::Bytes,
}

/// Signs requests with SDK-HMAC-SHA256, header for header as the Python SDK does.
pub struct Client {
    pub url: String,
    pub ak: String,
    pub sk: String,
    pub project: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(url: &str, ak: &str, sk: &str, project: &str) -> Client {
        Client {
            url: url.into(),
            ak: ak.into(),
            sk: sk.into(),
            project: project.into(),
            http: reqwest::Client::new(),
        }
    }

    /// `path` may carry a query already in canonical form (sorted, RFC 3986 encoded).
    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call_at(method, path, body, chrono::Utc::now()).await
    }

    pub async fn call_at(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Reply {
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        self.send(method, path, "application/json", body, at).await
    }

    /// A multipart upload of `file` as the part `file`, signed like the SDK signs uploads
    /// (`X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`).
    pub async fn upload(&self, path: &str, file_name: &str, file: &[u8]) -> Reply {
        let boundary = "roster-test-boundary-7d1e";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.send("POST", path, &ct, body, chrono::Utc::now()).await
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Reply {
        let mut extra = vec![
            ("content-type", content_type),
            ("x-project-id", self.project.as_str()),
        ];
        if content_type.starts_with("multipart/") {
            extra.push(("x-sdk-content-sha256", "UNSIGNED-PAYLOAD"));
        }
        self.signed(method, path, &extra, &body, body.clone(), at)
            .await
    }

    /// Signs a request carrying `extra` headers (all signed) over `signed_body`, then sends
    /// `sent_body` instead: what an attacker replaying a captured request would do.
    pub async fn send_swapped(
        &self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        signed_body: &[u8],
        sent_body: Vec<u8>,
    ) -> Reply {
        self.signed(
            method,
            path,
            extra,
            signed_body,
            sent_body,
            chrono::Utc::now(),
        )
        .await
    }

    /// Signs `signed_body` with `extra` headers (and host, X-Sdk-Date) at `at`, as the SDK
    /// does, and sends `sent_body`.
    async fn signed(
        &self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        signed_body: &[u8],
        sent_body: Vec<u8>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Reply {
        let host = self.url.trim_start_matches("http://").to_string();
        let date = at.format("%Y%m%dT%H%M%SZ").to_string();
        let mut headers = http::HeaderMap::new();
        for (k, v) in extra {
            headers.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        headers.insert("host", host.parse().unwrap());
        headers.insert("x-sdk-date", date.parse().unwrap());
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        let raw = sdk_hmac::RawRequest {
            method,
            path: p,
            query: q,
            headers: &headers,
            body: signed_body,
        };
        let auth = sdk_hmac::authorization_for(&raw, &self.ak, &self.sk).unwrap();
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{}", self.url, path))
            .header("authorization", auth);
        for (k, v) in headers.iter() {
            if k != "host" {
                req = req.header(k.as_str(), v.to_str().unwrap());
            }
        }
        let resp = req.body(sent_body).send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.unwrap();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            raw,
        }
    }

    pub fn ws(&self, rest: &str) -> String {
        format!("/v2/{}{rest}", self.project)
    }
}

/// A directory on a fresh database, with one account; returns (directory, account id, the
/// database, to keep alive).
pub async fn directory() -> (Directory, String, TestDb) {
    let test_db = TestDb::new();
    let (store, _) = Db::open(&test_db.url(), &PoolSettings::default())
        .await
        .unwrap();
    let dir = Directory::with_store(store, Arc::new(MasterKey::from_bytes(&[1u8; 32])));
    let creds = dir.create_account("acme", "default").await.unwrap();
    (dir, creds.domain_id, test_db)
}
