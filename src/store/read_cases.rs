//! The cases every driver's read tests run (`store::sqlite::tests::reads`,
//! `store::postgres::tests::reads`): keywords, pages, name conditions and the user and group
//! filters over a fixture's named things, and the test users both fixtures write
//! (`UserSpec`, `record`), so that both drivers are held to the same answers.

use crate::core::ids;
use crate::core::model::{
    Group, GroupFilter, NameCondition, NameOp, Page, ParentFilter, UserFilter,
};
use crate::core::storage::UserRecord;

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
        group_id: Some(named.b_groups[1].id.clone()),
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
        active_type: Some("USER_ACTIVATE".into()),
        ..Default::default()
    });
    out.push(UserFilter {
        platform_type: Some("AD".into()),
        enterprise_project_id: Some("0".into()),
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
        platform_types: vec!["AD".into()],
        ..Default::default()
    });
    out.push(GroupFilter {
        platform_types: vec!["AD".into(), "LOCAL".into(), "X".into()],
        domain: Some("corp".into()),
        ..Default::default()
    });
    for parent in [
        ParentFilter::Root,
        ParentFilter::Group("sales".into()),
        ParentFilter::Group("dev".into()),
        ParentFilter::Group(named.groups[1].id.clone()),
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
            named.groups[1].id.clone(),
            named.b_groups[1].id.clone(),
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
        id: ids::new_id(),
        account_id: account_id.into(),
        name: u.name.into(),
        description: u.description.into(),
        email: u.email.into(),
        phone: format!("+86 138{i:04}"),
        alias_name: u.alias.into(),
        active_type: if i % 3 == 0 {
            "ADMIN_ACTIVATE"
        } else {
            "USER_ACTIVATE"
        }
        .into(),
        platform_type: if i % 2 == 0 { "LOCAL" } else { "AD" }.into(),
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
    }
}
