//! Issue 13 spike: what the storage driver costs on the read path of four list calls.
//! See README.md for what is measured and how to run it.

mod drivers;
mod explain;
mod model;
mod sql;

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use drivers::{Driver, Result, Target};
use sql::Query;

const USAGE: &str = "\
usage: storage-drivers-spike [--sqlite ROSTER_DB] [--pg URL] [options]

  --sqlite PATH     the SQLite file of a seeded data dir (opened read-only)
  --pg URL          a seeded PostgreSQL database (sessions are read-only)
  --drivers LIST    comma-separated, default: all for the databases given
                    SQLite:     any-sqlite, sqlx-sqlite, rusqlite, sqlite-engine, sqlite-statements
                    PostgreSQL: any-pg, sqlx-pg, postgres-sync, tokio-postgres, pg-explain
  --queries LIST    1..4 or groups-page, groups-sales, users-page, users-alice (default all)
  --account ID      the account listed (default: the one with the most users)
  --tasks N         concurrent tasks of the throughput run (default 8)
  --secs S          length of the throughput run (default 5)
  --samples N       calls of the single-task latency run (default 500)
  --latency-secs S  ... but stop it after S seconds once 50 calls are in (default 30)
  --warmup N        calls before measuring, at most 5 s of them (default 20)
  --pool N          connections per pool (default 8)
  --out FILE        also write the Markdown tables to FILE
";

#[derive(Debug, Clone)]
struct Options {
    sqlite: Option<PathBuf>,
    pg: Option<String>,
    drivers: Option<Vec<String>>,
    queries: Vec<Query>,
    account: Option<String>,
    tasks: usize,
    secs: f64,
    samples: usize,
    latency_secs: f64,
    warmup: usize,
    pool: u32,
    out: Option<PathBuf>,
}

fn parse_args() -> Result<Options> {
    let mut o = Options {
        sqlite: None,
        pg: None,
        drivers: None,
        queries: Query::ALL.to_vec(),
        account: None,
        tasks: 8,
        secs: 5.0,
        samples: 500,
        latency_secs: 30.0,
        warmup: 20,
        pool: 8,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            print!("{USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--sqlite" => o.sqlite = Some(value.into()),
            "--pg" => o.pg = Some(value),
            "--drivers" => o.drivers = Some(value.split(',').map(str::to_string).collect()),
            "--queries" => {
                o.queries = value
                    .split(',')
                    .map(|q| Query::parse(q).ok_or_else(|| format!("unknown query {q}")))
                    .collect::<Result<_, _>>()?
            }
            "--account" => o.account = Some(value),
            "--tasks" => o.tasks = value.parse()?,
            "--secs" => o.secs = value.parse()?,
            "--samples" => o.samples = value.parse()?,
            "--latency-secs" => o.latency_secs = value.parse()?,
            "--warmup" => o.warmup = value.parse()?,
            "--pool" => o.pool = value.parse()?,
            "--out" => o.out = Some(value.into()),
            _ => return Err(format!("unknown option {flag}\n{USAGE}").into()),
        }
    }
    if o.sqlite.is_none() && o.pg.is_none() {
        return Err(format!("give --sqlite or --pg (or both)\n{USAGE}").into());
    }
    Ok(o)
}

/// One driver × query.
#[derive(Debug, Clone)]
struct Measurement {
    query: Query,
    driver: &'static str,
    is_ref: bool,
    calls_per_s: f64,
    /// CPU time of this process (all threads: runtime, blocking pool, sqlx workers,
    /// in-process SQLite) per call over the throughput run.
    cpu_ms_per_call: f64,
    /// Calls of the latency run.
    samples: usize,
    p50_ms: f64,
    p99_ms: f64,
    /// Hash of the first call's JSON: equal for drivers that decoded the same page.
    checksum: u64,
    json_bytes: usize,
}

/// One call as a handler makes it: the driver's reads and decode, then the JSON body.
async fn one_call<D: Driver>(d: &D, q: Query) -> Result<Vec<u8>> {
    let out = d.call(q).await?;
    Ok(serde_json::to_vec(&out)?)
}

