//! Security policies (issue 15) on a real server, SQLite or PostgreSQL
//! (`ROSTER_TEST_DATABASE=postgres`): the password and login policies of
//! `/v3.0/OS-SECURITYPOLICY` and `/v5`, their defaults (the old fixed rules and the server's
//! login limits), their enforcement on user creation, update and `POST
//! /v3/users/{id}/password` (rules, history, minimum age, expiry), Keystone's user fields,
//! and the lockout of a user after repeated failures (401 as Keystone, recovered once the
//! lockout is over: the server's window is a few seconds here, waited out by polling).

use crate::common;

use common::iam::*;
use common::{create_account, Creds, Server, TestDb};
use serde_json::{json, Value};

fn start(db: &TestDb, config: &str) -> Server {
    let cfg = config_file(db, config);
    Server::start_on(db, &["--config", &cfg])
}

fn by_id(user_id: &str, password: &str) -> Value {
    json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": user_id, "password": password}}}}})
}

async fn token_of(url: &str, user_id: &str, password: &str) -> Resp {
    send(
        "POST",
        &format!("{url}/v3/auth/tokens"),
        &[],
        Some(&by_id(user_id, password)),
    )
    .await
}

async fn change(url: &str, user_id: &str, original: &str, new: &str) -> Resp {
    send(
        "POST",
        &format!("{url}/v3/users/{user_id}/password"),
        &[],
        Some(&json!({"user": {"original_password": original, "password": new}})),
    )
    .await
}

