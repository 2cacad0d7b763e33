//! Keystone's application credentials through a real `roster serve` (issue 15): a user
//! delegates a subset of its roles on its token's project; the `application_credential`
//! method by id and by name of its user gives a token scoped there that lists and counts
//! only those roles (a Workspace write the subset lacks is refused though the user may);
//! the secret is shown once; restricted credentials make no others; expiry, deletion of the
//! credential, of its user or its project, and a role taken from the user refuse it;
//! Keystone's errors for bad input.

use serde_json::{json, Value};

use crate::common::iam::*;
use crate::common::{create_account, Server, TestDb};

const PW: &str = "Str0ng!Passw0rd";

struct Ctx {
    url: String,
    root: String,
}

impl Ctx {
    async fn call(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        with_token(method, &format!("{}{path}", self.url), token, body.as_ref()).await
    }

    async fn root(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.call(&self.root, method, path, body).await
    }

    async fn auth(&self, body: Value) -> Resp {
        send(
            "POST",
            &format!("{}/v3/auth/tokens", self.url),
            &[],
            Some(&body),
        )
        .await
    }
}

/// A Workspace answer refusing a token (Workspace's error body).
fn refused(r: &Resp) {
    assert_eq!(r.status, 401, "{}", r.body);
}

fn token_of(r: &Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.body);
    r.headers["x-subject-token"].to_str().unwrap().to_string()
}

fn by_id(id: &str, secret: &str) -> Value {
    json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": id, "secret": secret}}}})
}

