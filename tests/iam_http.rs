//! The IAM (Keystone v3) face over HTTP against real `roster serve` processes: tokens
//! (expiry, rotation across a restart, revocation and disabling seen by a second node),
//! failed-login limits, AK/SK with X-Domain-Id / X-Project-Id, every error status, links
//! behind a proxy, and routing beside the Workspace face's `/v3/{project_id}/...` routes.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{create_account, Creds, Server, TestDb, BIN};
use reqwest::header::HeaderMap;
use roster::auth::sdk_hmac;
use serde_json::{json, Value};

struct Resp {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Resp {
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.expect("request sent");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.unwrap();
    Resp {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn password_auth(domain: &str, user: &str, password: &str, scope: Value) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": scope,
    }})
}

/// Logs in as the account's root user, scoped to its project; returns (token, body).
async fn login(url: &str, c: &Creds) -> (String, Value) {
    let r = send(
        "POST",
        &format!("{url}/v3/auth/tokens"),
        &[],
        Some(&password_auth(
            &c.domain_name,
            &c.user_name,
            &c.password,
            json!({"project": {"id": c.project_id}}),
        )),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.headers["x-subject-token"].to_str().unwrap().to_string();
    (token, r.body)
}

async fn with_token(method: &str, url: &str, token: &str, body: Option<&Value>) -> Resp {
    send(method, url, &[("x-auth-token", token)], body).await
}

/// An AK/SK-signed request with the given extra headers (X-Domain-Id or X-Project-Id).
async fn signed(
    method: &str,
    base: &str,
    path: &str,
    c: &Creds,
    extra: &[(&str, &str)],
    body: Option<&Value>,
) -> Resp {
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("host", base.trim_start_matches("http://").parse().unwrap());
    headers.insert(
        "x-sdk-date",
        chrono::Utc::now()
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
            .parse()
            .unwrap(),
    );
    for (k, v) in extra {
        headers.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let raw = sdk_hmac::RawRequest {
        method,
        path: p,
        query: q,
        headers: &headers,
        body: &bytes,
    };
    let auth = sdk_hmac::authorization_for(&raw, &c.access_key, &c.secret_key).unwrap();
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("authorization", auth);
    for (k, v) in headers.iter() {
        if k != "host" {
            req = req.header(k.as_str(), v.to_str().unwrap());
        }
    }
    let r = req.body(bytes).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
    }
}

fn assert_keystone_error(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error"]["code"], status, "{}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(r.body["error"]["title"].is_string(), "{}", r.body);
    assert!(r.headers.contains_key("x-request-id"));
}

/// Polls `check` until it is true; the caches have bounds of a few seconds, and this waits
/// up to 30 s for them (generous on a loaded machine: not a timing assertion).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn config_file(db: &TestDb, text: &str) -> String {
    let p = db.data_dir().join("roster.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

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

#[tokio::test]
async fn keys_rotate_across_a_restart_and_old_tokens_stay_valid() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (old, _) = login(&s.url, &a).await;
    drop(s);

    let out = Command::new(BIN)
        .args(["keys", "rotate"])
        .args(db.args())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new_id = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(new_id.len(), 8);
    assert_ne!(
        &old[..8],
        new_id,
        "the new key is not the one that sealed the old token"
    );
    let list = Command::new(BIN)
        .args(["keys", "list"])
        .args(db.args())
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(list.starts_with(&format!("{new_id}  primary")), "{list}");
    assert!(
        list.contains(&format!("{}  secondary", &old[..8])),
        "{list}"
    );

    let s = Server::start_on(&db, &[]);
    let (new, _) = login(&s.url, &a).await;
    assert_eq!(
        &new[..8],
        new_id,
        "new tokens are sealed with the new primary"
    );
    for t in [&old, &new] {
        let r = with_token("GET", &format!("{}/v3/groups", s.url), t, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // a user may be named by id as well
    let r = send(
        "POST",
        &format!("{}/v3/auth/tokens?nocatalog=1", s.url),
        &[],
        Some(
            &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "id": a.user_id, "password": a.password}}}}}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["token"]["user"]["name"], "acme");
    drop(s);

    // with a 1 s token lifetime, a key retired more than 1 s ago is deleted by the next
    // rotation: no live token can name it
    std::thread::sleep(Duration::from_millis(1100));
    let out = Command::new(BIN)
        .args(["keys", "rotate", "--token-expiry", "1"])
        .args(db.args())
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains(&format!("deleted token key {}", &old[..8])),
        "{said}"
    );
    let list = Command::new(BIN)
        .args(["keys", "list"])
        .args(db.args())
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(!list.contains(&old[..8]), "{list}");
    assert!(list.contains(&format!("{new_id}  secondary")), "{list}");
}

