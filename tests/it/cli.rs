//! The command line as deployment scripts use it: names, outputs, exit codes.

use crate::common;

use std::process::Command;

use common::{create_account, Server, TestDb, BIN};

fn roster(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// `roster ARGS --data-dir ... [--database-url ...]` on the test's database.
fn roster_on(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .args(db.args())
        .output()
        .unwrap()
}

#[test]
fn every_command_has_help() {
    for cmd in [
        &["--help"][..],
        &["serve", "--help"],
        &["account", "--help"],
        &["account", "create", "--help"],
        &["seed", "--help"],
        &["migrate", "--help"],
        &["export", "--help"],
        &["import", "--help"],
        &["operator", "--help"],
        &["operator", "create", "--help"],
    ] {
        let out = roster(cmd);
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{cmd:?}"
        );
    }
}

#[test]
fn account_create_prints_exactly_the_contract_keys_and_refuses_duplicates() {
    let db = TestDb::new();
    let out = roster_on(
        &db,
        &[
            "account",
            "create",
            "acme",
            "--project-name",
            "cn-north-4",
            "--json",
        ],
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "access_key",
            "domain_id",
            "domain_name",
            "password",
            "project_id",
            "project_name",
            "secret_key",
            "user_id",
            "user_name"
        ]
    );
    assert_eq!(v["project_name"], "cn-north-4");
    assert_eq!(v["domain_name"], "acme");
    for k in ["domain_id", "project_id", "user_id"] {
        assert!(roster::core::ids::is_hex_id(v[k].as_str().unwrap()), "{k}");
    }
    let dup = roster_on(&db, &["account", "create", "acme", "--json"]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already in use"));
    assert!(dup.stdout.is_empty());
    let bad = roster_on(&db, &["account", "create", "bad name", "--json"]);
    assert!(!bad.status.success());
    // the secret is not in the database in the clear
    let sk = v["secret_key"].as_str().unwrap().to_string();
    let url = db.url();
    let sealed: Vec<String> = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let store = roster::store::Db::connect(&url, &Default::default())
                .await
                .unwrap();
            let rows = store
                .query("SELECT secret_sealed FROM access_keys", &[])
                .await
                .unwrap();
            rows.iter().map(|r| r[0].text()).collect()
        });
    assert_eq!(sealed.len(), 1);
    assert!(!sealed[0].contains(&sk));
    if !db.is_postgres() {
        let file = std::fs::read(db.data_dir().join("roster.db")).unwrap();
        assert!(!file.windows(sk.len()).any(|w| w == sk.as_bytes()));
    }
}

#[tokio::test]
async fn account_create_works_beside_a_running_server() {
    let server = Server::start();
    let a = create_account(&server.db, "late");
    let c = server.client(&a);
    assert_eq!(c.call("GET", &c.ws("/users"), None).await.status, 200);
}

#[tokio::test]
async fn first_start_creates_the_default_account_once_and_sigterm_exits_cleanly() {
    let db = TestDb::new();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(db.args())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take(2)
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert!(lines[0].contains("created account 'default'"), "{lines:?}");
    let url = lines[1]
        .strip_prefix("listening on ")
        .expect("address line")
        .to_string();
    let path = db.data_dir().join("default-credentials.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let creds: common::Creds = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(creds.domain_name, "default");
    let c = common::Client::new(
        &url,
        &creds.access_key,
        &creds.secret_key,
        &creds.project_id,
    );
    assert_eq!(c.call("GET", &c.ws("/groups"), None).await.status, 200);
    // every data file is its owner's alone (on PostgreSQL there is no database file)
    {
        use std::os::unix::fs::PermissionsExt;
        let mut files: Vec<String> = vec!["default-credentials.json".into(), "master.key".into()];
        if !db.is_postgres() {
            files.extend(["roster.db", "roster.db-wal", "roster.db-shm"].map(String::from));
        }
        for f in files {
            let p = db.data_dir().join(&f);
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f}: {mode:o}");
        }
    }
    // SIGTERM: stop and exit 0
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    // second start: nothing created, nothing said
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(db.args())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = out;
    let stdout = out.stdout.take().unwrap();
    let first = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .next()
    })
    .join()
    .unwrap()
    .unwrap();
    assert!(first.starts_with("listening on "), "{first}");
    let _ = out.kill();
    let _ = out.wait();
}

#[test]
fn migrate_reports_what_it_applied() {
    let db = TestDb::new();
    let first = roster_on(&db, &["migrate"]);
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied 1 directory"));
    let again = roster_on(&db, &["migrate"]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "the database is up to date"
    );
}

