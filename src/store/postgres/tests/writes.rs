//! Every `WriteTx` method of the native driver: the same writes go to the SQLite mirror,
//! what they leave is read back through both stores, and the kept counters are checked
//! after every write.

use super::{group, read, record, selected, write, Fixture, UserSpec};
use crate::core::exports::{ExportTask, TaskKind, TaskStatus};
use crate::core::model::{Account, AccountId, GroupFilter, Page, UserFilter};
use crate::core::storage::{
    AccessKeyPatch, AccessKeyRow, MemberRow, ReadTx, RowLock, Storage, TokenKeyRow, WriteTx,
};
use crate::core::Error;

/// The account's kept counters and every group's `user_quantity` against the rows, read
/// through the native store (and the same through the mirror).
fn assert_counts_exact(f: &Fixture, account: &AccountId) {
    f.same("counts", |tx| {
        let users = tx.users_after(account, &UserFilter::default(), 0, i64::MAX)?;
        assert_eq!(tx.user_count(account)?, users.len() as i64, "user_count");
        let groups = tx.list_groups(account, &GroupFilter::default(), Page::ALL)?;
        let rows = tx.groups_after(account, &GroupFilter::default(), 0, i64::MAX)?;
        assert_eq!(groups.total, rows.len() as i64, "group_count");
        for g in &rows {
            let members = tx.list_users(
                account,
                &UserFilter {
                    group_id: Some(g.id.to_string()),
                    ..Default::default()
                },
                Page::ALL,
            )?;
            assert_eq!(
                g.user_quantity, members.total,
                "user_quantity of {}",
                g.name
            );
        }
        Ok((users, rows))
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_groups_and_memberships_keep_counters_exact() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    // a batch of the largest size the core writes, and a few more in one transaction
    let names: Vec<String> = (0..1003).map(|i| format!("bulk{i:04}")).collect();
    let records: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| record(&a, i as i64, &UserSpec::named(n)))
        .collect();
    f.write(|tx| {
        tx.insert_users(&records[..1000])?;
        tx.insert_users(&records[1000..])
    });
    let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
    assert_counts_exact(&f, &a);
    // creation order is insertion order
    let listed = read(&f.native, |tx| {
        tx.users_after(&a, &UserFilter::default(), 0, i64::MAX)
    });
    let order: Vec<&str> = listed.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(order, names.iter().map(String::as_str).collect::<Vec<_>>());

    let sales = group(&a, Some("sales"), "Sales", None);
    let east = group(&a, None, "sales-east", Some(&sales));
    let deep = group(&a, Some("deep"), "Deep", Some(&east));
    let ops = group(&a, Some("ops"), "Ops", None);
    f.write(|tx| tx.insert_groups(&[sales.clone(), east.clone(), deep.clone(), ops.clone()]));
    // the same chosen id in another account
    f.write(|tx| tx.insert_groups(&[group(&f.b, Some("sales"), "Sales", None)]));
    assert_counts_exact(&f, &a);
    assert_counts_exact(&f, &f.b);

    let mut some: Vec<String> = ids[..10].to_vec();
    some.sort();
    let added = f.write(|tx| {
        let users = tx.lock_users(&a, &some, RowLock::KeyShare)?;
        assert_eq!(users, some);
        let groups = tx.lock_groups(&a, &["sales".into(), "nope".into()], RowLock::KeyShare)?;
        assert_eq!(groups, ["sales"]);
        let n = tx.add_members(&a, "sales", &some, 9)?;
        // members already there are not added or counted again
        let again = tx.add_members(&a, "sales", &some[..3], 9)?;
        assert_eq!(again, 0);
        tx.add_members(&a, &east.id, &some[..4], 9)?;
        tx.add_members(&a, "deep", &some[2..6], 9)?;
        tx.add_members(&a, "ops", &some[..1], 9)?;
        Ok(n)
    });
    assert_eq!(added, 10);
    assert_counts_exact(&f, &a);
    let removed = f.write(|tx| tx.remove_members(&a, "sales", &[some[0].clone(), "nobody".into()]));
    assert_eq!(removed, 1);
    assert_counts_exact(&f, &a);

    // deleting users lowers every group's count by the memberships really removed
    f.write(|tx| {
        let doomed = tx.lock_users(&a, &some[..3], RowLock::Update)?;
        tx.delete_users(&a, &doomed)
    });
    assert_counts_exact(&f, &a);
    assert!(read(&f.native, |tx| tx.user(&a, &some[0])).is_none());

    // moving a subtree re-roots paths and depths
    f.write(|tx| {
        tx.lock_hierarchy(&a)?;
        assert_eq!(tx.subtree_max_depth(&a, &east.path)?, 3);
        let new_path = format!("ops/{}", east.id);
        tx.move_subtree(
            &a,
            &east.id,
            Some("ops"),
            &east.path,
            &new_path,
            1,
            "mover",
            77,
        )
    });
    let moved = f.same("moved", |tx| tx.group(&a, "deep"));
    let moved = moved.unwrap();
    assert_eq!(moved.path, format!("ops/{}/deep", east.id));
    assert_eq!(moved.depth, 4);
    f.same("moved parent", |tx| tx.group(&a, &east.id));

    // deleting a subtree removes its memberships and counts
    f.write(|tx| {
        let ops = tx.group(&a, "ops")?.unwrap();
        let subtree = tx.subtree_ids(&a, &ops.path)?;
        assert_eq!(subtree.len(), 3);
        let held = tx.lock_groups(&a, &subtree, RowLock::Update)?;
        assert_eq!(held.len(), 3);
        tx.delete_groups(&a, &subtree)
    });
    assert_counts_exact(&f, &a);
    assert!(read(&f.native, |tx| tx.group(&a, "deep")).is_none());
    // b's group of the same chosen id is untouched
    assert!(read(&f.native, |tx| tx.group(&f.b, "sales")).is_some());

    // bulk loading leaves the counts to a recount
    let sales_key = crate::store::common::key(&a, "sales");
    let pairs: Vec<(&str, &str)> = ids[100..150]
        .iter()
        .map(|u| (sales_key.as_str(), u.as_str()))
        .collect();
    f.write(|tx| {
        tx.load_memberships(&pairs, 3)?;
        tx.load_memberships(&pairs[..5], 3)?;
        tx.recount_members(&a)
    });
    assert_counts_exact(&f, &a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_keep_folds_and_move_the_token_cut_off() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    let ids = f.users(&a, &[UserSpec::named("root"), UserSpec::named("alice")]);
    let mut u = f.write(|tx| Ok(tx.user_for_update(&a, &ids[1])?.unwrap()));
    u.name = "Straße".into();
    u.alias_name = "ΚΑΣΑ".into();
    u.description = "研发一部".into();
    u.updated_at = 1_000;
    f.write(|tx| tx.update_user(&mut u, None));
    assert_eq!(u.tokens_valid_after, 0);
    // folded: found by any spelling
    f.same("by name", |tx| tx.user_by_name(&a, "STRASSE"));
    let found = f.same("by alias", |tx| {
        tx.list_users(
            &a,
            &UserFilter {
                alias_contains: Some("κασα".into()),
                ..Default::default()
            },
            Page::ALL,
        )
    });
    assert_eq!(found.total, 1);
    // disabling moves the cut-off; enabling again keeps it; a password sets its time
    u.disabled = true;
    u.updated_at = 2_000;
    f.write(|tx| tx.update_user(&mut u, None));
    assert_eq!(u.tokens_valid_after, 2_000);
    u.disabled = false;
    u.updated_at = 3_000;
    f.write(|tx| tx.update_user(&mut u, Some(Some("$argon2id$new".into()))));
    assert_eq!(u.tokens_valid_after, 3_000);
    let back = f.same("updated", |tx| tx.user(&a, &ids[1])).unwrap();
    assert_eq!(back.password_changed_at, 3_000);
    assert_eq!(back.tokens_valid_after, 3_000);
    assert_eq!(
        f.same("hash", |tx| tx.password_hash(&ids[1])).as_deref(),
        Some("$argon2id$new")
    );

    let g = group(&a, Some("dev"), "Dev", None);
    f.write(|tx| tx.insert_groups(std::slice::from_ref(&g)));
    let mut g2 = g.clone();
    g2.name = "研发".into();
    g2.description = "new".into();
    g2.updated_by = "me".into();
    g2.updated_at = 5;
    f.write(|tx| tx.update_group(&g2));
    let back = f.same("group", |tx| tx.group_by_name(&a, "研发")).unwrap();
    assert_eq!((back.description.as_str(), back.updated_at), ("new", 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_write_keeps_nothing_and_errors_map() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    f.users(&a, &[UserSpec::named("root"), UserSpec::named("alice")]);
    tokio::task::block_in_place(|| {
        // more transactions than connections, each dropped or failed: all go back
        for _ in 0..40 {
            let mut tx = f.native.begin_write().unwrap();
            tx.insert_users(&[record(&a, 5, &UserSpec::named("carol"))])
                .unwrap();
            drop(tx);
            let mut tx = f.native.write().unwrap();
            let e = tx
                .insert_users(&[record(&a, 6, &UserSpec::named("ALICE"))])
                .unwrap_err();
            assert!(matches!(e, Error::Unique(_)), "{e:?}");
            // the transaction is aborted; it still ends cleanly
            drop(tx);
        }
        let mut tx = f.native.write().unwrap();
        let e = tx
            .insert_account(&Account {
                id: "x".into(),
                name: "alpha".into(),
                created_at: 1,
            })
            .unwrap_err();
        assert!(matches!(e, Error::Unique(_)), "{e:?}");
        drop(tx);
        // a membership of a user that does not exist: a lost race (23503), retried
        let mut tx = f.native.write().unwrap();
        tx.insert_groups(&[group(&a, Some("g"), "G", None)])
            .unwrap();
        let e = tx
            .add_members(&a, "g", &["no-such-user".into()], 1)
            .unwrap_err();
        assert!(matches!(e, Error::Contention(_)), "{e:?}");
        drop(tx);
        // a read transaction refuses writes, and a failed commit still ends the transaction
        let tx = f.native.begin_read().unwrap();
        let e = tx
            .run(async { Ok(tx.c().batch_execute("CREATE TABLE nope (x int)").await?) })
            .unwrap_err();
        assert!(matches!(e, Error::Internal(_)), "{e:?}");
        // COMMIT of the aborted transaction rolls it back
        Box::new(tx).finish().unwrap();
    });
    let users = f.same("nothing kept", |tx| tx.user_count(&a));
    assert_eq!(users, 2);
    assert!(f
        .same("no carol", |tx| tx.user_by_name(&a, "carol"))
        .is_none());
    assert!(f.same("no g", |tx| tx.group(&a, "g")).is_none());
    assert_counts_exact(&f, &a);
}

fn task(f: &Fixture, id: &str, created_at: i64) -> ExportTask {
    ExportTask {
        id: id.into(),
        account_id: f.a.clone(),
        project_id: f.project_a.clone().into(),
        kind: TaskKind::Groups,
        spec: "{}".into(),
        file_name: format!("{id}.xlsx"),
        status: TaskStatus::Creating,
        fail_reason: None,
        error_code: None,
        created_at,
        end_time: None,
        is_download: false,
        attempts: 0,
        row_count: 0,
        file_size: 0,
        expires_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_org_members_nonces_and_iam_state_write_as_asked() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    f.write(|tx| {
        tx.insert_export_task(&task(&f, "t1", 10))?;
        tx.insert_export_task(&task(&f, "t2", 20))?;
        tx.insert_export_task(&task(&f, "t3", 30))
    });
    tokio::task::block_in_place(|| {
        // two claimers at once skip each other's task (FOR UPDATE SKIP LOCKED)
        let mut one = f.native.write().unwrap();
        let mut two = f.native.write().unwrap();
        let first = one.claim_export("n1", 100, 1_000).unwrap().unwrap();
        let second = two.claim_export("n2", 100, 1_000).unwrap().unwrap();
        assert_eq!((first.id.as_str(), second.id.as_str()), ("t1", "t2"));
        assert_eq!(first.attempts, 1);
        assert!(one.renew_export("t1", "n1", 2_000).unwrap());
        assert!(!one.renew_export("t1", "n2", 2_000).unwrap());
        one.insert_export_chunk("t1", 0, b"abc").unwrap();
        assert!(one.finish_export("t1", "n1", 150, 3, 3, 5_000).unwrap());
        one.commit().unwrap();
        assert!(two
            .fail_export("t2", "n2", 160, "too_big", "too big")
            .unwrap());
        two.commit().unwrap();
    });
    // the same on the mirror, one after the other (SQLite has one writer)
    write(&f.mirror, |tx| {
        tx.claim_export("n1", 100, 1_000)?;
        tx.renew_export("t1", "n1", 2_000)?;
        tx.insert_export_chunk("t1", 0, b"abc")?;
        tx.finish_export("t1", "n1", 150, 3, 3, 5_000)?;
        tx.claim_export("n2", 100, 1_000)?;
        tx.fail_export("t2", "n2", 160, "too_big", "too big")
    });
    f.same("t1", |tx| tx.export_task(&f.project_a, "t1"));
    f.same("t2", |tx| tx.export_task(&f.project_a, "t2"));
    assert_eq!(
        f.same("chunk", |tx| tx.export_chunk("t1", 0)).as_deref(),
        Some(&b"abc"[..])
    );
    f.write(|tx| tx.mark_export_downloaded("t1"));
    // t3: claimed and abandoned until it is given up
    f.write(|tx| tx.claim_export("n3", 200, 300));
    assert_eq!(f.write(|tx| tx.give_up_abandoned_exports(400, 1)), 1);
    assert_eq!(f.write(|tx| tx.expire_exports(6_000)), 1);
    let t1 = f
        .same("expired", |tx| tx.export_task(&f.project_a, "t1"))
        .unwrap();
    assert_eq!((t1.status, t1.file_size), (TaskStatus::Expired, 0));
    assert!(f.same("gone", |tx| tx.export_chunk("t1", 0)).is_none());
    f.same("t3", |tx| tx.export_task(&f.project_a, "t3"));
    assert_eq!(
        f.write(|tx| tx.delete_export_tasks(&f.project_a, &["t1".into(), "t9".into()])),
        1
    );
    f.same("list", |tx| {
        tx.list_export_tasks(&f.project_a, &Default::default(), Page::ALL)
    });

    let ids = f.users(&a, &[UserSpec::named("root"), UserSpec::named("alice")]);
    let mut m = MemberRow {
        user_id: ids[1].clone().into(),
        account_id: a.clone(),
        user_type: 2,
        role_ids: vec![25, 3],
        copilot_modules: vec!["qa".into()],
        aliyun_account_id: "x".into(),
    };
    f.write(|tx| tx.upsert_org_member(&m, 1));
    m.role_ids = vec![26];
    m.copilot_modules.clear();
    f.write(|tx| tx.upsert_org_member(&m, 2));
    let rows = f.same("member", |tx| tx.org_members(std::slice::from_ref(&ids[1])));
    assert_eq!(rows[&ids[1]], m);
    f.same("holders", |tx| {
        tx.role_holders(&a, 26, 25, 26, None, Page::ALL)
    });

    assert!(f.write(|tx| tx.claim_nonce("AK", "n1", 100)));
    assert!(!f.write(|tx| tx.claim_nonce("AK", "n1", 100)));
    assert!(f.write(|tx| tx.claim_nonce("AK2", "n1", 100)));
    assert_eq!(f.write(|tx| tx.purge_nonces(101)), 2);
    assert!(f.write(|tx| tx.claim_nonce("AK", "n1", 300)));

    f.write(|tx| {
        tx.insert_token_key(&TokenKeyRow {
            id: "k1".into(),
            key_sealed: "s1".into(),
            created_at: 1,
        })?;
        tx.insert_token_key(&TokenKeyRow {
            id: "k2".into(),
            key_sealed: "s2".into(),
            created_at: 2,
        })?;
        tx.delete_token_key("k1")?;
        tx.revoke_token("t", 100, 10)?;
        tx.revoke_token("t", 100, 20)?;
        tx.revoke_token("u", 50, 30)
    });
    assert_eq!(f.same("keys", |tx| tx.token_keys()).len(), 1);
    assert_eq!(f.write(|tx| tx.purge_revoked(60)), 1);
    assert_eq!(
        f.same("revoked", |tx| tx.revoked_since(0, 0)),
        [("t".to_string(), 100)]
    );
    f.write(|tx| {
        tx.add_login_failure("user:a", 100, 0)?;
        tx.add_login_failure("user:a", 110, 0)?;
        tx.add_login_failure("user:b", 100, 0)
    });
    assert_eq!(
        f.same("failures", |tx| tx.login_failures("user:a")),
        Some((100, 2))
    );
    // a stale window starts again
    f.write(|tx| tx.add_login_failure("user:a", 500, 100));
    assert_eq!(
        f.same("again", |tx| tx.login_failures("user:a")),
        Some((500, 1))
    );
    f.write(|tx| tx.clear_login_failures("user:a"));
    assert_eq!(f.write(|tx| tx.purge_login_failures(100)), 1);
    assert_eq!(f.same("none", |tx| tx.login_failures("user:b")), None);
}

/// The store reports its pool size as its concurrency, and locks groups in key order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_and_lock_order() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    assert_eq!(f.native.max_concurrency(), 16);
    let order = f.native.in_lock_order(
        &f.a,
        vec!["b".into(), crate::core::ids::new_id(), "a".into()],
    );
    let keys: Vec<String> = order
        .iter()
        .map(|g| crate::store::common::key(&f.a, g))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // a write with nothing in it commits
    write(&f.native, |_| Ok(()));
}

/// A deletion holds its users (`RowLock::Update`): a membership write locking them
/// (`KeyShare`) waits for it, then finds them gone, so it cannot add a membership of a
/// deleted user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_locks_make_a_membership_write_wait_for_a_deletion() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    let ids = f.users(&a, &[UserSpec::named("root"), UserSpec::named("doomed")]);
    f.write(|tx| tx.insert_groups(&[group(&a, Some("g"), "G", None)]));
    let doomed = vec![ids[1].clone()];
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let (store, a, doomed) = (&f.native, &a, &doomed);
        let deleter = s.spawn(move || {
            // a plain thread, as the blocking pool's are: the store waits on its runtime
            let mut tx = store.write().unwrap();
            assert_eq!(tx.lock_users(a, doomed, RowLock::Update).unwrap(), *doomed);
            locked_tx.send(()).unwrap();
            // the other writer must still be waiting
            std::thread::sleep(std::time::Duration::from_millis(300));
            assert!(seen_rx.try_recv().is_err(), "a key-share lock did not wait");
            tx.delete_users(a, doomed).unwrap();
            tx.commit().unwrap();
        });
        locked_rx.recv().unwrap();
        let found = tokio::task::block_in_place(|| {
            let mut tx = f.native.write().unwrap();
            let found = tx.lock_users(a, doomed, RowLock::KeyShare).unwrap();
            // the deleter may be gone by now (it is, if this waited for it)
            let _ = seen_tx.send(());
            tx.commit().unwrap();
            found
        });
        assert!(found.is_empty(), "{found:?}");
        deleter.join().unwrap();
    });
    // the same deletion on the mirror
    write(&f.mirror, |tx| tx.delete_users(&a, &doomed));
    assert_counts_exact(&f, &f.a);
}

fn key_row(account: &AccountId, user: &str, ak: &str, desc: &str) -> AccessKeyRow {
    AccessKeyRow {
        access_key: ak.into(),
        account_id: account.clone(),
        user_id: user.into(),
        secret_sealed: format!("sealed-{ak}"),
        active: true,
        is_root: false,
        description: desc.into(),
    }
}

/// Access keys of any user (migration 0014): every write as on the mirror, every read
/// (per user, per account, with description and last use) answering as the mirror's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_keys_per_user_write_and_read_as_the_mirror() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let (a, b) = (f.a.clone(), f.b.clone());
    let u = f.users(&a, &[UserSpec::named("ann"), UserSpec::named("bea")]);
    let ub = f.users(&b, &[UserSpec::named("cid")]);
    f.write(|tx| {
        tx.insert_access_key(&key_row(&a, &u[0], "AK2", "second"), 20)?;
        tx.insert_access_key(&key_row(&a, &u[0], "AK1", "first"), 10)?;
        tx.insert_access_key(&key_row(&a, &u[1], "AK3", ""), 30)?;
        tx.insert_access_key(&key_row(&b, &ub[0], "BK1", "b"), 40)
    });
    let look = |what: &str| {
        for user in u.iter().chain(&ub) {
            for account in [&a, &b] {
                f.same(what, |tx| tx.access_keys_of(account, user));
            }
        }
        for ak in ["AK1", "AK2", "AK3", "BK1", "NOPE"] {
            for account in [&a, &b] {
                f.same(what, |tx| tx.access_key_info(account, ak));
            }
            f.same(what, |tx| tx.access_key(ak));
        }
    };
    look("inserted");
    let keys = f.same("listed", |tx| tx.access_keys_of(&a, &u[0]));
    assert_eq!(
        keys.iter()
            .map(|k| (k.access_key.as_str(), k.description.as_str(), k.created_at))
            .collect::<Vec<_>>(),
        [("AK1", "first", 10), ("AK2", "second", 20)]
    );
    let off = AccessKeyPatch {
        active: Some(false),
        description: None,
    };
    let renamed = AccessKeyPatch {
        active: None,
        description: Some("renamed".into()),
    };
    let changed = f.write(|tx| {
        Ok((
            tx.update_access_key(&a, "AK1", &off)?,
            tx.update_access_key(&b, "AK1", &off)?,
            tx.update_access_key(&a, "AK2", &renamed)?,
        ))
    });
    assert_eq!(changed, (true, false, true));
    f.write(|tx| {
        tx.touch_access_key("AK2", 1_000, 900)?;
        tx.touch_access_key("AK2", 1_050, 950)
    });
    look("updated and touched");
    let k = f
        .same("touched", |tx| tx.access_key_info(&a, "AK2"))
        .unwrap();
    assert_eq!((k.last_used_at, k.description.as_str()), (1_000, "renamed"));
    assert!(!f.same("off", |tx| tx.access_key("AK1")).unwrap().active);
    let deleted = f.write(|tx| {
        Ok((
            tx.delete_access_key(&b, "AK3")?,
            tx.delete_access_key(&a, "AK3")?,
        ))
    });
    assert_eq!(deleted, (false, true));
    f.write(|tx| tx.delete_users(&a, std::slice::from_ref(&u[0])));
    look("deleted");
    assert!(f.same("gone", |tx| tx.access_keys_of(&a, &u[0])).is_empty());
}

