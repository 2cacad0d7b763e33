//! Several Roster nodes on one database, many concurrent clients: the directory stays
//! consistent. Runs on the backend of the test run (`ROSTER_TEST_DATABASE=postgres` for
//! PostgreSQL; by default two processes share one SQLite file).

use crate::common;

use std::sync::Arc;

use common::{create_account, Server, TestDb};
use rand::{Rng, SeedableRng};
use roster::auth::sealing::MasterKey;
use roster::core::model::{GroupFilter, NewGroup, Page};
use roster::core::{Directory, Error};
use roster::store::{Db, PoolSettings};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_keep_counts_names_and_the_tree_consistent() {
    let db = TestDb::new();
    let a = create_account(&db, "acme");
    let nodes = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let clients: Vec<Arc<common::Client>> = nodes.iter().map(|n| Arc::new(n.client(&a))).collect();
    let c = &clients[0];

    // -- memberships: concurrent ADD/DELETE through both nodes keep user_quantity exact
    assert_eq!(
        c.call(
            "POST",
            &c.ws("/groups"),
            Some(&json!({"group_name": "crowd"}))
        )
        .await
        .status,
        200
    );
    let gid = c
        .call("GET", &c.ws("/groups?keyword=crowd"), None)
        .await
        .body["user_groups"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut users = Vec::new();
    for i in 0..12 {
        let r = c.call("POST", &c.ws("/users"), Some(&json!({"user_name": format!("member{i}"), "user_email": format!("m{i}@example.com")}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        users.push(r.body["id"].as_str().unwrap().to_string());
    }
    let users = Arc::new(users);
    let mut tasks = Vec::new();
    for t in 0..12u64 {
        let client = clients[t as usize % 2].clone();
        let (users, gid) = (users.clone(), gid.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(t);
            for _ in 0..15 {
                let n = rng.gen_range(1..=4);
                let ids: Vec<&String> = (0..n)
                    .map(|_| &users[rng.gen_range(0..users.len())])
                    .collect();
                let op = if rng.gen_bool(0.6) { "ADD" } else { "DELETE" };
                let r = client
                    .call(
                        "POST",
                        &client.ws(&format!("/groups/{gid}/actions")),
                        Some(&json!({"user_ids": ids, "op_type": op})),
                    )
                    .await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for client in &clients {
        let g = client
            .call("GET", &client.ws("/groups?keyword=crowd"), None)
            .await;
        let members = client
            .call("GET", &client.ws(&format!("/groups/{gid}/users")), None)
            .await;
        assert_eq!(
            g.body["user_groups"][0]["user_quantity"],
            members.body["total_count"]
        );
        assert_eq!(
            members.body["users"].as_array().unwrap().len() as i64,
            members.body["total_count"].as_i64().unwrap()
        );
    }

    // -- names: the same group name created at once on both nodes: one 200, one 409
    for round in 0..10 {
        let name = format!("race{round}");
        let body = json!({ "group_name": name });
        let (p0, p1) = (clients[0].ws("/groups"), clients[1].ws("/groups"));
        let (r1, r2) = tokio::join!(
            clients[0].call("POST", &p0, Some(&body)),
            clients[1].call("POST", &p1, Some(&body)),
        );
        let mut statuses = [r1.status, r2.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {} / {}",
            r1.body,
            r2.body
        );
        assert_eq!(
            c.call("GET", &c.ws(&format!("/groups?keyword={name}")), None)
                .await
                .body["total_count"],
            1
        );
    }

    // -- the tree: two nodes (two pools) moving A under B and B under A at once: never a cycle
    let connect = || async {
        let (store, _) = Db::open(&db.url(), &PoolSettings::default()).await.unwrap();
        Directory::with_store(store, Arc::new(MasterKey::from_bytes(&[1u8; 32])))
    };
    let (d1, d2) = (connect().await, connect().await);
    for round in 0..10 {
        let ga = d1
            .create_group(
                &a.domain_id,
                NewGroup {
                    name: format!("a{round}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let gb = d1
            .create_group(
                &a.domain_id,
                NewGroup {
                    name: format!("b{round}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let (m1, m2) = tokio::join!(
            d1.move_group(&a.domain_id, &ga.id, Some(&gb.id), "n1"),
            d2.move_group(&a.domain_id, &gb.id, Some(&ga.id), "n2"),
        );
        let ok = [m1.is_ok(), m2.is_ok()];
        assert_eq!(
            ok.iter().filter(|x| **x).count(),
            1,
            "round {round}: exactly one move wins: {m1:?} {m2:?}"
        );
        for e in [m1.err(), m2.err()].into_iter().flatten() {
            assert!(matches!(e, Error::Hierarchy(_)), "{e:?}");
        }
    }
    // every group reaches a root within its depth, and its path is its chain of parents
    let all = d1
        .list_groups(&a.domain_id, &GroupFilter::default(), Page::ALL)
        .await
        .unwrap()
        .items;
    for g in &all {
        let mut chain = vec![g.id.clone()];
        let mut cur = g.clone();
        while let Some(p) = &cur.parent_id {
            assert!(chain.len() <= 10, "cycle through {}", g.name);
            cur = d1.group(&a.domain_id, p).await.unwrap();
            chain.push(cur.id.clone());
        }
        chain.reverse();
        assert_eq!(g.path, chain.join("/"));
        assert_eq!(g.depth as usize, chain.len());
    }
}