/// User + system CPU time of the whole process so far.
fn process_cpu() -> Duration {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes the struct it is given
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    // nearest rank
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

async fn measure<D: Driver>(d: Arc<D>, q: Query, o: &Options, is_ref: bool) -> Result<Measurement> {
    let first = one_call(&*d, q).await?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    first.hash(&mut h);
    let warm_until = Instant::now() + Duration::from_secs(5);
    for _ in 0..o.warmup {
        if Instant::now() > warm_until {
            break;
        }
        one_call(&*d, q).await?;
    }

    // latency: one task, one call at a time (slow calls: fewer, see --latency-secs)
    let mut lat = Vec::with_capacity(o.samples);
    let budget = Instant::now() + Duration::from_secs_f64(o.latency_secs);
    for i in 0..o.samples {
        if i >= 50 && Instant::now() > budget {
            break;
        }
        let t = Instant::now();
        std::hint::black_box(one_call(&*d, q).await?);
        lat.push(t.elapsed());
    }
    lat.sort();

    // throughput: `tasks` tasks calling back to back until the deadline
    let (start, cpu_start) = (Instant::now(), process_cpu());
    let deadline = start + Duration::from_secs_f64(o.secs);
    let mut tasks = Vec::new();
    for _ in 0..o.tasks {
        let d = d.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                std::hint::black_box(one_call(&*d, q).await?);
                n += 1;
            }
            Ok::<_, drivers::Error>(n)
        }));
    }
    let mut calls = 0;
    for t in tasks {
        calls += t.await??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = (process_cpu() - cpu_start).as_secs_f64();

    Ok(Measurement {
        query: q,
        driver: d.name(),
        is_ref,
        calls_per_s: calls as f64 / elapsed,
        cpu_ms_per_call: cpu * 1e3 / calls as f64,
        samples: lat.len(),
        p50_ms: percentile(&lat, 0.50),
        p99_ms: percentile(&lat, 0.99),
        checksum: h.finish(),
        json_bytes: first.len(),
    })
}

async fn run_driver<D: Driver>(
    d: D,
    o: &Options,
    is_ref: bool,
    out: &mut Vec<Measurement>,
) -> Result<()> {
    let d = Arc::new(d);
    for &q in &o.queries {
        eprintln!("  {} / {} ...", d.name(), q.name());
        let m = measure(d.clone(), q, o, is_ref).await?;
        eprintln!(
            "    {:.1} calls/s ({:.2} CPU ms/call), p50 {:.3} ms, p99 {:.3} ms (n={}), {} JSON bytes",
            m.calls_per_s, m.cpu_ms_per_call, m.p50_ms, m.p99_ms, m.samples, m.json_bytes
        );
        out.push(m);
    }
    // a sync driver's connections block when they close: not on an async thread
    tokio::task::spawn_blocking(move || drop(d)).await?;
    Ok(())
}

fn sqlite_account(path: &PathBuf) -> Result<String> {
    let c =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(c.query_row(
        "SELECT id FROM accounts ORDER BY user_count DESC, id LIMIT 1",
        [],
        |r| r.get(0),
    )?)
}

async fn pg_account(url: &str) -> Result<String> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let task = tokio::spawn(conn);
    let row = client
        .query_one(
            "SELECT id FROM accounts ORDER BY user_count DESC, id LIMIT 1",
            &[],
        )
        .await?;
    drop(client);
    let _ = task.await;
    Ok(row.try_get(0)?)
}

