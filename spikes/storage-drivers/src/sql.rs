//! The SQL of the four list calls, as the project builds it today (src/store/groups.rs
//! `list`, src/store/users.rs `list` and `group_names`, src/store/search.rs
//! `push_contains`), with the same placeholders: anonymous `?` on SQLite (`store::query::Sql`),
//! `$N` on PostgreSQL. Every driver runs exactly these texts.

/// Which of the four API calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// `GET groups?limit=100&offset=0`
    GroupsPage,
    /// `GET groups?keyword=Sales`
    GroupsSales,
    /// `GET users?limit=100&offset=0` (with each user's group names)
    UsersPage,
    /// `GET users?user_name=alice` (with each user's group names)
    UsersAlice,
}

impl Query {
    pub const ALL: [Query; 4] = [
        Query::GroupsPage,
        Query::GroupsSales,
        Query::UsersPage,
        Query::UsersAlice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Query::GroupsPage => "groups page",
            Query::GroupsSales => "groups `Sales`",
            Query::UsersPage => "users page",
            Query::UsersAlice => "users `alice`",
        }
    }

    pub fn parse(s: &str) -> Option<Query> {
        match s {
            "groups-page" | "1" => Some(Query::GroupsPage),
            "groups-sales" | "2" => Some(Query::GroupsSales),
            "users-page" | "3" => Some(Query::UsersPage),
            "users-alice" | "4" => Some(Query::UsersAlice),
            _ => None,
        }
    }

    pub fn is_groups(self) -> bool {
        matches!(self, Query::GroupsPage | Query::GroupsSales)
    }

    /// Whether the call is a keyword search (the total comes with the page) rather than an
    /// unfiltered page (the total is the account's kept counter).
    pub fn is_search(self) -> bool {
        matches!(self, Query::GroupsSales | Query::UsersAlice)
    }
}

pub const PAGE_LIMIT: i64 = 100;
pub const PAGE_OFFSET: i64 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Hands out placeholders in bind order, like `store::query::Sql::bind`.
struct Marks {
    dialect: Dialect,
    n: usize,
}

impl Marks {
    fn new(dialect: Dialect) -> Self {
        Marks { dialect, n: 0 }
    }
    fn next(&mut self) -> String {
        self.n += 1;
        match self.dialect {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${}", self.n),
        }
    }
}

const GROUP_FIELDS: [&str; 15] = [
    "seq",
    "id",
    "account_id",
    "name",
    "description",
    "platform_type",
    "domain",
    "parent_id",
    "path",
    "depth",
    "user_quantity",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
];

const PARENT_FIELDS: [&str; 7] = [
    "id",
    "account_id",
    "name",
    "description",
    "platform_type",
    "domain",
    "created_at",
];

/// `store::users::COLS`; the order is the one of `model::UserRow`.
pub const USER_COLS: &str = "u.seq, u.id, u.account_id, u.name, u.description, u.email, u.phone, \
    u.alias_name, u.active_type, u.platform_type, u.domain, u.enterprise_project_id, \
    u.user_info_map, u.account_expires, u.password_hash, u.enable_change_password, \
    u.next_login_change_password, u.password_never_expired, u.locked, u.disabled, u.is_root, \
    u.created_at, u.updated_at, u.password_changed_at, u.tokens_valid_after";

/// `store::accounts::counts` (written with `$1` for both backends, as there).
pub const COUNTS: &str = "SELECT user_count, group_count FROM accounts WHERE id = $1";

