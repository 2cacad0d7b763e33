//! Authorization storage (`core::authz::store`) on tokio-postgres: custom roles, grants of
//! roles to groups (`role_assignments`), identity policies with their versions and
//! attachments (migration 0015). The answers are the SQLite driver's (`sqlite::authz`):
//! groups stored by their keys (`store::common::key`) and read back by public ids, every read
//! scoped by the account, text ordered by bytes (`COLLATE "C"`, as SQLite compares).
//!
//! The deletions of users and groups (`users::delete_many`, `groups::delete_many`) call
//! `forget_users` / `forget_groups` in their transaction, so no grant or attachment names a
//! principal that is gone.

use tokio_postgres::Row;

use super::sql::{execute, one, opt, rows, Sql};
use super::{Client, PgTx};
use crate::core::authz::store::*;
use crate::core::model::AccountId;
use crate::core::Error;
use crate::store::common::{
    key, principal_columns, principal_of, public_id, scope_columns, scope_of,
};

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
const GRANT_ORDER: &str = " ORDER BY created_at, group_id COLLATE \"C\", role_id COLLATE \"C\", \
                           scope_kind COLLATE \"C\", scope_id COLLATE \"C\"";

const ATTACHMENT_COLS: &str = "account_id, policy_id, principal_type, principal_id, attached_at";

fn role(r: &Row) -> Result<CustomRoleRow, Error> {
    Ok(CustomRoleRow {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        name: r.try_get(2)?,
        display_name: r.try_get(3)?,
        description: r.try_get(4)?,
        description_cn: r.try_get(5)?,
        role_type: r.try_get(6)?,
        policy: r.try_get(7)?,
        created_at: r.try_get(8)?,
        updated_at: r.try_get(9)?,
    })
}

fn grant(r: &Row) -> Result<GrantRow, Error> {
    Ok(GrantRow {
        account_id: r.try_get(0)?,
        group_id: public_id(r.try_get(1)?).into(),
        role_id: r.try_get(2)?,
        scope: scope_of(r.try_get(3)?, r.try_get(4)?).map_err(Error::Internal)?,
        created_at: r.try_get(5)?,
    })
}

/// A policy from a row selected with `policy_cols!` first.
fn policy(r: &Row) -> Result<IdentityPolicyRow, Error> {
    Ok(IdentityPolicyRow {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        name: r.try_get(2)?,
        path: r.try_get(3)?,
        description: r.try_get(4)?,
        default_version_id: r.try_get(5)?,
        next_version: r.try_get(6)?,
        created_at: r.try_get(7)?,
        updated_at: r.try_get(8)?,
    })
}

/// The principal of columns `i` (type) and `i + 1` (stored id).
fn principal(r: &Row, i: usize) -> Result<Principal, Error> {
    principal_of(r.try_get(i)?, r.try_get(i + 1)?).map_err(Error::Internal)
}

fn attachment(r: &Row) -> Result<AttachmentRow, Error> {
    Ok(AttachmentRow {
        account_id: r.try_get(0)?,
        policy_id: r.try_get(1)?,
        principal: principal(r, 2)?,
        attached_at: r.try_get(4)?,
    })
}

async fn custom_roles(c: &Client, account_id: &str) -> Result<Vec<CustomRoleRow>, Error> {
    let sql = format!(
        "SELECT {ROLE_COLS} FROM custom_roles WHERE account_id = $1 \
         ORDER BY created_at, id COLLATE \"C\""
    );
    rows(c, &sql, &[account_id.into()])
        .await?
        .iter()
        .map(role)
        .collect()
}

async fn custom_role(
    c: &Client,
    account_id: &str,
    id: &str,
) -> Result<Option<CustomRoleRow>, Error> {
    let sql = format!("SELECT {ROLE_COLS} FROM custom_roles WHERE account_id = $1 AND id = $2");
    opt(c, &sql, &[account_id.into(), id.into()])
        .await?
        .as_ref()
        .map(role)
        .transpose()
}

