//! Keystone's domains and the operator above the accounts through a real `roster serve`
//! (issue 15): the operator from the first start's credentials file creates a domain,
//! users, groups and projects in it, grants roles there, lists and filters, disables it
//! (its users' tokens stop) and deletes it with everything in it; an account's
//! administrator sees only its own domain and cannot reach another; bad input is a
//! Keystone error that changes nothing.

use crate::common;

use common::iam::*;
use common::{create_account, Creds, Server, TestDb};
use serde_json::{json, Value};

/// The operator's credentials from the first start's file.
fn operator_of(db: &TestDb) -> Value {
    let path = db.data_dir().join("default-credentials.json");
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    // the default account's own credentials are still there, as before
    let _: Creds = serde_json::from_value(v.clone()).unwrap();
    v["operator"].clone()
}

async fn token_for(url: &str, domain: &str, user: &str, password: &str, scope: Value) -> Resp {
    send(
        "POST",
        &format!("{url}/v3/auth/tokens"),
        &[],
        Some(&password_auth(domain, user, password, scope)),
    )
    .await
}

fn token_of(r: &Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.body);
    r.headers["x-subject-token"].to_str().unwrap().to_string()
}

fn ids(body: &Value, list: &str) -> Vec<String> {
    body[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {body}"))
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

const UNKNOWN: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn the_operator_manages_domains_and_what_is_in_them() {
    let db = TestDb::new();
    let s = Server::start_on(&db, &[]);
    let op = operator_of(&db);
    assert_eq!(op["user_name"], "admin");
    assert_eq!(op["domain_name"], "default");
    assert_eq!(op["project_name"], "default");
    let pw = op["password"].as_str().unwrap();

    // a system-scoped token, and a project-scoped one (tempest's admin): both are the
    // operator's, with the admin role
    let r = token_for(
        &s.url,
        "default",
        "admin",
        pw,
        json!({"system": {"all": true}}),
    )
    .await;
    let system = token_of(&r);
    assert_eq!(r.body["token"]["system"], json!({"all": true}));
    assert_eq!(r.body["token"]["roles"][0]["name"], "admin");
    let r = token_for(
        &s.url,
        "default",
        "admin",
        pw,
        json!({"project": {"name": "default", "domain": {"name": "default"}}}),
    )
    .await;
    let opc = Caller {
        url: s.url.clone(),
        token: token_of(&r),
    };
    assert_eq!(r.body["token"]["roles"][0]["name"], "admin");
    let sys = Caller {
        url: s.url.clone(),
        token: system,
    };
    // the system token validates as such
    let r = send(
        "GET",
        &format!("{}/v3/auth/tokens", s.url),
        &[
            ("x-auth-token", &opc.token),
            ("x-subject-token", &sys.token),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token"]["system"]["all"], true);

    // what tempest's setUpClass asks first
    let r = opc.call("GET", "/v3/domains?name=default", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["domains"].as_array().unwrap().len(), 1);
    let default_id = r.body["domains"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(default_id, op["domain_id"].as_str().unwrap());
    assert_eq!(r.body["domains"][0]["enabled"], true);

    // create a domain: Keystone's shape
    let r = opc
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "tempest-d1", "description": "a test domain"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let d = r.body["domain"].clone();
    let d_id = d["id"].as_str().unwrap().to_string();
    assert_eq!(d["name"], "tempest-d1");
    assert_eq!(d["description"], "a test domain");
    assert_eq!(d["enabled"], true);
    assert_eq!(d["options"], json!({}));
    assert!(d["links"]["self"].as_str().unwrap().ends_with(&d_id));
    let r = sys.call("GET", &format!("/v3/domains/{d_id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["domain"], d);
    let r = opc.call("GET", "/v3/domains", None).await;
    let all = ids(&r.body, "domains");
    assert!(
        all.contains(&d_id) && all.contains(&default_id),
        "{}",
        r.body
    );
    let r = opc.call("GET", "/v3/domains?enabled=false", None).await;
    assert_eq!(r.body["domains"], json!([]), "{}", r.body);

    // bad input: a Keystone error, nothing made
    for bad in [
        json!({"domain": {}}),
        json!({"domain": {"name": ""}}),
        json!({"domain": {"name": "x".repeat(65)}}),
        json!({"domain": {"name": "has space"}}),
        json!({"domain": {"name": "ok", "unknown": 1}}),
        json!({"domain": {"name": "ok", "enabled": "yes"}}),
        json!({"nodomain": {}}),
    ] {
        let r = opc.call("POST", "/v3/domains", Some(bad.clone())).await;
        assert_keystone_error(&r, 400);
    }
    let r = opc
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "tempest-d1"}})),
        )
        .await;
    assert_keystone_error(&r, 409);
    let r = opc.call("GET", "/v3/domains?name=ok", None).await;
    assert_eq!(r.body["domains"], json!([]));
    let r = opc
        .call("GET", &format!("/v3/domains/{UNKNOWN}"), None)
        .await;
    assert_keystone_error(&r, 404);

    // users, groups, projects in the new domain: by domain_id in the body
    let r = opc
        .call(
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": "alice", "domain_id": d_id, "password": "Passw0rd!x"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["user"]["domain_id"], d_id.as_str());
    let alice = r.body["user"]["id"].as_str().unwrap().to_string();
    let r = opc
        .call(
            "POST",
            "/v3/groups",
            Some(json!({"group": {"name": "devs", "domain_id": d_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["group"]["domain_id"], d_id.as_str());
    let devs = r.body["group"]["id"].as_str().unwrap().to_string();
    let r = opc
        .call(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "p1", "domain_id": d_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["project"]["domain_id"], d_id.as_str());
    let p1 = r.body["project"]["id"].as_str().unwrap().to_string();
    // an unknown domain in a body is a 404, as Keystone's "could not find domain"
    for (path, body) in [
        (
            "/v3/users",
            json!({"user": {"name": "bob", "domain_id": UNKNOWN}}),
        ),
        (
            "/v3/groups",
            json!({"group": {"name": "g", "domain_id": UNKNOWN}}),
        ),
        (
            "/v3/projects",
            json!({"project": {"name": "p", "domain_id": UNKNOWN}}),
        ),
    ] {
        let r = opc.call("POST", path, Some(body)).await;
        assert_keystone_error(&r, 404);
    }

    // by id in paths, by domain_id in filters
    let r = opc.call("GET", &format!("/v3/users/{alice}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = opc.call("GET", &format!("/v3/projects/{p1}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = opc.call("GET", &format!("/v3/groups/{devs}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/users/{alice}"),
            Some(json!({"user": {"description": "changed by the operator"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["user"]["description"], "changed by the operator");
    let r = opc
        .call("PUT", &format!("/v3/groups/{devs}/users/{alice}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = opc
        .call("GET", &format!("/v3/groups/{devs}/users"), None)
        .await;
    assert_eq!(ids(&r.body, "users"), [alice.as_str()]);
    let r = opc
        .call("GET", &format!("/v3/users?domain_id={d_id}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names: Vec<&str> = r.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"alice"), "{names:?}");
    let r = opc
        .call("GET", &format!("/v3/groups?domain_id={d_id}"), None)
        .await;
    assert_eq!(ids(&r.body, "groups"), [devs.as_str()]);
    let r = opc
        .call("GET", &format!("/v3/projects?domain_id={d_id}"), None)
        .await;
    assert!(ids(&r.body, "projects").contains(&p1), "{}", r.body);
    // naming no domain, the operator lists every domain's (tempest's test_list_users)
    let r = opc.call("GET", "/v3/users", None).await;
    let all = ids(&r.body, "users");
    assert!(all.contains(&alice), "{}", r.body);
    assert!(all.contains(&op["user_id"].as_str().unwrap().to_string()));
    let r = opc.call("GET", "/v3/users?name=alice", None).await;
    assert_eq!(ids(&r.body, "users"), [alice.as_str()]);
    let r = opc.call("GET", "/v3/groups", None).await;
    assert!(ids(&r.body, "groups").contains(&devs), "{}", r.body);
    let r = opc.call("GET", "/v3/projects", None).await;
    let all = ids(&r.body, "projects");
    assert!(all.contains(&p1) && all.contains(&op["project_id"].as_str().unwrap().to_string()));
    let r = opc
        .call("GET", &format!("/v3/users?domain_id={default_id}"), None)
        .await;
    assert!(!ids(&r.body, "users").contains(&alice), "{}", r.body);
    // an unknown domain filters to nothing (Keystone filters by the column)
    for list in ["users", "groups", "projects"] {
        let r = opc
            .call("GET", &format!("/v3/{list}?domain_id={UNKNOWN}"), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body[list], json!([]), "{}", r.body);
    }

    // role grants in the domain, and alice's token scoped to the project
    let r = opc.call("GET", "/v3/roles?name=member", None).await;
    let member = ids(&r.body, "roles").pop().expect("the member role");
    let r = opc
        .call(
            "PUT",
            &format!("/v3/projects/{p1}/users/{alice}/roles/{member}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = opc
        .call(
            "PUT",
            &format!("/v3/domains/{d_id}/groups/{devs}/roles/{member}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = opc
        .call(
            "GET",
            &format!("/v3/role_assignments?user.id={alice}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        !r.body["role_assignments"].as_array().unwrap().is_empty(),
        "{}",
        r.body
    );
    let r = token_for(
        &s.url,
        "tempest-d1",
        "alice",
        "Passw0rd!x",
        json!({"project": {"id": p1}}),
    )
    .await;
    let alice_token = token_of(&r);
    let alice_c = Caller {
        url: s.url.clone(),
        token: alice_token.clone(),
    };
    assert_eq!(
        alice_c.call("GET", "/v3/auth/projects", None).await.status,
        200
    );
    // a user reads its own domain, and only that
    let r = alice_c
        .call("GET", &format!("/v3/domains/{d_id}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = alice_c
        .call("GET", &format!("/v3/domains/{default_id}"), None)
        .await;
    assert_keystone_error(&r, 404);
    let r = alice_c
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "x"}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    // and cannot take the system scope
    let r = token_for(
        &s.url,
        "tempest-d1",
        "alice",
        "Passw0rd!x",
        json!({"system": {"all": true}}),
    )
    .await;
    assert_keystone_error(&r, 401);

    // more that hangs on the domain: a key, a domain's own role granted, project tags
    let r = opc
        .call(
            "POST",
            "/v3.0/OS-CREDENTIAL/credentials",
            Some(json!({"credential": {"user_id": alice, "description": "alice's"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = opc
        .call(
            "POST",
            "/v3/roles",
            Some(json!({"role": {"name": "d1-role", "domain_id": d_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["role"]["domain_id"], d_id.as_str());
    let d_role = r.body["role"]["id"].as_str().unwrap().to_string();
    // a domain's own role is reached by id
    let r = opc.call("GET", &format!("/v3/roles/{d_role}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["role"]["name"], "d1-role");
    let r = opc
        .call(
            "PUT",
            &format!("/v3/projects/{p1}/users/{alice}/roles/{d_role}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = opc
        .call("PUT", &format!("/v3/projects/{p1}/tags/blue"), None)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // an enabled domain is not deleted; a disabled one refuses its users' tokens
    let r = opc
        .call("DELETE", &format!("/v3/domains/{d_id}"), None)
        .await;
    assert_keystone_error(&r, 403);
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/domains/{d_id}"),
            Some(json!({"domain": {"enabled": false, "description": "going"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["domain"]["enabled"], false);
    assert_eq!(r.body["domain"]["description"], "going");
    eventually("the disabled domain's token is refused", || async {
        alice_c.call("GET", "/v3/auth/projects", None).await.status == 401
    })
    .await;
    let r = token_for(
        &s.url,
        "tempest-d1",
        "alice",
        "Passw0rd!x",
        json!({"project": {"id": p1}}),
    )
    .await;
    assert_keystone_error(&r, 401);
    let r = opc.call("GET", "/v3/domains?enabled=false", None).await;
    assert_eq!(ids(&r.body, "domains"), [d_id.as_str()]);
    // a rename to a taken name is a 409; a bad one a 400
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/domains/{d_id}"),
            Some(json!({"domain": {"name": "default"}})),
        )
        .await;
    assert_keystone_error(&r, 409);
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/domains/{d_id}"),
            Some(json!({"domain": {"name": ""}})),
        )
        .await;
    assert_keystone_error(&r, 400);
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/domains/{UNKNOWN}"),
            Some(json!({"domain": {"enabled": false}})),
        )
        .await;
    assert_keystone_error(&r, 404);

    // deleted with everything in it
    let r = opc
        .call("DELETE", &format!("/v3/domains/{d_id}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = opc.call("GET", &format!("/v3/domains/{d_id}"), None).await;
    assert_keystone_error(&r, 404);
    for path in [
        format!("/v3/users/{alice}"),
        format!("/v3/groups/{devs}"),
        format!("/v3/projects/{p1}"),
    ] {
        let r = opc.call("GET", &path, None).await;
        assert_keystone_error(&r, 404);
    }
    let r = opc
        .call("DELETE", &format!("/v3/domains/{d_id}"), None)
        .await;
    assert_keystone_error(&r, 404);
    // no row names the domain or what was in it
    let raw = common::raw(&db).await;
    for (table, column, id) in [
        ("accounts", "id", &d_id),
        ("users", "account_id", &d_id),
        ("user_groups", "account_id", &d_id),
        ("projects", "account_id", &d_id),
        ("access_keys", "account_id", &d_id),
        ("user_role_assignments", "account_id", &d_id),
        ("role_assignments", "account_id", &d_id),
        ("keystone_roles", "domain_id", &d_id),
        ("memberships", "user_id", &alice),
        ("project_tags", "project_id", &p1),
        ("system_role_assignments", "account_id", &d_id),
    ] {
        let n = raw
            .scalar(
                &format!("SELECT count(*) FROM {table} WHERE {column} = $1"),
                &[roster::store::raw::Value::Text(id.clone())],
            )
            .await
            .unwrap();
        assert_eq!(
            n,
            roster::store::raw::Value::Int(0),
            "{table} still names {id}"
        );
    }
    // the name is free again
    let r = opc
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "tempest-d1", "enabled": false}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["domain"]["enabled"], false);
    // the operators' own domain is not deleted
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/domains/{default_id}"),
            Some(json!({"domain": {"enabled": true}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // tempest's dynamic admin: a user of the default domain given the admin role on a
    // project there is an operator; the admin role in another domain makes none
    let r = opc
        .call(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "tempest-admin-p", "domain_id": default_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let tp = r.body["project"]["id"].as_str().unwrap().to_string();
    let r = opc
        .call(
            "POST",
            "/v3/users",
            Some(
                json!({"user": {"name": "tempest-admin", "domain_id": default_id,
                "project_id": tp, "email": "t@example.com", "password": "Passw0rd!x"}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let tu = r.body["user"]["id"].as_str().unwrap().to_string();
    let r = opc.call("GET", "/v3/roles?name=admin", None).await;
    let admin_role = ids(&r.body, "roles").pop().expect("the admin role");
    let r = opc
        .call(
            "PUT",
            &format!("/v3/projects/{tp}/users/{tu}/roles/{admin_role}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = token_for(
        &s.url,
        "default",
        "tempest-admin",
        "Passw0rd!x",
        json!({"project": {"id": tp}}),
    )
    .await;
    let tadmin = Caller {
        url: s.url.clone(),
        token: token_of(&r),
    };
    assert_eq!(r.body["token"]["roles"][0]["name"], "admin");
    let r = tadmin
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "by-tempest"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let bt = r.body["domain"]["id"].as_str().unwrap().to_string();
    let r = tadmin
        .call(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "bt-p", "domain_id": bt}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let btp = r.body["project"]["id"].as_str().unwrap().to_string();
    let r = tadmin
        .call(
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": "bt-u", "domain_id": bt, "password": "Passw0rd!x"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let btu = r.body["user"]["id"].as_str().unwrap().to_string();
    let r = tadmin
        .call(
            "PUT",
            &format!("/v3/projects/{btp}/users/{btu}/roles/{admin_role}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = token_for(
        &s.url,
        "by-tempest",
        "bt-u",
        "Passw0rd!x",
        json!({"project": {"id": btp}}),
    )
    .await;
    let bt_admin = Caller {
        url: s.url.clone(),
        token: token_of(&r),
    };
    let r = bt_admin
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "nope"}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = bt_admin
        .call("GET", &format!("/v3/domains/{bt}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = bt_admin
        .call(
            "GET",
            &format!("/v3/users/{}", op["user_id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_keystone_error(&r, 403);
    // its admin role revoked, the default user is an operator no more
    let r = opc
        .call(
            "DELETE",
            &format!("/v3/projects/{tp}/users/{tu}/roles/{admin_role}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = tadmin
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "by-tempest2"}})),
        )
        .await;
    assert_keystone_error(&r, 403);

    // system role assignments: the operator's, and a second operator made by one
    let admin_id = op["user_id"].as_str().unwrap();
    let r = opc
        .call("GET", &format!("/v3/system/users/{admin_id}/roles"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["roles"][0]["name"], "admin");
    assert_eq!(r.body["roles"][0]["id"], admin_role.as_str());
    let r = opc
        .call(
            "HEAD",
            &format!("/v3/system/users/{admin_id}/roles/{admin_role}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    // the system admin role makes a user of any domain an operator; a Keystone role may be
    // held on the system too (tempest's test_grant_list_revoke_role_to_user_on_system)
    let r = opc
        .call(
            "PUT",
            &format!("/v3/system/users/{btu}/roles/{admin_role}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = token_for(
        &s.url,
        "by-tempest",
        "bt-u",
        "Passw0rd!x",
        json!({"system": {"all": true}}),
    )
    .await;
    let bt_op = Caller {
        url: s.url.clone(),
        token: token_of(&r),
    };
    let r = bt_op
        .call("GET", &format!("/v3/domains/{default_id}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = opc
        .call(
            "POST",
            "/v3/roles",
            Some(json!({"role": {"name": "sys-viewer"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sys_role = r.body["role"]["id"].as_str().unwrap().to_string();
    let path = format!("/v3/system/users/{btu}/roles/{sys_role}");
    assert_eq!(opc.call("PUT", &path, None).await.status, 204);
    assert_eq!(opc.call("GET", &path, None).await.status, 204);
    let r = opc
        .call("GET", &format!("/v3/system/users/{btu}/roles"), None)
        .await;
    let mut names: Vec<&str> = r.body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["admin", "sys-viewer"], "{}", r.body);
    assert_eq!(opc.call("DELETE", &path, None).await.status, 204);
    assert_keystone_error(&opc.call("GET", &path, None).await, 404);
    assert_keystone_error(&opc.call("DELETE", &path, None).await, 404);
    // unknown role or user
    let r = opc
        .call(
            "PUT",
            &format!("/v3/system/users/{btu}/roles/{UNKNOWN}"),
            None,
        )
        .await;
    assert_keystone_error(&r, 404);
    let r = opc
        .call(
            "PUT",
            &format!("/v3/system/users/{UNKNOWN}/roles/{admin_role}"),
            None,
        )
        .await;
    assert_keystone_error(&r, 404);
}

#[tokio::test]
async fn a_domain_administrator_sees_and_touches_only_its_own_domain() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let other = create_account(&db, "other");
    let s = Server::start_on(&db, &[]);
    let (token, body) = login(&s.url, &a).await;
    assert_eq!(body["token"]["roles"][0]["name"], "admin");
    let ad = Caller {
        url: s.url.clone(),
        token,
    };
    let r = ad.call("GET", "/v3/domains", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.body, "domains"), [a.domain_id.as_str()]);
    let r = ad.call("GET", "/v3/domains?name=acme", None).await;
    assert_eq!(ids(&r.body, "domains"), [a.domain_id.as_str()]);
    let r = ad.call("GET", "/v3/domains?name=other", None).await;
    assert_eq!(r.body["domains"], json!([]));
    let r = ad
        .call("GET", &format!("/v3/domains/{}", a.domain_id), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["domain"]["name"], "acme");
    let r = ad
        .call("GET", &format!("/v3/domains/{}", other.domain_id), None)
        .await;
    assert_keystone_error(&r, 404);
    let r = ad.call("GET", "/v3/auth/domains", None).await;
    assert_eq!(ids(&r.body, "domains"), [a.domain_id.as_str()]);

    // the operator's routes are refused
    let r = ad
        .call(
            "POST",
            "/v3/domains",
            Some(json!({"domain": {"name": "mine"}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    for d in [&a.domain_id, &other.domain_id] {
        let r = ad
            .call(
                "PATCH",
                &format!("/v3/domains/{d}"),
                Some(json!({"domain": {"enabled": false}})),
            )
            .await;
        assert_keystone_error(&r, 403);
        let r = ad.call("DELETE", &format!("/v3/domains/{d}"), None).await;
        assert_keystone_error(&r, 403);
    }
    let r = ad
        .call(
            "GET",
            &format!("/v3/system/users/{}/roles", other.user_id),
            None,
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = ad
        .call(
            "PUT",
            &format!("/v3/system/users/{}/roles/x", a.user_id),
            None,
        )
        .await;
    assert_keystone_error(&r, 403);
    // its own system roles: none
    let r = ad
        .call(
            "GET",
            &format!("/v3/system/users/{}/roles", a.user_id),
            None,
        )
        .await;
    assert_eq!(r.body["roles"], json!([]), "{}", r.body);
    let r = token_for(
        &s.url,
        "acme",
        "acme",
        &a.password,
        json!({"system": {"all": true}}),
    )
    .await;
    assert_keystone_error(&r, 401);

    // another domain stays out of reach
    let r = ad
        .call(
            "GET",
            &format!("/v3/users?domain_id={}", other.domain_id),
            None,
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = ad
        .call(
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": "x", "domain_id": other.domain_id}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = ad
        .call("GET", &format!("/v3/users/{}", other.user_id), None)
        .await;
    assert_keystone_error(&r, 404);
    let r = ad
        .call("GET", &format!("/v3/projects/{}", other.project_id), None)
        .await;
    assert_keystone_error(&r, 404);
    // the account's administrator still does its own work
    let r = ad
        .call("GET", &format!("/v3/users?domain_id={}", a.domain_id), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn the_operators_cannot_be_taken_over_from_their_own_account() {
    let db = TestDb::new();
    let s = Server::start_on(&db, &[]);
    let op = operator_of(&db);
    let file = db.data_dir().join("default-credentials.json");
    let root: Creds = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let (root_token, _) = login(&s.url, &root).await;
    let root = Caller {
        url: s.url.clone(),
        token: root_token,
    };
    let r = token_for(
        &s.url,
        "default",
        "admin",
        op["password"].as_str().unwrap(),
        json!({"project": {"name": "default", "domain": {"name": "default"}}}),
    )
    .await;
    let opc = Caller {
        url: s.url.clone(),
        token: token_of(&r),
    };
    let op_id = op["user_id"].as_str().unwrap();
    let (default_id, project) = (
        op["domain_id"].as_str().unwrap(),
        op["project_id"].as_str().unwrap(),
    );

    // the account's root cannot change, disable or delete an operator
    for (method, body) in [
        (
            "PATCH",
            Some(json!({"user": {"password": "Other!Passw0rd"}})),
        ),
        ("PATCH", Some(json!({"user": {"enabled": false}}))),
        ("DELETE", None),
    ] {
        let r = root.call(method, &format!("/v3/users/{op_id}"), body).await;
        assert_keystone_error(&r, 403);
    }
    // nor make one: the admin role in this account is the operators' to hand on
    let r = root
        .call(
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": "climber", "domain_id": default_id,
                                 "password": "Passw0rd!x"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let climber = r.body["user"]["id"].as_str().unwrap().to_string();
    let r = root.call("GET", "/v3/roles?name=admin", None).await;
    let admin = ids(&r.body, "roles").pop().expect("the admin role");
    let grant = format!("/v3/projects/{project}/users/{climber}/roles/{admin}");
    let r = root.call("PUT", &grant, None).await;
    assert_keystone_error(&r, 403);
    let r = root.call("HEAD", &grant, None).await;
    assert_eq!(r.status, 404);
    let r = opc.call("PUT", &grant, None).await;
    assert_eq!(r.status, 204, "{}", r.body);

    // the operators' account keeps its name and stays enabled
    for body in [
        json!({"domain": {"name": "renamed"}}),
        json!({"domain": {"enabled": false}}),
    ] {
        let r = opc
            .call("PATCH", &format!("/v3/domains/{default_id}"), Some(body))
            .await;
        assert_keystone_error(&r, 403);
    }
    let r = opc
        .call("DELETE", &format!("/v3/domains/{default_id}"), None)
        .await;
    assert_keystone_error(&r, 403);
    let r = opc
        .call("GET", &format!("/v3/domains/{default_id}"), None)
        .await;
    assert_eq!(r.body["domain"]["name"], "default");
    assert_eq!(r.body["domain"]["enabled"], true);
}

#[tokio::test]
async fn a_disabled_domain_s_keys_stop_on_every_face() {
    let db = TestDb::new();
    let s = Server::start_on(&db, &[]);
    let op = operator_of(&db);
    let a = create_account(&db, "acme");
    let r = token_for(
        &s.url,
        "default",
        "admin",
        op["password"].as_str().unwrap(),
        json!({"project": {"name": "default", "domain": {"name": "default"}}}),
    )
    .await;
    let opc = Caller {
        url: s.url.clone(),
        token: token_of(&r),
    };
    let ws = common::Client::new(&s.url, &a.access_key, &a.secret_key, &a.project_id);
    let groups = format!("/v2/{}/groups", a.project_id);
    assert_eq!(ws.call("GET", &groups, None).await.status, 200);
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/domains/{}", a.domain_id),
            Some(json!({"domain": {"enabled": false}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // at once on this node: Workspace refuses the key as IAM does
    assert_eq!(ws.call("GET", &groups, None).await.status, 401);
    let r = opc
        .call(
            "PATCH",
            &format!("/v3/domains/{}", a.domain_id),
            Some(json!({"domain": {"enabled": true}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ws.call("GET", &groups, None).await.status, 200);
}

#[tokio::test]
async fn an_operator_names_the_domain_of_a_group_id_two_domains_chose() {
    let db = TestDb::new();
    let s = Server::start_on(&db, &[]);
    let op = operator_of(&db);
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    for (c, name) in [(&a, "Sales A"), (&b, "Sales B")] {
        let r = common::quickbi::call(
            &s.url,
            c,
            "CreateUserGroup",
            &[
                ("UserGroupId", "sales"),
                ("ParentUserGroupId", "-1"),
                ("UserGroupName", name),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = token_for(
        &s.url,
        "default",
        "admin",
        op["password"].as_str().unwrap(),
        json!({"project": {"name": "default", "domain": {"name": "default"}}}),
    )
    .await;
    let opc = Caller {
        url: s.url.clone(),
        token: token_of(&r),
    };
    // a guess would act on one domain's group: 409 until the domain is named
    let r = opc.call("GET", "/v3/groups/sales", None).await;
    assert_keystone_error(&r, 409);
    let r = opc.call("DELETE", "/v3/groups/sales", None).await;
    assert_keystone_error(&r, 409);
    for (c, name) in [(&a, "Sales A"), (&b, "Sales B")] {
        let r = opc
            .call(
                "GET",
                &format!("/v3/groups/sales?domain_id={}", c.domain_id),
                None,
            )
            .await;
        assert_eq!(r.body["group"]["name"], name, "{}", r.body);
    }
}
