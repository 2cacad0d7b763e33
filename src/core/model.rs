//! The directory's data: what is stored, and what callers pass in to change it.
//! Times are Unix milliseconds; ids are 32-character lower-case hex unless a caller chose one,
//! typed by what they name (`AccountId`, `ProjectId`, `UserId`, `GroupId`: `core::ids`).

pub use crate::core::ids::{AccountId, GroupId, ProjectId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub account_id: AccountId,
    /// Unique per account.
    pub name: String,
    pub created_at: i64,
    /// Keystone's project description (at most 255 characters).
    pub description: String,
    /// A disabled project gets no scoped tokens (Keystone).
    pub enabled: bool,
    /// The parent project; `None`: the domain (Keystone's `parent_id` = `domain_id`).
    pub parent_id: Option<ProjectId>,
    /// Keystone's tags: at most 80, each 1 to 255 characters without '/' or ','; sorted.
    pub tags: Vec<String>,
}

/// A closed set of values, each with one word: the same word on the wire (Workspace's
/// request and response models) and in storage (TEXT columns on both backends). The core
/// knows no serde: faces and stores go through `as_str` and `parse`.
pub trait Word: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// The field a refusal names (`active_type must be one of ...`).
    const FIELD: &'static str;
    /// Every value, in the order a refusal names them.
    const ALL: &'static [Self];

    /// The value's word.
    fn as_str(self) -> &'static str;

    /// The value a word names exactly (case matters), None for anything else.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// The refusal of a word that names no value: `{FIELD} must be one of {words}`, the
    /// message of `validate::one_of` (each face renders it as its invalid-parameter error).
    fn refusal() -> crate::core::Error {
        let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
        crate::core::validate::not_one_of(Self::FIELD, &words)
    }
}

/// How a user's account is activated (Workspace `active_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ActiveType {
    /// `USER_ACTIVATE`: the user activates it (an e-mail or phone is required; no password
    /// at creation). The default.
    #[default]
    User,
    /// `ADMIN_ACTIVATE`: the administrator sets the password at creation.
    Admin,
}

impl Word for ActiveType {
    const FIELD: &'static str = "active_type";
    const ALL: &'static [Self] = &[ActiveType::User, ActiveType::Admin];

    fn as_str(self) -> &'static str {
        match self {
            ActiveType::User => "USER_ACTIVATE",
            ActiveType::Admin => "ADMIN_ACTIVATE",
        }
    }
}

/// Where a user or group comes from (Workspace `platform_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PlatformType {
    /// `LOCAL`: made in Roster. The default.
    #[default]
    Local,
    /// `AD`: an Active Directory object (a group's `group_dn` is `CN={name},{domain}`).
    Ad,
}

impl Word for PlatformType {
    const FIELD: &'static str = "platform_type";
    const ALL: &'static [Self] = &[PlatformType::Local, PlatformType::Ad];

    fn as_str(self) -> &'static str {
        match self {
            PlatformType::Local => "LOCAL",
            PlatformType::Ad => "AD",
        }
    }
}

/// A word a caller sent for a [`Word`] field, not yet judged: `Known` when it names a
/// value, else `Unknown` as sent. The core decides at its turn among its rules, so a
/// request answers what it answered when these fields were text: a new user, a group or a
/// patch with an `Unknown` word is refused with [`Word::refusal`] ([`Given::known`]); a
/// filter with one matches no row (the store compares [`Given::as_str`] with the column, as
/// it compared the text before, and every stored word is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given<T> {
    Known(T),
    Unknown(String),
}

impl<T: Word> Given<T> {
    /// `Known` if `s` names a value exactly, else `Unknown(s)`.
    pub fn parse(s: impl Into<String> + AsRef<str>) -> Given<T> {
        match T::parse(s.as_ref()) {
            Some(v) => Given::Known(v),
            None => Given::Unknown(s.into()),
        }
    }

    /// The word as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Given::Known(v) => v.as_str(),
            Given::Unknown(s) => s,
        }
    }

    /// The value, or the refusal of an unknown word ([`Word::refusal`]).
    pub fn known(&self) -> Result<T, crate::core::Error> {
        match self {
            Given::Known(v) => Ok(*v),
            Given::Unknown(_) => Err(T::refusal()),
        }
    }
}

impl<T: Word> From<T> for Given<T> {
    fn from(v: T) -> Self {
        Given::Known(v)
    }
}

