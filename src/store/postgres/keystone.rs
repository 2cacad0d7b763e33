//! Keystone's projects, roles and user role assignments (`core::keystone`) on
//! tokio-postgres (migration 0019). Project reads are in `accounts.rs` (they fill the tags
//! from here).

use std::collections::HashMap;

use tokio_postgres::Row;

use super::sql::{execute, opt, rows};
use super::{Client, PgTx};
use crate::core::authz::store::GrantScope;
use crate::core::keystone::*;
use crate::core::model::{AccountId, Project, ProjectId};
use crate::core::Error;
use crate::store::common::{scope_columns, scope_of};

/// The tags of `ids`, each list sorted: one statement.
pub(super) async fn tags_of(
    c: &Client,
    ids: &[&str],
) -> Result<HashMap<String, Vec<String>>, Error> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for r in rows(
        c,
        "SELECT project_id, tag FROM project_tags WHERE project_id = ANY($1) \
         ORDER BY project_id, tag",
        &[ids.into()],
    )
    .await?
    {
        out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(out)
}

pub(super) async fn insert_tags(c: &Client, p: &Project) -> Result<(), Error> {
    if p.tags.is_empty() {
        return Ok(());
    }
    execute(
        c,
        "INSERT INTO project_tags (project_id, tag) SELECT $1, unnest($2::text[]) \
         ON CONFLICT DO NOTHING",
        &[(&p.id).into(), p.tags.as_slice().into()],
    )
    .await?;
    Ok(())
}

const ROLE_COLS: &str = "id, domain_id, name, description, created_at";

fn role(r: &Row) -> Result<KeystoneRoleRow, Error> {
    Ok(KeystoneRoleRow {
        id: r.try_get(0)?,
        domain_id: r.try_get(1)?,
        name: r.try_get(2)?,
        description: r.try_get(3)?,
        created_at: r.try_get(4)?,
    })
}

fn user_grant(r: &Row) -> Result<UserGrantRow, Error> {
    let kind: &str = r.try_get(3)?;
    let id: &str = r.try_get(4)?;
    Ok(UserGrantRow {
        account_id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        role_id: r.try_get(2)?,
        scope: scope_of(kind, id).map_err(Error::Internal)?,
        created_at: r.try_get(5)?,
    })
}

async fn user_grants(
    c: &Client,
    account_id: &str,
    f: &UserGrantFilter,
) -> Result<Vec<UserGrantRow>, Error> {
    let (kind, scope_id) = match &f.scope {
        Some(s) => {
            let (k, i) = scope_columns(s);
            (Some(k), Some(i))
        }
        None => (None, None),
    };
    rows(
        c,
        "SELECT account_id, user_id, role_id, scope_kind, scope_id, created_at \
         FROM user_role_assignments WHERE account_id = $1 \
         AND ($2::text IS NULL OR user_id = $2) AND ($3::text IS NULL OR role_id = $3) \
         AND ($4::text IS NULL OR (scope_kind = $4 AND scope_id = $5)) \
         ORDER BY created_at, user_id, role_id, scope_kind, scope_id",
        &[
            account_id.into(),
            f.user_id.as_deref().into(),
            f.role_id.as_deref().into(),
            kind.into(),
            scope_id.into(),
        ],
    )
    .await?
    .iter()
    .map(user_grant)
    .collect()
}

impl<const WRITE: bool> KeystoneRead for PgTx<WRITE> {
    fn domains(&mut self) -> Result<Vec<DomainRow>, Error> {
        self.run(super::domains::all(self.c()))
    }

    fn domain(&mut self, id: &str) -> Result<Option<DomainRow>, Error> {
        self.run(super::domains::get(self.c(), id))
    }

    fn system_roles_of(&mut self, user_id: &str) -> Result<Vec<String>, Error> {
        self.run(super::domains::system_roles_of(self.c(), user_id))
    }

    fn accounts_of_group(&mut self, group_id: &str) -> Result<Vec<String>, Error> {
        self.run(super::domains::accounts_of_group(self.c(), group_id))
    }

