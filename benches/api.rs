//! API benchmark: today's binary (a baseline built from a git ref) against the binary of this
//! checkout, on the same seeded database, in the same run, so that the figure is a ratio.
//!
//!     cargo bench --bench api
//!
//! prints Markdown tables (call, baseline req/s, new req/s, ratio; single-client latency),
//! and the commands and environment used, ready for BENCHMARKS.md. Progress goes to stderr.
//!
//! How it measures: both servers run on their own copy of one seeded database (the new one
//! migrated first); for every call `wrk` replays ONE SDK-HMAC-SHA256-signed request (the
//! server accepts a signature for 15 minutes, and each measurement signs afresh), first with
//! `-t1 -c8` for requests per second, then with `-c1 --latency` for the p50 and p99 of the
//! two search calls. Only one server is under load at a time; baseline and new alternate per
//! call (which one goes first alternates too), and every measurement is repeated
//! ROSTER_BENCH_ROUNDS times; the tables show the median of the rounds, every round in
//! parentheses, and new / baseline. After every wrk run the bench waits until that server
//! (and its PostgreSQL database) is idle: wrk leaves up to `-c` requests in flight, and a
//! 1M-user search finishes seconds later. Client and servers share the machine's cores,
//! so on a busy machine the rounds spread widely (the report says when it was busy).
//!
//! A slow call completes few requests in a 5 s run (on PostgreSQL at 1M users, users
//! `user_name=alice` about 8 at `-c8`, 4 with one client), so its req/s moves in steps of
//! 8 / 5 s; raise ROSTER_BENCH_SECONDS when that figure matters.
//!
//! Environment (all optional):
//!
//! - ROSTER_BENCH_BASELINE: git ref of the baseline (default `d95fa6c`). It is checked out
//!   in a worktree at `target/bench-baseline/<ref>` and built there with `cargo build
//!   --release` (its own target dir; a no-op when already built). Several minutes the first
//!   time.
//! - ROSTER_BENCH_BASELINE_BIN: a prebuilt baseline `roster` binary; skips the build above.
//! - ROSTER_BENCH_DATA_DIR + ROSTER_BENCH_CREDS: a seeded data dir and the JSON of `roster
//!   account create --json` for the seeded account. Never written to: the bench copies it.
//!   Without them the BASELINE binary seeds a fresh one (ROSTER_BENCH_USERS, default
//!   1,000,000; ROSTER_BENCH_GROUPS, default 100,000; `--max-depth 5`), which takes minutes
//!   at the default sizes.
//! - ROSTER_BENCH_DATABASE_URL: PostgreSQL (`postgres://USER@HOST/DB`). With
//!   ROSTER_BENCH_DATA_DIR, DB is the seeded database (copied with `CREATE DATABASE ..
//!   TEMPLATE`, then `VACUUM ANALYZE`d; nothing may be connected to it); without, DB only
//!   names the server, and the bench seeds a database of its own. Every database the bench
//!   creates (`<DB>_bench_<what>_<pid>`) is dropped at the end, on a panic too (not when the
//!   bench is killed). Needs `psql`; the role must be allowed to create databases.
//! - ROSTER_BENCH_ROUNDS (default 3), ROSTER_BENCH_SECONDS (wrk's `-d`, default 5),
//!   ROSTER_BENCH_CONNECTIONS (wrk's `-c` for throughput, default 8), ROSTER_BENCH_WARMUP
//!   (seconds of untimed wrk before each measurement, default 1; 0 = none).
//! - ROSTER_BENCH_WORK: where the copies and server logs go (default: a temporary directory
//!   under the target dir; removed at the end). A 1M-user SQLite copy is about 1 GB.
//! - ROSTER_BENCH_AUTHZ=1: the cost of authorization instead: both sides run the new binary
//!   and the same calls, "baseline" signed by the account's root user (who holds every
//!   permission) and "new" by an IAM user holding 20 identity policies (`authz_setup`);
//!   no baseline is built.
//! - ROSTER_BENCH_SEED=1: also time `roster seed` of ROSTER_BENCH_USERS / ROSTER_BENCH_GROUPS
//!   with each binary on a fresh data dir (or database), once each. Off by default: minutes.
//!
//! Needs `wrk` (and `git` and `cargo` to build a baseline) on PATH.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use roster::auth::sdk_hmac::{self, RawRequest};
use serde_json::Value;

const NEW_BIN: &str = env!("CARGO_BIN_EXE_roster");
const DEFAULT_BASELINE: &str = "d95fa6c";

fn main() {
    // keep `cargo bench -- <filter>` listing and `cargo test --benches` harmless
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let cfg = Settings::from_env();
    // fail before minutes of building, seeding and copying, not after
    for tool in ["wrk"]
        .into_iter()
        .chain(cfg.database_url.as_ref().map(|_| "psql"))
    {
        if let Err(e) = Command::new(tool).arg("--version").output() {
            panic!("the bench needs `{tool}` on PATH: {e}");
        }
    }
    let target_dir = target_dir();
    let work = match &cfg.work {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("create ROSTER_BENCH_WORK");
            tempfile::Builder::new().prefix("api-").tempdir_in(dir)
        }
        None => tempfile::Builder::new()
            .prefix("bench-api-")
            .tempdir_in(&target_dir),
    }
    .expect("work directory");

    let new = Binary {
        path: NEW_BIN.into(),
        description: format!("{NEW_BIN} ({})", describe_checkout()),
    };
    // the cost of authorization compares two callers on the new binary, not two binaries
    let baseline = if cfg.authz {
        Binary {
            path: NEW_BIN.into(),
            description: new.description.clone(),
        }
    } else {
        baseline_binary(&cfg, &target_dir)
    };
    // declared before anything that connects to the databases it drops
    let pg = cfg.database_url.as_deref().map(Postgres::new);

    let seeded = seeded_data(&cfg, &baseline, pg.as_ref(), work.path());
    let report = compare_api(&cfg, &baseline, &new, &seeded, pg.as_ref(), work.path());
    println!("{report}");
    if cfg.seed_phase {
        println!(
            "{}",
            compare_seeding(&cfg, &baseline, &new, pg.as_ref(), work.path())
        );
    }
}

