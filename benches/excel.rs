//! Excel benchmark: `roster export users` on seeded databases of 100,000 and 1,000,000 users
//! (wall time and peak RSS from GNU time, median of ROSTER_BENCH_RUNS runs, default 3), the
//! floor (the same rows, already in memory, written by the same rust_xlsxwriter
//! constant-memory sheet and nothing else), the bare floor (the same cells, already formatted
//! as text, written by plain rust_xlsxwriter calls), and `roster import` of a 100,000-row
//! workbook.
//!
//!     cargo bench --bench excel
//!
//! ROSTER_BENCH_SIZES (default "100000,1000000") picks the sizes; seeded data dirs are kept
//! under ROSTER_BENCH_WORK (default /tmp/roster-excel-bench) and reused by later runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use roster::auth::sealing::MasterKey;
use roster::core::directory::{ExportBatch, ExportRows};
use roster::core::exports::{Language, UserBatch};
use roster::core::model::{AccountCredentials, UserFilter};
use roster::core::Directory;
use roster::excel::UserSheet;
use roster::store::{Db, PoolSettings};

const BIN: &str = env!("CARGO_BIN_EXE_roster");

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Every run's seconds, for the table: "1.23, 1.25, 1.31".
fn runs_of(secs: &[f64]) -> String {
    secs.iter()
        .map(|s| format!("{s:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `roster ARGS` under GNU time; returns (seconds, peak RSS in MB).
fn timed(args: &[&str]) -> (f64, f64) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "TIME %e %M", BIN])
        .args(args)
        .output()
        .expect("run /usr/bin/time roster");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("TIME "))
        .unwrap_or_else(|| panic!("no timing in: {stderr}"));
    let mut f = line[5..].split(' ');
    let secs: f64 = f.next().unwrap().parse().unwrap();
    let kb: f64 = f.next().unwrap().parse().unwrap();
    (secs, kb / 1024.0)
}

fn roster(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "roster {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A data dir with `n` seeded users (2 memberships each on average, n/10 groups).
fn seeded(work: &Path, n: u64) -> (PathBuf, AccountCredentials) {
    let dir = work.join(n.to_string());
    let creds_file = dir.join("bench-creds.json");
    if let Ok(text) = std::fs::read_to_string(&creds_file) {
        return (dir, serde_json::from_str(&text).unwrap());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let creds: AccountCredentials = serde_json::from_str(&roster(&[
        "account",
        "create",
        "bench",
        "--json",
        "--data-dir",
        d,
    ]))
    .unwrap();
    let started = Instant::now();
    roster(&[
        "seed",
        "--project-id",
        &creds.project_id,
        "--users",
        &n.to_string(),
        "--groups",
        &(n / 10).to_string(),
        "--data-dir",
        d,
    ]);
    eprintln!(
        "seeded {n} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&creds_file, serde_json::to_string(&creds).unwrap()).unwrap();
    (dir, creds)
}

async fn directory(data_dir: &Path) -> Directory {
    let url = format!("sqlite://{}", data_dir.join("roster.db").display());
    let (store, _) = Db::open(&url, &PoolSettings::default()).await.unwrap();
    let key = MasterKey::load_or_create(&data_dir.join("master.key")).unwrap();
    Directory::with_store(store, Arc::new(key))
}

/// The floor: the rows read into memory first (not timed), then only the writing. Returns
/// the whole time and the part spent zipping (`save`).
fn floor(batches: &[UserBatch], out: &Path) -> (f64, f64) {
    let started = Instant::now();
    let mut sheet = UserSheet::new(Language::English, out.parent()).unwrap();
    for u in batches.iter().flat_map(UserBatch::rows) {
        sheet.push(&u).unwrap();
    }
    let zip = Instant::now();
    sheet.save(out).unwrap();
    (started.elapsed().as_secs_f64(), zip.elapsed().as_secs_f64())
}

/// The bare floor: every cell already formatted as text in memory (not timed), then only
/// rust_xlsxwriter: a constant-memory sheet, `write_string` per non-empty cell, the same zip
/// level. No code of Roster's runs while it is timed. Returns the whole time.
fn bare_floor(cells: &[Vec<String>], out: &Path) -> f64 {
    let started = Instant::now();
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_zip_compression_level(roster::excel::write::ZIP_LEVEL);
    wb.set_tempdir(out.parent().unwrap()).unwrap();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    for (c, h) in roster::excel::user_headers(Language::English)
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, cell).unwrap();
            }
        }
    }
    wb.save(out).unwrap();
    started.elapsed().as_secs_f64()
}

/// The cells of the users sheet as the export writes them (English words).
fn cells_of(batches: &[UserBatch]) -> Vec<Vec<String>> {
    use roster::excel::write::format_time;
    let w = roster::excel::words(Language::English);
    batches
        .iter()
        .flat_map(UserBatch::rows)
        .map(|u| {
            let yes_no = |b: bool| if b { w.yes } else { w.no }.to_string();
            vec![
                u.name.to_string(),
                u.email.to_string(),
                u.phone.to_string(),
                u.description.to_string(),
                u.groups.to_string(),
                match u.account_expires {
                    0 => w.never.to_string(),
                    ms => format_time(ms),
                },
                if u.active_type == roster::core::model::ActiveType::Admin {
                    w.by_admin
                } else {
                    w.by_user
                }
                .to_string(),
                yes_no(u.locked),
                yes_no(u.disabled),
                format_time(u.created_at),
                u.id.to_string(),
            ]
        })
        .collect()
}

