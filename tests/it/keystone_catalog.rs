//! Keystone's service catalog and policy blobs through a real `roster serve` (issue 15):
//! regions (ids chosen or made, a tree, deletion down the tree, refused while an endpoint
//! is in it), services and endpoints (filters, an endpoint's `region` made when missing,
//! the faces Roster serves listed and unchangeable), the catalog of a token and of
//! `/v3/auth/catalog`, `/v3/policies`, and Keystone's errors for bad input.

use crate::common;

use common::iam::*;
use common::{create_account, create_operator, Server, TestDb};
use serde_json::{json, Value};

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn regions_services_endpoints_and_the_token_catalog() {
    let db = TestDb::new();
    let o = create_operator(&db, "ops");
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &o).await;
    let op = Caller {
        url: s.url.clone(),
        token,
    };
    // an account's root user reads the catalog; only the operator changes it
    let (token, body) = login(&s.url, &a).await;
    let root = Caller {
        url: s.url.clone(),
        token,
    };
    for (method, path, body) in [
        ("POST", "/v3/regions", json!({"region": {}})),
        (
            "POST",
            "/v3/services",
            json!({"service": {"type": "compute"}}),
        ),
        (
            "POST",
            "/v3/policies",
            json!({"policy": {"type": "a", "blob": "b"}}),
        ),
    ] {
        let r = root.call(method, path, Some(body)).await;
        assert_keystone_error(&r, 403);
    }
    let r = root.call("GET", "/v3/services", None).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // a token lists the faces Roster serves, at this server's URL
    let catalog = body["token"]["catalog"].as_array().unwrap();
    let types: Vec<&str> = catalog
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["identity", "workspace", "quickbi"], "{catalog:?}");
    assert_eq!(catalog[0]["endpoints"][0]["url"], format!("{}/v3", s.url));
    assert_eq!(catalog[1]["endpoints"].as_array().unwrap().len(), 3);

    // regions: a chosen id, a made one, a child; filter by parent
    let r = op
        .call(
            "POST",
            "/v3/regions",
            Some(json!({"region": {"id": "RegionOne", "description": "first"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["region"]["id"], "RegionOne");
    let r = op
        .call(
            "POST",
            "/v3/regions",
            Some(json!({"region": {"parent_region_id": "RegionOne"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let child = r.body["region"]["id"].as_str().unwrap().to_string();
    assert_eq!(child.len(), 32);
    let r = op
        .call(
            "PUT",
            "/v3/regions/RegionPut",
            Some(json!({"region": {"description": "by PUT"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["region"]["id"], "RegionPut");
    let r = op.call("DELETE", "/v3/regions/RegionPut", None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = op
        .call("GET", "/v3/regions?parent_region_id=RegionOne", None)
        .await;
    assert_eq!(ids(&r.body, "regions"), [child.as_str()]);
    // the same id again, an unknown parent, a cycle, a bad id: refused, nothing changed
    let r = op
        .call(
            "POST",
            "/v3/regions",
            Some(json!({"region": {"id": "RegionOne"}})),
        )
        .await;
    assert_keystone_error(&r, 409);
    let r = op
        .call(
            "POST",
            "/v3/regions",
            Some(json!({"region": {"parent_region_id": "nowhere"}})),
        )
        .await;
    assert_keystone_error(&r, 400);
    let r = op
        .call(
            "PATCH",
            "/v3/regions/RegionOne",
            Some(json!({"region": {"parent_region_id": child}})),
        )
        .await;
    assert_keystone_error(&r, 400);
    let r = op
        .call(
            "POST",
            "/v3/regions",
            Some(json!({"region": {"id": "a/b"}})),
        )
        .await;
    assert_keystone_error(&r, 400);
    let r = op
        .call(
            "POST",
            "/v3/regions",
            Some(json!({"region": {"description": 7}})),
        )
        .await;
    assert_keystone_error(&r, 400);
    let r = op.call("GET", "/v3/regions", None).await;
    assert_eq!(r.body["regions"].as_array().unwrap().len(), 2, "{}", r.body);
    // attributes beyond Keystone's own are kept and shown back, merged on update
    let r = op
        .call(
            "PATCH",
            "/v3/regions/RegionOne",
            Some(json!({"region": {"colour": "red", "enabled": true}})),
        )
        .await;
    assert_eq!(r.body["region"]["colour"], "red", "{}", r.body);
    let r = op
        .call(
            "PATCH",
            "/v3/regions/RegionOne",
            Some(json!({"region": {"colour": "blue"}})),
        )
        .await;
    assert_eq!(r.body["region"]["colour"], "blue", "{}", r.body);
    assert_eq!(r.body["region"]["enabled"], true, "{}", r.body);
    assert_eq!(r.body["region"]["description"], "first");

    // services: create, filter by type, update; enabled must be a boolean
    let r = op
        .call(
            "POST",
            "/v3/services",
            Some(json!({"service": {"type": "compute", "name": "nova", "description": "vms"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nova = r.body["service"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["service"]["enabled"], true);
    let r = op
        .call(
            "POST",
            "/v3/services",
            Some(json!({"service": {"type": "compute", "enabled": "False"}})),
        )
        .await;
    assert_keystone_error(&r, 400);
    let r = op
        .call(
            "POST",
            "/v3/services",
            Some(json!({"service": {"name": "typeless"}})),
        )
        .await;
    assert_keystone_error(&r, 400);
    let r = op.call("GET", "/v3/services?type=compute", None).await;
    assert_eq!(ids(&r.body, "services"), [nova.as_str()]);
    let r = op.call("GET", "/v3/services?type=identity", None).await;
    assert_eq!(ids(&r.body, "services"), ["identity"]);
    let r = op
        .call(
            "PATCH",
            &format!("/v3/services/{nova}"),
            Some(json!({"service": {"description": "compute"}})),
        )
        .await;
    assert_eq!(r.body["service"]["description"], "compute", "{}", r.body);
    assert_eq!(r.body["service"]["name"], "nova");
    // a face of Roster's own cannot change
    let r = op
        .call(
            "PATCH",
            "/v3/services/identity",
            Some(json!({"service": {"name": "x"}})),
        )
        .await;
    assert_keystone_error(&r, 403);
    let r = op
        .call("DELETE", "/v3/endpoints/identity-public", None)
        .await;
    assert_keystone_error(&r, 403);

    // endpoints: in a region given by its older name (made when missing), filters
    let r = op
        .call(
            "POST",
            "/v3/endpoints",
            Some(
                json!({"endpoint": {"service_id": nova, "interface": "public",
                                     "url": "http://nova.example/v2.1", "region": "RegionTwo"}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ep = r.body["endpoint"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["endpoint"]["region"], "RegionTwo");
    let r = op.call("GET", "/v3/regions/RegionTwo", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for bad in [
        json!({"service_id": nova, "interface": "sideways", "url": "http://x"}),
        json!({"service_id": "0123456789abcdef0123456789abcdef", "interface": "public", "url": "http://x"}),
        json!({"service_id": nova, "interface": "public"}),
        json!({"service_id": nova, "interface": "public", "url": "http://x", "enabled": "True"}),
        json!({"service_id": nova, "interface": "public", "url": "http://x", "region_id": "nowhere"}),
    ] {
        let r = op
            .call("POST", "/v3/endpoints", Some(json!({ "endpoint": bad })))
            .await;
        assert_keystone_error(&r, 400);
    }
    let r = op
        .call("GET", &format!("/v3/endpoints?service_id={nova}"), None)
        .await;
    assert_eq!(ids(&r.body, "endpoints"), [ep.as_str()]);
    let r = op
        .call(
            "GET",
            "/v3/endpoints?interface=public&region_id=RegionTwo",
            None,
        )
        .await;
    assert_eq!(ids(&r.body, "endpoints"), [ep.as_str()]);
    let r = op.call("GET", "/v3/endpoints?interface=admin", None).await;
    assert_eq!(
        ids(&r.body, "endpoints"),
        ["identity-admin", "workspace-admin", "quickbi-admin"]
    );

    // the catalog of a new token and of /v3/auth/catalog carry the service
    let (token, body) = login(&s.url, &a).await;
    let nova_entry = body["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == nova.as_str())
        .cloned()
        .expect("nova in the token's catalog");
    assert_eq!(
        nova_entry["endpoints"][0]["url"],
        "http://nova.example/v2.1"
    );
    assert_eq!(nova_entry["endpoints"][0]["region_id"], "RegionTwo");
    let r = with_token("GET", &format!("{}/v3/auth/catalog", s.url), &token, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == nova.as_str()));
    // nocatalog leaves it out
    let r = send(
        "POST",
        &format!("{}/v3/auth/tokens?nocatalog", s.url),
        &[],
        Some(&password_auth(
            &a.domain_name,
            &a.user_name,
            &a.password,
            json!({"project": {"id": a.project_id}}),
        )),
    )
    .await;
    assert_eq!(r.status, 201);
    assert!(r.body["token"].get("catalog").is_none(), "{}", r.body);

    // an endpoint moved to another region; a disabled one leaves the token's catalog
    let r = op
        .call(
            "PATCH",
            &format!("/v3/endpoints/{ep}"),
            Some(json!({"endpoint": {"region": "RegionThree", "enabled": false}})),
        )
        .await;
    assert_eq!(r.body["endpoint"]["region_id"], "RegionThree", "{}", r.body);
    assert_eq!(r.body["endpoint"]["enabled"], false);
    let (_, body) = login(&s.url, &a).await;
    let nova_entry = body["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == nova.as_str())
        .cloned()
        .unwrap();
    assert_eq!(nova_entry["endpoints"], json!([]));

    // a region with an endpoint in it is kept; deleting a region takes its children
    let r = op.call("DELETE", "/v3/regions/RegionThree", None).await;
    assert_keystone_error(&r, 409);
    let r = op.call("DELETE", "/v3/regions/RegionOne", None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = op.call("GET", &format!("/v3/regions/{child}"), None).await;
    assert_keystone_error(&r, 404);
    // deleting the service takes its endpoints
    let r = op
        .call("DELETE", &format!("/v3/services/{nova}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = op.call("GET", &format!("/v3/endpoints/{ep}"), None).await;
    assert_keystone_error(&r, 404);
    let r = op.call("DELETE", "/v3/regions/RegionThree", None).await;
    assert_eq!(r.status, 204, "{}", r.body);
}

#[tokio::test]
async fn policy_blobs() {
    let db = TestDb::new();
    let o = create_operator(&db, "ops");
    let s = Server::start_on(&db, &[]);
    let (token, _) = login(&s.url, &o).await;
    let op = Caller {
        url: s.url.clone(),
        token,
    };
    let r = op
        .call(
            "POST",
            "/v3/policies",
            Some(json!({"policy": {"type": "application/json", "blob": "{\"a\": 1}"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["policy"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["policy"]["blob"], "{\"a\": 1}");
    let r = op
        .call(
            "PATCH",
            &format!("/v3/policies/{id}"),
            Some(json!({"policy": {"type": "text/plain"}})),
        )
        .await;
    assert_eq!(r.body["policy"]["type"], "text/plain", "{}", r.body);
    let r = op.call("GET", &format!("/v3/policies/{id}"), None).await;
    assert_eq!(r.body["policy"]["blob"], "{\"a\": 1}");
    let r = op.call("GET", "/v3/policies?type=text/plain", None).await;
    assert_eq!(ids(&r.body, "policies"), [id.as_str()]);
    for bad in [
        json!({"policy": {"type": "x"}}),
        json!({"policy": {"blob": "x"}}),
        json!({"policy": {"type": "x", "blob": "y".repeat(70_000)}}),
    ] {
        let r = op.call("POST", "/v3/policies", Some(bad)).await;
        assert_keystone_error(&r, 400);
    }
    let r = op.call("DELETE", &format!("/v3/policies/{id}"), None).await;
    assert_eq!(r.status, 204);
    let r = op.call("GET", &format!("/v3/policies/{id}"), None).await;
    assert_keystone_error(&r, 404);
}
