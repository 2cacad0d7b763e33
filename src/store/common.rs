//! What the drivers of both backends (`sqlite/`, `postgres/`) share besides the schema:
//! text folding for searches, the stored keys of group ids, the searched fields, the
//! format of an export batch, the column a task listing sorts by, per-account counts, and
//! the stored words of grant scopes and policy principals.

use crate::core::authz::store::{GrantScope, Principal};
use crate::core::exports::{TaskSort, UserBatch, UserSpans};
use crate::core::model::{ActiveType, Word};
use crate::core::Error;

/// The folding every search, folded column and exact name lookup goes through.
pub use crate::core::text::fold;

/// What is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    GroupName,
    UserName,
    UserDescription,
    /// The nick name (`alias_name`; Quick BI's NickName).
    UserAlias,
}

impl Field {
    /// The text column searched (also the FTS5 column's name on SQLite).
    pub(crate) fn fts_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name",
            Field::UserDescription => "description",
            Field::UserAlias => "alias_name",
        }
    }
    /// The folded column searched.
    pub(crate) fn fold_column(self) -> &'static str {
        match self {
            Field::GroupName | Field::UserName => "name_fold",
            Field::UserDescription => "description_fold",
            Field::UserAlias => "alias_name_fold",
        }
    }
}

/// The column a task listing sorts by (the same on both backends).
pub(crate) fn sort_column(sort: TaskSort) -> &'static str {
    match sort {
        TaskSort::CreateTime => "created_at",
        TaskSort::EndTime => "end_time",
        TaskSort::FileName => "file_name",
        TaskSort::Status => "status",
    }
}

/// How many of the items belong to each account.
pub fn per_account<'a>(accounts: impl Iterator<Item = &'a str>) -> Vec<(&'a str, i64)> {
    let mut out: Vec<(&str, i64)> = Vec::new();
    for a in accounts {
        match out.iter_mut().find(|(x, _)| *x == a) {
            Some((_, n)) => *n += 1,
            None => out.push((a, 1)),
        }
    }
    out
}

pub use crate::core::ids::is_generated;

/// The stored key (`user_groups.id`, `memberships.group_id`, `user_groups.parent_id`) of the
/// group with public id `id` in the account. Group ids are unique per account, not across
/// the directory: a made id is its own key (unique everywhere by construction), a chosen id
/// is stored as `{id}.{account_id}` ('.' is never in a chosen id), so two accounts may
/// choose the same id and neither can tell the other's exists. Idempotent: a stored key of
/// this account maps to itself; another account's key maps to a key of this account that
/// does not exist. Paths (`user_groups.path`) hold public ids: they are only ever compared
/// within one account.
pub fn key(account_id: &str, id: &str) -> String {
    if is_generated(id)
        || id
            .strip_suffix(account_id)
            .is_some_and(|rest| rest.ends_with('.'))
    {
        id.to_string()
    } else {
        format!("{id}.{account_id}")
    }
}

/// The public id of a stored key (see `key`).
pub fn public_id(key: &str) -> String {
    match key.rfind('.') {
        Some(i) => key[..i].to_string(),
        None => key.to_string(),
    }
}

/// Separators of an export batch (one text value the database builds). Every field a user can type (name,
/// e-mail, phone, description: `PREFIXED`) is written as its length in bytes, `:`, and the
/// text, and read back by that length, so the format holds whatever those fields contain
/// (a separator typed into an e-mail once failed every export of its account). The other
/// fields are numbers, hex ids and status words, which hold no control character.
const RECORD: char = '\u{1e}';
const FIELD: char = '\u{1f}';
const ITEM: char = crate::core::exports::GROUP_ID_SEPARATOR;
const EXPORT_FIELDS: usize = 12;
/// The separators, for the statements that build an export batch (`postgres::users`).
pub(crate) const EXPORT_RECORD: char = RECORD;
pub(crate) const EXPORT_FIELD: char = FIELD;
pub(crate) const EXPORT_ITEM: char = ITEM;
/// The fields written with a length prefix (indexes in the record).
const PREFIXED: [usize; 4] = [2, 3, 4, 5];

/// One export batch as the database built it: parsing it (`parse_export`) can run
/// while the next batch is read.
#[derive(Debug)]
pub struct ExportBatch {
    pub text: Option<String>,
    /// The highest `seq` in the batch: where the next one starts.
    pub last: Option<i64>,
    pub rows: i64,
}