#[tokio::test]
async fn seed_makes_nested_groups_with_exact_counts() {
    let server = Server::start();
    let a = create_account(&server.db, "acme");
    let out = roster_on(
        &server.db,
        &[
            "seed",
            "--project-id",
            &a.project_id,
            "--users",
            "300",
            "--groups",
            "40",
            "--max-depth",
            "3",
            "--memberships",
            "900",
            "--rng-seed",
            "7",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = server.client(&a);
    let users = c.call("GET", &c.ws("/users?limit=1"), None).await;
    assert_eq!(users.body["total_count"], 301);
    let mut seen_parent = false;
    let mut seen_chinese = false;
    let mut offset = 0;
    loop {
        let r = c
            .call(
                "GET",
                &c.ws(&format!("/groups?limit=100&offset={offset}")),
                None,
            )
            .await;
        assert_eq!(r.body["total_count"], 40);
        let page = r.body["user_groups"].as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        for g in &page {
            seen_parent |= g.get("parent").is_some_and(|p| p["id"].is_string());
            seen_chinese |= g["name"]
                .as_str()
                .unwrap()
                .chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch));
            let members = c
                .call(
                    "GET",
                    &c.ws(&format!(
                        "/groups/{}/users?limit=1",
                        g["id"].as_str().unwrap()
                    )),
                    None,
                )
                .await;
            assert_eq!(
                members.body["total_count"], g["user_quantity"],
                "group {}",
                g["name"]
            );
        }
        offset += page.len();
    }
    assert!(seen_parent, "some groups are nested");
    assert!(seen_chinese, "some names are Chinese");
    // the same seed again adds to the project
    let again = roster_on(
        &server.db,
        &[
            "seed",
            "--project-id",
            &a.project_id,
            "--users",
            "10",
            "--groups",
            "2",
        ],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let bad = roster_on(
        &server.db,
        &[
            "seed",
            "--project-id",
            &"0".repeat(32),
            "--users",
            "1",
            "--groups",
            "1",
        ],
    );
    assert!(!bad.status.success());
}

/// The sheets' rows of a workbook file, as text.
fn workbook_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn export_and_import_commands_round_trip() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let out = roster_on(
        &db,
        &[
            "seed",
            "--project-id",
            &a.project_id,
            "--users",
            "300",
            "--groups",
            "20",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.xlsx");
    let out = roster_on(
        &db,
        &[
            "export",
            "users",
            "--project-id",
            &a.project_id,
            "-o",
            users.to_str().unwrap(),
            "--language",
            "zh_CN",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("exported 301 users to {}", users.display())
    );
    let rows = workbook_rows(&users);
    assert_eq!(rows.len(), 302);
    assert_eq!(rows[0][0], "用户名");
    assert_eq!(rows[1][0], "acme");

    let groups = dir.path().join("groups.xlsx");
    let out = roster_on(
        &db,
        &[
            "export",
            "groups",
            "--project-id",
            &a.project_id,
            "-o",
            groups.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = workbook_rows(&groups);
    assert_eq!(rows.len(), 21);
    assert_eq!(rows[0][0], "Group name");

    // the exported users go into a second account: all but the root (no e-mail or phone)
    let b = create_account(&db, "other");
    let out = roster_on(
        &db,
        &[
            "import",
            users.to_str().unwrap(),
            "--project-id",
            &b.project_id,
        ],
    );
    assert!(
        !out.status.success(),
        "a failed row makes the exit code non-zero"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // seeded users are in seeded groups, which the other account lacks: they fail by group
    assert!(stdout.contains("imported "), "{stdout}");
    assert!(stderr.contains("row 2 (acme)"), "{stderr}");

    // a workbook of only valid rows imports cleanly
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["用户名", "邮箱"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 1..=50u32 {
        ws.write_string(i, 0, format!("imp{i}")).unwrap();
        ws.write_string(i, 1, format!("imp{i}@example.com"))
            .unwrap();
    }
    let clean = dir.path().join("clean.xlsx");
    wb.save(&clean).unwrap();
    let out = roster_on(
        &db,
        &[
            "import",
            clean.to_str().unwrap(),
            "--project-id",
            &b.project_id,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "imported 50 users; 0 rows failed"
    );
    let out = roster_on(
        &db,
        &[
            "import",
            clean.to_str().unwrap(),
            "--project-id",
            &b.project_id,
        ],
    );
    assert!(!out.status.success(), "the same names again all fail");
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 0 users; 50 rows failed"));

    let junk = dir.path().join("junk.xlsx");
    std::fs::write(&junk, b"not a workbook").unwrap();
    let out = roster_on(
        &db,
        &[
            "import",
            junk.to_str().unwrap(),
            "--project-id",
            &b.project_id,
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable .xlsx workbook"));
}

#[tokio::test]
async fn operator_create_prints_credentials_that_log_in_with_operator_powers() {
    let db = TestDb::new();
    // no `default` account yet: nothing to put an operator in
    let out = roster_on(&db, &["operator", "create", "--name", "ops", "--json"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("default"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    create_account(&db, "default");
    let acme = create_account(&db, "acme");
    let out = roster_on(&db, &["operator", "create", "--name", "ops", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "domain_id",
            "domain_name",
            "password",
            "project_id",
            "project_name",
            "user_id",
            "user_name"
        ]
    );
    assert_eq!(v["user_name"], "ops");
    assert_eq!(v["domain_name"], "default");
    // the name is taken now; the text form names what it made
    let out = roster_on(&db, &["operator", "create", "--name", "ops"]);
    assert!(!out.status.success());
    let out = roster_on(&db, &["operator", "create", "--name", "ops2"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("created operator ops2"));

    // the operator logs in system-scoped and reads another account's domain and users
    let s = Server::start_on(&db, &[]);
    let r = common::iam::send(
        "POST",
        &format!("{}/v3/auth/tokens", s.url),
        &[],
        Some(&common::iam::password_auth(
            "default",
            "ops",
            v["password"].as_str().unwrap(),
            serde_json::json!({"system": {"all": true}}),
        )),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["token"]["system"]["all"], true);
    let token = r.headers["x-subject-token"].to_str().unwrap().to_string();
    let r = common::iam::with_token(
        "GET",
        &format!("{}/v3/users?domain_id={}", s.url, acme.domain_id),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["users"][0]["name"], "acme");
}