/// Markdown table of one backend's measurements, ratios to its `Any` reference.
fn table(title: &str, ms: &[Measurement], queries: &[Query]) -> String {
    let mut s = format!(
        "### {title}\n\n| query | driver | calls/s | p50 ms | p99 ms | n | client CPU ms/call | calls/s ÷ Any | p50 ÷ Any | CPU ÷ Any | same JSON as Any |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    );
    for &q in queries {
        let reference = ms.iter().find(|m| m.query == q && m.is_ref);
        for m in ms.iter().filter(|m| m.query == q) {
            let (tput, p50, cpu, same) = match reference {
                Some(r) => (
                    format!("{:.2}", m.calls_per_s / r.calls_per_s),
                    format!("{:.2}", m.p50_ms / r.p50_ms),
                    format!("{:.2}", m.cpu_ms_per_call / r.cpu_ms_per_call),
                    if m.driver.contains("engine") {
                        "n/a"
                    } else if m.checksum == r.checksum {
                        "yes"
                    } else {
                        "**NO**"
                    },
                ),
                None => ("–".into(), "–".into(), "–".into(), "–"),
            };
            s += &format!(
                "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.2} | {} | {} | {} | {} |\n",
                q.name(),
                m.driver,
                m.calls_per_s,
                m.p50_ms,
                m.p99_ms,
                m.samples,
                m.cpu_ms_per_call,
                tput,
                p50,
                cpu,
                same
            );
        }
    }
    s
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = parse_args()?;
    let wanted = |name: &str, default: bool| match &o.drivers {
        Some(list) => list.iter().any(|d| d == name),
        None => default,
    };
    let mut report = format!(
        "{} concurrent tasks for {} s (calls/s, and this process's CPU time per call); one task, \
         {} calls or {} s once 50 are in (p50, p99); after {} warm-up calls; \
         pools of {} connections; tokio multi-thread runtime, {} worker threads.\n\n",
        o.tasks,
        o.secs,
        o.samples,
        o.latency_secs,
        o.warmup,
        o.pool,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    if let Some(path) = &o.sqlite {
        let account = match &o.account {
            Some(a) => a.clone(),
            None => sqlite_account(path)?,
        };
        eprintln!("SQLite {} (account {account})", path.display());
        let t = Target::Sqlite {
            path: path.clone(),
            account,
        };
        let mut ms = Vec::new();
        // one driver at a time, each pool dropped before the next starts
        if wanted("any-sqlite", true) {
            let d = drivers::any::AnyDriver::connect(&t, o.pool).await?;
            run_driver(d, &o, true, &mut ms).await?;
        }
        if wanted("sqlx-sqlite", true) {
            let d = drivers::sqlx_typed::SqlxSqlite::connect(&t, o.pool).await?;
            run_driver(d, &o, false, &mut ms).await?;
        }
        if wanted("rusqlite", true) {
            let d = drivers::rusqlite_pool::Rusqlite::connect(&t, o.pool, false)?;
            run_driver(d, &o, false, &mut ms).await?;
        }
        if wanted("sqlite-engine", true) {
            let d = drivers::rusqlite_pool::Rusqlite::connect(&t, o.pool, true)?;
            run_driver(d, &o, false, &mut ms).await?;
        }
        report += &table(&format!("SQLite: {}", path.display()), &ms, &o.queries);
        report += "\n";
        if wanted("sqlite-statements", true) {
            report += &explain::report(&t, &o.queries).await?;
            report += "\n";
        }
    }

    if let Some(url) = &o.pg {
        let account = match &o.account {
            Some(a) => a.clone(),
            None => pg_account(url).await?,
        };
        eprintln!("PostgreSQL {url} (account {account})");
        let t = Target::Postgres {
            url: url.clone(),
            account,
        };
        let mut ms = Vec::new();
        if wanted("any-pg", true) {
            let d = drivers::any::AnyDriver::connect(&t, o.pool).await?;
            run_driver(d, &o, true, &mut ms).await?;
        }
        if wanted("sqlx-pg", true) {
            let d = drivers::sqlx_typed::SqlxPg::connect(&t, o.pool).await?;
            run_driver(d, &o, false, &mut ms).await?;
        }
        if wanted("postgres-sync", true) {
            let d = drivers::postgres_sync::PostgresSync::connect(&t, o.pool).await?;
            run_driver(d, &o, false, &mut ms).await?;
        }
        if wanted("tokio-postgres", true) {
            let d = drivers::tokio_pg::TokioPg::connect(&t, o.pool)?;
            run_driver(d, &o, false, &mut ms).await?;
        }
        report += &table(&format!("PostgreSQL: {url}"), &ms, &o.queries);
        report += "\n";
        if wanted("pg-explain", true) {
            report += &explain::report(&t, &o.queries).await?;
            report += "\n";
        }
    }

    print!("{report}");
    if let Some(path) = &o.out {
        std::fs::write(path, &report)?;
    }
    Ok(())
}
