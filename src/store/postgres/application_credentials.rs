//! Keystone's application credentials (`core::application_credentials`) on tokio-postgres
//! (migration 0021): rows of `application_credentials`, roles as a JSON array of ids.

use tokio_postgres::Row;

use super::sql::{execute, one, opt, rows};
use super::PgTx;
use crate::core::application_credentials::*;
use crate::core::model::AccountId;
use crate::core::Error;

const COLS: &str = "id, account_id, user_id, project_id, name, description, secret_hash, \
     role_ids, unrestricted, expires_at, created_at FROM application_credentials";

fn row(r: &Row) -> Result<AppCredRow, Error> {
    let roles: String = r.try_get(7)?;
    Ok(AppCredRow {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        project_id: r.try_get(3)?,
        name: r.try_get(4)?,
        description: r.try_get(5)?,
        secret_hash: r.try_get(6)?,
        role_ids: serde_json::from_str(&roles)
            .map_err(|e| Error::Internal(format!("application credential roles: {e}")))?,
        unrestricted: r.try_get(8)?,
        expires_at: r.try_get(9)?,
        created_at: r.try_get(10)?,
    })
}

impl<const WRITE: bool> AppCredRead for PgTx<WRITE> {
    fn app_cred(&mut self, id: &str) -> Result<Option<AppCredRow>, Error> {
        let sql = format!("SELECT {COLS} WHERE id = $1");
        self.run(async {
            opt(self.c(), &sql, &[id.into()])
                .await?
                .as_ref()
                .map(row)
                .transpose()
        })
    }

    fn app_creds_of(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        name: Option<&str>,
    ) -> Result<Vec<AppCredRow>, Error> {
        let sql = format!(
            "SELECT {COLS} WHERE account_id = $1 AND user_id = $2 \
             AND ($3::text IS NULL OR name = $3) ORDER BY created_at, id"
        );
        self.run(async {
            rows(
                self.c(),
                &sql,
                &[account_id.into(), user_id.into(), name.into()],
            )
            .await?
            .iter()
            .map(row)
            .collect()
        })
    }

    fn app_cred_count(&mut self, account_id: &AccountId, user_id: &str) -> Result<i64, Error> {
        self.run(async {
            let r = one(
                self.c(),
                "SELECT count(*) FROM application_credentials WHERE user_id = $1 \
                 AND account_id = $2",
                &[user_id.into(), account_id.into()],
            )
            .await?;
            Ok(r.try_get(0)?)
        })
    }
}

impl AppCredWrite for PgTx<true> {
    fn insert_app_cred(&mut self, r: &AppCredRow) -> Result<(), Error> {
        let roles =
            serde_json::to_string(&r.role_ids).map_err(|e| Error::Internal(e.to_string()))?;
        self.run(async {
            execute(
                self.c(),
                "INSERT INTO application_credentials (id, account_id, user_id, project_id, name, \
                 description, secret_hash, role_ids, unrestricted, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    (&r.id).into(),
                    (&r.account_id).into(),
                    (&r.user_id).into(),
                    (&r.project_id).into(),
                    (&r.name).into(),
                    r.description.as_deref().into(),
                    (&r.secret_hash).into(),
                    roles.as_str().into(),
                    r.unrestricted.into(),
                    r.expires_at.into(),
                    r.created_at.into(),
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn delete_app_cred(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        id: &str,
    ) -> Result<bool, Error> {
        self.run(async {
            let n = execute(
                self.c(),
                "DELETE FROM application_credentials WHERE id = $1 AND account_id = $2 \
                 AND user_id = $3",
                &[id.into(), account_id.into(), user_id.into()],
            )
            .await?;
            Ok(n == 1)
        })
    }
}
