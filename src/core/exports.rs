//! Export tasks: what is exported (a `Spec`), in which language, and the task's record.

use serde::{Deserialize, Serialize};

use super::model::{AccountId, ActiveType, ProjectId, UserFilter};
use super::Error;

/// Where an export task is. The words are the Workspace SDK's `ExportTask.status` values
/// (`CREATING`, `SUCCESS`, `FAIL`, `EXPIRED`), and also what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Waiting for a worker, or being written.
    Creating,
    /// The file is ready to download.
    Success,
    /// Ended with an error (`ExportTask::error_code` says what kind).
    Fail,
    /// The file was kept its time and removed; the task stays listed.
    Expired,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Creating,
        TaskStatus::Success,
        TaskStatus::Fail,
        TaskStatus::Expired,
    ];

    /// The word on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Creating => "CREATING",
            TaskStatus::Success => "SUCCESS",
            TaskStatus::Fail => "FAIL",
            TaskStatus::Expired => "EXPIRED",
        }
    }

    /// The status a word names exactly (None for anything else).
    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A caller's `status` filter: one of the words, or `Invalid` naming them.
    pub fn from_param(s: &str) -> Result<TaskStatus, Error> {
        TaskStatus::parse(s).ok_or_else(|| {
            super::validate::not_one_of("status", &TaskStatus::ALL.map(TaskStatus::as_str))
        })
    }
}

/// What a task exports (stored with the task as `users`, `groups` or `group_users`, the
/// `kind` tag of its `Spec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    Users,
    Groups,
    GroupUsers,
}

impl TaskKind {
    pub const ALL: [TaskKind; 3] = [TaskKind::Users, TaskKind::Groups, TaskKind::GroupUsers];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Users => "users",
            TaskKind::Groups => "groups",
            TaskKind::GroupUsers => "group_users",
        }
    }

    /// The kind a stored word names (None for anything else).
    pub fn parse(s: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The order of a task listing: the Workspace `sort_field` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSort {
    #[default]
    CreateTime,
    EndTime,
    FileName,
    Status,
}

impl TaskSort {
    /// A caller's `sort_field` (absent or empty: `create_time`), or `Invalid` naming the
    /// allowed ones.
    pub fn parse(s: Option<&str>) -> Result<TaskSort, Error> {
        match s.unwrap_or("") {
            "create_time" | "" => Ok(TaskSort::CreateTime),
            "end_time" => Ok(TaskSort::EndTime),
            "file_name" => Ok(TaskSort::FileName),
            "status" => Ok(TaskSort::Status),
            other => Err(Error::invalid(format!(
                "sort_field must be one of create_time, end_time, file_name, status, not {}",
                super::text::quoted(other)
            ))),
        }
    }
}

/// Column headers and words in a workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Language {
    #[default]
    #[serde(rename = "en_US")]
    English,
    #[serde(rename = "zh_CN")]
    Chinese,
}

impl Language {
    /// `zh_CN` or `en_US` (any case, `-` or `_`); absent or empty means English.
    pub fn parse(s: Option<&str>) -> Result<Language, Error> {
        match s.map(|s| s.trim().to_ascii_lowercase().replace('-', "_")) {
            None => Ok(Language::English),
            Some(s) if s.is_empty() || s == "en_us" || s == "en" => Ok(Language::English),
            Some(s) if s == "zh_cn" || s == "zh" => Ok(Language::Chinese),
            Some(other) => Err(Error::invalid(format!(
                "language must be zh_CN or en_US, not {}",
                super::text::quoted(&other)
            ))),
        }
    }
}

/// What a task exports; stored with the task as JSON so any node can run it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spec {
    /// The account's users that pass the filter, with their group names.
    Users { filter: UserFilter },
    /// The account's groups whose name contains `name` (if given), limited to `group_ids`
    /// (if any).
    Groups {
        name: Option<String>,
        group_ids: Vec<String>,
    },
    /// The members of one group that pass the filter.
    GroupUsers {
        group_id: String,
        filter: UserFilter,
    },
}

impl Spec {
    pub fn kind(&self) -> TaskKind {
        match self {
            Spec::Users { .. } => TaskKind::Users,
            Spec::Groups { .. } => TaskKind::Groups,
            Spec::GroupUsers { .. } => TaskKind::GroupUsers,
        }
    }
}

/// One export task as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTask {
    pub id: String,
    pub account_id: AccountId,
    pub project_id: ProjectId,
    pub kind: TaskKind,
    /// JSON of `Spec` plus the language (see `TaskSpec`).
    pub spec: String,
    pub file_name: String,
    pub status: TaskStatus,
    pub fail_reason: Option<String>,
    /// Why a FAIL task failed: a [`FailureKind`] word (each face names it in its own
    /// codes); tasks failed by older versions may hold a Workspace code here.
    pub error_code: Option<String>,
    pub created_at: i64,
    pub end_time: Option<i64>,
    pub is_download: bool,
    pub attempts: i64,
    pub row_count: i64,
    pub file_size: i64,
    pub expires_at: Option<i64>,
}

