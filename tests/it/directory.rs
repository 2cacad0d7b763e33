//! The directory core on a real SQLite file: search, exact member counts, the hierarchy,
//! all-or-nothing writes.

use crate::common;

use roster::core::model::*;
use roster::core::{Entity, Error};

/// The totals of unfiltered listings (kept counters) equal a fresh count of the rows.
async fn assert_counts_exact(dir: &roster::core::Directory, acc: &str, db: &common::TestDb) {
    let raw = common::raw(db).await;
    let count = |sql: &'static str| {
        let raw = &raw;
        async move { raw.scalar(sql, &[acc.into()]).await.unwrap().int() }
    };
    let users = count("SELECT count(*) FROM users WHERE account_id = $1").await;
    let groups = count("SELECT count(*) FROM user_groups WHERE account_id = $1").await;
    let listed_users = dir
        .list_users(
            acc,
            &UserFilter::default(),
            Page {
                limit: 1,
                offset: 0,
            },
        )
        .await
        .unwrap()
        .total;
    let listed_groups = dir
        .list_groups(
            acc,
            &GroupFilter::default(),
            Page {
                limit: 1,
                offset: 0,
            },
        )
        .await
        .unwrap()
        .total;
    assert_eq!((listed_users, listed_groups), (users, groups));
}

fn group(name: &str) -> NewGroup {
    NewGroup {
        name: name.into(),
        ..Default::default()
    }
}

fn user(name: &str) -> NewUser {
    NewUser {
        name: name.into(),
        email: format!("{name}@example.com"),
        ..Default::default()
    }
}

async fn names(dir: &roster::core::Directory, acc: &str, kw: &str) -> Vec<String> {
    let f = GroupFilter {
        keyword: Some(kw.into()),
        ..Default::default()
    };
    dir.list_groups(acc, &f, Page::ALL)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|g| g.name)
        .collect()
}

#[tokio::test]
async fn keyword_search_is_a_case_insensitive_literal_substring_match() {
    let (dir, acc, _t) = common::directory().await;
    for n in [
        "研发部",
        "Dev Team",
        "abc_def",
        "a%b",
        "axxb",
        "DEVOPS",
        "开发研究",
        "Straße",
        "ΣΙΣΥΦΟΣ",
    ] {
        dir.create_group(&acc, group(n)).await.unwrap();
    }
    let cases: &[(&str, &[&str])] = &[
        ("研", &["研发部", "开发研究"]),
        ("研发", &["研发部"]),
        ("研发部", &["研发部"]),
        ("发", &["研发部", "开发研究"]),
        ("dev", &["Dev Team", "DEVOPS"]),
        ("DeV", &["Dev Team", "DEVOPS"]),
        ("ev t", &["Dev Team"]),
        ("%", &["a%b"]),
        ("a%b", &["a%b"]),
        ("_", &["abc_def"]),
        ("c_d", &["abc_def"]),
        ("b", &["abc_def", "a%b", "axxb"]),
        ("xyz", &[]),
        // full Unicode case folding (ß is ss) without the final-sigma rule
        ("STRASSE", &["Straße"]),
        ("straß", &["Straße"]),
        ("σισ", &["ΣΙΣΥΦΟΣ"]),
        ("ος", &["ΣΙΣΥΦΟΣ"]),
        ("ΦΟΣ", &["ΣΙΣΥΦΟΣ"]),
        ("\"", &[]),
        ("s\"x", &[]),
    ];
    for (kw, want) in cases {
        assert_eq!(names(&dir, &acc, kw).await, *want, "keyword {kw:?}");
    }
}

#[tokio::test]
async fn a_very_common_short_keyword_still_finds_everything() {
    let (dir, acc, _t) = common::directory().await;
    // more than 512 distinct trigrams starting with "q": the search falls back to a scan
    let letters: Vec<char> = "abcdefghijklmnopqrstuvwxy".chars().collect();
    let mut made = Vec::new();
    for a in &letters {
        for b in &letters {
            let n = format!("q{a}{b}");
            dir.create_group(&acc, group(&n)).await.unwrap();
            made.push(n);
        }
    }
    dir.create_group(&acc, group("zzz")).await.unwrap();
    assert_eq!(names(&dir, &acc, "q").await, made);
    assert_eq!(names(&dir, &acc, "Q").await.len(), 625);
    // "qaX" for every X, and "qqa"
    assert_eq!(names(&dir, &acc, "qa").await.len(), 26);
}

