//! (tests only) The authorization storage cases both drivers' tests run
//! (`sqlite::tests::authz`, `postgres::tests::authz`): every `AuthzRead` / `AuthzWrite`
//! method held to the values written out here; names unique per account (`Error::Unique`);
//! a grant or attachment recorded twice is one row, the first; the deletions beneath the
//! traits (a group's grants and attachments, a user's attachments, a custom role's grants,
//! a policy's versions and attachments); no read answers with another account's rows.

use std::fmt::Debug;

use crate::core::authz::store::*;
use crate::core::ids;
use crate::core::model::{AccountId, Group, PlatformType, ProjectId};
use crate::core::storage::{ReadTx, RowLock, UserRecord, WriteTx};
use crate::core::Error;
use crate::store::common::key;
use crate::store::read_cases::{record, UserSpec};

/// What a driver's tests give the cases: two accounts and a project of the first, writes
/// and reads through the store under test (on PostgreSQL also through the SQLite mirror,
/// whose answers must be the same).
pub(crate) trait Harness {
    fn a(&self) -> AccountId;
    fn b(&self) -> AccountId;
    /// A project of `a`.
    fn project(&self) -> ProjectId;
    /// Runs `f` in one committed write transaction; its answer.
    fn write<T: Debug>(&self, f: impl FnMut(&mut dyn WriteTx) -> Result<T, Error>) -> T;
    /// Runs `f` in a write transaction that must fail, and is dropped (rolled back); the
    /// error.
    fn refused(&self, f: impl FnMut(&mut dyn WriteTx) -> Result<(), Error>) -> Error;
    /// Runs `f` in a read transaction; its answer.
    fn read<T: Debug>(&self, what: &str, f: impl Fn(&mut dyn ReadTx) -> Result<T, Error>) -> T;
}

fn assert_unique(e: Error, what: &str) {
    assert!(matches!(e, Error::Unique(_)), "{what}: {e:?}");
}

/// Users of `account`; their ids.
fn users(h: &impl Harness, account: &AccountId, names: &[&str]) -> Vec<String> {
    let records: Vec<UserRecord> = names
        .iter()
        .enumerate()
        .map(|(i, n)| record(account, i as i64, &UserSpec::named(n)))
        .collect();
    h.write(|tx| tx.insert_users(&records));
    records.into_iter().map(|r| r.id.into()).collect()
}

/// A group of `account` (its id chosen when given) under `parent`.
fn group(account: &AccountId, id: Option<&str>, name: &str, parent: Option<&Group>) -> Group {
    let id = id.map_or_else(ids::new_id, str::to_string);
    let (path, depth) = match parent {
        Some(p) => (format!("{}/{id}", p.path), p.depth + 1),
        None => (id.clone(), 1),
    };
    Group {
        seq: 0,
        id: id.into(),
        account_id: account.clone(),
        name: name.into(),
        description: String::new(),
        platform_type: PlatformType::Local,
        domain: String::new(),
        parent_id: parent.map(|p| p.id.clone()),
        path,
        depth,
        user_quantity: 0,
        created_by: "admin".into(),
        updated_by: "admin".into(),
        created_at: 1_700_000_100_000,
        updated_at: 1_700_000_100_000,
        parent: None,
    }
}

fn role(account: &AccountId, name: &str, display_name: &str, at: i64) -> CustomRoleRow {
    CustomRoleRow {
        id: ids::new_id(),
        account_id: account.clone(),
        name: name.into(),
        display_name: display_name.into(),
        description: format!("about {display_name}"),
        description_cn: format!("关于 {display_name}"),
        role_type: "AX".into(),
        policy:
            r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["iam:users:listUsers"]}]}"#
                .into(),
        created_at: at,
        updated_at: at,
    }
}

fn grant(account: &AccountId, group: &str, role: &str, scope: GrantScope, at: i64) -> GrantRow {
    GrantRow {
        account_id: account.clone(),
        group_id: group.into(),
        role_id: role.into(),
        scope,
        created_at: at,
    }
}

