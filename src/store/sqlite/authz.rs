//! Authorization storage (`core::authz::store`) on rusqlite: custom roles, grants of roles to
//! groups (`role_assignments`), identity policies with their versions and attachments
//! (migration 0015). A group is stored by its key (`store::common::key`, as in
//! `memberships`) and read back by its public id; every read is scoped by the account.
//!
//! The deletions of users and groups (`users::delete_many`, `groups::delete_many`) call
//! `forget_users` / `forget_groups` in their transaction, so no grant or attachment names a
//! principal that is gone.

use rusqlite::types::Type;
use rusqlite::{Connection, Row};

use super::sql::Sql;
use super::SqliteTx;
use crate::core::authz::store::*;
use crate::core::model::AccountId;
use crate::core::Error;
use crate::store::common::{
    key, principal_columns, principal_of, public_id, scope_columns, scope_of,
};

/// Most values in one list of a statement (longer lists are split).
const CHUNK: usize = 1000;

const ROLE_COLS: &str = "id, account_id, name, display_name, description, description_cn, \
                         role_type, policy, created_at, updated_at";

macro_rules! policy_cols {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "account_id, ",
            $p,
            "name, ",
            $p,
            "path, ",
            $p,
            "description, ",
            $p,
            "default_version_id, ",
            $p,
            "next_version, ",
            $p,
            "created_at, ",
            $p,
            "updated_at"
        )
    };
}
/// Columns of `policy_cols!`: a column after them is at this index.
const NPOLICY: usize = 9;

const GRANT_COLS: &str = "account_id, group_id, role_id, scope_kind, scope_id, created_at";
const GRANT_ORDER: &str = " ORDER BY created_at, group_id, role_id, scope_kind, scope_id";

const ATTACHMENT_COLS: &str = "account_id, policy_id, principal_type, principal_id, attached_at";

/// A stored value this version cannot read (column `i`).
fn unknown(i: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, Type::Text, what.into())
}

fn role(r: &Row<'_>) -> rusqlite::Result<CustomRoleRow> {
    Ok(CustomRoleRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        display_name: r.get(3)?,
        description: r.get(4)?,
        description_cn: r.get(5)?,
        role_type: r.get(6)?,
        policy: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

fn grant(r: &Row<'_>) -> rusqlite::Result<GrantRow> {
    Ok(GrantRow {
        account_id: r.get(0)?,
        group_id: public_id(r.get_ref(1)?.as_str()?).into(),
        role_id: r.get(2)?,
        scope: scope_of(r.get_ref(3)?.as_str()?, r.get_ref(4)?.as_str()?)
            .map_err(|e| unknown(3, e))?,
        created_at: r.get(5)?,
    })
}

/// A policy from a row selected with `policy_cols!` first.
fn policy(r: &Row<'_>) -> rusqlite::Result<IdentityPolicyRow> {
    Ok(IdentityPolicyRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        path: r.get(3)?,
        description: r.get(4)?,
        default_version_id: r.get(5)?,
        next_version: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// The principal of columns `i` (type) and `i + 1` (stored id).
fn principal(r: &Row<'_>, i: usize) -> rusqlite::Result<Principal> {
    principal_of(r.get_ref(i)?.as_str()?, r.get_ref(i + 1)?.as_str()?).map_err(|e| unknown(i, e))
}

fn attachment(r: &Row<'_>) -> rusqlite::Result<AttachmentRow> {
    Ok(AttachmentRow {
        account_id: r.get(0)?,
        policy_id: r.get(1)?,
        principal: principal(r, 2)?,
        attached_at: r.get(4)?,
    })
}

fn optional<T>(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    rows.next()?.map(f).transpose()
}

fn custom_roles(conn: &Connection, account_id: &str) -> rusqlite::Result<Vec<CustomRoleRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {ROLE_COLS} FROM custom_roles WHERE account_id = "
    ));
    sql.bind(account_id).push(" ORDER BY created_at, id");
    sql.collect(conn, role)
}

fn custom_role(
    conn: &Connection,
    account_id: &str,
    id: &str,
) -> rusqlite::Result<Option<CustomRoleRow>> {
    let sql = format!("SELECT {ROLE_COLS} FROM custom_roles WHERE account_id = ? AND id = ?");
    optional(conn, &sql, &[&account_id, &id], role)
}

fn grants(
    conn: &Connection,
    account_id: &str,
    filter: &GrantFilter,
) -> rusqlite::Result<Vec<GrantRow>> {
    let groups: Option<Vec<String>> = filter
        .group_ids
        .as_ref()
        .map(|ids| ids.iter().map(|id| key(account_id, id)).collect());
    let chunks: Vec<Option<&[String]>> = match &groups {
        Some(keys) if keys.is_empty() => return Ok(Vec::new()),
        Some(keys) => keys.chunks(CHUNK).map(Some).collect(),
        None => vec![None],
    };
    let scope = filter.scope.as_ref().map(scope_columns);
    let mut out = Vec::new();
    for chunk in &chunks {
        // by role alone: its index (SQLite without statistics prefers the primary key's
        // account_id prefix, every grant of the account)
        let table = if chunk.is_none() && filter.role_id.is_some() {
            "role_assignments INDEXED BY role_assignments_role"
        } else {
            "role_assignments"
        };
        let mut sql = Sql::new(&format!(
            "SELECT {GRANT_COLS} FROM {table} WHERE account_id = "
        ));
        sql.bind(account_id);
        if let Some(keys) = chunk {
            sql.push(" AND group_id IN (").bind_list(*keys).push(")");
        }
        if let Some(role) = &filter.role_id {
            sql.push(" AND role_id = ").bind(role);
        }
        if let Some((kind, id)) = scope {
            sql.push(" AND scope_kind = ")
                .bind(kind)
                .push(" AND scope_id = ")
                .bind(id);
        }
        sql.push(GRANT_ORDER);
        out.extend(sql.collect(conn, grant)?);
    }
    if chunks.len() > 1 {
        // each chunk came back in order; the whole list is put in the same order
        out.sort_by_cached_key(|g| {
            let (kind, id) = scope_columns(&g.scope);
            (
                g.created_at,
                key(account_id, &g.group_id),
                g.role_id.clone(),
                kind,
                id.to_string(),
            )
        });
    }
    Ok(out)
}

fn group_paths_of_user(
    conn: &Connection,
    account_id: &str,
    user_id: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut sql = Sql::new(
        "SELECT g.path FROM memberships m JOIN user_groups g ON g.id = m.group_id \
         WHERE m.user_id = ",
    );
    sql.bind(user_id)
        .push(" AND g.account_id = ")
        .bind(account_id)
        .push(" ORDER BY g.seq");
    sql.collect(conn, |r| r.get(0))
}

fn identity_policies(
    conn: &Connection,
    account_id: &str,
) -> rusqlite::Result<Vec<IdentityPolicyRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        policy_cols!(""),
        " FROM identity_policies WHERE account_id = ? ORDER BY created_at, id"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let rows = stmt.query_map([account_id], policy)?;
    rows.collect()
}