// ---------------------------------------------------------------------------------------
// settings

struct Settings {
    baseline_ref: String,
    baseline_bin: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    creds: Option<PathBuf>,
    database_url: Option<String>,
    users: u64,
    groups: u64,
    rounds: usize,
    seconds: u64,
    connections: u64,
    warmup: u64,
    work: Option<PathBuf>,
    seed_phase: bool,
    authz: bool,
}

impl Settings {
    fn from_env() -> Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let num = |name: &str, default: u64| match var(name) {
            None => default,
            Some(v) => v
                .replace(['_', ','], "")
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v}: not a number")),
        };
        let cfg = Settings {
            baseline_ref: var("ROSTER_BENCH_BASELINE").unwrap_or(DEFAULT_BASELINE.into()),
            baseline_bin: var("ROSTER_BENCH_BASELINE_BIN").map(PathBuf::from),
            data_dir: var("ROSTER_BENCH_DATA_DIR").map(PathBuf::from),
            creds: var("ROSTER_BENCH_CREDS").map(PathBuf::from),
            database_url: var("ROSTER_BENCH_DATABASE_URL"),
            users: num("ROSTER_BENCH_USERS", 1_000_000),
            groups: num("ROSTER_BENCH_GROUPS", 100_000),
            rounds: num("ROSTER_BENCH_ROUNDS", 3).max(1) as usize,
            seconds: num("ROSTER_BENCH_SECONDS", 5).max(1),
            connections: num("ROSTER_BENCH_CONNECTIONS", 8).max(1),
            warmup: num("ROSTER_BENCH_WARMUP", 1),
            work: var("ROSTER_BENCH_WORK").map(PathBuf::from),
            seed_phase: num("ROSTER_BENCH_SEED", 0) == 1,
            authz: num("ROSTER_BENCH_AUTHZ", 0) == 1,
        };
        assert_eq!(
            cfg.data_dir.is_some(),
            cfg.creds.is_some(),
            "set both ROSTER_BENCH_DATA_DIR and ROSTER_BENCH_CREDS, or neither"
        );
        cfg
    }

    fn backend(&self) -> &'static str {
        if self.database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

/// The target dir cargo built the new binary in (`<target>/release/roster`), so that a
/// CARGO_TARGET_DIR elsewhere is honoured.
fn target_dir() -> PathBuf {
    Path::new(NEW_BIN)
        .parent()
        .and_then(Path::parent)
        .expect("the roster binary lives in <target>/<profile>/")
        .to_path_buf()
}

fn repo_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// processes

/// Runs a command to completion; panics with its output unless it succeeded.
fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&run(cmd).stdout).trim().to_string()
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(dir);
    c
}

/// `abc1234`, with `+ uncommitted changes` when the work tree differs from it.
fn describe_checkout() -> String {
    let head = stdout_of(git(repo_dir()).args(["rev-parse", "--short", "HEAD"]));
    let dirty = !stdout_of(git(repo_dir()).args(["status", "--porcelain", "--untracked-files=no"]))
        .is_empty();
    if dirty {
        format!("{head} + uncommitted changes")
    } else {
        head
    }
}

struct Binary {
    path: PathBuf,
    description: String,
}

impl Binary {
    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.path);
        // a config file in the environment would apply to one side's settings unseen
        c.env_remove("ROSTER_CONFIG");
        c
    }
}

/// The baseline binary: the one given, or the ref's release build in its own worktree.
fn baseline_binary(cfg: &Settings, target_dir: &Path) -> Binary {
    if let Some(path) = &cfg.baseline_bin {
        assert!(
            path.is_file(),
            "ROSTER_BENCH_BASELINE_BIN={}: no such file",
            path.display()
        );
        // best effort: a binary inside a checkout's target dir was most likely built from it
        let origin = path
            .parent()
            .map(|d| git(d).args(["rev-parse", "--short", "HEAD"]).output())
            .and_then(Result::ok)
            .filter(|o| o.status.success())
            .map(|o| {
                format!(
                    ", in a checkout of {}",
                    String::from_utf8_lossy(&o.stdout).trim()
                )
            })
            .unwrap_or_default();
        return Binary {
            path: path.clone(),
            description: format!("{} (prebuilt{origin})", path.display()),
        };
    }
    let wanted = format!("{}^{{commit}}", cfg.baseline_ref);
    let commit = stdout_of(git(repo_dir()).args(["rev-parse", "--verify", &wanted]));
    let safe: String = cfg
        .baseline_ref
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let tree = target_dir.join("bench-baseline").join(safe);
    if !tree.join(".git").exists() {
        eprintln!("bench: checking out {commit} in {}", tree.display());
        run(git(repo_dir())
            .args(["worktree", "add", "--detach"])
            .arg(&tree)
            .arg(&commit));
    } else if stdout_of(git(&tree).args(["rev-parse", "HEAD"])) != commit {
        // a branch name moved since the last run
        eprintln!("bench: moving {} to {commit}", tree.display());
        run(git(&tree).args(["checkout", "--detach", &commit]));
    }
    eprintln!(
        "bench: cargo build --release in {} (a no-op when already built)",
        tree.display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args(["build", "--release", "--bin", "roster"])
        .current_dir(&tree)
        // its own target dir: the outer cargo holds the lock on ours, and the new binary
        // must not be overwritten
        .env("CARGO_TARGET_DIR", tree.join("target"))
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .stdin(Stdio::null())
        .status()
        .expect("run cargo build for the baseline");
    assert!(status.success(), "building the baseline failed ({status})");
    Binary {
        path: tree.join("target/release/roster"),
        description: format!(
            "{} ({} = {})",
            tree.join("target/release/roster").display(),
            cfg.baseline_ref,
            &commit[..12]
        ),
    }
}

/// A running `roster serve`, stopped (SIGTERM, then SIGKILL) when dropped, panics included.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`, as signed in the Host header
    host: String,
    /// its PostgreSQL database, if any
    database: Option<String>,
}

