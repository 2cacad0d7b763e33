//! The seq ranges (migration 0011: `seq = accounts.number << 40 | position`) and the
//! searches the FTS5 index answers alone (`search::IndexSearch`): every answer is held to
//! the one `read_cases::Model` computes in Rust from the rows.

use crate::core::model::AccountId;
use std::collections::HashMap;

use rusqlite::Connection;

use super::super::search::{seq_range, POSITION_BITS};
use super::super::{groups, users};
use super::Fixture;
use crate::core::ids;
use crate::core::model::{Group, GroupFilter, NameCondition, NameOp, Page, UserFilter};
use crate::core::storage::{ReadTx, UserRecord, WriteTx};
use crate::store::read_cases::Model;
use crate::store::{self, Db, Value};

fn user(account_id: &AccountId, name: &str, description: &str, alias: &str) -> UserRecord {
    UserRecord {
        id: ids::new_id().into(),
        account_id: account_id.into(),
        name: name.into(),
        description: description.into(),
        email: String::new(),
        phone: String::new(),
        alias_name: alias.into(),
        active_type: crate::core::model::ActiveType::User,
        platform_type: crate::core::model::PlatformType::Local,
        domain: String::new(),
        enterprise_project_id: "0".into(),
        user_info_map: String::new(),
        account_expires: 0,
        password_hash: None,
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

fn group(account_id: &AccountId, name: &str) -> Group {
    let id = ids::new_id();
    Group {
        seq: 0,
        path: id.clone(),
        id: id.into(),
        account_id: account_id.into(),
        name: name.into(),
        description: String::new(),
        platform_type: crate::core::model::PlatformType::Local,
        domain: String::new(),
        parent_id: None,
        depth: 1,
        user_quantity: 0,
        created_by: "t".into(),
        updated_by: "t".into(),
        created_at: 1,
        updated_at: 1,
        parent: None,
    }
}

/// The account's number, read with SQL.
fn number(conn: &Connection, account_id: &str) -> i64 {
    conn.query_row(
        "SELECT number FROM accounts WHERE id = ?",
        [account_id],
        |r| r.get(0),
    )
    .unwrap()
}

/// `(seq, id)` of the account's rows in `table`, by seq.
fn seqs(conn: &Connection, table: &str, account_id: &str) -> Vec<(i64, String)> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT seq, id FROM {table} WHERE account_id = ? ORDER BY seq"
        ))
        .unwrap();
    stmt.query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

const KEYWORDS: [&str; 16] = [
    "alice", "ALI", "li", "a", "王", "小明", "ice-1", "sales", "SALES", "s", "sa", "研发", "zz",
    "q", "-2-", "ΣΑΣ",
];

fn pages() -> [Page; 8] {
    let p = |limit, offset| Page { limit, offset };
    [
        p(3, 0),
        p(3, 3),
        p(1, 1),
        p(7, 5),
        p(100, 0),
        p(5, 1000),
        p(0, 0),
        Page::ALL,
    ]
}

fn user_filters() -> Vec<UserFilter> {
    // no filter: the page walks the account's rowid range (users::in_range)
    let mut out = vec![UserFilter::default()];
    for kw in KEYWORDS {
        out.extend(crate::store::read_cases::keyword_filters(kw));
        out.push(UserFilter {
            name_conditions: vec![NameCondition {
                op: NameOp::Contains,
                case_sensitive: false,
                value: kw.into(),
            }],
            ..Default::default()
        });
    }
    // several keywords at once: one MATCH of their conjunction
    out.push(UserFilter {
        name_contains: Some("alice".into()),
        description_contains: Some("研发".into()),
        ..Default::default()
    });
    out.push(UserFilter {
        name_contains: Some("li".into()),
        alias_contains: Some("王".into()),
        name_conditions: vec![NameCondition {
            op: NameOp::Contains,
            case_sensitive: false,
            value: "ce".into(),
        }],
        ..Default::default()
    });
    // a scan (too common) beside an index keyword
    out.push(UserFilter {
        name_contains: Some("a".into()),
        description_contains: Some("研发".into()),
        ..Default::default()
    });
    // a keyword that starts no trigram, with one that does
    out.push(UserFilter {
        name_contains: Some("zz".into()),
        description_contains: Some("研发".into()),
        ..Default::default()
    });
    // keywords with another condition: the general path
    out.push(UserFilter {
        name_contains: Some("alice".into()),
        disabled: Some(false),
        ..Default::default()
    });
    out.push(UserFilter {
        name_conditions: vec![NameCondition {
            op: NameOp::Contains,
            case_sensitive: true,
            value: "Ali".into(),
        }],
        ..Default::default()
    });
    out
}