async fn grants(
    c: &Client,
    account_id: &str,
    filter: &GrantFilter,
) -> Result<Vec<GrantRow>, Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {GRANT_COLS} FROM role_assignments WHERE account_id = "
    ));
    sql.bind(account_id);
    if let Some(ids) = &filter.group_ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids.iter().map(|id| key(account_id, id)).collect();
        sql.push(" AND group_id = ANY(").bind(keys).push(")");
    }
    if let Some(role) = &filter.role_id {
        sql.push(" AND role_id = ").bind(role);
    }
    if let Some(scope) = &filter.scope {
        let (kind, id) = scope_columns(scope);
        sql.push(" AND scope_kind = ")
            .bind(kind)
            .push(" AND scope_id = ")
            .bind(id);
    }
    sql.push(GRANT_ORDER);
    sql.rows(c).await?.iter().map(grant).collect()
}

async fn group_paths_of_user(
    c: &Client,
    account_id: &str,
    user_id: &str,
) -> Result<Vec<String>, Error> {
    rows(
        c,
        "SELECT g.path FROM memberships m JOIN user_groups g ON g.id = m.group_id \
         WHERE m.user_id = $1 AND g.account_id = $2 ORDER BY g.seq",
        &[user_id.into(), account_id.into()],
    )
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect()
}

async fn identity_policies(c: &Client, account_id: &str) -> Result<Vec<IdentityPolicyRow>, Error> {
    rows(
        c,
        concat!(
            "SELECT ",
            policy_cols!(""),
            " FROM identity_policies WHERE account_id = $1 ORDER BY created_at, id COLLATE \"C\""
        ),
        &[account_id.into()],
    )
    .await?
    .iter()
    .map(policy)
    .collect()
}

async fn identity_policy_where(
    c: &Client,
    sql: &str,
    account_id: &str,
    value: &str,
) -> Result<Option<IdentityPolicyRow>, Error> {
    opt(c, sql, &[account_id.into(), value.into()])
        .await?
        .as_ref()
        .map(policy)
        .transpose()
}

async fn policy_versions(c: &Client, policy_id: &str) -> Result<Vec<PolicyVersionRow>, Error> {
    // v2 before v10: by creation, then by number
    rows(
        c,
        "SELECT policy_id, version_id, document, created_at FROM identity_policy_versions \
         WHERE policy_id = $1 ORDER BY created_at, length(version_id), version_id COLLATE \"C\"",
        &[policy_id.into()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(PolicyVersionRow {
            policy_id: r.try_get(0)?,
            version_id: r.try_get(1)?,
            document: r.try_get(2)?,
            created_at: r.try_get(3)?,
        })
    })
    .collect()
}

async fn attachments(
    c: &Client,
    account_id: &str,
    policy_id: Option<&str>,
    principal: Option<&Principal>,
) -> Result<Vec<AttachmentRow>, Error> {
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
    sql.push(
        " ORDER BY attached_at, policy_id COLLATE \"C\", principal_type COLLATE \"C\", \
         principal_id COLLATE \"C\"",
    );
    sql.rows(c).await?.iter().map(attachment).collect()
}

async fn held_policies(
    c: &Client,
    account_id: &str,
    principals: &[Principal],
) -> Result<Vec<HeldPolicyRow>, Error> {
    if principals.is_empty() {
        return Ok(Vec::new());
    }
    let mut users = Vec::new();
    let mut groups = Vec::new();
    for p in principals {
        match principal_columns(account_id, p) {
            ("user", id) => users.push(id),
            (_, id) => groups.push(id),
        }
    }
    // one shape whatever the principals: two arrays, either may be empty
    rows(
        c,
        concat!(
            "SELECT ",
            policy_cols!("p."),
            ", a.principal_type, a.principal_id, v.document \
             FROM policy_attachments a \
             JOIN identity_policies p ON p.id = a.policy_id \
             JOIN identity_policy_versions v \
             ON v.policy_id = p.id AND v.version_id = p.default_version_id \
             WHERE a.account_id = $1 AND p.account_id = $1 \
             AND ((a.principal_type = 'user' AND a.principal_id = ANY($2)) \
             OR (a.principal_type = 'group' AND a.principal_id = ANY($3))) \
             ORDER BY a.attached_at, a.policy_id COLLATE \"C\", \
             a.principal_type COLLATE \"C\", a.principal_id COLLATE \"C\""
        ),
        &[account_id.into(), users.into(), groups.into()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(HeldPolicyRow {
            policy: policy(r)?,
            principal: principal(r, NPOLICY)?,
            document: r.try_get(NPOLICY + 2)?,
        })
    })
    .collect()
}

// writes

