//! Helpers of the Excel tests (exports.rs, imports.rs): workbooks read back with calamine,
//! workbooks written by hand (rust_xlsxwriter, or part by part for hostile ones), and the
//! Workspace calls that make users, groups and export tasks.

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use serde_json::{json, Value};

use super::{Client, TestDb};

/// The sheets of a workbook as text rows (numbers as they print).
pub fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an .xlsx workbook");
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// No cell of any sheet is a formula.
pub fn assert_no_formulas(bytes: &[u8]) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    for name in wb.sheet_names() {
        let f = wb.worksheet_formula(&name).unwrap();
        assert!(
            f.used_cells().all(|(_, _, s)| s.is_empty()),
            "sheet {name} has formulas"
        );
    }
}

pub async fn user(c: &Client, name: &str, description: &str) -> String {
    let r = c
        .call(
            "POST",
            &c.ws("/users"),
            Some(&json!({"user_name": name, "user_email": format!("{name}@example.com"), "description": description})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

pub async fn group(c: &Client, name: &str) -> String {
    let r = c
        .call("POST", &c.ws("/groups"), Some(&json!({"group_name": name})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

pub fn v3(c: &Client, rest: &str) -> String {
    format!("/v3/{}{rest}", c.project)
}

/// Polls the task until it leaves CREATING; returns its listing entry.
pub async fn wait_task(c: &Client, task_id: &str, limit: Duration) -> Value {
    let started = Instant::now();
    loop {
        let r = c
            .call(
                "GET",
                &c.ws(&format!("/export-tasks?task_id={task_id}")),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let t = r.body["export_tasks"][0].clone();
        if t["status"] != "CREATING" {
            return t;
        }
        assert!(
            started.elapsed() < limit,
            "task {task_id} still CREATING after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `field` of every entry of the list `list` in a JSON body.
pub fn names<'a>(body: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    body[list]
        .as_array()
        .unwrap_or_else(|| panic!("no list {list} in {body}"))
        .iter()
        .map(|u| u[field].as_str().unwrap())
        .collect()
}

/// A users export task from creation to its downloaded workbook.
pub async fn export_users(c: &Client, body: Value) -> bytes::Bytes {
    let r = c.call("POST", &v3(c, "/users/export"), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["task_id"].as_str().unwrap().to_string();
    let t = wait_task(c, &id, Duration::from_secs(60)).await;
    assert_eq!(t["status"], "SUCCESS", "{t}");
    let path = c.ws(&format!("/export-tasks/{id}/download"));
    let r = c.call("GET", &path, None).await;
    assert_eq!(r.status, 200);
    r.raw
}

/// A workbook with the given header and rows, as a user would fill it.
pub fn workbook(header: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let Ok(n) = v.parse::<f64>() {
                ws.write_number(r as u32 + 1, c as u16, n).unwrap();
            } else if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// Runs SQL on the test database directly (SQLite file or PostgreSQL).
pub async fn sql(db: &TestDb, text: &str) {
    super::raw(db).await.execute(text, &[]).await.unwrap();
}

/// A raw .xlsx package: the parts an import reads, with `sheet` as the first sheet's XML
/// and `strings` as the shared-string table, plus `extra` entries; deflated at level 1.
pub fn raw_xlsx(sheet: &[&[u8]], strings: &[&[u8]], extra: usize) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let mut part = |name: &str, pieces: &[&[u8]]| {
        zip.start_file(name, opts).unwrap();
        for p in pieces {
            zip.write_all(p).unwrap();
        }
    };
    part(
        "_rels/.rels",
        &[br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#],
    );
    part(
        "xl/workbook.xml",
        &[br#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#],
    );
    part(
        "xl/_rels/workbook.xml.rels",
        &[br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#],
    );
    part("xl/worksheets/sheet1.xml", sheet);
    part("xl/sharedStrings.xml", strings);
    for i in 0..extra {
        part(&format!("xl/media/x{i}.bin"), &[b"x"]);
    }
    zip.finish().unwrap().into_inner()
}

pub const HEADER_ROW: &[u8] = br#"<row r="1"><c r="A1" t="inlineStr"><is><t>User name</t></is></c><c r="B1" t="inlineStr"><is><t>Email</t></is></c><c r="D1" t="inlineStr"><is><t>Description</t></is></c><c r="E1" t="inlineStr"><is><t>User groups</t></is></c></row>"#;

/// The peak resident memory of a process, in bytes (Linux: VmHWM).
pub fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}
