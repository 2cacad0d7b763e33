//! `WriteTx` keeps what it must: the kept counters, `user_quantity`, the folded columns, the
//! token cut-off; read back through the store's reads (`Look`) and SQL.

use super::super::SqliteStore;
use super::{Fixture, UserSpec};
use crate::core::exports::{ExportTask, FailureKind, TaskKind, TaskStatus};
use crate::core::ids;
use crate::core::model::AccountId;
use crate::core::model::{Account, Group, Page, Project, UserFilter};
use crate::core::storage::{
    AccessKeyInfo, AccessKeyPatch, AccessKeyRow, MemberRow, ReadTx, RowLock, Storage, TokenKeyRow,
    UserRecord, WriteTx,
};
use crate::core::Error;

/// Reads of the file after the writes: each through a fresh read transaction of the
/// native store (its reads are held to the written values in `reads`), the kept counters
/// and raw columns with SQL.
struct Look<'a>(&'a Fixture);

macro_rules! reads {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        impl Look<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $out {
                let store: SqliteStore = self.0.store();
                let mut tx = store.read().unwrap();
                let out = tx.$name($($arg),*).unwrap();
                tx.finish().unwrap();
                out
            })*
        }
    };
}

reads! {
    account(id: &str) -> Option<crate::core::model::Account>;
    projects_of(account_id: &AccountId) -> Vec<crate::core::model::Project>;
    access_key(key: &str) -> Option<crate::core::storage::AccessKeyRow>;
    export_task(project_id: &str, id: &str) -> Option<crate::core::exports::ExportTask>;
    list_export_tasks(project_id: &str, f: &crate::core::exports::TaskFilter, page: Page)
        -> crate::core::model::Listing<crate::core::exports::ExportTask>;
    group(account_id: &AccountId, id: &str) -> Option<Group>;
    group_by_name(account_id: &AccountId, name: &str) -> Option<Group>;
    groups_after(account_id: &AccountId, f: &crate::core::model::GroupFilter, after: i64, limit: i64)
        -> Vec<Group>;
    login_failures(subject: &str) -> Option<(i64, i64)>;
    revoked_since(now: i64, since: i64) -> Vec<(String, i64)>;
    token_keys() -> Vec<crate::core::storage::TokenKeyRow>;
    org_members(ids: &[String])
        -> std::collections::HashMap<String, crate::core::storage::MemberRow>;
    user(account_id: &AccountId, id: &str) -> Option<crate::core::model::User>;
    group_names_of(ids: &[String]) -> std::collections::HashMap<String, Vec<String>>;
    list_users(account_id: &AccountId, f: &UserFilter, page: Page)
        -> crate::core::model::Listing<crate::core::model::User>;
    password_hash(id: &str) -> Option<String>;
    users_after(account_id: &AccountId, f: &UserFilter, after: i64, limit: i64)
        -> Vec<crate::core::model::User>;
}

impl Look<'_> {
    /// The account's kept counters (users, groups).
    fn counts(&self, account_id: &AccountId) -> (i64, i64) {
        self.sql()
            .query_row(
                "SELECT user_count, group_count FROM accounts WHERE id = ?",
                [account_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    /// The deepest depth under `path` (a write transaction's read), committed empty.
    fn subtree_max_depth(&self, account_id: &AccountId, path: &str) -> i64 {
        self.0.write(|tx| tx.subtree_max_depth(account_id, path))
    }

    /// A plain connection to the file.
    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.0.path).unwrap()
    }
}

fn user(account_id: &AccountId, name: &str) -> UserRecord {
    UserRecord {
        id: ids::new_id().into(),
        account_id: account_id.into(),
        name: name.into(),
        description: format!("Desc {name}"),
        email: String::new(),
        phone: String::new(),
        alias_name: name.to_uppercase(),
        active_type: crate::core::model::ActiveType::User,
        platform_type: crate::core::model::PlatformType::Local,
        domain: String::new(),
        enterprise_project_id: "0".into(),
        user_info_map: String::new(),
        account_expires: 0,
        password_hash: Some("$argon2id$x".into()),
        enable_change_password: true,
        next_login_change_password: false,
        password_never_expired: false,
        locked: false,
        disabled: false,
        is_root: false,
        created_at: 1_700_000_000_000,
        password_expires_at: 0,
        default_project_id: String::new(),
        options: "{}".into(),
    }
}