async fn insert_custom_role(c: &Client, r: &CustomRoleRow) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO custom_roles (id, account_id, name, display_name, description, \
         description_cn, role_type, policy, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            (&r.id).into(),
            (&r.account_id).into(),
            (&r.name).into(),
            (&r.display_name).into(),
            (&r.description).into(),
            (&r.description_cn).into(),
            (&r.role_type).into(),
            (&r.policy).into(),
            r.created_at.into(),
            r.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

async fn update_custom_role(c: &Client, r: &CustomRoleRow) -> Result<(), Error> {
    execute(
        c,
        "UPDATE custom_roles SET display_name = $1, description = $2, description_cn = $3, \
         role_type = $4, policy = $5, updated_at = $6 WHERE account_id = $7 AND id = $8",
        &[
            (&r.display_name).into(),
            (&r.description).into(),
            (&r.description_cn).into(),
            (&r.role_type).into(),
            (&r.policy).into(),
            r.updated_at.into(),
            (&r.account_id).into(),
            (&r.id).into(),
        ],
    )
    .await?;
    Ok(())
}

async fn delete_custom_role(c: &Client, account_id: &str, id: &str) -> Result<bool, Error> {
    // one statement: the grants go only if the role was the account's (a system role's id
    // deletes nothing)
    let deleted: i64 = one(
        c,
        "WITH r AS (DELETE FROM custom_roles WHERE account_id = $1 AND id = $2 RETURNING id), \
         g AS (DELETE FROM role_assignments \
               WHERE account_id = $1 AND role_id IN (SELECT id FROM r)), \
         u AS (DELETE FROM user_role_assignments \
               WHERE account_id = $1 AND role_id IN (SELECT id FROM r)) \
         SELECT count(*) FROM r",
        &[account_id.into(), id.into()],
    )
    .await?
    .try_get(0)?;
    Ok(deleted > 0)
}

async fn insert_grant(c: &Client, g: &GrantRow) -> Result<bool, Error> {
    let (kind, scope_id) = scope_columns(&g.scope);
    let inserted = execute(
        c,
        "INSERT INTO role_assignments (account_id, group_id, role_id, scope_kind, scope_id, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        &[
            (&g.account_id).into(),
            key(&g.account_id, &g.group_id).into(),
            (&g.role_id).into(),
            kind.into(),
            scope_id.into(),
            g.created_at.into(),
        ],
    )
    .await?;
    Ok(inserted == 1)
}

async fn delete_grant(
    c: &Client,
    account_id: &str,
    group_id: &str,
    role_id: &str,
    scope: &GrantScope,
) -> Result<bool, Error> {
    let (kind, scope_id) = scope_columns(scope);
    let deleted = execute(
        c,
        "DELETE FROM role_assignments WHERE account_id = $1 AND group_id = $2 \
         AND role_id = $3 AND scope_kind = $4 AND scope_id = $5",
        &[
            account_id.into(),
            key(account_id, group_id).into(),
            role_id.into(),
            kind.into(),
            scope_id.into(),
        ],
    )
    .await?;
    Ok(deleted > 0)
}

