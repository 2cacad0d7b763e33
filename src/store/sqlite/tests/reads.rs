//! Every `ReadTx` method against today's sqlx functions on the same database.

use std::collections::BTreeSet;

use super::{Fixture, UserSpec};
use crate::core::exports::{TaskFilter, TaskSort, TaskStatus};
use crate::core::model::{Group, GroupFilter, Listing, Page, ParentFilter, UserFilter};
use crate::core::storage::ReadTx;
use crate::store::read_cases::{self, pages, Named};
use crate::store::{self, groups::public_id, Backend};

/// The fixture's named things.
struct Filled {
    f: Fixture,
    users: Vec<String>,
    groups: Vec<Group>,
    b_groups: Vec<Group>,
}

async fn filled() -> Filled {
    let f = Fixture::new().await;
    let mut specs = vec![
        UserSpec::named("root-alpha"),
        UserSpec {
            name: "alice",
            alias: "小爱",
            description: "engineer\u{1e}lead",
            email: "a\u{1f}lice@x.com",
            domain: "corp",
            ..Default::default()
        },
        UserSpec::named("ALICE-2"),
        UserSpec {
            name: "王小明",
            alias: "明明",
            description: "研发一部 成员",
            ..Default::default()
        },
        UserSpec {
            name: "王大明",
            description: "12:looks like a prefix\u{1d}\u{1e}\u{1f}",
            email: "3:abc",
            ..Default::default()
        },
        UserSpec {
            name: "bob",
            disabled: true,
            ..Default::default()
        },
        UserSpec {
            name: "Straße",
            alias: "STRASSE",
            ..Default::default()
        },
        UserSpec {
            name: "ΚΑΣΑ",
            locked: true,
            ..Default::default()
        },
        UserSpec::named("caf\u{e9}"),
        UserSpec {
            name: "bobby",
            domain: "corp",
            description: "say \"x\"",
            ..Default::default()
        },
    ];
    let extra: Vec<String> = (0..30).map(|i| format!("user{i:02}")).collect();
    specs.extend(extra.iter().map(|n| UserSpec::named(n)));
    let users = f.users(&f.a.clone(), &specs).await;
    // account b: the same names again, and enough names starting with "a" that the
    // one-character keyword "a" has more than MAX_EXPANSION trigrams
    let many: Vec<String> = (0..600u32)
        .map(|i| {
            let c = char::from_u32(0x4E00 + i).unwrap();
            format!("a{c}{c}")
        })
        .collect();
    let mut b_specs = vec![UserSpec::named("root-beta"), UserSpec::named("alice")];
    b_specs.extend(many.iter().map(|n| UserSpec::named(n)));
    let b_users = f.users(&f.b.clone(), &b_specs).await;

    let a = f.a.clone();
    let sales = f.group(&a, Some("sales"), "Sales", None).await;
    let east = f.group(&a, None, "sales-east", Some(&sales)).await;
    let dev = f.group(&a, Some("dev"), "研发一部", Some(&sales)).await;
    let dev2 = f.group(&a, None, "研发二部", Some(&dev)).await;
    let kasa = f.group(&a, None, "ΚΑΣΑ-team", None).await;
    let ops = f.group(&a, Some("ops"), "Ops", None).await;
    let b = f.b.clone();
    let b_sales = f.group(&b, Some("sales"), "Sales B", None).await;
    let b_dev = f.group(&b, None, "研发一部", None).await;

    let u = &users;
    f.add(&a, "sales", &[u[1].clone(), u[5].clone()]).await;
    f.add(&a, "dev", &[u[1].clone(), u[3].clone(), u[4].clone()])
        .await;
    f.add(&a, &dev2.id, &[u[1].clone()]).await;
    f.add(&a, &east.id, &[u[3].clone(), u[9].clone()]).await;
    f.add(&b, "sales", &[b_users[1].clone()]).await;
    f.add(&b, &b_dev.id, &[b_users[0].clone()]).await;
    Filled {
        groups: vec![sales, east, dev, dev2, kasa, ops],
        b_groups: vec![b_sales, b_dev],
        users,
        f,
    }
}

impl Filled {
    fn named(&self) -> Named<'_> {
        Named {
            users: &self.users,
            groups: &self.groups,
            b_groups: &self.b_groups,
        }
    }
}

