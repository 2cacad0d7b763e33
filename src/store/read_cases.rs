//! The cases every driver's read tests run (`store::sqlite::tests::reads`,
//! `store::postgres::tests::reads`): keywords, pages, name conditions and the user and group
//! filters over a fixture's named things, the test users both fixtures write
//! (`UserSpec`, `record`), and the answers the filters must give (`Model`: each filter
//! applied in Rust to the rows an unfiltered read gives back, in creation order), so that
//! both drivers are held to the same answers.

use std::collections::HashMap;

use crate::core::ids;
use crate::core::model::AccountId;
use crate::core::model::{
    ActiveType, Given, Group, GroupFilter, Listing, NameCondition, NameOp, Page, ParentFilter,
    PlatformType, User, UserFilter, Word,
};
use crate::core::storage::{ReadTx, UserRecord};
use crate::core::validate::nfc;
use crate::store::common::fold;

/// What the filters name: the fixture's users (ids, creation order) and groups of account
/// A, and groups of account B.
pub(crate) struct Named<'a> {
    pub users: &'a [String],
    pub groups: &'a [Group],
    pub b_groups: &'a [Group],
}

pub(crate) const KEYWORDS: [&str; 22] = [
    // one character: expanded through the vocabulary ("a" beyond MAX_EXPANSION: a scan)
    "王",
    "a",
    "Σ",
    "ß",
    "q",
    "\u{1e}",
    // two
    "bo",
    "小明",
    "ss",
    "LI",
    "qq",
    "研发",
    // three and more
    "alice",
    "研发一",
    "STRASSE",
    "κασα",
    "CAFÉ",
    "zzz",
    "\"x",
    "e-2",
    "12:",
    "明明",
];

pub(crate) fn pages() -> [Page; 6] {
    [
        Page {
            limit: 3,
            offset: 0,
        },
        Page {
            limit: 3,
            offset: 3,
        },
        Page {
            limit: 1,
            offset: 1,
        },
        Page {
            limit: 100,
            offset: 0,
        },
        Page {
            limit: 5,
            offset: 1000,
        },
        Page::ALL,
    ]
}

pub(crate) fn conditions() -> Vec<NameCondition> {
    let mut out = Vec::new();
    for (op, value) in [
        (NameOp::Contains, "li"),
        (NameOp::Contains, "LI"),
        (NameOp::StartsWith, "al"),
        (NameOp::StartsWith, "AL"),
        (NameOp::StartsWith, "Stra"),
        (NameOp::StartsWith, "王"),
        (NameOp::EndsWith, "明"),
        (NameOp::EndsWith, "CE"),
        (NameOp::EndsWith, "-2"),
        (NameOp::EndsWith, "部"),
        (NameOp::Contains, "ales"),
    ] {
        for case_sensitive in [true, false] {
            out.push(NameCondition {
                op,
                case_sensitive,
                value: value.into(),
            });
        }
    }
    out
}

/// The four keyword filters of a user list: in the name, the alias, either, the description.
pub(crate) fn keyword_filters(kw: &str) -> [UserFilter; 4] {
    let s = Some(kw.to_string());
    [
        UserFilter {
            name_contains: s.clone(),
            ..Default::default()
        },
        UserFilter {
            alias_contains: s.clone(),
            ..Default::default()
        },
        UserFilter {
            name_or_alias_contains: s.clone(),
            ..Default::default()
        },
        UserFilter {
            description_contains: s,
            ..Default::default()
        },
    ]
}