/// The count-then-insert of a key create holds the user (`RowLock::NoKeyUpdate`): a second
/// create waits for the first to commit, then counts its key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_create_waits_for_another_on_the_same_user() {
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    let u = f.users(&a, &[UserSpec::named("ann")]);
    let user = vec![u[0].clone()];
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let (store, a, user) = (&f.native, &a, &user);
        let first = s.spawn(move || {
            let mut tx = store.write().unwrap();
            assert_eq!(tx.lock_users(a, user, RowLock::NoKeyUpdate).unwrap(), *user);
            assert!(tx.access_keys_of(a, &user[0]).unwrap().is_empty());
            locked_tx.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            assert!(
                seen_rx.try_recv().is_err(),
                "the second create did not wait"
            );
            tx.insert_access_key(&key_row(a, &user[0], "AK1", ""), 1)
                .unwrap();
            tx.commit().unwrap();
        });
        locked_rx.recv().unwrap();
        let counted = tokio::task::block_in_place(|| {
            let mut tx = f.native.write().unwrap();
            tx.lock_users(a, user, RowLock::NoKeyUpdate).unwrap();
            let _ = seen_tx.send(());
            let n = tx.access_keys_of(a, &user[0]).unwrap().len();
            tx.commit().unwrap();
            n
        });
        assert_eq!(counted, 1, "the second create counts the first one's key");
        first.join().unwrap();
    });
}