fn group_filters() -> Vec<GroupFilter> {
    // no filter: the page walks the account's rowid range (groups::in_range)
    let mut out = vec![GroupFilter::default()];
    for kw in KEYWORDS {
        out.push(GroupFilter {
            keyword: Some(kw.into()),
            ..Default::default()
        });
        out.push(GroupFilter {
            name_conditions: vec![NameCondition {
                op: NameOp::Contains,
                case_sensitive: false,
                value: kw.into(),
            }],
            ..Default::default()
        });
    }
    out.push(GroupFilter {
        keyword: Some("sales".into()),
        name_conditions: vec![NameCondition {
            op: NameOp::Contains,
            case_sensitive: false,
            value: "-1".into(),
        }],
        ..Default::default()
    });
    out.push(GroupFilter {
        keyword: Some("sales".into()),
        platform_types: vec![crate::core::model::PlatformType::Local],
        ..Default::default()
    });
    out
}

/// Three accounts written through the native store in interleaved batches, with deletes
/// and renames; every search of each answers as the model, and the seqs stay
/// in their account's range in creation order.
#[tokio::test]
async fn index_searches_over_interleaved_accounts_answer_as_the_model() {
    let f = Fixture::new().await;
    let c_id = f.account("gamma").await;
    let accounts = [f.a.clone(), f.b.clone(), c_id.clone()];
    let store = f.store();
    // ids in creation order, per account
    let mut made_users: HashMap<String, Vec<String>> = HashMap::new();
    let mut made_groups: HashMap<String, Vec<String>> = HashMap::new();
    for round in 0..5 {
        for (k, acc) in accounts.iter().enumerate() {
            let mut us = Vec::new();
            for i in 0..6 {
                let (name, description, alias) = match (round + i + k) % 4 {
                    0 => (format!("alice-{round}-{i}"), "研发一部", "小明"),
                    1 => (format!("王小明-{round}-{i}"), "sales team", "ALI"),
                    2 => (format!("bob-{round}-{i}"), "", ""),
                    _ => (format!("ΣΑΣ{k}-{round}-{i}"), "Alice's 研发", "王"),
                };
                us.push(user(acc, &name, description, alias));
            }
            let gs: Vec<Group> = (0..4)
                .map(|i| match (round + i) % 3 {
                    0 => group(acc, &format!("Sales-{k}-{round}-{i}")),
                    1 => group(acc, &format!("研发-{k}-{round}-{i}")),
                    _ => group(acc, &format!("ops-{k}-{round}-{i}")),
                })
                .collect();
            let mut tx = store.begin_write().unwrap();
            tx.insert_users(&us).unwrap();
            tx.insert_groups(&gs).unwrap();
            Box::new(tx).commit().unwrap();
            made_users
                .entry(acc.to_string())
                .or_default()
                .extend(us.iter().map(|u| u.id.to_string()));
            made_groups
                .entry(acc.to_string())
                .or_default()
                .extend(gs.iter().map(|g| g.id.to_string()));
        }
    }
    // account c gets enough names starting with "a" that the one-character keyword "a" has
    // more than MAX_EXPANSION trigrams (also after the deletes below): a scan, on the
    // general path
    let many: Vec<UserRecord> = (0..700u32)
        .map(|i| {
            let ch = char::from_u32(0x4E00 + i).unwrap();
            user(&c_id, &format!("a{ch}{ch}"), "", "")
        })
        .collect();
    let mut tx = store.begin_write().unwrap();
    tx.insert_users(&many).unwrap();
    Box::new(tx).commit().unwrap();
    made_users
        .get_mut(c_id.as_str())
        .unwrap()
        .extend(many.iter().map(|u| u.id.to_string()));

    // deletes and renames (the FTS update trigger), in every account
    for acc in &accounts {
        let us = made_users.get_mut(acc.as_str()).unwrap();
        let gone: Vec<String> = us.iter().step_by(5).cloned().collect();
        us.retain(|id| !gone.contains(id));
        let gs = made_groups.get_mut(acc.as_str()).unwrap();
        let gone_groups: Vec<String> = gs.iter().skip(1).step_by(4).cloned().collect();
        gs.retain(|id| !gone_groups.contains(id));
        let mut tx = store.begin_write().unwrap();
        tx.delete_users(acc, &gone).unwrap();
        tx.delete_groups(acc, &gone_groups).unwrap();
        for (i, id) in us.iter().take(12).enumerate() {
            let mut u = tx.user_for_update(acc, id).unwrap().unwrap();
            // alice loses her name, bob becomes an alice
            u.name = if u.name.contains("alice") {
                format!("carol-{i}")
            } else {
                format!("{}-alice", u.name)
            };
            u.description = format!("renamed {i} 研发");
            u.updated_at = 2;
            tx.update_user(&mut u, None).unwrap();
        }
        for (i, id) in gs.iter().take(6).enumerate() {
            let mut g = tx.group(acc, id).unwrap().unwrap();
            g.name = if g.name.starts_with("Sales") {
                format!("renamed-{i}-{acc}")
            } else {
                format!("{}-sales", g.name)
            };
            tx.update_group(&g).unwrap();
        }
        Box::new(tx).commit().unwrap();
    }

    let rc = Connection::open(&f.path).unwrap();
    // every row is in its account's range, in creation order
    for acc in &accounts {
        let n = number(&rc, acc);
        let (lo, hi) = seq_range(n);
        for (table, made) in [("users", &made_users), ("user_groups", &made_groups)] {
            let rows = seqs(&rc, table, acc);
            assert!(
                rows.iter()
                    .all(|(s, _)| (lo..=hi).contains(s) && s >> POSITION_BITS == n),
                "{table} of {acc}: {rows:?}"
            );
            let ids: Vec<String> = rows
                .into_iter()
                .map(|(_, id)| store::common::public_id(&id))
                .collect();
            assert_eq!(
                &ids,
                &made[acc.as_str()],
                "{table} of {acc} in creation order"
            );
        }
    }

    let mut tx = store.begin_read().unwrap();
    let mut indexed = 0;
    let mut nonempty = 0;
    let (ufilters, gfilters) = (user_filters(), group_filters());
    for acc in &accounts {
        for filter in &ufilters {
            if users::index_search(&tx.conn, acc, filter)
                .unwrap()
                .is_some()
            {
                indexed += 1;
            }
        }
        for filter in &gfilters {
            if groups::index_search(&tx.conn, acc, filter)
                .unwrap()
                .is_some()
            {
                indexed += 1;
            }
        }
        let model = Model::read(
            &mut tx,
            acc,
            &made_users[acc.as_str()],
            &made_groups[acc.as_str()],
            Vec::new(),
        );
        nonempty += model.check_users(&mut tx, acc, &ufilters, &pages(), 4);
        nonempty += model.check_groups(&mut tx, acc, &gfilters, &pages(), 3);
    }
    // most filters take the index path (not the scan of "a", nor the other conditions)
    assert!(indexed > 250, "{indexed}");
    assert!(nonempty > 500, "{nonempty}");
    // a scan of "a" (the general path) still finds the rows; no account sees another's
    let a_kw = UserFilter {
        name_contains: Some("a".into()),
        ..Default::default()
    };
    assert!(users::index_search(&tx.conn, &c_id, &a_kw)
        .unwrap()
        .is_none());
    let all_c = tx.list_users(&c_id, &a_kw, Page::ALL).unwrap();
    assert!(all_c.total > 560, "{}", all_c.total);
    assert!(all_c.items.iter().all(|u| u.account_id == c_id));
    // past the end: an empty page with the right total
    let kw = UserFilter {
        name_contains: Some("alice".into()),
        ..Default::default()
    };
    let whole = tx.list_users(&f.a, &kw, Page::ALL).unwrap();
    assert!(whole.total > 5, "{}", whole.total);
    let past = tx
        .list_users(
            &f.a,
            &kw,
            Page {
                limit: 10,
                offset: whole.total,
            },
        )
        .unwrap();
    assert_eq!((past.total, past.items.len()), (whole.total, 0));
    // an unknown account has no rows
    let none = tx
        .list_users(&AccountId::from("nobody"), &kw, Page::ALL)
        .unwrap();
    assert_eq!((none.total, none.items.len()), (0, 0));
    Box::new(tx).finish().unwrap();
}

