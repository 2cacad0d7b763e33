//! Text at the door and in search (issue 12), through a real server on the selected backend:
//! every control character is refused in every text field of users and groups (a clear 400,
//! nothing changed) so that exports keep working; a line feed in a description exports and
//! imports back; keywords and names fold with Unicode case folding and canonical
//! equivalence; group names refuse surrounding white space; and migration 0008 with its
//! fold-v2 data step brings a database made by the previous code along.

use crate::common;

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use common::{create_account, Client, Server, TestDb};
use roster::auth::acs::pct;
use roster::core::model::*;
use serde_json::{json, Value};

fn assert_error(r: &common::Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error_code"], code, "{}", r.body);
    assert!(r.body["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
}

/// Control characters (C0, DEL, C1), the line and paragraph separators and two
/// noncharacters: none may enter a stored text field except a line feed in a description.
fn specials() -> Vec<char> {
    (0u32..0x20)
        .chain(0x7F..0xA0)
        .chain([0x2028, 0x2029, 0xFFFE, 0xFFFF])
        .map(|u| char::from_u32(u).unwrap())
        .collect()
}

async fn count(c: &Client, what: &str) -> i64 {
    let r = c
        .call("GET", &c.ws(&format!("/{what}?limit=1")), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["total_count"]
        .as_i64()
        .unwrap_or_else(|| panic!("no count in {}", r.body))
}

/// Polls an export task until it leaves CREATING (a condition, with a bound).
async fn wait_task(c: &Client, task_id: &str) -> Value {
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
            started.elapsed() < Duration::from_secs(60),
            "task {task_id} still CREATING"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first sheet of a workbook as text rows.
fn first_sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an .xlsx workbook");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn every_control_character_is_refused_at_the_door_and_exports_keep_working() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "beta");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let r = c
        .call(
            "POST",
            &c.ws("/users"),
            Some(&json!({"user_name": "target", "user_email": "t@example.com"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let uid = r.body["id"].as_str().unwrap().to_string();
    let r = c
        .call(
            "POST",
            &c.ws("/groups"),
            Some(&json!({"group_name": "Target"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gid = r.body["id"].as_str().unwrap().to_string();
    let (users0, groups0) = (count(&c, "users").await, count(&c, "groups").await);

    for ch in specials() {
        let s = |pre: &str, post: &str| format!("{pre}{ch}{post}");
        let label = format!("U+{:04X}", ch as u32);
        // the example: a user made with such an e-mail broke every export
        let new_user = |field: &str, value: String| {
            let mut body = json!({"user_name": "newuser", "user_email": "n@example.com"});
            body[field] = json!(value);
            body
        };
        for (field, value, code) in [
            ("user_email", s("first", "last@example.com"), "WKS.0001"),
            ("user_phone", s("138", "0000"), "WKS.0001"),
            ("user_name", s("first", "last"), "WKS.0002"),
            ("description", s("one", "two"), "WKS.0001"),
            ("alias_name", s("one", "two"), "WKS.0001"),
        ] {
            if field == "description" && ch == '\n' {
                continue;
            }
            let r = c
                .call(
                    "POST",
                    &c.ws("/users"),
                    Some(&new_user(field, value.clone())),
                )
                .await;
            assert_error(&r, 400, code);
            let r = c
                .call(
                    "PUT",
                    &c.ws(&format!("/users/{uid}")),
                    Some(&json!({ field: value })),
                )
                .await;
            // the update model has no user_name nor alias_name: unknown fields are ignored
            if field != "user_name" && field != "alias_name" {
                assert_error(&r, 400, code);
            }
        }
        for (field, value, code) in [
            ("group_name", s("Ops", "X"), "WKS.0002"),
            ("description", s("one", "two"), "WKS.0001"),
        ] {
            if field == "description" && ch == '\n' {
                continue;
            }
            let mut body = json!({"group_name": format!("G {label}")});
            body[field] = json!(value);
            let r = c.call("POST", &c.ws("/groups"), Some(&body)).await;
            assert_error(&r, 400, code);
            let r = c
                .call(
                    "PUT",
                    &c.ws(&format!("/groups/{gid}")),
                    Some(&json!({ field: value })),
                )
                .await;
            assert_error(&r, 400, code);
        }
    }
    // nothing changed
    assert_eq!(
        (count(&c, "users").await, count(&c, "groups").await),
        (users0, groups0)
    );
    let r = c.call("GET", &c.ws(&format!("/users/{uid}")), None).await;
    assert_eq!(r.body["user_detail"]["user_email"], "t@example.com");
    assert_eq!(r.body["user_detail"]["description"], "");

    // a line feed in a description is accepted, exported and imported back intact
    let r = c
        .call(
            "POST",
            &c.ws("/users"),
            Some(&json!({"user_name": "lines", "user_email": "l@example.com",
                         "description": "line one\nline two"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .call(
            "POST",
            &format!("/v3/{}/users/export", c.project),
            Some(&json!({})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let task = r.body["task_id"].as_str().unwrap().to_string();
    let t = wait_task(&c, &task).await;
    assert_eq!(t["status"], "SUCCESS", "{t}");
    let file = c
        .call(
            "GET",
            &c.ws(&format!("/export-tasks/{task}/download")),
            None,
        )
        .await;
    assert_eq!(file.status, 200);
    let rows = first_sheet(&file.raw);
    assert!(
        rows.iter()
            .any(|r| r[0] == "lines" && r.contains(&"line one\nline two".to_string())),
        "{rows:?}"
    );
    // the exported sheet imports into another account
    let cb = server.client(&b);
    let r = cb
        .upload(
            &cb.ws("/users/desktop-users/action/import"),
            "users.xlsx",
            &file.raw,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = cb.call("GET", &cb.ws("/users?user_name=lines"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["users"][0]["description"], "line one\nline two",
        "{}",
        r.body
    );
}

/// `GET path?key=value` with the value encoded as the SDK sends it.
fn q(c: &Client, path: &str, key: &str, value: &str) -> String {
    c.ws(&format!("{path}?{key}={}", pct(value)))
}

async fn found(
    c: &Client,
    path: &str,
    key: &str,
    value: &str,
    list: &str,
    field: &str,
) -> Vec<String> {
    let r = c.call("GET", &q(c, path, key, value), None).await;
    assert_eq!(r.status, 200, "{key}={value:?}: {}", r.body);
    r.body[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g[field].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn names_and_keywords_fold_with_unicode_case_folding_and_normalization() {
    let server = Server::start();
    let a = create_account(&server.db, "acme");
    let c = server.client(&a);
    let groups = |v: &'static str| {
        let c = &c;
        async move { found(c, "/groups", "keyword", v, "user_groups", "name").await }
    };
    let make_group = |name: &'static str| {
        let c = &c;
        async move {
            c.call("POST", &c.ws("/groups"), Some(&json!({"group_name": name})))
                .await
        }
    };
    assert_eq!(make_group("ΚΑΣΑ-x").await.status, 200);
    // item 6: the stored text in the same case, a prefix, and the final-sigma spelling
    for kw in ["ΑΣ", "ΚΑΣ", "ας", "ασ", "κασα-X"] {
        assert_eq!(groups(kw).await, ["ΚΑΣΑ-x"], "keyword {kw:?}");
    }
    // item 8: canonically equal names are one name; either spelling finds it
    let r = make_group("Caf\u{e9}").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_error(&make_group("Cafe\u{301}").await, 409, "WKS.0202");
    assert_error(&make_group("CAFE\u{301}").await, 409, "WKS.0202");
    for kw in ["Caf\u{e9}", "Cafe\u{301}", "CAF\u{c9}", "afe\u{301}"] {
        assert_eq!(groups(kw).await, ["Caf\u{e9}"], "keyword {kw:?}");
    }
    // the stored name is the NFC spelling, whichever was typed
    let r = make_group("Jose\u{301} Team").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(groups("José").await, ["Jos\u{e9} Team"]);
    // item 7: look-alike names with surrounding white space are refused
    assert_eq!(make_group("OpsX").await.status, 200);
    for bad in [
        "OpsX ",
        " OpsX",
        "OpsX\u{3000}",
        "\u{a0}OpsX",
        "OpsX\u{2003}",
        "Ops\u{200b}X",
    ] {
        assert_error(&make_group(bad).await, 400, "WKS.0002");
    }
    assert_eq!(groups("opsx").await, ["OpsX"]);

    // users: the user_name and description filters fold the same way
    for (name, description) in [("Straße", "ΟΔΟΣ"), ("Jose\u{301}", "cafe\u{301}")] {
        let r = c
            .call(
                "POST",
                &c.ws("/users"),
                Some(&json!({"user_name": name, "user_email": "x@example.com",
                             "description": description})),
            )
            .await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
    }
    let users = |k: &'static str, v: &'static str| {
        let c = &c;
        async move { found(c, "/users", k, v, "users", "user_name").await }
    };
    assert_eq!(users("user_name", "STRASSE").await, ["Straße"]);
    assert_eq!(users("user_name", "josé").await, ["Jos\u{e9}"]);
    assert_eq!(users("description", "οδος").await, ["Straße"]);
    assert_eq!(users("description", "CAFÉ").await, ["Jos\u{e9}"]);
    let r = c
        .call(
            "POST",
            &c.ws("/users"),
            Some(&json!({"user_name": "Jos\u{e9}", "user_email": "y@example.com"})),
        )
        .await;
    assert_error(&r, 409, "WKS.0201");
}

#[tokio::test]
async fn migration_0008_brings_an_old_database_along() {
    use roster::store::{Db, PoolSettings};
    let t = TestDb::new();
    // a database as the code before migration 0008 left it: rows written with the folding
    // of that code (to_lowercase, no normalization), including names that now collide or
    // break today's rules
    {
        let db = Db::connect(&t.url(), &PoolSettings::default())
            .await
            .unwrap();
        db.migrate_to(7).await.unwrap();
        db.execute(
            "INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'legacy', 0)",
            &[],
        )
        .await
        .unwrap();
        // g5 and g6: both fold anew to "massé", which no row held before
        let groups = [
            "ΚΑΣΑ-x",
            "Caf\u{e9}",
            "Cafe\u{301}",
            "bad\u{1}name",
            "OpsX ",
            "Maß\u{e9}",
            "Masse\u{301}",
        ];
        for (i, name) in groups.iter().enumerate() {
            db.execute(
                "INSERT INTO user_groups (id, account_id, name, name_fold, path, depth, \
                 created_at, updated_at) VALUES ($1, 'acc', $2, $3, $1, 1, 0, 0)",
                &[
                    format!("g{i}").into(),
                    (*name).into(),
                    name.to_lowercase().into(),
                ],
            )
            .await
            .unwrap();
        }
        let users = [
            ("STRASSE", "", ""),
            ("Straße", "ΟΔΟΣ", ""),
            ("nick", "", "Ἀλέξανδρος"),
        ];
        for (i, (name, description, alias)) in users.iter().enumerate() {
            db.execute(
                "INSERT INTO users (id, account_id, name, name_fold, description, \
                 description_fold, alias_name, active_type, created_at, updated_at) \
                 VALUES ($1, 'acc', $2, $3, $4, $5, $6, 'USER_ACTIVATE', 0, 0)",
                &[
                    format!("u{i}").into(),
                    (*name).into(),
                    name.to_lowercase().into(),
                    (*description).into(),
                    description.to_lowercase().into(),
                    (*alias).into(),
                ],
            )
            .await
            .unwrap();
        }
        db.execute("UPDATE accounts SET user_count = 3, group_count = 7", &[])
            .await
            .unwrap();
    }
    // today's code opens it
    let db = Db::connect(&t.url(), &PoolSettings::default())
        .await
        .unwrap();
    let applied = db.migrate().await.unwrap();
    assert!(applied.iter().any(|m| m.starts_with("8 ")), "{applied:?}");
    assert!(
        applied
            .iter()
            .any(|m| m.contains("fold-v2") && m.contains("3 name collisions")),
        "{applied:?}"
    );
    let (store, _) = Db::open(&t.url(), &PoolSettings::default()).await.unwrap();
    let dir = roster::core::Directory::with_store(
        store,
        std::sync::Arc::new(roster::auth::sealing::MasterKey::from_bytes(&[1u8; 32])),
    );
    let gnames = |kw: &'static str| {
        let dir = &dir;
        async move {
            let f = GroupFilter {
                keyword: Some(kw.into()),
                ..Default::default()
            };
            let l = dir.list_groups("acc", &f, Page::ALL).await.unwrap();
            l.items.into_iter().map(|g| g.id).collect::<Vec<_>>()
        }
    };
    for kw in ["ΑΣ", "ας", "ΚΑΣ"] {
        assert_eq!(gnames(kw).await, ["g0"], "{kw}");
    }
    // both spellings stay readable and are found; the first keeps the name
    assert_eq!(gnames("CAFÉ").await, ["g1", "g2"]);
    assert_eq!(gnames("MASSÉ").await, ["g5", "g6"]);
    let exact = GroupFilter {
        name: Some("Cafe\u{301}".into()),
        ..Default::default()
    };
    let l = dir.list_groups("acc", &exact, Page::ALL).await.unwrap();
    assert_eq!(
        l.items.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
        ["g1"]
    );
    assert_eq!(dir.group("acc", "g3").await.unwrap().name, "bad\u{1}name");
    let unames = |f: UserFilter| {
        let dir = &dir;
        async move {
            let l = dir.list_users("acc", &f, Page::ALL).await.unwrap();
            l.items.into_iter().map(|u| u.id).collect::<Vec<_>>()
        }
    };
    let by_name = |kw: &str| UserFilter {
        name_contains: Some(kw.into()),
        ..Default::default()
    };
    assert_eq!(unames(by_name("strasse")).await, ["u0", "u1"]);
    assert_eq!(unames(by_name("STRAß")).await, ["u0", "u1"]);
    let f = UserFilter {
        description_contains: Some("ΟΔΟΣ".into()),
        ..Default::default()
    };
    assert_eq!(unames(f).await, ["u1"]);
    let f = UserFilter {
        name_or_alias_contains: Some("ΛΈΞ".into()),
        ..Default::default()
    };
    assert_eq!(unames(f).await, ["u2"]);
    // the colliding rows can still be changed (their other fields; renamed to a free name)
    dir.set_locked("acc", "u1", true).await.unwrap();
    let p = GroupPatch {
        description: Some("still here".into()),
        ..Default::default()
    };
    dir.update_group("acc", "g2", p).await.unwrap();
    let p = GroupPatch {
        name: Some("Café 2".into()),
        ..Default::default()
    };
    assert_eq!(
        dir.update_group("acc", "g2", p).await.unwrap().name,
        "Café 2"
    );
    assert_eq!(gnames("café 2").await, ["g2"]);
    // the step ran once: opening again applies nothing
    assert!(db.migrate().await.unwrap().is_empty());
}

/// Exact-name filters and lookups get the same door as keywords: a NUL (which PostgreSQL
/// cannot even take as a parameter) or another control character is a clear 400 in the
/// face's format, never a fault of ours.
#[tokio::test]
async fn control_characters_in_name_filters_are_a_clear_400() {
    let server = Server::start();
    let a = create_account(&server.db, "acme");
    let c = server.client(&a);
    for ch in ["\u{0}", "\u{1f}", "\n"] {
        for (path, key) in [
            ("/users", "user_names"),
            ("/users", "group_name"),
            ("/users", "user_name"),
            ("/users", "description"),
            ("/groups", "keyword"),
        ] {
            let r = c
                .call("GET", &q(&c, path, key, &format!("a{ch}b")), None)
                .await;
            assert_error(&r, 400, "WKS.0001");
        }
        // an export task's filter: refused at once, not a task that fails later
        let r = c
            .call(
                "POST",
                &format!("/v3/{}/users/export", c.project),
                Some(&json!({ "user_name": format!("a{ch}b") })),
            )
            .await;
        assert_error(&r, 400, "WKS.0001");
        let r = c
            .call(
                "GET",
                &q(&c, "/export-tasks", "file_name", &format!("a{ch}b")),
                None,
            )
            .await;
        assert_error(&r, 400, "WKS.0001");
    }
}

/// Keystone's `name` is an exact match (folded, as Roster's names are unique); its string
/// comparison filters `name__[i]contains`, `name__[i]startswith`, `name__[i]endswith`
/// (Keystone API reference) compare case-sensitively, or folded with the `i` prefix.
#[tokio::test]
async fn keystone_name_filters_match_what_the_reference_says() {
    let server = Server::start();
    let a = create_account(&server.db, "acme");
    let c = server.client(&a);
    for name in ["Ops-East", "ops-west", "DevOps", "ΚΑΣΑ"] {
        let r = c
            .call(
                "POST",
                &c.ws("/groups"),
                Some(&json!({ "group_name": name })),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    for name in ["Straße", "STRASSEN", "strand"] {
        let r = c
            .call(
                "POST",
                &c.ws("/users"),
                Some(&json!({"user_name": name, "user_email": "s@example.com"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let (token, _) = common::iam::login(&server.url, &a).await;
    let list = |what: &'static str, key: &'static str, value: &'static str| {
        let (url, token) = (server.url.clone(), token.clone());
        async move {
            let r = common::iam::with_token(
                "GET",
                &format!("{url}/v3/{what}?{key}={}", pct(value)),
                &token,
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{key}={value}: {}", r.body);
            let mut names: Vec<String> = r.body[what]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_string())
                .filter(|n| n != "acme")
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(list("groups", "name", "ops-east").await, ["Ops-East"]);
    assert_eq!(
        list("groups", "name__contains", "Ops").await,
        ["DevOps", "Ops-East"]
    );
    assert_eq!(
        list("groups", "name__icontains", "OPS").await,
        ["DevOps", "Ops-East", "ops-west"]
    );
    assert_eq!(
        list("groups", "name__startswith", "Ops").await,
        ["Ops-East"]
    );
    assert_eq!(
        list("groups", "name__istartswith", "ops").await,
        ["Ops-East", "ops-west"]
    );
    assert_eq!(list("groups", "name__endswith", "Ops").await, ["DevOps"]);
    assert_eq!(
        list("groups", "name__endswith", "ops").await,
        Vec::<String>::new()
    );
    assert_eq!(
        list("groups", "name__iendswith", "WEST").await,
        ["ops-west"]
    );
    assert_eq!(list("groups", "name__iendswith", "ασα").await, ["ΚΑΣΑ"]);
    assert_eq!(list("groups", "name__istartswith", "κας").await, ["ΚΑΣΑ"]);
    assert_eq!(
        list("groups", "name__endswith", "ΚΑΣΑ-longer").await,
        Vec::<String>::new()
    );
    assert_eq!(
        list("users", "name__icontains", "strass").await,
        ["STRASSEN", "Straße"]
    );
    assert_eq!(list("users", "name__contains", "Stra").await, ["Straße"]);
    assert_eq!(
        list("users", "name__istartswith", "str").await,
        ["STRASSEN", "Straße", "strand"]
    );
    assert_eq!(list("users", "name__startswith", "str").await, ["strand"]);
    let r = common::iam::with_token(
        "GET",
        &format!("{}/v3/groups?name__contains=a%00b", server.url),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
}