fn main() {
    let runs = std::env::var("ROSTER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3usize);
    let sizes: Vec<u64> = std::env::var("ROSTER_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let work = PathBuf::from(
        std::env::var("ROSTER_BENCH_WORK").unwrap_or_else(|_| "/tmp/roster-excel-bench".into()),
    );
    std::fs::create_dir_all(&work).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "| users | export median (runs) | peak RSS median | floor median (runs) | floor: zip step | export / floor | bare floor median (runs) | export / bare floor | file |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for &n in &sizes {
        let (dir, creds) = seeded(&work, n);
        let d = dir.to_str().unwrap().to_string();
        let out = work.join(format!("export-{n}.xlsx"));
        let o = out.to_str().unwrap().to_string();
        let mut secs = Vec::new();
        let mut rss = Vec::new();
        for _ in 0..runs {
            let (s, m) = timed(&[
                "export",
                "users",
                "--project-id",
                &creds.project_id,
                "-o",
                &o,
                "--data-dir",
                &d,
            ]);
            secs.push(s);
            rss.push(m);
        }
        let size_mb = std::fs::metadata(&out).unwrap().len() as f64 / 1e6;
        // the same rows, in memory
        let read_started = Instant::now();
        let rows = rt.block_on(async {
            let dir = directory(&dir).await;
            let (tx, mut rx) = tokio::sync::mpsc::channel(2);
            let read = dir.read_export(
                &creds.domain_id,
                ExportRows::Users(UserFilter::default()),
                5000,
                tx,
                std::sync::Arc::new(|_| {}),
            );
            let collect = async {
                let mut rows = Vec::new();
                while let Some(ExportBatch::Users(batch)) = rx.recv().await {
                    rows.push(batch);
                }
                rows
            };
            let (read, rows) = tokio::join!(read, collect);
            read.unwrap();
            rows
        });
        eprintln!(
            "read {} users into memory in {:.2} s",
            rows.iter().map(UserBatch::len).sum::<usize>(),
            read_started.elapsed().as_secs_f64()
        );
        let floor_out = work.join(format!("floor-{n}.xlsx"));
        let timings: Vec<(f64, f64)> = (0..runs).map(|_| floor(&rows, &floor_out)).collect();
        let floors: Vec<f64> = timings.iter().map(|t| t.0).collect();
        let zip = median(timings.iter().map(|t| t.1).collect());
        let cells = cells_of(&rows);
        drop(rows);
        let bares: Vec<f64> = (0..runs).map(|_| bare_floor(&cells, &floor_out)).collect();
        drop(cells);
        let (e, f, b) = (
            median(secs.clone()),
            median(floors.clone()),
            median(bares.clone()),
        );
        println!(
            "| {n} | {e:.2} s ({}) | {:.0} MB | {f:.2} s ({}) | {zip:.2} s | {:.2}x | {b:.2} s ({}) | {:.2}x | {size_mb:.1} MB |",
            runs_of(&secs),
            median(rss),
            runs_of(&floors),
            e / f,
            runs_of(&bares),
            e / b,
        );
    }

    // import: a 100,000-row workbook into a fresh account each run
    let rows = 100_000u32;
    let file = work.join("import-100k.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    for (c, h) in ["User name", "Email", "Phone", "Description"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 1..=rows {
        ws.write_string(i, 0, format!("imp{i}")).unwrap();
        ws.write_string(i, 1, format!("imp{i}@example.com"))
            .unwrap();
        ws.write_string(i, 2, format!("138{i:08}")).unwrap();
        ws.write_string(i, 3, format!("imported row {i}")).unwrap();
    }
    wb.save(&file).unwrap();
    let idir = work.join("import");
    let _ = std::fs::remove_dir_all(&idir);
    let d = idir.to_str().unwrap();
    let mut secs = Vec::new();
    let mut rss = Vec::new();
    for run in 0..runs {
        let creds: AccountCredentials = serde_json::from_str(&roster(&[
            "account",
            "create",
            &format!("import{run}"),
            "--json",
            "--data-dir",
            d,
        ]))
        .unwrap();
        let (s, m) = timed(&[
            "import",
            file.to_str().unwrap(),
            "--project-id",
            &creds.project_id,
            "--data-dir",
            d,
        ]);
        secs.push(s);
        rss.push(m);
    }
    println!();
    println!(
        "import of {rows} rows ({:.1} MB workbook): median {:.2} s ({}), {:.0} rows/s, peak RSS {:.0} MB",
        std::fs::metadata(&file).unwrap().len() as f64 / 1e6,
        median(secs.clone()),
        runs_of(&secs),
        rows as f64 / median(secs.clone()),
        median(rss),
    );
}
