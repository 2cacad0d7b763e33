//! Keystone's projects, roles and user role assignments (`core::keystone`) on rusqlite
//! (migration 0019). Project reads are in `accounts.rs` (they fill the tags from here).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row};

use super::SqliteTx;
use crate::core::authz::store::GrantScope;
use crate::core::keystone::*;
use crate::core::model::{AccountId, Project, ProjectId};
use crate::core::Error;
use crate::store::common::{scope_columns, scope_of};

/// The tags of `ids`, each list sorted.
pub(super) fn tags_of(
    conn: &Connection,
    ids: &[&str],
) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT tag FROM project_tags WHERE project_id = ? ORDER BY tag")?;
    for id in ids {
        let tags = stmt
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if !tags.is_empty() {
            out.insert(id.to_string(), tags);
        }
    }
    Ok(out)
}

pub(super) fn insert_tags(conn: &Connection, p: &Project) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO project_tags (project_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
    )?;
    for t in &p.tags {
        stmt.execute(rusqlite::params![p.id, t])?;
    }
    Ok(())
}

fn role(r: &Row<'_>) -> rusqlite::Result<KeystoneRoleRow> {
    Ok(KeystoneRoleRow {
        id: r.get(0)?,
        domain_id: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        created_at: r.get(4)?,
    })
}

const ROLE_COLS: &str = "id, domain_id, name, description, created_at";

fn user_grant(r: &Row<'_>) -> rusqlite::Result<UserGrantRow> {
    Ok(UserGrantRow {
        account_id: r.get(0)?,
        user_id: r.get(1)?,
        role_id: r.get(2)?,
        scope: scope_of(r.get_ref(3)?.as_str()?, r.get_ref(4)?.as_str()?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })?,
        created_at: r.get(5)?,
    })
}

impl<const WRITE: bool> KeystoneRead for SqliteTx<WRITE> {
    fn domains(&mut self) -> Result<Vec<DomainRow>, Error> {
        Ok(super::domains::all(&self.conn)?)
    }

    fn domain(&mut self, id: &str) -> Result<Option<DomainRow>, Error> {
        Ok(super::domains::get(&self.conn, id)?)
    }

    fn system_roles_of(&mut self, user_id: &str) -> Result<Vec<String>, Error> {
        Ok(super::domains::system_roles_of(&self.conn, user_id)?)
    }

    fn accounts_of_group(&mut self, group_id: &str) -> Result<Vec<String>, Error> {
        Ok(super::domains::accounts_of_group(&self.conn, group_id)?)
    }