fn user_filters(filled: &Filled) -> Vec<UserFilter> {
    read_cases::user_filters(&filled.named())
}

fn group_filters(filled: &Filled) -> Vec<GroupFilter> {
    read_cases::group_filters(&filled.named())
}

fn same<T: PartialEq + std::fmt::Debug>(what: &str, ours: Listing<T>, today: Listing<T>) {
    assert_eq!(ours.total, today.total, "{what}: total");
    assert_eq!(ours.items, today.items, "{what}: items");
}

#[tokio::test]
async fn user_lists_and_scans_answer_as_today() {
    let filled = filled().await;
    let f = &filled.f;
    let store = f.store();
    let mut c = f.conn().await;
    let mut tx = store.begin_read().unwrap();
    let mut nonempty = 0;
    for filter in user_filters(&filled) {
        for page in pages() {
            let today = store::users::list(&mut c, Backend::Sqlite, &f.a, &filter, page)
                .await
                .unwrap();
            let ours = tx.list_users(&f.a, &filter, page).unwrap();
            nonempty += usize::from(!ours.items.is_empty());
            same(&format!("{filter:?} {page:?}"), ours, today);
        }
        let mut after = 0;
        loop {
            let today = store::users::scan(&mut c, Backend::Sqlite, &f.a, &filter, after, 4)
                .await
                .unwrap();
            let ours = tx.users_after(&f.a, &filter, after, 4).unwrap();
            assert_eq!(ours, today, "{filter:?} after {after}");
            match ours.last() {
                Some(u) => after = u.seq,
                None => break,
            }
        }
    }
    // the filters are not all empty-handed
    assert!(nonempty > 200, "{nonempty}");
    // the unfiltered total is the kept counter, even if it disagreed with the rows
    let all = tx
        .list_users(&f.a, &UserFilter::default(), pages()[0])
        .unwrap();
    assert_eq!(all.total, 40);
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn group_lists_and_scans_answer_as_today() {
    let filled = filled().await;
    let f = &filled.f;
    let store = f.store();
    let mut c = f.conn().await;
    let mut tx = store.begin_read().unwrap();
    for account in [&f.a, &f.b] {
        for filter in group_filters(&filled) {
            for page in pages() {
                let today = store::groups::list(&mut c, Backend::Sqlite, account, &filter, page)
                    .await
                    .unwrap();
                let ours = tx.list_groups(account, &filter, page).unwrap();
                same(&format!("{filter:?} {page:?}"), ours, today);
            }
            let mut after = 0;
            loop {
                let today =
                    store::groups::scan(&mut c, Backend::Sqlite, account, &filter, after, 2)
                        .await
                        .unwrap();
                let ours = tx.groups_after(account, &filter, after, 2).unwrap();
                assert_eq!(ours, today, "{filter:?} after {after}");
                match ours.last() {
                    Some(g) => after = g.seq,
                    None => break,
                }
            }
        }
    }
    // parents come with the rows, with public ids
    let children = tx
        .list_groups(
            &f.a,
            &GroupFilter {
                parent: Some(ParentFilter::Group("sales".into())),
                ..Default::default()
            },
            Page::ALL,
        )
        .unwrap();
    assert_eq!(children.total, 2);
    for g in &children.items {
        assert_eq!(g.parent_id.as_deref(), Some("sales"));
        assert_eq!(g.parent.as_ref().unwrap().id, "sales");
        assert_eq!(g.parent.as_ref().unwrap().name, "Sales");
    }
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn export_batches_hold_what_todays_parse() {
    let filled = filled().await;
    let f = &filled.f;
    let store = f.store();
    let mut c = f.conn().await;
    let mut tx = store.begin_read().unwrap();
    let filters = [
        UserFilter::default(),
        UserFilter {
            group_id: Some("dev".into()),
            ..Default::default()
        },
        UserFilter {
            name_contains: Some("王".into()),
            ..Default::default()
        },
        UserFilter {
            name_contains: Some("zzz".into()),
            ..Default::default()
        },
    ];
    let mut separators = 0;
    for filter in &filters {
        for limit in [3, 7, 1000] {
            let mut after = 0;
            loop {
                let batch =
                    store::users::scan_export(&mut c, Backend::Sqlite, &f.a, filter, after, limit)
                        .await
                        .unwrap();
                let today = store::users::parse_export(batch).unwrap();
                let ours = tx.export_users(&f.a, filter, after, limit).unwrap();
                let today_rows: Vec<_> = today.rows().collect();
                let ours_rows: Vec<_> = ours.rows().collect();
                assert_eq!(ours_rows, today_rows, "{filter:?} after {after}");
                assert_eq!(ours.last_seq(), today.last_seq());
                for (o, t) in ours.users.iter().zip(&today.users) {
                    assert_eq!(o.seq, t.seq);
                    let ids = |b: &crate::core::exports::UserBatch, u| {
                        store::users::split_group_ids(b.group_ids(u))
                            .map(str::to_string)
                            .collect::<BTreeSet<_>>()
                    };
                    assert_eq!(ids(&ours, o), ids(&today, t));
                }
                separators += ours_rows
                    .iter()
                    .filter(|r| r.description.contains('\u{1e}') || r.email.contains('\u{1f}'))
                    .count();
                match ours.last_seq() {
                    Some(s) => after = s,
                    None => break,
                }
            }
        }
    }
    assert!(separators > 0);
    // the ids of a batch name groups through `group_names_by_ids` as today
    let batch = tx
        .export_users(&f.a, &UserFilter::default(), 0, 100)
        .unwrap();
    let alice = &batch.users[1];
    let mut ids: Vec<&str> = store::users::split_group_ids(batch.group_ids(alice)).collect();
    ids.sort_unstable();
    assert_eq!(ids.len(), 3);
    let mut ours = tx.group_names_by_ids(&f.a, &ids).unwrap();
    let mut today = store::groups::names_by_ids(&mut c, &f.a, &ids)
        .await
        .unwrap();
    ours.sort();
    today.sort();
    assert_eq!(ours, today);
    let names: BTreeSet<_> = ours.iter().map(|(_, _, n)| n.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["Sales", "研发一部", "研发二部"]));
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn lookups_answer_as_today() {
    let filled = filled().await;
    let f = &filled.f;
    let (a, b) = (&f.a, &f.b);
    let u = &filled.users;
    f.access_key(a, &u[0], "AK-ROOT", true).await;
    f.access_key(a, &u[5], "AK-BOB", true).await; // bob is disabled
    f.access_key(a, &u[1], "AK-OFF", false).await;
    let store = f.store();
    let mut c = f.conn().await;
    let mut tx = store.begin_read().unwrap();

    assert_eq!(tx.account_count().unwrap(), 2);
    let acc = store::accounts::get(&mut c, a).await.unwrap();
    assert_eq!(tx.account(a).unwrap(), acc);
    assert_eq!(tx.account_by_name("alpha").unwrap(), acc);
    assert_eq!(tx.account("nope").unwrap(), None);
    assert_eq!(tx.account_by_name("ALPHA").unwrap(), None);
    let projects = store::accounts::projects_of(&mut c, a).await.unwrap();
    assert_eq!(tx.projects_of(a).unwrap(), projects);
    assert_eq!(tx.project(&f.project_a).unwrap().as_ref(), projects.first());
    assert_eq!(tx.project("nope").unwrap(), None);
    for (k, active) in [("AK-ROOT", true), ("AK-BOB", false), ("AK-OFF", false)] {
        let today = store::credentials::get(&mut c, k).await.unwrap().unwrap();
        let ours = tx.access_key(k).unwrap().unwrap();
        assert_eq!(ours.active, active, "{k}");
        assert_eq!(
            (
                ours.access_key,
                ours.account_id,
                ours.user_id,
                ours.secret_sealed,
                ours.active
            ),
            (
                today.access_key,
                today.account_id,
                today.user_id,
                today.secret_sealed,
                today.active
            )
        );
    }
    assert!(tx.access_key("AK-NONE").unwrap().is_none());

    for id in u.iter().chain([&"nope".to_string()]) {
        assert_eq!(
            tx.user(a, id).unwrap(),
            store::users::get(&mut c, a, id).await.unwrap()
        );
        assert_eq!(tx.user(b, id).unwrap(), None);
        assert_eq!(
            tx.account_of_user(id).unwrap(),
            store::iam::account_of_user(&mut c, id).await.unwrap()
        );
        assert_eq!(
            tx.password_hash(id).unwrap(),
            store::users::password_hash(&mut c, id).await.unwrap()
        );
    }
    for name in [
        "ALICE",
        "straße",
        "STRASSE",
        "κασα",
        "CAFE\u{301}",
        "nobody",
    ] {
        assert_eq!(
            tx.user_by_name(a, name).unwrap(),
            store::users::get_by_name(&mut c, a, name).await.unwrap(),
            "{name}"
        );
    }
    assert!(tx.user_by_name(a, "Café").unwrap().is_some());
    let names: Vec<String> = ["ALICE", "Straße", "nobody", "王小明", "root-beta"]
        .map(String::from)
        .to_vec();
    let mut ours = tx.taken_user_names(a, &names).unwrap();
    let mut today = store::users::taken_names(&mut c, a, &names).await.unwrap();
    ours.sort();
    today.sort();
    assert_eq!(ours, today);
    assert_eq!(ours.len(), 3);
    assert_eq!(tx.user_count(a).unwrap(), 40);
    assert_eq!(tx.user_count(b).unwrap(), 602);
    assert_eq!(
        tx.group_names_of(u).unwrap(),
        store::users::group_names(&mut c, u).await.unwrap()
    );
    assert_eq!(
        tx.group_names_of(&u[1..2]).unwrap()[&u[1]],
        ["Sales", "研发一部", "研发二部"]
    );
    assert!(tx.group_names_of(&[]).unwrap().is_empty());

    let mut ids: Vec<String> = filled.groups.iter().map(|g| g.id.clone()).collect();
    ids.extend(filled.b_groups.iter().map(|g| g.id.clone()));
    ids.push("nope".into());
    for id in &ids {
        for account in [a, b] {
            assert_eq!(
                tx.group(account, id).unwrap(),
                store::groups::get(&mut c, account, id).await.unwrap()
            );
            assert_eq!(
                tx.group_id_taken(account, id).unwrap(),
                store::groups::id_taken(&mut c, account, id).await.unwrap(),
                "{id}"
            );
            for user in u.iter().take(6) {
                assert_eq!(
                    tx.is_member(account, id, user).unwrap(),
                    store::memberships::is_member(&mut c, account, id, user)
                        .await
                        .unwrap()
                );
            }
        }
    }
    assert!(tx.group_id_taken(b, "sales").unwrap());
    assert!(!tx.group_id_taken(b, "dev").unwrap());
    assert_eq!(tx.group(b, "sales").unwrap().unwrap().name, "Sales B");
    for name in ["sales", "研发一部", "ΚΑΣΑ-TEAM", "nope"] {
        for account in [a, b] {
            assert_eq!(
                tx.group_by_name(account, name).unwrap(),
                store::groups::get_by_name(&mut c, account, name)
                    .await
                    .unwrap()
            );
        }
    }
    for user in u.iter().take(6) {
        for page in pages() {
            let today = store::groups::of_user(&mut c, user, page).await.unwrap();
            same("of_user", tx.groups_of_user(user, page).unwrap(), today);
        }
    }
    // ids of folded names: public ids where today gives keys (the core sees public ids)
    let folded: Vec<String> = ["sales", "研发一部", "κασα-team", "nope"]
        .map(String::from)
        .to_vec();
    let mut ours = tx.group_ids_by_folded_names(a, &folded).unwrap();
    let mut today: Vec<(String, String)> = store::groups::ids_by_folded_names(&mut c, a, &folded)
        .await
        .unwrap()
        .into_iter()
        .map(|(n, k)| (n, public_id(&k)))
        .collect();
    ours.sort();
    today.sort();
    assert_eq!(ours, today);
    assert_eq!(ours.len(), 3);
    assert!(ours.contains(&("sales".into(), "sales".into())));
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    for account in [a, b] {
        let mut ours = tx.group_names_by_ids(account, &all).unwrap();
        let mut today = store::groups::names_by_ids(&mut c, account, &all)
            .await
            .unwrap();
        ours.sort();
        today.sort();
        assert_eq!(ours, today);
    }
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn export_tasks_answer_as_today() {
    let filled = filled().await;
    let f = &filled.f;
    for (i, name) in [
        "users_20240101.xlsx",
        "研发一部_USERS.xlsx",
        "a_b%c.xlsx",
        "Straße.xlsx",
    ]
    .iter()
    .enumerate()
    {
        f.export_task(&format!("task{i}"), name, 1_000 + (i as i64 % 2))
            .await;
    }
    let mut c = f.conn().await;
    store::exports::insert_chunk(&mut c, "task1", 0, vec![1, 2, 3])
        .await
        .unwrap();
    store::exports::finish(&mut c, "task0", "nobody", 5, 1, 1, 9)
        .await
        .unwrap();
    let claimed = store::exports::claim(&mut c, Backend::Sqlite, "w1", 10, 100)
        .await
        .unwrap()
        .unwrap();
    store::exports::finish(&mut c, &claimed.id, "w1", 50, 3, 3, 500)
        .await
        .unwrap();
    store::exports::mark_downloaded(&mut c, &claimed.id)
        .await
        .unwrap();
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let p = &f.project_a;
    for id in ["task0", "task1", "task9"] {
        assert_eq!(
            tx.export_task(p, id).unwrap(),
            store::exports::get(&mut c, p, id).await.unwrap()
        );
    }
    assert_eq!(tx.export_task("other", "task0").unwrap(), None);
    let mut filters = vec![TaskFilter::default()];
    for name in ["xlsx", "研发", "users", "_b%", "%", "STRASSE", "b\\"] {
        filters.push(TaskFilter {
            file_name: Some(name.into()),
            ..Default::default()
        });
    }
    filters.push(TaskFilter {
        status: Some(TaskStatus::Success),
        is_download: Some(true),
        ..Default::default()
    });
    filters.push(TaskFilter {
        task_id: Some("task2".into()),
        is_download: Some(false),
        ..Default::default()
    });
    for sort in [
        TaskSort::CreateTime,
        TaskSort::EndTime,
        TaskSort::FileName,
        TaskSort::Status,
    ] {
        for ascending in [true, false] {
            filters.push(TaskFilter {
                sort,
                ascending,
                ..Default::default()
            });
        }
    }
    for filter in &filters {
        for page in pages() {
            let today = store::exports::list(&mut c, p, filter, page).await.unwrap();
            let ours = tx.list_export_tasks(p, filter, page).unwrap();
            same(&format!("{filter:?}"), ours, today);
        }
    }
    assert_eq!(tx.export_chunk("task1", 0).unwrap(), Some(vec![1, 2, 3]));
    assert_eq!(tx.export_chunk("task1", 1).unwrap(), None);
    let ids: Vec<String> = ["task0", "task3", "task7"].map(String::from).to_vec();
    let mut ours = tx.export_task_ids(p, &ids).unwrap();
    ours.sort();
    assert_eq!(
        ours,
        store::exports::existing_ids(&mut c, p, &ids).await.unwrap()
    );
    assert_eq!(ours, ["task0", "task3"]);
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn org_members_and_iam_state_answer_as_today() {
    let filled = filled().await;
    let f = &filled.f;
    let u = &filled.users;
    let mut c = f.conn().await;
    for (i, (roles, modules)) in [
        (vec![111111111, 111111113], vec!["chat", "sql"]),
        (vec![111111113], vec![]),
        (vec![], vec!["chat"]),
    ]
    .into_iter()
    .enumerate()
    {
        let m = store::org_members::MemberRow {
            user_id: u[i + 1].clone(),
            account_id: f.a.clone(),
            user_type: i as i64 + 1,
            role_ids: roles,
            copilot_modules: modules.into_iter().map(String::from).collect(),
            aliyun_account_id: format!("aliyun{i}"),
        };
        store::org_members::upsert(&mut c, &m, 9).await.unwrap();
    }
    for (id, at) in [("k1", 5), ("k2", 9), ("k3", 9)] {
        let k = store::iam::TokenKeyRow {
            id: id.into(),
            key_sealed: format!("sealed-{id}"),
            created_at: at,
        };
        store::iam::insert_token_key(&mut c, &k).await.unwrap();
    }
    for (t, exp, at) in [("t1", 100, 10), ("t2", 50, 20), ("t3", 200, 30)] {
        store::iam::revoke(&mut c, t, exp, at).await.unwrap();
    }
    store::iam::add_login_failure(&mut c, "user:x", 100, 0)
        .await
        .unwrap();
    store::iam::add_login_failure(&mut c, "user:x", 110, 0)
        .await
        .unwrap();
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let ours = tx.org_members(u).unwrap();
    let today = store::org_members::get_many(&mut c, u).await.unwrap();
    assert_eq!(ours.len(), 3);
    assert_eq!(ours.len(), today.len());
    for (id, t) in &today {
        let o = &ours[id];
        assert_eq!(
            (
                &o.user_id,
                &o.account_id,
                o.user_type,
                &o.role_ids,
                &o.copilot_modules
            ),
            (
                &t.user_id,
                &t.account_id,
                t.user_type,
                &t.role_ids,
                &t.copilot_modules
            )
        );
        assert_eq!(o.aliyun_account_id, t.aliyun_account_id);
    }
    for role in [111111111, 111111113, 111111112] {
        for (root_default, default) in [(111111111, 111111112), (111111113, 111111113)] {
            for kw in [None, Some("明"), Some("STRASSE"), Some("小爱"), Some("")] {
                for page in pages() {
                    let today = store::org_members::role_holders(
                        &mut c,
                        Backend::Sqlite,
                        &f.a,
                        role,
                        root_default,
                        default,
                        kw,
                        page,
                    )
                    .await
                    .unwrap();
                    let ours = tx
                        .role_holders(&f.a, role, root_default, default, kw, page)
                        .unwrap();
                    assert_eq!(ours.total, today.total);
                    let pairs = |l: &[_]| -> Vec<(String, String, String)> {
                        l.iter()
                            .map(|h: &crate::core::storage::RoleHolder| {
                                (h.user_id.clone(), h.name.clone(), h.alias_name.clone())
                            })
                            .collect()
                    };
                    let today: Vec<_> = today
                        .items
                        .iter()
                        .map(|h| (h.user_id.clone(), h.name.clone(), h.alias_name.clone()))
                        .collect();
                    assert_eq!(pairs(&ours.items), today);
                }
            }
        }
    }
    let keys: Vec<_> = tx
        .token_keys()
        .unwrap()
        .into_iter()
        .map(|k| (k.id, k.key_sealed, k.created_at))
        .collect();
    let today: Vec<_> = store::iam::token_keys(&mut c)
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.id, k.key_sealed, k.created_at))
        .collect();
    assert_eq!(keys, today);
    assert_eq!(keys[0].0, "k3");
    for (now, since) in [(0, 0), (60, 15), (150, 0), (300, 0)] {
        let mut ours = tx.revoked_since(now, since).unwrap();
        let mut today = store::iam::revoked_since(&mut c, now, since).await.unwrap();
        ours.sort();
        today.sort();
        assert_eq!(ours, today);
    }
    assert_eq!(tx.login_failures("user:x").unwrap(), Some((100, 2)));
    assert_eq!(
        tx.login_failures("user:x").unwrap(),
        store::iam::login_failures(&mut c, "user:x").await.unwrap()
    );
    assert_eq!(tx.login_failures("user:y").unwrap(), None);
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn a_read_sees_one_snapshot_and_ends_cleanly() {
    let filled = filled().await;
    let f = &filled.f;
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    assert_eq!(tx.user_count(&f.a).unwrap(), 40);
    // a write through today's code after the snapshot began is not seen by it
    f.users(&f.a.clone(), &[UserSpec::named("late")]).await;
    assert_eq!(tx.user_count(&f.a).unwrap(), 40);
    assert!(tx.user_by_name(&f.a, "late").unwrap().is_none());
    Box::new(tx).finish().unwrap();
    let mut tx = store.begin_read().unwrap();
    assert_eq!(tx.user_count(&f.a).unwrap(), 41);
    drop(tx); // rolled back: the connection goes back to the pool usable
    let mut tx = store.begin_read().unwrap();
    assert!(tx.user_by_name(&f.a, "late").unwrap().is_some());
    Box::new(tx).finish().unwrap();
}