/// The security policies' rows (migration 0018): policies per account, the password
/// history trimmed to what is kept, lockouts kept by the purge until they end, the last
/// login; every read the same as the mirror's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_policies_history_and_lockouts_as_the_mirror() {
    use crate::core::policy::{LoginPolicy, PasswordPolicy};
    if !selected() {
        return;
    }
    let f = Fixture::new().await;
    let a = f.a.clone();
    let ids = f.users(&a, &[UserSpec::named("root"), UserSpec::named("alice")]);
    let alice = ids[1].clone();
    assert_eq!(f.same("no policy", |tx| tx.password_policy(&a)), None);
    assert_eq!(f.same("no login policy", |tx| tx.login_policy(&a)), None);
    let pw = PasswordPolicy {
        minimum_password_length: 12,
        number_of_recent_passwords_disallowed: 3,
        allow_user_to_change_password: false,
        ..Default::default()
    };
    let login = LoginPolicy {
        login_failed_times: 3,
        period_with_login_failures: 15,
        lockout_duration: 20,
        account_validity_period: 0,
        session_timeout: 60,
        show_recent_login_info: true,
        custom_info_for_login: "hello".into(),
        stored: true,
        exact: None,
    };
    f.write(|tx| {
        tx.put_password_policy(&a, &PasswordPolicy::default(), 1)?;
        tx.put_password_policy(&a, &pw, 2)?;
        tx.put_login_policy(&a, &login, 2)
    });
    assert_eq!(f.same("policy", |tx| tx.password_policy(&a)), Some(pw));
    assert_eq!(
        f.same("login policy", |tx| tx.login_policy(&a)),
        Some(login)
    );
    f.write(|tx| {
        for (at, h) in [(10, "h1"), (20, "h2"), (30, "h3")] {
            tx.push_password_history(&alice, Some(h), at, 2)?;
        }
        tx.set_last_login(&alice, 77)
    });
    assert_eq!(
        f.same("history", |tx| tx.password_history(&alice)),
        ["h3", "h2"]
    );
    f.write(|tx| tx.push_password_history(&alice, None, 40, 0));
    assert!(f
        .same("no history", |tx| tx.password_history(&alice))
        .is_empty());
    // a locked subject survives the purge of its window until its lockout ends
    f.write(|tx| {
        tx.add_login_failure("user:x", 100, 0)?;
        tx.add_login_failure("user:x", 110, 0)?;
        tx.lock_login("user:x", 1_000)
    });
    assert_eq!(
        f.same("locked", |tx| tx.login_locked_until("user:x")),
        1_000
    );
    assert_eq!(
        f.same("count reset", |tx| tx.login_failures("user:x")),
        Some((100, 0))
    );
    assert_eq!(f.write(|tx| tx.purge_login_failures(500)), 0);
    assert_eq!(f.write(|tx| tx.purge_login_failures(1_000)), 1);
    assert_eq!(f.same("unlocked", |tx| tx.login_locked_until("user:x")), 0);
}
