//! A user's IAM tokens end when the user is disabled, locked or expired through any face, and
//! stay ended when it is active again (Keystone revokes a disabled user's tokens). Tokens
//! issued after it is active again work.

use crate::common;

use common::iam::{eventually, login, password_auth, send, with_token};
use common::{create_account, quickbi as qb, Creds, Server, TestDb};
use serde_json::{json, Value};

const PASSWORD: &str = "Xy7#kLm2pQ";

/// A password login of `name`; the token.
async fn token_of(url: &str, name: &str) -> String {
    let r = send(
        "POST",
        &format!("{url}/v3/auth/tokens"),
        &[],
        Some(&password_auth("acme", name, PASSWORD, Value::Null)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.headers["x-subject-token"].to_str().unwrap().to_string()
}

/// Makes the user inactive (`off`) or active again through one face.
async fn switch(server: &Server, a: &Creds, admin: &str, how: &str, uid: &str, off: bool) {
    let ws = server.client(a);
    let status = match how {
        "iam enabled" => {
            with_token(
                "PATCH",
                &format!("{}/v3/users/{uid}", server.url),
                admin,
                Some(&json!({"user": {"enabled": !off}})),
            )
            .await
            .status
        }
        "workspace disabled" => {
            ws.call(
                "PUT",
                &ws.ws(&format!("/users/{uid}")),
                Some(&json!({ "disabled": off })),
            )
            .await
            .status
        }
        "workspace lock" => {
            let op = if off { "LOCK" } else { "UNLOCK" };
            ws.call(
                "POST",
                &ws.ws(&format!("/users/{uid}/actions")),
                Some(&json!({ "op_type": op })),
            )
            .await
            .status
        }
        "workspace expiry" => {
            let when = if off { "2020-01-01T00:00:00.000Z" } else { "0" };
            ws.call(
                "PUT",
                &ws.ws(&format!("/users/{uid}")),
                Some(&json!({ "account_expires": when })),
            )
            .await
            .status
        }
        "quickbi IsDeleted" => {
            let flag = if off { "true" } else { "false" };
            qb::call(
                &server.url,
                a,
                "UpdateUser",
                &[("UserId", uid), ("IsDeleted", flag)],
            )
            .await
            .status
        }
        other => panic!("{other}"),
    };
    assert!([200, 204].contains(&status), "{how} {off}: {status}");
}

#[tokio::test]
async fn a_token_from_before_a_disable_or_lock_stays_dead_after_enabling_again() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let url = server.url.clone();
    let (admin, _) = login(&url, &a).await;
    let mut came_back = Vec::new();
    for (i, how) in [
        "iam enabled",
        "workspace disabled",
        "workspace lock",
        "workspace expiry",
        "quickbi IsDeleted",
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("temp{i}");
        let r = with_token(
            "POST",
            &format!("{url}/v3/users"),
            &admin,
            Some(&json!({"user": {"name": name, "password": PASSWORD}})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let uid = r.body["user"]["id"].as_str().unwrap().to_string();
        let own = format!("{url}/v3/users/{uid}");
        let old = token_of(&url, &name).await;
        assert_eq!(with_token("GET", &own, &old, None).await.status, 200);

        switch(&server, &a, &admin, how, &uid, true).await;
        eventually(&format!("{how}: the token is refused"), || async {
            with_token("GET", &own, &old, None).await.status == 401
        })
        .await;
        switch(&server, &a, &admin, how, &uid, false).await;
        // a token issued now works once this node knows the user is active again; from
        // then on the old one is judged on the same fresh state
        let new = token_of(&url, &name).await;
        eventually(&format!("{how}: a new token works"), || async {
            with_token("GET", &own, &new, None).await.status == 200
        })
        .await;
        let r = with_token("GET", &own, &old, None).await;
        if r.status != 401 {
            came_back.push(format!("{how}: {}", r.status));
            continue;
        }
        // validating it says the same
        let r = send(
            "GET",
            &format!("{url}/v3/auth/tokens"),
            &[("x-auth-token", &admin), ("x-subject-token", &old)],
            None,
        )
        .await;
        assert!(
            [401, 404].contains(&r.status),
            "{how}: {} {}",
            r.status,
            r.body
        );
    }
    assert!(came_back.is_empty(), "old tokens came back: {came_back:?}");
    // the administrator's own token and access key were never touched
    assert_eq!(
        with_token("GET", &format!("{url}/v3/groups"), &admin, None)
            .await
            .status,
        200
    );
}