impl Server {
    fn start(bin: &Binary, store: &Store, log: &Path) -> Server {
        let mut child = bin
            .cmd()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(store.args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("server log"))
            .spawn()
            .expect("start roster serve");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("listening on http://").map(str::to_string));
        let mut server = Server {
            child,
            host: String::new(),
            database: store.database_url.as_deref().map(db_name),
        };
        let Some(host) = listening else {
            let _ = server.child.wait();
            panic!(
                "{} serve exited before listening; its log:\n{}",
                bin.path.display(),
                std::fs::read_to_string(log).unwrap_or_default()
            );
        };
        server.host = host;
        // whatever it prints later must not meet a closed pipe
        std::thread::spawn(move || lines.for_each(drop));
        server
    }

    /// Waits until the server is idle. wrk stops at its deadline with up to `-c` requests in
    /// flight, and the server (and PostgreSQL) finishes them anyway: a 1M-user search takes
    /// seconds under load, which would land on the next measurement, often the other side's.
    /// Idle: no CPU time in a 200 ms window (one clock tick allowed, for timers) and, on
    /// PostgreSQL, no active query on its database.
    fn settle(&self, pg: Option<&Postgres>) {
        let started = Instant::now();
        loop {
            let before = cpu_ticks(self.child.id());
            std::thread::sleep(Duration::from_millis(200));
            let cpu_busy = cpu_ticks(self.child.id()).saturating_sub(before) > 1;
            let db_busy = match (pg, &self.database) {
                (Some(pg), Some(db)) => pg.active_queries(db) > 0,
                _ => false,
            };
            if !cpu_busy && !db_busy {
                break;
            }
            if started.elapsed() > Duration::from_secs(120) {
                eprintln!(
                    "bench: the server on {} is still busy after 120 s; going on",
                    self.host
                );
                break;
            }
        }
        let waited = started.elapsed().as_secs_f64();
        if waited > 2.0 {
            eprintln!(
                "bench: waited {waited:.1} s for {} to finish requests wrk left behind",
                self.host
            );
        }
    }
}

/// CPU time (user + system, all threads) of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command name, which is in parentheses and may hold spaces:
    // state is the first, utime the 12th, stime the 13th
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM lets it close its database connections (a PostgreSQL copy is dropped next)
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// data

/// Where a directory lives: a data dir (master key, SQLite file) and, on PostgreSQL, a
/// database.
struct Store {
    dir: PathBuf,
    database_url: Option<String>,
}

impl Store {
    fn args(&self) -> Vec<std::ffi::OsString> {
        let mut a = vec!["--data-dir".into(), self.dir.clone().into_os_string()];
        if let Some(url) = &self.database_url {
            a.extend(["--database-url".into(), url.into()]);
        }
        a
    }
}

struct Seeded {
    store: Store,
    creds: Value,
    origin: String,
}

impl Seeded {
    fn cred(&self, key: &str) -> &str {
        self.creds[key]
            .as_str()
            .unwrap_or_else(|| panic!("the credentials JSON has no {key}"))
    }
}

/// The PostgreSQL server of ROSTER_BENCH_DATABASE_URL; drops every database it made when
/// dropped, so it must outlive the servers connected to them.
struct Postgres {
    url: String,
    made: std::cell::RefCell<Vec<String>>,
}

impl Postgres {
    fn new(url: &str) -> Postgres {
        assert!(
            url.starts_with("postgres://") || url.starts_with("postgresql://"),
            "ROSTER_BENCH_DATABASE_URL={url}: not a postgres:// URL"
        );
        Postgres {
            url: url.to_string(),
            made: Default::default(),
        }
    }

    /// The database the URL names.
    fn name(&self) -> String {
        db_name(&self.url)
    }

    /// The URL with its database replaced by `db`, query kept.
    fn url_of(&self, db: &str) -> String {
        let scheme_end = self.url.find("://").unwrap() + 3;
        let (head, rest) = self.url.split_at(scheme_end);
        let authority = rest.split(['/', '?']).next().unwrap();
        let query = rest.find('?').map(|i| &rest[i..]).unwrap_or("");
        format!("{head}{authority}/{db}{query}")
    }

    fn psql(&self, db: &str, sql: &str) -> String {
        stdout_of(
            Command::new("psql")
                .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(self.url_of(db))
                .args(["-c", sql]),
        )
    }

    /// A new database `<seeded>_bench_<what>_<pid>`: a copy of `template`, or empty.
    fn create(&self, what: &str, template: Option<&str>) -> String {
        let name = format!("{}_bench_{what}_{}", self.name(), std::process::id());
        let mut sql = format!("CREATE DATABASE \"{name}\"");
        if let Some(t) = template {
            sql += &format!(" TEMPLATE \"{t}\"");
            // PostgreSQL 15 copies through the WAL by default: minutes for a 1M-user copy
            let version: u32 = self
                .psql("postgres", "SHOW server_version_num")
                .parse()
                .unwrap_or(0);
            if version >= 150_000 {
                sql += " STRATEGY FILE_COPY";
            }
        }
        self.made.borrow_mut().push(name.clone());
        self.psql("postgres", &sql);
        name
    }