fn identity_policy(
    conn: &Connection,
    account_id: &str,
    id: &str,
) -> rusqlite::Result<Option<IdentityPolicyRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        policy_cols!(""),
        " FROM identity_policies WHERE account_id = ? AND id = ?"
    );
    optional(conn, SQL, &[&account_id, &id], policy)
}

fn identity_policy_by_name(
    conn: &Connection,
    account_id: &str,
    name: &str,
) -> rusqlite::Result<Option<IdentityPolicyRow>> {
    const SQL: &str = concat!(
        "SELECT ",
        policy_cols!(""),
        " FROM identity_policies WHERE account_id = ? AND name = ?"
    );
    optional(conn, SQL, &[&account_id, &name], policy)
}

fn policy_versions(conn: &Connection, policy_id: &str) -> rusqlite::Result<Vec<PolicyVersionRow>> {
    // v2 before v10: by creation, then by number
    let mut stmt = conn.prepare_cached(
        "SELECT policy_id, version_id, document, created_at FROM identity_policy_versions \
         WHERE policy_id = ? ORDER BY created_at, length(version_id), version_id",
    )?;
    let rows = stmt.query_map([policy_id], |r| {
        Ok(PolicyVersionRow {
            policy_id: r.get(0)?,
            version_id: r.get(1)?,
            document: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

fn attachments(
    conn: &Connection,
    account_id: &str,
    policy_id: Option<&str>,
    principal: Option<&Principal>,
) -> rusqlite::Result<Vec<AttachmentRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {ATTACHMENT_COLS} FROM policy_attachments WHERE account_id = "
    ));
    sql.bind(account_id);
    if let Some(p) = policy_id {
        sql.push(" AND policy_id = ").bind(p);
    }
    if let Some(p) = principal {
        let (kind, id) = principal_columns(account_id, p);
        sql.push(" AND principal_type = ")
            .bind(kind)
            .push(" AND principal_id = ")
            .bind(id);
    }
    sql.push(" ORDER BY attached_at, policy_id, principal_type, principal_id");
    sql.collect(conn, attachment)
}

fn held_policies(
    conn: &Connection,
    account_id: &str,
    principals: &[Principal],
) -> rusqlite::Result<Vec<HeldPolicyRow>> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    for p in principals {
        match principal_columns(account_id, p) {
            ("user", id) => users.push(id),
            (_, id) => groups.push(id),
        }
    }
    if users.is_empty() && groups.is_empty() {
        return Ok(Vec::new());
    }
    // one search of the (account, type, id) index per kind of principal, then each
    // policy and its default version by key (an OR of the two kinds was a scan of the
    // account's attachments)
    let mut sql = Sql::new("SELECT ");
    sql.push(policy_cols!("p."))
        .push(", a.principal_type, a.principal_id, v.document FROM (");
    let branches = [("user", users), ("group", groups)];
    for (i, (kind, ids)) in branches
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .enumerate()
    {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(
            "SELECT policy_id, principal_type, principal_id, attached_at \
             FROM policy_attachments WHERE account_id = ",
        )
        .bind(account_id)
        .push(" AND principal_type = ")
        .bind(kind)
        .push(" AND principal_id IN (")
        .bind_list(ids)
        .push(")");
    }
    sql.push(
        ") a JOIN identity_policies p ON p.id = a.policy_id \
         JOIN identity_policy_versions v \
         ON v.policy_id = p.id AND v.version_id = p.default_version_id \
         WHERE p.account_id = ",
    )
    .bind(account_id)
    .push(" ORDER BY a.attached_at, a.policy_id, a.principal_type, a.principal_id");
    sql.collect(conn, |r| {
        Ok(HeldPolicyRow {
            policy: policy(r)?,
            principal: principal(r, NPOLICY)?,
            document: r.get(NPOLICY + 2)?,
        })
    })
}

// writes

fn insert_custom_role(conn: &Connection, r: &CustomRoleRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO custom_roles (id, account_id, name, display_name, description, \
         description_cn, role_type, policy, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(rusqlite::params![
        r.id,
        r.account_id,
        r.name,
        r.display_name,
        r.description,
        r.description_cn,
        r.role_type,
        r.policy,
        r.created_at,
        r.updated_at,
    ])?;
    Ok(())
}

fn update_custom_role(conn: &Connection, r: &CustomRoleRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE custom_roles SET display_name = ?, description = ?, description_cn = ?, \
         role_type = ?, policy = ?, updated_at = ? WHERE account_id = ? AND id = ?",
    )?
    .execute(rusqlite::params![
        r.display_name,
        r.description,
        r.description_cn,
        r.role_type,
        r.policy,
        r.updated_at,
        r.account_id,
        r.id,
    ])?;
    Ok(())
}

fn delete_custom_role(conn: &Connection, account_id: &str, id: &str) -> rusqlite::Result<bool> {
    let deleted = conn
        .prepare_cached("DELETE FROM custom_roles WHERE account_id = ? AND id = ?")?
        .execute([account_id, id])?;
    if deleted == 0 {
        // not one of the account's roles: the grants of `id` (a system role's, maybe) stay
        return Ok(false);
    }
    conn.prepare_cached("DELETE FROM role_assignments WHERE account_id = ? AND role_id = ?")?
        .execute([account_id, id])?;
    conn.prepare_cached("DELETE FROM user_role_assignments WHERE account_id = ? AND role_id = ?")?
        .execute([account_id, id])?;
    Ok(true)
}

fn insert_grant(conn: &Connection, g: &GrantRow) -> rusqlite::Result<bool> {
    let (kind, scope_id) = scope_columns(&g.scope);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO role_assignments (account_id, group_id, role_id, scope_kind, \
             scope_id, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )?
        .execute(rusqlite::params![
            g.account_id,
            key(&g.account_id, &g.group_id),
            g.role_id,
            kind,
            scope_id,
            g.created_at,
        ])?;
    Ok(inserted == 1)
}

fn delete_grant(
    conn: &Connection,
    account_id: &str,
    group_id: &str,
    role_id: &str,
    scope: &GrantScope,
) -> rusqlite::Result<bool> {
    let (kind, scope_id) = scope_columns(scope);
    let deleted = conn
        .prepare_cached(
            "DELETE FROM role_assignments WHERE account_id = ? AND group_id = ? \
             AND role_id = ? AND scope_kind = ? AND scope_id = ?",
        )?
        .execute(rusqlite::params![
            account_id,
            key(account_id, group_id),
            role_id,
            kind,
            scope_id,
        ])?;
    Ok(deleted > 0)
}

fn insert_identity_policy(conn: &Connection, p: &IdentityPolicyRow) -> rusqlite::Result<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO identity_policies (",
        policy_cols!(""),
        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))?
    .execute(rusqlite::params![
        p.id,
        p.account_id,
        p.name,
        p.path,
        p.description,
        p.default_version_id,
        p.next_version,
        p.created_at,
        p.updated_at,
    ])?;
    Ok(())
}