pub(crate) fn user_filters(named: &Named<'_>) -> Vec<UserFilter> {
    let mut out = vec![UserFilter::default()];
    for kw in KEYWORDS {
        out.extend(keyword_filters(kw));
    }
    for cond in conditions() {
        out.push(UserFilter {
            name_conditions: vec![cond],
            ..Default::default()
        });
    }
    out.push(UserFilter {
        name_conditions: conditions()[..4].to_vec(),
        ..Default::default()
    });
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    out.push(UserFilter {
        names: names(&["ALICE", "王小明", "nobody", "STRASSE"]),
        ..Default::default()
    });
    out.push(UserFilter {
        names: names(&["bob"]),
        ..Default::default()
    });
    let east = named.groups[1].id.clone();
    for g in ["sales", "dev", east.as_str(), "ops", "nowhere"] {
        out.push(UserFilter {
            group_id: Some(g.into()),
            ..Default::default()
        });
    }
    // b's made group id names nothing in a
    out.push(UserFilter {
        group_id: Some(named.b_groups[1].id.to_string()),
        ..Default::default()
    });
    for g in ["研发一部", "SALES", "Sales B"] {
        out.push(UserFilter {
            group_name: Some(g.into()),
            ..Default::default()
        });
    }
    out.push(UserFilter {
        disabled: Some(true),
        ..Default::default()
    });
    out.push(UserFilter {
        disabled: Some(false),
        name_contains: Some("bo".into()),
        ..Default::default()
    });
    out.push(UserFilter {
        domain: Some("corp".into()),
        active_type: Some(ActiveType::User.into()),
        ..Default::default()
    });
    out.push(UserFilter {
        platform_type: Some(PlatformType::Ad.into()),
        enterprise_project_id: Some("0".into()),
        ..Default::default()
    });
    // words that name no value match no one (compared as text, as before they were enums)
    out.push(UserFilter {
        active_type: Some(Given::parse("SOMETIMES")),
        ..Default::default()
    });
    out.push(UserFilter {
        platform_type: Some(Given::parse("local")),
        ..Default::default()
    });
    out.push(UserFilter {
        name_contains: Some("a".into()),
        group_id: Some("dev".into()),
        description_contains: Some("研".into()),
        ..Default::default()
    });
    // blank keywords filter nothing
    out.push(UserFilter {
        name_contains: Some(String::new()),
        ..Default::default()
    });
    out
}

pub(crate) fn group_filters(named: &Named<'_>) -> Vec<GroupFilter> {
    let mut out = vec![GroupFilter::default()];
    for kw in KEYWORDS
        .iter()
        .chain(&["s", "sa", "研", "-t", "team", "EAST"])
    {
        out.push(GroupFilter {
            keyword: Some(kw.to_string()),
            ..Default::default()
        });
    }
    for name in ["SALES", "研发一部", "Sales B", "none"] {
        out.push(GroupFilter {
            name: Some(name.into()),
            ..Default::default()
        });
    }
    for cond in conditions() {
        out.push(GroupFilter {
            name_conditions: vec![cond],
            ..Default::default()
        });
    }
    out.push(GroupFilter {
        platform_types: vec![PlatformType::Ad],
        ..Default::default()
    });
    out.push(GroupFilter {
        platform_types: vec![PlatformType::Ad, PlatformType::Local],
        domain: Some("corp".into()),
        ..Default::default()
    });
    for parent in [
        ParentFilter::Root,
        ParentFilter::Group("sales".into()),
        ParentFilter::Group("dev".into()),
        ParentFilter::Group(named.groups[1].id.to_string()),
    ] {
        out.push(GroupFilter {
            parent: Some(parent),
            ..Default::default()
        });
    }
    out.push(GroupFilter {
        ids: vec![
            "sales".into(),
            "dev".into(),
            named.groups[1].id.to_string(),
            named.b_groups[1].id.to_string(),
            "nope".into(),
        ],
        ..Default::default()
    });
    for user in [1, 3, 0] {
        out.push(GroupFilter {
            member: Some(named.users[user].clone()),
            ..Default::default()
        });
    }
    out.push(GroupFilter {
        member: Some(named.users[1].clone()),
        keyword: Some("研".into()),
        parent: Some(ParentFilter::Group("sales".into())),
        ..Default::default()
    });
    out
}

/// What varies between test users.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserSpec<'a> {
    pub name: &'a str,
    pub alias: &'a str,
    pub description: &'a str,
    pub email: &'a str,
    pub disabled: bool,
    pub locked: bool,
    pub domain: &'a str,
}

impl<'a> UserSpec<'a> {
    pub fn named(name: &'a str) -> Self {
        UserSpec {
            name,
            ..Default::default()
        }
    }
}

/// A user record of account `account_id` whose fields vary with `i` (flags, expiry,
/// password) around what `u` names.
pub(crate) fn record(account_id: &str, i: i64, u: &UserSpec<'_>) -> UserRecord {
    UserRecord {
        id: ids::new_id().into(),
        account_id: account_id.into(),
        name: u.name.into(),
        description: u.description.into(),
        email: u.email.into(),
        phone: format!("+86 138{i:04}"),
        alias_name: u.alias.into(),
        active_type: if i % 3 == 0 {
            ActiveType::Admin
        } else {
            ActiveType::User
        },
        platform_type: if i % 2 == 0 {
            PlatformType::Local
        } else {
            PlatformType::Ad
        },
        domain: u.domain.into(),
        enterprise_project_id: "0".into(),
        user_info_map: String::new(),
        account_expires: if i % 4 == 1 { 1_800_000_000_000 + i } else { 0 },
        password_hash: (i % 2 == 0).then(|| format!("$argon2id$hash{i}")),
        enable_change_password: i % 2 == 1,
        next_login_change_password: i % 5 == 0,
        password_never_expired: i % 3 == 1,
        locked: u.locked,
        disabled: u.disabled,
        is_root: i == 0,
        created_at: 1_700_000_000_000 + i,
        password_expires_at: 0,
        default_project_id: String::new(),
        options: "{}".into(),
    }
}

