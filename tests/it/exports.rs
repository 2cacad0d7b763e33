//! Excel exports through a real server: background export tasks from creation to download
//! (workbooks opened with calamine), the groups export, expiry, recovery after a node dies,
//! exactly-once runs on two nodes, and what the export holds. The import: imports.rs.

use crate::common;

use std::time::{Duration, Instant};

use common::excel::*;
use common::{create_account, Client, Creds, Server, TestDb};
use serde_json::json;

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
    let (store, _) = Db::open(&db.url(), &PoolSettings::default()).await.unwrap();
    let key = MasterKey::load_or_create(&db.data_dir().join("master.key")).unwrap();
    roster::core::Directory::with_store(store, std::sync::Arc::new(key))
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
    let attempts: Vec<i64> = common::raw(&db)
        .await
        .query("SELECT attempts FROM export_tasks", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r[0].int())
        .collect();
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
    let chunks = common::raw(&db)
        .await
        .scalar("SELECT count(*) FROM export_chunks", &[])
        .await
        .unwrap()
        .int();
    assert_eq!(chunks, 0, "the file is gone");
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
