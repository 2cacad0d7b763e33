//! Keystone's projects, roles, implied roles and role assignments to users through a real
//! `roster serve` (issue 15): CRUD with Keystone's rules and errors, tags, a project made
//! here serving the Workspace face at once, a user granted a role on a project getting a
//! token scoped to it and the permissions of the role, and the cascades of deletions.

use crate::common;

use common::iam::*;
use common::{create_account, Server, TestDb};
use serde_json::{json, Value};

#[tokio::test]
async fn projects_crud_tags_tree_and_workspace() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let other = create_account(&db, "other");
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;
    let ad = Caller {
        url: s.url.clone(),
        token,
    };

    // create: Keystone's fields come back, parent_id is the domain
    let r = ad
        .call(
            "POST",
            "/v3/projects",
            Some(
                json!({"project": {"name": "web", "description": "the web team",
                "domain_id": a.domain_id, "enabled": true, "tags": ["blue", "red", "blue"]}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let web = r.body["project"].clone();
    let web_id = web["id"].as_str().unwrap().to_string();
    assert_eq!(web["name"], "web");
    assert_eq!(web["description"], "the web team");
    assert_eq!(web["domain_id"], a.domain_id.as_str());
    assert_eq!(web["parent_id"], a.domain_id.as_str());
    assert_eq!(web["enabled"], true);
    assert_eq!(web["is_domain"], false);
    assert_eq!(web["tags"], json!(["blue", "red"]));

    // the same name in the domain (any case) is a 409; bad input is a 400 and changes nothing
    let r = ad
        .call(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "WEB"}})),
        )
        .await;
    assert_keystone_error(&r, 409);
    for bad in [
        json!({"project": {}}),
        json!({"project": {"name": ""}}),
        json!({"project": {"name": "x".repeat(65)}}),
        json!({"project": {"name": "t", "tags": ["a/b"]}}),
        json!({"project": {"name": "t", "tags": ["a,b"]}}),
        json!({"project": {"name": "t", "tags": (0..81).map(|i| i.to_string()).collect::<Vec<_>>()}}),
        json!({"project": {"name": "t", "is_domain": true}}),
        json!({"project": {"name": "t", "unknown": 1}}),
    ] {
        let r = ad.call("POST", "/v3/projects", Some(bad.clone())).await;
        assert_keystone_error(&r, 400);
    }
    // another domain: 403
    let r = ad
        .call(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "t", "domain_id": other.domain_id}})),
        )
        .await;
    assert_keystone_error(&r, 403);

    // a child, and the rules of the tree
    let r = ad
        .call(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "web-dev", "parent_id": web_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let child_id = r.body["project"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["project"]["parent_id"], web_id.as_str());
    let r = ad
        .call("DELETE", &format!("/v3/projects/{web_id}"), None)
        .await;
    assert_keystone_error(&r, 403);
    let r = ad
        .call(
            "PATCH",
            &format!("/v3/projects/{web_id}"),
            Some(json!({"project": {"enabled": false}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    // another account's parent is unknown
    let r = ad
        .call(
            "POST",
            "/v3/projects",
            Some(json!({"project": {"name": "t", "parent_id": other.project_id}})),
        )
        .await;
    assert_keystone_error(&r, 404);

    // filters: name, parent_id, tags, tags-any, not-tags, enabled
    let names = |r: &Resp| -> Vec<String> {
        let mut v: Vec<String> = r.body["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let r = ad.call("GET", "/v3/projects", None).await;
    assert_eq!(names(&r), ["default", "web", "web-dev"]);
    let r = ad
        .call("GET", &format!("/v3/projects?parent_id={web_id}"), None)
        .await;
    assert_eq!(names(&r), ["web-dev"]);
    let r = ad.call("GET", "/v3/projects?tags=blue,red", None).await;
    assert_eq!(names(&r), ["web"]);
    let r = ad.call("GET", "/v3/projects?tags=blue,green", None).await;
    assert!(names(&r).is_empty());
    let r = ad
        .call("GET", "/v3/projects?tags-any=green,red", None)
        .await;
    assert_eq!(names(&r), ["web"]);
    let r = ad.call("GET", "/v3/projects?not-tags-any=red", None).await;
    assert_eq!(names(&r), ["default", "web-dev"]);
    let r = ad.call("GET", "/v3/projects?name=web", None).await;
    assert_eq!(names(&r), ["web"]);

    // tags routes
    let tags = format!("/v3/projects/{web_id}/tags");
    let r = ad.call("PUT", &format!("{tags}/green"), None).await;
    assert_eq!(r.status, 201);
    let r = ad.call("GET", &format!("{tags}/green"), None).await;
    assert_eq!(r.status, 204);
    let r = ad.call("GET", &tags, None).await;
    assert_eq!(r.body["tags"], json!(["blue", "green", "red"]));
    let r = ad.call("DELETE", &format!("{tags}/blue"), None).await;
    assert_eq!(r.status, 204);
    let r = ad.call("GET", &format!("{tags}/blue"), None).await;
    assert_keystone_error(&r, 404);
    let r = ad
        .call("PUT", &tags, Some(json!({"tags": ["x", "y"]})))
        .await;
    assert_eq!(r.body["tags"], json!(["x", "y"]));
    let r = ad.call("DELETE", &tags, None).await;
    assert_eq!(r.status, 204);
    let r = ad
        .call("GET", &format!("/v3/projects/{web_id}"), None)
        .await;
    assert_eq!(r.body["project"]["tags"], json!([]));

    // update: name and description; the parent cannot change
    let r = ad
        .call(
            "PATCH",
            &format!("/v3/projects/{child_id}"),
            Some(json!({"project": {"name": "web-test", "description": "d"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["project"]["name"], "web-test");
    let r = ad
        .call(
            "PATCH",
            &format!("/v3/projects/{child_id}"),
            Some(json!({"project": {"parent_id": null}})),
        )
        .await;
    assert_keystone_error(&r, 403);

    // Huawei's /v3-ext: status suspended = disabled; a disabled project gets no token
    let r = ad
        .call(
            "PUT",
            &format!("/v3-ext/projects/{child_id}"),
            Some(json!({"project": {"status": "suspended"}})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = ad
        .call("GET", &format!("/v3-ext/projects/{child_id}"), None)
        .await;
    assert_eq!(r.body["project"]["status"], "suspended");
    assert_eq!(r.body["project"]["enabled"], false);
    let r = send(
        "POST",
        &format!("{}/v3/auth/tokens", s.url),
        &[],
        Some(&password_auth(
            &a.domain_name,
            &a.user_name,
            &a.password,
            json!({"project": {"id": child_id}}),
        )),
    )
    .await;
    assert_keystone_error(&r, 401);

    // a project made here is a Workspace tenant at once
    let ws = common::Client::new(&s.url, &a.access_key, &a.secret_key, &web_id);
    let r = ws
        .call(
            "POST",
            &ws.ws("/groups"),
            Some(&json!({"group_name": "ops"})),
        )
        .await;
    assert!(r.status < 300, "{} {}", r.status, r.body);
    // another account's projects are unknown
    let r = ad
        .call("GET", &format!("/v3/projects/{}", other.project_id), None)
        .await;
    assert_keystone_error(&r, 404);

    // delete: the child, then the parent; then both are gone
    let r = ad
        .call("DELETE", &format!("/v3/projects/{child_id}"), None)
        .await;
    assert_eq!(r.status, 204);
    let r = ad
        .call("DELETE", &format!("/v3/projects/{web_id}"), None)
        .await;
    assert_eq!(r.status, 204);
    let r = ad
        .call("GET", &format!("/v3/projects/{web_id}"), None)
        .await;
    assert_keystone_error(&r, 404);
    let r = ad.call("GET", "/v3/projects", None).await;
    assert_eq!(names(&r), ["default"]);
}

#[tokio::test]
async fn keystone_roles_inferences_and_user_grants() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;
    let ad = Caller {
        url: s.url.clone(),
        token,
    };

    // Keystone's default roles are there by name; making one again is a 409
    let r = ad.call("GET", "/v3/roles?name=member", None).await;
    assert_eq!(r.body["roles"].as_array().unwrap().len(), 1, "{}", r.body);
    let member_id = r.body["roles"][0]["id"].as_str().unwrap().to_string();
    let r = ad
        .call(
            "POST",
            "/v3/roles",
            Some(json!({"role": {"name": "member"}})),
        )
        .await;
    assert_keystone_error(&r, 409);
    let r = ad
        .call("POST", "/v3/roles", Some(json!({"role": {"name": ""}})))
        .await;
    assert_keystone_error(&r, 400);

    // create, rename, list, show
    let r = ad
        .call(
            "POST",
            "/v3/roles",
            Some(json!({"role": {"name": "auditor", "description": "reads"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let auditor = r.body["role"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["role"]["domain_id"], Value::Null);
    let r = ad
        .call(
            "PATCH",
            &format!("/v3/roles/{auditor}"),
            Some(json!({"role": {"name": "auditors"}})),
        )
        .await;
    assert_eq!(r.body["role"]["name"], "auditors", "{}", r.body);
    let r = ad.call("GET", "/v3/roles?name=auditors", None).await;
    assert_eq!(r.body["roles"][0]["id"], auditor.as_str());
    // a system role cannot be changed or deleted here
    let r = ad
        .call(
            "PATCH",
            &format!("/v3/roles/{member_id}"),
            Some(json!({"role": {"name": "x"}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = ad
        .call("DELETE", &format!("/v3/roles/{member_id}"), None)
        .await;
    assert_keystone_error(&r, 403);

    // inference rules: auditors implies reader; no cycles, no implying admin
    let r = ad.call("GET", "/v3/roles?name=reader", None).await;
    let reader = r.body["roles"][0]["id"].as_str().unwrap().to_string();
    let r = ad.call("GET", "/v3/roles?name=admin", None).await;
    let admin = r.body["roles"][0]["id"].as_str().unwrap().to_string();
    let r = ad
        .call(
            "PUT",
            &format!("/v3/roles/{auditor}/implies/{reader}"),
            None,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["role_inference"]["implies"]["id"], reader.as_str());
    let r = ad
        .call(
            "HEAD",
            &format!("/v3/roles/{auditor}/implies/{reader}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = ad
        .call(
            "PUT",
            &format!("/v3/roles/{reader}/implies/{auditor}"),
            None,
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = ad
        .call("PUT", &format!("/v3/roles/{auditor}/implies/{admin}"), None)
        .await;
    assert_keystone_error(&r, 403);
    let r = ad.call("GET", "/v3/role_inferences", None).await;
    assert_eq!(
        r.body["role_inferences"].as_array().unwrap().len(),
        1,
        "{}",
        r.body
    );
    let r = ad
        .call("GET", &format!("/v3/roles/{auditor}/implies"), None)
        .await;
    assert_eq!(
        r.body["role_inference"]["implies"][0]["id"],
        reader.as_str()
    );

    // a user granted `auditors` on a project: scoped token, reader's permissions there
    let pw = "Str0ng!Passw0rd";
    let r = ad
        .call(
            "POST",
            "/v3/users",
            Some(json!({"user": {"name": "ann", "password": pw, "domain_id": a.domain_id}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ann = r.body["user"]["id"].as_str().unwrap().to_string();
    let grant = format!("/v3/projects/{}/users/{ann}/roles/{auditor}", a.project_id);
    let r = ad.call("HEAD", &grant, None).await;
    assert_eq!(r.status, 404);
    let r = ad.call("PUT", &grant, None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = ad.call("HEAD", &grant, None).await;
    assert_eq!(r.status, 204);
    let r = ad
        .call(
            "GET",
            &format!("/v3/projects/{}/users/{ann}/roles", a.project_id),
            None,
        )
        .await;
    assert_eq!(r.body["roles"][0]["id"], auditor.as_str(), "{}", r.body);
    let r = ad
        .call(
            "GET",
            &format!("/v3/role_assignments?user.id={ann}&include_names"),
            None,
        )
        .await;
    let rows = r.body["role_assignments"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", r.body);
    assert_eq!(rows[0]["scope"]["project"]["id"], a.project_id.as_str());
    assert_eq!(rows[0]["role"]["name"], "auditors");
    // include_names names the user and the project with their domain (the openstack CLI's
    // `role assignment list --names` reads them)
    assert_eq!(rows[0]["user"]["name"], "ann");
    assert_eq!(rows[0]["user"]["domain"]["name"], a.domain_name.as_str());
    assert_eq!(rows[0]["scope"]["project"]["name"], a.project_name.as_str());
    assert_eq!(
        rows[0]["scope"]["project"]["domain"]["id"],
        a.domain_id.as_str()
    );
    // effective: the implied role too, linked to its prior role
    let r = ad
        .call(
            "GET",
            &format!("/v3/role_assignments?user.id={ann}&include_names&effective"),
            None,
        )
        .await;
    let rows = r.body["role_assignments"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|x| x["role"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["auditors", "reader"], "{}", r.body);
    assert!(rows[1]["links"]["prior_role"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v3/roles/{auditor}")));
    let r = ad
        .call("GET", &format!("/v3/users/{ann}/projects"), None)
        .await;
    assert_eq!(
        r.body["projects"][0]["id"],
        a.project_id.as_str(),
        "{}",
        r.body
    );

    // ann, scoped to the project: Workspace reads are allowed (reader), writes are not
    let r = send(
        "POST",
        &format!("{}/v3/auth/tokens", s.url),
        &[],
        Some(&password_auth(
            &a.domain_name,
            "ann",
            pw,
            json!({"project": {"id": a.project_id}}),
        )),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // the token lists the role granted there and the role it implies
    let names: Vec<&str> = r.body["token"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["auditors", "reader"], "{}", r.body);
    let ann_token = r.headers["x-subject-token"].to_str().unwrap().to_string();
    let groups = format!("{}/v2/{}/groups", s.url, a.project_id);
    let r = with_token("GET", &groups, &ann_token, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = with_token(
        "POST",
        &groups,
        &ann_token,
        Some(&json!({"group_name": "nope"})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // her own project list needs no permission
    let r = with_token(
        "GET",
        &format!("{}/v3/users/{ann}/projects", s.url),
        &ann_token,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // domain and inherited grants of users
    for path in [
        format!("/v3/domains/{}/users/{ann}/roles/{member_id}", a.domain_id),
        format!(
            "/v3/OS-INHERIT/domains/{}/users/{ann}/roles/{member_id}/inherited_to_projects",
            a.domain_id
        ),
    ] {
        let r = ad.call("PUT", &path, None).await;
        assert_eq!(r.status, 204, "{path}: {}", r.body);
        let r = ad.call("HEAD", &path, None).await;
        assert_eq!(r.status, 204, "{path}");
        let r = ad.call("DELETE", &path, None).await;
        assert_eq!(r.status, 204, "{path}");
        let r = ad.call("DELETE", &path, None).await;
        assert_keystone_error(&r, 404);
    }
    // unknown user, role, project: 404
    for path in [
        format!("/v3/projects/{}/users/nobody/roles/{auditor}", a.project_id),
        format!("/v3/projects/{}/users/{ann}/roles/nothing", a.project_id),
        format!("/v3/projects/nowhere/users/{ann}/roles/{auditor}"),
    ] {
        let r = ad.call("PUT", &path, None).await;
        assert_keystone_error(&r, 404);
    }

    // deleting the role deletes its assignments and rules
    let r = ad
        .call("DELETE", &format!("/v3/roles/{auditor}"), None)
        .await;
    assert_eq!(r.status, 204);
    let r = ad
        .call("GET", &format!("/v3/role_assignments?user.id={ann}"), None)
        .await;
    assert_eq!(r.body["role_assignments"], json!([]), "{}", r.body);
    let r = ad.call("GET", "/v3/role_inferences", None).await;
    assert_eq!(r.body["role_inferences"], json!([]));

    // deleting a user deletes its grants (a new grant, then the user)
    let r = ad
        .call(
            "PUT",
            &format!(
                "/v3/projects/{}/users/{ann}/roles/{member_id}",
                a.project_id
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = ad.call("DELETE", &format!("/v3/users/{ann}"), None).await;
    assert_eq!(r.status, 204);
    let r = ad
        .call(
            "GET",
            &format!("/v3/role_assignments?role.id={member_id}"),
            None,
        )
        .await;
    assert_eq!(r.body["role_assignments"], json!([]), "{}", r.body);
}

#[tokio::test]
async fn a_token_asked_without_scope_is_scoped_to_the_default_project() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &a).await;
    let ad = Caller {
        url: s.url.clone(),
        token,
    };
    let pw = "Str0ng!Passw0rd";
    let r = ad
        .call(
            "POST",
            "/v3/users",
            Some(
                json!({"user": {"name": "dee", "password": pw, "domain_id": a.domain_id,
                                 "default_project_id": a.project_id}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let unscoped = |pw: &str| {
        json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "dee", "password": pw, "domain": {"name": a.domain_name}}}}}})
    };
    let url = format!("{}/v3/auth/tokens", s.url);
    let r = send("POST", &url, &[], Some(&unscoped(pw))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["token"]["project"]["id"],
        a.project_id.as_str(),
        "{}",
        r.body
    );
    // a disabled default project: an unscoped token, as Keystone
    let r = ad
        .call(
            "PATCH",
            &format!("/v3/projects/{}", a.project_id),
            Some(json!({"project": {"enabled": false}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send("POST", &url, &[], Some(&unscoped(pw))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["token"].get("project").is_none(), "{}", r.body);
}

#[tokio::test]
async fn the_token_method_rescopes_a_token() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let url = format!("{}/v3/auth/tokens", s.url);
    let r = send(
        "POST",
        &url,
        &[],
        Some(
            &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": a.user_name, "password": a.password, "domain": {"name": a.domain_name}}}}}}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["token"].get("project").is_none());
    let unscoped = r.headers["x-subject-token"].to_str().unwrap().to_string();
    let expires = r.body["token"]["expires_at"].clone();
    let rescope = |token: &str| {
        json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
                        "scope": {"project": {"name": a.project_name,
                                              "domain": {"id": a.domain_id}}}}})
    };
    let r = send("POST", &url, &[], Some(&rescope(&unscoped))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["token"]["project"]["id"], a.project_id.as_str());
    assert_eq!(
        r.body["token"]["expires_at"], expires,
        "the original's expiry"
    );
    assert_eq!(r.body["token"]["methods"], json!(["token", "password"]));
    assert_eq!(r.body["token"]["roles"][0]["name"], "admin");
    let scoped = r.headers["x-subject-token"].to_str().unwrap().to_string();
    // the scoped one works; revoking it leaves the original usable
    let r = with_token("DELETE", &url, &scoped, None).await;
    assert_eq!(r.status, 400, "DELETE needs X-Subject-Token: {}", r.body);
    let r = send(
        "DELETE",
        &url,
        &[
            ("x-auth-token", scoped.as_str()),
            ("x-subject-token", scoped.as_str()),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    // a token it does not take: Keystone's 404 (TokenNotFound)
    let r = send("POST", &url, &[], Some(&rescope(&scoped))).await;
    assert_keystone_error(&r, 404);
    let r = send("POST", &url, &[], Some(&rescope(&unscoped))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // a bad token, or none
    let r = send("POST", &url, &[], Some(&rescope("0123notatoken"))).await;
    assert_keystone_error(&r, 404);
    let r = send(
        "POST",
        &url,
        &[],
        Some(&json!({"auth": {"identity": {"methods": ["token"]}}})),
    )
    .await;
    assert_keystone_error(&r, 400);
}
