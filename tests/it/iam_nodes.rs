//! The IAM face across restarts and nodes on one database: key rotation (old tokens stay
//! valid, retired keys are pruned), revocation, disabling and new keys seen by a second
//! node, failed-login limits shared through the database, trusted proxies.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::iam::*;
use common::{create_account, Server, TestDb, BIN};
use serde_json::{json, Value};

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
    // the user is now locked out: refused even with the right password, with Keystone's 401
    let r = attempt("acme", &a.password).await;
    assert_keystone_error(&r, 401);
    assert!(r.body.to_string().contains("locked"), "{}", r.body);

    // other user names from the same address: three more failures use up the address,
    // which is then refused for a while (429, told when to come back)
    for name in ["ghost1", "ghost2", "ghost3"] {
        assert_keystone_error(&attempt(name, "Wrong#Pass1").await, 401);
    }
    let r = attempt("ghost4", "Wrong#Pass1").await;
    assert_keystone_error(&r, 429);
    let wait: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
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
