//! Keystone lists over HTTP against a real `roster serve` (SQLite, or PostgreSQL with
//! ROSTER_TEST_DATABASE=postgres): whole lists past 1,000 entries (streamed), the
//! configured `list_limit` and `"truncated": true`, the filters of every list route
//! (sub-collections included), and query strings read with `+` as a space on every face;
//! Workspace ListUsers' desktop flags.

use crate::common;

use std::process::Command;

use common::iam::*;
use common::{create_account, Creds, Server, TestDb, BIN};
use serde_json::{json, Value};

fn seed(db: &TestDb, a: &Creds, users: u64, groups: u64) {
    let out = Command::new(BIN)
        .args(["seed", "--project-id", &a.project_id])
        .args([
            "--users",
            &users.to_string(),
            "--groups",
            &groups.to_string(),
        ])
        .args(["--max-depth", "1", "--memberships", "0"])
        .args(db.args())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

fn names(v: &Value, key: &str) -> Vec<String> {
    let mut n: Vec<String> = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

/// Keystone applies no limit unless one is configured: 1,001 groups and users come back
/// whole, in creation order, streamed (no Content-Length), with no `truncated`.
#[tokio::test]
async fn lists_past_1000_are_whole_and_a_configured_limit_says_truncated() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    seed(&db, &a, 1001, 1001);
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;

    let r = with_token("GET", &format!("{}/v3/groups", s.url), &token, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let groups = ids(&r.body, "groups");
    assert_eq!(groups.len(), 1001);
    assert!(!r.headers.contains_key("content-length"), "streamed");
    assert_eq!(r.headers["content-type"], "application/json");
    let mut sorted = groups.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 1001, "no group twice");
    assert!(r.body.get("truncated").is_none());
    assert_eq!(r.body["links"]["self"], format!("{}/v3/groups", s.url));
    assert!(r.body["links"]["next"].is_null());

    let r = with_token("GET", &format!("{}/v3/users", s.url), &token, None).await;
    assert_eq!(
        ids(&r.body, "users").len(),
        1002,
        "the root user and 1,001 more"
    );
    assert!(r.body.get("truncated").is_none());

    // a page asked for is still a page, linked to the next
    let r = with_token(
        "GET",
        &format!("{}/v3/groups?per_page=1000", s.url),
        &token,
        None,
    )
    .await;
    assert_eq!(ids(&r.body, "groups"), groups[..1000]);
    assert_eq!(
        r.body["links"]["next"],
        format!("{}/v3/groups?page=2&per_page=1000", s.url)
    );

    // list_limit = 1000 (flag): the first 1,000 and "truncated": true
    drop(s);
    let s = Server::start_on(&db, &["--list-limit", "1000"]);
    let r = with_token("GET", &format!("{}/v3/groups", s.url), &token, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.body, "groups"), groups[..1000]);
    assert_eq!(r.body["truncated"], true);
    let r = with_token("GET", &format!("{}/v3/users", s.url), &token, None).await;
    assert_eq!(ids(&r.body, "users").len(), 1000);
    assert_eq!(r.body["truncated"], true);
    // a list the limit does not cut says nothing
    let r = with_token("GET", &format!("{}/v3/projects", s.url), &token, None).await;
    assert_eq!(r.body["projects"].as_array().unwrap().len(), 1);
    assert!(r.body.get("truncated").is_none());

    // list_limit from the config file, above the list's length: whole, not truncated
    drop(s);
    let cfg = config_file(&db, "list_limit = 1001\n");
    let s = Server::start_on(&db, &["--config", &cfg]);
    let r = with_token("GET", &format!("{}/v3/groups", s.url), &token, None).await;
    assert_eq!(ids(&r.body, "groups"), groups);
    assert!(r.body.get("truncated").is_none());
    let r = with_token("GET", &format!("{}/v3/users", s.url), &token, None).await;
    assert_eq!(ids(&r.body, "users").len(), 1001);
    assert_eq!(r.body["truncated"], true);
}

