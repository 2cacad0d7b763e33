//! The IAM (Keystone v3) face over HTTP against a real `roster serve`: tokens (issue,
//! validate, revoke, expiry with a short configured lifetime), AK/SK with X-Domain-Id /
//! X-Project-Id, every error status, links behind a proxy, and routing beside the Workspace
//! face's `/v3/{project_id}/...` routes. Several nodes, key rotation and login limits:
//! tests/it/iam_nodes.rs.

use crate::common;

use std::time::Duration;

use common::iam::*;
use common::{create_account, Server, TestDb};
use serde_json::{json, Value};

#[tokio::test]
async fn tokens_issue_validate_revoke_and_expire() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &["--token-expiry", "2"]);
    let (token, body) = login(&s.url, &a).await;
    let t = &body["token"];
    assert_eq!(t["user"]["id"], a.user_id.as_str());
    assert_eq!(t["project"]["id"], a.project_id.as_str());
    assert_eq!(t["roles"][0]["name"], "admin");
    assert_eq!(
        t["catalog"][0]["endpoints"][0]["url"],
        format!("{}/v3", s.url)
    );
    let parse = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    assert_eq!(parse(&t["expires_at"]) - parse(&t["issued_at"]), 2000);

    // validation: the subject token is echoed, the body is the token's
    let v = send(
        "GET",
        &format!("{}/v3/auth/tokens?nocatalog", s.url),
        &[("x-auth-token", &token), ("x-subject-token", &token)],
        None,
    )
    .await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.headers["x-subject-token"], token.as_str());
    assert!(v.body["token"]["catalog"].is_null());

    // expiry: once the expiry time has passed the token is refused
    let expires = parse(&t["expires_at"]);
    while chrono::Utc::now().timestamp_millis() <= expires {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = with_token("GET", &format!("{}/v3/groups", s.url), &token, None).await;
    assert_keystone_error(&r, 401);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));

    // revocation (a fresh server with the default lifetime)
    drop(s);
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;
    let (other, _) = login(&s.url, &a).await;
    let r = send(
        "DELETE",
        &format!("{}/v3/auth/tokens", s.url),
        &[("x-auth-token", &other), ("x-subject-token", &token)],
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let r = with_token("GET", &format!("{}/v3/groups", s.url), &token, None).await;
    assert_keystone_error(&r, 401);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    assert_eq!(
        with_token("GET", &format!("{}/v3/groups", s.url), &other, None)
            .await
            .status,
        200
    );
}