#[tokio::test]
async fn user_search_covers_names_and_descriptions() {
    let (dir, acc, _t) = common::directory().await;
    let mut zhang = user("张伟");
    zhang.description = "上海研发中心".into();
    dir.create_user(&acc, zhang).await.unwrap();
    let mut alice = user("Alice_W");
    alice.description = "Engineer, 100% remote".into();
    dir.create_user(&acc, alice).await.unwrap();
    let find = |name: Option<&str>, desc: Option<&str>| UserFilter {
        name_contains: name.map(Into::into),
        description_contains: desc.map(Into::into),
        ..Default::default()
    };
    let list = |f: UserFilter| {
        let dir = dir.clone();
        let acc = acc.clone();
        async move {
            dir.list_users(&acc, &f, Page::ALL)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|u| u.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(find(Some("张"), None)).await, ["张伟"]);
    assert_eq!(list(find(Some("alice"), None)).await, ["Alice_W"]);
    assert_eq!(list(find(Some("e_w"), None)).await, ["Alice_W"]);
    assert!(list(find(Some("e%w"), None)).await.is_empty());
    assert_eq!(list(find(None, Some("研发"))).await, ["张伟"]);
    assert_eq!(list(find(None, Some("0% r"))).await, ["Alice_W"]);
    assert_eq!(list(find(Some("alice"), Some("remote"))).await, ["Alice_W"]);
    assert!(list(find(Some("alice"), Some("研发"))).await.is_empty());
    let exact = UserFilter {
        names: vec!["alice_w".into(), "nobody".into()],
        ..Default::default()
    };
    assert_eq!(list(exact).await, ["Alice_W"]);
}

#[tokio::test]
async fn user_quantity_is_exact() {
    let (dir, acc, _t) = common::directory().await;
    let g = dir.create_group(&acc, group("g")).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            dir.create_user(&acc, user(&format!("u{i}")))
                .await
                .unwrap()
                .id
                .into_string(),
        );
    }
    let qty = |dir: roster::core::Directory, acc: String, id: String| async move {
        dir.group(&acc, &id).await.unwrap().user_quantity
    };
    assert_eq!(dir.add_members(&acc, &g.id, &ids[..3]).await.unwrap(), 3);
    assert_eq!(
        dir.add_members(&acc, &g.id, &ids[1..5]).await.unwrap(),
        2,
        "members already in are not counted again"
    );
    assert_eq!(qty(dir.clone(), acc.clone(), g.id.to_string()).await, 5);
    assert_eq!(dir.remove_members(&acc, &g.id, &ids[..2]).await.unwrap(), 2);
    assert_eq!(dir.remove_members(&acc, &g.id, &ids[..2]).await.unwrap(), 0);
    assert_eq!(qty(dir.clone(), acc.clone(), g.id.to_string()).await, 3);
    dir.delete_users(&acc, &ids[4..5]).await.unwrap();
    assert_eq!(qty(dir.clone(), acc.clone(), g.id.to_string()).await, 2);
    // an unknown user fails the whole call and changes nothing
    let mut with_unknown = ids[..2].to_vec();
    with_unknown.push("0".repeat(32));
    assert!(matches!(
        dir.add_members(&acc, &g.id, &with_unknown).await,
        Err(Error::NotFound(Entity::User, _))
    ));
    assert_eq!(qty(dir.clone(), acc.clone(), g.id.to_string()).await, 2);
    let members = UserFilter {
        group_id: Some(g.id.to_string()),
        ..Default::default()
    };
    let listed = dir.list_users(&acc, &members, Page::ALL).await.unwrap();
    assert_eq!(listed.total, 2);
    assert_eq!(
        listed
            .items
            .iter()
            .map(|u| u.id.clone())
            .collect::<Vec<_>>(),
        ids[2..4].to_vec()
    );
}

