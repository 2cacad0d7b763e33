//! Membership changes racing with user and group deletions, through all three faces on two
//! nodes sharing one database: no answer is a 500, and afterwards every group's
//! `user_quantity` equals its real number of members and every account's kept counters equal
//! its rows. On PostgreSQL (`ROSTER_TEST_DATABASE=postgres`) this is a real race between
//! transactions; on SQLite (one writer at a time) a cheap run of the same steps.

use crate::common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{create_account, iam as ks, quickbi as qb, Client, Creds, Server, TestDb};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use roster::store::{Db, PoolSettings};
use serde_json::json;

const WORKERS: u64 = 12;
const USERS: usize = 8;
/// Top-level groups, each with one child (deleting a top-level group deletes its child).
const TREES: usize = 4;

/// One user or one group tree whose rows come and go; `gen` counts re-creations so names
/// stay unique.
struct Slot {
    ids: Vec<String>,
    gen: u32,
}

struct World {
    creds: Creds,
    nodes: Vec<String>,
    clients: Vec<Client>,
    token: String,
    users: Vec<tokio::sync::Mutex<Slot>>,
    trees: Vec<tokio::sync::Mutex<Slot>>,
    /// Current ids, read without waiting for a slot being re-created.
    user_ids: Mutex<Vec<String>>,
    group_ids: Mutex<Vec<Vec<String>>>,
    /// (face, status or code) -> how many answers.
    seen: Mutex<BTreeMap<String, u64>>,
    /// Answers no race may give (500s), kept to be reported with the counts at the end.
    bad: Mutex<Vec<String>>,
    /// The ids named by each membership change answered "not found": one of them at least
    /// must have been deleted (ids are never used again, so one that still exists at the end
    /// existed all through the request).
    not_found: Mutex<Vec<Vec<String>>>,
}

impl World {
    fn note(&self, face: &str, what: String) {
        *self
            .seen
            .lock()
            .unwrap()
            .entry(format!("{face} {what}"))
            .or_default() += 1;
    }

    fn missing(&self, ids: Vec<String>) {
        self.not_found.lock().unwrap().push(ids);
    }

    fn expect(&self, fine: bool, what: String) {
        if !fine {
            self.bad.lock().unwrap().push(what);
        }
    }

    fn random_user(&self, rng: &mut StdRng) -> String {
        let ids = self.user_ids.lock().unwrap();
        ids[rng.gen_range(0..ids.len())].clone()
    }

    fn random_group(&self, rng: &mut StdRng) -> String {
        let trees = self.group_ids.lock().unwrap();
        let t = &trees[rng.gen_range(0..trees.len())];
        t[rng.gen_range(0..t.len())].clone()
    }

    /// A Workspace answer: 200, or the loser of a race (404 gone, 409, 503 try again).
    fn ws_ok(&self, r: &common::Reply, what: &str) -> bool {
        self.note("workspace", r.status.to_string());
        self.expect(
            [200, 404, 409, 503].contains(&r.status),
            format!("workspace {what}: {} {}", r.status, r.body),
        );
        r.status == 200
    }

    fn iam_ok(&self, r: &ks::Resp, what: &str) -> bool {
        self.note("iam", r.status.to_string());
        self.expect(
            [200, 201, 204, 404, 409, 503].contains(&r.status),
            format!("iam {what}: {} {}", r.status, r.body),
        );
        r.status < 300
    }

    fn qb_ok(&self, r: &qb::QbReply, what: &str) -> bool {
        let code = if r.status == 200 { "OK" } else { r.code() };
        self.note("quickbi", format!("{} {code}", r.status));
        self.expect(
            r.status == 200
                || (r.status == 400 && code == "Application.Object.NotExist")
                || (r.status == 503 && code == "ServiceUnavailable"),
            format!("quickbi {what}: {} {}", r.status, r.body),
        );
        r.status == 200
    }

    async fn create_user(&self, name: &str, with_groups: Vec<String>) -> Option<String> {
        let c = &self.clients[0];
        let mut body = json!({"user_name": name, "user_email": format!("{name}@example.com")});
        if !with_groups.is_empty() {
            body["group_ids"] = json!(with_groups);
            let r = c.call("POST", &c.ws("/users"), Some(&body)).await;
            if self.ws_ok(&r, "create user in groups") {
                return Some(r.body["id"].as_str().unwrap().to_string());
            }
            body.as_object_mut().unwrap().remove("group_ids");
        }
        let r = c.call("POST", &c.ws("/users"), Some(&body)).await;
        assert_eq!(r.status, 200, "create user {name}: {}", r.body);
        Some(r.body["id"].as_str().unwrap().to_string())
    }