/// Why an export task failed, as stored with the task (`ExportTask::error_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Something the task names no longer exists (its group).
    NotFound,
    /// The task's filters are refused.
    Invalid,
    /// The task was interrupted too often (servers stopped while writing it).
    Interrupted,
    /// Anything else: a fault of ours or of the database.
    Internal,
}

impl FailureKind {
    /// The kind of error that ends a task.
    pub fn of(e: &Error) -> FailureKind {
        match e {
            Error::NotFound(..) => FailureKind::NotFound,
            Error::Invalid(_) => FailureKind::Invalid,
            _ => FailureKind::Internal,
        }
    }

    /// The word stored for it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::NotFound => "not_found",
            FailureKind::Invalid => "invalid",
            FailureKind::Interrupted => "interrupted",
            FailureKind::Internal => "internal",
        }
    }

    /// The kind a stored word names (None for anything else, such as an older version's
    /// face code).
    pub fn parse(s: &str) -> Option<FailureKind> {
        [
            FailureKind::NotFound,
            FailureKind::Invalid,
            FailureKind::Interrupted,
            FailureKind::Internal,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What the worker needs to run a task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskSpec {
    pub spec: Spec,
    pub language: Language,
}

/// Filters and order of a task listing.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Case-insensitive substring of the file name.
    pub file_name: Option<String>,
    pub task_id: Option<String>,
    pub status: Option<TaskStatus>,
    pub is_download: Option<bool>,
    pub sort: TaskSort,
    /// ASC or DESC (default: newest first).
    pub ascending: bool,
}

/// One data row of an imported workbook, as read (before any rule is checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportRow {
    /// 1-based row number in the sheet, for messages.
    pub row: usize,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub description: String,
    /// Names of existing groups to put the user in.
    pub groups: Vec<String>,
    /// Unix ms; 0 = never.
    pub account_expires: i64,
}

/// What an import did, row by row.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    pub created: Vec<(ImportRow, super::model::User)>,
    pub failed: Vec<(ImportRow, Error)>,
}

/// One exported user as the sheet writer sees it, borrowed from its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub description: &'a str,
    pub account_expires: i64,
    pub active_type: ActiveType,
    pub locked: bool,
    pub disabled: bool,
    pub created_at: i64,
    /// Names of the user's groups in group creation order, one per line (joined by "\n": no group name holds a line break).
    pub groups: &'a str,
}

/// A byte range of a batch's text.
pub type Span = (u32, u32);

/// Where one user's fields lie in its batch.
#[derive(Debug, Clone, Default)]
pub struct UserSpans {
    pub seq: i64,
    pub account_expires: i64,
    pub created_at: i64,
    pub active_type: ActiveType,
    pub locked: bool,
    pub disabled: bool,
    /// id, name, email, phone, description, in `UserBatch::text`.
    pub text: [Span; 5],
    /// The ids of the user's groups (as the store separates them), in `UserBatch::text`.
    pub group_ids: Span,
    /// The names of the user's groups, one per line (joined by "\n": no group name holds a line break), in `UserBatch::names`.
    pub group_names: Span,
}

/// One batch of a users export: the text the database built, parsed in place. A string per
/// field and user cost the export more than reading the rows did (BENCHMARKS.md), so the
/// fields stay where they are and rows borrow them.
#[derive(Debug, Default)]
pub struct UserBatch {
    pub text: String,
    /// In creation order.
    pub users: Vec<UserSpans>,
    /// Every user's group names, one after the other.
    pub names: String,
}

/// The text of `span` in `s`.
pub(crate) fn at(s: &str, (from, to): Span) -> &str {
    &s[from as usize..to as usize]
}

impl UserBatch {
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The highest `seq` of the batch: where the next one starts.
    pub fn last_seq(&self) -> Option<i64> {
        self.users.last().map(|u| u.seq)
    }

    pub fn rows(&self) -> impl Iterator<Item = UserRow<'_>> {
        self.users.iter().map(|u| {
            let t = |i: usize| at(&self.text, u.text[i]);
            UserRow {
                id: t(0),
                name: t(1),
                email: t(2),
                phone: t(3),
                description: t(4),
                account_expires: u.account_expires,
                active_type: u.active_type,
                locked: u.locked,
                disabled: u.disabled,
                created_at: u.created_at,
                groups: at(&self.names, u.group_names),
            }
        })
    }

    /// The group ids of `user` as the store wrote them.
    pub fn group_ids(&self, user: &UserSpans) -> &str {
        at(&self.text, user.group_ids)
    }
}

/// Group id -> (creation order, name), filled as an export meets groups: an export looks
/// each group up once, not once per membership. Holds at most the account's groups.
#[derive(Debug, Default)]
pub struct GroupNames(pub foldhash::HashMap<String, (i64, String)>);

/// What separates the group ids of one user in a `UserBatch` (`UserSpans::group_ids`): a
/// control character, which no id holds.
pub const GROUP_ID_SEPARATOR: char = '\u{1d}';

/// The group ids of one user of a batch (`UserBatch::group_ids`).
pub fn split_group_ids(ids: &str) -> impl Iterator<Item = &str> {
    ids.split(GROUP_ID_SEPARATOR).filter(|s| !s.is_empty())
}