    /// Queries running on `db` now (parallel workers included).
    fn active_queries(&self, db: &str) -> u64 {
        let sql = format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND state = 'active'"
        );
        self.psql("postgres", &sql).parse().unwrap_or(0)
    }

    fn vacuum_analyze(&self, db: &str) {
        let started = Instant::now();
        self.psql(db, "VACUUM ANALYZE");
        eprintln!(
            "bench: VACUUM ANALYZE {db}: {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    /// Drops a database this made (no panic: it also runs while unwinding).
    fn drop_db(&self, db: &str) {
        let sql = format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)");
        let ok = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url_of("postgres"))
            .args(["-c", &sql])
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            self.made.borrow_mut().retain(|d| d != db);
        } else {
            eprintln!("bench: could not drop database {db}; drop it by hand");
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let made = self.made.borrow().clone();
        for db in made.iter().rev() {
            self.drop_db(db);
        }
    }
}

/// The database a postgres:// URL names.
fn db_name(url: &str) -> String {
    let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
    let path = rest.split_once('/').map(|(_, p)| p).unwrap_or("");
    let name = path.split('?').next().unwrap_or("");
    assert!(!name.is_empty(), "{url}: the URL names no database");
    name.to_string()
}

/// `account create` then `roster seed` with `bin` into `store`; returns the credentials,
/// the seed's own summary line and its wall time.
fn seed(bin: &Binary, store: &Store, cfg: &Settings) -> (Value, String, f64) {
    let out = run(bin
        .cmd()
        .args(["account", "create", "bench", "--json"])
        .args(store.args()));
    let creds: Value = serde_json::from_slice(&out.stdout).expect("account create --json");
    let project = creds["project_id"]
        .as_str()
        .expect("project_id")
        .to_string();
    let started = Instant::now();
    let summary = stdout_of(
        bin.cmd()
            .args(["seed", "--project-id", &project])
            .args(["--users", &cfg.users.to_string()])
            .args(["--groups", &cfg.groups.to_string()])
            .args(["--max-depth", "5"])
            .args(store.args()),
    );
    (creds, summary, started.elapsed().as_secs_f64())
}

/// The seeded data both sides copy: the one given, or seeded now by the baseline.
fn seeded_data(cfg: &Settings, base: &Binary, pg: Option<&Postgres>, work: &Path) -> Seeded {
    if let (Some(dir), Some(creds)) = (&cfg.data_dir, &cfg.creds) {
        let text = std::fs::read(creds)
            .unwrap_or_else(|e| panic!("ROSTER_BENCH_CREDS={}: {e}", creds.display()));
        return Seeded {
            store: Store {
                dir: dir.clone(),
                database_url: cfg.database_url.clone(),
            },
            creds: serde_json::from_slice(&text).expect("ROSTER_BENCH_CREDS: JSON"),
            origin: format!(
                "reused: ROSTER_BENCH_DATA_DIR={} ROSTER_BENCH_CREDS={}{}",
                dir.display(),
                creds.display(),
                pg.map(|p| format!(", database {}", p.name()))
                    .unwrap_or_default()
            ),
        };
    }
    let store = Store {
        dir: work.join("seeded"),
        database_url: pg.map(|p| p.url_of(&p.create("seeded", None))),
    };
    eprintln!(
        "bench: seeding {} users, {} groups with the baseline (minutes at 1M)",
        grouped(cfg.users),
        grouped(cfg.groups)
    );
    let (creds, summary, secs) = seed(base, &store, cfg);
    eprintln!("bench: {summary}");
    Seeded {
        store,
        creds,
        origin: format!(
            "seeded by the baseline in this run: {} users, {} groups, --max-depth 5 ({secs:.1} s)",
            grouped(cfg.users),
            grouped(cfg.groups)
        ),
    }
}

/// A copy of the seeded data for one side: the data dir (master key, SQLite file) copied
/// with no server running, and on PostgreSQL a database made from the seeded one.
fn copy_store(seeded: &Seeded, pg: Option<&Postgres>, side: Side, work: &Path) -> Store {
    let dir = work.join(side.tag());
    run(Command::new("cp")
        .args(["-a", "--reflink=auto"])
        .arg(&seeded.store.dir)
        .arg(&dir));
    let database_url = pg.map(|p| {
        let seeded_url = seeded.store.database_url.as_deref();
        let template = db_name(seeded_url.expect("a PostgreSQL run seeds into PostgreSQL"));
        p.url_of(&p.create(side.tag(), Some(&template)))
    });
    Store { dir, database_url }
}

// ---------------------------------------------------------------------------------------
// requests

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Baseline,
    New,
}

impl Side {
    fn tag(self) -> &'static str {
        match self {
            Side::Baseline => "baseline",
            Side::New => "new",
        }
    }

    /// Which side goes first alternates, so a drift of the machine within a round (or a
    /// cache the first one warms) favours neither.
    fn order(i: usize) -> [Side; 2] {
        if i.is_multiple_of(2) {
            [Side::Baseline, Side::New]
        } else {
            [Side::New, Side::Baseline]
        }
    }
}

struct Call {
    label: &'static str,
    path_and_query: String,
    signed: bool,
}

fn calls(project: &str) -> Vec<Call> {
    let ws = |label, q: &str| Call {
        label,
        path_and_query: format!("/v2/{project}/{q}"),
        signed: true,
    };
    vec![
        ws("groups `limit=100&offset=0`", "groups?limit=100&offset=0"),
        ws("groups `keyword=Sales`", "groups?keyword=Sales"),
        ws("users `limit=100&offset=0`", "users?limit=100&offset=0"),
        ws("users `user_name=alice`", "users?user_name=alice"),
        Call {
            label: "`GET /v3` (no auth, no database)",
            path_and_query: "/v3".into(),
            signed: false,
        },
    ]
}

/// The calls timed one client at a time: the two searches.
const LATENCY_CALLS: [usize; 2] = [1, 3];

