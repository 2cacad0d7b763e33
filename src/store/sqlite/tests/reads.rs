//! Every `ReadTx` method against what the fixture wrote: lists and scans against the
//! answers `read_cases::Model` computes in Rust, lookups against the written values.

use std::collections::{BTreeSet, HashMap};

use super::{Fixture, UserSpec};
use crate::core::exports::{ExportTask, TaskFilter, TaskSort, TaskStatus};
use crate::core::model::{
    Account, AccountId, Group, GroupFilter, Listing, Page, ParentFilter, Project, UserFilter,
};
use crate::core::storage::{MemberRow, ReadTx, TokenKeyRow, UserRecord};
use crate::store::common::{fold, public_id, split_group_ids};
use crate::store::read_cases::{self, pages, same, Model, Named};

/// The fixture's named things.
struct Filled {
    f: Fixture,
    users: Vec<String>,
    records: Vec<UserRecord>,
    b_users: Vec<String>,
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
    let records = f.records(&f.a.clone(), &specs).await;
    let users: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
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
        records,
        b_users,
        f,
    }
}

impl Filled {
    /// The model of `account` (A or B) read through `tx`.
    fn model(&self, tx: &mut dyn ReadTx, account: &AccountId) -> Model {
        let (users, groups) = if *account == self.f.a {
            (&self.users, &self.groups)
        } else {
            (&self.b_users, &self.b_groups)
        };
        let gids: Vec<String> = groups.iter().map(|g| g.id.to_string()).collect();
        Model::read(tx, account, users, &gids, self.f.members_of(account))
    }

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

#[tokio::test]
async fn user_lists_and_scans_answer_as_written() {
    let filled = filled().await;
    let f = &filled.f;
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let filters = user_filters(&filled);
    let mut nonempty = 0;
    for account in [&f.a, &f.b] {
        let model = filled.model(&mut tx, account);
        nonempty += model.check_users(&mut tx, account, &filters, &pages(), 4);
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
async fn group_lists_and_scans_answer_as_written() {
    let filled = filled().await;
    let f = &filled.f;
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let filters = group_filters(&filled);
    let mut nonempty = 0;
    for account in [&f.a, &f.b] {
        let model = filled.model(&mut tx, account);
        nonempty += model.check_groups(&mut tx, account, &filters, &pages(), 2);
    }
    assert!(nonempty > 50, "{nonempty}");
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
async fn export_batches_hold_the_users_a_scan_gives() {
    let filled = filled().await;
    let f = &filled.f;
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let model = filled.model(&mut tx, &f.a);
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
    let mut rows = 0;
    for filter in &filters {
        for limit in [3, 7, 1000] {
            let mut after = 0;
            loop {
                let batch = tx.export_users(&f.a, filter, after, limit).unwrap();
                let want = model.users_after(filter, after, limit);
                let got: Vec<_> = batch.rows().collect();
                assert_eq!(got.len(), want.len(), "{filter:?} after {after}");
                for ((row, spans), u) in got.iter().zip(&batch.users).zip(&want) {
                    assert_eq!(spans.seq, u.seq);
                    assert_eq!(
                        (row.id, row.name, row.email, row.phone, row.description),
                        (
                            u.id.as_str(),
                            u.name.as_str(),
                            u.email.as_str(),
                            u.phone.as_str(),
                            u.description.as_str()
                        )
                    );
                    assert_eq!(
                        (
                            row.account_expires,
                            row.active_type,
                            row.locked,
                            row.disabled
                        ),
                        (u.account_expires, u.active_type, u.locked, u.disabled)
                    );
                    assert_eq!(row.created_at, u.created_at);
                    let ids: BTreeSet<String> = split_group_ids(batch.group_ids(spans))
                        .map(public_id)
                        .collect();
                    let member_of: BTreeSet<String> = model
                        .members
                        .iter()
                        .filter(|(_, m)| *m == u.id)
                        .map(|(g, _)| g.clone())
                        .collect();
                    assert_eq!(ids, member_of, "groups of {}", u.name);
                }
                rows += got.len();
                separators += got
                    .iter()
                    .filter(|r| r.description.contains('\u{1e}') || r.email.contains('\u{1f}'))
                    .count();
                assert_eq!(batch.last_seq(), want.last().map(|u| u.seq));
                match batch.last_seq() {
                    Some(s) => after = s,
                    None => break,
                }
            }
        }
    }
    assert!(separators > 0);
    assert!(rows > 100, "{rows}");
    // the ids of a batch name groups through `group_names_by_ids`
    let batch = tx
        .export_users(&f.a, &UserFilter::default(), 0, 100)
        .unwrap();
    let alice = &batch.users[1];
    let mut ids: Vec<&str> = split_group_ids(batch.group_ids(alice)).collect();
    ids.sort_unstable();
    assert_eq!(ids.len(), 3);
    let mut got = tx.group_names_by_ids(&f.a, &ids).unwrap();
    got.sort();
    let mut want: Vec<(String, i64, String)> = model
        .listed_groups
        .iter()
        .filter(|g| ids.iter().any(|id| public_id(id) == g.id))
        .map(|g| (String::new(), g.seq, g.name.clone()))
        .collect();
    want.sort();
    let mut got_named: Vec<(i64, String)> =
        got.iter().map(|(_, seq, n)| (*seq, n.clone())).collect();
    got_named.sort();
    assert_eq!(
        got_named,
        want.iter()
            .map(|(_, seq, n)| (*seq, n.clone()))
            .collect::<Vec<_>>()
    );
    assert!(got.iter().all(|(id, _, _)| ids.contains(&id.as_str())));
    let names: BTreeSet<_> = got.iter().map(|(_, _, n)| n.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["Sales", "研发一部", "研发二部"]));
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn lookups_answer_as_written() {
    let filled = filled().await;
    let f = &filled.f;
    let (a, b) = (&f.a, &f.b);
    let u = &filled.users;
    f.access_key(a, &u[0], "AK-ROOT", true).await;
    f.access_key(a, &u[5], "AK-BOB", true).await; // bob is disabled
    f.access_key(a, &u[1], "AK-OFF", false).await;
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let model_a = filled.model(&mut tx, a);
    let model_b = filled.model(&mut tx, b);
    let model = |account: &str| if account == a { &model_a } else { &model_b };

    assert_eq!(tx.account_count().unwrap(), 2);
    let acc = Some(Account {
        id: a.clone(),
        name: "alpha".into(),
        created_at: 1_700_000_000_000,
    });
    assert_eq!(tx.account(a).unwrap(), acc);
    assert_eq!(tx.account_by_name("alpha").unwrap(), acc);
    assert_eq!(tx.account("nope").unwrap(), None);
    assert_eq!(tx.account_by_name("ALPHA").unwrap(), None);
    let projects = vec![Project {
        id: f.project_a.clone().into(),
        account_id: a.clone(),
        name: "p-alpha".into(),
        created_at: 1_700_000_000_001,
        description: String::new(),
        enabled: true,
        parent_id: None,
        tags: Vec::new(),
    }];
    assert_eq!(tx.projects_of(a).unwrap(), projects);
    assert_eq!(tx.projects_of(b).unwrap(), []);
    assert_eq!(tx.project(&f.project_a).unwrap().as_ref(), projects.first());
    assert_eq!(tx.project("nope").unwrap(), None);
    for (k, user, active) in [
        ("AK-ROOT", &u[0], true),
        ("AK-BOB", &u[5], false),
        ("AK-OFF", &u[1], false),
    ] {
        let got = tx.access_key(k).unwrap().unwrap();
        assert_eq!(
            (
                got.access_key.as_str(),
                got.account_id.as_str(),
                got.user_id.as_str(),
                got.secret_sealed.as_str(),
                got.active
            ),
            (
                k,
                a.as_str(),
                user.as_str(),
                format!("sealed-{k}").as_str(),
                active
            ),
            "{k}"
        );
    }
    assert!(tx.access_key("AK-NONE").unwrap().is_none());

    for (i, id) in u.iter().enumerate() {
        let want = model_a.listed_users.iter().find(|x| &x.id == id).cloned();
        assert!(want.is_some());
        assert_eq!(tx.user(a, id).unwrap(), want);
        assert_eq!(tx.user(b, id).unwrap(), None);
        assert_eq!(tx.account_of_user(id).unwrap().as_deref(), Some(a.as_str()));
        assert_eq!(
            tx.password_hash(id).unwrap(),
            filled.records[i].password_hash
        );
    }
    assert_eq!(tx.user(a, "nope").unwrap(), None);
    assert_eq!(tx.account_of_user("nope").unwrap(), None);
    assert_eq!(tx.password_hash("nope").unwrap(), None);
    for (name, want) in [
        ("ALICE", Some("alice")),
        ("straße", Some("Straße")),
        ("STRASSE", Some("Straße")),
        ("κασα", Some("ΚΑΣΑ")),
        ("CAFE\u{301}", Some("caf\u{e9}")),
        ("Café", Some("caf\u{e9}")),
        ("nobody", None),
    ] {
        let want = want.map(|w| model_a.listed_users.iter().find(|x| x.name == w).unwrap());
        assert_eq!(tx.user_by_name(a, name).unwrap().as_ref(), want, "{name}");
    }
    let names: Vec<String> = ["ALICE", "Straße", "nobody", "王小明", "root-beta"]
        .map(String::from)
        .to_vec();
    let mut got = tx.taken_user_names(a, &names).unwrap();
    got.sort();
    let mut want: Vec<String> = ["ALICE", "Straße", "王小明"].map(fold).to_vec();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(tx.user_count(a).unwrap(), 40);
    assert_eq!(tx.user_count(b).unwrap(), 602);
    let mut want: HashMap<String, Vec<String>> = HashMap::new();
    for g in &model_a.listed_groups {
        for (_, user) in model_a.members.iter().filter(|(gid, _)| *gid == g.id) {
            want.entry(user.clone()).or_default().push(g.name.clone());
        }
    }
    assert_eq!(tx.group_names_of(u).unwrap(), want);
    assert_eq!(
        tx.group_names_of(&u[1..2]).unwrap()[&u[1]],
        ["Sales", "研发一部", "研发二部"]
    );
    assert!(tx.group_names_of(&[]).unwrap().is_empty());

    let mut ids: Vec<String> = filled.groups.iter().map(|g| g.id.to_string()).collect();
    ids.extend(filled.b_groups.iter().map(|g| g.id.to_string()));
    ids.push("nope".into());
    for id in &ids {
        for account in [a, b] {
            let m = model(account);
            let want = m.listed_groups.iter().find(|g| &g.id == id).cloned();
            assert_eq!(tx.group(account, id).unwrap(), want, "{id}");
            // a made id is unique across the directory (its own key): taken everywhere
            let made_elsewhere = crate::core::ids::is_generated(id)
                && [&model_a, &model_b]
                    .iter()
                    .any(|m| m.listed_groups.iter().any(|g| &g.id == id));
            assert_eq!(
                tx.group_id_taken(account, id).unwrap(),
                want.is_some() || made_elsewhere,
                "{id}"
            );
            for user in u.iter().take(6) {
                // by the stored key: a made id names its group from any account
                let in_model = |m: &Model| m.members.iter().any(|(g, x)| g == id && x == user);
                let member = in_model(m)
                    || (crate::core::ids::is_generated(id)
                        && [&model_a, &model_b].iter().any(|m| in_model(m)));
                assert_eq!(tx.is_member(account, id, user).unwrap(), member, "{id}");
            }
        }
    }
    assert!(tx.group_id_taken(b, "sales").unwrap());
    assert!(!tx.group_id_taken(b, "dev").unwrap());
    assert_eq!(tx.group(b, "sales").unwrap().unwrap().name, "Sales B");
    for name in ["sales", "研发一部", "ΚΑΣΑ-TEAM", "nope"] {
        for account in [a, b] {
            let want = model(account)
                .listed_groups
                .iter()
                .find(|g| fold(&g.name) == fold(name))
                .cloned();
            assert_eq!(tx.group_by_name(account, name).unwrap(), want, "{name}");
        }
    }
    assert!(tx.group_by_name(a, "研发一部").unwrap().is_some());
    for user in u.iter().take(6) {
        let member = GroupFilter {
            member: Some(user.clone()),
            ..Default::default()
        };
        for page in pages() {
            same(
                "of_user",
                tx.groups_of_user(user, page).unwrap(),
                model_a.groups(&member, page),
            );
        }
    }
    // ids of folded names: public ids (the core sees public ids)
    let folded: Vec<String> = ["sales", "研发一部", "κασα-team", "nope"]
        .map(String::from)
        .to_vec();
    let mut got = tx.group_ids_by_folded_names(a, &folded).unwrap();
    got.sort();
    let mut want: Vec<(String, String)> = model_a
        .listed_groups
        .iter()
        .filter(|g| folded.contains(&fold(&g.name)))
        .map(|g| (fold(&g.name), g.id.to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(got.len(), 3);
    assert!(got.contains(&("sales".into(), "sales".into())));
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    for account in [a, b] {
        let mut got: Vec<(i64, String)> = tx
            .group_names_by_ids(account, &all)
            .unwrap()
            .into_iter()
            .map(|(_, seq, name)| (seq, name))
            .collect();
        got.sort();
        let want: Vec<(i64, String)> = model(account)
            .listed_groups
            .iter()
            .map(|g| (g.seq, g.name.clone()))
            .collect();
        assert_eq!(got, want);
    }
    Box::new(tx).finish().unwrap();
}

/// The order of a task listing: unfinished tasks (no end time) last either way, then the
/// sort column, then the id, both in the asked direction.
fn task_order(f: &TaskFilter, x: &ExportTask, y: &ExportTask) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let key = |t: &ExportTask| -> Option<String> {
        match f.sort {
            TaskSort::CreateTime => Some(format!("{:020}", t.created_at)),
            TaskSort::EndTime => t.end_time.map(|e| format!("{e:020}")),
            TaskSort::FileName => Some(t.file_name.clone()),
            TaskSort::Status => Some(t.status.as_str().to_string()),
        }
    };
    let dir = |o: Ordering| if f.ascending { o } else { o.reverse() };
    match (key(x), key(y)) {
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (kx, ky) => dir(kx.cmp(&ky)).then_with(|| dir(x.id.cmp(&y.id))),
    }
}

#[tokio::test]
async fn export_tasks_answer_as_written() {
    let filled = filled().await;
    let f = &filled.f;
    let names = [
        "users_20240101.xlsx",
        "研发一部_USERS.xlsx",
        "a_b%c.xlsx",
        "Straße.xlsx",
    ];
    for (i, name) in names.iter().enumerate() {
        f.export_task(&format!("task{i}"), name, 1_000 + (i as i64 % 2))
            .await;
    }
    let claimed = f.write(|tx| {
        tx.insert_export_chunk("task1", 0, &[1, 2, 3])?;
        // not the owner: nothing changes
        tx.finish_export("task0", "nobody", 5, 1, 1, 9)?;
        let claimed = tx.claim_export("w1", 10, 100)?.unwrap();
        tx.finish_export(&claimed.id, "w1", 50, 3, 3, 500)?;
        tx.mark_export_downloaded(&claimed.id)?;
        Ok(claimed)
    });
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let p = &f.project_a;
    let mut tasks: Vec<ExportTask> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let t = tx.export_task(p, &format!("task{i}")).unwrap().unwrap();
        assert_eq!(
            (t.file_name.as_str(), t.created_at),
            (*name, 1_000 + (i as i64 % 2))
        );
        if t.id == claimed.id {
            assert_eq!(t.status, TaskStatus::Success);
            assert_eq!((t.end_time, t.row_count, t.file_size), (Some(50), 3, 3));
            assert!(t.is_download);
        } else {
            assert_eq!(t.status, TaskStatus::Creating);
            assert_eq!(t.end_time, None);
            assert!(!t.is_download);
        }
        tasks.push(t);
    }
    assert_eq!(tx.export_task(p, "task9").unwrap(), None);
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
    let mut nonempty = 0;
    for filter in &filters {
        let mut hits: Vec<ExportTask> = tasks
            .iter()
            .filter(|t| {
                filter
                    .file_name
                    .as_deref()
                    .is_none_or(|n| fold(&t.file_name).contains(&fold(n)))
                    && filter.task_id.as_ref().is_none_or(|id| *id == t.id)
                    && filter.status.is_none_or(|s| s == t.status)
                    && filter.is_download.is_none_or(|d| d == t.is_download)
            })
            .cloned()
            .collect();
        hits.sort_by(|x, y| task_order(filter, x, y));
        for page in pages() {
            let got = tx.list_export_tasks(p, filter, page).unwrap();
            nonempty += usize::from(!got.items.is_empty());
            let want = Listing {
                total: hits.len() as i64,
                items: hits
                    .iter()
                    .skip(page.offset as usize)
                    .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
                    .cloned()
                    .collect(),
            };
            same(&format!("{filter:?} {page:?}"), got, want);
        }
    }
    assert!(nonempty > 40, "{nonempty}");
    assert_eq!(tx.export_chunk("task1", 0).unwrap(), Some(vec![1, 2, 3]));
    assert_eq!(tx.export_chunk("task1", 1).unwrap(), None);
    let ids: Vec<String> = ["task0", "task3", "task7"].map(String::from).to_vec();
    let mut got = tx.export_task_ids(p, &ids).unwrap();
    got.sort();
    assert_eq!(got, ["task0", "task3"]);
    Box::new(tx).finish().unwrap();
}

#[tokio::test]
async fn org_members_and_iam_state_answer_as_written() {
    let filled = filled().await;
    let f = &filled.f;
    let u = &filled.users;
    let mut rows = Vec::new();
    for (i, (roles, modules)) in [
        (vec![111111111, 111111113], vec!["chat", "sql"]),
        (vec![111111113], vec![]),
        (vec![], vec!["chat"]),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(MemberRow {
            user_id: u[i + 1].clone().into(),
            account_id: f.a.clone(),
            user_type: i as i64 + 1,
            role_ids: roles,
            copilot_modules: modules.into_iter().map(String::from).collect(),
            aliyun_account_id: format!("aliyun{i}"),
        });
    }
    f.write(|tx| {
        for m in &rows {
            tx.upsert_org_member(m, 9)?;
        }
        for (id, at) in [("k1", 5), ("k2", 9), ("k3", 9)] {
            tx.insert_token_key(&TokenKeyRow {
                id: id.into(),
                key_sealed: format!("sealed-{id}"),
                created_at: at,
            })?;
        }
        for (t, exp, at) in [("t1", 100, 10), ("t2", 50, 20), ("t3", 200, 30)] {
            tx.revoke_token(t, exp, at)?;
        }
        tx.add_login_failure("user:x", 100, 0)?;
        tx.add_login_failure("user:x", 110, 0)?;
        Ok(())
    });
    let store = f.store();
    let mut tx = store.begin_read().unwrap();
    let model = filled.model(&mut tx, &f.a);
    let got = tx.org_members(u).unwrap();
    assert_eq!(got.len(), 3);
    for m in &rows {
        let o = &got[m.user_id.as_str()];
        assert_eq!(
            (
                &o.user_id,
                &o.account_id,
                o.user_type,
                &o.role_ids,
                &o.copilot_modules,
                &o.aliyun_account_id
            ),
            (
                &m.user_id,
                &m.account_id,
                m.user_type,
                &m.role_ids,
                &m.copilot_modules,
                &m.aliyun_account_id
            )
        );
    }
    let mut nonempty = 0;
    for role in [111111111, 111111113, 111111112] {
        for (root_default, default) in [(111111111, 111111112), (111111113, 111111113)] {
            // holders: a row listing the role, or no row and the role is the default
            let holders: Vec<(String, String, String)> = model
                .listed_users
                .iter()
                .filter(|x| match rows.iter().find(|m| m.user_id == x.id) {
                    Some(m) => m.role_ids.contains(&role),
                    None => role == if x.is_root { root_default } else { default },
                })
                .map(|x| (x.id.to_string(), x.name.clone(), x.alias_name.clone()))
                .collect();
            for kw in [None, Some("明"), Some("STRASSE"), Some("小爱"), Some("")] {
                let hits: Vec<_> = holders
                    .iter()
                    .filter(|(_, _, alias)| {
                        kw.is_none_or(|k| k.is_empty() || fold(alias).contains(&fold(k)))
                    })
                    .cloned()
                    .collect();
                for page in pages() {
                    let got = tx
                        .role_holders(&f.a, role, root_default, default, kw, page)
                        .unwrap();
                    let what = format!("{role} {root_default} {default} {kw:?} {page:?}");
                    assert_eq!(got.total, hits.len() as i64, "{what}");
                    nonempty += usize::from(!got.items.is_empty());
                    let items: Vec<_> = got
                        .items
                        .iter()
                        .map(|h| (h.user_id.to_string(), h.name.clone(), h.alias_name.clone()))
                        .collect();
                    let want: Vec<_> = hits
                        .iter()
                        .skip(page.offset as usize)
                        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
                        .cloned()
                        .collect();
                    assert_eq!(items, want, "{what}");
                }
            }
        }
    }
    assert!(nonempty > 20, "{nonempty}");
    let keys: Vec<_> = tx
        .token_keys()
        .unwrap()
        .into_iter()
        .map(|k| (k.id, k.key_sealed, k.created_at))
        .collect();
    let key = |id: &str, at| (id.to_string(), format!("sealed-{id}"), at);
    // the newest first; k2 and k3 were made at once: the id breaks the tie
    assert_eq!(keys[0], key("k3", 9));
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, [key("k1", 5), key("k2", 9), key("k3", 9)]);
    assert_eq!(keys[2], key("k1", 5));
    let revoked = [("t1", 100, 10), ("t2", 50, 20), ("t3", 200, 30)];
    for (now, since) in [(0, 0), (60, 15), (150, 0), (300, 0)] {
        let mut got = tx.revoked_since(now, since).unwrap();
        got.sort();
        let want: Vec<(String, i64)> = revoked
            .iter()
            .filter(|(_, exp, at)| *exp > now && *at >= since)
            .map(|(t, exp, _)| (t.to_string(), *exp))
            .collect();
        assert_eq!(got, want, "{now} {since}");
    }
    assert_eq!(tx.login_failures("user:x").unwrap(), Some((100, 2)));
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
    // a write after the snapshot began is not seen by it
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
