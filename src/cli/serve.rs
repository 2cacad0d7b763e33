//! `roster serve`.

use std::io::Write;
use std::net::SocketAddr;

use clap::Args;

use crate::config::{FileConfig, IamArgs, StoreArgs, StoreConfig};
use crate::core::{Directory, Error};
use crate::http::{self, AppState};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "ROSTER_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Seconds a finished export file is kept before it expires [default: 604800 = 7 days]
    #[arg(long, env = "ROSTER_EXPORT_KEEP_SECS")]
    pub export_keep_secs: Option<u64>,
    /// Seconds of the export worker's lease on a task: a task whose node died is taken up
    /// again after at most this long [default: 30]
    #[arg(long, env = "ROSTER_EXPORT_LEASE_SECS")]
    pub export_lease_secs: Option<u64>,
    /// Largest workbook an import accepts, in bytes [default: 20971520]
    #[arg(long, env = "ROSTER_IMPORT_MAX_BYTES")]
    pub import_max_bytes: Option<usize>,
    /// Imports this node runs at once; more wait up to 30 s, then get a 503 [default: 2]
    #[arg(long, env = "ROSTER_IMPORT_CONCURRENCY")]
    pub import_concurrency: Option<usize>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub iam: IamArgs,
}

pub async fn run(a: ServeArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(a.store.config.as_deref())?;
    let cfg = StoreConfig::resolve(&a.store, &file);
    let listen = a
        .listen
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let iam = a.iam.resolve(&file)?;
    let dir = super::open(&cfg).await?;
    bootstrap(&dir, &cfg).await?;
    let mut state = AppState::new(dir.clone(), cfg.max_body_bytes).with_iam(iam);
    let defaults = crate::jobs::Exports::default();
    let secs = std::time::Duration::from_secs;
    state.exports = std::sync::Arc::new(crate::jobs::Exports {
        keep: a
            .export_keep_secs
            .or(file.export_keep_secs)
            .map_or(defaults.keep, secs),
        lease: a
            .export_lease_secs
            .or(file.export_lease_secs)
            .map_or(defaults.lease, |s| secs(s.max(1))),
        tmpdir: file.export_tmp_dir.clone(),
        import_max_bytes: a
            .import_max_bytes
            .or(file.import_max_bytes)
            .unwrap_or(defaults.import_max_bytes),
        imports: std::sync::Arc::new(tokio::sync::Semaphore::new(
            a.import_concurrency
                .or(file.import_concurrency)
                .unwrap_or(crate::jobs::DEFAULT_IMPORT_CONCURRENCY)
                .max(1),
        )),
        ..defaults
    });
    crate::jobs::worker::spawn(dir, state.exports.clone());
    let listener = tokio::net::TcpListener::bind(listen).await?;
    http::serve(listener, http::router(state)).await?;
    Ok(())
}

/// On first start with an empty directory: create the `default` account and its operator
/// (user `admin`, system role `admin`: Keystone's cloud administrator) and hand their
/// credentials over once, in a file only the owner can read (the operator's under
/// `"operator"`).
async fn bootstrap(dir: &Directory, cfg: &StoreConfig) -> anyhow::Result<()> {
    if dir.account_count().await? > 0 {
        return Ok(());
    }
    let creds = match dir.create_account("default", "default").await {
        Ok(c) => c,
        // another node bootstrapped the same database first
        Err(Error::Duplicate(..)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let operator = dir.create_operator("admin").await?;
    let mut doc = serde_json::to_value(&creds)?;
    doc["operator"] = serde_json::to_value(&operator)?;
    crate::store::private_dir(&cfg.data_dir)?;
    let path = cfg.data_dir.join("default-credentials.json");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&path)?;
    f.write_all(serde_json::to_string_pretty(&doc)?.as_bytes())?;
    println!(
        "created account 'default' (project {}) and its operator 'admin'; their passwords and the root's access key pair are in {} (readable only by you)",
        creds.project_id,
        path.display()
    );
    Ok(())
}