/// A group's members past 1,000, and a user's groups past 1,000, are whole too.
#[tokio::test]
async fn sub_collections_past_1000_are_whole() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    seed(&db, &a, 1001, 1001);
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;
    let c = s.client(&a);
    let users = ids(
        &with_token("GET", &format!("{}/v3/users", s.url), &token, None)
            .await
            .body,
        "users",
    );
    let groups = ids(
        &with_token("GET", &format!("{}/v3/groups", s.url), &token, None)
            .await
            .body,
        "groups",
    );
    assert_eq!((users.len(), groups.len()), (1002, 1001));
    let g = &groups[0];
    let seeded: Vec<String> = users.iter().filter(|u| **u != a.user_id).cloned().collect();
    for chunk in seeded.chunks(1000) {
        let r = c
            .call(
                "POST",
                &c.ws(&format!("/groups/{g}/actions")),
                Some(&json!({"op_type": "ADD", "user_ids": chunk})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = with_token(
        "GET",
        &format!("{}/v3/groups/{g}/users", s.url),
        &token,
        None,
    )
    .await;
    assert_eq!(ids(&r.body, "users"), seeded);

    // one user in all 1,001 groups: one PUT per group through IAM, 50 at a time
    let u = &seeded[0];
    let mut pending = Vec::new();
    for gid in &groups {
        let url = format!("{}/v3/groups/{gid}/users/{u}", s.url);
        let token = token.clone();
        pending.push(tokio::spawn(async move {
            with_token("PUT", &url, &token, None).await.status
        }));
        if pending.len() == 50 {
            for p in pending.drain(..) {
                assert_eq!(p.await.unwrap(), 204);
            }
        }
    }
    for p in pending.drain(..) {
        assert_eq!(p.await.unwrap(), 204);
    }
    let r = with_token(
        "GET",
        &format!("{}/v3/users/{u}/groups", s.url),
        &token,
        None,
    )
    .await;
    assert_eq!(ids(&r.body, "groups"), groups, "in group creation order");

    // a group or user that does not exist is a 404 before any byte of the list
    for path in ["/v3/groups/nope/users", "/v3/users/nope/groups"] {
        let r = with_token("GET", &format!("{}{path}", s.url), &token, None).await;
        assert_keystone_error(&r, 404);
    }
}

/// Every Keystone filter of every list route is applied, or refused with a 400; unknown
/// parameters are ignored as Keystone ignores them.
#[tokio::test]
async fn every_keystone_list_applies_its_filters() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;
    let url = |p: &str| format!("{}{p}", s.url);
    let post = |path: &'static str, body: Value| {
        let (url, token) = (url(path), token.clone());
        async move {
            let r = with_token("POST", &url, &token, Some(&body)).await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.body
        }
    };
    let g = post("/v3/groups", json!({"group": {"name": "qa team X"}})).await["group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = post("/v3/groups", json!({"group": {"name": "ops"}})).await["group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut uid = std::collections::HashMap::new();
    for (name, enabled) in [("alice", true), ("bob", false), ("carol", true)] {
        let u = post(
            "/v3/users",
            json!({"user": {"name": name, "enabled": enabled, "password": "Secret-Passw0rd"}}),
        )
        .await;
        let id = u["user"]["id"].as_str().unwrap().to_string();
        uid.insert(name, id.clone());
        if name != "carol" {
            let r = with_token(
                "PUT",
                &url(&format!("/v3/groups/{g}/users/{id}")),
                &token,
                None,
            )
            .await;
            assert_eq!(r.status, 204);
        }
    }
    let r = with_token(
        "PUT",
        &url(&format!("/v3/groups/{other}/users/{}", uid["alice"])),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let get = |path: String| {
        let (url, token) = (url(&path), token.clone());
        async move { with_token("GET", &url, &token, None).await }
    };
    let members = format!("/v3/groups/{g}/users");

    // /v3/groups/{id}/users: enabled, name, password_expires_at, domain_id
    for (q, want) in [
        ("", vec!["alice", "bob"]),
        ("?enabled=false", vec!["bob"]),
        ("?enabled=False", vec!["bob"]),
        ("?enabled=true", vec!["alice"]),
        ("?name=alice", vec!["alice"]),
        ("?name=ALICE", vec!["alice"]),
        ("?name=carol", vec![]),
        ("?name=alice&enabled=false", vec![]),
        ("?password_expires_at=lt:2030-01-01T00:00:00Z", vec![]),
        ("?password_expires_at=2030-01-01T00:00:00Z", vec![]),
        ("?per_page=10&enabled=false", vec!["bob"]),
        (
            "?per_page=10&password_expires_at=gt:2000-01-01T00:00:00Z",
            vec![],
        ),
        ("?unknown=1", vec!["alice", "bob"]),
        // Keystone's string comparison filters apply wherever `name` does
        ("?name__contains=li", vec!["alice"]),
        ("?name__contains=LI", vec![]),
        ("?name__icontains=LI", vec!["alice"]),
        ("?name__startswith=b", vec!["bob"]),
        ("?name__iendswith=CE&enabled=true", vec!["alice"]),
    ] {
        let r = get(format!("{members}{q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(names(&r.body, "users"), want, "{q}");
    }
    let r = get(format!("{members}?domain_id={}", a.domain_id)).await;
    assert_eq!(names(&r.body, "users"), ["alice", "bob"]);
    assert_keystone_error(&get(format!("{members}?domain_id=elsewhere")).await, 403);
    for bad in [
        "?enabled=maybe",
        "?password_expires_at=soon",
        "?password_expires_at=lt:soon",
        "?name__like=al",
        "?domain_id__contains=x",
        "?per_page=0",
    ] {
        assert_keystone_error(&get(format!("{members}{bad}")).await, 400);
    }

    // /v3/users: the same, and the federation filters (no user is federated)
    for (q, want) in [
        ("?enabled=false", vec!["bob"]),
        ("?name=carol", vec!["carol"]),
        ("?password_expires_at=lt:2030-01-01T00:00:00Z", vec![]),
        ("?idp_id=x", vec![]),
        ("?protocol_id=saml2", vec![]),
        ("?unique_id=u", vec![]),
    ] {
        let r = get(format!("/v3/users{q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(names(&r.body, "users"), want, "{q}");
    }
    let r = get("/v3/users?name__icontains=AR".into()).await;
    assert_eq!(names(&r.body, "users"), ["carol"]);
    assert_keystone_error(&get("/v3/users?domain_id__contains=a".into()).await, 400);

    // /v3/groups: name, domain_id
    let r = get("/v3/groups?name=ops".into()).await;
    assert_eq!(names(&r.body, "groups"), ["ops"]);
    assert_keystone_error(&get("/v3/groups?domain_id=elsewhere".into()).await, 403);
    let r = get("/v3/groups?name__startswith=o".into()).await;
    assert_eq!(names(&r.body, "groups"), ["ops"]);
    assert_keystone_error(&get("/v3/groups?name__regex=o".into()).await, 400);

    // /v3/users/{id}/groups: name
    let of_alice = format!("/v3/users/{}/groups", uid["alice"]);
    let r = get(of_alice.clone()).await;
    assert_eq!(names(&r.body, "groups"), ["ops", "qa team X"]);
    let r = get(format!("{of_alice}?name=ops")).await;
    assert_eq!(names(&r.body, "groups"), ["ops"]);
    let r = get(format!("{of_alice}?name=ops&per_page=5")).await;
    assert_eq!(names(&r.body, "groups"), ["ops"]);
    let r = get(format!("{of_alice}?name__contains=team")).await;
    assert_eq!(names(&r.body, "groups"), ["qa team X"]);

    // /v3/projects: name, enabled (the same words as on users), is_domain, parent_id
    for (q, want) in [
        ("?enabled=1", 1),
        ("?enabled=no", 0),
        ("?is_domain=true", 0),
        ("?name=default", 1),
        ("?name=other", 0),
        (&format!("?parent_id={}", a.domain_id), 1),
    ] {
        let r = get(format!("/v3/projects{q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(r.body["projects"].as_array().unwrap().len(), want, "{q}");
    }
    assert_keystone_error(&get("/v3/projects?name__contains=d".into()).await, 400);
}

/// `+` in a query string is a space and `%2B` a plus, on every face; links write spaces as
/// `%20`, so they mean the query they came from.
#[tokio::test]
async fn plus_in_a_query_is_a_space_on_every_face() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;
    for name in ["qa team X", "c++"] {
        let r = with_token(
            "POST",
            &format!("{}/v3/groups", s.url),
            &token,
            Some(&json!({"group": {"name": name}})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // Keystone, as keystoneclient sends it
    for (q, want) in [
        ("name=qa+team+X", vec!["qa team X"]),
        ("name=qa%20team%20X", vec!["qa team X"]),
        ("name=c%2B%2B", vec!["c++"]),
        ("name=c++", vec![]),
    ] {
        let r = with_token("GET", &format!("{}/v3/groups?{q}", s.url), &token, None).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(names(&r.body, "groups"), want, "{q}");
    }
    let r = with_token(
        "GET",
        &format!("{}/v3/groups?name=qa+team+X&page=1", s.url),
        &token,
        None,
    )
    .await;
    let link = r.body["links"]["self"].as_str().unwrap().to_string();
    assert_eq!(
        link,
        format!(
            "{}/v3/groups?name=qa%20team%20X&page=1&per_page=1000",
            s.url
        )
    );
    let again = with_token("GET", &link, &token, None).await;
    assert_eq!(names(&again.body, "groups"), ["qa team X"]);
    let r = with_token(
        "GET",
        &format!("{}/v3/groups?name=c%2B%2B", s.url),
        &token,
        None,
    )
    .await;
    assert_eq!(
        r.body["links"]["self"],
        format!("{}/v3/groups?name=c%2B%2B", s.url)
    );

    // the same through AK/SK: the signature covers the bytes sent, `+` included
    let dom = [("x-domain-id", a.domain_id.as_str())];
    let r = signed("GET", &s.url, "/v3/groups?name=qa+team+X", &a, &dom, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body, "groups"), ["qa team X"]);

    // Workspace
    let c = s.client(&a);
    for (q, want) in [
        ("keyword=team+X", vec!["qa team X"]),
        ("keyword=team%20X", vec!["qa team X"]),
        ("keyword=c%2B", vec!["c++"]),
    ] {
        let r = c.call("GET", &c.ws(&format!("/groups?{q}")), None).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        let got: Vec<&str> = r.body["user_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(got, want, "{q}");
    }
}

/// Workspace's ListUsers desktop flags are applied, not ignored: no user has a shared-space
/// subscription or desktops, so asking for them finds no one; not a boolean is a 400.
#[tokio::test]
async fn workspace_desktop_filters_are_applied() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let c = s.client(&a);
    let g = c
        .call(
            "POST",
            &c.ws("/groups"),
            Some(&json!({"group_name": "desk"})),
        )
        .await;
    assert_eq!(g.status, 200, "{}", g.body);
    let gid = g.body["id"].as_str().unwrap().to_string();
    let r = c
        .call(
            "POST",
            &c.ws(&format!("/groups/{gid}/actions")),
            Some(&json!({"op_type": "ADD", "user_ids": [a.user_id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for path in [c.ws("/users"), c.ws(&format!("/groups/{gid}/users"))] {
        for (q, want) in [
            ("", 1),
            ("share_space_subscription=false", 1),
            ("share_space_subscription=true", 0),
            ("share_space_desktops=true", 0),
            ("share_space_desktops=false", 1),
            ("is_query_total_desktops=true", 1),
        ] {
            let r = c.call("GET", &format!("{path}?{q}"), None).await;
            assert_eq!(r.status, 200, "{path}?{q}: {}", r.body);
            assert_eq!(r.body["total_count"], want, "{path}?{q}");
            assert_eq!(
                r.body["users"].as_array().unwrap().len(),
                want,
                "{path}?{q}"
            );
        }
        let r = c
            .call("GET", &format!("{path}?share_space_desktops=maybe"), None)
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["error_code"], "WKS.0001");
    }
    // the group must exist even when the flags match no one
    let r = c
        .call(
            "GET",
            &c.ws(&format!(
                "/groups/{}/users?share_space_subscription=true",
                "0".repeat(32)
            )),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}