#[tokio::test]
async fn the_hierarchy_stays_a_tree_within_the_depth_limit() {
    let (mut dir, acc, _t) = common::directory().await;
    dir.max_depth = 4;
    let a = dir.create_group(&acc, group("a")).await.unwrap();
    let b = dir
        .create_group(
            &acc,
            NewGroup {
                parent_id: Some(a.id.to_string()),
                ..group("b")
            },
        )
        .await
        .unwrap();
    let c = dir
        .create_group(
            &acc,
            NewGroup {
                parent_id: Some(b.id.to_string()),
                ..group("c")
            },
        )
        .await
        .unwrap();
    assert_eq!(c.path, format!("{}/{}/{}", a.id, b.id, c.id));
    assert_eq!(c.depth, 3);
    assert_eq!(c.parent.as_ref().unwrap().id, b.id);
    // cycles
    for target in [&a.id, &b.id, &c.id] {
        assert!(
            matches!(
                dir.move_group(&acc, &a.id, Some(target), "t").await,
                Err(Error::Hierarchy(_))
            ),
            "under {target}"
        );
    }
    // depth: d under c is depth 4 (allowed), e under d would be 5
    let d = dir
        .create_group(
            &acc,
            NewGroup {
                parent_id: Some(c.id.to_string()),
                ..group("d")
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        dir.create_group(
            &acc,
            NewGroup {
                parent_id: Some(d.id.to_string()),
                ..group("e")
            }
        )
        .await,
        Err(Error::Hierarchy(_))
    ));
    let x = dir.create_group(&acc, group("x")).await.unwrap();
    // moving the 4-deep subtree under x would make it 5 deep
    assert!(matches!(
        dir.move_group(&acc, &a.id, Some(&x.id), "t").await,
        Err(Error::Hierarchy(_))
    ));
    // moving b's subtree to the top re-roots paths and depths
    let moved = dir.move_group(&acc, &b.id, None, "mover").await.unwrap();
    assert_eq!(
        (moved.path.as_str(), moved.depth, moved.parent_id.as_deref()),
        (b.id.as_str(), 1, None)
    );
    assert_eq!(moved.updated_by, "mover");
    let d2 = dir.group(&acc, &d.id).await.unwrap();
    assert_eq!(d2.path, format!("{}/{}/{}", b.id, c.id, d.id));
    assert_eq!(d2.depth, 3);
    // and now under x, which is fine
    let m = dir.move_group(&acc, &b.id, Some(&x.id), "t").await.unwrap();
    assert_eq!(m.depth, 2);
    assert_eq!(
        dir.group(&acc, &d.id).await.unwrap().path,
        format!("{}/{}/{}/{}", x.id, b.id, c.id, d.id)
    );
    let roots = GroupFilter {
        parent: Some(ParentFilter::Root),
        ..Default::default()
    };
    let top: Vec<String> = dir
        .list_groups(&acc, &roots, Page::ALL)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(top, ["a", "x"]);
    // deleting x takes its subtree along
    dir.delete_groups(&acc, &[x.id.to_string()]).await.unwrap();
    let left: Vec<String> = dir
        .list_groups(&acc, &GroupFilter::default(), Page::ALL)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(left, ["a"]);
    assert_counts_exact(&dir, &acc, &_t).await;
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let (dir, acc, _t) = common::directory().await;
    dir.create_user(&acc, user("taken")).await.unwrap();
    let g = dir.create_group(&acc, group("Team")).await.unwrap();
    // a batch with one bad user creates none of them
    let batch = vec![user("fresh1"), user("1bad"), user("fresh2")];
    assert!(matches!(
        dir.create_users(&acc, batch).await,
        Err(Error::InvalidName(_))
    ));
    let batch = vec![user("fresh1"), user("TAKEN")];
    assert!(matches!(
        dir.create_users(&acc, batch).await,
        Err(Error::Duplicate(Entity::User, _))
    ));
    let mut with_group = user("fresh3");
    with_group.group_ids = vec!["f".repeat(32)];
    assert!(matches!(
        dir.create_user(&acc, with_group).await,
        Err(Error::NotFound(Entity::Group, _))
    ));
    let all = dir
        .list_users(&acc, &UserFilter::default(), Page::ALL)
        .await
        .unwrap();
    assert_eq!(
        all.items
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        ["acme", "taken"]
    );
    // duplicate group names, any case
    assert!(matches!(
        dir.create_group(&acc, group("TEAM")).await,
        Err(Error::Duplicate(Entity::Group, _))
    ));
    let other = dir.create_group(&acc, group("Other")).await.unwrap();
    let rename = GroupPatch {
        name: Some("team".into()),
        ..Default::default()
    };
    assert!(matches!(
        dir.update_group(&acc, &other.id, rename).await,
        Err(Error::Duplicate(..))
    ));
    // a batch delete with an unknown id deletes nothing
    assert!(dir
        .delete_groups(&acc, &[g.id.to_string(), "e".repeat(32)])
        .await
        .is_err());
    assert_eq!(
        dir.list_groups(&acc, &GroupFilter::default(), Page::ALL)
            .await
            .unwrap()
            .total,
        2
    );
    // the root user stays
    let root = dir.user_by_name(&acc, "acme").await.unwrap();
    assert!(matches!(
        dir.delete_users(&acc, &[root.id.to_string()]).await,
        Err(Error::Forbidden(_))
    ));
    // passwords
    let mut admin = user("admin1");
    admin.active_type = Some(ActiveType::Admin.into());
    assert!(matches!(
        dir.create_user(&acc, admin.clone()).await,
        Err(Error::InvalidPassword(_))
    ));
    admin.password = Some("weak".into());
    assert!(matches!(
        dir.create_user(&acc, admin.clone()).await,
        Err(Error::InvalidPassword(_))
    ));
    admin.password = Some("Str0ng#Pass".into());
    let made = dir.create_user(&acc, admin).await.unwrap();
    assert!(made.has_password);
    assert!(dir.verify_password(&made, "Str0ng#Pass").await.unwrap());
    assert!(!dir.verify_password(&made, "Str0ng#Pass!").await.unwrap());
}