fn update_identity_policy(conn: &Connection, p: &IdentityPolicyRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE identity_policies SET description = ?, default_version_id = ?, \
         next_version = ?, updated_at = ? WHERE account_id = ? AND id = ?",
    )?
    .execute(rusqlite::params![
        p.description,
        p.default_version_id,
        p.next_version,
        p.updated_at,
        p.account_id,
        p.id,
    ])?;
    Ok(())
}

fn delete_identity_policy(conn: &Connection, account_id: &str, id: &str) -> rusqlite::Result<bool> {
    let there = conn
        .prepare_cached("SELECT 1 FROM identity_policies WHERE account_id = ? AND id = ?")?
        .exists([account_id, id])?;
    if !there {
        return Ok(false);
    }
    // what refers to the policy first (foreign keys)
    for sql in [
        "DELETE FROM policy_attachments WHERE policy_id = ?",
        "DELETE FROM identity_policy_versions WHERE policy_id = ?",
        "DELETE FROM identity_policies WHERE id = ?",
    ] {
        conn.prepare_cached(sql)?.execute([id])?;
    }
    Ok(true)
}

fn insert_policy_version(conn: &Connection, v: &PolicyVersionRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO identity_policy_versions (policy_id, version_id, document, created_at) \
         VALUES (?, ?, ?, ?)",
    )?
    .execute(rusqlite::params![
        v.policy_id,
        v.version_id,
        v.document,
        v.created_at
    ])?;
    Ok(())
}