/// The headers of one request, signed now as the SDK signs (SDK-HMAC-SHA256 over
/// content-type, host, x-project-id and x-sdk-date).
fn headers_for(call: &Call, host: &str, signer: &Value) -> Vec<(String, String)> {
    let mut out = vec![("Host".to_string(), host.to_string())];
    if !call.signed {
        return out;
    }
    let mut h = http::HeaderMap::new();
    let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let cred = |k: &str| {
        signer[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k} to sign with"))
    };
    let project = cred("project_id");
    h.insert("content-type", "application/json".parse().unwrap());
    h.insert("host", host.parse().unwrap());
    h.insert("x-project-id", project.parse().unwrap());
    h.insert("x-sdk-date", date.parse().unwrap());
    let (path, query) = call
        .path_and_query
        .split_once('?')
        .unwrap_or((&call.path_and_query, ""));
    let raw = RawRequest {
        method: "GET",
        path,
        query,
        headers: &h,
        body: b"",
    };
    let auth =
        sdk_hmac::authorization_for(&raw, cred("access_key"), cred("secret_key")).expect("sign");
    out.extend([
        ("X-Sdk-Date".into(), date),
        ("X-Project-Id".into(), project.into()),
        ("Content-Type".into(), "application/json".into()),
        ("Authorization".into(), auth),
    ]);
    out
}

/// One plain request with exactly the headers wrk will replay; panics unless it is a 200.
/// Returns the body's `total_count`, if any.
fn check(http: &Http, host: &str, call: &Call, headers: &[(String, String)]) -> Option<i64> {
    let url = format!("http://{host}{}", call.path_and_query);
    let (status, body) = http.get(&url, headers);
    assert!(
        status == 200,
        "GET {url} answered {status}, not 200; the bench measures nothing unless every call \
         succeeds:\n{body}"
    );
    serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["total_count"].as_i64())
}

/// A blocking HTTP client (the rest of the bench is blocking `wrk` runs).
struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        Http {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::new(),
        }
    }

    /// A request with a JSON body (or none); the status and the body.
    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> (u16, String) {
        self.rt.block_on(async {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let mut req = self.client.request(method, url).body(body.to_vec());
            for (k, v) in headers {
                if k != "Host" {
                    req = req.header(k, v);
                }
            }
            let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap_or_default())
        })
    }

    fn get(&self, url: &str, headers: &[(String, String)]) -> (u16, String) {
        self.rt.block_on(async {
            let mut req = self.client.get(url);
            for (k, v) in headers {
                // reqwest takes the Host from the URL, the same value
                if k != "Host" {
                    req = req.header(k, v);
                }
            }
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap_or_default())
        })
    }
}

// ---------------------------------------------------------------------------------------
// authorization mode (ROSTER_BENCH_AUTHZ=1)

/// How many identity policies the measured IAM user holds.
const AUTHZ_POLICIES: usize = 20;

const AUTHZ_SETUP: &str = "the IAM user is in one group; 10 identity policies are attached \
    to it and 10 to its group, 3 statements each (Allow and Deny of other services' actions, \
    one with a condition); the only statement allowing the calls, `workspace:*:list*`, is the \
    last of the last policy, so every statement is evaluated; holdings are cached per node \
    (5 s), so this measures the decision and the cache, with one read of the holdings every \
    5 s";