/// `g.seq AS g_seq, ..., p.id AS p_id, ...`: the order is the one of `model::GroupRow`.
fn group_cols() -> String {
    GROUP_FIELDS
        .iter()
        .map(|f| format!("g.{f} AS g_{f}"))
        .chain(PARENT_FIELDS.iter().map(|f| format!("p.{f} AS p_{f}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statements of the four calls in one dialect, and the keyword arguments they bind.
#[derive(Debug, Clone)]
pub struct Statements {
    pub dialect: Dialect,
    /// Binds: account id, limit, offset.
    pub groups_page: String,
    /// Binds: account id, keyword, limit, offset.
    pub groups_search: String,
    pub users_page: String,
    pub users_search: String,
    /// The keyword argument of the groups search (`Sales`, folded, in the backend's form).
    pub groups_keyword: String,
    pub users_keyword: String,
    /// `group_names` for a full page (100 user ids); other sizes are built on demand.
    group_names_full: String,
}

impl Statements {
    pub fn new(dialect: Dialect) -> Statements {
        Statements {
            dialect,
            groups_page: groups_list(dialect, false),
            groups_search: groups_list(dialect, true),
            users_page: users_list(dialect, false),
            users_search: users_list(dialect, true),
            groups_keyword: keyword_arg(dialect, "name", "sales"),
            users_keyword: keyword_arg(dialect, "name", "alice"),
            group_names_full: group_names(dialect, PAGE_LIMIT as usize),
        }
    }

    /// The page statement of `q` and its keyword argument (None for unfiltered pages).
    pub fn page(&self, q: Query) -> (&str, Option<&str>) {
        match q {
            Query::GroupsPage => (&self.groups_page, None),
            Query::GroupsSales => (&self.groups_search, Some(&self.groups_keyword)),
            Query::UsersPage => (&self.users_page, None),
            Query::UsersAlice => (&self.users_search, Some(&self.users_keyword)),
        }
    }

    /// `store::users::group_names` for `n` user ids.
    pub fn group_names(&self, n: usize) -> std::borrow::Cow<'_, str> {
        if n == PAGE_LIMIT as usize {
            std::borrow::Cow::Borrowed(&self.group_names_full)
        } else {
            std::borrow::Cow::Owned(group_names(self.dialect, n))
        }
    }
}

/// The keyword condition of `store::search::push_contains` for one field and a folded
/// keyword of three or more characters, placeholder included.
fn contains(dialect: Dialect, alias: &str, table: &str, marks: &mut Marks) -> String {
    match dialect {
        Dialect::Sqlite => format!(
            " AND {alias}.seq IN (SELECT rowid FROM {table} WHERE {table} MATCH {})",
            marks.next()
        ),
        Dialect::Postgres => format!(" AND ({alias}.name_fold LIKE {} ESCAPE '\\')", marks.next()),
    }
}

/// What the keyword placeholder binds: an FTS5 phrase on the column (SQLite) or the
/// escaped LIKE pattern (PostgreSQL). `kw` is already folded and has no special character.
fn keyword_arg(dialect: Dialect, fts_column: &str, kw: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("{{{fts_column}}} : \"{kw}\""),
        Dialect::Postgres => format!("%{kw}%"),
    }
}

/// `store::groups::list`: the page's keys first, then rows and parents.
fn groups_list(dialect: Dialect, search: bool) -> String {
    let mut m = Marks::new(dialect);
    let account = m.next();
    let filter = if search {
        contains(dialect, "g", "user_groups_fts", &mut m)
    } else {
        String::new()
    };
    let (limit, offset) = (m.next(), m.next());
    format!(
        "SELECT {cols}{total_out} FROM (SELECT g.seq{total_in} FROM user_groups g \
         WHERE g.account_id = {account}{filter} ORDER BY g.seq LIMIT {limit} OFFSET {offset}) page \
         JOIN user_groups g ON g.seq = page.seq LEFT JOIN user_groups p ON p.id = g.parent_id \
         ORDER BY g.seq",
        cols = group_cols(),
        total_out = if search { ", page.total AS total" } else { "" },
        total_in = if search {
            ", count(*) OVER () AS total"
        } else {
            ""
        },
    )
}

/// `store::users::list`: the page's keys first, then the rows.
fn users_list(dialect: Dialect, search: bool) -> String {
    let mut m = Marks::new(dialect);
    let account = m.next();
    let filter = if search {
        contains(dialect, "u", "users_fts", &mut m)
    } else {
        String::new()
    };
    let (limit, offset) = (m.next(), m.next());
    format!(
        "SELECT {USER_COLS}{total_out} FROM (SELECT u.seq{total_in} FROM users u \
         WHERE u.account_id = {account}{filter} ORDER BY u.seq LIMIT {limit} OFFSET {offset}) page \
         JOIN users u ON u.seq = page.seq ORDER BY u.seq",
        total_out = if search { ", page.total AS total" } else { "" },
        total_in = if search {
            ", count(*) OVER () AS total"
        } else {
            ""
        },
    )
}

fn group_names(dialect: Dialect, n: usize) -> String {
    let mut m = Marks::new(dialect);
    let marks: Vec<String> = (0..n).map(|_| m.next()).collect();
    format!(
        "SELECT m.user_id, g.name FROM memberships m JOIN user_groups g ON g.id = m.group_id \
         WHERE m.user_id IN ({}) ORDER BY g.seq",
        marks.join(", ")
    )
}