fn delete_policy_version(
    conn: &Connection,
    policy_id: &str,
    version_id: &str,
) -> rusqlite::Result<bool> {
    let deleted = conn
        .prepare_cached(
            "DELETE FROM identity_policy_versions WHERE policy_id = ? AND version_id = ?",
        )?
        .execute([policy_id, version_id])?;
    Ok(deleted > 0)
}

fn attach_policy(conn: &Connection, a: &AttachmentRow) -> rusqlite::Result<bool> {
    let (kind, id) = principal_columns(&a.account_id, &a.principal);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO policy_attachments (account_id, policy_id, principal_type, \
             principal_id, attached_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )?
        .execute(rusqlite::params![
            a.account_id,
            a.policy_id,
            kind,
            id,
            a.attached_at
        ])?;
    Ok(inserted == 1)
}

fn detach_policy(
    conn: &Connection,
    account_id: &str,
    policy_id: &str,
    principal: &Principal,
) -> rusqlite::Result<bool> {
    let (kind, id) = principal_columns(account_id, principal);
    let deleted = conn
        .prepare_cached(
            "DELETE FROM policy_attachments WHERE account_id = ? AND policy_id = ? \
             AND principal_type = ? AND principal_id = ?",
        )?
        .execute(rusqlite::params![account_id, policy_id, kind, id])?;
    Ok(deleted > 0)
}

/// Deletes the grants and attachments of the account's groups `keys` (stored keys): part of
/// their deletion (`groups::delete_many`), in its transaction.
pub(super) fn forget_groups(
    conn: &Connection,
    account_id: &str,
    keys: &[String],
) -> rusqlite::Result<()> {
    forget(conn, "role_assignments", "group_id", account_id, keys)?;
    forget(
        conn,
        "policy_attachments",
        "principal_type = 'group' AND principal_id",
        account_id,
        keys,
    )
}

/// Deletes the user role assignments and attachments of the account's users `ids`: part of their deletion
/// (`users::delete_many`), in its transaction.
pub(super) fn forget_users(
    conn: &Connection,
    account_id: &str,
    ids: &[String],
) -> rusqlite::Result<()> {
    forget(conn, "user_role_assignments", "user_id", account_id, ids)?;
    forget(conn, "system_role_assignments", "user_id", account_id, ids)?;
    forget(
        conn,
        "policy_attachments",
        "principal_type = 'user' AND principal_id",
        account_id,
        ids,
    )
}