/// An account's users and groups as the unfiltered reads give them (listing and scan, in
/// creation order) and its memberships (group id, user id) as the fixture wrote them: what
/// every filtered read must give is computed from them here, in Rust.
pub(crate) struct Model {
    pub listed_users: Vec<User>,
    pub scanned_users: Vec<User>,
    pub listed_groups: Vec<Group>,
    pub scanned_groups: Vec<Group>,
    pub members: Vec<(String, String)>,
}

impl Model {
    /// Reads the account's rows through `tx`; `users` and `groups` are the ids the fixture
    /// wrote, in order (the reads must give back exactly those, in that order).
    pub fn read(
        tx: &mut dyn ReadTx,
        account: &AccountId,
        users: &[String],
        groups: &[String],
        members: Vec<(String, String)>,
    ) -> Model {
        let all_users = UserFilter::default();
        let all_groups = GroupFilter::default();
        let m = Model {
            listed_users: tx.list_users(account, &all_users, Page::ALL).unwrap().items,
            scanned_users: tx.users_after(account, &all_users, 0, i64::MAX).unwrap(),
            listed_groups: tx
                .list_groups(account, &all_groups, Page::ALL)
                .unwrap()
                .items,
            scanned_groups: tx.groups_after(account, &all_groups, 0, i64::MAX).unwrap(),
            members,
        };
        let ids = |v: &[User]| v.iter().map(|u| u.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&m.listed_users),
            users,
            "the account's users, in creation order"
        );
        assert_eq!(
            ids(&m.scanned_users),
            users,
            "the account's users, in creation order"
        );
        let gids = |v: &[Group]| v.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            gids(&m.listed_groups),
            groups,
            "the account's groups, in creation order"
        );
        assert_eq!(
            gids(&m.scanned_groups),
            groups,
            "the account's groups, in creation order"
        );
        assert!(m.listed_users.iter().all(|u| u.account_id == *account));
        assert!(m.listed_users.is_sorted_by_key(|u| u.seq));
        assert!(m.listed_groups.is_sorted_by_key(|g| g.seq));
        for g in &m.listed_groups {
            let n = m.members.iter().filter(|(gid, _)| *gid == g.id).count();
            assert_eq!(g.user_quantity, n as i64, "members of {}", g.name);
        }
        m
    }

    /// The names of the groups of each of `users` that has any, in group creation order.
    fn group_names(&self, users: &[User]) -> HashMap<String, Vec<String>> {
        users
            .iter()
            .filter_map(|u| {
                let names: Vec<String> = self
                    .listed_groups
                    .iter()
                    .filter(|g| self.member(&g.id, &u.id))
                    .map(|g| g.name.clone())
                    .collect();
                (!names.is_empty()).then(|| (u.id.to_string(), names))
            })
            .collect()
    }

    fn member(&self, group: &str, user: &str) -> bool {
        self.members.iter().any(|(g, u)| g == group && u == user)
    }

    pub fn user_passes(&self, u: &User, f: &UserFilter) -> bool {
        let kws: [(&Option<String>, Vec<&str>); 4] = [
            (&f.name_contains, vec![&u.name]),
            (&f.alias_contains, vec![&u.alias_name]),
            (&f.name_or_alias_contains, vec![&u.name, &u.alias_name]),
            (&f.description_contains, vec![&u.description]),
        ];
        for (kw, fields) in kws {
            if let Some(kw) = kw.as_deref().filter(|k| !k.is_empty()) {
                if !fields.iter().any(|v| fold(v).contains(&fold(kw))) {
                    return false;
                }
            }
        }
        if !f
            .name_conditions
            .iter()
            .all(|c| condition_holds(&u.name, c))
        {
            return false;
        }
        if !f.names.is_empty() && !f.names.iter().any(|n| fold(n) == fold(&u.name)) {
            return false;
        }
        for (want, have) in [
            (
                f.active_type.as_ref().map(Given::as_str),
                u.active_type.as_str(),
            ),
            (f.enterprise_project_id.as_deref(), &u.enterprise_project_id),
            (f.domain.as_deref(), &u.domain),
            (
                f.platform_type.as_ref().map(Given::as_str),
                u.platform_type.as_str(),
            ),
        ] {
            if want.is_some_and(|w| w != have) {
                return false;
            }
        }
        if f.disabled.is_some_and(|d| d != u.disabled) {
            return false;
        }
        if f.password_expires.is_some_and(|c| !c.holds(u)) {
            return false;
        }
        if let Some(g) = &f.group_id {
            if !self.member(g, &u.id) {
                return false;
            }
        }
        if let Some(name) = &f.group_name {
            let of_name = self
                .listed_groups
                .iter()
                .filter(|g| fold(&g.name) == fold(name));
            if !of_name.into_iter().any(|g| self.member(&g.id, &u.id)) {
                return false;
            }
        }
        true
    }

    pub fn group_passes(&self, g: &Group, f: &GroupFilter) -> bool {
        if let Some(kw) = f.keyword.as_deref().filter(|k| !k.is_empty()) {
            if !fold(&g.name).contains(&fold(kw)) {
                return false;
            }
        }
        if f.name.as_ref().is_some_and(|n| fold(n) != fold(&g.name)) {
            return false;
        }
        if !f
            .name_conditions
            .iter()
            .all(|c| condition_holds(&g.name, c))
        {
            return false;
        }
        if !f.platform_types.is_empty() && !f.platform_types.contains(&g.platform_type) {
            return false;
        }
        if f.domain.as_ref().is_some_and(|d| *d != g.domain) {
            return false;
        }
        if !f.ids.is_empty() && !f.ids.iter().any(|id| *id == g.id) {
            return false;
        }
        if f.member.as_ref().is_some_and(|u| !self.member(&g.id, u)) {
            return false;
        }
        match &f.parent {
            Some(ParentFilter::Root) => g.parent_id.is_none(),
            Some(ParentFilter::Group(p)) => g.parent_id.as_ref().is_some_and(|id| id == p),
            None => true,
        }
    }

    /// The page of users `list_users` must give.
    pub fn users(&self, f: &UserFilter, page: Page) -> Listing<User> {
        paged(&self.listed_users, |u| self.user_passes(u, f), page)
    }

    /// The batch `users_after` must give.
    pub fn users_after(&self, f: &UserFilter, after: i64, limit: i64) -> Vec<User> {
        after_seq(
            &self.scanned_users,
            |u| u.seq > after && self.user_passes(u, f),
            limit,
        )
    }

    /// The page of groups `list_groups` must give.
    pub fn groups(&self, f: &GroupFilter, page: Page) -> Listing<Group> {
        paged(&self.listed_groups, |g| self.group_passes(g, f), page)
    }

    /// The batch `groups_after` must give.
    pub fn groups_after(&self, f: &GroupFilter, after: i64, limit: i64) -> Vec<Group> {
        after_seq(
            &self.scanned_groups,
            |g| g.seq > after && self.group_passes(g, f),
            limit,
        )
    }

    /// Runs every user filter of `filters` on `tx`: each of `pages`, and the scan in batches of
    /// `batch`, against the model's answers; returns how many pages held rows.
    pub fn check_users(
        &self,
        tx: &mut dyn ReadTx,
        account: &AccountId,
        filters: &[UserFilter],
        pages: &[Page],
        batch: i64,
    ) -> usize {
        let mut nonempty = 0;
        for filter in filters {
            for &page in pages {
                let got = tx.list_users(account, filter, page).unwrap();
                let want = self.users(filter, page);
                nonempty += usize::from(!got.items.is_empty());
                // the same page with its users' group names (a statement of its own on
                // PostgreSQL): names in group creation order, users without groups left out
                let (with, names) = tx.list_users_with_groups(account, filter, page).unwrap();
                assert_eq!(
                    (with.total, &with.items),
                    (got.total, &got.items),
                    "{account} {filter:?} {page:?} with groups"
                );
                assert_eq!(
                    names,
                    self.group_names(&got.items),
                    "{account} {filter:?} {page:?} group names"
                );
                same(&format!("{account} {filter:?} {page:?}"), got, want);
            }
            let mut after = 0;
            loop {
                let got = tx.users_after(account, filter, after, batch).unwrap();
                let want = self.users_after(filter, after, batch);
                assert_eq!(got, want, "{account} {filter:?} after {after}");
                match got.last() {
                    Some(u) => after = u.seq,
                    None => break,
                }
            }
        }
        nonempty
    }

    /// `check_users` for groups.
    pub fn check_groups(
        &self,
        tx: &mut dyn ReadTx,
        account: &AccountId,
        filters: &[GroupFilter],
        pages: &[Page],
        batch: i64,
    ) -> usize {
        let mut nonempty = 0;
        for filter in filters {
            for &page in pages {
                let got = tx.list_groups(account, filter, page).unwrap();
                let want = self.groups(filter, page);
                nonempty += usize::from(!got.items.is_empty());
                same(&format!("{account} {filter:?} {page:?}"), got, want);
            }
            let mut after = 0;
            loop {
                let got = tx.groups_after(account, filter, after, batch).unwrap();
                let want = self.groups_after(filter, after, batch);
                assert_eq!(got, want, "{account} {filter:?} after {after}");
                match got.last() {
                    Some(g) => after = g.seq,
                    None => break,
                }
            }
        }
        nonempty
    }
}

