//! Keystone's credentials through a real `roster serve` (issue 15): `/v3/credentials` and
//! `/v3/users/{id}/credentials/OS-EC2` are views of the same access keys as
//! `/v3.0/OS-CREDENTIAL` (an ec2 credential made in one view is listed by the others,
//! signs Workspace and IAM requests, counts against the two keys a user may have, and is
//! gone from all when deleted through any), other types are sealed blobs; filters, who may,
//! Keystone's errors, and the cascades of deleting a project or a user.

use roster::core::keystone_credentials::ec2_credential_id;
use serde_json::{json, Value};

use crate::common::iam::{assert_keystone_error, Resp};
use crate::common::{create_account, raw, Creds, Server, TestDb};
use crate::credentials::{as_key, iam, setup, user};

fn ec2_blob(access: &str, secret: &str) -> String {
    json!({"access": access, "secret": secret}).to_string()
}

async fn create(s: &Server, by: &Creds, cred: Value) -> Resp {
    iam(
        s,
        by,
        "POST",
        "/v3/credentials",
        Some(&json!({ "credential": cred })),
    )
    .await
}

fn ids(r: &Resp) -> Vec<String> {
    r.body["credentials"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn accesses(r: &Resp) -> Vec<String> {
    r.body["credentials"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|c| c["access"].as_str().unwrap().to_string())
        .collect()
}

fn blob(c: &Value) -> Value {
    serde_json::from_str(c["blob"].as_str().unwrap()).unwrap()
}

/// Workspace's group list, signed with `c`'s key: the status.
async fn workspace(s: &Server, c: &Creds) -> u16 {
    let ws = s.client(c);
    ws.call("GET", &ws.ws("/groups"), None).await.status
}

#[tokio::test]
async fn an_ec2_credential_is_an_access_key_in_every_view() {
    let (s, root, other) = setup();
    let access = "tempest-Access-1234567";
    let secret = "tempest-Secret-7654321";
    let r = create(
        &s,
        &root,
        json!({"user_id": root.user_id, "project_id": root.project_id, "type": "ec2",
               "blob": ec2_blob(access, secret)}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.body["credential"].clone();
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(
        id,
        ec2_credential_id(access),
        "Keystone's id: sha256(access)"
    );
    assert_eq!(id.len(), 64);
    assert_eq!(c["type"], "ec2");
    assert_eq!(c["user_id"], root.user_id.as_str());
    assert_eq!(c["project_id"], root.project_id.as_str());
    assert_eq!(blob(&c), json!({"access": access, "secret": secret}));
    assert!(c["links"]["self"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v3/credentials/{id}")));

    // OS-CREDENTIAL lists it beside the root user's first key, without the secret
    let r = iam(&s, &root, "GET", "/v3.0/OS-CREDENTIAL/credentials", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(accesses(&r), [root.access_key.as_str(), access]);
    assert!(r.body["credentials"][1].get("secret").is_none());
    // it signs as its user: Workspace and IAM
    let key = as_key(&root, &root.user_id, access, secret);
    assert_eq!(workspace(&s, &key).await, 200);
    let r = iam(
        &s,
        &key,
        "GET",
        &format!("/v3/users/{}", root.user_id),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Keystone shows this secret again; the OS-CREDENTIAL key's stays unshown
    let r = iam(&s, &root, "GET", &format!("/v3/credentials/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(blob(&r.body["credential"])["secret"], secret);
    let r = iam(&s, &root, "GET", "/v3/credentials?type=ec2", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let first = ec2_credential_id(&root.access_key);
    assert_eq!(ids(&r), [first.clone(), id.clone()]);
    assert_eq!(
        blob(&r.body["credentials"][0]),
        json!({"access": root.access_key})
    );
    assert_eq!(r.body["credentials"][0]["project_id"], Value::Null);
    let path = format!("/v3/users/{}/credentials/OS-EC2", root.user_id);
    let r = iam(&s, &root, "GET", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(accesses(&r), [root.access_key.as_str(), access]);
    assert_eq!(r.body["credentials"][0]["secret"], Value::Null);
    assert_eq!(r.body["credentials"][1]["secret"], secret);
    assert_eq!(
        r.body["credentials"][1]["tenant_id"],
        root.project_id.as_str()
    );
    assert_eq!(r.body["credentials"][1]["trust_id"], Value::Null);

    // two keys a user, whatever the view: Keystone's 403, the cloud's 400
    let r = create(
        &s,
        &root,
        json!({"user_id": root.user_id, "project_id": root.project_id, "type": "EC2",
               "blob": ec2_blob("third", "x")}),
    )
    .await;
    assert_keystone_error(&r, 403);
    assert_eq!(
        r.body["error"]["message"],
        "Unable to create additional credentials, maximum of 2 already exceeded for user."
    );
    let r = iam(
        &s,
        &root,
        "POST",
        &path,
        Some(&json!({"tenant_id": root.project_id})),
    )
    .await;
    assert_keystone_error(&r, 403);
    let r = iam(
        &s,
        &root,
        "POST",
        "/v3.0/OS-CREDENTIAL/credentials",
        Some(&json!({"credential": {"user_id": root.user_id}})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["error"]["message"], "akSkNumExceed");

    // bad input changes nothing
    for (cred, status) in [
        (
            json!({"user_id": root.user_id, "project_id": root.project_id, "type": "ec2",
                   "blob": "{not json"}),
            400,
        ),
        (
            json!({"user_id": root.user_id, "project_id": root.project_id, "type": "ec2",
                   "blob": json!({"secret": "s"}).to_string()}),
            400,
        ),
        (
            json!({"user_id": root.user_id, "project_id": root.project_id, "type": "ec2",
                   "blob": "[1]"}),
            400,
        ),
        (
            json!({"user_id": root.user_id, "project_id": root.project_id, "type": "ec2",
                   "blob": json!({"access": "a b", "secret": "s"}).to_string()}),
            400,
        ),
        (
            json!({"user_id": root.user_id, "type": "ec2", "blob": ec2_blob("a1", "s")}),
            400,
        ),
        (json!({"user_id": root.user_id, "type": "cert"}), 400),
        (json!({"user_id": root.user_id, "blob": "x"}), 400),
        (
            json!({"user_id": root.user_id, "project_id": other.project_id, "type": "cert",
                   "blob": "x"}),
            404,
        ),
        (
            json!({"user_id": other.user_id, "type": "cert", "blob": "x"}),
            404,
        ),
    ] {
        let r = create(&s, &root, cred).await;
        assert_keystone_error(&r, status);
    }
    let r = iam(&s, &root, "GET", "/v3/credentials", None).await;
    assert_eq!(ids(&r), [first.clone(), id.clone()]);

    // a PATCH with a new blob gives the key its new access and secret; the id stays, the
    // old access stops signing at once
    let r = iam(
        &s,
        &root,
        "PATCH",
        &format!("/v3/credentials/{id}"),
        Some(
            &json!({"credential": {"blob": ec2_blob("NewAccess-1", "NewSecret-1"),
                                     "type": "ec2", "project_id": root.project_id}}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["credential"]["id"], id.as_str());
    assert_eq!(
        blob(&r.body["credential"]),
        json!({"access": "NewAccess-1", "secret": "NewSecret-1"})
    );
    assert_eq!(workspace(&s, &key).await, 401);
    let moved = as_key(&root, &root.user_id, "NewAccess-1", "NewSecret-1");
    assert_eq!(workspace(&s, &moved).await, 200);
    let r = iam(&s, &root, "GET", "/v3.0/OS-CREDENTIAL/credentials", None).await;
    assert_eq!(accesses(&r), [root.access_key.as_str(), "NewAccess-1"]);
    // an ec2 credential stays one, keeps its user and a project
    for patch in [
        json!({"type": "cert"}),
        json!({"user_id": other.user_id}),
        json!({"project_id": null}),
        json!({"blob": "{}"}),
        json!({"id": "x"}),
    ] {
        let r = iam(
            &s,
            &root,
            "PATCH",
            &format!("/v3/credentials/{id}"),
            Some(&json!({ "credential": patch })),
        )
        .await;
        assert_keystone_error(&r, 400);
    }
    // the id of an OS-CREDENTIAL key, and another account's view of both
    let r = iam(&s, &root, "GET", &format!("/v3/credentials/{first}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = iam(&s, &other, "GET", &format!("/v3/credentials/{id}"), None).await;
    assert_keystone_error(&r, 404);
    let r = iam(&s, &other, "DELETE", &format!("/v3/credentials/{id}"), None).await;
    assert_keystone_error(&r, 404);
    // the access is taken, in any account
    let r = create(
        &s,
        &other,
        json!({"user_id": other.user_id, "project_id": other.project_id, "type": "ec2",
               "blob": ec2_blob("NewAccess-1", "s")}),
    )
    .await;
    assert_keystone_error(&r, 409);

    // deleted through OS-CREDENTIAL: gone from Keystone's views, and signs no more
    let r = iam(
        &s,
        &root,
        "DELETE",
        "/v3.0/OS-CREDENTIAL/credentials/NewAccess-1",
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = iam(&s, &root, "GET", &format!("/v3/credentials/{id}"), None).await;
    assert_keystone_error(&r, 404);
    assert_eq!(workspace(&s, &moved).await, 401);
    let r = iam(&s, &root, "GET", &path, None).await;
    assert_eq!(accesses(&r), [root.access_key.as_str()]);
}

#[tokio::test]
async fn os_ec2_blobs_owners_and_cascades() {
    let (s, root, other) = setup();
    let ann = user(&s, &root, "ann").await;
    let bob = user(&s, &root, "bob").await;
    let path = format!("/v3/users/{ann}/credentials/OS-EC2");

    // OS-EC2: the administrator makes ann a key pair; ann uses it to manage her own
    let r = iam(
        &s,
        &root,
        "POST",
        &path,
        Some(&json!({"tenant_id": root.project_id})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.body["credential"].clone();
    assert_eq!(c["user_id"], ann.as_str());
    assert_eq!(c["tenant_id"], root.project_id.as_str());
    assert_eq!(c["trust_id"], Value::Null);
    let (ak1, sk1) = (
        c["access"].as_str().unwrap().to_string(),
        c["secret"].as_str().unwrap().to_string(),
    );
    assert!(c["links"]["self"]
        .as_str()
        .unwrap()
        .ends_with(&format!("{path}/{ak1}")));
    let me = as_key(&root, &ann, &ak1, &sk1);
    let r = iam(&s, &me, "GET", &format!("{path}/{ak1}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["credential"]["secret"], sk1.as_str());
    let r = iam(
        &s,
        &me,
        "POST",
        &path,
        Some(&json!({"tenant_id": root.project_id})),
    )
    .await;
    assert_eq!(r.status, 201, "her own second: {}", r.body);
    let ak2 = r.body["credential"]["access"].as_str().unwrap().to_string();
    let r = iam(&s, &me, "GET", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(accesses(&r), [ak1.clone(), ak2.clone()]);
    let r = iam(
        &s,
        &me,
        "POST",
        &path,
        Some(&json!({"tenant_id": root.project_id})),
    )
    .await;
    assert_keystone_error(&r, 403);
    for body in [json!({}), json!({"tenant_id": 5})] {
        let r = iam(
            &s,
            &root,
            "POST",
            &format!("/v3/users/{bob}/credentials/OS-EC2"),
            Some(&body),
        )
        .await;
        assert_keystone_error(&r, 400);
    }
    let r = iam(
        &s,
        &root,
        "POST",
        &format!("/v3/users/{bob}/credentials/OS-EC2"),
        Some(&json!({"tenant_id": other.project_id})),
    )
    .await;
    assert_keystone_error(&r, 404);
    // the same keys in the other views
    let r = iam(
        &s,
        &me,
        "GET",
        &format!("/v3.0/OS-CREDENTIAL/credentials?user_id={ann}"),
        None,
    )
    .await;
    assert_eq!(accesses(&r), [ak1.clone(), ak2.clone()]);
    let r = iam(&s, &me, "GET", "/v3/credentials", None).await;
    assert_eq!(r.status, 200, "her own, without a filter: {}", r.body);
    assert_eq!(ids(&r), [ec2_credential_id(&ak1), ec2_credential_id(&ak2)]);

    // other types: opaque blobs, sealed at rest
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB-ann\n-----END CERTIFICATE-----";
    let r = create(
        &s,
        &me,
        json!({"user_id": ann, "type": "cert", "blob": pem}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cert = r.body["credential"].clone();
    let cert_id = cert["id"].as_str().unwrap().to_string();
    assert_eq!(cert_id.len(), 32);
    assert_eq!(cert["blob"], pem);
    assert_eq!(cert["type"], "cert");
    assert_eq!(cert["project_id"], Value::Null);
    let db = raw(&s.db).await;
    let sealed = db
        .scalar(
            "SELECT blob_sealed FROM credentials WHERE id = $1",
            &[cert_id.as_str().into()],
        )
        .await
        .unwrap()
        .text();
    assert!(!sealed.contains("MIIB"), "{sealed}");
    let r = create(
        &s,
        &root,
        json!({"user_id": bob, "type": "totp", "blob": "GEZDGNBVGY3TQOJQ",
               "project_id": root.project_id}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let totp_id = r.body["credential"]["id"].as_str().unwrap().to_string();
    let r = iam(
        &s,
        &root,
        "GET",
        &format!("/v3/credentials/{cert_id}"),
        None,
    )
    .await;
    assert_eq!(r.body["credential"]["blob"], pem);
    // filters
    for (q, want) in [
        (format!("user_id={ann}&type=cert"), vec![cert_id.clone()]),
        ("type=totp".to_string(), vec![totp_id.clone()]),
        (format!("user_id={bob}"), vec![totp_id.clone()]),
        (format!("user_id={ann}&type=totp"), vec![]),
        ("type=nothing".to_string(), vec![]),
        ("user_id=nobody".to_string(), vec![]),
        (
            format!("user_id={ann}"),
            vec![
                ec2_credential_id(&ak1),
                ec2_credential_id(&ak2),
                cert_id.clone(),
            ],
        ),
    ] {
        let r = iam(&s, &root, "GET", &format!("/v3/credentials?{q}"), None).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(ids(&r), want, "{q}");
    }
    let r = iam(&s, &root, "GET", "/v3/credentials?type__contains=c", None).await;
    assert_keystone_error(&r, 400);
    // PATCH of a blob: the id stays; it cannot become ec2
    let r = iam(
        &s,
        &me,
        "PATCH",
        &format!("/v3/credentials/{cert_id}"),
        Some(&json!({"credential": {"blob": "renewed", "project_id": root.project_id}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["credential"]["blob"], "renewed");
    assert_eq!(r.body["credential"]["project_id"], root.project_id.as_str());
    for patch in [json!({"type": "ec2"}), json!({})] {
        let r = iam(
            &s,
            &me,
            "PATCH",
            &format!("/v3/credentials/{cert_id}"),
            Some(&json!({ "credential": patch })),
        )
        .await;
        assert_keystone_error(&r, 400);
    }

    // another user's credentials are refused to ann (no policy allows her)
    let r = iam(
        &s,
        &me,
        "GET",
        &format!("/v3/credentials?user_id={bob}"),
        None,
    )
    .await;
    assert_keystone_error(&r, 403);
    let r = iam(&s, &me, "GET", &format!("/v3/credentials/{totp_id}"), None).await;
    assert_keystone_error(&r, 403);
    let r = iam(
        &s,
        &me,
        "DELETE",
        &format!("/v3/credentials/{totp_id}"),
        None,
    )
    .await;
    assert_keystone_error(&r, 403);
    let r = create(
        &s,
        &me,
        json!({"user_id": bob, "type": "cert", "blob": "x"}),
    )
    .await;
    assert_keystone_error(&r, 403);
    let r = iam(
        &s,
        &me,
        "GET",
        &format!("/v3/users/{bob}/credentials/OS-EC2"),
        None,
    )
    .await;
    assert_keystone_error(&r, 403);
    let r = iam(
        &s,
        &me,
        "GET",
        &format!(
            "/v3/users/{}/credentials/OS-EC2/{}",
            root.user_id, root.access_key
        ),
        None,
    )
    .await;
    assert_keystone_error(&r, 403);
    // the root user's credentials are changed by itself alone
    let r = create(
        &s,
        &me,
        json!({"user_id": root.user_id, "type": "cert", "blob": "x"}),
    )
    .await;
    assert_keystone_error(&r, 403);
    // an access that is not the path's user's: Keystone's 401
    let r = iam(
        &s,
        &root,
        "GET",
        &format!("/v3/users/{bob}/credentials/OS-EC2/{ak1}"),
        None,
    )
    .await;
    assert_keystone_error(&r, 401);
    assert_eq!(r.body["error"]["message"], "EC2 access key not found.");
    // none at all: Keystone's 404
    let r = iam(&s, &root, "GET", &format!("{path}/NOSUCHKEY"), None).await;
    assert_keystone_error(&r, 404);

    // deleting a project: its ec2 keys keep working, without a project
    let r = iam(
        &s,
        &root,
        "POST",
        "/v3/projects",
        Some(&json!({"project": {"name": "doomed", "domain_id": root.domain_id}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let doomed = r.body["project"]["id"].as_str().unwrap().to_string();
    let r = iam(&s, &me, "DELETE", &format!("{path}/{ak2}"), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = iam(&s, &me, "GET", "/v3.0/OS-CREDENTIAL/credentials", None).await;
    assert_eq!(accesses(&r), [ak1.as_str()], "gone from every view");
    let r = iam(&s, &me, "POST", &path, Some(&json!({"tenant_id": doomed}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ak3 = r.body["credential"]["access"].as_str().unwrap().to_string();
    let sk3 = r.body["credential"]["secret"].as_str().unwrap().to_string();
    let r = iam(
        &s,
        &root,
        "PATCH",
        &format!("/v3/credentials/{totp_id}"),
        Some(&json!({"credential": {"project_id": doomed}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = iam(&s, &root, "DELETE", &format!("/v3/projects/{doomed}"), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = iam(&s, &me, "GET", &format!("{path}/{ak3}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["credential"]["tenant_id"], Value::Null);
    let r = iam(
        &s,
        &root,
        "GET",
        &format!("/v3/credentials/{totp_id}"),
        None,
    )
    .await;
    assert_eq!(r.body["credential"]["project_id"], Value::Null);
    let k3 = as_key(&root, &ann, &ak3, &sk3);
    let r = iam(&s, &k3, "GET", &format!("/v3/users/{ann}"), None).await;
    assert_eq!(r.status, 200, "still signs: {}", r.body);

    // deleting a user deletes its credentials of every kind
    let r = iam(&s, &root, "DELETE", &format!("/v3/users/{ann}"), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    for id in [cert_id.clone(), ec2_credential_id(&ak1)] {
        let r = iam(&s, &root, "GET", &format!("/v3/credentials/{id}"), None).await;
        assert_keystone_error(&r, 404);
    }
    let n = db
        .scalar(
            "SELECT count(*) FROM credentials WHERE user_id = $1",
            &[ann.as_str().into()],
        )
        .await
        .unwrap();
    assert_eq!(n.int(), 0);
    let r = iam(&s, &root, "GET", "/v3/credentials", None).await;
    assert_eq!(
        ids(&r),
        [ec2_credential_id(&root.access_key), totp_id.clone()]
    );
    let r = iam(
        &s,
        &root,
        "DELETE",
        &format!("/v3/credentials/{totp_id}"),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = iam(
        &s,
        &root,
        "GET",
        &format!("/v3/credentials/{totp_id}"),
        None,
    )
    .await;
    assert_keystone_error(&r, 404);
}

/// Keys made before migration 0017 get their credential id from the data step
/// `ec2-credential-ids` when a node of this version starts.
#[tokio::test]
async fn older_keys_get_their_credential_ids() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    {
        let conn = raw(&db).await;
        conn.execute("UPDATE access_keys SET credential_id = NULL", &[])
            .await
            .unwrap();
        conn.execute(
            "DELETE FROM data_steps WHERE name = $1",
            &[roster::store::refold::EC2_CREDENTIAL_IDS.into()],
        )
        .await
        .unwrap();
    }
    let s = Server::start_on(&db, &[]);
    let id = ec2_credential_id(&a.access_key);
    let r = iam(&s, &a, "GET", &format!("/v3/credentials/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["credential"]["blob"],
        json!({"access": a.access_key}).to_string()
    );
}