/// `DELETE FROM {table} WHERE account_id = ? AND {column} IN (ids)`, a chunk at a time.
fn forget(
    conn: &Connection,
    table: &str,
    column: &str,
    account_id: &str,
    ids: &[String],
) -> rusqlite::Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let mut del = Sql::new(&format!("DELETE FROM {table} WHERE account_id = "));
        del.bind(account_id)
            .push(&format!(" AND {column} IN ("))
            .bind_list(chunk)
            .push(")");
        del.execute(conn)?;
    }
    Ok(())
}

impl<const WRITE: bool> AuthzRead for SqliteTx<WRITE> {
    fn custom_roles(&mut self, account_id: &AccountId) -> Result<Vec<CustomRoleRow>, Error> {
        Ok(custom_roles(&self.conn, account_id)?)
    }

    fn custom_role(
        &mut self,
        account_id: &AccountId,
        id: &str,
    ) -> Result<Option<CustomRoleRow>, Error> {
        Ok(custom_role(&self.conn, account_id, id)?)
    }

    fn grants(
        &mut self,
        account_id: &AccountId,
        filter: &GrantFilter,
    ) -> Result<Vec<GrantRow>, Error> {
        Ok(grants(&self.conn, account_id, filter)?)
    }

    fn group_paths_of_user(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
    ) -> Result<Vec<String>, Error> {
        Ok(group_paths_of_user(&self.conn, account_id, user_id)?)
    }

    fn identity_policies(
        &mut self,
        account_id: &AccountId,
    ) -> Result<Vec<IdentityPolicyRow>, Error> {
        Ok(identity_policies(&self.conn, account_id)?)
    }

    fn identity_policy(
        &mut self,
        account_id: &AccountId,
        id: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error> {
        Ok(identity_policy(&self.conn, account_id, id)?)
    }

    fn identity_policy_by_name(
        &mut self,
        account_id: &AccountId,
        name: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error> {
        Ok(identity_policy_by_name(&self.conn, account_id, name)?)
    }

    fn policy_versions(&mut self, policy_id: &str) -> Result<Vec<PolicyVersionRow>, Error> {
        Ok(policy_versions(&self.conn, policy_id)?)
    }

    fn attachments(
        &mut self,
        account_id: &AccountId,
        policy_id: Option<&str>,
        principal: Option<&Principal>,
    ) -> Result<Vec<AttachmentRow>, Error> {
        Ok(attachments(&self.conn, account_id, policy_id, principal)?)
    }

    fn held_policies(
        &mut self,
        account_id: &AccountId,
        principals: &[Principal],
    ) -> Result<Vec<HeldPolicyRow>, Error> {
        Ok(held_policies(&self.conn, account_id, principals)?)
    }
}

impl AuthzWrite for SqliteTx<true> {
    fn insert_custom_role(&mut self, r: &CustomRoleRow) -> Result<(), Error> {
        Ok(insert_custom_role(&self.conn, r)?)
    }

    fn update_custom_role(&mut self, r: &CustomRoleRow) -> Result<(), Error> {
        Ok(update_custom_role(&self.conn, r)?)
    }

    fn delete_custom_role(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        Ok(delete_custom_role(&self.conn, account_id, id)?)
    }

    fn insert_grant(&mut self, g: &GrantRow) -> Result<bool, Error> {
        Ok(insert_grant(&self.conn, g)?)
    }

    fn delete_grant(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        role_id: &str,
        scope: &GrantScope,
    ) -> Result<bool, Error> {
        Ok(delete_grant(
            &self.conn, account_id, group_id, role_id, scope,
        )?)
    }

    fn insert_identity_policy(&mut self, p: &IdentityPolicyRow) -> Result<(), Error> {
        Ok(insert_identity_policy(&self.conn, p)?)
    }

    fn update_identity_policy(&mut self, p: &IdentityPolicyRow) -> Result<(), Error> {
        Ok(update_identity_policy(&self.conn, p)?)
    }

    fn delete_identity_policy(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        Ok(delete_identity_policy(&self.conn, account_id, id)?)
    }

    fn insert_policy_version(&mut self, v: &PolicyVersionRow) -> Result<(), Error> {
        Ok(insert_policy_version(&self.conn, v)?)
    }

    fn delete_policy_version(&mut self, policy_id: &str, version_id: &str) -> Result<bool, Error> {
        Ok(delete_policy_version(&self.conn, policy_id, version_id)?)
    }

    fn attach_policy(&mut self, a: &AttachmentRow) -> Result<bool, Error> {
        Ok(attach_policy(&self.conn, a)?)
    }

    fn detach_policy(
        &mut self,
        account_id: &AccountId,
        policy_id: &str,
        principal: &Principal,
    ) -> Result<bool, Error> {
        Ok(detach_policy(&self.conn, account_id, policy_id, principal)?)
    }
}