fn policy(account: &AccountId, name: &str, path: &str, at: i64) -> IdentityPolicyRow {
    IdentityPolicyRow {
        id: ids::new_id(),
        account_id: account.clone(),
        name: name.into(),
        path: path.into(),
        description: format!("{name} policy"),
        default_version_id: "v1".into(),
        next_version: 2,
        created_at: at,
        updated_at: at,
    }
}

fn document(action: &str) -> String {
    format!(r#"{{"Version":"5.0","Statement":[{{"Effect":"Allow","Action":["{action}"]}}]}}"#)
}

fn version(policy: &IdentityPolicyRow, n: i64, action: &str, at: i64) -> PolicyVersionRow {
    PolicyVersionRow {
        policy_id: policy.id.clone(),
        version_id: format!("v{n}"),
        document: document(action),
        created_at: at,
    }
}

fn attach(account: &AccountId, policy: &str, principal: Principal, at: i64) -> AttachmentRow {
    AttachmentRow {
        account_id: account.clone(),
        policy_id: policy.into(),
        principal,
        attached_at: at,
    }
}

/// The order the store gives attachments: by time, then policy id, then principal (a group
/// by its stored key).
fn order_key(a: &AttachmentRow) -> (i64, String, &'static str, String) {
    let (kind, id) = crate::store::common::principal_columns(&a.account_id, &a.principal);
    (a.attached_at, a.policy_id.clone(), kind, id)
}

fn in_store_order(mut v: Vec<AttachmentRow>) -> Vec<AttachmentRow> {
    v.sort_by_key(order_key);
    v
}

fn user(id: &str) -> Principal {
    Principal::User(id.into())
}

fn grp(id: &str) -> Principal {
    Principal::Group(id.into())
}

/// Custom roles: round trips, order, unique names and display names per account, what an
/// update changes, deletions, tenancy.
pub(crate) fn custom_roles(h: &impl Harness) {
    let (a, b) = (h.a(), h.b());
    let r1 = role(&a, "custom_a_1", "Readers", 10);
    let r2 = role(&a, "custom_a_2", "Writers", 20);
    // the same names in another account
    let rb = role(&b, "custom_a_1", "Readers", 5);
    h.write(|tx| {
        tx.insert_custom_role(&r2)?;
        tx.insert_custom_role(&r1)?;
        tx.insert_custom_role(&rb)
    });
    let roles = |account: &AccountId| h.read("custom roles", |tx| tx.custom_roles(account));
    assert_eq!(roles(&a), [r1.clone(), r2.clone()]);
    assert_eq!(roles(&b), std::slice::from_ref(&rb));
    let one =
        |account: &AccountId, id: &str| h.read("custom role", |tx| tx.custom_role(account, id));
    assert_eq!(one(&a, &r1.id), Some(r1.clone()));
    assert_eq!(one(&a, &rb.id), None, "another account's role");
    assert_eq!(one(&b, &r1.id), None, "another account's role");
    assert_eq!(one(&a, "nope"), None);

    // names and display names are unique in the account
    let mut dup = role(&a, &r1.name, "Others", 30);
    assert_unique(h.refused(|tx| tx.insert_custom_role(&dup)), "name");
    dup.name = "custom_a_3".into();
    dup.display_name = r2.display_name.clone();
    assert_unique(h.refused(|tx| tx.insert_custom_role(&dup)), "display name");
    assert_eq!(
        roles(&a),
        [r1.clone(), r2.clone()],
        "refused writes left nothing"
    );

    // an update replaces every field but id, account, name and creation time
    let changed = CustomRoleRow {
        name: "custom_renamed".into(),
        display_name: "Auditors".into(),
        description: "reads the logs".into(),
        description_cn: "读日志".into(),
        role_type: "XA".into(),
        policy: r#"{"Version":"1.1","Statement":[{"Effect":"Deny","Action":["*:*:*"]}]}"#.into(),
        created_at: 1,
        updated_at: 40,
        ..r1.clone()
    };
    h.write(|tx| tx.update_custom_role(&changed));
    let updated = CustomRoleRow {
        name: r1.name.clone(),
        created_at: r1.created_at,
        ..changed.clone()
    };
    assert_eq!(one(&a, &r1.id), Some(updated.clone()));
    let clash = CustomRoleRow {
        display_name: r2.display_name.clone(),
        ..updated.clone()
    };
    assert_unique(
        h.refused(|tx| tx.update_custom_role(&clash)),
        "display name",
    );
    // another account's update changes nothing
    let foreign = CustomRoleRow {
        account_id: b.clone(),
        display_name: "Hijacked".into(),
        ..updated.clone()
    };
    h.write(|tx| tx.update_custom_role(&foreign));
    assert_eq!(one(&a, &r1.id), Some(updated.clone()));

    assert!(
        !h.write(|tx| tx.delete_custom_role(&b, &r1.id)),
        "another account's"
    );
    assert!(h.write(|tx| tx.delete_custom_role(&a, &r1.id)));
    assert!(
        !h.write(|tx| tx.delete_custom_role(&a, &r1.id)),
        "deleted already"
    );
    assert_eq!(roles(&a), std::slice::from_ref(&r2));
    assert_eq!(roles(&b), std::slice::from_ref(&rb));
    // its display name is free again
    let again = role(&a, "custom_a_4", &updated.display_name, 50);
    h.write(|tx| tx.insert_custom_role(&again));
    assert_eq!(roles(&a), [r2, again]);
}

/// Grants: round trips, recording twice, every filter, the order, deletions (of a grant,
/// of a custom role, of groups: subtrees with their grants and attachments), tenancy; and
/// `group_paths_of_user`.
pub(crate) fn grants(h: &impl Harness) {
    let (a, b, project) = (h.a(), h.b(), h.project());
    let u = users(h, &a, &["ann", "bob"]);
    let ub = users(h, &b, &["cid"]);
    // a chosen id in both accounts, a made one, and a subgroup
    let ops = group(&a, Some("ops"), "Ops", None);
    let sub = group(&a, None, "Ops East", Some(&ops));
    let dev = group(&a, None, "Dev", None);
    let ops_b = group(&b, Some("ops"), "Ops", None);
    h.write(|tx| tx.insert_groups(&[ops.clone(), sub.clone(), dev.clone(), ops_b.clone()]));
    h.write(|tx| {
        tx.add_members(&a, &sub.id, &u[..1], 3)?;
        tx.add_members(&a, &dev.id, &u[..1], 3)?;
        tx.add_members(&a, "ops", &u[1..], 3)?;
        tx.add_members(&b, "ops", &ub, 3)
    });
    let paths = |account: &AccountId, user: &str| {
        h.read("group paths", |tx| tx.group_paths_of_user(account, user))
    };
    assert_eq!(paths(&a, &u[0]), [sub.path.clone(), dev.path.clone()]);
    assert_eq!(paths(&a, &u[1]), ["ops"]);
    assert_eq!(paths(&b, &ub[0]), ["ops"]);
    assert!(paths(&b, &u[0]).is_empty(), "another account's user");
    assert!(paths(&a, "nobody").is_empty());

    let custom = role(&a, "custom_a_1", "Readers", 1);
    h.write(|tx| tx.insert_custom_role(&custom));
    let admin = "system_admin";
    let g1 = grant(&a, "ops", admin, GrantScope::Domain, 3);
    let g2 = grant(
        &a,
        "ops",
        &custom.id,
        GrantScope::Project(project.clone()),
        1,
    );
    let g3 = grant(&a, &dev.id, admin, GrantScope::AllProjects, 2);
    let g4 = grant(&a, &dev.id, admin, GrantScope::Project(project.clone()), 2);
    let g5 = grant(&a, &sub.id, &custom.id, GrantScope::Domain, 4);
    let gb = grant(&b, "ops", admin, GrantScope::Domain, 1);
    for g in [&g1, &g2, &g3, &g4, &g5, &gb] {
        assert!(h.write(|tx| tx.insert_grant(g)), "{g:?}");
    }
    // recorded twice: one row, the first
    let later = GrantRow {
        created_at: 99,
        ..g1.clone()
    };
    assert!(!h.write(|tx| tx.insert_grant(&later)));

    let grants =
        |account: &AccountId, f: GrantFilter| h.read("grants", |tx| tx.grants(account, &f));
    let all = GrantFilter::default();
    // oldest first, then by group (its stored key), role and scope
    let mut want = vec![g2.clone(), g3.clone(), g4.clone(), g1.clone(), g5.clone()];
    want.sort_by_cached_key(|g| (g.created_at, key(&a, &g.group_id), g.role_id.clone()));
    assert_eq!(grants(&a, all.clone()), want);
    assert_eq!(grants(&b, all.clone()), std::slice::from_ref(&gb));
    let of = |ids: &[&str]| GrantFilter {
        group_ids: Some(ids.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    assert_eq!(grants(&a, of(&["ops"])), [g2.clone(), g1.clone()]);
    assert_eq!(
        grants(&a, of(&["ops", &dev.id, "nope"])),
        [g2.clone(), g3.clone(), g4.clone(), g1.clone()]
    );
    assert!(grants(&a, of(&[])).is_empty(), "no group: no grant");
    // a long list (SQLite splits it; the parts' rows come back in one order)
    let mut many: Vec<String> = (0..1500).map(|i| format!("g{i}")).collect();
    many.insert(0, "ops".into());
    many.push(dev.id.to_string());
    let long = GrantFilter {
        group_ids: Some(many),
        ..Default::default()
    };
    assert_eq!(
        grants(&a, long),
        [g2.clone(), g3.clone(), g4.clone(), g1.clone()]
    );
    // another account's group, by id or by its stored key
    assert!(grants(&a, of(&[&key(&b, "ops")])).is_empty());
    assert!(grants(&b, of(&[&dev.id])).is_empty());
    let by_role = GrantFilter {
        role_id: Some(admin.into()),
        ..Default::default()
    };
    assert_eq!(
        grants(&a, by_role.clone()),
        [g3.clone(), g4.clone(), g1.clone()]
    );
    let on_project = GrantFilter {
        scope: Some(GrantScope::Project(project.clone())),
        ..Default::default()
    };
    assert_eq!(grants(&a, on_project), [g2.clone(), g4.clone()]);
    let other_project = GrantFilter {
        scope: Some(GrantScope::Project("elsewhere".into())),
        ..Default::default()
    };
    assert!(grants(&a, other_project).is_empty());
    let admin_on_domain = GrantFilter {
        scope: Some(GrantScope::Domain),
        ..by_role.clone()
    };
    assert_eq!(grants(&a, admin_on_domain), std::slice::from_ref(&g1));
    let dev_inherited = GrantFilter {
        scope: Some(GrantScope::AllProjects),
        ..of(&[&dev.id])
    };
    assert_eq!(grants(&a, dev_inherited), std::slice::from_ref(&g3));

    // one grant
    let scope = GrantScope::Project(project.clone());
    assert!(
        !h.write(|tx| tx.delete_grant(&b, &dev.id, admin, &scope)),
        "another account"
    );
    assert!(
        !h.write(|tx| tx.delete_grant(&a, &dev.id, admin, &GrantScope::Domain)),
        "scope"
    );
    assert!(h.write(|tx| tx.delete_grant(&a, &dev.id, admin, &scope)));
    assert!(
        !h.write(|tx| tx.delete_grant(&a, &dev.id, admin, &scope)),
        "deleted already"
    );
    // a custom role takes its grants along; a system role's id is no custom role
    assert!(!h.write(|tx| tx.delete_custom_role(&a, admin)));
    assert_eq!(
        grants(&a, all.clone()),
        [g2.clone(), g3.clone(), g1.clone(), g5.clone()]
    );
    assert!(h.write(|tx| tx.delete_custom_role(&a, &custom.id)));
    assert_eq!(grants(&a, all.clone()), [g3.clone(), g1.clone()]);

    // deleting groups deletes their grants and attachments
    let p = policy(&a, "Ops", "/", 1);
    let pb = policy(&b, "Ops", "/", 1);
    h.write(|tx| {
        tx.insert_identity_policy(&p)?;
        tx.insert_policy_version(&version(&p, 1, "iam:*:*", 1))?;
        tx.insert_identity_policy(&pb)?;
        tx.insert_policy_version(&version(&pb, 1, "iam:*:*", 1))
    });
    let on_ops = attach(&a, &p.id, grp("ops"), 5);
    let on_sub = attach(&a, &p.id, grp(&sub.id), 6);
    let on_dev = attach(&a, &p.id, grp(&dev.id), 7);
    let on_ann = attach(&a, &p.id, user(&u[0]), 8);
    let on_ops_b = attach(&b, &pb.id, grp("ops"), 5);
    for at in [&on_ops, &on_sub, &on_dev, &on_ann, &on_ops_b] {
        assert!(h.write(|tx| tx.attach_policy(at)));
    }
    h.write(|tx| {
        let subtree = tx.subtree_ids(&a, &ops.path)?;
        assert_eq!(subtree.len(), 2);
        let held = tx.lock_groups(&a, &subtree, RowLock::Update)?;
        tx.delete_groups(&a, &held)
    });
    assert_eq!(grants(&a, all.clone()), std::slice::from_ref(&g3));
    assert_eq!(
        grants(&b, all.clone()),
        std::slice::from_ref(&gb),
        "b's group of the same id"
    );
    let attached =
        |account: &AccountId| h.read("attachments", |tx| tx.attachments(account, None, None));
    assert_eq!(attached(&a), [on_dev.clone(), on_ann.clone()]);
    assert_eq!(attached(&b), std::slice::from_ref(&on_ops_b));
    // a group made again with the id of a deleted one holds nothing of it
    h.write(|tx| tx.insert_groups(&[group(&a, Some("ops"), "Ops again", None)]));
    assert!(grants(&a, of(&["ops"])).is_empty());
    let held = h.read("held", |tx| tx.held_policies(&a, &[grp("ops")]));
    assert!(held.is_empty(), "{held:?}");
}

/// Identity policies, versions and attachments: round trips, order, unique names per
/// account, what an update changes, attaching twice, every filter, `held_policies` (the
/// default version's document), deletions (of versions, of users, of policies), tenancy.
pub(crate) fn identity_policies(h: &impl Harness) {
    let (a, b) = (h.a(), h.b());
    let u = users(h, &a, &["ann", "bob"]);
    let ub = users(h, &b, &["cid"]);
    let ops = group(&a, Some("ops"), "Ops", None);
    let ops_b = group(&b, Some("ops"), "Ops", None);
    h.write(|tx| tx.insert_groups(&[ops.clone(), ops_b.clone()]));

    let p1 = policy(&a, "ReadOnly", "/", 10);
    let p2 = policy(&a, "Audit", "team/audit/", 20);
    // the same name in another account
    let pb = policy(&b, "ReadOnly", "/", 5);
    let p1v1 = version(&p1, 1, "iam:users:get*", 10);
    let p2v1 = version(&p2, 1, "iam:groups:list*", 20);
    let pbv1 = version(&pb, 1, "workspace:*:*", 5);
    h.write(|tx| {
        tx.insert_identity_policy(&p2)?;
        tx.insert_identity_policy(&p1)?;
        tx.insert_identity_policy(&pb)?;
        tx.insert_policy_version(&p1v1)?;
        tx.insert_policy_version(&p2v1)?;
        tx.insert_policy_version(&pbv1)
    });
    let policies = |account: &AccountId| h.read("policies", |tx| tx.identity_policies(account));
    assert_eq!(policies(&a), [p1.clone(), p2.clone()]);
    assert_eq!(policies(&b), std::slice::from_ref(&pb));
    let one =
        |account: &AccountId, id: &str| h.read("policy", |tx| tx.identity_policy(account, id));
    let named = |account: &AccountId, n: &str| {
        h.read("by name", |tx| tx.identity_policy_by_name(account, n))
    };
    assert_eq!(one(&a, &p1.id), Some(p1.clone()));
    assert_eq!(one(&a, &pb.id), None, "another account's");
    assert_eq!(named(&a, "ReadOnly"), Some(p1.clone()));
    assert_eq!(named(&b, "ReadOnly"), Some(pb.clone()));
    assert_eq!(named(&b, "Audit"), None, "another account's");
    assert_eq!(named(&a, "readonly"), None, "names are exact");

    let dup = policy(&a, "ReadOnly", "/other/", 30);
    assert_unique(h.refused(|tx| tx.insert_identity_policy(&dup)), "name");
    assert_unique(h.refused(|tx| tx.insert_policy_version(&p1v1)), "version");

    // versions: oldest first (v2 before v10 at the same time)
    let p1v10 = version(&p1, 10, "iam:users:*", 30);
    let p1v2 = version(&p1, 2, "iam:users:list*", 30);
    h.write(|tx| {
        tx.insert_policy_version(&p1v10)?;
        tx.insert_policy_version(&p1v2)
    });
    let versions = |id: &str| h.read("versions", |tx| tx.policy_versions(id));
    assert_eq!(
        versions(&p1.id),
        [p1v1.clone(), p1v2.clone(), p1v10.clone()]
    );
    assert_eq!(versions(&pb.id), std::slice::from_ref(&pbv1));
    assert!(h.write(|tx| tx.delete_policy_version(&p1.id, "v10")));
    assert!(
        !h.write(|tx| tx.delete_policy_version(&p1.id, "v10")),
        "deleted already"
    );
    assert!(
        !h.write(|tx| tx.delete_policy_version(&p2.id, "v2")),
        "no such version"
    );
    assert_eq!(versions(&p1.id), [p1v1.clone(), p1v2.clone()]);

    // an update replaces the description, the default version, the next number, the time
    let changed = IdentityPolicyRow {
        name: "Renamed".into(),
        path: "/moved/".into(),
        description: "reads users".into(),
        default_version_id: "v2".into(),
        next_version: 11,
        created_at: 1,
        updated_at: 31,
        ..p1.clone()
    };
    h.write(|tx| tx.update_identity_policy(&changed));
    let p1 = IdentityPolicyRow {
        name: p1.name.clone(),
        path: p1.path.clone(),
        created_at: p1.created_at,
        ..changed
    };
    assert_eq!(one(&a, &p1.id), Some(p1.clone()));
    let foreign = IdentityPolicyRow {
        account_id: b.clone(),
        description: "hijacked".into(),
        ..p1.clone()
    };
    h.write(|tx| tx.update_identity_policy(&foreign));
    assert_eq!(
        one(&a, &p1.id),
        Some(p1.clone()),
        "another account's update"
    );

    // attachments
    let at1 = attach(&a, &p1.id, user(&u[0]), 5);
    let at2 = attach(&a, &p2.id, grp("ops"), 5);
    let at3 = attach(&a, &p1.id, grp("ops"), 6);
    let at4 = attach(&a, &p2.id, user(&u[1]), 7);
    let at5 = attach(&a, &p2.id, user(&u[0]), 8);
    let atb = attach(&b, &pb.id, grp("ops"), 1);
    let atb_user = attach(&b, &pb.id, user(&ub[0]), 2);
    for at in [&at4, &at1, &at3, &at2, &at5, &atb, &atb_user] {
        assert!(h.write(|tx| tx.attach_policy(at)), "{at:?}");
    }
    let later = AttachmentRow {
        attached_at: 99,
        ..at1.clone()
    };
    assert!(!h.write(|tx| tx.attach_policy(&later)), "attached already");
    let attached = |account: &AccountId, p: Option<&str>, who: Option<Principal>| {
        h.read("attachments", |tx| tx.attachments(account, p, who.as_ref()))
    };
    let everything = in_store_order(vec![
        at1.clone(),
        at2.clone(),
        at3.clone(),
        at4.clone(),
        at5.clone(),
    ]);
    assert_eq!(attached(&a, None, None), everything);
    assert_eq!(attached(&b, None, None), [atb.clone(), atb_user.clone()]);
    assert_eq!(attached(&a, Some(&p1.id), None), [at1.clone(), at3.clone()]);
    assert_eq!(
        attached(&a, None, Some(grp("ops"))),
        in_store_order(vec![at2.clone(), at3.clone()])
    );
    assert_eq!(
        attached(&a, Some(&p2.id), Some(user(&u[1]))),
        std::slice::from_ref(&at4)
    );
    assert!(
        attached(&a, Some(&pb.id), None).is_empty(),
        "another account's"
    );
    assert!(attached(&a, None, Some(user(&ub[0]))).is_empty());
    assert!(attached(&a, None, Some(grp(&key(&b, "ops")))).is_empty());

    // held policies: each with its default version's document, by attachment then policy
    let held = |account: &AccountId, who: &[Principal]| {
        h.read("held", |tx| tx.held_policies(account, who))
    };
    let holding = |p: &IdentityPolicyRow, who: Principal, doc: &PolicyVersionRow| HeldPolicyRow {
        policy: p.clone(),
        principal: who,
        document: doc.document.clone(),
    };
    let for_ann = held(&a, &[user(&u[0]), grp("ops")]);
    let mut want = vec![
        (&at1, holding(&p1, user(&u[0]), &p1v2)),
        (&at2, holding(&p2, grp("ops"), &p2v1)),
        (&at3, holding(&p1, grp("ops"), &p1v2)),
        (&at5, holding(&p2, user(&u[0]), &p2v1)),
    ];
    want.sort_by_key(|(at, _)| order_key(at));
    let want: Vec<HeldPolicyRow> = want.into_iter().map(|(_, w)| w).collect();
    assert_eq!(for_ann, want);
    assert!(held(&a, &[]).is_empty());
    assert_eq!(
        held(&a, &[grp("ops")]),
        in_held_order(&[
            (&at2, holding(&p2, grp("ops"), &p2v1)),
            (&at3, holding(&p1, grp("ops"), &p1v2))
        ])
    );
    assert_eq!(held(&b, &[grp("ops")]), [holding(&pb, grp("ops"), &pbv1)]);
    assert!(
        held(&a, &[user(&ub[0])]).is_empty(),
        "another account's user"
    );
    assert!(
        held(&b, &[user(&u[0])]).is_empty(),
        "another account's user"
    );

    assert!(h.write(|tx| tx.detach_policy(&a, &p2.id, &user(&u[1]))));
    assert!(
        !h.write(|tx| tx.detach_policy(&a, &p2.id, &user(&u[1]))),
        "detached already"
    );
    assert!(
        !h.write(|tx| tx.detach_policy(&b, &p2.id, &grp("ops"))),
        "another account"
    );
    assert!(h
        .read("held", |tx| tx.held_policies(&a, &[user(&u[1])]))
        .is_empty());

    // deleting a user deletes its attachments
    h.write(|tx| {
        let doomed = tx.lock_users(&a, &u[..1], RowLock::Update)?;
        tx.delete_users(&a, &doomed)
    });
    assert!(attached(&a, None, Some(user(&u[0]))).is_empty());
    assert_eq!(
        attached(&a, None, None),
        in_store_order(vec![at2.clone(), at3.clone()])
    );
    assert_eq!(attached(&b, None, None), [atb.clone(), atb_user.clone()]);

    // deleting a policy deletes its versions and attachments
    assert!(
        !h.write(|tx| tx.delete_identity_policy(&b, &p1.id)),
        "another account's"
    );
    assert!(h.write(|tx| tx.delete_identity_policy(&a, &p1.id)));
    assert!(
        !h.write(|tx| tx.delete_identity_policy(&a, &p1.id)),
        "deleted already"
    );
    assert_eq!(one(&a, &p1.id), None);
    assert!(versions(&p1.id).is_empty());
    assert!(attached(&a, Some(&p1.id), None).is_empty());
    assert_eq!(policies(&a), std::slice::from_ref(&p2));
    assert_eq!(versions(&p2.id), std::slice::from_ref(&p2v1));
    assert_eq!(attached(&a, None, None), std::slice::from_ref(&at2));
    assert_eq!(held(&a, &[grp("ops")]), [holding(&p2, grp("ops"), &p2v1)]);
    assert_eq!(policies(&b), std::slice::from_ref(&pb));
    // its name is free again
    let again = policy(&a, "ReadOnly", "/", 40);
    h.write(|tx| tx.insert_identity_policy(&again));
    assert_eq!(named(&a, "ReadOnly"), Some(again));
}

/// Held rows in the store's order of their attachments.
fn in_held_order(rows: &[(&AttachmentRow, HeldPolicyRow)]) -> Vec<HeldPolicyRow> {
    let mut rows = rows.to_vec();
    rows.sort_by_key(|(at, _)| order_key(at));
    rows.into_iter().map(|(_, w)| w).collect()
}