#[tokio::test]
async fn accounts_are_isolated() {
    let (dir, acc, _t) = common::directory().await;
    let other = dir.create_account("other", "p").await.unwrap();
    let g = dir.create_group(&acc, group("mine")).await.unwrap();
    assert!(matches!(
        dir.group(&other.domain_id, &g.id).await,
        Err(Error::NotFound(..))
    ));
    assert_eq!(
        dir.list_groups(&other.domain_id, &GroupFilter::default(), Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
    // the same names may exist in two accounts
    dir.create_group(&other.domain_id, group("mine"))
        .await
        .unwrap();
    assert!(dir.create_account("OTHER", "p").await.is_ok());
    assert!(matches!(
        dir.create_account("other", "p").await,
        Err(Error::Duplicate(Entity::Account, _))
    ));
    let key = dir
        .resolve_access_key(&other.access_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key.secret, other.secret_key);
    assert_eq!(key.account_id, other.domain_id);
}

/// Two updates of different fields of one user, at once, both hold: each update reads the
/// user under a row lock (PostgreSQL) or the write lock (SQLite), never a stale copy.
#[tokio::test]
async fn concurrent_updates_of_one_user_both_hold() {
    let (dir, acc, _t) = common::directory().await;
    let u = dir.create_user(&acc, user("both")).await.unwrap();
    for round in 0..10 {
        let (description, phone) = (format!("d{round}"), format!("1380000{round:04}"));
        let (a, b, c) = tokio::join!(
            dir.update_user(
                &acc,
                &u.id,
                UserPatch {
                    description: Some(description.clone()),
                    ..Default::default()
                },
            ),
            dir.update_user(
                &acc,
                &u.id,
                UserPatch {
                    phone: Some(phone.clone()),
                    ..Default::default()
                },
            ),
            dir.set_locked(&acc, &u.id, round % 2 == 0),
        );
        a.unwrap();
        b.unwrap();
        c.unwrap();
        let now = dir.user(&acc, &u.id).await.unwrap();
        assert_eq!(
            (now.description, now.phone, now.locked),
            (description, phone, round % 2 == 0),
            "round {round}: an update was lost"
        );
    }
}
