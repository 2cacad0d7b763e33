//! The core operations behind the Quick BI face, on a real database (SQLite, or PostgreSQL
//! with ROSTER_TEST_DATABASE=postgres): organization members and their defaults, role
//! holders, one user's memberships in several groups, and the nonce store.

use crate::common;

use roster::core::directory::org_members::{
    NewOrgMember, OrgMemberPatch, ROLE_ADMIN, ROLE_AUTH_ADMIN, ROLE_USER, USER_TYPE_ANALYST,
    USER_TYPE_VISITOR,
};
use roster::core::ids::now_ms;
use roster::core::model::{NewGroup, NewUser, Page};
use roster::core::{Entity, Error};

fn member(name: &str, roles: &[i64]) -> NewOrgMember {
    NewOrgMember {
        name: name.into(),
        nick_name: format!("{name} nick"),
        user_type: USER_TYPE_ANALYST,
        role_ids: roles.to_vec(),
        ..Default::default()
    }
}

fn group(name: &str) -> NewGroup {
    NewGroup {
        name: name.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn members_keep_their_attributes_and_others_get_defaults() {
    let (dir, acc, _db) = common::directory().await;
    let m = dir
        .add_org_member(
            &acc,
            member("ann", &[ROLE_USER, ROLE_AUTH_ADMIN, ROLE_USER]),
        )
        .await
        .unwrap();
    assert_eq!(
        m.role_ids,
        [ROLE_AUTH_ADMIN, ROLE_USER],
        "sorted, no repeats"
    );
    assert_eq!(m.user.alias_name, "ann nick");
    assert!(!m.user.has_password);
    let read = dir.org_member_by_name(&acc, "ann").await.unwrap();
    assert_eq!(read, m);

    // a user made by another face has the defaults: a visitor and common user
    let other = dir
        .create_user(
            &acc,
            NewUser {
                name: "wsuser".into(),
                email: "w@example.com".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let o = dir.org_member(&acc, &other.id).await.unwrap();
    assert_eq!(
        (o.user_type, o.role_ids.clone()),
        (USER_TYPE_VISITOR, vec![ROLE_USER])
    );

    // updating writes the attributes and the user in one go
    let u = dir
        .update_org_member(
            &acc,
            &other.id,
            OrgMemberPatch {
                nick_name: Some("Walt".into()),
                role_ids: Some(vec![ROLE_ADMIN]),
                disabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(u.is_admin() && u.user.disabled && u.user.alias_name == "Walt");
    assert_eq!(dir.org_member(&acc, &other.id).await.unwrap(), u);

    // bad input changes nothing
    for bad in [
        vec![],
        vec![42],
        vec![ROLE_ADMIN, ROLE_AUTH_ADMIN, ROLE_USER, 5],
    ] {
        let e = dir
            .update_org_member(
                &acc,
                &other.id,
                OrgMemberPatch {
                    nick_name: Some("changed".into()),
                    role_ids: Some(bad),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    }
    assert_eq!(dir.org_member(&acc, &other.id).await.unwrap(), u);
    let dup = dir.add_org_member(&acc, member("ANN", &[ROLE_USER])).await;
    assert!(matches!(dup, Err(Error::Duplicate(Entity::User, _))));

    // deleting the user takes its attributes with it
    dir.delete_users(&acc, &[m.user.id.to_string()])
        .await
        .unwrap();
    assert!(matches!(
        dir.org_member(&acc, &m.user.id).await,
        Err(Error::NotFound(Entity::User, _))
    ));
}

/// The deprecated AdminUser / AuthAdminUser flags each change their own role only, and two
/// updates running at once, one per flag, both hold (the merge happens inside the update's
/// transaction, not from a read before it).
#[tokio::test]
async fn concurrent_role_flag_updates_both_hold() {
    let (dir, acc, _db) = common::directory().await;
    let m = dir
        .add_org_member(&acc, member("flags", &[ROLE_USER]))
        .await
        .unwrap();
    let flags = |admin, auth_admin| OrgMemberPatch {
        admin,
        auth_admin,
        ..Default::default()
    };
    for round in 0..10 {
        let (a, b) = tokio::join!(
            dir.update_org_member(&acc, &m.user.id, flags(Some(true), None)),
            dir.update_org_member(&acc, &m.user.id, flags(None, Some(true))),
        );
        a.unwrap();
        b.unwrap();
        let mut roles = dir.org_member(&acc, &m.user.id).await.unwrap().role_ids;
        roles.sort_unstable();
        assert_eq!(
            roles,
            [ROLE_ADMIN, ROLE_AUTH_ADMIN, ROLE_USER],
            "round {round}: one flag update was lost"
        );
        // take both away again: the user role stays
        let (a, b) = tokio::join!(
            dir.update_org_member(&acc, &m.user.id, flags(Some(false), None)),
            dir.update_org_member(&acc, &m.user.id, flags(None, Some(false))),
        );
        a.unwrap();
        b.unwrap();
        let roles = dir.org_member(&acc, &m.user.id).await.unwrap().role_ids;
        assert_eq!(roles, [ROLE_USER], "round {round}");
    }
    // explicit RoleIds win over the flags
    let u = dir
        .update_org_member(
            &acc,
            &m.user.id,
            OrgMemberPatch {
                role_ids: Some(vec![ROLE_AUTH_ADMIN]),
                admin: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(u.role_ids, [ROLE_AUTH_ADMIN]);
    // taking away the only role leaves the user role
    let u = dir
        .update_org_member(&acc, &m.user.id, flags(None, Some(false)))
        .await
        .unwrap();
    assert_eq!(u.role_ids, [ROLE_USER]);
}

#[tokio::test]
async fn role_holders_include_the_defaults() {
    let (dir, acc, _db) = common::directory().await;
    let a = dir
        .add_org_member(&acc, member("alpha", &[ROLE_AUTH_ADMIN]))
        .await
        .unwrap();
    let b = dir
        .add_org_member(&acc, member("beta", &[ROLE_USER, ROLE_AUTH_ADMIN]))
        .await
        .unwrap();
    let holders = |role, kw: Option<&'static str>| {
        let dir = dir.clone();
        let acc = acc.clone();
        async move {
            dir.org_role_holders(&acc, role, kw, Page::ALL)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|h| h.user_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        holders(ROLE_AUTH_ADMIN, None).await,
        [a.user.id.clone(), b.user.id.clone()]
    );
    assert_eq!(
        holders(ROLE_AUTH_ADMIN, Some("bet")).await,
        [b.user.id.as_str()]
    );
    assert_eq!(holders(ROLE_USER, None).await, [b.user.id.as_str()]);
    // the account's root user holds the admin role by default
    let admins = holders(ROLE_ADMIN, None).await;
    assert_eq!(admins.len(), 1);
    assert!(dir.user(&acc, &admins[0]).await.unwrap().is_root);
    assert!(dir
        .org_role_holders(&acc, 7, None, Page::ALL)
        .await
        .is_err());
}

#[tokio::test]
async fn one_user_joins_and_leaves_many_groups_all_or_none() {
    let (dir, acc, _db) = common::directory().await;
    let g1 = dir.create_group(&acc, group("g1")).await.unwrap();
    let g2 = dir.create_group(&acc, group("g2")).await.unwrap();
    let u = dir
        .add_org_member(&acc, member("solo", &[ROLE_USER]))
        .await
        .unwrap();
    let uid = u.user.id;
    let both = [g1.id.to_string(), g2.id.to_string()];
    assert_eq!(dir.add_user_to_groups(&acc, &uid, &both).await.unwrap(), 2);
    assert_eq!(dir.add_user_to_groups(&acc, &uid, &both).await.unwrap(), 0);
    let with_unknown = [g1.id.to_string(), "nope".to_string()];
    assert!(matches!(
        dir.remove_user_from_groups(&acc, &uid, &with_unknown).await,
        Err(Error::NotFound(Entity::Group, _))
    ));
    assert_eq!(
        dir.group(&acc, &g1.id).await.unwrap().user_quantity,
        1,
        "unchanged"
    );
    assert_eq!(
        dir.remove_user_from_groups(&acc, &uid, &[g1.id.to_string()])
            .await
            .unwrap(),
        1
    );
    assert_eq!(dir.group(&acc, &g1.id).await.unwrap().user_quantity, 0);
    assert_eq!(
        dir.remove_user_from_all_groups(&acc, &uid).await.unwrap(),
        1
    );
    assert_eq!(dir.group(&acc, &g2.id).await.unwrap().user_quantity, 0);
    assert_eq!(
        dir.groups_of_user(&acc, &uid, Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn a_nonce_is_used_once_until_it_expires() {
    let (dir, _acc, _db) = common::directory().await;
    let now = now_ms();
    assert!(dir
        .claim_nonce("AK1", "n-live", now + 60_000)
        .await
        .unwrap());
    assert!(!dir
        .claim_nonce("AK1", "n-live", now + 60_000)
        .await
        .unwrap());
    assert!(
        dir.claim_nonce("AK2", "n-live", now + 60_000)
            .await
            .unwrap(),
        "per key"
    );
    assert!(dir.claim_nonce("AK1", "n-old", now - 1).await.unwrap());
    dir.purge_nonces(now).await.unwrap();
    let left = common::raw(&_db)
        .await
        .scalar(
            "SELECT count(*) FROM acs_nonces WHERE expires_at < $1",
            &[now.into()],
        )
        .await
        .unwrap()
        .int();
    assert_eq!(left, 0);
    assert!(
        !dir.claim_nonce("AK1", "n-live", now + 60_000)
            .await
            .unwrap(),
        "kept"
    );
    assert!(
        dir.claim_nonce("AK1", "n-old", now + 60_000).await.unwrap(),
        "forgotten"
    );
    assert!(dir.claim_nonce("AK1", "", now).await.is_err());
    assert!(dir.claim_nonce("AK1", &"x".repeat(200), now).await.is_err());
}