#[tokio::test]
async fn a_second_node_sees_revocation_disabling_and_new_keys() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let (n1, n2) = (Server::start_on(&db, &[]), Server::start_on(&db, &[]));
    let (admin, _) = login(&n1.url, &a).await;
    let (victim, _) = login(&n1.url, &a).await;
    // node 2 trusts node 1's tokens without any shared state but the database
    assert_eq!(
        with_token("GET", &format!("{}/v3/groups", n2.url), &victim, None)
            .await
            .status,
        200
    );
    let r = send(
        "DELETE",
        &format!("{}/v3/auth/tokens", n1.url),
        &[("x-auth-token", &admin), ("x-subject-token", &victim)],
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    eventually("node 2 refuses the revoked token", || async {
        with_token("GET", &format!("{}/v3/groups", n2.url), &victim, None)
            .await
            .status
            == 401
    })
    .await;

    // a user disabled on node 1 loses its token on node 2
    let r = with_token(
        "POST",
        &format!("{}/v3/users", n1.url),
        &admin,
        Some(&json!({"user": {"name": "temp", "password": "Xy7#kLm2pQ"}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let uid = r.body["user"]["id"].as_str().unwrap().to_string();
    let r = send(
        "POST",
        &format!("{}/v3/auth/tokens", n2.url),
        &[],
        Some(&password_auth("acme", "temp", "Xy7#kLm2pQ", Value::Null)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let temp = r.headers["x-subject-token"].to_str().unwrap().to_string();
    let own = format!("{}/v3/users/{uid}", n2.url);
    assert_eq!(with_token("GET", &own, &temp, None).await.status, 200);
    let r = with_token(
        "PATCH",
        &format!("{}/v3/users/{uid}", n1.url),
        &admin,
        Some(&json!({"user": {"enabled": false}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["user"]["enabled"], false);
    eventually("node 2 refuses the disabled user's token", || async {
        with_token("GET", &own, &temp, None).await.status == 401
    })
    .await;

    // a key rotated while both run: node 2 validates node 1's new tokens
    let out = Command::new(BIN)
        .args(["keys", "rotate"])
        .args(db.args())
        .output()
        .unwrap();
    assert!(out.status.success());
    let new_id = String::from_utf8(out.stdout).unwrap();
    let new_id = new_id.trim().rsplit(' ').next().unwrap().to_string();
    // node 1 takes the new primary within iam::state::KEYS_TTL
    let start = Instant::now();
    let fresh = loop {
        let (t, _) = login(&n1.url, &a).await;
        if t[..8] == new_id {
            break t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "node 1 never used the new key"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let r = with_token("GET", &format!("{}/v3/groups", n2.url), &fresh, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn failed_logins_are_limited_per_user_and_per_address() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let cfg = config_file(
        &db,
        "login_max_failures_per_user = 3\nlogin_max_failures_per_addr = 6\nlogin_failure_window = 600\n",
    );
    let s = Server::start_on(&db, &["--config", &cfg]);
    let tokens = format!("{}/v3/auth/tokens", s.url);
    let attempt = |user: &str, pw: &str| {
        let body = password_auth("acme", user, pw, Value::Null);
        let tokens = tokens.clone();
        async move { send("POST", &tokens, &[], Some(&body)).await }
    };
    for _ in 0..3 {
        assert_keystone_error(&attempt("acme", "Wrong#Pass1").await, 401);
    }
    // the user is now refused, even with the right password, and told when to come back
    let r = attempt("acme", &a.password).await;
    assert_keystone_error(&r, 429);
    let wait: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");

    // other user names from the same address: three more failures use up the address
    for name in ["ghost1", "ghost2", "ghost3"] {
        assert_keystone_error(&attempt(name, "Wrong#Pass1").await, 401);
    }
    assert_keystone_error(&attempt("ghost4", "Wrong#Pass1").await, 429);
    // the counts live in the database: a second node refuses too
    let s2 = Server::start_on(&db, &["--config", &cfg]);
    let r = send(
        "POST",
        &format!("{}/v3/auth/tokens", s2.url),
        &[],
        Some(&password_auth("acme", "acme", &a.password, Value::Null)),
    )
    .await;
    assert_keystone_error(&r, 429);
}

#[tokio::test]
async fn aksk_domain_and_project_headers_and_error_statuses() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    let s = Server::start_on(&db, &["--public-url", "https://iam.example.com/"]);
    let u = &s.url;

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
        assert_eq!(r.body["token"]["roles"][0]["name"], "member");
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

/// The Workspace face's `/v3/{project_id}/...` export routes (added beside IAM) must not
/// capture IAM's literal `/v3/users/...` and `/v3/groups/...` paths, nor the other way round.
#[tokio::test]
async fn iam_routes_live_beside_a_project_id_route_under_v3() {
    use axum::body::Body;
    use tower::ServiceExt;

    let (dir, _account, _db) = common::directory().await;
    let state = roster::http::AppState::new(dir, 1 << 20);
    let app = roster::http::router(state).merge(
        axum::Router::new()
            .route(
                "/v3/{project_id}/users/export",
                axum::routing::post(|| async { "workspace export" }),
            )
            .route(
                "/v3/{project_id}/groups/export",
                axum::routing::post(|| async { "workspace export" }),
            ),
    );
    let call = |method: &str, path: &str| {
        http::Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap()
    };
    let r = app
        .clone()
        .oneshot(call("GET", "/v3/users/0123/groups"))
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "IAM's authentication answered");
    let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], 401, "{v}");
    let r = app
        .clone()
        .oneshot(call("POST", "/v3/abc/users/export"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app.oneshot(call("GET", "/v3/groups")).await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn behind_a_trusted_proxy_logins_count_against_the_forwarded_client() {
    let db = TestDb::new();
    create_account(&db, "acme");
    let cfg = config_file(
        &db,
        "login_max_failures_per_user = 100\nlogin_max_failures_per_addr = 2\ntrusted_proxies = [\"127.0.0.1\"]\n",
    );
    let s = Server::start_on(&db, &["--config", &cfg]);
    let tokens = format!("{}/v3/auth/tokens", s.url);
    let body = password_auth("acme", "acme", "Wrong#Pass1", Value::Null);
    let from = |client: &'static str| {
        let (tokens, body) = (tokens.clone(), body.clone());
        async move {
            send(
                "POST",
                &tokens,
                &[("x-forwarded-for", &format!("203.0.113.9, {client}"))],
                Some(&body),
            )
            .await
        }
    };
    assert_keystone_error(&from("10.0.0.1").await, 401);
    assert_keystone_error(&from("10.0.0.1").await, 401);
    assert_keystone_error(&from("10.0.0.1").await, 429);
    // another client behind the same proxy is not held back by the first one's failures
    assert_keystone_error(&from("10.0.0.2").await, 401);
}
