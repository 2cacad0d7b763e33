//! The Workspace face over HTTP against a real server process: authentication, request ids,
//! error envelopes and statuses.

use crate::common;

use common::{create_account, Client, Server, TestDb};
use serde_json::json;

fn request_id(r: &common::Reply) -> String {
    r.headers
        .get("x-request-id")
        .expect("every response carries X-Request-Id")
        .to_str()
        .unwrap()
        .to_string()
}

fn assert_error(r: &common::Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error_code"], code, "{}", r.body);
    assert!(r.body["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
    let id = request_id(r);
    assert_eq!(id.len(), 32);
}

#[tokio::test]
async fn authentication_and_tenancy() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    let server = Server::start_on(&db, &[]);
    let ok = server.client(&a);
    let r = ok.call("GET", &ok.ws("/groups"), None).await;
    assert_eq!(r.status, 200);
    // a signed body over axum's 2 MiB default but within max_body_bytes reaches the handler:
    // a 400 in the face's format (a name far too long), not a plain-text 413
    let big = serde_json::json!({ "group_name": "x".repeat(3 << 20) });
    let r = ok.call("POST", &ok.ws("/groups"), Some(&big)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["error_code"].as_str().unwrap().starts_with("WKS."));
    assert_eq!(request_id(&r).len(), 32);
    assert_ne!(
        request_id(&r),
        request_id(&ok.call("GET", &ok.ws("/groups"), None).await)
    );

    // wrong secret, unknown key, stale clock
    let wrong = Client::new(&server.url, &a.access_key, &b.secret_key, &a.project_id);
    assert_error(
        &wrong.call("GET", &wrong.ws("/groups"), None).await,
        401,
        "APIGW.0301",
    );
    let unknown = Client::new(
        &server.url,
        "NOSUCHKEY00000000000",
        &a.secret_key,
        &a.project_id,
    );
    assert_error(
        &unknown.call("GET", &unknown.ws("/groups"), None).await,
        401,
        "APIGW.0301",
    );
    let stale = chrono::Utc::now() - chrono::Duration::minutes(20);
    assert_error(
        &ok.call_at("GET", &ok.ws("/groups"), None, stale).await,
        401,
        "APIGW.0301",
    );

    // unsigned and malformed
    let http = reqwest::Client::new();
    for auth in [None, Some("SDK-HMAC-SHA256 garbage"), Some("Basic abc")] {
        let mut req = http.get(format!("{}/v2/{}/groups", server.url, a.project_id));
        if let Some(h) = auth {
            req = req.header("authorization", h);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert!(resp.headers().contains_key("x-request-id"));
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error_code"], "APIGW.0301");
    }

    // another account's project and a project that does not exist look the same
    let foreign = Client::new(&server.url, &b.access_key, &b.secret_key, &a.project_id);
    let r1 = foreign.call("GET", &foreign.ws("/groups"), None).await;
    assert_error(&r1, 403, "WKS.0301");
    let nowhere = Client::new(&server.url, &b.access_key, &b.secret_key, &"0".repeat(32));
    let r2 = nowhere.call("GET", &nowhere.ws("/groups"), None).await;
    assert_error(&r2, 403, "WKS.0301");
    let strip =
        |s: &serde_json::Value, id: &str| s["error_msg"].as_str().unwrap().replace(id, "ID");
    assert_eq!(
        strip(&r1.body, &a.project_id),
        strip(&r2.body, &"0".repeat(32))
    );
    // ...and nothing was created through them
    let r = foreign
        .call(
            "POST",
            &foreign.ws("/groups"),
            Some(&json!({"group_name": "intruder"})),
        )
        .await;
    assert_error(&r, 403, "WKS.0301");
    let r = ok
        .call("GET", &ok.ws("/groups?keyword=intruder"), None)
        .await;
    assert_eq!(r.body["total_count"], 0);
}

#[tokio::test]
async fn errors_have_the_face_format_and_status() {
    let server = Server::start();
    let a = create_account(&server.db, "acme");
    let c = server.client(&a);
    assert_error(
        &c.call("GET", &c.ws("/groups?limit=101"), None).await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call("GET", &c.ws("/groups?limit=-1"), None).await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call("GET", &c.ws("/groups?limit=ten"), None).await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call("GET", &c.ws("/groups?offset=-1"), None).await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call("GET", &c.ws("/users?disabled=maybe"), None).await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call("POST", &c.ws("/groups"), None).await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call("POST", &c.ws("/groups"), Some(&json!({"name": "x"})))
            .await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call("POST", &c.ws("/groups"), Some(&json!({"group_name": 7})))
            .await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call(
            "POST",
            &c.ws("/groups"),
            Some(&json!({"group_name": "x", "platform_type": "NIS"})),
        )
        .await,
        400,
        "WKS.0001",
    );
    assert_error(
        &c.call(
            "POST",
            &c.ws("/groups"),
            Some(&json!({"group_name": "g".repeat(65)})),
        )
        .await,
        400,
        "WKS.0002",
    );
    assert_error(
        &c.call(
            "POST",
            &c.ws("/users"),
            Some(&json!({"user_name": "1abc", "user_email": "a@b.cn"})),
        )
        .await,
        400,
        "WKS.0002",
    );
    assert_error(
        &c.call(
            "POST",
            &c.ws("/users"),
            Some(&json!({"user_name": "abc", "active_type": "ADMIN_ACTIVATE", "password": "abc"})),
        )
        .await,
        400,
        "WKS.0003",
    );
    assert_error(
        &c.call("GET", &c.ws(&format!("/users/{}", "a".repeat(32))), None)
            .await,
        404,
        "WKS.0101",
    );
    assert_error(
        &c.call(
            "DELETE",
            &c.ws(&format!("/groups/{}", "a".repeat(32))),
            None,
        )
        .await,
        404,
        "WKS.0102",
    );
    assert_eq!(
        c.call(
            "POST",
            &c.ws("/groups"),
            Some(&json!({"group_name": "Team"}))
        )
        .await
        .status,
        200
    );
    assert_error(
        &c.call(
            "POST",
            &c.ws("/groups"),
            Some(&json!({"group_name": "team"})),
        )
        .await,
        409,
        "WKS.0202",
    );
    let r = c.call("GET", &c.ws("/groups?keyword=team"), None).await;
    let gid = r.body["user_groups"][0]["id"].as_str().unwrap().to_string();
    let bad_op = json!({"user_ids": [a.user_id], "op_type": "MERGE"});
    assert_error(
        &c.call(
            "POST",
            &c.ws(&format!("/groups/{gid}/actions")),
            Some(&bad_op),
        )
        .await,
        400,
        "WKS.0001",
    );
    // routes and methods
    assert_error(
        &c.call("GET", &c.ws("/nothing-here"), None).await,
        404,
        "APIGW.0101",
    );
    assert_error(
        &c.call("PATCH", &c.ws("/groups"), None).await,
        405,
        "WKS.0405",
    );
    // the account root user cannot be deleted
    assert_error(
        &c.call("DELETE", &c.ws(&format!("/users/{}", a.user_id)), None)
            .await,
        403,
        "WKS.0301",
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let cfg = db.data_dir().join("roster.toml");
    std::fs::write(&cfg, "max_body_bytes = 1024\n").unwrap();
    let server = Server::start_on(&db, &["--config", cfg.to_str().unwrap()]);
    let c = server.client(&a);
    let big = json!({"group_name": "x", "description": "d".repeat(2000)});
    assert_error(
        &c.call("POST", &c.ws("/groups"), Some(&big)).await,
        413,
        "WKS.0005",
    );
    let r = c.call("GET", &c.ws("/groups"), None).await;
    assert_eq!(r.body["total_count"], 0);
}

#[tokio::test]
async fn groups_have_the_sdk_model_fields() {
    let server = Server::start();
    let a = create_account(&server.db, "acme");
    let c = server.client(&a);
    for name in ["Parent", "Child"] {
        assert_eq!(
            c.call(
                "POST",
                &c.ws("/groups"),
                Some(&json!({"group_name": name, "description": "d"}))
            )
            .await
            .status,
            200
        );
    }
    let r = c.call("GET", &c.ws("/groups"), None).await;
    assert_eq!(r.body["total_count"], 2);
    let g = &r.body["user_groups"][0];
    assert_eq!(g["name"], "Parent");
    assert_eq!(g["realm_id"], a.domain_id);
    assert_eq!(g["platform_type"], "LOCAL");
    assert_eq!(g["user_quantity"], 0);
    let t = g["create_time"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.3fZ").is_ok(),
        "{t}"
    );
    assert!(g.get("parent").is_none());
}

/// A signed request's body cannot be swapped: `X-Sdk-Content-Sha256` must be the hash of
/// the body sent, and `UNSIGNED-PAYLOAD` is accepted only on a multipart upload (what the
/// official SDK sends it for). Neither swapped request changes anything.
#[tokio::test]
async fn a_signed_body_cannot_be_swapped() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let server = Server::start_on(&db, &[]);
    let c = server.client(&a);
    let path = c.ws("/groups");
    let good = br#"{"group_name":"good"}"#;
    let evil = br#"{"group_name":"evil"}"#.to_vec();
    let good_hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(good))
    };
    let json_ct = ("content-type", "application/json");
    for (extra, what) in [
        (
            vec![json_ct, ("x-sdk-content-sha256", "UNSIGNED-PAYLOAD")],
            "UNSIGNED-PAYLOAD",
        ),
        (
            vec![json_ct, ("x-sdk-content-sha256", good_hash.as_str())],
            "claimed hash",
        ),
        (vec![json_ct], "no claim"),
    ] {
        let r = c
            .send_swapped("POST", &path, &extra, good, evil.clone())
            .await;
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert_eq!(r.body["error_code"], "APIGW.0301", "{what}: {}", r.body);
    }
    // the same claims on the body that was signed: the hash is accepted, UNSIGNED is not
    let r = c
        .send_swapped(
            "POST",
            &path,
            &[json_ct, ("x-sdk-content-sha256", good_hash.as_str())],
            good,
            good.to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .send_swapped(
            "POST",
            &path,
            &[json_ct, ("x-sdk-content-sha256", "UNSIGNED-PAYLOAD")],
            b"",
            evil.clone(),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(
        r.body["error_msg"]
            .as_str()
            .unwrap()
            .contains("only on multipart/form-data"),
        "{}",
        r.body
    );
    let r = c.call("GET", &c.ws("/groups?keyword=evil"), None).await;
    assert_eq!(r.body["total_count"], 0, "{}", r.body);
    let r = c.call("GET", &c.ws("/groups?keyword=good"), None).await;
    assert_eq!(r.body["total_count"], 1, "{}", r.body);
}
