//! Settings: command-line flags and `ROSTER_*` environment variables first, then the TOML
//! config file (`--config`), then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Deserialize;

use crate::store::{Db, PoolSettings};

/// Where the directory lives; shared by every command that opens it.
#[derive(Debug, Clone, Args, Default)]
pub struct StoreArgs {
    /// Directory of the embedded database and the master key [default: ./roster-data]
    #[arg(long, env = "ROSTER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB; default: the embedded SQLite in --data-dir
    #[arg(long, env = "ROSTER_DATABASE_URL")]
    pub database_url: Option<String>,
    /// TOML file with any of the settings (flags and environment win over it)
    #[arg(long, env = "ROSTER_CONFIG")]
    pub config: Option<PathBuf>,
    /// File holding the master key that seals stored secrets [default: DATA_DIR/master.key]
    #[arg(long, env = "ROSTER_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Most database connections this process opens [default: 16]
    #[arg(long, env = "ROSTER_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// Seconds a request waits for a database connection before it fails with 503 [default: 5]
    #[arg(long, env = "ROSTER_DB_ACQUIRE_TIMEOUT")]
    pub db_acquire_timeout: Option<u64>,
}

/// The config file's keys; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub master_key_file: Option<PathBuf>,
    pub db_max_connections: Option<u32>,
    pub db_acquire_timeout: Option<u64>,
    pub max_group_depth: Option<i64>,
    pub max_body_bytes: Option<usize>,
    /// Bytes of the SQLite file mapped into memory (default 4 GiB; 0 = off).
    pub sqlite_mmap_bytes: Option<u64>,
    /// Seconds a finished export file is kept (default 7 days).
    pub export_keep_secs: Option<u64>,
    /// Seconds of an export worker's lease on a task (default 30).
    pub export_lease_secs: Option<u64>,
    /// Where export workbooks are written before they are stored (default: system temp).
    pub export_tmp_dir: Option<PathBuf>,
    /// Largest workbook an import accepts, in bytes (default 20 MiB).
    pub import_max_bytes: Option<usize>,
    /// Imports a node runs at once (default 2).
    pub import_concurrency: Option<usize>,
    /// IAM: token lifetime in seconds.
    pub token_expiry: Option<u64>,
    /// IAM: the public base URL (behind a reverse proxy).
    pub public_url: Option<String>,
    /// IAM: failed logins of a user within the window that lock it out for the window (the
    /// login policy of an account that has none of its own; 401 then).
    pub login_max_failures_per_user: Option<i64>,
    /// IAM: failed logins from one address within the window, then 429 until it ends.
    pub login_max_failures_per_addr: Option<i64>,
    /// IAM: the failed-login window in seconds (also the default lockout).
    pub login_failure_window: Option<u64>,
    /// IAM: reverse proxies whose X-Forwarded-For names the client of a login.
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// IAM: most entries an unpaged Keystone list returns (Keystone's `[DEFAULT]
    /// list_limit`); a list cut by it says `"truncated": true`. Default: no limit.
    pub list_limit: Option<i64>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("bad config {}: {e}", path.display()))
    }
}

/// Resolved storage settings.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub master_key_file: PathBuf,
    pub pool: PoolSettings,
    pub max_group_depth: Option<i64>,
    pub max_body_bytes: usize,
}

impl StoreConfig {
    pub fn resolve(args: &StoreArgs, file: &FileConfig) -> StoreConfig {
        let data_dir = args
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("roster-data"));
        let master_key_file = args
            .master_key_file
            .clone()
            .or_else(|| file.master_key_file.clone())
            .unwrap_or_else(|| data_dir.join("master.key"));
        let mut pool = PoolSettings::default();
        if let Some(n) = args.db_max_connections.or(file.db_max_connections) {
            pool.max_connections = n.max(1);
        }
        if let Some(s) = args.db_acquire_timeout.or(file.db_acquire_timeout) {
            pool.acquire_timeout = Duration::from_secs(s.max(1));
        }
        if let Some(b) = file.sqlite_mmap_bytes {
            pool.sqlite_mmap_bytes = b;
        }
        StoreConfig {
            database_url: args
                .database_url
                .clone()
                .or_else(|| file.database_url.clone()),
            data_dir,
            master_key_file,
            pool,
            max_group_depth: file.max_group_depth,
            max_body_bytes: file.max_body_bytes.unwrap_or(16 * 1024 * 1024),
        }
    }

    pub fn database_url(&self) -> anyhow::Result<String> {
        match &self.database_url {
            Some(u) => Ok(u.clone()),
            None => Ok(Db::sqlite_url_for(&self.data_dir)?),
        }
    }
}

/// Settings of the IAM (Keystone) face that may come as flags.
#[derive(Debug, Clone, Args, Default)]
pub struct IamArgs {
    /// Lifetime of a new IAM token in seconds [default: 86400]
    #[arg(long, env = "ROSTER_TOKEN_EXPIRY")]
    pub token_expiry: Option<u64>,
    /// Base URL clients use to reach this server (behind a reverse proxy), e.g.
    /// https://iam.example.com; IAM links and the token catalog use it [default: the Host]
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Most entries an unpaged Keystone list (/v3/groups, /v3/users, ...) returns; a list cut
    /// by it carries "truncated": true, as Keystone's [DEFAULT] list_limit [default: none]
    #[arg(long, env = "ROSTER_LIST_LIMIT")]
    pub list_limit: Option<i64>,
}

impl IamArgs {
    pub fn resolve(&self, file: &FileConfig) -> anyhow::Result<crate::iam::IamSettings> {
        let mut s = crate::iam::IamSettings::default();
        if let Some(secs) = self.token_expiry.or(file.token_expiry) {
            if secs == 0 {
                anyhow::bail!("token_expiry must be at least 1 second");
            }
            s.token_ttl = Duration::from_secs(secs);
        }
        if let Some(u) = self.public_url.clone().or_else(|| file.public_url.clone()) {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                anyhow::bail!("public_url must start with http:// or https://, not {u:?}");
            }
            s.public_url = Some(u.trim_end_matches('/').to_string());
        }
        if let Some(n) = self.list_limit.or(file.list_limit) {
            if n < 1 {
                anyhow::bail!("list_limit must be at least 1, not {n}");
            }
            s.list_limit = Some(n);
        }
        let l = &mut s.login_limits;
        if let Some(n) = file.login_max_failures_per_user {
            l.max_per_user = n.max(1);
        }
        if let Some(n) = file.login_max_failures_per_addr {
            l.max_per_addr = n.max(1);
        }
        s.trusted_proxies = file.trusted_proxies.clone().unwrap_or_default();
        if let Some(secs) = file.login_failure_window {
            l.window_ms = (secs.max(1) * 1000) as i64;
        }
        Ok(s)
    }
}