    fn keystone_roles(
        &mut self,
        domain: Option<&AccountId>,
    ) -> Result<Vec<KeystoneRoleRow>, Error> {
        let sql = format!(
            "SELECT {ROLE_COLS} FROM keystone_roles WHERE domain_id IS NULL OR domain_id = $1 \
             ORDER BY name_fold, id"
        );
        let d = domain.map(|d| d.as_str());
        self.run(async {
            rows(self.c(), &sql, &[d.into()])
                .await?
                .iter()
                .map(role)
                .collect()
        })
    }

    fn keystone_role(&mut self, id: &str) -> Result<Option<KeystoneRoleRow>, Error> {
        let sql = format!("SELECT {ROLE_COLS} FROM keystone_roles WHERE id = $1");
        self.run(async {
            opt(self.c(), &sql, &[id.into()])
                .await?
                .as_ref()
                .map(role)
                .transpose()
        })
    }

    fn implied_roles(&mut self) -> Result<Vec<(String, String)>, Error> {
        self.run(async {
            rows(
                self.c(),
                "SELECT prior_role_id, implied_role_id FROM implied_roles \
                 ORDER BY prior_role_id, implied_role_id",
                &[],
            )
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
        })
    }

    fn user_grants(
        &mut self,
        account_id: &AccountId,
        filter: &UserGrantFilter,
    ) -> Result<Vec<UserGrantRow>, Error> {
        self.run(user_grants(self.c(), account_id, filter))
    }
}

impl KeystoneWrite for PgTx<true> {
    fn update_domain(&mut self, d: &DomainRow) -> Result<bool, Error> {
        self.run(super::domains::update(self.c(), d))
    }

    fn delete_account(&mut self, id: &AccountId) -> Result<bool, Error> {
        self.run(super::domains::delete_account(self.c(), id))
    }

    fn insert_system_role(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        role_id: &str,
        now: i64,
    ) -> Result<bool, Error> {
        self.run(super::domains::insert_system_role(
            self.c(),
            account_id,
            user_id,
            role_id,
            now,
        ))
    }

    fn delete_system_role(&mut self, user_id: &str, role_id: &str) -> Result<bool, Error> {
        self.run(super::domains::delete_system_role(
            self.c(),
            user_id,
            role_id,
        ))
    }

    fn update_project(&mut self, p: &Project) -> Result<bool, Error> {
        self.run(async {
            let c = self.c();
            let n = execute(
                c,
                "UPDATE projects SET name = $1, description = $2, enabled = $3, parent_id = $4 \
                 WHERE account_id = $5 AND id = $6",
                &[
                    (&p.name).into(),
                    (&p.description).into(),
                    p.enabled.into(),
                    p.parent_id.as_ref().map(|x| x.as_str()).into(),
                    (&p.account_id).into(),
                    (&p.id).into(),
                ],
            )
            .await?;
            if n == 0 {
                return Ok(false);
            }
            execute(
                c,
                "DELETE FROM project_tags WHERE project_id = $1",
                &[(&p.id).into()],
            )
            .await?;
            insert_tags(c, p).await?;
            Ok(true)
        })
    }

    fn delete_project(&mut self, account_id: &AccountId, id: &ProjectId) -> Result<bool, Error> {
        self.run(async {
            let c = self.c();
            let found = opt(
                c,
                "SELECT id FROM projects WHERE account_id = $1 AND id = $2 FOR UPDATE",
                &[account_id.into(), id.into()],
            )
            .await?;
            if found.is_none() {
                return Ok(false);
            }
            for sql in [
                "DELETE FROM project_tags WHERE project_id = $2 AND $1::text IS NOT NULL",
                "DELETE FROM role_assignments WHERE account_id = $1 AND scope_kind = 'project' \
                 AND scope_id = $2",
                "DELETE FROM user_role_assignments WHERE account_id = $1 \
                 AND scope_kind = 'project' AND scope_id = $2",
                "DELETE FROM export_chunks WHERE task_id IN \
                 (SELECT id FROM export_tasks WHERE project_id = $2) AND $1::text IS NOT NULL",
                "DELETE FROM export_tasks WHERE project_id = $2 AND $1::text IS NOT NULL",
                // the credentials keep working, without a project (core::keystone_credentials)
                "UPDATE access_keys SET project_id = NULL WHERE account_id = $1 \
                 AND project_id = $2",
                "UPDATE credentials SET project_id = NULL WHERE account_id = $1 \
                 AND project_id = $2",
                // its application credentials go with it (core::application_credentials)
                "DELETE FROM application_credentials WHERE account_id = $1 \
                 AND project_id = $2",
                "DELETE FROM projects WHERE account_id = $1 AND id = $2",
            ] {
                execute(c, sql, &[account_id.into(), id.into()]).await?;
            }
            Ok(true)
        })
    }