/// A call of the root user with a JSON body, signed as the SDK signs with
/// `GlobalCredentials` (X-Domain-Id); panics unless it answers 2xx. The answer's JSON.
fn root_call(
    http: &Http,
    host: &str,
    creds: &Value,
    method: &str,
    path: &str,
    body: Value,
) -> Value {
    let cred = |k: &str| creds[k].as_str().unwrap_or_else(|| panic!("no {k}"));
    let body = if body.is_null() {
        vec![]
    } else {
        body.to_string().into_bytes()
    };
    let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut h = http::HeaderMap::new();
    h.insert("content-type", "application/json".parse().unwrap());
    h.insert("host", host.parse().unwrap());
    h.insert("x-domain-id", cred("domain_id").parse().unwrap());
    h.insert("x-sdk-date", date.parse().unwrap());
    let raw = RawRequest {
        method,
        path,
        query: "",
        headers: &h,
        body: &body,
    };
    let auth =
        sdk_hmac::authorization_for(&raw, cred("access_key"), cred("secret_key")).expect("sign");
    let headers = [
        ("X-Sdk-Date".to_string(), date),
        ("X-Domain-Id".into(), cred("domain_id").into()),
        ("Content-Type".into(), "application/json".into()),
        ("Authorization".into(), auth),
    ];
    let (status, text) = http.send(method, &format!("http://{host}{path}"), &headers, &body);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Makes the measured IAM user on one server (see [`AUTHZ_SETUP`]); returns the JSON to
/// sign its calls with (its access key, the account's project).
fn authz_setup(http: &Http, host: &str, creds: &Value) -> Value {
    use serde_json::json;
    let call = |m: &str, p: &str, b: Value| root_call(http, host, creds, m, p, b);
    let tag = format!("{:x}", std::process::id());
    let user = call(
        "POST",
        "/v3/users",
        json!({"user": {
        "name": format!("bench{tag}"), "password": "Bench#2026pw", "domain_id": creds["domain_id"]}}),
    );
    let user_id = user["user"]["id"].as_str().expect("user id").to_string();
    let group = call(
        "POST",
        "/v3/groups",
        json!({"group": {"name": format!("bench-{tag}")}}),
    );
    let group_id = group["group"]["id"].as_str().expect("group id").to_string();
    call(
        "PUT",
        &format!("/v3/groups/{group_id}/users/{user_id}"),
        Value::Null,
    );
    for i in 0..AUTHZ_POLICIES {
        let last = i == AUTHZ_POLICIES - 1;
        let document = json!({"Version": "5.0", "Statement": [
            {"Effect": "Allow", "Action": [format!("iam:users:get{i}*"), "iam:groups:list*"]},
            {"Effect": "Deny", "Action": [format!("quickbi:userGroups:delete{i}*")],
             "Condition": {"StringEquals": {"g:UserName": ["someone-else"]}}},
            {"Effect": "Allow", "Action": [if last { "workspace:*:list*".to_string() }
                                           else { format!("workspace:users:operate{i}") }]},
        ]});
        let p = call(
            "POST",
            "/v5/policies",
            json!({
            "policy_name": format!("bench-{tag}-{i}"), "policy_document": document.to_string()}),
        );
        let id = p["policy"]["policy_id"]
            .as_str()
            .expect("policy id")
            .to_string();
        let (to, body) = if i % 2 == 0 {
            ("attach-user", json!({"user_id": user_id}))
        } else {
            ("attach-group", json!({"group_id": group_id}))
        };
        call("POST", &format!("/v5/policies/{id}/{to}"), body);
    }
    let key = call(
        "POST",
        "/v3.0/OS-CREDENTIAL/credentials",
        json!({"credential": {"user_id": user_id}}),
    );
    json!({
        "project_id": creds["project_id"],
        "access_key": key["credential"]["access"],
        "secret_key": key["credential"]["secret"],
    })
}

// ---------------------------------------------------------------------------------------
// wrk

/// What one wrk run reports.
struct WrkRun {
    requests_per_sec: f64,
    requests: u64,
    /// ms at 50, 75, 90, 99 %
    percentiles: BTreeMap<u32, f64>,
}

impl WrkRun {
    fn p(&self, pct: u32) -> f64 {
        self.percentiles[&pct]
    }
}

fn wrk_args(connections: u64, seconds: u64, latency: bool) -> Vec<String> {
    let mut a = vec![
        "-t1".to_string(),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        // wrk's default 2 s would drop the slowest searches under load as "timeouts"
        "--timeout".into(),
        "60s".into(),
    ];
    if latency {
        a.push("--latency".into());
    }
    a
}

/// Runs wrk replaying one request; panics (with wrk's output) on any non-2xx answer or
/// socket error, which would make the figure a measure of something else.
fn wrk(args: &[String], host: &str, call: &Call, headers: &[(String, String)]) -> WrkRun {
    let mut cmd = Command::new("wrk");
    cmd.args(args);
    for (k, v) in headers {
        cmd.arg("-H").arg(format!("{k}: {v}"));
    }
    cmd.arg(format!("http://{host}{}", call.path_and_query));
    let text = stdout_of(&mut cmd);
    parse_wrk(&text).unwrap_or_else(|e| panic!("wrk {}: {e}:\n{text}", call.path_and_query))
}

/// A timed run: as `wrk`, and it must have completed requests (a warm-up of a slow search
/// may complete none in its second).
fn wrk_timed(args: &[String], host: &str, call: &Call, headers: &[(String, String)]) -> WrkRun {
    let r = wrk(args, host, call, headers);
    assert!(
        r.requests > 0 && !r.percentiles.is_empty(),
        "wrk {}: no request completed in {}; raise ROSTER_BENCH_SECONDS",
        call.path_and_query,
        args[2]
    );
    r
}

fn parse_wrk(text: &str) -> Result<WrkRun, String> {
    let mut rps = None;
    let mut requests = None;
    let mut percentiles = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            rps = v.trim().parse::<f64>().ok();
        } else if line.starts_with("Non-2xx or 3xx responses:") {
            return Err(format!("answers other than 2xx/3xx: {line}"));
        } else if line.starts_with("Socket errors:") {
            return Err(format!("wrk saw socket errors: {line}"));
        } else if line.contains(" requests in ") {
            requests = words.next().and_then(|n| n.parse::<u64>().ok());
        } else if let (Some(p), Some(t), None) = (words.next(), words.next(), words.next()) {
            // the --latency distribution: "50%    1.23ms"
            if let (Some(Ok(p)), Some(ms)) = (p.strip_suffix('%').map(str::parse), millis(t)) {
                percentiles.insert(p, ms);
            }
        }
    }
    Ok(WrkRun {
        requests_per_sec: rps.ok_or("no Requests/sec")?,
        requests: requests.ok_or("no request count")?,
        percentiles,
    })
}

/// wrk's durations ("812.00us", "1.23ms", "2.01s", "1.50m") in ms.
fn millis(t: &str) -> Option<f64> {
    let split = t.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = t.split_at(split);
    let scale = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    n.parse::<f64>().ok().map(|n| n * scale)
}

// ---------------------------------------------------------------------------------------
// the comparison