/// Serde of an `Option<Given<T>>` as the optional word itself (`"USER_ACTIVATE"`, `null`):
/// user filters are stored as JSON with export tasks, and tasks stored when these fields
/// were text must read back the same (an unknown word stays `Unknown`).
pub(crate) mod given_word {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Given, Word};

    pub fn serialize<S: Serializer, T: Word>(
        v: &Option<Given<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref().map(Given::as_str).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Word>(
        d: D,
    ) -> Result<Option<Given<T>>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(Given::parse))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub seq: i64,
    pub id: UserId,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    pub email: String,
    pub phone: String,
    pub alias_name: String,
    pub active_type: ActiveType,
    pub platform_type: PlatformType,
    pub domain: String,
    pub enterprise_project_id: String,
    pub user_info_map: String,
    /// Unix ms after which the account expires; 0 = never.
    pub account_expires: i64,
    pub has_password: bool,
    pub enable_change_password: bool,
    pub next_login_change_password: bool,
    pub password_never_expired: bool,
    pub locked: bool,
    pub disabled: bool,
    /// The account's root user, made with the account; it cannot be deleted.
    pub is_root: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Unix ms of the last password change (0: none since creation); tokens issued before it
    /// are refused.
    pub password_changed_at: i64,
    /// Unix ms of the last update that found or left the user inactive (disabled, locked or
    /// expired): IAM tokens issued before it are refused, also once the user is active again
    /// (Keystone revokes a user's tokens when it is disabled). 0: never.
    pub tokens_valid_after: i64,
    /// Unix ms when the password expires (the password policy's validity period from when
    /// it was set); 0: never.
    pub password_expires_at: i64,
    /// Unix ms of the last password login; 0: none.
    pub last_login_at: i64,
    /// Keystone's `default_project_id`; empty: none.
    pub default_project_id: String,
    /// Keystone's user options as a JSON object (`{}`: none); see `core::policy::UserOptions`.
    pub options: String,
}

impl User {
    pub fn expired_at(&self, now_ms: i64) -> bool {
        self.account_expires != 0 && self.account_expires <= now_ms
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub seq: i64,
    pub id: GroupId,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    pub platform_type: PlatformType,
    pub domain: String,
    pub parent_id: Option<GroupId>,
    /// Ids from the root down to this group, joined by '/'.
    pub path: String,
    /// 1 for a group without parent.
    pub depth: i64,
    /// Direct members; maintained in the same transaction as every membership change.
    pub user_quantity: i64,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Filled by listings that show the parent.
    pub parent: Option<Box<Group>>,
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub name: String,
    pub description: String,
    pub email: String,
    pub phone: String,
    pub alias_name: String,
    /// USER_ACTIVATE (default) or ADMIN_ACTIVATE; an unknown word is refused.
    pub active_type: Option<Given<ActiveType>>,
    /// LOCAL (default) or AD; an unknown word is refused.
    pub platform_type: Option<Given<PlatformType>>,
    pub domain: String,
    pub enterprise_project_id: String,
    pub user_info_map: String,
    pub account_expires: i64,
    pub password: Option<String>,
    pub enable_change_password: Option<bool>,
    pub next_login_change_password: Option<bool>,
    pub password_never_expired: Option<bool>,
    pub disabled: bool,
    pub group_ids: Vec<String>,
    /// Keystone's `default_project_id` (empty: none): a project of the account.
    pub default_project_id: String,
    /// Keystone's user options (`None`: none).
    pub options: Option<crate::core::policy::UserOptions>,
}

/// A partial update: `None` leaves the field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub alias_name: Option<String>,
    /// An unknown word is refused.
    pub active_type: Option<Given<ActiveType>>,
    pub account_expires: Option<i64>,
    pub enable_change_password: Option<bool>,
    pub next_login_change_password: Option<bool>,
    pub password_never_expired: Option<bool>,
    pub disabled: Option<bool>,
    pub user_info_map: Option<String>,
    pub password: Option<String>,
    /// Keystone's `default_project_id` (empty: none).
    pub default_project_id: Option<String>,
    /// Keystone's user options, merged into the user's (a `None` option removes it).
    pub options: Option<crate::core::policy::UserOptions>,
}

#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    /// A caller-chosen id (Quick BI allows one); a new hex id otherwise.
    pub id: Option<String>,
    pub name: String,
    pub description: String,
    /// LOCAL (default) or AD; an unknown word is refused.
    pub platform_type: Option<Given<PlatformType>>,
    pub domain: String,
    pub parent_id: Option<String>,
    pub created_by: String,
}

#[derive(Debug, Clone, Default)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub updated_by: String,
}

/// How a Keystone string comparison filter (`name__contains`, `name__istartswith`, ...;
/// Keystone API reference, "Filtering and searching by query parameters") compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NameOp {
    Contains,
    StartsWith,
    EndsWith,
}

/// One string comparison of the name: `op` with `value`, exactly as typed (NFC) when
/// `case_sensitive`, else folded like every search (`store::common::fold`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NameCondition {
    pub op: NameOp,
    pub case_sensitive: bool,
    pub value: String,
}