/// A user of the account made by its root user; returns its id.
async fn make_user(url: &str, token: &str, name: &str, password: &str) -> String {
    let r = with_token(
        "POST",
        &format!("{url}/v3/users"),
        token,
        Some(&json!({"user": {"name": name, "password": password}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["user"]["id"].as_str().unwrap().to_string()
}

async fn put(url: &str, token: &str, path: &str, body: Value) -> Resp {
    with_token("PUT", &format!("{url}{path}"), token, Some(&body)).await
}

fn v3(a: &Creds, what: &str) -> String {
    format!("/v3.0/OS-SECURITYPOLICY/domains/{}/{what}", a.domain_id)
}

#[tokio::test]
async fn policies_have_defaults_and_change_field_by_field() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    let s = start(
        &db,
        "login_max_failures_per_user = 4\nlogin_failure_window = 600\n",
    );
    let (token, _) = login(&s.url, &a).await;
    let get = |path: String| {
        let (url, token) = (s.url.clone(), token.clone());
        async move { with_token("GET", &format!("{url}{path}"), &token, None).await }
    };
    // the defaults: the old fixed password rules, the server's login limits
    let r = get(v3(&a, "password-policy")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["password_policy"];
    assert_eq!(p["minimum_password_length"], 8);
    assert_eq!(p["maximum_password_length"], 32);
    assert_eq!(p["password_char_combination"], 3);
    assert_eq!(p["password_not_username_or_invert"], true);
    assert_eq!(p["number_of_recent_passwords_disallowed"], 0);
    assert_eq!(p["password_validity_period"], 0);
    assert_eq!(p["minimum_password_age"], 0);
    assert_eq!(p["maximum_consecutive_identical_chars"], 0);
    assert!(p["password_requirements"]
        .as_str()
        .unwrap()
        .contains("8 to 32"));
    let r = get(v3(&a, "login-policy")).await;
    let l = &r.body["login_policy"];
    assert_eq!(
        (
            &l["login_failed_times"],
            &l["period_with_login_failures"],
            &l["lockout_duration"]
        ),
        (&json!(4), &json!(10), &json!(10)),
        "{l}"
    );
    assert_eq!(l["session_timeout"], 24 * 60);
    assert_eq!(l["account_validity_period"], 0);
    let r = get("/v5/password-policy".into()).await;
    assert_eq!(
        r.body["password_policy"]["password_reuse_prevention"], 0,
        "{}",
        r.body
    );
    assert_eq!(
        r.body["password_policy"]["allow_user_to_change_password"],
        true
    );
    let r = get("/v5/login-policy".into()).await;
    assert_eq!(
        r.body["login_policy"]["user_validity_period"], 0,
        "{}",
        r.body
    );
    assert_eq!(r.body["login_policy"]["allow_ip_ranges"], json!([]));

    // an update changes what it names, answers with the whole policy
    let r = put(
        &s.url,
        &token,
        &v3(&a, "password-policy"),
        json!({"password_policy": {"minimum_password_length": 12, "password_char_combination": 4,
            "number_of_recent_passwords_disallowed": 3}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["password_policy"]["minimum_password_length"], 12);
    assert_eq!(
        r.body["password_policy"]["password_not_username_or_invert"],
        true
    );
    let r = get("/v5/password-policy".into()).await;
    let p = &r.body["password_policy"];
    assert_eq!(
        (
            &p["minimum_password_length"],
            &p["password_reuse_prevention"]
        ),
        (&json!(12), &json!(3))
    );
    let r = put(
        &s.url,
        &token,
        "/v5/password-policy",
        json!({"maximum_consecutive_identical_chars": 2, "allow_user_to_change_password": false}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["password_policy"]["password_char_combination"], 4);
    assert_eq!(
        r.body["password_policy"]["allow_user_to_change_password"],
        false
    );

    // out of range, unknown fields, another domain: refused, nothing changed
    for body in [
        json!({"password_policy": {"minimum_password_length": 5}}),
        json!({"password_policy": {"password_char_combination": 5}}),
        json!({"password_policy": {"number_of_recent_passwords_disallowed": 11}}),
        json!({"password_policy": {"minimum_password_length": 10, "colour": "red"}}),
    ] {
        assert_keystone_error(
            &put(&s.url, &token, &v3(&a, "password-policy"), body).await,
            400,
        );
    }
    let r = put(
        &s.url,
        &token,
        &v3(&b, "password-policy"),
        json!({"password_policy": {}}),
    )
    .await;
    assert_keystone_error(&r, 403);
    let r = get(v3(&a, "password-policy")).await;
    assert_eq!(r.body["password_policy"]["minimum_password_length"], 12);

    let r = put(
        &s.url,
        &token,
        "/v5/login-policy",
        json!({"login_failed_times": 3, "lockout_duration": 20, "session_timeout": 30,
            "custom_info_for_login": "Welcome"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(v3(&a, "login-policy")).await;
    let l = &r.body["login_policy"];
    assert_eq!(
        (
            &l["login_failed_times"],
            &l["lockout_duration"],
            &l["session_timeout"]
        ),
        (&json!(3), &json!(20), &json!(30)),
        "{l}"
    );
    assert_eq!(l["period_with_login_failures"], 10);
    assert_eq!(l["custom_info_for_login"], "Welcome");
    for body in [
        json!({"login_policy": {"login_failed_times": 11}}),
        json!({"login_policy": {"lockout_duration": 14}}),
        json!({"login_policy": {"custom_info_for_login": "50% off"}}),
    ] {
        assert_keystone_error(
            &put(&s.url, &token, &v3(&a, "login-policy"), body).await,
            400,
        );
    }
    let r = put(
        &s.url,
        &token,
        "/v5/login-policy",
        json!({"allow_ip_ranges": [{"ip_range": "10.0.0.1-10.0.0.9"}]}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // a token now lives as long as the policy's session
    let (_, body) = login(&s.url, &a).await;
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(body["token"][k].as_str().unwrap())
            .unwrap()
            .timestamp()
    };
    assert_eq!(at("expires_at") - at("issued_at"), 30 * 60);
    // the other account still has the defaults
    let (other, _) = login(&s.url, &b).await;
    let r = with_token(
        "GET",
        &format!("{}{}", s.url, v3(&b, "password-policy")),
        &other,
        None,
    )
    .await;
    assert_eq!(r.body["password_policy"]["minimum_password_length"], 8);
}

#[tokio::test]
async fn passwords_follow_the_policy_on_create_update_and_change() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = start(&db, "");
    let (token, _) = login(&s.url, &a).await;
    let r = put(
        &s.url,
        &token,
        &v3(&a, "password-policy"),
        json!({"password_policy": {"minimum_password_length": 12, "password_char_combination": 4}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let users = format!("{}/v3/users", s.url);
    let r = with_token(
        "POST",
        &users,
        &token,
        Some(&json!({"user": {"name": "bob", "password": "Secret#2024"}})),
    )
    .await;
    assert_keystone_error(&r, 400);
    let id = make_user(&s.url, &token, "bob", "Secret#20245").await;
    let r = with_token(
        "PATCH",
        &format!("{users}/{id}"),
        &token,
        Some(&json!({"user": {"password": "secret#20245x"}})),
    )
    .await;
    assert_keystone_error(&r, 400);

    // the user's own change: a wrong original password is a 401, a weak new one a 400
    let (bob, _) = {
        let r = token_of(&s.url, &id, "Secret#20245").await;
        assert_eq!(r.status, 201, "{}", r.body);
        (
            r.headers["x-subject-token"].to_str().unwrap().to_string(),
            (),
        )
    };
    assert_keystone_error(
        &change(&s.url, &id, "Wrong#20245xx", "Better#2024xy").await,
        401,
    );
    assert_keystone_error(
        &change(&s.url, &id, "Secret#20245", "Better2024xy").await,
        400,
    );
    assert_keystone_error(
        &change(
            &s.url,
            "0123456789abcdef0123456789abcdef",
            "Secret#20245",
            "Better#2024xy",
        )
        .await,
        401,
    );
    // an id no user can have, a field Keystone does not know: refused, nothing changed
    assert_keystone_error(
        &change(&s.url, "not-an-id\u{0}", "Secret#20245", "Better#2024xy").await,
        401,
    );
    let r = send(
        "POST",
        &format!("{}/v3/users/{id}/password", s.url),
        &[],
        Some(&json!({"user": {"original_password": "Secret#20245",
                              "password": "Better#2024xy", "colour": "red"}})),
    )
    .await;
    assert_keystone_error(&r, 400);
    // a disabled user changes nothing, even with its password
    let r = with_token(
        "PATCH",
        &format!("{users}/{id}"),
        &token,
        Some(&json!({"user": {"enabled": false}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_keystone_error(
        &change(&s.url, &id, "Secret#20245", "Better#2024xy").await,
        401,
    );
    let r = with_token(
        "PATCH",
        &format!("{users}/{id}"),
        &token,
        Some(&json!({"user": {"enabled": true}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = change(&s.url, &id, "Secret#20245", "Better#2024xy").await;
    assert_eq!(r.status, 204, "{}", r.body);
    // the old token and the old password are done; the new one works
    let r = with_token("GET", &format!("{users}/{id}"), &bob, None).await;
    assert_keystone_error(&r, 401);
    assert_keystone_error(&token_of(&s.url, &id, "Secret#20245").await, 401);
    assert_eq!(token_of(&s.url, &id, "Better#2024xy").await.status, 201);

    // self-service off: the administrator still sets passwords
    let r = put(
        &s.url,
        &token,
        "/v5/password-policy",
        json!({"allow_user_to_change_password": false}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_keystone_error(
        &change(&s.url, &id, "Better#2024xy", "Better#2024xz").await,
        400,
    );
    let r = with_token(
        "PATCH",
        &format!("{users}/{id}"),
        &token,
        Some(&json!({"user": {"password": "Admin#Set2024x"}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = put(
        &s.url,
        &token,
        "/v5/password-policy",
        json!({"allow_user_to_change_password": true}),
    )
    .await;
    assert_eq!(r.status, 200);
    // a user's lock_password option stops its own changes
    let r = with_token(
        "PATCH",
        &format!("{users}/{id}"),
        &token,
        Some(&json!({"user": {"options": {"lock_password": true}}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["user"]["options"]["lock_password"], true);
    assert_keystone_error(
        &change(&s.url, &id, "Admin#Set2024x", "Better#2024xz").await,
        400,
    );
    let r = with_token(
        "PATCH",
        &format!("{users}/{id}"),
        &token,
        Some(&json!({"user": {"options": {"lock_password": null}}})),
    )
    .await;
    assert_eq!(r.body["user"]["options"], json!({}), "{}", r.body);
    assert_eq!(
        change(&s.url, &id, "Admin#Set2024x", "Better#2024xz")
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn history_minimum_age_and_expiry() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = start(&db, "");
    let (token, _) = login(&s.url, &a).await;
    let r = put(
        &s.url,
        &token,
        "/v5/password-policy",
        json!({"password_reuse_prevention": 3}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = make_user(&s.url, &token, "carol", "First#Pass01").await;
    let ok = |from: &'static str, to: &'static str| {
        let (url, id) = (s.url.clone(), id.clone());
        async move {
            let r = change(&url, &id, from, to).await;
            assert_eq!(r.status, 204, "{from} -> {to}: {}", r.body);
        }
    };
    let refused = |from: &'static str, to: &'static str| {
        let (url, id) = (s.url.clone(), id.clone());
        async move {
            let r = change(&url, &id, from, to).await;
            assert_keystone_error(&r, 400);
        }
    };
    ok("First#Pass01", "Second#Pass02").await;
    // the current password and the one before are among the last three
    refused("Second#Pass02", "Second#Pass02").await;
    refused("Second#Pass02", "First#Pass01").await;
    ok("Second#Pass02", "Third#Pass03").await;
    refused("Third#Pass03", "First#Pass01").await;
    ok("Third#Pass03", "Fourth#Pass04").await;
    // First is four back now: allowed again
    ok("Fourth#Pass04", "First#Pass01").await;
    // the administrator's reset is not held to the history (as Keystone)
    let r = with_token(
        "PATCH",
        &format!("{}/v3/users/{id}", s.url),
        &token,
        Some(&json!({"user": {"password": "First#Pass01"}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["user"]["password_expires_at"], Value::Null);

    // a minimum age: the password just set cannot be changed yet
    let r = put(
        &s.url,
        &token,
        "/v5/password-policy",
        json!({"minimum_password_age": 10}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = change(&s.url, &id, "First#Pass01", "Fifth#Pass05").await;
    assert_keystone_error(&r, 400);
    assert!(
        r.body.to_string().contains("minimum password age"),
        "{}",
        r.body
    );
    let r = put(
        &s.url,
        &token,
        "/v5/password-policy",
        json!({"minimum_password_age": 0, "password_validity_period": 30}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // a validity period: a password set now expires in 30 days, shown on the user
    ok("First#Pass01", "Fifth#Pass05").await;
    let r = with_token("GET", &format!("{}/v3/users/{id}", s.url), &token, None).await;
    let exp = r.body["user"]["password_expires_at"]
        .as_str()
        .unwrap()
        .to_string();
    let exp = chrono::NaiveDateTime::parse_from_str(&exp, "%Y-%m-%dT%H:%M:%S%.6f").unwrap();
    let days = (exp.and_utc() - chrono::Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "{days}");
    // Keystone's password_expires_at filter compares it
    let when = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::days(days))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let listed = |q: String| {
        let (url, token) = (s.url.clone(), token.clone());
        async move {
            let r = with_token(
                "GET",
                &format!("{url}/v3/users?password_expires_at={q}"),
                &token,
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(format!("lt:{}", when(31))).await, vec!["carol"]);
    assert!(listed(format!("gt:{}", when(31))).await.is_empty());
    assert_eq!(listed(format!("gte:{}", when(29))).await, vec!["carol"]);
    let r = token_of(&s.url, &id, "Fifth#Pass05").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(
        r.body["token"]["user"]["password_expires_at"].is_string(),
        "{}",
        r.body
    );
    // once expired (set in the database: no test waits 30 days), no token; a change works
    let raw = common::raw(&db).await;
    raw.execute(
        "UPDATE users SET password_expires_at = $1 WHERE id = $2",
        &[
            (chrono::Utc::now().timestamp_millis() - 1000).into(),
            id.as_str().into(),
        ],
    )
    .await
    .unwrap();
    let r = token_of(&s.url, &id, "Fifth#Pass05").await;
    assert_keystone_error(&r, 401);
    assert!(r.body.to_string().contains("expired"), "{}", r.body);
    ok("Fifth#Pass05", "Sixth#Pass06").await;
    assert_eq!(token_of(&s.url, &id, "Sixth#Pass06").await.status, 201);
    // the history went with the user
    let r = with_token("DELETE", &format!("{}/v3/users/{id}", s.url), &token, None).await;
    assert_eq!(r.status, 204);
    let left = raw
        .scalar(
            "SELECT count(*) FROM password_history WHERE user_id = $1",
            &[id.as_str().into()],
        )
        .await
        .unwrap()
        .int();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_locked_out_user_gets_401_until_the_lockout_is_over() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    // the default login policy: 2 failures within 2 s lock a user for 2 s
    let s = start(
        &db,
        "login_max_failures_per_user = 2\nlogin_max_failures_per_addr = 1000\nlogin_failure_window = 2\n",
    );
    let (token, _) = login(&s.url, &a).await;
    let id = make_user(&s.url, &token, "dave", "Dv#Secret2024").await;
    for _ in 0..2 {
        assert_keystone_error(&token_of(&s.url, &id, "Wrong#Pass2024").await, 401);
    }
    // locked: the right password gets Keystone's 401 too (not 429), and so does a change
    let r = token_of(&s.url, &id, "Dv#Secret2024").await;
    assert_keystone_error(&r, 401);
    assert!(r.body.to_string().contains("locked"), "{}", r.body);
    assert!(!r.headers.contains_key("retry-after"));
    let r = change(&s.url, &id, "Dv#Secret2024", "Dv#Secret2025").await;
    assert_keystone_error(&r, 401);
    // once the lockout is over, the right password works again
    let url = s.url.clone();
    eventually("the lockout ends", || {
        let (url, id) = (url.clone(), id.clone());
        async move { token_of(&url, &id, "Dv#Secret2024").await.status == 201 }
    })
    .await;
    // wrong original passwords of a password change count too
    for _ in 0..2 {
        assert_keystone_error(
            &change(&s.url, &id, "Wrong#Pass2024", "Dv#Secret2025").await,
            401,
        );
    }
    assert_keystone_error(&token_of(&s.url, &id, "Dv#Secret2024").await, 401);

    // a user with ignore_lockout_failure_attempts is never locked out
    let r = with_token(
        "PATCH",
        &format!("{}/v3/users/{id}", s.url),
        &token,
        Some(&json!({"user": {"options": {"ignore_lockout_failure_attempts": true}}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for _ in 0..3 {
        assert_keystone_error(&token_of(&s.url, &id, "Wrong#Pass2024").await, 401);
    }
    assert_eq!(token_of(&s.url, &id, "Dv#Secret2024").await.status, 201);

    // the account's own policy: 3 failures within its period lock for its duration
    let r = put(
        &s.url,
        &token,
        "/v5/login-policy",
        json!({"login_failed_times": 3, "lockout_duration": 15}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let eve = make_user(&s.url, &token, "eve", "Ev#Secret2024").await;
    for _ in 0..2 {
        assert_keystone_error(&token_of(&s.url, &eve, "Wrong#Pass2024").await, 401);
    }
    assert_eq!(token_of(&s.url, &eve, "Ev#Secret2024").await.status, 201);
    for _ in 0..3 {
        assert_keystone_error(&token_of(&s.url, &eve, "Wrong#Pass2024").await, 401);
    }
    let r = token_of(&s.url, &eve, "Ev#Secret2024").await;
    assert_keystone_error(&r, 401);
    assert!(r.body.to_string().contains("locked"), "{}", r.body);
    // the lockout is in the database: another node refuses too
    let s2 = start(
        &db,
        "login_max_failures_per_user = 2\nlogin_failure_window = 2\n",
    );
    assert_keystone_error(&token_of(&s2.url, &eve, "Ev#Secret2024").await, 401);
}

#[tokio::test]
async fn keystone_users_show_every_field_they_accept() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = start(&db, "");
    let (token, _) = login(&s.url, &a).await;
    let users = format!("{}/v3/users", s.url);
    let r = with_token(
        "POST",
        &users,
        &token,
        Some(
            &json!({"user": {"name": "frank", "password": "Fr#Secret2024",
            "email": "frank@example.com", "description": "ops",
            "default_project_id": a.project_id,
            "options": {"ignore_password_expiry": true,
                        "multi_factor_auth_rules": [["password"]]}}}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let u = &r.body["user"];
    assert_eq!(u["email"], "frank@example.com");
    assert_eq!(u["description"], "ops");
    assert_eq!(u["default_project_id"], a.project_id.as_str());
    assert_eq!(u["options"]["ignore_password_expiry"], true);
    assert_eq!(
        u["options"]["multi_factor_auth_rules"],
        json!([["password"]])
    );
    assert_eq!(u["password_expires_at"], Value::Null);
    let id = u["id"].as_str().unwrap().to_string();
    let r = with_token("GET", &format!("{users}/{id}"), &token, None).await;
    assert_eq!(r.body["user"]["email"], "frank@example.com");
    assert_eq!(r.body["user"]["default_project_id"], a.project_id.as_str());
    let r = with_token("GET", &format!("{users}?name=frank"), &token, None).await;
    assert_eq!(
        r.body["users"][0]["options"]["ignore_password_expiry"], true,
        "{}",
        r.body
    );
    let r = with_token(
        "PATCH",
        &format!("{users}/{id}"),
        &token,
        Some(&json!({"user": {"default_project_id": null, "email": "f@example.com"}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["user"].get("default_project_id").is_none(),
        "{}",
        r.body
    );
    assert_eq!(r.body["user"]["email"], "f@example.com");
    for bad in [
        json!({"user": {"name": "g1", "password": "Gg#Pass20245", "options": {"colour": true}}}),
        json!({"user": {"name": "g2", "password": "Gg#Pass20245", "options": {"lock_password": "yes"}}}),
        json!({"user": {"name": "g3", "password": "Gg#Pass20245", "default_project_id": "0123456789abcdef0123456789abcdef"}}),
    ] {
        assert_keystone_error(&with_token("POST", &users, &token, Some(&bad)).await, 400);
    }
}