fn role_names(token_body: &Value) -> Vec<String> {
    let mut v: Vec<String> = token_body["token"]["roles"]
        .as_array()
        .unwrap_or_else(|| panic!("{token_body}"))
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn role_id(c: &Ctx, name: &str) -> String {
    let r = c.root("GET", &format!("/v3/roles?name={name}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["roles"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn application_credentials_delegate_a_subset_of_roles() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (root, _) = login(&s.url, &a).await;
    let c = Ctx {
        url: s.url.clone(),
        root,
    };
    let (member, reader) = (role_id(&c, "member").await, role_id(&c, "reader").await);
    let p = a.project_id.clone();

    // bot holds member and reader on the project
    let r = c
        .root(
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": "bot", "password": PW, "domain_id": a.domain_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let bot = r.body["user"]["id"].as_str().unwrap().to_string();
    for role in [&member, &reader] {
        let r = c
            .root(
                "PUT",
                &format!("/v3/projects/{p}/users/{bot}/roles/{role}"),
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    let bot_token = token_of(
        &c.auth(password_auth(
            &a.domain_name,
            "bot",
            PW,
            json!({"project": {"id": p}}),
        ))
        .await,
    );
    let creds = format!("/v3/users/{bot}/application_credentials");

    // create with a subset: the secret is shown this once
    let r = c
        .call(
            &bot_token,
            "POST",
            &creds,
            Some(
                json!({"application_credential": {"name": "ci", "description": "the CI",
                "roles": [{"name": "reader"}]}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ci = r.body["application_credential"].clone();
    let ci_id = ci["id"].as_str().unwrap().to_string();
    let ci_secret = ci["secret"].as_str().unwrap().to_string();
    assert!(ci_secret.len() >= 32, "{ci}");
    assert_eq!(ci["name"], "ci");
    assert_eq!(ci["description"], "the CI");
    assert_eq!(ci["project_id"], p.as_str());
    assert_eq!(ci["user_id"], bot.as_str());
    assert_eq!(ci["unrestricted"], false);
    assert_eq!(ci["expires_at"], Value::Null);
    assert_eq!(ci["roles"][0]["id"], reader.as_str(), "{ci}");
    assert_eq!(ci["roles"].as_array().unwrap().len(), 1);
    // without roles: every role held there; a chosen secret
    let r = c
        .call(
            &bot_token,
            "POST",
            &creds,
            Some(
                json!({"application_credential": {"name": "all", "secret": "s3cret-all",
                "unrestricted": true}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let all_id = r.body["application_credential"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(r.body["application_credential"]["secret"], "s3cret-all");
    assert_eq!(
        r.body["application_credential"]["roles"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{}",
        r.body
    );

    // Keystone's refusals, and nothing made
    let bad = [
        (json!({"application_credential": {"name": "ci"}}), 409),
        (
            json!({"application_credential": {"name": "x", "roles": [{"name": "admin"}]}}),
            403,
        ),
        (
            json!({"application_credential": {"name": "x", "roles": [{"id": "nope"}]}}),
            403,
        ),
        (
            json!({"application_credential": {"description": "no name"}}),
            400,
        ),
        (json!({"application_credential": {"name": ""}}), 400),
        (
            json!({"application_credential": {"name": "x".repeat(256)}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x", "roles": "reader"}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x", "roles": []}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x", "roles": [{}]}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x", "access_rules": [
                {"service": "identity", "method": "GET", "path": "/v3/users"}]}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x",
                "expires_at": "2001-01-01T00:00:00"}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x", "expires_at": "tomorrow"}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x", "unrestricted": "yes"}}),
            400,
        ),
        (
            json!({"application_credential": {"name": "x", "colour": "red"}}),
            400,
        ),
        (json!({"name": "x"}), 400),
        (
            json!({"application_credential": {"name": "x", "description": "a\u{0}b"}}),
            400,
        ),
    ];
    for (body, status) in bad {
        let r = c.call(&bot_token, "POST", &creds, Some(body.clone())).await;
        assert_keystone_error(&r, status);
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    // a name filter no credential can match is a clear 400
    let r = c
        .call(&bot_token, "GET", &format!("{creds}?name=a%00b"), None)
        .await;
    assert_keystone_error(&r, 400);
    // another user's: refused, even to the domain administrator
    let r = c
        .root(
            "POST",
            &creds,
            Some(json!({"application_credential": {"name": "x"}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    // an unscoped token has no project
    let unscoped = token_of(
        &c.auth(password_auth(&a.domain_name, "bot", PW, Value::Null))
            .await,
    );
    let r = c
        .call(
            &unscoped,
            "POST",
            &creds,
            Some(json!({"application_credential": {"name": "x"}})),
        )
        .await;
    assert_keystone_error(&r, 403);

    // list, filter, show: no secret again
    let r = c.call(&bot_token, "GET", &creds, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body["application_credentials"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", r.body);
    assert!(list.iter().all(|x| x.get("secret").is_none()), "{}", r.body);
    let r = c
        .call(&bot_token, "GET", &format!("{creds}?name=ci"), None)
        .await;
    assert_eq!(
        r.body["application_credentials"].as_array().unwrap().len(),
        1
    );
    assert_eq!(r.body["application_credentials"][0]["id"], ci_id.as_str());
    let r = c
        .call(&bot_token, "GET", &format!("{creds}/{ci_id}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["application_credential"].get("secret").is_none());
    assert_eq!(r.body["application_credential"]["name"], "ci");
    // the administrator lists them too; unknown ids are 404
    let r = c.root("GET", &creds, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .call(&bot_token, "GET", &format!("{creds}/nothing"), None)
        .await;
    assert_keystone_error(&r, 404);
    let r = c
        .root("GET", "/v3/users/nobody/application_credentials", None)
        .await;
    assert_keystone_error(&r, 404);

    // auth by id: scoped to the project, only the credential's roles
    let r = c.auth(by_id(&ci_id, &ci_secret)).await;
    let ci_token = token_of(&r);
    assert_eq!(role_names(&r.body), ["reader"], "{}", r.body);
    assert_eq!(
        r.body["token"]["methods"],
        json!(["application_credential"])
    );
    assert_eq!(r.body["token"]["project"]["id"], p.as_str());
    assert_eq!(r.body["token"]["user"]["id"], bot.as_str());
    assert_eq!(
        r.body["token"]["application_credential"],
        json!({"id": ci_id, "name": "ci", "restricted": true})
    );
    // by name, of the user by id and by name in its domain
    for user in [
        json!({"id": bot}),
        json!({"name": "bot", "domain": {"name": a.domain_name}}),
    ] {
        let r = c
            .auth(
                json!({"auth": {"identity": {"methods": ["application_credential"],
                "application_credential": {"name": "ci", "secret": ci_secret,
                    "user": user}}}}),
            )
            .await;
        assert_eq!(role_names(&r.body), ["reader"], "{}", r.body);
    }
    // a wrong secret, an unknown credential, another scope: 401
    for body in [
        by_id(&ci_id, "wrong"),
        by_id("nothing", &ci_secret),
        json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"name": "nope", "secret": ci_secret,
                "user": {"id": bot}}}}}),
        json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": ci_id, "secret": ci_secret}},
            "scope": {"domain": {"id": a.domain_id}}}}),
        // ids and names no credential can have: the same 401, nothing reaches the store
        by_id("0123456789abcdef0123456789abc\u{0}ef", &ci_secret),
        by_id(&"f".repeat(100_000), &ci_secret),
        json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"name": "c\u{0}i", "secret": ci_secret,
                "user": {"id": bot}}}}}),
    ] {
        let r = c.auth(body.clone()).await;
        assert_keystone_error(&r, 401);
    }
    // the token validates with its credential and roles
    let r = send(
        "GET",
        &format!("{}/v3/auth/tokens", c.url),
        &[("x-auth-token", &ci_token), ("x-subject-token", &ci_token)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(role_names(&r.body), ["reader"]);
    assert_eq!(
        r.body["token"]["application_credential"]["id"],
        ci_id.as_str()
    );

    // the subset is enforced: reads pass, the write member would allow is refused
    let groups = format!("/v2/{p}/groups");
    let r = c.call(&ci_token, "GET", &groups, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .call(
            &ci_token,
            "POST",
            &groups,
            Some(json!({"group_name": "by-ci"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = c
        .call(
            &bot_token,
            "POST",
            &groups,
            Some(json!({"group_name": "by-bot"})),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    let all_token = token_of(&c.auth(by_id(&all_id, "s3cret-all")).await);
    let r = c
        .call(
            &all_token,
            "POST",
            &groups,
            Some(json!({"group_name": "by-all"})),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    // a Deny of the user's identity policies still refuses the credential's token: the
    // delegation narrows what allows, never what denies
    let r = c
        .root(
            "POST",
            "/v5/policies",
            Some(
                json!({"policy_name": "no-groups", "policy_document": json!({
                "Version": "5.0",
                "Statement": [{"Effect": "Deny", "Action": ["workspace:userGroups:create"]}],
            }).to_string()}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let deny = r.body["policy"]["policy_id"].as_str().unwrap().to_string();
    let attach = |verb: &str| format!("/v5/policies/{deny}/{verb}-user");
    let r = c
        .root("POST", &attach("attach"), Some(json!({"user_id": bot})))
        .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.body);
    for token in [&all_token, &bot_token] {
        let r = c
            .call(
                token,
                "POST",
                &groups,
                Some(json!({"group_name": "denied"})),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
    }
    let r = c
        .root("POST", &attach("detach"), Some(json!({"user_id": bot})))
        .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.body);

    // and in IAM: a domain grant the user holds does not count with the credential
    let admin = role_id(&c, "admin").await;
    let domain_admin = format!("/v3/domains/{}/users/{bot}/roles/{admin}", a.domain_id);
    let r = c.root("PUT", &domain_admin, None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let new_user = |name: &str| {
        Some(json!({"user": {"name": name, "password": PW, "domain_id": a.domain_id}}))
    };
    let r = c
        .call(&bot_token, "POST", "/v3/users", new_user("by-bot"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = c
        .call(&ci_token, "POST", "/v3/users", new_user("by-ci"))
        .await;
    assert_keystone_error(&r, 403);
    // its own credentials it still reads (a user's own need no permission)
    let r = c.call(&ci_token, "GET", &creds, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c.root("DELETE", &domain_admin, None).await;
    assert_eq!(r.status, 204, "{}", r.body);

    // a restricted credential's token makes no credentials; an unrestricted one's does
    let r = c
        .call(
            &ci_token,
            "POST",
            &creds,
            Some(json!({"application_credential": {"name": "child"}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = c
        .call(&ci_token, "DELETE", &format!("{creds}/{all_id}"), None)
        .await;
    assert_keystone_error(&r, 403);
    let r = c
        .call(
            &all_token,
            "POST",
            &creds,
            Some(json!({"application_credential": {"name": "child", "roles": [{"id": reader}]}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let child_id = r.body["application_credential"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // expiry: 401 once past
    let soon = chrono::Utc::now() + chrono::Duration::seconds(2);
    let r = c
        .call(
            &bot_token,
            "POST",
            &creds,
            Some(json!({"application_credential": {"name": "brief",
                "expires_at": soon.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let brief = r.body["application_credential"].clone();
    // shown back exactly as given, to the microsecond (as tempest compares it)
    assert_eq!(
        brief["expires_at"],
        soon.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    );
    let (brief_id, brief_secret) = (
        brief["id"].as_str().unwrap().to_string(),
        brief["secret"].as_str().unwrap().to_string(),
    );
    let brief_token = token_of(&c.auth(by_id(&brief_id, &brief_secret)).await);
    eventually("the credential expires", || async {
        c.auth(by_id(&brief_id, &brief_secret)).await.status == 401
    })
    .await;
    assert_keystone_error(&c.auth(by_id(&brief_id, &brief_secret)).await, 401);
    refused(&c.call(&brief_token, "GET", &groups, None).await);

    // deleting the credential refuses its tokens
    let r = c
        .call(&bot_token, "DELETE", &format!("{creds}/{all_id}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    refused(&c.call(&all_token, "GET", &groups, None).await);
    assert_keystone_error(&c.auth(by_id(&all_id, "s3cret-all")).await, 401);
    let r = c
        .call(&bot_token, "GET", &format!("{creds}/{all_id}"), None)
        .await;
    assert_keystone_error(&r, 404);
    let r = c
        .call(&bot_token, "DELETE", &format!("{creds}/{all_id}"), None)
        .await;
    assert_keystone_error(&r, 404);

    // a role taken from the user refuses the credential that delegates it
    let r = c
        .root(
            "DELETE",
            &format!("/v3/projects/{p}/users/{bot}/roles/{reader}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    refused(&c.call(&ci_token, "GET", &groups, None).await);
    assert_keystone_error(&c.auth(by_id(&ci_id, &ci_secret)).await, 401);
    let r = c
        .root(
            "PUT",
            &format!("/v3/projects/{p}/users/{bot}/roles/{reader}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = c.call(&ci_token, "GET", &groups, None).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // deleting a project deletes its credentials
    let r = c
        .root(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "side", "domain_id": a.domain_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let side = r.body["project"]["id"].as_str().unwrap().to_string();
    let r = c
        .root(
            "PUT",
            &format!("/v3/projects/{side}/users/{bot}/roles/{reader}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let side_token = token_of(
        &c.auth(password_auth(
            &a.domain_name,
            "bot",
            PW,
            json!({"project": {"id": side}}),
        ))
        .await,
    );
    let r = c
        .call(
            &side_token,
            "POST",
            &creds,
            Some(json!({"application_credential": {"name": "side", "secret": "side-secret"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["application_credential"]["project_id"],
        side.as_str()
    );
    let side_id = r.body["application_credential"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c
        .root("DELETE", &format!("/v3/projects/{side}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_keystone_error(&c.auth(by_id(&side_id, "side-secret")).await, 401);
    let r = c.call(&bot_token, "GET", &creds, None).await;
    let names: Vec<&str> = r.body["application_credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ci", "child", "brief"], "{}", r.body);

    // deleting the user deletes its credentials
    let r = c.root("DELETE", &format!("/v3/users/{bot}"), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_keystone_error(&c.auth(by_id(&ci_id, &ci_secret)).await, 401);
    refused(&c.call(&ci_token, "GET", &groups, None).await);
    let _ = child_id;

    // the root user's: `admin` by default, the domain administrator's every permission
    let r = c
        .root(
            "POST",
            &format!("/v3/users/{}/application_credentials", a.user_id),
            Some(json!({"application_credential": {"name": "ops", "secret": "ops-secret"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["application_credential"]["roles"][0]["name"], "admin",
        "{}",
        r.body
    );
    let ops_id = r.body["application_credential"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c.auth(by_id(&ops_id, "ops-secret")).await;
    let ops = token_of(&r);
    assert_eq!(role_names(&r.body), ["admin"]);
    let r = c
        .call(
            &ops,
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": "by-ops", "password": PW, "domain_id": a.domain_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = c
        .call(&ops, "POST", &groups, Some(json!({"group_name": "by-ops"})))
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
}