/// A Keystone comparison as the drivers make it: the folded value is in the folded name,
/// and the comparison holds on the name (NFC) or the folded name.
fn condition_holds(name: &str, c: &NameCondition) -> bool {
    if c.value.is_empty() {
        return true;
    }
    if !fold(name).contains(&fold(&c.value)) {
        return false;
    }
    let (have, want) = if c.case_sensitive {
        (nfc(name).into_owned(), nfc(&c.value).into_owned())
    } else {
        (fold(name), fold(&c.value))
    };
    match c.op {
        NameOp::Contains => have.contains(&want),
        NameOp::StartsWith => have.starts_with(&want),
        NameOp::EndsWith => have.ends_with(&want),
    }
}

fn paged<T: Clone>(all: &[T], pass: impl Fn(&T) -> bool, page: Page) -> Listing<T> {
    let hits: Vec<&T> = all.iter().filter(|x| pass(x)).collect();
    Listing {
        total: hits.len() as i64,
        items: hits
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
            .cloned()
            .collect(),
    }
}

fn after_seq<T: Clone>(all: &[T], pass: impl Fn(&T) -> bool, limit: i64) -> Vec<T> {
    all.iter()
        .filter(|x| pass(x))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .cloned()
        .collect()
}

/// `got` is `want`: total and items.
pub(crate) fn same<T: PartialEq + std::fmt::Debug>(what: &str, got: Listing<T>, want: Listing<T>) {
    assert_eq!(got.total, want.total, "{what}: total");
    assert_eq!(got.items, want.items, "{what}: items");
}