/// The users of a batch, in creation order, parsed in place: each field is a span of the
/// batch's text (`group_names` is left for the caller, who knows the names).
pub fn parse_export(batch: ExportBatch) -> Result<UserBatch, Error> {
    let Some(text) = batch.text else {
        return Ok(UserBatch::default());
    };
    let bad = |what: &str| Error::Internal(format!("export batch: {what}"));
    let int = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| bad("a number field is not a number"))
    };
    let b = text.as_bytes();
    let (field_sep, record_sep) = (FIELD as u8, RECORD as u8);
    let mut users = Vec::with_capacity(batch.rows.max(0) as usize);
    let mut spans = [(0u32, 0u32); EXPORT_FIELDS];
    let mut pos = 0usize;
    while pos < b.len() {
        for (i, span) in spans.iter_mut().enumerate() {
            let last = i == EXPORT_FIELDS - 1;
            let (from, to) = if PREFIXED.contains(&i) {
                let colon = b[pos..]
                    .iter()
                    .position(|&c| c == b':')
                    .ok_or_else(|| bad("a text field has no length"))?;
                let len: usize = text[pos..pos + colon]
                    .parse()
                    .map_err(|_| bad("a text field's length is not a number"))?;
                let from = pos + colon + 1;
                let to = from
                    .checked_add(len)
                    .filter(|&t| t <= b.len() && text.is_char_boundary(t))
                    .ok_or_else(|| bad("a text field is cut short"))?;
                (from, to)
            } else {
                let len = b[pos..]
                    .iter()
                    .position(|&c| c == field_sep || c == record_sep);
                (pos, len.map_or(b.len(), |l| pos + l))
            };
            *span = (from as u32, to as u32);
            pos = to;
            match b.get(pos) {
                Some(&c) if !last && c == field_sep => pos += 1,
                Some(&c) if last && c == record_sep => pos += 1,
                None if last => {}
                None => {
                    return Err(bad(&format!(
                        "a record has {} fields, not {EXPORT_FIELDS}",
                        i + 1
                    )))
                }
                Some(_) => return Err(bad("a field does not end where the next one starts")),
            }
        }
        let f = |i: usize| crate::core::exports::at(&text, spans[i]);
        users.push(UserSpans {
            seq: int(f(0))?,
            text: [spans[1], spans[2], spans[3], spans[4], spans[5]],
            account_expires: int(f(6))?,
            active_type: ActiveType::parse(f(7)).ok_or_else(|| bad("an unknown active_type"))?,
            locked: int(f(8))? != 0,
            disabled: int(f(9))? != 0,
            created_at: int(f(10))?,
            group_ids: spans[11],
            group_names: (0, 0),
        });
    }
    // aggregate order is not guaranteed: restore creation order
    if !users.is_sorted_by_key(|u| u.seq) {
        users.sort_unstable_by_key(|u| u.seq);
    }
    Ok(UserBatch {
        text,
        users,
        names: String::new(),
    })
}

pub use crate::core::exports::split_group_ids;

#[cfg(test)]
mod export_tests {
    use super::*;

    fn record(seq: i64, name: &str, description: &str, groups: &[&str]) -> String {
        let p = |s: &str| format!("{}:{s}", s.len());
        let fields = [
            seq.to_string(),
            format!("id{seq}"),
            p(name),
            p(""),
            p("138"),
            p(description),
            "0".into(),
            "USER_ACTIVATE".into(),
            "1".into(),
            "0".into(),
            "1700000000000".into(),
            groups.join(&ITEM.to_string()),
        ];
        fields.join(&FIELD.to_string())
    }

