//! Test helpers: a real `roster` process on a random port with its own SQLite file, a
//! client that signs like the Huawei SDK, and a directory opened directly on a temp file.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use roster::auth::sdk_hmac;
use roster::auth::sealing::MasterKey;
use roster::core::Directory;
use roster::store::{Db, PoolSettings};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_roster");

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Creds {
    pub domain_id: String,
    pub domain_name: String,
    pub project_id: String,
    pub project_name: String,
    pub user_id: String,
    pub user_name: String,
    pub password: String,
    pub access_key: String,
    pub secret_key: String,
}

pub fn create_account(data_dir: &Path, name: &str) -> Creds {
    let out = Command::new(BIN)
        .args(["account", "create", name, "--json", "--data-dir"])
        .arg(data_dir)
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
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts `roster serve` on a fresh data dir.
    pub fn start() -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut s = Server::start_in(&dir, &[]);
        s._tmp = Some(tmp);
        s
    }

    pub fn start_in(data_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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
            data_dir: data_dir.to_path_buf(),
            _tmp: None,
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
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
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
        let host = self.url.trim_start_matches("http://").to_string();
        let date = at.format("%Y%m%dT%H%M%SZ").to_string();
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("host", host.parse().unwrap());
        headers.insert("x-project-id", self.project.parse().unwrap());
        headers.insert("x-sdk-date", date.parse().unwrap());
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        let raw = sdk_hmac::RawRequest {
            method,
            path: p,
            query: q,
            headers: &headers,
            body: &body,
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
        let resp = req.body(body).send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn ws(&self, rest: &str) -> String {
        format!("/v2/{}{rest}", self.project)
    }
}

/// A directory on a fresh SQLite file, with one account; returns (directory, account id).
pub async fn directory() -> (Directory, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let url = Db::sqlite_url_for(tmp.path()).unwrap();
    let db = Db::connect(&url, &PoolSettings::default()).await.unwrap();
    db.migrate().await.unwrap();
    let dir = Directory::new(db, Arc::new(MasterKey::from_bytes(&[1u8; 32])));
    let creds = dir.create_account("acme", "default").await.unwrap();
    (dir, creds.domain_id, tmp)
}