fn group(account_id: &AccountId, id: &str, name: &str, parent: Option<&Group>) -> Group {
    let (path, depth) = match parent {
        Some(p) => (format!("{}/{id}", p.path), p.depth + 1),
        None => (id.to_string(), 1),
    };
    Group {
        seq: 0,
        id: id.into(),
        account_id: account_id.into(),
        name: name.into(),
        description: String::new(),
        platform_type: crate::core::model::PlatformType::Local,
        domain: String::new(),
        parent_id: parent.map(|p| p.id.clone()),
        path,
        depth,
        user_quantity: 0,
        created_by: "t".into(),
        updated_by: "t".into(),
        created_at: 1,
        updated_at: 1,
        parent: None,
    }
}

/// The counters of `account` agree with its rows.
async fn assert_counts_exact(f: &Fixture, account: &AccountId) {
    let c = Look(f);
    let (users, groups) = c.counts(account);
    let all = UserFilter {
        platform_type: None,
        ..Default::default()
    };
    let rows = c.users_after(account, &all, 0, i64::MAX);
    assert_eq!(users, rows.len() as i64, "user_count");
    let gs = c.groups_after(account, &Default::default(), 0, i64::MAX);
    assert_eq!(groups, gs.len() as i64, "group_count");
    for g in gs {
        let members = c.list_users(
            account,
            &UserFilter {
                group_id: Some(g.id.to_string()),
                ..Default::default()
            },
            Page::ALL,
        );
        assert_eq!(
            g.user_quantity, members.total,
            "user_quantity of {}",
            g.name
        );
    }
}