/// The range is enforced by the database: a row outside its account's range, or a seq or
/// account that changes, is refused; new accounts get the next number.
#[tokio::test]
async fn the_database_refuses_rows_outside_their_range() {
    let f = Fixture::new().await;
    let c = Connection::open(&f.path).unwrap();
    let (na, nb) = (number(&c, &f.a), number(&c, &f.b));
    assert_eq!(nb, na + 1);
    let insert = |seq: Option<i64>, account: &str| {
        let sql = "INSERT INTO users (seq, id, account_id, name, name_fold, active_type, \
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'USER_ACTIVATE', 0, 0)";
        let id = ids::new_id();
        c.execute(sql, rusqlite::params![seq, id, account, id, id])
    };
    let (lo, hi) = seq_range(na);
    for bad in [
        None,
        Some(lo - 1),
        Some(hi + 1),
        Some(seq_range(nb).0),
        Some(7),
    ] {
        let e = insert(bad, &f.a).unwrap_err();
        assert!(e.to_string().contains("range"), "{bad:?}: {e}");
    }
    assert_eq!(insert(Some(lo), &f.a).unwrap(), 1);
    assert_eq!(insert(Some(hi), &f.a).unwrap(), 1);
    for sql in [
        "UPDATE users SET seq = seq - 1 WHERE account_id = ?",
        "UPDATE users SET account_id = 'x' WHERE account_id = ?",
    ] {
        let e = c.execute(sql, [&f.a]).unwrap_err();
        assert!(e.to_string().contains("never change"), "{e}");
    }
    let e = c
        .execute(
            "INSERT INTO user_groups (seq, id, account_id, name, name_fold, path, depth, \
             created_at, updated_at) VALUES (?, 'g', ?, 'g', 'g', 'g', 1, 0, 0)",
            rusqlite::params![lo, f.b],
        )
        .unwrap_err();
    assert!(e.to_string().contains("range"), "{e}");
    let e = c
        .execute(
            "UPDATE accounts SET number = number + 10 WHERE id = ?",
            [&f.a],
        )
        .unwrap_err();
    assert!(e.to_string().contains("never changes"), "{e}");
    // a full range refuses more rows instead of spilling into the next account's
    let store = f.store();
    let mut tx = store.begin_write().unwrap();
    let err = tx
        .insert_users(&[user(&f.a, "one-too-many", "", "")])
        .unwrap_err();
    assert!(format!("{err:?}").contains("range"), "{err:?}");
    drop(tx);
    let gamma = f.account("gamma").await;
    assert_eq!(number(&c, &gamma), nb + 1);
}

