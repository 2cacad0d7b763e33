//! When the database goes away, requests get 503 in the face's format, and service comes
//! back by itself when the database does. PostgreSQL only (run with
//! `ROSTER_TEST_DATABASE=postgres`): the test starts a private cluster on a port of its own,
//! so stopping it disturbs no other test.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Client, Creds, BIN};

/// A PostgreSQL cluster of this test's own, made with initdb (as the postgres user when
/// running as root, which initdb refuses to be).
struct PrivateCluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

fn as_postgres(bin: &Path, args: &[&str]) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

impl PrivateCluster {
    fn start() -> PrivateCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries under /usr/lib/postgresql")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir.path())
            .status()
            .ok();
        let data = dir.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(
            as_postgres(
                &bin.join("initdb"),
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync"
                ]
            ),
            "initdb"
        );
        let c = PrivateCluster {
            socket_dir: dir.path().to_path_buf(),
            _dir: dir,
            data,
            port,
            bin,
        };
        c.up();
        c
    }

    fn pg_ctl(&self, args: &[&str]) -> bool {
        let mut all = vec!["-D", self.data.to_str().unwrap(), "-w", "-t", "30"];
        all.extend_from_slice(args);
        as_postgres(&self.bin.join("pg_ctl"), &all)
    }

    fn up(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.socket_dir.display()
        );
        let log = self.socket_dir.join("log");
        assert!(
            self.pg_ctl(&["-o", &opts, "-l", log.to_str().unwrap(), "start"]),
            "pg_ctl start"
        );
    }

    fn down(&self) {
        assert!(self.pg_ctl(&["-m", "fast", "stop"]), "pg_ctl stop");
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
    }
}

#[tokio::test]
async fn a_database_outage_gives_503_and_service_recovers_by_itself() {
    if !common::TestDb::postgres_selected() {
        eprintln!("skipped: PostgreSQL only (ROSTER_TEST_DATABASE=postgres)");
        return;
    }
    let cluster = PrivateCluster::start();
    common::pg_batch(&cluster.url("postgres"), "CREATE DATABASE roster").await;
    let data_dir = tempfile::tempdir().unwrap();
    let url = cluster.url("roster");
    let base = [
        "--data-dir",
        data_dir.path().to_str().unwrap(),
        "--database-url",
        &url,
        "--db-acquire-timeout",
        "2",
    ];
    let out = Command::new(BIN)
        .args(["account", "create", "acme", "--json"])
        .args(base)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let creds: Creds = serde_json::from_slice(&out.stdout).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(base)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("listening on "))
    })
    .join()
    .unwrap()
    .unwrap();
    let c = Client::new(
        line.trim_start_matches("listening on "),
        &creds.access_key,
        &creds.secret_key,
        &creds.project_id,
    );
    let list = c.ws("/groups");
    assert_eq!(c.call("GET", &list, None).await.status, 200);

    cluster.down();
    for _ in 0..3 {
        let t = Instant::now();
        let r = c.call("GET", &list, None).await;
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.body["error_code"], "WKS.0503");
        assert!(r.headers.contains_key("retry-after"));
        assert!(r.headers.contains_key("x-request-id"));
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "a 503 comes quickly, not after a hang"
        );
    }
    // a write fails the same way and leaves nothing behind
    let w = c
        .call(
            "POST",
            &list,
            Some(&serde_json::json!({"group_name": "during-outage"})),
        )
        .await;
    assert_eq!(w.status, 503, "{}", w.body);

    cluster.up();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = c.call("GET", &list, None).await;
        if r.status == 200 {
            assert_eq!(
                r.body["total_count"], 0,
                "the write during the outage left nothing"
            );
            break;
        }
        assert_eq!(r.status, 503, "{}", r.body);
        assert!(
            Instant::now() < deadline,
            "service did not recover within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}