    #[test]
    fn parses_in_place_and_restores_creation_order() {
        let text = [
            record(7, "王小明", "二号", &["g1", "g2"]),
            record(3, "alice", "", &[]),
            // every separator, and text that looks like a length prefix, inside text fields
            record(5, "a\u{1e}b", "x\u{1f}12:y\u{1d}\u{1e}", &["g3"]),
        ]
        .join(&RECORD.to_string());
        let batch = parse_export(ExportBatch {
            text: Some(text),
            last: Some(7),
            rows: 2,
        })
        .unwrap();
        assert_eq!(batch.last_seq(), Some(7));
        let rows: Vec<_> = batch.rows().collect();
        assert_eq!(
            (rows[0].id, rows[0].name, rows[0].description),
            ("id3", "alice", "")
        );
        assert_eq!(
            (rows[1].name, rows[1].description),
            ("a\u{1e}b", "x\u{1f}12:y\u{1d}\u{1e}")
        );
        assert_eq!((rows[2].name, rows[2].description), ("王小明", "二号"));
        assert_eq!((rows[2].email, rows[2].phone), ("", "138"));
        assert!(rows[2].locked && !rows[2].disabled);
        assert_eq!(rows[2].created_at, 1_700_000_000_000);
        let ids: Vec<&str> = split_group_ids(batch.group_ids(&batch.users[2])).collect();
        assert_eq!(ids, ["g1", "g2"]);
        let ids: Vec<&str> = split_group_ids(batch.group_ids(&batch.users[1])).collect();
        assert_eq!(ids, ["g3"]);
        assert_eq!(split_group_ids(batch.group_ids(&batch.users[0])).count(), 0);
    }

    #[test]
    fn a_damaged_batch_is_an_error() {
        for text in [
            "1\u{1f}only three\u{1f}fields".to_string(),
            format!("{}{FIELD}extra", record(1, "a", "", &[])),
            record(1, "a", "", &[]).replacen('1', "x", 1),
            record(1, "abc", "", &[]).replace("3:abc", "9:abc"),
            record(1, "组", "", &[]).replace("3:组", "2:组"),
        ] {
            let r = parse_export(ExportBatch {
                text: Some(text.clone()),
                last: Some(1),
                rows: 1,
            });
            assert!(r.is_err(), "{text:?}");
        }
        let empty = parse_export(ExportBatch {
            text: None,
            last: None,
            rows: 0,
        })
        .unwrap();
        assert!(empty.is_empty());
    }
}

#[cfg(test)]
mod fold_tests {
    use super::fold;

    #[test]
    fn folding_is_context_free_full_and_canonical() {
        // the group: every spelling of its part folds to the same text
        let stored = fold("ΚΑΣΑ-x");
        for kw in ["ΑΣ", "ΚΑΣ", "ας", "ασ", "Ας"] {
            assert!(stored.contains(&fold(kw)), "{kw}");
        }
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), fold("straße"));
        assert_eq!(fold("Cafe\u{301}"), fold("Caf\u{e9}"));
        assert_eq!(fold("Cafe\u{301}"), "caf\u{e9}");
        assert_eq!(fold("研发一部"), "研发一部");
    }
}

/// The columns (`scope_kind`, `scope_id`) of a grant's scope in `role_assignments`.
pub(crate) fn scope_columns(scope: &GrantScope) -> (&'static str, &str) {
    match scope {
        GrantScope::Domain => ("domain", ""),
        GrantScope::Project(p) => ("project", p.as_str()),
        GrantScope::AllProjects => ("all_projects", ""),
    }
}

/// The scope of a `role_assignments` row; an error names what was stored.
pub(crate) fn scope_of(kind: &str, id: &str) -> Result<GrantScope, String> {
    match (kind, id) {
        ("domain", "") => Ok(GrantScope::Domain),
        ("project", p) if !p.is_empty() => Ok(GrantScope::Project(p.into())),
        ("all_projects", "") => Ok(GrantScope::AllProjects),
        _ => Err(format!(
            "stored grant scope {kind:?} {id:?} is not one this version knows"
        )),
    }
}

/// The columns (`principal_type`, `principal_id`) of a principal in `policy_attachments`:
/// a group by its stored key (`key`), a user by its id.
pub(crate) fn principal_columns(account_id: &str, p: &Principal) -> (&'static str, String) {
    match p {
        Principal::User(u) => ("user", u.to_string()),
        Principal::Group(g) => ("group", key(account_id, g)),
    }
}

/// The principal of a `policy_attachments` row (a group by its public id).
pub(crate) fn principal_of(kind: &str, stored: &str) -> Result<Principal, String> {
    match kind {
        "user" => Ok(Principal::User(stored.into())),
        "group" => Ok(Principal::Group(public_id(stored).into())),
        _ => Err(format!(
            "stored principal type {kind:?} is not one this version knows"
        )),
    }
}
