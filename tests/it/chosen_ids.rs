//! Caller-chosen group ids (Quick BI's `UserGroupId`) are unique per account: two accounts
//! may choose the same id, and no route of any face answers differently for another
//! account's id than for an id that exists nowhere. Reserved and unusable ids are refused.

use crate::common;

use common::iam::{login, with_token};
use common::{create_account, quickbi as qb, Creds, Server, TestDb};
use serde_json::{json, Value};

fn ok(r: &qb::QbReply) -> &Value {
    assert_eq!(r.status, 200, "{}", r.body);
    &r.body["Result"]
}

async fn make(s: &Server, who: &Creds, id: &str, parent: &str, name: &str) -> qb::QbReply {
    qb::call(
        &s.url,
        who,
        "CreateUserGroup",
        &[
            ("UserGroupId", id),
            ("ParentUserGroupId", parent),
            ("UserGroupName", name),
        ],
    )
    .await
}

/// The answer with the parts that must differ between two calls taken out: request ids, and
/// the id asked about (so a message naming it compares equal).
fn normalized(status: u16, body: &Value, id: &str) -> String {
    let mut b = body.clone();
    if let Some(o) = b.as_object_mut() {
        o.remove("RequestId");
    }
    format!("{status} {}", b.to_string().replace(id, "<ID>"))
}

