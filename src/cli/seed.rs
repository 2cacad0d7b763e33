//! `roster seed`: realistic synthetic data, fast. Rows are written in large multi-row
//! inserts inside a few big transactions; `user_quantity` is recomputed exactly at the end.

use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::config::{FileConfig, StoreArgs, StoreConfig};
use crate::core::model::{ActiveType, Group, PlatformType, UserId};
use crate::core::storage::UserRecord;
use crate::core::{ids, Directory};

/// Rows per multi-row INSERT. Few large statements matter on SQLite: FTS5 flushes its
/// pending index at every statement's savepoint.
const USER_BATCH: u64 = 1000;
const GROUP_BATCH: usize = 500;
const MEMBERSHIP_BATCH: usize = 2000;

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Project to fill (its account receives the users and groups)
    #[arg(long)]
    pub project_id: String,
    /// Number of users to create
    #[arg(long, default_value_t = 1000)]
    pub users: u64,
    /// Number of groups to create
    #[arg(long, default_value_t = 100)]
    pub groups: u64,
    /// Deepest nesting of groups (1 = no nesting)
    #[arg(long, default_value_t = 4)]
    pub max_depth: i64,
    /// Number of memberships to create [default: twice the number of users]
    #[arg(long)]
    pub memberships: Option<u64>,
    /// Seed of the random generator, for reproducible data
    #[arg(long, default_value_t = 42)]
    pub rng_seed: u64,
    #[command(flatten)]
    pub store: StoreArgs,
}

const LATIN_GIVEN: &[&str] = &[
    "alice", "bob", "carol", "david", "emma", "frank", "grace", "henry", "irene", "jack", "karen",
    "leo", "maria", "nina", "oscar", "paul", "quinn", "rosa", "sam", "tina", "victor", "wendy",
];
const LATIN_FAMILY: &[&str] = &[
    "smith", "jones", "brown", "miller", "garcia", "martin", "muller", "rossi", "dubois", "novak",
    "silva", "kim", "nguyen", "larsen", "ivanov", "schmidt",
];
const CN_FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const CN_GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英",
];
const ROLES: &[&str] = &[
    "engineer",
    "designer",
    "analyst",
    "manager",
    "support",
    "sales",
    "operations",
];
const CN_ROLES: &[&str] = &["工程师", "设计师", "分析师", "经理", "客服", "销售", "运维"];
const CITIES: &[&str] = &[
    "Shanghai",
    "Beijing",
    "Shenzhen",
    "Munich",
    "Paris",
    "Singapore",
    "Dubai",
];
const CN_CITIES: &[&str] = &["上海", "北京", "深圳", "杭州", "成都", "武汉", "南京"];
const DEPTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Finance",
    "Marketing",
    "Support",
    "Research",
    "Legal",
    "Operations",
];
const CN_DEPTS: &[&str] = &[
    "研发部",
    "销售部",
    "财务部",
    "市场部",
    "客服部",
    "研究院",
    "法务部",
    "运营部",
];