/// Every round's figure of one call on one side.
#[derive(Default)]
struct Rounds {
    rps: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    requests: Vec<u64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// "412 (405, 412, 420)": the median, then every round in order.
fn cell(v: &[f64], decimals: usize) -> String {
    let each: Vec<String> = v.iter().map(|x| format!("{x:.decimals$}")).collect();
    if v.len() == 1 {
        each[0].clone()
    } else {
        format!("{:.decimals$} ({})", median(v), each.join(", "))
    }
}

/// "0.98 (0.95, 1.01, 0.98)": new / baseline of the medians, then of each round (the two
/// sides of a round ran back to back, so these show the noise of the ratio itself).
fn ratio(new: &[f64], base: &[f64]) -> String {
    let of_medians = format!("{:.2}", median(new) / median(base));
    if new.len() == 1 {
        return of_medians;
    }
    let each: Vec<String> = new
        .iter()
        .zip(base)
        .map(|(n, b)| format!("{:.2}", n / b))
        .collect();
    format!("{of_medians} ({})", each.join(", "))
}

/// 1000000 as "1,000,000".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn compare_api(
    cfg: &Settings,
    base: &Binary,
    new: &Binary,
    seeded: &Seeded,
    pg: Option<&Postgres>,
    work: &Path,
) -> String {
    let binary = |side| if side == Side::Baseline { base } else { new };
    let mut stores = BTreeMap::new();
    for side in [Side::Baseline, Side::New] {
        stores.insert(side, copy_store(seeded, pg, side, work));
    }
    // the new binary may change the schema; migrating here keeps it out of `serve`'s start
    // and says what it did
    let started = Instant::now();
    let migrated = stdout_of(new.cmd().arg("migrate").args(stores[&Side::New].args()));
    let migrated = format!(
        "{} ({:.1} s)",
        migrated.replace('\n', "; "),
        started.elapsed().as_secs_f64()
    );
    eprintln!("bench: new binary's migrate: {migrated}");
    if let Some(pg) = pg {
        for store in stores.values() {
            pg.vacuum_analyze(&db_name(store.database_url.as_deref().unwrap()));
        }
    }
    // both stay up for the whole run; only the one being measured has load
    let mut servers = BTreeMap::new();
    for side in [Side::Baseline, Side::New] {
        let log = work.join(format!("{}-server.log", side.tag()));
        servers.insert(side, Server::start(binary(side), &stores[&side], &log));
    }

    let http = Http::new();
    let calls = calls(seeded.cred("project_id"));
    // who signs each side's calls: the root user, or (authorization mode, "new" side) an
    // IAM user holding 20 identity policies; both sides get the same users and policies
    let mut signers = BTreeMap::new();
    for side in [Side::Baseline, Side::New] {
        let mut signer = seeded.creds.clone();
        if cfg.authz {
            let user = authz_setup(&http, &servers[&side].host, &seeded.creds);
            if side == Side::New {
                signer = user;
            }
        }
        signers.insert(side, signer);
    }
    let mut totals: BTreeMap<(usize, Side), Option<i64>> = BTreeMap::new();
    for (i, call) in calls.iter().enumerate() {
        for side in [Side::Baseline, Side::New] {
            let host = &servers[&side].host;
            let total = check(&http, host, call, &headers_for(call, host, &signers[&side]));
            eprintln!(
                "bench: {} on {}: 200, total_count {}",
                call.path_and_query,
                side.tag(),
                total.map_or("-".into(), |t| t.to_string())
            );
            totals.insert((i, side), total);
        }
    }

    let throughput_args = wrk_args(cfg.connections, cfg.seconds, true);
    let latency_args = wrk_args(1, cfg.seconds, true);
    let warmup_args = wrk_args(cfg.connections, cfg.warmup, false);
    let mut throughput: BTreeMap<(usize, Side), Rounds> = BTreeMap::new();
    let mut latency: BTreeMap<(usize, Side), Rounds> = BTreeMap::new();
    let load_before = load_average();
    let started = Instant::now();
    // one step = one (call, mode) pair measured on both sides
    let steps: Vec<(usize, bool)> = (0..calls.len())
        .map(|i| (i, false))
        .chain(LATENCY_CALLS.iter().map(|&i| (i, true)))
        .collect();
    for round in 0..cfg.rounds {
        for (step, &(i, single)) in steps.iter().enumerate() {
            let call = &calls[i];
            for side in Side::order(round + step) {
                let host = &servers[&side].host;
                let headers = headers_for(call, host, &signers[&side]);
                check(&http, host, call, &headers);
                if cfg.warmup > 0 {
                    wrk(&warmup_args, host, call, &headers);
                    servers[&side].settle(pg);
                }
                let args = if single {
                    &latency_args
                } else {
                    &throughput_args
                };
                let r = wrk_timed(args, host, call, &headers);
                servers[&side].settle(pg);
                eprintln!(
                    "bench: round {}/{} {:<10} {:<8} {}: {:.1} req/s, p50 {:.2} ms, p99 {:.2} ms ({} requests)",
                    round + 1,
                    cfg.rounds,
                    if single { "1 client" } else { "throughput" },
                    side.tag(),
                    call.path_and_query,
                    r.requests_per_sec,
                    r.p(50),
                    r.p(99),
                    r.requests
                );
                let into = if single {
                    &mut latency
                } else {
                    &mut throughput
                };
                let rounds = into.entry((i, side)).or_default();
                rounds.rps.push(r.requests_per_sec);
                rounds.p50.push(r.p(50));
                rounds.p99.push(r.p(99));
                rounds.requests.push(r.requests);
            }
        }
    }
    let measured = started.elapsed().as_secs_f64();
    let load_after = load_average();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    drop(servers);

    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    if cfg.authz {
        line(format!(
            "\n## Authorization: the root user (baseline) against an IAM user holding {AUTHZ_POLICIES} \
             identity policies (new), {} ({}), {}\n",
            cfg.backend(),
            chrono::Utc::now().format("%Y-%m-%d"),
            seeded.origin
        ));
        line(format!("- both sides: {}", new.description));
        line(format!("- {}", AUTHZ_SETUP));
    } else {
        line(format!(
            "\n## API: baseline against new, {} ({}), {}\n",
            cfg.backend(),
            chrono::Utc::now().format("%Y-%m-%d"),
            seeded.origin
        ));
        line(format!("- baseline: {}", base.description));
        line(format!("- new: {}", new.description));
    }
    line(format!("- new binary's `migrate` on its copy: {migrated}"));
    line(format!(
        "- {} round(s), baseline and new alternating per call, one server under load at a time; \
         {:.0} s of measuring; load average {load_before} before, {load_after} after; {} cores",
        cfg.rounds, measured, cores
    ));
    // the bench's own load (wrk, one server) is about 2; more before it starts is others'
    let busy = load_before
        .split_whitespace()
        .next()
        .and_then(|l| l.parse::<f64>().ok())
        .is_some_and(|l| l > cores as f64);
    if busy {
        line(format!(
            "- **the machine was busy** (load above {cores} before measuring): other work \
             shares the cores, so expect wide spreads; each round's ratio in parentheses shows \
             how far to trust the medians (more ROSTER_BENCH_ROUNDS narrow it)"
        ));
    }
    line(String::new());
    line(format!(
        "Requests per second, `wrk {} --latency`, one signed request replayed; median of the \
         rounds (each round); ratio new / baseline of the medians (of each round):\n",
        throughput_args[..5].join(" ")
    ));
    line("| call | baseline req/s | new req/s | ratio |".into());
    line("|---|---|---|---|".into());
    for (i, call) in calls.iter().enumerate() {
        let (b, n) = (
            &throughput[&(i, Side::Baseline)],
            &throughput[&(i, Side::New)],
        );
        line(format!(
            "| {} | {} | {} | {} |",
            call.label,
            cell(&b.rps, 1),
            cell(&n.rps, 1),
            ratio(&n.rps, &b.rps)
        ));
    }
    line(String::new());
    line(format!(
        "Latency of one client, `wrk {}`, ms as wrk sees it (HTTP on the same machine \
         included; no signing: the request is replayed); requests a run: baseline / new, \
         fewest–most of the rounds:\n",
        latency_args.join(" ")
    ));
    line(
        "| call | baseline p50 | new p50 | ratio | baseline p99 | new p99 | ratio | requests a run |"
            .into(),
    );
    line("|---|---|---|---|---|---|---|---|".into());
    // a p99 of fewer than 100 requests is their slowest one: the count says which it is
    let span = |r: &Rounds| {
        let (lo, hi) = (r.requests.iter().min(), r.requests.iter().max());
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo != hi => format!("{lo}–{hi}"),
            (Some(lo), _) => lo.to_string(),
            _ => "-".into(),
        }
    };
    for &i in &LATENCY_CALLS {
        let (b, n) = (&latency[&(i, Side::Baseline)], &latency[&(i, Side::New)]);
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} / {} |",
            calls[i].label,
            cell(&b.p50, 2),
            cell(&n.p50, 2),
            ratio(&n.p50, &b.p50),
            cell(&b.p99, 2),
            cell(&n.p99, 2),
            ratio(&n.p99, &b.p99),
            span(b),
            span(n)
        ));
    }
    line(String::new());
    line("Calls (`total_count` of a plain request to each server before timing):\n".into());
    line("| call | request | total_count baseline | total_count new |".into());
    line("|---|---|---|---|".into());
    let mut differ = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let show = |t: Option<i64>| t.map_or("-".into(), |t| t.to_string());
        let (b, n) = (totals[&(i, Side::Baseline)], totals[&(i, Side::New)]);
        if b != n {
            differ.push(call.label);
        }
        line(format!(
            "| {} | `GET {}` | {} | {} |",
            call.label,
            call.path_and_query,
            show(b),
            show(n)
        ));
    }
    if !differ.is_empty() {
        line(format!(
            "\n**The two binaries count differently for: {}.** The ratios compare different work.",
            differ.join(", ")
        ));
    }
    line(String::new());
    line("Reproduce:\n".into());
    line("```sh".into());
    line(format!("{} cargo bench --bench api", env_used()));
    let example = &calls[0];
    line(format!(
        "# each measurement, after a plain request checked its 200{}:",
        if cfg.warmup > 0 {
            format!(
                " and {} s of untimed `wrk {}`",
                cfg.warmup,
                warmup_args[..3].join(" ")
            )
        } else {
            String::new()
        }
    ));
    line(format!(
        "wrk {} -H 'Host: 127.0.0.1:PORT' -H 'X-Sdk-Date: NOW' -H 'X-Project-Id: {}' \
         -H 'Content-Type: application/json' -H 'Authorization: SDK-HMAC-SHA256 Access=AK, \
         SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=...' \
         'http://127.0.0.1:PORT{}'",
        throughput_args.join(" "),
        seeded.cred("project_id"),
        example.path_and_query
    ));
    line("```".into());
    out
}