    fn insert_keystone_role(&mut self, r: &KeystoneRoleRow) -> Result<(), Error> {
        self.run(async {
            execute(
                self.c(),
                "INSERT INTO keystone_roles (id, domain_id, name, name_fold, description, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    (&r.id).into(),
                    r.domain_id.as_ref().map(|d| d.as_str()).into(),
                    (&r.name).into(),
                    r.name.to_lowercase().into(),
                    (&r.description).into(),
                    r.created_at.into(),
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn update_keystone_role(&mut self, r: &KeystoneRoleRow) -> Result<(), Error> {
        self.run(async {
            execute(
                self.c(),
                "UPDATE keystone_roles SET name = $1, name_fold = $2, description = $3 \
                 WHERE id = $4",
                &[
                    (&r.name).into(),
                    r.name.to_lowercase().into(),
                    (&r.description).into(),
                    (&r.id).into(),
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn delete_keystone_role(&mut self, id: &str) -> Result<bool, Error> {
        self.run(async {
            let c = self.c();
            let n = execute(c, "DELETE FROM keystone_roles WHERE id = $1", &[id.into()]).await?;
            if n == 0 {
                return Ok(false);
            }
            for sql in [
                "DELETE FROM role_assignments WHERE role_id = $1",
                "DELETE FROM user_role_assignments WHERE role_id = $1",
                "DELETE FROM system_role_assignments WHERE role_id = $1",
                "DELETE FROM implied_roles WHERE prior_role_id = $1 OR implied_role_id = $1",
            ] {
                execute(c, sql, &[id.into()]).await?;
            }
            Ok(true)
        })
    }

    fn insert_implied_role(&mut self, prior: &str, implied: &str, now: i64) -> Result<bool, Error> {
        self.run(async {
            let n = execute(
                self.c(),
                "INSERT INTO implied_roles (prior_role_id, implied_role_id, created_at) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[prior.into(), implied.into(), now.into()],
            )
            .await?;
            Ok(n == 1)
        })
    }

    fn delete_implied_role(&mut self, prior: &str, implied: &str) -> Result<bool, Error> {
        self.run(async {
            let n = execute(
                self.c(),
                "DELETE FROM implied_roles WHERE prior_role_id = $1 AND implied_role_id = $2",
                &[prior.into(), implied.into()],
            )
            .await?;
            Ok(n > 0)
        })
    }

    fn insert_user_grant(&mut self, g: &UserGrantRow) -> Result<bool, Error> {
        let (kind, scope_id) = scope_columns(&g.scope);
        self.run(async {
            let n = execute(
                self.c(),
                "INSERT INTO user_role_assignments (account_id, user_id, role_id, scope_kind, \
                 scope_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                &[
                    (&g.account_id).into(),
                    (&g.user_id).into(),
                    (&g.role_id).into(),
                    kind.into(),
                    scope_id.into(),
                    g.created_at.into(),
                ],
            )
            .await?;
            Ok(n == 1)
        })
    }

    fn delete_user_grant(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        role_id: &str,
        scope: &GrantScope,
    ) -> Result<bool, Error> {
        let (kind, scope_id) = scope_columns(scope);
        self.run(async {
            let n = execute(
                self.c(),
                "DELETE FROM user_role_assignments WHERE account_id = $1 AND user_id = $2 \
                 AND role_id = $3 AND scope_kind = $4 AND scope_id = $5",
                &[
                    account_id.into(),
                    user_id.into(),
                    role_id.into(),
                    kind.into(),
                    scope_id.into(),
                ],
            )
            .await?;
            Ok(n > 0)
        })
    }
}
