//! The command line. Command and flag names are a contract with deployment scripts and
//! tests: keep them.

mod account;
mod excel;
mod keys;
mod operator;
mod seed;
mod serve;

use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::auth::sealing::MasterKey;
use crate::config::{FileConfig, StoreArgs, StoreConfig};
use crate::core::Directory;
use crate::store::Db;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "A self-hosted directory of users and user groups"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server
    Serve(serve::ServeArgs),
    /// Manage accounts (Keystone domains, Quick BI organizations)
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Manage operators (Keystone's cloud administrators, above the accounts)
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// Manage the IAM token keys (rotate, list)
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Fill a project with synthetic users, nested groups and memberships (demos, benchmarks)
    Seed(seed::SeedArgs),
    /// Write users or groups to an .xlsx workbook (as the API's export tasks do)
    Export(excel::ExportArgs),
    /// Create users from a filled import template (.xlsx), row by row
    Import(excel::ImportArgs),
    /// Apply database migrations and report what was applied
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROSTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("roster=info,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(a) => serve::run(a).await,
        Command::Account(c) => account::run(c).await,
        Command::Seed(a) => seed::run(a).await,
        Command::Export(a) => excel::export(a).await,
        Command::Import(a) => excel::import(a).await,
        Command::Keys(c) => keys::run(c).await,
        Command::Operator(c) => operator::run(c).await,
        Command::Migrate { store } => {
            let file = FileConfig::load(store.config.as_deref())?;
            let cfg = StoreConfig::resolve(&store, &file);
            let db = Db::connect(&cfg.database_url()?, &cfg.pool).await?;
            let applied = db.migrate().await?;
            if applied.is_empty() {
                println!("the database is up to date");
            } else {
                for m in applied {
                    println!("applied {m}");
                }
            }
            Ok(())
        }
    }
}

/// Opens the directory: connects, applies migrations, loads the master key.
pub async fn open(cfg: &StoreConfig) -> anyhow::Result<Directory> {
    let (store, applied) = Db::open(&cfg.database_url()?, &cfg.pool).await?;
    for m in applied {
        tracing::info!("applied migration {m}");
    }
    let key = MasterKey::load_or_create(&cfg.master_key_file)?;
    let mut dir = Directory::with_store(store, Arc::new(key));
    if let Some(d) = cfg.max_group_depth {
        dir.max_depth = d.max(1);
    }
    Ok(dir)
}
