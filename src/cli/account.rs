//! `roster account create`.

use clap::{Args, Subcommand};

use crate::config::{FileConfig, StoreArgs, StoreConfig};

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account with one project, a root user and an access key pair
    Create(CreateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Account (domain) name: 1-64 of A-Z a-z 0-9 - _
    pub name: String,
    /// Name of the account's first project (use a region name, e.g. cn-north-4, for SDKs
    /// configured by region)
    #[arg(long, default_value = "default")]
    pub project_name: String,
    /// Print one JSON object with the new ids and credentials
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(cmd: AccountCommand) -> anyhow::Result<()> {
    match cmd {
        AccountCommand::Create(a) => {
            let file = FileConfig::load(a.store.config.as_deref())?;
            let cfg = StoreConfig::resolve(&a.store, &file);
            let dir = super::open(&cfg).await?;
            let creds = dir.create_account(&a.name, &a.project_name).await?;
            if a.json {
                println!("{}", serde_json::to_string(&creds)?);
            } else {
                println!(
                    "created account {} ({})",
                    creds.domain_name, creds.domain_id
                );
                println!("project     {} ({})", creds.project_name, creds.project_id);
                println!(
                    "root user   {} ({}), password {}",
                    creds.user_name, creds.user_id, creds.password
                );
                println!("access key  {}", creds.access_key);
                println!("secret key  {}", creds.secret_key);
                println!("keep these: the password and secret key are not shown again");
            }
            Ok(())
        }
    }
}