    fn keystone_roles(
        &mut self,
        domain: Option<&AccountId>,
    ) -> Result<Vec<KeystoneRoleRow>, Error> {
        let sql = format!(
            "SELECT {ROLE_COLS} FROM keystone_roles WHERE domain_id IS NULL OR domain_id = ? \
             ORDER BY name_fold, id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let d = domain.map(|d| d.as_str());
        let rows = stmt.query_map([d], role)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn keystone_role(&mut self, id: &str) -> Result<Option<KeystoneRoleRow>, Error> {
        let sql = format!("SELECT {ROLE_COLS} FROM keystone_roles WHERE id = ?");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], role)
            .optional()?)
    }

    fn implied_roles(&mut self) -> Result<Vec<(String, String)>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT prior_role_id, implied_role_id FROM implied_roles \
             ORDER BY prior_role_id, implied_role_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn user_grants(
        &mut self,
        account_id: &AccountId,
        filter: &UserGrantFilter,
    ) -> Result<Vec<UserGrantRow>, Error> {
        let (kind, scope_id) = match &filter.scope {
            Some(s) => {
                let (k, i) = scope_columns(s);
                (Some(k), Some(i.to_string()))
            }
            None => (None, None),
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT account_id, user_id, role_id, scope_kind, scope_id, created_at \
             FROM user_role_assignments WHERE account_id = ?1 \
             AND (?2 IS NULL OR user_id = ?2) AND (?3 IS NULL OR role_id = ?3) \
             AND (?4 IS NULL OR (scope_kind = ?4 AND scope_id = ?5)) \
             ORDER BY created_at, user_id, role_id, scope_kind, scope_id",
        )?;
        let rows = stmt.query_map(
            rusqlite::params![account_id, filter.user_id, filter.role_id, kind, scope_id],
            user_grant,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl KeystoneWrite for SqliteTx<true> {
    fn update_domain(&mut self, d: &DomainRow) -> Result<bool, Error> {
        Ok(super::domains::update(&self.conn, d)?)
    }

    fn delete_account(&mut self, id: &AccountId) -> Result<bool, Error> {
        Ok(super::domains::delete_account(&self.conn, id)?)
    }

    fn insert_system_role(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        role_id: &str,
        now: i64,
    ) -> Result<bool, Error> {
        Ok(super::domains::insert_system_role(
            &self.conn, account_id, user_id, role_id, now,
        )?)
    }

    fn delete_system_role(&mut self, user_id: &str, role_id: &str) -> Result<bool, Error> {
        Ok(super::domains::delete_system_role(
            &self.conn, user_id, role_id,
        )?)
    }

    fn update_project(&mut self, p: &Project) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE projects SET name = ?, description = ?, enabled = ?, parent_id = ? \
                 WHERE account_id = ? AND id = ?",
            )?
            .execute(rusqlite::params![
                p.name,
                p.description,
                p.enabled,
                p.parent_id,
                p.account_id,
                p.id
            ])?;
        if n == 0 {
            return Ok(false);
        }
        self.conn
            .prepare_cached("DELETE FROM project_tags WHERE project_id = ?")?
            .execute([&p.id])?;
        insert_tags(&self.conn, p)?;
        Ok(true)
    }

    fn delete_project(&mut self, account_id: &AccountId, id: &ProjectId) -> Result<bool, Error> {
        let found: Option<String> = self
            .conn
            .prepare_cached("SELECT id FROM projects WHERE account_id = ? AND id = ?")?
            .query_row(rusqlite::params![account_id, id], |r| r.get(0))
            .optional()?;
        if found.is_none() {
            return Ok(false);
        }
        for sql in [
            "DELETE FROM project_tags WHERE project_id = ?2",
            "DELETE FROM role_assignments WHERE account_id = ?1 AND scope_kind = 'project' \
             AND scope_id = ?2",
            "DELETE FROM user_role_assignments WHERE account_id = ?1 \
             AND scope_kind = 'project' AND scope_id = ?2",
            "DELETE FROM export_chunks WHERE task_id IN \
             (SELECT id FROM export_tasks WHERE project_id = ?2)",
            "DELETE FROM export_tasks WHERE project_id = ?2",
            // the credentials keep working, without a project (core::keystone_credentials)
            "UPDATE access_keys SET project_id = NULL WHERE account_id = ?1 AND project_id = ?2",
            "UPDATE credentials SET project_id = NULL WHERE account_id = ?1 AND project_id = ?2",
            // its application credentials go with it (core::application_credentials)
            "DELETE FROM application_credentials WHERE account_id = ?1 AND project_id = ?2",
            "DELETE FROM projects WHERE account_id = ?1 AND id = ?2",
        ] {
            self.conn
                .prepare_cached(sql)?
                .execute(rusqlite::params![account_id, id])?;
        }
        Ok(true)
    }

    fn insert_keystone_role(&mut self, r: &KeystoneRoleRow) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO keystone_roles (id, domain_id, name, name_fold, description, \
                 created_at) VALUES (?, ?, ?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![
                r.id,
                r.domain_id,
                r.name,
                r.name.to_lowercase(),
                r.description,
                r.created_at
            ])?;
        Ok(())
    }

    fn update_keystone_role(&mut self, r: &KeystoneRoleRow) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "UPDATE keystone_roles SET name = ?, name_fold = ?, description = ? WHERE id = ?",
            )?
            .execute(rusqlite::params![
                r.name,
                r.name.to_lowercase(),
                r.description,
                r.id
            ])?;
        Ok(())
    }

    fn delete_keystone_role(&mut self, id: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM keystone_roles WHERE id = ?")?
            .execute([id])?;
        if n == 0 {
            return Ok(false);
        }
        for sql in [
            "DELETE FROM role_assignments WHERE role_id = ?1",
            "DELETE FROM user_role_assignments WHERE role_id = ?1",
            "DELETE FROM system_role_assignments WHERE role_id = ?1",
            "DELETE FROM implied_roles WHERE prior_role_id = ?1 OR implied_role_id = ?1",
        ] {
            self.conn.prepare_cached(sql)?.execute([id])?;
        }
        Ok(true)
    }

    fn insert_implied_role(&mut self, prior: &str, implied: &str, now: i64) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO implied_roles (prior_role_id, implied_role_id, created_at) \
                 VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            )?
            .execute(rusqlite::params![prior, implied, now])?;
        Ok(n == 1)
    }

    fn delete_implied_role(&mut self, prior: &str, implied: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "DELETE FROM implied_roles WHERE prior_role_id = ? AND implied_role_id = ?",
            )?
            .execute([prior, implied])?;
        Ok(n > 0)
    }

    fn insert_user_grant(&mut self, g: &UserGrantRow) -> Result<bool, Error> {
        let (kind, scope_id) = scope_columns(&g.scope);
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO user_role_assignments (account_id, user_id, role_id, scope_kind, \
                 scope_id, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )?
            .execute(rusqlite::params![
                g.account_id,
                g.user_id,
                g.role_id,
                kind,
                scope_id,
                g.created_at
            ])?;
        Ok(n == 1)
    }

    fn delete_user_grant(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        role_id: &str,
        scope: &GrantScope,
    ) -> Result<bool, Error> {
        let (kind, scope_id) = scope_columns(scope);
        let n = self
            .conn
            .prepare_cached(
                "DELETE FROM user_role_assignments WHERE account_id = ? AND user_id = ? \
                 AND role_id = ? AND scope_kind = ? AND scope_id = ?",
            )?
            .execute(rusqlite::params![
                account_id, user_id, role_id, kind, scope_id
            ])?;
        Ok(n > 0)
    }
}