#[tokio::test]
async fn users_groups_and_memberships_keep_counters_exact() {
    let f = Fixture::new().await;
    let (a, b) = (f.a.clone(), f.b.clone());
    let store = f.store();
    let us: Vec<UserRecord> = ["ann", "Ben", "王五", "dora", "eve"]
        .iter()
        .map(|n| user(&a, n))
        .collect();
    let ids: Vec<String> = us.iter().map(|u| u.id.to_string()).collect();
    let mut tx = store.begin_write().unwrap();
    tx.insert_users(&us).unwrap();
    tx.insert_users(&[user(&b, "ann")]).unwrap();
    let top = group(&a, "top", "Top", None);
    let mid = group(&a, &ids::new_id(), "Mid", Some(&top));
    let low = group(&a, "low", "Low", Some(&mid));
    let other = group(&a, &ids::new_id(), "Other", None);
    tx.insert_groups(&[top.clone(), mid.clone(), low.clone(), other.clone()])
        .unwrap();
    tx.insert_groups(&[group(&b, "top", "Top", None)]).unwrap();
    // the same chosen id in another account is another group
    assert_eq!(tx.add_members(&a, "top", &ids[..3], 5).unwrap(), 3);
    assert_eq!(tx.add_members(&a, "top", &ids[1..4], 5).unwrap(), 1);
    assert_eq!(tx.add_members(&a, &mid.id, &ids, 5).unwrap(), 5);
    assert_eq!(tx.add_members(&a, "low", &ids[..1], 5).unwrap(), 1);
    assert_eq!(tx.add_members(&a, &other.id, &ids[4..], 5).unwrap(), 1);
    assert_eq!(tx.remove_members(&a, &mid.id, &ids[3..]).unwrap(), 2);
    assert_eq!(tx.remove_members(&a, &mid.id, &ids[3..]).unwrap(), 0);
    // reads inside see the writes
    assert_eq!(tx.group(&a, "top").unwrap().unwrap().user_quantity, 4);
    assert!(tx.is_member(&a, "low", &ids[0]).unwrap());
    assert!(!tx.is_member(&b, "top", &ids[0]).unwrap());
    Box::new(tx).commit().unwrap();
    assert_counts_exact(&f, &a).await;
    assert_counts_exact(&f, &b).await;
    let c = Look(&f);
    assert_eq!(c.counts(&a), (5, 4));
    assert_eq!(c.counts(&b), (1, 1));
    // the folded columns are written: a search finds the rows
    let found = c.list_users(
        &a,
        &UserFilter {
            name_contains: Some("BEN".into()),
            ..Default::default()
        },
        Page::ALL,
    );
    assert_eq!(found.total, 1);
    assert!(c.group_by_name(&a, "TOP").is_some());

    // a subtree move shifts paths and depths and sets the parent
    let mut tx = store.begin_write().unwrap();
    tx.lock_hierarchy(&a).unwrap();
    assert_eq!(tx.subtree_max_depth(&a, &mid.path).unwrap(), 3);
    let new_path = format!("{}/{}", other.path, mid.id);
    tx.move_subtree(
        &a,
        &mid.id,
        Some(&other.id),
        &mid.path,
        &new_path,
        0,
        "mover",
        77,
    )
    .unwrap();
    Box::new(tx).commit().unwrap();
    let moved = c.group(&a, &mid.id).unwrap();
    assert_eq!(
        (moved.parent_id.as_deref(), moved.depth),
        (Some(other.id.as_str()), 2)
    );
    assert_eq!((moved.updated_by.as_str(), moved.updated_at), ("mover", 77));
    let low_now = c.group(&a, "low").unwrap();
    assert_eq!(low_now.path, format!("{new_path}/low"));
    assert_eq!(low_now.depth, 3);
    assert_eq!(c.subtree_max_depth(&a, &other.path), 3);

    // deleting users lowers each group's user_quantity by the memberships removed
    let mut tx = store.begin_write().unwrap();
    let mut doomed = vec![ids[0].clone(), ids[4].clone(), "nope".to_string()];
    doomed.sort();
    let held = tx.lock_users(&a, &doomed, RowLock::Update).unwrap();
    assert_eq!(held.len(), 2);
    // another account's user is not deleted through this one
    tx.delete_users(&b, &held).unwrap();
    tx.delete_users(&a, &held).unwrap();
    Box::new(tx).commit().unwrap();
    assert_counts_exact(&f, &a).await;
    assert_counts_exact(&f, &b).await;
    assert_eq!(c.counts(&a), (3, 4));
    assert_eq!(c.group(&a, &other.id).unwrap().user_quantity, 0);

    // deleting a subtree deletes its memberships and counts the groups out
    let mut tx = store.begin_write().unwrap();
    tx.lock_hierarchy(&a).unwrap();
    let g = tx.group(&a, &other.id).unwrap().unwrap();
    let mut sub = tx.subtree_ids(&a, &g.path).unwrap();
    assert_eq!(sub, ["low", mid.id.as_str(), other.id.as_str()]);
    sub.sort();
    assert_eq!(tx.lock_groups(&a, &sub, RowLock::Update).unwrap().len(), 3);
    tx.delete_groups(&a, &sub).unwrap();
    assert!(tx.group(&a, "low").unwrap().is_none());
    Box::new(tx).commit().unwrap();
    assert_counts_exact(&f, &a).await;
    assert_eq!(c.counts(&a), (3, 1));
    assert!(c.group(&b, "top").is_some());
    let left = c.group_names_of(&ids);
    assert_eq!(
        left.values().flatten().collect::<Vec<_>>(),
        ["Top", "Top", "Top"]
    );

    // bulk loading, then a recount
    let mut tx = store.begin_write().unwrap();
    let key = crate::store::common::key(&a, "top");
    let pairs: Vec<(&str, &str)> = ids[1..4]
        .iter()
        .map(|u| (key.as_str(), u.as_str()))
        .collect();
    tx.load_memberships(&pairs, 9).unwrap();
    tx.recount_members(&a).unwrap();
    Box::new(tx).commit().unwrap();
    assert_counts_exact(&f, &a).await;
}