    /// A top-level group (Workspace) and a child of it (Quick BI): [parent, child].
    async fn create_tree(&self, t: usize, gen: u32) -> Vec<String> {
        let c = &self.clients[0];
        let r = c
            .call(
                "POST",
                &c.ws("/groups"),
                Some(&json!({"group_name": format!("top{t}g{gen}")})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let parent = r.body["id"].as_str().unwrap().to_string();
        let name = format!("sub{t}g{gen}");
        let r = qb::call(
            &self.nodes[1],
            &self.creds,
            "CreateUserGroup",
            &[("ParentUserGroupId", &parent), ("UserGroupName", &name)],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let child = r.body["Result"].as_str().unwrap().to_string();
        vec![parent, child]
    }
}

/// One random operation by worker `w`.
async fn step(world: &World, w: usize, rng: &mut StdRng) {
    let node = rng.gen_range(0..world.nodes.len());
    let base = &world.nodes[node];
    let ws = &world.clients[node];
    let roll = rng.gen_range(0..100);
    match roll {
        // Workspace: a batch of users into or out of a group
        0..=29 | 96..=99 => {
            let gid = world.random_group(rng);
            let n = rng.gen_range(1..=3);
            let ids: Vec<String> = (0..n).map(|_| world.random_user(rng)).collect();
            let op = if rng.gen_bool(0.6) { "ADD" } else { "DELETE" };
            let r = ws
                .call(
                    "POST",
                    &ws.ws(&format!("/groups/{gid}/actions")),
                    Some(&json!({"user_ids": ids, "op_type": op})),
                )
                .await;
            if !world.ws_ok(&r, op) && r.status == 404 {
                world.missing([ids, vec![gid]].concat());
            }
        }
        // IAM: one membership in or out
        30..=51 => {
            let (gid, uid) = (world.random_group(rng), world.random_user(rng));
            let method = if rng.gen_bool(0.6) { "PUT" } else { "DELETE" };
            let r = ks::with_token(
                method,
                &format!("{base}/v3/groups/{gid}/users/{uid}"),
                &world.token,
                None,
            )
            .await;
            // (a DELETE of a membership that is not there is a 404 too)
            if !world.iam_ok(&r, method) && r.status == 404 && method == "PUT" {
                world.missing(vec![gid, uid]);
            }
        }
        // Quick BI: one user into or out of several groups, several users into one group,
        // or out of all its groups
        52..=83 => {
            let uid = world.random_user(rng);
            let groups: Vec<String> = (0..rng.gen_range(1..=3))
                .map(|_| world.random_group(rng))
                .collect();
            let gids = groups.join(",");
            let mut named = [vec![uid.clone()], groups.clone()].concat();
            let r = match rng.gen_range(0..4) {
                0 => {
                    qb::call(
                        base,
                        &world.creds,
                        "AddUserGroupMembers",
                        &[("UserId", &uid), ("UserGroupIds", &gids)],
                    )
                    .await
                }
                1 => {
                    qb::call(
                        base,
                        &world.creds,
                        "DeleteUserGroupMembers",
                        &[("UserId", &uid), ("UserGroupIds", &gids)],
                    )
                    .await
                }
                2 => {
                    let gid = world.random_group(rng);
                    let other = world.random_user(rng);
                    let users = format!("{uid},{other}");
                    named = vec![uid.clone(), other, gid.clone()];
                    qb::call(
                        base,
                        &world.creds,
                        "AddUserGroupMember",
                        &[("UserGroupId", &gid), ("UserIdList", &users)],
                    )
                    .await
                }
                _ => {
                    named = vec![uid.clone()];
                    qb::call(
                        base,
                        &world.creds,
                        "WithdrawAllUserGroups",
                        &[("UserId", &uid)],
                    )
                    .await
                }
            };
            if !world.qb_ok(&r, "membership") && r.code() == "Application.Object.NotExist" {
                world.missing(named);
            }
        }
        // a user deleted through some face, then made again (in some groups)
        84..=91 => {
            let s = rng.gen_range(0..USERS);
            let mut slot = world.users[s].lock().await;
            let uid = slot.ids[0].clone();
            let gone = match rng.gen_range(0..3) {
                0 => {
                    let r = ws
                        .call("DELETE", &ws.ws(&format!("/users/{uid}")), None)
                        .await;
                    world.ws_ok(&r, "delete user")
                }
                1 => {
                    let r = ks::with_token(
                        "DELETE",
                        &format!("{base}/v3/users/{uid}"),
                        &world.token,
                        None,
                    )
                    .await;
                    world.iam_ok(&r, "delete user")
                }
                _ => {
                    let r = qb::call(base, &world.creds, "DeleteUser", &[("UserId", &uid)]).await;
                    world.qb_ok(&r, "delete user")
                }
            };
            if gone {
                slot.gen += 1;
                let groups: Vec<String> = (0..rng.gen_range(0..=2))
                    .map(|_| world.random_group(rng))
                    .collect();
                let name = format!("w{w}u{s}g{}", slot.gen);
                let id = world.create_user(&name, groups).await.unwrap();
                slot.ids = vec![id.clone()];
                world.user_ids.lock().unwrap()[s] = id;
            }
        }
        // a group tree deleted through some face, then made again
        _ => {
            let t = rng.gen_range(0..TREES);
            let mut slot = world.trees[t].lock().await;
            let top = slot.ids[0].clone();
            let gone = match rng.gen_range(0..3) {
                0 => {
                    let r = ws
                        .call("DELETE", &ws.ws(&format!("/groups/{top}")), None)
                        .await;
                    world.ws_ok(&r, "delete group")
                }
                1 => {
                    let r = ks::with_token(
                        "DELETE",
                        &format!("{base}/v3/groups/{top}"),
                        &world.token,
                        None,
                    )
                    .await;
                    world.iam_ok(&r, "delete group")
                }
                _ => {
                    let r = qb::call(
                        base,
                        &world.creds,
                        "DeleteUserGroup",
                        &[("UserGroupId", &top)],
                    )
                    .await;
                    world.qb_ok(&r, "delete group")
                }
            };
            if gone {
                slot.gen += 1;
                let ids = world.create_tree(t, slot.gen).await;
                slot.ids = ids.clone();
                world.group_ids.lock().unwrap()[t] = ids;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memberships_racing_deletions_keep_counts_exact_and_never_fail_with_500() {
    let db = TestDb::new();
    let creds = create_account(&db, "acme");
    let servers = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let nodes: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let clients = servers.iter().map(|s| s.client(&creds)).collect();
    let (token, _) = ks::login(&nodes[0], &creds).await;
    let mut world = World {
        creds,
        nodes,
        clients,
        token,
        users: Vec::new(),
        trees: Vec::new(),
        user_ids: Mutex::new(Vec::new()),
        group_ids: Mutex::new(Vec::new()),
        seen: Mutex::new(BTreeMap::new()),
        bad: Mutex::new(Vec::new()),
        not_found: Mutex::new(Vec::new()),
    };
    for t in 0..TREES {
        let ids = world.create_tree(t, 0).await;
        world.group_ids.lock().unwrap().push(ids.clone());
        world
            .trees
            .push(tokio::sync::Mutex::new(Slot { ids, gen: 0 }));
    }
    for s in 0..USERS {
        let id = world
            .create_user(&format!("u{s}"), Vec::new())
            .await
            .unwrap();
        world.user_ids.lock().unwrap().push(id.clone());
        world.users.push(tokio::sync::Mutex::new(Slot {
            ids: vec![id],
            gen: 0,
        }));
    }
    let world = Arc::new(world);

    // bounded in count and in time: SQLite serialises every write, so a short run there;
    // PostgreSQL runs the transactions really at once
    let (ops, budget) = if db.is_postgres() {
        (250, Duration::from_secs(15))
    } else {
        (25, Duration::from_secs(15))
    };
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let world = world.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(w);
            let mut done = 0;
            while done < ops && start.elapsed() < budget {
                step(&world, w as usize, &mut rng).await;
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    let seen = world.seen.lock().unwrap().clone();
    eprintln!("{total} operations in {:?}: {seen:?}", start.elapsed());

    // every group's kept count against its real members, every account's counters against
    // its rows
    let store = Db::connect(&db.url(), &PoolSettings::default())
        .await
        .unwrap();
    let rows: Vec<(String, i64, i64)> = store
        .query(
            "SELECT g.name, g.user_quantity, \
             (SELECT count(*) FROM memberships m WHERE m.group_id = g.id) AS real \
             FROM user_groups g ORDER BY g.seq",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r[0].text(), r[1].int(), r[2].int()))
        .collect();
    assert_eq!(rows.len(), 2 * TREES);
    let wrong: Vec<_> = rows.iter().filter(|(_, kept, real)| kept != real).collect();
    let bad = world.bad.lock().unwrap().clone();
    assert!(
        wrong.is_empty() && bad.is_empty(),
        "user_quantity != members (name, kept, real): {wrong:?}; {} answers no race may give, such as {:#?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    let mut alive: Vec<String> = Vec::new();
    for sql in ["SELECT id FROM users", "SELECT id FROM user_groups"] {
        let rows = store.query(sql, &[]).await.unwrap();
        alive.extend(rows.iter().map(|r| r[0].text()));
    }
    let not_found = world.not_found.lock().unwrap().clone();
    let wrong_404: Vec<_> = not_found
        .iter()
        .filter(|ids| ids.iter().all(|id| alive.contains(id)))
        .collect();
    assert!(
        wrong_404.is_empty(),
        "{} of {} 'not found' answers named only ids that exist, such as {:?}",
        wrong_404.len(),
        not_found.len(),
        wrong_404.first()
    );
    let counters: Vec<(String, i64, i64, i64, i64)> = store
        .query(
            "SELECT a.name, a.user_count, (SELECT count(*) FROM users u WHERE u.account_id = a.id), \
             a.group_count, (SELECT count(*) FROM user_groups g WHERE g.account_id = a.id) \
             FROM accounts a",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r[0].text(), r[1].int(), r[2].int(), r[3].int(), r[4].int()))
        .collect();
    for (name, users, real_users, groups, real_groups) in counters {
        assert_eq!(
            (users, groups),
            (real_users, real_groups),
            "kept counters of {name}"
        );
    }
}