impl NameCondition {
    /// The Keystone comparison filters of `name` in a query string: each of
    /// `name__contains`, `name__icontains`, `name__startswith`, `name__istartswith`,
    /// `name__endswith`, `name__iendswith` that `get` finds.
    pub fn keystone(get: impl Fn(&str) -> Option<String>) -> Vec<NameCondition> {
        let mut out = Vec::new();
        for (suffix, op) in [
            ("contains", NameOp::Contains),
            ("startswith", NameOp::StartsWith),
            ("endswith", NameOp::EndsWith),
        ] {
            for (prefix, case_sensitive) in [("", true), ("i", false)] {
                if let Some(value) = get(&format!("name__{prefix}{suffix}")) {
                    out.push(NameCondition {
                        op,
                        case_sensitive,
                        value,
                    });
                }
            }
        }
        out
    }
}

/// Filters of a user listing; all given filters must hold.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct UserFilter {
    /// Substring of the user name (folded: `store::common::fold`).
    pub name_contains: Option<String>,
    /// Substring of the nick name (`alias_name`), folded.
    #[serde(default)]
    pub alias_contains: Option<String>,
    /// Substring of the user name or of the nick name, folded (Quick BI's member keywords).
    #[serde(default)]
    pub name_or_alias_contains: Option<String>,
    /// Exact user names (any of them).
    pub names: Vec<String>,
    /// Keystone string comparisons of the user name (all must hold).
    #[serde(default)]
    pub name_conditions: Vec<NameCondition>,
    /// Substring of the description, folded.
    pub description_contains: Option<String>,
    /// An unknown word matches no one.
    #[serde(default, with = "given_word")]
    pub active_type: Option<Given<ActiveType>>,
    /// Members of the group with this exact name.
    pub group_name: Option<String>,
    /// Members of this group.
    pub group_id: Option<String>,
    pub enterprise_project_id: Option<String>,
    pub disabled: Option<bool>,
    pub domain: Option<String>,
    /// An unknown word matches no one.
    #[serde(default, with = "given_word")]
    pub platform_type: Option<Given<PlatformType>>,
    /// Keystone's `password_expires_at` filter.
    #[serde(default)]
    pub password_expires: Option<ExpiryCondition>,
}

/// Keystone's `password_expires_at={lt|lte|gt|gte|eq|neq}:time` filter: users whose password
/// expires (`User::password_expires_at` set, the password not made never to expire) at a
/// time that compares so with `at` (Unix ms). A password that does not expire matches no
/// comparison, as Keystone's null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExpiryCondition {
    pub op: CmpOp,
    pub at: i64,
}

/// A comparison of Keystone's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CmpOp {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Neq,
}

impl CmpOp {
    /// Keystone's word (`lt`, ...).
    pub fn parse(word: &str) -> Option<CmpOp> {
        Some(match word {
            "lt" => CmpOp::Lt,
            "lte" => CmpOp::Lte,
            "gt" => CmpOp::Gt,
            "gte" => CmpOp::Gte,
            "eq" => CmpOp::Eq,
            "neq" => CmpOp::Neq,
            _ => return None,
        })
    }

    /// The SQL operator.
    pub fn sql(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Eq => "=",
            CmpOp::Neq => "<>",
        }
    }

    /// Whether `a op b`.
    pub fn holds(self, a: i64, b: i64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Lte => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Gte => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Neq => a != b,
        }
    }
}

impl ExpiryCondition {
    /// Whether the user passes the filter.
    pub fn holds(&self, u: &User) -> bool {
        u.password_expires_at != 0
            && !u.password_never_expired
            && self.op.holds(u.password_expires_at, self.at)
    }
}

impl UserFilter {
    /// True when the filter lets every user of the account through.
    pub fn is_empty(&self) -> bool {
        let blank = |o: &Option<String>| o.as_deref().is_none_or(str::is_empty);
        blank(&self.name_contains)
            && blank(&self.alias_contains)
            && blank(&self.name_or_alias_contains)
            && self.name_conditions.is_empty()
            && self.names.is_empty()
            && blank(&self.description_contains)
            && self.active_type.is_none()
            && self.group_name.is_none()
            && self.group_id.is_none()
            && self.enterprise_project_id.is_none()
            && self.disabled.is_none()
            && self.domain.is_none()
            && self.platform_type.is_none()
    }
}