async fn insert_identity_policy(c: &Client, p: &IdentityPolicyRow) -> Result<(), Error> {
    execute(
        c,
        concat!(
            "INSERT INTO identity_policies (",
            policy_cols!(""),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        &[
            (&p.id).into(),
            (&p.account_id).into(),
            (&p.name).into(),
            (&p.path).into(),
            (&p.description).into(),
            (&p.default_version_id).into(),
            p.next_version.into(),
            p.created_at.into(),
            p.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

async fn update_identity_policy(c: &Client, p: &IdentityPolicyRow) -> Result<(), Error> {
    execute(
        c,
        "UPDATE identity_policies SET description = $1, default_version_id = $2, \
         next_version = $3, updated_at = $4 WHERE account_id = $5 AND id = $6",
        &[
            (&p.description).into(),
            (&p.default_version_id).into(),
            p.next_version.into(),
            p.updated_at.into(),
            (&p.account_id).into(),
            (&p.id).into(),
        ],
    )
    .await?;
    Ok(())
}

async fn delete_identity_policy(c: &Client, account_id: &str, id: &str) -> Result<bool, Error> {
    // held first: an attachment or version written beside this waits for the row (their
    // foreign key) and then finds it gone; each DELETE below sees what committed before
    let held = opt(
        c,
        "SELECT 1 FROM identity_policies WHERE account_id = $1 AND id = $2 FOR UPDATE",
        &[account_id.into(), id.into()],
    )
    .await?;
    if held.is_none() {
        return Ok(false);
    }
    for sql in [
        "DELETE FROM policy_attachments WHERE policy_id = $1",
        "DELETE FROM identity_policy_versions WHERE policy_id = $1",
        "DELETE FROM identity_policies WHERE id = $1",
    ] {
        execute(c, sql, &[id.into()]).await?;
    }
    Ok(true)
}

async fn insert_policy_version(c: &Client, v: &PolicyVersionRow) -> Result<(), Error> {
    execute(
        c,
        "INSERT INTO identity_policy_versions (policy_id, version_id, document, created_at) \
         VALUES ($1, $2, $3, $4)",
        &[
            (&v.policy_id).into(),
            (&v.version_id).into(),
            (&v.document).into(),
            v.created_at.into(),
        ],
    )
    .await?;
    Ok(())
}

async fn delete_policy_version(
    c: &Client,
    policy_id: &str,
    version_id: &str,
) -> Result<bool, Error> {
    let deleted = execute(
        c,
        "DELETE FROM identity_policy_versions WHERE policy_id = $1 AND version_id = $2",
        &[policy_id.into(), version_id.into()],
    )
    .await?;
    Ok(deleted > 0)
}

async fn attach_policy(c: &Client, a: &AttachmentRow) -> Result<bool, Error> {
    let (kind, id) = principal_columns(&a.account_id, &a.principal);
    let inserted = execute(
        c,
        "INSERT INTO policy_attachments (account_id, policy_id, principal_type, principal_id, \
         attached_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        &[
            (&a.account_id).into(),
            (&a.policy_id).into(),
            kind.into(),
            id.into(),
            a.attached_at.into(),
        ],
    )
    .await?;
    Ok(inserted == 1)
}

async fn detach_policy(
    c: &Client,
    account_id: &str,
    policy_id: &str,
    principal: &Principal,
) -> Result<bool, Error> {
    let (kind, id) = principal_columns(account_id, principal);
    let deleted = execute(
        c,
        "DELETE FROM policy_attachments WHERE account_id = $1 AND policy_id = $2 \
         AND principal_type = $3 AND principal_id = $4",
        &[account_id.into(), policy_id.into(), kind.into(), id.into()],
    )
    .await?;
    Ok(deleted > 0)
}

/// Deletes the grants and attachments of the account's groups `keys` (stored keys): part of
/// their deletion (`groups::delete_many`), in its transaction.
pub(super) async fn forget_groups(
    c: &Client,
    account_id: &str,
    keys: &[String],
) -> Result<(), Error> {
    for sql in [
        "DELETE FROM role_assignments WHERE account_id = $1 AND group_id = ANY($2)",
        "DELETE FROM policy_attachments WHERE account_id = $1 AND principal_type = 'group' \
         AND principal_id = ANY($2)",
    ] {
        execute(c, sql, &[account_id.into(), keys.into()]).await?;
    }
    Ok(())
}

/// Deletes the attachments of the account's users `ids`: part of their deletion
/// (`users::delete_many`), in its transaction.
pub(super) async fn forget_users(
    c: &Client,
    account_id: &str,
    ids: &[String],
) -> Result<(), Error> {
    execute(
        c,
        "DELETE FROM user_role_assignments WHERE account_id = $1 AND user_id = ANY($2)",
        &[account_id.into(), ids.into()],
    )
    .await?;
    execute(
        c,
        "DELETE FROM system_role_assignments WHERE account_id = $1 AND user_id = ANY($2)",
        &[account_id.into(), ids.into()],
    )
    .await?;
    execute(
        c,
        "DELETE FROM policy_attachments WHERE account_id = $1 AND principal_type = 'user' \
         AND principal_id = ANY($2)",
        &[account_id.into(), ids.into()],
    )
    .await?;
    Ok(())
}

impl<const WRITE: bool> AuthzRead for PgTx<WRITE> {
    fn custom_roles(&mut self, account_id: &AccountId) -> Result<Vec<CustomRoleRow>, Error> {
        self.run(custom_roles(self.c(), account_id))
    }

    fn custom_role(
        &mut self,
        account_id: &AccountId,
        id: &str,
    ) -> Result<Option<CustomRoleRow>, Error> {
        self.run(custom_role(self.c(), account_id, id))
    }

    fn grants(
        &mut self,
        account_id: &AccountId,
        filter: &GrantFilter,
    ) -> Result<Vec<GrantRow>, Error> {
        self.run(grants(self.c(), account_id, filter))
    }

    fn group_paths_of_user(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
    ) -> Result<Vec<String>, Error> {
        self.run(group_paths_of_user(self.c(), account_id, user_id))
    }

    fn identity_policies(
        &mut self,
        account_id: &AccountId,
    ) -> Result<Vec<IdentityPolicyRow>, Error> {
        self.run(identity_policies(self.c(), account_id))
    }

    fn identity_policy(
        &mut self,
        account_id: &AccountId,
        id: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error> {
        const SQL: &str = concat!(
            "SELECT ",
            policy_cols!(""),
            " FROM identity_policies WHERE account_id = $1 AND id = $2"
        );
        self.run(identity_policy_where(self.c(), SQL, account_id, id))
    }

    fn identity_policy_by_name(
        &mut self,
        account_id: &AccountId,
        name: &str,
    ) -> Result<Option<IdentityPolicyRow>, Error> {
        const SQL: &str = concat!(
            "SELECT ",
            policy_cols!(""),
            " FROM identity_policies WHERE account_id = $1 AND name = $2"
        );
        self.run(identity_policy_where(self.c(), SQL, account_id, name))
    }

    fn policy_versions(&mut self, policy_id: &str) -> Result<Vec<PolicyVersionRow>, Error> {
        self.run(policy_versions(self.c(), policy_id))
    }

    fn attachments(
        &mut self,
        account_id: &AccountId,
        policy_id: Option<&str>,
        principal: Option<&Principal>,
    ) -> Result<Vec<AttachmentRow>, Error> {
        self.run(attachments(self.c(), account_id, policy_id, principal))
    }

    fn held_policies(
        &mut self,
        account_id: &AccountId,
        principals: &[Principal],
    ) -> Result<Vec<HeldPolicyRow>, Error> {
        self.run(held_policies(self.c(), account_id, principals))
    }
}

impl AuthzWrite for PgTx<true> {
    fn insert_custom_role(&mut self, r: &CustomRoleRow) -> Result<(), Error> {
        self.run(insert_custom_role(self.c(), r))
    }

    fn update_custom_role(&mut self, r: &CustomRoleRow) -> Result<(), Error> {
        self.run(update_custom_role(self.c(), r))
    }

    fn delete_custom_role(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        self.run(delete_custom_role(self.c(), account_id, id))
    }

    fn insert_grant(&mut self, g: &GrantRow) -> Result<bool, Error> {
        self.run(insert_grant(self.c(), g))
    }

    fn delete_grant(
        &mut self,
        account_id: &AccountId,
        group_id: &str,
        role_id: &str,
        scope: &GrantScope,
    ) -> Result<bool, Error> {
        self.run(delete_grant(self.c(), account_id, group_id, role_id, scope))
    }

    fn insert_identity_policy(&mut self, p: &IdentityPolicyRow) -> Result<(), Error> {
        self.run(insert_identity_policy(self.c(), p))
    }

    fn update_identity_policy(&mut self, p: &IdentityPolicyRow) -> Result<(), Error> {
        self.run(update_identity_policy(self.c(), p))
    }

    fn delete_identity_policy(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        self.run(delete_identity_policy(self.c(), account_id, id))
    }

    fn insert_policy_version(&mut self, v: &PolicyVersionRow) -> Result<(), Error> {
        self.run(insert_policy_version(self.c(), v))
    }

    fn delete_policy_version(&mut self, policy_id: &str, version_id: &str) -> Result<bool, Error> {
        self.run(delete_policy_version(self.c(), policy_id, version_id))
    }

    fn attach_policy(&mut self, a: &AttachmentRow) -> Result<bool, Error> {
        self.run(attach_policy(self.c(), a))
    }

    fn detach_policy(
        &mut self,
        account_id: &AccountId,
        policy_id: &str,
        principal: &Principal,
    ) -> Result<bool, Error> {
        self.run(detach_policy(self.c(), account_id, policy_id, principal))
    }
}
