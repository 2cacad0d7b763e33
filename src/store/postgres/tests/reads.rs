//! Every `ReadTx` method of the native driver: lists and scans against the answers
//! `read_cases::Model` computes in Rust, the rest against the SQLite mirror's answers.

use std::collections::BTreeMap;

use super::read;
use super::{selected, Fixture, UserSpec};
use crate::core::exports::{ExportTask, TaskFilter, TaskKind, TaskSort, TaskStatus};
use crate::core::model::{AccountId, Group, GroupFilter, Page, ParentFilter, UserFilter};
use crate::core::storage::{MemberRow, ReadTx, TokenKeyRow};
use crate::store::common::{public_id, split_group_ids};
use crate::store::read_cases::{self, pages, Model, Named};

/// The fixture's named things.
struct Filled {
    f: Fixture,
    users: Vec<String>,
    b_users: Vec<String>,
    groups: Vec<Group>,
    b_groups: Vec<Group>,
}

fn filled(f: Fixture) -> Filled {
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
    let users = f.users(&f.a.clone(), &specs);
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
    let b_users = f.users(&f.b.clone(), &b_specs);

    let a = f.a.clone();
    let sales = f.group(&a, Some("sales"), "Sales", None);
    let east = f.group(&a, None, "sales-east", Some(&sales));
    let dev = f.group(&a, Some("dev"), "研发一部", Some(&sales));
    let dev2 = f.group(&a, None, "研发二部", Some(&dev));
    let kasa = f.group(&a, None, "ΚΑΣΑ-team", None);
    let ops = f.group(&a, Some("ops"), "Ops", None);
    let b = f.b.clone();
    let b_sales = f.group(&b, Some("sales"), "Sales B", None);
    let b_dev = f.group(&b, None, "研发一部", None);

    let u = &users;
    f.add(&a, "sales", &[u[1].clone(), u[5].clone()]);
    f.add(&a, "dev", &[u[1].clone(), u[3].clone(), u[4].clone()]);
    f.add(&a, &dev2.id, &[u[1].clone()]);
    f.add(&a, &east.id, &[u[3].clone(), u[9].clone()]);
    f.add(&b, "sales", &[b_users[1].clone()]);
    f.add(&b, &b_dev.id, &[b_users[0].clone()]);
    Filled {
        groups: vec![sales, east, dev, dev2, kasa, ops],
        b_groups: vec![b_sales, b_dev],
        users,
        b_users,
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

impl Filled {
    /// The model of `account` (A or B), read through the native store.
    fn model(&self, account: &AccountId) -> Model {
        let f = &self.f;
        let (users, groups) = if *account == f.a {
            (&self.users, &self.groups)
        } else {
            (&self.b_users, &self.b_groups)
        };
        let gids: Vec<String> = groups.iter().map(|g| g.id.to_string()).collect();
        read(&f.native, |tx| {
            Ok(Model::read(
                tx,
                account,
                users,
                &gids,
                f.members_of(account),
            ))
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_lists_and_scans_answer_as_written() {
    if !selected() {
        return;
    }
    let filled = filled(Fixture::new().await);
    let f = &filled.f;
    let filters = user_filters(&filled);
    let mut nonempty = 0;
    for account in [&f.a, &f.b] {
        let model = filled.model(account);
        nonempty += read(&f.native, |tx| {
            Ok(model.check_users(tx, account, &filters, &pages(), 3))
        });
    }
    assert!(nonempty > 200, "{nonempty}");
    let all = f.same("all", |tx| {
        tx.list_users(&f.a, &UserFilter::default(), pages()[0])
    });
    assert_eq!(all.total, 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_lists_scans_and_export_batches_answer_as_written() {
    if !selected() {
        return;
    }
    let filled = filled(Fixture::new().await);
    let f = &filled.f;
    let filters = group_filters(&filled);
    let mut nonempty = 0;
    for account in [&f.a, &f.b] {
        let model = filled.model(account);
        nonempty += read(&f.native, |tx| {
            Ok(model.check_groups(tx, account, &filters, &pages(), 2))
        });
    }
    assert!(nonempty > 50, "{nonempty}");
    // parents come with the rows, with public ids
    let children = f.same("children", |tx| {
        tx.list_groups(
            &f.a,
            &GroupFilter {
                parent: Some(ParentFilter::Group("sales".into())),
                ..Default::default()
            },
            Page::ALL,
        )
    });
    assert_eq!(children.total, 2);
    for g in &children.items {
        assert_eq!(g.parent_id.as_deref(), Some("sales"));
        assert_eq!(g.parent.as_ref().unwrap().name, "Sales");
    }
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
    // each store walks the batches with its own seqs: the rows and their groups agree
    let walk = |store: &dyn crate::core::storage::Storage, filter: &UserFilter, limit| {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let batch = read(store, |tx| tx.export_users(&f.a, filter, after, limit));
            for (row, spans) in batch.rows().zip(&batch.users) {
                let mut groups: Vec<String> = split_group_ids(batch.group_ids(spans))
                    .map(public_id)
                    .collect();
                groups.sort();
                out.push((format!("{row:?}"), groups));
            }
            match batch.last_seq() {
                Some(seq) => after = seq,
                None => break,
            }
            out.push(("end of batch".to_string(), Vec::new()));
        }
        out
    };
    let mut rows = 0;
    for filter in &filters {
        for limit in [3, 7, 1000] {
            let ours = walk(&f.native, filter, limit);
            assert_eq!(
                ours,
                walk(&f.mirror, filter, limit),
                "export {filter:?} {limit}"
            );
            rows += ours.iter().filter(|(r, _)| r != "end of batch").count();
        }
    }
    assert!(rows > 100, "{rows}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_answer_as_the_mirror() {
    if !selected() {
        return;
    }
    let filled = filled(Fixture::new().await);
    let f = &filled.f;
    let u = &filled.users;
    f.access_key(&f.a, &u[1], "AK1", true);
    f.access_key(&f.a, &u[5], "AK5", true); // bob is disabled
    f.access_key(&f.a, &u[2], "AK2", false);
    for id in [&f.a, &f.b, &AccountId::from("nobody")] {
        f.same("account", |tx| tx.account(id));
        f.same("projects", |tx| tx.projects_of(id));
        f.same("user count", |tx| {
            if id == "nobody" {
                Ok(0)
            } else {
                tx.user_count(id)
            }
        });
    }
    f.same("account by name", |tx| tx.account_by_name("beta"));
    f.same("account by name", |tx| tx.account_by_name("gamma"));
    f.same("account count", |tx| tx.account_count());
    f.same("project", |tx| tx.project(&f.project_a));
    f.same("project", |tx| tx.project("none"));
    for key in ["AK1", "AK5", "AK2", "AK9"] {
        f.same(key, |tx| tx.access_key(key));
    }
    for id in u.iter().take(12) {
        f.same("user", |tx| tx.user(&f.a, id));
        f.same("user in b", |tx| tx.user(&f.b, id));
        f.same("account of user", |tx| tx.account_of_user(id));
        f.same("password", |tx| tx.password_hash(id));
        f.same("groups of user", |tx| tx.groups_of_user(id, Page::ALL));
        f.same("groups of user", |tx| {
            tx.groups_of_user(
                id,
                Page {
                    limit: 1,
                    offset: 1,
                },
            )
        });
        for g in ["sales", "dev", "ops", "nowhere"] {
            f.same("is member", |tx| tx.is_member(&f.a, g, id));
        }
    }
    for name in ["ALICE", "王小明", "straße", "nobody"] {
        f.same("user by name", |tx| tx.user_by_name(&f.a, name));
        f.same("group by name", |tx| tx.group_by_name(&f.a, name));
    }
    for name in ["SALES", "研发一部", "sales b"] {
        f.same("group by name", |tx| tx.group_by_name(&f.b, name));
    }
    let names: Vec<String> = ["ALICE", "bob", "nobody", "Straße", "user07"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    f.same("taken", |tx| tx.taken_user_names(&f.a, &names));
    f.same("group names", |tx| {
        Ok(tx
            .group_names_of(&u[..12])?
            .into_iter()
            .collect::<BTreeMap<_, _>>())
    });
    for account in [&f.a, &f.b] {
        for id in [
            "sales",
            "dev",
            "ops",
            "nope",
            &filled.groups[1].id,
            &filled.b_groups[1].id,
        ] {
            f.same("group", |tx| tx.group(account, id));
            f.same("id taken", |tx| tx.group_id_taken(account, id));
        }
        let folded: Vec<String> = ["sales", "研发一部", "ops", "none"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        f.same("by folded names", |tx| {
            // both backends give public ids (as every other read does)
            let mut v: Vec<(String, String)> = tx.group_ids_by_folded_names(account, &folded)?;
            v.sort();
            Ok(v)
        });
        let ids = [
            "sales",
            "dev",
            filled.groups[1].id.as_str(),
            filled.b_groups[1].id.as_str(),
            "nope",
        ];
        f.same("names by ids", |tx| {
            // in seq order, the seqs themselves aside (they differ between the backends)
            let mut v = tx.group_names_by_ids(account, &ids)?;
            v.sort_by_key(|(_, seq, _)| *seq);
            Ok(v.into_iter()
                .map(|(id, _, name)| (id, name))
                .collect::<Vec<_>>())
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_tasks_org_members_and_iam_state_answer_as_the_mirror() {
    if !selected() {
        return;
    }
    let filled = filled(Fixture::new().await);
    let f = &filled.f;
    let u = &filled.users;
    let names = [
        "users_2024.xlsx",
        "Groups%_x.xlsx",
        "STRASSE.xlsx",
        "a\\b.xlsx",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let t = ExportTask {
            id: format!("task{i}"),
            account_id: f.a.clone(),
            project_id: f.project_a.clone().into(),
            kind: TaskKind::Users,
            spec: "{}".into(),
            file_name: name.to_string(),
            status: TaskStatus::Creating,
            fail_reason: None,
            error_code: None,
            created_at: 1_000 + (i as i64 % 2),
            end_time: None,
            is_download: false,
            attempts: 0,
            row_count: 0,
            file_size: 0,
            expires_at: None,
        };
        f.write(|tx| tx.insert_export_task(&t));
        ids.push(t.id);
    }
    f.write(|tx| {
        tx.claim_export("node1", 2_000, 9_000)?;
        tx.finish_export("task0", "node1", 3_000, 10, 2, 99_000)?;
        tx.insert_export_chunk("task0", 0, b"PK\x03\x04")?;
        tx.insert_export_chunk("task0", 1, &[0, 1, 2, 255])?;
        tx.mark_export_downloaded("task0")?;
        tx.claim_export("node1", 2_000, 9_000)?;
        tx.fail_export("task2", "node1", 4_000, "too_big", "the file is too big")
    });
    for id in ids.iter().chain(&["nope".to_string()]) {
        f.same("task", |tx| tx.export_task(&f.project_a, id));
        for seq in 0..3 {
            f.same("chunk", |tx| tx.export_chunk(id, seq));
        }
    }
    f.same("task ids", |tx| {
        tx.export_task_ids(&f.project_a, &["task1".into(), "task3".into(), "x".into()])
    });
    for sort in [
        TaskSort::CreateTime,
        TaskSort::EndTime,
        TaskSort::FileName,
        TaskSort::Status,
    ] {
        for ascending in [true, false] {
            for file_name in [None, Some("x"), Some("%_"), Some("strasse"), Some("\\")] {
                for page in [
                    Page::ALL,
                    Page {
                        limit: 2,
                        offset: 1,
                    },
                ] {
                    let filter = TaskFilter {
                        sort,
                        ascending,
                        file_name: file_name.map(str::to_string),
                        ..Default::default()
                    };
                    f.same(&format!("{filter:?}"), |tx| {
                        tx.list_export_tasks(&f.project_a, &filter, page)
                    });
                }
            }
        }
    }
    for filter in [
        TaskFilter {
            status: Some(TaskStatus::Creating),
            ..Default::default()
        },
        TaskFilter {
            is_download: Some(true),
            task_id: Some("task0".into()),
            ..Default::default()
        },
    ] {
        f.same(&format!("{filter:?}"), |tx| {
            tx.list_export_tasks(&f.project_a, &filter, Page::ALL)
        });
    }

    // Quick BI attributes: some users with rows, the others with the defaults
    for (i, roles) in [(1, vec![2, 25]), (3, vec![25]), (4, vec![])] {
        let m = MemberRow {
            user_id: u[i].clone().into(),
            account_id: f.a.clone(),
            user_type: 1 + i as i64,
            role_ids: roles,
            copilot_modules: vec!["qa".into(), "chat".into()],
            aliyun_account_id: format!("aliyun-{i}"),
        };
        f.write(|tx| tx.upsert_org_member(&m, 50));
    }
    f.same("org members", |tx| {
        Ok(tx
            .org_members(&u[..8])?
            .into_iter()
            .collect::<BTreeMap<_, _>>())
    });
    for role in [2, 25, 26, 1] {
        for keyword in [None, Some("明"), Some("小爱"), Some("strasse")] {
            for page in [
                Page::ALL,
                Page {
                    limit: 2,
                    offset: 1,
                },
            ] {
                f.same(&format!("role {role} {keyword:?}"), |tx| {
                    tx.role_holders(&f.a, role, 25, 26, keyword, page)
                });
            }
        }
    }

    // IAM state
    f.write(|tx| {
        for (i, at) in [(1, 10), (2, 30), (3, 30)] {
            tx.insert_token_key(&TokenKeyRow {
                id: format!("k{i}"),
                key_sealed: format!("sealed{i}"),
                created_at: at,
            })?;
        }
        tx.revoke_token("t1", 500, 100)?;
        tx.revoke_token("t2", 900, 200)?;
        tx.revoke_token("t2", 900, 300)?;
        tx.add_login_failure("user:x", 100, 0)?;
        tx.add_login_failure("user:x", 110, 0)?;
        tx.add_login_failure("addr:1", 100, 0)
    });
    f.same("token keys", |tx| tx.token_keys());
    for (now, since) in [(0, 0), (600, 0), (0, 150), (1_000, 0)] {
        f.same("revoked", |tx| {
            let mut v = tx.revoked_since(now, since)?;
            v.sort();
            Ok(v)
        });
    }
    for subject in ["user:x", "addr:1", "user:y"] {
        f.same("failures", |tx| tx.login_failures(subject));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_sees_one_snapshot_and_ends_cleanly() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let ids = f.users(&f.a, &[UserSpec::named("first")]);
    tokio::task::block_in_place(|| {
        let mut tx = f.native.begin_read().unwrap();
        assert_eq!(tx.user_count(&f.a).unwrap(), 1);
        // a write committed after the snapshot began is not seen by it
        super::write(&f.native, |w| {
            w.insert_users(&[super::record(&f.a, 1, &UserSpec::named("second"))])
        });
        assert_eq!(tx.user_count(&f.a).unwrap(), 1);
        assert!(tx.user_by_name(&f.a, "second").unwrap().is_none());
        Box::new(tx).finish().unwrap();
        let mut tx = f.native.begin_read().unwrap();
        assert_eq!(tx.user_count(&f.a).unwrap(), 2);
        assert!(tx.user(&f.a, &ids[0]).unwrap().is_some());
        // a read transaction refuses writes (READ ONLY)
        drop(tx);
    });
}
