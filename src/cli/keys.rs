//! `roster keys rotate` and `roster keys list`: the IAM token key set, kept in the database
//! (sealed with the master key) so every node sees a rotation within `iam::state::KEYS_TTL`.

use clap::{Args, Subcommand};

use crate::config::{FileConfig, IamArgs, StoreArgs, StoreConfig};
use crate::core::ids::iso_ms;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new primary token key; older keys keep validating the tokens they issued until
    /// those expire, and keys no unexpired token can name any more are deleted
    Rotate(KeysArgs),
    /// List the token keys, the primary first
    List(KeysArgs),
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub iam: IamArgs,
}

pub async fn run(cmd: KeysCommand) -> anyhow::Result<()> {
    let (KeysCommand::Rotate(a) | KeysCommand::List(a)) = &cmd;
    let file = FileConfig::load(a.store.config.as_deref())?;
    let cfg = StoreConfig::resolve(&a.store, &file);
    let settings = a.iam.resolve(&file)?;
    let dir = super::open(&cfg).await?;
    match cmd {
        KeysCommand::Rotate(_) => {
            // make sure the key that issued the tokens now in use exists before it retires
            dir.token_keys().await?;
            let life = settings.token_ttl.as_millis() as i64;
            let (new, deleted) = dir.rotate_token_keys(life).await?;
            println!("new primary token key {}", new.id);
            for id in deleted {
                println!("deleted token key {id} (retired longer than the token lifetime)");
            }
        }
        KeysCommand::List(_) => {
            for (i, k) in dir.token_keys().await?.iter().enumerate() {
                let role = if i == 0 { "primary" } else { "secondary" };
                println!("{}  {role}  created {}", k.id, iso_ms(k.created_at));
            }
        }
    }
    Ok(())
}
