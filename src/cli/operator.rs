//! `roster operator create`: a new operator (Keystone's cloud administrator) for an
//! existing database. The first one is made by `roster serve` on first start.

use clap::{Args, Subcommand};

use crate::config::{FileConfig, StoreArgs, StoreConfig};

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Create an operator: a user of the `default` account holding the system role
    /// `admin`, who administers every account through /v3/domains and the IAM face
    Create(CreateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The operator's user name in the `default` account
    #[arg(long, default_value = "admin")]
    pub name: String,
    /// Print one JSON object with the new ids and credentials
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(cmd: OperatorCommand) -> anyhow::Result<()> {
    match cmd {
        OperatorCommand::Create(a) => {
            let file = FileConfig::load(a.store.config.as_deref())?;
            let cfg = StoreConfig::resolve(&a.store, &file);
            let dir = super::open(&cfg).await?;
            let creds = dir.create_operator(&a.name).await?;
            if a.json {
                println!("{}", serde_json::to_string(&creds)?);
            } else {
                println!(
                    "created operator {} ({}) in domain {} ({})",
                    creds.user_name, creds.user_id, creds.domain_name, creds.domain_id
                );
                println!("password    {}", creds.password);
                println!("project     {} ({})", creds.project_name, creds.project_id);
                println!("keep these: the password is not shown again");
            }
            Ok(())
        }
    }
}