/// A new password ends the tokens issued with the old one (Keystone revokes a user's tokens on
/// a password change); other changes to the user, and other users' tokens, do not.
#[tokio::test]
async fn a_password_change_ends_the_users_earlier_tokens() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (admin, _) = login(&s.url, &a).await;
    let r = with_token(
        "POST",
        &format!("{}/v3/users", s.url),
        &admin,
        Some(&json!({"user": {"name": "pat", "password": "Old7#pass9"}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let own = format!(
        "{}/v3/users/{}",
        s.url,
        r.body["user"]["id"].as_str().unwrap()
    );
    let pat_login = |password: &'static str| {
        let url = format!("{}/v3/auth/tokens", s.url);
        async move {
            send(
                "POST",
                &url,
                &[],
                Some(&password_auth("acme", "pat", password, Value::Null)),
            )
            .await
        }
    };
    let r = pat_login("Old7#pass9").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let old = r.headers["x-subject-token"].to_str().unwrap().to_string();
    assert_eq!(with_token("GET", &own, &old, None).await.status, 200);

    // a change that is not the password leaves the token working
    let r = with_token(
        "PATCH",
        &own,
        &admin,
        Some(&json!({"user": {"description": "still pat"}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(with_token("GET", &own, &old, None).await.status, 200);

    tokio::time::sleep(Duration::from_millis(10)).await;
    let r = with_token(
        "PATCH",
        &own,
        &admin,
        Some(&json!({"user": {"password": "New8#pass0"}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // refused at once on the node that made the change (others: within iam::state::USER_TTL)
    let r = with_token("GET", &own, &old, None).await;
    assert_keystone_error(&r, 401);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{}",
        r.body
    );
    assert_keystone_error(&pat_login("Old7#pass9").await, 401);
    let r = pat_login("New8#pass0").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let new = r.headers["x-subject-token"].to_str().unwrap().to_string();
    assert_eq!(with_token("GET", &own, &new, None).await.status, 200);
    // the admin's token was not the changed user's
    let r = with_token("GET", &format!("{}/v3/groups", s.url), &admin, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn aksk_domain_and_project_headers_and_error_statuses() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    let s = Server::start_on(&db, &["--public-url", "https://iam.example.com/"]);
    let u = &s.url;

    // bodies: over axum's 2 MiB default but within max_body_bytes (16 MiB) reach the handler
    // (a 400 for this shape); over max_body_bytes, a 413; both in Keystone's format
    let tokens = format!("{u}/v3/auth/tokens");
    let big = json!({ "auth": "x".repeat(3 << 20) });
    assert_keystone_error(&send("POST", &tokens, &[], Some(&big)).await, 400);
    let huge = json!({ "auth": "x".repeat(17 << 20) });
    assert_keystone_error(&send("POST", &tokens, &[], Some(&huge)).await, 413);

    // GlobalCredentials: X-Domain-Id must be the caller's domain
    let dom = [("x-domain-id", a.domain_id.as_str())];
    let r = signed("GET", u, "/v3/groups", &a, &dom, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["links"]["self"], "https://iam.example.com/v3/groups");
    let r = signed(
        "GET",
        u,
        "/v3/groups",
        &a,
        &[("x-domain-id", &b.domain_id)],
        None,
    )
    .await;
    assert_keystone_error(&r, 403);
    // BasicCredentials: X-Project-Id must be a project of the caller's account
    let r = signed(
        "GET",
        u,
        "/v3/groups",
        &a,
        &[("x-project-id", &a.project_id)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = signed(
        "GET",
        u,
        "/v3/groups",
        &a,
        &[("x-project-id", &b.project_id)],
        None,
    )
    .await;
    assert_keystone_error(&r, 403);

    // 201 and links on the configured public URL; create_time in milliseconds
    let g = json!({"group": {"name": "dev", "description": "d"}});
    let r = signed("POST", u, "/v3/groups", &a, &dom, Some(&g)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.body["group"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.body["group"]["links"]["self"],
        format!("https://iam.example.com/v3/groups/{gid}")
    );
    assert!(r.body["group"]["create_time"].as_i64().unwrap() > 1_600_000_000_000);

    // 409: duplicate names, case-insensitively
    let r = signed(
        "POST",
        u,
        "/v3/groups",
        &a,
        &dom,
        Some(&json!({"group": {"name": "DEV"}})),
    )
    .await;
    assert_keystone_error(&r, 409);
    let user = json!({"user": {"name": "bob", "password": "Xy7#kLm2pQ"}});
    assert_eq!(
        signed("POST", u, "/v3/users", &a, &dom, Some(&user))
            .await
            .status,
        201
    );
    assert_keystone_error(
        &signed("POST", u, "/v3/users", &a, &dom, Some(&user)).await,
        409,
    );
    // 400: malformed body, missing name, bad name, bad paging
    assert_keystone_error(
        &signed("POST", u, "/v3/groups", &a, &dom, Some(&json!({"nope": 1}))).await,
        400,
    );
    assert_keystone_error(
        &signed(
            "POST",
            u,
            "/v3/groups",
            &a,
            &dom,
            Some(&json!({"group": {}})),
        )
        .await,
        400,
    );
    assert_keystone_error(
        &signed(
            "POST",
            u,
            "/v3/groups",
            &a,
            &dom,
            Some(&json!({"group": {"name": ""}})),
        )
        .await,
        400,
    );
    assert_keystone_error(
        &signed("GET", u, "/v3/groups?per_page=0", &a, &dom, None).await,
        400,
    );
    // 404: unknown group, unknown user, non-member, unknown route under /v3
    let missing = "0".repeat(32);
    assert_keystone_error(
        &signed("GET", u, &format!("/v3/groups/{missing}"), &a, &dom, None).await,
        404,
    );
    assert_keystone_error(
        &signed("GET", u, &format!("/v3/users/{missing}"), &a, &dom, None).await,
        404,
    );
    let r = signed(
        "PUT",
        u,
        &format!("/v3/groups/{gid}/users/{}", a.user_id),
        &a,
        &dom,
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let r = signed(
        "DELETE",
        u,
        &format!("/v3/groups/{gid}/users/{}", a.user_id),
        &a,
        &dom,
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    assert_keystone_error(
        &signed(
            "DELETE",
            u,
            &format!("/v3/groups/{gid}/users/{}", a.user_id),
            &a,
            &dom,
            None,
        )
        .await,
        404,
    );
    assert_keystone_error(
        &signed("GET", u, "/v3/nothing/here", &a, &dom, None).await,
        404,
    );
    assert_keystone_error(
        &send("GET", &format!("{u}/v3/nothing"), &[], None).await,
        404,
    );
    // another account's group is as unknown as a missing one
    let r = signed("GET", u, &format!("/v3/groups/{gid}"), &b, &[], None).await;
    assert_keystone_error(&r, 404);
    // 401: no credentials, a bad token, a wrong signature
    assert_keystone_error(
        &send("GET", &format!("{u}/v3/groups"), &[], None).await,
        401,
    );
    assert_keystone_error(
        &with_token("GET", &format!("{u}/v3/groups"), "deadbeefAAAA", None).await,
        401,
    );
    let mut wrong = a.clone();
    wrong.secret_key.push('x');
    assert_keystone_error(
        &signed("GET", u, "/v3/groups", &wrong, &dom, None).await,
        401,
    );
    // 405 in Keystone's format
    assert_keystone_error(&signed("PUT", u, "/v3/groups", &a, &dom, None).await, 405);
    // discovery: only the caller's own domain and projects
    let r = signed("GET", u, "/v3/auth/domains", &a, &[], None).await;
    assert_eq!(r.body["domains"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["domains"][0]["id"], a.domain_id.as_str());
    let r = signed("GET", u, "/v3/projects?name=default", &b, &[], None).await;
    assert_eq!(r.body["projects"][0]["id"], b.project_id.as_str());
    // a domain's non-administrator gets 403 on administration
    let (tok, _) = {
        let r = send(
            "POST",
            &format!("{u}/v3/auth/tokens"),
            &[],
            Some(&password_auth(
                "acme",
                "bob",
                "Xy7#kLm2pQ",
                json!({"domain": {"name": "acme"}}),
            )),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        // bob holds no role on the domain: the token lists none (the root user: admin)
        assert_eq!(r.body["token"]["roles"], json!([]));
        (
            r.headers["x-subject-token"].to_str().unwrap().to_string(),
            r.body,
        )
    };
    assert_keystone_error(
        &with_token("GET", &format!("{u}/v3/users"), &tok, None).await,
        403,
    );
    // a token request for another domain's project is refused like a bad password
    let r = send(
        "POST",
        &format!("{u}/v3/auth/tokens"),
        &[],
        Some(&password_auth(
            "acme",
            "acme",
            &a.password,
            json!({"project": {"id": b.project_id}}),
        )),
    )
    .await;
    assert_keystone_error(&r, 401);
}

/// The Workspace face's `/v3/{project_id}/...` export routes live beside IAM's literal
/// `/v3/users/...` and `/v3/groups/...` paths: each request reaches its own face (told apart
/// by the face's own 401 format).
#[tokio::test]
async fn iam_routes_live_beside_a_project_id_route_under_v3() {
    use axum::body::Body;
    use tower::ServiceExt;

    let (dir, _account, _db) = common::directory().await;
    let state = roster::http::AppState::new(dir, 1 << 20);
    let app = roster::http::router(state);
    let call = |method: &str, path: &str| {
        http::Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap()
    };
    let body = |r: axum::response::Response| async move {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    for (method, path) in [
        ("GET", "/v3/users/0123/groups"),
        ("GET", "/v3/groups"),
        ("GET", "/v3/groups/0123/users"),
        ("PUT", "/v3/groups/0123/users/0456"),
    ] {
        let r = app.clone().oneshot(call(method, path)).await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let v = body(r).await;
        assert_eq!(v["error"]["code"], 401, "IAM answered {path}: {v}");
    }
    for (method, path) in [
        ("POST", "/v3/abc/users/export"),
        ("POST", "/v3/abc/groups/export"),
        ("GET", "/v3/abc/groups/0123/users/export"),
    ] {
        let r = app.clone().oneshot(call(method, path)).await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let v = body(r).await;
        assert_eq!(
            v["error_code"], "APIGW.0301",
            "Workspace answered {path}: {v}"
        );
    }
}

/// A body over max_body_bytes gets its 413 even when the client sends all of it before it
/// reads: the server drains the excess (up to `DRAIN_MAX_BYTES`) instead of closing with
/// unread bytes in its socket, which made the kernel reset the connection and the client
/// see a broken pipe instead of the answer (a flaky 413 in the test above).
#[test]
fn an_oversized_body_is_answered_after_it_is_sent() {
    use std::io::{Read, Write};
    let db = TestDb::new();
    let cfg = db.data_dir().join("roster.toml");
    std::fs::write(&cfg, "max_body_bytes = 1024\n").unwrap();
    let server = Server::start_on(&db, &["--config", cfg.to_str().unwrap()]);
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_write_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    // far more than loopback's socket buffers hold, well within what the server drains
    let len = 16 << 20;
    write!(
        s,
        "POST /v3/auth/tokens HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {len}\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b' '; 64 << 10];
    for _ in 0..len / chunk.len() {
        s.write_all(&chunk)
            .expect("the server reads the whole body before it answers");
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).expect("the answer arrives");
    assert_eq!(&head, b"HTTP/1.1 413");
}
