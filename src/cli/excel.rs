//! `roster export` and `roster import`: the same work as the API's export tasks and import,
//! run against the database directly, with progress bars.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::seed::bar;
use crate::config::{FileConfig, StoreArgs, StoreConfig};
use crate::core::exports::{Language, Spec, TaskSpec};
use crate::core::model::{GroupFilter, Page, UserFilter};
use crate::core::validate;
use crate::jobs::export::write_workbook;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum What {
    Users,
    Groups,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export
    pub what: What,
    /// Project whose account's users or groups are exported
    #[arg(long)]
    pub project_id: String,
    /// The .xlsx file to write
    #[arg(short, long)]
    pub output: PathBuf,
    /// Column headers and words: en_US or zh_CN [default: en_US]
    #[arg(long)]
    pub language: Option<String>,
    /// Only users (by user name) or groups (by group name) containing this text
    #[arg(long)]
    pub keyword: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A filled import template (.xlsx); see GET /v2/{project_id}/users/template/download
    pub file: PathBuf,
    /// Project whose account receives the users
    #[arg(long)]
    pub project_id: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// These commands read or write the database once, front to back: mapping the SQLite file
/// or a large page cache would only make the process's RSS grow with the file.
fn one_pass(mut cfg: StoreConfig) -> StoreConfig {
    cfg.pool.sqlite_mmap_bytes = 0;
    cfg.pool.sqlite_cache_kib = 16 * 1024;
    cfg
}

pub async fn export(a: ExportArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(a.store.config.as_deref())?;
    let dir = super::open(&one_pass(StoreConfig::resolve(&a.store, &file))).await?;
    let account = dir.project(&a.project_id).await?.account_id;
    let language = Language::parse(a.language.as_deref())?;
    let one = Page {
        limit: 1,
        offset: 0,
    };
    let (spec, total, what) = match a.what {
        What::Users => {
            let filter = UserFilter {
                name_contains: a.keyword,
                ..UserFilter::default()
            };
            let total = dir.list_users(&account, &filter, one).await?.total;
            (Spec::Users { filter }, total, "users")
        }
        What::Groups => {
            let filter = GroupFilter {
                keyword: a.keyword.clone(),
                ..GroupFilter::default()
            };
            let total = dir.list_groups(&account, &filter, one).await?.total;
            let spec = Spec::Groups {
                name: a.keyword,
                group_ids: Vec::new(),
            };
            (spec, total, "groups")
        }
    };
    let pb = bar(total.max(0) as u64, what);
    let spec = TaskSpec { spec, language };
    let tmp = a.output.parent().filter(|p| !p.as_os_str().is_empty());
    let shown = pb.clone();
    let progress = std::sync::Arc::new(move |n| shown.set_position(n));
    let rows = write_workbook(&dir, &account, &spec, &a.output, tmp, progress).await?;
    pb.finish_and_clear();
    println!("exported {rows} {what} to {}", a.output.display());
    Ok(())
}

pub async fn import(a: ImportArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(a.store.config.as_deref())?;
    let dir = super::open(&one_pass(StoreConfig::resolve(&a.store, &file))).await?;
    let account = dir.project(&a.project_id).await?.account_id;
    // the same bound as the API's upload: the file is read whole before it is parsed
    let max = file
        .import_max_bytes
        .unwrap_or(crate::jobs::DEFAULT_IMPORT_MAX_BYTES);
    let cannot = |e: std::io::Error| anyhow::anyhow!("cannot read {}: {e}", a.file.display());
    let size = std::fs::metadata(&a.file).map_err(cannot)?.len();
    if size > max as u64 {
        anyhow::bail!(
            "{} is {size} bytes; at most {max} bytes can be imported (import_max_bytes)",
            a.file.display()
        );
    }
    let bytes = std::fs::read(&a.file).map_err(cannot)?;
    let (rows, unreadable) = crate::excel::read::import_rows(&bytes)?;
    let pb = bar((rows.len() + unreadable.len()) as u64, "rows");
    let offset = unreadable.len();
    let mut out = dir
        .import_users(&account, rows, validate::workspace_user_name, &|n| {
            pb.set_position((offset + n) as u64)
        })
        .await?;
    pb.finish_and_clear();
    out.failed.extend(
        unreadable
            .into_iter()
            .map(|(row, why)| (row, crate::core::Error::invalid(why))),
    );
    out.failed.sort_by_key(|(r, _)| r.row);
    for (row, e) in &out.failed {
        eprintln!("row {} ({}): {e}", row.row, row.name);
    }
    println!(
        "imported {} users; {} rows failed",
        out.created.len(),
        out.failed.len()
    );
    if !out.failed.is_empty() {
        anyhow::bail!("{} rows were not imported", out.failed.len());
    }
    Ok(())
}