pub(crate) fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .expect("template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

fn user_row(rng: &mut StdRng, account_id: &str, n: u64, now: i64) -> UserRecord {
    let chinese = rng.gen_bool(0.4);
    let (name, description, email) = if chinese {
        let f = CN_FAMILY.choose(rng).unwrap();
        let g = CN_GIVEN.choose(rng).unwrap();
        (
            format!("{f}{g}{n}"),
            format!(
                "{}{}",
                CN_CITIES.choose(rng).unwrap(),
                CN_ROLES.choose(rng).unwrap()
            ),
            String::new(),
        )
    } else {
        let g = LATIN_GIVEN.choose(rng).unwrap();
        let f = LATIN_FAMILY.choose(rng).unwrap();
        (
            format!("{g}_{f}{n}"),
            format!(
                "{} in {}",
                ROLES.choose(rng).unwrap(),
                CITIES.choose(rng).unwrap()
            ),
            format!("{g}.{f}{n}@example.com"),
        )
    };
    let phone = if email.is_empty() || rng.gen_bool(0.3) {
        format!("+86 1{:010}", rng.gen_range(0..10_000_000_000u64))
    } else {
        String::new()
    };
    UserRecord {
        id: UserId::generate(),
        account_id: account_id.into(),
        name,
        description,
        email,
        phone,
        alias_name: String::new(),
        active_type: if rng.gen_bool(0.8) {
            ActiveType::User
        } else {
            ActiveType::Admin
        },
        platform_type: PlatformType::Local,
        domain: String::new(),
        enterprise_project_id: "0".into(),
        user_info_map: String::new(),
        account_expires: 0,
        password_hash: None,
        enable_change_password: true,
        next_login_change_password: false,
        password_never_expired: false,
        locked: false,
        disabled: rng.gen_bool(0.02),
        is_root: false,
        created_at: now,
        password_expires_at: 0,
        default_project_id: String::new(),
        options: "{}".into(),
    }
}

pub async fn run(a: SeedArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(a.store.config.as_deref())?;
    let mut cfg = StoreConfig::resolve(&a.store, &file);
    // one writer at a time anyway; one connection keeps the big page cache below warm
    cfg.pool.max_connections = 1;
    // random 32-hex ids land all over the indexes: a large cache (SQLite) saves most page
    // I/O
    cfg.pool.sqlite_cache_kib = 1 << 20;
    let dir = super::open(&cfg).await?;
    let project = dir.project(&a.project_id).await?;
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(a.rng_seed);
    let account = project.account_id.clone();
    // Names carry a number that continues after the users already there, so seeding twice
    // adds to a project instead of colliding with itself.
    let base = {
        let account = account.clone();
        dir.reading(move |tx| tx.user_count(&account)).await? as u64
    };
    let user_ids = seed_users(&dir, &mut rng, &account, a.users, base).await?;
    let t_users = started.elapsed().as_secs_f64();
    let group_ids =
        seed_groups(&dir, &mut rng, &account, a.groups, a.max_depth.max(1), base).await?;
    let t_groups = started.elapsed().as_secs_f64();
    let memberships = a.memberships.unwrap_or(a.users * 2);
    let made =
        seed_memberships(&dir, &mut rng, &account, &user_ids, &group_ids, memberships).await?;
    let t_all = started.elapsed().as_secs_f64();
    println!(
        "seeded project {}: {} users in {t_users:.1}s, {} groups in {:.1}s, {made} memberships in {:.1}s; {t_all:.1}s in all",
        a.project_id,
        a.users,
        a.groups,
        t_groups - t_users,
        t_all - t_groups,
    );
    Ok(())
}

async fn seed_users(
    dir: &Directory,
    rng: &mut StdRng,
    account: &str,
    n: u64,
    base: u64,
) -> anyhow::Result<Vec<String>> {
    let pb = bar(n, "users");
    let now = ids::now_ms();
    let mut all = Vec::with_capacity(n as usize);
    let mut done = 0u64;
    while done < n {
        // 50,000 users a transaction, in 1,000-row statements
        let tx_end = (done + 50_000).min(n);
        let rows: Vec<UserRecord> = (done..tx_end)
            .map(|i| user_row(rng, account, base + i + 1, now))
            .collect();
        all.extend(rows.iter().map(|r| r.id.to_string()));
        let rows = std::sync::Arc::new(rows);
        let shown = pb.clone();
        dir.writing(move |tx| {
            for batch in rows.chunks(USER_BATCH as usize) {
                tx.insert_users(batch)?;
                shown.inc(batch.len() as u64);
            }
            Ok(())
        })
        .await?;
        done = tx_end;
    }
    pb.finish();
    Ok(all)
}

async fn seed_groups(
    dir: &Directory,
    rng: &mut StdRng,
    account: &str,
    n: u64,
    max_depth: i64,
    base: u64,
) -> anyhow::Result<Vec<String>> {
    let pb = bar(n, "groups");
    let now = ids::now_ms();
    // (id, path, depth) of every group made so far, to pick parents from
    let mut made: Vec<(String, String, i64)> = Vec::with_capacity(n as usize);
    let mut all: Vec<Group> = Vec::with_capacity(n as usize);
    for i in 0..n {
        let parent = if made.is_empty() || rng.gen_bool(0.3) || max_depth == 1 {
            None
        } else {
            let p = &made[rng.gen_range(0..made.len())];
            (p.2 < max_depth).then(|| p.clone())
        };
        let k = rng.gen_range(0..DEPTS.len());
        let name = if rng.gen_bool(0.5) {
            format!(
                "{}-{}-{}",
                CN_DEPTS[k],
                CN_CITIES.choose(rng).unwrap(),
                base + i + 1
            )
        } else {
            format!(
                "{} {} {}",
                DEPTS[k],
                CITIES.choose(rng).unwrap(),
                base + i + 1
            )
        };
        let id = ids::new_id();
        let (path, depth) = match &parent {
            Some((_, pp, pd)) => (format!("{pp}/{id}"), pd + 1),
            None => (id.clone(), 1),
        };
        let g = Group {
            seq: 0,
            id: id.clone().into(),
            account_id: account.into(),
            description: format!("{} team", DEPTS[k]),
            name,
            platform_type: PlatformType::Local,
            domain: String::new(),
            parent_id: parent.map(|p| p.0.into()),
            path: path.clone(),
            depth,
            user_quantity: 0,
            created_by: String::new(),
            updated_by: String::new(),
            created_at: now,
            updated_at: now,
            parent: None,
        };
        all.push(g);
        made.push((id, path, depth));
    }
    let shown = pb.clone();
    dir.writing(move |tx| {
        for batch in all.chunks(GROUP_BATCH) {
            tx.insert_groups(batch)?;
            shown.inc(batch.len() as u64);
        }
        Ok(())
    })
    .await?;
    pb.finish();
    Ok(made.into_iter().map(|m| m.0).collect())
}

/// Draws `n` random (group, user) pairs and inserts the distinct ones in key order, which
/// appends to the membership index instead of writing all over it.
async fn seed_memberships(
    dir: &Directory,
    rng: &mut StdRng,
    account: &str,
    users: &[String],
    groups: &[String],
    n: u64,
) -> anyhow::Result<u64> {
    if users.is_empty() || groups.is_empty() || n == 0 {
        return Ok(0);
    }
    let mut pairs: Vec<(u32, u32)> = (0..n)
        .map(|_| {
            (
                rng.gen_range(0..groups.len()) as u32,
                rng.gen_range(0..users.len()) as u32,
            )
        })
        .collect();
    pairs.sort_unstable_by(|a, b| {
        (&groups[a.0 as usize], &users[a.1 as usize])
            .cmp(&(&groups[b.0 as usize], &users[b.1 as usize]))
    });
    pairs.dedup();
    let pb = bar(pairs.len() as u64, "memberships");
    let now = ids::now_ms();
    let (groups, users) = (
        std::sync::Arc::new(groups.to_vec()),
        std::sync::Arc::new(users.to_vec()),
    );
    let made = pairs.len() as u64;
    for tx_chunk in pairs.chunks(100_000) {
        let chunk = tx_chunk.to_vec();
        let (groups, users, shown) = (groups.clone(), users.clone(), pb.clone());
        dir.writing(move |tx| {
            let named: Vec<(&str, &str)> = chunk
                .iter()
                .map(|(g, u)| (groups[*g as usize].as_str(), users[*u as usize].as_str()))
                .collect();
            for batch in named.chunks(MEMBERSHIP_BATCH) {
                tx.load_memberships(batch, now)?;
                shown.inc(batch.len() as u64);
            }
            Ok(())
        })
        .await?;
    }
    let account = crate::core::model::AccountId::from(account);
    dir.writing(move |tx| tx.recount_members(&account)).await?;
    pb.finish();
    Ok(made)
}