/// Filters of a group listing.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    /// Substring of the group name, folded (`store::common::fold`).
    pub keyword: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    /// Keystone string comparisons of the name (all must hold).
    pub name_conditions: Vec<NameCondition>,
    /// Groups of any of these platforms (none: all).
    pub platform_types: Vec<PlatformType>,
    pub domain: Option<String>,
    pub parent: Option<ParentFilter>,
    /// Only these groups (any of them).
    pub ids: Vec<String>,
    /// Only the groups this user (an id) is a direct member of.
    pub member: Option<String>,
}

impl GroupFilter {
    /// True when the filter lets every group of the account through.
    pub fn is_empty(&self) -> bool {
        self.keyword.as_deref().is_none_or(str::is_empty)
            && self.name.is_none()
            && self.name_conditions.is_empty()
            && self.platform_types.is_empty()
            && self.domain.is_none()
            && self.parent.is_none()
            && self.ids.is_empty()
            && self.member.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentFilter {
    /// Groups without a parent.
    Root,
    /// Direct children of this group.
    Group(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const ALL: Page = Page {
        limit: i64::MAX,
        offset: 0,
    };

    /// The number of all matches when this page, holding `rows` of them, tells it: a page
    /// shorter than its limit ends the list, so the total is `offset + rows` (unless it is
    /// empty past the start, which says nothing about the rows before `offset`). None when
    /// it takes a count.
    pub fn total_if_last(self, rows: usize) -> Option<i64> {
        let rows = i64::try_from(rows).ok()?;
        (rows < self.limit && (rows > 0 || self.offset == 0)).then(|| self.offset + rows)
    }
}

#[cfg(test)]
mod page_tests {
    use super::Page;

    #[test]
    fn a_short_page_tells_the_total() {
        let p = |limit, offset| Page { limit, offset };
        assert_eq!(p(100, 0).total_if_last(0), Some(0));
        assert_eq!(p(100, 0).total_if_last(7), Some(7));
        assert_eq!(p(100, 200).total_if_last(7), Some(207));
        assert_eq!(p(100, 200).total_if_last(0), None, "past the end");
        assert_eq!(p(100, 0).total_if_last(100), None, "a full page");
        assert_eq!(p(0, 0).total_if_last(0), None, "a zero-row read");
    }
}

#[derive(Debug, Clone)]
pub struct Listing<T> {
    /// All matches, not only this page.
    pub total: i64,
    pub items: Vec<T>,
}

/// What `account create` and first start hand to the operator, once.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AccountCredentials {
    pub domain_id: String,
    pub domain_name: String,
    pub project_id: String,
    pub project_name: String,
    pub user_id: String,
    pub user_name: String,
    pub password: String,
    pub access_key: String,
    pub secret_key: String,
}

#[cfg(test)]
mod word_tests {
    use super::*;

    #[test]
    fn words_name_their_values_exactly() {
        for t in ActiveType::ALL {
            assert_eq!(ActiveType::parse(t.as_str()), Some(*t));
        }
        for t in PlatformType::ALL {
            assert_eq!(PlatformType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(ActiveType::parse("user_activate"), None);
        assert_eq!(PlatformType::parse("local"), None);
        // the refusals the faces have always answered
        let msg = |e: crate::core::Error| e.to_string();
        assert!(msg(ActiveType::refusal())
            .contains("active_type must be one of USER_ACTIVATE, ADMIN_ACTIVATE"));
        assert!(msg(PlatformType::refusal()).contains("platform_type must be one of LOCAL, AD"));
        let unknown: Given<ActiveType> = Given::parse("SOMETIMES");
        assert_eq!(unknown.as_str(), "SOMETIMES");
        assert!(unknown.known().is_err());
        assert_eq!(
            Given::<ActiveType>::parse("ADMIN_ACTIVATE")
                .known()
                .unwrap(),
            ActiveType::Admin
        );
    }

    #[test]
    fn stored_user_filters_read_back_the_same() {
        // an export task's filter as stored when these fields were text
        let old = r#"{"name_contains":null,"names":[],"description_contains":null,"active_type":"ADMIN_ACTIVATE","group_name":null,"group_id":null,"enterprise_project_id":null,"disabled":null,"domain":null,"platform_type":"NIS"}"#;
        let f: UserFilter = serde_json::from_str(old).unwrap();
        assert_eq!(f.active_type, Some(Given::Known(ActiveType::Admin)));
        assert_eq!(f.platform_type, Some(Given::Unknown("NIS".into())));
        let again = serde_json::to_value(&f).unwrap();
        assert_eq!(again["active_type"], "ADMIN_ACTIVATE");
        assert_eq!(again["platform_type"], "NIS");
        let none: UserFilter = serde_json::from_str(r#"{"names":[]}"#).unwrap();
        assert!(none.active_type.is_none() && none.platform_type.is_none());
        assert_eq!(
            serde_json::to_value(&none).unwrap()["active_type"],
            serde_json::Value::Null
        );
    }
}