#[tokio::test]
async fn updates_keep_folds_and_move_the_token_cut_off() {
    let f = Fixture::new().await;
    let a = f.a.clone();
    let store = f.store();
    let ids = f
        .users(&a, &[UserSpec::named("zoe"), UserSpec::named("yan")])
        .await;
    let c = Look(&f);
    // a legacy folded name (made unique by fold-v2) stays while the name does not change
    c.sql()
        .execute(
            "UPDATE users SET name_fold = 'zoe\u{1}1' WHERE id = ?",
            [&ids[0]],
        )
        .unwrap();
    let mut tx = store.begin_write().unwrap();
    let mut u = tx.user_for_update(&a, &ids[0]).unwrap().unwrap();
    u.description = "New Desc".into();
    u.updated_at = 1_000;
    tx.update_user(&mut u, None).unwrap();
    assert_eq!(u.tokens_valid_after, 0, "active before and after");
    u.disabled = true;
    u.updated_at = 2_000;
    tx.update_user(&mut u, None).unwrap();
    assert_eq!(u.tokens_valid_after, 2_000, "left disabled");
    u.disabled = false;
    u.updated_at = 3_000;
    tx.update_user(&mut u, Some(Some("$argon2id$new".into())))
        .unwrap();
    assert_eq!(u.tokens_valid_after, 3_000, "found disabled");
    u.updated_at = 4_000;
    u.account_expires = 3_500;
    tx.update_user(&mut u, None).unwrap();
    assert_eq!(u.tokens_valid_after, 4_000, "left expired");
    Box::new(tx).commit().unwrap();
    let fold: String = c
        .sql()
        .query_row("SELECT name_fold FROM users WHERE id = ?", [&ids[0]], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fold, "zoe\u{1}1");
    // only `tokens_valid_after` is read back into `u` by `update_user`
    u.password_changed_at = 3_000;
    let back = c.user(&a, &ids[0]).unwrap();
    assert_eq!(back, u);
    assert_eq!(back.password_changed_at, 3_000);
    assert_eq!(c.password_hash(&ids[0]).as_deref(), Some("$argon2id$new"));
    let found = c.list_users(
        &a,
        &UserFilter {
            description_contains: Some("new d".into()),
            ..Default::default()
        },
        Page::ALL,
    );
    assert_eq!(found.total, 1);
    // a new name is folded anew; a taken one is Error::Unique
    let mut tx = store.begin_write().unwrap();
    u.name = "Zoë".into();
    tx.update_user(&mut u, Some(None)).unwrap();
    assert!(tx.user_by_name(&a, "ZOË").unwrap().is_some());
    assert!(!tx.user(&a, &ids[0]).unwrap().unwrap().has_password);
    let mut other = tx.user(&a, &ids[1]).unwrap().unwrap();
    other.name = "ZOË".into();
    assert!(matches!(
        tx.update_user(&mut other, None),
        Err(Error::Unique(_))
    ));
    Box::new(tx).commit().unwrap();
    // group updates: name_fold kept unless the name changes
    let mut tx = store.begin_write().unwrap();
    let mut g = group(&a, "grp", "Team", None);
    tx.insert_groups(std::slice::from_ref(&g)).unwrap();
    g.description = "d".into();
    g.updated_at = 50;
    tx.update_group(&g).unwrap();
    g.name = "Crew".into();
    tx.update_group(&g).unwrap();
    assert_eq!(
        tx.group_by_name(&a, "CREW").unwrap().unwrap().updated_at,
        50
    );
    assert!(matches!(
        tx.insert_groups(&[group(&a, "grp2", "crew", None)]),
        Err(Error::Unique(_))
    ));
}

#[tokio::test]
async fn a_dropped_write_keeps_nothing_and_errors_map() {
    let f = Fixture::new().await;
    let store = f.store();
    {
        let mut tx = store.begin_write().unwrap();
        tx.insert_users(&[user(&f.a, "ghost")]).unwrap();
        // dropped without commit
    }
    let mut tx = store.write().unwrap();
    assert!(tx.user_by_name(&f.a, "ghost").unwrap().is_none());
    assert_eq!(tx.user_count(&f.a).unwrap(), 0);
    // the one writer: a second write waits for the busy timeout, then is Unavailable
    let quick = SqliteStoreSettings::quick();
    let other = super::SqliteStore::open(&f.path, &quick).unwrap();
    assert!(matches!(other.begin_write(), Err(Error::Unavailable(_))));
    // a duplicate account name breaks a unique constraint
    let acc = Account {
        id: ids::new_id().into(),
        name: "alpha".into(),
        created_at: 1,
    };
    assert!(matches!(tx.insert_account(&acc), Err(Error::Unique(_))));
    tx.commit().unwrap();
    assert_eq!(store.max_concurrency(), 16);
    assert_eq!(
        store
            .in_lock_order(&f.a, vec!["b".into(), "a".into(), ids::new_id()])
            .len(),
        3
    );
}

struct SqliteStoreSettings;
impl SqliteStoreSettings {
    fn quick() -> crate::store::PoolSettings {
        crate::store::PoolSettings {
            max_connections: 1,
            busy_timeout: std::time::Duration::from_millis(50),
            ..Default::default()
        }
    }
}