/// The ROSTER_BENCH_* variables of this run, as a shell prefix.
fn env_used() -> String {
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("ROSTER_BENCH_"))
        .collect();
    vars.sort();
    vars.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// ROSTER_BENCH_SEED=1: `roster seed` of the same sizes with each binary on fresh data.
fn compare_seeding(
    cfg: &Settings,
    base: &Binary,
    new: &Binary,
    pg: Option<&Postgres>,
    work: &Path,
) -> String {
    let mut secs = BTreeMap::new();
    let mut summaries = Vec::new();
    for side in [Side::Baseline, Side::New] {
        let bin = if side == Side::Baseline { base } else { new };
        let db = pg.map(|p| p.create(&format!("seed_{}", side.tag()), None));
        let store = Store {
            dir: work.join(format!("seed-{}", side.tag())),
            database_url: pg.zip(db.as_deref()).map(|(p, db)| p.url_of(db)),
        };
        eprintln!(
            "bench: timing `roster seed` with the {} binary ({} users, {} groups)",
            side.tag(),
            cfg.users,
            cfg.groups
        );
        let (_, summary, s) = seed(bin, &store, cfg);
        secs.insert(side, s);
        summaries.push(format!("- {}: {summary}", side.tag()));
        // the next side seeds on a machine without this one's gigabytes on disk and in the
        // page cache
        let _ = std::fs::remove_dir_all(&store.dir);
        if let (Some(p), Some(db)) = (pg, &db) {
            p.drop_db(db);
        }
    }
    let (b, n) = (secs[&Side::Baseline], secs[&Side::New]);
    let mut out = format!(
        "\n## Seeding, {}: `roster seed --users {} --groups {} --max-depth 5`, one run each\n\n",
        cfg.backend(),
        cfg.users,
        cfg.groups
    );
    out += "| seeding | baseline s | new s | ratio |\n|---|---|---|---|\n";
    out += &format!(
        "| {} users, {} groups | {b:.1} | {n:.1} | {:.2} |\n\n",
        grouped(cfg.users),
        grouped(cfg.groups),
        n / b
    );
    out += &summaries.join("\n");
    out.push('\n');
    out
}
