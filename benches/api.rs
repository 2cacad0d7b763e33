//! API benchmark: signed Workspace calls against a real server on a seeded database.
//!
//!     cargo bench --bench api
//!
//! seeds a fresh database (ROSTER_BENCH_USERS, default 1,000,000; ROSTER_BENCH_GROUPS,
//! default 100,000), starts `roster serve`, and reports median and p99 latency of keyword
//! searches and of paging, then requests per second of the list call under concurrent load
//! (ROSTER_BENCH_CONCURRENCY, default 16, for ROSTER_BENCH_SECONDS, default 10). To reuse a
//! seeded database set ROSTER_BENCH_DATA_DIR and ROSTER_BENCH_CREDS (the JSON of `roster
//! account create --json` for the seeded account). ROSTER_BENCH_DATABASE_URL selects
//! another database (PostgreSQL); ROSTER_BENCH_NODES=2 starts two servers on it and spreads
//! the throughput clients over them; ROSTER_BENCH_LATENCY=0 measures throughput only. Client and servers share the machine.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use roster::auth::sdk_hmac::{self, RawRequest};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_roster");

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone)]
struct Signer {
    url: String,
    host: String,
    ak: String,
    sk: String,
    project: String,
    http: reqwest::Client,
}

impl Signer {
    async fn get(&self, path_and_query: &str) -> (u16, Value) {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("host", self.host.parse().unwrap());
        headers.insert("x-project-id", self.project.parse().unwrap());
        let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        headers.insert("x-sdk-date", date.parse().unwrap());
        let raw = RawRequest {
            method: "GET",
            path,
            query,
            headers: &headers,
            body: b"",
        };
        let auth = sdk_hmac::authorization_for(&raw, &self.ak, &self.sk).unwrap();
        headers.remove("host");
        let resp = self
            .http
            .get(format!("{}{path_and_query}", self.url))
            .headers(headers)
            .header("authorization", auth)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Percent-encodes a query value the way the SDK does (RFC 3986).
fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn latency(s: &Signer, label: &str, paths: &[String], n: usize) {
    let mut times = Vec::with_capacity(n);
    let mut total = Value::Null;
    for i in 0..n {
        let p = &paths[i % paths.len()];
        let t = Instant::now();
        let (status, body) = s.get(p).await;
        times.push(t.elapsed());
        assert_eq!(status, 200, "{p}: {body}");
        total = body["total_count"].clone();
    }
    times.sort();
    println!(
        "| {label} | {n} | {:.2} | {:.2} | {total} |",
        pct(&times, 0.5),
        pct(&times, 0.99)
    );
}

#[tokio::main]
async fn main() {
    // keep `cargo bench -- <filter>` and `cargo test --benches` harmless
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let db_url = std::env::var("ROSTER_BENCH_DATABASE_URL").ok();
    let db_args: Vec<String> = db_url
        .iter()
        .flat_map(|u| ["--database-url".to_string(), u.clone()])
        .collect();
    let (data_dir, creds): (std::path::PathBuf, Value) = match (
        std::env::var("ROSTER_BENCH_DATA_DIR"),
        std::env::var("ROSTER_BENCH_CREDS"),
    ) {
        (Ok(d), Ok(c)) => (
            d.into(),
            serde_json::from_slice(&std::fs::read(c).unwrap()).unwrap(),
        ),
        _ => {
            let dir = tmp.path().to_path_buf();
            let out = Command::new(BIN)
                .args(["account", "create", "bench", "--json", "--data-dir"])
                .arg(&dir)
                .output()
                .unwrap();
            assert!(out.status.success());
            let creds: Value = serde_json::from_slice(&out.stdout).unwrap();
            let users = env_or("ROSTER_BENCH_USERS", 1_000_000).to_string();
            let groups = env_or("ROSTER_BENCH_GROUPS", 100_000).to_string();
            let out = Command::new(BIN)
                .args([
                    "seed",
                    "--project-id",
                    creds["project_id"].as_str().unwrap(),
                    "--users",
                    &users,
                    "--groups",
                    &groups,
                    "--max-depth",
                    "5",
                    "--data-dir",
                ])
                .arg(&dir)
                .args(&db_args)
                .stderr(Stdio::null())
                .output()
                .unwrap();
            assert!(out.status.success());
            println!("{}", String::from_utf8_lossy(&out.stdout).trim());
            (dir, creds)
        }
    };
    let mut children = Vec::new();
    let mut signers = Vec::new();
    for _ in 0..env_or("ROSTER_BENCH_NODES", 1).max(1) {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .args(&db_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let line = BufReader::new(child.stdout.take().unwrap())
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("listening on "))
            .unwrap();
        let url = line.trim_start_matches("listening on ").to_string();
        signers.push(Signer {
            host: url.trim_start_matches("http://").to_string(),
            url,
            ak: creds["access_key"].as_str().unwrap().into(),
            sk: creds["secret_key"].as_str().unwrap().into(),
            project: creds["project_id"].as_str().unwrap().into(),
            http: reqwest::Client::new(),
        });
        children.push(child);
    }
    let s = signers[0].clone();
    let groups_path = format!("/v2/{}/groups", s.project);
    let users_path = format!("/v2/{}/users", s.project);
    let (_, first) = s.get(&format!("{groups_path}?limit=1")).await;
    let total_groups = first["total_count"].as_i64().unwrap();
    let n = env_or("ROSTER_BENCH_N", 300) as usize;
    for _ in 0..50 {
        s.get(&format!("{groups_path}?limit=100&offset=0")).await;
    }
    if env_or("ROSTER_BENCH_LATENCY", 1) == 1 {
        println!("\n{total_groups} groups. Latency of single signed requests, one at a time (ms, client side):\n");
        println!("| request | n | median | p99 | total_count |");
        println!("|---|---|---|---|---|");
        let kw =
            |k: &str, base: &str| vec![format!("{base}?keyword={}&limit=100&offset=0", enc(k))];
        for (label, k) in [
            ("groups keyword `Sales` (Latin, common)", "Sales"),
            ("groups keyword `研发部` (3 Chinese chars)", "研发部"),
            ("groups keyword `研发` (2 chars)", "研发"),
            ("groups keyword `研` (1 char)", "研"),
            ("groups keyword `paris 1` (with a space)", "paris 1"),
            ("groups keyword `12345` (rare)", "12345"),
            ("groups keyword `zzq` (no match)", "zzq"),
        ] {
            latency(&s, label, &kw(k, &groups_path), n).await;
        }
        let offsets: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "{groups_path}?limit=100&offset={}",
                    (i as i64 * 7919) % (total_groups.max(100) - 100).max(1)
                )
            })
            .collect();
        latency(
            &s,
            "groups `limit=100&offset=` spread over all",
            &offsets,
            n,
        )
        .await;
        latency(
            &s,
            "groups `limit=100&offset=0`",
            &[format!("{groups_path}?limit=100&offset=0")],
            n,
        )
        .await;
        latency(
            &s,
            "users `user_name=alice` (of 1M)",
            &[format!("{users_path}?user_name=alice&limit=100")],
            n,
        )
        .await;
        latency(
            &s,
            "users `user_name=王` (1 char, of 1M)",
            &[format!("{users_path}?user_name={}&limit=100", enc("王"))],
            n,
        )
        .await;
    }
    let conc = env_or("ROSTER_BENCH_CONCURRENCY", 16) as usize;
    let secs = env_or("ROSTER_BENCH_SECONDS", 10);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (s, stop, done, p) = (
            s.clone(),
            stop.clone(),
            done.clone(),
            format!("{groups_path}?limit=100&offset=0"),
        );
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let (status, _) = s.get(&p).await;
                assert_eq!(status, 200);
                times.push(t.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
            }
            times
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "\nThroughput of `GET groups?limit=100&offset=0`, {conc} concurrent clients over {} node(s), {secs} s: {:.0} requests/s (median {:.2} ms, p99 {:.2} ms)",
        signers.len(),
        done.load(Ordering::Relaxed) as f64 / elapsed,
        pct(&all, 0.5),
        pct(&all, 0.99)
    );
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
}