#[tokio::test]
async fn accounts_exports_org_members_and_iam_state_write_as_asked() {
    let f = Fixture::new().await;
    let store = f.store();
    let ids_ = f.users(&f.a.clone(), &[UserSpec::named("root")]).await;
    let mut tx = store.begin_write().unwrap();
    let acc = Account {
        id: ids::new_id().into(),
        name: "gamma".into(),
        created_at: 3,
    };
    tx.insert_account(&acc).unwrap();
    let p = Project {
        id: ids::new_id().into(),
        account_id: acc.id.clone(),
        name: "p".into(),
        created_at: 4,
        description: String::new(),
        enabled: true,
        parent_id: None,
        tags: Vec::new(),
    };
    tx.insert_project(&p).unwrap();
    tx.insert_access_key(
        &AccessKeyRow {
            access_key: "AK1".into(),
            account_id: f.a.clone(),
            user_id: ids_[0].clone().into(),
            secret_sealed: "s".into(),
            active: false,
            is_root: false,
            description: String::new(),
        },
        8,
    )
    .unwrap();
    let task = |id: &str, at: i64| ExportTask {
        id: id.into(),
        account_id: f.a.clone(),
        project_id: f.project_a.clone().into(),
        kind: TaskKind::Users,
        spec: "{}".into(),
        file_name: "Straße.xlsx".into(),
        status: TaskStatus::Creating,
        fail_reason: None,
        error_code: None,
        created_at: at,
        end_time: None,
        is_download: false,
        attempts: 0,
        row_count: 0,
        file_size: 0,
        expires_at: None,
    };
    tx.insert_export_task(&task("t1", 10)).unwrap();
    tx.insert_export_task(&task("t2", 20)).unwrap();
    tx.insert_export_task(&task("t3", 30)).unwrap();
    let claimed = tx.claim_export("w1", 100, 200).unwrap().unwrap();
    assert_eq!((claimed.id.as_str(), claimed.attempts), ("t1", 1));
    assert_eq!(tx.claim_export("w2", 100, 200).unwrap().unwrap().id, "t2");
    assert!(tx.renew_export("t1", "w1", 300).unwrap());
    assert!(!tx.renew_export("t1", "w2", 300).unwrap());
    tx.insert_export_chunk("t1", 0, b"abc").unwrap();
    assert!(tx.finish_export("t1", "w1", 150, 5, 3, 1_000).unwrap());
    assert!(!tx.finish_export("t1", "w1", 150, 5, 3, 1_000).unwrap());
    assert!(tx.fail_export("t2", "w2", 160, "WKS.1", "bad").unwrap());
    tx.mark_export_downloaded("t1").unwrap();
    // t3: claimed, abandoned, given up after 1 attempt
    assert_eq!(tx.claim_export("w3", 100, 120).unwrap().unwrap().id, "t3");
    assert_eq!(tx.give_up_abandoned_exports(130, 1).unwrap(), 1);
    assert_eq!(tx.expire_exports(999).unwrap(), 0);
    assert_eq!(tx.expire_exports(1_000).unwrap(), 1);
    assert_eq!(tx.export_chunk("t1", 0).unwrap(), None);
    tx.upsert_org_member(
        &MemberRow {
            user_id: ids_[0].clone().into(),
            account_id: f.a.clone(),
            user_type: 3,
            role_ids: vec![111111111, 111111113],
            copilot_modules: vec!["chat".into()],
            aliyun_account_id: "x".into(),
        },
        5,
    )
    .unwrap();
    tx.upsert_org_member(
        &MemberRow {
            user_id: ids_[0].clone().into(),
            account_id: f.a.clone(),
            user_type: 2,
            role_ids: vec![111111112],
            copilot_modules: vec![],
            aliyun_account_id: "y".into(),
        },
        6,
    )
    .unwrap();
    for (id, at) in [("k1", 1), ("k2", 2)] {
        tx.insert_token_key(&TokenKeyRow {
            id: id.into(),
            key_sealed: "s".into(),
            created_at: at,
        })
        .unwrap();
    }
    tx.delete_token_key("k1").unwrap();
    tx.revoke_token("tok", 100, 10).unwrap();
    tx.revoke_token("tok", 100, 11).unwrap();
    tx.revoke_token("old", 5, 1).unwrap();
    assert_eq!(tx.purge_revoked(50).unwrap(), 1);
    tx.add_login_failure("user:u", 100, 0).unwrap();
    tx.add_login_failure("user:u", 110, 50).unwrap();
    assert_eq!(tx.login_failures("user:u").unwrap(), Some((100, 2)));
    // the window started at or before stale_before: it starts again
    tx.add_login_failure("user:u", 300, 100).unwrap();
    assert_eq!(tx.login_failures("user:u").unwrap(), Some((300, 1)));
    tx.add_login_failure("addr:1", 10, 0).unwrap();
    tx.clear_login_failures("addr:1").unwrap();
    assert_eq!(tx.purge_login_failures(299).unwrap(), 0);
    assert!(tx.claim_nonce("AK1", "n1", 100).unwrap());
    assert!(!tx.claim_nonce("AK1", "n1", 100).unwrap());
    assert!(tx.claim_nonce("AK2", "n1", 50).unwrap());
    assert_eq!(tx.purge_nonces(60).unwrap(), 1);
    assert!(tx.claim_nonce("AK2", "n1", 50).unwrap());
    Box::new(tx).commit().unwrap();

    // read back
    let c = Look(&f);
    assert_eq!(c.account(&acc.id), Some(acc));
    assert_eq!(c.projects_of(&p.account_id), [p]);
    assert!(!c.access_key("AK1").unwrap().active);
    let t1 = c.export_task(&f.project_a, "t1").unwrap();
    assert_eq!(
        (t1.status, t1.is_download, t1.row_count),
        (TaskStatus::Expired, true, 5)
    );
    let t2 = c.export_task(&f.project_a, "t2").unwrap();
    assert_eq!(
        (t2.status, t2.error_code.as_deref()),
        (TaskStatus::Fail, Some("WKS.1"))
    );
    let t3 = c.export_task(&f.project_a, "t3").unwrap();
    assert_eq!(
        (t3.status, t3.error_code.as_deref()),
        (TaskStatus::Fail, Some(FailureKind::Interrupted.as_str())),
        "the store keeps the core's word, not a face's code"
    );
    assert_ne!(t1.status, TaskStatus::Success);
    let listed = c.list_export_tasks(
        &f.project_a,
        &crate::core::exports::TaskFilter {
            file_name: Some("STRASSE".into()),
            ..Default::default()
        },
        Page::ALL,
    );
    assert_eq!(listed.total, 3, "file_name_fold written");
    let m = c.org_members(&ids_);
    let m = &m[&ids_[0]];
    assert_eq!((m.user_type, &m.role_ids), (2, &vec![111111112]));
    assert!(m.copilot_modules.is_empty());
    let keys = c.token_keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(c.revoked_since(0, 0), [("tok".to_string(), 100)]);
    assert_eq!(c.login_failures("addr:1"), None);
    // deleting a user takes its Quick BI row and keys with it; task deletion by project
    let mut tx = store.begin_write().unwrap();
    tx.delete_users(&f.a, &ids_).unwrap();
    let all: Vec<String> = ["t1", "t2", "t3", "t9"].map(String::from).to_vec();
    assert_eq!(tx.delete_export_tasks("other", &all).unwrap(), 0);
    assert_eq!(tx.delete_export_tasks(&f.project_a, &all).unwrap(), 3);
    Box::new(tx).commit().unwrap();
    assert!(c.org_members(&ids_).is_empty());
    assert!(c.access_key("AK1").is_none());
    assert_counts_exact(&f, &f.a).await;
}