/// Migration 0011 on a database written before it (seqs numbered across accounts): the
/// rows are renumbered into their ranges in creation order, the FTS indexes follow, and
/// searches, totals and order are as before; new rows continue after the old.
#[tokio::test]
async fn migration_0011_renumbers_a_database_made_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.db");
    let url = format!("sqlite://{}", path.display());
    let db = Db::connect(&url, &Default::default()).await.unwrap();
    db.migrate_to(10).await.unwrap();
    // rows as the code before 0011 wrote them: SQLite's own rowids, accounts interleaved;
    // the data steps are done (the folded columns are today's)
    let accounts = ["acc-2", "acc-1", "acc-3"];
    let mut expected_users: HashMap<&str, Vec<String>> = HashMap::new();
    let mut expected_groups: HashMap<&str, Vec<String>> = HashMap::new();
    {
        for (i, acc) in accounts.iter().enumerate() {
            db.execute(
                "INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)",
                &[
                    (*acc).into(),
                    format!("name {acc}").into(),
                    (10 + i as i64).into(),
                ],
            )
            .await
            .unwrap();
        }
        for step in [store::refold::FOLD_V2, store::refold::FILE_NAME_FOLD] {
            db.execute(
                "INSERT INTO data_steps (name, applied_at) VALUES ($1, 0)",
                &[step.into()],
            )
            .await
            .unwrap();
        }
        for i in 0..40 {
            let acc = accounts[i % 3];
            let name = if i % 2 == 0 {
                format!("alice-{i}")
            } else {
                format!("bob-{i}")
            };
            let id = format!("u{i:02}");
            db.execute(
                "INSERT INTO users (id, account_id, name, name_fold, description, \
                 description_fold, active_type, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'x', 'x', 'USER_ACTIVATE', 0, 0)",
                &[
                    (&id).into(),
                    acc.into(),
                    (&name).into(),
                    store::common::fold(&name).into(),
                ],
            )
            .await
            .unwrap();
            expected_users.entry(acc).or_default().push(id);
            // a chosen id's stored key (migration 0009)
            let gid = format!("g{i:02}");
            let gname = format!("Sales {i}");
            db.execute(
                "INSERT INTO user_groups (id, account_id, name, name_fold, path, depth, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, 0, 0)",
                &[
                    format!("{gid}.{acc}").into(),
                    acc.into(),
                    (&gname).into(),
                    store::common::fold(&gname).into(),
                    Value::from(&gid),
                ],
            )
            .await
            .unwrap();
            expected_groups
                .entry(acc)
                .or_default()
                .push(format!("{gid}.{acc}"));
        }
        // a deleted row leaves a gap in the old numbering
        db.execute("DELETE FROM users WHERE id = 'u03'", &[])
            .await
            .unwrap();
        for ids in expected_users.values_mut() {
            ids.retain(|u| u != "u03");
        }
        db.execute(
            "UPDATE accounts SET user_count = (SELECT count(*) FROM users u WHERE u.account_id = accounts.id), \
             group_count = (SELECT count(*) FROM user_groups g WHERE g.account_id = accounts.id)",
            &[],
        )
        .await
        .unwrap();
    }
    let mut applied = db.migrate().await.unwrap();
    // the data steps not marked done above (0017's credential ids) are not this test's
    applied.retain(|m| !m.starts_with("data step"));
    let later: Vec<String> = store::migrations::all(store::Backend::Sqlite)[10..]
        .iter()
        .map(|m| format!("{} {}", m.version, m.description))
        .collect();
    assert_eq!(applied, later, "0011 and every later migration");
    drop(db);

    let rc = Connection::open(&path).unwrap();
    // numbers in account creation order
    for (i, acc) in accounts.iter().enumerate() {
        assert_eq!(number(&rc, acc), i as i64 + 1, "{acc}");
    }
    for acc in accounts {
        let (lo, _) = seq_range(number(&rc, acc));
        for (table, expected) in [
            ("users", &expected_users),
            ("user_groups", &expected_groups),
        ] {
            let rows = seqs(&rc, table, acc);
            // positions 1, 2, ... in the old order
            let want: Vec<(i64, String)> = expected[acc]
                .iter()
                .enumerate()
                .map(|(k, id)| (lo + k as i64, id.clone()))
                .collect();
            assert_eq!(rows, want, "{table} of {acc}");
        }
    }
    // the FTS indexes hold exactly the new rowids
    for (table, fts) in [("users", "users_fts"), ("user_groups", "user_groups_fts")] {
        let count = |sql: &str| -> i64 { rc.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count(&format!("SELECT count(*) FROM {fts}")),
            count(&format!("SELECT count(*) FROM {table}")),
            "{fts}"
        );
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM {fts} WHERE rowid NOT IN (SELECT seq FROM {table})"
            )),
            0,
            "{fts}"
        );
    }
    drop(rc);

    let store = super::super::SqliteStore::open(&path, &Default::default()).unwrap();
    let mut tx = store.begin_read().unwrap();
    let alice = UserFilter {
        name_contains: Some("alice".into()),
        ..Default::default()
    };
    for acc in accounts {
        let l = tx
            .list_users(&AccountId::from(acc), &alice, Page::ALL)
            .unwrap();
        let want: Vec<&String> = expected_users[acc]
            .iter()
            .filter(|id| id[1..].parse::<usize>().unwrap() % 2 == 0)
            .collect();
        assert_eq!(l.total, want.len() as i64, "{acc}");
        assert_eq!(
            l.items.iter().map(|u| &u.id).collect::<Vec<_>>(),
            want,
            "{acc}"
        );
        let page = tx
            .list_users(
                &AccountId::from(acc),
                &alice,
                Page {
                    limit: 2,
                    offset: 1,
                },
            )
            .unwrap();
        assert_eq!(page.total, want.len() as i64);
        assert_eq!(
            page.items.iter().map(|u| &u.id).collect::<Vec<_>>(),
            want[1..3].to_vec()
        );
        let sales = GroupFilter {
            keyword: Some("sa".into()),
            ..Default::default()
        };
        let g = tx
            .list_groups(&AccountId::from(acc), &sales, Page::ALL)
            .unwrap();
        assert_eq!(g.total, expected_groups[acc].len() as i64);
        assert_eq!(
            g.items
                .iter()
                .map(|g| format!("{}.{acc}", g.id))
                .collect::<Vec<_>>(),
            expected_groups[acc]
        );
    }
    Box::new(tx).finish().unwrap();
    // new rows continue after the account's last
    let mut w = store.begin_write().unwrap();
    w.insert_users(&[user(&AccountId::from("acc-1"), "alice-new", "", "")])
        .unwrap();
    Box::new(w).commit().unwrap();
    let mut tx = store.begin_read().unwrap();
    let l = tx
        .list_users(&AccountId::from("acc-1"), &alice, Page::ALL)
        .unwrap();
    assert_eq!(l.items.last().unwrap().name, "alice-new");
    // acc-1 was made second: number 2
    let (lo, _) = seq_range(2);
    assert_eq!(
        l.items.last().unwrap().seq,
        lo + expected_users["acc-1"].len() as i64
    );
    Box::new(tx).finish().unwrap();
}