#[test]
fn the_model_can_fail() {
    // a model that would pass everything could not catch a wrong answer: it filters
    let u = |name: &str, seq: i64| User {
        seq,
        id: format!("u{seq}").into(),
        account_id: "a".into(),
        name: name.into(),
        description: String::new(),
        email: String::new(),
        phone: String::new(),
        alias_name: String::new(),
        active_type: ActiveType::User,
        platform_type: PlatformType::Local,
        domain: String::new(),
        enterprise_project_id: String::new(),
        user_info_map: String::new(),
        account_expires: 0,
        has_password: false,
        enable_change_password: false,
        next_login_change_password: false,
        password_never_expired: false,
        locked: false,
        disabled: false,
        is_root: false,
        created_at: 0,
        updated_at: 0,
        password_changed_at: 0,
        tokens_valid_after: 0,
        password_expires_at: 0,
        last_login_at: 0,
        default_project_id: String::new(),
        options: "{}".into(),
    };
    let m = Model {
        listed_users: vec![u("Straße", 1), u("alice", 2), u("ALICE-2", 3)],
        scanned_users: vec![u("Straße", 1), u("alice", 2), u("ALICE-2", 3)],
        listed_groups: Vec::new(),
        scanned_groups: Vec::new(),
        members: Vec::new(),
    };
    let kw = |k: &str| UserFilter {
        name_contains: Some(k.into()),
        ..Default::default()
    };
    let ids = |l: Listing<User>| l.items.into_iter().map(|u| u.id).collect::<Vec<_>>();
    assert_eq!(ids(m.users(&kw("SS"), Page::ALL)), ["u1"]);
    assert_eq!(ids(m.users(&kw("li"), Page::ALL)), ["u2", "u3"]);
    let page = Page {
        limit: 1,
        offset: 1,
    };
    assert_eq!(ids(m.users(&kw("li"), page)), ["u3"]);
    assert_eq!(m.users(&kw("li"), page).total, 2);
    assert_eq!(m.users_after(&kw("li"), 2, 5).len(), 1);
    let cond = UserFilter {
        name_conditions: vec![NameCondition {
            op: NameOp::StartsWith,
            case_sensitive: true,
            value: "AL".into(),
        }],
        ..Default::default()
    };
    assert_eq!(ids(m.users(&cond, Page::ALL)), ["u3"]);
}