/// Access keys of any user (migration 0014): written with their description, listed per
/// user oldest first and only in their account, updated field by field, touched at most
/// once per granule, deleted only in their account, gone with their user.
#[tokio::test]
async fn access_keys_per_user_write_and_read_as_asked() {
    let f = Fixture::new().await;
    let store = f.store();
    let u = f
        .users(
            &f.a.clone(),
            &[UserSpec::named("ann"), UserSpec::named("bea")],
        )
        .await;
    let ub = f.users(&f.b.clone(), &[UserSpec::named("cid")]).await;
    let key = |ak: &str, account: &AccountId, user: &str, desc: &str| AccessKeyRow {
        access_key: ak.into(),
        account_id: account.clone(),
        user_id: user.into(),
        secret_sealed: format!("sealed-{ak}"),
        active: true,
        is_root: false,
        description: desc.into(),
    };
    let mut tx = store.begin_write().unwrap();
    tx.insert_access_key(&key("AK2", &f.a, &u[0], "second"), 20)
        .unwrap();
    tx.insert_access_key(&key("AK1", &f.a, &u[0], "first"), 10)
        .unwrap();
    tx.insert_access_key(&key("AK3", &f.a, &u[1], ""), 30)
        .unwrap();
    tx.insert_access_key(&key("BK1", &f.b, &ub[0], "b"), 40)
        .unwrap();
    // a write transaction's reads see its writes
    assert_eq!(tx.access_keys_of(&f.a, &u[0]).unwrap().len(), 2);
    Box::new(tx).commit().unwrap();

    let read = |f: &dyn Fn(&mut dyn ReadTx) -> Result<_, Error>| -> Vec<AccessKeyInfo> {
        let mut tx = store.read().unwrap();
        let out = f(&mut *tx).unwrap();
        tx.finish().unwrap();
        out
    };
    let info = |ak: &str, user: &str, active, desc: &str, created_at, last_used_at| AccessKeyInfo {
        access_key: ak.into(),
        account_id: f.a.clone(),
        user_id: user.into(),
        active,
        description: desc.into(),
        created_at,
        last_used_at,
    };
    assert_eq!(
        read(&|tx| tx.access_keys_of(&f.a, &u[0])),
        [
            info("AK1", &u[0], true, "first", 10, 0),
            info("AK2", &u[0], true, "second", 20, 0)
        ]
    );
    assert!(read(&|tx| tx.access_keys_of(&f.b, &u[0])).is_empty());
    let one = |account: &AccountId, ak: &str| {
        let mut tx = store.read().unwrap();
        let out = tx.access_key_info(account, ak).unwrap();
        tx.finish().unwrap();
        out
    };
    assert_eq!(one(&f.a, "AK3"), Some(info("AK3", &u[1], true, "", 30, 0)));
    assert_eq!(one(&f.a, "BK1"), None, "another account's key is not found");
    assert_eq!(one(&f.b, "AK3"), None);
    let c = Look(&f);
    let row = c.access_key("AK1").unwrap();
    let root = c.user(&f.a, &u[0]).unwrap().is_root;
    assert_eq!(
        (row.description.as_str(), row.is_root, row.active),
        ("first", root, true)
    );
    assert_eq!(
        c.access_key("AK3").unwrap().is_root,
        c.user(&f.a, &u[1]).unwrap().is_root
    );

    let mut tx = store.begin_write().unwrap();
    let off = AccessKeyPatch {
        active: Some(false),
        description: None,
    };
    assert!(tx.update_access_key(&f.a, "AK1", &off).unwrap());
    assert!(!tx.update_access_key(&f.b, "AK1", &off).unwrap(), "not b's");
    assert!(!tx.update_access_key(&f.a, "NOPE", &off).unwrap());
    let renamed = AccessKeyPatch {
        active: None,
        description: Some("renamed".into()),
    };
    assert!(tx.update_access_key(&f.a, "AK2", &renamed).unwrap());
    tx.touch_access_key("AK2", 1_000, 900).unwrap();
    // a use within the granule is recorded already: no second write
    tx.touch_access_key("AK2", 1_050, 950).unwrap();
    Box::new(tx).commit().unwrap();
    assert_eq!(
        read(&|tx| tx.access_keys_of(&f.a, &u[0])),
        [
            info("AK1", &u[0], false, "first", 10, 0),
            info("AK2", &u[0], true, "renamed", 20, 1_000)
        ]
    );
    assert!(!c.access_key("AK1").unwrap().active);
    let mut tx = store.begin_write().unwrap();
    tx.touch_access_key("AK2", 2_000, 1_900).unwrap();
    assert!(!tx.delete_access_key(&f.b, "AK3").unwrap(), "not b's");
    assert!(tx.delete_access_key(&f.a, "AK3").unwrap());
    assert!(!tx.delete_access_key(&f.a, "AK3").unwrap());
    Box::new(tx).commit().unwrap();
    assert_eq!(one(&f.a, "AK2").unwrap().last_used_at, 2_000);
    assert_eq!(one(&f.a, "AK3"), None);
    assert!(c.access_key("BK1").is_some());

    // a user's deletion takes its keys
    let mut tx = store.begin_write().unwrap();
    tx.delete_users(&f.a, std::slice::from_ref(&u[0])).unwrap();
    Box::new(tx).commit().unwrap();
    assert!(read(&|tx| tx.access_keys_of(&f.a, &u[0])).is_empty());
    assert!(c.access_key("AK1").is_none());
}
