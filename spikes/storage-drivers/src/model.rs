//! What a list call hands to the view: the project's `core::model::{User, Group}` (same
//! fields, same types) and the rows they are decoded from.
//!
//! Every driver fills the same flat row structs (`GroupRow`, `UserRow`: one field per
//! selected column, in the columns' order) and turns them into the model with the same
//! functions, so the drivers differ only in how they run the SQL and read the columns.

use std::collections::HashMap;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub seq: i64,
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: String,
    pub email: String,
    pub phone: String,
    pub alias_name: String,
    pub active_type: String,
    pub platform_type: String,
    pub domain: String,
    pub enterprise_project_id: String,
    pub user_info_map: String,
    pub account_expires: i64,
    pub has_password: bool,
    pub enable_change_password: bool,
    pub next_login_change_password: bool,
    pub password_never_expired: bool,
    pub locked: bool,
    pub disabled: bool,
    pub is_root: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub password_changed_at: i64,
    pub tokens_valid_after: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub seq: i64,
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: String,
    pub platform_type: String,
    pub domain: String,
    pub parent_id: Option<String>,
    pub path: String,
    pub depth: i64,
    pub user_quantity: i64,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub parent: Option<Box<Group>>,
}

/// A users page item as the users list shows it: the user and its groups' names.
#[derive(Debug, Clone, Serialize)]
pub struct UserItem {
    pub user: User,
    pub group_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Listing<T> {
    pub total_count: i64,
    pub items: Vec<T>,
}

/// What one call returns; serialized to JSON by the harness, the same way for every driver.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Output {
    Groups(Listing<Group>),
    Users(Listing<UserItem>),
    /// Engine-only runs: rows stepped, nothing decoded.
    Rows(u64),
}

/// One row of the groups page: `g_*` (every group column), `p_*` (the parent's columns the
/// views show; NULL without parent) and, for a search, `total` (`count(*) OVER ()`).
#[derive(Debug, sqlx::FromRow)]
pub struct GroupRow {
    pub g_seq: i64,
    pub g_id: String,
    pub g_account_id: String,
    pub g_name: String,
    pub g_description: String,
    pub g_platform_type: String,
    pub g_domain: String,
    pub g_parent_id: Option<String>,
    pub g_path: String,
    pub g_depth: i64,
    pub g_user_quantity: i64,
    pub g_created_by: String,
    pub g_updated_by: String,
    pub g_created_at: i64,
    pub g_updated_at: i64,
    pub p_id: Option<String>,
    pub p_account_id: Option<String>,
    pub p_name: Option<String>,
    pub p_description: Option<String>,
    pub p_platform_type: Option<String>,
    pub p_domain: Option<String>,
    pub p_created_at: Option<i64>,
    /// Only in search pages; 0 otherwise.
    #[sqlx(default)]
    pub total: i64,
}

/// The public id of a stored group key (the project's `store::groups::public_id`).
pub fn public_id(key: &str) -> String {
    match key.rfind('.') {
        Some(i) => key[..i].to_string(),
        None => key.to_string(),
    }
}

impl GroupRow {
    /// The project's `store::groups::with_parent`.
    pub fn into_group(self) -> Group {
        let parent = self.p_id.map(|id| {
            Box::new(Group {
                seq: 0,
                id: public_id(&id),
                account_id: self.p_account_id.unwrap_or_default(),
                name: self.p_name.unwrap_or_default(),
                description: self.p_description.unwrap_or_default(),
                platform_type: self.p_platform_type.unwrap_or_default(),
                domain: self.p_domain.unwrap_or_default(),
                parent_id: None,
                path: String::new(),
                depth: 0,
                user_quantity: 0,
                created_by: String::new(),
                updated_by: String::new(),
                created_at: self.p_created_at.unwrap_or_default(),
                updated_at: 0,
                parent: None,
            })
        });
        Group {
            seq: self.g_seq,
            id: public_id(&self.g_id),
            account_id: self.g_account_id,
            name: self.g_name,
            description: self.g_description,
            platform_type: self.g_platform_type,
            domain: self.g_domain,
            parent_id: self.g_parent_id.as_deref().map(public_id),
            path: self.g_path,
            depth: self.g_depth,
            user_quantity: self.g_user_quantity,
            created_by: self.g_created_by,
            updated_by: self.g_updated_by,
            created_at: self.g_created_at,
            updated_at: self.g_updated_at,
            parent,
        }
    }
}

/// One row of the users page: the columns of `store::users::COLS` (flags as stored:
/// integers) and, for a search, `total`.
#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub seq: i64,
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: String,
    pub email: String,
    pub phone: String,
    pub alias_name: String,
    pub active_type: String,
    pub platform_type: String,
    pub domain: String,
    pub enterprise_project_id: String,
    pub user_info_map: String,
    pub account_expires: i64,
    pub password_hash: Option<String>,
    pub enable_change_password: i64,
    pub next_login_change_password: i64,
    pub password_never_expired: i64,
    pub locked: i64,
    pub disabled: i64,
    pub is_root: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub password_changed_at: i64,
    pub tokens_valid_after: i64,
    /// Only in search pages; 0 otherwise.
    #[sqlx(default)]
    pub total: i64,
}

impl UserRow {
    /// The project's `store::users::from_row`.
    pub fn into_user(self) -> User {
        User {
            seq: self.seq,
            id: self.id,
            account_id: self.account_id,
            name: self.name,
            description: self.description,
            email: self.email,
            phone: self.phone,
            alias_name: self.alias_name,
            active_type: self.active_type,
            platform_type: self.platform_type,
            domain: self.domain,
            enterprise_project_id: self.enterprise_project_id,
            user_info_map: self.user_info_map,
            account_expires: self.account_expires,
            has_password: self.password_hash.is_some(),
            enable_change_password: self.enable_change_password != 0,
            next_login_change_password: self.next_login_change_password != 0,
            password_never_expired: self.password_never_expired != 0,
            locked: self.locked != 0,
            disabled: self.disabled != 0,
            is_root: self.is_root != 0,
            created_at: self.created_at,
            updated_at: self.updated_at,
            password_changed_at: self.password_changed_at,
            tokens_valid_after: self.tokens_valid_after,
        }
    }
}

/// Groups page from its rows: the total is the search's `count(*) OVER ()`, or
/// `kept_total` (the account's kept counter) for an unfiltered page.
pub fn groups_listing(rows: Vec<GroupRow>, kept_total: Option<i64>) -> Listing<Group> {
    let total_count = kept_total.unwrap_or_else(|| rows.first().map_or(0, |r| r.total));
    Listing {
        total_count,
        items: rows.into_iter().map(GroupRow::into_group).collect(),
    }
}

/// Users page from its rows and `(user_id, group name)` pairs in group order (the
/// project's `store::users::group_names` map, then the view's lookup per user).
pub fn users_listing(
    rows: Vec<UserRow>,
    kept_total: Option<i64>,
    names: Vec<(String, String)>,
) -> Listing<UserItem> {
    let total_count = kept_total.unwrap_or_else(|| rows.first().map_or(0, |r| r.total));
    let mut by_user: HashMap<String, Vec<String>> = HashMap::new();
    for (user_id, name) in names {
        by_user.entry(user_id).or_default().push(name);
    }
    Listing {
        total_count,
        items: rows
            .into_iter()
            .map(|r| {
                let user = r.into_user();
                let group_names = by_user.remove(&user.id).unwrap_or_default();
                UserItem { user, group_names }
            })
            .collect(),
    }
}