/// Every route of every face that takes a group id, called by `who` with `id`; the
/// normalized answers in order. Nothing is changed when `id` names none of `who`'s groups.
async fn every_route(s: &Server, who: &Creds, token: &str, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ws = s.client(who);
    let user = ws.call("GET", &ws.ws("/users?limit=1"), None).await.body["users"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (action, params) in [
        (
            "UpdateUserGroup",
            vec![("UserGroupId", id), ("UserGroupName", "x")],
        ),
        ("DeleteUserGroup", vec![("UserGroupId", id)]),
        ("ListByUserGroupId", vec![("UserGroupIds", id)]),
        (
            "QueryUserGroupListByParentId",
            vec![("ParentUserGroupId", id)],
        ),
        (
            "TransferUsergroup",
            vec![("UserGroupId", id), ("ParentUserGroupId", "-1")],
        ),
        (
            "AddUserGroupMember",
            vec![("UserGroupId", id), ("UserIdList", user.as_str())],
        ),
        (
            "AddUserGroupMembers",
            vec![("UserId", user.as_str()), ("UserGroupIds", id)],
        ),
        (
            "DeleteUserGroupMember",
            vec![("UserGroupId", id), ("UserId", user.as_str())],
        ),
        (
            "DeleteUserGroupMembers",
            vec![("UserId", user.as_str()), ("UserGroupIds", id)],
        ),
        ("QueryUserGroupMember", vec![("UserGroupId", id)]),
        (
            "CreateUserGroup",
            vec![
                ("ParentUserGroupId", id),
                ("UserGroupName", "child of a stranger"),
            ],
        ),
    ] {
        let r = qb::call(&s.url, who, action, &params).await;
        out.push(format!(
            "quickbi {action}: {}",
            normalized(r.status, &r.body, id)
        ));
    }
    for (method, path, body) in [
        (
            "PUT",
            format!("/groups/{id}"),
            Some(json!({"group_name": "x"})),
        ),
        ("DELETE", format!("/groups/{id}"), None),
        ("GET", format!("/groups/{id}/users"), None),
        (
            "POST",
            format!("/groups/{id}/actions"),
            Some(json!({"user_ids": [user], "op_type": "ADD"})),
        ),
        ("GET", format!("/users?group_id={id}"), None),
    ] {
        let r = ws.call(method, &ws.ws(&path), body.as_ref()).await;
        out.push(format!(
            "workspace {method} {path}: {}",
            normalized(r.status, &r.body, id)
        ));
    }
    for (method, path, body) in [
        ("GET", format!("/v3/groups/{id}"), None),
        (
            "PATCH",
            format!("/v3/groups/{id}"),
            Some(json!({"group": {"description": "x"}})),
        ),
        ("DELETE", format!("/v3/groups/{id}"), None),
        ("GET", format!("/v3/groups/{id}/users"), None),
        ("PUT", format!("/v3/groups/{id}/users/{user}"), None),
        ("HEAD", format!("/v3/groups/{id}/users/{user}"), None),
        ("DELETE", format!("/v3/groups/{id}/users/{user}"), None),
    ] {
        let r = with_token(method, &format!("{}{path}", s.url), token, body.as_ref()).await;
        out.push(format!(
            "iam {method} {path}: {}",
            normalized(r.status, &r.body, id).replace(&s.url, "<URL>")
        ));
    }
    out.into_iter().map(|l| l.replace(id, "<ID>")).collect()
}

#[tokio::test]
async fn two_accounts_may_choose_the_same_group_id_and_cannot_see_each_others() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    let s = Server::start_on(&db, &[]);

    // the same ids, chosen by both, one account after the other
    assert_eq!(ok(&make(&s, &a, "sales", "-1", "Sales A").await), "sales");
    assert_eq!(ok(&make(&s, &a, "kid", "sales", "Kid A").await), "kid");
    assert_eq!(ok(&make(&s, &b, "sales", "-1", "Sales B").await), "sales");
    assert_eq!(ok(&make(&s, &b, "kid", "sales", "Kid B").await), "kid");
    // in one account an id is still taken once
    let again = make(&s, &a, "sales", "-1", "Sales A2").await;
    assert_eq!((again.status, again.code()), (400, "Object.Already.Exists"));

    // each account sees its own group under that id, on every face
    for (who, letter) in [(&a, "A"), (&b, "B")] {
        let r = qb::call(
            &s.url,
            who,
            "ListByUserGroupId",
            &[("UserGroupIds", "kid,sales")],
        )
        .await;
        let found = &ok(&r)["UserGroupModels"];
        let names: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["UsergroupName"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{found}");
        assert!(
            names.contains(&format!("Sales {letter}").as_str()),
            "{names:?}"
        );
        let kid = found
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["UsergroupId"] == "kid")
            .unwrap();
        assert_eq!(kid["ParentUsergroupId"], "sales");
        assert_eq!(kid["IdentifiedPath"], "sales/kid");
        let (token, _) = login(&s.url, who).await;
        let r = with_token("GET", &format!("{}/v3/groups/sales", s.url), &token, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["group"]["id"], "sales");
        assert_eq!(r.body["group"]["name"], format!("Sales {letter}"));
        let ws = s.client(who);
        let r = ws.call("GET", &ws.ws("/groups?keyword=sales"), None).await;
        assert_eq!(r.body["user_groups"][0]["id"], "sales", "{}", r.body);
    }

    // members, moves and deletions in one account leave the other's group alone
    let ws_b = s.client(&b);
    let r = ws_b
        .call(
            "POST",
            &ws_b.ws("/users"),
            Some(&json!({"user_name": "bob", "user_email": "bob@example.com", "group_ids": ["sales", "kid"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bob = r.body["id"].as_str().unwrap().to_string();
    let r = qb::call(&s.url, &b, "ListUserGroupsByUserId", &[("UserId", &bob)]).await;
    assert_eq!(ok(&r).as_array().unwrap().len(), 2, "{}", r.body);
    let r = qb::call(
        &s.url,
        &b,
        "TransferUsergroup",
        &[("UserGroupId", "kid"), ("ParentUserGroupId", "-1")],
    )
    .await;
    ok(&r);
    let r = qb::call(&s.url, &b, "DeleteUserGroup", &[("UserGroupId", "sales")]).await;
    ok(&r);
    let r = qb::call(
        &s.url,
        &a,
        "QueryUserGroupMember",
        &[("UserGroupId", "sales")],
    )
    .await;
    ok(&r);
    let r = qb::call(
        &s.url,
        &a,
        "QueryUserGroupListByParentId",
        &[("ParentUserGroupId", "sales")],
    )
    .await;
    let kids = ok(&r).as_array().unwrap().clone();
    assert_eq!(kids.len(), 1, "{kids:?}");
    assert_eq!(kids[0]["UserGroupName"], "Kid A");
    let r = qb::call(&s.url, &b, "ListUserGroupsByUserId", &[("UserId", &bob)]).await;
    let left = ok(&r).as_array().unwrap().clone();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["UsergroupId"], "kid");

    // an id only the other account has answers exactly as one that exists nowhere, on every
    // route of every face, and changes nothing
    assert_eq!(ok(&make(&s, &a, "only-a", "-1", "Only A").await), "only-a");
    let (token_b, _) = login(&s.url, &b).await;
    let foreign = every_route(&s, &b, &token_b, "only-a").await;
    let nowhere = every_route(&s, &b, &token_b, "no-such-id").await;
    for (f, n) in foreign.iter().zip(&nowhere) {
        assert_eq!(f, n);
    }
    let r = qb::call(
        &s.url,
        &a,
        "ListByUserGroupId",
        &[("UserGroupIds", "only-a")],
    )
    .await;
    assert_eq!(ok(&r)["UserGroupModels"][0]["UsergroupName"], "Only A");
    // choosing it in the other account works like choosing a free id
    assert_eq!(
        ok(&make(&s, &b, "only-a", "-1", "Mine now").await),
        "only-a"
    );
}

#[tokio::test]
async fn reserved_and_unusable_group_ids_are_refused() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let s = Server::start_on(&db, &[]);
    let long = "x".repeat(65);
    for bad in [
        "-1",
        "-2",
        "-0001",
        "0123456789abcdef0123456789abcdef",
        long.as_str(),
        "a b",
        "a.b",
        "a/b",
        "a\u{1}b",
        "组",
    ] {
        let r = make(&s, &a, bad, "-1", "Bad").await;
        assert_eq!(
            (r.status, r.code()),
            (400, "Invalid.Parameter"),
            "{bad:?}: {}",
            r.body
        );
    }
    // nothing was made, and -1 is still the root of the tree
    let r = qb::call(
        &s.url,
        &a,
        "QueryUserGroupListByParentId",
        &[("ParentUserGroupId", "-1")],
    )
    .await;
    assert_eq!(ok(&r).as_array().unwrap().len(), 0, "{}", r.body);
    assert_eq!(ok(&make(&s, &a, "-x1", "-1", "Dash").await), "-x1");
    assert_eq!(ok(&make(&s, &a, "A_b-9", "-1", "Fine").await), "A_b-9");
    let r = qb::call(
        &s.url,
        &a,
        "QueryUserGroupListByParentId",
        &[("ParentUserGroupId", "-1")],
    )
    .await;
    assert_eq!(ok(&r).as_array().unwrap().len(), 2, "{}", r.body);
}

/// Chosen ids stored before migration 0009 (globally unique, as given) keep working after it,
/// with their memberships, children and paths, and another account may then choose them.
#[tokio::test]
async fn chosen_ids_made_before_the_migration_keep_working() {
    use roster::auth::sealing::MasterKey;
    use roster::core::model::{NewGroup, Page, UserFilter};
    use roster::core::Directory;
    use roster::store::{Db, PoolSettings, Value};
    use std::sync::Arc;

    let test_db = TestDb::new();
    let db = Db::connect(&test_db.url(), &PoolSettings::default())
        .await
        .unwrap();
    db.migrate_to(8).await.unwrap();
    // the account and its root user as the code before them wrote them (today's code needs
    // the schema of every migration: on SQLite a seq in the account's range, 0011)
    let acc = "0123456789abcdef0123456789abcde0".to_string();
    let root_user = "0123456789abcdef0123456789abcde1".to_string();
    let made = "0123456789abcdef0123456789abcdef";
    db.execute(
        "INSERT INTO accounts (id, name, user_count, group_count, created_at) \
         VALUES ($1, 'acme', 1, 3, 0)",
        &[(&acc).into()],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO users (id, account_id, name, name_fold, active_type, is_root, created_at, \
         updated_at) VALUES ($1, $2, 'acme', 'acme', 'USER_ACTIVATE', 1, 0, 0)",
        &[(&root_user).into(), (&acc).into()],
    )
    .await
    .unwrap();
    for (id, parent, path, depth, qty) in [
        ("sales", None, "sales".to_string(), 1, 1),
        ("kid", Some("sales"), "sales/kid".to_string(), 2, 0),
        (made, Some("sales"), format!("sales/{made}"), 2, 1),
    ] {
        db.execute(
            "INSERT INTO user_groups (id, account_id, name, name_fold, parent_id, path, depth, \
             user_quantity, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0)",
            &[
                id.into(),
                (&acc).into(),
                format!("Group {id}").into(),
                format!("group {id}").into(),
                parent.into(),
                path.into(),
                Value::Int(depth),
                Value::Int(qty),
            ],
        )
        .await
        .unwrap();
    }
    for gid in ["sales", made] {
        db.execute(
            "INSERT INTO memberships (group_id, user_id, created_at) VALUES ($1, $2, 0)",
            &[gid.into(), (&root_user).into()],
        )
        .await
        .unwrap();
    }
    db.migrate().await.unwrap();
    drop(db);
    let (store, _) = Db::open(&test_db.url(), &PoolSettings::default())
        .await
        .unwrap();
    let dir = Directory::with_store(store, Arc::new(MasterKey::from_bytes(&[1u8; 32])));

    let sales = dir.group(&acc, "sales").await.unwrap();
    assert_eq!((sales.path.as_str(), sales.user_quantity), ("sales", 1));
    let kid = dir.group(&acc, "kid").await.unwrap();
    assert_eq!(kid.parent_id.as_deref(), Some("sales"));
    assert_eq!(kid.parent.as_ref().unwrap().id, "sales");
    assert_eq!(
        dir.group(&acc, made).await.unwrap().parent_id.as_deref(),
        Some("sales")
    );
    let of_root = dir
        .groups_of_user(&acc, &root_user, Page::ALL)
        .await
        .unwrap();
    let mut ids: Vec<&str> = of_root.items.iter().map(|g| g.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, [made, "sales"]);
    let filter = UserFilter {
        group_id: Some("sales".into()),
        ..Default::default()
    };
    assert_eq!(
        dir.list_users(&acc, &filter, Page::ALL)
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        dir.remove_members(&acc, "sales", std::slice::from_ref(&root_user))
            .await
            .unwrap(),
        1
    );
    dir.delete_groups(&acc, &["sales".to_string()])
        .await
        .unwrap();
    assert!(dir.group(&acc, "kid").await.is_err());
    // the id is free for another account, and for this one again
    let b = dir.create_account("other", "default").await.unwrap();
    for who in [&b.domain_id, &acc] {
        let g = dir
            .create_group(
                who,
                NewGroup {
                    id: Some("sales".into()),
                    name: "Sales".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(g.id, "sales");
    }
}
