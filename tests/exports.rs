//! Excel export and import through a real server: background export tasks from creation to
//! download (workbooks opened with calamine), the groups export, templates, the import with
//! per-row results, expiry, recovery after a node dies, and exactly-once runs on two nodes.

mod common;

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use common::{create_account, Client, Creds, Server, TestDb};
use serde_json::{json, Value};

/// The sheets of a workbook as text rows (numbers as they print).
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
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
fn assert_no_formulas(bytes: &[u8]) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    for name in wb.sheet_names() {
        let f = wb.worksheet_formula(&name).unwrap();
        assert!(
            f.used_cells().all(|(_, _, s)| s.is_empty()),
            "sheet {name} has formulas"
        );
    }
}

async fn user(c: &Client, name: &str, description: &str) -> String {
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

async fn group(c: &Client, name: &str) -> String {
    let r = c
        .call("POST", &c.ws("/groups"), Some(&json!({"group_name": name})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

fn v3(c: &Client, rest: &str) -> String {
    format!("/v3/{}{rest}", c.project)
}

/// Polls the task until it leaves CREATING; returns its listing entry.
async fn wait_task(c: &Client, task_id: &str, limit: Duration) -> Value {
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
fn names<'a>(body: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    body[list]
        .as_array()
        .unwrap_or_else(|| panic!("no list {list} in {body}"))
        .iter()
        .map(|u| u[field].as_str().unwrap())
        .collect()
}

/// A users export task from creation to its downloaded workbook.
async fn export_users(c: &Client, body: Value) -> bytes::Bytes {
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

#[tokio::test]
async fn users_export_task_from_creation_to_download() {
    let db = TestDb::new();
    let a: Creds = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let g = group(&c, "研发部").await;
    let alice = user(&c, "alice", "=HYPERLINK(\"http://x\",\"y\")").await;
    user(&c, "bob", "+cmd|' /C calc'!A0").await;
    user(&c, "carol", "-2+3").await;
    let r = c
        .call(
            "POST",
            &c.ws(&format!("/groups/{g}/actions")),
            Some(&json!({"op_type": "ADD", "user_ids": [alice]})),
        )
        .await;
    assert_eq!(r.status, 200);

    let r = c
        .call(
            "POST",
            &v3(&c, "/users/export"),
            Some(&json!({"language": "zh_CN"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let task_id = r.body["task_id"].as_str().unwrap().to_string();
    let t = wait_task(&c, &task_id, Duration::from_secs(60)).await;
    assert_eq!(t["status"], "SUCCESS", "{t}");
    assert_eq!(t["is_download"], false);
    assert!(t["file_name"].as_str().unwrap().ends_with(".xlsx"));
    assert!(t["end_time"].as_str().is_some());

    let r = c
        .call(
            "GET",
            &c.ws(&format!("/export-tasks/{task_id}/download")),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = r.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"users_"),
        "{disposition}"
    );
    assert_eq!(
        r.headers["content-length"].to_str().unwrap(),
        r.raw.len().to_string()
    );
    assert_no_formulas(&r.raw);
    let book = sheets(&r.raw);
    let (name, rows) = &book[0];
    assert_eq!(name, "用户");
    assert_eq!(
        rows[0][..6],
        [
            "用户名",
            "邮箱",
            "手机号码",
            "描述",
            "所属用户组",
            "账号有效期"
        ]
    );
    // the root user "acme" and the three users, in creation order
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["acme", "alice", "bob", "carol"]);
    assert_eq!(rows[2][3], "=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(rows[3][3], "+cmd|' /C calc'!A0");
    assert_eq!(rows[4][3], "-2+3");
    assert_eq!(rows[2][4], "研发部");
    assert_eq!(rows[2][5], "永不过期");
    assert_eq!(rows[2][1], "alice@example.com");

    // the download is recorded
    let r = c
        .call(
            "GET",
            &c.ws(&format!("/export-tasks?task_id={task_id}")),
            None,
        )
        .await;
    assert_eq!(r.body["export_tasks"][0]["is_download"], true);
    let r = c
        .call("GET", &c.ws("/export-tasks?is_download=false"), None)
        .await;
    assert_eq!(r.body["count"], 0);

    // the group's members only, English headers
    let r = c
        .call("GET", &v3(&c, &format!("/groups/{g}/users/export")), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let members_task = r.body["task_id"].as_str().unwrap().to_string();
    let t = wait_task(&c, &members_task, Duration::from_secs(60)).await;
    assert_eq!(t["status"], "SUCCESS", "{t}");
    assert!(t["file_name"]
        .as_str()
        .unwrap()
        .starts_with("研发部_users_"));
    let r = c
        .call(
            "GET",
            &c.ws(&format!("/export-tasks/{members_task}/download")),
            None,
        )
        .await;
    let book = sheets(&r.raw);
    assert_eq!(book[0].0, "Users");
    assert_eq!(book[0].1[0][0], "User name");
    assert_eq!(book[0].1.len(), 2);
    assert_eq!(book[0].1[1][0], "alice");

    // filtered users export: by name substring
    let raw = export_users(&c, json!({"user_name": "ca"})).await;
    let book = sheets(&raw);
    assert_eq!(book[0].1.len(), 2);
    assert_eq!(book[0].1[1][0], "carol");

    // listing: 3 tasks, sorted, filtered
    let r = c
        .call(
            "GET",
            &c.ws("/export-tasks?sort_field=create_time&sort_type=ASC"),
            None,
        )
        .await;
    assert_eq!(r.body["count"], 3);
    assert_eq!(r.body["export_tasks"][0]["task_id"], task_id.as_str());
    let r = c
        .call("GET", &c.ws("/export-tasks?limit=1&offset=1"), None)
        .await;
    assert_eq!(r.body["export_tasks"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["count"], 3);
    let r = c
        .call("GET", &c.ws("/export-tasks?file_name=USERS_"), None)
        .await;
    assert_eq!(r.body["count"], 3, "file names contain users_ (any case)");
    let r = c
        .call("GET", &c.ws("/export-tasks?status=FAIL"), None)
        .await;
    assert_eq!(r.body["count"], 0);
    for bad in [
        "status=DONE",
        "sort_field=owner",
        "sort_type=UP",
        "limit=101",
    ] {
        let r = c
            .call("GET", &c.ws(&format!("/export-tasks?{bad}")), None)
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.body["error_code"], "WKS.0001");
    }

    // batch delete: an unknown id fails the whole call; then the tasks and files go
    let r = c
        .call(
            "POST",
            &c.ws("/export-tasks/batch-delete"),
            Some(&json!({"task_ids": [task_id, "nonexistent"]})),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = c.call("GET", &c.ws("/export-tasks"), None).await;
    assert_eq!(r.body["count"], 3);
    let r = c
        .call(
            "POST",
            &c.ws("/export-tasks/batch-delete"),
            Some(&json!({"task_ids": [task_id, members_task]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .call(
            "GET",
            &c.ws(&format!("/export-tasks/{task_id}/download")),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "WKS.0103");
    let r = c.call("GET", &c.ws("/export-tasks"), None).await;
    assert_eq!(r.body["count"], 1);

    // bad requests create no task
    for (body, why) in [
        (json!({"language": "fr_FR"}), "language"),
        (json!({"active_type": "SOMETIMES"}), "active_type"),
    ] {
        let r = c.call("POST", &v3(&c, "/users/export"), Some(&body)).await;
        assert_eq!(r.status, 400, "{why}: {}", r.body);
    }
    let r = c
        .call("GET", &v3(&c, "/groups/nonexistent/users/export"), None)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "WKS.0102");
    let r = c.call("GET", &c.ws("/export-tasks"), None).await;
    assert_eq!(r.body["count"], 1);

    // another account sees none of it
    let b = create_account(&db, "other");
    let cb = server.client(&b);
    let r = cb.call("GET", &cb.ws("/export-tasks"), None).await;
    assert_eq!(r.body["count"], 0);
    let r = c
        .call("GET", &format!("/v2/{}/export-tasks", b.project_id), None)
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn groups_export_at_once() {
    let server = Server::start();
    let a = create_account(&server.db, "acme");
    let c = server.client(&a);
    let parent = group(&c, "Engineering").await;
    let child = group(&c, "Platform").await;
    let r = c
        .call(
            "PUT",
            &c.ws(&format!("/groups/{child}")),
            Some(&json!({"description": "@SUM(1+1)*cmd|' /C calc'!A0"})),
        )
        .await;
    assert_eq!(r.status, 200);
    // nest Platform under Engineering through the directory (the Workspace API has no move)
    let dir = roster_dir(&server.db).await;
    dir.move_group(&a.domain_id, &child, Some(&parent), "test")
        .await
        .unwrap();
    group(&c, "Sales").await;

    let r = c.call("GET", &c.ws("/groups/export"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("user_groups_"));
    assert_no_formulas(&r.raw);
    let book = sheets(&r.raw);
    let rows = &book[0].1;
    assert_eq!(
        rows[0],
        [
            "Group name",
            "Description",
            "Parent group",
            "Users",
            "Type",
            "Created (UTC)",
            "Group ID"
        ]
    );
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[2][0], "Platform");
    assert_eq!(rows[2][1], "@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(rows[2][2], "Engineering");
    assert_eq!(rows[2][3], "0");
    assert_eq!(rows[2][6], child);

    let r = c
        .call(
            "GET",
            &c.ws("/groups/export?language=zh_CN&limit=1&offset=1"),
            None,
        )
        .await;
    let book = sheets(&r.raw);
    assert_eq!(book[0].0, "用户组");
    assert_eq!(book[0].1[0][0], "用户组名称");
    assert_eq!(book[0].1.len(), 2);
    assert_eq!(book[0].1[1][0], "Platform");

    let r = c
        .call("GET", &c.ws("/groups/export?keyword=al"), None)
        .await;
    let names: Vec<String> = sheets(&r.raw)[0].1[1..]
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(names, ["Sales"]);

    for bad in ["limit=51", "limit=-1", "offset=-1", "language=de"] {
        let r = c
            .call("GET", &c.ws(&format!("/groups/export?{bad}")), None)
            .await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.body["error_code"], "WKS.0001");
    }
}

async fn roster_dir(db: &TestDb) -> roster::core::Directory {
    use roster::auth::sealing::MasterKey;
    use roster::store::{Db, PoolSettings};
    let store = Db::connect(&db.url(), &PoolSettings::default())
        .await
        .unwrap();
    let key = MasterKey::load_or_create(&db.data_dir().join("master.key")).unwrap();
    roster::core::Directory::new(store, std::sync::Arc::new(key))
}

/// A workbook with the given header and rows, as a user would fill it.
fn workbook(header: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
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

#[tokio::test]
async fn import_creates_good_rows_and_reports_bad_ones() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &["--import-max-bytes", "200000"]);
    let c = server.client(&a);
    group(&c, "Sales").await;
    user(&c, "taken", "").await;

    // the templates, in both languages: headers the import reads back
    for (path, lang, first) in [
        ("/users/template/download", "en_US", "User name"),
        ("/users/desktop-users/template", "zh_CN", "用户名"),
    ] {
        let r = c
            .call("GET", &c.ws(&format!("{path}?language={lang}")), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.headers["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let book = sheets(&r.raw);
        assert_eq!(book[0].1[0][0], first);
        assert_eq!(book[0].1.len(), 1, "a template has only its header row");
        assert_eq!(book[1].1.len(), 7, "instructions");
    }
    let r = c.call("GET", &c.ws("/users/template/download"), None).await;
    let template = sheets(&r.raw);
    let header: Vec<&str> = template[0].1[0].iter().map(String::as_str).collect();
    assert_eq!(
        header,
        [
            "User name",
            "Email",
            "Phone",
            "Description",
            "User groups",
            "Account expires"
        ]
    );

    let rows = vec![
        vec!["dave", "dave@example.com", "", "ok", "Sales", ""],
        vec![
            "erin",
            "",
            "13800000000",
            "phone typed as a number",
            "",
            "2030-01-02",
        ],
        vec!["9lives", "x@example.com", "", "", "", ""],
        vec![
            "dave",
            "dup@example.com",
            "",
            "repeated in the file",
            "",
            "",
        ],
        vec!["Taken", "t@example.com", "", "exists already", "", ""],
        vec!["frank", "frank@example.com", "", "", "Nope", ""],
        vec!["gina", "gina@example.com", "", "", "", "someday"],
        vec!["hank", "", "", "no email or phone", "", ""],
        vec!["", "", "", "", "", ""],
        vec!["ivan", "ivan@example.com", "", "=1+1", "sales\n", "Never"],
    ];
    let file = workbook(&header, &rows);
    let r = c
        .upload(
            &c.ws("/users/desktop-users/action/import"),
            "users.xlsx",
            &file,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let created: Vec<&str> = names(&r.body, "user_detail_list", "user_name");
    assert_eq!(created, ["dave", "erin", "ivan"]);
    let failed: Vec<(u64, &str)> = r.body["failed_detail_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["row"].as_u64().unwrap(),
                u["error_code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (4, "WKS.0002"),
            (5, "WKS.0201"),
            (6, "WKS.0201"),
            (7, "WKS.0102"),
            (8, "WKS.0001"),
            (9, "WKS.0001")
        ]
    );
    assert_eq!(r.body["total_count"], 9);
    let why = r.body["failed_detail_list"][5]["description"]
        .as_str()
        .unwrap();
    assert!(why.starts_with("row 9: "), "{why}");

    // what was created is what the file said
    let r = c.call("GET", &c.ws("/users?user_name=erin"), None).await;
    let erin = &r.body["users"][0];
    assert_eq!(erin["user_phone"], "13800000000");
    assert_eq!(erin["description"], "phone typed as a number");
    assert!(
        erin["account_expires"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-02"),
        "{erin}"
    );
    let r = c.call("GET", &c.ws("/users?user_name=ivan"), None).await;
    assert_eq!(r.body["users"][0]["group_names"], json!(["Sales"]));
    assert_eq!(r.body["users"][0]["description"], "=1+1");
    let r = c.call("GET", &c.ws("/groups?keyword=Sales"), None).await;
    assert_eq!(r.body["user_groups"][0]["user_quantity"], 2);

    // whole-file failures change nothing
    let before = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();
    // random text does not compress: a workbook well over the server's 200,000 bytes
    let noise: Vec<String> = (0..4000)
        .map(|_| (0..7).map(|_| roster::core::ids::new_id()).collect())
        .collect();
    let big_rows: Vec<Vec<&str>> = noise
        .iter()
        .map(|d| vec!["zed", "zed@example.com", "", d.as_str(), "", ""])
        .collect();
    let big = workbook(&header, &big_rows);
    assert!(big.len() > 200_000, "{}", big.len());
    let no_name = workbook(&["Email"], &[vec!["a@example.com"]]);
    for (file, name, why) in [
        (b"not a workbook at all".to_vec(), "users.xlsx", "not xlsx"),
        (no_name, "users.xlsx", "no user name column"),
        (workbook(&header, &[]), "users.xlsx", "no rows"),
        (big, "big.xlsx", "too large"),
        (vec![b'x'; 2_000_000], "huge.xlsx", "far too large"),
    ] {
        let r = c
            .upload(&c.ws("/users/desktop-users/action/import"), name, &file)
            .await;
        assert_eq!(r.status, 400, "{why}: {}", r.body);
        assert_eq!(r.body["error_code"], "WKS.0001", "{why}");
    }
    let r = c
        .call(
            "POST",
            &c.ws("/users/desktop-users/action/import"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(r.status, 400, "not multipart: {}", r.body);
    let after = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();
    assert_eq!(before, after);

    // an exported user sheet imports back (into another account)
    let b = create_account(&db, "other");
    let cb = server.client(&b);
    let raw = export_users(&c, json!({"user_name": "a"})).await;
    let r = cb
        .upload(
            &cb.ws("/users/desktop-users/action/import"),
            "export.xlsx",
            &raw,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // names with an "a": acme (the root: no e-mail or phone), dave and ivan (group Sales
    // unknown there) fail; taken is created
    let created: Vec<&str> = names(&r.body, "user_detail_list", "user_name");
    assert_eq!(created, ["taken"]);
    let failed: Vec<(&str, &str)> = r.body["failed_detail_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["user_name"].as_str().unwrap(),
                u["error_code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            ("acme", "WKS.0001"),
            ("dave", "WKS.0102"),
            ("ivan", "WKS.0102")
        ]
    );
}

/// Runs SQL on the test database directly (SQLite file or PostgreSQL).
async fn sql(db: &TestDb, text: &str) {
    let store = roster::store::Db::connect(&db.url(), &Default::default())
        .await
        .unwrap();
    sqlx::query(text).execute(&store.pool).await.unwrap();
}

#[tokio::test]
async fn a_task_whose_node_died_is_taken_up_again_or_failed() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    // a node that died holding two tasks: one interrupted once, one interrupted 3 times
    let now = roster::core::ids::now_ms();
    let spec = r#"{"spec":{"kind":"users","filter":{"name_contains":null,"names":[],"description_contains":null,"active_type":null,"group_name":null,"group_id":null,"enterprise_project_id":null,"disabled":null,"domain":null,"platform_type":null}},"language":"en_US"}"#;
    for (id, attempts) in [("t_again", 1), ("t_given_up", 3)] {
        sql(
            &db,
            &format!(
                "INSERT INTO export_tasks (id, account_id, project_id, kind, spec, file_name, status, \
                 created_at, attempts, lease_owner, lease_until) VALUES ('{id}', '{}', '{}', 'users', \
                 '{spec}', '{id}.xlsx', 'CREATING', {now}, {attempts}, 'dead-node', {})",
                a.domain_id,
                a.project_id,
                now + 1500
            ),
        )
        .await;
    }
    let server = Server::start_on(&db, &["--export-lease-secs", "1"]);
    let c = server.client(&a);
    let t = wait_task(&c, "t_again", Duration::from_secs(30)).await;
    assert_eq!(t["status"], "SUCCESS", "{t}");
    let r = c
        .call("GET", &c.ws("/export-tasks/t_again/download"), None)
        .await;
    assert_eq!(sheets(&r.raw)[0].1[1][0], "acme");
    let t = wait_task(&c, "t_given_up", Duration::from_secs(30)).await;
    assert_eq!(t["status"], "FAIL", "{t}");
    assert!(
        t["fail_reason"]
            .as_str()
            .unwrap()
            .contains("interrupted 3 times"),
        "{t}"
    );
    let r = c
        .call("GET", &c.ws("/export-tasks/t_given_up/download"), None)
        .await;
    assert_eq!(r.status, 409);
}

/// A user's groups come out in one cell, in group creation order whatever the order they
/// were joined in; text fields keep multibyte characters and empty ones stay empty.
#[tokio::test]
async fn users_export_lists_groups_in_creation_order() {
    let db = TestDb::new();
    let a: Creds = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let groups = [
        group(&c, "Zeta").await,
        group(&c, "Alpha").await,
        group(&c, "研发部").await,
    ];
    let dave = user(&c, "dave", "描述，含逗号, and more").await;
    user(&c, "erin", "").await;
    for g in groups.iter().rev() {
        let r = c
            .call(
                "POST",
                &c.ws(&format!("/groups/{g}/actions")),
                Some(&json!({"op_type": "ADD", "user_ids": [dave]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let book = sheets(&export_users(&c, json!({})).await);
    let rows = &book[0].1;
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["acme", "dave", "erin"]);
    assert_eq!(rows[2][3], "描述，含逗号, and more");
    assert_eq!(rows[2][4], "Zeta\nAlpha\n研发部", "one group per line");
    assert_eq!(rows[2][10], dave);
    assert_eq!(rows[3][3], "", "an empty description stays empty");
    assert_eq!(rows[3][4], "", "no groups");
    assert_eq!(rows[3][1], "erin@example.com");
}

#[tokio::test]
async fn killed_mid_export_then_restarted() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let seed = std::process::Command::new(common::BIN)
        .args([
            "seed",
            "--project-id",
            &a.project_id,
            "--users",
            "60000",
            "--groups",
            "10",
        ])
        .args(db.args())
        .output()
        .unwrap();
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    // the workers' working directories go to a temp dir of this test's own
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("roster.toml");
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(
        &config,
        format!("export_tmp_dir = {:?}\n", work.display().to_string()),
    )
    .unwrap();
    let config = config.display().to_string();
    let args = ["--export-lease-secs", "2", "--config", config.as_str()];
    let work_dirs = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&work)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("roster-export-")
            })
            .collect()
    };
    let mut server = Server::start_on(&db, &args);
    let c = server.client(&a);
    let r = c
        .call("POST", &v3(&c, "/users/export"), Some(&json!({})))
        .await;
    let task_id = r.body["task_id"].as_str().unwrap().to_string();
    // the worker is writing once its working directory holds the workbook
    let started = Instant::now();
    let dead_dir = loop {
        if let Some(d) = work_dirs()
            .into_iter()
            .find(|d| d.join("export.xlsx").exists())
        {
            break d;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the export never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let r = c
        .call(
            "GET",
            &c.ws(&format!("/export-tasks?task_id={task_id}")),
            None,
        )
        .await;
    assert_eq!(
        r.body["export_tasks"][0]["status"], "CREATING",
        "the export must still be running when the node is killed"
    );
    // kill -9: no chance to clean up
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(dead_dir.exists(), "a killed worker leaves its directory");
    let server = Server::start_on(&db, &args);
    let c = server.client(&a);
    let t = wait_task(&c, &task_id, Duration::from_secs(120)).await;
    assert_eq!(t["status"], "SUCCESS", "{t}");
    // the restarted node swept the dead worker's directory; its own went with its task
    assert!(!dead_dir.exists(), "{}", dead_dir.display());
    // the new worker removes its own right after it stored the file (SUCCESS is visible a
    // moment before that)
    let stored = Instant::now();
    while !work_dirs().is_empty() {
        assert!(
            stored.elapsed() < Duration::from_secs(30),
            "{:?} left behind",
            work_dirs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = c
        .call(
            "GET",
            &c.ws(&format!("/export-tasks/{task_id}/download")),
            None,
        )
        .await;
    let book = sheets(&r.raw);
    assert_eq!(book[0].1.len(), 60_001 + 1, "header + root + 60,000 users");
}

#[tokio::test]
async fn two_nodes_run_each_task_exactly_once() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let nodes = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let clients: Vec<Client> = nodes.iter().map(|n| n.client(&a)).collect();
    let mut ids = Vec::new();
    for i in 0..8 {
        let c = &clients[i % 2];
        let r = c
            .call("POST", &v3(c, "/groups/export"), Some(&json!({})))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        ids.push(r.body["task_id"].as_str().unwrap().to_string());
    }
    for (i, id) in ids.iter().enumerate() {
        let t = wait_task(&clients[(i + 1) % 2], id, Duration::from_secs(60)).await;
        assert_eq!(t["status"], "SUCCESS", "{t}");
        // each node serves every file
        let r = clients[i % 2]
            .call(
                "GET",
                &clients[0].ws(&format!("/export-tasks/{id}/download")),
                None,
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(sheets(&r.raw)[0].1[0][0], "Group name");
    }
    // every task was claimed once
    let store = roster::store::Db::connect(&db.url(), &Default::default())
        .await
        .unwrap();
    let attempts: Vec<i64> = sqlx::query_scalar("SELECT attempts FROM export_tasks")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(attempts, vec![1; 8]);
}

#[tokio::test]
async fn finished_files_expire() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &["--export-keep-secs", "1"]);
    let c = server.client(&a);
    let r = c
        .call("POST", &v3(&c, "/groups/export"), Some(&json!({})))
        .await;
    let id = r.body["task_id"].as_str().unwrap().to_string();
    let t = wait_task(&c, &id, Duration::from_secs(60)).await;
    assert_eq!(t["status"], "SUCCESS");
    let started = Instant::now();
    loop {
        let r = c
            .call("GET", &c.ws(&format!("/export-tasks?task_id={id}")), None)
            .await;
        if r.body["export_tasks"][0]["status"] == "EXPIRED" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = c
        .call("GET", &c.ws(&format!("/export-tasks/{id}/download")), None)
        .await;
    assert_eq!(r.status, 409);
    let store = roster::store::Db::connect(&db.url(), &Default::default())
        .await
        .unwrap();
    let chunks: i64 = sqlx::query_scalar("SELECT count(*) FROM export_chunks")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(chunks, 0, "the file is gone");
}

/// A raw .xlsx package: the parts an import reads, with `sheet` as the first sheet's XML
/// and `strings` as the shared-string table, plus `extra` entries; deflated at level 1.
fn raw_xlsx(sheet: &[&[u8]], strings: &[&[u8]], extra: usize) -> Vec<u8> {
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

const HEADER_ROW: &[u8] = br#"<row r="1"><c r="A1" t="inlineStr"><is><t>User name</t></is></c><c r="B1" t="inlineStr"><is><t>Email</t></is></c><c r="D1" t="inlineStr"><is><t>Description</t></is></c><c r="E1" t="inlineStr"><is><t>User groups</t></is></c></row>"#;

/// The peak resident memory of a process, in bytes (Linux: VmHWM).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

/// Workbooks made to exhaust the server: a far cell (the 1.6 KB file that once asked for a
/// 512 GiB grid and aborted the process), a huge XML comment, a huge shared string, a
/// string repeated into every row, too many parts, and several at once. Each is a 400
/// naming its limit (or, for the far cell, imported without its empty grid), nothing else
/// changes, and the server's peak memory stays within the documented bound.
#[tokio::test]
async fn hostile_workbooks_are_refused_in_bounded_memory() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let import = c.ws("/users/desktop-users/action/import");

    // A1 .. XFD1048576: the far cell is in no column the import reads
    let far = raw_xlsx(
        &[
            b"<worksheet><sheetData>",
            HEADER_ROW,
            br#"<row r="2"><c r="A2" t="inlineStr"><is><t>alice</t></is></c><c r="B2" t="inlineStr"><is><t>alice@example.com</t></is></c></row>"#,
            br#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
            b"</sheetData></worksheet>",
        ],
        &[b"<sst/>"],
        0,
    );
    assert!(far.len() < 2_000, "{}", far.len());
    let r = c.upload(&import, "far.xlsx", &far).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body, "user_detail_list", "user_name"), ["alice"]);
    let users_before = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();

    let mib = vec![b'a'; 1 << 20];
    let chunks = |n: usize| -> Vec<&[u8]> { (0..n).map(|_| mib.as_slice()).collect() };
    let comment = {
        let mut s: Vec<&[u8]> = vec![b"<worksheet><sheetData>", HEADER_ROW, b"<!--"];
        s.extend(chunks(256));
        s.extend([&b"--></sheetData></worksheet>"[..]]);
        raw_xlsx(&s, &[b"<sst/>"], 0)
    };
    let huge_string = {
        let mut s: Vec<&[u8]> = vec![b"<sst><si><t>"];
        s.extend(chunks(128));
        s.push(b"</t></si></sst>");
        raw_xlsx(
            &[
                b"<worksheet><sheetData>",
                HEADER_ROW,
                b"</sheetData></worksheet>",
            ],
            &s,
            0,
        )
    };
    // one 30,000-character string, referenced by the description of 3,000 rows: 90 MB of
    // kept text from a file of a few KB
    let repeated = {
        let long = format!("<sst><si><t>{}</t></si></sst>", "d".repeat(30_000));
        let rows: String = (2..3002)
            .map(|r| {
                format!(
                    r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>u{r}</t></is></c><c r="B{r}" t="inlineStr"><is><t>u{r}@example.com</t></is></c><c r="D{r}" t="s"><v>0</v></c></row>"#
                )
            })
            .collect();
        raw_xlsx(
            &[
                b"<worksheet><sheetData>",
                HEADER_ROW,
                rows.as_bytes(),
                b"</sheetData></worksheet>",
            ],
            &[long.as_bytes()],
            0,
        )
    };
    let many_parts = raw_xlsx(
        &[
            b"<worksheet><sheetData>",
            HEADER_ROW,
            b"</sheetData></worksheet>",
        ],
        &[b"<sst/>"],
        1_001,
    );
    let cases = [
        (comment, "XML element or text longer than 1024 KiB"),
        (
            huge_string,
            "shared-string table holds one XML element or text longer than 1024 KiB",
        ),
        (repeated, "more than 64 MiB of text"),
        (many_parts, "more than 1000 parts"),
    ];
    for (file, why) in &cases {
        assert!(file.len() < 4 << 20, "{why}: {} bytes", file.len());
    }
    // all at once, twice over: each waits its turn for one of the node's import permits
    let runs = cases.iter().chain(cases.iter()).map(|(file, why)| {
        let (c, import) = (&c, &import);
        async move { (c.upload(import, "hostile.xlsx", file).await, *why) }
    });
    for (r, why) in futures_util::future::join_all(runs).await {
        assert_eq!(r.status, 400, "{why}: {}", r.body);
        assert_eq!(r.body["error_code"], "WKS.0001", "{why}");
        let msg = r.body["error_msg"].as_str().unwrap();
        assert!(msg.contains(why), "{why}: {msg}");
    }
    let users_after = c.call("GET", &c.ws("/users"), None).await.body["total_count"].clone();
    assert_eq!(users_before, users_after, "a refused file changes nothing");
    // 256 MiB of comment, 128 MiB of string and 90 MB of rows went in; the server held a
    // bounded working set per import, at most two imports at a time
    let peak = peak_rss(server.child.id());
    assert!(peak < 400 << 20, "peak RSS {} MiB", peak >> 20);
}

/// What a person fills into the template in a spreadsheet program: a formula cell fails its
/// row with a message that shows the formula; a group whose name holds commas, semicolons
/// and Chinese punctuation survives export, deletion and import back (groups are one per
/// line); text with characters that look like the export's separators exports and imports.
#[tokio::test]
async fn what_people_type_round_trips_or_fails_its_row() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    group(&c, "Sales").await;
    group(&c, "East").await;
    let odd = group(&c, "Sales, East; 华东，一组").await;
    let plain = group(&c, "研发部").await;
    let dave = user(&c, "dave", "line one\nline two, _x0041_ literal").await;
    for g in [&odd, &plain] {
        let r = c
            .call(
                "POST",
                &c.ws(&format!("/groups/{g}/actions")),
                Some(&json!({"op_type": "ADD", "user_ids": [dave]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let book = export_users(&c, json!({"user_name": "dave"})).await;
    assert_eq!(sheets(&book)[0].1[1][4], "Sales, East; 华东，一组\n研发部");
    let r = c
        .call("DELETE", &c.ws(&format!("/users/{dave}")), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .upload(
            &c.ws("/users/desktop-users/action/import"),
            "back.xlsx",
            &book,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body, "user_detail_list", "user_name"), ["dave"]);
    let r = c.call("GET", &c.ws("/users?user_name=dave"), None).await;
    let back = &r.body["users"][0];
    assert_eq!(
        back["group_names"],
        json!(["Sales, East; 华东，一组", "研发部"])
    );
    assert_eq!(back["description"], "line one\nline two, _x0041_ literal");

    // the template's columns A..E are text columns (Excel's built-in format 49, "@"), so a
    // phone typed there keeps its leading 0
    let r = c.call("GET", &c.ws("/users/template/download"), None).await;
    let mut zip = zip::ZipArchive::new(Cursor::new(r.raw.to_vec())).unwrap();
    let part = |zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let styles = part(&mut zip, "xl/styles.xml");
    assert!(styles.contains(r#"numFmtId="49""#), "{styles}");
    let sheet1 = part(&mut zip, "xl/worksheets/sheet1.xml");
    let cols = &sheet1[sheet1.find("<cols>").unwrap()..sheet1.find("</cols>").unwrap()];
    let attr = |col: &str, name: &str| -> Option<u32> {
        let col = format!(" {col}");
        let at = col.find(&format!(" {name}=\""))? + name.len() + 3;
        col[at..].split('"').next()?.parse().ok()
    };
    let styled: Vec<u32> = cols
        .split("<col ")
        .skip(1)
        .filter(|col| col.contains("style="))
        .flat_map(|col| attr(col, "min").unwrap()..=attr(col, "max").unwrap())
        .collect();
    assert_eq!(styled, [1, 2, 3, 4, 5], "{cols}");

    // a formula typed into a description: the row fails and says so, readably
    let sheet = br#"<row r="2"><c r="A2" t="inlineStr"><is><t>erin</t></is></c><c r="B2" t="inlineStr"><is><t>erin@example.com</t></is></c><c r="D2"><f>1+2</f><v>3</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>fay</t></is></c><c r="B3" t="inlineStr"><is><t>fay@example.com</t></is></c><c r="D3" t="inlineStr"><is><t>=1+2 as text, a private-use &#xF18D; char</t></is></c></row><row r="4"><c r="A4" t="inlineStr"><is><t>gus</t></is></c><c r="B4" t="inlineStr"><is><t>gus@example.com</t></is></c><c r="E4" t="inlineStr"><is><t>Nope&#xF18D;</t></is></c></row>"#;
    let file = raw_xlsx(
        &[
            b"<worksheet><sheetData>",
            HEADER_ROW,
            sheet,
            b"</sheetData></worksheet>",
        ],
        &[b"<sst/>"],
        0,
    );
    let r = c
        .upload(&c.ws("/users/desktop-users/action/import"), "f.xlsx", &file)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body, "user_detail_list", "user_name"), ["fay"]);
    let failed = &r.body["failed_detail_list"][0];
    assert_eq!(failed["row"], 2);
    let msg = failed["error_msg"].as_str().unwrap();
    assert!(
        msg.contains("Description (D2) holds a formula (\"=1+2\")"),
        "{msg}"
    );
    // an unknown group with a character one cannot see: named readably, not as \u{f18d}
    let msg = r.body["failed_detail_list"][1]["error_msg"]
        .as_str()
        .unwrap();
    assert!(msg.contains("\"NopeU+F18D\""), "{msg}");
    let r = c.call("GET", &c.ws("/users?user_name=fay"), None).await;
    assert_eq!(
        r.body["users"][0]["description"],
        "=1+2 as text, a private-use \u{f18d} char"
    );
}

/// Rows stored before the door refused control characters (written here straight into the
/// database) still export: the batch format does not depend on what a field holds.
#[tokio::test]
async fn stored_control_characters_do_not_break_exports() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let id = user(&c, "dave", "x").await;
    sql(
        &db,
        &format!(
            "UPDATE users SET email = 'first' || char(31) || 'last' || char(30) || '@example.com', \
             description = '12:' || char(29) || char(31) WHERE id = '{id}'"
        )
        .replace("char(", if db.is_postgres() { "chr(" } else { "char(" }),
    )
    .await;
    let book = sheets(&export_users(&c, json!({})).await);
    let row = &book[0].1[2];
    assert_eq!(row[0], "dave");
    assert_eq!(row[1], "first\u{1f}last\u{1e}@example.com");
    assert_eq!(row[3], "12:\u{1d}\u{1f}");
}

/// The export tasks' `file_name` filter folds like every keyword (one function, both
/// backends): a group-users export's file name holds the group's name, in any script.
#[tokio::test]
async fn the_file_name_filter_folds_like_every_keyword() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let g = group(&c, "ΚΑΣΑ-Straße").await;
    let r = c
        .call("GET", &v3(&c, &format!("/groups/{g}/users/export")), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for kw in [
        "ΚΑΣΑ",
        "κασα",
        "ας",
        "ΑΣ",
        "STRASSE",
        "straße",
        "%CE%BA%CE%B1%CF%83",
    ] {
        let r = c
            .call("GET", &c.ws(&format!("/export-tasks?file_name={kw}")), None)
            .await;
        assert_eq!(r.status, 200, "{kw}: {}", r.body);
        assert_eq!(r.body["count"], 1, "{kw}: {}", r.body);
    }
    let r = c
        .call("GET", &c.ws("/export-tasks?file_name=ΚΑΣΑΣ"), None)
        .await;
    assert_eq!(r.body["count"], 0, "{}", r.body);
}
